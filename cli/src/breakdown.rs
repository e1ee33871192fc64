//! The breakdowns' files and tables (`engine::breakdown` computes them): `types.csv` and the
//! household-type table, `winners.csv` and the winners-and-losers table, `councils.csv` and the
//! national ranking that replaces one block per council when a comparison covers many, and the
//! month-by-month cash flow of a year.

use std::io::{self, Write};

use slieksnis_engine::Summary;
use slieksnis_engine::breakdown::{Change, CouncilLine, HouseholdType, Winners};
use slieksnis_engine::fixed::format_cents_i128;
use slieksnis_engine::summary::{Row, TOTAL};

use crate::output::{UNCALIBRATED, count, eur, render};

/// Above this many councils a comparison prints the ranking instead of a block per council.
pub const RANKING_ABOVE: usize = 3;

fn money(cents: i64) -> String {
    format_cents_i128(cents.into())
}

/// The flags of a council's figures: `A` where they rest on an assumed parameter (anything in
/// its `assumed` list but the uncalibrated profile), `U` where its profile is uncalibrated.
pub fn flags(assumed: &[String]) -> String {
    let mut f = String::new();
    if assumed.iter().any(|a| a != UNCALIBRATED) {
        f.push('A');
    }
    if assumed.iter().any(|a| a == UNCALIBRATED) {
        f.push('U');
    }
    f
}

/// The legend of [`flags`].
pub const FLAGS_LEGEND: &str = "flags: A = rests on assumed parameters (a council value not known: see the assumed column of summary.csv / benefits.csv); U = households from a profile not fitted to the council's own reported caseload";

/// The columns of a types row after municipality and type: households, persons, each status's
/// households, each benefit's households, persons, EUR, state and municipal EUR, and the totals.
fn type_header(summary: &Summary) -> Vec<String> {
    let schema = &summary.schema;
    let mut h: Vec<String> = vec!["households".into(), "persons".into()];
    for s in &schema.statuses {
        h.push(format!("{}_households", s.id));
    }
    for b in &schema.benefits {
        for suffix in ["households", "persons", "eur", "state_eur", "municipal_eur"] {
            h.push(format!("{}_{suffix}", b.column));
        }
    }
    h.extend(["gross_eur", "state_share_eur", "municipal_net_eur"].map(String::from));
    h
}

fn type_fields(row: &Row, statuses: usize, benefits: usize) -> Vec<String> {
    let mut f = vec![row.households().to_string(), row.persons().to_string()];
    for k in 0..statuses {
        f.push(row.status(k).0.to_string());
    }
    for b in 0..benefits {
        let t = row.benefit(b);
        f.extend([
            t.households.to_string(),
            t.persons.to_string(),
            money(t.cents),
            money(t.state_cents),
            money(t.municipal_cents()),
        ]);
    }
    f.extend([
        money(row.gross_cents()),
        money(row.state_share_cents()),
        money(row.municipal_net_cents()),
    ]);
    f
}

/// One side's summaries by household type, named (`None`: a run's only side).
pub type Side<'a> = (Option<&'a str>, &'a [(HouseholdType, Summary)]);

/// Writes `types.csv`: per side (`None`: a run, no side column), per municipality and then
/// TOTAL, one row per household type.
pub fn write_types(w: &mut dyn Write, sides: &[Side]) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(w);
    let Some((_, first)) = sides.first() else {
        return w.flush();
    };
    let Some((_, s)) = first.first() else {
        return w.flush();
    };
    let (statuses, benefits) = (s.schema.statuses.len(), s.schema.benefits.len());
    let mut head: Vec<String> = Vec::new();
    if sides[0].0.is_some() {
        head.push("side".into());
    }
    head.extend(["municipality", "type", "type_lv"].map(String::from));
    head.extend(type_header(s));
    w.write_record(&head)?;
    for (side, types) in sides {
        let Some((_, s)) = types.first() else {
            continue;
        };
        // Every type's summary has the same municipalities, in the same order.
        let names: Vec<&str> = s.all_rows().map(|r| r.municipality.as_str()).collect();
        for (at, name) in names.iter().enumerate() {
            for (t, summary) in types.iter() {
                let row = summary.all_rows().nth(at).expect("same rows in every type");
                let mut f: Vec<String> = side.iter().map(|s| s.to_string()).collect();
                f.extend([
                    name.to_string(),
                    t.id().to_string(),
                    t.label_lv().to_string(),
                ]);
                f.extend(type_fields(row, statuses, benefits));
                w.write_record(&f)?;
            }
        }
    }
    w.flush()
}

