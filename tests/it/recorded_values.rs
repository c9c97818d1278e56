//! Values the state records: those the account already had, empty ones, and those shown
//! only by inheritance. Regression tests of the random walks (tests/it/walks.rs); more,
//! that are a plan alone, are in tests/fixtures/plan_cases/.

use crate::common::Dir;
use crate::regression_setup::{apply_ok, apply_reversed_ok, plan_statements, regression_dir};

/// Seeds 4, 5, 7, 13, 14, ...: an empty model version comment against none.
#[test]
fn an_empty_model_version_comment_is_no_comment() {
    let d = regression_dir(
        r#"
stage "st" {
  schema = schema.s
  name   = "ST"
}

model "m" {
  schema = schema.s
  name   = "M"

  version "V1" {
    source  = "@${stage.st.fqn}/m/v1"
    comment = ""
  }
}
"#,
    );
    d.sandbox(&["drift"]).ok();
}

/// Seeds 40031, 40087: a schema's configured retention that the account showed only by
/// inheritance was recorded, not set, so changing the database's retention (or moving
/// the schema to a database with another) changed the schema's too.
#[test]
fn a_schema_keeps_its_retention_when_its_database_changes() {
    let blocks = |db_retention: &str, schema_retention: &str, schema_db: &str| {
        format!(
            r#"
database "db" {{
  name = "RDB"
  {db_retention}
}}

database "other" {{
  name = "ODB"
  data_retention_time_in_days = 0
}}

schema "s" {{
  database = database.{schema_db}
  name     = "S"
  {schema_retention}
}}
"#
        )
    };
    let d = Dir::with(&[("main.hcl", &blocks("", "", "db"))]);
    apply_ok(&d);
    // The database's default retention is 1: the schema shows 1 by inheritance.
    let keep = "data_retention_time_in_days = 1";
    d.write(
        "main.hcl",
        &blocks("data_retention_time_in_days = 0", keep, "db"),
    );
    assert_eq!(
        plan_statements(&d, true),
        [
            "ALTER DATABASE RDB SET DATA_RETENTION_TIME_IN_DAYS = 0",
            "ALTER SCHEMA RDB.S SET DATA_RETENTION_TIME_IN_DAYS = 1",
        ]
    );
    apply_reversed_ok(&d);

    // Moved to a database whose retention is 0, after only recording the inherited 1.
    let d = Dir::with(&[("main.hcl", &blocks("", "", "db"))]);
    apply_ok(&d);
    d.write("main.hcl", &blocks("", keep, "db"));
    apply_ok(&d);
    d.write("main.hcl", &blocks("", keep, "other"));
    assert_eq!(
        plan_statements(&d, true),
        [
            "ALTER SCHEMA RDB.S RENAME TO ODB.S",
            "ALTER SCHEMA ODB.S SET DATA_RETENTION_TIME_IN_DAYS = 1",
        ]
    );
    apply_reversed_ok(&d);
}
