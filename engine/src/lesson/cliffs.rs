//! What would change a household's result: the smallest change of one input (a member's
//! income, the savings, the housing costs, …) within [`RANGE`] that changes its status or makes
//! a benefit jump ("1.00 € less in savings → housing benefit 250.00 € a month").
//!
//! The rules are not re-implemented here: the household is copied with the input nudged and
//! the same compiled program runs over the copies (`simulate::prepare` once, then one run per
//! batch), so the answer is the scripts' own. The search walks a widening grid of distances
//! (1, 2, 5, 10 … 500 €) until the status or the set of benefits paid differs, then bisects to
//! the cent. A change there is a cliff if the status changes or some amount moves by more than
//! [`JUMP`] while the input moved one cent; a benefit that only starts to be paid (a housing
//! benefit growing from 0.01 €) is no cliff, and the walk goes on from there.

use std::sync::Arc;

use serde::Serialize;

use super::{Lang, money, words};
use crate::columns::Level;
use crate::date::Period;
use crate::fixed::{CENT, SCALE};
use crate::inputs::{self, Index, Kind};
use crate::parameters::ParameterSet;
use crate::population::Population;
use crate::schema::{self, Schema};
use crate::script::Rules;
use crate::simulate::{DEFAULT_CHUNK, Prepared, SimulationError, prepare};

/// How far an input is nudged either way: far enough for the edges a household can reach by a
/// pay rise or a lost job, near enough to stay about this household.
pub const RANGE: i64 = 500 * SCALE;

/// An amount that moves by more than this while an input moves by one cent has jumped.
pub const JUMP: i64 = SCALE;

/// How many cliffs a lesson reports: the nearest.
pub const MOST: usize = 5;

/// A change of one input that changes the result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cliff {
    /// The input's name (`savings`, `income`).
    pub input: String,
    /// The member, for a person's input.
    pub person: Option<String>,
    /// The value now and the value that changes the result (fixed units).
    pub from: i64,
    pub to: i64,
    pub changes: Vec<Change>,
    /// The sentence.
    pub text: String,
}

/// One output that differs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// A status or benefit id.
    pub output: String,
    pub label: String,
    pub before: String,
    pub after: String,
    /// For a benefit: its amounts (fixed units).
    pub amounts: Option<(i64, i64)>,
}

/// One input of one household or member.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Target {
    input: Index,
    /// The member (index within the household) for a person's input.
    person: Option<usize>,
}

/// What the rules gave a copy.
#[derive(Clone, Debug, PartialEq)]
struct Snap {
    status: Option<usize>,
    amounts: Vec<i64>,
}

impl Snap {
    /// What must change for the search to stop: the status, or which benefits are paid.
    fn same_kind(&self, other: &Snap) -> bool {
        self.status == other.status
            && self
                .amounts
                .iter()
                .zip(&other.amounts)
                .all(|(a, b)| (*a > 0) == (*b > 0))
    }

    fn jumps_from(&self, other: &Snap) -> bool {
        self.status != other.status
            || self
                .amounts
                .iter()
                .zip(&other.amounts)
                .any(|(a, b)| (a - b).abs() > JUMP)
    }
}

/// The compiled rules and the household they copy.
struct Runner<'a> {
    prepared: Prepared,
    one: &'a Population,
}

impl Runner<'_> {
    /// The rules' result for each copy with `target` set to each value.
    fn run(&self, target: Target, values: &[i64]) -> Result<Vec<Snap>, SimulationError> {
        let n = values.len();
        let mut pop = self.one.select(&vec![0; n]);
        let input = inputs::get(target.input);
        let rows = match input.level {
            Level::Household => n,
            Level::Person => pop.person_count(),
        };
        let mut column: Vec<i64> = (0..rows)
            .map(|r| input.value(&pop, r).unwrap_or(0))
            .collect();
        let persons = self.one.person_count();
        for (k, &v) in values.iter().enumerate() {
            let row = match target.person {
                Some(j) => k * persons + j,
                None => k,
            };
            column[row] = v;
        }
        input.put_values(&mut pop, column);
        let outcome = self.prepared.run(&Arc::new(pop), DEFAULT_CHUNK)?;
        Ok((0..n)
            .map(|i| Snap {
                status: outcome.status_of(i),
                amounts: outcome.amounts.iter().map(|a| a[i]).collect(),
            })
            .collect())
    }
}

/// Distances tried before bisecting, EUR.
const GRID: [i64; 9] = [1, 2, 5, 10, 20, 50, 100, 200, 500];

