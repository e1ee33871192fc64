//! `--report FILE` and `slieksnis report`: a run's, comparison's or sweep's results as one
//! self-contained HTML file for a council — what was asked, what the figures rest on, the
//! results per benefit and council with their bands, the ranking of councils, a sweep's cost
//! curve, a year's monthly cash flow, and how to reproduce it.
//!
//! Self-contained: the CSS is inline and the charts are inline SVG ([`svg`]), nothing is
//! fetched (no script, font, image or stylesheet; the page's Content-Security-Policy allows
//! none), so it opens offline and prints to A4 ([`html`]'s print CSS: a section a page, table
//! rows and charts not cut, header rows repeated). Latvian by default, English with
//! `--lang en`; the measures' labels are [`Measures::label`]'s, the sheets' words
//! [`crate::spreadsheet::Words`], the councils' names the register's — declared once.
//!
//! Numbers are formatted from the exact integers (cents, counts, [`Decimal`]s): in Latvian with
//! a decimal comma and a no-break space between thousands (`864 924,92`, which a Latvian
//! spreadsheet reads as a number when pasted), in English `864,924.92`; a minus is ASCII `-`.
//! The same inputs give the same bytes: no time is written, only the version.
//!
//! The report gathers what the command computed (this module), it does not compute; where the
//! file goes, whole or not at all, is [`crate::staged`]'s.

pub mod html;
pub mod svg;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Result, anyhow};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use slieksnis_engine::Summary;
use slieksnis_engine::assumptions::Assumptions;
use slieksnis_engine::bands::Bands;
use slieksnis_engine::breakdown::CouncilLine;
use slieksnis_engine::parameters::{Leaf, ParameterSet};
use slieksnis_engine::run::Horizon;
use slieksnis_engine::summary::{MeasureWords, Measures, Row, TOTAL};

use crate::spreadsheet::Words as SheetWords;
use crate::staged::Staged;
use html::{Cell, Section, Table};

/// The report's own words in one language (the columns' are [`SheetWords`] and
/// [`MeasureWords`]).
pub struct Words {
    pub lang: &'static str,
    pub contents: &'static str,
    pub question: &'static str,
    pub assumptions: &'static str,
    pub results: &'static str,
    pub councils: &'static str,
    pub sweep: &'static str,
    pub months: &'static str,
    pub reproduce: &'static str,
    pub policy: &'static str,
    pub period: &'static str,
    pub year: &'static str,
    pub month_of: &'static str,
    pub households: &'static str,
    pub council_list: &'static str,
    pub scenario: &'static str,
    pub changes: &'static str,
    pub none: &'static str,
    pub swept: &'static str,
    pub values: &'static str,
    pub row: &'static str,
    pub replicates: &'static str,
    pub by_council: &'static str,
    /// `{}`: the council.
    pub by_benefit: &'static str,
    /// `{}`: the council.
    pub bands: &'static str,
    pub bands_note: &'static str,
    pub rests_on: &'static str,
    pub rests_on_nothing: &'static str,
    /// `{}`: the year.
    pub projected: &'static str,
    pub default: &'static str,
    pub band: &'static str,
    pub source: &'static str,
    pub assumed_value: &'static str,
    pub set_by: &'static str,
    pub changed: &'static str,
    pub unchanged: &'static str,
    pub before: &'static str,
    pub after: &'static str,
    pub council: &'static str,
    pub national: &'static str,
    pub assumed_parameters: &'static str,
    /// `{}`: the row read, `{}` the parameter.
    pub curve_title: &'static str,
    pub curve_desc: &'static str,
    pub jumps: &'static str,
    pub no_jumps: &'static str,
    /// `{measure} {change} {a} {b}`.
    pub jump: &'static str,
    pub points: &'static str,
    pub change_from_before: &'static str,
    pub skipped: &'static str,
    pub cash_title: &'static str,
    pub cash_desc: &'static str,
    pub total_of_year: &'static str,
    pub command: &'static str,
    pub version: &'static str,
    pub seed: &'static str,
    pub reproduce_note: &'static str,
    /// The note of a report downloaded from the What-if page.
    pub reproduce_web: &'static str,
    pub p5_p95: &'static str,
    /// The title of a report from the web app's What-if page.
    pub whatif: &'static str,
}

pub const WORDS_EN: Words = Words {
    lang: "en",
    contents: "Contents",
    question: "The question",
    assumptions: "Assumptions and parameters",
    results: "Results",
    councils: "Councils ranked per resident",
    sweep: "Cost curve",
    months: "Monthly cash flow",
    reproduce: "How to reproduce it",
    policy: "Rules",
    period: "Period",
    year: "year",
    month_of: "month",
    households: "Households",
    council_list: "Councils",
    scenario: "Scenario",
    changes: "Changes",
    none: "none",
    swept: "Parameter swept",
    values: "Values",
    row: "Figures read for",
    replicates: "Replicates (uncertainty bands)",
    by_council: "By council",
    by_benefit: "By benefit: {}",
    bands: "Uncertainty bands: {}",
    bands_note: "p5–p95: the 5th and 95th percentile over the replicates by nearest rank (population seeds, take-up and calibration); p50 their middle; point: the run without bands. Not included: uncertainty in the rules and parameters, error in the reported figures, the model's error other than through take-up.",
    rests_on: "What the figures rest on (the assumed column of summary.csv)",
    rests_on_nothing: "No figure rests on an assumed parameter or an uncalibrated profile.",
    projected: "Assumptions of the projected year {}",
    default: "default",
    band: "plausible band",
    source: "source",
    assumed_value: "assumed (no source)",
    set_by: "set by",
    changed: "Parameters changed",
    unchanged: "No parameter was changed: the rules in force.",
    before: "in force",
    after: "used",
    council: "council",
    national: "national",
    assumed_parameters: "Assumed parameters (the council's own value is not known)",
    curve_title: "{}: municipal net and gross cost against {}",
    curve_desc: "A line chart: the municipal net cost and the gross cost in EUR at each value of the parameter; dotted vertical lines mark the jumps.",
    jumps: "Jumps (a step more than 3× its measure's typical step, twice its smallest and 1 % of its level)",
    no_jumps: "No jumps.",
    jump: "{measure} jumps by {change} between {a} and {b}",
    points: "Points",
    change_from_before: "change from the point before",
    skipped: "Skipped",
    cash_title: "{}: EUR paid each month",
    cash_desc: "A bar chart: for each month of the year, the EUR paid.",
    total_of_year: "year",
    command: "Command",
    version: "Version",
    seed: "Seed",
    reproduce_note: "The same command with the same version and seed gives the same figures and this same file, byte for byte, on any machine and thread count.",
    reproduce_web: "The same request to the web app (the What-if page with these values, or POST /api/run) with the same version and seed gives the same figures and this same file, byte for byte. The commands give the same figures: the rules in force, and with the changes (summary.csv, benefits.csv, months.csv).",
    p5_p95: "p5–p95",
    whatif: "What if",
};

