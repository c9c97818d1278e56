//! Several environments of one configuration: a pull-request role that only reads, and
//! workspaces that share one account.

use crate::common::{Dir, Served};

const CONFIG: &str = r#"
# Made up here: one warehouse per environment, its state in a table of the account.
backend "snowflake" {
  database = "SNOWFORM"
  schema   = "STATE"
  table    = "WORKSPACES"
}

variable "env" {
  type    = string
  default = "DEV"
}

warehouse "w" {
  name = "ENV_WH_${var.env}"
  size = "XSMALL"
}
"#;

/// The statements that change something: DDL and DML.
fn writes<'a>(executed: impl Iterator<Item = &'a String>) -> Vec<String> {
    const WRITING: [&str; 9] = [
        "CREATE", "ALTER", "DROP", "MERGE", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "GRANT",
    ];
    executed
        .filter(|s| {
            let first = s
                .split_whitespace()
                .next()
                .unwrap_or("")
                .to_ascii_uppercase();
            WRITING.contains(&first.as_str())
        })
        .cloned()
        .collect()
}

/// What the account executed between two snapshots of its statistics.
fn ran_between(
    before: &snowform::sandbox::StatsSnapshot,
    after: &snowform::sandbox::StatsSnapshot,
) -> Vec<String> {
    after
        .executed
        .iter()
        .filter(|(sql, n)| before.executed.get(*sql).copied().unwrap_or(0) < **n)
        .map(|(sql, _)| sql.clone())
        .collect()
}

#[test]
fn plan_and_drift_only_read_the_account_and_the_state_table() {
    let served = Served::start(0);
    // What the administrator sets up once (docs/ci.md): the state's schema, no table.
    served.sql("CREATE DATABASE SNOWFORM");
    served.sql("CREATE SCHEMA SNOWFORM.STATE");
    let d = Dir::with(&[("main.hcl", CONFIG)]);
    d.connect(&served, "ci");

    // No state table yet: an empty state, planned and checked for drift without a write.
    let before = served.stats();
    let plan = d.on("ci", &["plan", "--detailed-exitcode"]).code(2);
    assert!(
        plan.stderr.contains("does not exist yet"),
        "{}",
        plan.stderr
    );
    // Drift without a state is an error (nothing to compare with), still without a write.
    let drift = d.on("ci", &["drift"]).code(1);
    assert!(drift.stderr.contains("no state"), "{}", drift.stderr);
    let ran = ran_between(&before, &served.stats());
    assert!(!ran.is_empty());
    assert_eq!(writes(ran.iter()), Vec::<String>::new(), "{ran:#?}");
    assert!(served
        .sql("SHOW TABLES IN SCHEMA SNOWFORM.STATE")
        .is_empty());

    // apply creates the table; plan and drift on it still only read.
    d.on("ci", &["apply", "--auto-approve"]).ok();
    let before = served.stats();
    d.on("ci", &["plan", "--detailed-exitcode"]).ok();
    d.on("ci", &["drift"]).ok();
    let ran = ran_between(&before, &served.stats());
    assert_eq!(writes(ran.iter()), Vec::<String>::new(), "{ran:#?}");

    // `state init` makes the table and a workspace's row ahead of the first apply.
    d.on("ci", &["--workspace", "prod", "state", "init"]).ok();
    let heads = served.sql(
        "SELECT WORKSPACE FROM SNOWFORM.STATE.WORKSPACES WHERE ADDRESS = '' ORDER BY WORKSPACE",
    );
    assert_eq!(
        heads,
        vec![
            vec![Some("default".to_string())],
            vec![Some("prod".to_string())]
        ]
    );
}

