//! The state document.

use super::stored::StoredName;
use crate::model::attr;
use crate::model::{Address, Kind, Object, ObjectName, Value};
use crate::plan::Effect;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The state file's format. Version 3 (`stored.rs`) keeps one record a line without what
/// the address, the name and the other records give, its properties in columns of its kind;
/// versions 1 and 2 are still read, and written back as 3.
pub const FORMAT_VERSION: u32 = super::stored::VERSION;
/// The oldest format still read.
pub(crate) const OLDEST_FORMAT_VERSION: u32 = 1;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    pub format_version: u32,
    /// Identifies this state's history; a saved plan is only applied to the same lineage.
    pub lineage: String,
    /// Increases with every write.
    pub serial: u64,
    pub workspace: String,
    pub snowform_version: String,
    pub resources: BTreeMap<Address, Record>,
    /// Statements sent, or owed, whose outcome is not recorded yet: added before sending,
    /// removed when recorded. Found non-empty, the last apply stopped before it knew; the
    /// next one settles them from the account (`apply::recover`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub in_progress: Vec<InProgress>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InProgress {
    pub statement: String,
    pub request_id: String,
    pub started_at: String,
    /// What the statement records when it succeeds, so that the next run can record it
    /// if the account shows it took effect (`apply::recover`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effect: Option<Effect>,
    /// Owed once the statement with this request id succeeds (it is entered with that one,
    /// before either is sent); None once it is owed outright.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
}

/// One managed object as last applied.
#[derive(Clone, Debug, Deserialize)]
pub struct Record {
    pub kind: Kind,
    /// The fully qualified name as SHOW prints it.
    pub name: String,
    pub object_name: ObjectName,
    pub properties: BTreeMap<String, crate::model::Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deps: Vec<Address>,
    #[serde(default, skip_serializing_if = "is_default")]
    pub lifecycle: crate::model::Lifecycle,
    /// sha256 of kind, name and properties ([`Record::digest`]).
    pub(super) digest: Digest,
}

/// A record's digest, worked out when first read: a plan never reads it, and working it
/// out for every record (its properties written as JSON, then hashed) was a fifth of
/// turning a 10,000-object state file into records. A file of format 1 gives it, and what
/// it gives is kept.
#[derive(Clone, Debug, Default)]
pub(super) struct Digest(std::sync::OnceLock<String>);

impl<'de> Deserialize<'de> for Digest {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Digest, D::Error> {
        let given = std::sync::OnceLock::new();
        let _ = given.set(String::deserialize(deserializer)?);
        Ok(Digest(given))
    }
}

/// sha256 of the kind, the printed name and the properties, as [`Object::digest`] takes it.
fn digest_of(kind: Kind, name: &str, properties: &BTreeMap<String, Value>) -> String {
    use sha2::{Digest, Sha256};
    let body = serde_json::to_string(&(kind, name, properties)).expect("serialisable");
    hex::encode(Sha256::digest(body.as_bytes()))
}

/// Written as it was when the digest was a field like the others.
impl Serialize for Record {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Written<'r> {
            kind: Kind,
            name: &'r str,
            object_name: &'r ObjectName,
            properties: &'r BTreeMap<String, Value>,
            #[serde(skip_serializing_if = "<[Address]>::is_empty")]
            deps: &'r [Address],
            #[serde(skip_serializing_if = "is_default")]
            lifecycle: &'r crate::model::Lifecycle,
            digest: &'r str,
        }
        Written {
            kind: self.kind,
            name: &self.name,
            object_name: &self.object_name,
            properties: &self.properties,
            deps: &self.deps,
            lifecycle: &self.lifecycle,
            digest: self.digest(),
        }
        .serialize(serializer)
    }
}

/// Equal parts and equal digests, as when the digest was a field like the others.
impl PartialEq for Record {
    fn eq(&self, other: &Record) -> bool {
        self.kind == other.kind
            && self.name == other.name
            && self.object_name == other.object_name
            && self.properties == other.properties
            && self.deps == other.deps
            && self.lifecycle == other.lifecycle
            && self.digest() == other.digest()
    }
}

impl Eq for Record {}