pub const WORDS_LV: Words = Words {
    lang: "lv",
    contents: "Saturs",
    question: "Jautājums",
    assumptions: "Pieņēmumi un parametri",
    results: "Rezultāti",
    councils: "Pašvaldības pēc izmaiņas uz iedzīvotāju",
    sweep: "Izmaksu līkne",
    months: "Naudas plūsma pa mēnešiem",
    reproduce: "Kā atkārtot aprēķinu",
    policy: "Noteikumi",
    period: "Periods",
    year: "gads",
    month_of: "mēnesis",
    households: "Mājsaimniecības",
    council_list: "Pašvaldības",
    scenario: "Scenārijs",
    changes: "Izmaiņas",
    none: "nav",
    swept: "Mainītais parametrs",
    values: "Vērtības",
    row: "Skaitļi par",
    replicates: "Replikāti (nenoteiktības intervāli)",
    by_council: "Pa pašvaldībām",
    by_benefit: "Pa pabalstiem: {}",
    bands: "Nenoteiktības intervāli: {}",
    bands_note: "p5–p95: 5. un 95. procentile no replikātiem pēc tuvākā ranga (populācijas sēklas, pieteikšanās un kalibrācija); p50 to vidus; aprēķins: rezultāts bez intervāliem. Nav iekļauta noteikumu un parametru nenoteiktība, kļūdas ziņotajos skaitļos, ne modeļa kļūda, kas nav caur pieteikšanos.",
    rests_on: "Uz ko balstās skaitļi (summary.csv kolonna assumed)",
    rests_on_nothing: "Neviens skaitlis nebalstās uz pieņemtu parametru vai nekalibrētu profilu.",
    projected: "Projicētā gada {} pieņēmumi",
    default: "noklusējums",
    band: "ticamais intervāls",
    source: "avots",
    assumed_value: "pieņemts (bez avota)",
    set_by: "iestatīja",
    changed: "Mainītie parametri",
    unchanged: "Neviens parametrs nav mainīts: spēkā esošie noteikumi.",
    before: "spēkā",
    after: "izmantots",
    council: "pašvaldība",
    national: "valsts",
    assumed_parameters: "Pieņemtie parametri (pašvaldības vērtība nav zināma)",
    curve_title: "{}: pašvaldības neto un kopējās izmaksas pret {}",
    curve_desc: "Līniju diagramma: pašvaldības neto izmaksas un kopējās izmaksas EUR pie katras parametra vērtības; punktētas vertikālas līnijas iezīmē lēcienus.",
    jumps: "Lēcieni (solis, kas vairāk nekā 3× pārsniedz rādītāja tipisko soli, divreiz mazāko un 1 % no līmeņa)",
    no_jumps: "Lēcienu nav.",
    jump: "{measure} mainās par {change} starp {a} un {b}",
    points: "Punkti",
    change_from_before: "izmaiņa pret iepriekšējo punktu",
    skipped: "Izlaists",
    cash_title: "{}: katru mēnesi izmaksātie EUR",
    cash_desc: "Stabiņu diagramma: katram gada mēnesim izmaksātie EUR.",
    total_of_year: "gadā",
    command: "Komanda",
    version: "Versija",
    seed: "Sēkla",
    reproduce_note: "Tā pati komanda ar to pašu versiju un sēklu dod tos pašus skaitļus un šo pašu failu, baitu pa baitam, jebkurā datorā un ar jebkuru pavedienu skaitu.",
    reproduce_web: "Tas pats pieprasījums tīmekļa lietotnei (lapa “Ko darīt, ja” ar šīm vērtībām vai POST /api/run) ar to pašu versiju un sēklu dod tos pašus skaitļus un šo pašu failu, baitu pa baitam. Komandas dod tos pašus skaitļus: spēkā esošie noteikumi un ar izmaiņām (summary.csv, benefits.csv, months.csv).",
    p5_p95: "p5–p95",
    whatif: "Ko darīt, ja",
};

impl Words {
    pub fn of(lv: bool) -> &'static Words {
        if lv { &WORDS_LV } else { &WORDS_EN }
    }
}

/// Numbers as the report prints them, from exact integers: Latvian `1 234,56` (a no-break
/// space between thousands, a decimal comma), English `1,234.56`; a minus is ASCII `-`.
#[derive(Debug, Clone, Copy)]
pub struct Numbers {
    pub lv: bool,
}

impl Numbers {
    fn group(self, v: u64) -> String {
        let sep = if self.lv { '\u{a0}' } else { ',' };
        let s = v.to_string();
        let mut out = String::new();
        for (i, ch) in s.chars().enumerate() {
            if i > 0 && (s.len() - i).is_multiple_of(3) {
                out.push(sep);
            }
            out.push(ch);
        }
        out
    }

    fn point(self) -> char {
        if self.lv { ',' } else { '.' }
    }

    /// Cents as EUR with two decimals.
    pub fn eur(self, cents: i64) -> String {
        let sign = if cents < 0 { "-" } else { "" };
        let c = cents.unsigned_abs();
        format!(
            "{sign}{}{}{:02}",
            self.group(c / 100),
            self.point(),
            c % 100
        )
    }

    /// A change in EUR: with its sign.
    pub fn eur_signed(self, cents: i64) -> String {
        if cents > 0 {
            format!("+{}", self.eur(cents))
        } else {
            self.eur(cents)
        }
    }

    pub fn count(self, n: i64) -> String {
        let sign = if n < 0 { "-" } else { "" };
        format!("{sign}{}", self.group(n.unsigned_abs()))
    }

    pub fn count_signed(self, n: i64) -> String {
        if n > 0 {
            format!("+{}", self.count(n))
        } else {
            self.count(n)
        }
    }

    /// A measure's value: EUR for an amount, else a count.
    pub fn measure(self, m: &Measures, k: usize, v: i64) -> String {
        if m.is_amount(k) {
            self.eur(v)
        } else {
            self.count(v)
        }
    }

    pub fn measure_signed(self, m: &Measures, k: usize, v: i64) -> String {
        if m.is_amount(k) {
            self.eur_signed(v)
        } else {
            self.count_signed(v)
        }
    }

    /// A decimal as written (`0.6` → `0,6`).
    pub fn decimal(self, d: Decimal) -> String {
        let s = d.normalize().to_string();
        if self.lv { s.replace('.', ",") } else { s }
    }

    /// Tenths of a per cent: `12,3 %`.
    pub fn percent_tenths(self, t: i64) -> String {
        let sign = if t < 0 { "-" } else { "" };
        let a = t.unsigned_abs();
        format!("{sign}{}{}{}\u{a0}%", a / 10, self.point(), a % 10)
    }

    /// A chart's tick: a round value, shown with at most four decimals (an axis label, not a
    /// figure of the report).
    pub fn tick(self, v: f64) -> String {
        let scaled = (v * 10_000.0).round() as i64;
        let d = Decimal::new(scaled, 4);
        if d.fract().is_zero() {
            self.count(d.trunc().to_i64().unwrap_or(0))
        } else {
            self.decimal(d)
        }
    }
}

