//! What the regression tests of the random walks (tests/it/walks.rs) share: a database
//! and schema to put objects in, applied and checked to leave nothing to do. The tests,
//! each the smallest form of a failure a walk found, are in the files named for what they
//! test: task_graphs.rs, renamed_containers.rs, replaced_containers.rs and
//! recorded_values.rs; those that are a plan and nothing else are plan cases
//! (tests/fixtures/plan_cases/, run by plan_cases.rs).

use crate::common::Dir;
use crate::walks::strings;
use serde_json::Value as J;

pub(crate) const REGRESSION_BASE: &str = r#"
database "db" {
  name = "RDB"
}

schema "s" {
  database = database.db
  name     = "S"
}
"#;

pub(crate) fn regression_dir(blocks: &str) -> Dir {
    let d = Dir::with(&[("main.hcl", &format!("{REGRESSION_BASE}{blocks}"))]);
    d.seed_sources();
    apply_ok(&d);
    d
}

pub(crate) fn reconfigure(d: &Dir, blocks: &str) {
    d.write("main.hcl", &format!("{REGRESSION_BASE}{blocks}"));
}

#[track_caller]
pub(crate) fn apply_ok(d: &Dir) -> J {
    let out = d.apply_destroying();
    assert_eq!(out["pending"], serde_json::json!([]), "{out}");
    d.sandbox(&["plan", "--detailed-exitcode"]).ok();
    d.sandbox(&["plan", "--refresh=false", "--detailed-exitcode"])
        .ok();
    out
}

/// Applies the plan run in the reverse of its order wherever its links allow (an order a
/// parallel apply could take), and checks that it succeeds and leaves nothing to do.
#[track_caller]
pub(crate) fn apply_reversed_ok(d: &Dir) {
    let file = d.path().join("p.plan");
    let file = file.to_str().unwrap();
    d.sandbox(&["plan", "--out", file]).ok();
    let mut doc: J = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    doc["plan"]["order"].as_array_mut().unwrap().reverse();
    crate::common::reseal(&mut doc);
    std::fs::write(file, doc.to_string()).unwrap();
    let out = d
        .sandbox(&[
            "apply",
            file,
            "--auto-approve",
            "--allow-destroy",
            "--parallelism",
            "1",
            "--format",
            "json",
        ])
        .ok()
        .json();
    assert_eq!(out["failed"], serde_json::json!([]), "{out}");
    d.sandbox(&["plan", "--detailed-exitcode"]).ok();
}

pub(crate) fn plan_statements(d: &Dir, refresh: bool) -> Vec<String> {
    let mut args = vec!["plan", "--format", "json"];
    if !refresh {
        args.push("--refresh=false");
    }
    strings(&d.sandbox(&args).ok().json()["statements"])
}
