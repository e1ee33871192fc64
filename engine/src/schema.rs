//! What a policy computes and reports, declared once in its manifest (`policy.toml`): the
//! statuses a household can hold and the benefits it can be paid, with their labels (English and
//! Latvian), legal reference, level, kind and who pays. Outcomes, summaries, annual projections,
//! tables, CSV files, comparisons and explanations all follow this declaration, so that adding a
//! benefit is a script, a parameter block and a manifest entry, with no change to the engine.
//!
//! ```toml
//! [[status]]
//! id = "needy"                        # the rules set h.needy (a household mask)
//! label = "needy"
//! label_lv = "trūcīgas"
//! reference = "SPSPL; MK 809"
//!
//! [[benefit]]
//! id = "gmi_benefit"                  # the rules set h.gmi_benefit (whole cents, not negative)
//! column = "gmi"                      # summary columns gmi_households, gmi_eur, …
//! label = "GMI benefit"
//! label_lv = "GMI pabalsts"
//! kind = "monthly"                    # monthly | one_off | yearly
//! level = "household"                 # household | person (then the rules set h.<id>_persons)
//! state_share = "state_share.gmi"     # the parameter with the state's share; absent: the council pays
//! means_tested = true                 # granted on the household's application (the default)
//! reference = "MK 809"
//! ```
//!
//! A yearly or one-off benefit may also say when a year's projection pays it: `paid =
//! "when_granted"` (the default: in the first month it is granted) or `paid = "on_claim"` (in the
//! first month it is granted from the month the household claims it, drawn for each household:
//! a cost reimbursed on receipts, an event that happens in any month). See [`Payment`].
//!
//! This module only parses and checks the declaration; it knows nothing of Latvia.

use std::collections::BTreeSet;

use crate::fixed::{self, CENT};

/// How often a benefit is paid, which decides how an annual projection adds it up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Paid each month of the grant period (the GMI benefit, the housing benefit, meals).
    Monthly,
    /// Paid once for an event (a birth, a crisis): at most once in a year's projection.
    OneOff,
    /// An amount for the year (a health-care benefit): paid once in the year, when first granted
    /// (or claimed: [`Payment`]).
    Yearly,
}

/// When, in a year's projection, a yearly or one-off benefit is paid (the manifest's `paid`).
/// A monthly benefit is paid each month of its grant and is always `WhenGranted`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Payment {
    /// `paid = "when_granted"` (the default): in the first month of the year it is granted.
    #[default]
    WhenGranted,
    /// `paid = "on_claim"`: each household claims it in a month of its own, drawn uniformly
    /// from the twelve and not depending on the rules, and is paid once, in the first month
    /// from then on in which it is granted (a means-tested one: held from the assessment that
    /// granted it until the next, as statuses are); never, if it is not granted in any of those
    /// months. For costs reimbursed when the household brings its receipts while it holds a
    /// status (health care), and events that happen in any month (a crisis, a birth).
    OnClaim,
}

/// Whom a benefit is counted for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Household,
    /// Paid per person (per child, per newborn): the rules also set `h.<id>_persons`, the
    /// number of persons paid.
    Person,
}

/// A status a household can hold (needy, low-income): a household mask the rules set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub id: String,
    pub label: String,
    pub label_lv: String,
    /// What it means, for explanations (the label if empty).
    pub description: String,
    pub description_lv: String,
    pub reference: String,
}

/// A benefit: an amount per household the rules set, in whole cents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Benefit {
    pub id: String,
    /// The prefix of its summary columns (`gmi` → `gmi_households`, `gmi_eur`).
    pub column: String,
    pub label: String,
    pub label_lv: String,
    /// The formula in words, for explanations (the label if empty).
    pub description: String,
    pub description_lv: String,
    pub reference: String,
    pub kind: Kind,
    pub level: Level,
    /// The parameter holding the share the state pays (0–1); `None`: the council pays it all.
    pub state_share: Option<String>,
    /// Granted on the household's application to the social service (with a means test or a
    /// status); `false`: paid whenever the rules give it (no means test, claimed on its own).
    pub means_tested: bool,
    /// When a year pays it, if it is yearly or one-off (always `WhenGranted` for a monthly one).
    pub paid: Payment,
}

impl Benefit {
    /// The variable with the number of persons paid, for a per-person benefit.
    pub fn persons_variable(&self) -> Option<String> {
        (self.level == Level::Person).then(|| format!("{}_persons", self.id))
    }

    /// The label in a language (`lv` or anything else for English).
    pub fn label_in(&self, lv: bool) -> &str {
        if lv && !self.label_lv.is_empty() {
            &self.label_lv
        } else {
            &self.label
        }
    }
}

impl Status {
    pub fn label_in(&self, lv: bool) -> &str {
        if lv && !self.label_lv.is_empty() {
            &self.label_lv
        } else {
            &self.label
        }
    }
}

/// The declared outputs of a policy, in manifest order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Schema {
    pub statuses: Vec<Status>,
    pub benefits: Vec<Benefit>,
}

/// The manifest's `[[status]]` entry.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StatusEntry {
    id: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    description_lv: String,
    label: String,
    #[serde(default)]
    label_lv: String,
    #[serde(default)]
    reference: String,
}

