//! A year's projection of several parameter sets at once (a sweep's points), on one population
//! and its draws, sharing the computation the sets have in common.
//!
//! - **The rules.** Each month every set is planned for every council, and a council's sets
//!   are compiled into one program ([`columns::shared`]): what does not depend on what differs
//!   between the sets is computed once per tile, the rest once per set
//!   (`simulate::prepare_batch`).
//! - **The settling.** One set, the *base* (the middle one), is projected as [`project`]
//!   projects a year. Every other set follows it: a household whose rules give the same as
//!   the base's this month, and that has not differed yet, is settled as the base's is (the
//!   same draws, the same state), so it is not settled again. A household that differs — an
//!   output of the rules not the base's, in any month — is *diverged* from then on: its state is
//!   copied from the base's at that month and kept beside it (a [`Side`], per chunk) and it is
//!   settled on its own each month after. A chunk's stock is the base's, plus the diverged rows'
//!   own, less the base's on the same rows (integer sums, exact); the year's summary likewise.
//!
//! The results are those of projecting each set alone (a test checks it against [`project`],
//! point by point, on one and two threads). What a run alone would stop at is not reproduced
//! here: a set that does not plan is left for the caller to run alone, and any other failure
//! (an overflow, an output the engine refuses, a total that does not fit) gives up the batch,
//! so the caller runs every set alone and reports what those runs report. So does a batch whose
//! diverged rows, over all its sets, grow past [`MAX_DIVERGED`] times the households (memory).

use super::*;
use crate::simulate::{
    Batch, BatchCouncil, BatchValues, Values, check_amounts, check_months, check_statuses,
    persons_ok, persons_paid, prepare_batch, state_parts,
};
use crate::summary::segment_sums;

/// The most diverged rows a batch keeps over all its sets, in multiples of the population's
/// households. Each holds a household's year and state (about 200 bytes), so the batch holds
/// about what a sweep of two points at once held (a year of all of Latvia about 260 MB), and a
/// sweep whose points differ from the base in more households than this, sharing little, runs
/// point by point instead.
pub const MAX_DIVERGED: usize = 4;

/// One set's results: the year's summary and each month's.
pub type Together = (Summary, Vec<Summary>);

