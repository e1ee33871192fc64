//! Explanations that teach: what `explain` tells a person about one household, as data.
//!
//! [`crate::explain`] runs the scripts on one household with tracing and keeps every value; a
//! [`Lesson`] turns that trace into what a social worker in training or the household itself can
//! check by hand: for each step the rule in words with its legal source (from the policy's
//! `explanations.toml`, [`texts`]), the formula with the household's numbers put in, and the
//! comparison that decided a yes/no ("income 500.00 € > needy threshold 425.00 € → not needy");
//! then what would change the result ([`cliffs`]: the rules run again with an input nudged), the
//! year month by month ([`year`]) and why a reform changes the household's result ([`reform`]).
//!
//! Every number in a lesson is one the scripts computed: the texts only say where to put it. A
//! lesson is built in one language (texts, decimal commas, dates) and is plain data with
//! `serde::Serialize`, so the terminal ([`render`]), an HTML page or a JSON API show the same
//! thing.

pub mod branches;
pub mod cliffs;
pub mod reform;
pub mod render;
pub mod texts;
pub mod year;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

use crate::columns::Level;
use crate::explain::Explanation;
pub use crate::explain::Lang;
use crate::fixed;
use crate::inputs::{self, Kind, Shown};
use crate::parameters::{Leaf, Projection, Round, Value};
use crate::policy::Policy;
use crate::population::Population;
use crate::script::Output;
use texts::Texts;

/// One household's explanation, in one language.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Lesson {
    pub lang: &'static str,
    pub household_id: String,
    pub municipality: String,
    /// The council's name as the register writes it (`Tukuma novads`; the slug if it has none).
    pub municipality_name: String,
    pub period: String,
    /// The date whose rules apply, as the language writes dates.
    pub rules_on: String,
    pub members: Vec<Member>,
    /// The household's own inputs (housing costs, savings, …).
    pub household: Vec<Fact>,
    /// One per script, in evaluation order.
    pub sections: Vec<Section>,
    /// Who pays each benefit paid.
    pub financing: Vec<Payer>,
    pub result: Result,
    /// What would change the result (filled by [`cliffs::find`]).
    pub cliffs: Vec<cliffs::Cliff>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Member {
    pub id: String,
    pub facts: Vec<Fact>,
}

/// An input as shown: its label and value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fact {
    pub input: String,
    pub label: String,
    pub value: String,
}

/// What one script decided.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Section {
    pub script: String,
    /// What the script decides, in the lesson's language (the file's name if the texts have
    /// no title for it).
    pub title: String,
    pub parameters: Vec<ParameterUse>,
    pub steps: Vec<Step>,
}

/// A parameter a script read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParameterUse {
    pub path: String,
    pub name: String,
    pub value: String,
    /// The date it is in force from (`None`: always).
    pub since: Option<String>,
    pub source: String,
    /// The council's own value is not known: a default or an estimate.
    pub assumed: bool,
    /// How it was projected past the written years.
    pub projected: Option<String>,
}

/// One variable: its value, the rule, the numbers that gave it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    pub variable: String,
    pub term: String,
    pub value: String,
    /// The value in fixed units (a household number) or as a yes/no (a household mask).
    pub number: Option<i64>,
    pub flag: Option<bool>,
    pub rule: String,
    pub source: String,
    /// Each formula in words and with the numbers put in.
    pub formulas: Vec<Formula>,
    /// Where the formula's amount is not the value: why (a gate that said no, rounding).
    pub after_formulas: Option<String>,
    pub conditions: Vec<Comparison>,
    /// What the yes/no means ("not needy").
    pub conclusion: Option<String>,
    /// The declared conditions agree with the traced value (all met exactly when yes). `false`
    /// means `explanations.toml` describes the rule differently from the script.
    pub consistent: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Formula {
    pub words: String,
    pub numbers: String,
}

/// One condition of a yes/no: the numbers compared, whether it is met, whether it decided.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    pub text: String,
    pub met: bool,
    pub decisive: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Payer {
    pub benefit: String,
    pub amount: String,
    pub text: String,
}

/// The household's result: its status and every benefit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Result {
    pub status_id: Option<String>,
    pub status: String,
    /// (benefit id, label, amount in fixed units, amount as text).
    pub benefits: Vec<(String, String, i64, String)>,
    pub gross: String,
    pub state: String,
    pub net: String,
}

