//! The local state's journal, end to end: every command reads the state file with the
//! journal beside it replayed, a line cut short by a kill is ignored, an apply folds the
//! journal into the file when it ends, and a state of the previous format still loads.

use crate::common::*;

const WAREHOUSES: &str = r#"
warehouse "a" {
  name    = "JR_A"
  size    = "XSMALL"
  comment = "a"
}
warehouse "b" {
  name    = "JR_B"
  size    = "XSMALL"
  comment = "b"
}
"#;

const WITH_C: &str = r#"
warehouse "c" {
  name    = "JR_C"
  size    = "XSMALL"
  comment = "c"
}
"#;

fn journal(d: &Dir) -> std::path::PathBuf {
    d.path().join("state/default.json.journal")
}

fn lines(d: &Dir, args: &[&str]) -> Vec<String> {
    d.run(args)
        .ok()
        .stdout
        .lines()
        .map(str::to_string)
        .collect()
}

/// Append text to the journal, as an apply killed at that point would have left it.
fn append(d: &Dir, text: &str) {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(journal(d))
        .unwrap();
    f.write_all(text.as_bytes()).unwrap();
}

#[test]
fn an_apply_leaves_everything_in_the_state_file_and_an_empty_journal_naming_it() {
    let d = Dir::with(&[("main.hcl", WAREHOUSES)]);
    d.sandbox(&["apply", "--auto-approve"]).ok();
    let state = d.state();
    assert_eq!(state["format_version"], snowform::state::FORMAT_VERSION);
    assert_eq!(state["resources"].as_object().unwrap().len(), 2);
    assert!(state.get("in_progress").is_none(), "{state}");
    let text = std::fs::read_to_string(journal(&d)).unwrap();
    let header: serde_json::Value = serde_json::from_str(text.trim_end()).unwrap();
    assert_eq!(text.lines().count(), 1, "{text}");
    assert_eq!(header["id"], state["journal"]);
    // One record a line, under its kind, without what its address and name give.
    let file = std::fs::read_to_string(d.path().join("state/default.json")).unwrap();
    let record = file
        .lines()
        .skip_while(|l| *l != "\"warehouse\":{")
        .find(|l| l.starts_with("\"a\":[\"JR_A\","))
        .unwrap_or_else(|| panic!("{file}"));
    assert!(
        !record.contains("digest") && !record.contains("warehouse"),
        "{record}"
    );
}