/// One parameter a run changed: where (`None`: national), its leaf in force before and the
/// leaf used (`None`: a swept parameter, whose values `swept` says).
pub struct Changed {
    pub council: Option<String>,
    pub before: Arc<Leaf>,
    pub after: Option<Arc<Leaf>>,
    pub swept: String,
}

/// Leaves by (council, or `None` for a national one; name).
type InForce = BTreeMap<(Option<String>, String), Arc<Leaf>>;

/// The leaves in force for `councils` over `horizon`, keyed by (council or national, name,
/// since).
fn in_force(params: &ParameterSet, horizon: Horizon, councils: &[String]) -> Result<InForce> {
    let mut out = BTreeMap::new();
    let dates: Vec<slieksnis_engine::date::Date> = match horizon {
        Horizon::Month(p) => vec![p.first_day()],
        Horizon::Year(y) => vec![slieksnis_engine::Period { year: y, month: 12 }.first_day()],
    };
    for slug in councils {
        for &date in &dates {
            let resolved = params.resolve(date, slug).map_err(|e| anyhow!("{e}"))?;
            let mut leaves = Vec::new();
            crate::commands::collect(&resolved.root, &mut leaves);
            for leaf in leaves {
                let council = leaf
                    .path
                    .starts_with("municipalities.")
                    .then(|| slug.clone());
                out.insert((council, leaf.name().to_string()), leaf);
            }
        }
    }
    Ok(out)
}

/// The parameters whose value differs between `before` in `horizons[0]` and `after` in
/// `horizons[1]` for `councils` (at each horizon's last month's start), each once.
pub fn changed(
    before: &ParameterSet,
    after: &ParameterSet,
    horizons: [Horizon; 2],
    councils: &[String],
) -> Result<Vec<Changed>> {
    let (b, a) = (
        in_force(before, horizons[0], councils)?,
        in_force(after, horizons[1], councils)?,
    );
    Ok(b.into_iter()
        .filter_map(|(key, leaf)| {
            let used = a.get(&key)?;
            (used.value != leaf.value).then(|| Changed {
                council: key.0,
                before: leaf,
                after: Some(used.clone()),
                swept: String::new(),
            })
        })
        .collect())
}

/// A year's months per side (not the difference), and the council the chart follows.
pub type Months<'a> = (i32, Vec<Side<'a, &'a [Summary]>>, &'a str);

