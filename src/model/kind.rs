//! The kinds of object snowform manages. What each kind is lives in its registry entries:
//! `model::kinds::<kind>` (data), and per layer an exhaustive match over `Kind`.

use super::schema::schema;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Warehouse,
    Database,
    Schema,
    Stage,
    Entity,
    FeatureView,
    Model,
    Task,
    Role,
    Table,
    View,
    Grant,
    RoleGrant,
    DatabaseRole,
    Procedure,
}

/// Where an object lives, which decides the parts of its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Account,
    Database,
    Schema,
}

impl Kind {
    pub const ALL: [Kind; 15] = [
        Kind::Warehouse,
        Kind::Database,
        Kind::Schema,
        Kind::Stage,
        Kind::Entity,
        Kind::FeatureView,
        Kind::Model,
        Kind::Task,
        Kind::Role,
        Kind::Table,
        Kind::View,
        Kind::Grant,
        Kind::RoleGrant,
        Kind::DatabaseRole,
        Kind::Procedure,
    ];

    /// The block type in HCL and the `kind` in JSON output.
    pub fn as_str(self) -> &'static str {
        schema(self).keyword
    }

    pub fn parse(text: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == text)
    }

    pub fn scope(self) -> Scope {
        schema(self).identity.scope()
    }

    /// Whether Snowflake can rename (and move) an object of this kind with ALTER ... RENAME TO.
    pub(crate) fn can_rename(self) -> bool {
        schema(self).can_rename
    }

    /// The words a person reads in messages: "feature view".
    pub(crate) fn noun(self) -> &'static str {
        schema(self).noun
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}
