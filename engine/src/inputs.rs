//! The population's inputs, declared once: each input's name (its CSV column, its name in the
//! scripts and in case files), level (household or person), type, whether a population must
//! have it, unit, labels and descriptions in English and Latvian, its legal range, and where it
//! is stored in a [`Population`].
//!
//! Everything that reads or writes inputs follows [`INPUTS`]: the CSV loader (which columns a
//! file must or may have, how each field is parsed and checked, the errors), the CSV writer, the
//! case-file and inline-household reader (`crate::cases`), the columns a script may read
//! (`h.housing_costs`, `h.members.income`, `h.has("crisis")`, in `crate::script` and
//! `crate::columns`), which optional columns a prepared run depends on (`crate::simulate`),
//! selecting households (`Population::select`) and the labels of `explain`. Adding an optional
//! input is one entry here and its storage (a field of [`Households`](crate::population::Households)
//! or [`Persons`](crate::population::Persons)); the generator, which draws it, is the other
//! place that knows it by name.
//!
//! What this module does not declare: the keys that join the two files (`household_id`,
//! `municipality`, `person_id`, a person's `household_id`), which are the format's structure and
//! are read by `crate::csv_load` itself, and `h.size` (members per household), which is derived.
//!
//! Why a Rust table and not a `[[input]]` list in `policy.toml`: the inputs belong to the
//! population, not to a policy (one population runs under a baseline and a reform, and is loaded
//! before any policy is), each needs typed storage that only Rust can name, and the loader, whose
//! speed matters, then works from a static table with no lookups by name per row.

use crate::columns::Level;
use crate::fixed;
use crate::population::{MAX_AGE, Population};

/// What an input holds, how it is written in a CSV field and which values are legal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// An amount in EUR with at most two decimals (whole cents), never negative, at most
    /// [`fixed::MAX_INPUT`]; held in fixed units ([`fixed::SCALE`]), so the rules read it in place.
    Money,
    /// A whole number from `min` to `max` (`None`: no upper bound); held as is.
    Whole { min: i64, max: Option<i64> },
    /// `0` or `1` (no, yes); held as `bool`.
    Flag,
}

impl Kind {
    /// Whether a column of this kind is held as booleans (else as `i64`).
    pub fn is_flag(self) -> bool {
        matches!(self, Kind::Flag)
    }

    /// Why a whole number `v` is not legal, if it is not (`"is outside 0–120"`).
    pub fn out_of_range(self, v: i64) -> Option<String> {
        match self {
            Kind::Whole {
                min,
                max: Some(max),
            } if !(min..=max).contains(&v) => Some(format!("is outside {min}–{max}")),
            Kind::Whole { min: 0, max: None } if v < 0 => Some("is negative".into()),
            Kind::Whole { min, max: None } if v < min => Some(format!("is below {min}")),
            _ => None,
        }
    }

    /// Why a stored value `v` is not legal, if it is not: amounts negative or above the largest
    /// input, whole numbers outside their range. The message starts with the value
    /// (`"-5.00 is negative"`, `"130 is outside 0–120"`).
    pub fn check(self, v: i64) -> Result<(), String> {
        match self {
            Kind::Money if v < 0 => Err(format!("{} is negative", fixed::format_amount(v))),
            Kind::Money if v > fixed::MAX_INPUT => {
                Err(format!("{} is too large", fixed::format_amount(v)))
            }
            Kind::Money if v % fixed::CENT != 0 => Err(format!(
                "{} is not an amount in EUR and cents",
                fixed::format_amount(v)
            )),
            Kind::Whole { .. } => match self.out_of_range(v) {
                Some(why) => Err(format!("{v} {why}")),
                None => Ok(()),
            },
            _ => Ok(()),
        }
    }
}

/// How `explain` shows an input of the household it explains.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shown {
    /// `label value` (`housing costs 120.00 EUR`, `age 40`).
    Value,
    /// `label yes` / `label no`.
    YesNo,
    /// `label` where the flag is set, nothing where it is not (`disabled`).
    WhenTrue,
    /// Not shown: what the rules read of it is in the steps.
    Hidden,
}

