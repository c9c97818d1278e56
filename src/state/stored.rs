//! The state file's format 3: a record a line, as short as it can be while staying JSON
//! that reads back to exactly the same state.
//!
//! - Records are grouped by the first part of their address (the kind), which each line
//!   then leaves out: `"s001_agg[\"A\"]":[...]` under `"feature_view":{`.
//! - A record is an array `[NAME, PROPERTIES, DEPS, EXTRA]`, trailing empty parts left
//!   out. NAME is the name as SQL (`DB.SCHEMA."Name"`), or its parts when that does not
//!   read back as the same name. PROPERTIES holds the values in the order of the kind's
//!   columns, listed once in the head (`"columns"`), `null` where a property is not set.
//! - DEPS lists only the dependencies the record's name and reference properties do not
//!   already give: the schema (or database) the name is in, the warehouse a `warehouse`
//!   property names, the tasks `after` names, the entities of `entities`, the stage of a
//!   `@STAGE/path` value, each found among the state's records by kind and name. When those
//!   give a dependency the record does not have (or its list is not in order), EXTRA holds
//!   the whole list instead (`{"deps":[...]}`). EXTRA also holds a non-default lifecycle.
//!
//! The reader works the dependencies out again from the same records, so the file reads back
//! to the state it was written from (tests below and in `file.rs`).

use super::record::{InProgress, Record, State};
use crate::model::schema::{schema, AttrType};
use crate::model::{Address, Kind, Lifecycle, ObjectName, Scope, Value};
use serde::de::{self, SeqAccess, Visitor};
use serde::ser::SerializeSeq;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::{BTreeMap, BTreeSet, HashMap};

pub(crate) const VERSION: u32 = 3;

/// The records' names, to find what a record's name and references point at.
struct Names<'a> {
    /// By kind, then printed name: a name is looked up as the text it is, without a copy.
    by_name: HashMap<Kind, HashMap<String, Vec<&'a Address>>>,
}

impl<'a> Names<'a> {
    fn new(records: impl Iterator<Item = (&'a Address, &'a ObjectName)>) -> Names<'a> {
        let mut by_name: HashMap<Kind, HashMap<String, Vec<&'a Address>>> = HashMap::new();
        for (a, n) in records {
            by_name
                .entry(a.kind)
                .or_default()
                .entry(n.to_string())
                .or_default()
                .push(a);
        }
        Names { by_name }
    }

    fn find(&self, kind: Kind, name: &str, out: &mut BTreeSet<&'a Address>) {
        if let Some(found) = self.by_name.get(&kind).and_then(|k| k.get(name)) {
            out.extend(found.iter().copied());
        }
    }

    /// The records that `address`'s name and properties name: its container, the objects
    /// its reference properties name, and stages of `@STAGE/path` values.
    fn implied(
        &self,
        address: &Address,
        name: &ObjectName,
        props: &BTreeMap<String, Value>,
    ) -> BTreeSet<&'a Address> {
        let mut out = BTreeSet::new();
        match address.kind.scope() {
            Scope::Schema => {
                if let Some(s) = name.schema_name() {
                    self.find(Kind::Schema, &s.to_string(), &mut out);
                }
            }
            Scope::Database => {
                if let Some(db) = &name.database {
                    self.find(Kind::Database, db.as_str(), &mut out);
                }
            }
            Scope::Account => {}
        }
        for attr in schema(address.kind).attrs {
            let Some(v) = props.get(attr.name) else {
                continue;
            };
            match (&attr.ty, v) {
                (AttrType::Ref(k), Value::Str(s)) => self.find(*k, s, &mut out),
                (AttrType::RefList(Kind::Entity), Value::List(items)) => {
                    for e in items.iter().filter_map(Value::as_str) {
                        let tag =
                            crate::model::entity_tag_name(&crate::model::Ident::from_canonical(e));
                        self.find(Kind::Entity, &name.with_name(tag).to_string(), &mut out);
                    }
                }
                (AttrType::RefList(k), Value::List(items)) => {
                    for item in items.iter().filter_map(Value::as_str) {
                        if let Ok(n) = ObjectName::parse_qualified(item) {
                            self.find(*k, &n.to_string(), &mut out);
                        }
                    }
                }
                _ => {}
            }
        }
        for v in props.values() {
            self.stages(v, &mut out);
        }
        out.remove(address);
        out
    }

    /// Stages named by `@DB.SCHEMA.STAGE/path` strings, at any depth.
    fn stages(&self, value: &Value, out: &mut BTreeSet<&'a Address>) {
        match value {
            Value::Str(s) => {
                if let Some(rest) = s.strip_prefix('@') {
                    let stage = rest.split('/').next().unwrap_or(rest);
                    if let Ok(n) = ObjectName::parse_qualified(stage) {
                        self.find(Kind::Stage, &n.to_string(), out);
                    }
                }
            }
            Value::List(items) => items.iter().for_each(|i| self.stages(i, out)),
            Value::Map(m) => m.values().for_each(|i| self.stages(i, out)),
            Value::Bool(_) | Value::Int(_) => {}
        }
    }
}