fn is_default(lifecycle: &crate::model::Lifecycle) -> bool {
    *lifecycle == crate::model::Lifecycle::default()
}

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("cannot read state {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot write state {path}: {source}; nothing was recorded, check the directory's permissions and free space")]
    Write {
        path: String,
        source: std::io::Error,
    },
    #[error("state {path} is not valid state JSON ({source}); restore it from version control or a backup, or remove it only if the account holds nothing snowform manages")]
    Parse {
        path: String,
        source: serde_json::Error,
    },
    #[error("state {path} has format_version {found}; this snowform reads format_version {OLDEST_FORMAT_VERSION} to {FORMAT_VERSION}: upgrade snowform")]
    Version { path: String, found: u32 },
    #[error("state kept in Snowflake: {0}")]
    Remote(String),
    #[error("the state journal {path} is damaged at line {line} ({message}); restore the state and its journal from a backup, or move the journal away only if the account holds nothing its later lines record")]
    Journal {
        path: String,
        line: usize,
        message: String,
    },
    #[error("this process no longer holds the state lock of {path} ({now}: it was forced open); nothing was written, so as not to undo what another process changed. Run `snowform plan` to see where things stand")]
    LockLost { path: String, now: String },
    #[error("state {path} has serial {serial}, beyond the largest a state reaches ({MAX_SERIAL}); the file is corrupt or was edited: restore it from version control or a backup")]
    SerialTooLarge { path: String, serial: u64 },
    #[error("the state serial cannot go past {MAX_SERIAL}")]
    SerialExhausted,
}

/// The largest serial a state may have when read: 2^53, the largest integer every JSON
/// reader holds exactly. No state reaches it by writing once per statement, and a run
/// cannot add enough to wrap the 64-bit counter from below it.
pub const MAX_SERIAL: u64 = 1 << 53;

impl Record {
    /// A record of its parts, with the printed name and the digest worked out from them.
    pub fn new(
        kind: Kind,
        object_name: ObjectName,
        properties: BTreeMap<String, Value>,
        deps: Vec<Address>,
        lifecycle: crate::model::Lifecycle,
    ) -> Record {
        Record {
            kind,
            name: object_name.to_string(),
            object_name,
            properties,
            deps,
            lifecycle,
            digest: Digest::default(),
        }
    }

    /// sha256 of kind, name and properties, as [`Object::digest`] computes it.
    pub fn digest(&self) -> &str {
        self.digest
            .0
            .get_or_init(|| digest_of(self.kind, &self.name, &self.properties))
    }

    pub(crate) fn from_object(object: &Object) -> Record {
        Record {
            kind: object.kind(),
            name: object.name.to_string(),
            object_name: object.name.clone(),
            properties: object.props.clone(),
            deps: object.deps.iter().cloned().collect(),
            lifecycle: object.lifecycle.clone(),
            digest: Digest::default(),
        }
    }

    pub fn to_object(&self, address: &Address) -> Object {
        Object {
            address: address.clone(),
            name: self.object_name.clone(),
            props: self.properties.clone(),
            deps: self.deps.iter().cloned().collect(),
            lifecycle: self.lifecycle.clone(),
            span: None,
        }
    }
}

impl State {
    pub fn new(workspace: &str) -> State {
        State {
            format_version: FORMAT_VERSION,
            lineage: uuid::Uuid::new_v4().to_string(),
            serial: 0,
            workspace: workspace.to_string(),
            snowform_version: env!("CARGO_PKG_VERSION").to_string(),
            resources: BTreeMap::new(),
            in_progress: Vec::new(),
        }
    }

    /// Parse state text, checking the format version (and reading the previous one).
    pub fn parse(text: &str, path: &str) -> Result<State, StateError> {
        Self::parse_file(text, path).map(|(s, _)| s)
    }

    /// Parse state text and the id of the journal that continues it, if it names one.
    pub(crate) fn parse_file(
        text: &str,
        path: &str,
    ) -> Result<(State, Option<String>), StateError> {
        #[derive(Deserialize)]
        struct Head {
            format_version: u32,
        }
        let bad = |e| StateError::Parse {
            path: path.into(),
            source: e,
        };
        let head: Head = serde_json::from_str(text).map_err(bad)?;
        let (state, journal) = match head.format_version {
            FORMAT_VERSION => {
                let stored: super::stored::Stored = serde_json::from_str(text).map_err(bad)?;
                stored
                    .into_state()
                    .map_err(|e| bad(<serde_json::Error as serde::de::Error>::custom(e)))?
            }
            2 => {
                let stored: StoredState = serde_json::from_str(text).map_err(bad)?;
                stored
                    .into_state()
                    .map_err(|e| bad(<serde_json::Error as serde::de::Error>::custom(e)))?
            }
            1 => {
                let mut state: State = serde_json::from_str(text).map_err(bad)?;
                state.format_version = FORMAT_VERSION;
                (state, None)
            }
            found => {
                return Err(StateError::Version {
                    path: path.into(),
                    found,
                })
            }
        };
        if state.serial > MAX_SERIAL {
            return Err(StateError::SerialTooLarge {
                path: path.into(),
                serial: state.serial,
            });
        }
        Ok((state, journal))
    }

