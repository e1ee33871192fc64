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
//! This module knows nothing about scripts: it produces a plain tree that `script` exposes as `p`.

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
    fn kind(&self) -> &'static str {
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
}

/// One parameter: its dated values and what it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Parameter {
    /// Values in force from each date, sorted by date. `None` as the date: in force always.
    pub values: Vec<(Option<Date>, Value)>,
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
}

const META_KEYS: [&str; 5] = ["description", "description_lv", "reference", "unit", "note"];

impl ParameterSet {
    /// Adds the parameters of one TOML file. `origin` names the file in errors.
    pub fn add_file(&mut self, origin: &str, text: &str) -> Result<(), ParameterError> {
        let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
            let at = e
                .span()
                .map(|s| format!(":{}", line_of(text, s.start)))
                .unwrap_or_default();
            err(&format!("{origin}{at}"), e.message().to_string())
        })?;
        let origin_arc: Arc<str> = origin.into();
        let group = read_group(&origin_arc, "", table)?;
        merge_group(&mut self.root, group, origin, "")
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

    /// Replaces a parameter's value at every date (a reform overlay). `path` names a parameter,
    /// or a key of a table-valued parameter: `gmi.pct = 0.20` on a parameter `gmi` whose values
    /// are tables replaces `gmi` by `{ pct = 0.20 }` from the first date on.
    /// A council without an entry of its own gets one (`municipalities.SLUG.low_income`).
    pub fn set(&mut self, path: &str, value: Value, origin: &str) -> Result<(), ParameterError> {
        let (target, value) = self.override_target(path, value, origin)?;
        let existing = self.parameter(&target).cloned();
        let template = match existing {
            Some(p) => p,
            None => {
                // A council's own value where it had none: copy the default's description.
                let rest = target
                    .strip_prefix("municipalities.")
                    .and_then(|r| r.split_once('.'))
                    .map(|(_, r)| r);
                match rest.and_then(|r| self.parameter(&format!("municipalities.default.{r}"))) {
                    Some(p) => p.clone(),
                    None => {
                        return Err(err(
                            origin,
                            format!("unknown parameter '{path}'{}", self.suggest(path)),
                        ));
                    }
                }
            }
        };
        check_same_kind(&template, &value).map_err(|m| err(origin, format!("{path}: {m}")))?;
        let meta = Arc::new(Meta {
            description: template.meta.description.clone(),
            description_lv: template.meta.description_lv.clone(),
            reference: template.meta.reference.clone(),
            unit: template.meta.unit.clone(),
            origin: origin.to_string(),
        });
        let new = Parameter {
            values: vec![(None, value)],
            meta,
        };
        insert_parameter(&mut self.root, &target, new);
        Ok(())
    }

    /// Decides which parameter an override path replaces, and with what value.
    fn override_target(
        &self,
        path: &str,
        value: Value,
        origin: &str,
    ) -> Result<(String, Value), ParameterError> {
        if path.is_empty() || path.split('.').any(str::is_empty) {
            return Err(err(
                origin,
                format!("'{path}' is not a parameter path (names separated by dots)"),
            ));
        }
        let council_param = |p: &str| -> bool {
            // municipalities.SLUG.NAME where the default has NAME
            let mut parts = p.splitn(3, '.');
            parts.next() == Some("municipalities")
                && parts.next().is_some()
                && parts.next().is_some_and(|rest| {
                    self.parameter(&format!("municipalities.default.{rest}"))
                        .is_some()
                })
        };
        if self.parameter(path).is_some() || council_param(path) {
            return Ok((path.to_string(), value));
        }
        if let Some((parent, key)) = path.rsplit_once('.') {
            if self.parameter(parent).is_some() || council_param(parent) {
                let mut table = BTreeMap::new();
                table.insert(key.to_string(), value);
                return Ok((parent.to_string(), Value::Table(table)));
            }
        }
        Err(err(
            origin,
            format!("unknown parameter '{path}'{}", self.suggest(path)),
        ))
    }

    fn suggest(&self, path: &str) -> String {
        let parent = path.rsplit_once('.').map(|(p, _)| p).unwrap_or("");
        let names: Vec<String> = match if parent.is_empty() {
            Some(&self.root)
        } else {
            self.group(parent)
        } {
            Some(g) => g
                .children
                .keys()
                .map(|k| {
                    if parent.is_empty() {
                        k.clone()
                    } else {
                        format!("{parent}.{k}")
                    }
                })
                .collect(),
            None => self.root.children.keys().cloned().collect(),
        };
        let names: Vec<String> = names.into_iter().take(12).collect();
        if names.is_empty() {
            String::new()
        } else {
            format!(" (known here: {})", names.join(", "))
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
    pub fn resolve(&self, date: Date, slug: &str) -> Resolved {
        let mut root = BTreeMap::new();
        for (name, node) in &self.root.children {
            if name == "municipalities" {
                continue;
            }
            if let Some(n) = resolve_node(node, date, name, false) {
                root.insert(name.clone(), n);
            }
        }
        let default = self.group("municipalities.default");
        let own = self.group(&format!("municipalities.{slug}"));
        let mut council = BTreeMap::new();
        if let Some(d) = default {
            for (name, node) in &d.children {
                if let Some(n) =
                    resolve_node(node, date, &format!("municipalities.default.{name}"), true)
                {
                    council.insert(name.clone(), n);
                }
            }
        }
        if let Some(o) = own {
            for (name, node) in &o.children {
                if let Some(n) =
                    resolve_node(node, date, &format!("municipalities.{slug}.{name}"), false)
                {
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
            })),
        );
        root.insert(
            "municipality".into(),
            ResolvedNode::Group(Arc::new(council)),
        );
        Resolved {
            date,
            root: Arc::new(root),
        }
    }
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

fn check_same_kind(template: &Parameter, value: &Value) -> Result<(), String> {
    let Some((_, example)) = template.values.last() else {
        return Ok(());
    };
    match (example, value) {
        (Value::Table(_), Value::Table(new)) => {
            // Every key must be one the parameter uses at some date.
            let known: Vec<&String> = template
                .values
                .iter()
                .filter_map(|(_, v)| {
                    if let Value::Table(t) = v {
                        Some(t.keys())
                    } else {
                        None
                    }
                })
                .flatten()
                .collect();
            for key in new.keys() {
                if !known.contains(&key) {
                    let mut names: Vec<&str> = known.iter().map(|s| s.as_str()).collect();
                    names.sort();
                    names.dedup();
                    return Err(format!(
                        "'{key}' is not one of its keys ({})",
                        names.join(", ")
                    ));
                }
            }
            Ok(())
        }
        (Value::Text(_), Value::Text(_))
        | (Value::Bool(_), Value::Bool(_))
        | (Value::Number(_), Value::Number(_)) => Ok(()),
        // The kind of any of its dated values will do ("default" text before a table).
        (_, b) if template.values.iter().any(|(_, v)| v.kind() == b.kind()) => Ok(()),
        (a, b) => Err(format!("expected {}, got {} ({b})", a.kind(), b.kind())),
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

fn read_group(
    origin: &Arc<str>,
    prefix: &str,
    table: toml::Table,
) -> Result<Group, ParameterError> {
    let mut group = Group::default();
    for (name, value) in table {
        let path = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}.{name}")
        };
        let toml::Value::Table(t) = value else {
            return Err(err(
                origin,
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
    origin: &Arc<str>,
    path: &str,
    mut t: toml::Table,
) -> Result<Parameter, ParameterError> {
    let mut meta = Meta {
        origin: origin.to_string(),
        ..Meta::default()
    };
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
            from_toml(v).map_err(|m| err(origin, format!("{path}.value: {m}")))?,
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
            values.push((Some(d), v));
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
                "{path}: unknown key '{key}' (a parameter has values or value, and description, description_lv, reference, unit, note)"
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

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
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
    /// True if the value is the documented default for a council whose own choice is not known.
    pub assumed: bool,
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

fn resolve_node(node: &Node, date: Date, path: &str, assumed: bool) -> Option<ResolvedNode> {
    match node {
        Node::Group(g) => {
            let mut map = BTreeMap::new();
            for (name, child) in &g.children {
                if let Some(n) = resolve_node(child, date, &format!("{path}.{name}"), assumed) {
                    map.insert(name.clone(), n);
                }
            }
            Some(ResolvedNode::Group(Arc::new(map)))
        }
        Node::Parameter(p) => {
            // The last value whose date is not after `date`; undated values are always in force.
            let (since, value) = p
                .values
                .iter()
                .rev()
                .find(|(d, _)| d.is_none_or(|d| d <= date))?;
            Some(ResolvedNode::Leaf(Arc::new(Leaf {
                path: path.to_string(),
                value: value.clone(),
                since: *since,
                meta: p.meta.clone(),
                assumed,
            })))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"
[median_income]
description = "Median"
reference = "CSP"
unit = "EUR"
values = { 2023-07-01 = 626.57, 2024-01-01 = 685.78 }

[gmi]
description = "GMI level"
values = { 2021-01-01 = { first = 109, other = 76 }, 2024-01-01 = { pct = 0.20 } }

[municipalities.default.low_income]
description = "Low-income threshold"
values = { 2021-01-01 = { pct = 0.8 } }

[municipalities.ogres-novads.low_income]
values = { 2021-01-01 = "default", 2025-01-01 = { pct = 0.70 } }
"#;

    fn set() -> ParameterSet {
        let mut s = ParameterSet::default();
        s.add_file("test.toml", FILE).unwrap();
        s
    }

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    #[test]
    fn resolves_the_value_in_force() {
        let r = set().resolve(d("2024-06-01"), "ogres-novads");
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
        let r = set().resolve(d("2025-01-01"), "ogres-novads");
        assert!(!r.leaf("municipality.low_income").unwrap().assumed);
        assert_eq!(r.resolve_text("municipality.low_income"), "{ pct = 0.7 }");
        // Before the first date a parameter does not exist.
        assert!(
            set()
                .resolve(d("2020-01-01"), "x")
                .leaf("median_income")
                .is_none()
        );
    }

    #[test]
    fn overrides_replace_every_date() {
        let mut s = set();
        s.set(
            "gmi.pct",
            Value::Number(Decimal::from_str("0.22").unwrap()),
            "--set",
        )
        .unwrap();
        assert_eq!(
            s.resolve(d("2021-06-01"), "x").resolve_text("gmi"),
            "{ pct = 0.22 }"
        );
        s.set(
            "municipalities.tukuma-novads.low_income.pct",
            Value::parse_cli("0.6").unwrap(),
            "--set",
        )
        .unwrap();
        assert_eq!(
            s.resolve(d("2025-01-01"), "tukuma-novads")
                .resolve_text("municipality.low_income"),
            "{ pct = 0.6 }"
        );
        let e = s
            .set("gmi.pcx", Value::parse_cli("0.6").unwrap(), "--set")
            .unwrap_err();
        assert!(
            e.to_string().contains("'pcx' is not one of its keys"),
            "{e}"
        );
        let e = s
            .set("gmx", Value::parse_cli("0.6").unwrap(), "--set")
            .unwrap_err();
        assert!(e.to_string().contains("unknown parameter 'gmx'"), "{e}");
        let e = s
            .set("median_income", Value::parse_cli("true").unwrap(), "--set")
            .unwrap_err();
        assert!(e.to_string().contains("expected a number"), "{e}");
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
