//! A replaced schema takes everything in it along, managed or not: the plan lists it in
//! every format, and apply's destroy guard names it.

use crate::common::Dir;
use serde_json::json;

fn config(transient: bool) -> String {
    format!(
        r#"
database "d" {{
  name = "CT_DB"
}}
schema "s" {{
  database  = database.d
  name      = "S"
  transient = {transient}
}}
stage "st" {{
  schema = schema.s
  name   = "ST"
}}
"#
    )
}

fn change<'a>(plan: &'a serde_json::Value, address: &str) -> &'a serde_json::Value {
    plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == address)
        .unwrap_or_else(|| panic!("no change for {address}: {plan}"))
}

#[test]
fn replacing_a_schema_lists_what_it_drops_managed_or_not() {
    let d = Dir::with(&[("main.hcl", &config(false))]);
    d.sandbox(&["apply", "--auto-approve"]).ok();
    // A data team's table, which snowform does not manage.
    d.exec("CREATE TABLE CT_DB.S.EVENTS (ID NUMBER)");
    let unchanged = d.sandbox(&["plan", "--format", "json"]).ok().json();
    assert!(change(&unchanged, "schema.s")
        .get("drops_with_it")
        .is_none());

    d.write("main.hcl", &config(true));
    let plan = d.sandbox(&["plan", "--format", "json"]).ok().json();
    let s = change(&plan, "schema.s");
    assert_eq!(s["action"], "replace", "{plan}");
    assert_eq!(
        s["drops_with_it"],
        json!([
            {"kind": "table", "name": "CT_DB.S.EVENTS", "managed": false},
            {"kind": "stage", "name": "CT_DB.S.ST", "managed": true},
        ]),
        "{plan}"
    );
    assert!(s.get("drops_with_it_unknown").is_none());
    // Only the kinds the first read had not listed in the schema are read, once each:
    // tables, dynamic tables, views, tasks, models and tags (its stages were read already).
    assert_eq!(
        plan["metadata_queries"].as_u64().unwrap(),
        unchanged["metadata_queries"].as_u64().unwrap() + 6,
        "{plan}"
    );

    let human = d.sandbox(&["plan"]).ok().stdout;
    insta::assert_snapshot!("replaced-schema-plan-human", human);
    let markdown = d.sandbox(&["plan", "--format", "markdown"]).ok().stdout;
    for line in [
        "Replacing or dropping a database or schema drops 1 object(s) inside it that snowform does not manage (listed above).",
        "  - drops with it (everything inside, managed or not):",
        "    - table CT_DB.S.EVENTS (NOT managed by snowform)",
        "    - stage CT_DB.S.ST (managed)",
    ] {
        assert!(markdown.contains(line), "{line:?} in:\n{markdown}");
    }

    let refused = d.sandbox(&["apply", "--auto-approve"]).code(1);
    for line in [
        "  replace schema.s (CT_DB.S): ",
        "    drops with it (everything inside, managed or not):\n      - table CT_DB.S.EVENTS (NOT managed by snowform)\n      - stage CT_DB.S.ST (managed)",
    ] {
        assert!(refused.stderr.contains(line), "{line:?} in:\n{}", refused.stderr);
    }
    assert_eq!(d.exec_rows("SHOW TABLES IN SCHEMA CT_DB.S").len(), 1);

    // Without a connection nothing inside can be listed, and the plan says so.
    let offline = d
        .run(&["plan", "--refresh=false", "--format", "json"])
        .ok()
        .json();
    let s = change(&offline, "schema.s");
    assert_eq!(s["action"], "replace", "{offline}");
    assert!(s.get("drops_with_it").is_none(), "{offline}");
    assert!(
        s["drops_with_it_unknown"]
            .as_str()
            .unwrap()
            .contains("planned without a connection"),
        "{offline}"
    );
    let human = d.run(&["plan", "--refresh=false"]).ok().stdout;
    assert!(
        human.contains("      - cannot list what it holds: planned without a connection"),
        "{human}"
    );
}