    /// Count one more write; an error rather than a wrap past [`MAX_SERIAL`].
    pub(crate) fn bump_serial(&mut self) -> Result<(), StateError> {
        self.serial = self
            .serial
            .checked_add(1)
            .filter(|s| *s <= MAX_SERIAL)
            .ok_or(StateError::SerialExhausted)?;
        Ok(())
    }

    /// The state as its file holds it (without naming a journal).
    pub fn to_json(&self) -> String {
        String::from_utf8(self.to_file(None)).expect("JSON text is UTF-8")
    }

    /// The state file's text (format [`FORMAT_VERSION`], see `stored.rs`): one record a
    /// line, so that it stays readable and a change shows as a change of lines. `journal`
    /// names the journal that continues it.
    pub fn to_file(&self, journal: Option<&str>) -> Vec<u8> {
        super::stored::write(self, journal)
    }

    /// The state without its records (the head of the table backend).
    pub(crate) fn clone_without_resources(&self) -> State {
        State {
            format_version: self.format_version,
            lineage: self.lineage.clone(),
            serial: self.serial,
            workspace: self.workspace.clone(),
            snowform_version: self.snowform_version.clone(),
            resources: BTreeMap::new(),
            in_progress: self.in_progress.clone(),
        }
    }

    /// The recorded objects, by address.
    pub fn objects(&self) -> BTreeMap<Address, Object> {
        self.resources
            .iter()
            .map(|(a, r)| (a.clone(), r.to_object(a)))
            .collect()
    }

    /// What `effect` would record: the address it takes the record from and the object
    /// it records there (None when it records no object, or patches one not recorded).
    pub(crate) fn effect_result(&self, effect: &Effect) -> Option<(Address, Object)> {
        match effect {
            Effect::None | Effect::Remove { .. } => None,
            Effect::Put { object } => Some((object.address.clone(), object.clone())),
            Effect::Move { from, object } => Some((from.clone(), object.clone())),
            Effect::Patch {
                from,
                object,
                paths,
            } => {
                let at = from
                    .as_ref()
                    .filter(|f| self.resources.contains_key(*f))
                    .unwrap_or(&object.address);
                let base = self.resources.get(at)?.to_object(at);
                Some((at.clone(), crate::plan::patch(&base, object, paths)))
            }
        }
    }

    /// Record what a statement did.
    pub fn apply_effect(&mut self, effect: &Effect) {
        match effect {
            Effect::None => {}
            Effect::Patch { .. } => {
                if let Some((at, object)) = self.effect_result(effect) {
                    if let Some(old) = self.resources.remove(&at) {
                        self.rename_contents(&old, &object);
                    }
                    self.resources
                        .insert(object.address.clone(), Record::from_object(&object));
                }
            }
            Effect::Put { object } => {
                self.resources
                    .insert(object.address.clone(), Record::from_object(object));
            }
            Effect::Remove { address } => {
                self.resources.remove(address);
            }
            Effect::Move { from, object } => {
                self.resources.remove(from);
                self.resources
                    .insert(object.address.clone(), Record::from_object(object));
            }
        }
    }

