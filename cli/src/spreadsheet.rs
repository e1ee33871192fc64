//! `--xlsx FILE`: a run's, comparison's or sweep's results as one Excel workbook, for people who
//! read them in a spreadsheet rather than as CSV files.
//!
//! Sheets (Latvian names and headers by default, English with `--lang en`): the summary (per
//! council and TOTAL, every measure of `summary.csv`), the benefits (per council and benefit, as
//! `benefits.csv`), for a year the months (each month's stock and EUR, as `months.csv`), for a
//! comparison the councils ranked by the change per resident (as `councils.csv`), the bands
//! when replicates were run, for a sweep one row per point and council, and the parameters in
//! force that the run resolved (path, value, unit, from when, legal reference, assumed or
//! projected). Councils are named as the register names them (`Tukuma novads`, with its ATVK
//! code and slug). Every sheet that rests on assumptions says so: an `assumed` column with the
//! codes of `summary.csv`, and a note row above the header per kind of assumption.
//!
//! Cells are numbers, not text: EUR in a `#,##0.00 "€"` format (Latvian Excel shows
//! `864 925,12 €`), counts as whole numbers, shares as per cents. The header row is frozen and
//! the columns are sized to their contents. The workbook's creation time is fixed
//! ([`CREATED`]) and the zip entries carry no time, so the same run gives the same bytes.
//!
//! This module builds the sheets from the engine's data and writes the bytes; where the file
//! goes, whole or not at all, is [`crate::staged`]'s.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

use anyhow::{Result, anyhow};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, FormatBorder, Workbook};
use slieksnis_engine::Summary;
use slieksnis_engine::bands::Bands;
use slieksnis_engine::breakdown::CouncilLine;
use slieksnis_engine::parameters::{Leaf, ParameterSet, Value};
use slieksnis_engine::run::Horizon;
use slieksnis_engine::schema::Schema;
use slieksnis_engine::summary::{MeasureWords, Row, TOTAL};

use crate::output::{self, assumed_note_in, summary_measures};
use crate::staged::Staged;