#[test]
fn replacing_a_database_lists_its_schemas_and_their_objects() {
    let cfg = |transient: bool| {
        format!(
            r#"
database "d" {{
  name      = "CT2_DB"
  transient = {transient}
}}
schema "s" {{
  database = database.d
  name     = "S"
}}
stage "st" {{
  schema = schema.s
  name   = "ST"
}}
"#
        )
    };
    let d = Dir::with(&[("main.hcl", &cfg(false))]);
    d.sandbox(&["apply", "--auto-approve"]).ok();
    d.exec("CREATE SCHEMA CT2_DB.SCRATCH");
    d.exec("CREATE TABLE CT2_DB.SCRATCH.NOTES (ID NUMBER)");
    d.exec("CREATE TABLE CT2_DB.S.EVENTS (ID NUMBER)");
    d.write("main.hcl", &cfg(true));
    let plan = d.sandbox(&["plan", "--format", "json"]).ok().json();
    let db = change(&plan, "database.d");
    assert_eq!(db["action"], "replace", "{plan}");
    assert_eq!(
        db["drops_with_it"],
        json!([
            {"kind": "schema", "name": "CT2_DB.S", "managed": true},
            {"kind": "schema", "name": "CT2_DB.SCRATCH", "managed": false},
            {"kind": "table", "name": "CT2_DB.S.EVENTS", "managed": false},
            {"kind": "stage", "name": "CT2_DB.S.ST", "managed": true},
            {"kind": "table", "name": "CT2_DB.SCRATCH.NOTES", "managed": false},
        ]),
        "{plan}"
    );
    // The schema, replaced with it, lists its own.
    assert_eq!(
        change(&plan, "schema.s")["drops_with_it"],
        json!([
            {"kind": "table", "name": "CT2_DB.S.EVENTS", "managed": false},
            {"kind": "stage", "name": "CT2_DB.S.ST", "managed": true},
        ]),
        "{plan}"
    );
    // CT2_DB.S.EVENTS is listed under both the database and the schema: counted once.
    let human = d.sandbox(&["plan"]).ok().stdout;
    assert!(
        human.contains("drops 3 object(s) inside it that snowform does not manage"),
        "{human}"
    );
    let refused = d.sandbox(&["apply", "--auto-approve"]).code(1);
    assert!(
        refused
            .stderr
            .contains("      - table CT2_DB.SCRATCH.NOTES (NOT managed by snowform)"),
        "{}",
        refused.stderr
    );
}

/// Dropping a schema (its block removed) drops what it holds just as a replacement does:
/// the plan lists it, and apply's destroy guard names it.
#[test]
fn dropping_a_schema_lists_what_it_drops_managed_or_not() {
    let d = Dir::with(&[("main.hcl", &config(false))]);
    d.sandbox(&["apply", "--auto-approve"]).ok();
    d.exec("CREATE TABLE CT_DB.S.EVENTS (ID NUMBER)");
    d.write("main.hcl", "database \"d\" {\n  name = \"CT_DB\"\n}\n");
    let plan = d.sandbox(&["plan", "--format", "json"]).ok().json();
    let s = change(&plan, "schema.s");
    assert_eq!(s["action"], "delete", "{plan}");
    assert_eq!(
        s["drops_with_it"],
        json!([
            {"kind": "table", "name": "CT_DB.S.EVENTS", "managed": false},
            {"kind": "stage", "name": "CT_DB.S.ST", "managed": true},
        ]),
        "{plan}"
    );
    let human = d.sandbox(&["plan"]).ok().stdout;
    assert!(
        human.contains("drops 1 object(s) inside it that snowform does not manage"),
        "{human}"
    );
    let refused = d.sandbox(&["apply", "--auto-approve"]).code(1);
    assert!(
        refused.stderr.contains("CT_DB.S.EVENTS"),
        "{}",
        refused.stderr
    );
}
