//! `moved`, `import` and `removed` blocks: a rename of a block together with its object is
//! a move, a refactor into a module moves records, imports adopt at plan time, and a
//! removed block with `destroy = false` forgets without dropping.

use crate::common::{actions, statements, Dir};

const BEFORE: &str = r#"
database "main" {
  name = "RF"
}

schema "old_name" {
  database = database.main
  name     = "OLD_NAME"
  comment  = "kept"
}

model "m" {
  schema = schema.old_name
  name   = "M"
  version "V1" {
    source = "@RF.OLD_NAME.ST/m/v1"
  }
}

stage "st" {
  schema = schema.old_name
  name   = "ST"
}
"#;

fn renamed() -> String {
    BEFORE
        .replace("schema \"old_name\"", "schema \"feature_store\"")
        .replace("\"OLD_NAME\"", "\"FEATURE_STORE\"")
        .replace("schema.old_name", "schema.feature_store")
        .replace("RF.OLD_NAME.ST", "RF.FEATURE_STORE.ST")
}

#[test]
fn a_block_renamed_with_its_object_is_a_move_with_a_moved_block() {
    let d = Dir::with(&[("main.hcl", BEFORE)]);
    d.sandbox(&["apply", "--auto-approve"]).ok();

    // Without a moved block, nothing ties the new block to the old record: the schema
    // would be dropped and created, and what is in it with it.
    d.write("main.hcl", &renamed());
    let plan = d.sandbox(&["plan", "--format", "json"]).ok().json();
    assert!(plan["destructive"].as_bool().unwrap(), "{plan}");
    assert!(actions(&plan).contains(&("schema.old_name".into(), "delete".into())));

    d.write(
        "moved.hcl",
        "moved {\n  from = schema.old_name\n  to   = schema.feature_store\n}\n",
    );
    let plan = d.sandbox(&["plan", "--format", "json"]).ok().json();
    assert_eq!(plan["destructive"], false, "{plan}");
    let acts = actions(&plan);
    assert!(
        acts.contains(&("schema.feature_store".to_string(), "update".to_string())),
        "{acts:?}"
    );
    assert!(
        acts.iter().all(|(_, action)| action == "update"),
        "nothing but updates (the rename, and the records that follow it): {acts:?}"
    );
    assert_eq!(
        statements(&plan)[0],
        "ALTER SCHEMA RF.OLD_NAME RENAME TO RF.FEATURE_STORE"
    );
    let human = d.sandbox(&["plan"]).ok().stdout;
    assert!(human.contains("moved from schema.old_name"), "{human}");
    d.sandbox(&["apply", "--auto-approve", "--allow-rename"])
        .ok();
    let plan = d.sandbox(&["plan", "--format", "json"]).ok().json();
    assert_eq!(actions(&plan), Vec::<(String, String)>::new());
    let listed = d.run(&["state", "list"]).ok().stdout;
    assert!(
        listed.contains("schema.feature_store\tschema\tRF.FEATURE_STORE"),
        "{listed}"
    );
}

#[test]
fn a_refactor_from_flat_blocks_into_a_module_with_moved_blocks_destroys_nothing() {
    // Flat, the teams' schemas were named <TEAM>_FS; the module names them <TEAM>_FEATURES.
    let flat = crate::modules::FLAT.replace("_FEATURES\"", "_FS\"");
    let d = Dir::with(&[("main.hcl", &flat)]);
    d.write(
        "landing.sql",
        &std::fs::read_to_string(
            crate::common::repo().join("examples/feature-store-module/landing.sql"),
        )
        .unwrap(),
    );
    d.seed_sources();
    d.sandbox(&["apply", "--auto-approve"]).ok();

    let modular = Dir::example("feature-store-module");
    std::fs::remove_file(d.path().join("main.hcl")).unwrap();
    crate::common::copy_tree(modular.path(), d.path());
    let mut moved = String::new();
    for team in ["fraud", "churn"] {
        for (kind, label) in [
            ("schema", "feature_store"),
            ("entity", "customer"),
            ("feature_view", "order_totals"),
            ("feature_view", "last_order"),
        ] {
            moved.push_str(&format!(
                "moved {{\n  from = {kind}.{team}_{label}\n  to   = module.team[\"{team}\"].{kind}.{label}\n}}\n\n"
            ));
        }
    }
    d.write("moved.hcl", &moved);
    let plan = d.sandbox(&["plan", "--format", "json"]).ok().json();
    assert_eq!(plan["destructive"], false, "{plan}");
    assert_eq!(plan["summary"]["create"], 0, "{plan}");
    assert_eq!(plan["summary"]["delete"], 0, "{plan}");
    assert_eq!(plan["summary"]["replace"], 0, "{plan}");
    assert_eq!(plan["summary"]["update"], 8, "{plan}");
    let mut sql = statements(&plan);
    sql.sort();
    assert_eq!(
        sql,
        [
            "ALTER SCHEMA ML.CHURN_FS RENAME TO ML.CHURN_FEATURES",
            "ALTER SCHEMA ML.FRAUD_FS RENAME TO ML.FRAUD_FEATURES",
        ]
    );
    d.sandbox(&["apply", "--auto-approve", "--allow-rename"])
        .ok();
    let plan = d.sandbox(&["plan", "--format", "json"]).ok().json();
    assert_eq!(actions(&plan), Vec::<(String, String)>::new());
    d.sandbox(&["drift"]).ok();

    // A moved block that names an address the configuration still has, or one it lacks.
    d.write(
        "moved.hcl",
        "moved {\n  from = database.ml\n  to   = database.other\n}\n",
    );
    let err = d.run(&["validate"]).code(1).stderr;
    assert!(
        err.contains(
            "moved.hcl:2:10: error: moved from database.ml, which the configuration still declares"
        ),
        "{err}"
    );
}
