//! Why a change is what it is. Passes decide on the kind of a reason ([`Why`]), never on its
//! text; the text is what people read, and what a saved plan holds.

use crate::model::{Address, Kind, ObjectName};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// What a reason says, with what it names. Its `Display` is the text plans print.
#[derive(Clone, Debug)]
pub enum Why {
    /// A recorded object the account no longer has, created again.
    DeletedOutside {
        kind: Kind,
        name: ObjectName,
    },
    /// Nothing to run: only its record follows its database or schema's new name.
    MovesWithRenamedContainer {
        recorded_as: ObjectName,
    },
    /// The account already is as configured; only the state records it.
    RecordOnly,
    /// The configuration moved it from this state address.
    MovedFrom {
        from: Address,
    },
    NoLongerConfigured,
    /// A privilege a declared role holds inside what the configuration manages, which no
    /// grant declares: the role's grants there are the configuration's.
    UndeclaredPrivilege {
        grantee: String,
    },
    /// A `removed` block with `destroy = false`: only the state forgets it.
    Forgotten,
    /// Adopted from the account by an `import` block.
    Imported {
        name: ObjectName,
    },
    /// Recorded, gone from the account: only the state forgets it.
    AlreadyGone {
        kind: Kind,
        name: ObjectName,
    },
    /// A schema's retention, which it may only have inherited, is set on it.
    RetentionSetOnSchema {
        because: RetentionCause,
    },
    /// Deleted, and dropped by the drop or replacement of its container.
    DroppedWithContainer {
        container: Address,
    },
    /// Inside a replaced container, so created again in the new one.
    RecreatedInReplacedContainer {
        container: Address,
        address: Address,
    },
    /// Moved out by being created elsewhere: the old one goes with its container.
    OldDroppedWithContainer {
        container: Address,
    },
    Renamed {
        from: ObjectName,
        to: ObjectName,
    },
    /// A kind Snowflake cannot rename: why it is replaced instead, as `diff` words it
    /// for that kind.
    CannotRename {
        text: String,
    },
    /// An attribute Snowflake cannot ALTER: it is replaced.
    AttrNeedsReplace {
        attr: String,
        why: &'static str,
    },
    /// A model version whose files change: dropped and added again.
    VersionSourceChanged {
        versions: &'static str,
        version: String,
    },
    /// A model version no longer configured: dropped.
    VersionDropped {
        versions: &'static str,
        version: String,
    },
    /// A task suspended while the other tasks of its graph change.
    SuspendedForGraph {
        others: Vec<String>,
    },
    /// The user asked for it (`--replace ADDRESS`).
    ReplaceRequested,
    /// A reason read back from a saved plan: only its text is known, and nothing is
    /// decided on it (a saved plan's changes are planned, never diffed again).
    Read,
}

/// Why a schema's retention is set on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetentionCause {
    MovesToAnotherDatabase,
    DatabaseRetentionChanges,
}

/// The text of [`Why::RecordOnly`].
pub(crate) const RECORD_ONLY: &str =
    "the account already matches the configuration; only the state records it";

pub(super) const RETENTION: &str = "data_retention_time_in_days";

impl std::fmt::Display for Why {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Why::DeletedOutside { kind, name } => write!(
                formatter,
                "{} {name} was deleted outside snowform; it is created again",
                kind.noun()
            ),
            Why::MovesWithRenamedContainer { recorded_as } => write!(
                formatter,
                "moves with its renamed container (recorded as {recorded_as})"
            ),
            Why::RecordOnly => formatter.write_str(RECORD_ONLY),
            Why::MovedFrom { from } => write!(formatter, "moved from {from}"),
            Why::NoLongerConfigured => formatter.write_str("no longer in the configuration"),
            Why::UndeclaredPrivilege { grantee } => write!(
                formatter,
                "{grantee} is declared, and no grant of the configuration gives it this; snowform revokes it"
            ),
            Why::Forgotten => formatter.write_str(
                "a removed block with destroy = false: snowform forgets it, the account keeps it",
            ),
            Why::Imported { name } => write!(
                formatter,
                "imported: {name} is adopted from the account (recorded, no statement run for that)"
            ),
            Why::AlreadyGone { kind, name } => write!(
                formatter,
                "{} {name} is already gone from the account; snowform forgets it",
                kind.noun()
            ),
            Why::RetentionSetOnSchema { because } => write!(
                formatter,
                "{RETENTION} is set on the schema, which may only have inherited it: {}",
                match because {
                    RetentionCause::MovesToAnotherDatabase => "it moves to another database",
                    RetentionCause::DatabaseRetentionChanges => "its database's retention changes",
                }
            ),
            Why::DroppedWithContainer { container } => write!(formatter, "dropped with {container}"),
            Why::RecreatedInReplacedContainer { container, address } => write!(
                formatter,
                "{container} is replaced, which drops everything in it; {address} is created again"
            ),
            Why::OldDroppedWithContainer { container } => write!(
                formatter,
                "the old one is dropped with {container}, which is replaced or dropped"
            ),
            Why::Renamed { from, to } => write!(formatter, "renamed from {from} to {to}"),
            Why::CannotRename { text } => formatter.write_str(text),
            Why::AttrNeedsReplace { attr, why } => write!(formatter, "{attr}: {why}"),
            Why::VersionSourceChanged { versions, version } => write!(
                formatter,
                "{versions}.{version}.source: a version's files cannot change in place; version {version} is dropped and added again"
            ),
            Why::VersionDropped { versions, version } => write!(
                formatter,
                "{versions}.{version}: version {version} is dropped; its files and functions are gone"
            ),
            Why::SuspendedForGraph { others } => write!(
                formatter,
                "suspended while {} change{}: Snowflake changes a task graph only while its root is suspended",
                others.join(", "),
                if others.len() == 1 { "s" } else { "" }
            ),
            Why::ReplaceRequested => formatter.write_str("replacement requested with --replace"),
            // Its text is all there is.
            Why::Read => Ok(()),
        }
    }
}

