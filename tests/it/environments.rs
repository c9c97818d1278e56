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
    d.on("ci", &["drift"]).ok();
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
            .contains("snowform import warehouse.w SHARED_WH"),
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
    let via_env = d
        .cmd()
        .env("SNOWFORM_SANDBOX_ACCOUNT", "team")
        .args(["--connection", "sandbox", "--workspace", "prod", "plan"])
        .output()
        .unwrap();
    assert_eq!(via_env.status.code(), Some(1));
    d.run(&["--connection", "sandbox", "--workspace", "prod", "plan"])
        .ok();
}