/// A name written as SQL, of one to three parts.
pub(super) fn name_from_sql(sql: &str) -> Option<ObjectName> {
    let mut parts = crate::model::ident::split_parts(sql).ok()?;
    let name = parts.pop()?;
    match (parts.pop(), parts.pop(), parts.is_empty()) {
        (None, None, true) => Some(ObjectName::account(name)),
        (Some(db), None, true) => Some(ObjectName::in_database(db, name)),
        (Some(schema), Some(db), true) => Some(ObjectName::in_schema(db, schema, name)),
        _ => None,
    }
}

#[derive(Serialize)]
#[serde(untagged)]
enum NameRef<'a> {
    Sql(String),
    Parts(&'a ObjectName),
}

impl<'a> NameRef<'a> {
    fn of(object_name: &'a ObjectName) -> NameRef<'a> {
        let sql = object_name.to_sql();
        // Written as SQL only when it reads back as the same name.
        if name_from_sql(&sql).as_ref() == Some(object_name) {
            NameRef::Sql(sql)
        } else {
            NameRef::Parts(object_name)
        }
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
pub(super) enum StoredName {
    Sql(String),
    Parts(ObjectName),
}

/// What a record needs beyond its name, properties and the dependencies not implied.
#[derive(Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Extra {
    #[serde(default, skip_serializing_if = "is_default")]
    lifecycle: Lifecycle,
    /// The whole list, when working it out would not give it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    deps: Option<Vec<Address>>,
}

fn is_default(lifecycle: &Lifecycle) -> bool {
    *lifecycle == Lifecycle::default()
}

struct RowRef<'a> {
    name: NameRef<'a>,
    props: Vec<Option<&'a Value>>,
    deps: Vec<&'a Address>,
    extra: Extra,
}

impl Serialize for RowRef<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let has_extra = !is_default(&self.extra.lifecycle) || self.extra.deps.is_some();
        let has_deps = has_extra || !self.deps.is_empty();
        let has_props = has_deps || !self.props.is_empty();
        let len = 1 + usize::from(has_props) + usize::from(has_deps) + usize::from(has_extra);
        let mut seq = serializer.serialize_seq(Some(len))?;
        seq.serialize_element(&self.name)?;
        if has_props {
            seq.serialize_element(&self.props)?;
        }
        if has_deps {
            seq.serialize_element(&self.deps)?;
        }
        if has_extra {
            seq.serialize_element(&self.extra)?;
        }
        seq.end()
    }
}

struct Row {
    name: StoredName,
    props: Vec<Option<Value>>,
    deps: Vec<Address>,
    extra: Extra,
}

impl<'de> Deserialize<'de> for Row {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Row, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Row;
            fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
                formatter.write_str("a record: [name, properties, dependencies, extra]")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Row, A::Error> {
                let name = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(0, &self))?;
                let props = seq.next_element()?.unwrap_or_default();
                let deps = seq.next_element()?.unwrap_or_default();
                let extra = seq.next_element()?.unwrap_or_default();
                if seq.next_element::<de::IgnoredAny>()?.is_some() {
                    return Err(de::Error::invalid_length(5, &self));
                }
                Ok(Row {
                    name,
                    props,
                    deps,
                    extra,
                })
            }
        }
        deserializer.deserialize_seq(V)
    }
}