/// The household types of one council (or TOTAL): households, persons, each status's
/// households, everything paid, the council's part, and the EUR a household.
pub fn types_table(types: &[(HouseholdType, Summary)], municipality: &str) -> String {
    let Some((_, first)) = types.first() else {
        return String::new();
    };
    let schema = &first.schema;
    let mut head = vec![
        format!("{municipality} by household type"),
        "households".into(),
        "persons".into(),
    ];
    for s in &schema.statuses {
        head.push(format!("{} hh", s.label));
    }
    head.extend(["gross EUR", "municipal EUR", "gross EUR / hh"].map(String::from));
    let mut lines = vec![head];
    let pick = |s: &Summary| {
        if municipality == TOTAL {
            Some(s.total.clone())
        } else {
            s.row(municipality).cloned()
        }
    };
    let mut sum: Option<Row> = None;
    for (t, s) in types {
        let Some(r) = pick(s) else { continue };
        let mut line = vec![
            t.label().to_string(),
            count(r.households()),
            count(r.persons()),
        ];
        for k in 0..schema.statuses.len() {
            line.push(count(r.status(k).0));
        }
        line.extend([
            eur(r.gross_cents()),
            eur(r.municipal_net_cents()),
            per_household(r.gross_cents(), r.households()),
        ]);
        lines.push(line);
        sum = Some(match sum {
            None => r,
            Some(s) => add(&s, &r),
        });
    }
    if let Some(r) = sum {
        let mut line = vec!["all".to_string(), count(r.households()), count(r.persons())];
        for k in 0..schema.statuses.len() {
            line.push(count(r.status(k).0));
        }
        line.extend([
            eur(r.gross_cents()),
            eur(r.municipal_net_cents()),
            per_household(r.gross_cents(), r.households()),
        ]);
        let rule = lines.len();
        lines.push(line);
        return render(&lines, rule);
    }
    render(&lines, usize::MAX)
}

/// `a + b`, for a table's sum line of types that the summary's row already bounds (the types
/// of a council add up to its row, which fits).
fn add(a: &Row, b: &Row) -> Row {
    let mut r = a.clone();
    for (x, y) in r.values.iter_mut().zip(&b.values) {
        *x = x.saturating_add(*y);
    }
    r
}

/// EUR a household, rounded half away from zero to cents; "—" without households.
fn per_household(cents: i64, households: i64) -> String {
    if households == 0 {
        return "—".into();
    }
    let c = slieksnis_engine::breakdown::div_round(cents.into(), households.into());
    eur(c as i64)
}

/// The names of a change's columns, in the order of [`change_fields`]: the losers from the
/// largest fall, unchanged, the winners to the largest rise.
fn change_header(w: &Winners) -> Vec<String> {
    let bands = w.bands.names();
    let mut h: Vec<String> = vec!["households".into(), "persons".into()];
    h.extend(bands.iter().rev().map(|b| format!("loses_{b}")));
    h.push("unchanged".into());
    h.extend(bands.iter().map(|b| format!("gains_{b}")));
    h.extend(["gained_eur", "lost_eur", "net_change_eur"].map(String::from));
    h
}

fn change_fields(c: &Change) -> Vec<String> {
    let mut f = vec![c.households.to_string(), c.persons.to_string()];
    f.extend(c.loses.iter().rev().map(i64::to_string));
    f.push(c.unchanged.to_string());
    f.extend(c.gains.iter().map(i64::to_string));
    f.extend([
        money(c.gained_cents),
        money(c.lost_cents),
        money(c.net_cents()),
    ]);
    f
}

