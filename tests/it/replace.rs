//! `--replace ADDRESS`: an object replaced although nothing about it needs it, guarded
//! like every destructive change, and kept with a saved plan.

use crate::common::Dir;

const CONFIG: &str = r#"
warehouse "compute" {
  name = "COMPUTE_WH"
}

database "main" {
  name = "XYZ_REPLACE"
}

schema "raw" {
  database = database.main
  name     = "RAW"
}
"#;

fn plan_json(d: &Dir, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["plan", "--format", "json"];
    all.extend_from_slice(args);
    serde_json::from_str(&d.sandbox(&all).ok().stdout).unwrap()
}

#[test]
fn replace_plans_a_replacement_that_needs_allow_destroy() {
    let d = Dir::with(&[("main.hcl", CONFIG)]);
    d.sandbox(&["apply", "--auto-approve"]).ok();
    let plain = plan_json(&d, &[]);
    assert_eq!(plain["summary"]["replace"], 0, "{plain:#}");

    let plan = plan_json(&d, &["--replace", "schema.raw"]);
    let change = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == "schema.raw")
        .unwrap();
    assert_eq!(change["action"], "replace", "{change:#}");
    assert_eq!(change["destructive"], true);
    assert_eq!(
        change["reasons"],
        serde_json::json!(["replacement requested with --replace"])
    );
    assert_eq!(plan["summary"]["replace"], 1);

    let refused = d
        .sandbox(&["apply", "--auto-approve", "--replace", "schema.raw"])
        .code(1);
    assert!(
        refused.stderr.contains("--allow-destroy"),
        "{}",
        refused.stderr
    );
    let out = d
        .sandbox(&[
            "apply",
            "--auto-approve",
            "--allow-destroy",
            "--replace",
            "schema.raw",
            "--format",
            "json",
        ])
        .ok();
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let applied: Vec<&str> = report["applied"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert!(
        applied.iter().any(|s| s.contains("SCHEMA XYZ_REPLACE.RAW")),
        "{applied:?}"
    );
    d.sandbox(&["plan", "--detailed-exitcode"]).code(0);
}

#[test]
fn an_unknown_address_is_an_error() {
    let d = Dir::with(&[("main.hcl", CONFIG)]);
    d.sandbox(&["apply", "--auto-approve"]).ok();
    let out = d.sandbox(&["plan", "--replace", "schema.nope"]).code(1);
    assert!(
        out.stderr
            .contains("--replace schema.nope: the configuration has no such object"),
        "{}",
        out.stderr
    );
    let bad = d.sandbox(&["plan", "--replace", "not an address"]).code(1);
    assert!(
        bad.stderr.contains("--replace not an address"),
        "{}",
        bad.stderr
    );
}

#[test]
fn a_saved_plan_keeps_its_replacements() {
    let d = Dir::with(&[("main.hcl", CONFIG)]);
    d.sandbox(&["apply", "--auto-approve"]).ok();
    let file = d.path().join("plan.json");
    let file = file.to_str().unwrap();
    let edited_file = d.path().join("edited.json");
    let edited_file = edited_file.to_str().unwrap();
    d.sandbox(&["plan", "--replace", "warehouse.compute", "--out", file])
        .ok();
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    assert_eq!(saved["replace"], serde_json::json!(["warehouse.compute"]));
    // The list is sealed: edited, the plan is refused.
    let mut edited = saved.clone();
    edited["replace"] = serde_json::json!([]);
    d.write("edited.json", &edited.to_string());
    let tampered = d
        .sandbox(&["apply", edited_file, "--allow-destroy"])
        .code(1);
    assert!(tampered.stderr.contains("digest"), "{}", tampered.stderr);
    // A saved plan is applied as it was made.
    let mixed = d
        .sandbox(&["apply", file, "--replace", "schema.raw"])
        .code(1);
    assert!(
        mixed
            .stderr
            .contains("saved plan is applied as it was made"),
        "{}",
        mixed.stderr
    );
    let out = d
        .sandbox(&["apply", file, "--allow-destroy", "--format", "json"])
        .ok();
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    // A warehouse changes everything in place, so asked to replace it snowform drops it
    // and creates it.
    let applied: Vec<&str> = report["applied"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert_eq!(applied.len(), 2, "{applied:?}");
    assert!(
        applied[0].starts_with("DROP WAREHOUSE COMPUTE_WH"),
        "{applied:?}"
    );
    assert!(
        applied[1].starts_with("CREATE WAREHOUSE COMPUTE_WH"),
        "{applied:?}"
    );
    d.sandbox(&["plan", "--detailed-exitcode"]).code(0);
}