#[test]
fn every_command_reads_the_journal_and_ignores_a_last_line_cut_short() {
    let d = Dir::with(&[("main.hcl", WAREHOUSES)]);
    d.sandbox(&["apply", "--auto-approve"]).ok();
    d.exec("CREATE WAREHOUSE JR_C WAREHOUSE_SIZE = XSMALL COMMENT = 'c'");
    d.write("c.hcl", WITH_C);
    // An apply killed after sending CREATE WAREHOUSE JR_C: entered in progress, not recorded.
    let put = r#"{"op":"put","object":{"address":"warehouse.c","name":{"name":"JR_C"},"props":{"comment":"c","size":"XSMALL"}}}"#;
    append(
        &d,
        &format!(
            "{{\"op\":\"start\",\"statement\":\"CREATE WAREHOUSE JR_C WAREHOUSE_SIZE = XSMALL COMMENT = 'c'\",\"request_id\":\"req-c\",\"started_at\":\"2026-12-06T00:00:00Z\",\"effect\":{put}}}\n"
        ),
    );
    let in_progress = lines(&d, &["state", "in-progress"]);
    assert_eq!(in_progress.len(), 1, "{in_progress:?}");
    assert!(in_progress[0].starts_with("req-c\t"), "{in_progress:?}");
    // Killed while writing the record of its success: that line is ignored.
    append(&d, r#"{"op":"done","request_id":"re"#);
    assert_eq!(lines(&d, &["state", "in-progress"]), in_progress);
    assert_eq!(lines(&d, &["state", "list"]).len(), 2);
    // The state file alone does not know of the statement.
    assert!(d.state().get("in_progress").is_none());

    // The next apply settles it from the account (JR_C exists: recorded, not sent again)
    // and folds the journal into the state file.
    let report = d
        .sandbox(&["apply", "--auto-approve", "--format", "json"])
        .ok()
        .json();
    assert_eq!(report["applied"].as_array().unwrap().len(), 0, "{report}");
    assert!(d.state()["resources"].get("warehouse.c").is_some());
    assert_eq!(
        std::fs::read_to_string(journal(&d))
            .unwrap()
            .lines()
            .count(),
        1
    );
    d.sandbox(&["plan", "--detailed-exitcode"]).code(0);
}

#[test]
fn a_recorded_success_in_the_journal_is_seen_by_plan_and_state_commands() {
    let d = Dir::with(&[("main.hcl", WAREHOUSES)]);
    d.sandbox(&["apply", "--auto-approve"]).ok();
    d.exec("CREATE WAREHOUSE JR_C WAREHOUSE_SIZE = XSMALL COMMENT = 'c'");
    d.write("c.hcl", WITH_C);
    let put = r#"{"op":"put","object":{"address":"warehouse.c","name":{"name":"JR_C"},"props":{"comment":"c","size":"XSMALL"}}}"#;
    append(
        &d,
        &format!(
            "{{\"op\":\"start\",\"statement\":\"CREATE WAREHOUSE JR_C\",\"request_id\":\"req-c\",\"started_at\":\"2026-12-06T00:00:00Z\",\"effect\":{put}}}\n{{\"op\":\"done\",\"request_id\":\"req-c\"}}\n"
        ),
    );
    assert!(lines(&d, &["state", "in-progress"]).is_empty());
    assert_eq!(
        lines(&d, &["state", "list"]),
        [
            "warehouse.a\twarehouse\tJR_A",
            "warehouse.b\twarehouse\tJR_B",
            "warehouse.c\twarehouse\tJR_C"
        ]
    );
    // Planned from the state alone, JR_C is already there.
    d.run(&["plan", "--refresh=false", "--detailed-exitcode"])
        .code(0);
    d.sandbox(&["plan", "--detailed-exitcode"]).code(0);
    d.sandbox(&["drift"]).code(0);
}

#[test]
fn a_state_file_of_format_1_still_loads_and_the_next_write_is_the_current_format() {
    let d = Dir::with(&[("main.hcl", WAREHOUSES)]);
    d.sandbox(&["apply", "--auto-approve"]).ok();
    // The state as the previous version wrote it: pretty JSON, every field of a record.
    let v2 = d.state();
    let mut resources = serde_json::Map::new();
    for (address, r) in v2["resources"].as_object().unwrap() {
        let name = r["name"].as_str().unwrap();
        let mut r = r.clone();
        r["kind"] = "warehouse".into();
        r["name"] = name.into();
        r["object_name"] = serde_json::json!({ "name": name });
        r["digest"] = "0".repeat(64).into();
        resources.insert(address.clone(), r);
    }
    let v1 = serde_json::json!({
        "format_version": 1,
        "lineage": v2["lineage"],
        "serial": v2["serial"],
        "workspace": "default",
        "snowform_version": "0.1.0",
        "resources": resources,
    });
    std::fs::write(
        d.path().join("state/default.json"),
        serde_json::to_string_pretty(&v1).unwrap(),
    )
    .unwrap();
    std::fs::remove_file(journal(&d)).unwrap();
    assert_eq!(
        lines(&d, &["state", "list"]),
        [
            "warehouse.a\twarehouse\tJR_A",
            "warehouse.b\twarehouse\tJR_B"
        ]
    );
    d.run(&["plan", "--refresh=false", "--detailed-exitcode"])
        .code(0);
    d.write("c.hcl", WITH_C);
    d.sandbox(&["apply", "--auto-approve"]).ok();
    let state = d.state();
    assert_eq!(state["format_version"], snowform::state::FORMAT_VERSION);
    assert_eq!(state["lineage"], v2["lineage"]);
    assert_eq!(state["resources"].as_object().unwrap().len(), 3);
}

/// The embedded sandbox journals its account as a command runs and folds the journal into
/// the account file when the command ends: the file alone is the account (it can be copied).
#[test]
fn the_embedded_account_file_alone_is_the_account_once_a_command_ended() {
    let d = Dir::with(&[("main.hcl", WAREHOUSES)]);
    d.sandbox(&["apply", "--auto-approve"]).ok();
    let account = d.path().join(".snowform/sandbox/default.json");
    let journal = d.path().join(".snowform/sandbox/default.json.journal");
    assert_eq!(
        std::fs::read_to_string(&journal).unwrap().lines().count(),
        1,
        "only the header"
    );
    std::fs::remove_file(&journal).unwrap();
    assert!(account.exists());
    let rows = d.exec_rows("SHOW WAREHOUSES LIKE 'JR_%'");
    assert_eq!(rows.len(), 2, "{rows:?}");
}
