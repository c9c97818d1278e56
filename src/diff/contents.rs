//! What a replaced or dropped database or schema takes with it. Snowflake drops everything inside a
//! container it drops, including objects snowform never managed (a data team's tables): the
//! plan lists them so that a reviewer sees them before apply refuses or runs the change.

use super::{Action, Change};
use crate::kinds::feature_view::{METADATA_TAG, OBJECT_TAG, SNAPSHOT_TABLE};
use crate::model::attr;
use crate::model::{Address, Ident, Kind, Object, ObjectName};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// One object found inside a container that is replaced.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Contained {
    /// What SHOW calls it, or the snowform kind it is recognised as (`feature_view`,
    /// `entity`): `schema`, `table`, `view`, `dynamic_table`, `stage`, `task`, `model`, `tag`.
    pub kind: String,
    pub name: ObjectName,
    /// Recorded in the state (or part of a managed schema's Feature Store layout).
    pub managed: bool,
}

/// What the account holds inside a container, as far as it could be read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Contents {
    Listed {
        objects: Vec<Contained>,
    },
    /// Not read: why (planned without a connection, the container could not be read).
    Unknown {
        why: String,
    },
}

/// Found inside a container by the live read, before anyone says which are managed.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Found {
    pub kind: &'static str,
    pub name: ObjectName,
}

/// Why nothing could be listed offline.
pub(crate) const OFFLINE: &str = "planned without a connection: what it holds in the account is not known (plan with a connection to list it)";

/// The databases and schemas the changes replace or drop, by the name the account has them under
/// now: the ones whose contents must be listed.
pub fn replaced_containers(changes: &[Change]) -> Vec<ObjectName> {
    let mut out: Vec<ObjectName> = changes
        .iter()
        .filter(|c| is_listed(c))
        .filter_map(|c| c.before.as_ref().map(|o| o.name.clone()))
        .collect();
    out.sort();
    out.dedup();
    out
}

fn is_listed(change: &Change) -> bool {
    matches!(change.kind(), Kind::Database | Kind::Schema)
        && matches!(change.action, Action::Replace | Action::Delete)
        && !change.state_only
        && change.before.is_some()
}

/// Attach to each replaced container what it holds: `found` by container name, or why it
/// could not be read (None: offline), each object marked managed when the state records it.
pub(crate) fn attach(
    changes: &mut [Change],
    found: Option<&BTreeMap<ObjectName, Result<Vec<Found>, String>>>,
    recorded: &BTreeMap<Address, Object>,
) {
    let managed: BTreeSet<(&str, &ObjectName)> = recorded
        .values()
        .map(|o| (o.kind().as_str(), &o.name))
        .collect();
    // The Feature Store's own tags and table belong to the schema that holds them.
    let fs_schemas: BTreeSet<&ObjectName> = recorded
        .values()
        .filter(|o| o.kind() == Kind::Schema && o.flag(attr::FEATURE_STORE))
        .map(|o| &o.name)
        .collect();
    let layout = |f: &Found| {
        let Some(schema) = f.name.schema_name() else {
            return false;
        };
        let own = match f.kind {
            "tag" => [OBJECT_TAG, METADATA_TAG].contains(&f.name.name.as_str()),
            "table" => f.name.name == Ident::from_canonical(SNAPSHOT_TABLE),
            _ => false,
        };
        own && fs_schemas.contains(&schema)
    };
    for c in changes.iter_mut().filter(|c| is_listed(c)) {
        let name = c.before.as_ref().expect("listed").name.clone();
        c.drops_with_it = Some(match found {
            None => Contents::Unknown {
                why: OFFLINE.into(),
            },
            Some(f) => match f.get(&name) {
                None => Contents::Unknown {
                    why: format!("{name} was not read from the account"),
                },
                Some(Err(why)) => Contents::Unknown { why: why.clone() },
                Some(Ok(list)) => {
                    let mut objects: Vec<Contained> = list
                        .iter()
                        .map(|f| Contained {
                            kind: f.kind.to_string(),
                            name: f.name.clone(),
                            managed: managed.contains(&(f.kind, &f.name)) || layout(f),
                        })
                        .collect();
                    objects.sort_by(|a, b| (&a.name, &a.kind).cmp(&(&b.name, &b.kind)));
                    Contents::Listed { objects }
                }
            },
        });
    }
}