/// Projects `year` for each parameter set of `sets` (the same rules, population and
/// behaviour). Per set: its summary and months, or `None` if it did not plan (to be run alone,
/// which says why). `None` for the whole: run every set alone.
pub fn project_together(
    rules: &Rules,
    sets: &[&ParameterSet],
    schema: &Arc<Schema>,
    population: &Arc<Population>,
    year: i32,
    behaviour: &Behaviour,
) -> Option<Vec<Option<Together>>> {
    let n = population.household_count();
    if schema.benefits.len() > 64 || sets.is_empty() {
        return None;
    }
    let fixed = Fixed::new(schema, population, behaviour, Settle::Active, None);
    let mut months = Months::new(population, behaviour);
    let (mut annual, mut state) = Annual::start(schema, n);
    // The sets that run together (indices into `sets`), the base among them, and their months.
    let mut alive: Vec<usize> = Vec::new();
    let mut base = 0;
    let mut sides: Vec<Vec<Side>> = Vec::new();
    let mut by_month: Vec<Vec<Summary>> = Vec::new();
    let mut assumed_january = Vec::new();
    let mut previous = None;
    for month in 1..=12u8 {
        months.advance(population, behaviour.seed, month);
        let varying = months.varying(population);
        let period = Period { year, month };
        let chosen: Vec<&ParameterSet> = if month == 1 {
            sets.to_vec()
        } else {
            alive.iter().map(|&k| sets[k]).collect()
        };
        let (failed, batch) = prepare_batch(
            rules,
            &chosen,
            schema,
            population,
            period,
            previous.as_ref(),
        )?;
        if month == 1 {
            alive = (0..sets.len()).filter(|&k| failed[k].is_none()).collect();
            if alive.is_empty() {
                return Some(vec![None; sets.len()]);
            }
            base = batch.base;
            by_month = vec![Vec::with_capacity(12); alive.len()];
        } else if failed.iter().any(Option::is_some) {
            // A set that plans in January but not later: rare enough to run every set alone.
            return None;
        }
        let step = Lockstep {
            schema,
            fixed: &fixed,
            batch: &batch,
            base,
            sets: alive.len(),
        };
        let chunks = Prepared::chunks_of(population, DEFAULT_CHUNK);
        if sides.is_empty() {
            sides = chunks
                .iter()
                .map(|&(_, s, e)| (0..alive.len()).map(|_| Side::new(e - s)).collect())
                .collect();
        }
        let views = View::chunks(&mut annual, &mut state, &chunks);
        let parts: Vec<Option<(u16, Vec<Sums>)>> = chunks
            .par_iter()
            .zip(views)
            .zip(sides.par_iter_mut())
            .map(|((&chunk, mut view), sides)| {
                let sums = step.month(month, population, varying, chunk, &mut view, sides)?;
                Some((chunk.0, sums))
            })
            .collect();
        let parts = parts.into_iter().collect::<Option<Vec<_>>>()?;
        let diverged: usize = sides.iter().flatten().map(|s| s.rows.len()).sum();
        if diverged > MAX_DIVERGED * n {
            return None;
        }
        for (k, months) in by_month.iter_mut().enumerate() {
            let assumed = batch.assumed(k, population);
            let of_set: Vec<(u16, Sums)> = parts.iter().map(|(m, s)| (*m, s[k].clone())).collect();
            months.push(Sums::finish(population, schema, &assumed, &of_set).ok()?);
            if month == 1 {
                assumed_january.push(assumed);
            }
        }
        previous = Some(batch);
    }
    // The year: the base's, and for every other set its diverged rows' own years in place of
    // the base's.
    let base_parts = segment_sums(population, &annual.outcome);
    let segments = population.segments();
    let fp = &population.households.first_person;
    let chunks = Prepared::chunks_of(population, DEFAULT_CHUNK);
    let mut out: Vec<Option<Together>> = vec![None; sets.len()];
    for (k, months) in by_month.into_iter().enumerate() {
        let mut parts = base_parts.clone();
        for (&(_, s, _), side) in chunks.iter().zip(&sides) {
            let side = &side[k];
            if side.rows.is_empty() {
                continue;
            }
            let at: Vec<u32> = side.rows.iter().map(|&i| i + s as u32).collect();
            let theirs = side.store.year_outcome(schema);
            let ours = gather_outcome(&annual.outcome, &at);
            let segment = segments.partition_point(|&(_, start, _)| start <= s) - 1;
            let sums = &mut parts[segment].1;
            for (j, &i) in at.iter().enumerate() {
                let size = i64::from(fp[i as usize + 1] - fp[i as usize]);
                let mut diff = Sums::new(schema);
                diff.outcome_household(&theirs, j, size);
                sums.add(&diff, 1);
                let mut diff = Sums::new(schema);
                diff.outcome_household(&ours, j, size);
                sums.add(&diff, -1);
            }
        }
        let summary = Sums::finish(population, schema, &assumed_january[k], &parts).ok()?;
        out[alive[k]] = Some((summary, months));
    }
    Some(out)
}

/// A row of a chunk that has not diverged.
const OUT: u32 = u32::MAX;

/// One set's diverged rows of one chunk: which (chunk rows, in the order they diverged), and
/// their year and state.
struct Side {
    rows: Vec<u32>,
    /// Per chunk row, its place in `rows` ([`OUT`] if it has not diverged).
    at: Vec<u32>,
    store: Gathered,
    cycle_len: Vec<u8>,
    next: Vec<u8>,
}

impl Side {
    fn new(len: usize) -> Side {
        Side {
            rows: Vec::new(),
            at: vec![OUT; len],
            store: Gathered::empty(),
            cycle_len: Vec::new(),
            next: Vec::new(),
        }
    }
}

/// A month of a batch.
struct Lockstep<'a> {
    schema: &'a Arc<Schema>,
    fixed: &'a Fixed<'a>,
    batch: &'a Batch,
    base: usize,
    sets: usize,
}

/// One set's outputs of a chunk's diverged rows, as the rules gave them and checked.
type Own = Outcome;