/// Each kind's columns: the properties its records set, the most often set first (ties by
/// name), so that a record's unset properties are mostly trailing ones, left out.
fn columns(state: &State) -> BTreeMap<Kind, Vec<&str>> {
    let mut counts: BTreeMap<Kind, BTreeMap<&str, usize>> = BTreeMap::new();
    for (a, r) in &state.resources {
        let c = counts.entry(a.kind).or_default();
        for p in r.properties.keys() {
            *c.entry(p.as_str()).or_default() += 1;
        }
    }
    counts
        .into_iter()
        .map(|(k, c)| {
            let mut cols: Vec<(&str, usize)> = c.into_iter().collect();
            cols.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
            (k, cols.into_iter().map(|(p, _)| p).collect())
        })
        .collect()
}

/// A record of a group: the rest of its address after the group's name, the address, the record.
type GroupRow<'s> = (String, &'s Address, &'s Record);

fn put<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) {
    serde_json::to_writer(out, value).expect("state serialises");
}

/// The state file's text: the head on the first line, each kind's columns on a line, then
/// one record a line, then what is in progress. `journal` names the journal that continues it.
pub(super) fn write(state: &State, journal: Option<&str>) -> Vec<u8> {
    let mut out = Vec::with_capacity(256 + state.resources.len() * 200);
    out.extend_from_slice(format!("{{\"format_version\":{VERSION},\"lineage\":").as_bytes());
    put(&mut out, &state.lineage);
    out.extend_from_slice(format!(",\"serial\":{},\"workspace\":", state.serial).as_bytes());
    put(&mut out, &state.workspace);
    out.extend_from_slice(b",\"snowform_version\":");
    put(&mut out, &state.snowform_version);
    if let Some(j) = journal {
        out.extend_from_slice(b",\"journal\":");
        put(&mut out, j);
    }
    let columns = columns(state);
    out.extend_from_slice(b",\"columns\":{");
    for (i, (k, cols)) in columns.iter().enumerate() {
        out.extend_from_slice(if i == 0 { b"\n" } else { b",\n" });
        put(&mut out, k.as_str());
        out.push(b':');
        put(&mut out, cols);
    }
    out.extend_from_slice(if columns.is_empty() { b"}" } else { b"\n}" });
    let names = Names::new(state.resources.iter().map(|(a, r)| (a, &r.object_name)));
    out.extend_from_slice(b",\"resources\":{");
    // Each group once, in the order its first address sorts, whatever order the others sort
    // in: a group written twice would read back as its last part only.
    let mut groups: Vec<(String, Vec<GroupRow>)> = Vec::new();
    let mut at: HashMap<String, usize> = HashMap::new();
    for (a, r) in &state.resources {
        let text = a.to_string();
        let (head, rest) = text.split_once('.').expect("an address has a dot");
        let i = *at.entry(head.to_string()).or_insert_with(|| {
            groups.push((head.to_string(), Vec::new()));
            groups.len() - 1
        });
        groups[i].1.push((rest.to_string(), a, r));
    }
    let mut group: Option<&str> = None;
    for (head, rest, a, r) in groups.iter().flat_map(|(h, rows)| {
        rows.iter()
            .map(move |(rest, a, r)| (h.as_str(), rest, *a, *r))
    }) {
        if group != Some(head) {
            out.extend_from_slice(match group {
                None => b"\n",
                Some(_) => b"\n},\n",
            });
            put(&mut out, head);
            out.extend_from_slice(b":{\n");
            group = Some(head);
        } else {
            out.extend_from_slice(b",\n");
        }
        put(&mut out, rest);
        out.push(b':');
        let cols = columns.get(&a.kind).map(Vec::as_slice).unwrap_or_default();
        let mut props: Vec<Option<&Value>> = cols.iter().map(|c| r.properties.get(*c)).collect();
        while props.last().is_some_and(Option::is_none) {
            props.pop();
        }
        let implied = names.implied(a, &r.object_name, &r.properties);
        let sorted = r.deps.windows(2).all(|w| w[0] < w[1]);
        let (deps, all) = if sorted && implied.iter().all(|i| r.deps.contains(i)) {
            (
                r.deps.iter().filter(|d| !implied.contains(d)).collect(),
                None,
            )
        } else {
            (Vec::new(), Some(r.deps.clone()))
        };
        let row = RowRef {
            name: NameRef::of(&r.object_name),
            props,
            deps,
            extra: Extra {
                lifecycle: r.lifecycle.clone(),
                deps: all,
            },
        };
        put(&mut out, &row);
    }
    out.extend_from_slice(if group.is_none() { b"}" } else { b"\n}\n}" });
    if !state.in_progress.is_empty() {
        out.extend_from_slice(b",\"in_progress\":[");
        for (i, p) in state.in_progress.iter().enumerate() {
            out.extend_from_slice(if i == 0 { b"\n" } else { b",\n" });
            put(&mut out, p);
        }
        out.extend_from_slice(b"\n]");
    }
    out.extend_from_slice(b"}\n");
    out
}

