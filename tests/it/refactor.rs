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
    // The four blocks each team names in a moved block, and the role and four grants found
    // by name: the grants on and in a renamed schema follow it, as Snowflake keeps them.
    assert_eq!(plan["summary"]["update"], 18, "{plan}");
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

#[test]
fn a_removed_block_with_destroy_false_forgets_and_leaves_the_object_in_the_account() {
    let d = Dir::with(&[("main.hcl", BEFORE)]);
    d.sandbox(&["apply", "--auto-approve"]).ok();
    let without_stage = BEFORE.replace(
        "stage \"st\" {\n  schema = schema.old_name\n  name   = \"ST\"\n}\n",
        "",
    );
    assert_ne!(without_stage, BEFORE);
    d.write("main.hcl", &without_stage);

    // Removing the block alone drops the stage.
    let plan = d.sandbox(&["plan", "--format", "json"]).ok().json();
    assert_eq!(plan["destructive"], true);
    assert_eq!(statements(&plan), ["DROP STAGE RF.OLD_NAME.ST"]);

    d.write(
        "removed.hcl",
        "removed {\n  from = stage.st\n  lifecycle {\n    destroy = false\n  }\n}\n",
    );
    for format in ["human", "markdown"] {
        let out = d.sandbox(&["plan", "--format", format]).ok().stdout;
        assert!(out.contains("the account keeps it"), "{out}");
    }
    let plan = d.sandbox(&["plan", "--format", "json"]).ok().json();
    assert_eq!(plan["destructive"], false, "{plan}");
    assert_eq!(
        actions(&plan),
        [("stage.st".to_string(), "delete".to_string())]
    );
    assert!(statements(&plan).is_empty(), "{plan}");
    // Nothing is destroyed, so no --allow-destroy is needed.
    d.sandbox(&["apply", "--auto-approve"]).ok();
    let listed = d.run(&["state", "list"]).ok().stdout;
    assert!(!listed.contains("stage.st"), "{listed}");
    let stages = d.exec_rows("SHOW STAGES IN SCHEMA RF.OLD_NAME");
    assert_eq!(
        stages.len(),
        1,
        "the stage is still in the account: {stages:?}"
    );
    let plan = d.sandbox(&["plan", "--format", "json"]).ok().json();
    assert_eq!(actions(&plan), Vec::<(String, String)>::new());

    // A removed block must not name what the configuration still declares.
    d.write("main.hcl", BEFORE);
    let err = d.run(&["validate"]).code(1).stderr;
    assert!(
        err.contains(
            "removed.hcl:2:10: error: removed stage.st, which the configuration still declares"
        ),
        "{err}"
    );
}

