//! The Feature Store and the Model Registry on the sandbox: feature view and model
//! lifecycles planned and applied with the CLI, and feature view definitions read back the
//! way snowflake-ml-python reads them.

use crate::common::{actions, Dir, Out};
use regex::Regex;
use serde_json::Value;
use std::collections::BTreeMap;

/// Two warehouses, a database, the feature store schema, a stage for model files and two
/// entities; each test adds its own blocks.
const BASE: &str = r#"
warehouse "wh" {
  name = "FS_WH"
  size = "XSMALL"
}

warehouse "wh2" {
  name = "FS_WH2"
  size = "XSMALL"
}

database "db" {
  name = "MLOPS"
}

schema "fs" {
  database = database.db
  name     = "FS"
}

stage "models" {
  schema = schema.fs
  name   = "MODELS"
}

entity "customer" {
  schema    = schema.fs
  name      = "CUSTOMER"
  join_keys = ["CUSTOMER_ID"]
}

entity "region" {
  schema    = schema.fs
  name      = "REGION"
  join_keys = ["REGION_ID", "COUNTRY"]
  comment   = "Sales region"
}
"#;

fn config(blocks: &str) -> String {
    format!("{BASE}{blocks}")
}

/// The configuration in a directory whose sandbox account has the landing tables the
/// feature views read.
fn setup(blocks: &str) -> Dir {
    let d = Dir::with(&[("main.hcl", &config(blocks))]);
    d.seed_test_landing();
    d
}

fn reconfigure(d: &Dir, blocks: &str) {
    d.write("main.hcl", &config(blocks));
}

/// A dynamic table feature view on the customer entity.
fn dt(label: &str, version: &str, refresh: &str, warehouse: &str, query: &str) -> String {
    format!(
        r#"
feature_view "{label}" {{
  schema       = schema.fs
  name         = "SPEND"
  version      = "{version}"
  entities     = [entity.customer]
  refresh_freq = "{refresh}"
  warehouse    = warehouse.{warehouse}
  query        = "{query}"
}}
"#
    )
}

const Q1: &str = "SELECT customer_id, SUM(amount) AS spend FROM LANDING.RAW.ORDERS GROUP BY 1";
const Q2: &str =
    "SELECT customer_id, SUM(amount) AS spend, COUNT(*) AS orders FROM LANDING.RAW.ORDERS GROUP BY 1";

fn plan(d: &Dir) -> Value {
    d.sandbox(&["plan", "--format", "json"]).ok().json()
}

fn apply(d: &Dir) -> Value {
    let out = d
        .sandbox(&["apply", "--auto-approve", "--format", "json"])
        .ok()
        .json();
    assert_eq!(out["failed"], serde_json::json!([]), "{out}");
    out
}

#[track_caller]
fn assert_no_changes(d: &Dir) {
    let out = d.sandbox(&["plan", "--format", "json", "--detailed-exitcode"]);
    assert_eq!(out.code, 0, "a second plan must be empty:\n{}", out.stdout);
}

/// Address and action pairs, sorted, to compare with `changed`.
fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = list
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    out.sort();
    out
}

/// The changes of a JSON plan that do something, sorted by address.
fn changed(plan: &Value) -> Vec<(String, String)> {
    let mut out = actions(plan);
    out.sort();
    out
}

/// The change of one address in a JSON plan.
fn change<'a>(plan: &'a Value, address: &str) -> &'a Value {
    plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == address)
        .unwrap_or_else(|| panic!("no change for {address} in {plan}"))
}