/// The words of the sheets in one language (the measures' are [`MeasureWords`]).
#[derive(Debug, Clone, Copy)]
pub struct Words {
    /// summary, benefits, months, councils, bands, sweep, parameters.
    pub sheets: [&'static str; 7],
    pub municipality: &'static str,
    pub name: &'static str,
    pub atvk: &'static str,
    pub slug: &'static str,
    pub assumed: &'static str,
    pub benefit: &'static str,
    pub municipal_eur: &'static str,
    pub month: &'static str,
    pub side: &'static str,
    /// baseline, reform, difference.
    pub sides: [&'static str; 3],
    pub value: &'static str,
    pub measure: &'static str,
    pub low: &'static str,
    pub middle: &'static str,
    pub high: &'static str,
    pub point: &'static str,
    pub household_id: &'static str,
    pub status: &'static str,
    pub no_status: &'static str,
    pub state_share: &'static str,
    pub municipal_net: &'static str,
    pub rank: &'static str,
    pub residents: &'static str,
    pub baseline_net: &'static str,
    pub reform_net: &'static str,
    pub change: &'static str,
    pub change_per_resident: &'static str,
    pub change_pct: &'static str,
    pub flags: &'static str,
    pub household_type: &'static str,
    pub household_type_name: &'static str,
    pub path: &'static str,
    pub unit: &'static str,
    pub since: &'static str,
    pub always: &'static str,
    pub reference: &'static str,
    pub description: &'static str,
    pub origin: &'static str,
    pub projected: &'static str,
    pub yes: &'static str,
    /// The note before the assumptions of a sheet's rows.
    pub assumptions: &'static str,
    /// The note of the bands sheet: `{n}` replicates.
    pub bands_note: &'static str,
    /// The note of the parameters sheet.
    pub parameters_note: &'static str,
    /// The note of the councils sheet.
    pub councils_note: &'static str,
}

pub const WORDS_EN: Words = Words {
    sheets: [
        "summary",
        "benefits",
        "months",
        "councils",
        "bands",
        "sweep",
        "parameters",
    ],
    municipality: "municipality",
    name: "name",
    atvk: "ATVK",
    slug: "slug",
    assumed: "assumed",
    benefit: "benefit",
    municipal_eur: "municipal EUR",
    month: "month",
    side: "side",
    sides: ["baseline", "reform", "difference"],
    value: "value",
    measure: "measure",
    low: "p5",
    middle: "p50",
    high: "p95",
    point: "point",
    household_id: "household id",
    status: "status",
    no_status: "none",
    state_share: "state share EUR",
    municipal_net: "municipal net EUR",
    rank: "rank",
    residents: "residents",
    baseline_net: "baseline municipal net EUR",
    reform_net: "reform municipal net EUR",
    change: "change EUR",
    change_per_resident: "change per resident EUR",
    change_pct: "change %",
    flags: "flags",
    household_type: "type",
    household_type_name: "type (name)",
    path: "parameter",
    unit: "unit",
    since: "in force from",
    always: "always",
    reference: "legal reference",
    description: "description",
    origin: "written in",
    projected: "projected",
    yes: "yes",
    assumptions: "Assumptions (the assumed column):",
    bands_note: "p5, p50 and p95 over {n} replicates by nearest rank (population seeds, take-up and calibration); point: the run without bands. Not included: uncertainty in the rules and parameters, error in the reported figures.",
    parameters_note: "Every parameter in force for the councils and months of the run, as `slieksnis params` shows it; assumed: the council's own value is not known (a default or an estimate); projected: grown for a year past the written rules.",
    councils_note: "Councils ranked by the change in municipal net cost per resident, largest rise first; residents = persons in the simulated households. Flags: A = rests on assumed parameters, U = households from a profile not fitted to the council's own caseload.",
};

pub const WORDS_LV: Words = Words {
    sheets: [
        "kopsavilkums",
        "pabalsti",
        "mēneši",
        "pašvaldības",
        "intervāli",
        "parametra vērtības",
        "parametri",
    ],
    municipality: "pašvaldība",
    name: "nosaukums",
    atvk: "ATVK",
    slug: "kods",
    assumed: "pieņēmumi",
    benefit: "pabalsts",
    municipal_eur: "pašvaldības daļa EUR",
    month: "mēnesis",
    side: "variants",
    sides: ["bāze", "reforma", "starpība"],
    value: "vērtība",
    measure: "rādītājs",
    low: "p5",
    middle: "p50",
    high: "p95",
    point: "aprēķins",
    household_id: "mājsaimniecības ID",
    status: "statuss",
    no_status: "nav",
    state_share: "valsts daļa EUR",
    municipal_net: "pašvaldības neto EUR",
    rank: "vieta",
    residents: "iedzīvotāji",
    baseline_net: "bāzes pašvaldības neto EUR",
    reform_net: "reformas pašvaldības neto EUR",
    change: "izmaiņa EUR",
    change_per_resident: "izmaiņa uz iedzīvotāju EUR",
    change_pct: "izmaiņa %",
    flags: "atzīmes",
    household_type: "tips",
    household_type_name: "tips (nosaukums)",
    path: "parametrs",
    unit: "mērvienība",
    since: "spēkā no",
    always: "vienmēr",
    reference: "tiesību akts",
    description: "apraksts",
    origin: "avots",
    projected: "projicēts",
    yes: "jā",
    assumptions: "Pieņēmumi (kolonna “pieņēmumi”):",
    bands_note: "p5, p50 un p95 no {n} replikātiem pēc tuvākā ranga (populācijas sēklas, pieteikšanās un kalibrācija); aprēķins: rezultāts bez intervāliem. Nav iekļauta noteikumu un parametru nenoteiktība, ne kļūdas ziņotajos skaitļos.",
    parameters_note: "Visi parametri, kas bija spēkā aprēķina pašvaldībām un mēnešiem, kā tos rāda `slieksnis params`; pieņēmumi: pašvaldības vērtība nav zināma (noklusējums vai aplēse); projicēts: pieaudzēts gadam pēc rakstītajiem noteikumiem.",
    councils_note: "Pašvaldības sakārtotas pēc pašvaldības neto izmaksu izmaiņas uz iedzīvotāju, lielākais pieaugums pirmais; iedzīvotāji = personas simulētajās mājsaimniecībās. Atzīmes: A = balstās uz pieņemtiem parametriem, U = mājsaimniecības no profila, kas nav pielāgots pašvaldības ziņotajiem datiem.",
};

impl Words {
    pub fn of(lv: bool) -> &'static Words {
        if lv { &WORDS_LV } else { &WORDS_EN }
    }
}

/// The workbook's creation time, fixed so that the same run gives the same bytes (the time a
/// workbook records is otherwise the moment it is written): 1980-01-01 00:00 UTC, the earliest
/// time a zip entry can carry, which the entries carry too.
pub const CREATED: (u16, u8, u8) = (1980, 1, 1);

/// One cell. Amounts stay exact integers (cents) until the cell is written.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Count(i64),
    /// Cents.
    Eur(i64),
    /// Tenths of a per cent (`councils.csv`'s change_pct).
    PercentTenths(i64),
    /// A parameter's value or a sweep's point, as written.
    Number(Decimal),
    Empty,
}