/// What a run or a comparison computed, as the report and the workbook take it — from
/// `run`, `compare` or the web app's What-if page, so that all three are written by the same
/// code. `sides` is one side (`None`) or baseline, reform and difference (`Some(0)`, `Some(1)`,
/// `Some(2)`); `params` and `periods` are the parameters before and after (in force and used:
/// a run's without and with its `--set`, a comparison's two sides).
pub struct Gathered<'a> {
    pub params: [&'a ParameterSet; 2],
    pub periods: [Horizon; 2],
    /// The councils of the run, in the summary's order.
    pub councils: &'a [String],
    /// A projected year's assumptions: (the side's name or empty, the year, the assumptions).
    pub projected: Vec<(String, i32, &'a Assumptions)>,
    pub sides: Vec<Side<'a, &'a Summary>>,
    pub bands: Vec<Side<'a, &'a Bands>>,
    /// A comparison's councils ranked (shown in the report above [`RANKING_ABOVE`] councils).
    pub ranking: Option<(&'a [CouncilLine], &'a CouncilLine)>,
    pub months: Option<Months<'a>>,
    pub command: String,
    pub seed: u64,
    /// Computed by the web app (its request, not a command line, gives this same file).
    pub from_web: bool,
}

/// The report being gathered: its sections in order.
pub struct Report {
    lv: bool,
    words: &'static Words,
    sheet: &'static SheetWords,
    n: Numbers,
    /// Slug → (Latvian name, ATVK code), from the register.
    councils: HashMap<String, (String, String)>,
    title: String,
    lead: String,
    sections: Vec<Section>,
    charts: usize,
}

/// A part of a table: a comparison's side (an index into [`SheetWords::sides`]) or a run's
/// only one (`None`).
pub type Side<'a, T> = (Option<usize>, T);

impl Report {
    /// A report titled `title` (the scenario's name, or what was run); `lead` is the line under
    /// it (the policy, the households, what the figures count).
    pub fn new(lv: bool, title: &str, lead: &str) -> Report {
        let councils = slieksnis_engine::register::municipalities()
            .into_iter()
            .map(|m| (m.slug, (m.name, m.atvk)))
            .collect();
        Report {
            lv,
            words: Words::of(lv),
            sheet: SheetWords::of(lv),
            n: Numbers { lv },
            councils,
            title: title.to_string(),
            lead: lead.to_string(),
            sections: Vec::new(),
            charts: 0,
        }
    }

    pub fn set_title(&mut self, title: &str) {
        self.title = title.to_string();
    }

    pub fn numbers(&self) -> Numbers {
        self.n
    }

    /// A council's name as the register has it (TOTAL: the total row's name).
    pub fn council_name(&self, slug: &str) -> String {
        if slug == TOTAL {
            return MeasureWords::of(self.lv).total_row.to_string();
        }
        self.councils
            .get(slug)
            .map_or_else(|| slug.to_string(), |(name, _)| name.clone())
    }

    fn atvk(&self, slug: &str) -> String {
        self.councils
            .get(slug)
            .map_or_else(String::new, |(_, a)| a.clone())
    }

    fn section(&mut self, id: &'static str, title: &str, body: String) {
        self.sections.push(Section {
            id,
            title: title.to_string(),
            body,
        });
    }

    fn chart_id(&mut self) -> String {
        self.charts += 1;
        format!("chart{}", self.charts)
    }

    /// The question: what was run, as (label, value) pairs, and a description (a scenario's).
    pub fn question(&mut self, facts: &[(String, String)], description: &str) {
        let mut body = html::facts(facts);
        for para in description
            .trim()
            .split("\n\n")
            .filter(|p| !p.trim().is_empty())
        {
            body.push_str(&html::p(
                &para.split_whitespace().collect::<Vec<_>>().join(" "),
            ));
        }
        let title = self.words.question;
        self.section("question", title, body);
    }

    /// The assumptions: what the rows rest on (`assumed` codes, in words), a projected year's
    /// assumptions, the parameters changed and, for at most three councils, the assumed
    /// parameters in force.
    pub fn assumptions<'a>(
        &mut self,
        rows: impl Iterator<Item = &'a Row>,
        projected: &[(String, i32, &Assumptions)],
        changed: &[Changed],
        assumed: &[Arc<Leaf>],
    ) {
        let (w, sw, n) = (self.words, self.sheet, self.n);
        let mut body = html::h3(w.rests_on);
        let mut notes: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for r in rows {
            if r.assumed.is_empty() {
                continue;
            }
            let all: Vec<&str> = r.assumed.iter().map(String::as_str).collect();
            let name = self.council_name(&r.municipality);
            let names = notes
                .entry(crate::output::assumed_note_in(&all, self.lv))
                .or_default();
            if !names.contains(&name) {
                names.push(name);
            }
        }
        if notes.is_empty() {
            body.push_str(&html::p(w.rests_on_nothing));
        } else {
            let items: Vec<String> = notes
                .into_iter()
                .map(|(note, names)| format!("{}: {note}", names.join(", ")))
                .collect();
            body.push_str(&html::list(&items));
        }
        for (side, year, a) in projected {
            let mut caption = w.projected.replace("{}", &year.to_string());
            if !side.is_empty() {
                caption = format!("{caption} ({side})");
            }
            let mut t = Table::new(
                caption,
                [
                    sw.path,
                    sw.value,
                    sw.unit,
                    w.default,
                    w.band,
                    w.source,
                    sw.description,
                ]
                .map(String::from)
                .to_vec(),
            );
            for x in a.all() {
                let source = match (&x.set_by, &x.source) {
                    (Some(by), _) => format!("{} {by}", w.set_by),
                    (None, Some(s)) => s.clone(),
                    (None, None) => w.assumed_value.to_string(),
                };
                let description = if self.lv && !x.description_lv.is_empty() {
                    &x.description_lv
                } else {
                    &x.description
                };
                t.row(vec![
                    Cell::Text(x.name.clone()),
                    Cell::Number(n.decimal(x.value)),
                    Cell::Text(x.unit.clone()),
                    Cell::Number(n.decimal(x.default)),
                    Cell::Number(format!("{} … {}", n.decimal(x.band.0), n.decimal(x.band.1))),
                    Cell::Text(source),
                    Cell::Text(description.clone()),
                ]);
            }
            body.push_str(&t.html());
        }
        body.push_str(&html::h3(w.changed));
        if changed.is_empty() {
            body.push_str(&html::p(w.unchanged));
        } else {
            let mut t = Table::new(
                "",
                [
                    sw.path,
                    w.council,
                    w.before,
                    w.after,
                    sw.unit,
                    sw.since,
                    sw.reference,
                    sw.description,
                ]
                .map(String::from)
                .to_vec(),
            );
            for c in changed {
                t.row(self.leaf_cells(c));
            }
            body.push_str(&t.html());
        }
        if !assumed.is_empty() {
            let mut t = Table::new(
                w.assumed_parameters,
                [sw.path, sw.value, sw.since, sw.reference, sw.origin]
                    .map(String::from)
                    .to_vec(),
            );
            for leaf in assumed {
                t.row(vec![
                    Cell::Text(leaf.path.clone()),
                    Cell::Text(leaf.value.to_string()),
                    Cell::Text(leaf.since.map_or(sw.always.to_string(), |d| d.to_string())),
                    Cell::Text(leaf.meta.reference.clone()),
                    Cell::Text(leaf.meta.place()),
                ]);
            }
            body.push_str(&t.html());
        }
        let title = w.assumptions;
        self.section("assumptions", title, body);
    }

    fn leaf_cells(&self, c: &Changed) -> Vec<Cell> {
        let (w, sw) = (self.words, self.sheet);
        let leaf = c.after.as_ref().unwrap_or(&c.before);
        let description = if self.lv && !leaf.meta.description_lv.is_empty() {
            &leaf.meta.description_lv
        } else {
            &leaf.meta.description
        };
        vec![
            Cell::Text(leaf.name().to_string()),
            Cell::Text(
                c.council
                    .as_deref()
                    .map_or(w.national.to_string(), |s| self.council_name(s)),
            ),
            Cell::Text(c.before.value.to_string()),
            Cell::Text(
                c.after
                    .as_ref()
                    .map_or_else(|| c.swept.clone(), |a| a.value.to_string()),
            ),
            Cell::Text(leaf.meta.unit.clone()),
            Cell::Text(leaf.since.map_or(sw.always.to_string(), |d| d.to_string())),
            Cell::Text(leaf.meta.reference.clone()),
            Cell::Text(description.clone()),
        ]
    }

    /// The results: per council (and TOTAL) the households, each status, gross, state and
    /// municipal net (a comparison's sides council by council); per benefit for each of
    /// `focus`; the bands of `focus` where the run has replicates.
    pub fn results(&mut self, sides: &[Side<&Summary>], focus: &[String], bands: &[Side<&Bands>]) {
        let Some((_, first)) = sides.first() else {
            return;
        };
        let (w, sw, n) = (self.words, self.sheet, self.n);
        let (schema, m) = (&first.schema, first.measures().clone());
        let status_hh: Vec<usize> = (0..m.len())
            .filter(|&k| m.is_status(k) && m.names[k].ends_with("_households"))
            .collect();
        let totals: Vec<usize> = ["gross_eur", "state_share_eur", "municipal_net_eur"]
            .iter()
            .filter_map(|x| m.names.iter().position(|n| n == x))
            .collect();
        let shown: Vec<usize> = [0].into_iter().chain(status_hh).chain(totals).collect();
        let compared = sides[0].0.is_some();
        let mut header = Vec::new();
        header.push(sw.municipality.to_string());
        if compared {
            header.push(sw.side.to_string());
        }
        header.extend(shown.iter().map(|&k| m.label(schema, k, self.lv)));
        let mut t = Table::new(w.by_council, header);
        let per_side: Vec<Vec<&Row>> = sides.iter().map(|(_, s)| s.all_rows().collect()).collect();
        for at in 0..per_side[0].len() {
            for ((side, _), rows) in sides.iter().zip(&per_side) {
                let row = rows[at];
                let mut cells = vec![Cell::Text(self.council_name(&row.municipality))];
                if let Some(s) = side {
                    cells.push(Cell::Text(sw.sides[*s].to_string()));
                }
                let diff = *side == Some(2);
                cells.extend(shown.iter().map(|&k| {
                    Cell::Number(if diff {
                        n.measure_signed(&m, k, row.values[k])
                    } else {
                        n.measure(&m, k, row.values[k])
                    })
                }));
                if row.municipality == TOTAL {
                    t.total(cells);
                } else {
                    t.row(cells);
                }
            }
        }
        let mut body = t.html();
        for slug in focus {
            body.push_str(&self.benefit_table(sides, slug, bands));
        }
        if !bands.is_empty() {
            for slug in focus {
                body.push_str(&self.band_table(schema, slug, bands));
            }
            body.push_str(&html::note(w.bands_note));
        }
        let title = w.results;
        self.section("results", title, body);
    }

    fn benefit_table(
        &self,
        sides: &[Side<&Summary>],
        slug: &str,
        bands: &[Side<&Bands>],
    ) -> String {
        let (w, sw, n) = (self.words, self.sheet, self.n);
        let mw = MeasureWords::of(self.lv);
        let schema = &sides[0].1.schema;
        let rows: Vec<&Row> = sides
            .iter()
            .map(|(_, s)| {
                if slug == TOTAL {
                    &s.total
                } else {
                    s.row(slug).unwrap_or(&s.total)
                }
            })
            .collect();
        let band_rows: Vec<_> = bands
            .iter()
            .filter_map(|(_, b)| b.all_rows().find(|r| r.municipality == slug))
            .collect();
        let band_of = |part: usize, name: &str| {
            let b = bands.get(part)?;
            b.1.get(band_rows.get(part)?, name)
        };
        let caption = w.by_benefit.replace("{}", &self.council_name(slug));
        let mut header = vec![sw.benefit.to_string()];
        let compared = sides.len() > 1;
        if compared {
            for k in 0..3 {
                header.push(format!("{}: {}", sw.sides[k], mw.households));
            }
            for k in 0..3 {
                header.push(format!("{}: {}", sw.sides[k], mw.eur));
            }
            header.push(format!("{}: {}", sw.sides[2], sw.municipal_eur));
            if bands.len() == 3 {
                header.push(format!("{}: {} {}", sw.sides[2], mw.eur, w.p5_p95));
            }
        } else {
            header.extend(
                [
                    mw.households,
                    mw.persons,
                    mw.eur,
                    mw.state_eur,
                    sw.municipal_eur,
                ]
                .map(String::from),
            );
            if !bands.is_empty() {
                header.push(format!("{} {}", mw.households, w.p5_p95));
                header.push(format!("{} {}", mw.eur, w.p5_p95));
            }
        }
        let mut t = Table::new(caption, header);
        let range = |b: Option<slieksnis_engine::bands::Band>, eur: bool| match b {
            Some(b) if eur => format!("{} … {}", n.eur(b.low), n.eur(b.high)),
            Some(b) => format!("{} … {}", n.count(b.low), n.count(b.high)),
            None => String::new(),
        };
        for (b, benefit) in schema.benefits.iter().enumerate() {
            let totals: Vec<_> = rows.iter().map(|r| r.benefit(b)).collect();
            let mut cells = vec![Cell::Text(benefit.label_in(self.lv).to_string())];
            if compared {
                cells.push(Cell::Number(n.count(totals[0].households)));
                cells.push(Cell::Number(n.count(totals[1].households)));
                cells.push(Cell::Number(n.count_signed(totals[2].households)));
                cells.push(Cell::Number(n.eur(totals[0].cents)));
                cells.push(Cell::Number(n.eur(totals[1].cents)));
                cells.push(Cell::Number(n.eur_signed(totals[2].cents)));
                cells.push(Cell::Number(n.eur_signed(totals[2].municipal_cents())));
                if bands.len() == 3 {
                    let name = format!("{}_eur", benefit.column);
                    cells.push(Cell::Number(range(band_of(2, &name), true)));
                }
            } else {
                let x = &totals[0];
                cells.extend([
                    Cell::Number(n.count(x.households)),
                    Cell::Number(n.count(x.persons)),
                    Cell::Number(n.eur(x.cents)),
                    Cell::Number(n.eur(x.state_cents)),
                    Cell::Number(n.eur(x.municipal_cents())),
                ]);
                if !bands.is_empty() {
                    let hh = format!("{}_households", benefit.column);
                    let eur = format!("{}_eur", benefit.column);
                    cells.push(Cell::Number(range(band_of(0, &hh), false)));
                    cells.push(Cell::Number(range(band_of(0, &eur), true)));
                }
            }
            t.row(cells);
        }
        // The totals: gross, state share, municipal net.
        let mut cells = vec![Cell::Text(mw.total_row.to_string())];
        let (g, s, net) = (
            rows.iter().map(|r| r.gross_cents()).collect::<Vec<_>>(),
            rows.iter()
                .map(|r| r.state_share_cents())
                .collect::<Vec<_>>(),
            rows.iter()
                .map(|r| r.municipal_net_cents())
                .collect::<Vec<_>>(),
        );
        if compared {
            cells.extend([
                Cell::Text(String::new()),
                Cell::Text(String::new()),
                Cell::Text(String::new()),
                Cell::Number(n.eur(g[0])),
                Cell::Number(n.eur(g[1])),
                Cell::Number(n.eur_signed(g[2])),
                Cell::Number(n.eur_signed(net[2])),
            ]);
            if bands.len() == 3 {
                cells.push(Cell::Number(range(band_of(2, "gross_eur"), true)));
            }
        } else {
            cells.extend([
                Cell::Text(String::new()),
                Cell::Text(String::new()),
                Cell::Number(n.eur(g[0])),
                Cell::Number(n.eur(s[0])),
                Cell::Number(n.eur(net[0])),
            ]);
            if !bands.is_empty() {
                cells.push(Cell::Text(String::new()));
                cells.push(Cell::Number(range(band_of(0, "gross_eur"), true)));
            }
        }
        t.total(cells);
        t.html()
    }

    fn band_table(
        &self,
        schema: &slieksnis_engine::schema::Schema,
        slug: &str,
        bands: &[Side<&Bands>],
    ) -> String {
        let (w, sw, n) = (self.words, self.sheet, self.n);
        let m = bands[0].1.measures.clone();
        let rows: Vec<_> = bands
            .iter()
            .filter_map(|(_, b)| b.all_rows().find(|r| r.municipality == slug))
            .collect();
        if rows.len() != bands.len() {
            return String::new();
        }
        let caption = w.bands.replace("{}", &self.council_name(slug));
        let range = |k: usize, b: slieksnis_engine::bands::Band| {
            format!("{} … {}", n.measure(&m, k, b.low), n.measure(&m, k, b.high))
        };
        let mut t;
        if bands.len() == 3 {
            t = Table::new(
                caption,
                vec![
                    sw.measure.to_string(),
                    format!("{} {}", sw.sides[0], w.p5_p95),
                    format!("{} {}", sw.sides[1], w.p5_p95),
                    format!("{}: {}", sw.sides[2], sw.point),
                    format!("{}: p50", sw.sides[2]),
                    format!("{}: {}", sw.sides[2], w.p5_p95),
                ],
            );
            for k in crate::bands::shown_measures(&m, schema) {
                let d = rows[2].bands[k];
                t.row(vec![
                    Cell::Text(m.label(schema, k, self.lv)),
                    Cell::Number(range(k, rows[0].bands[k])),
                    Cell::Number(range(k, rows[1].bands[k])),
                    Cell::Number(n.measure_signed(&m, k, d.point)),
                    Cell::Number(n.measure_signed(&m, k, d.middle)),
                    Cell::Number(format!(
                        "{} … {}",
                        n.measure_signed(&m, k, d.low),
                        n.measure_signed(&m, k, d.high)
                    )),
                ]);
            }
        } else {
            t = Table::new(
                caption,
                [sw.measure, sw.point, sw.low, sw.middle, sw.high]
                    .map(String::from)
                    .to_vec(),
            );
            for k in crate::bands::shown_measures(&m, schema) {
                let b = rows[0].bands[k];
                t.row(vec![
                    Cell::Text(m.label(schema, k, self.lv)),
                    Cell::Number(n.measure(&m, k, b.point)),
                    Cell::Number(n.measure(&m, k, b.low)),
                    Cell::Number(n.measure(&m, k, b.middle)),
                    Cell::Number(n.measure(&m, k, b.high)),
                ]);
            }
        }
        t.html()
    }

    /// A comparison's councils ranked by the change in municipal net per resident, then TOTAL.
    pub fn councils(&mut self, lines: &[CouncilLine], total: &CouncilLine) {
        let (w, sw, n) = (self.words, self.sheet, self.n);
        let mut t = Table::new(
            "",
            [
                sw.rank,
                sw.municipality,
                sw.atvk,
                sw.residents,
                sw.baseline_net,
                sw.reform_net,
                sw.change,
                sw.change_per_resident,
                sw.change_pct,
                sw.flags,
            ]
            .map(String::from)
            .to_vec(),
        );
        for l in lines.iter().chain([total]) {
            let cells = vec![
                Cell::Number(if l.rank == 0 {
                    String::new()
                } else {
                    l.rank.to_string()
                }),
                Cell::Text(self.council_name(&l.slug)),
                Cell::Text(self.atvk(&l.slug)),
                Cell::Number(n.count(l.residents)),
                Cell::Number(n.eur(l.baseline_cents)),
                Cell::Number(n.eur(l.reform_cents)),
                Cell::Number(n.eur_signed(l.change_cents)),
                Cell::Number(l.per_resident_cents.map_or("—".into(), |c| n.eur_signed(c))),
                Cell::Number(l.percent_tenths.map_or("—".into(), |p| n.percent_tenths(p))),
                Cell::Text(crate::breakdown::flags(&l.assumed)),
            ];
            if l.slug == TOTAL {
                t.total(cells);
            } else {
                t.row(cells);
            }
        }
        let mut body = t.html();
        body.push_str(&html::note(sw.councils_note));
        let title = w.councils;
        self.section("councils", title, body);
    }

    /// A sweep's cost curve: the row's municipal net and gross cost against the value (a line
    /// chart, the jumps marked), the jumps in words and a table of the points.
    pub fn sweep(
        &mut self,
        param: &str,
        points: &[(Decimal, &Summary)],
        skipped: &[(Decimal, String)],
        row: &str,
        bands: Option<&[(Decimal, Bands)]>,
    ) {
        let Some((_, first)) = points.first() else {
            return;
        };
        let (w, sw, n) = (self.words, self.sheet, self.n);
        let (schema, m) = (first.schema.clone(), first.measures().clone());
        let row_of = |s: &'_ Summary| -> Row {
            if row == TOTAL {
                s.total.clone()
            } else {
                s.row(row).cloned().unwrap_or_else(|| s.total.clone())
            }
        };
        let rows: Vec<(Decimal, Row)> = points.iter().map(|(v, s)| (*v, row_of(s))).collect();
        let at = |name: &str| m.names.iter().position(|x| x == name);
        let (gross, net) = (at("gross_eur"), at("municipal_net_eur"));
        // Pixels: the values as f64 only place the marks.
        let x = |v: Decimal| v.to_f64().unwrap_or(0.0);
        let mut lines = Vec::new();
        for k in [net, gross].into_iter().flatten() {
            lines.push(svg::Line {
                name: m.label(&schema, k, self.lv),
                points: rows
                    .iter()
                    .map(|(v, r)| (x(*v), r.values[k] as f64 / 100.0))
                    .collect(),
            });
        }
        let mut jumps = Vec::new();
        let mut marks: Vec<(f64, String)> = Vec::new();
        for (k, _) in crate::output::summary_columns(&m) {
            let series: Vec<i64> = rows.iter().map(|(_, r)| r.values[k]).collect();
            for i in slieksnis_engine::sweep::jumps(&series) {
                let (a, b) = (rows[i].0, rows[i + 1].0);
                let mid = (x(a) + x(b)) / 2.0;
                let label = match marks.iter().position(|(p, _)| *p == mid) {
                    Some(j) => marks[j].1.clone(),
                    None => {
                        marks.push((mid, (marks.len() + 1).to_string()));
                        marks.len().to_string()
                    }
                };
                let unit = if m.is_amount(k) { " EUR" } else { "" };
                jumps.push(format!(
                    "[{label}] {}",
                    w.jump
                        .replace("{measure}", &m.label(&schema, k, self.lv))
                        .replace(
                            "{change}",
                            &format!(
                                "{}{unit}",
                                n.measure_signed(&m, k, series[i + 1] - series[i])
                            )
                        )
                        .replace("{a}", &n.decimal(a))
                        .replace("{b}", &n.decimal(b))
                ));
            }
        }
        let name = self.council_name(row);
        let title = w
            .curve_title
            .replace_once("{}", &name)
            .replace_once("{}", param);
        let id = self.chart_id();
        let (xl, yl) = (|v: f64| n.tick(v), |v: f64| n.tick(v));
        // The band of the municipal net, where the sweep has replicates.
        let mut areas = Vec::new();
        if let (Some(bands), Some(k)) = (bands, net) {
            let points: Vec<(f64, f64, f64)> = bands
                .iter()
                .filter_map(|(v, b)| {
                    let band = b.get(b.all_rows().find(|x| x.municipality == row)?, &m.names[k])?;
                    Some((x(*v), band.low as f64 / 100.0, band.high as f64 / 100.0))
                })
                .collect();
            areas.push(svg::Area {
                name: format!("{} {}", m.label(&schema, k, self.lv), w.p5_p95),
                points,
            });
        }
        let chart = svg::line_chart(
            &id,
            &title,
            w.curve_desc,
            &lines,
            &areas,
            &marks,
            &xl,
            &yl,
            param,
        );
        let mut body = html::figure(&chart, &title);
        body.push_str(&html::h3(w.jumps));
        if jumps.is_empty() {
            body.push_str(&html::p(w.no_jumps));
        } else {
            body.push_str(&html::list(&jumps));
        }
        let status_hh: Vec<usize> = (0..m.len())
            .filter(|&k| m.is_status(k) && m.names[k].ends_with("_households"))
            .collect();
        let totals: Vec<usize> = ["gross_eur", "state_share_eur", "municipal_net_eur"]
            .iter()
            .filter_map(|x| at(x))
            .collect();
        let shown: Vec<usize> = status_hh.into_iter().chain(totals).collect();
        let mut header = vec![format!("{} ({param})", sw.value)];
        header.extend(shown.iter().map(|&k| m.label(&schema, k, self.lv)));
        if let Some(k) = net {
            header.push(format!(
                "{}: {}",
                m.label(&schema, k, self.lv),
                w.change_from_before
            ));
        }
        if bands.is_some() {
            for k in [gross, net].into_iter().flatten() {
                header.push(format!("{} {}", m.label(&schema, k, self.lv), w.p5_p95));
            }
        }
        let mut t = Table::new(format!("{}: {name}", w.points), header);
        for (i, (v, r)) in rows.iter().enumerate() {
            let mut cells = vec![Cell::Number(n.decimal(*v))];
            cells.extend(
                shown
                    .iter()
                    .map(|&k| Cell::Number(n.measure(&m, k, r.values[k]))),
            );
            if let Some(k) = net {
                cells.push(Cell::Number(if i == 0 {
                    String::new()
                } else {
                    n.eur_signed(r.values[k] - rows[i - 1].1.values[k])
                }));
            }
            if let Some(bands) = bands {
                let b = bands.iter().find(|(bv, _)| bv == v).map(|(_, b)| b);
                for name in ["gross_eur", "municipal_net_eur"] {
                    let text = b
                        .and_then(|b| {
                            let br = b.all_rows().find(|x| x.municipality == row)?;
                            b.get(br, name)
                        })
                        .map_or(String::new(), |band| {
                            format!("{} … {}", n.eur(band.low), n.eur(band.high))
                        });
                    cells.push(Cell::Number(text));
                }
            }
            t.row(cells);
        }
        body.push_str(&t.html());
        if !skipped.is_empty() {
            let items: Vec<String> = skipped
                .iter()
                .map(|(v, why)| format!("{}: {why}", n.decimal(*v)))
                .collect();
            body.push_str(&html::h3(w.skipped));
            body.push_str(&html::list(&items));
        }
        let title = w.sweep;
        self.section("sweep", title, body);
    }

    /// A year's cash flow for `focus`: per month the EUR paid (a run: gross, state and
    /// municipal; a comparison: each side's municipal net and the change), a bar chart and a
    /// table whose months add up to the year.
    pub fn months(&mut self, year: i32, sides: &[Side<&[Summary]>], focus: &str) {
        if sides.iter().any(|(_, s)| s.len() != 12) {
            return;
        }
        let (w, sw, n) = (self.words, self.sheet, self.n);
        let mw = MeasureWords::of(self.lv);
        let row = |s: &Summary| -> (i64, i64, i64) {
            let r = if focus == TOTAL {
                &s.total
            } else {
                s.row(focus).unwrap_or(&s.total)
            };
            (
                r.gross_cents(),
                r.state_share_cents(),
                r.municipal_net_cents(),
            )
        };
        let months: Vec<String> = (1..=12).map(|k| format!("{k:02}")).collect();
        let compared = sides.len() > 1;
        let name = self.council_name(focus);
        let title = w.cash_title.replace("{}", &name);
        let mut series: Vec<(String, Vec<f64>)> = Vec::new();
        let mut header = vec![sw.month.to_string()];
        let columns: Vec<(String, Vec<i64>)> = if compared {
            let b: Vec<i64> = sides[0].1.iter().map(|s| row(s).2).collect();
            let r: Vec<i64> = sides[1].1.iter().map(|s| row(s).2).collect();
            let d: Vec<i64> = b.iter().zip(&r).map(|(b, r)| r - b).collect();
            vec![
                (format!("{}: {} {}", sw.sides[0], mw.totals[2], mw.eur), b),
                (format!("{}: {} {}", sw.sides[1], mw.totals[2], mw.eur), r),
                (format!("{}: {} {}", sw.sides[2], mw.totals[2], mw.eur), d),
            ]
        } else {
            let s = sides[0].1;
            vec![
                (
                    format!("{} {}", mw.totals[0], mw.eur),
                    s.iter().map(|x| row(x).0).collect(),
                ),
                (
                    format!("{} {}", mw.totals[1], mw.eur),
                    s.iter().map(|x| row(x).1).collect(),
                ),
                (
                    format!("{} {}", mw.totals[2], mw.eur),
                    s.iter().map(|x| row(x).2).collect(),
                ),
            ]
        };
        // Pixels: cents / 100 only places the bars.
        let charted: Vec<usize> = if compared { vec![0, 1] } else { vec![2, 1] };
        for &c in &charted {
            series.push((
                columns[c].0.clone(),
                columns[c].1.iter().map(|&v| v as f64 / 100.0).collect(),
            ));
        }
        let id = self.chart_id();
        let yl = |v: f64| n.tick(v);
        let chart = svg::bar_chart(&id, &title, w.cash_desc, &months, &series, &yl);
        let mut body = html::figure(&chart, &title);
        header.extend(columns.iter().map(|(h, _)| h.clone()));
        let mut t = Table::new(format!("{name}, {year}"), header);
        for k in 0..12 {
            let mut cells = vec![Cell::Text(format!("{year}-{:02}", k + 1))];
            for (c, (_, v)) in columns.iter().enumerate() {
                cells.push(Cell::Number(if compared && c == 2 {
                    n.eur_signed(v[k])
                } else {
                    n.eur(v[k])
                }));
            }
            t.row(cells);
        }
        let mut cells = vec![Cell::Text(format!("{year} ({})", w.total_of_year))];
        for (c, (_, v)) in columns.iter().enumerate() {
            let sum: i64 = v.iter().sum();
            cells.push(Cell::Number(if compared && c == 2 {
                n.eur_signed(sum)
            } else {
                n.eur(sum)
            }));
        }
        t.total(cells);
        body.push_str(&t.html());
        let title = w.months;
        self.section("months", title, body);
    }

    /// The question of a run (`slieksnis run --report`, the What-if page's): the rules,
    /// councils, period and households, the `--set` changes, `--assume` and the replicates.
    #[allow(clippy::too_many_arguments)]
    pub fn run_question(
        &mut self,
        policy: &str,
        councils: &[String],
        horizon: Horizon,
        households: &str,
        sets: &[String],
        assumes: &[String],
        replicates: u32,
    ) {
        let w = self.words;
        let mut facts = run_facts(self, policy, councils, horizon, households);
        facts.push((w.changes.to_string(), listed(self, sets)));
        if !assumes.is_empty() {
            facts.push(("--assume".to_string(), assumes.join(", ")));
        }
        facts.push((w.replicates.to_string(), replicates.to_string()));
        self.question(&facts, "");
    }

    /// Every section after the question, from what was computed: the assumptions and the
    /// parameters changed, the results with their bands, the ranking, the months and how to
    /// reproduce it.
    pub fn body(&mut self, g: &Gathered) -> Result<()> {
        let changed = changed(g.params[0], g.params[1], g.periods, g.councils)?;
        let rows: Vec<&Row> = g
            .sides
            .iter()
            .filter(|(side, _)| *side != Some(2))
            .flat_map(|(_, s)| s.all_rows())
            .collect();
        self.assumptions(
            rows.into_iter(),
            &g.projected,
            &changed,
            &assumed_leaves(g.params[1], g.periods[1], g.councils)?,
        );
        self.results(&g.sides, &focus(g.councils), &g.bands);
        if let Some((lines, total)) = g.ranking
            && lines.len() > crate::breakdown::RANKING_ABOVE
        {
            self.councils(lines, total);
        }
        if let Some((year, sides, focus)) = &g.months {
            self.months(*year, sides, focus);
        }
        let note = if g.from_web {
            self.words.reproduce_web
        } else {
            self.words.reproduce_note
        };
        self.reproduce(&g.command, g.seed, note);
        Ok(())
    }

    /// How to reproduce it: the command line, the version and the seed, and what they give.
    pub fn reproduce(&mut self, command: &str, seed: u64, note: &str) {
        let w = self.words;
        let mut body = html::facts(&[
            (
                w.version.to_string(),
                format!("slieksnis {}", env!("CARGO_PKG_VERSION")),
            ),
            (w.seed.to_string(), seed.to_string()),
        ]);
        body.push_str(&html::h3(w.command));
        body.push_str(&html::pre(command));
        body.push_str(&html::p(note));
        let title = w.reproduce;
        self.section("reproduce", title, body);
    }

    /// The page.
    pub fn to_html(&self) -> String {
        html::page(
            self.words.lang,
            &self.title,
            &self.lead,
            &format!("slieksnis {}", env!("CARGO_PKG_VERSION")),
            self.words.contents,
            &self.sections,
        )
    }
}

