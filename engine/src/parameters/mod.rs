//! Dated parameters: the law's numbers as data, resolved at a date.
//!
//! OpenFisca's model: a parameter is a series of values, each in force from a date, with a
//! description, a unit and a legal reference beside it. Parameters live in TOML files under
//! `policies/parameters/`; a table that has `values` (dated) or `value` (always) is a parameter,
//! any other table is a group:
//!
//! ```toml
//! [median_income]
//! description = "Median of minimum income per equivalent consumer (CSP)"
//! reference = "SPSPL §33(5); MK 809 p. 2"
//! unit = "EUR"
//! values = { 2023-07-01 = 626.57, 2024-01-01 = 685.78 }
//! ```
//!
//! A value is a number (exact decimal), a boolean, a text or a small table (`{ pct = 0.7 }`).
//! The group `municipalities` is special: `municipalities.default` holds the values used for a
//! council whose own choice is not known, and a council's value `"default"` means exactly that; a
//! resolved leaf remembers that it was assumed so every report can say so.
//!
//! Every number declares its legal range beside its values (`bounds`), and [`ParameterSet::check`]
//! holds the shipped files to it; overrides (`--set`, a scenario's `set`, a case's `set`) are
//! resolved against the parameters and their ranges before any rule runs (`overrides`).
//!
//! This module knows nothing about scripts: it produces a plain tree that `script` exposes as `p`.

mod bounds;
mod overrides;
mod projection;

pub(crate) use bounds::edit_distance;
pub use bounds::{Bounds, Range, Shape, did_you_mean};
pub use overrides::NumberSpec;
pub use projection::{Projection, Round};

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use rust_decimal::Decimal;

use crate::date::Date;

/// A parameter value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Number(Decimal),
    Bool(bool),
    Text(String),
    Table(BTreeMap<String, Value>),
}

impl Value {
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Value::Number(_) => "a number",
            Value::Bool(_) => "true or false",
            Value::Text(_) => "a text",
            Value::Table(_) => "a table",
        }
    }

    /// Parses a value written on the command line: a TOML value (`0.6`, `true`, `"cents"`,
    /// `{ pct = 0.6 }`), or a bare word taken as text.
    pub fn parse_cli(text: &str) -> Result<Value, String> {
        let doc = format!("v = {text}");
        match doc.parse::<toml::Table>() {
            Ok(mut t) => from_toml(t.remove("v").expect("key v was just written")),
            Err(_)
                if !text.is_empty()
                    && text
                        .chars()
                        .all(|c| c.is_alphanumeric() || c == '_' || c == '-') =>
            {
                Ok(Value::Text(text.to_string()))
            }
            Err(e) => Err(format!("'{text}' is not a value: {}", e.message())),
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Number(d) => write!(f, "{d}"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Text(t) => write!(f, "\"{t}\""),
            Value::Table(t) => {
                f.write_str("{ ")?;
                for (i, (k, v)) in t.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{k} = {v}")?;
                }
                f.write_str(" }")
            }
        }
    }
}

/// What a parameter says about itself.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Meta {
    pub description: String,
    /// The description in Latvian, where written.
    pub description_lv: String,
    pub reference: String,
    pub unit: String,
    /// The file it was read from (or the scenario that set it).
    pub origin: String,
    /// The line of the file where its table starts (0: not from a file).
    pub line: usize,
    /// Its legal values.
    pub bounds: Bounds,
    /// Written `assumed = true`: its values are estimates (a council's amount inferred from
    /// what it reported, not read in its regulations), flagged wherever they are used like a
    /// default's.
    pub assumed: bool,
}

impl Meta {
    /// `file:line` where the parameter is written, or the override that set it.
    pub fn place(&self) -> String {
        if self.line > 0 {
            format!("{}:{}", self.origin, self.line)
        } else {
            self.origin.clone()
        }
    }
}

/// What a parameter says from a date on.
#[derive(Debug, Clone, PartialEq)]
pub enum Entry {
    /// The value in force.
    Value(Value),
    /// An override that cannot apply at these dates, and why: resolving there is an error, so a
    /// what-if never runs on a value nobody asked for.
    Refused(String),
}

impl Entry {
    pub fn value(&self) -> Option<&Value> {
        match self {
            Entry::Value(v) => Some(v),
            Entry::Refused(_) => None,
        }
    }
}

/// One parameter: its dated values and what it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Parameter {
    /// Values in force from each date, sorted by date. `None` as the date: in force always.
    pub values: Vec<(Option<Date>, Entry)>,
    pub meta: Arc<Meta>,
}

/// A group of parameters and groups.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Group {
    pub children: BTreeMap<String, Node>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Group(Group),
    Parameter(Parameter),
}

/// An error in a parameter file or an override, naming where.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{origin}: {message}")]
pub struct ParameterError {
    pub origin: String,
    pub message: String,
}

fn err(origin: &str, message: impl Into<String>) -> ParameterError {
    ParameterError {
        origin: origin.to_string(),
        message: message.into(),
    }
}