/// A sheet: notes above the header, the header, the rows.
#[derive(Debug, Clone)]
pub struct Sheet {
    pub name: String,
    pub notes: Vec<String>,
    pub header: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// A part of a sheet: a comparison's side (`Some(k)`, an index into [`Words::sides`]: baseline,
/// reform, difference) or a run's only one (`None`), and its data.
pub type Side<'a, T> = (Option<usize>, T);

/// The sheets of one command's workbook.
pub struct Book {
    lv: bool,
    words: &'static Words,
    /// Slug → (Latvian name, ATVK code), from the register.
    councils: HashMap<String, (String, String)>,
    /// The first note of every sheet: what was run (policy, horizon, households, units).
    title: String,
    pub sheets: Vec<Sheet>,
}

impl Book {
    pub fn new(lv: bool, title: String) -> Book {
        let councils = slieksnis_engine::register::municipalities()
            .into_iter()
            .map(|m| (m.slug, (m.name, m.atvk)))
            .collect();
        Book {
            lv,
            words: Words::of(lv),
            councils,
            title,
            sheets: Vec::new(),
        }
    }

    fn sheet(
        &mut self,
        which: usize,
        mut notes: Vec<String>,
        header: Vec<String>,
        rows: Vec<Vec<Cell>>,
    ) {
        notes.insert(0, self.title.clone());
        self.sheets.push(Sheet {
            name: self.words.sheets[which].to_string(),
            notes,
            header,
            rows,
        });
    }

    /// The council's name, ATVK code and slug (TOTAL: the total row's name).
    fn council(&self, slug: &str) -> [Cell; 3] {
        if slug == TOTAL {
            let total = MeasureWords::of(self.lv).total_row;
            return [
                Cell::Text(total.into()),
                Cell::Empty,
                Cell::Text(TOTAL.into()),
            ];
        }
        let (name, atvk) = self
            .councils
            .get(slug)
            .cloned()
            .unwrap_or_else(|| (slug.to_string(), String::new()));
        [
            Cell::Text(name),
            Cell::Text(atvk),
            Cell::Text(slug.to_string()),
        ]
    }

    fn council_header(&self) -> [String; 3] {
        let w = self.words;
        [w.municipality, w.atvk, w.slug].map(String::from)
    }

    /// The notes on the rows' assumptions: one line per kind, with its councils.
    fn assumption_notes<'a>(&self, rows: impl Iterator<Item = &'a Row>) -> Vec<String> {
        let mut notes: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for r in rows {
            if r.assumed.is_empty() {
                continue;
            }
            let all: Vec<&str> = r.assumed.iter().map(String::as_str).collect();
            let name = match &self.council(&r.municipality)[0] {
                Cell::Text(t) => t.clone(),
                _ => r.municipality.clone(),
            };
            let names = notes.entry(assumed_note_in(&all, self.lv)).or_default();
            if !names.contains(&name) {
                names.push(name);
            }
        }
        if notes.is_empty() {
            return Vec::new();
        }
        let mut out = vec![self.words.assumptions.to_string()];
        out.extend(
            notes
                .into_iter()
                .map(|(note, names)| format!("* {}: {note}", names.join(", "))),
        );
        out
    }