/// Writes `winners.csv`: per municipality and then TOTAL, a row per household type and one for
/// all types (`type` = `all`).
pub fn write_winners(w: &mut dyn Write, winners: &Winners) -> io::Result<()> {
    let mut out = csv::Writer::from_writer(w);
    let mut head: Vec<String> = ["municipality", "type", "type_lv"]
        .map(String::from)
        .to_vec();
    head.extend(change_header(winners));
    out.write_record(&head)?;
    for r in &winners.rows {
        let mut f = vec![
            r.municipality.clone(),
            r.kind.map_or("all", HouseholdType::id).to_string(),
            r.kind.map_or("visi", HouseholdType::label_lv).to_string(),
        ];
        f.extend(change_fields(&r.change));
        out.write_record(&f)?;
    }
    out.flush()
}

/// Winners and losers of one council (or TOTAL), by household type: the bands of the gains, or
/// of the falls where more households lose than gain (a reform that takes away); the other
/// side's bands on a line below.
pub fn winners_table(winners: &Winners, municipality: &str) -> String {
    let edges = winners.bands.edges_cents.map(|e| count(e / 100));
    let labels = [
        format!("≤ {}", edges[0]),
        format!("{}–{}", edges[0], edges[1]),
        format!("{}–{}", edges[1], edges[2]),
        format!("> {}", edges[2]),
    ];
    let Some(all) = winners.row(municipality, None) else {
        return String::new();
    };
    let falls = all.losing() > all.gaining();
    let (shown, other) = if falls {
        ("lose", "gain")
    } else {
        ("gain", "lose")
    };
    let bands = |c: &Change| if falls { c.loses } else { c.gains };
    let mut head = vec![
        format!("{municipality}: households"),
        "all".to_string(),
        "lose".into(),
        "unchanged".into(),
        "gain".into(),
    ];
    head.extend(labels.iter().map(|b| format!("{shown} {b}")));
    head.extend(["gained EUR", "lost EUR", "net EUR"].map(String::from));
    let mut lines = vec![head];
    let mut rule = usize::MAX;
    for r in winners
        .rows
        .iter()
        .filter(|r| r.municipality == municipality)
    {
        let c = &r.change;
        if r.kind.is_none() {
            rule = lines.len();
        }
        let mut line = vec![
            r.kind.map_or("all", HouseholdType::label).to_string(),
            count(c.households),
            count(c.losing()),
            count(c.unchanged),
            count(c.gaining()),
        ];
        line.extend(bands(c).iter().map(|&g| count(g)));
        line.extend([eur(c.gained_cents), eur(c.lost_cents), eur(c.net_cents())]);
        lines.push(line);
    }
    let mut out = render(&lines, rule);
    let rest = if falls { all.gains } else { all.loses };
    if rest.iter().any(|&n| n > 0) {
        let parts: Vec<String> = rest
            .iter()
            .zip(&labels)
            .map(|(n, l)| format!("{} ({l})", count(*n)))
            .collect();
        out.push_str(&format!("{other} by band (EUR): {}\n", parts.join(", ")));
    }
    out
}

/// A per-resident figure, EUR with 2 decimals.
fn per_resident(l: &CouncilLine) -> String {
    l.per_resident_cents.map_or("—".into(), eur)
}

/// A per cent with 1 decimal from tenths; "—" without a baseline.
fn percent(tenths: Option<i64>) -> String {
    match tenths {
        None => "—".into(),
        Some(t) => {
            let sign = if t < 0 {
                "−"
            } else if t > 0 {
                "+"
            } else {
                ""
            };
            let a = t.unsigned_abs();
            format!("{sign}{}.{}", a / 10, a % 10)
        }
    }
}

