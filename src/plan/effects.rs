//! What each statement of a change records when it succeeds, so a failure part way leaves
//! state holding exactly what ran. A CREATE records the object as it creates it; any other
//! statement records only the attributes it changes (`Effect::Patch`), so a statement that
//! runs after another failed (the resume of a task graph) does not record the failed one.

use super::Effect;
use crate::ddl::{Applies, Stmt};
use crate::diff::{Action, Change};
use crate::model::attr;
use crate::model::{Object, Value};

/// Set `path` (`size`, `versions.V2.alias`) in `target` to its value in `source`, or
/// remove it where `source` has none. Empty maps left behind are removed.
pub(crate) fn set_path(target: &mut Object, source: &Object, path: &str) {
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

fn insert(map: &mut std::collections::BTreeMap<String, Value>, parts: &[&str], value: Value) {
    if parts.len() == 1 {
        map.insert(parts[0].to_string(), value);
        return;
    }
    let entry = map
        .entry(parts[0].to_string())
        .or_insert_with(|| Value::Map(Default::default()));
    if !matches!(entry, Value::Map(_)) {
        *entry = Value::Map(Default::default());
    }
    if let Value::Map(m) = entry {
        insert(m, &parts[1..], value);
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

/// The attribute paths a patch sets, besides property paths: the object's name.
pub(crate) const PATCH_NAME: &str = "@name";

/// `base` with what a patch changes: the paths from `object` (a path `object` lacks is
/// removed), the name when the paths hold [`PATCH_NAME`], and the address, dependencies
/// and lifecycle, which are the configuration's and no statement's.
pub(crate) fn patch(base: &Object, object: &Object, paths: &[String]) -> Object {
    patch_owned(base.clone(), object, paths)
}

/// [`patch`] on a base the caller gives up: no copy of it.
fn patch_owned(base: Object, object: &Object, paths: &[String]) -> Object {
    let mut out = base;
    out.address = object.address.clone();
    out.deps = object.deps.clone();
    out.lifecycle = object.lifecycle.clone();
    for p in paths {
        if p == PATCH_NAME {
            out.name = object.name.clone();
        } else {
            set_path(&mut out, object, p);
        }
    }
    out
}

/// The top-level properties (and [`PATCH_NAME`]) on which `left` and `right` differ.
fn differing_paths(left: &Object, right: &Object) -> Vec<String> {
    let keys: std::collections::BTreeSet<&String> =
        left.props.keys().chain(right.props.keys()).collect();
    let mut out: Vec<String> = keys
        .into_iter()
        .filter(|k| left.props.get(*k) != right.props.get(*k))
        .cloned()
        .collect();
    if left.name != right.name {
        out.push(PATCH_NAME.to_string());
    }
    out
}

/// One effect per statement of `prefix`, `own` and `suffix`, in that order.
pub fn snapshots(change: &Change, prefix: &[Stmt], own: &[Stmt], suffix: &[Stmt]) -> Vec<Effect> {
    let all: Vec<&Stmt> = prefix.iter().chain(own).chain(suffix).collect();
    let desired = change.after.as_ref();
    let fresh = matches!(change.action, Action::Create)
        || (change.action == Action::Replace && change.with_container.is_some());
    // What the record holds as statements succeed, all of them in order: nothing yet for
    // a new object.
    let start: Option<Object> = if fresh {
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
    // Where the record stands after the last statement; before each, only whether it
    // holds anything is needed (no copy of the object per statement).
    let last = all.len().saturating_sub(1);
    let mut current = start;
    let mut recorded_before: Vec<bool> = Vec::with_capacity(all.len());
    // Per create: the record it leaves (kept only where a later statement follows: the
    // last statement's effect is the configured object itself).
    let mut created: Vec<Option<Object>> = Vec::with_capacity(all.len());
    let mut creates: Vec<bool> = Vec::with_capacity(all.len());
    for (i, stmt) in all.iter().enumerate() {
        recorded_before.push(current.is_some());
        created.push(None);
        creates.push(false);
        if stmt.does(&Applies::Drop) {
            current = None;
            continue;
        }
        let Some(d) = desired else { continue };
        if stmt.does(&Applies::Create) {
            let mut snap = d.clone();
            for later in &all[i + 1..] {
                for p in later.attrs() {
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
            if stmt.does(&Applies::Name) {
                cur.name = d.name.clone();
            }
            if stmt.does(&Applies::Suspended) {
                cur.set(attr::ENABLED, false);
            }
            for p in stmt.attrs() {
                set_path(cur, d, p);
            }
            for (p, v) in &stmt.leaves {
                set_value(cur, p, v.clone());
            }
        }
        if stmt.does(&Applies::Create) {
            creates[i] = current.is_some();
            if i != last {
                created[i] = current.clone();
            }
        }
    }
    // What no statement changes but the record must hold once the change is applied (the
    // recorded forms of values the account already has, a task that stays suspended): every
    // statement records it, as none can fail to bring it about.
    // A property no statement touches is the configuration's from the first statement on,
    // whatever the record held (its value in the account does not change).
    let touched: std::collections::BTreeSet<&str> = all
        .iter()
        .flat_map(|s| {
            let marks = s.applies.iter().filter_map(|a| match a {
                Applies::Attr(p) => Some(p.as_str()),
                Applies::Suspended => Some("enabled"),
                _ => None,
            });
            marks.chain(s.leaves.iter().map(|(p, _)| p.as_str()))
        })
        .collect();
    let renamed = all.iter().any(|s| s.does(&Applies::Name));
    let mut uncovered: Vec<String> = match (&current, desired) {
        (Some(cur), Some(d)) => differing_paths(cur, d),
        _ => Vec::new(),
    };
    if let Some(d) = desired {
        // Nothing renames it: the account has it under the configured name.
        if !renamed && !uncovered.iter().any(|p| p == PATCH_NAME) {
            uncovered.push(PATCH_NAME.to_string());
        }
        let empty = std::collections::BTreeMap::new();
        let before = change.before.as_ref().map_or(&empty, |b| &b.props);
        for p in untouched(&d.props, before, "", &touched) {
            if !uncovered.contains(&p) {
                uncovered.push(p);
            }
        }
    }
    // Statements before a create work on the object that goes (a refresh task dropped
    // before its feature view is replaced): they record no configured value.
    let first_create = all
        .iter()
        .position(|s| s.does(&Applies::Create))
        .unwrap_or(0);
    let mut out = Vec::with_capacity(all.len());
    for (i, stmt) in all.iter().enumerate() {
        if stmt.does(&Applies::Drop) {
            out.push(Effect::Remove {
                address: change.address.clone(),
            });
            continue;
        }
        let Some(d) = desired else {
            out.push(Effect::None);
            continue;
        };
        // An imported object's first step records it as the account has it (see ddl).
        if change.imported && i == 0 && i != last && stmt.sql.is_none() {
            if let Some(before) = &change.before {
                let mut adopted = before.clone();
                adopted.address = change.address.clone();
                adopted.deps = d.deps.clone();
                adopted.lifecycle = d.lifecycle.clone();
                // An owner the configuration does not manage is not recorded.
                if d.owner().is_none() {
                    adopted.props.remove(attr::OWNER);
                }
                out.push(Effect::Put { object: adopted });
                continue;
            }
        }
        let whole = |o: Object| match &change.moved_from {
            Some(from) => Effect::Move {
                from: from.clone(),
                object: o,
            },
            None => Effect::Put { object: o },
        };
        if creates[i] {
            // A create that is the change's last statement leaves what the configuration wants.
            let snap = match created[i].take() {
                Some(snap) if i != last => patch_owned(snap, d, &uncovered),
                _ => d.clone(),
            };
            out.push(whole(snap));
            continue;
        }
        // A step that sends nothing cannot fail: the last one records what the
        // configuration wants, whatever the record held.
        if stmt.sql.is_none() && i == last {
            out.push(whole(d.clone()));
            continue;
        }
        if !recorded_before[i] {
            // Nothing recorded to change (no create before it): as before, the last
            // statement of a change leaves the record the configuration wants.
            out.push(if i == last {
                whole(d.clone())
            } else {
                Effect::None
            });
            continue;
        }
        let mut object = d.clone();
        let mut paths: Vec<String> = Vec::new();
        if stmt.does(&Applies::Name) {
            paths.push(PATCH_NAME.to_string());
        }
        if stmt.does(&Applies::Suspended) {
            object.set(attr::ENABLED, false);
            paths.push(attr::ENABLED.to_string());
        }
        paths.extend(stmt.attrs().map(str::to_string));
        for (p, v) in &stmt.leaves {
            set_value(&mut object, p, v.clone());
            paths.push(p.clone());
        }
        for p in uncovered.iter().filter(|_| i >= first_create) {
            if !paths.contains(p) {
                paths.push(p.clone());
            }
        }
        out.push(Effect::Patch {
            from: change.moved_from.clone(),
            object,
            paths,
        });
    }
    out
}

/// The paths of `left` and `right` no statement touches, as whole as can be: a map some touched
/// path goes into (`versions`, for `versions.V1.alias`) is split into its entries.
fn untouched(
    left: &std::collections::BTreeMap<String, Value>,
    right: &std::collections::BTreeMap<String, Value>,
    prefix: &str,
    touched: &std::collections::BTreeSet<&str>,
) -> Vec<String> {
    let keys: std::collections::BTreeSet<&String> = left.keys().chain(right.keys()).collect();
    let mut out = Vec::new();
    for k in keys {
        let path = format!("{prefix}{k}");
        if touched.contains(path.as_str()) {
            continue;
        }
        let goes_into = |t: &&str| {
            t.len() > path.len() && t.starts_with(path.as_str()) && t.as_bytes()[path.len()] == b'.'
        };
        if !touched.iter().any(goes_into) {
            out.push(path);
            continue;
        }
        let inner = format!("{path}.");
        let empty = std::collections::BTreeMap::new();
        let l = left.get(k).and_then(Value::as_map).unwrap_or(&empty);
        let r = right.get(k).and_then(Value::as_map).unwrap_or(&empty);
        out.extend(untouched(l, r, &inner, touched));
    }
    out
}

fn set_value(object: &mut Object, path: &str, value: Value) {
    let parts: Vec<&str> = path.split('.').collect();
    insert(&mut object.props, &parts, value);
}

fn remove_path(object: &mut Object, path: &str) {
    let parts: Vec<&str> = path.split('.').collect();
    remove(&mut object.props, &parts);
}
