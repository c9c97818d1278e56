//! The sandbox answers SHOW with the column lists Snowflake documents: each documented
//! fixture in tests/fixtures/show/documented/ (transcribed from Snowflake's docs, with its
//! source) is compared with what the sandbox prints for the same statement.

use super::Engine;
use crate::sandbox::{Session, SqlEngine};
use std::path::Path;

/// A small account with one object of every kind the sandbox keeps.
pub(crate) const SETUP: &[&str] = &[
    "CREATE WAREHOUSE W",
    "CREATE ROLE R COMMENT = 'a role'",
    "CREATE USER U TYPE = SERVICE DEFAULT_ROLE = R",
    "CREATE DATABASE D",
    "CREATE DATABASE ROLE D.DR",
    "CREATE SCHEMA D.S",
    "CREATE TABLE D.S.T (A INT)",
    // A row for the refusals that only a row's evaluation meets.
    "INSERT INTO D.S.T VALUES (1)",
    "CREATE STAGE D.S.STG",
    "CREATE TAG D.S.TG",
    "CREATE VIEW D.S.V AS SELECT A FROM D.S.T",
    "CREATE DYNAMIC TABLE D.S.DT TARGET_LAG = '1 day' WAREHOUSE = W AS SELECT A FROM D.S.T",
    "CREATE TASK D.S.TK AS SELECT 1",
    "CREATE MODEL D.S.M WITH VERSION V1 FROM @D.S.STG/m",
    // What DESCRIBE refuses: a declared key, and views whose column types it cannot derive.
    "CREATE TABLE D.S.K (A INT PRIMARY KEY)",
    "CREATE VIEW D.S.VX AS SELECT A + 1 AS B FROM D.S.T",
    "CREATE VIEW D.S.VC AS SELECT CURRENT_TIMESTAMP() AS TS FROM D.S.T",
    // What SHOW COLUMNS and ALTER TABLE refuse: a column holding NULL, a column added with a
    // default, a type and a default whose SHOW COLUMNS form is not documented.
    "CREATE TABLE D.S.T2N (A INT)",
    "INSERT INTO D.S.T2N VALUES (NULL)",
    "CREATE TABLE D.S.TD (A INT)",
    "ALTER TABLE D.S.TD ADD COLUMN B INT DEFAULT 1",
    "CREATE TABLE D.S.TV (A VARIANT)",
    "CREATE TABLE D.S.TB (A BOOLEAN DEFAULT TRUE)",
    "CREATE PROCEDURE D.S.P(X FLOAT) RETURNS FLOAT LANGUAGE JAVASCRIPT AS 'return X;'",
];

/// Documented fixture -> the statement the sandbox answers for it.
pub(crate) const STATEMENTS: &[(&str, &str)] = &[
    ("show_warehouses", "SHOW WAREHOUSES"),
    ("show_databases", "SHOW DATABASES"),
    ("show_roles", "SHOW ROLES"),
    ("show_users", "SHOW USERS"),
    ("show_schemas", "SHOW SCHEMAS IN DATABASE D"),
    ("show_stages", "SHOW STAGES IN SCHEMA D.S"),
    ("show_tags", "SHOW TAGS IN SCHEMA D.S"),
    ("show_tables", "SHOW TERSE TABLES IN SCHEMA D.S"),
    ("show_dynamic_tables", "SHOW DYNAMIC TABLES IN SCHEMA D.S"),
    ("show_views", "SHOW VIEWS IN SCHEMA D.S"),
    ("show_tasks", "SHOW TASKS IN SCHEMA D.S"),
    ("show_models", "SHOW MODELS IN SCHEMA D.S"),
    ("show_versions_in_model", "SHOW VERSIONS IN MODEL D.S.M"),
    (
        "show_parameters_in_warehouse",
        "SHOW PARAMETERS IN WAREHOUSE W",
    ),
    ("show_database_roles", "SHOW DATABASE ROLES IN DATABASE D"),
    ("show_grants_to_role", "SHOW GRANTS TO ROLE R"),
    (
        "show_grants_to_database_role",
        "SHOW GRANTS TO DATABASE ROLE D.DR",
    ),
    ("show_grants_of_role", "SHOW GRANTS OF ROLE R"),
    ("show_grants_on", "SHOW GRANTS ON DATABASE D"),
    (
        "show_future_grants_in_schema",
        "SHOW FUTURE GRANTS IN SCHEMA D.S",
    ),
    ("show_columns", "SHOW COLUMNS IN TABLE D.S.T"),
    ("desc_table", "DESC TABLE D.S.T"),
    ("desc_view", "DESC VIEW D.S.V"),
    ("desc_dynamic_table", "DESC DYNAMIC TABLE D.S.DT"),
    ("show_procedures", "SHOW PROCEDURES IN SCHEMA D.S"),
    ("desc_procedure", "DESC PROCEDURE D.S.P(FLOAT)"),
    ("desc_user", "DESCRIBE USER U"),
    (
        "information_schema_model_versions",
        "SELECT * FROM D.INFORMATION_SCHEMA.MODEL_VERSIONS",
    ),
];