/// `replace` of the first match only.
trait ReplaceOnce {
    fn replace_once(&self, from: &str, to: &str) -> String;
}

impl ReplaceOnce for str {
    fn replace_once(&self, from: &str, to: &str) -> String {
        self.replacen(from, to, 1)
    }
}

impl ReplaceOnce for String {
    fn replace_once(&self, from: &str, to: &str) -> String {
        self.replacen(from, to, 1)
    }
}

/// The command line as typed, for "how to reproduce it": `slieksnis` and each argument,
/// quoted for a POSIX shell where needed.
pub fn command_line() -> String {
    let mut parts = vec!["slieksnis".to_string()];
    parts.extend(std::env::args().skip(1).map(|a| quote(&a)));
    parts.join(" ")
}

pub fn quote(a: &str) -> String {
    let plain = !a.is_empty()
        && a.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./=:,+@%*".contains(&b));
    if plain && !a.contains('*') {
        a.to_string()
    } else {
        format!("'{}'", a.replace('\'', "'\\''"))
    }
}

/// Writes the report to `path` through `staged` (renamed into place with the command's other
/// files at commit).
pub fn write(staged: &mut Staged, path: &Path, report: &Report) -> Result<()> {
    let text = report.to_html();
    staged.parent_of(path)?;
    staged.write(path, |w| w.write_all(text.as_bytes()))
}

