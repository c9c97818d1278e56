use super::*;
use crate::diff::{diff, DiffInput};
use crate::model::attr;
use crate::model::{Address, Ident, Kind, Object, ObjectName, Value};
use std::collections::BTreeMap;

fn id(name: &str) -> Ident {
    Ident::from_canonical(name)
}

fn task(name: &str, after: &[&str], enabled: bool) -> Object {
    let mut o = Object::new(
        Address::new(Kind::Task, name.to_lowercase()),
        ObjectName::in_schema(id("DB"), id("S"), id(name)),
    );
    o.set(attr::SQL, format!("CALL {name}()"));
    o.set(attr::ENABLED, enabled);
    if after.is_empty() {
        o.set(attr::SCHEDULE, "USING CRON 0 6 * * * UTC");
    } else {
        o.set(
            attr::AFTER,
            Value::List(
                after
                    .iter()
                    .map(|a| Value::from(format!("DB.S.{a}")))
                    .collect(),
            ),
        );
        for a in after {
            o.deps.insert(Address::new(Kind::Task, a.to_lowercase()));
        }
    }
    o.deps.insert(Address::new(Kind::Schema, "s"));
    o
}

fn schema() -> Object {
    let mut o = Object::new(
        Address::new(Kind::Schema, "s"),
        ObjectName::in_database(id("DB"), id("S")),
    );
    o.deps.insert(Address::new(Kind::Database, "db"));
    o
}

fn database() -> Object {
    Object::new(
        Address::new(Kind::Database, "db"),
        ObjectName::account(id("DB")),
    )
}

fn plan(desired: &[Object], recorded: &[Object]) -> Plan {
    let recorded: BTreeMap<Address, Object> = recorded
        .iter()
        .map(|o| (o.address.clone(), o.clone()))
        .collect();
    let changes = diff(&DiffInput {
        desired,
        recorded: &recorded,
        live: None,
    })
    .unwrap();
    build(changes, "default")
}

#[test]
fn a_new_graph_is_created_in_dependency_order_and_resumed_children_first() {
    let p = plan(
        &[
            database(),
            schema(),
            task("ROOT", &[], true),
            task("CHILD", &["ROOT"], true),
        ],
        &[],
    );
    assert_eq!(
        p.statements(),
        [
            "CREATE DATABASE DB",
            "CREATE SCHEMA DB.S",
            "CREATE TASK DB.S.ROOT SCHEDULE = 'USING CRON 0 6 * * * UTC' AS CALL ROOT()",
            "CREATE TASK DB.S.CHILD AFTER DB.S.ROOT AS CALL CHILD()",
            "ALTER TASK DB.S.CHILD RESUME",
            "ALTER TASK DB.S.ROOT RESUME",
        ]
    );
}

#[test]
fn a_child_change_suspends_the_running_root_once_and_resumes_it_last() {
    let before = [
        database(),
        schema(),
        task("ROOT", &[], true),
        task("CHILD", &["ROOT"], true),
        task("LEAF", &["CHILD"], true),
    ];
    let mut after = before.clone();
    after[3].set(attr::SQL, "CALL CHILD_V2()");
    after[4].set(attr::SQL, "CALL LEAF_V2()");
    let p = plan(&after, &before);
    assert_eq!(
        p.statements(),
        [
            "ALTER TASK DB.S.ROOT SUSPEND",
            "ALTER TASK DB.S.CHILD MODIFY AS CALL CHILD_V2()",
            "ALTER TASK DB.S.LEAF MODIFY AS CALL LEAF_V2()",
            "ALTER TASK DB.S.ROOT RESUME",
        ]
    );
    let root = p
        .changes
        .iter()
        .find(|c| c.change.address.name == "root")
        .unwrap();
    assert_eq!(root.change.action, Action::Update);
    assert!(
        root.change.reasons[0].contains("task.child, task.leaf change"),
        "{:?}",
        root.change.reasons
    );
    // The resume runs even if a change in the graph fails.
    let resume = p
        .steps
        .iter()
        .find(|s| s.sql.as_deref() == Some("ALTER TASK DB.S.ROOT RESUME"))
        .unwrap();
    assert!(resume.finally);
    // Between the two the record says suspended, as the account does: a stop in between
    // leaves a state that tells the truth, and the resume a change to record.
    let enabled = |sql: &str| match &p
        .steps
        .iter()
        .find(|s| s.sql.as_deref() == Some(sql))
        .unwrap()
        .effect
    {
        // The suspend and the resume record `enabled`, besides what no statement changes.
        Effect::Patch { object, paths, .. } => {
            assert!(paths.contains(&attr::ENABLED.to_string()), "{paths:?}");
            object.get(attr::ENABLED).cloned()
        }
        e => panic!("{e:?}"),
    };
    assert_eq!(
        enabled("ALTER TASK DB.S.ROOT SUSPEND"),
        Some(Value::Bool(false))
    );
    assert_eq!(
        enabled("ALTER TASK DB.S.ROOT RESUME"),
        Some(Value::Bool(true))
    );
}

