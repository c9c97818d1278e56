//! Tasks and task graphs, with Snowflake's rules: tasks are created suspended; a
//! standalone task, or the root of a task's graph, must be suspended before the task is
//! changed, a child suspended or resumed, or a child added; predecessors exist in the same
//! schema, at most 100; a schedule and the graph's parameters (CONFIG, OVERLAP_POLICY,
//! TASK_AUTO_RETRY_ATTEMPTS) only on a root; warehouses named by tasks exist.

use super::super::catalog::{Schema, Task};
use super::super::errors;
use super::super::params;
use super::super::parse::ast::{AlterAction, CreateHead, Name, Prop};
use super::{created, drop_missing, dropped, exists_skipped, ok, props, Exec, Fqn, Outcome};
use crate::sandbox::SqlError;
use std::collections::{BTreeSet, VecDeque};

/// Snowflake's limit on a task's predecessors.
pub(crate) const MAX_PREDECESSORS: usize = 100;

/// The root tasks of `name`'s graph (itself when it has no predecessors).
pub fn roots(schema: &Schema, name: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut seen = BTreeSet::new();
    let mut queue = VecDeque::from([name.to_string()]);
    while let Some(n) = queue.pop_front() {
        if !seen.insert(n.clone()) {
            continue;
        }
        match schema.tasks.get(&n) {
            Some(t) if !t.predecessors.is_empty() => queue.extend(t.predecessors.iter().cloned()),
            Some(_) => {
                out.insert(n);
            }
            None => {}
        }
    }
    out
}

/// Every task that runs after `name`, directly or not.
pub fn descendants(schema: &Schema, name: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut queue = VecDeque::from([name.to_string()]);
    while let Some(n) = queue.pop_front() {
        for (child, t) in &schema.tasks {
            if t.predecessors.contains(&n) && out.insert(child.clone()) {
                queue.push_back(child.clone());
            }
        }
    }
    out
}

/// Fail with 091421 when a root of `name`'s graph is started.
fn require_roots_suspended(schema: &Schema, fqn: &Fqn, name: &str) -> Result<(), SqlError> {
    for root in roots(schema, name) {
        if schema.tasks.get(&root).is_some_and(|t| t.started) {
            return Err(errors::root_task_not_suspended(&format!(
                "{}.{}.{}",
                fqn.database, fqn.schema, root
            )));
        }
    }
    Ok(())
}

/// `'<n> MINUTE[S]|SECOND[S]|HOUR[S]'` or `'USING CRON <expr> <time zone>'`.
fn schedule(prop: &Prop) -> Result<String, SqlError> {
    let s = props::string(prop)?;
    let bad = || errors::invalid_value("SCHEDULE", &s);
    let upper = s.trim().to_ascii_uppercase();
    if let Some(cron) = upper.strip_prefix("USING CRON ") {
        if cron.split_whitespace().count() < 6 {
            return Err(bad());
        }
        return Ok(s.trim().to_string());
    }
    let (n, unit) = upper.split_once(' ').ok_or_else(bad)?;
    let n: i64 = n.trim().parse().map_err(|_| bad())?;
    let ok_unit = [
        "MINUTE", "MINUTES", "M", "SECOND", "SECONDS", "S", "HOUR", "HOURS", "H",
    ]
    .contains(&unit.trim());
    if n < 1 || !ok_unit {
        return Err(bad());
    }
    Ok(s.trim().to_string())
}

/// Parameters of a whole task graph, set on its root only (besides SCHEDULE): Snowflake
/// refuses them on a task with predecessors.
const ROOT_ONLY_PARAMS: &[&str] = &[
    "CONFIG",
    "OVERLAP_POLICY",
    "ALLOW_OVERLAPPING_EXECUTION",
    "TASK_AUTO_RETRY_ATTEMPTS",
];

/// The root-only parameter a task carries, if any (a task that has one cannot gain
/// predecessors until it is unset).
fn carried_root_only(task: &Task) -> Option<&'static str> {
    if task.config.is_some() {
        return Some("CONFIG");
    }
    ["OVERLAP_POLICY", "TASK_AUTO_RETRY_ATTEMPTS"]
        .into_iter()
        .find(|k| task.params.contains_key(*k))
}

