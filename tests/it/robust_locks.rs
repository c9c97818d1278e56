//! The state lock under hostile conditions: a panic while holding it, a lock forced open
//! under a running apply, an empty or corrupt lock file, and workspace names that are paths.

use crate::common::{Dir, Out, Served};
use crate::robust::{spawn, wait_for_line};

const FOUR: &str = r#"
warehouse "w" {
  for_each = toset(["A", "B", "C", "D"])
  name     = "RL_${each.key}"
}
"#;

const EIGHT: &str = r#"
warehouse "w" {
  for_each = toset(["A", "B", "C", "D", "E", "F", "G", "H"])
  name     = "RL_${each.key}"
}
"#;

const STATE_BACKEND: &str = r#"
backend "snowflake" {
  database = "SNOWFORM"
  schema   = "STATE"
  table    = "WORKSPACES"
}
"#;

/// `apply` on connection `ci` with a panic injected once the state is locked and loaded.
/// A process of its own: what is checked is the exit code of a panic (101) and what the
/// process leaves behind.
fn panicking_apply(d: &Dir) -> Out {
    let out = d
        .cmd()
        .env("SNOWFORM_TEST_PANIC", "apply-locked")
        .args(["--connection", "ci", "apply", "--auto-approve"])
        .output()
        .unwrap();
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn assert_released_after_panic(d: &Dir) {
    let out = panicking_apply(d);
    assert_eq!(out.code, 101, "{}", out.stderr);
    assert!(
        out.stderr.contains("a panic injected for a test"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("internal error") && out.stderr.contains("was released"),
        "{}",
        out.stderr
    );
    // Nothing to clear: the next apply takes the lock and runs.
    let next = d.on("ci", &["apply", "--auto-approve"]);
    assert_eq!(next.code, 0, "{}", next.stderr);
    assert!(!next.stderr.contains("locked by"), "{}", next.stderr);
}

/// A bug (a panic) while holding the lock releases it: the local lock file ...
#[test]
fn a_panic_while_holding_the_local_lock_releases_it() {
    let served = Served::start(0);
    let d = Dir::with(&[("main.hcl", FOUR)]);
    d.connect(&served, "ci");
    assert_released_after_panic(&d);
    assert!(!d.path().join("state/default.json.lock").exists());
}

/// ... and the lock of the state table.
#[test]
fn a_panic_while_holding_the_state_table_lock_releases_it() {
    let served = Served::start(0);
    served.sql("CREATE DATABASE SNOWFORM");
    served.sql("CREATE SCHEMA SNOWFORM.STATE");
    let d = Dir::with(&[("main.hcl", FOUR), ("backend.hcl", STATE_BACKEND)]);
    d.connect(&served, "ci");
    // A first apply creates the state table, so that the panicking one finds it.
    d.on("ci", &["apply", "--auto-approve"]).ok();
    d.write("main.hcl", EIGHT);
    assert_released_after_panic(&d);
    let rows = served.sql("SELECT LOCK_ID FROM SNOWFORM.STATE.WORKSPACES WHERE ADDRESS = ''");
    assert_eq!(rows, [[None]]);
}

/// A `state rm` made after the lock was forced open under a running apply was silently
/// undone by that apply's next write of its whole state. Now the apply checks that it still
/// holds the lock before each write, stops, and the removal stands.
#[test]
fn a_state_rm_after_a_forced_unlock_is_not_undone_by_the_running_apply() {
    let served = Served::start(150);
    let d = Dir::with(&[("main.hcl", FOUR)]);
    d.connect(&served, "ci");
    d.on("ci", &["apply", "--auto-approve"]).ok();
    d.write("main.hcl", EIGHT);
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
    d.run(&["force-unlock", "--yes"]).ok();
    d.run(&["state", "rm", "warehouse.w[\"A\"]"]).ok();
    let status = apply.wait().unwrap();
    let stderr = rest.join().unwrap().join("\n");
    assert!(!status.success(), "{stderr}");
    assert!(
        stderr.contains("no longer holds the state lock"),
        "{stderr}"
    );
    let list = d.run(&["state", "list"]).ok().stdout;
    assert!(
        !list.contains("warehouse.w[\"A\"]"),
        "the removal was undone:\n{list}"
    );
    assert!(list.contains("warehouse.w[\"B\"]"), "{list}");
}

/// A lock file left empty (a process killed between creating and writing it) or corrupt
/// holds the state; `force-unlock` sees it and clears it.
#[test]
fn force_unlock_clears_an_empty_or_corrupt_lock_file() {
    for text in ["", "{ not a lock"] {
        let d = Dir::with(&[("main.hcl", FOUR)]);
        std::fs::create_dir_all(d.path().join("state")).unwrap();
        std::fs::write(d.path().join("state/default.json.lock"), text).unwrap();
        let refused = d.sandbox(&["apply", "--auto-approve"]).code(1);
        assert!(
            refused
                .stderr
                .contains("locked by unknown (the lock file is"),
            "{}",
            refused.stderr
        );
        let out = d.run(&["force-unlock", "--yes"]).ok();
        assert!(
            out.stderr.contains("The lock is removed."),
            "{}",
            out.stderr
        );
        assert!(!d.path().join("state/default.json.lock").exists());
        d.sandbox(&["apply", "--auto-approve"]).ok();
    }
}

/// `--workspace` names a state; `../../X` wrote a state file outside the directory.
#[test]
fn a_workspace_is_a_name_not_a_path() {
    let outer = tempfile::tempdir().unwrap();
    let d = Dir::with(&[("main.hcl", FOUR)]);
    let escape = format!("../../{}/escaped", outer.path().display());
    for bad in [
        "../../X",
        escape.as_str(),
        "a/b",
        ".hidden",
        "",
        "with space",
    ] {
        let out = d.sandbox(&["--workspace", bad, "apply", "--auto-approve"]);
        assert_eq!(out.code, 1, "{bad:?}: {}", out.stderr);
        assert!(
            out.stderr.contains("invalid workspace name"),
            "{bad:?}: {}",
            out.stderr
        );
    }
    let env = d.run_env(&[("SNOWFORM_WORKSPACE", "../../X")], &["validate"]);
    assert_eq!(env.code, 1);
    assert!(std::fs::read_dir(outer.path()).unwrap().next().is_none());
    assert!(!d.path().join("state").exists());
    for good in ["default", "staging", "pr-123", "team_a"] {
        d.sandbox(&["--workspace", good, "validate"]).ok();
    }
}

const SIXTEEN: &str = r#"
warehouse "w" {
  for_each = toset(["A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L", "M", "N", "O", "P"])
  name     = "RP_${each.key}"
}
"#;

/// A pull request's plan while main applies: the plan used to read the state, then the
/// account, and fail on what the apply made in between ("already exists ... not managed":
/// 32 of 121 plans). It now waits for the apply to release the lock (saying so), reads a
/// state that does not move while it reads the account, and shows only its own change.
#[test]
fn a_plan_during_a_running_apply_waits_and_plans_against_a_consistent_state() {
    let served = Served::start(60);
    let main = Dir::with(&[("main.hcl", SIXTEEN)]);
    main.connect(&served, "ci");
    let mut apply = spawn(
        &main,
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
    // The pull request: the same directory (same state), one more warehouse.
    let pr = format!("{SIXTEEN}\nwarehouse \"extra\" {{\n  name = \"RP_EXTRA\"\n}}\n");
    let mut plans = Vec::new();
    while apply.try_wait().unwrap().is_none() && plans.len() < 3 {
        main.write("pr.hcl", &pr[SIXTEEN.len()..]);
        let out = main.on("ci", &["plan", "--format", "json"]);
        plans.push(out);
    }
    let status = apply.wait().unwrap();
    assert!(status.success(), "{}", rest.join().unwrap().join("\n"));
    assert!(!plans.is_empty());
    for out in plans {
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert!(
            out.stderr.contains("to release the state lock"),
            "the plan says that it waited: {}",
            out.stderr
        );
        assert_eq!(
            crate::common::actions(&out.json()),
            [("warehouse.extra".to_string(), "create".to_string())],
            "{}",
            out.stderr
        );
    }
}

/// With the lock left by a process gone for good, a plan does not wait at all; with a lock
/// held by a process that still runs, it waits `--lock-timeout`, then plans anyway.
#[test]
fn a_plan_waits_at_most_its_lock_timeout() {
    let d = Dir::with(&[("main.hcl", FOUR)]);
    d.sandbox(&["apply", "--auto-approve"]).ok();
    let lock = |pid: u32| {
        serde_json::json!({
            "id": "x", "holder": "someone@here", "host": gethostname(), "pid": pid,
            "time": "2026-01-01T00:00:00Z", "operation": "apply"
        })
        .to_string()
    };
    // A process that is gone: a pid far beyond any pid_max.
    std::fs::write(d.path().join("state/default.json.lock"), lock(999_999_999)).unwrap();
    let out = d.sandbox(&["plan", "--lock-timeout", "20s"]).ok();
    // It neither waited nor gave up waiting (what the clock would say, on a machine that is
    // not busy).
    assert!(!out.stderr.contains("Waiting for"), "{}", out.stderr);
    assert!(!out.stderr.contains("planning anyway"), "{}", out.stderr);
    // This test's own process still runs.
    std::fs::write(
        d.path().join("state/default.json.lock"),
        lock(std::process::id()),
    )
    .unwrap();
    let started = std::time::Instant::now();
    let out = d.sandbox(&["plan", "--lock-timeout", "1s"]).ok();
    assert!(started.elapsed().as_millis() >= 1000);
    assert!(
        out.stderr.contains("Waiting for apply by someone@here"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("planning anyway"), "{}", out.stderr);
}

fn gethostname() -> String {
    gethostname::gethostname().to_string_lossy().into_owned()
}

/// A crafted saved plan whose steps wait for a step it does not have made apply index past
/// its steps and panic while holding the lock; one whose steps wait for each other would
/// wait for ever. Both are refused before the lock is taken, and nothing runs.
#[test]
fn a_crafted_saved_plan_is_refused_before_anything_runs() {
    let d = Dir::with(&[("main.hcl", FOUR)]);
    let path = d.path().join("plan.json");
    let arg = path.to_string_lossy().into_owned();
    d.sandbox(&["plan", "--out", &arg]).ok();
    let pristine: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    type Craft = fn(&mut serde_json::Value);
    let crafted: [(&str, Craft); 3] = [
        ("waits for step 999", |p| {
            p["plan"]["steps"][1]["after"] = serde_json::json!([999])
        }),
        ("steps wait for each other", |p| {
            p["plan"]["steps"][0]["after"] = serde_json::json!([1]);
            p["plan"]["steps"][1]["after"] = serde_json::json!([0]);
        }),
        ("order repeats a step", |p| {
            p["plan"]["order"] = serde_json::json!([0, 0, 1, 2])
        }),
    ];
    for (what, craft) in crafted {
        let mut p = pristine.clone();
        craft(&mut p);
        // Sealed again, as whoever crafted it would: the digest alone does not stop it.
        crate::common::reseal(&mut p);
        std::fs::write(&path, p.to_string()).unwrap();
        let out = d.sandbox(&["apply", &arg]);
        assert_eq!(out.code, 1, "{what}: {}", out.stderr);
        // The reader refuses it: its steps are not the ones its changes give.
        assert!(
            out.stderr.contains("the plan is not consistent"),
            "{what}: {}",
            out.stderr
        );
        assert!(!d.path().join("state/default.json.lock").exists(), "{what}");
        assert!(!out.stderr.contains("done "), "{what}: {}", out.stderr);
    }
    // The plan as made still applies.
    std::fs::write(&path, pristine.to_string()).unwrap();
    d.sandbox(&["apply", &arg]).ok();
}