#[test]
fn deletes_run_after_everything_else_dependents_first() {
    let mut wh = Object::new(
        Address::new(Kind::Warehouse, "old"),
        ObjectName::account(id("OLD_WH")),
    );
    wh.set(attr::SIZE, "XSMALL");
    let mut t = task("T", &[], false);
    t.set(attr::WAREHOUSE, "OLD_WH");
    t.deps.insert(wh.address.clone());
    let before = [database(), schema(), wh.clone(), t.clone()];
    let mut new_wh = Object::new(
        Address::new(Kind::Warehouse, "new"),
        ObjectName::account(id("NEW_WH")),
    );
    new_wh.set(attr::SIZE, "XSMALL");
    let mut t2 = task("T", &[], false);
    t2.set(attr::WAREHOUSE, "NEW_WH");
    t2.deps.insert(new_wh.address.clone());
    let p = plan(&[database(), schema(), new_wh, t2], &before);
    assert_eq!(
        p.statements(),
        [
            "CREATE WAREHOUSE NEW_WH WAREHOUSE_SIZE = XSMALL",
            "ALTER TASK DB.S.T SET WAREHOUSE = NEW_WH",
            "DROP WAREHOUSE OLD_WH"
        ]
    );
}

#[test]
fn dropping_a_database_takes_what_is_in_it() {
    let p = plan(&[], &[database(), schema(), task("T", &[], false)]);
    assert_eq!(p.statements(), ["DROP DATABASE DB"]);
    assert_eq!(p.count(Action::Delete), 3);
    assert!(p
        .steps
        .iter()
        .filter(|s| s.sql.is_none())
        .all(|s| matches!(s.effect, Effect::Remove { .. })));
}

#[test]
fn the_delete_phase_waits_for_the_main_phase_without_an_edge_per_pair() {
    let wh = |p: &str, i: usize| {
        let mut o = Object::new(
            Address::new(Kind::Warehouse, format!("{p}{i}")),
            ObjectName::account(id(&format!("{}{i}", p.to_uppercase()))),
        );
        o.set(attr::SIZE, "XSMALL");
        o
    };
    let n = 50;
    let desired: Vec<Object> = (0..n).map(|i| wh("new", i)).collect();
    let recorded: Vec<Object> = (0..n).map(|i| wh("old", i)).collect();
    let p = plan(&desired, &recorded);
    let edges: usize = p.steps.iter().map(|s| s.after.len()).sum();
    assert!(
        edges < n,
        "{edges} dependency entries for {n} creates and {n} deletes"
    );
    // Every create is an end of the main phase; every drop waits for them.
    assert_eq!(p.main_phase_ends.len(), n);
    let drops: Vec<&Step> = p
        .steps
        .iter()
        .filter(|s| s.sql.as_deref().is_some_and(|q| q.starts_with("DROP")))
        .collect();
    assert_eq!(drops.len(), n);
    assert!(drops.iter().all(|s| s.after_main_phase));
    let statements = p.statements();
    let first_drop = statements
        .iter()
        .position(|s| s.starts_with("DROP"))
        .unwrap();
    assert!(statements[..first_drop]
        .iter()
        .all(|s| s.starts_with("CREATE")));
    assert_eq!(first_drop, n);
}