/// Apply one property of CREATE TASK or ALTER TASK ... SET.
fn apply_prop(exec: &Exec, task: &mut Task, prop: &Prop) -> Result<(), SqlError> {
    if !task.predecessors.is_empty() && ROOT_ONLY_PARAMS.contains(&prop.key.as_str()) {
        return Err(errors::non_root_parameter(&prop.key));
    }
    match prop.key.as_str() {
        "WAREHOUSE" => {
            let w = props::simple_name(prop)?;
            if !exec.catalog.warehouses.contains_key(&w) {
                return Err(errors::does_not_exist("Warehouse", &w));
            }
            task.warehouse = Some(w);
        }
        "SCHEDULE" => {
            if !task.predecessors.is_empty() {
                return Err(errors::task_rule(
                    "A schedule can only be set on a root task; this task has predecessors.",
                ));
            }
            task.schedule = Some(schedule(prop)?);
        }
        "CONFIG" => {
            let c = props::string(prop)?;
            match serde_json::from_str::<serde_json::Value>(&c) {
                Ok(serde_json::Value::Object(_)) => task.config = Some(c),
                _ => return Err(errors::invalid_value("CONFIG", &c)),
            }
        }
        "ERROR_INTEGRATION" => task.error_integration = props::opt_simple_name(prop)?,
        "COMMENT" => task.meta.comment = props::opt_string(prop)?,
        "ALLOW_OVERLAPPING_EXECUTION" => {
            let policy = if props::boolean(prop)? {
                "ALLOW_CHILD_OVERLAP"
            } else {
                "NO_OVERLAP"
            };
            task.params.insert("OVERLAP_POLICY".into(), policy.into());
        }
        key => match params::find(params::TASK, key) {
            Some(def) => {
                task.params
                    .insert(key.to_string(), params::value(def, prop)?);
            }
            None => return Err(exec.unsupported(&format!("task property {key}"))),
        },
    }
    if task.warehouse.is_some()
        && task
            .params
            .contains_key("USER_TASK_MANAGED_INITIAL_WAREHOUSE_SIZE")
    {
        return Err(errors::task_rule(
            "A task cannot have both WAREHOUSE and USER_TASK_MANAGED_INITIAL_WAREHOUSE_SIZE.",
        ));
    }
    Ok(())
}

/// Resolve predecessor names: they must exist, be in the task's schema and not be the
/// task itself.
fn predecessors(exec: &Exec, fqn: &Fqn, names: &[Name]) -> Result<Vec<String>, SqlError> {
    let schema = exec.schema(&fqn.database, &fqn.schema)?;
    let mut out: Vec<String> = Vec::new();
    for n in names {
        let p = exec.resolve_schema_object(n, "CREATE TASK")?;
        if p.database != fqn.database || p.schema != fqn.schema {
            return Err(errors::task_rule(format!(
                "Predecessor task {} must be in the same schema as task {}.",
                p.dotted(),
                fqn.dotted()
            )));
        }
        if p.name == fqn.name {
            return Err(errors::task_rule(format!(
                "Task {} cannot be its own predecessor.",
                fqn.dotted()
            )));
        }
        if !schema.tasks.contains_key(&p.name) {
            return Err(errors::does_not_exist("Task", &p.dotted()));
        }
        if !out.contains(&p.name) {
            out.push(p.name);
        }
    }
    Ok(out)
}

fn check_predecessor_count(fqn: &Fqn, count: usize) -> Result<(), SqlError> {
    if count > MAX_PREDECESSORS {
        return Err(errors::task_rule(format!(
            "Task {} has {count} predecessors; a task can have at most {MAX_PREDECESSORS}.",
            fqn.dotted()
        )));
    }
    Ok(())
}