/// All parameters of a policy.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParameterSet {
    root: Group,
    /// The councils a `municipalities.SLUG` entry may name; empty: any (unit tests).
    councils: Vec<String>,
    /// Values added for a projected year ([`ParameterSet::projected`]): parameter path → date
    /// in force from → how it was projected. The leaf resolved from such a value carries it.
    projected: BTreeMap<String, BTreeMap<Date, Arc<Projection>>>,
    /// The last year [`ParameterSet::projected`] added values for (`None`: not projected).
    projected_through: Option<i32>,
}

const META_KEYS: [&str; 5] = ["description", "description_lv", "reference", "unit", "note"];

/// The group of per-council parameters, and its entry for councils whose own value is not known.
const COUNCILS: &str = "municipalities";
const DEFAULT: &str = "default";

impl ParameterSet {
    /// Adds the parameters of one TOML file. `origin` names the file in errors.
    pub fn add_file(&mut self, origin: &str, text: &str) -> Result<(), ParameterError> {
        let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
            let at = crate::toml_place::place(text, &e)
                .map(|p| format!(":{p}"))
                .unwrap_or_default();
            err(&format!("{origin}{at}"), e.message().trim().to_string())
        })?;
        let file = File { origin, text };
        let group = read_group(&file, "", table)?;
        merge_group(&mut self.root, group, origin, "")
    }

    /// Names the councils that `municipalities.SLUG` may name (checked by [`ParameterSet::check`]
    /// and by overrides).
    pub fn set_councils(&mut self, slugs: Vec<String>) {
        self.councils = slugs;
    }

    /// Checks every value of every file against its parameter's legal values, once all files
    /// are added: each number within its declared range (and each declares one), texts among
    /// their choices, a share of another parameter only where that one is in force, and every
    /// council entry naming a known council and a parameter of `municipalities.default`. Each
    /// council entry then carries the default's bounds and unit, so whatever reads one (an
    /// explanation, a slider) sees the range every council shares.
    pub fn check(&mut self) -> Result<(), ParameterError> {
        self.check_values()?;
        let councils: Vec<(String, Meta)> = self
            .parameters()
            .into_iter()
            .filter_map(|(path, p)| {
                let (_, name) = self.council_of(&path)?;
                let default = self.parameter(&format!("{COUNCILS}.{DEFAULT}.{name}"))?;
                let meta = Meta {
                    bounds: default.meta.bounds.clone(),
                    unit: if p.meta.unit.is_empty() {
                        default.meta.unit.clone()
                    } else {
                        p.meta.unit.clone()
                    },
                    ..(*p.meta).clone()
                };
                Some((path, meta))
            })
            .collect();
        for (path, meta) in councils {
            if let Some(Node::Parameter(p)) = self.node_mut(&path) {
                p.meta = Arc::new(meta);
            }
        }
        Ok(())
    }

    fn node_mut(&mut self, path: &str) -> Option<&mut Node> {
        let mut parts = path.split('.');
        let mut node = self.root.children.get_mut(parts.next()?)?;
        for part in parts {
            match node {
                Node::Group(g) => node = g.children.get_mut(part)?,
                Node::Parameter(_) => return None,
            }
        }
        Some(node)
    }

    fn check_values(&self) -> Result<(), ParameterError> {
        for (path, p) in self.parameters() {
            let fail = |m: String| err(&p.meta.place(), format!("{path}: {m}"));
            let (template, council) = match self.council_of(&path) {
                Some((slug, name)) => {
                    self.check_council(slug).map_err(&fail)?;
                    let template = self
                        .parameter(&format!("{COUNCILS}.{DEFAULT}.{name}"))
                        .ok_or_else(|| {
                            fail(format!(
                                "{COUNCILS}.{DEFAULT} has no parameter '{name}' for a council to set"
                            ))
                        })?;
                    (template, true)
                }
                None => (p, false),
            };
            let shapes = bounds::shapes(template);
            for (date, entry) in &p.values {
                let Some(value) = entry.value() else { continue };
                let at = date.map(|d| format!(" (from {d})")).unwrap_or_default();
                if council && *value == Value::Text(DEFAULT.into()) {
                    continue;
                }
                if council && !shapes.contains(&Shape::of(value)) {
                    return Err(fail(format!(
                        "{value}{at} is {}, but {COUNCILS}.{DEFAULT}.… is {}",
                        Shape::of(value),
                        shapes_text(&shapes)
                    )));
                }
                template
                    .meta
                    .bounds
                    .check(value, &template.meta.unit)
                    .map_err(|m| fail(format!("{m}{at}")))?;
                self.check_requires(&template.meta.bounds, value, *date)
                    .map_err(|m| fail(format!("{m}{at}")))?;
            }
        }
        Ok(())
    }

    /// `Some((slug, name))` for `municipalities.SLUG.NAME` with SLUG not `default`.
    fn council_of<'a>(&self, path: &'a str) -> Option<(&'a str, &'a str)> {
        let rest = path.strip_prefix(COUNCILS)?.strip_prefix('.')?;
        let (slug, name) = rest.split_once('.')?;
        (slug != DEFAULT).then_some((slug, name))
    }

    fn check_council(&self, slug: &str) -> Result<(), String> {
        if self.councils.is_empty() || self.councils.iter().any(|c| c == slug) {
            return Ok(());
        }
        Err(format!(
            "'{slug}' is not a Latvian local government{}",
            bounds::did_you_mean(slug, self.councils.iter().map(String::as_str))
        ))
    }

    /// A value with a key that is a share of another parameter (`pct` of `median_income`) is
    /// only valid from where that parameter has a value.
    fn check_requires(
        &self,
        bounds: &Bounds,
        value: &Value,
        from: Option<Date>,
    ) -> Result<(), String> {
        let Value::Table(keys) = value else {
            return Ok(());
        };
        for (key, needed) in &bounds.requires {
            if !keys.contains_key(key) {
                continue;
            }
            let start = self.first_date(needed).ok_or_else(|| {
                format!("'{key}' is a share of {needed}, which is not a parameter")
            })?;
            if let Some(start) = start {
                if from.is_none_or(|f| f < start) {
                    return Err(format!(
                        "'{key}' is a share of {needed}, which is in force only from {start}"
                    ));
                }
            }
        }
        Ok(())
    }

    /// The first date a parameter has a value: `Some(None)` if it is in force always, `None` if
    /// there is no such parameter.
    fn first_date(&self, path: &str) -> Option<Option<Date>> {
        let p = self.parameter(path)?;
        Some(p.values.first().and_then(|(d, _)| *d))
    }

    /// The parameter at a dotted path, if there is one.
    pub fn parameter(&self, path: &str) -> Option<&Parameter> {
        match self.node(path)? {
            Node::Parameter(p) => Some(p),
            Node::Group(_) => None,
        }
    }

    fn node(&self, path: &str) -> Option<&Node> {
        let mut parts = path.split('.');
        let mut node = self.root.children.get(parts.next()?)?;
        for part in parts {
            match node {
                Node::Group(g) => node = g.children.get(part)?,
                Node::Parameter(_) => return None,
            }
        }
        Some(node)
    }

    /// The slugs that have their own entry under `municipalities` (besides `default`).
    pub fn municipality_slugs(&self) -> Vec<&str> {
        match self.root.children.get("municipalities") {
            Some(Node::Group(g)) => g
                .children
                .keys()
                .map(String::as_str)
                .filter(|k| *k != "default")
                .collect(),
            _ => Vec::new(),
        }
    }

    fn group(&self, path: &str) -> Option<&Group> {
        match self.node(path)? {
            Node::Group(g) => Some(g),
            Node::Parameter(_) => None,
        }
    }

    /// Every parameter with its dotted path, in path order.
    pub fn parameters(&self) -> Vec<(String, &Parameter)> {
        let mut out = Vec::new();
        collect(&self.root, "", &mut out);
        out
    }

    /// The values in force at `date` for one municipality: the national parameters, and under
    /// `municipality` the council's own values over `municipalities.default`.
    ///
    /// Fails where an override cannot apply at `date` ([`Entry::Refused`]).
    pub fn resolve(&self, date: Date, slug: &str) -> Result<Resolved, ParameterError> {
        let mut root = BTreeMap::new();
        for (name, node) in &self.root.children {
            if name == COUNCILS {
                continue;
            }
            if let Some(n) = resolve_node(node, date, name, false, &self.projected)? {
                root.insert(name.clone(), n);
            }
        }
        let default = self.group("municipalities.default");
        let own = self.group(&format!("municipalities.{slug}"));
        let mut council = BTreeMap::new();
        if let Some(d) = default {
            for (name, node) in &d.children {
                if let Some(n) = resolve_node(
                    node,
                    date,
                    &format!("municipalities.default.{name}"),
                    true,
                    &self.projected,
                )? {
                    council.insert(name.clone(), n);
                }
            }
        }
        if let Some(o) = own {
            for (name, node) in &o.children {
                if let Some(n) = resolve_node(
                    node,
                    date,
                    &format!("municipalities.{slug}.{name}"),
                    false,
                    &self.projected,
                )? {
                    // "default" keeps the default's (assumed) value.
                    if let ResolvedNode::Leaf(l) = &n {
                        if l.value == Value::Text("default".into()) {
                            continue;
                        }
                    }
                    council.insert(name.clone(), n);
                }
            }
        }
        council.insert(
            "slug".into(),
            ResolvedNode::Leaf(Arc::new(Leaf {
                path: "municipality.slug".into(),
                value: Value::Text(slug.into()),
                since: None,
                meta: Arc::new(Meta {
                    description: "The municipality's identifier".into(),
                    ..Meta::default()
                }),
                assumed: false,
                projected: None,
            })),
        );
        root.insert(
            "municipality".into(),
            ResolvedNode::Group(Arc::new(council)),
        );
        Ok(Resolved {
            date,
            root: Arc::new(root),
        })
    }
}