#[derive(Deserialize)]
pub(super) struct Stored {
    lineage: String,
    serial: u64,
    workspace: String,
    snowform_version: String,
    #[serde(default)]
    journal: Option<String>,
    #[serde(default)]
    columns: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    resources: BTreeMap<String, BTreeMap<String, Row>>,
    #[serde(default)]
    in_progress: Vec<InProgress>,
}

impl Stored {
    /// The state, and the id of the journal that continues it.
    pub(super) fn into_state(self) -> Result<(State, Option<String>), String> {
        let mut columns: HashMap<Kind, Vec<String>> = HashMap::new();
        for (k, cols) in self.columns {
            let kind = Kind::parse(&k).ok_or_else(|| format!("{k:?} is not a kind"))?;
            columns.insert(kind, cols);
        }
        // First every record's own parts, then the dependencies, which other records' names give.
        let mut parts = Vec::new();
        for (head, rows) in self.resources {
            for (rest, row) in rows {
                let mut text = String::with_capacity(head.len() + 1 + rest.len());
                text.push_str(&head);
                text.push('.');
                text.push_str(&rest);
                let address = Address::parse(&text).map_err(|e| e.to_string())?;
                let name = match row.name {
                    StoredName::Parts(n) => n,
                    StoredName::Sql(sql) => name_from_sql(&sql)
                        .ok_or_else(|| format!("{address}: {sql:?} is not an object name"))?,
                };
                let cols = columns
                    .get(&address.kind)
                    .map(Vec::as_slice)
                    .unwrap_or_default();
                if row.props.len() > cols.len() {
                    return Err(format!(
                        "{address}: {} properties, and its kind has {} columns",
                        row.props.len(),
                        cols.len()
                    ));
                }
                let props: BTreeMap<String, Value> = cols
                    .iter()
                    .zip(row.props)
                    .filter_map(|(c, v)| Some((c.clone(), v?)))
                    .collect();
                parts.push((address, name, props, row.deps, row.extra));
            }
        }
        let names = Names::new(parts.iter().map(|(a, n, ..)| (a, n)));
        let deps: Vec<Vec<Address>> = parts
            .iter()
            .map(|(a, n, props, explicit, extra)| match &extra.deps {
                Some(all) => all.clone(),
                None => {
                    // Each address copied once, from the set of references.
                    let mut d = names.implied(a, n, props);
                    d.extend(explicit);
                    d.into_iter().cloned().collect()
                }
            })
            .collect();
        drop(names);
        let resources = parts
            .into_iter()
            .zip(deps)
            .map(|((a, name, props, _, extra), deps)| {
                let record = Record::new(a.kind, name, props, deps, extra.lifecycle);
                (a, record)
            })
            .collect();
        Ok((
            State {
                format_version: VERSION,
                lineage: self.lineage,
                serial: self.serial,
                workspace: self.workspace,
                snowform_version: self.snowform_version,
                resources,
                in_progress: self.in_progress,
            },
            self.journal,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::attr;
    use crate::model::{Ident, Object};
    use crate::plan::Effect;

    fn id(name: &str) -> Ident {
        Ident::from_canonical(name)
    }

    fn object(kind: Kind, addr: &str, name: ObjectName, deps: &[Address]) -> Object {
        let mut o = Object::new(Address::new(kind, addr), name);
        o.deps = deps.iter().cloned().collect();
        o
    }

    fn a(kind: Kind, name: &str) -> Address {
        Address::new(kind, name)
    }

    /// A database, a schema, a warehouse, a stage, an entity, a feature view, a model and two
    /// tasks, each depending on what its name and references name.
    fn platform() -> State {
        let mut s = State::new("default");
        let in_s = |n: &str| ObjectName::in_schema(id("D"), id("S"), id(n));
        let schema = a(Kind::Schema, "s");
        let wh = a(Kind::Warehouse, "w");
        let mut objects = vec![
            object(Kind::Database, "d", ObjectName::account(id("D")), &[]),
            object(
                Kind::Schema,
                "s",
                ObjectName::in_database(id("D"), id("S")),
                &[a(Kind::Database, "d")],
            ),
            object(Kind::Warehouse, "w", ObjectName::account(id("W")), &[]),
            object(Kind::Stage, "st", in_s("ST"), std::slice::from_ref(&schema)),
        ];
        let mut e = object(
            Kind::Entity,
            "e",
            in_s("SNOWML_FEATURE_STORE_ENTITY_E"),
            std::slice::from_ref(&schema),
        );
        e.set(attr::JOIN_KEYS, Value::List(vec![Value::from("E_ID")]));
        let mut fv = object(
            Kind::FeatureView,
            "fv",
            in_s("FV$V1"),
            &[schema.clone(), wh.clone(), a(Kind::Entity, "e")],
        );
        fv.set(attr::ENTITIES, Value::List(vec![Value::from("E")]));
        fv.set(attr::WAREHOUSE, "W");
        fv.set(attr::VERSION, "V1");
        fv.set(attr::QUERY, "SELECT 1 AS E_ID");
        let mut m = object(
            Kind::Model,
            "m",
            in_s("M"),
            &[schema.clone(), a(Kind::Stage, "st")],
        );
        let version = BTreeMap::from([("source".to_string(), Value::from("@D.S.ST/m/v1"))]);
        m.set(
            attr::VERSIONS,
            Value::Map(BTreeMap::from([("V1".to_string(), Value::Map(version))])),
        );
        let mut t1 = object(Kind::Task, "t1", in_s("T1"), &[schema.clone(), wh.clone()]);
        t1.set(attr::WAREHOUSE, "W");
        t1.set(attr::SCHEDULE, "5 MINUTES");
        let mut t2 = object(
            Kind::Task,
            "t2",
            in_s("T2"),
            &[
                schema.clone(),
                wh.clone(),
                a(Kind::Task, "t1"),
                a(Kind::FeatureView, "fv"),
            ],
        );
        t2.set(attr::WAREHOUSE, "W");
        t2.set(attr::AFTER, Value::List(vec![Value::from("D.S.T1")]));
        objects.extend([e, fv, m, t1, t2]);
        for object in objects {
            s.apply_effect(&Effect::Put { object });
        }
        s
    }

    fn line<'t>(text: &'t str, start: &str) -> &'t str {
        text.lines()
            .find(|l| l.starts_with(start))
            .unwrap_or_else(|| panic!("no line {start} in\n{text}"))
    }

    #[test]
    fn dependencies_that_names_and_references_give_are_left_out_and_read_back() {
        let s = platform();
        let text = String::from_utf8(write(&s, Some("j"))).unwrap();
        // Only what nothing else gives is written: the task's dependency on the feature view.
        assert_eq!(
            line(&text, "\"t2\":"),
            r#""t2":["D.S.T2",["W",["D.S.T1"]],["feature_view.fv"]]"#,
            "{text}"
        );
        for l in [
            "\"s\":", "\"st\":", "\"e\":", "\"fv\":", "\"m\":", "\"t1\":",
        ] {
            let l = line(&text, l);
            let (_, row) = l.trim_end_matches(',').split_once(':').unwrap();
            let row: Vec<serde_json::Value> = serde_json::from_str(row).unwrap();
            assert!(row.len() <= 2, "{l}: dependencies written out\n{text}");
        }
        assert_eq!(line(&text, "\"s\":"), r#""s":["D.S"]"#, "{text}");
        let (back, journal) = State::parse_file(&text, "s").unwrap();
        assert_eq!(back, s);
        assert_eq!(journal.as_deref(), Some("j"));
    }

    #[test]
    fn dependencies_other_than_those_implied_are_kept_whole() {
        let mut s = platform();
        // A task that names the warehouse by its name, without depending on its block.
        let t1 = a(Kind::Task, "t1");
        s.resources.get_mut(&t1).unwrap().deps = vec![a(Kind::Schema, "s")];
        // A list out of order (a hand-edited file), and a lifecycle.
        let fv = a(Kind::FeatureView, "fv");
        s.resources.get_mut(&fv).unwrap().deps.reverse();
        s.resources.get_mut(&fv).unwrap().lifecycle.prevent_destroy = true;
        let text = String::from_utf8(write(&s, None)).unwrap();
        assert_eq!(
            line(&text, "\"t1\":"),
            r#""t1":["D.S.T1",["W",null,"5 MINUTES"],[],{"deps":["schema.s"]}],"#,
            "{text}"
        );
        let back = State::parse(&text, "s").unwrap();
        assert_eq!(back, s);
        assert_eq!(back.resources[&fv].deps, s.resources[&fv].deps);
    }

    #[test]
    fn a_format_2_state_still_loads_and_is_written_back_as_format_3() {
        // As format 2 wrote it: a record a line, keyed properties, every dependency.
        let v2 = r#"{"format_version":2,"lineage":"l","serial":7,"workspace":"default","snowform_version":"0.1.0","journal":"j","resources":{
"database.d":{"name":"D"},
"schema.s":{"name":"D.S","properties":{"comment":"c"},"deps":["database.d"]},
"warehouse.w":{"name":"W","properties":{"auto_suspend":60,"comment":"x"},"lifecycle":{"prevent_destroy":true}}
}}
"#;
        let (old, journal) = State::parse_file(v2, "s").unwrap();
        assert_eq!((old.serial, journal.as_deref()), (7, Some("j")));
        assert_eq!(old.format_version, VERSION);
        let schema = &old.resources[&a(Kind::Schema, "s")];
        assert_eq!(schema.deps, vec![a(Kind::Database, "d")]);
        assert_eq!(schema.name, "D.S");
        let text = String::from_utf8(old.to_file(Some("k"))).unwrap();
        assert!(text.starts_with("{\"format_version\":3,"), "{text}");
        assert_eq!(line(&text, "\"s\":"), r#""s":["D.S",["c"]]"#, "{text}");
        assert_eq!(
            line(&text, "\"w\":"),
            r#""w":["W",[60,"x"],[],{"lifecycle":{"prevent_destroy":true}}]"#,
            "{text}"
        );
        let (again, journal) = State::parse_file(&text, "s").unwrap();
        assert_eq!(again, old);
        assert_eq!(journal.as_deref(), Some("k"));
    }

    #[test]
    fn a_damaged_record_is_refused_with_its_address() {
        let s = platform();
        let text = String::from_utf8(write(&s, None)).unwrap();
        let damaged = text.replace(r#""s":["D.S"]"#, r#""s":["D.S",["x","y"]]"#);
        let err = State::parse(&damaged, "s.json").unwrap_err().to_string();
        assert!(err.contains("schema.s: 2 properties"), "{err}");
        let damaged = text.replace(r#""s":["D.S"]"#, r#""s":[]"#);
        assert!(State::parse(&damaged, "s.json").is_err());
    }
}