pub fn create_task(
    exec: &mut Exec,
    head: CreateHead,
    props: Vec<Prop>,
    after: Vec<Name>,
    condition: Option<String>,
    body: String,
) -> Result<Outcome, SqlError> {
    let f = exec.resolve_schema_object(&head.name, "CREATE TASK")?;
    let schema = exec.schema_for_create(&f.database, &f.schema)?;
    if schema.tasks.contains_key(&f.name) {
        if head.if_not_exists {
            return Ok(Outcome::unchanged(exists_skipped(&f.name)));
        }
        if !head.or_replace {
            return Err(errors::already_exists(&f.name));
        }
        require_roots_suspended(schema, &f, &f.name)?;
    }
    let preds = predecessors(exec, &f, &after)?;
    check_predecessor_count(&f, preds.len())?;
    let schema = exec.schema(&f.database, &f.schema)?;
    for p in &preds {
        // Adding a child to a graph needs its root suspended.
        require_roots_suspended(schema, &f, p)?;
        if descendants(schema, &f.name).contains(p) {
            return Err(errors::task_rule(format!(
                "Adding predecessor {p} to task {} would make a cycle.",
                f.dotted()
            )));
        }
    }
    let seq = exec.catalog.next_sequence();
    let mut task = Task {
        meta: exec.meta(None),
        id: format!("01000000-0000-0000-0000-{seq:012}"),
        warehouse: None,
        schedule: None,
        config: None,
        error_integration: None,
        predecessors: preds,
        definition: body,
        condition,
        started: false,
        last_committed_on: None,
        last_suspended_on: None,
        last_suspended_reason: None,
        params: Default::default(),
    };
    for p in &props {
        apply_prop(exec, &mut task, p)?;
    }
    exec.schema_mut(&f.database, &f.schema)?
        .tasks
        .insert(f.name.clone(), task);
    Ok(Outcome::changed(created("Task", &f.name)))
}

pub(crate) fn alter_task(
    exec: &mut Exec,
    if_exists: bool,
    name: Name,
    action: AlterAction,
) -> Result<Outcome, SqlError> {
    let f = exec.resolve_schema_object(&name, "ALTER TASK")?;
    let found = exec
        .schema(&f.database, &f.schema)
        .ok()
        .and_then(|s| s.tasks.get(&f.name))
        .cloned();
    let Some(mut task) = found else {
        return if if_exists {
            Ok(Outcome::unchanged(ok()))
        } else {
            Err(errors::does_not_exist("Task", &f.dotted()))
        };
    };
    let schema = exec.schema(&f.database, &f.schema)?;
    let is_child = !task.predecessors.is_empty();
    match action {
        AlterAction::Suspend => {
            if is_child {
                require_roots_suspended(schema, &f, &f.name)?;
            }
            if task.started {
                task.started = false;
                task.last_suspended_on = Some(exec.now);
                task.last_suspended_reason = Some("USER_SUSPENDED".into());
            }
        }
        AlterAction::Resume { .. } => {
            if is_child {
                require_roots_suspended(schema, &f, &f.name)?;
            }
            resume(exec, &mut task)?;
        }
        action => {
            require_roots_suspended(schema, &f, &f.name)?;
            modify(exec, &f, &mut task, action)?;
        }
    }
    exec.schema_mut(&f.database, &f.schema)?
        .tasks
        .insert(f.name, task);
    Ok(Outcome::changed(ok()))
}

fn resume(exec: &Exec, task: &mut Task) -> Result<(), SqlError> {
    if let Some(w) = &task.warehouse {
        if !exec.catalog.warehouses.contains_key(w) {
            return Err(errors::does_not_exist("Warehouse", w));
        }
    }
    if !task.started {
        task.started = true;
        task.last_committed_on = Some(exec.now);
    }
    Ok(())
}