    fn side_cell(&self, side: Option<usize>) -> Option<Cell> {
        side.map(|s| Cell::Text(self.words.sides[s].into()))
    }

    /// The summary: per council and TOTAL (a comparison's sides council by council), every
    /// measure of summary.csv, and the assumptions.
    pub fn summary(&mut self, sides: &[Side<&Summary>]) {
        let Some((_, first)) = sides.first() else {
            return;
        };
        let (schema, m) = (&first.schema, first.measures().clone());
        let shown = summary_measures(&m);
        let mut header = Vec::new();
        if sides[0].0.is_some() {
            header.push(self.words.side.to_string());
        }
        header.extend(self.council_header());
        header.extend(shown.iter().map(|&k| m.label(schema, k, self.lv)));
        header.push(self.words.assumed.into());
        let mut rows = Vec::new();
        let per_side: Vec<Vec<&Row>> = sides.iter().map(|(_, s)| s.all_rows().collect()).collect();
        for at in 0..per_side[0].len() {
            for ((side, _), side_rows) in sides.iter().zip(&per_side) {
                let row = side_rows[at];
                let mut r: Vec<Cell> = self.side_cell(*side).into_iter().collect();
                r.extend(self.council(&row.municipality));
                r.extend(shown.iter().map(|&k| measure_cell(&m, k, row.values[k])));
                r.push(Cell::Text(row.assumed.join(" ")));
                rows.push(r);
            }
        }
        let notes = self.assumption_notes(per_side.iter().flatten().copied());
        self.sheet(0, notes, header, rows);
    }

    /// The benefits: per council (and TOTAL) and benefit, as benefits.csv.
    pub fn benefits(&mut self, sides: &[Side<&Summary>]) {
        let Some((_, first)) = sides.first() else {
            return;
        };
        let schema: Arc<Schema> = first.schema.clone();
        let (w, mw) = (self.words, MeasureWords::of(self.lv));
        let mut header = Vec::new();
        if sides[0].0.is_some() {
            header.push(w.side.to_string());
        }
        header.extend(self.council_header());
        header.extend(
            [
                w.benefit,
                mw.households,
                mw.persons,
                mw.eur,
                mw.state_eur,
                w.municipal_eur,
            ]
            .map(String::from),
        );
        header.push(w.assumed.into());
        let mut rows = Vec::new();
        for (side, summary) in sides {
            for row in summary.all_rows() {
                for (b, benefit) in schema.benefits.iter().enumerate() {
                    let t = row.benefit(b);
                    let assumed: Vec<&str> = row
                        .assumed
                        .iter()
                        .map(String::as_str)
                        .filter(|a| *a == benefit.id || schema.benefits.iter().all(|o| o.id != *a))
                        .collect();
                    let mut r: Vec<Cell> = self.side_cell(*side).into_iter().collect();
                    r.extend(self.council(&row.municipality));
                    r.extend([
                        Cell::Text(benefit.label_in(self.lv).into()),
                        Cell::Count(t.households),
                        Cell::Count(t.persons),
                        Cell::Eur(t.cents),
                        Cell::Eur(t.state_cents),
                        Cell::Eur(t.municipal_cents()),
                        Cell::Text(assumed.join(" ")),
                    ]);
                    rows.push(r);
                }
            }
        }
        let notes = self.assumption_notes(sides.iter().flat_map(|(_, s)| s.all_rows()));
        self.sheet(1, notes, header, rows);
    }

