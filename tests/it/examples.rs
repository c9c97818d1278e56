//! The examples, end to end: their plans pinned as snapshots, applied to the sandbox,
//! planned again with no changes, changed out of band and reported.

use crate::common::{actions, Dir};

#[test]
fn offline_plans_of_the_examples_are_pinned() {
    for example in ["mitsui-mlops", "teams", "feature-store-module"] {
        let d = Dir::example(example);
        for format in ["human", "json", "markdown"] {
            let out = d.run(&["plan", "--refresh=false", "--format", format]).ok();
            insta::assert_snapshot!(format!("{example}-plan-{format}"), out.stdout);
        }
    }
}

#[test]
fn examples_apply_then_plan_no_changes_then_report_drift() {
    for example in ["mitsui-mlops", "teams", "feature-store-module"] {
        let d = Dir::example(example);
        d.seed_sources();
        let applied = d
            .sandbox(&["apply", "--auto-approve", "--format", "json"])
            .ok()
            .json();
        assert!(
            applied["failed"].as_array().unwrap().is_empty(),
            "{applied}"
        );
        assert!(
            applied["pending"].as_array().unwrap().is_empty(),
            "{applied}"
        );
        let plan = d
            .sandbox(&["plan", "--format", "json", "--detailed-exitcode"])
            .ok()
            .json();
        assert_eq!(
            actions(&plan),
            Vec::<(String, String)>::new(),
            "{example}: a second plan must be empty"
        );
        assert!(plan["metadata_queries"].as_u64().unwrap() > 0);
        d.sandbox(&["drift"]).ok();
    }
}

#[test]
fn out_of_band_changes_show_in_drift_and_plan() {
    let d = Dir::example("mitsui-mlops");
    d.seed_sources();
    d.sandbox(&["apply", "--auto-approve"]).ok();
    d.exec("ALTER WAREHOUSE COMPUTE_WH SET WAREHOUSE_SIZE = SMALL");
    d.exec("DROP STAGE XYZ_DEV.FEATURE_STORE.MODEL_ARTIFACTS");
    let drift = d.sandbox(&["drift", "--format", "json"]).code(2).json();
    assert_eq!(
        drift["summary"],
        serde_json::json!({"changed": 1, "deleted": 1, "unmanaged": 0})
    );
    let changed = &drift["drifted"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["drift"] == "changed")
        .unwrap();
    assert_eq!(changed["address"], "warehouse.compute");
    assert_eq!(
        changed["attributes"],
        serde_json::json!([{"name": "size", "expected": "XSMALL", "actual": "SMALL"}])
    );
    let plan = d
        .sandbox(&["plan", "--format", "json", "--detailed-exitcode"])
        .code(2)
        .json();
    assert_eq!(
        actions(&plan),
        [
            ("warehouse.compute".to_string(), "update".to_string()),
            ("stage.models".to_string(), "create".to_string())
        ]
    );
    d.sandbox(&["apply", "--auto-approve"]).ok();
    d.sandbox(&["drift"]).ok();
}

#[test]
fn the_readme_example_validates() {
    let readme = std::fs::read_to_string(crate::common::repo().join("README.md")).unwrap();
    let start = readme.find("```hcl\n").expect("README has an HCL example") + "```hcl\n".len();
    let end = start + readme[start..].find("```").unwrap();
    let d = Dir::with(&[("main.hcl", &readme[start..end])]);
    d.run(&["validate"]).ok();
}