fn shapes_text(shapes: &[Shape]) -> String {
    let texts: Vec<String> = shapes.iter().map(Shape::to_string).collect();
    texts.join(" or ")
}

fn collect<'a>(group: &'a Group, prefix: &str, out: &mut Vec<(String, &'a Parameter)>) {
    for (name, node) in &group.children {
        let path = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}.{name}")
        };
        match node {
            Node::Group(g) => collect(g, &path, out),
            Node::Parameter(p) => out.push((path, p)),
        }
    }
}

fn insert_parameter(root: &mut Group, path: &str, parameter: Parameter) {
    let mut parts: Vec<&str> = path.split('.').collect();
    let last = parts.pop().expect("paths are not empty");
    let mut group = root;
    for part in parts {
        let entry = group
            .children
            .entry(part.to_string())
            .or_insert_with(|| Node::Group(Group::default()));
        if let Node::Parameter(_) = entry {
            *entry = Node::Group(Group::default());
        }
        let Node::Group(g) = entry else {
            unreachable!("just made a group")
        };
        group = g;
    }
    group
        .children
        .insert(last.to_string(), Node::Parameter(parameter));
}

/// A parameter file being read: its name for errors, its text for line numbers.
struct File<'a> {
    origin: &'a str,
    text: &'a str,
}

