//! A household's year, month by month: what the rules of each month gave it, and why it was or
//! was not paid — assessed that month or holding an earlier assessment's grant, applied or not.
//!
//! The months come from the annual projection itself (`annual::project_watching`), which records
//! the household's cycle, take-up decision and payments as it computes them, so the lesson tells
//! the projection's own story instead of working the cycle out again.

use std::fmt::Write;

use serde::Serialize;

use super::{Lang, money};
use crate::annual::Watched;
use crate::schema::{Kind, Schema};

/// A household's year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Year {
    pub lang: &'static str,
    pub household_id: String,
    pub municipality: String,
    pub year: i32,
    /// Where the behaviour comes from (profile take-up, or everyone applies).
    pub behaviour: String,
    pub months: Vec<Month>,
    /// Each benefit received in the year: its label and the months (1–12).
    pub received: Vec<(String, Vec<u8>)>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Month {
    pub month: u8,
    pub income: String,
    /// What the month's rules give (entitlement).
    pub entitled: String,
    pub assessed: bool,
    pub applied: bool,
    pub received: String,
    /// Why it received what it did.
    pub reason: String,
}

struct Words {
    title: &'static str,
    everyone: &'static str,
    profile: &'static str,
    nothing: &'static str,
    income: &'static str,
    entitled: &'static str,
    received: &'static str,
    assessed_applied: &'static str,
    assessed_not_applied: &'static str,
    assessed_nothing: &'static str,
    not_assessed: &'static str,
    granted_nothing: &'static str,
    without_application: &'static str,
    months_received: &'static str,
    none_received: &'static str,
    chance: &'static str,
    next: &'static str,
    once: &'static str,
}

const EN: Words = Words {
    title: "month by month",
    everyone: "a household given directly: everyone who qualifies applies at each assessment, incomes stay put",
    profile: "take-up, assessment cycle and job changes of the council's profile (seed",
    nothing: "nothing",
    income: "income",
    entitled: "the month's rules give",
    received: "received",
    assessed_applied: "assessed and applied",
    assessed_not_applied: "assessed, did not apply",
    assessed_nothing: "assessed: nothing to grant",
    not_assessed: "not assessed: holds what the last assessment granted",
    granted_nothing: "not assessed: the last assessment granted nothing",
    without_application: "paid without an application (no means test)",
    months_received: "Months received",
    none_received: "nothing received in the year",
    chance: "chance",
    next: "next assessment",
    once: "paid once, this month (granted, or claimed from its claim month on)",
};

const LV: Words = Words {
    title: "pa mēnešiem",
    everyone: "tieši norādīta mājsaimniecība: katrā izvērtēšanā pieprasa ikviena, kam ir tiesības; ienākumi nemainās",
    profile: "pašvaldības profila pieprasīšana, izvērtēšanas cikls un darba maiņa (sēkla",
    nothing: "nekas",
    income: "ienākumi",
    entitled: "mēneša noteikumi dod",
    received: "saņemts",
    assessed_applied: "izvērtēta un pieprasīja",
    assessed_not_applied: "izvērtēta, nepieprasīja",
    assessed_nothing: "izvērtēta: nav ko piešķirt",
    not_assessed: "nav izvērtēta: spēkā tas, ko piešķīra pēdējā izvērtēšana",
    granted_nothing: "nav izvērtēta: pēdējā izvērtēšana neko nepiešķīra",
    without_application: "izmaksāts bez pieprasījuma (bez ienākumu izvērtēšanas)",
    months_received: "Saņemšanas mēneši",
    none_received: "gadā nekas nav saņemts",
    chance: "varbūtība",
    next: "nākamā izvērtēšana",
    once: "izmaksāts vienreiz, šajā mēnesī (piešķirts vai pieprasīts no pieprasījuma mēneša)",
};

fn words(lang: Lang) -> &'static Words {
    match lang {
        Lang::En => &EN,
        Lang::Lv => &LV,
    }
}

/// A status and the benefits above zero, as a list.
fn outputs(schema: &Schema, status: Option<usize>, amounts: &[i64], lang: Lang) -> String {
    let lv = lang == Lang::Lv;
    let mut parts: Vec<String> = status
        .map(|k| schema.statuses[k].label_in(lv).to_string())
        .into_iter()
        .collect();
    for (b, &a) in amounts.iter().enumerate() {
        if a > 0 {
            parts.push(format!(
                "{} {}",
                schema.benefits[b].label_in(lv),
                money(a, lang)
            ));
        }
    }
    if parts.is_empty() {
        words(lang).nothing.to_string()
    } else {
        parts.join(", ")
    }
}

