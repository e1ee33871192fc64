//! The register of Latvian local governments: slugs, names, regions and populations, from
//! `populations/municipalities.csv` (a copy of the project's reference data; see
//! `populations/README.md` for its sources). Embedded, so validation needs no files.

/// One local government.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Municipality {
    /// The ATVK code (the classification of administrative territories), e.g. `LV0040000`.
    pub atvk: String,
    pub slug: String,
    pub name: String,
    pub region: String,
    pub population: u64,
    /// `active` or `merged` (Varakļāni into Madona, 1.7.2025).
    pub status: String,
}

const CSV: &str = include_str!("../../populations/municipalities.csv");

/// Every local government in the register, in file order.
pub fn municipalities() -> Vec<Municipality> {
    let mut reader = csv::Reader::from_reader(CSV.as_bytes());
    let headers = reader
        .headers()
        .expect("the embedded register has a header")
        .clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .expect("the embedded register has its columns")
    };
    let (atvk, slug, name, region, population, status) = (
        col("atvk"),
        col("slug"),
        col("name_lv"),
        col("region"),
        col("population"),
        col("status"),
    );
    reader
        .records()
        .map(|r| {
            let r = r.expect("the embedded register is valid CSV");
            Municipality {
                atvk: r[atvk].to_string(),
                slug: r[slug].to_string(),
                name: r[name].to_string(),
                region: r[region].to_string(),
                population: r[population].parse().unwrap_or(0),
                status: r[status].to_string(),
            }
        })
        .collect()
}

/// The name of the local government `slug` names (`Tukuma novads`), or `None` for a slug the
/// register does not have (a council of a policy of one's own).
pub fn name(slug: &str) -> Option<String> {
    municipalities()
        .into_iter()
        .find(|m| m.slug == slug)
        .map(|m| m.name)
}

/// The slugs of every local government.
pub fn slugs() -> Vec<String> {
    municipalities().into_iter().map(|m| m.slug).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_register_has_every_local_government() {
        let all = super::municipalities();
        assert_eq!(
            super::name("tukuma-novads").as_deref(),
            Some("Tukuma novads")
        );
        assert_eq!(super::name("tukums"), None);
        // 43 local governments from 1.7.2021; Varakļāni merged into Madona on 1.7.2025.
        assert_eq!(all.len(), 43);
        assert_eq!(all.iter().filter(|m| m.status == "active").count(), 42);
        assert!(
            all.iter()
                .any(|m| m.slug == "ogres-novads" && m.name == "Ogres novads")
        );
        // ATVK codes: Ogre's from the register's row; every council has one of the form
        // LV + 7 digits.
        let ogre = all.iter().find(|m| m.slug == "ogres-novads").unwrap();
        assert_eq!(ogre.atvk, "LV0040000");
        assert!(all.iter().all(|m| m.atvk.len() == 9
            && m.atvk.starts_with("LV")
            && m.atvk[2..].bytes().all(|b| b.is_ascii_digit())));
    }
}