/// Where an input's column is held in a [`Population`]. `get` is `None` for an optional column
/// the population does not have; `put` stores a whole column (an optional one as present).
#[derive(Clone, Copy)]
pub enum Storage {
    Numbers {
        get: fn(&Population) -> Option<&[i64]>,
        put: fn(&mut Population, Vec<i64>),
    },
    Flags {
        get: fn(&Population) -> Option<&[bool]>,
        put: fn(&mut Population, Vec<bool>),
    },
}

/// One declared input.
pub struct Input {
    /// The CSV column (lowercase), the name in scripts (`h.NAME`, `h.members.NAME`) and the key
    /// in case files.
    pub name: &'static str,
    pub level: Level,
    pub kind: Kind,
    /// A CSV file without the column is refused; an optional column that is absent is absent
    /// for the rules too (`h.has(NAME)` is false).
    pub required: bool,
    /// In a case file or an inline household, the value of a required input left out (`None`:
    /// it must be given). Optional inputs left out are absent.
    pub case_default: Option<i64>,
    /// `EUR a month`, `years`, … (empty for a flag).
    pub unit: &'static str,
    /// Short labels, as `explain` shows them.
    pub label: &'static str,
    pub label_lv: &'static str,
    /// What the input means.
    pub description: &'static str,
    pub description_lv: &'static str,
    pub shown: Shown,
    pub storage: Storage,
}

impl std::fmt::Debug for Input {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Input")
            .field("name", &self.name)
            .field("level", &self.level)
            .field("kind", &self.kind)
            .field("required", &self.required)
            .finish_non_exhaustive()
    }
}

impl Input {
    /// The file an input's column is in.
    pub fn file(&self) -> &'static str {
        match self.level {
            Level::Household => "households.csv",
            Level::Person => "persons.csv",
        }
    }

    /// Whether `population` has this input's column.
    pub fn is_present(&self, population: &Population) -> bool {
        match self.storage {
            Storage::Numbers { get, .. } => get(population).is_some(),
            Storage::Flags { get, .. } => get(population).is_some(),
        }
    }

    /// Row `i` (of its level) of the column as a whole number: amounts in fixed units, flags
    /// 0 / 1. `None` if the population does not have the column.
    pub fn value(&self, population: &Population, i: usize) -> Option<i64> {
        match self.storage {
            Storage::Numbers { get, .. } => get(population).map(|c| c[i]),
            Storage::Flags { get, .. } => get(population).map(|c| c[i] as i64),
        }
    }

    /// Stores a column of whole numbers as [`Input::value`] gives them (flags from 0 / 1).
    pub fn put_values(&self, population: &mut Population, values: Vec<i64>) {
        match self.storage {
            Storage::Numbers { put, .. } => put(population, values),
            Storage::Flags { put, .. } => put(population, values.iter().map(|&v| v != 0).collect()),
        }
    }

    pub fn label(&self, latvian: bool) -> &'static str {
        if latvian { self.label_lv } else { self.label }
    }
}

/// An index into [`INPUTS`].
pub type Index = u8;