/// Writes `councils.csv`: the ranking, then the TOTAL (rank empty).
pub fn write_councils(
    w: &mut dyn Write,
    lines: &[CouncilLine],
    total: &CouncilLine,
) -> io::Result<()> {
    let mut out = csv::Writer::from_writer(w);
    out.write_record([
        "rank",
        "municipality",
        "name_lv",
        "atvk",
        "residents",
        "baseline_municipal_net_eur",
        "reform_municipal_net_eur",
        "change_eur",
        "change_per_resident_eur",
        "change_pct",
        "flags",
        "assumed",
    ])?;
    for l in lines.iter().chain([total]) {
        let pct = l.percent_tenths.map_or(String::new(), |t| {
            let a = t.unsigned_abs();
            format!("{}{}.{}", if t < 0 { "-" } else { "" }, a / 10, a % 10)
        });
        out.write_record([
            if l.rank == 0 {
                String::new()
            } else {
                l.rank.to_string()
            },
            l.slug.clone(),
            l.name.clone(),
            l.atvk.clone(),
            l.residents.to_string(),
            money(l.baseline_cents),
            money(l.reform_cents),
            money(l.change_cents),
            l.per_resident_cents.map_or(String::new(), money),
            pct,
            flags(&l.assumed),
            l.assumed.join(" "),
        ])?;
    }
    out.flush()
}

/// The ranking as a table, sorted by the change in municipal net cost per resident.
pub fn councils_table(lines: &[CouncilLine], total: &CouncilLine, per: &str) -> String {
    let mut rows = vec![
        [
            "#",
            "council",
            "ATVK",
            "residents",
            "baseline net EUR",
            "reform net EUR",
            "change EUR",
            "per resident",
            "change %",
            "flags",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for l in lines.iter().chain([total]) {
        rows.push(vec![
            if l.rank == 0 {
                String::new()
            } else {
                l.rank.to_string()
            },
            if l.rank == 0 {
                TOTAL.to_string()
            } else if l.name.is_empty() {
                l.slug.clone()
            } else {
                l.name.clone()
            },
            l.atvk.clone(),
            count(l.residents),
            eur(l.baseline_cents),
            eur(l.reform_cents),
            eur(l.change_cents),
            per_resident(l),
            percent(l.percent_tenths),
            flags(&l.assumed),
        ]);
    }
    let mut out = format!(
        "Municipal net cost per {per}, councils ranked by the change per resident (largest rise first); residents = persons in the simulated households\n"
    );
    // The rank column is left-aligned by `render`; the rule goes before the total.
    out.push_str(&render(&rows, lines.len() + 1));
    out.push_str(FLAGS_LEGEND);
    out.push('\n');
    out
}

/// A year's cash flow month by month for one council (or TOTAL): EUR paid (gross, state,
/// municipal), then the twelve months' sum, which is the year's.
pub fn months_table(by_month: &[Summary], municipality: &str, year: i32) -> String {
    let mut lines = vec![
        [
            format!("{municipality}, paid in"),
            "gross EUR".into(),
            "state EUR".into(),
            "municipal EUR".into(),
        ]
        .to_vec(),
    ];
    let mut sums = [0i128; 3];
    for (k, m) in by_month.iter().enumerate() {
        let row = if municipality == TOTAL {
            Some(&m.total)
        } else {
            m.row(municipality)
        };
        let v = row.map_or([0; 3], |r| {
            [
                r.gross_cents(),
                r.state_share_cents(),
                r.municipal_net_cents(),
            ]
        });
        for (s, x) in sums.iter_mut().zip(v) {
            *s += i128::from(x);
        }
        let mut line = vec![format!("{year}-{:02}", k + 1)];
        line.extend(v.map(eur));
        lines.push(line);
    }
    let mut line = vec![format!("{year} (12 months)")];
    line.extend(sums.map(wide));
    let rule = lines.len();
    lines.push(line);
    render(&lines, rule)
}

/// A comparison's cash flow month by month: municipal EUR of each side and the change.
pub fn months_comparison_table(
    baseline: &[Summary],
    reform: &[Summary],
    municipality: &str,
    year: i32,
) -> String {
    let mut lines = vec![
        [
            format!("{municipality}, paid in"),
            "baseline gross EUR".into(),
            "reform gross EUR".into(),
            "baseline municipal EUR".into(),
            "reform municipal EUR".into(),
            "change municipal EUR".into(),
        ]
        .to_vec(),
    ];
    let pick = |m: &Summary| {
        let row = if municipality == TOTAL {
            Some(&m.total)
        } else {
            m.row(municipality)
        };
        row.map_or([0; 2], |r| [r.gross_cents(), r.municipal_net_cents()])
    };
    let mut sums = [0i128; 5];
    for (k, (b, r)) in baseline.iter().zip(reform).enumerate() {
        let (b, r) = (pick(b), pick(r));
        let v = [b[0], r[0], b[1], r[1]].map(i128::from);
        let v = [v[0], v[1], v[2], v[3], v[3] - v[2]];
        for (s, x) in sums.iter_mut().zip(v) {
            *s += x;
        }
        let mut line = vec![format!("{year}-{:02}", k + 1)];
        line.extend(v.map(wide));
        lines.push(line);
    }
    let mut line = vec![format!("{year} (12 months)")];
    line.extend(sums.map(wide));
    let rule = lines.len();
    lines.push(line);
    render(&lines, rule)
}

/// Cents summed in 128 bits as EUR, or say that they do not fit (they always do where the
/// year's summary did: its totals are these sums).
fn wide(cents: i128) -> String {
    i64::try_from(cents).map_or_else(|_| "(does not fit)".to_string(), eur)
}

/// `run`'s breakdown flags.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct RunFlags {
    /// Print the household-type table (the council's when the run has one, else TOTAL's);
    /// OUT/types.csv is written either way.
    #[arg(long)]
    pub types: bool,
    /// Print the year's cash flow month by month (the council's, or TOTAL's): EUR paid gross,
    /// by the state and by the council, and the twelve months' sum. Needs --year.
    #[arg(long)]
    pub months: bool,
}

impl RunFlags {
    /// `--months` needs a year.
    pub fn check(&self, horizon: slieksnis_engine::run::Horizon) -> anyhow::Result<()> {
        if let (true, slieksnis_engine::run::Horizon::Month(p)) = (self.months, horizon) {
            anyhow::bail!(
                "--months shows a year month by month, and this run is one month ({p}): give --year YYYY instead of --period, or leave out --months"
            );
        }
        Ok(())
    }
}

/// `compare`'s breakdown flags.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct CompareFlags {
    /// Print a block per council (every measure, baseline, reform, difference) even when the
    /// comparison covers more than 3 councils, which otherwise print the ranking.
    #[arg(long)]
    pub by_council: bool,
    /// Print the year's municipal cash flow month by month, each side and the change (a year's
    /// scenario only).
    #[arg(long)]
    pub months: bool,
}