/// Writes the report for a command without an output directory: staged beside the file.
pub fn write_alone(path: &Path, report: &Report) -> Result<()> {
    let dir: PathBuf = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    let mut staged = Staged::new(&dir)?;
    write(&mut staged, path, report)?;
    staged.commit()
}

/// A horizon in words: `2026 (year)`, `2026-03 (month)`.
pub fn horizon_text(r: &Report, horizon: Horizon) -> String {
    match horizon {
        Horizon::Year(_) => format!("{horizon} ({})", r.words.year),
        Horizon::Month(_) => format!("{horizon} ({})", r.words.month_of),
    }
}

/// The councils by name: each of at most three, else their count and names.
pub fn councils_text(r: &Report, councils: &[String]) -> String {
    let names: Vec<String> = councils.iter().map(|c| r.council_name(c)).collect();
    if names.len() <= 3 {
        names.join(", ")
    } else {
        format!("{}: {}", names.len(), names.join(", "))
    }
}

/// A run's title: its councils (or how many) and its horizon.
pub fn title_of(r: &Report, councils: &[String], horizon: Horizon) -> String {
    if councils.len() <= 3 {
        let names: Vec<String> = councils.iter().map(|c| r.council_name(c)).collect();
        format!("{}, {horizon}", names.join(", "))
    } else if r.lv {
        format!("{} pašvaldības, {horizon}", councils.len())
    } else {
        format!("{} councils, {horizon}", councils.len())
    }
}