#[test]
fn deleting_children_of_a_running_graph_resumes_its_root_after_the_drops() {
    let before = [
        database(),
        schema(),
        task("ROOT", &[], true),
        task("CHILD", &["ROOT"], true),
        task("LEAF", &["CHILD"], true),
    ];
    let p = plan(&before[..3], &before);
    assert_eq!(
        p.statements(),
        [
            "ALTER TASK DB.S.ROOT SUSPEND",
            "DROP TASK DB.S.LEAF",
            "DROP TASK DB.S.CHILD",
            "ALTER TASK DB.S.ROOT RESUME",
        ]
    );
}

#[test]
fn a_replaced_schema_recreates_its_running_tasks_without_suspending_what_it_dropped() {
    let before = [database(), schema(), task("ROOT", &[], true)];
    let mut after = before.clone();
    after[1].set(attr::TRANSIENT, true);
    let p = plan(&after, &before);
    assert_eq!(
        p.statements(),
        [
            "CREATE OR REPLACE TRANSIENT SCHEMA DB.S",
            "CREATE TASK DB.S.ROOT SCHEDULE = 'USING CRON 0 6 * * * UTC' AS CALL ROOT()",
            "ALTER TASK DB.S.ROOT RESUME",
        ]
    );
}

#[test]
fn deleting_a_running_graph_suspends_its_root_then_drops_children_first() {
    let before = [
        database(),
        schema(),
        task("ROOT", &[], true),
        task("CHILD", &["ROOT"], true),
    ];
    let p = plan(&before[..2], &before);
    assert_eq!(
        p.statements(),
        [
            "ALTER TASK DB.S.ROOT SUSPEND",
            "DROP TASK DB.S.CHILD",
            "DROP TASK DB.S.ROOT",
        ]
    );
}

#[test]
fn deleting_a_running_root_while_its_child_moves_to_another_root() {
    // The child gains its new predecessor before it loses the old one, so it never stands
    // alone (which would suspend it) and keeps running.
    let before = [
        database(),
        schema(),
        task("ROOT", &[], true),
        task("OTHER", &[], true),
        task("CHILD", &["ROOT"], true),
    ];
    let after = [
        database(),
        schema(),
        task("OTHER", &[], true),
        task("CHILD", &["OTHER"], true),
    ];
    let p = plan(&after, &before);
    assert_eq!(
        p.statements(),
        [
            "ALTER TASK DB.S.OTHER SUSPEND",
            "ALTER TASK DB.S.ROOT SUSPEND",
            "ALTER TASK DB.S.CHILD ADD AFTER DB.S.OTHER",
            "ALTER TASK DB.S.CHILD REMOVE AFTER DB.S.ROOT",
            "DROP TASK DB.S.ROOT",
            "ALTER TASK DB.S.OTHER RESUME",
        ]
    );
}

#[test]
fn a_running_child_renamed_and_stopped_is_created_suspended_not_suspended_first() {
    let before = [
        database(),
        schema(),
        task("ROOT", &[], true),
        task("CHILD", &["ROOT"], true),
    ];
    let mut after = before.clone();
    after[3] = task("CHILD", &["ROOT"], false);
    after[3].address = before[3].address.clone();
    after[3].name = ObjectName::in_schema(id("DB"), id("S"), id("RENAMED"));
    let p = plan(&after, &before);
    assert_eq!(
        p.statements(),
        [
            "ALTER TASK DB.S.ROOT SUSPEND",
            "CREATE TASK DB.S.RENAMED AFTER DB.S.ROOT AS CALL CHILD()",
            "DROP TASK DB.S.CHILD",
            "ALTER TASK DB.S.ROOT RESUME",
        ]
    );
}

/// `task` in schema A instead of S.
fn in_schema_a(mut task: Object) -> Object {
    task.name.schema = Some(id("A"));
    if let Some(Value::List(after)) = task.get(attr::AFTER).cloned() {
        let moved = after
            .iter()
            .filter_map(Value::as_str)
            .map(|p| Value::from(p.replace("DB.S.", "DB.A.")))
            .collect();
        task.set(attr::AFTER, Value::List(moved));
    }
    task
}

