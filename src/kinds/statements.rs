//! The vocabulary of statements every kind writes its DDL in: a statement and what it
//! brings about (`Stmt`, `Applies`), and the ddl entry a kind registers (`KindDdl`), which
//! `ddl` reaches through `hooks` to write one change's statements.

use crate::model::attr;
use crate::model::{AttrChange, ByKind, Kind, Object};
use std::sync::OnceLock;

/// What a statement brings about, for the record it leaves when it succeeds. Typed, so
/// that no attribute path can be taken for a mark and no decision reads a spelling.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Applies {
    /// Creates the object.
    Create,
    /// Drops the object.
    Drop,
    /// Renames (or moves) the object to its configured name.
    Name,
    /// Suspends a task for the time of a change: the record says so until the statement
    /// that resumes it succeeds (added by `plan`, which sees whole task graphs).
    Suspended,
    /// Brings an attribute path (`size`, `versions.V2`, `versions.V1.alias`) to its
    /// desired value.
    Attr(String),
}

impl Applies {
    /// The attribute path, when this is one.
    pub fn attr(&self) -> Option<&str> {
        match self {
            Applies::Attr(p) => Some(p),
            _ => None,
        }
    }
}

impl From<&str> for Applies {
    fn from(path: &str) -> Applies {
        Applies::Attr(path.to_string())
    }
}

impl From<String> for Applies {
    fn from(path: String) -> Applies {
        Applies::Attr(path)
    }
}

pub const CREATE: Applies = Applies::Create;
pub const DROP: Applies = Applies::Drop;
pub const NAME: Applies = Applies::Name;
/// What [`Stmt::new`] takes: attribute paths (`&[attr::SIZE]`, or `&[]` for a statement that
/// brings about nothing snowform records, such as a tag created if missing) or one mark
/// (`&[CREATE]`).
pub struct Brings(Vec<Applies>);

impl<const N: usize> From<&[&str; N]> for Brings {
    fn from(paths: &[&str; N]) -> Brings {
        Brings(paths.iter().map(|p| Applies::from(*p)).collect())
    }
}

impl From<&[Applies; 1]> for Brings {
    fn from(mark: &[Applies; 1]) -> Brings {
        Brings(mark.to_vec())
    }
}

/// One statement and what it brings about. `sql` is None for a step that only changes
/// state (an object dropped with its container, or moved to a new address).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stmt {
    pub sql: Option<String>,
    /// What the statement brings about: attribute paths and marks ([`Applies`]).
    pub applies: Vec<Applies>,
    /// Runs after every other change: dropping the old object of a replacement that
    /// created its successor under a new name, once everything points at the new one.
    pub cleanup: bool,
    /// Values the statement leaves that are not the desired ones (a refresh task is
    /// created suspended): recorded when it succeeds, until a later statement applies
    /// the desired value.
    pub leaves: Vec<(String, crate::model::Value)>,
}

impl Stmt {
    /// A statement bringing about `applies`: marks ([`CREATE`]) or attribute paths.
    pub fn new(sql: impl Into<String>, applies: impl Into<Brings>) -> Stmt {
        Stmt {
            sql: Some(sql.into()),
            applies: applies.into().0,
            cleanup: false,
            leaves: Vec::new(),
        }
    }

    pub fn applying(sql: impl Into<String>, applies: Vec<String>) -> Stmt {
        Stmt {
            sql: Some(sql.into()),
            applies: applies.into_iter().map(Applies::Attr).collect(),
            cleanup: false,
            leaves: Vec::new(),
        }
    }

    pub(crate) fn state_only(applies: &[Applies]) -> Stmt {
        Stmt {
            sql: None,
            applies: applies.to_vec(),
            cleanup: false,
            leaves: Vec::new(),
        }
    }

    /// Whether it brings `what` about.
    pub fn does(&self, what: &Applies) -> bool {
        self.applies.contains(what)
    }

    /// Whether it moves the object's ownership (`owner`): the plan runs it last.
    pub(crate) fn transfers_ownership(&self) -> bool {
        self.attrs().any(|p| p == attr::OWNER)
    }

    /// The attribute paths it brings to their desired values.
    pub fn attrs(&self) -> impl Iterator<Item = &str> {
        self.applies.iter().filter_map(Applies::attr)
    }

