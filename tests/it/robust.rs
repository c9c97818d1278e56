//! What a failed, killed or concurrent apply leaves behind: state records exactly what ran,
//! a re-run converges without running anything twice, one apply at a time, saved plans
//! refused when stale, task graphs resumed after a failure, and the destroy guards.

use crate::common::{actions, statements, Dir, Out, Served, CI_WAREHOUSE};
use std::collections::BTreeMap;
use std::io::BufRead;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Rows of a SHOW in the embedded sandbox account, as column -> value maps.
/// The warehouse the embedded sandbox account keeps for its user (outside any configuration).
const SANDBOX_WH: &str = "SNOWFORM_SANDBOX_WH";

fn show(d: &Dir, sql: &str) -> Vec<BTreeMap<String, Option<String>>> {
    let out = d.run(&["sandbox", "exec", sql, "--format", "json"]).ok();
    let v: serde_json::Value = serde_json::from_str(out.stdout.lines().next().unwrap()).unwrap();
    let cols: Vec<String> = v["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect();
    v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            cols.iter()
                .cloned()
                .zip(
                    r.as_array()
                        .unwrap()
                        .iter()
                        .map(|x| x.as_str().map(String::from)),
                )
                .collect()
        })
        .collect()
}

fn names(rows: &[BTreeMap<String, Option<String>>]) -> Vec<String> {
    rows.iter()
        .map(|r| r["name"].clone().unwrap_or_default())
        .collect()
}

