//! `apply --lock-timeout SECONDS`: while another process holds the state lock, apply waits up
//! to that long for it, then refuses as before; `plan --lock-timeout` takes plain seconds too.

use crate::common::Dir;

const CONFIG: &str = r#"
warehouse "w" {
  name = "LOCK_WH"
  size = "XSMALL"
}
"#;

/// A lock held by a process that still runs (this test's own), as a running apply leaves it.
fn hold_lock(d: &Dir) {
    let lock = serde_json::json!({
        "id": "x", "holder": "someone@here",
        "host": gethostname::gethostname().to_string_lossy(),
        "pid": std::process::id(), "time": "2026-01-01T00:00:00Z", "operation": "apply"
    });
    std::fs::create_dir_all(d.path().join("state")).unwrap();
    std::fs::write(d.path().join("state/default.json.lock"), lock.to_string()).unwrap();
}

#[test]
fn apply_waits_its_lock_timeout_for_a_held_lock_then_refuses() {
    let d = Dir::with(&[("main.hcl", CONFIG)]);
    hold_lock(&d);
    let started = std::time::Instant::now();
    let out = d
        .sandbox(&["apply", "--auto-approve", "--lock-timeout", "1"])
        .code(1);
    assert!(started.elapsed().as_millis() >= 1000, "it did not wait");
    assert!(
        out.stderr.contains("locked by someone@here"),
        "{}",
        out.stderr
    );
    // Nothing ran: the warehouse is still to be created.
    std::fs::remove_file(d.path().join("state/default.json.lock")).unwrap();
    let plan = d
        .sandbox(&["plan", "--lock-timeout", "1", "--format", "json"])
        .ok()
        .json();
    assert_eq!(plan["summary"]["create"], 1, "{plan}");
}

#[test]
fn apply_takes_the_lock_once_it_is_released_within_the_timeout() {
    let d = Dir::with(&[("main.hcl", CONFIG)]);
    hold_lock(&d);
    let path = d.path().join("state/default.json.lock");
    let releaser = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(700));
        std::fs::remove_file(path).unwrap();
    });
    d.sandbox(&["apply", "--auto-approve", "--lock-timeout", "30"])
        .ok();
    releaser.join().unwrap();
    let plan = d.sandbox(&["plan", "--format", "json"]).ok().json();
    assert_eq!(plan["summary"]["create"], 0, "{plan}");
}

#[test]
fn without_a_lock_timeout_apply_refuses_at_once() {
    let d = Dir::with(&[("main.hcl", CONFIG)]);
    hold_lock(&d);
    let out = d.sandbox(&["apply", "--auto-approve"]).code(1);
    assert!(
        out.stderr.contains("locked by someone@here"),
        "{}",
        out.stderr
    );
}