impl File<'_> {
    /// The line where the table of `path` starts (`[path]` or `[path.values]`), else 0.
    fn line_of_table(&self, path: &str) -> usize {
        for (i, line) in self.text.lines().enumerate() {
            let l = line.trim_start();
            if let Some(rest) = l.strip_prefix('[').and_then(|r| r.strip_prefix(path)) {
                if rest.starts_with(']') || rest.starts_with('.') {
                    return i + 1;
                }
            }
        }
        0
    }
}

fn read_group(origin: &File, prefix: &str, table: toml::Table) -> Result<Group, ParameterError> {
    let mut group = Group::default();
    for (name, value) in table {
        let path = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}.{name}")
        };
        let toml::Value::Table(t) = value else {
            return Err(err(
                origin.origin,
                format!(
                    "{path}: expected a table with `values` or `value` (and description, reference, unit), found a bare value"
                ),
            ));
        };
        let node = if t.contains_key("values") || t.contains_key("value") {
            Node::Parameter(read_parameter(origin, &path, t)?)
        } else {
            Node::Group(read_group(origin, &path, t)?)
        };
        group.children.insert(name, node);
    }
    Ok(group)
}

fn read_parameter(
    file: &File,
    path: &str,
    mut t: toml::Table,
) -> Result<Parameter, ParameterError> {
    let line = file.line_of_table(path);
    let place = if line > 0 {
        format!("{}:{line}", file.origin)
    } else {
        file.origin.to_string()
    };
    let origin = place.as_str();
    let bounds = Bounds::read(path, &mut t).map_err(|m| err(origin, m))?;
    let mut meta = Meta {
        origin: file.origin.to_string(),
        line,
        bounds,
        ..Meta::default()
    };
    if let Some(v) = t.remove("assumed") {
        let toml::Value::Boolean(b) = v else {
            return Err(err(
                origin,
                format!("{path}.assumed: expected true or false"),
            ));
        };
        meta.assumed = b;
    }
    for key in META_KEYS {
        if let Some(v) = t.remove(key) {
            let toml::Value::String(s) = v else {
                return Err(err(origin, format!("{path}.{key}: expected a text")));
            };
            match key {
                "description" => meta.description = s,
                "description_lv" => meta.description_lv = s,
                "reference" => meta.reference = s,
                "unit" => meta.unit = s,
                _ => {}
            }
        }
    }
    let mut values = Vec::new();
    if let Some(v) = t.remove("value") {
        values.push((
            None,
            Entry::Value(from_toml(v).map_err(|m| err(origin, format!("{path}.value: {m}")))?),
        ));
    }
    if let Some(v) = t.remove("values") {
        if !values.is_empty() {
            return Err(err(
                origin,
                format!("{path}: has both `value` and `values`; keep one"),
            ));
        }
        let toml::Value::Table(dated) = v else {
            return Err(err(
                origin,
                format!("{path}.values: expected a table of dates, e.g. {{ 2025-01-01 = 1 }}"),
            ));
        };
        for (date, v) in dated {
            let d = Date::parse(&date).ok_or_else(|| {
                err(
                    origin,
                    format!("{path}.values: '{date}' is not a date (YYYY-MM-DD)"),
                )
            })?;
            let v = from_toml(v).map_err(|m| err(origin, format!("{path}.values.{date}: {m}")))?;
            values.push((Some(d), Entry::Value(v)));
        }
        values.sort_by_key(|(d, _)| *d);
        if values.is_empty() {
            return Err(err(origin, format!("{path}.values: no dated value")));
        }
    }
    if let Some(key) = t.keys().next() {
        return Err(err(
            origin,
            format!(
                "{path}: unknown key '{key}' (a parameter has values or value, and description, description_lv, reference, unit, note, range, choices, requires)"
            ),
        ));
    }
    Ok(Parameter {
        values,
        meta: Arc::new(meta),
    })
}

/// A TOML value as a parameter value (numbers exactly as written).
pub fn from_toml(v: toml::Value) -> Result<Value, String> {
    Ok(match v {
        toml::Value::Integer(i) => Value::Number(Decimal::from(i)),
        toml::Value::Float(f) => Value::Number(exact_decimal(f)?),
        toml::Value::Boolean(b) => Value::Bool(b),
        toml::Value::String(s) => Value::Text(s),
        toml::Value::Table(t) => {
            let mut out = BTreeMap::new();
            for (k, v) in t {
                out.insert(k, from_toml(v)?);
            }
            Value::Table(out)
        }
        other => {
            return Err(format!(
                "unsupported value {other} (use numbers, true/false, texts or tables)"
            ));
        }
    })
}