fn state_addresses(d: &Dir) -> Vec<String> {
    let s = d.state();
    s["resources"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect()
}

/// `a` without one occurrence of each element of `b`, sorted.
fn minus(a: &[String], b: &[String]) -> Vec<String> {
    let mut left: Vec<String> = a.to_vec();
    for x in b {
        let i = left
            .iter()
            .position(|y| y == x)
            .unwrap_or_else(|| panic!("{x} ran but was not planned"));
        left.remove(i);
    }
    left.sort();
    left
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

fn json_list(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

const PARTIAL: &str = r#"
warehouse "w" {
  name = "RB_WH"
  size = "XSMALL"
}
database "d" {
  name = "RB_DB"
}
schema "s" {
  database = database.d
  name     = "S"
}
stage "files" {
  schema = schema.s
  name   = "FILES"
}
# V2's stage does not exist: the model's second statement fails.
model "m" {
  schema          = schema.s
  name            = "M"
  default_version = "V1"
  version "V1" {
    source  = "@${stage.files.fqn}/m/v1"
    comment = "first"
  }
  version "V2" {
    source = "@RB_DB.S.MISSING/m/v2"
  }
}
# Its warehouse does not exist: CREATE TASK fails.
task "t" {
  schema    = schema.s
  name      = "T"
  warehouse = "MISSING_WH"
  schedule  = "60 MINUTE"
  sql       = "SELECT 1"
}
"#;

/// After a failure the state holds exactly what ran: planning against the state alone and
/// against the account gives the same plan, which is exactly what did not run.
fn assert_state_is_exactly_what_ran(d: &Dir, planned: &[String], report: &serde_json::Value) {
    let applied = json_list(&report["applied"]);
    let left = minus(planned, &applied);
    let refreshed = d.sandbox(&["plan", "--format", "json"]).ok().json();
    let offline = d
        .run(&["plan", "--refresh=false", "--format", "json"])
        .ok()
        .json();
    assert_eq!(
        sorted(statements(&refreshed)),
        left,
        "refreshed plan after the failure"
    );
    assert_eq!(
        sorted(statements(&offline)),
        left,
        "plan from the state alone after the failure"
    );
    assert_eq!(actions(&refreshed), actions(&offline));
    assert_eq!(report["state_serial"], d.state()["serial"]);
    assert!(d.state().get("in_progress").is_none(), "{}", d.state());
}

#[test]
fn a_statement_failing_half_way_leaves_state_holding_exactly_what_ran() {
    let (model_only, _) = PARTIAL.split_once("# Its warehouse").unwrap();
    for (with_task, parallelism) in [(false, "4"), (true, "1"), (true, "4")] {
        let hcl = if with_task { PARTIAL } else { model_only };
        let d = Dir::with(&[("main.hcl", hcl)]);
        let planned = statements(&d.sandbox(&["plan", "--format", "json"]).ok().json());
        let out = d.sandbox(&[
            "apply",
            "--auto-approve",
            "--format",
            "json",
            "--parallelism",
            parallelism,
        ]);
        let report = out.code(1).json();
        let failed: Vec<String> = report["failed"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["statement"].as_str().unwrap().to_string())
            .collect();
        let applied = json_list(&report["applied"]);
        let add_v2 = "ALTER MODEL RB_DB.S.M ADD VERSION V2 FROM @RB_DB.S.MISSING/m/v2";
        let create_task =
            "CREATE TASK RB_DB.S.T WAREHOUSE = MISSING_WH SCHEDULE = '60 MINUTES' AS SELECT 1";
        if !with_task {
            // The model's second statement fails: its change stops half way.
            assert_eq!(failed, [add_v2], "{report}");
        } else if parallelism == "1" {
            // One at a time: the first failure stops everything after it.
            assert_eq!(failed.len(), 1, "{report}");
        }
        assert!(
            !failed.is_empty() && failed.iter().all(|f| f == add_v2 || f == create_task),
            "{report}"
        );
        assert_eq!(
            report["pending"].as_array().unwrap().len() + applied.len() + failed.len(),
            planned.len()
        );
        if applied
            .contains(&"CREATE MODEL RB_DB.S.M WITH VERSION V1 FROM @RB_DB.S.FILES/m/v1".into())
        {
            // The model is recorded with the one version its first statement created.
            let m = &d.state()["resources"]["model.m"];
            assert_eq!(
                m["properties"]["versions"],
                serde_json::json!({"V1": {"source": "@RB_DB.S.FILES/m/v1"}}),
                "{m}"
            );
        } else {
            assert!(d.state()["resources"].get("model.m").is_none());
        }
        assert_state_is_exactly_what_ran(&d, &planned, &report);
    }
}

#[test]
fn a_create_colliding_with_an_object_made_after_planning_fails_and_state_holds_what_ran() {
    let served = Served::start(150);
    let d = Dir::with(&[(
        "main.hcl",
        r#"
warehouse "a" {
  name = "RB_A"
}
warehouse "b" {
  name = "RB_B"
}
warehouse "c" {
  name = "RB_C"
}
warehouse "d" {
  name = "RB_D"
}
"#,
    )]);
    d.connect(&served, "ci");
    let mut apply = spawn(
        &d,
        &[
            "--connection",
            "ci",
            "apply",
            "--auto-approve",
            "--format",
            "json",
            "--parallelism",
            "1",
        ],
    );
    let stderr = apply.stderr.take().unwrap();
    let mut lines = std::io::BufReader::new(stderr).lines();
    // Once the first statement ran the plan is made; create the last one behind its back.
    for line in lines.by_ref() {
        if line.unwrap().starts_with("done CREATE WAREHOUSE RB_A") {
            break;
        }
    }
    served.sql("CREATE WAREHOUSE RB_D COMMENT = 'made by hand'");
    let rest: Vec<String> = lines.map(|l| l.unwrap()).collect();
    let out = apply.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", rest.join("\n"));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        json_list(&report["applied"]),
        [
            "CREATE WAREHOUSE RB_A",
            "CREATE WAREHOUSE RB_B",
            "CREATE WAREHOUSE RB_C"
        ]
    );
    assert_eq!(report["failed"][0]["statement"], "CREATE WAREHOUSE RB_D");
    assert!(
        report["failed"][0]["error"]
            .as_str()
            .unwrap()
            .contains("already exists"),
        "{report}"
    );
    assert_eq!(
        state_addresses(&d),
        ["warehouse.a", "warehouse.b", "warehouse.c"]
    );
    // What is left is the one create, which now needs an import.
    let plan = d.on("ci", &["plan"]).code(1);
    assert!(
        plan.stderr
            .contains("RB_D already exists in the account but snowform does not manage it"),
        "{}",
        plan.stderr
    );
    d.on("ci", &["import", "warehouse.d", "RB_D"]).ok();
    let plan = d.on("ci", &["plan", "--format", "json"]).ok().json();
    assert_eq!(
        actions(&plan),
        [("warehouse.d".to_string(), "update".to_string())]
    );
}

const GRAPH: &str = r#"
warehouse "w" {
  name = "RB_WH"
  size = "XSMALL"
}
database "d" {
  name = "RB_DB"
}
schema "s" {
  database = database.d
  name     = "S"
}
task "root" {
  schema    = schema.s
  name      = "ROOT"
  warehouse = warehouse.w
  schedule  = "60 MINUTE"
  sql       = "SELECT 1"
  enabled   = true
}
task "child" {
  schema    = schema.s
  name      = "CHILD"
  warehouse = warehouse.w
  after     = [task.root]
  sql       = "SELECT 2"
  enabled   = true
}
"#;

fn task_states(d: &Dir) -> Vec<(String, String)> {
    show(d, "SHOW TASKS IN ACCOUNT")
        .into_iter()
        .map(|r| (r["name"].clone().unwrap(), r["state"].clone().unwrap()))
        .collect()
}

#[test]
fn a_task_graph_whose_child_fails_to_change_ends_resumed() {
    let d = Dir::with(&[("main.hcl", GRAPH)]);
    d.sandbox(&["apply", "--auto-approve"]).ok();
    assert_eq!(
        task_states(&d),
        [
            ("CHILD".to_string(), "started".to_string()),
            ("ROOT".to_string(), "started".to_string())
        ]
    );
    // The child's new warehouse does not exist: its ALTER fails after the root was suspended.
    d.write(
        "main.hcl",
        &GRAPH.replace(
            "  warehouse = warehouse.w\n  after",
            "  warehouse = \"MISSING_WH\"\n  after",
        ),
    );
    let out = d.sandbox(&["apply", "--auto-approve", "--format", "json"]);
    let report = out.code(1).json();
    assert_eq!(
        json_list(&report["applied"]),
        [
            "ALTER TASK RB_DB.S.ROOT SUSPEND",
            "ALTER TASK RB_DB.S.ROOT RESUME"
        ],
        "{report}"
    );
    assert_eq!(
        report["failed"][0]["statement"],
        "ALTER TASK RB_DB.S.CHILD SET WAREHOUSE = MISSING_WH"
    );
    assert!(report["failed"][0]["error"]
        .as_str()
        .unwrap()
        .contains("Warehouse 'MISSING_WH' does not exist"));
    assert_eq!(
        task_states(&d),
        [
            ("CHILD".to_string(), "started".to_string()),
            ("ROOT".to_string(), "started".to_string())
        ]
    );
    // The human report names the failure too.
    let out = d.sandbox(&["apply", "--auto-approve"]).code(1);
    assert!(
        out.stderr
            .contains("failed: ALTER TASK RB_DB.S.CHILD SET WAREHOUSE = MISSING_WH"),
        "{}",
        out.stderr
    );
    assert_eq!(
        task_states(&d)[1],
        ("ROOT".to_string(), "started".to_string())
    );
    // The state still records the child as it is; the next plan is only the failed change.
    let plan = d.sandbox(&["plan", "--format", "json"]).ok().json();
    assert_eq!(
        actions(&plan),
        [
            ("task.root".to_string(), "update".to_string()),
            ("task.child".to_string(), "update".to_string())
        ]
    );
    assert_eq!(
        statements(&plan),
        [
            "ALTER TASK RB_DB.S.ROOT SUSPEND",
            "ALTER TASK RB_DB.S.CHILD SET WAREHOUSE = MISSING_WH",
            "ALTER TASK RB_DB.S.ROOT RESUME"
        ]
    );
}

const TWO_WAREHOUSES: &str = r#"
warehouse "a" {
  name    = "RB_A"
  size    = "XSMALL"
  comment = "first"
}
warehouse "b" {
  name = "RB_B"
}
"#;

fn fresh_plan(d: &Dir, hcl: &str) -> std::path::PathBuf {
    d.write("main.hcl", hcl);
    let path = d.path().join("plan.json");
    d.sandbox(&["plan", "--out", path.to_str().unwrap()]).ok();
    path
}

fn refused_as_stale(d: &Dir, plan: &std::path::Path) -> Out {
    let before = std::fs::read_to_string(d.path().join("state/default.json")).ok();
    let out = d
        .sandbox(&["apply", plan.to_str().unwrap(), "--auto-approve"])
        .code(1);
    assert!(
        out.stderr
            .contains("the saved plan is stale, so it was not applied"),
        "{}",
        out.stderr
    );
    assert_eq!(
        std::fs::read_to_string(d.path().join("state/default.json")).ok(),
        before,
        "a refused plan must not touch the state"
    );
    out
}

#[test]
fn a_saved_plan_is_refused_when_the_state_moved_on() {
    let d = Dir::empty();
    // Made before there was any state; then something was applied.
    let plan = fresh_plan(&d, TWO_WAREHOUSES);
    d.sandbox(&["apply", "--auto-approve", "--target", "warehouse.b"])
        .ok();
    let out = refused_as_stale(&d, &plan);
    assert!(
        out.stderr
            .contains("the state changed since the plan was made (none then, serial 1 now)"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("warehouse.b was created in the account since the plan was made"),
        "{}",
        out.stderr
    );
    assert_eq!(names(&show(&d, "SHOW WAREHOUSES")), ["RB_B", SANDBOX_WH]);

    // Made against serial 1; another apply wrote serial 2.
    let plan = fresh_plan(&d, TWO_WAREHOUSES);
    d.write("other.hcl", "warehouse \"c\" {\n  name = \"RB_C\"\n}\n");
    d.sandbox(&["apply", "--auto-approve", "--target", "warehouse.c"])
        .ok();
    std::fs::remove_file(d.path().join("other.hcl")).unwrap();
    let out = refused_as_stale(&d, &plan);
    assert!(
        out.stderr
            .contains("the state changed since the plan was made (serial 1 then, 2 now)"),
        "{}",
        out.stderr
    );
    assert_eq!(
        names(&show(&d, "SHOW WAREHOUSES")),
        ["RB_B", "RB_C", SANDBOX_WH]
    );

    // Another state altogether: the same serial, another lineage.
    let plan = fresh_plan(&d, TWO_WAREHOUSES);
    // The file itself, as written (`d.state()` shows its records as read).
    let path = d.path().join("state/default.json");
    let mut state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    state["lineage"] = serde_json::json!("00000000-0000-4000-8000-000000000000");
    std::fs::write(
        d.path().join("state/default.json"),
        serde_json::to_string_pretty(&state).unwrap(),
    )
    .unwrap();
    let out = refused_as_stale(&d, &plan);
    assert!(
        out.stderr.contains(
            "the state is another state (lineage 00000000-0000-4000-8000-000000000000 instead of"
        ),
        "{}",
        out.stderr
    );
}

#[test]
fn a_saved_plan_is_refused_when_a_touched_object_changed_in_the_account() {
    let d = Dir::empty();
    d.write("main.hcl", TWO_WAREHOUSES);
    d.sandbox(&["apply", "--auto-approve"]).ok();
    let changed = TWO_WAREHOUSES.replace("\"XSMALL\"", "\"SMALL\"");

    let plan = fresh_plan(&d, &changed);
    d.exec("ALTER WAREHOUSE RB_A SET AUTO_SUSPEND = 300");
    let out = refused_as_stale(&d, &plan);
    assert!(
        out.stderr.contains(
            "warehouse.a changed in the account since the plan was made (auto_suspend: 600 -> 300)"
        ),
        "{}",
        out.stderr
    );
    d.exec("ALTER WAREHOUSE RB_A SET AUTO_SUSPEND = 600");

    // Dropped out of band.
    let plan = fresh_plan(&d, &changed);
    d.exec("DROP WAREHOUSE RB_A");
    let out = refused_as_stale(&d, &plan);
    assert!(
        out.stderr
            .contains("warehouse.a was dropped from the account since the plan was made"),
        "{}",
        out.stderr
    );

    // Created out of band: the plan creates a warehouse someone made in the meantime.
    d.write("main.hcl", TWO_WAREHOUSES);
    d.sandbox(&["apply", "--auto-approve"]).ok();
    let with_c = format!("{TWO_WAREHOUSES}\nwarehouse \"c\" {{\n  name = \"RB_C\"\n}}\n");
    let plan = fresh_plan(&d, &with_c);
    d.exec("CREATE WAREHOUSE RB_C");
    let out = refused_as_stale(&d, &plan);
    assert!(
        out.stderr
            .contains("warehouse.c was created in the account since the plan was made"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_fresh_saved_plan_runs_exactly_its_statements() {
    let d = Dir::empty();
    d.write("main.hcl", TWO_WAREHOUSES);
    d.sandbox(&["apply", "--auto-approve"]).ok();
    let with_c = format!(
        "{}\nwarehouse \"c\" {{\n  name = \"RB_C\"\n}}\n",
        TWO_WAREHOUSES.replace("\"XSMALL\"", "\"SMALL\"")
    );
    let path = fresh_plan(&d, &with_c);
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let shown = d
        .run(&["plan", "--refresh=false", "--format", "json"])
        .ok()
        .json();
    // The configuration changes after the plan was saved: the saved plan still applies as saved.
    d.write(
        "main.hcl",
        &with_c.replace("name = \"RB_C\"", "name = \"RB_C\"\n  comment = \"later\""),
    );
    let report = d
        .sandbox(&[
            "apply",
            path.to_str().unwrap(),
            "--auto-approve",
            "--parallelism",
            "1",
            "--format",
            "json",
        ])
        .ok()
        .json();
    assert_eq!(
        json_list(&report["applied"]),
        [
            "ALTER WAREHOUSE RB_A SET WAREHOUSE_SIZE = SMALL",
            "CREATE WAREHOUSE RB_C"
        ]
    );
    assert_eq!(json_list(&report["applied"]), statements(&shown));
    assert!(saved["plan"]["steps"].as_array().unwrap().len() >= 2);
    let plan = d.sandbox(&["plan", "--format", "json"]).ok().json();
    assert_eq!(
        actions(&plan),
        [("warehouse.c".to_string(), "update".to_string())]
    );
}

#[test]
fn deletes_need_allow_destroy_and_prevent_destroy_always_refuses() {
    let d = Dir::with(&[(
        "main.hcl",
        r#"
warehouse "a" {
  name = "RB_A"
}
warehouse "b" {
  name = "RB_B"
}
database "keep" {
  name = "RB_KEEP"
  lifecycle {
    prevent_destroy = true
  }
}
"#,
    )]);
    d.sandbox(&["apply", "--auto-approve"]).ok();
    let serial = d.state()["serial"].clone();

    // Without --allow-destroy: refused, listing the delete; nothing changes.
    d.write(
        "main.hcl",
        r#"
warehouse "a" {
  name = "RB_A"
}
database "keep" {
  name = "RB_KEEP"
  lifecycle {
    prevent_destroy = true
  }
}
"#,
    );
    let out = d.sandbox(&["apply", "--auto-approve"]).code(1);
    assert!(
        out.stderr.contains("refusing to apply destructive changes without --allow-destroy:\n  delete warehouse.b (RB_B)"),
        "{}",
        out.stderr
    );
    assert_eq!(
        names(&show(&d, "SHOW WAREHOUSES")),
        ["RB_A", "RB_B", SANDBOX_WH]
    );
    assert_eq!(d.state()["serial"], serial);
    d.sandbox(&["apply", "--auto-approve", "--allow-destroy"])
        .ok();
    assert_eq!(names(&show(&d, "SHOW WAREHOUSES")), ["RB_A", SANDBOX_WH]);

    // prevent_destroy: refused even with --allow-destroy, as a delete and as a replace.
    d.write("main.hcl", "warehouse \"a\" {\n  name = \"RB_A\"\n}\n");
    let out = d
        .sandbox(&["apply", "--auto-approve", "--allow-destroy"])
        .code(1);
    assert!(
        out.stderr
            .contains("protected by lifecycle.prevent_destroy:\n  delete database.keep (RB_KEEP)"),
        "{}",
        out.stderr
    );
    d.write(
        "main.hcl",
        r#"
warehouse "a" {
  name = "RB_A"
}
database "keep" {
  name      = "RB_KEEP"
  transient = true
  lifecycle {
    prevent_destroy = true
  }
}
"#,
    );
    let out = d
        .sandbox(&["apply", "--auto-approve", "--allow-destroy"])
        .code(1);
    assert!(
        out.stderr.contains("  replace database.keep (RB_KEEP)"),
        "{}",
        out.stderr
    );
    assert_eq!(names(&show(&d, "SHOW DATABASES")), ["RB_KEEP"]);

    // The local state: list, show, rm (the object stays).
    let list = d.run(&["state", "list"]).ok().stdout;
    assert_eq!(
        list,
        "warehouse.a\twarehouse\tRB_A\ndatabase.keep\tdatabase\tRB_KEEP\n"
    );
    let record = d.run(&["state", "show", "warehouse.a"]).ok().json();
    assert_eq!(record["name"], "RB_A");
    assert_eq!(record["digest"].as_str().unwrap().len(), 64);
    d.run(&["state", "rm", "warehouse.a"]).ok();
    assert_eq!(state_addresses(&d), ["database.keep"]);
    assert_eq!(names(&show(&d, "SHOW WAREHOUSES")), ["RB_A", SANDBOX_WH]);
    d.run(&["state", "show", "warehouse.a"]).code(1);
}

#[test]
fn a_saved_plan_applies_without_asking() {
    let d = Dir::empty();
    let plan = fresh_plan(&d, TWO_WAREHOUSES);
    d.sandbox(&["apply", plan.to_str().unwrap()]).ok();
    assert_eq!(
        names(&show(&d, "SHOW WAREHOUSES LIKE 'RB_%'")),
        ["RB_A", "RB_B"]
    );
}

#[test]
fn apply_without_auto_approve_and_without_a_terminal_changes_nothing() {
    let d = Dir::with(&[("main.hcl", TWO_WAREHOUSES)]);
    let out = d.sandbox(&["apply"]).code(1);
    assert!(
        out.stderr.contains(
            "apply asks for confirmation on a terminal, and there is none: pass --auto-approve"
        ),
        "{}",
        out.stderr
    );
    assert_eq!(names(&show(&d, "SHOW WAREHOUSES")), [SANDBOX_WH]);
    assert!(!d.path().join("state/default.json").exists());
    assert!(!d.path().join("state/default.json.lock").exists());
}

/// The binary with the test environment, not waited for: a process of its own, which the
/// tests kill (SIGKILL) or interrupt (SIGINT, SIGTERM, SIGHUP) at a chosen moment.
pub(crate) fn spawn(d: &Dir, args: &[&str]) -> Child {
    let mut c = Command::new(assert_cmd::cargo::cargo_bin("snowform"));
    c.env_clear()
        .env("HOME", d.home.path())
        .env("SNOWFLAKE_HOME", d.home.path())
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("NO_COLOR", "1")
        .arg("-C")
        .arg(d.path())
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c.spawn().unwrap()
}

/// Wait until `child` printed a line on stderr starting with `prefix`; the rest of its
/// stderr is collected on a thread.
pub(crate) fn wait_for_line(
    child: &mut Child,
    prefix: &str,
) -> std::thread::JoinHandle<Vec<String>> {
    let stderr = child.stderr.take().unwrap();
    let mut lines = std::io::BufReader::new(stderr).lines();
    let mut seen = Vec::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        let hit = line.starts_with(prefix);
        seen.push(line);
        if hit {
            break;
        }
    }
    std::thread::spawn(move || {
        seen.extend(lines.map_while(Result::ok));
        seen
    })
}

fn concurrent_applies_exclude_each_other(d: &Dir) {
    let mut first = spawn(
        d,
        &[
            "--connection",
            "ci",
            "apply",
            "--auto-approve",
            "--parallelism",
            "1",
        ],
    );
    let first_stderr = wait_for_line(&mut first, "done ");
    let second = d.on("ci", &["apply", "--auto-approve"]).code(1);
    assert!(
        second.stderr.contains("the state is locked by "),
        "{}",
        second.stderr
    );
    assert!(
        second
            .stderr
            .contains(&format!("(pid {}, apply since", first.id())),
        "the refusal names the holder: {}",
        second.stderr
    );
    let status = first.wait().unwrap();
    let first_err = first_stderr.join().unwrap().join("\n");
    assert!(status.success(), "{first_err}");
    // It did not wait for the lock: it was refused while the first held it (the refusal
    // names the first's pid, above), which no clock on a busy machine can contradict.
    // It refused before running anything: the first one's work is whole.
    assert!(!second.stderr.contains("done "), "{}", second.stderr);
    let plan = d.on("ci", &["plan", "--format", "json"]).ok().json();
    assert_eq!(actions(&plan), Vec::<(String, String)>::new());
}

const MANY: &str = r#"
warehouse "w" {
  for_each = toset(["A", "B", "C", "D", "E", "F"])
  name     = "RB_${each.key}"
}
"#;

#[test]
fn two_concurrent_applies_one_runs_the_other_exits_at_once_local_backend() {
    let served = Served::start(150);
    let d = Dir::with(&[("main.hcl", MANY)]);
    d.connect(&served, "ci");
    concurrent_applies_exclude_each_other(&d);
}

const STATE_BACKEND: &str = r#"
backend "snowflake" {
  database = "SNOWFORM"
  schema   = "STATE"
  table    = "WORKSPACES"
}
"#;

fn state_home(served: &Served) {
    served.sql("CREATE DATABASE SNOWFORM");
    served.sql("CREATE SCHEMA SNOWFORM.STATE");
}

#[test]
fn two_concurrent_applies_one_runs_the_other_exits_at_once_snowflake_backend() {
    let served = Served::start(150);
    state_home(&served);
    let d = Dir::with(&[("main.hcl", MANY), ("backend.hcl", STATE_BACKEND)]);
    d.connect(&served, "ci");
    concurrent_applies_exclude_each_other(&d);
    assert!(
        !d.path().join("state").exists(),
        "the local backend was used"
    );
    let rows = served
        .sql("SELECT WORKSPACE, SERIAL, LOCK_ID FROM SNOWFORM.STATE.WORKSPACES WHERE ADDRESS = ''");
    assert_eq!(rows, [[Some("default".into()), Some("6".into()), None]]);
}

/// Kill an apply of the example `delay` into its run, then re-run it: the state always
/// parses, the re-run converges (an empty plan, no drift), and no statement that changes
/// something ran twice across the two runs.
pub(crate) fn killed_then_rerun(delay: Duration, parallelism: &str) {
    let served = Served::start(40);
    let d = Dir::example("mitsui-mlops");
    let seeded = served.stats().executed;
    d.connect(&served, "ci");
    let planned = statements(
        &d.run(&["plan", "--refresh=false", "--format", "json"])
            .ok()
            .json(),
    );
    let mut apply = spawn(
        &d,
        &[
            "--connection",
            "ci",
            "apply",
            "--auto-approve",
            "--parallelism",
            parallelism,
        ],
    );
    std::thread::sleep(delay);
    apply.kill().unwrap();
    apply.wait().unwrap();
    let at_kill = served.stats();

    // Whatever moment the kill came at, the state is whole.
    let recorded = if d.path().join("state/default.json").exists() {
        let s = d.state();
        format!(
            "serial {}, {} in progress",
            s["serial"],
            s.get("in_progress")
                .and_then(|p| p.as_array())
                .map_or(0, |p| p.len())
        )
    } else {
        "no state".to_string()
    };
    let why = format!(
        "killed after {delay:?} (parallelism {parallelism}) with {} statements executed, {recorded}",
        at_kill.statements
    );
    d.run(&["state", "list"]).ok();
    d.run(&["force-unlock", "--yes"]).ok();

    let rerun = d.on("ci", &["apply", "--auto-approve", "--format", "json"]);
    assert_eq!(rerun.code, 0, "{why}\n{}\n{}", rerun.stdout, rerun.stderr);
    let plan = d.on("ci", &["plan", "--format", "json", "--detailed-exitcode"]);
    assert_eq!(
        plan.code, 0,
        "{why}: the plan after the re-run is not empty\n{}",
        plan.stdout
    );
    let drift = d.on("ci", &["drift"]);
    assert_eq!(
        drift.code, 0,
        "{why}: drift after the re-run\n{}",
        drift.stdout
    );
    assert!(d.state().get("in_progress").is_none(), "{why}");

    let executed = served.stats().executed;
    let changing: BTreeMap<&String, &u64> = executed
        .iter()
        // Reads: SHOW, SELECT and DESCRIBE (a procedure's code, read only by DESCRIBE).
        .filter(|(sql, _)| {
            !sql.starts_with("SHOW ")
                && !sql.starts_with("SELECT ")
                && !sql.starts_with("DESCRIBE ")
        })
        // The served account's own warehouse, created by the harness, not by snowform, and
        // anything run before the first apply.
        .filter(|(sql, _)| !sql.starts_with(&format!("CREATE WAREHOUSE {CI_WAREHOUSE} ")))
        .filter(|(sql, _)| !seeded.contains_key(*sql))
        .collect();
    for (sql, &&n) in &changing {
        // A feature view's `enabled` stands for its dynamic table running and its refresh
        // task started; killed between creating the task and resuming it, the re-run resumes
        // both, and resuming the running dynamic table changes nothing.
        let resumes_running_table =
            sql.starts_with("ALTER DYNAMIC TABLE ") && sql.ends_with(" RESUME");
        assert!(
            planned.contains(sql) || resumes_running_table,
            "{why}: ran a statement that was never planned: {sql}"
        );
        // The Feature Store's own objects are created with IF NOT EXISTS, together: a kill
        // between them sends them again, harmlessly.
        let limit = if sql.contains(" IF NOT EXISTS ") {
            2
        } else {
            1
        };
        assert!(n <= limit, "{why}: {sql} ran {n} times");
    }
    for sql in &planned {
        assert!(changing.contains_key(sql), "{why}: never ran: {sql}");
    }
}

#[test]
fn a_killed_apply_loses_nothing_and_its_rerun_runs_nothing_twice() {
    for ms in [60, 200, 330, 460, 590, 720, 850] {
        killed_then_rerun(Duration::from_millis(ms), "4");
    }
}

#[test]
fn a_killed_one_at_a_time_apply_loses_nothing_and_its_rerun_runs_nothing_twice() {
    for ms in [350, 600, 850, 1100, 1300, 1500, 1700] {
        killed_then_rerun(Duration::from_millis(ms), "1");
    }
}

const PIPELINE: &str = r#"
warehouse "etl" {
  name         = "PIPE_WH"
  size         = "XSMALL"
  auto_suspend = 60
}
database "d" {
  name = "PIPE_DB"
}
schema "s" {
  database = database.d
  name     = "S"
}
task "load" {
  schema    = schema.s
  name      = "LOAD"
  warehouse = warehouse.etl
  schedule  = "60 MINUTE"
  sql       = "SELECT 1"
  enabled   = true
}
task "publish" {
  schema    = schema.s
  name      = "PUBLISH"
  warehouse = warehouse.etl
  after     = [task.load]
  sql       = "SELECT 2"
  enabled   = true
}
"#;

/// One agent of a pipeline: its own checkout of the configuration and its own connection
/// to the shared account, whose state table they all share.
fn agent(served: &Served, hcl: &str) -> Dir {
    let d = Dir::with(&[("main.hcl", hcl), ("backend.hcl", STATE_BACKEND)]);
    d.connect(served, "ci");
    d
}

#[test]
fn a_pipeline_plans_applies_and_checks_drift_in_three_processes_sharing_the_state_table() {
    let served = Served::start(20);
    state_home(&served);
    let (planner, deployer, monitor) = (
        agent(&served, PIPELINE),
        agent(&served, PIPELINE),
        agent(&served, PIPELINE),
    );

    // Pull request: plan and save it. Merge: apply exactly that plan elsewhere.
    let saved = |d: &Dir, name: &str| d.path().join(name).to_str().unwrap().to_string();
    let shown = planner
        .on(
            "ci",
            &[
                "plan",
                "--out",
                &saved(&planner, "plan.json"),
                "--format",
                "json",
            ],
        )
        .ok()
        .json();
    std::fs::copy(
        planner.path().join("plan.json"),
        deployer.path().join("plan.json"),
    )
    .unwrap();
    let report = deployer
        .on(
            "ci",
            &[
                "apply",
                &saved(&deployer, "plan.json"),
                "--auto-approve",
                "--parallelism",
                "1",
                "--format",
                "json",
            ],
        )
        .ok()
        .json();
    assert_eq!(json_list(&report["applied"]), statements(&shown));
    // Schedule: drift, and the planner sees nothing left to do.
    monitor.on("ci", &["drift"]).ok();
    planner.on("ci", &["plan", "--detailed-exitcode"]).ok();
    assert!(!planner.path().join("state").exists() && !deployer.path().join("state").exists());
    let rows = served
        .sql("SELECT WORKSPACE, SERIAL, LOCK_ID FROM SNOWFORM.STATE.WORKSPACES WHERE ADDRESS = ''");
    assert_eq!(
        rows,
        [[
            Some("default".into()),
            Some(report["state_serial"].to_string()),
            None
        ]]
    );

    // Someone changes the warehouse by hand: the monitor reports it.
    served.sql("ALTER WAREHOUSE PIPE_WH SET AUTO_SUSPEND = 600");
    let drift = monitor
        .on("ci", &["drift", "--format", "json"])
        .code(2)
        .json();
    assert_eq!(drift["drifted"][0]["address"], "warehouse.etl");

    // A plan saved before another apply is refused after it.
    planner
        .on("ci", &["plan", "--out", &saved(&planner, "fix.json")])
        .ok();
    std::fs::copy(
        planner.path().join("fix.json"),
        deployer.path().join("fix.json"),
    )
    .unwrap();
    monitor.on("ci", &["apply", "--auto-approve"]).ok();
    let out = deployer
        .on(
            "ci",
            &["apply", &saved(&deployer, "fix.json"), "--auto-approve"],
        )
        .code(1);
    assert!(
        out.stderr.contains("the saved plan is stale"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("the state changed since the plan was made"),
        "{}",
        out.stderr
    );
    monitor.on("ci", &["drift"]).ok();

    // state list / show / rm work on the table.
    let list = monitor.on("ci", &["state", "list"]).ok().stdout;
    let addresses: Vec<&str> = list
        .lines()
        .map(|l| l.split('\t').next().unwrap())
        .collect();
    assert_eq!(
        addresses,
        [
            "warehouse.etl",
            "database.d",
            "schema.s",
            "task.load",
            "task.publish"
        ]
    );
    let shown = monitor
        .on("ci", &["state", "show", "task.publish"])
        .ok()
        .json();
    assert_eq!(shown["name"], "PIPE_DB.S.PUBLISH");
    deployer.on("ci", &["state", "rm", "task.publish"]).ok();
    let list = planner.on("ci", &["state", "list"]).ok().stdout;
    assert!(!list.contains("task.publish"), "{list}");
    // The state table holds a head row and a row per object: task.publish has none now.
    let rows = served
        .sql("SELECT ADDRESS, BODY FROM SNOWFORM.STATE.WORKSPACES WHERE WORKSPACE = 'default'");
    let addresses: Vec<&str> = rows.iter().filter_map(|r| r[0].as_deref()).collect();
    assert!(addresses.contains(&""), "{addresses:?}");
    assert!(!addresses.contains(&"task.publish"), "{addresses:?}");
    // No secret of the connection reaches the state or a saved plan.
    let bodies: String = rows.iter().filter_map(|r| r[1].clone()).collect();
    assert!(!bodies.contains(&served.token));
    let plan_text = std::fs::read_to_string(planner.path().join("plan.json")).unwrap();
    assert!(!plan_text.contains(&served.token));
    assert!(addresses.contains(&"task.load"), "{addresses:?}");
    planner
        .on("ci", &["import", "task.publish", "PIPE_DB.S.PUBLISH"])
        .ok();
    planner.on("ci", &["plan", "--detailed-exitcode"]).ok();
}

#[test]
fn a_lock_left_in_the_state_table_by_a_killed_apply_is_reported_and_forced_open() {
    let served = Served::start(120);
    state_home(&served);
    let d = agent(&served, PIPELINE);
    let mut apply = spawn(
        &d,
        &[
            "--connection",
            "ci",
            "apply",
            "--auto-approve",
            "--parallelism",
            "1",
        ],
    );
    let rest = wait_for_line(&mut apply, "done ");
    let pid = apply.id();
    apply.kill().unwrap();
    apply.wait().unwrap();
    drop(rest);

    let out = d.on("ci", &["apply", "--auto-approve"]).code(1);
    assert!(
        out.stderr.contains(&format!("(pid {pid}, apply since")),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("table SNOWFORM.STATE.WORKSPACES, workspace default"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains(&format!("process {pid} no longer runs on this host: the lock is stale. Clear it with: snowform force-unlock")),
        "{}",
        out.stderr
    );
    // No terminal to confirm on: the lock stays.
    let out = d.on("ci", &["force-unlock"]).code(1);
    assert!(out.stderr.contains("pass --yes"), "{}", out.stderr);
    d.on("ci", &["force-unlock", "--yes"]).ok();
    let rows = served.sql("SELECT LOCK_ID FROM SNOWFORM.STATE.WORKSPACES WHERE ADDRESS = ''");
    assert_eq!(rows, [[None]]);
    // The re-run finishes the work, and nothing that ran is sent again.
    d.on("ci", &["apply", "--auto-approve"]).ok();
    d.on("ci", &["plan", "--detailed-exitcode"]).ok();
    d.on("ci", &["drift"]).ok();
    for (sql, n) in served.stats().executed {
        if !sql.starts_with("SHOW ")
            && !sql.starts_with("SELECT ")
            && !sql.contains("SNOWFORM.STATE")
        {
            assert_eq!(n, 1, "{sql}");
        }
    }
}

/// Kill an apply that changes a running task graph (its root suspended first, resumed
/// last) `delay` into its run; the re-run converges and nothing ran twice, the suspend and
/// resume included.
fn graph_change_killed_then_rerun(delay: Duration) {
    let served = Served::start(40);
    let d = Dir::with(&[("main.hcl", GRAPH)]);
    d.connect(&served, "ci");
    d.on("ci", &["apply", "--auto-approve"]).ok();
    let changed = GRAPH
        .replace("sql       = \"SELECT 2\"", "sql       = \"SELECT 3\"")
        .replace("schedule  = \"60 MINUTE\"", "schedule  = \"30 MINUTE\"")
        .replace("size = \"XSMALL\"", "size = \"SMALL\"");
    d.write("main.hcl", &changed);
    let planned = statements(&d.on("ci", &["plan", "--format", "json"]).ok().json());
    assert_eq!(planned.len(), 5, "{planned:?}");
    let before = served.stats().executed;

    let mut apply = spawn(
        &d,
        &[
            "--connection",
            "ci",
            "apply",
            "--auto-approve",
            "--parallelism",
            "1",
        ],
    );
    std::thread::sleep(delay);
    apply.kill().unwrap();
    apply.wait().unwrap();
    let why = format!("killed after {delay:?}");
    eprintln!(
        "GRAPHKILL {why} serial {} in progress {}",
        d.state()["serial"],
        d.state()
            .get("in_progress")
            .map_or(0, |p| p.as_array().unwrap().len())
    );
    d.run(&["force-unlock", "--yes"]).ok();
    let rerun = d.on("ci", &["apply", "--auto-approve"]);
    assert_eq!(rerun.code, 0, "{why}\n{}", rerun.stderr);
    d.on("ci", &["plan", "--detailed-exitcode"]).ok();
    d.on("ci", &["drift"]).ok();
    let rows = served.sql("SHOW TASKS IN SCHEMA RB_DB.S");
    assert!(
        rows.iter()
            .all(|r| r.contains(&Some("started".to_string()))),
        "{why}: {rows:?}"
    );

    let after = served.stats().executed;
    for (sql, n) in &after {
        let ran = n - before.get(sql).copied().unwrap_or(0);
        if ran == 0 || sql.starts_with("SHOW ") || sql.starts_with("SELECT ") {
            continue;
        }
        assert!(
            planned.contains(sql),
            "{why}: ran a statement that was never planned: {sql}"
        );
        assert_eq!(ran, 1, "{why}: {sql} ran {ran} times");
    }
    for sql in &planned {
        assert!(after.get(sql) > before.get(sql), "{why}: never ran: {sql}");
    }
}

#[test]
fn a_killed_change_of_a_running_task_graph_ends_resumed_and_runs_nothing_twice() {
    for ms in [120, 170, 220, 270, 320, 370, 450] {
        graph_change_killed_then_rerun(Duration::from_millis(ms));
    }
}

/// Many more kill points, for a longer run: `cargo test --test it robust::many -- --ignored`.
#[test]
#[ignore = "56 more kill points (minutes): run with --ignored, or the full robustness suite"]
fn many_more_kill_points() {
    for ms in (80..1700).step_by(45) {
        killed_then_rerun(
            Duration::from_millis(ms),
            if ms % 2 == 0 { "1" } else { "4" },
        );
    }
    for ms in (100..500).step_by(20) {
        graph_change_killed_then_rerun(Duration::from_millis(ms));
    }
}

/// The state table is read and written with SELECT, UPDATE and MERGE, which run on a
/// warehouse: a connection whose warehouse the account does not have fails, saying so.
#[test]
fn the_state_table_needs_a_warehouse_and_the_error_says_so() {
    let served = Served::start(0);
    state_home(&served);
    let d = Dir::with(&[("main.hcl", TWO_WAREHOUSES), ("backend.hcl", STATE_BACKEND)]);
    d.connect(&served, "ci");
    let out = d.run_env(
        &[("SNOWFLAKE_CONNECTIONS_CI_WAREHOUSE", "no_such_wh")],
        &["--connection", "ci", "plan"],
    );
    let stderr = &out.stderr;
    assert_eq!(out.code, 1, "{stderr}");
    assert!(
        stderr.contains("391920") && stderr.contains("set `warehouse` in the connection"),
        "{stderr}"
    );
}

fn read_plan(path: &std::path::Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn apply_file(d: &Dir, path: &std::path::Path) -> Out {
    d.sandbox(&["apply", path.to_str().unwrap(), "--allow-destroy"])
}

#[test]
fn an_edited_saved_plan_is_refused_whether_or_not_it_is_sealed_again() {
    let d = Dir::empty();
    d.write("main.hcl", TWO_WAREHOUSES);
    let path = fresh_plan(&d, TWO_WAREHOUSES);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let mut doc = read_plan(&path);
    let sql = doc["plan"]["steps"][0]["sql"].as_str().unwrap().to_string();
    doc["plan"]["steps"][0]["sql"] = serde_json::json!(format!("{sql}; DROP DATABASE PROD"));
    std::fs::write(&path, doc.to_string()).unwrap();
    let out = apply_file(&d, &path).code(1);
    assert!(
        out.stderr
            .contains("was changed after `snowform plan --out` wrote it"),
        "{}",
        out.stderr
    );
    // Sealed again by whoever edited it: the statements are still derived from the changes.
    crate::common::reseal(&mut doc);
    std::fs::write(&path, doc.to_string()).unwrap();
    let out = apply_file(&d, &path).code(1);
    assert!(
        out.stderr
            .contains("its statements are not the ones its changes give"),
        "{}",
        out.stderr
    );
    assert!(d.exec_rows("SHOW WAREHOUSES LIKE 'RB_%'").is_empty());
}

#[test]
fn a_saved_delete_marked_harmless_still_needs_the_destroy_guards() {
    let d = Dir::empty();
    d.write("main.hcl", TWO_WAREHOUSES);
    d.sandbox(&["apply", "--auto-approve"]).ok();
    let protected = TWO_WAREHOUSES.replace(
        "name    = \"RB_A\"",
        "name    = \"RB_A\"\n  lifecycle {\n    prevent_destroy = true\n  }",
    );
    let without_b = protected.replace("warehouse \"b\" {\n  name = \"RB_B\"\n}\n", "");
    let path = fresh_plan(&d, &without_b);
    let mut doc = read_plan(&path);
    for c in doc["plan"]["changes"].as_array_mut().unwrap() {
        c["change"]["destructive"] = serde_json::json!(false);
    }
    crate::common::reseal(&mut doc);
    std::fs::write(&path, doc.to_string()).unwrap();
    let out = d.sandbox(&["apply", path.to_str().unwrap()]).code(1);
    assert!(
        out.stderr.contains("without --allow-destroy"),
        "{}",
        out.stderr
    );
    // And the object the configuration protects stays protected, whatever the file says.
    let gone_a = without_b
        .replace("warehouse \"a\"", "warehouse \"x\"")
        .replace("RB_A", "RB_X");
    let path = fresh_plan(&d, &gone_a);
    let mut doc = read_plan(&path);
    for c in doc["plan"]["changes"].as_array_mut().unwrap() {
        c["change"]["prevent_destroy"] = serde_json::json!(false);
    }
    crate::common::reseal(&mut doc);
    std::fs::write(&path, doc.to_string()).unwrap();
    d.write("main.hcl", &protected);
    let out = apply_file(&d, &path).code(1);
    assert!(
        out.stderr
            .contains("protected by lifecycle.prevent_destroy"),
        "{}",
        out.stderr
    );
    assert_eq!(d.exec_rows("SHOW WAREHOUSES LIKE 'RB_B'").len(), 1);
}

#[test]
fn a_saved_plan_with_sensitive_values_takes_them_again_or_is_refused() {
    let hcl = r#"
variable "token" {
  type      = string
  sensitive = true
}
warehouse "a" {
  name    = "RB_S"
  comment = "token ${var.token}"
}
"#;
    let d = Dir::with(&[("main.hcl", hcl)]);
    let path = d.path().join("plan.json");
    let p = path.to_str().unwrap();
    d.sandbox(&["--var", "token=first-value", "plan", "--out", p])
        .ok();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        !text.contains("first-value") && text.contains("(sensitive)"),
        "{text}"
    );
    assert_eq!(read_plan(&path)["redacted"], true);
    // Another value than the one planned: refused.
    let out = d
        .sandbox(&["--var", "token=second-value", "apply", p])
        .code(1);
    assert!(
        out.stderr
            .contains("the plan they give now is not the saved one"),
        "{}",
        out.stderr
    );
    assert!(
        !out.stderr.contains("first-value") && !out.stderr.contains("second-value"),
        "{}",
        out.stderr
    );
    assert!(d.exec_rows("SHOW WAREHOUSES LIKE 'RB_S'").is_empty());
    // The same value: applied with it, though the file never held it.
    d.sandbox(&["--var", "token=first-value", "apply", p]).ok();
    let rows = d.exec_rows("SHOW WAREHOUSES LIKE 'RB_S'");
    assert!(
        rows[0].to_string().contains("\"token first-value\""),
        "{rows:?}"
    );
}

/// Mutations of a saved plan (sealed again, as a deliberate edit would be) are refused
/// with an error, never a panic: by the reader, by the renderer, by `apply`.
#[test]
fn crafted_saved_plans_never_panic() {
    let d = Dir::empty();
    d.write("main.hcl", TWO_WAREHOUSES);
    d.sandbox(&["apply", "--auto-approve"]).ok();
    let changed = TWO_WAREHOUSES.replace("\"XSMALL\"", "\"SMALL\"").replace(
        "warehouse \"b\" {\n  name = \"RB_B\"\n}\n",
        "warehouse \"c\" {\n  name = \"RB_C\"\n}\n",
    );
    let path = fresh_plan(&d, &changed);
    let original = read_plan(&path);
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    // Every node of the plan, by JSON pointer.
    fn pointers(v: &serde_json::Value, at: String, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Array(a) => a
                .iter()
                .enumerate()
                .for_each(|(i, x)| pointers(x, format!("{at}/{i}"), out)),
            serde_json::Value::Object(m) => m.iter().for_each(|(k, x)| {
                pointers(
                    x,
                    format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                    out,
                )
            }),
            _ => {}
        }
        out.push(at);
    }
    let mut all = Vec::new();
    pointers(&original["plan"], "/plan".into(), &mut all);
    let replacements = [
        serde_json::json!(null),
        serde_json::json!(-1),
        serde_json::json!(u64::MAX),
        serde_json::json!(1_000_000),
        serde_json::json!(""),
        serde_json::json!("DROP DATABASE PROD"),
        serde_json::json!([]),
        serde_json::json!({}),
        serde_json::json!([0, 0, 0]),
        serde_json::json!(true),
    ];
    let mut cli_runs = 0;
    for round in 0..400 {
        let mut doc = original.clone();
        for _ in 0..(1 + next() % 3) {
            let at = &all[(next() % all.len() as u64) as usize];
            if let Some(node) = doc.pointer_mut(at) {
                *node = replacements[(next() % replacements.len() as u64) as usize].clone();
            }
        }
        crate::common::reseal(&mut doc);
        let text = doc.to_string();
        let parsed = std::panic::catch_unwind(|| {
            snowform::plan::saved::SavedPlan::parse(&text).map(|(_, plan)| {
                snowform::render::PlanView::new(&plan, &snowform::render::Redactor::default());
            })
        });
        assert!(parsed.is_ok(), "round {round}: reading panicked on\n{text}");
        // Some of them through the binary, too: an error (1), never a panic (101).
        if (parsed.unwrap().is_ok() || round % 40 == 0) && cli_runs < 12 {
            cli_runs += 1;
            std::fs::write(&path, &text).unwrap();
            let out = apply_file(&d, &path);
            assert!(
                out.code == 0 || out.code == 1,
                "round {round}: exit {}\n{}",
                out.code,
                out.stderr
            );
            assert!(
                !out.stderr.contains("panicked"),
                "round {round}: {}",
                out.stderr
            );
        }
    }
    // Truncations without a new seal: refused as not a plan.
    let original_text = original.to_string();
    for cut in (0..original_text.len()).step_by(97) {
        assert!(snowform::plan::saved::SavedPlan::parse(&original_text[..cut]).is_err());
    }
}

const STARTED_TASK: &str = r#"
database "db" {
  name = "TRUTH_DB"
}

schema "s" {
  database = database.db
  name     = "S"
}

warehouse "w" {
  name = "TRUTH_WH"
}

task "t" {
  schema    = schema.s
  name      = "T"
  sql       = "SELECT 1"
  schedule  = "60 MINUTES"
  warehouse = warehouse.w
  enabled   = true
}
"#;

/// The reported case: a started task whose new warehouse is refused. SUSPEND ran, SET
/// WAREHOUSE failed, RESUME ran: the state keeps the old warehouse, so drift blames
/// nobody and the plan from the state alone still has the change. The failure is the
/// embedded sandbox's `SNOWFORM_SANDBOX_FAIL_MATCHING` (`sandbox serve --fail-matching`).
#[test]
fn a_failed_statement_between_a_suspend_and_a_resume_is_not_recorded() {
    let d = Dir::with(&[("main.hcl", STARTED_TASK)]);
    d.sandbox(&["apply", "--auto-approve"]).ok();
    d.write(
        "main.hcl",
        &STARTED_TASK.replace("warehouse = warehouse.w", "warehouse = \"NOPE\""),
    );
    let out = d.run_env(
        &[("SNOWFORM_SANDBOX_FAIL_MATCHING", "SET WAREHOUSE = NOPE")],
        &[
            "--connection",
            "sandbox",
            "--format",
            "json",
            "apply",
            "--auto-approve",
        ],
    );
    assert_eq!(out.code, 1);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        json_list(&report["applied"]),
        [
            "ALTER TASK TRUTH_DB.S.T SUSPEND",
            "ALTER TASK TRUTH_DB.S.T RESUME"
        ]
    );
    let error = report["failed"][0]["error"].as_str().unwrap();
    assert!(
        error.starts_with("002003 (02000): SQL compilation error:"),
        "{error}"
    );
    let recorded = &d.state()["resources"]["task.t"]["properties"];
    assert_eq!(recorded["warehouse"], "TRUTH_WH");
    assert_eq!(recorded["enabled"], true);
    assert_eq!(task_states(&d), [("T".to_string(), "started".to_string())]);
    d.sandbox(&["drift"]).code(0);
    let offline = d
        .sandbox(&[
            "plan",
            "--refresh=false",
            "--detailed-exitcode",
            "--format",
            "json",
        ])
        .code(2);
    assert_eq!(
        json_list(&offline.json()["statements"]),
        [
            "ALTER TASK TRUTH_DB.S.T SUSPEND",
            "ALTER TASK TRUTH_DB.S.T SET WAREHOUSE = NOPE",
            "ALTER TASK TRUTH_DB.S.T RESUME"
        ]
    );
}

/// The pipeline's graph with its publish task's SQL `sql`, and standalone tasks
/// `Z<round>_<i>` that keep the apply busy after the graph is suspended.
fn interrupted_config(round: usize, sql: &str) -> String {
    let mut hcl = PIPELINE.replace("SELECT 2", sql);
    for i in 0..6 {
        hcl.push_str(&format!(
            "task \"z{round}_{i}\" {{\n  schema = schema.s\n  name = \"Z{round}_{i}\"\n  schedule = \"60 MINUTES\"\n  sql = \"SELECT 3\"\n}}\n"
        ));
    }
    hcl
}

/// SIGINT, SIGTERM and SIGHUP each stop an apply cleanly: nothing new starts once it
/// comes, the suspended task graph is resumed, the lock is released, and the statements
/// left unrun make the exit code 1. The next apply completes the change.
#[test]
fn an_interrupted_apply_resumes_the_graph_releases_the_lock_and_exits_1() {
    let served = Served::start(150);
    let d = Dir::with(&[("main.hcl", PIPELINE)]);
    d.connect(&served, "ci");
    d.on("ci", &["apply", "--auto-approve"]).ok();
    for (round, signal) in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP]
        .into_iter()
        .enumerate()
    {
        d.write(
            "main.hcl",
            &interrupted_config(round, &format!("SELECT {}", round + 10)),
        );
        let mut apply = spawn(
            &d,
            &[
                "--connection",
                "ci",
                "apply",
                "--auto-approve",
                "--allow-destroy",
                "--parallelism",
                "1",
            ],
        );
        let rest = wait_for_line(&mut apply, "done ALTER TASK PIPE_DB.S.LOAD SUSPEND");
        // SAFETY: sends a signal to the child this test spawned and still waits for.
        assert_eq!(unsafe { libc::kill(apply.id() as i32, signal) }, 0);
        let status = apply.wait().unwrap();
        let stderr = rest.join().unwrap().join("\n");
        assert_eq!(status.code(), Some(1), "signal {signal}:\n{stderr}");
        assert!(
            stderr.contains("Interrupted: starting nothing new"),
            "{stderr}"
        );
        assert!(
            stderr.contains("not run ("),
            "signal {signal}: nothing was left:\n{stderr}"
        );
        assert!(
            stderr.contains("done ALTER TASK PIPE_DB.S.LOAD RESUME"),
            "signal {signal}: the graph was not resumed:\n{stderr}"
        );
        assert!(!d.path().join("state/default.json.lock").exists());
        let drift = d.on("ci", &["drift"]);
        assert_eq!(drift.code, 0, "{}\n{}", drift.stdout, drift.stderr);
        d.on("ci", &["apply", "--auto-approve", "--allow-destroy"])
            .ok();
        d.on("ci", &["plan", "--detailed-exitcode"]).ok();
    }
}

/// Killed between suspending a task graph and resuming it, the apply leaves production
/// tasks stopped while the state says suspended: drift reports the unfinished apply (exit
/// 2) instead of a clean account, and the next apply resumes the graph.
#[test]
fn drift_reports_a_task_graph_left_suspended_by_a_killed_apply() {
    let served = Served::start(150);
    let d = Dir::with(&[("main.hcl", PIPELINE)]);
    d.connect(&served, "ci");
    d.on("ci", &["apply", "--auto-approve"]).ok();
    d.write("main.hcl", &PIPELINE.replace("SELECT 2", "SELECT 20"));
    let mut apply = spawn(
        &d,
        &[
            "--connection",
            "ci",
            "apply",
            "--auto-approve",
            "--parallelism",
            "1",
        ],
    );
    let rest = wait_for_line(&mut apply, "done ALTER TASK PIPE_DB.S.LOAD SUSPEND");
    apply.kill().unwrap();
    apply.wait().unwrap();
    drop(rest);
    let drift = d.on("ci", &["drift"]);
    assert_eq!(drift.code, 2, "{}\n{}", drift.stdout, drift.stderr);
    assert!(
        drift.stderr.contains("the last apply did not finish")
            && drift.stderr.contains("ALTER TASK PIPE_DB.S.LOAD RESUME"),
        "{}",
        drift.stderr
    );
    d.run(&["force-unlock", "--yes"]).ok();
    d.on("ci", &["apply", "--auto-approve"]).ok();
    d.on("ci", &["drift"]).ok();
    d.on("ci", &["plan", "--detailed-exitcode"]).ok();
}

/// The state is data: statements planted in its in-progress list (a crafted or edited
/// state file) are never sent again unless snowform writes them for the change the entry
/// records, and then only past the destroy guards. Apply refuses, saying what to do, and
/// runs nothing (the served account's statistics show it).
#[test]
fn statements_planted_in_the_state_are_refused_not_sent() {
    use snowform::model::Address;
    use snowform::plan::Effect;
    use snowform::state::{InProgress, State};
    let served = Served::start(0);
    let d = Dir::with(&[(
        "main.hcl",
        r#"
warehouse "w" {
  name = "RB_W"
}
database "prod" {
  name = "RB_PROD"
  lifecycle {
    prevent_destroy = true
  }
}
"#,
    )]);
    d.connect(&served, "ci");
    d.on("ci", &["apply", "--auto-approve"]).ok();
    let path = d.path().join("state/default.json");
    let mut state = State::parse(&std::fs::read_to_string(&path).unwrap(), "state").unwrap();
    let record = |a: &str| {
        let a = Address::parse(a).unwrap();
        state.resources[&a].to_object(&a)
    };
    let entry = |sql: &str, id: &str, effect: Effect, after: Option<&str>| InProgress {
        statement: sql.into(),
        request_id: id.into(),
        started_at: "2026-01-01T00:00:00Z".into(),
        effect: Some(effect),
        after: after.map(String::from),
    };
    let (warehouse, database) = (record("warehouse.w"), record("database.prod"));
    let planted = vec![
        // Arbitrary SQL under a plausible effect the account cannot judge (the warehouse
        // as recorded), and a drop under it.
        entry(
            "DROP DATABASE RB_PROD",
            "11111111-1111-4111-8111-111111111111",
            Effect::Put {
                object: warehouse.clone(),
            },
            None,
        ),
        entry(
            "GRANT OWNERSHIP ON DATABASE RB_PROD TO ROLE PUBLIC",
            "22222222-2222-4222-8222-222222222222",
            Effect::Put { object: warehouse },
            None,
        ),
        // A statement snowform does write (a replace) for an object the configuration
        // protects.
        entry(
            "CREATE OR REPLACE DATABASE RB_PROD",
            "33333333-3333-4333-8333-333333333333",
            Effect::Put {
                object: database.clone(),
            },
            None,
        ),
        // An effect that says drop, owed after the planted one.
        entry(
            "DROP DATABASE RB_PROD",
            "44444444-4444-4444-8444-444444444444",
            Effect::Remove {
                address: database.address.clone(),
            },
            Some("11111111-1111-4111-8111-111111111111"),
        ),
    ];
    state.in_progress = planted;
    std::fs::write(&path, state.to_json()).unwrap();
    let before = served.stats().executed;

    for flags in [&[][..], &["--allow-destroy"][..]] {
        let mut args = vec!["apply", "--auto-approve"];
        args.extend_from_slice(flags);
        let out = d.on("ci", &args).code(1);
        assert!(
            out.stderr.contains("refusing to apply: the state")
                && out.stderr.contains("DROP DATABASE RB_PROD (request id 11111111-1111-4111-8111-111111111111): it is not a statement snowform writes")
                && out.stderr.contains("GRANT OWNERSHIP ON DATABASE RB_PROD TO ROLE PUBLIC (request id 22222222")
                && out.stderr.contains("CREATE OR REPLACE DATABASE RB_PROD (request id 33333333-3333-4333-8333-333333333333): it drops or replaces database RB_PROD, which lifecycle.prevent_destroy protects")
                && out.stderr.contains("Check in the account"),
            "{flags:?}\n{}",
            out.stderr
        );
        // What the account shows decides the drop: RB_PROD is there, so it did not run and
        // is not sent.
        let left: Vec<String> = d.state()["in_progress"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["request_id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(
            left,
            [
                "11111111-1111-4111-8111-111111111111",
                "22222222-2222-4222-8222-222222222222",
                "33333333-3333-4333-8333-333333333333"
            ],
            "{flags:?}"
        );
    }
    let after = served.stats().executed;
    let new: Vec<(&String, &u64)> = after
        .iter()
        .filter(|(sql, n)| before.get(*sql) != Some(n))
        .filter(|(sql, _)| !sql.starts_with("SHOW ") && !sql.starts_with("SELECT "))
        .collect();
    assert!(new.is_empty(), "ran: {new:?}");
    assert_eq!(
        served.sql("SHOW DATABASES LIKE 'RB_PROD'").len(),
        1,
        "RB_PROD was dropped"
    );

    // Having checked the account, the operator forgets them: nothing runs, apply goes on.
    let listed = d.on("ci", &["state", "in-progress"]).ok().stdout;
    assert!(
        listed.contains("11111111-1111-4111-8111-111111111111")
            && listed.contains("DROP DATABASE RB_PROD")
            && listed.contains("GRANT OWNERSHIP"),
        "{listed}"
    );
    for id in [
        "11111111-1111-4111-8111-111111111111",
        "22222222-2222-4222-8222-222222222222",
        "33333333-3333-4333-8333-333333333333",
    ] {
        let out = d.on("ci", &["state", "forget", id]).ok();
        assert!(out.stderr.contains("Nothing was run"), "{}", out.stderr);
    }
    let again = d
        .on(
            "ci",
            &["state", "forget", "11111111-1111-4111-8111-111111111111"],
        )
        .code(1);
    assert!(
        again.stderr.contains("state in-progress"),
        "{}",
        again.stderr
    );
    assert_eq!(d.on("ci", &["state", "in-progress"]).ok().stdout, "");
    d.on("ci", &["apply", "--auto-approve"]).ok();
    assert_eq!(
        served.sql("SHOW DATABASES LIKE 'RB_PROD'").len(),
        1,
        "RB_PROD was dropped"
    );
    let ran: Vec<String> = served
        .stats()
        .executed
        .keys()
        .filter(|sql| sql.contains("DROP") || sql.contains("GRANT"))
        .cloned()
        .collect();
    assert!(ran.is_empty(), "ran: {ran:?}");
}

/// A served account killed (SIGKILL) while an apply waits for an answer it lost, then
/// served again from its file: the statement's resubmission under its request id is
/// answered from the account file, not run a second time (which would fail as "already
/// exists" and leave the warehouse unmanaged), and the apply converges.
#[test]
fn a_server_killed_and_restarted_mid_apply_runs_nothing_twice() {
    let config = r#"
warehouse "a" {
  name = "RS_A"
}
warehouse "b" {
  name = "RS_B"
}
warehouse "c" {
  name = "RS_C"
}
"#;
    let mut served = Served::start(0);
    let d = Dir::with(&[("main.hcl", config)]);
    d.connect(&served, "ci");
    // How many statements the apply sends before its first CREATE: those of a plan.
    let before = served.stats().statements;
    d.on("ci", &["plan"]).ok();
    let reads = served.stats().statements - before;
    // Served again with latency, the answer to the first CREATE lost on the way back.
    served.set_flags(&["--drop-connection-every", &(reads + 1).to_string()]);
    served.latency(300);
    served.restart();
    let apply = spawn(
        &d,
        &[
            "--connection",
            "ci",
            "apply",
            "--auto-approve",
            "--parallelism",
            "1",
        ],
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    let first = loop {
        let s = served.stats();
        if s.connections_dropped > 0 {
            break s;
        }
        assert!(Instant::now() < deadline, "no answer was lost: {s:?}");
        std::thread::sleep(Duration::from_millis(10));
    };
    // The client waits before it resubmits; the server dies and comes back meanwhile.
    served.set_flags(&[]);
    served.restart();
    let created: Vec<&String> = first
        .executed
        .keys()
        .filter(|sql| sql.starts_with("CREATE WAREHOUSE RS_"))
        .collect();
    assert_eq!(created.len(), 1, "{first:?}");
    let out = apply.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains("already exists"), "{stderr}");
    let second = served.stats();
    assert!(second.retries_deduplicated >= 1, "{second:?}");
    assert_eq!(
        second.executed.get(created[0]),
        None,
        "ran again after the restart: {second:?}"
    );
    for (sql, n) in &second.executed {
        assert!(
            *n == 1 || sql.starts_with("SHOW ") || sql.starts_with("SELECT "),
            "{sql} ran {n} times"
        );
    }
    assert!(d.state().get("in_progress").is_none());
    d.on("ci", &["plan", "--detailed-exitcode"]).ok();
    let again = d.on("ci", &["apply", "--auto-approve"]).ok();
    assert!(
        again.stderr.contains("Nothing to apply."),
        "{}",
        again.stderr
    );
    // The account file remembers the requests that changed it.
    let file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(served.account_file()).unwrap()).unwrap();
    assert!(
        file["requests"].as_array().is_some_and(|r| r.len() >= 3),
        "{file}"
    );
}
