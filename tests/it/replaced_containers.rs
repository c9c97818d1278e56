//! Objects in, moved into or moved out of a schema that is replaced (dropped and created
//! again): they are created again, or moved before it goes. Regression tests of the random
//! walks (tests/it/walks.rs).

use crate::common::Dir;
use crate::regression_setup::{apply_ok, apply_reversed_ok, plan_statements};

/// Seeds 32, 35: a schema replaced (made transient) while it, or its database, is renamed:
/// what it held was only recorded under the new name, never created again.
#[test]
fn a_replaced_schema_in_a_renamed_database_gets_its_objects_back() {
    let blocks = |db: &str, transient: bool| {
        format!(
            r#"
database "db" {{
  name = "{db}"
}}

schema "s" {{
  database  = database.db
  name      = "S"
  transient = {transient}
}}

stage "st" {{
  schema = schema.s
  name   = "ST"
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
            "CREATE OR REPLACE TRANSIENT SCHEMA RDB2.S",
            "CREATE STAGE RDB2.S.ST",
        ]
    );
    apply_ok(&d);
}

/// The configuration of the moves into and out of a replaced schema below: schema `s` made
/// transient (replaced), and a task, a stage and a model placed in `s` or `t`.
fn replaced_schema_blocks(
    transient: bool,
    task_in: &str,
    stage_in: &str,
    model_in: &str,
) -> String {
    format!(
        r#"
database "db" {{
  name = "RDB"
}}

schema "s" {{
  database  = database.db
  name      = "S"
  transient = {transient}
}}

schema "t" {{
  database = database.db
  name     = "T"
}}

stage "keep" {{
  schema = schema.t
  name   = "KEEP"
}}

stage "st" {{
  schema = schema.{stage_in}
  name   = "ST"
}}

model "m" {{
  schema = schema.{model_in}
  name   = "M"
  version "V1" {{
    source = "@${{stage.keep.fqn}}/m/v1"
  }}
}}

task "root" {{
  schema   = schema.{task_in}
  name     = "ROOT"
  sql      = "SELECT 1"
  schedule = "5 MINUTES"
  enabled  = true
}}
"#
    )
}

/// Seed 20043: a running task moved out of a schema made transient (replaced) was
/// suspended and dropped under its old name after the schema was created again, when it
/// no longer existed. Objects renamed out of it must move before it goes.
#[test]
fn objects_moved_out_of_a_replaced_schema() {
    let d = Dir::with(&[("main.hcl", &replaced_schema_blocks(false, "s", "s", "s"))]);
    apply_ok(&d);
    d.write("main.hcl", &replaced_schema_blocks(true, "t", "t", "t"));
    assert_eq!(
        plan_statements(&d, true),
        [
            "ALTER STAGE RDB.S.ST RENAME TO RDB.T.ST",
            "ALTER MODEL RDB.S.M RENAME TO RDB.T.M",
            "CREATE OR REPLACE TRANSIENT SCHEMA RDB.S",
            "CREATE TASK RDB.T.ROOT SCHEDULE = '5 MINUTES' AS SELECT 1",
            "ALTER TASK RDB.T.ROOT RESUME",
        ]
    );
    apply_reversed_ok(&d);
    let versions = d.exec_rows("SHOW VERSIONS IN MODEL RDB.T.M");
    assert_eq!(
        versions.len(),
        1,
        "the model keeps its version: {versions:?}"
    );
}

/// An object renamed into a replaced schema moves after the schema is created again,
/// rather than being created there while the old one stays behind.
#[test]
fn objects_moved_into_a_replaced_schema() {
    let d = Dir::with(&[("main.hcl", &replaced_schema_blocks(false, "t", "t", "t"))]);
    apply_ok(&d);
    d.write("main.hcl", &replaced_schema_blocks(true, "s", "s", "s"));
    assert_eq!(
        plan_statements(&d, true),
        [
            "CREATE OR REPLACE TRANSIENT SCHEMA RDB.S",
            "ALTER STAGE RDB.T.ST RENAME TO RDB.S.ST",
            "ALTER MODEL RDB.T.M RENAME TO RDB.S.M",
            "ALTER TASK RDB.T.ROOT SUSPEND",
            "CREATE TASK RDB.S.ROOT SCHEDULE = '5 MINUTES' AS SELECT 1",
            "DROP TASK RDB.T.ROOT",
            "ALTER TASK RDB.S.ROOT RESUME",
        ]
    );
    apply_reversed_ok(&d);
    for show in ["STAGES", "MODELS", "TASKS"] {
        let left = d.exec_rows(&format!("SHOW {show} IN SCHEMA RDB.T"));
        let names: Vec<&str> = left.iter().filter_map(|r| r[1].as_str()).collect();
        assert!(
            names.iter().all(|n| *n == "KEEP"),
            "nothing but KEEP stays behind in RDB.T: {names:?}"
        );
    }
}