/// One reason of a change: what it says ([`Reason::why`]), and its text, made once.
/// Reasons are equal when their texts are: a plan read back from a file is the plan that
/// was written.
#[derive(Clone, Debug)]
pub struct Reason {
    why: Why,
    text: String,
}

impl Reason {
    pub fn why(&self) -> &Why {
        &self.why
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl From<Why> for Reason {
    fn from(why: Why) -> Reason {
        Reason {
            text: why.to_string(),
            why,
        }
    }
}

impl std::ops::Deref for Reason {
    type Target = str;

    fn deref(&self) -> &str {
        &self.text
    }
}

impl std::borrow::Borrow<str> for Reason {
    fn borrow(&self) -> &str {
        &self.text
    }
}

impl std::fmt::Display for Reason {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(&self.text)
    }
}

impl PartialEq for Reason {
    fn eq(&self, other: &Reason) -> bool {
        self.text == other.text
    }
}

impl Eq for Reason {}

impl PartialEq<str> for Reason {
    fn eq(&self, other: &str) -> bool {
        self.text == other
    }
}

/// A saved plan holds the text (format 2, as before reasons were typed).
impl Serialize for Reason {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for Reason {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Reason, D::Error> {
        Ok(Reason {
            why: Why::Read,
            text: String::deserialize(deserializer)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Ident;

    fn name(text: &str) -> ObjectName {
        ObjectName::account(Ident::from_canonical(text))
    }

    /// Each kind of reason prints the text plans printed when reasons were strings.
    #[test]
    fn each_reason_reads_as_before() {
        let w = Address::new(Kind::Warehouse, "w");
        let d = Address::new(Kind::Database, "d");
        let cases: Vec<(Why, &str)> = vec![
            (
                Why::DeletedOutside { kind: Kind::Warehouse, name: name("W") },
                "warehouse W was deleted outside snowform; it is created again",
            ),
            (
                Why::MovesWithRenamedContainer { recorded_as: name("OLD") },
                "moves with its renamed container (recorded as OLD)",
            ),
            (Why::RecordOnly, RECORD_ONLY),
            (Why::MovedFrom { from: w.clone() }, "moved from warehouse.w"),
            (Why::NoLongerConfigured, "no longer in the configuration"),
            (
                Why::UndeclaredPrivilege { grantee: "ROLE R".into() },
                "ROLE R is declared, and no grant of the configuration gives it this; snowform revokes it",
            ),
            (
                Why::Forgotten,
                "a removed block with destroy = false: snowform forgets it, the account keeps it",
            ),
            (
                Why::Imported { name: name("W") },
                "imported: W is adopted from the account (recorded, no statement run for that)",
            ),
            (
                Why::AlreadyGone { kind: Kind::Database, name: name("D") },
                "database D is already gone from the account; snowform forgets it",
            ),
            (
                Why::RetentionSetOnSchema { because: RetentionCause::MovesToAnotherDatabase },
                "data_retention_time_in_days is set on the schema, which may only have inherited it: it moves to another database",
            ),
            (
                Why::RetentionSetOnSchema { because: RetentionCause::DatabaseRetentionChanges },
                "data_retention_time_in_days is set on the schema, which may only have inherited it: its database's retention changes",
            ),
            (Why::DroppedWithContainer { container: d.clone() }, "dropped with database.d"),
            (
                Why::RecreatedInReplacedContainer { container: d.clone(), address: w.clone() },
                "database.d is replaced, which drops everything in it; warehouse.w is created again",
            ),
            (
                Why::OldDroppedWithContainer { container: d.clone() },
                "the old one is dropped with database.d, which is replaced or dropped",
            ),
            (Why::Renamed { from: name("A"), to: name("B") }, "renamed from A to B"),
            (Why::AttrNeedsReplace { attr: "transient".into(), why: "cannot ALTER" }, "transient: cannot ALTER"),
            (
                Why::VersionSourceChanged { versions: "versions", version: "V1".into() },
                "versions.V1.source: a version's files cannot change in place; version V1 is dropped and added again",
            ),
            (
                Why::VersionDropped { versions: "versions", version: "V1".into() },
                "versions.V1: version V1 is dropped; its files and functions are gone",
            ),
            (
                Why::SuspendedForGraph { others: vec!["task.a".into()] },
                "suspended while task.a changes: Snowflake changes a task graph only while its root is suspended",
            ),
            (
                Why::SuspendedForGraph { others: vec!["task.a".into(), "task.b".into()] },
                "suspended while task.a, task.b change: Snowflake changes a task graph only while its root is suspended",
            ),
        ];
        for (why, text) in cases {
            assert_eq!(Reason::from(why).as_str(), text);
        }
    }

    /// A saved plan holds a reason's text, and reads back equal to it.
    #[test]
    fn a_reason_is_saved_as_its_text() {
        let r = Reason::from(Why::NoLongerConfigured);
        let json = serde_json::to_string(&r).unwrap();
        assert_eq!(json, "\"no longer in the configuration\"");
        let back: Reason = serde_json::from_str(&json).unwrap();
        assert_eq!(back, r);
        assert!(matches!(back.why(), Why::Read));
    }
}