/// The cliffs of household 0 of `one` (a population of one household) under `parameters` at
/// `period`, nearest first, at most [`MOST`].
pub fn find(
    rules: &Rules,
    schema: &Arc<Schema>,
    parameters: &ParameterSet,
    one: &Population,
    period: Period,
    lang: Lang,
) -> Result<Vec<Cliff>, SimulationError> {
    let prepared = prepare(rules, parameters, schema, one, period, false)?;
    let runner = Runner { prepared, one };
    let mut targets = Vec::new();
    for (k, input) in inputs::INPUTS.iter().enumerate() {
        if input.kind != Kind::Money || !input.is_present(one) {
            continue;
        }
        match input.level {
            Level::Household => targets.push(Target {
                input: k as Index,
                person: None,
            }),
            Level::Person => targets.extend((0..one.person_count()).map(|j| Target {
                input: k as Index,
                person: Some(j),
            })),
        }
    }
    let value_of = |t: Target| {
        let input = inputs::get(t.input);
        input.value(one, t.person.unwrap_or(0)).unwrap_or(0)
    };
    let base = runner.run(targets[0], &[value_of(targets[0])])?.remove(0);
    let mut found: Vec<(i64, Target, i64, Snap)> = Vec::new();
    for &t in &targets {
        let now = value_of(t);
        for dir in [-1i64, 1] {
            let limit = if dir < 0 { now.min(RANGE) } else { RANGE };
            if let Some((d, snap)) = search(&runner, t, now, dir, limit, &base)? {
                found.push((d, t, now + dir * d, snap));
            }
        }
    }
    found.sort_by_key(|(d, ..)| *d);
    found.truncate(MOST);
    Ok(found
        .into_iter()
        .map(|(_, t, to, snap)| describe(t, value_of(t), to, &base, &snap, one, schema, lang))
        .collect())
}

/// The nearest distance (fixed units, whole cents) at which the result jumps, walking from
/// `now` in `dir` up to `limit`, and what the rules give there.
fn search(
    runner: &Runner,
    t: Target,
    now: i64,
    dir: i64,
    limit: i64,
    base: &Snap,
) -> Result<Option<(i64, Snap)>, SimulationError> {
    let mut start = 0;
    let mut reference = base.clone();
    // A benefit starting or stopping smoothly is no cliff: walk on from there, a few times.
    for _ in 0..6 {
        let mut grid: Vec<i64> = GRID
            .iter()
            .map(|e| e * SCALE)
            .filter(|&d| d > start && d < limit)
            .collect();
        if limit > start {
            grid.push(limit);
        }
        if grid.is_empty() {
            return Ok(None);
        }
        let values: Vec<i64> = grid.iter().map(|d| now + dir * d).collect();
        let snaps = runner.run(t, &values)?;
        let Some(i) = snaps.iter().position(|s| !s.same_kind(&reference)) else {
            return Ok(None);
        };
        let (mut lo, mut lo_snap) = if i == 0 {
            (start, reference.clone())
        } else {
            (grid[i - 1], snaps[i - 1].clone())
        };
        let (mut hi, mut hi_snap) = (grid[i], snaps[i].clone());
        while hi - lo > CENT {
            let mid = lo + (hi - lo) / CENT / 2 * CENT;
            let s = runner.run(t, &[now + dir * mid])?.remove(0);
            if s.same_kind(&reference) {
                (lo, lo_snap) = (mid, s);
            } else {
                (hi, hi_snap) = (mid, s);
            }
        }
        if hi_snap.jumps_from(&lo_snap) {
            return Ok(Some((hi, hi_snap)));
        }
        start = hi;
        reference = hi_snap;
    }
    Ok(None)
}

#[allow(clippy::too_many_arguments)]
fn describe(
    t: Target,
    from: i64,
    to: i64,
    base: &Snap,
    after: &Snap,
    one: &Population,
    schema: &Schema,
    lang: Lang,
) -> Cliff {
    let w = words(lang);
    let lv = lang == Lang::Lv;
    let input = inputs::get(t.input);
    let person = t.person.map(|j| one.persons.id.get(j).to_string());
    let label = match (&person, lang) {
        (None, _) => input.label(lv).to_string(),
        (Some(id), Lang::En) => format!("{} {} {id}", input.label(false), w.of_person),
        (Some(id), Lang::Lv) => format!("{} {id} {}", w.of_person, input.label(true)),
    };
    let status = |s: Option<usize>| s.map_or(w.no_status, |k| schema.statuses[k].label_in(lv));
    let mut changes = Vec::new();
    if base.status != after.status {
        changes.push(Change {
            output: after
                .status
                .map_or("none".to_string(), |k| schema.statuses[k].id.clone()),
            label: w.status.to_string(),
            before: status(base.status).to_string(),
            after: status(after.status).to_string(),
            amounts: None,
        });
    }
    for (b, benefit) in schema.benefits.iter().enumerate() {
        let (x, y) = (base.amounts[b], after.amounts[b]);
        if x != y {
            let per = match benefit.kind {
                schema::Kind::Monthly => w.per[0],
                schema::Kind::Yearly => w.per[1],
                schema::Kind::OneOff => w.per[2],
            };
            changes.push(Change {
                output: benefit.id.clone(),
                label: benefit.label_in(lv).to_string(),
                before: money(x, lang),
                after: format!("{} {per}", money(y, lang)),
                // (the period word once, after the new amount)
                amounts: Some((x, y)),
            });
        }
    }
    let by = money((to - from).abs(), lang);
    let way = if to < from { w.lower } else { w.higher };
    let moved = match lang {
        Lang::En => format!("{label} {by} {way}"),
        Lang::Lv => format!("{label} par {by} {way}"),
    };
    let said: Vec<String> = changes
        .iter()
        .map(|c| format!("{}: {} → {}", c.label, c.before, c.after))
        .collect();
    Cliff {
        input: input.name.to_string(),
        person,
        from,
        to,
        text: format!(
            "{moved} ({} {} {}) → {}",
            money(to, lang),
            w.instead_of,
            money(from, lang),
            said.join("; ")
        ),
        changes,
    }
}
