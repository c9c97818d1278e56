//! Access control end to end, as a user runs snowform: grants and role grants planned,
//! applied and read back; a declared role's privileges inside the databases the
//! configuration manages are the configuration's (one granted outside is drift and is
//! revoked, one revoked outside is drift and is granted again), while a role it does not
//! declare is never touched; a change of privileges grants and revokes only the
//! difference; a future grant makes a new feature view version readable by the consumer
//! role the moment it exists (the sandbox's privilege check, over the real client, as that
//! role); a deploy role without CREATE DYNAMIC TABLE fails the apply with Snowflake's message.

use crate::common::{actions, repo, statements, Dir, Served, CI_WAREHOUSE};
use snowform::snowflake::{Auth, Client, ClientOptions, Context, Secret};

const ROLES: &str = r#"
role "consumer" {
  name = "FS_CONSUMER"
}

database "db" {
  name = "GDB"
}

schema "s" {
  database = database.db
  name     = "FS"
}

grant "db_usage" {
  privileges = ["USAGE"]
  on         = database.db
  to         = role.consumer
}

grant "schema" {
  privileges = {privileges}
  on         = schema.s
  to         = role.consumer
}
"#;

fn config(privileges: &str) -> String {
    ROLES.replace("{privileges}", privileges)
}

const UNDECLARED: &str = "grant.undeclared[\"SCHEMA GDB.FS TO ROLE FS_CONSUMER\"]";

