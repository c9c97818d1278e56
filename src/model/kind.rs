//! The kinds of object snowform manages. What each kind is lives in its own module, which
//! registers its parts in each layer's registry (`ByKind`): its attribute table here, its
//! statements in `ddl`, its SHOW families and row decoder in `live`.

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
    User,
}

/// Where an object lives, which decides the parts of its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Account,
    Database,
    Schema,
}

impl Kind {
    /// How many kinds there are: the size of every registry.
    pub const COUNT: usize = 16;

    /// Every kind, in declaration order (`kind as usize` is its place here).
    pub const ALL: [Kind; Kind::COUNT] = [
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
        Kind::User,
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

/// A layer's registry, indexed: one entry per kind, taken from the entries the kinds' modules
/// register (a `linkme` distributed slice). Built once; a kind with no entry, or with two,
/// stops the program at once with a message naming it, and `every_registry_has_one_entry_per_kind`
/// tests run every registry's index.
pub(crate) struct ByKind<T: 'static>([&'static T; Kind::COUNT]);

impl<T> ByKind<T> {
    /// `part` names the entry in the message (`"attribute table (model)"`).
    pub(crate) fn index(entries: &'static [T], kind_of: fn(&T) -> Kind, part: &str) -> ByKind<T> {
        let mut slots: [Option<&'static T>; Kind::COUNT] = [None; Kind::COUNT];
        for entry in entries {
            // Debug, not `as_str`: the keyword comes from the model's registry, which may be
            // the one being built.
            let kind = kind_of(entry);
            assert!(
                slots[kind as usize].replace(entry).is_none(),
                "the kind {kind:?} registers two entries of its {part}: keep one"
            );
        }
        ByKind(std::array::from_fn(|at| {
            slots[at].unwrap_or_else(|| {
                panic!(
                    "the kind {:?} registers no {part}: add one to its module with #[distributed_slice]",
                    Kind::ALL[at]
                )
            })
        }))
    }

    pub(crate) fn get(&self, kind: Kind) -> &'static T {
        self.0[kind as usize]
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `ByKind` indexes by `kind as usize`: `ALL` must be the declaration order.
    #[test]
    fn all_lists_the_kinds_in_declaration_order() {
        for (at, kind) in Kind::ALL.into_iter().enumerate() {
            assert_eq!(kind as usize, at, "{kind:?}");
        }
    }

    #[test]
    #[should_panic(expected = "the kind Database registers no part")]
    fn a_registry_missing_a_kind_names_it() {
        static ONE: [Kind; 1] = [Kind::Warehouse];
        ByKind::index(&ONE, |k| *k, "part");
    }
}