const fn money(
    name: &'static str,
    level: Level,
    required: bool,
    unit: &'static str,
    labels: [&'static str; 4],
    get: fn(&Population) -> Option<&[i64]>,
    put: fn(&mut Population, Vec<i64>),
) -> Input {
    Input {
        name,
        level,
        kind: Kind::Money,
        required,
        case_default: if required { Some(0) } else { None },
        unit,
        label: labels[0],
        label_lv: labels[1],
        description: labels[2],
        description_lv: labels[3],
        shown: Shown::Value,
        storage: Storage::Numbers { get, put },
    }
}

const fn flag(
    name: &'static str,
    level: Level,
    required: bool,
    shown: Shown,
    labels: [&'static str; 4],
    get: fn(&Population) -> Option<&[bool]>,
    put: fn(&mut Population, Vec<bool>),
) -> Input {
    Input {
        name,
        level,
        kind: Kind::Flag,
        required,
        case_default: if required { Some(0) } else { None },
        unit: "",
        label: labels[0],
        label_lv: labels[1],
        description: labels[2],
        description_lv: labels[3],
        shown,
        storage: Storage::Flags { get, put },
    }
}

/// Every input, households' first, in the order of the CSV files' columns (which the writer
/// keeps, and in which the loader names missing columns).
pub static INPUTS: &[Input] = &[
    // households.csv
    money(
        "housing_costs",
        Level::Household,
        true,
        "EUR a month",
        [
            "housing costs",
            "mājokļa izdevumi",
            "Monthly housing costs recognised for the housing benefit",
            "Mājokļa pabalstam atzītie mājokļa izdevumi mēnesī",
        ],
        |p| Some(&p.households.housing_costs),
        |p, v| p.households.housing_costs = v,
    ),
    money(
        "savings",
        Level::Household,
        true,
        "EUR",
        [
            "savings",
            "uzkrājumi",
            "Savings and other liquid assets (the asset test)",
            "Uzkrājumi un citi likvīdi līdzekļi (materiālā stāvokļa izvērtēšana)",
        ],
        |p| Some(&p.households.savings),
        |p, v| p.households.savings = v,
    ),
    Input {
        name: "vehicles",
        level: Level::Household,
        kind: Kind::Whole { min: 0, max: None },
        required: false,
        case_default: None,
        unit: "vehicles",
        label: "vehicles",
        label_lv: "transportlīdzekļi",
        description: "Motor vehicles owned",
        description_lv: "Mājsaimniecībai piederošie mehāniskie transportlīdzekļi",
        shown: Shown::Value,
        storage: Storage::Numbers {
            get: |p| p.households.vehicles.as_deref(),
            put: |p, v| p.households.vehicles = Some(v),
        },
    },
    flag(
        "crisis",
        Level::Household,
        false,
        Shown::YesNo,
        [
            "met a crisis",
            "krīzes situācijā",
            "The household met a crisis (fire, flood, other disaster) during the period: the council's crisis benefit",
            "Mājsaimniecība periodā nonākusi krīzes situācijā (ugunsgrēks, plūdi, cita nelaime)",
        ],
        |p| p.households.crisis.as_deref(),
        |p, v| p.households.crisis = Some(v),
    ),
    flag(
        "other_expenses",
        Level::Household,
        false,
        Shown::YesNo,
        [
            "other recognised expenses",
            "citi atzīti izdevumi",
            "The household has another recognised expense during the period (a social-rehabilitation goal, housing debt): the council's other-expenses benefit",
            "Mājsaimniecībai periodā ir citi atzīti izdevumi (sociālās rehabilitācijas mērķis, mājokļa parāds)",
        ],
        |p| p.households.other_expenses.as_deref(),
        |p, v| p.households.other_expenses = Some(v),
    ),
    // persons.csv
    Input {
        name: "age",
        level: Level::Person,
        kind: Kind::Whole {
            min: 0,
            max: Some(MAX_AGE),
        },
        required: true,
        case_default: None,
        unit: "years",
        label: "age",
        label_lv: "vecums",
        description: "Age in whole years",
        description_lv: "Vecums pilnos gados",
        shown: Shown::Value,
        storage: Storage::Numbers {
            get: |p| Some(&p.persons.age),
            put: |p, v| p.persons.age = v,
        },
    },
    flag(
        "disabled",
        Level::Person,
        true,
        Shown::WhenTrue,
        [
            "disabled",
            "ar invaliditāti",
            "Has a certified disability",
            "Persona ar noteiktu invaliditāti",
        ],
        |p| Some(&p.persons.disabled),
        |p, v| p.persons.disabled = v,
    ),
    money(
        "income",
        Level::Person,
        true,
        "EUR a month",
        [
            "income",
            "ienākumi",
            "Counted net monthly income (after tax, without the income the law does not count)",
            "Ņemtie vērā neto ienākumi mēnesī (pēc nodokļiem, bez ienākumiem, ko likums neņem vērā)",
        ],
        |p| Some(&p.persons.income),
        |p, v| p.persons.income = v,
    ),
    flag(
        "employed",
        Level::Person,
        false,
        Shown::Hidden,
        ["employed", "strādā", "Works", "Persona strādā"],
        |p| p.persons.employed.as_deref(),
        |p, v| p.persons.employed = Some(v),
    ),
    flag(
        "nva_registered",
        Level::Person,
        false,
        Shown::Hidden,
        [
            "registered with NVA",
            "reģistrēts NVA",
            "Registered with the State Employment Agency (NVA)",
            "Reģistrēts Nodarbinātības valsts aģentūrā (NVA)",
        ],
        |p| p.persons.nva_registered.as_deref(),
        |p, v| p.persons.nva_registered = Some(v),
    ),
    money(
        "health_costs",
        Level::Person,
        false,
        "EUR a year",
        [
            "health costs",
            "veselības izdevumi",
            "Out-of-pocket health costs of the year the person could claim from the council (medicines, patient co-payments, dental care, glasses): the health-care benefit reimburses them up to its cap",
            "Personas gada izdevumi veselības aprūpei, ko pašvaldība varētu atmaksāt (zāles, pacienta iemaksas, zobārstniecība, brilles): pabalsts veselības aprūpei tos sedz līdz noteiktajam apmēram",
        ],
        |p| p.persons.health_costs.as_deref(),
        |p, v| p.persons.health_costs = Some(v),
    ),
];

/// The inputs of one level, with their indices, in declared order.
pub fn at(level: Level) -> impl Iterator<Item = (Index, &'static Input)> {
    INPUTS
        .iter()
        .enumerate()
        .filter(move |(_, i)| i.level == level)
        .map(|(k, i)| (k as Index, i))
}

/// The input of a name (at any level).
pub fn find(name: &str) -> Option<(Index, &'static Input)> {
    INPUTS
        .iter()
        .enumerate()
        .find(|(_, i)| i.name == name)
        .map(|(k, i)| (k as Index, i))
}

/// The input at an index.
pub fn get(index: Index) -> &'static Input {
    &INPUTS[index as usize]
}

/// Which optional inputs a population has: a bit per entry of [`INPUTS`] (required ones always
/// set). Scripts may depend on it (`h.has("crisis")`), so a program planned for one shape runs
/// only on populations of that shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Present(u64);

impl Present {
    pub fn of(population: &Population) -> Present {
        let mut bits = 0u64;
        for (k, input) in INPUTS.iter().enumerate() {
            if input.is_present(population) {
                bits |= 1 << k;
            }
        }
        Present(bits)
    }

    pub fn has(self, index: Index) -> bool {
        self.0 & (1 << index) != 0
    }
}

// The bit set holds one bit per input.
const _: () = assert!(INPUTS.len() <= 64);

#[cfg(test)]
mod tests {
    use super::*;

    /// Names are unique across both levels (a script and a case file name them alone), lowercase
    /// (the loader matches header names exactly), and not the key columns or `size`.
    #[test]
    fn names_are_unique_lowercase_and_not_keys() {
        let mut seen = std::collections::BTreeSet::new();
        for i in INPUTS {
            assert!(seen.insert(i.name), "{} declared twice", i.name);
            assert_eq!(i.name, i.name.to_lowercase());
            assert!(
                ![
                    "household_id",
                    "person_id",
                    "municipality",
                    "size",
                    "members",
                    "weight"
                ]
                .contains(&i.name),
                "{}",
                i.name
            );
            assert!(!i.label.is_empty() && !i.label_lv.is_empty(), "{}", i.name);
            assert!(
                !i.description.is_empty() && !i.description_lv.is_empty(),
                "{}",
                i.name
            );
        }
        // Households first: the CSV column order, and the writer's.
        let first_person = INPUTS.iter().position(|i| i.level == Level::Person);
        assert!(
            INPUTS[first_person.unwrap_or(0)..]
                .iter()
                .all(|i| i.level == Level::Person)
        );
    }

    /// Every input is documented in the CSV format (`populations/README.md`), as required or
    /// optional as declared.
    #[test]
    fn the_csv_format_documents_every_input() {
        let readme = include_str!("../../populations/README.md");
        for i in INPUTS {
            let row = format!(
                "| `{}` | {} |",
                i.name,
                if i.required { "required" } else { "optional" }
            );
            assert!(readme.contains(&row), "populations/README.md lacks {row}");
        }
    }

    #[test]
    fn storage_round_trips() {
        let mut pop = Population::default();
        for i in INPUTS {
            let n = 3;
            i.put_values(&mut pop, vec![0, 1, 0][..n].to_vec());
            assert!(i.is_present(&pop));
            assert_eq!(i.value(&pop, 1), Some(1), "{}", i.name);
        }
        assert_eq!(Present::of(&pop), Present((1u64 << INPUTS.len()) - 1));
    }
}