#[test]
fn a_privilege_granted_outside_to_a_declared_role_is_drift_and_is_revoked() {
    let d = Dir::with(&[("main.hcl", &config(r#"["USAGE"]"#))]);
    d.sandbox(&["apply", "--auto-approve"]).ok();
    d.exec("GRANT MODIFY ON DATABASE GDB TO ROLE FS_CONSUMER");
    d.exec("GRANT CREATE VIEW ON SCHEMA GDB.FS TO ROLE FS_CONSUMER");
    // A role the configuration does not declare keeps what it is given.
    d.exec("CREATE ROLE OTHER");
    d.exec("GRANT MONITOR ON SCHEMA GDB.FS TO ROLE OTHER");

    let drift = d.sandbox(&["drift", "--format", "json"]).code(2).json();
    let drifted: Vec<String> = drift["drifted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| format!("{} {}", x["address"].as_str().unwrap(), x["attributes"]))
        .collect();
    assert_eq!(
        drifted,
        [
            "grant.db_usage [{\"actual\":[\"MODIFY\",\"USAGE\"],\"expected\":[\"USAGE\"],\"name\":\"privileges\"}]",
            "grant.schema [{\"actual\":[\"CREATE VIEW\",\"USAGE\"],\"expected\":[\"USAGE\"],\"name\":\"privileges\"}]",
        ],
        "{drift:#}"
    );

    // The same on an object no grant names: a grant of its own, revoked as undeclared.
    d.write(
        "main.hcl",
        &config(r#"["USAGE"]"#).replace(
            "grant \"schema\" {\n  privileges = [\"USAGE\"]\n  on         = schema.s\n  to         = role.consumer\n}\n",
            "",
        ),
    );
    d.sandbox(&["apply", "--auto-approve"]).ok();
    d.exec("GRANT CREATE VIEW ON SCHEMA GDB.FS TO ROLE FS_CONSUMER");
    let drift = d.sandbox(&["drift", "--format", "json"]).code(2).json();
    let addresses: Vec<&str> = drift["drifted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["address"].as_str().unwrap())
        .collect();
    assert_eq!(addresses, [UNDECLARED], "{drift:#}");

    let plan = d.sandbox(&["plan", "--format", "json"]).ok().json();
    assert_eq!(
        actions(&plan),
        [(UNDECLARED.to_string(), "delete".to_string())]
    );
    assert_eq!(
        statements(&plan),
        ["REVOKE CREATE VIEW ON SCHEMA GDB.FS FROM ROLE FS_CONSUMER"]
    );
    let why = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == UNDECLARED)
        .map(|c| c["reasons"].to_string())
        .unwrap();
    assert!(why.contains("ROLE FS_CONSUMER is declared"), "{why}");

    // Revoking needs no --allow-destroy; afterwards nothing is left to do.
    d.sandbox(&["apply", "--auto-approve"]).ok();
    d.sandbox(&["plan", "--detailed-exitcode"]).code(0);
    d.sandbox(&["drift"]).code(0);
    let other = d.exec_rows("SHOW GRANTS TO ROLE OTHER");
    assert!(
        other.iter().any(|r| r.to_string().contains("MONITOR")),
        "{other:?}"
    );
}

#[test]
fn a_grant_revoked_outside_is_drift_and_is_granted_again() {
    let d = Dir::with(&[("main.hcl", &config(r#"["MONITOR", "USAGE"]"#))]);
    d.sandbox(&["apply", "--auto-approve"]).ok();
    d.exec("REVOKE USAGE ON DATABASE GDB FROM ROLE FS_CONSUMER");
    let drift = d.sandbox(&["drift", "--format", "json"]).code(2).json();
    assert_eq!(
        drift["drifted"][0]["address"], "grant.db_usage",
        "{drift:#}"
    );
    assert_eq!(drift["drifted"][0]["drift"], "deleted", "{drift:#}");
    let plan = d.sandbox(&["plan", "--format", "json"]).ok().json();
    assert_eq!(
        statements(&plan),
        ["GRANT USAGE ON DATABASE GDB TO ROLE FS_CONSUMER"]
    );
    d.sandbox(&["apply", "--auto-approve"]).ok();
    d.sandbox(&["plan", "--detailed-exitcode"]).code(0);
    d.sandbox(&["drift"]).code(0);
}

#[test]
fn a_change_of_privileges_grants_the_added_and_revokes_the_removed() {
    let d = Dir::with(&[("main.hcl", &config(r#"["MONITOR", "USAGE"]"#))]);
    d.sandbox(&["apply", "--auto-approve"]).ok();
    d.write("main.hcl", &config(r#"["USAGE", "CREATE VIEW"]"#));
    let plan = d.sandbox(&["plan", "--format", "json"]).ok().json();
    assert_eq!(
        actions(&plan),
        [("grant.schema".to_string(), "update".to_string())]
    );
    assert_eq!(
        statements(&plan),
        [
            "GRANT CREATE VIEW ON SCHEMA GDB.FS TO ROLE FS_CONSUMER",
            "REVOKE MONITOR ON SCHEMA GDB.FS FROM ROLE FS_CONSUMER",
        ]
    );
    d.sandbox(&["apply", "--auto-approve"]).ok();
    d.sandbox(&["plan", "--detailed-exitcode"]).code(0);

    // Dropping the role needs --allow-destroy; its grants are revoked before it goes.
    d.write("main.hcl", "");
    d.sandbox(&["apply", "--auto-approve"]).code(1);
    let plan = d.sandbox(&["plan", "--format", "json"]).ok().json();
    let sql = statements(&plan);
    let drop = sql
        .iter()
        .position(|s| s == "DROP ROLE FS_CONSUMER")
        .unwrap();
    let revoke = sql
        .iter()
        .position(|s| s.starts_with("REVOKE CREATE VIEW, USAGE ON SCHEMA"))
        .unwrap();
    assert!(revoke < drop, "{sql:?}");
}

/// A client of the served account whose every request names `role`.
fn as_role(served: &Served, role: &str) -> Client {
    Client::from_base_url(
        &served.url,
        "SANDBOX",
        &served.user,
        Auth::Pat(Secret::new(served.token.clone())),
        ClientOptions {
            context: Context {
                role: Some(role.into()),
                warehouse: Some(CI_WAREHOUSE.into()),
                ..Context::default()
            },
            ..ClientOptions::default()
        },
    )
    .unwrap()
}

fn block_on<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

const FEATURE_STORE: &str = r#"
role "consumer" {
  name = "FS_CONSUMER"
}

role_grant "consumer_user" {
  role = role.consumer
  user = "SNOWFORM_CI"
}

database "db" {
  name = "GDB"
}

schema "fs" {
  database = database.db
  name     = "FS"
}

grant "db" {
  privileges = ["USAGE"]
  on         = database.db
  to         = role.consumer
}

grant "fs" {
  privileges = ["USAGE"]
  on         = schema.fs
  to         = role.consumer
}

grant "warehouse" {
  privileges = ["USAGE"]
  on         = { kind = "WAREHOUSE", name = "CI_WH" }
  to         = role.consumer
}

grant "future_feature_views" {
  privileges = ["SELECT", "MONITOR"]
  on_future  = "DYNAMIC TABLES"
  in         = schema.fs
  to         = role.consumer
}

entity "patient" {
  schema    = schema.fs
  name      = "PATIENT"
  join_keys = ["PATIENT_ID"]
}

feature_view "age" {
  schema       = schema.fs
  name         = "AGE"
  version      = "{version}"
  entities     = [entity.patient]
  refresh_freq = "1 day"
  warehouse    = "CI_WH"
  query        = "SELECT patient_id, age FROM LANDING.RAW.PATIENTS"
}
"#;

#[test]
fn a_future_grant_makes_a_new_feature_view_version_readable_by_the_consumer() {
    let served = Served::start(0);
    served.run_script(&std::fs::read_to_string(repo().join("tests/fixtures/landing.sql")).unwrap());
    let d = Dir::with(&[("main.hcl", &FEATURE_STORE.replace("{version}", "V1"))]);
    d.connect(&served, "ci");

    // The future grant is made before the dynamic table that it should cover.
    let plan = d.on("ci", &["plan", "--format", "json"]).ok().json();
    let sql = statements(&plan);
    let at = |prefix: &str| {
        sql.iter()
            .position(|s| s.starts_with(prefix))
            .unwrap_or_else(|| panic!("no {prefix}: {sql:#?}"))
    };
    assert!(
        at("GRANT MONITOR, SELECT ON FUTURE DYNAMIC TABLES IN SCHEMA GDB.FS")
            < at("CREATE DYNAMIC TABLE GDB.FS.AGE$V1"),
        "{sql:#?}"
    );
    d.on("ci", &["apply", "--auto-approve"]).ok();
    d.on("ci", &["plan", "--detailed-exitcode"]).code(0);

    // A new version: readable by the consumer role as soon as the apply created it.
    d.write("main.hcl", &FEATURE_STORE.replace("{version}", "V2"));
    d.on("ci", &["apply", "--auto-approve", "--allow-destroy"])
        .ok();
    d.on("ci", &["plan", "--detailed-exitcode"]).code(0);
    // The consumer's SELECT passes the privilege check: only the rows, which the sandbox
    // does not compute, are refused (000002), as in tests/it/grants.rs.
    let consumer = as_role(&served, "FS_CONSUMER");
    let e = block_on(consumer.query("SELECT * FROM GDB.FS.AGE$V2")).unwrap_err();
    assert_eq!(
        e.code(),
        Some("000002"),
        "the consumer cannot read the new version: {e}"
    );
    assert!(
        e.message().contains("rows of views and dynamic tables"),
        "{e}"
    );
    // A role that sees it (MONITOR) but has no future grant is refused SELECT.
    for sql in [
        "CREATE ROLE NO_FUTURE",
        "GRANT ROLE NO_FUTURE TO USER SNOWFORM_CI",
        "GRANT USAGE ON DATABASE GDB TO ROLE NO_FUTURE",
        "GRANT USAGE ON SCHEMA GDB.FS TO ROLE NO_FUTURE",
        "GRANT USAGE ON WAREHOUSE CI_WH TO ROLE NO_FUTURE",
        "GRANT MONITOR ON DYNAMIC TABLE GDB.FS.AGE$V2 TO ROLE NO_FUTURE",
    ] {
        served.sql(sql);
    }
    let e =
        block_on(as_role(&served, "NO_FUTURE").query("SELECT * FROM GDB.FS.AGE$V2")).unwrap_err();
    assert_eq!(e.code(), Some("003001"), "{e}");
}

#[test]
fn a_deploy_role_without_create_dynamic_table_fails_the_apply_with_snowflakes_message() {
    let served = Served::start(0);
    served.run_script(&std::fs::read_to_string(repo().join("tests/fixtures/landing.sql")).unwrap());
    for sql in [
        "CREATE DATABASE ML",
        "CREATE SCHEMA ML.FS",
        "CREATE ROLE DEPLOYER",
        "GRANT ROLE DEPLOYER TO USER SNOWFORM_CI",
        "GRANT USAGE ON DATABASE ML TO ROLE DEPLOYER",
        "GRANT USAGE ON SCHEMA ML.FS TO ROLE DEPLOYER",
        "GRANT CREATE TAG, CREATE TABLE ON SCHEMA ML.FS TO ROLE DEPLOYER",
        "GRANT USAGE ON WAREHOUSE CI_WH TO ROLE DEPLOYER",
        "GRANT USAGE ON DATABASE LANDING TO ROLE DEPLOYER",
        "GRANT USAGE ON SCHEMA LANDING.RAW TO ROLE DEPLOYER",
        "GRANT SELECT ON TABLE LANDING.RAW.PATIENTS TO ROLE DEPLOYER",
    ] {
        served.sql(sql);
    }
    let config = r#"
schema "fs" {
  database = "ML"
  name     = "FS"
}

entity "patient" {
  schema    = schema.fs
  name      = "PATIENT"
  join_keys = ["PATIENT_ID"]
}

feature_view "age" {
  schema       = schema.fs
  name         = "AGE"
  version      = "V1"
  entities     = [entity.patient]
  refresh_freq = "1 day"
  warehouse    = "CI_WH"
  query        = "SELECT patient_id, age FROM LANDING.RAW.PATIENTS"
}
"#;
    let d = Dir::with(&[("main.hcl", config)]);
    d.connect(&served, "ci");
    let path = d.home.path().join("connections.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("[ci]\n", "[ci]\nrole = \"DEPLOYER\"\n")).unwrap();
    d.on("ci", &["import", "schema.fs", "ML.FS"]).ok();
    let out = d.on("ci", &["apply", "--auto-approve"]).code(1);
    let all = format!("{}{}", out.stdout, out.stderr);
    assert!(all.contains("003001"), "{all}");
    assert!(
        all.contains("Insufficient privileges to operate on schema 'FS'"),
        "{all}"
    );
}