/// The manifest's `[[benefit]]` entry.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct BenefitEntry {
    id: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    description_lv: String,
    #[serde(default)]
    column: Option<String>,
    label: String,
    #[serde(default)]
    label_lv: String,
    #[serde(default)]
    reference: String,
    kind: String,
    #[serde(default)]
    level: Option<String>,
    #[serde(default)]
    state_share: Option<String>,
    #[serde(default)]
    means_tested: Option<bool>,
    #[serde(default)]
    paid: Option<String>,
}

/// A name the rules can set and a CSV column can carry: `[a-z][a-z0-9_]*`, at most 40 bytes.
fn check_name(what: &str, name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 40
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{what} '{name}' must be a lowercase name of letters, digits and _ (at most 40), starting with a letter"
        ))
    }
}

impl Schema {
    /// Builds and checks the declaration. Errors name the entry (`benefit 'x': …`).
    pub(crate) fn from_entries(
        statuses: Vec<StatusEntry>,
        benefits: Vec<BenefitEntry>,
    ) -> Result<Schema, String> {
        let mut names = BTreeSet::new();
        let mut columns = BTreeSet::new();
        let mut schema = Schema::default();
        for s in statuses {
            check_name("status", &s.id)?;
            if !names.insert(s.id.clone()) || !columns.insert(s.id.clone()) {
                return Err(format!("status '{}' is declared twice", s.id));
            }
            schema.statuses.push(Status {
                id: s.id,
                label: s.label,
                label_lv: s.label_lv,
                description: s.description,
                description_lv: s.description_lv,
                reference: s.reference,
            });
        }
        for b in benefits {
            let what = format!("benefit '{}'", b.id);
            check_name("benefit", &b.id)?;
            if !names.insert(b.id.clone()) {
                return Err(format!("{what} is declared twice"));
            }
            let column = b.column.unwrap_or_else(|| b.id.clone());
            check_name(&format!("{what}: column"), &column)?;
            if !columns.insert(column.clone()) {
                return Err(format!(
                    "{what}: column '{column}' is already another output's"
                ));
            }
            let kind = match b.kind.as_str() {
                "monthly" => Kind::Monthly,
                "one_off" => Kind::OneOff,
                "yearly" => Kind::Yearly,
                k => {
                    return Err(format!(
                        "{what}: kind '{k}' is not one of monthly, one_off, yearly"
                    ));
                }
            };
            let level = match b.level.as_deref() {
                None | Some("household") => Level::Household,
                Some("person") => Level::Person,
                Some(l) => {
                    return Err(format!(
                        "{what}: level '{l}' is not one of household, person"
                    ));
                }
            };
            let paid = match b.paid.as_deref() {
                None | Some("when_granted") => Payment::WhenGranted,
                Some("on_claim") if kind == Kind::Monthly => {
                    return Err(format!(
                        "{what}: paid = \"on_claim\" is for a yearly or one_off benefit, and this one is monthly (paid each month of its grant)"
                    ));
                }
                Some("on_claim") => Payment::OnClaim,
                Some(p) => {
                    return Err(format!(
                        "{what}: paid '{p}' is not one of when_granted, on_claim"
                    ));
                }
            };
            let benefit = Benefit {
                id: b.id,
                column,
                label: b.label,
                label_lv: b.label_lv,
                description: b.description,
                description_lv: b.description_lv,
                reference: b.reference,
                kind,
                level,
                state_share: b.state_share,
                means_tested: b.means_tested.unwrap_or(true),
                paid,
            };
            if let Some(p) = benefit.persons_variable()
                && !names.insert(p.clone())
            {
                return Err(format!("{what}: h.{p} is already another output"));
            }
            schema.benefits.push(benefit);
        }
        if schema.statuses.is_empty() && schema.benefits.is_empty() {
            return Err(
                "the policy declares no outputs: add [[status]] or [[benefit]] entries".into(),
            );
        }
        Ok(schema)
    }

    /// Every variable the outputs are read from (statuses, benefits, persons paid).
    pub fn variables(&self) -> impl Iterator<Item = String> + '_ {
        self.statuses.iter().map(|s| s.id.clone()).chain(
            self.benefits
                .iter()
                .flat_map(|b| std::iter::once(b.id.clone()).chain(b.persons_variable())),
        )
    }

    pub fn status_index(&self, id: &str) -> Option<usize> {
        self.statuses.iter().position(|s| s.id == id)
    }

    pub fn benefit_index(&self, id: &str) -> Option<usize> {
        self.benefits.iter().position(|b| b.id == id)
    }

    /// The benefit whose id or column is `name`.
    pub fn benefit_named(&self, name: &str) -> Option<usize> {
        self.benefits
            .iter()
            .position(|b| b.id == name || b.column == name)
    }
}

/// The state's part of `amount` (fixed units, whole cents) at `share` (fixed units, 0–1),
/// rounded half up to cents per household [inferred: reimbursement is claimed on totals;
/// rounding per household keeps every total equal to the sum of its households].
pub fn state_part(amount: i64, share: i64) -> i64 {
    // Amounts are at most `fixed::MAX_AMOUNT` and shares at most 1: the product fits.
    fixed::round_to(fixed::mul(amount, share).unwrap_or(amount), CENT).min(amount)
}