/// The words of the lesson's frame (labels, not rules: those are the policy's).
pub struct Words {
    pub household: &'static str,
    pub rules_on: &'static str,
    pub members: &'static str,
    pub person: &'static str,
    pub rule: &'static str,
    pub source: &'static str,
    pub parameters: &'static str,
    pub in_force_from: &'static str,
    pub always: &'static str,
    pub assumed: &'static str,
    pub projected: &'static str,
    pub result: &'static str,
    pub yes: &'static str,
    pub no: &'static str,
    pub status: &'static str,
    pub no_status: &'static str,
    pub who_pays: &'static str,
    pub state_pays: &'static str,
    pub council_pays_all: &'static str,
    pub totals: [&'static str; 3],
    pub rounded: &'static str,
    pub mismatch: &'static str,
    pub what_changes: &'static str,
    pub nothing_changes: &'static str,
    pub lower: &'static str,
    pub higher: &'static str,
    pub instead_of: &'static str,
    pub per: [&'static str; 3],
    pub of_person: &'static str,
}

pub const EN: Words = Words {
    household: "Household",
    rules_on: "rules in force on",
    members: "Members",
    person: "person",
    rule: "Rule",
    source: "Source",
    parameters: "Parameters",
    in_force_from: "in force from",
    always: "always",
    assumed: "ASSUMED: the council's own value is not known",
    projected: "PROJECTED:",
    result: "Result",
    yes: "yes",
    no: "no",
    status: "status",
    no_status: "neither",
    who_pays: "Who pays",
    state_pays: "the state pays",
    council_pays_all: "the council pays it all",
    totals: crate::summary::WORDS_EN.totals,
    rounded: "rounded",
    mismatch: "(these conditions do not give the rules' answer: explanations.toml describes this rule differently from the script)",
    what_changes: "What would change the result",
    nothing_changes: "no change of income, savings or costs within 500 € changes the status or makes a benefit jump",
    lower: "lower",
    higher: "higher",
    instead_of: "instead of",
    per: ["a month", "a year", "once"],
    of_person: "of person",
};

pub const LV: Words = Words {
    household: "Mājsaimniecība",
    rules_on: "noteikumi spēkā",
    members: "Locekļi",
    person: "persona",
    rule: "Noteikums",
    source: "Avots",
    parameters: "Parametri",
    in_force_from: "spēkā no",
    always: "vienmēr",
    assumed: "PIEŅEMTS: pašvaldības vērtība nav zināma",
    projected: "PROJICĒTS:",
    result: "Rezultāts",
    yes: "jā",
    no: "nē",
    status: "statuss",
    no_status: "nav",
    who_pays: "Kas maksā",
    state_pays: "valsts sedz",
    council_pays_all: "visu sedz pašvaldība",
    totals: crate::summary::WORDS_LV.totals,
    rounded: "noapaļots",
    mismatch: "(šie nosacījumi nedod noteikumu atbildi: explanations.toml šo noteikumu apraksta citādi nekā skripts)",
    what_changes: "Kas mainītu rezultātu",
    nothing_changes: "neviena ienākumu, uzkrājumu vai izdevumu izmaiņa 500 € robežās nemaina statusu un nerada pabalsta lēcienu",
    lower: "mazāki",
    higher: "lielāki",
    instead_of: "nevis",
    per: ["mēnesī", "gadā", "vienreiz"],
    of_person: "personas",
};

pub fn words(lang: Lang) -> &'static Words {
    match lang {
        Lang::En => &EN,
        Lang::Lv => &LV,
    }
}

// ---------------------------------------------------------------------------------------------
// Numbers as a language writes them

/// An amount in euros: `1234.50 €` / `1234,50 €` (more decimals only where the value has them).
pub fn money(v: i64, lang: Lang) -> String {
    decimal_mark(&fixed::format_amount(v), lang) + " €"
}

/// A plain number without trailing zeros: `2.5` / `2,5`.
pub fn number(v: i64, lang: Lang) -> String {
    decimal_mark(&fixed::to_decimal(v).normalize().to_string(), lang)
}

fn decimal_mark(s: &str, lang: Lang) -> String {
    match lang {
        Lang::En => s.to_string(),
        Lang::Lv => s.replace('.', ","),
    }
}

/// A date: `2026-03-01` / `01.03.2026.`.
pub fn date(d: crate::date::Date, lang: Lang) -> String {
    match lang {
        Lang::En => d.to_string(),
        Lang::Lv => {
            let s = d.to_string();
            let p: Vec<&str> = s.split('-').collect();
            match p.as_slice() {
                [y, m, day] => format!("{day}.{m}.{y}."),
                _ => s,
            }
        }
    }
}

/// A parameter's value: numbers with the language's decimal mark, fields and text values by
/// their names in `texts`.
pub fn value_text(v: &Value, texts: &Texts, lang: Lang) -> String {
    let w = words(lang);
    match v {
        Value::Number(d) => decimal_mark(&d.normalize().to_string(), lang),
        Value::Bool(b) => (if *b { w.yes } else { w.no }).to_string(),
        Value::Text(t) => texts.field(t, lang).to_string(),
        Value::Table(t) => {
            // A switch that is on reads as its name ("needy, low-income"), not "needy yes".
            let parts: Vec<String> = t
                .iter()
                .map(|(k, v)| match v {
                    Value::Bool(true) => texts.field(k, lang).to_string(),
                    v => format!("{} {}", texts.field(k, lang), value_text(v, texts, lang)),
                })
                .collect();
            parts.join(", ")
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Values the formulas name

/// A traced value, as a formula uses it.
#[derive(Debug, Clone, PartialEq)]
enum Val {
    Num(i64),
    Nums(Vec<i64>),
    Flag(bool),
    Flags(Vec<bool>),
}

fn of_output(o: &Output) -> Option<Val> {
    Some(match o {
        Output::Num {
            person: false,
            values,
        } => Val::Num(*values.first()?),
        Output::Num { values, .. } => Val::Nums(values.clone()),
        Output::Mask {
            person: false,
            values,
        } => Val::Flag(*values.first()?),
        Output::Mask { values, .. } => Val::Flags(values.clone()),
        Output::Scalar(v) => of_value(v)?,
    })
}

fn of_value(v: &Value) -> Option<Val> {
    match v {
        Value::Number(d) => fixed::from_decimal(*d).map(Val::Num),
        Value::Bool(b) => Some(Val::Flag(*b)),
        _ => None,
    }
}

/// A table's field by a dotted path.
fn field<'v>(v: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.').try_fold(v, |v, k| match v {
        Value::Table(t) => t.get(k),
        _ => None,
    })
}

/// What a token of a formula can name, for one step.
struct Context<'a> {
    locals: &'a [(String, Output)],
    vars: &'a BTreeMap<String, Output>,
    params: &'a [Arc<Leaf>],
    population: &'a Population,
    texts: &'a Texts,
    lang: Lang,
}

/// A token `name`, `name.field`, `members.NAME`, `p:path` with an optional `:€`.
fn split_token(token: &str) -> (&str, bool) {
    match token.strip_suffix(":€") {
        Some(t) => (t, true),
        None => (token, false),
    }
}

impl Context<'_> {
    fn local(&self, name: &str) -> Option<&Output> {
        // A script may shadow a local (`let t = …` again): the last one is what it ended with.
        self.locals
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }

    fn parameter<'p>(&self, path: &'p str) -> Option<(&Arc<Leaf>, Option<&'p str>)> {
        self.params.iter().find_map(|leaf| {
            let key = texts::pattern(&leaf.path);
            for k in [key.as_str(), leaf.path.as_str()] {
                if path == k {
                    return Some((leaf, None));
                }
                if let Some(rest) = path.strip_prefix(k).and_then(|r| r.strip_prefix('.')) {
                    return Some((leaf, Some(rest)));
                }
            }
            None
        })
    }

    fn resolve(&self, name: &str) -> Option<Val> {
        if let Some(path) = name.strip_prefix("p:") {
            let (leaf, rest) = self.parameter(path)?;
            return match rest {
                None => of_value(&leaf.value),
                Some(f) => of_value(field(&leaf.value, f)?),
            };
        }
        if let Some(input) = name.strip_prefix("members.") {
            let (_, i) = inputs::find(input).filter(|(_, i)| i.level == Level::Person)?;
            let n = self.population.person_count();
            return (0..n)
                .map(|j| i.value(self.population, j))
                .collect::<Option<Vec<i64>>>()
                .map(Val::Nums);
        }
        let (base, rest) = match name.split_once('.') {
            Some((b, r)) => (b, Some(r)),
            None => (name, None),
        };
        if let Some(o) = self.local(base) {
            return match (o, rest) {
                (Output::Scalar(v), Some(r)) => of_value(field(v, r)?),
                (o, None) => of_output(o),
                _ => None,
            };
        }
        if rest.is_some() {
            return None;
        }
        if let Some(o) = self.vars.get(name) {
            return of_output(o);
        }
        if name == "size" {
            return Some(Val::Num(
                self.population.person_count() as i64 * fixed::SCALE,
            ));
        }
        let (_, i) = inputs::find(name).filter(|(_, i)| i.level == Level::Household)?;
        i.value(self.population, 0).map(Val::Num)
    }

    fn show(&self, v: &Val, money: bool) -> String {
        let w = words(self.lang);
        let one = |x: i64| {
            if money {
                self::money(x, self.lang)
            } else {
                number(x, self.lang)
            }
        };
        let flag = |b: bool| (if b { w.yes } else { w.no }).to_string();
        match v {
            Val::Num(x) => one(*x),
            Val::Nums(xs) => xs.iter().map(|&x| one(x)).collect::<Vec<_>>().join(" + "),
            Val::Flag(b) => flag(*b),
            Val::Flags(bs) => bs.iter().map(|&b| flag(b)).collect::<Vec<_>>().join(", "),
        }
    }

    /// The words a token stands for in a formula written out.
    fn term(&self, name: &str) -> String {
        if let Some(path) = name.strip_prefix("p:") {
            return match self.parameter(path) {
                Some((_, Some(f))) => self
                    .texts
                    .field(f.rsplit('.').next().unwrap_or(f), self.lang)
                    .to_string(),
                Some((leaf, None)) => self
                    .texts
                    .parameters
                    .get(&texts::pattern(&leaf.path))
                    .map_or(leaf.path.clone(), |p| p.name(self.lang).to_string()),
                None => path.to_string(),
            };
        }
        if let Some(input) = name.strip_prefix("members.") {
            return self.texts.term(input, self.lang);
        }
        let (base, rest) = match name.split_once('.') {
            Some((b, r)) => (b, Some(r)),
            None => (name, None),
        };
        let base_term = if self.local(base).is_some() {
            self.texts
                .terms
                .get(base)
                .map_or(base.to_string(), |t| t.get(self.lang).to_string())
        } else {
            self.texts.term(base, self.lang)
        };
        match rest {
            Some(f) => format!("{base_term} ({})", self.texts.field(f, self.lang)),
            None => base_term,
        }
    }

    /// `expr` with each `{token}` replaced by its value (`numbers`) and by its words; `None`
    /// if a token has no value here.
    fn fill(&self, expr: &str) -> Option<(String, String)> {
        let (mut numbers, mut words) = (String::new(), String::new());
        let mut rest = expr;
        // The formula's own words (`round`) in the lesson's language.
        let plain = |t: &str| {
            t.replace(
                "round(",
                &format!("{}(", self.texts.field("round", self.lang)),
            )
        };
        while let Some(open) = rest.find('{') {
            let close = open + rest[open..].find('}')?;
            numbers.push_str(&plain(&rest[..open]));
            words.push_str(&plain(&rest[..open]));
            let (name, money) = split_token(&rest[open + 1..close]);
            numbers.push_str(&self.show(&self.resolve(name)?, money));
            words.push_str(&self.term(name));
            rest = &rest[close + 1..];
        }
        numbers.push_str(&plain(rest));
        words.push_str(&plain(rest));
        Some((numbers, words))
    }
}

