//! DDL: the statements that carry out one change, per kind. Identifiers and literals go
//! through `crate::sql::quote` only. This module decides no action and no order between
//! objects; it only writes each change's own statements, in the order they must run.

mod database;
mod database_role;
mod entity;
mod feature_view;
mod grant;
mod model;
mod procedure;
mod props;
mod role;
mod role_grant;
mod schema;
mod stage;
mod table;
pub mod task;
mod view;
mod warehouse;

use crate::diff::{Action, AttrChange, Change};
use crate::model::attr;
use crate::model::{ByKind, Kind, Object};
use std::sync::OnceLock;

pub(crate) use model::natural_cmp;

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

    fn cleanup(mut self) -> Stmt {
        self.cleanup = true;
        self
    }
}

/// The statements of one change, in order. Task graph suspend/resume and the `enabled`
/// state of tasks are added by `plan`, which sees whole graphs. An object with an `owner`
/// that this change creates (or creates again), or whose owner changes, ends with the
/// ownership transfer (before the cleanup of a replacement, which waits for everything).
pub fn statements(change: &Change) -> Vec<Stmt> {
    let mut out = own_statements(change);
    if change.state_only {
        return out;
    }
    let Some(a) = change.after.as_ref() else {
        return out;
    };
    let created = out.iter().any(|s| s.does(&CREATE));
    let changed = change.attrs.iter().any(|c| c.name == attr::OWNER);
    if created || changed {
        if let Some(transfer) = ownership(a) {
            let at = out.iter().position(|s| s.cleanup).unwrap_or(out.len());
            out.insert(at, transfer);
        }
    }
    out
}

/// `GRANT OWNERSHIP ON <KIND> <name> TO ROLE <r> COPY CURRENT GRANTS`, when `owner` is set:
/// the object keeps the privileges granted on it (the deploy role's among them), and the
/// plan runs it after every other statement, since the deploy role may lose the right to
/// alter the object once it no longer owns it.
fn ownership(object: &Object) -> Option<Stmt> {
    let role = object.owner()?;
    let kw = object_keyword(object);
    Some(Stmt::new(
        format!(
            "GRANT OWNERSHIP ON {kw} {} TO ROLE {} COPY CURRENT GRANTS",
            object.name.to_sql(),
            crate::sql::quote_ident(role)
        ),
        &[attr::OWNER],
    ))
}

fn own_statements(change: &Change) -> Vec<Stmt> {
    if change.state_only {
        return vec![Stmt::state_only(if change.action == Action::Delete {
            &[DROP]
        } else {
            &[]
        })];
    }
    let after = change.after.as_ref();
    let before = change.before.as_ref();
    match (change.action, before, after) {
        (Action::Create, _, Some(a)) => create(a),
        (Action::Delete, Some(b), _) => drop(b),
        (Action::Replace, b, Some(a)) if change.with_container.is_some() => {
            // Its container replaced in place took it: the record goes as soon as the
            // container's statements ran, so a create that fails leaves none. (One
            // whose container is renamed stays in the old container until that is dropped.)
            let in_place = b.is_some_and(|b| {
                b.name.database == a.name.database && b.name.schema == a.name.schema
            });
            let mut out = Vec::new();
            if in_place {
                out.push(Stmt::state_only(&[DROP]));
            }
            out.extend(create(a));
            out
        }
        // Asked for: a kind that changes everything in place is dropped and created.
        (Action::Replace, Some(b), Some(a))
            if change.replace_requested
                && b.name == a.name
                && matches!(hooks(a.kind()).replace, Replacement::Alter) =>
        {
            let mut out = drop(b);
            out.extend(create(a));
            out
        }
        (Action::Replace, Some(b), Some(a)) => replace(b, a, &change.attrs),
        (Action::Update, Some(b), Some(a)) => {
            let mut out = Vec::new();
            if b.name != a.name {
                out.push(rename(b, a));
            }
            out.extend(update(b, a, &change.attrs));
            if out.is_empty() && change.moved_from.is_some() {
                out.push(Stmt::state_only(&[]));
            }
            // An imported object is recorded first, as the account has it, so that the
            // statements after record their changes on it.
            if change.imported && !out.is_empty() {
                out.insert(0, Stmt::state_only(&[]));
            }
            out
        }
        _ => Vec::new(),
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
fn changed(attrs: &[AttrChange]) -> Vec<&str> {
    attrs
        .iter()
        .map(|c| c.name.as_str())
        .filter(|n| *n != "name")
        .collect()
}

/// `DROP <KEYWORD> <name>`: every kind's drop but a feature view's.
fn drop_named(object: &Object) -> Vec<Stmt> {
    vec![Stmt::new(
        format!("DROP {} {}", keyword(object.kind()), object.name.to_sql()),
        &[DROP],
    )]
}

pub fn create(object: &Object) -> Vec<Stmt> {
    (hooks(object.kind()).create)(object)
}

pub fn drop(object: &Object) -> Vec<Stmt> {
    (hooks(object.kind()).drop)(object)
}

fn rename(before: &Object, after: &Object) -> Stmt {
    Stmt::new(
        format!(
            "ALTER {} {} RENAME TO {}",
            keyword(after.kind()),
            before.name.to_sql(),
            after.name.to_sql()
        ),
        &[NAME],
    )
}

/// Replace: in place with CREATE OR REPLACE where the name stays; otherwise create the new
/// object now and drop the old one once everything points at the new one.
fn replace(before: &Object, after: &Object, attrs: &[AttrChange]) -> Vec<Stmt> {
    if before.name != after.name {
        let mut out = create(after);
        out.extend(drop(before).into_iter().map(|s| {
            Stmt {
                applies: vec![],
                ..s
            }
            .cleanup()
        }));
        return out;
    }
    match hooks(after.kind()).replace {
        Replacement::CreateOrReplace(f) => f(after),
        Replacement::Own(f) => f(before, after),
        Replacement::Alter => update(before, after, attrs),
    }
}

fn update(before: &Object, after: &Object, attrs: &[AttrChange]) -> Vec<Stmt> {
    (hooks(after.kind()).update)(before, after, attrs)
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
mod tests;

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