#[test]
fn workspaces_sharing_a_sandbox_account_conflict_as_in_snowflake() {
    // Made up here: two environments that both claim one warehouse name.
    let d = Dir::with(&[(
        "main.hcl",
        "warehouse \"w\" {\n  name = \"SHARED_WH\"\n  size = \"XSMALL\"\n}\n",
    )]);
    let shared = ["--connection", "sandbox", "--sandbox-account", "team"];
    let on = |workspace: &str, args: &[&str]| {
        let mut all = shared.to_vec();
        all.extend_from_slice(&["--workspace", workspace]);
        all.extend_from_slice(args);
        d.run(&all)
    };
    on("dev", &["apply", "--auto-approve"]).ok();
    let prod = on("prod", &["plan"]).code(1);
    assert!(
        prod.stderr.contains(
            "warehouse SHARED_WH already exists in the account but snowform does not manage it"
        ),
        "{}",
        prod.stderr
    );
    assert!(
        prod.stderr
            .contains("Workspaces (environments) that share an account"),
        "{}",
        prod.stderr
    );
    assert!(
        prod.stderr
            .contains("snowform import warehouse.w 'SHARED_WH'"),
        "{}",
        prod.stderr
    );
    // Both workspaces see one account, kept in one file.
    assert!(d
        .path()
        .join(".snowform/sandbox/accounts/team.json")
        .is_file());
    let seen = d.run(
        &[
            &shared[..],
            &[
                "--workspace",
                "prod",
                "sandbox",
                "exec",
                "SHOW WAREHOUSES LIKE 'SHARED_WH'",
            ],
        ]
        .concat(),
    );
    assert!(seen.ok().stdout.contains("SHARED_WH"));

    // The same through the environment variable; without it each workspace has its own.
    let via_env = d.run_env(
        &[("SNOWFORM_SANDBOX_ACCOUNT", "team")],
        &["--connection", "sandbox", "--workspace", "prod", "plan"],
    );
    assert_eq!(via_env.code, 1);
    d.run(&["--connection", "sandbox", "--workspace", "prod", "plan"])
        .ok();
}