impl CompareFlags {
    /// `--months` needs a year's scenario: a month has no months to show.
    pub fn check(&self, horizon: slieksnis_engine::run::Horizon) -> anyhow::Result<()> {
        if let (true, slieksnis_engine::run::Horizon::Month(p)) = (self.months, horizon) {
            anyhow::bail!(
                "--months shows a year month by month, and this scenario is one month ({p}): give the scenario year = YYYY instead of period, or leave out --months"
            );
        }
        Ok(())
    }
}

/// The one council a population has, else TOTAL: what the short tables show.
pub fn focus(population: &slieksnis_engine::Population) -> &str {
    match population.municipalities.as_slice() {
        [one] => one,
        _ => TOTAL,
    }
}

/// Each household's type, with the ages in force at the start of `horizon` under `parameters`
/// (the pension age is national; any council resolves it).
pub fn household_types(
    parameters: &slieksnis_engine::parameters::ParameterSet,
    horizon: slieksnis_engine::run::Horizon,
    population: &slieksnis_engine::Population,
) -> anyhow::Result<Vec<HouseholdType>> {
    use slieksnis_engine::breakdown::{Ages, classify};
    let slug = population
        .municipalities
        .first()
        .map_or("riga", String::as_str);
    let ages = Ages::at(parameters, horizon, slug).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(classify(population, ages))
}