fn statements(change: &Value) -> Vec<String> {
    change["statements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

fn reasons(change: &Value) -> String {
    change["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The rows of a statement run on the sandbox account, by column name.
fn rows(d: &Dir, sql: &str) -> Vec<BTreeMap<String, Option<String>>> {
    let out = d
        .run(&["sandbox", "exec", "--format", "json", sql])
        .ok()
        .json();
    let cols: Vec<String> = out["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect();
    out["rows"]
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
                        .map(|v| v.as_str().map(str::to_string)),
                )
                .collect()
        })
        .collect()
}

fn names(d: &Dir, sql: &str) -> Vec<String> {
    rows(d, sql)
        .into_iter()
        .map(|r| r["name"].clone().unwrap())
        .collect()
}

fn position(list: &[String], prefix: &str) -> usize {
    list.iter()
        .position(|s| s.starts_with(prefix))
        .unwrap_or_else(|| panic!("no statement starts with {prefix:?} in {list:#?}"))
}

#[test]
fn a_new_version_rolls_out_beside_the_old_one_which_is_then_deleted() {
    let v1 = dt("spend_v1", "V1", "1 hour", "wh", Q1);
    let v2 = dt("spend_v2", "V2", "1 hour", "wh", Q2);
    let d = setup(&v1);
    apply(&d);
    assert_no_changes(&d);

    reconfigure(&d, &format!("{v1}{v2}"));
    let p = plan(&d);
    assert_eq!(
        changed(&p),
        pairs(&[("feature_view.spend_v2", "create")]),
        "V2 is created next to V1"
    );
    assert_eq!(p["destructive"], false);
    let create = statements(change(&p, "feature_view.spend_v2"));
    assert_eq!(create.len(), 1, "{create:#?}");
    assert!(create[0].starts_with("CREATE DYNAMIC TABLE MLOPS.FS.SPEND$V2"));
    apply(&d);
    assert_eq!(
        names(&d, "SHOW DYNAMIC TABLES IN SCHEMA MLOPS.FS"),
        ["SPEND$V1", "SPEND$V2"]
    );
    assert_no_changes(&d);

    reconfigure(&d, &v2);
    let p = plan(&d);
    assert_eq!(changed(&p), pairs(&[("feature_view.spend_v1", "delete")]));
    assert_eq!(
        statements(change(&p, "feature_view.spend_v1")),
        ["DROP DYNAMIC TABLE MLOPS.FS.SPEND$V1"]
    );
    // Deleting a version is destructive: refused unless allowed.
    let refused = d.sandbox(&["apply", "--auto-approve"]).code(1);
    assert!(
        refused.stderr.contains("--allow-destroy"),
        "{}",
        refused.stderr
    );
    assert_eq!(
        names(&d, "SHOW DYNAMIC TABLES IN SCHEMA MLOPS.FS"),
        ["SPEND$V1", "SPEND$V2"]
    );
    d.apply_destroying();
    assert_eq!(
        names(&d, "SHOW DYNAMIC TABLES IN SCHEMA MLOPS.FS"),
        ["SPEND$V2"]
    );
    assert_no_changes(&d);
}

#[test]
fn lag_and_warehouse_change_in_place() {
    let d = setup(&dt("spend", "V1", "1 hour", "wh", Q1));
    apply(&d);
    reconfigure(&d, &dt("spend", "V1", "2 hours", "wh2", Q1));
    let p = plan(&d);
    assert_eq!(changed(&p), pairs(&[("feature_view.spend", "update")]));
    assert_eq!(p["destructive"], false);
    assert_eq!(
        statements(change(&p, "feature_view.spend")),
        ["ALTER DYNAMIC TABLE MLOPS.FS.SPEND$V1 SET TARGET_LAG = '2 hours' WAREHOUSE = FS_WH2"]
    );
    let before = rows(&d, "SHOW DYNAMIC TABLES IN SCHEMA MLOPS.FS");
    apply(&d);
    let after = rows(&d, "SHOW DYNAMIC TABLES IN SCHEMA MLOPS.FS");
    assert_eq!(after[0]["target_lag"].as_deref(), Some("2 hours"));
    assert_eq!(after[0]["warehouse"].as_deref(), Some("FS_WH2"));
    assert_eq!(
        after[0]["created_on"], before[0]["created_on"],
        "altered, not replaced"
    );
    assert_no_changes(&d);
}

#[test]
fn a_query_change_is_refused_without_allow_destroy_and_done_with_it() {
    let d = setup(&dt("spend", "V1", "1 hour", "wh", Q1));
    apply(&d);
    reconfigure(&d, &dt("spend", "V1", "1 hour", "wh", Q2));
    let p = plan(&d);
    assert_eq!(changed(&p), pairs(&[("feature_view.spend", "replace")]));
    let c = change(&p, "feature_view.spend");
    assert_eq!(c["destructive"], true);
    assert!(
        reasons(c).contains("publish a new version instead"),
        "{}",
        reasons(c)
    );

    let refused = d.sandbox(&["apply", "--auto-approve"]).code(1);
    assert!(
        refused
            .stderr
            .contains("replace feature_view.spend (MLOPS.FS.SPEND$V1)")
            && refused.stderr.contains("publish a new version instead"),
        "the refusal lists the change and why:\n{}",
        refused.stderr
    );
    let text = |d: &Dir| {
        rows(d, "SHOW DYNAMIC TABLES IN SCHEMA MLOPS.FS")[0]["text"]
            .clone()
            .unwrap()
    };
    assert!(text(&d).ends_with(Q1), "nothing ran: {}", text(&d));

    let done = d.apply_destroying();
    assert!(
        done["applied"][0]
            .as_str()
            .unwrap()
            .starts_with("CREATE OR REPLACE DYNAMIC TABLE MLOPS.FS.SPEND$V1 COPY GRANTS"),
        "{done}"
    );
    assert!(text(&d).ends_with(Q2), "{}", text(&d));
    assert_no_changes(&d);
}

#[test]
fn a_cron_schedule_changes_through_its_task() {
    let d = setup(&dt("spend", "V1", "0 6 * * * UTC", "wh", Q1));
    apply(&d);
    let task = |d: &Dir| rows(d, "SHOW TASKS IN SCHEMA MLOPS.FS").remove(0);
    assert_eq!(
        task(&d)["schedule"].as_deref(),
        Some("USING CRON 0 6 * * * UTC")
    );
    assert_eq!(task(&d)["state"].as_deref(), Some("started"));
    assert_eq!(
        rows(&d, "SHOW DYNAMIC TABLES IN SCHEMA MLOPS.FS")[0]["target_lag"].as_deref(),
        Some("DOWNSTREAM")
    );

    reconfigure(&d, &dt("spend", "V1", "30 7 * * 1-5 UTC", "wh", Q1));
    let p = plan(&d);
    assert_eq!(changed(&p), pairs(&[("feature_view.spend", "update")]));
    // Snowflake changes a task's schedule only while it is suspended.
    assert_eq!(
        statements(change(&p, "feature_view.spend")),
        [
            "ALTER TASK MLOPS.FS.SPEND$V1 SUSPEND",
            "ALTER TASK MLOPS.FS.SPEND$V1 SET SCHEDULE = 'USING CRON 30 7 * * 1-5 UTC'",
            "ALTER TASK MLOPS.FS.SPEND$V1 RESUME",
        ]
    );
    apply(&d);
    assert_eq!(
        task(&d)["schedule"].as_deref(),
        Some("USING CRON 30 7 * * 1-5 UTC")
    );
    assert_eq!(task(&d)["state"].as_deref(), Some("started"));
    assert_no_changes(&d);
}

#[test]
fn lag_and_cron_switch_in_place() {
    let d = setup(&dt("spend", "V1", "1 hour", "wh", Q1));
    apply(&d);

    reconfigure(&d, &dt("spend", "V1", "0 6 * * * UTC", "wh", Q1));
    let p = plan(&d);
    assert_eq!(changed(&p), pairs(&[("feature_view.spend", "update")]));
    let s = statements(change(&p, "feature_view.spend"));
    assert_eq!(
        s[..2],
        [
            "ALTER DYNAMIC TABLE MLOPS.FS.SPEND$V1 SET TARGET_LAG = 'DOWNSTREAM'".to_string(),
            "CREATE TASK MLOPS.FS.SPEND$V1 WAREHOUSE = FS_WH SCHEDULE = 'USING CRON 0 6 * * * UTC' AS ALTER DYNAMIC TABLE MLOPS.FS.SPEND$V1 REFRESH".to_string(),
        ]
    );
    assert!(s[2].starts_with("ALTER TASK MLOPS.FS.SPEND$V1 SET TAG MLOPS.FS.SNOWML_FEATURE_STORE_OBJECT = '{\"type\": \"FEATURE_VIEW_REFRESH_TASK\""));
    assert_eq!(s[3], "ALTER TASK MLOPS.FS.SPEND$V1 RESUME");
    apply(&d);
    assert_eq!(
        rows(&d, "SELECT SYSTEM$GET_TAG('MLOPS.FS.SNOWML_FEATURE_STORE_OBJECT', 'MLOPS.FS.SPEND$V1', 'TASK') AS t")[0]["T"]
            .as_deref(),
        Some("{\"type\": \"FEATURE_VIEW_REFRESH_TASK\", \"pkg_version\": \"1.5.1\"}")
    );
    assert_no_changes(&d);

    reconfigure(&d, &dt("spend", "V1", "1 day", "wh", Q1));
    let p = plan(&d);
    assert_eq!(changed(&p), pairs(&[("feature_view.spend", "update")]));
    assert_eq!(
        statements(change(&p, "feature_view.spend")),
        [
            "ALTER TASK MLOPS.FS.SPEND$V1 SUSPEND",
            "DROP TASK MLOPS.FS.SPEND$V1",
            "ALTER DYNAMIC TABLE MLOPS.FS.SPEND$V1 SET TARGET_LAG = '1 day'",
        ]
    );
    apply(&d);
    assert!(rows(&d, "SHOW TASKS IN SCHEMA MLOPS.FS").is_empty());
    assert_eq!(
        rows(&d, "SHOW DYNAMIC TABLES IN SCHEMA MLOPS.FS")[0]["target_lag"].as_deref(),
        Some("1 day")
    );
    assert_no_changes(&d);
}

/// A model block with the given default version and `(name, extra lines)` versions.
fn model(default: &str, versions: &[(&str, &str)]) -> String {
    let mut s = String::from("\nmodel \"churn\" {\n  schema = schema.fs\n  name   = \"CHURN\"\n");
    if !default.is_empty() {
        s.push_str(&format!("  default_version = \"{default}\"\n"));
    }
    for (v, extra) in versions {
        s.push_str(&format!(
            "\n  version \"{v}\" {{\n    source = \"@MLOPS.FS.MODELS/churn/{}\"\n{extra}  }}\n",
            v.to_lowercase()
        ));
    }
    s.push_str("}\n");
    s
}

fn model_versions(d: &Dir) -> Vec<(String, bool, String)> {
    rows(d, "SHOW VERSIONS IN MODEL MLOPS.FS.CHURN")
        .into_iter()
        .map(|r| {
            let aliases: Vec<String> =
                serde_json::from_str(r["aliases"].as_deref().unwrap()).unwrap();
            (
                r["name"].clone().unwrap(),
                r["is_default_version"].as_deref() == Some("true"),
                aliases.join(","),
            )
        })
        .collect()
}

#[test]
fn a_model_moves_to_a_new_default_version_and_drops_the_old_one_in_one_plan() {
    let d = setup(&model("V1", &[("V1", "    alias = \"CHAMPION\"\n")]));
    apply(&d);
    reconfigure(&d, &model("V2", &[("V2", "    alias = \"CHAMPION\"\n")]));
    let p = plan(&d);
    assert_eq!(changed(&p), pairs(&[("model.churn", "update")]));
    let c = change(&p, "model.churn");
    assert_eq!(c["destructive"], true, "a version is dropped");
    assert_eq!(
        statements(c),
        [
            "ALTER MODEL MLOPS.FS.CHURN ADD VERSION V2 FROM @MLOPS.FS.MODELS/churn/v2",
            "ALTER MODEL MLOPS.FS.CHURN VERSION V1 UNSET ALIAS",
            "ALTER MODEL MLOPS.FS.CHURN VERSION V2 SET ALIAS = CHAMPION",
            "ALTER MODEL MLOPS.FS.CHURN SET DEFAULT_VERSION = V2",
            "ALTER MODEL MLOPS.FS.CHURN DROP VERSION V1",
        ]
    );
    d.sandbox(&["apply", "--auto-approve"]).code(1);
    d.apply_destroying();
    assert_eq!(
        model_versions(&d),
        [(
            "V2".to_string(),
            true,
            "DEFAULT,FIRST,LAST,CHAMPION".to_string()
        )]
    );
    assert_no_changes(&d);
}

#[test]
fn a_model_moves_to_a_new_default_version_then_drops_the_old_one_in_a_later_plan() {
    let d = setup(&model("V1", &[("V1", "")]));
    apply(&d);
    reconfigure(&d, &model("V2", &[("V1", ""), ("V2", "")]));
    let p = plan(&d);
    let c = change(&p, "model.churn");
    assert_eq!(c["destructive"], false, "nothing is dropped yet");
    assert_eq!(
        statements(c),
        [
            "ALTER MODEL MLOPS.FS.CHURN ADD VERSION V2 FROM @MLOPS.FS.MODELS/churn/v2",
            "ALTER MODEL MLOPS.FS.CHURN SET DEFAULT_VERSION = V2",
        ]
    );
    apply(&d);
    assert_no_changes(&d);

    reconfigure(&d, &model("V2", &[("V2", "")]));
    let p = plan(&d);
    assert_eq!(
        statements(change(&p, "model.churn")),
        ["ALTER MODEL MLOPS.FS.CHURN DROP VERSION V1"]
    );
    d.apply_destroying();
    assert_eq!(
        model_versions(&d),
        [("V2".to_string(), true, "DEFAULT,FIRST,LAST".to_string())]
    );
    assert_no_changes(&d);
    // Unset, the default version is whichever Snowflake has: a model cannot be without one.
    reconfigure(&d, &model("", &[("V2", "")]));
    assert_no_changes(&d);
}

#[test]
fn dropping_the_default_version_is_refused_until_the_default_moves() {
    let d = setup(&model("V1", &[("V1", ""), ("V2", "")]));
    apply(&d);
    // V1 removed while it stays the default (default_version no longer said).
    reconfigure(&d, &model("", &[("V2", "")]));
    let out: Out = d.sandbox(&["plan"]).code(1);
    assert!(
        out.stderr.contains(
            "version V1 of model MLOPS.FS.CHURN cannot be dropped: it is the default version"
        ) && out
            .stderr
            .contains("Set default_version to another version first"),
        "{}",
        out.stderr
    );
    d.sandbox(&["apply", "--auto-approve", "--allow-destroy"])
        .code(1);
    assert_eq!(model_versions(&d).len(), 2, "nothing was dropped");
    // Said with the default moved, it is planned.
    reconfigure(&d, &model("V2", &[("V2", "")]));
    d.apply_destroying();
    assert_no_changes(&d);
}

#[test]
fn a_new_source_replaces_a_version_but_is_refused_for_the_default_version() {
    let d = setup(&model(
        "V1",
        &[("V1", ""), ("V2", "    comment = \"challenger\"\n")],
    ));
    apply(&d);
    let moved = model(
        "V1",
        &[("V1", ""), ("V2", "    comment = \"challenger\"\n")],
    )
    .replace("churn/v2", "churn/v2-retrained");
    reconfigure(&d, &moved);
    let p = plan(&d);
    let c = change(&p, "model.churn");
    assert_eq!(c["action"], "update");
    assert_eq!(c["destructive"], true);
    assert!(
        reasons(c).contains("version V2 is dropped and added again"),
        "{}",
        reasons(c)
    );
    assert_eq!(
        statements(c),
        [
            "ALTER MODEL MLOPS.FS.CHURN DROP VERSION V2",
            "ALTER MODEL MLOPS.FS.CHURN ADD VERSION V2 FROM @MLOPS.FS.MODELS/churn/v2-retrained",
            "ALTER MODEL MLOPS.FS.CHURN MODIFY VERSION V2 SET COMMENT = 'challenger'",
        ]
    );
    d.sandbox(&["apply", "--auto-approve"]).code(1);
    d.apply_destroying();
    assert_no_changes(&d);

    let default_moved = moved.replace("churn/v1", "churn/v1-retrained");
    reconfigure(&d, &default_moved);
    let out = d.sandbox(&["plan"]).code(1);
    assert!(
        out.stderr
            .contains("version V1 of model MLOPS.FS.CHURN cannot change its source: it is the default version"),
        "{}",
        out.stderr
    );
}

#[test]
fn an_alias_moves_between_versions_released_before_it_is_taken() {
    let d = setup(&model(
        "V1",
        &[
            ("V1", "    alias = \"CHAMPION\"\n"),
            ("V2", "    alias = \"CHALLENGER\"\n"),
        ],
    ));
    apply(&d);
    reconfigure(
        &d,
        &model(
            "V1",
            &[
                ("V1", "    alias = \"CHALLENGER\"\n"),
                ("V2", "    alias = \"CHAMPION\"\n"),
            ],
        ),
    );
    let p = plan(&d);
    let c = change(&p, "model.churn");
    assert_eq!(c["destructive"], false);
    let s = statements(c);
    assert_eq!(s.len(), 4, "{s:#?}");
    for v in ["V1", "V2"] {
        let unset = position(
            &s,
            &format!("ALTER MODEL MLOPS.FS.CHURN VERSION {v} UNSET ALIAS"),
        );
        for set in s.iter().filter(|x| x.contains(" SET ALIAS = ")) {
            assert!(unset < s.iter().position(|x| x == set).unwrap(), "{s:#?}");
        }
    }
    apply(&d);
    assert_eq!(
        model_versions(&d),
        [
            (
                "V1".to_string(),
                true,
                "DEFAULT,FIRST,CHALLENGER".to_string()
            ),
            ("V2".to_string(), false, "LAST,CHAMPION".to_string())
        ]
    );
    assert_no_changes(&d);
}

#[test]
fn version_comment_and_metadata_change_in_place() {
    let d = setup(&model("V1", &[("V1", "    comment = \"first\"\n")]));
    apply(&d);
    reconfigure(
        &d,
        &model(
            "V1",
            &[(
                "V1",
                "    comment = \"it's better\"\n    metadata = { metrics = { auc = 0.91 } }\n",
            )],
        ),
    );
    let p = plan(&d);
    let c = change(&p, "model.churn");
    assert_eq!(
        (c["action"].as_str(), &c["destructive"]),
        (Some("update"), &Value::Bool(false))
    );
    assert_eq!(
        statements(c),
        [
            "ALTER MODEL MLOPS.FS.CHURN MODIFY VERSION V1 SET COMMENT = 'it''s better'",
            "ALTER MODEL MLOPS.FS.CHURN MODIFY VERSION V1 SET METADATA = '{\"metrics\":{\"auc\":0.91},\"snowpark_ml_schema_version\":\"2024-01-01\"}'",
        ]
    );
    apply(&d);
    let v = rows(&d, "SHOW VERSIONS IN MODEL MLOPS.FS.CHURN").remove(0);
    assert_eq!(v["comment"].as_deref(), Some("it's better"));
    let meta: Value = serde_json::from_str(v["metadata"].as_deref().unwrap()).unwrap();
    assert_eq!(meta["metrics"]["auc"], 0.91);
    assert_no_changes(&d);
}

#[test]
fn a_join_key_change_replaces_the_entity_and_every_feature_view_that_uses_it() {
    let region_fv = r#"
feature_view "by_region" {
  schema       = schema.fs
  name         = "REGION_SALES"
  version      = "V1"
  entities     = [entity.region]
  refresh_freq = "1 day"
  warehouse    = warehouse.wh
  query        = "SELECT region_id, country, SUM(amount) AS sales FROM LANDING.RAW.ORDERS GROUP BY 1, 2"
}
"#;
    let blocks = format!(
        "{}{}{region_fv}",
        dt("spend_v1", "V1", "1 hour", "wh", Q1),
        dt("spend_v2", "V2", "0 6 * * * UTC", "wh", Q2)
    );
    let d = setup(&blocks);
    apply(&d);
    d.write(
        "main.hcl",
        &config(&blocks).replace(
            "join_keys = [\"CUSTOMER_ID\"]",
            "join_keys = [\"CUSTOMER_ID\", \"STORE_ID\"]",
        ),
    );
    let p = plan(&d);
    assert_eq!(
        changed(&p),
        pairs(&[
            ("entity.customer", "replace"),
            ("feature_view.spend_v1", "replace"),
            ("feature_view.spend_v2", "replace"),
        ]),
        "the region feature view does not use the customer entity"
    );
    assert!(reasons(change(&p, "entity.customer"))
        .contains("join keys cannot change in place: the entity and every feature view that uses it are replaced"));
    for fv in ["feature_view.spend_v1", "feature_view.spend_v2"] {
        let c = change(&p, fv);
        assert!(
            reasons(c).contains("join keys of its entities changed"),
            "{c}"
        );
        assert!(
            statements(c).iter().any(|s| s.contains(
                "MLOPS.FS.SNOWML_FEATURE_STORE_ENTITY_CUSTOMER = 'CUSTOMER_ID,STORE_ID'"
            )),
            "{c}"
        );
    }
    // The tag is replaced before the feature views that carry its value.
    let all: Vec<String> = p["statements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect();
    let tag = position(
        &all,
        "CREATE OR REPLACE TAG MLOPS.FS.SNOWML_FEATURE_STORE_ENTITY_CUSTOMER",
    );
    assert!(tag < position(&all, "CREATE OR REPLACE DYNAMIC TABLE MLOPS.FS.SPEND$V1"));
    assert!(tag < position(&all, "CREATE OR REPLACE DYNAMIC TABLE MLOPS.FS.SPEND$V2"));
    d.sandbox(&["apply", "--auto-approve"]).code(1);
    d.apply_destroying();
    let tags = rows(
        &d,
        "SHOW TAGS LIKE 'SNOWML_FEATURE_STORE_ENTITY_CUSTOMER' IN SCHEMA MLOPS.FS",
    );
    assert_eq!(
        tags[0]["allowed_values"].as_deref(),
        Some("[\"CUSTOMER_ID,STORE_ID\"]")
    );
    assert_no_changes(&d);
}

/// Names the Feature Store library could not read back, each refused by validate where it
/// is written: (entity name, feature view name, timestamp column, the diagnostic).
const UNREADABLE: &[(&str, &str, &str, &str)] = &[
    (
        r#""CUSTOMER,STORE""#,
        "SPEND",
        "TS",
        r#"main.hcl:13:15: error: the entity name "CUSTOMER,STORE" contains a comma"#,
    ),
    (
        r#""O'NEIL""#,
        "SPEND",
        "TS",
        r#"main.hcl:13:15: error: the entity name "O'NEIL" contains `'`"#,
    ),
    (
        r#""SAY""HI""#,
        "SPEND",
        "TS",
        r#"main.hcl:13:15: error: the entity name "SAY\"HI" contains `"`"#,
    ),
    (
        r#""BACK\SLASH""#,
        "SPEND",
        "TS",
        r#"main.hcl:13:15: error: the entity name "BACK\\SLASH" contains `\`"#,
    ),
    (
        "CUSTOMER",
        "SPEND$DAILY",
        "TS",
        "main.hcl:19:19: error: the feature view name of feature_view.f contains `$`",
    ),
    (
        "CUSTOMER",
        "SPEND",
        r#""it's""#,
        "main.hcl:23:19: error: the timestamp column of feature_view.f contains `'`",
    ),
];

#[test]
fn names_the_library_cannot_read_back_are_rejected() {
    for (entity, name, ts, diagnostic) in UNREADABLE {
        let hcl = format!(
            r#"
database "db" {{
  name = "MLOPS"
}}

schema "fs" {{
  database = database.db
  name     = "FS"
}}

entity "e" {{
  schema    = schema.fs
  name      = {entity}
  join_keys = ["ID"]
}}

feature_view "f" {{
  schema        = schema.fs
  name          = {name}
  version       = "V1"
  entities      = [entity.e]
  query         = "SELECT 1"
  timestamp_col = {ts}
}}
"#,
            entity = hcl_string(entity),
            name = hcl_string(name),
            ts = hcl_string(ts),
        );
        let d = Dir::with(&[("main.hcl", &hcl)]);
        let out = d.run(&["validate"]).code(1);
        assert!(
            out.stderr.lines().any(|l| l == *diagnostic),
            "wanted {diagnostic}\n{}",
            out.stderr
        );
        assert_eq!(out.stderr.matches(": error: ").count(), 1, "{}", out.stderr);
    }
}

#[test]
fn the_feature_store_schema_holds_the_library_objects_even_when_it_gains_its_first_entity_later() {
    let plain = r#"
database "db" {
  name = "LATE"
}

schema "fs" {
  database = database.db
  name     = "FS"
}
"#;
    let d = Dir::with(&[("main.hcl", plain)]);
    apply(&d);
    assert!(names(&d, "SHOW TAGS IN SCHEMA LATE.FS").is_empty());
    assert!(names(&d, "SHOW TABLES IN SCHEMA LATE.FS").is_empty());

    d.write(
        "main.hcl",
        &format!(
            "{plain}\nentity \"e\" {{\n  schema    = schema.fs\n  name      = \"E\"\n  join_keys = [\"ID\"]\n}}\n"
        ),
    );
    let p = plan(&d);
    assert_eq!(
        changed(&p),
        pairs(&[("schema.fs", "update"), ("entity.e", "create")]),
        "the schema is updated, not created again"
    );
    assert_eq!(
        statements(change(&p, "schema.fs")),
        [
            "CREATE TAG IF NOT EXISTS LATE.FS.SNOWML_FEATURE_VIEW_METADATA",
            "CREATE TABLE IF NOT EXISTS LATE.FS.SNOWML_SNAPSHOT_STATUS (FV_FQN VARCHAR NOT NULL, SNAPSHOT_START_TIME TIMESTAMP_NTZ NOT NULL, CREATED_AT TIMESTAMP_NTZ DEFAULT CURRENT_TIMESTAMP())",
            "CREATE TAG IF NOT EXISTS LATE.FS.SNOWML_FEATURE_STORE_OBJECT",
        ]
    );
    apply(&d);
    assert_eq!(
        names(&d, "SHOW TAGS IN SCHEMA LATE.FS"),
        [
            "SNOWML_FEATURE_STORE_ENTITY_E",
            "SNOWML_FEATURE_STORE_OBJECT",
            "SNOWML_FEATURE_VIEW_METADATA"
        ]
    );
    assert_eq!(
        names(&d, "SHOW TABLES IN SCHEMA LATE.FS"),
        ["SNOWML_SNAPSHOT_STATUS"]
    );
    assert_no_changes(&d);
}

#[test]
fn a_new_feature_store_schema_is_created_with_the_library_objects() {
    let d = setup("");
    apply(&d);
    assert_eq!(
        names(&d, "SHOW TAGS IN SCHEMA MLOPS.FS"),
        [
            "SNOWML_FEATURE_STORE_ENTITY_CUSTOMER",
            "SNOWML_FEATURE_STORE_ENTITY_REGION",
            "SNOWML_FEATURE_STORE_OBJECT",
            "SNOWML_FEATURE_VIEW_METADATA"
        ]
    );
    let snapshot = rows(&d, "SHOW TABLES IN SCHEMA MLOPS.FS");
    assert_eq!(snapshot.len(), 1);
    assert_eq!(
        snapshot[0]["name"].as_deref(),
        Some("SNOWML_SNAPSHOT_STATUS")
    );
    assert_no_changes(&d);
}

// ---------------------------------------------------------------------------------------
// Reading feature views back as the Feature Store library reads them.

/// `_DT_OR_VIEW_QUERY_PATTERN` of snowflake-ml-python's feature_store.py (flags DOTALL,
/// IGNORECASE, VERBOSE: whitespace in the pattern is ignored and `\ ` is a space), matched
/// with re.match: anchored at the start only.
fn library_definition_pattern() -> Regex {
    Regex::new(
        r"(?six)\A CREATE\ (OR\ REPLACE\ )?(?P<obj_type>(DYNAMIC\ TABLE|VIEW))\ .*
            COMMENT\ =\ '(?P<comment>.*)'\s*
            TAG.*?SNOWML_FEATURE_VIEW_METADATA\ =\ '(?P<fv_metadata>.*?)',?.*?
            AS\ (?P<query>.*)",
    )
    .unwrap()
}

/// `_DT_INITIALIZE_PATTERN`, same flags; the library takes ON_CREATE when it does not match.
fn library_initialize_pattern() -> Regex {
    Regex::new(
        r"(?six)\A CREATE\ DYNAMIC\ TABLE\ .*
            initialize\ =\ '(?P<initialize>.*)'\ .*?
            AS\ .*",
    )
    .unwrap()
}

/// A feature view as configured, to compare with what the library reads back.
struct Expected {
    name: &'static str,
    version: &'static str,
    comment: &'static str,
    entities: &'static [&'static str],
    timestamp_col: &'static str,
    initialize: Option<&'static str>,
    query: &'static str,
}

/// The hostile parts: quotes of both kinds, backslashes, newlines, tabs, `$$`, `--`, a
/// semicolon and text outside ASCII, in comments and queries.
const HOSTILE_QUERY: &str = r#"SELECT customer_id,
       SUM(amount) AS "spend ünï €",
       MAX(note) AS "it's"
FROM LANDING.RAW.ORDERS
WHERE note <> 'don''t -- stop; $$ \\ here'
GROUP BY customer_id"#;

const VIEW_QUERY: &str =
    "SELECT region_id, country, 'größe ''x'' \\\\' AS label\nFROM LANDING.RAW.REGIONS";

fn hcl_string(s: &str) -> String {
    serde_json::to_string(s).unwrap().replace("${", "$${")
}

fn feature_views() -> (String, Vec<Expected>) {
    let expected = vec![
        Expected {
            name: "SPEND",
            version: "V1",
            comment: "Customer's \"spend\"\nper day — ünïcødé 🚀 \\ back\tslash",
            entities: &["CUSTOMER"],
            timestamp_col: "NULL",
            initialize: Some("ON_CREATE"),
            query: HOSTILE_QUERY,
        },
        Expected {
            name: "PROFILE",
            version: "v2.1-rc",
            comment: "",
            entities: &["CUSTOMER", "REGION"],
            timestamp_col: "UPDATED_AT",
            initialize: Some("ON_SCHEDULE"),
            query: "SELECT customer_id, region_id, country, updated_at, tier FROM LANDING.RAW.PROFILES",
        },
        Expected {
            name: "SEGMENT",
            version: "V1",
            comment: "a view's comment\nover two lines",
            entities: &["REGION"],
            timestamp_col: "NULL",
            initialize: None,
            query: VIEW_QUERY,
        },
        Expected {
            name: "DAILY",
            version: "V3",
            comment: "refreshed at 06:00",
            entities: &["CUSTOMER"],
            timestamp_col: "EVENT_TS",
            initialize: Some("ON_CREATE"),
            query: "SELECT customer_id, event_ts, COUNT(*) AS events FROM LANDING.RAW.EVENTS GROUP BY 1, 2",
        },
        // A quoted mixed-case entity and timestamp column are written as the library writes
        // them (double-quoted inside the JSON), so that it resolves them to the same names.
        Expected {
            name: "CLICKS",
            version: "V1",
            comment: "",
            entities: &["\"webVisitor\"", "CUSTOMER"],
            timestamp_col: "\"clickedAt\"",
            initialize: None,
            query: "SELECT \"visitorId\", customer_id, \"clickedAt\" FROM LANDING.RAW.CLICKS",
        },
    ];
    let blocks = format!(
        r#"
feature_view "spend" {{
  schema       = schema.fs
  name         = "SPEND"
  version      = "V1"
  entities     = [entity.customer]
  refresh_freq = "1 hour"
  warehouse    = warehouse.wh
  comment      = {c0}
  query        = {q0}
}}

feature_view "profile" {{
  schema        = schema.fs
  name          = "PROFILE"
  version       = "v2.1-rc"
  entities      = [entity.customer, entity.region]
  timestamp_col = "UPDATED_AT"
  refresh_freq  = "12 hours"
  refresh_mode  = "FULL"
  initialize    = "ON_SCHEDULE"
  warehouse     = warehouse.wh
  query         = {q1}
}}

feature_view "segment" {{
  schema   = schema.fs
  name     = "SEGMENT"
  version  = "V1"
  entities = [entity.region]
  comment  = {c2}
  query    = {q2}
}}

feature_view "daily" {{
  schema        = schema.fs
  name          = "DAILY"
  version       = "V3"
  entities      = [entity.customer]
  timestamp_col = "EVENT_TS"
  refresh_freq  = "0 6 * * * UTC"
  warehouse     = warehouse.wh2
  comment       = {c3}
  query         = {q3}
}}

entity "visitor" {{
  schema    = schema.fs
  name      = "\"webVisitor\""
  join_keys = ["\"visitorId\"", "CUSTOMER_ID"]
}}

feature_view "clicks" {{
  schema        = schema.fs
  name          = "CLICKS"
  version       = "V1"
  entities      = [entity.visitor, entity.customer]
  timestamp_col = "\"clickedAt\""
  query         = {q4}
}}
"#,
        c0 = hcl_string(expected[0].comment),
        q0 = hcl_string(expected[0].query),
        q1 = hcl_string(expected[1].query),
        c2 = hcl_string(expected[2].comment),
        q2 = hcl_string(expected[2].query),
        c3 = hcl_string(expected[3].comment),
        q3 = hcl_string(expected[3].query),
        q4 = hcl_string(expected[4].query),
    );
    (blocks, expected)
}

/// The feature views above and a model with two versions, an alias and metadata, in the
/// base configuration.
pub fn feature_store_config() -> String {
    let versions = [
        ("V1", "    comment = \"baseline: it's \\\"ok\\\"\"\n"),
        (
            "V2",
            "    alias    = \"CHAMPION\"\n    metadata = { metrics = { auc = 0.91, \"f1 score\" = 0.5 }, owner = \"ml-team\" }\n",
        ),
    ];
    config(&format!("{}{}", feature_views().0, model("V2", &versions)))
}

/// The value of a single-quoted SQL literal's body as written in the text.
fn unescape(body: &str) -> String {
    let toks = snowform::sql::tokenize(&format!("'{body}'")).unwrap();
    assert_eq!(toks.len(), 1, "{body:?} is not one literal");
    toks[0].value.clone()
}

/// Every feature view's definition text, by name, with `true` for dynamic tables.
fn definition_texts(d: &Dir) -> BTreeMap<String, (String, bool)> {
    let mut out = BTreeMap::new();
    for (sql, dynamic) in [
        ("SHOW DYNAMIC TABLES IN SCHEMA MLOPS.FS", true),
        ("SHOW VIEWS IN SCHEMA MLOPS.FS", false),
    ] {
        for r in rows(d, sql) {
            out.insert(
                r["name"].clone().unwrap(),
                (r["text"].clone().unwrap(), dynamic),
            );
        }
    }
    out
}

#[test]
fn the_feature_store_library_reads_back_every_feature_view() {
    let (blocks, expected) = feature_views();
    let d = setup(&blocks);
    apply(&d);
    assert_no_changes(&d);
    let texts = definition_texts(&d);
    assert_eq!(texts.len(), expected.len(), "{texts:#?}");
    let pattern = library_definition_pattern();
    let initialize = library_initialize_pattern();
    for (physical, (text, dynamic)) in &texts {
        // list_feature_views: NAME$VERSION split on `$`.
        let parts: Vec<&str> = physical.split('$').collect();
        let [name, version] = parts[..] else {
            panic!("{physical} does not split into NAME and VERSION")
        };
        let e = expected
            .iter()
            .find(|e| e.name == name)
            .unwrap_or_else(|| panic!("unexpected {physical}"));
        assert_eq!(version, e.version);

        let m = pattern
            .captures(text)
            .unwrap_or_else(|| panic!("the library cannot parse {physical}:\n{text}"));
        assert_eq!(
            m["obj_type"].to_ascii_uppercase(),
            if *dynamic { "DYNAMIC TABLE" } else { "VIEW" }
        );
        assert_eq!(unescape(&m["comment"]), e.comment, "{physical}");
        assert_eq!(&m["query"], e.query, "{physical}");
        let meta: Value = serde_json::from_str(&m["fv_metadata"]).unwrap_or_else(|err| {
            panic!(
                "{physical}: metadata is not JSON ({err}): {}",
                &m["fv_metadata"]
            )
        });
        assert_eq!(
            meta["entities"],
            serde_json::json!(e.entities),
            "{physical}"
        );
        assert_eq!(meta["timestamp_col"], e.timestamp_col, "{physical}");
        // Only the keys every supported release's metadata class takes: releases before 2.0
        // fail on a key they do not know (is_tiled, is_iceberg, ... came later).
        let keys: Vec<&str> = meta
            .as_object()
            .expect("an object")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, ["entities", "timestamp_col"], "{physical}");

        let read = initialize
            .captures(text)
            .map(|c| c["initialize"].to_string());
        match (dynamic, e.initialize) {
            (true, Some(want)) => assert_eq!(read.as_deref(), Some(want), "{physical}:\n{text}"),
            (false, None) => assert_eq!(read, None),
            other => panic!("{physical}: {other:?}"),
        }
    }

    // The cron feature view's schedule is its same-named task's, tagged as the library tags it.
    let tasks = rows(&d, "SHOW TASKS IN SCHEMA MLOPS.FS");
    assert_eq!(tasks.len(), 1);
    assert_eq!(tasks[0]["name"].as_deref(), Some("DAILY$V3"));
    assert_eq!(
        tasks[0]["schedule"].as_deref(),
        Some("USING CRON 0 6 * * * UTC")
    );
    let dts = rows(&d, "SHOW DYNAMIC TABLES LIKE 'DAILY%' IN SCHEMA MLOPS.FS");
    assert_eq!(dts[0]["target_lag"].as_deref(), Some("DOWNSTREAM"));
}

#[test]
fn the_library_still_reads_feature_views_after_changes_in_place_and_replacements() {
    let (blocks, expected) = feature_views();
    let d = setup(&blocks);
    apply(&d);
    let edited = blocks
        .replace("refresh_freq  = \"12 hours\"", "refresh_freq  = \"1 day\"")
        .replace("FROM LANDING.RAW.EVENTS", "FROM LANDING.RAW.EVENTS_V2");
    reconfigure(&d, &edited);
    let p = plan(&d);
    assert_eq!(
        changed(&p),
        pairs(&[
            ("feature_view.profile", "update"),
            ("feature_view.daily", "replace")
        ])
    );
    d.apply_destroying();
    assert_no_changes(&d);
    let texts = definition_texts(&d);
    let pattern = library_definition_pattern();
    let profile = &texts["PROFILE$v2.1-rc"].0;
    assert!(
        profile.contains("lag = '1 day'"),
        "the lag shown follows the ALTER: {profile}"
    );
    let m = pattern.captures(profile).unwrap();
    assert_eq!(&m["query"], expected[1].query);
    let daily = &texts["DAILY$V3"].0;
    assert!(
        daily.starts_with("CREATE OR REPLACE DYNAMIC TABLE"),
        "{daily}"
    );
    let m = pattern
        .captures(daily)
        .unwrap_or_else(|| panic!("the library cannot parse the replacement:\n{daily}"));
    assert!(m["query"].ends_with("FROM LANDING.RAW.EVENTS_V2 GROUP BY 1, 2"));
    let meta: Value = serde_json::from_str(&m["fv_metadata"]).unwrap();
    assert_eq!(meta["timestamp_col"], "EVENT_TS");
    // The library's INITIALIZE pattern only knows `CREATE DYNAMIC TABLE`: after a
    // replacement it reads its default, ON_CREATE, which is what this one has.
    assert!(library_initialize_pattern().captures(daily).is_none());
}

/// Metrics set from the Model Registry (`ModelVersion.set_metric` rewrites the version's
/// metadata) are left alone when the configuration ignores them: no plan reverts them and
/// drift shows them as information with exit code 0. What is not ignored still shows.
#[test]
fn ignore_changes_leaves_a_versions_metrics_to_the_model_registry() {
    let block = |ignore: &str| {
        model(
            "V1",
            &[(
                "V1",
                "    comment = \"first\"\n    metadata = { metrics = { auc = 0.9 } }\n",
            )],
        )
        .replacen(
            "  name   = \"CHURN\"\n",
            &format!(
                "  name   = \"CHURN\"\n  lifecycle {{\n    ignore_changes = [{ignore}]\n  }}\n"
            ),
            1,
        )
    };
    // Applied without the ignore: the configuration gains it later, with no apply between.
    let d = setup(&block(""));
    apply(&d);
    reconfigure(&d, &block("versions.v1.metadata"));
    d.exec(
        "ALTER MODEL MLOPS.FS.CHURN MODIFY VERSION V1 SET METADATA = '{\"metrics\":{\"auc\":0.9,\"rmse\":0.1},\"snowpark_ml_schema_version\":\"2024-01-01\"}'",
    )
    .ok();
    assert_no_changes(&d);
    let drift = d.sandbox(&["drift", "--format", "json"]).code(0).json();
    assert_eq!(drift["drifted"], serde_json::json!([]), "{drift}");
    assert_eq!(drift["ignored"][0]["address"], "model.churn", "{drift}");
    assert_eq!(
        drift["ignored"][0]["attributes"][0]["name"], "versions.V1.metadata",
        "{drift}"
    );
    let human = d.sandbox(&["drift"]).code(0).stdout;
    assert!(
        human.contains("No drift") && human.contains("ignore_changes") && human.contains("rmse"),
        "{human}"
    );
    let md = d.sandbox(&["drift", "--format", "markdown"]).code(0).stdout;
    assert!(
        md.contains("versions.V1.metadata") && md.contains("ignore_changes"),
        "{md}"
    );

    // The same ignore written as a string, and for the whole version: a comment changed in
    // the registry is ignored too. Without the ignore, the plan puts the metrics back.
    d.exec("ALTER MODEL MLOPS.FS.CHURN MODIFY VERSION V1 SET COMMENT = 'promoted'")
        .ok();
    reconfigure(&d, &block("\"versions.V1\""));
    assert_no_changes(&d);
    reconfigure(&d, &block("\"versions.V1.comment\""));
    let p = plan(&d);
    assert_eq!(
        statements(change(&p, "model.churn")),
        ["ALTER MODEL MLOPS.FS.CHURN MODIFY VERSION V1 SET METADATA = '{\"metrics\":{\"auc\":0.9},\"snowpark_ml_schema_version\":\"2024-01-01\"}'"]
    );
    let drift = d.sandbox(&["drift", "--format", "json"]).code(2).json();
    assert_eq!(drift["summary"]["changed"], 1, "{drift}");
}

/// The refresh task of a cron feature view names its dynamic table in its body. Renaming
/// the schema (or database) renames the table, but the body still names the old one, and
/// the task would refresh nothing: the plan rewrites it after the rename, and drift and plan
/// see a body that names another table.
#[test]
fn a_refresh_task_follows_a_rename_of_its_schema_and_database() {
    let d = setup(&dt("spend", "V1", "0 6 * * * UTC", "wh", Q1));
    apply(&d);
    let definition = |d: &Dir, schema: &str| {
        rows(d, &format!("SHOW TASKS IN SCHEMA {schema}")).remove(0)["definition"]
            .clone()
            .unwrap()
    };
    assert_eq!(
        definition(&d, "MLOPS.FS"),
        "ALTER DYNAMIC TABLE MLOPS.FS.SPEND$V1 REFRESH"
    );

    let renamed = config(&dt("spend", "V1", "0 6 * * * UTC", "wh", Q1)).replacen(
        "name     = \"FS\"",
        "name     = \"FEATURES\"",
        1,
    );
    d.write("main.hcl", &renamed);
    let p = plan(&d);
    assert_eq!(
        changed(&p),
        pairs(&[("feature_view.spend", "update"), ("schema.fs", "update")])
    );
    assert_eq!(
        statements(change(&p, "feature_view.spend")),
        [
            "ALTER TASK MLOPS.FEATURES.SPEND$V1 SUSPEND",
            "ALTER TASK MLOPS.FEATURES.SPEND$V1 MODIFY AS ALTER DYNAMIC TABLE MLOPS.FEATURES.SPEND$V1 REFRESH",
            "ALTER TASK MLOPS.FEATURES.SPEND$V1 RESUME",
        ]
    );
    // Without a connection the recorded body is as stale: the offline plan says the same.
    let offline = d
        .sandbox(&["plan", "--format", "json", "--refresh=false"])
        .ok()
        .json();
    assert_eq!(changed(&offline), changed(&p));
    d.sandbox(&["apply", "--auto-approve", "--allow-rename"])
        .ok();
    assert_eq!(
        definition(&d, "MLOPS.FEATURES"),
        "ALTER DYNAMIC TABLE MLOPS.FEATURES.SPEND$V1 REFRESH"
    );
    assert_eq!(
        rows(&d, "SHOW TASKS IN SCHEMA MLOPS.FEATURES")[0]["state"].as_deref(),
        Some("started")
    );
    assert_no_changes(&d);
    d.sandbox(&["drift"]).code(0);

    // The database too.
    d.write(
        "main.hcl",
        &renamed.replacen("name = \"MLOPS\"", "name = \"ML\"", 1),
    );
    d.sandbox(&["apply", "--auto-approve", "--allow-rename"])
        .ok();
    assert_eq!(
        definition(&d, "ML.FEATURES"),
        "ALTER DYNAMIC TABLE ML.FEATURES.SPEND$V1 REFRESH"
    );
    assert_no_changes(&d);

    // A body changed outside snowform is drift, and the plan puts it back.
    d.exec("ALTER TASK ML.FEATURES.SPEND$V1 SUSPEND");
    d.exec(
        "ALTER TASK ML.FEATURES.SPEND$V1 MODIFY AS ALTER DYNAMIC TABLE ML.FEATURES.OTHER REFRESH",
    );
    d.exec("ALTER TASK ML.FEATURES.SPEND$V1 RESUME");
    let drift = d.sandbox(&["drift", "--format", "json"]).code(2).json();
    assert_eq!(
        drift["drifted"][0]["attributes"][0]["name"], "refresh_task_target",
        "{drift}"
    );
    let p = plan(&d);
    assert!(
        statements(change(&p, "feature_view.spend")).contains(
            &"ALTER TASK ML.FEATURES.SPEND$V1 MODIFY AS ALTER DYNAMIC TABLE ML.FEATURES.SPEND$V1 REFRESH".to_string()
        ),
        "{p}"
    );
}

/// An added version reads as its fields in every format, and its metadata as the JSON it
/// is, once: not as a string of JSON inside the JSON.
#[test]
fn an_added_version_shows_its_fields_and_its_metadata_once() {
    let d = setup(&model("V1", &[("V1", "")]));
    apply(&d);
    reconfigure(
        &d,
        &model(
            "V1",
            &[
                ("V1", ""),
                (
                    "V2",
                    "    comment = \"challenger\"\n    metadata = { metrics = { auc = 0.91 } }\n",
                ),
            ],
        ),
    );
    let p = plan(&d);
    let c = change(&p, "model.churn");
    assert_eq!(
        c["attributes"],
        serde_json::json!([{
            "name": "versions.V2",
            "before": null,
            "after": {
                "comment": "challenger",
                "metadata": {"metrics": {"auc": 0.91}},
                "source": "@MLOPS.FS.MODELS/churn/v2"
            }
        }])
    );
    let human = d.sandbox(&["plan"]).ok().stdout;
    assert!(
        human.contains("versions.V2.comment: (unset) -> \"challenger\"")
            && human.contains("versions.V2.metadata.metrics.auc: (unset) -> 0.91")
            && !human.contains("versions.V2: (unset) -> (unset)")
            && !human.contains("\\\""),
        "{human}"
    );
    let md = d.sandbox(&["plan", "--format", "markdown"]).ok().stdout;
    assert!(
        md.contains("| `versions.V2.metadata.metrics.auc` | _unset_ | `0.91` |")
            && md.contains("| `versions.V2.source` | _unset_ | `@MLOPS.FS.MODELS/churn/v2` |"),
        "{md}"
    );
}

/// A stage whose name holds a space and a `;`, and a path with a space: the version's
/// source is written as one quoted stage location, and the account has the version.
#[test]
fn a_version_source_with_spaces_is_one_quoted_location() {
    let hcl = r#"
database "db" {
  name = "SRC_DB"
}
schema "s" {
  database = database.db
  name     = "S"
}
stage "files" {
  schema = schema.s
  name   = "\"model files; v\""
}
model "m" {
  schema = schema.s
  name   = "M"
  version "V1" {
    source = "@${stage.files.fqn}/churn v1"
  }
}
"#;
    let d = Dir::with(&[("main.hcl", hcl)]);
    let plan = d.sandbox(&["plan", "--format", "json"]).ok().json();
    let statements = crate::common::statements(&plan);
    assert!(
        statements.contains(
            &"CREATE MODEL SRC_DB.S.M WITH VERSION V1 FROM '@SRC_DB.S.\"model files; v\"/churn v1'"
                .to_string()
        ),
        "{statements:?}"
    );
    d.sandbox(&["apply", "--auto-approve"]).ok();
    let versions = rows(&d, "SHOW VERSIONS IN MODEL SRC_DB.S.M");
    assert_eq!(versions.len(), 1, "{versions:?}");
    d.sandbox(&["plan", "--detailed-exitcode"]).ok();
}

/// What snowflake-ml-python reads back about an applied feature view and model besides SHOW:
/// the feature view's columns (feature_store.py, DESC DYNAMIC TABLE), its tags and a model's
/// (model/_client/sql/tag.py, TAG_REFERENCES with domain MODULE), and the online feature
/// table probe an account without that preview answers with a syntax error at ONLINE.
#[test]
fn feature_view_columns_and_tags_read_back_as_the_ml_library_reads_them() {
    let fv = dt(
        "spend_v1",
        "V1",
        "1 hour",
        "wh",
        "SELECT customer_id, amount AS spend FROM LANDING.RAW.ORDERS",
    );
    let d = setup(&format!("{fv}{}", model("V1", &[("V1", "")])));
    apply(&d);
    let cols: Vec<(String, String)> = rows(&d, "DESC DYNAMIC TABLE MLOPS.FS.\"SPEND$V1\"")
        .into_iter()
        .map(|r| (r["name"].clone().unwrap(), r["type"].clone().unwrap()))
        .collect();
    assert_eq!(
        cols,
        [
            ("CUSTOMER_ID".to_string(), "NUMBER(38,0)".to_string()),
            ("SPEND".to_string(), "NUMBER(38,0)".to_string()),
        ]
    );
    let tags: Vec<String> = rows(
        &d,
        "SELECT TAG_NAME FROM TABLE(MLOPS.INFORMATION_SCHEMA.TAG_REFERENCES('MLOPS.FS.\"SPEND$V1\"', 'TABLE'))",
    )
    .into_iter()
    .map(|r| r["TAG_NAME"].clone().unwrap())
    .collect();
    assert!(
        tags.iter().any(|t| t == "SNOWML_FEATURE_STORE_OBJECT"),
        "{tags:?}"
    );
    assert_eq!(
        rows(
            &d,
            "SELECT TAG_DATABASE, TAG_SCHEMA, TAG_NAME, TAG_VALUE\nFROM TABLE(MLOPS.INFORMATION_SCHEMA.TAG_REFERENCES($$MLOPS.FS.CHURN$$, 'MODULE'))"
        )
        .len(),
        0,
        "the model carries no tags"
    );
    let out = d.run(&[
        "sandbox",
        "exec",
        "SHOW ONLINE FEATURE TABLES LIKE 'SPEND$V1$ONLINE' IN MLOPS.FS",
    ]);
    assert!(
        out.stderr.to_lowercase().contains("unexpected 'online'"),
        "{}",
        out.stderr
    );
}