    /// A year's months: each month's stock and EUR per council and TOTAL, as months.csv.
    pub fn months(&mut self, year: i32, sides: &[Side<&[Summary]>]) {
        let Some(first) = sides.first().and_then(|(_, s)| s.first()) else {
            return;
        };
        let (schema, m) = (first.schema.clone(), first.measures().clone());
        let shown = summary_measures(&m);
        let mut header = Vec::new();
        if sides[0].0.is_some() {
            header.push(self.words.side.to_string());
        }
        header.push(self.words.month.into());
        header.extend(self.council_header());
        header.extend(shown.iter().map(|&k| m.label(&schema, k, self.lv)));
        header.push(self.words.assumed.into());
        let mut rows = Vec::new();
        for (side, months) in sides {
            for (k, summary) in months.iter().enumerate() {
                for row in summary.all_rows() {
                    let mut r: Vec<Cell> = self.side_cell(*side).into_iter().collect();
                    r.push(Cell::Text(format!("{year}-{:02}", k + 1)));
                    r.extend(self.council(&row.municipality));
                    r.extend(shown.iter().map(|&k| measure_cell(&m, k, row.values[k])));
                    r.push(Cell::Text(row.assumed.join(" ")));
                    rows.push(r);
                }
            }
        }
        let notes = self.assumption_notes(
            sides
                .iter()
                .flat_map(|(_, s)| s.iter().flat_map(|x| x.all_rows())),
        );
        self.sheet(2, notes, header, rows);
    }

    /// A comparison's councils ranked by the change in municipal net per resident, then TOTAL.
    pub fn councils(&mut self, lines: &[CouncilLine], total: &CouncilLine) {
        let w = self.words;
        let mut header = vec![w.rank.to_string()];
        header.extend(self.council_header());
        header.extend(
            [
                w.residents,
                w.baseline_net,
                w.reform_net,
                w.change,
                w.change_per_resident,
                w.change_pct,
                w.flags,
                w.assumed,
            ]
            .map(String::from),
        );
        let rows = lines
            .iter()
            .chain([total])
            .map(|l| {
                let mut r = vec![if l.rank == 0 {
                    Cell::Empty
                } else {
                    Cell::Count(l.rank as i64)
                }];
                r.extend(self.council(&l.slug));
                r.extend([
                    Cell::Count(l.residents),
                    Cell::Eur(l.baseline_cents),
                    Cell::Eur(l.reform_cents),
                    Cell::Eur(l.change_cents),
                    l.per_resident_cents.map_or(Cell::Empty, Cell::Eur),
                    l.percent_tenths.map_or(Cell::Empty, Cell::PercentTenths),
                    Cell::Text(crate::breakdown::flags(&l.assumed)),
                    Cell::Text(l.assumed.join(" ")),
                ]);
                r
            })
            .collect();
        self.sheet(3, vec![w.councils_note.to_string()], header, rows);
    }

    /// The bands: for each part (a comparison's side, a sweep's point, or the run) and council,
    /// each measure of summary.csv with its p5, p50, p95 and the run's own value. `prefix` heads
    /// the parts' own first cells.
    pub fn bands(&mut self, schema: &Schema, prefix: &[String], parts: &[(Vec<Cell>, &Bands)]) {
        let Some((_, first)) = parts.first() else {
            return;
        };
        let w = self.words;
        let m = first.measures.clone();
        let mut header = prefix.to_vec();
        header.extend(self.council_header());
        header.extend([w.measure, w.low, w.middle, w.high, w.point].map(String::from));
        let mut rows = Vec::new();
        for (cells, bands) in parts {
            for row in bands.all_rows() {
                for k in summary_measures(&m) {
                    let b = row.bands[k];
                    let mut r = cells.clone();
                    r.extend(self.council(&row.municipality));
                    r.push(Cell::Text(m.label(schema, k, self.lv)));
                    r.extend([b.low, b.middle, b.high, b.point].map(|v| measure_cell(&m, k, v)));
                    rows.push(r);
                }
            }
        }
        let note = w.bands_note.replace("{n}", &first.replicates.to_string());
        self.sheet(4, vec![note], header, rows);
    }