/// `snowform ARGS` in `d`, on a pseudo-terminal (util-linux `script`), with `extra`
/// environment variables; what the terminal received. None where `script` is missing.
/// A process of its own: only a real terminal shows what is drawn on one.
fn on_terminal(d: &Dir, args: &[&str], extra: &[(&str, &str)]) -> Option<String> {
    let bin = assert_cmd::cargo::cargo_bin("snowform");
    let quoted: Vec<String> = std::iter::once(bin.display().to_string())
        .chain(["-C".to_string(), d.path().display().to_string()])
        .chain(args.iter().map(|a| a.to_string()))
        .map(|a| format!("'{}'", a.replace('\'', "'\\''")))
        .collect();
    let mut cmd = std::process::Command::new("script");
    cmd.args(["-qec", &quoted.join(" "), "/dev/null"])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", d.home.path())
        .env("SNOWFLAKE_HOME", d.home.path())
        .env("TERM", "xterm")
        .env("NO_COLOR", "1");
    for (k, v) in extra {
        cmd.env(k, v);
    }
    let out = cmd.output().ok()?;
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Made up here: objects in three levels of containers, so that reading them takes
/// several rounds of queries.
fn nested(prefix: &str) -> String {
    let mut hcl = format!("database \"d\" {{\n  name = \"{prefix}_DB\"\n}}\n");
    for i in 0..3 {
        hcl.push_str(&format!(
            "schema \"s{i}\" {{\n  database = database.d\n  name = \"S{i}\"\n}}\nstage \"t{i}\" {{\n  schema = schema.s{i}\n  name = \"T{i}\"\n}}\n"
        ));
    }
    hcl
}

#[test]
fn progress_is_drawn_on_a_terminal_only() {
    // Each request waits, so that plans and applies take more than a moment.
    let served = Served::start(700);
    let d = Dir::with(&[("main.hcl", &nested("PROGRESS"))]);
    d.connect(&served, "ci");

    // Not a terminal (captured, as in CI): not one byte of progress.
    let out = d.on("ci", &["apply", "--auto-approve"]).ok();
    for stream in [&out.stdout, &out.stderr] {
        assert!(
            !stream.contains('\r') && !stream.contains('\u{1b}'),
            "{stream:?}"
        );
        assert!(!stream.contains("statements ("), "{stream}");
        assert!(!stream.contains("Reading the account:"), "{stream}");
    }

    let Some(shown) = on_terminal(&d, &["--connection", "ci", "plan"], &[]) else {
        eprintln!("`script` is not installed: the terminal half of this test did not run");
        return;
    };
    assert!(shown.contains("Reading the account:"), "{shown:?}");
    // On a terminal in automation (as pipelines set it), or with JSON: none.
    for extra in [
        [("TF_IN_AUTOMATION", "1")],
        [("CI", "true")],
        [("TF_BUILD", "True")],
    ] {
        let quiet = on_terminal(&d, &["--connection", "ci", "plan"], &extra).unwrap();
        assert!(
            !quiet.contains("Reading the account:"),
            "{extra:?}: {quiet:?}"
        );
    }
    let json = on_terminal(&d, &["--connection", "ci", "plan", "--format", "json"], &[]).unwrap();
    assert!(!json.contains("Reading the account:"), "{json:?}");

    // An apply draws its bar with counts (7 statements: a database, 3 schemas, 3 stages).
    let fresh = Dir::with(&[("main.hcl", &nested("PROGRESS2"))]);
    fresh.connect(&served, "ci");
    let applied = on_terminal(
        &fresh,
        &["--connection", "ci", "apply", "--auto-approve"],
        &[],
    )
    .unwrap();
    assert!(applied.contains("/7 statements ("), "{applied:?}");
}

/// Ctrl-C at the confirmation prompt, typed on a real (pseudo-)terminal, whose line
/// discipline turns it into SIGINT: the apply stops at once, exits 1, runs nothing and
/// releases the state lock.
#[test]
fn ctrl_c_at_the_confirmation_prompt_stops_cleanly() {
    use std::io::{Read, Write};
    let served = Served::start(0);
    let d = Dir::with(&[("main.hcl", "warehouse \"w\" {\n  name = \"PROMPT_W\"\n}\n")]);
    d.connect(&served, "ci");
    let before = served.stats().executed;
    // A process of its own on a pseudo-terminal: Ctrl-C there is a SIGINT to the process.
    let bin = assert_cmd::cargo::cargo_bin("snowform");
    let quoted: Vec<String> = [
        bin.display().to_string(),
        "-C".to_string(),
        d.path().display().to_string(),
        "--connection".to_string(),
        "ci".to_string(),
        "apply".to_string(),
    ]
    .iter()
    .map(|a| format!("'{}'", a.replace('\'', "'\\''")))
    .collect();
    // `exec`: the shell that `script` starts would see the SIGINT too and exit 130 itself.
    let spawned = std::process::Command::new("script")
        .args(["-qec", &format!("exec {}", quoted.join(" ")), "/dev/null"])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", d.home.path())
        .env("SNOWFLAKE_HOME", d.home.path())
        .env("TERM", "xterm")
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn();
    let Ok(mut child) = spawned else {
        eprintln!("`script` is not installed: this test did not run");
        return;
    };
    // What the terminal shows, read on a thread so that the wait can time out.
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let mut stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0
                || tx
                    .send(String::from_utf8_lossy(&buf[..n]).into_owned())
                    .is_err()
            {
                break;
            }
        }
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let mut shown = String::new();
    let mut stdin = child.stdin.take().unwrap();
    let mut sent = false;
    let status = loop {
        if let Ok(chunk) = rx.recv_timeout(std::time::Duration::from_millis(50)) {
            shown.push_str(&chunk);
        }
        if !sent && shown.contains("Only 'yes' is accepted: ") {
            // Ctrl-C, as typed.
            stdin.write_all(b"\x03").unwrap();
            stdin.flush().unwrap();
            sent = true;
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("no exit after Ctrl-C at the prompt (sent: {sent}):\n{shown}");
        }
    };
    while let Ok(chunk) = rx.recv_timeout(std::time::Duration::from_millis(200)) {
        shown.push_str(&chunk);
    }
    assert!(sent, "no prompt:\n{shown}");
    assert_eq!(status.code(), Some(1), "{shown}");
    assert!(
        shown.contains("apply interrupted at the prompt; nothing was changed"),
        "{shown}"
    );
    assert!(!d.path().join("state/default.json.lock").exists());
    let after = served.stats().executed;
    let ran: Vec<&String> = after
        .iter()
        .filter(|(sql, n)| before.get(*sql) != Some(n))
        .map(|(sql, _)| sql)
        .filter(|sql| !sql.starts_with("SHOW ") && !sql.starts_with("SELECT "))
        .collect();
    assert!(ran.is_empty(), "ran: {ran:?}");
    // The lock is free: the next apply takes it.
    d.on("ci", &["apply", "--auto-approve"]).ok();
}
