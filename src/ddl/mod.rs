//! DDL: the statements that carry out one change, per kind. Identifiers and literals go
//! through `crate::sql::quote` only. This module decides no action and no order between
//! objects; it only writes each change's own statements, in the order they must run.

use crate::diff::{Action, AttrChange, Change};
use crate::kinds::statements::{hooks, object_keyword, Replacement};
use crate::model::attr;
use crate::model::Object;

pub(crate) use crate::kinds::model::ddl::natural_cmp;
pub(crate) use crate::kinds::statements::keyword;
pub use crate::kinds::statements::{Applies, Stmt, CREATE, DROP, NAME};

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

#[cfg(test)]
mod tests;
