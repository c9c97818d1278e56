//! The state document.

use crate::model::{Address, Kind, Object, ObjectName, Value};
use crate::plan::Effect;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const FORMAT_VERSION: u32 = 1;

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
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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
    /// sha256 of kind, name and properties.
    pub digest: String,
}

fn is_default(l: &crate::model::Lifecycle) -> bool {
    *l == crate::model::Lifecycle::default()
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
    #[error("state {path} has format_version {found}; this snowform reads format_version {FORMAT_VERSION}: upgrade snowform")]
    Version { path: String, found: u32 },
    #[error("state kept in Snowflake: {0}")]
    Remote(String),
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
    pub fn from_object(o: &Object) -> Record {
        Record {
            kind: o.kind(),
            name: o.name.to_string(),
            object_name: o.name.clone(),
            properties: o.props.clone(),
            deps: o.deps.iter().cloned().collect(),
            lifecycle: o.lifecycle.clone(),
            digest: o.digest(),
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

    /// Parse state text, checking the format version.
    pub fn parse(text: &str, path: &str) -> Result<State, StateError> {
        #[derive(Deserialize)]
        struct Head {
            format_version: u32,
        }
        let head: Head = serde_json::from_str(text).map_err(|e| StateError::Parse {
            path: path.into(),
            source: e,
        })?;
        if head.format_version != FORMAT_VERSION {
            return Err(StateError::Version {
                path: path.into(),
                found: head.format_version,
            });
        }
        let state: State = serde_json::from_str(text).map_err(|e| StateError::Parse {
            path: path.into(),
            source: e,
        })?;
        if state.serial > MAX_SERIAL {
            return Err(StateError::SerialTooLarge {
                path: path.into(),
                serial: state.serial,
            });
        }
        Ok(state)
    }

    /// Count one more write; an error rather than a wrap past [`MAX_SERIAL`].
    pub fn bump_serial(&mut self) -> Result<(), StateError> {
        self.serial = self
            .serial
            .checked_add(1)
            .filter(|s| *s <= MAX_SERIAL)
            .ok_or(StateError::SerialExhausted)?;
        Ok(())
    }

    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("state serialises");
        s.push('\n');
        s
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
    pub fn effect_result(&self, effect: &Effect) -> Option<(Address, Object)> {
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
            if let Some(Value::List(after)) = o.props.get("after") {
                let renamed_after: Vec<Value> = after
                    .iter()
                    .map(|v| match v.as_str().map(ObjectName::parse_qualified) {
                        Some(Ok(n)) if inside(&n) => Value::from(moved(&n).to_sql()),
                        _ => v.clone(),
                    })
                    .collect();
                o.props.insert("after".into(), Value::List(renamed_after));
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