/// The year of one household from the projection's record of it. `seed`: the behaviour's, for
/// a generated household (`None`: everyone applies).
pub fn build(
    watched: &[Watched],
    schema: &Schema,
    household_id: &str,
    municipality: &str,
    year: i32,
    seed: Option<u64>,
    lang: Lang,
) -> Year {
    let w = words(lang);
    let pct = |millionths: u32| {
        let tenths = (u64::from(millionths) + 500) / 1_000;
        let s = format!("{}.{}", tenths / 10, tenths % 10);
        let s = if lang == Lang::Lv {
            s.replace('.', ",")
        } else {
            s
        };
        format!("{s} %")
    };
    let mut months = Vec::new();
    for m in watched {
        let entitled = outputs(schema, m.entitled_status, &m.entitled, lang);
        let received = outputs(schema, m.held_status, &m.paid, lang);
        let means_tested_paid = m
            .paid
            .iter()
            .enumerate()
            .any(|(b, &a)| a > 0 && schema.benefits[b].means_tested);
        let any_paid = m.held_status.is_some() || m.paid.iter().any(|&a| a > 0);
        let mut reason = if m.assessed {
            if m.value_cents <= 0 {
                w.assessed_nothing.to_string()
            } else if m.applies {
                format!("{} ({} {})", w.assessed_applied, w.chance, pct(m.chance))
            } else {
                format!(
                    "{} ({} {})",
                    w.assessed_not_applied,
                    w.chance,
                    pct(m.chance)
                )
            }
        } else if m.held_status.is_some() || means_tested_paid {
            w.not_assessed.to_string()
        } else {
            w.granted_nothing.to_string()
        };
        if any_paid && !means_tested_paid && m.held_status.is_none() {
            let _ = write!(reason, "; {}", w.without_application);
        }
        let once: Vec<&str> = m
            .paid
            .iter()
            .enumerate()
            .filter(|&(b, &a)| a > 0 && schema.benefits[b].kind != Kind::Monthly)
            .map(|(b, _)| schema.benefits[b].label_in(lang == Lang::Lv))
            .collect();
        if !once.is_empty() {
            let _ = write!(reason, "; {}: {}", once.join(", "), w.once);
        }
        if m.next <= 12 {
            let _ = write!(reason, "; {} {:02}", w.next, m.next);
        }
        months.push(Month {
            month: m.month,
            income: money(m.incomes.iter().sum(), lang),
            entitled,
            assessed: m.assessed,
            applied: m.applies,
            received,
            reason,
        });
    }
    let lv = lang == Lang::Lv;
    let received = schema
        .benefits
        .iter()
        .enumerate()
        .filter_map(|(b, benefit)| {
            let ms: Vec<u8> = watched
                .iter()
                .filter(|m| m.paid.get(b).is_some_and(|&a| a > 0))
                .map(|m| m.month)
                .collect();
            (!ms.is_empty()).then(|| (benefit.label_in(lv).to_string(), ms))
        })
        .collect();
    Year {
        lang: if lv { "lv" } else { "en" },
        household_id: household_id.to_string(),
        municipality: municipality.to_string(),
        year,
        behaviour: match seed {
            Some(s) => format!("{} {s})", w.profile),
            None => w.everyone.to_string(),
        },
        months,
        received,
    }
}

/// The year as text.
pub fn text(y: &Year, schema: &Schema) -> String {
    let lang = if y.lang == "lv" { Lang::Lv } else { Lang::En };
    let w = words(lang);
    let household = super::words(lang).household;
    let mut out = format!(
        "{household} {} — {}, {} {}\n  ({})\n",
        y.household_id,
        super::council_name(&y.municipality),
        y.year,
        w.title,
        y.behaviour
    );
    for m in &y.months {
        let _ = writeln!(
            out,
            "\n  {}-{:02}: {} {}; {}: {}\n     {}: {}\n     {}",
            y.year,
            m.month,
            w.income,
            m.income,
            w.entitled,
            m.entitled,
            w.received,
            m.received,
            m.reason
        );
    }
    let _ = writeln!(out, "\n{}:", w.months_received);
    if y.received.is_empty() {
        let _ = writeln!(out, "   {}", w.none_received);
    }
    for (label, ms) in &y.received {
        let list: Vec<String> = ms.iter().map(|m| format!("{m:02}")).collect();
        let per = schema
            .benefits
            .iter()
            .find(|b| b.label_in(lang == Lang::Lv) == label)
            .map(|b| b.kind);
        let total = if per == Some(Kind::Monthly) {
            format!(" ({})", ms.len())
        } else {
            String::new()
        };
        let _ = writeln!(out, "   {label}: {}{total}", list.join(", "));
    }
    out
}
