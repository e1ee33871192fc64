//! CSVs for Latvian Excel (`--csv-lv`): the same files, records and values as the default CSVs,
//! written as a spreadsheet set to Latvian reads them — fields separated by `;`, decimal commas
//! (`864925,12`), Latvian headers and council names (`Tukuma novads`, `KOPĀ`), and UTF-8 with a
//! byte-order mark, without which Excel reads `ā` as `Ä`.
//!
//! Each file is converted from what its own writer gives (the default CSV), so the two forms
//! cannot disagree: a header is replaced by its label (a measure's from
//! [`Measures::label`](slieksnis_engine::summary::Measures::label), the rest from
//! [`crate::spreadsheet::WORDS_LV`]; a name neither knows stays as it is), the values of a
//! `municipality`, `benefit`, `status`, `side` or `measure` column by their Latvian names, and
//! every field that is a decimal number (`-12.50`) gets a comma, except an id's. Counts, texts and the
//! `assumed` lists stay as they are.

use std::collections::HashMap;
use std::io;

use slieksnis_engine::schema::Schema;
use slieksnis_engine::summary::{Measures, TOTAL, WORDS_LV};

use crate::spreadsheet::WORDS_LV as W;

/// The byte-order mark: Excel reads a CSV as UTF-8 only with it.
pub const BOM: &str = "\u{feff}";

/// The Latvian names of a policy's columns and values.
#[derive(Debug, Clone, Default)]
pub struct Lexicon {
    /// Header → its Latvian label.
    columns: HashMap<String, String>,
    /// Column → (value → its Latvian name).
    values: HashMap<&'static str, HashMap<String, String>>,
}