impl Lockstep<'_> {
    /// Runs chunk `(m, s, e)` through `month` for every set: the base's chunk in `view`, every
    /// other set's diverged rows in `sides`; each set's stock of the chunk. `None` on any
    /// failure.
    fn month(
        &self,
        month: u8,
        population: &Population,
        varying: Varying,
        (m, s, e): (u16, usize, usize),
        view: &mut View,
        sides: &mut [Side],
    ) -> Option<Vec<Sums>> {
        let (council, values) = self.batch.run_chunk(population, varying, (m, s, e)).ok()?;
        let now = self.outcome(council, &values, population, s).ok()?;
        let mut all = Vec::with_capacity(self.sets);
        for (k, side) in sides.iter_mut().enumerate() {
            if k == self.base {
                all.push(None);
                continue;
            }
            self.diverge(council, k, &values, &now, view, side);
            let own = self.own(council, k, &values, &now, s, side)?;
            all.push(Some(self.settle_side(month, s, &now, &own, view, side)));
        }
        let base = self.fixed.month(month, s, &now, view);
        Some(
            all.into_iter()
                .map(|d| match d {
                    None => base.clone(),
                    Some((plus, minus)) => {
                        let mut sums = base.clone();
                        sums.add(&plus, 1);
                        sums.add(&minus, -1);
                        sums
                    }
                })
                .collect(),
        )
    }

    /// The base set's outcome of a chunk, checked and split as a run checks and splits it.
    fn outcome(
        &self,
        council: &BatchCouncil,
        values: &BatchValues,
        population: &Population,
        s: usize,
    ) -> Result<Outcome, SimulationError> {
        let schema = self.fixed.schema;
        let values = &values.base;
        let k = schema.statuses.len();
        let len = values.first().map_or(0, |v| match v {
            Values::Mask(v) => v.len(),
            Values::Num(v) => v.len(),
        });
        let mut out = Outcome::zeroed(self.schema, len);
        for (i, column) in out.statuses.iter_mut().enumerate() {
            column.copy_from_slice(values[i].mask());
        }
        for (b, column) in out.amounts.iter_mut().enumerate() {
            column.copy_from_slice(values[k + b].num());
        }
        let masks: Vec<&[bool]> = out.statuses.iter().map(Vec::as_slice).collect();
        check_statuses(schema, &masks, population, s)?;
        for (b, values) in out.amounts.iter().enumerate() {
            check_amounts(schema, &council.set_by, b, values, population, s)?;
        }
        let nb = schema.benefits.len();
        for (j, &b) in council.persons_of.iter().enumerate() {
            let num = values[k + nb + j].num();
            persons_paid(
                schema,
                b,
                num,
                &out.amounts[b],
                population,
                s,
                &mut out.persons_paid[b],
            )?;
        }
        for (b, share) in council.shares[self.base].iter().enumerate() {
            if let Some(share) = *share {
                state_parts(share, &out.amounts[b], &mut out.state[b]);
            }
        }
        if council.has_months {
            let months = values[k + nb + council.persons_of.len()].num();
            check_months(months, &mut out.status_months, population, s)?;
        }
        Ok(out)
    }

    /// The rows where set `k`'s outputs differ from the base's (`now`) this month, as the
    /// rules gave them, join its diverged rows (`side`), with the base's state before the month
    /// (`view`). Where the rules give the same as the base's, every output is the same and as
    /// good as the base's.
    #[allow(clippy::too_many_arguments)]
    fn diverge(
        &self,
        council: &BatchCouncil,
        k: usize,
        values: &BatchValues,
        now: &Outcome,
        view: &View,
        side: &mut Side,
    ) {
        let schema = self.fixed.schema;
        let (ks, nb) = (schema.statuses.len(), schema.benefits.len());
        let outputs = council.masks.len();
        let first = side.rows.len();
        let join = |i: u32, side: &mut Side| {
            if side.at[i as usize] == OUT {
                side.at[i as usize] = side.rows.len() as u32;
                side.rows.push(i);
            }
        };
        for &(_, at) in &council.own[k] {
            for &(i, _) in &values.own[at - outputs] {
                join(i, side);
            }
        }
        // A state's share of its own (the swept parameter): the state's parts compared.
        for b in 0..nb {
            let Some(share) = council.shares[k][b] else {
                continue;
            };
            if council.shares[self.base][b] == Some(share) {
                continue;
            }
            let mut paid = now.amounts[b].clone();
            if let Some(&(_, at)) = council.own[k].iter().find(|&&(r, _)| r == ks + b) {
                for &(i, v) in &values.own[at - outputs] {
                    paid[i as usize] = v;
                }
            }
            let mut state = vec![0i64; paid.len()];
            state_parts(share, &paid, &mut state);
            for (i, (a, b)) in state.iter().zip(&now.state[b]).enumerate() {
                if a != b {
                    join(i as u32, side);
                }
            }
        }
        let new = &side.rows[first..];
        if !new.is_empty() {
            side.store.extend(Gathered::of(view, new));
            side.cycle_len
                .extend(new.iter().map(|&i| view.cycle_len[i as usize]));
            side.next.extend(new.iter().map(|&i| view.next[i as usize]));
        }
    }

    /// Set `k`'s outputs on its diverged rows, finished and checked as a run finishes and
    /// checks them (the other rows are the base's, which passed). `None` if any fails.
    fn own(
        &self,
        council: &BatchCouncil,
        k: usize,
        values: &BatchValues,
        now: &Outcome,
        first: usize,
        side: &Side,
    ) -> Option<Own> {
        let schema = self.fixed.schema;
        let (ks, nb) = (schema.statuses.len(), schema.benefits.len());
        let outputs = council.masks.len();
        let rows = &side.rows;
        let mut own = gather_outcome(now, rows);
        // The base's values as the rules gave them, with the set's own where they differ.
        let theirs = |r: usize| {
            council.own[k]
                .iter()
                .find(|&&(o, _)| o == r)
                .map(|&(_, at)| &values.own[at - outputs])
        };
        let raw = |r: usize| -> Vec<i64> {
            let base = values.base[r].num();
            let mut out: Vec<i64> = rows.iter().map(|&i| base[i as usize]).collect();
            for &(i, v) in theirs(r).into_iter().flatten() {
                out[side.at[i as usize] as usize] = v;
            }
            out
        };
        let mut statuses_differ = false;
        for i in 0..ks {
            for &(row, v) in theirs(i).into_iter().flatten() {
                own.statuses[i][side.at[row as usize] as usize] = v != 0;
                statuses_differ = true;
            }
        }
        if statuses_differ {
            let masks: Vec<&[bool]> = own.statuses.iter().map(Vec::as_slice).collect();
            check_statuses(schema, &masks, self.fixed.population, first).ok()?;
        }
        let amount_differs: Vec<bool> = (0..nb).map(|b| theirs(ks + b).is_some()).collect();
        for (b, amounts) in own.amounts.iter_mut().enumerate() {
            if amount_differs[b] {
                *amounts = raw(ks + b);
                if !crate::columns::amounts_ok(amounts) {
                    return None;
                }
            }
        }
        let fp = &self.fixed.population.households.first_person;
        let size = |i: u32| i64::from(fp[first + i as usize + 1] - fp[first + i as usize]);
        for (j, &b) in council.persons_of.iter().enumerate() {
            let r = ks + nb + j;
            if theirs(r).is_some() || amount_differs[b] {
                let num = raw(r);
                let ok = num
                    .iter()
                    .zip(&own.amounts[b])
                    .zip(rows)
                    .all(|((&v, &a), &i)| persons_ok(v, size(i), a));
                if !ok {
                    return None;
                }
                own.persons_paid[b] = num.iter().map(|&v| (v / SCALE) as u8).collect();
            }
        }
        for (b, (&share, &base)) in council.shares[k]
            .iter()
            .zip(&council.shares[self.base])
            .enumerate()
        {
            if let Some(share) = share.filter(|&s| amount_differs[b] || base != Some(s)) {
                state_parts(share, &own.amounts[b], &mut own.state[b]);
            }
        }
        let r = ks + nb + council.persons_of.len();
        if council.has_months && theirs(r).is_some() {
            crate::columns::whole_months(&raw(r), &mut own.status_months).ok()?;
        }
        Some(own)
    }

    /// Set `side`'s month of a chunk beside the base's (`now`, `view` before the base's month
    /// is settled): the rows whose outputs differ from the base's join its diverged rows, with
    /// the base's state; the diverged rows are settled with the set's outputs. What they add to
    /// the stock, and what the base's same rows add (to take away).
    fn settle_side(
        &self,
        month: u8,
        first: usize,
        now: &Outcome,
        own: &Own,
        view: &View,
        side: &mut Side,
    ) -> (Sums, Sums) {
        let schema = self.fixed.schema;
        let (mut plus, mut minus) = (Sums::new(schema), Sums::new(schema));
        if side.rows.is_empty() {
            return (plus, minus);
        }
        let rows = &side.rows;
        let who = self.fixed.who(first, rows);
        // The base's rows, settled on a copy of its state.
        let base_now = gather_outcome(now, rows);
        let mut base = Gathered::of(view, rows);
        let mut cycle_len: Vec<u8> = rows.iter().map(|&i| view.cycle_len[i as usize]).collect();
        let mut next: Vec<u8> = rows.iter().map(|&i| view.next[i as usize]).collect();
        let mut assessed = vec![true; rows.len()];
        let fixed = self.fixed;
        fixed.cycle(
            month,
            &who.ids,
            &base_now.status_months,
            &mut cycle_len,
            &mut next,
            &mut assessed,
        );
        fixed.settle(
            month,
            &who.rows(&assessed),
            &base_now,
            &mut base.view(),
            &mut minus,
            None,
        );
        // The set's own.
        let mut assessed = vec![true; rows.len()];
        fixed.cycle(
            month,
            &who.ids,
            &own.status_months,
            &mut side.cycle_len,
            &mut side.next,
            &mut assessed,
        );
        let store = &mut side.store.view();
        fixed.settle(month, &who.rows(&assessed), own, store, &mut plus, None);
        (plus, minus)
    }
}
