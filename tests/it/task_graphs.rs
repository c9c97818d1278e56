//! Task graphs whose tasks move, or whose schema or database is renamed or replaced: the
//! graph keeps its links, and a running graph is suspended and resumed under the names
//! the account has at that moment. Regression tests of the random walks (tests/it/walks.rs);
//! more, that are a plan alone, are in tests/fixtures/plan_cases/.

use crate::common::Dir;
use crate::regression_setup::{
    apply_ok, apply_reversed_ok, plan_statements, reconfigure, regression_dir,
};

/// Seed 1: a task given a new block label was planned as a move whose state-only step the
/// task graph handling dropped, so the state never followed and every plan showed it again.
/// A move alone must not suspend its graph either: nothing changes in the account.
#[test]
fn a_task_moved_to_a_new_address_is_recorded_there_without_touching_its_graph() {
    let graph = |child_label: &str| {
        format!(
            r#"
task "root" {{
  schema   = schema.s
  name     = "ROOT"
  sql      = "SELECT 1"
  schedule = "5 MINUTES"
  enabled  = true
}}

task "{child_label}" {{
  schema  = schema.s
  name    = "CHILD"
  sql     = "SELECT 2"
  after   = [task.root]
  enabled = true
}}
"#
        )
    };
    let d = regression_dir(&graph("child"));
    reconfigure(&d, &graph("renamed"));
    let plan = d.sandbox(&["plan", "--format", "json"]).ok().json();
    assert_eq!(plan["statements"], serde_json::json!([]), "{plan}");
    apply_ok(&d);
    let state = d.state();
    let text = state.to_string();
    assert!(text.contains("task.renamed"), "{text}");
    assert!(!text.contains("task.child"), "{text}");
}

/// Seeds 51, 67, 74, 94, ...: a running root suspended for a change of its graph while
/// its database is renamed was suspended under the new name before the rename ran.
#[test]
fn changing_a_running_graph_in_a_renamed_database() {
    let blocks = |db: &str, sql: &str| {
        format!(
            r#"
database "db" {{
  name = "{db}"
}}

schema "s" {{
  database = database.db
  name     = "S"
}}

task "root" {{
  schema   = schema.s
  name     = "ROOT"
  sql      = "SELECT 1"
  schedule = "5 MINUTES"
  enabled  = true
}}

task "child" {{
  schema  = schema.s
  name    = "CHILD"
  sql     = "{sql}"
  after   = [task.root]
  enabled = true
}}
"#
        )
    };
    let d = Dir::with(&[("main.hcl", &blocks("RDB", "SELECT 2"))]);
    apply_ok(&d);
    d.write("main.hcl", &blocks("RDB2", "SELECT 3"));
    assert_eq!(
        plan_statements(&d, true),
        [
            "ALTER DATABASE RDB RENAME TO RDB2",
            "ALTER TASK RDB2.S.ROOT SUSPEND",
            "ALTER TASK RDB2.S.CHILD MODIFY AS SELECT 3",
            "ALTER TASK RDB2.S.ROOT RESUME",
        ]
    );
    apply_reversed_ok(&d);
}

/// Seed 20198: a task only resumed (enabled) in a database being renamed was resumed under
/// the new name before the rename ran: a change whose only statement is its resume had no
/// first statement to order.
#[test]
fn a_task_enabled_in_a_renamed_database() {
    let blocks = |db: &str, enabled: bool| {
        format!(
            r#"
database "db" {{
  name = "{db}"
}}

schema "s" {{
  database = database.db
  name     = "S"
}}

task "t" {{
  schema   = schema.s
  name     = "T"
  sql      = "SELECT 1"
  schedule = "5 MINUTES"
  enabled  = {enabled}
}}
"#
        )
    };
    let d = Dir::with(&[("main.hcl", &blocks("RDB", false))]);
    apply_ok(&d);
    d.write("main.hcl", &blocks("RDB2", true));
    assert_eq!(
        plan_statements(&d, true),
        [
            "ALTER DATABASE RDB RENAME TO RDB2",
            "ALTER TASK RDB2.S.T RESUME"
        ]
    );
    apply_reversed_ok(&d);
}