// ---------------------------------------------------------------------------------------------
// Building a lesson

/// The inputs of row `row` (of `level`) with their labels, as the explanation shows them.
pub fn facts(pop: &Population, level: Level, row: usize, lang: Lang) -> Vec<Fact> {
    let w = words(lang);
    let mut out = Vec::new();
    for (_, input) in inputs::at(level) {
        let Some(v) = input.value(pop, row) else {
            continue;
        };
        let value = match input.shown {
            Shown::Value => match input.kind {
                Kind::Money => money(v, lang),
                // Whole numbers are stored as they are, not in fixed units.
                Kind::Whole { .. } | Kind::Flag => v.to_string(),
            },
            Shown::YesNo => (if v != 0 { w.yes } else { w.no }).to_string(),
            Shown::WhenTrue if v != 0 => w.yes.to_string(),
            Shown::WhenTrue | Shown::Hidden => continue,
        };
        out.push(Fact {
            input: input.name.to_string(),
            label: input.label(lang == Lang::Lv).to_string(),
            value,
        });
    }
    out
}

/// A value as the step shows it.
fn shown(v: &Output, unit_eur: bool, person_ids: &[String], lang: Lang) -> String {
    let w = words(lang);
    let one = |x: i64| {
        if unit_eur {
            money(x, lang)
        } else {
            number(x, lang)
        }
    };
    let flag = |b: bool| (if b { w.yes } else { w.no }).to_string();
    let list = |items: Vec<String>| {
        person_ids
            .iter()
            .zip(items)
            .map(|(id, v)| format!("{} {id}: {v}", w.person))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match v {
        Output::Num {
            person: false,
            values,
        } => values.first().map_or(String::new(), |&x| one(x)),
        Output::Num { values, .. } => list(values.iter().map(|&x| one(x)).collect()),
        Output::Mask {
            person: false,
            values,
        } => values.first().map_or(String::new(), |&b| flag(b)),
        Output::Mask { values, .. } => list(values.iter().map(|&b| flag(b)).collect()),
        Output::Scalar(v) => value_text(v, &Texts::default(), lang),
    }
}

/// The lesson of an explanation, in `lang`. Cliffs are left empty: [`cliffs::find`] re-runs
/// the rules for them.
pub fn build(e: &Explanation, policy: &Policy, lang: Lang) -> Lesson {
    let texts = &policy.texts;
    let w = words(lang);
    let lv = lang == Lang::Lv;
    let pop = &e.population;
    let person_ids: Vec<String> = pop.persons.id.iter().map(|id| id.to_string()).collect();
    let members = (0..pop.person_count())
        .map(|j| Member {
            id: person_ids[j].clone(),
            facts: facts(pop, Level::Person, j, lang),
        })
        .collect();
    let vars: BTreeMap<String, Output> =
        e.steps.iter().flat_map(|s| s.set.iter().cloned()).collect();
    let mut sections = Vec::new();
    for step in &e.steps {
        let parameters = step
            .parameters
            .iter()
            .map(|leaf| parameter_use(leaf, texts, lang))
            .collect();
        let ctx = Context {
            locals: &step.locals,
            vars: &vars,
            params: &step.parameters,
            population: pop,
            texts,
            lang,
        };
        let steps = step
            .set
            .iter()
            .map(|(name, v)| teach(name, v, &ctx, policy, &person_ids))
            .collect();
        sections.push(Section {
            script: step.script.clone(),
            title: texts
                .scripts
                .get(&step.script)
                .map_or(step.script.clone(), |t| t.get(lang).to_string()),
            parameters,
            steps,
        });
    }
    let schema = &policy.schema;
    let financing = e
        .financing
        .iter()
        .filter(|f| f.amount > 0)
        .map(|f| {
            let benefit = &schema.benefits[f.benefit];
            let text = match &f.share {
                Some(leaf) => {
                    let share = match &leaf.value {
                        Value::Number(d) => fixed::from_decimal(*d).unwrap_or(0) * 100,
                        _ => 0,
                    };
                    let source = texts
                        .parameters
                        .get(&texts::pattern(&leaf.path))
                        .map_or(leaf.meta.reference.as_str(), |p| p.source.get(lang));
                    format!(
                        "{} {} % × {} = {} ({source}); {} {}",
                        w.state_pays,
                        number(share, lang),
                        money(f.amount, lang),
                        money(f.state, lang),
                        w.totals[2],
                        money(f.amount - f.state, lang)
                    )
                }
                None => w.council_pays_all.to_string(),
            };
            Payer {
                benefit: benefit.label_in(lv).to_string(),
                amount: money(f.amount, lang),
                text,
            }
        })
        .collect();
    let status = schema.statuses.iter().find(|s| {
        matches!(vars.get(&s.id), Some(Output::Mask { values, .. }) if values.first() == Some(&true))
    });
    let gross: i64 = e.financing.iter().map(|f| f.amount).sum();
    let state: i64 = e.financing.iter().map(|f| f.state).sum();
    let benefits = e
        .financing
        .iter()
        .filter(|f| {
            f.amount > 0 || !matches!(schema.benefits[f.benefit].kind, crate::schema::Kind::OneOff)
        })
        .map(|f| {
            let b = &schema.benefits[f.benefit];
            (
                b.id.clone(),
                b.label_in(lv).to_string(),
                f.amount,
                money(f.amount, lang),
            )
        })
        .collect();
    Lesson {
        lang: if lv { "lv" } else { "en" },
        household_id: e.household_id.clone(),
        municipality: e.municipality.clone(),
        municipality_name: council_name(&e.municipality),
        period: e.period.to_string(),
        rules_on: date(e.period.first_day(), lang),
        members,
        household: facts(pop, Level::Household, 0, lang),
        sections,
        financing,
        result: Result {
            status_id: status.map(|s| s.id.clone()),
            status: status.map_or(w.no_status, |s| s.label_in(lv)).to_string(),
            benefits,
            gross: money(gross, lang),
            state: money(state, lang),
            net: money(gross - state, lang),
        },
        cliffs: Vec::new(),
    }
}

fn parameter_use(leaf: &Leaf, texts: &Texts, lang: Lang) -> ParameterUse {
    let entry = texts.parameters.get(&texts::pattern(&leaf.path));
    let name = match entry {
        Some(p) => p.name(lang).to_string(),
        // A policy without texts: the parameter's own description.
        None => match lang {
            Lang::Lv if !leaf.meta.description_lv.is_empty() => leaf.meta.description_lv.clone(),
            _ => leaf.path.clone(),
        },
    };
    ParameterUse {
        path: leaf.path.clone(),
        name,
        value: value_text(&leaf.value, texts, lang),
        since: leaf.since.map(|d| date(d, lang)),
        source: entry.map_or(leaf.meta.reference.clone(), |p| {
            p.source.get(lang).to_string()
        }),
        assumed: leaf.assumed,
        projected: leaf
            .projected
            .as_ref()
            .map(|p| projection_text(p, texts, lang)),
    }
}

/// The register's name of a council, or its slug if the register has none.
pub fn council_name(slug: &str) -> String {
    crate::register::name(slug).unwrap_or_else(|| slug.to_string())
}

/// How a projected value was computed, in the lesson's language and number format (after the
/// PROJECTED label, so without the year the lesson's period already says).
fn projection_text(p: &Projection, texts: &Texts, lang: Lang) -> String {
    let shown = |v: &Value| match v {
        Value::Table(_) => format!("({})", value_text(v, texts, lang)),
        v => value_text(v, texts, lang),
    };
    let (before, after) = (shown(&p.before), shown(&p.after));
    let rate = decimal_mark(&p.rate.normalize().to_string(), lang);
    let (last, name) = (p.year - 1, p.assumption);
    let cents = p.round == Round::Cents;
    match lang {
        Lang::En => format!(
            "{last} value {before} × (1 + {name} {rate}) = {after}, rounded half-up to {}",
            if cents { "cents" } else { "whole euros" }
        ),
        Lang::Lv => format!(
            "{last}. gada vērtība {before} × (1 + {name} {rate}) = {after}, noapaļots līdz {} (pusi uz augšu)",
            if cents { "centiem" } else { "veseliem eiro" }
        ),
    }
}

/// One variable's step.
fn teach(name: &str, v: &Output, ctx: &Context, policy: &Policy, person_ids: &[String]) -> Step {
    let lang = ctx.lang;
    let w = words(lang);
    let info = policy.info(name);
    let unit_eur = info.unit == "EUR";
    let entry = ctx.texts.variables.get(name);
    let fallback_label = if lang == Lang::Lv && !info.label_lv.is_empty() {
        info.label_lv.clone()
    } else {
        info.label.clone()
    };
    let term = entry.map_or(fallback_label.clone(), |t| t.term.get(lang).to_string());
    let (number, flag) = match of_output(v) {
        Some(Val::Num(x)) => (Some(x), None),
        Some(Val::Flag(b)) => (None, Some(b)),
        _ => (None, None),
    };
    let mut step = Step {
        variable: name.to_string(),
        term: term.clone(),
        value: shown(v, unit_eur, person_ids, lang),
        number,
        flag,
        rule: entry.map_or(fallback_label, |t| t.rule.get(lang).to_string()),
        source: entry.map_or(info.reference.clone(), |t| t.source.get(lang).to_string()),
        formulas: Vec::new(),
        after_formulas: None,
        conditions: Vec::new(),
        conclusion: None,
        consistent: true,
    };
    let Some(entry) = entry else {
        return step;
    };
    // Formulas: each with every token's value, or left out.
    let mut first_value: Option<i64> = None;
    // A formula shown whose left side is the variable itself leaves nothing to explain after.
    let mut gives_the_value = false;
    for f in &entry.formulas {
        let value_token = f.value.clone().unwrap_or_else(|| {
            if unit_eur {
                format!("{name}:€")
            } else {
                name.to_string()
            }
        });
        let (value_name, value_money) = split_token(&value_token);
        let Some(value) = ctx.resolve(value_name) else {
            continue;
        };
        let Some((numbers, words_)) = ctx.fill(&f.expr) else {
            continue;
        };
        let left = ctx.show(&value, value_money);
        // One member's income "= 500.00 €" teaches nothing.
        if numbers == left {
            continue;
        }
        // A named part (`gmi.first`) by its own words; the amount a formula gives by the step's.
        let base = value_name.split('.').next().unwrap_or("");
        let left_words = if f.value.is_some() && ctx.texts.terms.contains_key(base) {
            ctx.term(value_name)
        } else {
            term.clone()
        };
        if first_value.is_none()
            && let Val::Num(x) = value
        {
            first_value = Some(x);
        }
        gives_the_value |= f.value.is_none();
        step.formulas.push(Formula {
            words: format!("{left_words} = {words_}"),
            numbers: format!("{left} = {numbers}"),
        });
    }
    // The formula's amount is not the value: a gate said no, or it was rounded.
    if let (Some(fv), Some(value)) = (first_value, number)
        && !gives_the_value
        && fv != value
    {
        let shown_value = if unit_eur {
            money(value, lang)
        } else {
            self::number(value, lang)
        };
        let gate = entry.gate.as_deref().and_then(|g| match ctx.resolve(g) {
            Some(Val::Flag(false)) => Some(g),
            _ => None,
        });
        step.after_formulas = Some(match gate {
            Some(g) => {
                let said = ctx
                    .texts
                    .variables
                    .get(g)
                    .and_then(|t| t.outcome.as_ref())
                    .map_or(w.no.to_string(), |o| o.get(lang, false).to_string());
                format!("{}: {said} → {term} = {shown_value}", ctx.term(g))
            }
            None => format!("{}: {term} = {shown_value}", w.rounded),
        });
    }
    // Conditions of a yes/no: the numbers compared, and the traced verdict.
    if let Some(value) = flag {
        let mut all_met = true;
        let mut conditions = Vec::new();
        for c in &entry.conditions {
            let Some(Val::Flag(verdict)) = ctx.resolve(&c.verdict) else {
                continue;
            };
            let met = verdict == c.want;
            all_met &= met;
            let compared = match (&c.left, &c.right) {
                (Some(l), Some(r)) => {
                    let (ln, lm) = split_token(l);
                    let (rn, rm) = split_token(r);
                    match (ctx.resolve(ln), ctx.resolve(rn)) {
                        (Some(Val::Num(a)), Some(Val::Num(b))) => Some(format!(
                            "{} {} {} {} {}",
                            ctx.term(ln),
                            ctx.show(&Val::Num(a), lm),
                            match a.cmp(&b) {
                                std::cmp::Ordering::Less => "<",
                                std::cmp::Ordering::Equal => "=",
                                std::cmp::Ordering::Greater => ">",
                            },
                            ctx.term(rn),
                            ctx.show(&Val::Num(b), rm)
                        )),
                        _ => None,
                    }
                }
                _ => None,
            };
            let text = compared.unwrap_or_else(|| {
                let said = ctx
                    .texts
                    .variables
                    .get(&c.verdict)
                    .and_then(|t| t.outcome.as_ref())
                    .map_or((if verdict { w.yes } else { w.no }).to_string(), |o| {
                        o.get(lang, verdict).to_string()
                    });
                format!("{}: {said}", ctx.term(&c.verdict))
            });
            conditions.push(Comparison {
                text,
                met,
                // A yes is decided by every condition; a no by those not met.
                decisive: value || !met,
            });
        }
        step.consistent = conditions.is_empty() || all_met == value;
        step.conditions = conditions;
        step.conclusion = Some(match &entry.outcome {
            Some(o) => o.get(lang, value).to_string(),
            None => format!("{term}: {}", if value { w.yes } else { w.no }),
        });
    }
    step
}