/// The decimal a TOML number was written as. Rust prints the shortest text that reads back as
/// the same binary number, and a literal with at most 15 significant digits is the only such
/// text, so this recovers exactly what the author wrote.
fn exact_decimal(f: f64) -> Result<Decimal, String> {
    if !f.is_finite() {
        return Err(format!("{f} is not a number"));
    }
    let text = format!("{f}");
    let digits = text.bytes().filter(u8::is_ascii_digit).collect::<Vec<_>>();
    let significant = digits.iter().skip_while(|&&d| d == b'0').count();
    if significant > 15 {
        return Err(format!("{text} has more than 15 significant digits"));
    }
    Decimal::from_str(&text).map_err(|e| format!("{text}: {e}"))
}

fn merge_group(
    into: &mut Group,
    from: Group,
    origin: &str,
    prefix: &str,
) -> Result<(), ParameterError> {
    for (name, node) in from.children {
        let path = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}.{name}")
        };
        match (into.children.get_mut(&name), node) {
            (None, node) => {
                into.children.insert(name, node);
            }
            (Some(Node::Group(a)), Node::Group(b)) => merge_group(a, b, origin, &path)?,
            (Some(Node::Parameter(p)), _) => {
                return Err(err(
                    origin,
                    format!("{path} is defined twice (also in {})", p.meta.origin),
                ));
            }
            (Some(Node::Group(_)), Node::Parameter(_)) => {
                return Err(err(
                    origin,
                    format!("{path} is a group elsewhere and a parameter here"),
                ));
            }
        }
    }
    Ok(())
}

/// A parameter's value in force at the resolution date.
#[derive(Debug, Clone, PartialEq)]
pub struct Leaf {
    /// The parameter's dotted path in the files (`municipalities.default.low_income`).
    pub path: String,
    pub value: Value,
    /// The date from which this value is in force (`None`: always).
    pub since: Option<Date>,
    pub meta: Arc<Meta>,
    /// True if the value is the documented default for a council whose own choice is not
    /// known, or the council's own estimate (`assumed = true`).
    pub assumed: bool,
    /// How the value was projected for a year past the written rules ("projected 2027: 2026
    /// value 850.02 × (1 + median_growth 0.09)"); `None`: written in the files or set.
    pub projected: Option<Arc<Projection>>,
}