/// What `compare` adds to its outputs: each side by household type, winners and losers, and
/// the councils ranked.
pub struct Compared {
    pub types: [Vec<(HouseholdType, Summary)>; 2],
    pub winners: Winners,
    pub councils: (Vec<CouncilLine>, CouncilLine),
}

impl Compared {
    /// The breakdowns of a comparison, its households typed by the baseline's ages (one
    /// classification for both sides, so that winners and losers keep their type).
    pub fn of(
        policy: &slieksnis_engine::Policy,
        scenario: &slieksnis_engine::scenario::Scenario,
        population: &slieksnis_engine::Population,
        c: &slieksnis_engine::scenario::Comparison,
    ) -> anyhow::Result<Compared> {
        use anyhow::anyhow;
        use slieksnis_engine::breakdown::{Bands, by_type, councils, winners};
        let params = scenario
            .baseline
            .parameters(&policy.parameters, &scenario.origin)
            .map_err(|e| anyhow!("{e}"))?;
        let kinds = household_types(
            &params,
            scenario.baseline.horizon(scenario.horizon),
            population,
        )?;
        let types = [
            by_type(population, &c.baseline_outcome, &kinds).map_err(|e| anyhow!("{e}"))?,
            by_type(population, &c.reform_outcome, &kinds).map_err(|e| anyhow!("{e}"))?,
        ];
        let winners = winners(
            population,
            &c.baseline_outcome,
            &c.reform_outcome,
            &kinds,
            Bands::of(scenario.horizon),
        )
        .map_err(|e| anyhow!("{e}"))?;
        let councils = councils(&c.baseline, &c.reform).map_err(|e| anyhow!("{e}"))?;
        Ok(Compared {
            types,
            winners,
            councils,
        })
    }

    /// Whether the terminal shows the ranking instead of a block per council.
    pub fn ranked(&self) -> bool {
        self.councils.0.len() > RANKING_ABOVE
    }

    /// Writes OUT/types.csv, OUT/winners.csv and OUT/councils.csv.
    pub fn write(
        &self,
        staged: &mut crate::staged::Staged,
        out: &std::path::Path,
    ) -> anyhow::Result<()> {
        staged.write(&out.join("types.csv"), |w| {
            write_types(
                w,
                &[
                    (Some("baseline"), &self.types[0]),
                    (Some("reform"), &self.types[1]),
                ],
            )
        })?;
        staged.write(&out.join("winners.csv"), |w| {
            write_winners(w, &self.winners)
        })?;
        staged.write(&out.join("councils.csv"), |w| {
            write_councils(w, &self.councils.0, &self.councils.1)
        })?;
        Ok(())
    }

    /// The terminal's tables after (or instead of) the blocks per council: the ranking when
    /// there are many councils, winners and losers of TOTAL and of the one council, and the
    /// months with `--months`.
    pub fn tables(
        &self,
        c: &slieksnis_engine::scenario::Comparison,
        population: &slieksnis_engine::Population,
        flags: &CompareFlags,
        horizon: slieksnis_engine::run::Horizon,
    ) -> String {
        use slieksnis_engine::run::Horizon;
        let per = match horizon {
            Horizon::Month(_) => "month",
            Horizon::Year(_) => "year",
        };
        let mut out = String::new();
        if self.ranked() {
            out.push_str(&councils_table(&self.councils.0, &self.councils.1, per));
            out.push('\n');
        }
        out.push_str(&format!(
            "Winners and losers: households whose total benefits (every benefit, gross, per {per}) rise, fall or stay\n"
        ));
        // One council: its table is the TOTAL's, shown once under its name.
        let focus = focus(population);
        out.push_str(&winners_table(&self.winners, focus));
        if let (true, Horizon::Year(year)) = (flags.months, horizon) {
            out.push('\n');
            out.push_str(&months_comparison_table(
                &c.baseline_months,
                &c.reform_months,
                focus,
                year,
            ));
        }
        out
    }
}