/// How people read one object a replacement drops.
pub fn line(kind: &str, name: &str, managed: bool) -> String {
    let whose = if managed {
        "managed"
    } else {
        "NOT managed by snowform"
    };
    format!("{kind} {name} ({whose})")
}

/// Why nothing is listed.
pub(crate) fn unknown_line(why: &str) -> String {
    format!("cannot list what it holds: {why}")
}

/// What an empty container says.
pub(crate) const NOTHING: &str = "nothing: it holds no other object";

impl Contents {
    /// One line per object, or why nothing is listed (names unredacted: for messages that
    /// pass through the global redactor).
    pub fn lines(&self) -> Vec<String> {
        match self {
            Contents::Unknown { why } => vec![unknown_line(why)],
            Contents::Listed { objects } if objects.is_empty() => vec![NOTHING.into()],
            Contents::Listed { objects } => objects
                .iter()
                .map(|o| line(&o.kind, &o.name.to_string(), o.managed))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_are_managed_when_recorded_or_the_feature_store_layout_of_a_managed_schema() {
        let id = Ident::from_canonical;
        let schema_name = ObjectName::in_database(id("D"), id("FS"));
        let mut schema = Object::new(Address::new(Kind::Schema, "s"), schema_name.clone());
        schema.set(attr::FEATURE_STORE, true);
        let stage = Object::new(Address::new(Kind::Stage, "st"), schema_name.child(id("ST")));
        let recorded: BTreeMap<Address, Object> = [&schema, &stage]
            .into_iter()
            .map(|o| (o.address.clone(), o.clone()))
            .collect();
        let mut replace = Change::new(schema.address.clone(), Action::Replace);
        replace.before = Some(schema.clone());
        let mut other = Change::new(stage.address.clone(), Action::Replace);
        other.before = Some(stage.clone());
        let mut changes = vec![replace, other];
        assert_eq!(
            replaced_containers(&changes),
            std::slice::from_ref(&schema_name)
        );

        attach(&mut changes, None, &recorded);
        assert_eq!(
            changes[0].drops_with_it,
            Some(Contents::Unknown {
                why: OFFLINE.into()
            })
        );
        assert_eq!(changes[1].drops_with_it, None);

        let found = |kind: &'static str, name: &str| Found {
            kind,
            name: schema_name.child(Ident::from_canonical(name)),
        };
        let listing: BTreeMap<ObjectName, Result<Vec<Found>, String>> = [(
            schema_name.clone(),
            Ok(vec![
                found("stage", "ST"),
                found("table", SNAPSHOT_TABLE),
                found("tag", OBJECT_TAG),
                found("tag", "COST_CENTER"),
                found("table", "CLAIMS"),
                // Same name as the managed stage, another kind: not the managed one.
                found("view", "ST"),
            ]),
        )]
        .into_iter()
        .collect();
        attach(&mut changes, Some(&listing), &recorded);
        let Some(Contents::Listed { objects }) = &changes[0].drops_with_it else {
            panic!("{:?}", changes[0].drops_with_it);
        };
        let got: Vec<String> = objects
            .iter()
            .map(|o| line(&o.kind, &o.name.to_string(), o.managed))
            .collect();
        assert_eq!(
            got,
            [
                "table D.FS.CLAIMS (NOT managed by snowform)",
                "tag D.FS.COST_CENTER (NOT managed by snowform)",
                "tag D.FS.SNOWML_FEATURE_STORE_OBJECT (managed)",
                "table D.FS.SNOWML_SNAPSHOT_STATUS (managed)",
                "stage D.FS.ST (managed)",
                "view D.FS.ST (NOT managed by snowform)",
            ]
        );
    }
}