impl Leaf {
    /// Its path without the council part: `municipalities.default.x` and
    /// `municipalities.<slug>.x` are `x`, the name reports flag an assumption by.
    pub fn name(&self) -> &str {
        match self.path.strip_prefix("municipalities.") {
            Some(p) => p.split_once('.').map_or(p, |(_, x)| x),
            None => &self.path,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum ResolvedNode {
    Group(Arc<BTreeMap<String, ResolvedNode>>),
    Leaf(Arc<Leaf>),
}

/// Parameters resolved at a date for one municipality: what the scripts see as `p`.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    pub date: Date,
    pub root: Arc<BTreeMap<String, ResolvedNode>>,
}

impl Resolved {
    /// The leaf at a dotted path as the scripts see it (`gmi`, `municipality.low_income`).
    pub fn leaf(&self, path: &str) -> Option<&Arc<Leaf>> {
        let mut parts = path.split('.');
        let mut node = self.root.get(parts.next()?)?;
        for part in parts {
            match node {
                ResolvedNode::Group(g) => node = g.get(part)?,
                ResolvedNode::Leaf(_) => return None,
            }
        }
        match node {
            ResolvedNode::Leaf(l) => Some(l),
            ResolvedNode::Group(_) => None,
        }
    }

    /// Every leaf whose value was projected for a year past the written rules.
    pub fn projected(&self) -> Vec<Arc<Leaf>> {
        fn walk(map: &BTreeMap<String, ResolvedNode>, out: &mut Vec<Arc<Leaf>>) {
            for node in map.values() {
                match node {
                    ResolvedNode::Group(g) => walk(g, out),
                    ResolvedNode::Leaf(l) if l.projected.is_some() => out.push(l.clone()),
                    ResolvedNode::Leaf(_) => {}
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.root, &mut out);
        out
    }

    /// Every leaf that is an assumed default.
    pub fn assumed(&self) -> Vec<Arc<Leaf>> {
        fn walk(map: &BTreeMap<String, ResolvedNode>, out: &mut Vec<Arc<Leaf>>) {
            for node in map.values() {
                match node {
                    ResolvedNode::Group(g) => walk(g, out),
                    ResolvedNode::Leaf(l) if l.assumed => out.push(l.clone()),
                    ResolvedNode::Leaf(_) => {}
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.root, &mut out);
        out
    }
}

fn resolve_node(
    node: &Node,
    date: Date,
    path: &str,
    assumed: bool,
    notes: &BTreeMap<String, BTreeMap<Date, Arc<Projection>>>,
) -> Result<Option<ResolvedNode>, ParameterError> {
    Ok(match node {
        Node::Group(g) => {
            let mut map = BTreeMap::new();
            for (name, child) in &g.children {
                if let Some(n) =
                    resolve_node(child, date, &format!("{path}.{name}"), assumed, notes)?
                {
                    map.insert(name.clone(), n);
                }
            }
            Some(ResolvedNode::Group(Arc::new(map)))
        }
        Node::Parameter(p) => {
            // The last value whose date is not after `date`; undated values are always in force.
            let Some((since, entry)) = p
                .values
                .iter()
                .rev()
                .find(|(d, _)| d.is_none_or(|d| d <= date))
            else {
                return Ok(None);
            };
            let value = match entry {
                Entry::Value(v) => v.clone(),
                Entry::Refused(why) => {
                    return Err(err(
                        &p.meta.place(),
                        format!("{why} (the run needs {date})"),
                    ));
                }
            };
            Some(ResolvedNode::Leaf(Arc::new(Leaf {
                path: path.to_string(),
                value,
                since: *since,
                meta: p.meta.clone(),
                assumed: assumed || p.meta.assumed,
                projected: since.and_then(|d| notes.get(path)?.get(&d).cloned()),
            })))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"
[median_income]
description = "Median"
reference = "CSP"
unit = "EUR"
range = [100, 10000]
values = { 2023-07-01 = 626.57, 2024-01-01 = 685.78 }

[gmi]
description = "GMI level"
range = { first = [0, 5000], other = [0, 5000], pct = [0, 0.5] }
requires = { pct = "median_income" }
values = { 2021-01-01 = { first = 109, other = 76 }, 2024-01-01 = { pct = 0.20 } }

[k]
unit = "coefficient"
range = { alone = [0, 10], other = [0, 10] }
values = { 2021-01-01 = { alone = 1, other = 1 }, 2025-01-01 = { alone = 2.1, other = 1.3 } }

[rounding]
choices = ["cents", "euros_down"]
value = "cents"

[municipalities.default.low_income]
description = "Low-income threshold"
unit = "EUR / share"
range = { first = [0, 5000], other = [0, 5000], pct = [0, 1] }
requires = { pct = "median_income" }
values = { 2021-01-01 = { first = 436, other = 305 }, 2023-07-01 = { pct = 0.8 } }

[municipalities.ogres-novads.low_income]
values = { 2021-01-01 = "default", 2025-01-01 = { pct = 0.70 } }
"#;

    fn set() -> ParameterSet {
        let mut s = ParameterSet::default();
        s.add_file("test.toml", FILE).unwrap();
        s.set_councils(vec!["ogres-novads".into(), "tukuma-novads".into()]);
        s.check().unwrap();
        s
    }

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    fn at(s: &ParameterSet, date: &str, slug: &str, path: &str) -> String {
        s.resolve(d(date), slug).unwrap().resolve_text(path)
    }

    fn put(s: &mut ParameterSet, path: &str, value: &str) -> Result<(), String> {
        s.set(path, Value::parse_cli(value).unwrap(), "--set")
            .map_err(|e| e.to_string())
    }

    /// A council's own value written `assumed = true` (an estimate) is flagged like a default;
    /// `assumed` must be true or false.
    #[test]
    fn an_estimated_own_value_is_flagged_assumed() {
        let mut s = set();
        s.add_file(
            "own.toml",
            "[municipalities.tukuma-novads.low_income]\nassumed = true\nvalues = { 2024-01-01 = { pct = 0.6 } }\n",
        )
        .unwrap();
        s.check().unwrap();
        let r = s.resolve(d("2025-01-01"), "tukuma-novads").unwrap();
        assert!(r.leaf("municipality.low_income").unwrap().assumed);
        assert_eq!(r.resolve_text("municipality.low_income"), "{ pct = 0.6 }");
        let mut s = set();
        let e = s
            .add_file(
                "own.toml",
                "[municipalities.tukuma-novads.low_income]\nassumed = \"yes\"\nvalues = { 2021-01-01 = { pct = 0.6 } }\n",
            )
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("own.toml") && e.contains("assumed: expected true or false"),
            "{e}"
        );
    }

    #[test]
    fn resolves_the_value_in_force() {
        let r = set().resolve(d("2024-06-01"), "ogres-novads").unwrap();
        let median = r.leaf("median_income").unwrap();
        assert_eq!(
            median.value,
            Value::Number(Decimal::from_str("685.78").unwrap())
        );
        assert_eq!(median.since, Some(d("2024-01-01")));
        assert_eq!(r.resolve_text("gmi"), "{ pct = 0.2 }");
        // Before 2025 Ogre's value is "default": the default is used and marked assumed.
        let li = r.leaf("municipality.low_income").unwrap();
        assert!(li.assumed);
        let r = set().resolve(d("2025-01-01"), "ogres-novads").unwrap();
        assert!(!r.leaf("municipality.low_income").unwrap().assumed);
        assert_eq!(r.resolve_text("municipality.low_income"), "{ pct = 0.7 }");
        // Before the first date a parameter does not exist.
        assert!(
            set()
                .resolve(d("2020-01-01"), "x")
                .unwrap()
                .leaf("median_income")
                .is_none()
        );
    }

    #[test]
    fn a_field_override_replaces_that_field_only_at_every_date() {
        let mut s = set();
        put(&mut s, "k.alone", "2.5").unwrap();
        assert_eq!(at(&s, "2022-01-01", "x", "k"), "{ alone = 2.5, other = 1 }");
        assert_eq!(
            at(&s, "2026-01-01", "x", "k"),
            "{ alone = 2.5, other = 1.3 }"
        );
        // The value in force, set explicitly, changes nothing.
        let mut same = set();
        put(&mut same, "gmi.pct", "0.20").unwrap();
        assert_eq!(
            at(&same, "2024-06-01", "x", "gmi"),
            at(&set(), "2024-06-01", "x", "gmi")
        );
    }

    #[test]
    fn a_share_applies_only_where_the_median_exists() {
        let mut s = set();
        put(&mut s, "gmi.pct", "0.22").unwrap();
        assert_eq!(at(&s, "2024-06-01", "x", "gmi"), "{ pct = 0.22 }");
        // 7/2023: the median exists, the amounts in force become the share.
        assert_eq!(at(&s, "2023-07-01", "x", "gmi"), "{ pct = 0.22 }");
        // Before: refused, saying from when it applies and what to set instead. Never a zero.
        let e = s.resolve(d("2021-08-01"), "x").unwrap_err().to_string();
        assert_eq!(
            e,
            "--set: gmi.pct = 0.22: 'pct' is a share of median_income, which the rules have only \
             from 2023-07-01, so it applies from 2023-07 on; for earlier months set \
             gmi = { first = …, other = … } instead (the run needs 2021-08-01)"
        );
        // A whole value is refused the same way.
        let mut s = set();
        put(
            &mut s,
            "municipalities.ogres-novads.low_income",
            "{ pct = 0.6 }",
        )
        .unwrap();
        assert_eq!(
            at(&s, "2026-01-01", "ogres-novads", "municipality.low_income"),
            "{ pct = 0.6 }"
        );
        assert!(s.resolve(d("2023-06-01"), "ogres-novads").is_err());
        // Amounts apply at every date.
        put(
            &mut s,
            "municipalities.ogres-novads.low_income",
            "{ first = 500, other = 350 }",
        )
        .unwrap();
        assert!(s.resolve(d("2021-08-01"), "ogres-novads").is_ok());
    }

    #[test]
    fn a_field_that_is_not_a_shape_by_itself_cannot_replace_another_shape() {
        let mut s = set();
        put(&mut s, "gmi.first", "130").unwrap();
        assert_eq!(
            at(&s, "2022-01-01", "x", "gmi"),
            "{ first = 130, other = 76 }"
        );
        let e = s.resolve(d("2025-01-01"), "x").unwrap_err().to_string();
        assert!(
            e.contains("gmi.first = 130 cannot apply from 2024-01-01: gmi is then { pct = 0.2 }"),
            "{e}"
        );
    }

    #[test]
    fn a_council_override_follows_the_default_where_the_council_has_none() {
        let mut s = set();
        // Tukums has no entry: it gets one, over the default's dates.
        put(&mut s, "municipalities.tukuma-novads.low_income.pct", "0.6").unwrap();
        assert_eq!(
            at(&s, "2025-01-01", "tukuma-novads", "municipality.low_income"),
            "{ pct = 0.6 }"
        );
        let r = s.resolve(d("2025-01-01"), "tukuma-novads").unwrap();
        assert!(!r.leaf("municipality.low_income").unwrap().assumed);
        // Ogre's "default" months take the default's amounts; one of them set alone would leave
        // the other assumed, unflagged: refused there, applied where Ogre's own amounts are.
        let mut s = set();
        let whole = "{ first = 500, other = 350 }";
        put(&mut s, "municipalities.ogres-novads.low_income", whole).unwrap();
        put(
            &mut s,
            "municipalities.ogres-novads.low_income.first",
            "450",
        )
        .unwrap();
        assert_eq!(
            at(&s, "2022-01-01", "ogres-novads", "municipality.low_income"),
            "{ first = 450, other = 350 }"
        );
        let mut s = set();
        put(
            &mut s,
            "municipalities.ogres-novads.low_income.first",
            "450",
        )
        .unwrap();
        let e = s.resolve(d("2022-01-01"), "ogres-novads").unwrap_err();
        let e = e.to_string();
        assert!(
            e.contains("the council's own value is not known there"),
            "{e}"
        );
        assert!(e.contains("its other would stay assumed"), "{e}");
        // pct is the whole value: it may replace an assumed one.
        put(&mut s, "municipalities.ogres-novads.low_income.pct", "0.6").unwrap();
        assert!(s.resolve(d("2024-01-01"), "ogres-novads").is_ok());
    }

    #[test]
    fn overrides_are_refused_with_what_was_meant() {
        let mut s = set();
        let cases = [
            (
                "gmi.pcx",
                "0.6",
                "--set: gmi.pcx: 'pcx' is not a field of gmi (first, other, pct) (did you mean pct?)",
            ),
            (
                "gmx",
                "0.6",
                "--set: gmx: unknown parameter (did you mean gmi?); known here: gmi, k, median_income, municipalities, rounding",
            ),
            (
                "median_income",
                "true",
                "--set: median_income: true is true or false, but the parameter is a number",
            ),
            (
                "municipalities.ogres-novad.low_income.pct",
                "0.6",
                "--set: municipalities.ogres-novad.low_income.pct: 'ogres-novad' is not a Latvian local government (did you mean ogres-novads?)",
            ),
            (
                "gmi.pct",
                "-1",
                "--set: gmi.pct: pct = -1 is outside its legal range 0 … 0.5",
            ),
            (
                "gmi.pct",
                "5",
                "--set: gmi.pct: pct = 5 is outside its legal range 0 … 0.5",
            ),
            (
                "gmi.pct",
                "\"cents\"",
                "--set: gmi.pct: 'pct' is a text (\"cents\"); a table's values are numbers or true/false",
            ),
            (
                "gmi",
                "{ first = 130 }",
                "--set: gmi: { first = 130 } is { first }, but the parameter is { first, other } or { pct }",
            ),
            (
                "rounding",
                "cent",
                "--set: rounding: \"cent\" is not one of its choices (cents, euros_down) (did you mean cents?)",
            ),
            (
                "median_income.x",
                "1",
                "--set: median_income.x: median_income is a number, not a table with fields",
            ),
            ("gmi..pct", "1", "--set: gmi..pct: not a parameter path"),
        ];
        for (path, value, expected) in cases {
            let e = put(&mut s, path, value).unwrap_err();
            assert!(
                e.starts_with(expected),
                "{path}={value}:\n  got      {e}\n  expected {expected}"
            );
        }
        // Nothing was changed by the refused overrides.
        assert_eq!(s, set());
    }

    #[test]
    fn shipped_values_are_held_to_their_ranges() {
        let check = |text: &str| {
            let mut s = ParameterSet::default();
            s.add_file("p.toml", text).unwrap();
            s.set_councils(vec!["riga".into()]);
            s.check().map_err(|e| e.to_string())
        };
        assert_eq!(
            check("[a]\nrange = [0, 1]\nvalues = { 2021-01-01 = 0.5, 2022-01-01 = 2 }\n"),
            Err("p.toml:1: a: 2 is outside its legal range 0 … 1 (from 2022-01-01)".into())
        );
        assert_eq!(
            check("\n[a]\nvalue = 3\n"),
            Err(
                "p.toml:2: a: declares no legal range: add range = [min, max] beside its values"
                    .into()
            )
        );
        assert_eq!(
            check("[t]\nrange = { x = [0, 1] }\nvalue = { x = 1, y = 2 }\n"),
            Err(
                "p.toml:1: t: declares no legal range for 'y': add range = { y = [0, max] }"
                    .replace("[0, max]", "[min, max]")
            )
        );
        assert_eq!(
            check("[m]\nrange = [1, 2]\nvalues = { 2023-07-01 = 1 }\n[g]\nrange = { pct = [0, 1] }\nrequires = { pct = \"m\" }\nvalues = { 2021-01-01 = { pct = 0.5 } }\n"),
            Err("p.toml:4: g: 'pct' is a share of m, which is in force only from 2023-07-01 (from 2021-01-01)".into())
        );
        let council =
            "[municipalities.default.li]\nrange = { pct = [0, 1] }\nvalue = { pct = 0.8 }\n";
        assert_eq!(
            check(&format!("{council}[municipalities.rigas.li]\nvalue = {{ pct = 0.7 }}\n")),
            Err("p.toml:4: municipalities.rigas.li: 'rigas' is not a Latvian local government (did you mean riga?)".into())
        );
        assert_eq!(
            check(&format!(
                "{council}[municipalities.riga.li]\nvalue = {{ pct = 1.7 }}\n"
            )),
            Err(
                "p.toml:4: municipalities.riga.li: pct = 1.7 is outside its legal range 0 … 1"
                    .into()
            )
        );
        assert!(
            check(&format!(
                "{council}[municipalities.riga.li]\nvalue = \"default\"\n"
            ))
            .is_ok()
        );
    }

    #[test]
    fn reports_file_errors_with_place() {
        let mut s = ParameterSet::default();
        let e = s
            .add_file("x.toml", "[a]\nvalues = { 2025-13-01 = 1 }\n")
            .unwrap_err();
        assert!(e.to_string().contains("'2025-13-01' is not a date"), "{e}");
        let e = s
            .add_file("y.toml", "[a]\nvalues = 1\nvalues = 2\n")
            .unwrap_err();
        assert!(e.to_string().starts_with("y.toml:3:"), "{e}");
        let mut s = set();
        let e = s.add_file("z.toml", "[gmi]\nvalue = 1\n").unwrap_err();
        assert!(
            e.to_string()
                .contains("gmi is defined twice (also in test.toml)"),
            "{e}"
        );
    }

    impl Resolved {
        fn resolve_text(&self, path: &str) -> String {
            self.leaf(path).unwrap().value.to_string()
        }
    }
}
