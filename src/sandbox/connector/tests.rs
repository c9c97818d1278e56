//! The connector protocol against a running server. The request and answer shapes follow
//! snowflake-connector-python's recorded mappings: test/data/wiremock/mappings/auth/password/
//! successful_flow.json (login) and test/data/wiremock/mappings/queries/select_1_successful.json
//! (a query), and its src/snowflake/connector/network.py (session requests).

use serde_json::{json, Value};

use crate::sandbox::{start, Engine, ServeOptions, UserPassword};
use crate::snowflake::Secret;

/// `--fail-matching` fails a statement sent on the connector protocol as on the SQL API,
/// matched against the text sent (a USE is checked with a SHOW the pattern must not see).
#[tokio::test]
async fn fail_matching_sees_the_text_the_connector_sent() {
    let srv = server().await;
    let base = srv.base_url();
    let token = signed_in(&base).await;
    assert_eq!(
        query(&base, &token, "CREATE DATABASE D2").await["success"],
        true
    );
    srv.set_fail_matching(Some("(?i)^USE DATABASE")).unwrap();
    let failed = query(&base, &token, "USE DATABASE D2").await;
    assert_eq!(failed["code"], "002003", "{failed}");
    srv.set_fail_matching(Some("(?i)SHOW DATABASES")).unwrap();
    let used = query(&base, &token, "USE DATABASE D2").await;
    assert_eq!(used["success"], true, "{used}");
    assert_eq!(
        srv.stats().executed.get("USE DATABASE D2"),
        Some(&1),
        "{:?}",
        srv.stats()
    );
    srv.shutdown().await;
}

async fn server() -> crate::sandbox::RunningServer {
    let opts = ServeOptions {
        passwords: vec![UserPassword {
            user: "alice".into(),
            password: Secret::new("s3cret"),
        }],
        ..ServeOptions::default()
    };
    start(opts, Box::new(Engine::new("SANDBOX"))).await.unwrap()
}

async fn post(base: &str, path: &str, token: Option<&str>, body: Value) -> Value {
    // The client of these tests speaks plain HTTP, but reqwest wants a TLS provider.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut req = reqwest::Client::new()
        .post(format!("{base}{path}"))
        .json(&body);
    if let Some(t) = token {
        req = req.header("Authorization", format!("Snowflake Token=\"{t}\""));
    }
    req.send().await.unwrap().json().await.unwrap()
}

async fn login(base: &str, password: &str) -> Value {
    post(
        base,
        "/session/v1/login-request?request_id=1&databaseName=&warehouse=",
        None,
        json!({"data": {"CLIENT_APP_ID": "PythonConnector", "ACCOUNT_NAME": "SANDBOX",
            "LOGIN_NAME": "alice", "PASSWORD": password,
            "SESSION_PARAMETERS": {"CLIENT_PREFETCH_THREADS": 4}}}),
    )
    .await
}