    /// A sweep: one row per point run and council (then the point's TOTAL), every measure of
    /// summary.csv.
    pub fn sweep(&mut self, param: &str, points: &[(Decimal, &Summary)]) {
        let Some((_, first)) = points.first() else {
            return;
        };
        let (schema, m) = (first.schema.clone(), first.measures().clone());
        let shown = summary_measures(&m);
        let mut header = vec![format!("{} ({param})", self.words.value)];
        header.extend(self.council_header());
        header.extend(shown.iter().map(|&k| m.label(&schema, k, self.lv)));
        header.push(self.words.assumed.into());
        let mut rows = Vec::new();
        for (v, summary) in points {
            for row in summary.all_rows() {
                let mut r = vec![Cell::Number(*v)];
                r.extend(self.council(&row.municipality));
                r.extend(shown.iter().map(|&k| measure_cell(&m, k, row.values[k])));
                r.push(Cell::Text(row.assumed.join(" ")));
                rows.push(r);
            }
        }
        let notes = self.assumption_notes(points.iter().flat_map(|(_, s)| s.all_rows()));
        self.sheet(5, notes, header, rows);
    }

    /// The parameters in force: per side (a comparison's) the leaves, in path order.
    pub fn parameters(&mut self, sides: &[Side<Vec<Arc<Leaf>>>]) {
        let w = self.words;
        let mut header = Vec::new();
        if sides.first().is_some_and(|(s, _)| s.is_some()) {
            header.push(w.side.to_string());
        }
        header.extend(
            [
                w.path,
                w.value,
                w.unit,
                w.since,
                w.reference,
                w.assumed,
                w.projected,
                w.description,
                w.origin,
            ]
            .map(String::from),
        );
        let mut rows = Vec::new();
        for (side, leaves) in sides {
            for leaf in leaves {
                let mut r: Vec<Cell> = self.side_cell(*side).into_iter().collect();
                let description = if self.lv && !leaf.meta.description_lv.is_empty() {
                    &leaf.meta.description_lv
                } else {
                    &leaf.meta.description
                };
                r.extend([
                    Cell::Text(leaf.path.clone()),
                    match &leaf.value {
                        Value::Number(d) => Cell::Number(*d),
                        v => Cell::Text(v.to_string()),
                    },
                    Cell::Text(leaf.meta.unit.clone()),
                    Cell::Text(leaf.since.map_or(w.always.to_string(), |d| d.to_string())),
                    Cell::Text(leaf.meta.reference.clone()),
                    Cell::Text(if leaf.assumed {
                        w.yes.into()
                    } else {
                        String::new()
                    }),
                    Cell::Text(
                        leaf.projected
                            .as_ref()
                            .map_or(String::new(), |p| p.to_string()),
                    ),
                    Cell::Text(description.clone()),
                    Cell::Text(leaf.meta.place()),
                ]);
                rows.push(r);
            }
        }
        self.sheet(6, vec![w.parameters_note.to_string()], header, rows);
    }

    /// The sheets of what a run or a comparison computed ([`crate::report::Gathered`], from
    /// which the report is written too): summary, benefits, months, the councils ranked, bands
    /// and the parameters in force on each side.
    pub fn gathered(&mut self, g: &crate::report::Gathered) -> Result<()> {
        self.summary(&g.sides);
        self.benefits(&g.sides);
        if let Some((year, sides, _)) = &g.months {
            self.months(*year, sides);
        }
        if let Some((lines, total)) = g.ranking {
            self.councils(lines, total);
        }
        if let (Some((_, first)), Some((side, _))) = (g.sides.first(), g.bands.first()) {
            let prefix: Vec<String> = side.iter().map(|_| self.words.side.to_string()).collect();
            let parts: Vec<(Vec<Cell>, &Bands)> = g
                .bands
                .iter()
                .map(|(side, b)| (self.side_cell(*side).into_iter().collect(), *b))
                .collect();
            self.bands(&first.schema, &prefix, &parts);
        }
        let compared = g.sides.first().is_some_and(|(s, _)| s.is_some());
        let mut in_force = Vec::new();
        for k in if compared { 0..2 } else { 1..2 } {
            in_force.push((
                compared.then_some(k),
                parameters_in_force(g.params[k], g.periods[k], g.councils)?,
            ));
        }
        self.parameters(&in_force);
        Ok(())
    }