/// What every report's question says of a run: the rules, councils, period and households.
pub fn run_facts(
    r: &Report,
    policy: &str,
    councils: &[String],
    horizon: Horizon,
    households: &str,
) -> Vec<(String, String)> {
    let w = r.words;
    vec![
        (w.policy.to_string(), policy.to_string()),
        (w.council_list.to_string(), councils_text(r, councils)),
        (w.period.to_string(), horizon_text(r, horizon)),
        (w.households.to_string(), households.to_string()),
    ]
}

/// Items joined by `; `, or "none".
pub fn listed(r: &Report, items: &[String]) -> String {
    if items.is_empty() {
        r.words.none.to_string()
    } else {
        items.join("; ")
    }
}

/// The councils whose tables the report shows in full: each of at most three, else TOTAL.
pub fn focus(councils: &[String]) -> Vec<String> {
    if councils.len() <= 3 {
        councils.to_vec()
    } else {
        vec![TOTAL.to_string()]
    }
}

/// The assumed leaves in force for at most three councils (more would be a list of every
/// council's defaults; the summary's notes say which councils rest on them).
pub fn assumed_leaves(
    params: &ParameterSet,
    horizon: Horizon,
    councils: &[String],
) -> Result<Vec<Arc<Leaf>>> {
    if councils.len() > 3 {
        return Ok(Vec::new());
    }
    Ok(
        crate::spreadsheet::parameters_in_force(params, horizon, councils)?
            .into_iter()
            .filter(|l| l.assumed)
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_from_integers() {
        let (lv, en) = (Numbers { lv: true }, Numbers { lv: false });
        assert_eq!(lv.eur(86_492_492), "864\u{a0}924,92");
        assert_eq!(en.eur(86_492_492), "864,924.92");
        assert_eq!(lv.eur(-5), "-0,05");
        assert_eq!(lv.eur_signed(100_000), "+1\u{a0}000,00");
        assert_eq!(lv.count(-1234), "-1\u{a0}234");
        assert_eq!(lv.decimal(Decimal::new(600, 3)), "0,6");
        assert_eq!(lv.percent_tenths(-123), "-12,3\u{a0}%");
        assert_eq!(lv.tick(200_000.0), "200\u{a0}000");
        assert_eq!(en.tick(0.55), "0.55");
    }

    #[test]
    fn command_lines_are_quoted_for_a_shell() {
        assert_eq!(quote("--set"), "--set");
        assert_eq!(quote("a b"), "'a b'");
        assert_eq!(quote("municipalities.*.x"), "'municipalities.*.x'");
        assert_eq!(quote("it's"), "'it'\\''s'");
        assert_eq!(quote("{ pct = 0.5 }"), "'{ pct = 0.5 }'");
    }
}