/// The changes that need the graph's root suspended.
fn modify(exec: &Exec, fqn: &Fqn, task: &mut Task, action: AlterAction) -> Result<(), SqlError> {
    let schema = exec.schema(&fqn.database, &fqn.schema)?;
    match action {
        AlterAction::Set(props) => {
            for p in &props {
                apply_prop(exec, task, p)?;
            }
        }
        AlterAction::Unset(keys) => {
            for k in &keys {
                match k.as_str() {
                    "WAREHOUSE" => task.warehouse = None,
                    "SCHEDULE" => task.schedule = None,
                    "CONFIG" => task.config = None,
                    "ERROR_INTEGRATION" => task.error_integration = None,
                    "COMMENT" => task.meta.comment = None,
                    "ALLOW_OVERLAPPING_EXECUTION" => {
                        task.params.remove("OVERLAP_POLICY");
                    }
                    k if params::find(params::TASK, k).is_some() => {
                        task.params.remove(k);
                    }
                    k => return Err(exec.unsupported(&format!("UNSET {k} on a task"))),
                }
            }
        }
        AlterAction::ModifyAs(body) => task.definition = body,
        AlterAction::ModifyWhen(cond) => task.condition = Some(cond),
        AlterAction::RemoveWhen => task.condition = None,
        AlterAction::AddAfter(names) => {
            if task.schedule.is_some() {
                return Err(errors::task_rule(format!(
                    "Task {} has a schedule; remove it before adding predecessors.",
                    fqn.dotted()
                )));
            }
            if let Some(key) = carried_root_only(task) {
                return Err(errors::task_rule(format!(
                    "Task {} has {key} set, which only a root task may have; unset it before adding predecessors.",
                    fqn.dotted()
                )));
            }
            let new = predecessors(exec, fqn, &names)?;
            let below = descendants(schema, &fqn.name);
            for p in &new {
                require_roots_suspended(schema, fqn, p)?;
                if below.contains(p) {
                    return Err(errors::task_rule(format!(
                        "Adding predecessor {p} to task {} would make a cycle.",
                        fqn.dotted()
                    )));
                }
                if !task.predecessors.contains(p) {
                    task.predecessors.push(p.clone());
                }
            }
            check_predecessor_count(fqn, task.predecessors.len())?;
        }
        AlterAction::RemoveAfter(names) => {
            // Each name is a task of this schema (not just a task of that name anywhere).
            let gone = predecessors(exec, fqn, &names)?;
            let had = !task.predecessors.is_empty();
            task.predecessors.retain(|p| !gone.contains(p));
            if had && task.predecessors.is_empty() && task.started {
                // A child that loses its last predecessor becomes a suspended standalone task.
                task.started = false;
                task.last_suspended_on = Some(exec.now);
                task.last_suspended_reason = Some("CHILD_BECAME_ROOT".into());
            }
        }
        other => return Err(super::account::no_such_action("TASK", &other)),
    }
    Ok(())
}

pub(crate) fn drop_task(exec: &mut Exec, if_exists: bool, name: Name) -> Result<Outcome, SqlError> {
    let f = exec.resolve_schema_object(&name, "DROP TASK")?;
    let schema = match exec.schema(&f.database, &f.schema) {
        Ok(s) => s,
        Err(_) if if_exists => return Ok(Outcome::unchanged(drop_missing(&f.name))),
        Err(e) => return Err(e),
    };
    let Some(task) = schema.tasks.get(&f.name) else {
        return if if_exists {
            Ok(Outcome::unchanged(drop_missing(&f.name)))
        } else {
            Err(errors::does_not_exist("Task", &f.dotted()))
        };
    };
    if !task.predecessors.is_empty() {
        require_roots_suspended(schema, &f, &f.name)?;
    }
    let now = exec.now;
    let schema = exec.schema_mut(&f.database, &f.schema)?;
    schema.tasks.remove(&f.name);
    for t in schema.tasks.values_mut() {
        let had = !t.predecessors.is_empty();
        t.predecessors.retain(|p| p != &f.name);
        if had && t.predecessors.is_empty() && t.started {
            t.started = false;
            t.last_suspended_on = Some(now);
            t.last_suspended_reason = Some("CHILD_BECAME_ROOT".into());
        }
    }
    Ok(Outcome::changed(dropped(&f.name)))
}

/// `SYSTEM$TASK_DEPENDENTS_ENABLE('<task>')`: resume the task and every task after it.
pub(crate) fn enable_dependents(exec: &mut Exec, name: &str) -> Result<(), SqlError> {
    let parts: Name = super::super::parse::split_name(name)
        .ok_or_else(|| errors::invalid_value("SYSTEM$TASK_DEPENDENTS_ENABLE", name))?;
    let f = exec.resolve_schema_object(&parts, "SYSTEM$TASK_DEPENDENTS_ENABLE")?;
    let schema = exec.schema(&f.database, &f.schema)?;
    let Some(task) = schema.tasks.get(&f.name) else {
        return Err(errors::does_not_exist("Task", &f.dotted()));
    };
    if !task.predecessors.is_empty() {
        require_roots_suspended(schema, &f, &f.name)?;
    }
    let mut names: Vec<String> = descendants(schema, &f.name).into_iter().collect();
    names.push(f.name.clone());
    let mut resumed = Vec::new();
    for n in &names {
        if let Some(t) = schema.tasks.get(n) {
            let mut t = t.clone();
            resume(exec, &mut t)?;
            resumed.push((n.clone(), t));
        }
    }
    let schema = exec.schema_mut(&f.database, &f.schema)?;
    for (n, t) in resumed {
        schema.tasks.insert(n, t);
    }
    Ok(())
}
