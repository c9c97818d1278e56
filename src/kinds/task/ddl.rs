//! Tasks: CREATE TASK with its schedule or predecessors, and the ALTER TASK clauses for
//! every change (SET/UNSET, MODIFY AS, MODIFY WHEN, ADD/REMOVE AFTER). Suspending and
//! resuming are written here but placed by `plan`, which sees whole task graphs.

use crate::kinds::props::{assignments, set_unset};
use crate::kinds::statements::{changed, drop_named, KindDdl, Replacement, Stmt, CREATE};
use crate::kinds::task::ROOT_ONLY;
use crate::model::attr;
use crate::model::{Object, ObjectName};

fn predecessors(object: &Object) -> Vec<String> {
    object
        .get(attr::AFTER)
        .map(|v| v.str_list().into_iter().map(String::from).collect())
        .unwrap_or_default()
}

fn body(sql: &str) -> String {
    let mut q = sql.trim().to_string();
    while q.ends_with(';') {
        q.pop();
        q = q.trim_end().to_string();
    }
    q
}

pub fn create(object: &Object) -> Vec<Stmt> {
    let (parts, _) = assignments(object);
    let mut sql = format!("CREATE TASK {}", object.name.to_sql());
    for p in parts {
        sql.push(' ');
        sql.push_str(&p);
    }
    let after = predecessors(object);
    if !after.is_empty() {
        sql.push_str(&format!(" AFTER {}", after.join(", ")));
    }
    if let Some(w) = object.get_str(attr::WHEN) {
        sql.push_str(&format!(" WHEN {}", body(w)));
    }
    sql.push_str(&format!(
        " AS {}",
        body(object.get_str(attr::SQL).unwrap_or(""))
    ));
    vec![Stmt::new(sql, &[CREATE])]
}

/// The task must already be suspended (its graph's root, for a graph): `plan` sees to it.
pub fn update(before: &Object, after: &Object, changed: &[&str]) -> Vec<Stmt> {
    let name = after.name.to_sql();
    let has = |n: &str| changed.contains(&n);
    let mut out = Vec::new();
    // A graph parameter leaving a task that runs after others is unset, not set to its
    // default: Snowflake refuses it on a child whatever the value.
    let child = !predecessors(after).is_empty();
    let (root_only, generic): (Vec<&str>, Vec<&str>) = changed
        .iter()
        .copied()
        .filter(|n| !matches!(*n, "sql" | "when" | "after" | "enabled"))
        .partition(|n| child && ROOT_ONLY.contains(n) && after.get(n).is_none());
    let (mut unsets, sets): (Vec<Stmt>, Vec<Stmt>) = set_unset("TASK", after, &generic)
        .into_iter()
        .partition(|s| s.sql.as_deref().is_some_and(|q| q.contains(" UNSET ")));
    let keys: Vec<&str> = root_only
        .iter()
        .filter_map(|n| {
            crate::model::schema(after.kind())
                .attr(n)
                .and_then(|at| at.sql)
        })
        .collect();
    if !keys.is_empty() {
        unsets.push(Stmt::applying(
            format!("ALTER TASK {name} UNSET {}", keys.join(", ")),
            root_only.iter().map(|n| n.to_string()).collect(),
        ));
    }
    // A schedule goes before a task gains predecessors, and comes after it loses them.
    out.extend(unsets);
    if has(attr::AFTER) {
        let (old, new) = (predecessors(before), predecessors(after));
        let removed: Vec<&String> = old.iter().filter(|p| !new.contains(p)).collect();
        let added: Vec<&String> = new.iter().filter(|p| !old.contains(p)).collect();
        // New predecessors before the old ones go: a task that loses its last predecessor
        // becomes a suspended standalone task, even if it gains others right after.
        if !added.is_empty() {
            out.push(Stmt::new(
                format!("ALTER TASK {name} ADD AFTER {}", join(&added)),
                &[],
            ));
        }
        if !removed.is_empty() {
            out.push(Stmt::new(
                format!("ALTER TASK {name} REMOVE AFTER {}", join(&removed)),
                &[],
            ));
        }
        if let Some(last) = out.last_mut() {
            last.applies.push(attr::AFTER.into());
        }
    }
    out.extend(sets);
    if has(attr::SQL) {
        out.push(Stmt::new(
            format!(
                "ALTER TASK {name} MODIFY AS {}",
                body(after.get_str(attr::SQL).unwrap_or(""))
            ),
            &[attr::SQL],
        ));
    }
    if has(attr::WHEN) {
        let sql = match after.get_str(attr::WHEN) {
            Some(w) => format!("ALTER TASK {name} MODIFY WHEN {}", body(w)),
            None => format!("ALTER TASK {name} REMOVE WHEN"),
        };
        out.push(Stmt::new(sql, &[attr::WHEN]));
    }
    out
}

fn join(names: &[&String]) -> String {
    names
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn suspend(name: &ObjectName) -> Stmt {
    Stmt::new(format!("ALTER TASK {} SUSPEND", name.to_sql()), &[])
}

pub fn resume(name: &ObjectName) -> Stmt {
    Stmt::new(
        format!("ALTER TASK {} RESUME", name.to_sql()),
        &[attr::ENABLED],
    )
}

/// The registry's ddl entry of a task: everything but its name can be altered.
#[linkme::distributed_slice(crate::kinds::statements::KINDS)]
pub(super) static DDL: KindDdl = KindDdl {
    kind: crate::model::Kind::Task,
    keyword: "TASK",
    keyword_of: None,
    create_privilege: |_| Some("CREATE TASK"),
    create,
    replace: Replacement::Alter,
    update: |b, a, attrs| update(b, a, &changed(attrs)),
    drop: drop_named,
};