    /// A database or schema renamed takes what it holds along: their records name it anew.
    fn rename_contents(&mut self, old: &Record, renamed: &Object) {
        let (from, to) = (&old.object_name, &renamed.name);
        if from == to || !matches!(old.kind, Kind::Database | Kind::Schema) {
            return;
        }
        let inside = |n: &ObjectName| match old.kind {
            Kind::Database => n.database.as_ref() == Some(&from.name),
            _ => n.database == from.database && n.schema.as_ref() == Some(&from.name),
        };
        let moved = |n: &ObjectName| {
            let mut n = n.clone();
            match old.kind {
                Kind::Database => n.database = Some(to.name.clone()),
                _ => {
                    n.database = to.database.clone();
                    n.schema = Some(to.name.clone());
                }
            }
            n
        };
        for (a, r) in self.resources.iter_mut() {
            if a == &renamed.address {
                continue;
            }
            let mut o = r.to_object(a);
            if inside(&o.name) {
                o.name = moved(&o.name);
            }
            // A task's predecessors are named in its record too.
            if let Some(Value::List(after)) = o.props.get(attr::AFTER) {
                let renamed_after: Vec<Value> = after
                    .iter()
                    .map(|v| match v.as_str().map(ObjectName::parse_qualified) {
                        Some(Ok(n)) if inside(&n) => Value::from(moved(&n).to_sql()),
                        _ => v.clone(),
                    })
                    .collect();
                o.props
                    .insert(attr::AFTER.into(), Value::List(renamed_after));
            }
            let updated = Record::from_object(&o);
            if updated != *r {
                *r = updated;
            }
        }
    }

    /// A digest of what state holds, for saved plans to notice a change.
    pub fn digest(&self) -> String {
        use sha2::{Digest, Sha256};
        let body = serde_json::to_string(&self.resources).expect("serialisable");
        hex::encode(Sha256::digest(body.as_bytes()))
    }
}

/// What a saved plan is checked against (`plan` does not know the state).
impl crate::plan::saved::StateVersion for State {
    fn lineage(&self) -> &str {
        &self.lineage
    }

    fn serial(&self) -> u64 {
        self.serial
    }
}

/// A record as format 2 kept it: the kind is the address's, the name is written as SQL
/// (`DB.SCHEMA."Name"`) or as its parts, and the digest is worked out again when read.
#[derive(Deserialize)]
struct StoredRecord {
    name: StoredName,
    #[serde(default)]
    properties: BTreeMap<String, Value>,
    #[serde(default)]
    deps: Vec<Address>,
    #[serde(default)]
    lifecycle: crate::model::Lifecycle,
}

#[derive(Deserialize)]
struct StoredState {
    lineage: String,
    serial: u64,
    workspace: String,
    snowform_version: String,
    #[serde(default)]
    journal: Option<String>,
    resources: BTreeMap<Address, StoredRecord>,
    #[serde(default)]
    in_progress: Vec<InProgress>,
}

impl StoredState {
    fn into_state(self) -> Result<(State, Option<String>), String> {
        let resources = self
            .resources
            .into_iter()
            .map(|(a, r)| {
                let name = match r.name {
                    StoredName::Parts(n) => n,
                    StoredName::Sql(sql) => super::stored::name_from_sql(&sql)
                        .ok_or_else(|| format!("{a}: {sql:?} is not an object name"))?,
                };
                let record = Record::new(a.kind, name, r.properties, r.deps, r.lifecycle);
                Ok((a, record))
            })
            .collect::<Result<_, String>>()?;
        Ok((
            State {
                format_version: FORMAT_VERSION,
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

    fn warehouse() -> Object {
        let mut o = Object::new(
            Address::new(Kind::Warehouse, "w"),
            ObjectName::account(crate::model::Ident::from_canonical("W")),
        );
        o.set(crate::model::attr::COMMENT, "x");
        o
    }

    #[test]
    fn the_digest_worked_out_when_read_is_the_objects_and_is_written_as_a_field() {
        let o = warehouse();
        let made = Record::new(
            o.kind(),
            o.name.clone(),
            o.props.clone(),
            Vec::new(),
            Default::default(),
        );
        let from = Record::from_object(&o);
        assert_eq!(made.digest(), o.digest());
        assert_eq!(from.digest(), o.digest());
        assert_eq!(made, from);
        let written = serde_json::to_value(&made).unwrap();
        assert_eq!(
            written,
            serde_json::json!({
                "kind": "warehouse",
                "name": "W",
                "object_name": {"name": "W"},
                "properties": {"comment": "x"},
                "digest": o.digest(),
            })
        );
        // Read back (format 1 holds every field), the digest given is kept as given.
        let mut given = written;
        given["digest"] = "GIVEN".into();
        let read: Record = serde_json::from_value(given).unwrap();
        assert_eq!(read.digest(), "GIVEN");
        assert_ne!(read, made);
        let mut other = o.clone();
        other.set(crate::model::attr::COMMENT, "y");
        assert_ne!(Record::from_object(&other), made);
    }
}