impl Lexicon {
    /// The names of `schema`'s measures, statuses and benefits and of the register's councils.
    pub fn new(schema: &Schema) -> Lexicon {
        let measures = Measures::of(schema);
        let mut columns: HashMap<String, String> = [
            ("municipality", W.municipality),
            ("benefit", W.benefit),
            ("households", WORDS_LV.households),
            ("persons", WORDS_LV.persons),
            ("eur", WORDS_LV.eur),
            ("state_eur", WORDS_LV.state_eur),
            ("municipal_eur", W.municipal_eur),
            ("assumed", W.assumed),
            ("month", W.month),
            ("side", W.side),
            ("value", W.value),
            ("measure", W.measure),
            ("low", W.low),
            ("middle", W.middle),
            ("high", W.high),
            ("point", W.point),
            ("household_id", W.household_id),
            ("status", W.status),
            ("state_share", W.state_share),
            ("municipal_net", W.municipal_net),
            ("rank", W.rank),
            ("name_lv", W.name),
            ("atvk", W.atvk),
            ("residents", W.residents),
            ("baseline_municipal_net_eur", W.baseline_net),
            ("reform_municipal_net_eur", W.reform_net),
            ("change_eur", W.change),
            ("change_per_resident_eur", W.change_per_resident),
            ("change_pct", W.change_pct),
            ("flags", W.flags),
            ("type", W.household_type),
            ("type_lv", W.household_type_name),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let mut measure_names = HashMap::new();
        for (k, name) in measures.names.iter().enumerate() {
            let label = measures.label(schema, k, true);
            columns.insert(name.clone(), label.clone());
            measure_names.insert(name.clone(), label);
        }
        let mut benefits = HashMap::new();
        for b in &schema.benefits {
            // types.csv's council part of a benefit, households.csv's amount of one.
            columns.insert(
                format!("{}_municipal_eur", b.column),
                format!("{}: {}", b.label_in(true), W.municipal_eur),
            );
            columns.insert(
                b.id.clone(),
                format!("{} {}", b.label_in(true), WORDS_LV.eur),
            );
            benefits.insert(b.id.clone(), b.label_in(true).to_string());
        }
        let mut statuses: HashMap<String, String> = schema
            .statuses
            .iter()
            .map(|s| (s.id.clone(), s.label_in(true).to_string()))
            .collect();
        statuses.insert("none".into(), W.no_status.into());
        let mut councils: HashMap<String, String> = slieksnis_engine::register::municipalities()
            .into_iter()
            .map(|m| (m.slug, m.name))
            .collect();
        councils.insert(TOTAL.into(), WORDS_LV.total_row.into());
        let sides = ["baseline", "reform", "difference"]
            .into_iter()
            .zip(W.sides)
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let values = HashMap::from([
            ("municipality", councils),
            ("benefit", benefits),
            ("status", statuses),
            ("side", sides),
            ("measure", measure_names),
        ]);
        Lexicon { columns, values }
    }
}

/// Whether a field is a decimal number as the default CSVs write one: `-?digits.digits`.
fn is_decimal(f: &[u8]) -> bool {
    let f = f.strip_prefix(b"-").unwrap_or(f);
    let Some(dot) = f.iter().position(|&b| b == b'.') else {
        return false;
    };
    let (whole, frac) = (&f[..dot], &f[dot + 1..]);
    !whole.is_empty()
        && !frac.is_empty()
        && whole.iter().all(u8::is_ascii_digit)
        && frac.iter().all(u8::is_ascii_digit)
}

/// The default CSV `plain` (with its header) for Latvian Excel.
pub fn convert(plain: &[u8], lexicon: &Lexicon) -> io::Result<Vec<u8>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(plain);
    let mut out = Vec::with_capacity(plain.len() + plain.len() / 8 + 3);
    out.extend_from_slice(BOM.as_bytes());
    let mut writer = csv::WriterBuilder::new()
        .delimiter(b';')
        .from_writer(&mut out);
    let mut records = reader.byte_records();
    let Some(head) = records.next() else {
        writer.flush()?;
        drop(writer);
        return Ok(out);
    };
    let head = head.map_err(io::Error::other)?;
    let names: Vec<String> = head
        .iter()
        .map(|h| String::from_utf8_lossy(h).into_owned())
        .collect();
    // Identifiers are text, whatever they look like (a household id `1.5`).
    let ids: Vec<bool> = names
        .iter()
        .map(|n| matches!(n.as_str(), "household_id" | "person_id" | "atvk"))
        .collect();
    let maps: Vec<Option<&HashMap<String, String>>> = names
        .iter()
        .map(|n| lexicon.values.get(n.as_str()))
        .collect();
    writer.write_record(
        names
            .iter()
            .map(|n| lexicon.columns.get(n).map_or(n.as_str(), String::as_str)),
    )?;
    let mut fields: Vec<Vec<u8>> = Vec::new();
    for record in records {
        let record = record.map_err(io::Error::other)?;
        fields.clear();
        for (k, f) in record.iter().enumerate() {
            let named = maps.get(k).copied().flatten().and_then(|m| {
                std::str::from_utf8(f)
                    .ok()
                    .and_then(|s| m.get(s))
                    .map(|s| s.as_bytes().to_vec())
            });
            fields.push(match named {
                Some(n) => n,
                None if !ids.get(k).copied().unwrap_or(false) && is_decimal(f) => f
                    .iter()
                    .map(|&b| if b == b'.' { b',' } else { b })
                    .collect(),
                None => f.to_vec(),
            });
        }
        writer.write_record(&fields)?;
    }
    writer.flush()?;
    drop(writer);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_get_commas_and_names_turn_latvian() {
        let policy = slieksnis_engine::Policy::load(&slieksnis_engine::policy::builtin()).unwrap();
        let lexicon = Lexicon::new(&policy.schema);
        let plain = b"municipality,gmi_households,gmi_eur,assumed\n\
                      tukuma-novads,206,12345.60,profile-uncalibrated\n\
                      TOTAL,-3,-0.05,\n";
        let lv = String::from_utf8(convert(plain, &lexicon).unwrap()).unwrap();
        assert_eq!(
            lv,
            "\u{feff}pašvaldība;GMI pabalsts: mājsaimniecības;GMI pabalsts: EUR;pieņēmumi\n\
             Tukuma novads;206;12345,60;profile-uncalibrated\n\
             KOPĀ;-3;-0,05;\n"
        );
        for (f, d) in [
            ("1.5", true),
            ("-0.05", true),
            ("12", false),
            ("1.", false),
            ("a.1", false),
            ("1.2.3", false),
        ] {
            assert_eq!(is_decimal(f.as_bytes()), d, "{f}");
        }
    }
}
