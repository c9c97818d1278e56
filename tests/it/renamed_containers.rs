//! Objects in a stage, schema or database that is renamed, or moved out of one: what they
//! hold keeps its identity and every statement uses the name the account has at that
//! moment. Regression tests of the random walks (tests/it/walks.rs).

use crate::common::Dir;
use crate::regression_setup::{
    apply_ok, apply_reversed_ok, plan_statements, reconfigure, regression_dir,
};
use crate::walks::strings;

/// Many seeds: renaming a stage, or the schema or database holding it, changed the source
/// text of every model version made from it, which planned a destructive drop and add of
/// each version, and refused the plan outright for the default version. The version's
/// files are the same; only the record follows the new name.
#[test]
fn renaming_the_stage_of_a_model_keeps_its_versions() {
    let blocks = |schema: &str, stage: &str| {
        format!(
            r#"
schema "files" {{
  database = database.db
  name     = "{schema}"
}}

stage "st" {{
  schema = schema.files
  name   = "{stage}"
}}

model "m" {{
  schema = schema.s
  name   = "M"

  version "V1" {{
    source = "@${{stage.st.fqn}}/m/v1"
  }}

  version "V2" {{
    source = "@${{stage.st.fqn}}/m/v2"
  }}
}}
"#
        )
    };
    let d = regression_dir(&blocks("FILES", "ST"));
    for (schema, stage) in [("FILES", "ST2"), ("FILES2", "ST2")] {
        reconfigure(&d, &blocks(schema, stage));
        let plan = d.sandbox(&["plan", "--format", "json"]).ok().json();
        assert_eq!(plan["destructive"], false, "{plan}");
        assert!(
            !strings(&plan["statements"])
                .iter()
                .any(|s| s.contains("VERSION")),
            "{plan}"
        );
        apply_ok(&d);
        let state = d.state().to_string();
        assert!(
            state.contains(&format!("@RDB.{schema}.{stage}/m/v1")),
            "{state}"
        );
    }
}

/// Seeds 15, 40: a block given a new label while its schema or database is renamed was
/// planned as a new object (which already exists) and a delete of the old one: the move
/// was looked for under the recorded name only, not the name the rename gives it.
#[test]
fn an_object_moved_to_a_new_address_in_a_renamed_database() {
    let blocks = |db: &str, label: &str| {
        format!(
            r#"
database "db" {{
  name = "{db}"
}}

schema "s" {{
  database = database.db
  name     = "S"
}}

task "{label}" {{
  schema   = schema.s
  name     = "T"
  sql      = "SELECT 1"
  schedule = "5 MINUTES"
}}
"#
        )
    };
    let d = Dir::with(&[("main.hcl", &blocks("RDB", "t"))]);
    apply_ok(&d);
    d.write("main.hcl", &blocks("RDB2", "t2"));
    let plan = d.sandbox(&["plan", "--format", "json"]).ok().json();
    assert_eq!(
        strings(&plan["statements"]),
        ["ALTER DATABASE RDB RENAME TO RDB2"],
        "{plan}"
    );
    apply_ok(&d);
    assert!(d.state().to_string().contains("task.t2"));
}

/// Seed 20087: a model moved out of a schema whose database is renamed was renamed under
/// the database's new name before that rename ran (a reverse order its links allowed):
/// nothing the model refers to lives in that database, so no reference ordered it.
#[test]
fn an_object_moved_out_of_a_renamed_database() {
    let blocks = |db: &str, schema: &str| {
        format!(
            r#"
database "db" {{
  name = "{db}"
}}

database "other" {{
  name = "ODB"
}}

schema "s" {{
  database = database.db
  name     = "S"
}}

schema "t" {{
  database = database.other
  name     = "T"
}}

stage "st" {{
  schema = schema.t
  name   = "ST"
}}

model "m" {{
  schema = schema.{schema}
  name   = "M"
  version "V1" {{
    source = "@${{stage.st.fqn}}/m/v1"
  }}
}}
"#
        )
    };
    let d = Dir::with(&[("main.hcl", &blocks("RDB", "s"))]);
    apply_ok(&d);
    d.write("main.hcl", &blocks("RDB2", "t"));
    assert_eq!(
        plan_statements(&d, true),
        [
            "ALTER DATABASE RDB RENAME TO RDB2",
            "ALTER MODEL RDB2.S.M RENAME TO ODB.T.M",
        ]
    );
    apply_reversed_ok(&d);
}