#[test]
fn import_blocks_written_by_generate_adopt_everything_at_plan_time() {
    // Objects made outside snowform.
    let d = Dir::empty();
    d.write("main.hcl", "# nothing yet\n");
    d.exec("CREATE DATABASE IMP COMMENT = 'made by hand'");
    d.exec("CREATE SCHEMA IMP.S");
    d.exec("CREATE STAGE IMP.S.FILES COMMENT = 'files'");
    d.exec("CREATE WAREHOUSE IMP_WH WAREHOUSE_SIZE = XSMALL");

    let out = d.path().join("generated.hcl");
    d.sandbox(&[
        "generate",
        "--database",
        "IMP",
        "--import-blocks",
        "--out",
        out.to_str().unwrap(),
    ])
    .ok();
    let hcl = std::fs::read_to_string(&out).unwrap();
    assert!(
        hcl.contains("import {\n  to = schema.s\n  id = \"IMP.S\"\n}"),
        "{hcl}"
    );
    std::fs::remove_file(d.path().join("main.hcl")).unwrap();

    // Planned offline, an import cannot know what the account has.
    let err = d.run(&["plan", "--refresh=false"]).code(1).stderr;
    assert!(err.contains("needs the account"), "{err}");

    // Every object is adopted, in every format, with no statement.
    let plan = d.sandbox(&["plan", "--format", "json"]).ok().json();
    assert!(statements(&plan).is_empty(), "{plan}");
    let changes = plan["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 3, "{plan}");
    for c in changes {
        assert_eq!(c["imported"], true, "{c}");
        assert_eq!(c["action"], "update", "{c}");
        assert!(
            c["reasons"][0].as_str().unwrap().starts_with("imported: "),
            "{c}"
        );
    }
    for format in ["human", "markdown"] {
        let out = d.sandbox(&["plan", "--format", format]).ok().stdout;
        assert!(
            out.contains("imported: IMP.S.FILES is adopted"),
            "{format}: {out}"
        );
    }
    d.sandbox(&["apply", "--auto-approve"]).ok();
    let listed = d.run(&["state", "list"]).ok().stdout;
    assert!(
        listed.contains("stage.files\tstage\tIMP.S.FILES"),
        "{listed}"
    );
    let plan = d.sandbox(&["plan", "--format", "json"]).ok().json();
    assert_eq!(actions(&plan), Vec::<(String, String)>::new());

    // An import whose object differs from its block: adopted, then changed, in one plan.
    d.exec("CREATE DATABASE IMP2 COMMENT = 'old'");
    d.write(
        "more.hcl",
        "database \"imp2\" {\n  name    = \"IMP2\"\n  comment = \"new\"\n}\n\nimport {\n  to = database.imp2\n  id = \"IMP2\"\n}\n",
    );
    let plan = d.sandbox(&["plan", "--format", "json"]).ok().json();
    assert_eq!(
        statements(&plan),
        ["ALTER DATABASE IMP2 SET COMMENT = 'new'"]
    );
    d.sandbox(&["apply", "--auto-approve"]).ok();
    let plan = d.sandbox(&["plan", "--format", "json"]).ok().json();
    assert_eq!(actions(&plan), Vec::<(String, String)>::new());

    // An id that is not the block's object.
    d.write(
        "more.hcl",
        "database \"imp2\" {\n  name    = \"IMP2\"\n  comment = \"new\"\n}\n\nimport {\n  to = database.imp2\n  id = \"IMP3\"\n}\n",
    );
    let err = d.run(&["validate"]).code(1).stderr;
    assert!(
        err.contains("more.hcl:8:8: error: import IMP3 to database.imp2, whose block names IMP2"),
        "{err}"
    );
}

#[test]
fn count_instances_are_addressed_by_index_and_scale_down_from_the_end() {
    let config = |n: u32| {
        format!(
            "database \"main\" {{\n  name = \"CNT\"\n}}\n\nschema \"shard\" {{\n  count    = {n}\n  database = database.main\n  name     = \"SHARD_${{count.index}}\"\n}}\n"
        )
    };
    let d = Dir::with(&[("main.hcl", &config(3))]);
    d.sandbox(&["apply", "--auto-approve"]).ok();
    let listed = d.run(&["state", "list"]).ok().stdout;
    assert!(
        listed.contains("schema.shard[2]\tschema\tCNT.SHARD_2"),
        "{listed}"
    );
    d.write("main.hcl", &config(2));
    let plan = d.sandbox(&["plan", "--format", "json"]).ok().json();
    assert_eq!(
        actions(&plan),
        [("schema.shard[2]".to_string(), "delete".to_string())]
    );
    d.sandbox(&["apply", "--auto-approve", "--allow-destroy"])
        .ok();
    let plan = d
        .sandbox(&["plan", "--format", "json", "--target", "schema.shard[1]"])
        .ok()
        .json();
    assert_eq!(actions(&plan), Vec::<(String, String)>::new());
}

#[test]
fn a_dynamic_block_plans_as_the_blocks_it_writes() {
    let fixture =
        crate::common::repo().join("tests/fixtures/config/valid/dynamic_model_versions/main.hcl");
    let dynamic = std::fs::read_to_string(fixture).unwrap();
    let written = r#"
database "main" {
  name = "DYN"
}

schema "fs" {
  database = database.main
  name     = "FS"
}

model "m" {
  schema          = schema.fs
  name            = "M"
  default_version = "V2"
  version "V1" {
    source  = "@DYN.FS.ST/m/v1"
    comment = "first"
  }
  version "V2" {
    source  = "@DYN.FS.ST/m/v2"
    comment = "second"
  }
}

model "n" {
  schema = schema.fs
  name   = "N"
  version "V1" {
    source = "@DYN.FS.ST/n/v1"
  }
  version "V2" {
    source = "@DYN.FS.ST/n/v2"
  }
}
"#;
    let a = Dir::with(&[("main.hcl", &dynamic)]);
    let b = Dir::with(&[("main.hcl", written)]);
    let args = ["plan", "--refresh=false", "--format", "json"];
    let (pa, pb) = (a.run(&args).ok().json(), b.run(&args).ok().json());
    assert_eq!(pa["changes"], pb["changes"]);
    assert_eq!(statements(&pa), statements(&pb));
    assert!(
        statements(&pa).iter().any(|s| s.contains("VERSION V2")),
        "{pa}"
    );
}