    /// The workbook's bytes.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        self.workbook()
            .and_then(|mut wb| wb.save_to_buffer())
            .map_err(|e| anyhow!("the workbook could not be made: {e}"))
    }

    fn workbook(&self) -> Result<Workbook, rust_xlsxwriter::XlsxError> {
        let mut wb = Workbook::new();
        let (y, m, d) = CREATED;
        let created = ExcelDateTime::from_ymd(y, m, d)?;
        wb.set_properties(
            &DocProperties::new()
                .set_title(self.title.as_str())
                .set_author("Slieksnis")
                .set_creation_datetime(&created),
        );
        let eur = Format::new().set_num_format("#,##0.00 \"€\"");
        let count = Format::new().set_num_format("#,##0");
        let percent = Format::new().set_num_format("0.0%");
        let head = Format::new()
            .set_bold()
            .set_text_wrap()
            .set_border_bottom(FormatBorder::Thin);
        let note = Format::new().set_italic();
        for sheet in &self.sheets {
            let ws = wb.add_worksheet();
            ws.set_name(&sheet.name)?;
            for (i, n) in sheet.notes.iter().enumerate() {
                ws.write_string_with_format(i as u32, 0, n, &note)?;
            }
            let top = sheet.notes.len() as u32;
            let mut widths: Vec<usize> = sheet
                .header
                .iter()
                .map(|h| h.chars().count().min(28))
                .collect();
            for (c, h) in sheet.header.iter().enumerate() {
                ws.write_string_with_format(top, c as u16, h, &head)?;
            }
            for (i, row) in sheet.rows.iter().enumerate() {
                let r = top + 1 + i as u32;
                for (c, cell) in row.iter().enumerate() {
                    let col = c as u16;
                    // Cents and counts are exact i64s; xlsx stores every number as an IEEE
                    // double, so they become one here and only here. Integers up to 2^53
                    // (90 071 992 547 409.92 EUR in cents) are exact as doubles; cents / 100 is
                    // the double nearest the EUR amount, which is what the cell shows to the cent.
                    let shown = match cell {
                        Cell::Text(t) => {
                            ws.write_string(r, col, t)?;
                            t.chars().count()
                        }
                        Cell::Count(n) => {
                            ws.write_number_with_format(r, col, *n as f64, &count)?;
                            output::count(*n).chars().count()
                        }
                        Cell::Eur(c) => {
                            ws.write_number_with_format(r, col, *c as f64 / 100.0, &eur)?;
                            output::eur(*c).chars().count() + 2
                        }
                        Cell::PercentTenths(t) => {
                            ws.write_number_with_format(r, col, *t as f64 / 1000.0, &percent)?;
                            7
                        }
                        Cell::Number(d) => {
                            ws.write_number(r, col, d.to_f64().unwrap_or(f64::NAN))?;
                            d.to_string().len()
                        }
                        Cell::Empty => 0,
                    };
                    if let Some(w) = widths.get_mut(c) {
                        *w = (*w).max(shown);
                    }
                }
            }
            for (c, w) in widths.iter().enumerate() {
                ws.set_column_width(c as u16, (*w).clamp(6, 60) as f64 + 1.5)?;
            }
            ws.set_freeze_panes(top + 1, 0)?;
        }
        Ok(wb)
    }
}

/// A measure's value as a cell: EUR for an amount, else a count.
fn measure_cell(m: &slieksnis_engine::summary::Measures, k: usize, v: i64) -> Cell {
    if m.is_amount(k) {
        Cell::Eur(v)
    } else {
        Cell::Count(v)
    }
}

/// Every parameter in force on the first day of each month of `horizon` for each of
/// `councils`, once each (national values are the same for every council), in path order then
/// date.
pub fn parameters_in_force(
    params: &ParameterSet,
    horizon: Horizon,
    councils: &[String],
) -> Result<Vec<Arc<Leaf>>> {
    let dates: Vec<slieksnis_engine::date::Date> = match horizon {
        Horizon::Month(p) => vec![p.first_day()],
        Horizon::Year(y) => (1..=12)
            .map(|m| slieksnis_engine::Period { year: y, month: m }.first_day())
            .collect(),
    };
    let mut seen: BTreeMap<(String, String, String), Arc<Leaf>> = BTreeMap::new();
    for slug in councils {
        for &date in &dates {
            let resolved = params.resolve(date, slug).map_err(|e| anyhow!("{e}"))?;
            let mut leaves = Vec::new();
            crate::commands::collect(&resolved.root, &mut leaves);
            for leaf in leaves {
                let since = leaf.since.map(|d| d.to_string()).unwrap_or_default();
                seen.entry((leaf.path.clone(), since, leaf.value.to_string()))
                    .or_insert(leaf);
            }
        }
    }
    Ok(seen.into_values().collect())
}

