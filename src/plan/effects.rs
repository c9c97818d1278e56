//! The state after each statement of a change: what `apply` records when the statement
//! succeeds, so a failure part way leaves state holding exactly what ran.

use super::Effect;
use crate::ddl::{Stmt, CREATE, DROP, NAME};

/// Marks a task's suspension for the time of a change: the record says it is suspended
/// until the statement that resumes it succeeds.
pub const SUSPENDED: &str = "@suspended";
use crate::diff::{Action, Change};
use crate::model::{Object, Value};

/// Set `path` (`size`, `versions.V2.alias`) in `target` to its value in `source`, or
/// remove it where `source` has none. Empty maps left behind are removed.
pub fn set_path(target: &mut Object, source: &Object, path: &str) {
    let parts: Vec<&str> = path.split('.').collect();
    let value = lookup(&source.props, &parts);
    match value {
        Some(v) => insert(&mut target.props, &parts, v),
        None => remove(&mut target.props, &parts),
    }
}

fn lookup(map: &std::collections::BTreeMap<String, Value>, parts: &[&str]) -> Option<Value> {
    let v = map.get(parts[0])?;
    if parts.len() == 1 {
        return Some(v.clone());
    }
    lookup(v.as_map()?, &parts[1..])
}

fn insert(map: &mut std::collections::BTreeMap<String, Value>, parts: &[&str], v: Value) {
    if parts.len() == 1 {
        map.insert(parts[0].to_string(), v);
        return;
    }
    let entry = map
        .entry(parts[0].to_string())
        .or_insert_with(|| Value::Map(Default::default()));
    if !matches!(entry, Value::Map(_)) {
        *entry = Value::Map(Default::default());
    }
    if let Value::Map(m) = entry {
        insert(m, &parts[1..], v);
    }
}

fn remove(map: &mut std::collections::BTreeMap<String, Value>, parts: &[&str]) {
    if parts.len() == 1 {
        map.remove(parts[0]);
        return;
    }
    if let Some(Value::Map(m)) = map.get_mut(parts[0]) {
        remove(m, &parts[1..]);
        if m.is_empty() {
            map.remove(parts[0]);
        }
    }
}

/// One effect per statement of `prefix`, `own` and `suffix`, in that order.
pub fn snapshots(change: &Change, prefix: &[Stmt], own: &[Stmt], suffix: &[Stmt]) -> Vec<Effect> {
    let all: Vec<&Stmt> = prefix.iter().chain(own).chain(suffix).collect();
    let mut out = Vec::with_capacity(all.len());
    let desired = change.after.as_ref();
    let fresh = matches!(change.action, Action::Create)
        || (change.action == Action::Replace && change.with_container.is_some());
    // What the record holds as statements succeed: nothing yet for a new object.
    let mut current: Option<Object> = if fresh {
        None
    } else {
        change.before.clone().map(|mut b| {
            b.address = change.address.clone();
            if let Some(d) = desired {
                b.deps = d.deps.clone();
                b.lifecycle = d.lifecycle.clone();
            }
            b
        })
    };
    let last = all.len().saturating_sub(1);
    for (i, stmt) in all.iter().enumerate() {
        if stmt.applies.iter().any(|p| p == DROP) {
            out.push(Effect::Remove {
                address: change.address.clone(),
            });
            current = None;
            continue;
        }
        let Some(d) = desired else {
            out.push(Effect::None);
            continue;
        };
        if stmt.applies.iter().any(|p| p == CREATE) {
            let mut snap = d.clone();
            for later in &all[i + 1..] {
                for p in later.applies.iter().filter(|p| !p.starts_with('@')) {
                    if let Some(before) = change.before.as_ref().filter(|_| !fresh) {
                        set_path(&mut snap, before, p);
                    } else {
                        remove_path(&mut snap, p);
                    }
                }
            }
            current = Some(snap);
        }
        if let Some(cur) = current.as_mut() {
            if stmt.applies.iter().any(|p| p == NAME) {
                cur.name = d.name.clone();
            }
            if stmt.applies.iter().any(|p| p == SUSPENDED) {
                cur.set("enabled", false);
            }
            for p in stmt.applies.iter().filter(|p| !p.starts_with('@')) {
                set_path(cur, d, p);
            }
        }
        // After the last statement the record is exactly what the configuration wants.
        if i == last {
            current = Some(d.clone());
        }
        out.push(match (&current, &change.moved_from) {
            (Some(o), Some(from)) => Effect::Move {
                from: from.clone(),
                object: o.clone(),
            },
            (Some(o), None) => Effect::Put { object: o.clone() },
            (None, _) => Effect::None,
        });
    }
    out
}

fn remove_path(o: &mut Object, path: &str) {
    let parts: Vec<&str> = path.split('.').collect();
    remove(&mut o.props, &parts);
}