    /// Records `value` at `path` when it succeeds (see `leaves`).
    pub(crate) fn leaving(mut self, path: &str, value: impl Into<crate::model::Value>) -> Stmt {
        self.leaves.push((path.to_string(), value.into()));
        self
    }

    pub(crate) fn cleanup(mut self) -> Stmt {
        self.cleanup = true;
        self
    }
}

/// The ddl layer's entry of a kind in the registry: its object type keyword and the
/// writers of its statements. One per kind, registered in `KINDS` by the kind's module and
/// reached through `hooks`; the SQL lives here, never in the model's entry.
pub(crate) struct KindDdl {
    pub(crate) kind: Kind,
    /// The object type keyword in CREATE / ALTER / DROP (`DYNAMIC TABLE`).
    pub(crate) keyword: &'static str,
    /// The keyword of one object, where it depends on the object (a feature view is a
    /// DYNAMIC TABLE or a VIEW); `keyword` otherwise.
    pub(crate) keyword_of: Option<fn(&Object) -> &'static str>,
    /// The privilege creating one takes, on its container (the account, its database or its
    /// schema, as its scope says): `privileges::needed` asks the deploy role for it.
    pub(crate) create_privilege: fn(&Object) -> Option<&'static str>,
    pub create: fn(&Object) -> Vec<Stmt>,
    /// Replacing an object under the same name.
    pub replace: Replacement,
    /// ALTER for the changed attributes (the name aside: a rename is `rename`'s), given the
    /// object before and after.
    pub update: fn(&Object, &Object, &[AttrChange]) -> Vec<Stmt>,
    pub drop: fn(&Object) -> Vec<Stmt>,
}

/// How a kind replaces an object that keeps its name.
pub(crate) enum Replacement {
    /// CREATE OR REPLACE.
    CreateOrReplace(fn(&Object) -> Vec<Stmt>),
    /// Statements of its own (a feature view that changes object type drops and creates).
    Own(fn(&Object, &Object) -> Vec<Stmt>),
    /// The kind can ALTER everything but its name: the replacement is an update.
    Alter,
}

/// The ddl layer's registry: each kind's module registers its `KindDdl` here.
#[linkme::distributed_slice]
pub(crate) static KINDS: [KindDdl];

pub(crate) fn hooks(kind: Kind) -> &'static KindDdl {
    static BY_KIND: OnceLock<ByKind<KindDdl>> = OnceLock::new();
    BY_KIND
        .get_or_init(|| ByKind::index(&KINDS, |d| d.kind, "statements (ddl)"))
        .get(kind)
}

/// The names of the changed attributes, the name aside.
pub(crate) fn changed(attrs: &[AttrChange]) -> Vec<&str> {
    attrs
        .iter()
        .map(|c| c.name.as_str())
        .filter(|n| *n != "name")
        .collect()
}

/// `DROP <KEYWORD> <name>`: every kind's drop but a feature view's.
pub(crate) fn drop_named(object: &Object) -> Vec<Stmt> {
    vec![Stmt::new(
        format!("DROP {} {}", keyword(object.kind()), object.name.to_sql()),
        &[DROP],
    )]
}

/// The object type keyword of a kind in CREATE / ALTER / DROP.
pub(crate) fn keyword(kind: Kind) -> &'static str {
    hooks(kind).keyword
}

/// The object type keyword of one object (a feature view's depends on what it is).
pub(crate) fn object_keyword(object: &Object) -> &'static str {
    let hooks = hooks(object.kind());
    hooks.keyword_of.map_or(hooks.keyword, |of| of(object))
}

#[cfg(test)]
mod applies_tests {
    use super::*;

    #[test]
    fn marks_are_typed_and_no_path_is_taken_for_one() {
        let create = Stmt::new("CREATE X", &[CREATE]);
        assert!(create.does(&Applies::Create));
        assert_eq!(create.attrs().count(), 0);
        // A path spelled like the string marks of old is a path.
        let odd = Stmt::new("ALTER X", &["@create", "size"]);
        assert!(!odd.does(&Applies::Create));
        assert_eq!(odd.attrs().collect::<Vec<_>>(), ["@create", "size"]);
        assert!(Stmt::new("CREATE TAG IF NOT EXISTS T", &[])
            .applies
            .is_empty());
        assert_eq!(Stmt::state_only(&[DROP]).applies, [Applies::Drop]);
    }
}
