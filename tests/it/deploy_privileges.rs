//! `connection test` with a configuration: the privileges the connection's role (a custom
//! deploy role, with the roles granted to it) lacks to apply it, each with the GRANT that
//! gives it, exit 1; with all of them granted, exit 0. Against a served sandbox account,
//! whose custom roles' privileges are checked, so the passing role can also apply.

use crate::common::{repo, Dir, Served};

const CONFIG: &str = r#"
database "new" {
  name = "NEWDB"
}

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

task "nightly" {
  schema    = schema.fs
  name      = "NIGHTLY"
  warehouse = "CI_WH"
  schedule  = "USING CRON 0 3 * * * UTC"
  sql       = "SELECT 1"
}
"#;

/// A served account with ML.FS and a deploy role DEPLOYER (granted to the connection's
/// user through an intermediate role, so inherited grants count) holding USAGE on ML and
/// ML.FS and CREATE TAG there.
fn setup() -> (Served, Dir) {
    let served = Served::start(0);
    served.run_script(&std::fs::read_to_string(repo().join("tests/fixtures/landing.sql")).unwrap());
    for sql in [
        "CREATE DATABASE ML",
        "CREATE SCHEMA ML.FS",
        "CREATE ROLE DEPLOYER",
        "CREATE ROLE ML_USAGE",
        "GRANT ROLE ML_USAGE TO ROLE DEPLOYER",
        "GRANT ROLE DEPLOYER TO USER SNOWFORM_CI",
        "GRANT USAGE ON DATABASE ML TO ROLE ML_USAGE",
        "GRANT USAGE ON SCHEMA ML.FS TO ROLE ML_USAGE",
        "GRANT CREATE TAG ON SCHEMA ML.FS TO ROLE DEPLOYER",
        "GRANT USAGE ON DATABASE LANDING TO ROLE DEPLOYER",
        "GRANT USAGE ON SCHEMA LANDING.RAW TO ROLE DEPLOYER",
        "GRANT SELECT ON TABLE LANDING.RAW.PATIENTS TO ROLE DEPLOYER",
    ] {
        served.sql(sql);
    }
    let d = Dir::with(&[("main.hcl", CONFIG)]);
    d.connect(&served, "ci");
    let path = d.home.path().join("connections.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("[ci]\n", "[ci]\nrole = \"DEPLOYER\"\n")).unwrap();
    (served, d)
}

const MISSING: [&str; 6] = [
    "GRANT CREATE DATABASE ON ACCOUNT TO ROLE DEPLOYER;  -- database.new",
    "GRANT EXECUTE TASK ON ACCOUNT TO ROLE DEPLOYER;  -- task.nightly",
    "GRANT USAGE ON WAREHOUSE CI_WH TO ROLE DEPLOYER;  -- feature_view.age",
    "GRANT CREATE DYNAMIC TABLE ON SCHEMA ML.FS TO ROLE DEPLOYER;  -- feature_view.age",
    // ML.FS becomes a Feature Store: the layout's snapshot table.
    "GRANT CREATE TABLE ON SCHEMA ML.FS TO ROLE DEPLOYER;  -- schema.fs",
    "GRANT CREATE TASK ON SCHEMA ML.FS TO ROLE DEPLOYER;  -- task.nightly",
];

#[test]
fn connection_test_lists_the_privileges_the_deploy_role_lacks() {
    let (_served, d) = setup();
    let out = d.on("ci", &["connection", "test"]).code(1);
    let privileges: Vec<&str> = out
        .stdout
        .lines()
        .skip_while(|l| !l.starts_with("Privileges:"))
        .collect();
    let mut expected =
        vec!["Privileges: the role lacks 6 the configuration needs; run:".to_string()];
    expected.extend(MISSING.iter().map(|l| format!("  {l}")));
    assert_eq!(privileges, expected, "{}", out.stdout);

    let json = d
        .on("ci", &["connection", "test", "--format", "json"])
        .code(1)
        .json();
    let grants: Vec<String> = json["missing_privileges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["grant"].as_str().unwrap().to_string())
        .collect();
    let bare: Vec<&str> = MISSING
        .iter()
        .map(|l| l.split(';').next().unwrap())
        .collect();
    assert_eq!(grants, bare, "{json:#}");
}

#[test]
fn a_deploy_role_with_every_privilege_passes_and_can_apply() {
    let (served, d) = setup();
    for grant in MISSING {
        served.sql(grant.split(';').next().unwrap());
    }
    let out = d.on("ci", &["connection", "test"]).ok();
    assert!(
        out.stdout
            .contains("Privileges: the role holds every privilege the configuration needs"),
        "{}",
        out.stdout
    );
    let json = d
        .on("ci", &["connection", "test", "--format", "json"])
        .ok()
        .json();
    assert_eq!(json["missing_privileges"], serde_json::json!([]));
    // What the check found enough is enough for the sandbox's privilege checks too.
    d.on("ci", &["import", "schema.fs", "ML.FS"]).ok();
    d.on("ci", &["apply", "--auto-approve"]).ok();
}
