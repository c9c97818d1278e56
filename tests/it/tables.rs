//! Tables end to end on the sandbox: columns changed in place with ALTER TABLE (their rows
//! kept), a change ALTER cannot make refused without --allow-destroy (and by prevent_destroy),
//! a column added out of band found by drift and dropped by the next apply, and the
//! feature views and tasks that read declared tables planned after them.

use crate::common::{statements, Dir};

const TABLE: &str = r#"
database "db" {
  name = "TBL_DB"
}

schema "raw" {
  database = database.db
  name     = "RAW"
}

table "patients" {
  schema          = schema.raw
  name            = "PATIENTS"
  change_tracking = true
  {lifecycle}

  column "PATIENT_ID" {
    type     = "NUMBER"
    nullable = false
  }
  column "NAME" {
    type = "{name_type}"
  }
}
"#;

fn config(name_type: &str, lifecycle: &str) -> String {
    TABLE
        .replace("{name_type}", name_type)
        .replace("{lifecycle}", lifecycle)
}

fn rows(d: &Dir) -> usize {
    d.exec_rows("SELECT * FROM TBL_DB.RAW.PATIENTS").len()
}

#[test]
fn a_column_change_alter_cannot_make_is_destructive_and_needs_allow_destroy() {
    let d = Dir::with(&[("main.hcl", &config("VARCHAR(20)", ""))]);
    d.sandbox(&["apply", "--auto-approve"]).ok();
    d.exec("INSERT INTO TBL_DB.RAW.PATIENTS VALUES (1, 'Ada')");

    // A longer VARCHAR is an ALTER COLUMN: the row stays.
    d.write("main.hcl", &config("VARCHAR(50)", ""));
    let plan = d.sandbox(&["plan", "--format", "json"]).ok().json();
    assert_eq!(
        statements(&plan),
        ["ALTER TABLE TBL_DB.RAW.PATIENTS ALTER COLUMN NAME SET DATA TYPE VARCHAR(50)"]
    );
    assert_eq!(plan["destructive"], false, "{plan}");
    d.sandbox(&["apply", "--auto-approve"]).ok();
    assert_eq!(rows(&d), 1);
    d.sandbox(&["plan", "--detailed-exitcode"]).ok();

    // A shorter one is not: the table is re-created and its rows are lost, so the plan
    // says so and apply refuses it without --allow-destroy.
    d.write("main.hcl", &config("VARCHAR(10)", ""));
    let plan = d.sandbox(&["plan", "--format", "json"]).ok().json();
    assert_eq!(plan["destructive"], true, "{plan}");
    assert!(
        plan.to_string().contains("ALTER COLUMN cannot make"),
        "{plan}"
    );
    assert_eq!(
        statements(&plan),
        ["CREATE OR REPLACE TABLE TBL_DB.RAW.PATIENTS (PATIENT_ID NUMBER(38,0) NOT NULL, NAME VARCHAR(10)) CHANGE_TRACKING = TRUE"]
    );
    d.sandbox(&["apply", "--auto-approve"]).code(1);
    assert_eq!(rows(&d), 1, "nothing ran");

    // prevent_destroy holds even with --allow-destroy.
    d.write(
        "main.hcl",
        &config(
            "VARCHAR(10)",
            "lifecycle {\n    prevent_destroy = true\n  }",
        ),
    );
    d.sandbox(&["apply", "--auto-approve", "--allow-destroy"])
        .code(1);
    assert_eq!(rows(&d), 1, "nothing ran");

    d.write("main.hcl", &config("VARCHAR(10)", ""));
    d.sandbox(&["apply", "--auto-approve", "--allow-destroy"])
        .ok();
    assert_eq!(rows(&d), 0, "re-created empty");
    d.sandbox(&["plan", "--detailed-exitcode"]).ok();
    d.sandbox(&["drift"]).ok();
}

#[test]
fn drift_finds_a_column_added_out_of_band_and_apply_drops_it() {
    let d = Dir::with(&[("main.hcl", &config("VARCHAR(20)", ""))]);
    d.sandbox(&["apply", "--auto-approve"]).ok();
    d.exec("ALTER TABLE TBL_DB.RAW.PATIENTS ADD COLUMN NOTES VARCHAR");
    let drift = d.sandbox(&["drift", "--format", "json"]).code(2).json();
    assert!(drift.to_string().contains("NOTES"), "{drift}");
    let plan = d.sandbox(&["plan", "--format", "json"]).ok().json();
    assert_eq!(
        statements(&plan),
        ["ALTER TABLE TBL_DB.RAW.PATIENTS DROP COLUMN NOTES"]
    );
    d.sandbox(&["apply", "--auto-approve"]).ok();
    d.sandbox(&["drift"]).ok();
}