/// Documented layouts of statements the sandbox does not answer yet (it refuses them).
const NOT_EMULATED: &[&str] = &[];

pub(crate) fn documented(name: &str) -> serde_json::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/show/documented")
        .join(format!("{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn columns(value: &serde_json::Value) -> Vec<String> {
    value["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect()
}

/// A fresh engine holding [`SETUP`], and the session that made it (warehouse `W`).
pub(crate) fn seeded() -> (Engine, Session) {
    let session = Session {
        account: "SANDBOX".into(),
        user: "TESTER".into(),
        role: "SYSADMIN".into(),
        warehouse: Some("W".into()),
        ..Session::default()
    };
    let mut engine = Engine::new("SANDBOX");
    for s in SETUP {
        engine
            .execute(s, &session)
            .unwrap_or_else(|e| panic!("set-up {s}: {}", e.message));
    }
    (engine, session)
}

#[test]
fn show_columns_are_the_documented_ones() {
    let (mut engine, session) = seeded();
    let mut wrong = Vec::new();
    for (name, sql) in STATEMENTS {
        let doc = documented(name);
        let want = columns(&doc);
        // Columns a source other than the docs shows Snowflake printing (each with its source).
        let extra: Vec<String> = doc["extra_columns"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|c| c["name"].as_str().unwrap().to_string())
                    .collect()
            })
            .unwrap_or_default();
        let got: Vec<String> = match engine.execute(sql, &session) {
            Ok(r) => r
                .columns
                .iter()
                .map(|c| c.name.to_lowercase())
                .filter(|c| !extra.contains(c))
                .collect(),
            Err(e) => {
                wrong.push(format!("{name}: {sql} failed: {}", e.message));
                continue;
            }
        };
        let want: Vec<String> = want.iter().map(|c| c.to_lowercase()).collect();
        if got != want {
            let missing: Vec<&String> = want.iter().filter(|c| !got.contains(c)).collect();
            let extra: Vec<&String> = got.iter().filter(|c| !want.contains(c)).collect();
            wrong.push(format!(
                "{name}: {sql}\n  documented: {want:?}\n  sandbox:    {got:?}\n  missing {missing:?}, extra {extra:?}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn every_documented_fixture_is_compared_or_listed_as_not_emulated() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/show/documented");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            let p = e.unwrap().path();
            (p.extension()? == "json")
                .then(|| p.file_stem().unwrap().to_string_lossy().into_owned())
        })
        .collect();
    names.sort();
    for n in names {
        assert!(
            STATEMENTS.iter().any(|(s, _)| *s == n) || NOT_EMULATED.contains(&n.as_str()),
            "{n}: compare it with a sandbox statement or list it as not emulated"
        );
    }
}