/// The session token of a password login that succeeds.
async fn signed_in(base: &str) -> String {
    login(base, "s3cret").await["data"]["token"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn query(base: &str, token: &str, sql: &str) -> Value {
    post(
        base,
        "/queries/v1/query-request?requestId=2",
        Some(token),
        json!({"sqlText": sql, "asyncExec": false, "sequenceId": 1, "querySubmissionTime": 0}),
    )
    .await
}

#[tokio::test]
async fn login_with_the_password_opens_a_session_and_a_wrong_one_is_refused() {
    let srv = server().await;
    let base = srv.base_url();
    let ok = login(&base, "s3cret").await;
    assert_eq!(ok["success"], true, "{ok}");
    assert!(ok["data"]["token"].is_string());
    assert!(ok["data"]["masterToken"].is_string());
    assert_eq!(ok["data"]["sessionInfo"]["roleName"], "ACCOUNTADMIN");
    let bad = login(&base, "nope").await;
    assert_eq!(bad["success"], false);
    assert_eq!(bad["code"], "390100");
    let jwt = post(
        &base,
        "/session/v1/login-request",
        None,
        json!({"data": {"LOGIN_NAME": "alice", "AUTHENTICATOR": "SNOWFLAKE_JWT", "TOKEN": "a.b.c"}}),
    )
    .await;
    assert_eq!(jwt["success"], false);
    assert_eq!(jwt["code"], "390144");
    srv.shutdown().await;
}

#[tokio::test]
async fn a_query_answers_rowtype_and_rowset_as_the_connector_reads_them() {
    let srv = server().await;
    let base = srv.base_url();
    let token = signed_in(&base).await;
    let r = query(&base, &token, "SELECT 1, TRUE, 'x'").await;
    assert_eq!(r["success"], true, "{r}");
    let d = &r["data"];
    assert_eq!(d["queryResultFormat"], "json");
    let types: Vec<&str> = d["rowtype"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["fixed", "boolean", "text"]);
    assert_eq!(d["rowtype"][0]["scale"], 0);
    assert_eq!(d["rowset"], json!([["1", "1", "x"]]));
    assert_eq!(d["total"], 1);
    assert!(uuid::Uuid::parse_str(d["queryId"].as_str().unwrap()).is_ok());

    let e = query(&base, &token, "SELEC 1").await;
    assert_eq!(e["success"], false);
    assert!(
        e["data"]["sqlState"].is_string() && e["data"]["queryId"].is_string(),
        "{e}"
    );
    srv.shutdown().await;
}

/// snowflake-connector-python's `cursor.get_results_from_sfqid(qid)` reads a finished query
/// as `select * from table(result_scan('<qid>'))` (src/snowflake/connector/cursor.py).
#[tokio::test]
async fn result_scan_reads_an_earlier_query_by_its_query_id() {
    let srv = server().await;
    let base = srv.base_url();
    let token = signed_in(&base).await;
    // RESULT_SCAN is a query over a table function: it runs on a warehouse.
    query(&base, &token, "CREATE WAREHOUSE WH").await;
    let used = query(&base, &token, "USE WAREHOUSE WH").await;
    assert_eq!(used["success"], true, "{used}");
    let first = query(&base, &token, "SELECT 1 AS N, 'x' AS L").await;
    let qid = first["data"]["queryId"].as_str().unwrap().to_string();
    query(&base, &token, "SELECT 2").await;
    let r = query(
        &base,
        &token,
        &format!("select * from table(result_scan('{qid}'))"),
    )
    .await;
    assert_eq!(r["success"], true, "{r}");
    assert_eq!(r["data"]["rowset"], json!([["1", "x"]]));
    let last = query(
        &base,
        &token,
        "SELECT L FROM TABLE(RESULT_SCAN(LAST_QUERY_ID()))",
    )
    .await;
    assert_eq!(last["data"]["rowset"], json!([["x"]]), "{last}");
    srv.shutdown().await;
}

#[tokio::test]
async fn use_is_held_per_session_and_logout_ends_the_session() {
    let srv = server().await;
    let base = srv.base_url();
    let a = signed_in(&base).await;
    let b = signed_in(&base).await;
    assert_eq!(
        query(&base, &a, "CREATE DATABASE D1").await["success"],
        true
    );
    let missing = query(&base, &a, "USE DATABASE NOPE").await;
    assert_eq!(missing["code"], "002043", "{missing}");
    let used = query(&base, &a, "USE DATABASE d1").await;
    assert_eq!(used["data"]["finalDatabaseName"], "D1", "{used}");
    let cur = query(&base, &a, "SELECT CURRENT_DATABASE()").await;
    assert_eq!(cur["data"]["rowset"], json!([["D1"]]), "{cur}");
    let other = query(&base, &b, "SELECT CURRENT_DATABASE()").await;
    assert_eq!(other["data"]["rowset"], json!([[null]]), "{other}");

    let bye = post(&base, "/session?delete=true", Some(&a), json!({})).await;
    assert_eq!(bye["success"], true);
    let after = query(&base, &a, "SELECT 1").await;
    assert_eq!(after["code"], "390111");
    srv.shutdown().await;
}

/// USE ROLE admits only a role granted to the user (directly or through the hierarchy;
/// the system roles are every user's), and the role then decides what statements may do.
#[tokio::test]
async fn use_role_needs_a_role_granted_to_the_user() {
    let srv = server().await;
    let base = srv.base_url();
    let a = signed_in(&base).await;
    assert_eq!(
        query(&base, &a, "CREATE ROLE ANALYST").await["success"],
        true
    );
    let refused = query(&base, &a, "USE ROLE analyst").await;
    assert_eq!(refused["code"], "002043", "{refused}");
    let missing = query(&base, &a, "USE ROLE NO_SUCH_ROLE").await;
    assert_eq!(missing["code"], "002043", "{missing}");
    let granted = query(&base, &a, "GRANT ROLE analyst TO USER alice").await;
    assert_eq!(granted["success"], true, "{granted}");
    let used = query(&base, &a, "USE ROLE analyst").await;
    assert_eq!(used["success"], true, "{used}");
    let cur = query(&base, &a, "SELECT CURRENT_ROLE()").await;
    assert_eq!(cur["data"]["rowset"], json!([["ANALYST"]]), "{cur}");
    let denied = query(&base, &a, "CREATE DATABASE D9").await;
    assert_eq!(denied["code"], "003001", "{denied}");
    // A role named at login must be the user's too.
    let other = post(
        &base,
        "/session/v1/login-request?request_id=1&roleName=NOT_GRANTED",
        None,
        json!({"data": {"CLIENT_APP_ID": "PythonConnector", "ACCOUNT_NAME": "SANDBOX",
            "LOGIN_NAME": "alice", "PASSWORD": "s3cret"}}),
    )
    .await;
    assert_eq!(other["code"], "390189", "{other}");
    let back = query(&base, &a, "USE ROLE sysadmin").await;
    assert_eq!(back["success"], true, "{back}");
    assert_eq!(
        query(&base, &a, "CREATE DATABASE D9").await["success"],
        true
    );
    srv.shutdown().await;
}

/// The connector gzips every POST body (src/snowflake/connector/network.py sets
/// `Content-Encoding: gzip`); renewal swaps the session token for a new one
/// (`oldSessionToken`, `requestType: RENEW`, the master token in the header); async
/// queries answer 333334 and are read back with `GET /queries/{id}/result`.
#[tokio::test]
async fn gzip_bodies_renewal_heartbeat_and_async_results() {
    use std::io::Write as _;
    let srv = server().await;
    let base = srv.base_url();
    let ok = login(&base, "s3cret").await;
    let (token, master) = (
        ok["data"]["token"].as_str().unwrap().to_string(),
        ok["data"]["masterToken"].as_str().unwrap().to_string(),
    );
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(br#"{"sqlText": "ALTER SESSION SET QUERY_TAG = 'nb'", "sequenceId": 1}"#)
        .unwrap();
    let r: Value = reqwest::Client::new()
        .post(format!("{base}/queries/v1/query-request"))
        .header("Authorization", format!("Snowflake Token=\"{token}\""))
        .header("Content-Encoding", "gzip")
        .header("Content-Type", "application/json")
        .body(gz.finish().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["success"], true, "{r}");
    assert!(r["data"]["parameters"]
        .as_array()
        .unwrap()
        .contains(&json!({"name": "QUERY_TAG", "value": "nb"})));

    let renewed = post(
        &base,
        "/session/token-request?requestId=3",
        Some(&master),
        json!({"oldSessionToken": token, "requestType": "RENEW"}),
    )
    .await;
    let fresh = renewed["data"]["sessionToken"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(fresh, token);
    assert_eq!(query(&base, &token, "SELECT 1").await["code"], "390111");
    let hb = post(&base, "/session/heartbeat", Some(&fresh), json!({})).await;
    assert_eq!(hb["success"], true);

    let started = post(
        &base,
        "/queries/v1/query-request",
        Some(&fresh),
        json!({"sqlText": "SELECT 7", "asyncExec": true, "sequenceId": 2}),
    )
    .await;
    assert_eq!(started["code"], "333334", "{started}");
    let qid = started["data"]["queryId"].as_str().unwrap().to_string();
    let client = reqwest::Client::new();
    let mut answer = Value::Null;
    for _ in 0..100 {
        answer = client
            .get(format!("{base}/queries/{qid}/result"))
            .header("Authorization", format!("Snowflake Token=\"{fresh}\""))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if answer["code"] != "333333" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(answer["data"]["rowset"], json!([["7"]]), "{answer}");
    let status: Value = client
        .get(format!("{base}/monitoring/queries/{qid}"))
        .header("Authorization", format!("Snowflake Token=\"{fresh}\""))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(status["data"]["queries"][0]["status"], "SUCCESS");
    srv.shutdown().await;
}

/// Bind variables of the `qmark` and `numeric` styles are bound on the server, as Snowflake
/// binds them; what the sandbox does not convert, and several statements in one request,
/// are refused, not guessed.
#[tokio::test]
async fn bindings_are_bound_and_several_statements_refused() {
    let srv = server().await;
    let base = srv.base_url();
    let token = signed_in(&base).await;
    let bound =
        |sql: &str, bindings: Value| json!({"sqlText": sql, "bindings": bindings, "sequenceId": 1});
    let path = "/queries/v1/query-request";
    let b = post(
        &base,
        path,
        Some(&token),
        bound(
            "SELECT ?, :1 AS again, ? AS name, ? AS flag, ? AS nothing",
            json!({"1": {"type": "FIXED", "value": "1"}, "2": {"type": "TEXT", "value": "it's ?"},
                   "3": {"type": "BOOLEAN", "value": "true"}, "4": {"type": "ANY", "value": null}}),
        ),
    )
    .await;
    assert_eq!(b["success"], true, "{b}");
    assert_eq!(
        b["data"]["rowset"],
        json!([["1", "1", "it's ?", "1", null]]),
        "{b}"
    );
    let missing = post(
        &base,
        path,
        Some(&token),
        bound("SELECT ?, ?", json!({"1": {"type": "FIXED", "value": "1"}})),
    )
    .await;
    assert_eq!(missing["code"], "002049", "{missing}");
    let timestamp = post(
        &base,
        path,
        Some(&token),
        bound(
            "SELECT ?",
            json!({"1": {"type": "TIMESTAMP_NTZ", "value": "0"}}),
        ),
    )
    .await;
    assert_eq!(timestamp["code"], "000002", "{timestamp}");
    assert_eq!(timestamp["data"]["sqlState"], "0A000");
    let two = query(&base, &token, "SELECT 1; SELECT 2").await;
    assert_eq!(two["code"], "000008", "{two}");
    srv.shutdown().await;
}

fn recorded(name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/connector")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Keys of `recorded` that `ours` lacks or holds with another JSON kind (a null in either
/// matches anything: the recording has nulls where the sandbox has values and back).
fn differences(recorded: &Value, ours: &Value, skip: &[&str], at: &str) -> Vec<String> {
    let kind = |v: &Value| match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    let mut out = Vec::new();
    for (k, r) in recorded.as_object().unwrap() {
        if skip.contains(&k.as_str()) || k == "_source" {
            continue;
        }
        match ours.get(k) {
            None => out.push(format!("{at}{k}: missing")),
            Some(o) if !r.is_null() && !o.is_null() && kind(r) != kind(o) => {
                out.push(format!("{at}{k}: {} here, {} recorded", kind(o), kind(r)))
            }
            _ => {}
        }
    }
    out
}

/// The login and query answers carry every key of snowflake-connector-python's recorded
/// answers (tests/fixtures/connector/*.json, each naming its source), with the same JSON
/// kinds, but for those said here.
#[tokio::test]
async fn answers_have_the_keys_of_the_connectors_recorded_answers() {
    assert_eq!(
        differences(&json!({"a": 1, "b": "x"}), &json!({"b": 2}), &[], ""),
        ["a: missing", "b: number here, string recorded"],
        "the comparison itself"
    );
    let srv = server().await;
    let base = srv.base_url();
    let ours = login(&base, "s3cret").await;
    let rec = recorded("login_password.json");
    let mut diff = differences(&rec, &ours, &[], "");
    // Remember-me, upgrade advice, health check and token lifetimes of ID/MFA tokens: the
    // sandbox issues none of these tokens and gives no such advice.
    let login_skip = [
        "remMeToken",
        "remMeValidityInSeconds",
        "healthCheckInterval",
        "newClientForUpgrade",
        "serverVersion",
        "idTokenValidityInSeconds",
        "mfaTokenValidityInSeconds",
        "responseData",
    ];
    diff.extend(differences(
        &rec["data"],
        &ours["data"],
        &login_skip,
        "data.",
    ));
    diff.extend(differences(
        &rec["data"]["sessionInfo"],
        &ours["data"]["sessionInfo"],
        &[],
        "data.sessionInfo.",
    ));
    let token = ours["data"]["token"].as_str().unwrap().to_string();
    let ours = query(&base, &token, "SELECT 1").await;
    let rec = recorded("query_select_1.json");
    diff.extend(differences(&rec, &ours, &[], ""));
    // The query context cache and the send time are optional for the connector.
    diff.extend(differences(
        &rec["data"],
        &ours["data"],
        &["queryContext", "sendResultTime"],
        "data.",
    ));
    diff.extend(differences(
        &rec["data"]["rowtype"][0],
        &ours["data"]["rowtype"][0],
        &[],
        "data.rowtype[0].",
    ));
    assert_eq!(ours["data"]["rowset"], rec["data"]["rowset"]);
    assert!(diff.is_empty(), "{}", diff.join("\n"));
    srv.shutdown().await;
}

async fn query_with(base: &str, token: &str, body: Value) -> Value {
    post(
        base,
        "/queries/v1/query-request?requestId=3",
        Some(token),
        body,
    )
    .await
}

/// snowflake-ml-python's list_entities as Snowpark sends it: SHOW TAGS, then a projection of
/// its RESULT_SCAN in a subquery, filtered by get_entity (snowflake/ml/feature_store/feature_store.py).
#[tokio::test]
async fn snowpark_subqueries_over_result_scan_answer() {
    let srv = server().await;
    let base = srv.base_url();
    let token = signed_in(&base).await;
    for sql in [
        "CREATE WAREHOUSE WH",
        "USE WAREHOUSE WH",
        "CREATE DATABASE D",
        "CREATE SCHEMA D.FS",
        "CREATE TAG D.FS.SNOWML_FEATURE_STORE_ENTITY_PATIENT ALLOWED_VALUES 'PATIENT_ID' COMMENT = 'A patient'",
    ] {
        let r = query(&base, &token, sql).await;
        assert_eq!(r["success"], true, "{sql}: {r}");
    }
    let shown = query(
        &base,
        &token,
        "SHOW TAGS LIKE 'SNOWML_FEATURE_STORE_ENTITY_%' IN SCHEMA D.FS",
    )
    .await;
    let qid = shown["data"]["queryId"].as_str().unwrap().to_string();
    let sql = format!(
        " SELECT  *  FROM ( SELECT substring(\"name\", 29, 32) AS \"NAME\", REPLACE(\"allowed_values\", ',', '\", \"') AS \"JOIN_KEYS\", \"comment\" AS \"DESC\" FROM ( SELECT  *  FROM  TABLE ( RESULT_SCAN('{qid}')))) WHERE (\"NAME\" = 'PATIENT')"
    );
    let r = query(&base, &token, &sql).await;
    assert_eq!(r["success"], true, "{r}");
    assert_eq!(
        r["data"]["rowset"],
        json!([["PATIENT", "[\"PATIENT_ID\"]", "A patient"]]),
        "{r}"
    );
    srv.shutdown().await;
}

/// Snowpark asks for a query's columns with `describeOnly`; of a view or dynamic table the
/// sandbox answers them from its definition (it never reads those rows).
#[tokio::test]
async fn describe_only_of_a_feature_view_answers_its_columns_without_rows() {
    let srv = server().await;
    let base = srv.base_url();
    let token = signed_in(&base).await;
    for sql in [
        "CREATE WAREHOUSE WH",
        "USE WAREHOUSE WH",
        "CREATE DATABASE D",
        "CREATE SCHEMA D.S",
        "CREATE TABLE D.S.T (ID NUMBER, AMOUNT FLOAT, AT TIMESTAMP_NTZ)",
        "CREATE DYNAMIC TABLE D.S.\"SPEND$V1\" TARGET_LAG = '1 day' WAREHOUSE = WH AS SELECT ID, AMOUNT, AT FROM D.S.T",
    ] {
        let r = query(&base, &token, sql).await;
        assert_eq!(r["success"], true, "{sql}: {r}");
    }
    let sql = "SELECT * FROM D.S.\"SPEND$V1\"";
    let d = query_with(
        &base,
        &token,
        json!({"sqlText": sql, "describeOnly": true, "sequenceId": 1}),
    )
    .await;
    assert_eq!(d["success"], true, "{d}");
    let types: Vec<(String, String)> = d["data"]["rowtype"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_string(),
                c["type"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        types,
        [("ID", "fixed"), ("AMOUNT", "real"), ("AT", "timestamp_ntz")]
            .map(|(a, b)| (a.to_string(), b.to_string()))
    );
    assert_eq!(d["data"]["rowset"], json!([]));
    // Reading the rows is still refused.
    let r = query(&base, &token, sql).await;
    assert_eq!(r["code"], "000002", "{r}");
    srv.shutdown().await;
}

/// snowflake-ml-python reads a version's model spec with SHOW VERSIONS and the statement
/// parameter SHOW_MODEL_DETAILS_IN_SHOW_VERSIONS_IN_MODEL (model_ops.py); the spec is in the
/// model's files, which the sandbox does not hold, so that request is refused.
#[tokio::test]
async fn show_versions_with_model_details_is_refused() {
    let srv = server().await;
    let base = srv.base_url();
    let token = signed_in(&base).await;
    for sql in [
        "CREATE DATABASE D",
        "CREATE SCHEMA D.S",
        "CREATE STAGE D.S.ST",
        "CREATE MODEL D.S.M WITH VERSION V1 FROM @D.S.ST/m",
    ] {
        let r = query(&base, &token, sql).await;
        assert_eq!(r["success"], true, "{sql}: {r}");
    }
    let sql = "SHOW VERSIONS LIKE 'V1' IN MODEL D.S.M";
    let plain = query(&base, &token, sql).await;
    assert_eq!(plain["success"], true, "{plain}");
    let detailed = query_with(
        &base,
        &token,
        json!({"sqlText": sql, "sequenceId": 1,
            "parameters": {"SHOW_MODEL_DETAILS_IN_SHOW_VERSIONS_IN_MODEL": true}}),
    )
    .await;
    assert_eq!(detailed["code"], "000002", "{detailed}");
    assert!(
        detailed["message"]
            .as_str()
            .unwrap()
            .contains("SHOW_MODEL_DETAILS_IN_SHOW_VERSIONS_IN_MODEL"),
        "{detailed}"
    );
    srv.shutdown().await;
}

/// The opening queries of two infrastructure-as-code tools, as their code sends them:
/// SnowDDL 0.70.1 `snowddl/context.py` (`SnowDDLContext.__init__`) and Titan 0.11.1
/// `titan/data_provider.py` (`fetch_session`). Each is answered from the account and the
/// session; before the context functions existed the sandbox refused both.
#[tokio::test]
async fn the_opening_queries_of_snowddl_and_titan_are_answered() {
    let srv = server().await;
    let base = srv.base_url();
    let signed = login(&base, "s3cret").await;
    let token = signed["data"]["token"].as_str().unwrap().to_string();
    let session_id = signed["data"]["sessionId"].to_string();
    for sql in [
        "CREATE ROLE ANALYST",
        "GRANT ROLE ANALYST TO ROLE SYSADMIN",
        "CREATE ROLE ELSEWHERE",
        "CREATE DATABASE D",
        "USE DATABASE D",
    ] {
        assert_eq!(query(&base, &token, sql).await["success"], true, "{sql}");
    }
    let snowddl = query(
        &base,
        &token,
        "SELECT CURRENT_ACCOUNT() AS current_account
            , CURRENT_REGION() AS current_region
            , CURRENT_SESSION() AS current_session
            , CURRENT_USER() AS current_user
            , CURRENT_ROLE() AS current_role
            , CURRENT_WAREHOUSE() AS current_warehouse
            , IS_ROLE_IN_SESSION('ACCOUNTADMIN') AS is_account_admin
            , IS_ROLE_IN_SESSION('SYSADMIN') AS is_sys_admin
            , IS_ROLE_IN_SESSION('SECURITYADMIN') AS is_security_admin
            , SYSTEM$BOOTSTRAP_DATA_REQUEST('ACCOUNT') AS bootstrap_account
            , SYSTEM$SHOW_ACTIVE_BEHAVIOR_CHANGE_BUNDLES() AS active_bundles",
    )
    .await;
    assert_eq!(snowddl["success"], true, "{snowddl}");
    let row = &snowddl["data"]["rowset"][0];
    assert_eq!(row[0], "SANDBOX");
    assert_eq!(row[1], "AWS_US_WEST_2");
    assert_eq!(row[2].as_str().unwrap(), session_id.trim_matches('"'));
    assert_eq!(row[3], "ALICE");
    assert_eq!(row[4], "ACCOUNTADMIN");
    assert_eq!(row[5], Value::Null);
    assert_eq!([&row[6], &row[7], &row[8]], ["1", "1", "1"]);
    let bootstrap: Value = serde_json::from_str(row[9].as_str().unwrap()).unwrap();
    assert_eq!(bootstrap["accountInfo"]["serviceLevelName"], "ENTERPRISE");
    assert_eq!(bootstrap["serverVersion"], "9.0.0");
    assert_eq!(row[10], "[]");
    let names: Vec<&str> = snowddl["data"]["rowtype"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names[6], "IS_ACCOUNT_ADMIN");

    // As a custom role, the system roles above it are not in the session.
    assert_eq!(
        query(&base, &token, "USE ROLE ANALYST").await["success"],
        true
    );
    let narrow = query(
        &base,
        &token,
        "SELECT IS_ROLE_IN_SESSION('ACCOUNTADMIN'), IS_ROLE_IN_SESSION('PUBLIC')",
    )
    .await;
    assert_eq!(narrow["data"]["rowset"][0], json!(["0", "1"]), "{narrow}");
    assert_eq!(
        query(&base, &token, "USE ROLE ACCOUNTADMIN").await["success"],
        true
    );

    let titan = query(
        &base,
        &token,
        "SELECT
            CURRENT_ACCOUNT_NAME() as account,
            CURRENT_ACCOUNT() as account_locator,
            CURRENT_USER() as user,
            CURRENT_ROLE() as role,
            CURRENT_AVAILABLE_ROLES() as available_roles,
            CURRENT_SECONDARY_ROLES() as secondary_roles,
            CURRENT_DATABASE() as database,
            CURRENT_SCHEMAS() as schemas,
            CURRENT_WAREHOUSE() as warehouse,
            CURRENT_VERSION() as version,
            CURRENT_REGION() as region,
            SYSTEM$BOOTSTRAP_DATA_REQUEST('ACCOUNT') as account_data",
    )
    .await;
    assert_eq!(titan["success"], true, "{titan}");
    let row = &titan["data"]["rowset"][0];
    assert_eq!(row[0], "SANDBOX");
    // ANALYST is granted to SYSADMIN, which the user holds through ACCOUNTADMIN;
    // ELSEWHERE is granted to nobody, and ORGADMIN is not below ACCOUNTADMIN.
    assert_eq!(
        row[4],
        r#"["ACCOUNTADMIN","ANALYST","PUBLIC","SECURITYADMIN","SYSADMIN","USERADMIN"]"#
    );
    assert_eq!(row[5], r#"{"roles":"","value":""}"#);
    assert_eq!(row[6], "D");
    assert_eq!(row[7], r#"["D.PUBLIC"]"#);
    srv.shutdown().await;
}

/// SnowDDL's role resolvers read each role's future grants with SHOW FUTURE GRANTS TO ROLE
/// (`snowddl/resolver/abc_role_resolver.py`), in the layout of SHOW FUTURE GRANTS IN.
#[tokio::test]
async fn show_future_grants_to_a_role_lists_its_future_grants() {
    let srv = server().await;
    let base = srv.base_url();
    let token = signed_in(&base).await;
    for sql in [
        "CREATE ROLE R",
        "CREATE ROLE OTHER",
        "CREATE DATABASE D",
        "CREATE SCHEMA D.S",
        "GRANT SELECT ON FUTURE TABLES IN SCHEMA D.S TO ROLE R",
        "GRANT USAGE ON FUTURE SCHEMAS IN DATABASE D TO ROLE R",
        "GRANT SELECT ON FUTURE VIEWS IN SCHEMA D.S TO ROLE OTHER",
    ] {
        assert_eq!(query(&base, &token, sql).await["success"], true, "{sql}");
    }
    let r = query(&base, &token, "SHOW FUTURE GRANTS TO ROLE R").await;
    assert_eq!(r["success"], true, "{r}");
    let names: Vec<&str> = r["data"]["rowtype"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "created_on",
            "privilege",
            "grant_on",
            "name",
            "grant_to",
            "grantee_name",
            "grant_option"
        ]
    );
    let rows: Vec<(String, String, String)> = r["data"]["rowset"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            (
                row[1].as_str().unwrap().to_string(),
                row[2].as_str().unwrap().to_string(),
                row[3].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(rows.len(), 2, "{r}");
    assert!(rows.contains(&("SELECT".into(), "TABLE".into(), "D.S.<TABLE>".into())));
    assert!(rows.contains(&("USAGE".into(), "SCHEMA".into(), "D.<SCHEMA>".into())));
    let missing = query(&base, &token, "SHOW FUTURE GRANTS TO ROLE NOPE").await;
    assert_eq!(missing["success"], false, "{missing}");
    srv.shutdown().await;
}

/// Titan runs `USE SECONDARY ROLES ALL` before it reads the account
/// (`titan/blueprint.py`, `fetch_remote_state`): the session then has every role granted to
/// the user beside its primary role, and NONE takes them away again.
#[tokio::test]
async fn use_secondary_roles_all_and_none_change_the_roles_in_the_session() {
    let srv = server().await;
    let base = srv.base_url();
    let token = signed_in(&base).await;
    for sql in [
        "CREATE ROLE LOW",
        "CREATE ROLE HELD",
        "GRANT ROLE HELD TO USER alice",
    ] {
        assert_eq!(query(&base, &token, sql).await["success"], true, "{sql}");
    }
    let ask = "SELECT CURRENT_SECONDARY_ROLES(), IS_ROLE_IN_SESSION('HELD'), IS_ROLE_IN_SESSION('SYSADMIN')";
    assert_eq!(query(&base, &token, "USE ROLE HELD").await["success"], true);
    let none = query(&base, &token, ask).await;
    assert_eq!(
        none["data"]["rowset"][0],
        json!([r#"{"roles":"","value":""}"#, "1", "0"]),
        "{none}"
    );
    // As HELD alone, creating a warehouse is not allowed; with the user's ACCOUNTADMIN as a
    // secondary role it is.
    let denied = query(&base, &token, "CREATE WAREHOUSE W1").await;
    assert_eq!(denied["success"], false, "{denied}");
    let all = query(&base, &token, "USE SECONDARY ROLES ALL").await;
    assert_eq!(all["success"], true, "{all}");
    let with_all = query(&base, &token, ask).await;
    assert_eq!(
        with_all["data"]["rowset"][0],
        json!([r#"{"roles":"ACCOUNTADMIN,HELD","value":"ALL"}"#, "1", "1"]),
        "{with_all}"
    );
    assert_eq!(
        query(&base, &token, "CREATE WAREHOUSE W1").await["success"],
        true
    );
    assert_eq!(
        query(&base, &token, "USE SECONDARY ROLES NONE").await["success"],
        true
    );
    let back = query(&base, &token, ask).await;
    assert_eq!(back["data"]["rowset"][0][2], "0", "{back}");
    let list = query(&base, &token, "USE SECONDARY ROLES LOW").await;
    assert_eq!(list["code"], "000002", "{list}");
    srv.shutdown().await;
}