/// The title line of every sheet: the policy, what was run and on which households, and what
/// the figures count.
pub fn title(policy: &str, what: &str, horizon: Horizon, households: &str, lv: bool) -> String {
    let unit = match (horizon, lv) {
        (Horizon::Month(_), false) => "monthly EUR; households and persons that qualify",
        (Horizon::Month(_), true) => "mēneša EUR; mājsaimniecības un personas, kas atbilst",
        (Horizon::Year(_), false) => {
            "annual EUR; households and persons that received at least once in the year"
        }
        (Horizon::Year(_), true) => {
            "gada EUR; mājsaimniecības un personas, kas gadā saņēmušas vismaz reizi"
        }
    };
    format!("{policy} — {what}; {households}; {unit}")
}

/// `--xlsx FILE`, `--report FILE` and `--lang` (the language of both) for `run`, `compare`
/// and `sweep`, and `--csv-lv`.
#[derive(clap::Args, Debug, Clone)]
#[command(group(clap::ArgGroup::new("in_a_language").args(["xlsx", "report"]).multiple(true)))]
pub struct SheetArgs {
    /// Also write the results as one Excel workbook (summary, benefits, months, councils,
    /// bands, sweep, parameters: whichever the command has), e.g. --xlsx out/tukums.xlsx.
    #[arg(long, value_name = "FILE")]
    pub xlsx: Option<std::path::PathBuf>,
    /// Also write a report for the council: one HTML file that opens offline and prints to
    /// A4 (the question, assumptions, results with bands, charts, how to reproduce it), e.g.
    /// --report out/tukums.html.
    #[arg(long, value_name = "FILE")]
    pub report: Option<std::path::PathBuf>,
    /// The language of the workbook's sheet names and headers and of the report: lv (default)
    /// or en, e.g. --xlsx out/t.xlsx --lang en, --report out/t.html --lang en.
    #[arg(long, default_value = "lv", value_parser = ["lv", "en"], requires = "in_a_language")]
    pub lang: String,
    /// Write the CSV files for Latvian Excel: `;` between fields, decimal commas, Latvian
    /// headers and council names, UTF-8 with a BOM (the default CSVs are plain `,` and `.`),
    /// e.g. --out out/t --csv-lv.
    #[arg(long)]
    pub csv_lv: bool,
}

impl SheetArgs {
    pub fn lv(&self) -> bool {
        self.lang == "lv"
    }

    /// Staging for the CSV files' form: Latvian Excel's with `--csv-lv`.
    pub fn stage_csv(&self, staged: &mut Staged, schema: &Schema) {
        if self.csv_lv {
            staged.latvian_csv(Arc::new(crate::csv_lv::Lexicon::new(schema)));
        }
    }

    /// Writes the workbook to `--xlsx FILE` through `staged` (renamed into place with the
    /// command's other files at commit).
    pub fn write(&self, staged: &mut Staged, book: &Book) -> Result<()> {
        let Some(path) = &self.xlsx else {
            return Ok(());
        };
        let bytes = book.to_bytes()?;
        staged.parent_of(path)?;
        staged.write(path, |w| w.write_all(&bytes))
    }

    /// `--xlsx FILE` for a command without an output directory: staged beside the file.
    pub fn write_alone(&self, book: &Book) -> Result<()> {
        let Some(path) = &self.xlsx else {
            return Ok(());
        };
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let mut staged = Staged::new(dir)?;
        self.write(&mut staged, book)?;
        staged.commit()
    }
}