#[test]
fn a_running_graph_moved_to_another_schema_is_one_graph() {
    // The new names sort before the old ones: the graph must still be found as one, so
    // the root is resumed after its child is created.
    let before = [
        database(),
        schema(),
        task("ROOT", &[], true),
        task("CHILD", &["ROOT"], true),
    ];
    let mut after = before.clone();
    after[2] = in_schema_a(task("ROOT", &[], true));
    after[3] = in_schema_a(task("CHILD", &["ROOT"], true));
    let p = plan(&after, &before);
    assert_eq!(
        p.statements(),
        [
            "ALTER TASK DB.S.ROOT SUSPEND",
            "CREATE TASK DB.A.ROOT SCHEDULE = 'USING CRON 0 6 * * * UTC' AS CALL ROOT()",
            "CREATE TASK DB.A.CHILD AFTER DB.A.ROOT AS CALL CHILD()",
            "DROP TASK DB.S.ROOT",
            "DROP TASK DB.S.CHILD",
            "ALTER TASK DB.A.CHILD RESUME",
            "ALTER TASK DB.A.ROOT RESUME",
        ]
    );
}

#[test]
fn a_running_child_that_becomes_a_root_is_resumed() {
    let before = [
        database(),
        schema(),
        task("ROOT", &[], false),
        task("CHILD", &["ROOT"], true),
    ];
    let mut after = before.clone();
    after[3] = task("CHILD", &[], true);
    let p = plan(&after, &before);
    assert_eq!(
        p.statements(),
        [
            "ALTER TASK DB.S.CHILD REMOVE AFTER DB.S.ROOT",
            "ALTER TASK DB.S.CHILD SET SCHEDULE = 'USING CRON 0 6 * * * UTC'",
            "ALTER TASK DB.S.CHILD RESUME",
        ]
    );
}

#[test]
fn a_running_root_that_becomes_the_child_of_a_changed_root() {
    let before = [
        database(),
        schema(),
        task("ROOT", &[], false),
        task("OTHER", &[], true),
    ];
    let mut after = [
        database(),
        schema(),
        task("ROOT", &[], true),
        task("OTHER", &["ROOT"], true),
    ];
    after[2].set(attr::COMMENT, "new");
    let p = plan(&after, &before);
    assert_eq!(
        p.statements(),
        [
            "ALTER TASK DB.S.OTHER SUSPEND",
            "ALTER TASK DB.S.ROOT SET COMMENT = 'new'",
            "ALTER TASK DB.S.OTHER UNSET SCHEDULE",
            "ALTER TASK DB.S.OTHER ADD AFTER DB.S.ROOT",
            "ALTER TASK DB.S.OTHER RESUME",
            "ALTER TASK DB.S.ROOT RESUME",
        ]
    );
}

/// A plan only shown is the plan apply would run, without what each step records.
#[test]
fn a_plan_only_shown_has_the_same_steps_without_their_effects() {
    let before = [
        database(),
        schema(),
        task("ROOT", &[], true),
        task("CHILD", &["ROOT"], true),
    ];
    let mut after = before.to_vec();
    after[3].set(attr::SQL, "CALL CHILD_V2()");
    after.push(task("NEW", &["ROOT"], true));
    let recorded: BTreeMap<Address, Object> = before
        .iter()
        .map(|o| (o.address.clone(), o.clone()))
        .collect();
    let changes = diff(&DiffInput {
        desired: &after,
        recorded: &recorded,
        live: None,
    })
    .unwrap();
    let recorded_plan = build(changes.clone(), "default");
    let shown = build_shown(changes, "default");
    assert!(recorded_plan.steps.iter().any(|s| s.effect != Effect::None));
    assert!(shown.steps.iter().all(|s| s.effect == Effect::None));
    let without_effects = |p: &Plan| -> Vec<Step> {
        p.steps
            .iter()
            .cloned()
            .map(|mut s| {
                s.effect = Effect::None;
                s
            })
            .collect()
    };
    assert_eq!(without_effects(&shown), without_effects(&recorded_plan));
    assert_eq!(shown.order, recorded_plan.order);
    assert_eq!(shown.main_phase_ends, recorded_plan.main_phase_ends);
}
