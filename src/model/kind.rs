//! The kinds of object snowform manages.

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
}

/// Where an object lives, which decides the parts of its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Account,
    Database,
    Schema,
}

impl Kind {
    pub const ALL: [Kind; 8] = [
        Kind::Warehouse,
        Kind::Database,
        Kind::Schema,
        Kind::Stage,
        Kind::Entity,
        Kind::FeatureView,
        Kind::Model,
        Kind::Task,
    ];

    /// The block type in HCL and the `kind` in JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Warehouse => "warehouse",
            Kind::Database => "database",
            Kind::Schema => "schema",
            Kind::Stage => "stage",
            Kind::Entity => "entity",
            Kind::FeatureView => "feature_view",
            Kind::Model => "model",
            Kind::Task => "task",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn scope(self) -> Scope {
        match self {
            Kind::Warehouse | Kind::Database => Scope::Account,
            Kind::Schema => Scope::Database,
            _ => Scope::Schema,
        }
    }

    /// Whether Snowflake can rename (and move) an object of this kind with ALTER ... RENAME TO.
    pub fn can_rename(self) -> bool {
        matches!(
            self,
            Kind::Warehouse | Kind::Database | Kind::Schema | Kind::Stage | Kind::Model
        )
    }

    /// The words a person reads in messages: "feature view".
    pub fn noun(self) -> &'static str {
        match self {
            Kind::FeatureView => "feature view",
            k => k.as_str(),
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
