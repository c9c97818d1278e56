//! The real SQL API client against the sandbox server over loopback HTTP, with a small
//! test engine: authentication, polling, partitions, retries, deduplication, cancel, and
//! that no secret reaches a log line or an error.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use snowform::sandbox::{
    self, AccessToken, Column, DmlStats, FaultOptions, ResultSet, RunningServer, ServeOptions,
    Session, SqlEngine, SqlError, StatsSnapshot, UserKey,
};
use snowform::snowflake::jwt::JwtIssuer;
use snowform::snowflake::{
    connection_test, resolve_connection, Auth, Client, ClientOptions, Env, ErrorKind, PollPolicy,
    PrivateKey, RetryPolicy, Secret, StatementRequest,
};

const ACCOUNT: &str = "SANDBOX";
const USER: &str = "TESTER";
const PAT: &str = "pat-secret-5f1e2d3c4b5a69788796a5b4c3d2e1f0";
const PASSPHRASE: &str = "snowform-test-passphrase";
const TEST_KEY_FP: &str = "SHA256:bv5HhgY74Y1yo5J/q+0v26Cfs1Ha0f16iH5iWeEtqFw=";
const OTHER_KEY_FP: &str = "SHA256:LX5j8PFhsPPMTxqqyTYfMlk/SgeFw1vdDGUn9iSsF5Y=";

/// `SELECT ROWS n` returns n numbered rows; `SELECT SLEEP ms` takes that long; `FAIL ...`
/// fails with "does not exist or not authorized"; `INSERT ...` reports one inserted row;
/// `SELECT SESSION` echoes the session; anything else succeeds with a status row.
struct TestEngine;

impl SqlEngine for TestEngine {
    fn execute(&mut self, sql: &str, session: &Session) -> Result<ResultSet, SqlError> {
        let upper = sql.trim().to_ascii_uppercase();
        if upper.starts_with("SELECT CURRENT_ACCOUNT()") {
            return Ok(ResultSet {
                columns: [
                    "CURRENT_ACCOUNT()",
                    "CURRENT_USER()",
                    "CURRENT_ROLE()",
                    "CURRENT_WAREHOUSE()",
                ]
                .iter()
                .map(|c| Column::text(c))
                .collect(),
                rows: vec![vec![
                    Some(session.account.clone()),
                    Some(session.user.clone()),
                    Some(session.role.clone()),
                    session.warehouse.clone(),
                ]],
                dml: None,
            });
        }
        if let Some(n) = upper.strip_prefix("SELECT ROWS ") {
            let n: usize = n
                .trim()
                .parse()
                .map_err(|_| SqlError::new("001003", "42000", "bad count"))?;
            return Ok(ResultSet {
                columns: vec![
                    Column {
                        name: "N".into(),
                        type_name: "fixed",
                        nullable: false,
                    },
                    Column::text("LABEL"),
                ],
                rows: (0..n)
                    .map(|i| {
                        vec![
                            Some(i.to_string()),
                            if i % 5 == 4 {
                                None
                            } else {
                                Some(format!("row {i}"))
                            },
                        ]
                    })
                    .collect(),
                dml: None,
            });
        }
        if let Some(ms) = upper.strip_prefix("SELECT SLEEP ") {
            std::thread::sleep(Duration::from_millis(ms.trim().parse().unwrap_or(0)));
            return Ok(ResultSet::status("slept"));
        }
        if upper.starts_with("FAIL") {
            return Err(SqlError::new(
                "002003",
                "42S02",
                "SQL compilation error:\nObject 'X' does not exist or not authorized.",
            ));
        }
        if upper.starts_with("INSERT") {
            return Ok(ResultSet {
                columns: vec![Column {
                    name: "number of rows inserted".into(),
                    type_name: "fixed",
                    nullable: false,
                }],
                rows: vec![vec![Some("1".into())]],
                dml: Some(DmlStats {
                    inserted: 1,
                    updated: 0,
                    deleted: 0,
                }),
            });
        }
        if upper == "SELECT SESSION" {
            let cols = ["ROLE", "DATABASE", "SCHEMA", "WAREHOUSE", "QUERY_TAG"];
            return Ok(ResultSet {
                columns: cols.iter().map(|c| Column::text(c)).collect(),
                rows: vec![vec![
                    Some(session.role.clone()),
                    session.database.clone(),
                    session.schema.clone(),
                    session.warehouse.clone(),
                    session.query_tag.clone(),
                ]],
                dml: None,
            });
        }
        if upper == "SHOW WAREHOUSES" {
            let cols = ["name", "state", "type", "size"];
            return Ok(ResultSet {
                columns: cols.iter().map(|c| Column::text(c)).collect(),
                rows: vec![
                    vec![
                        Some("COMPUTE_WH".into()),
                        Some("SUSPENDED".into()),
                        Some("STANDARD".into()),
                        Some("X-Small".into()),
                    ],
                    vec![
                        Some("ML_WH".into()),
                        Some("STARTED".into()),
                        Some("STANDARD".into()),
                        Some("Medium".into()),
                    ],
                ],
                dml: None,
            });
        }
        Ok(ResultSet::status("Statement executed successfully."))
    }
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn read_fixture(name: &str) -> String {
    std::fs::read_to_string(fixture(name)).unwrap()
}

fn key(name: &str) -> PrivateKey {
    PrivateKey::from_file(&fixture(&format!("keys/{name}")), None).unwrap()
}

fn serve_options() -> ServeOptions {
    ServeOptions {
        account: ACCOUNT.into(),
        users: vec![UserKey {
            user: USER.into(),
            public_key: read_fixture("keys/test_key.pub"),
        }],
        tokens: vec![AccessToken {
            user: USER.into(),
            token: Secret::new(PAT),
        }],
        ..ServeOptions::default()
    }
}

async fn serve(opts: ServeOptions) -> RunningServer {
    sandbox::start(opts, Box::new(TestEngine)).await.unwrap()
}

/// Fast retries and polls so that the tests take milliseconds.
fn client_options() -> ClientOptions {
    ClientOptions {
        retry: RetryPolicy {
            max_attempts: 5,
            max_elapsed: Duration::from_secs(20),
            initial_backoff: Duration::from_millis(5),
            max_backoff: Duration::from_millis(50),
        },
        poll: PollPolicy {
            initial: Duration::from_millis(10),
            max: Duration::from_millis(50),
            multiplier: 1.5,
        },
        ..ClientOptions::default()
    }
}

fn key_pair_client(server: &RunningServer, account: &str, key_name: &str) -> Client {
    let auth = Auth::key_pair_from(account, USER, &key(key_name));
    Client::from_base_url(&server.base_url(), account, USER, auth, client_options()).unwrap()
}

async fn stats(server: &RunningServer) -> StatsSnapshot {
    let body = reqwest::get(format!("{}/sandbox/v1/stats", server.base_url()))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let snapshot: StatsSnapshot = serde_json::from_str(&body).unwrap();
    let raw: serde_json::Value = serde_json::from_str(&body).unwrap();
    for field in [
        "requests",
        "statements",
        "retries_deduplicated",
        "executed",
        "server_time_us",
    ] {
        assert!(raw.get(field).is_some(), "stats lack `{field}`: {body}");
    }
    snapshot
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// POST a statement with a raw bearer token; returns status and body.
async fn raw_post(
    server: &RunningServer,
    token: &str,
    token_type: Option<&str>,
) -> (u16, serde_json::Value) {
    let mut req = reqwest::Client::new()
        .post(format!(
            "{}/api/v2/statements?requestId={}",
            server.base_url(),
            uuid::Uuid::new_v4()
        ))
        .bearer_auth(token)
        .json(&serde_json::json!({"statement": "SELECT ROWS 1"}));
    if let Some(t) = token_type {
        req = req.header("X-Snowflake-Authorization-Token-Type", t);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(serde_json::Value::Null))
}

#[tokio::test]
async fn key_pair_jwt_is_accepted_and_connection_test_reports_the_session() {
    let server = serve(serve_options()).await;
    let mut opts = client_options();
    opts.context.warehouse = Some("COMPUTE_WH".into());
    let auth = Auth::key_pair_from("sandbox", "tester", &key("test_key.p8"));
    assert_eq!(auth.fingerprint(), Some(TEST_KEY_FP));
    let client =
        Client::from_base_url(&server.base_url(), "sandbox", "tester", auth, opts).unwrap();
    let info = connection_test(&client).await.unwrap();
    assert_eq!(info.account, ACCOUNT);
    assert_eq!(info.user, USER);
    assert_eq!(info.role.as_deref(), Some("ACCOUNTADMIN"));
    assert_eq!(info.warehouse.as_deref(), Some("COMPUTE_WH"));
    assert!(info.round_trip > Duration::ZERO);

    let r = client.query("SHOW WAREHOUSES").await.unwrap();
    assert_eq!(
        r.columns
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>(),
        ["name", "state", "type", "size"]
    );
    assert_eq!(r.get(&r.rows[1], "NAME"), Some("ML_WH"));
    assert_eq!(r.col("Size"), Some(3));
    assert!(!r.handle.is_empty());
    assert_eq!(stats(&server).await.requests, 2);
    server.shutdown().await;
}

#[tokio::test]
async fn context_and_query_tag_reach_the_session() {
    let server = serve(serve_options()).await;
    let mut opts = client_options();
    opts.query_tag = Some("snowform".into());
    opts.context.role = Some("SYSADMIN".into());
    opts.context.database = Some("DB".into());
    let client = Client::from_base_url(
        &server.base_url(),
        ACCOUNT,
        USER,
        Auth::key_pair_from(ACCOUNT, USER, &key("test_key.p8")),
        opts,
    )
    .unwrap();
    let r = client.query("SELECT SESSION").await.unwrap();
    assert_eq!(
        r.rows[0],
        vec![
            Some("SYSADMIN".into()),
            Some("DB".into()),
            None,
            None,
            Some("snowform".into())
        ]
    );
    let req = StatementRequest {
        context: snowform::snowflake::Context {
            schema: Some("S".into()),
            role: Some("R2".into()),
            ..Default::default()
        },
        query_tag: Some("other".into()),
        ..Default::default()
    };
    let r = client.query_with("SELECT SESSION", &req).await.unwrap();
    assert_eq!(
        r.rows[0],
        vec![
            Some("R2".into()),
            Some("DB".into()),
            Some("S".into()),
            None,
            Some("other".into())
        ]
    );
    server.shutdown().await;
}

#[tokio::test]
async fn a_wrong_key_is_rejected_with_390144_and_the_fingerprint_to_compare() {
    let server = serve(serve_options()).await;
    let client = key_pair_client(&server, ACCOUNT, "other_key.p8");
    let err = client.query("SELECT ROWS 1").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth);
    assert_eq!(err.http_status(), Some(401));
    assert_eq!(err.code(), Some("390144"));
    assert!(err.message().starts_with("JWT token is invalid."), "{err}");
    let text = err.to_string();
    assert!(text.contains(OTHER_KEY_FP), "{text}");
    assert!(
        text.contains("DESC USER TESTER") && text.contains("RSA_PUBLIC_KEY_FP"),
        "{text}"
    );
    // One attempt, then one more with a freshly minted token, then give up.
    let s = stats(&server).await;
    assert_eq!(s.requests, 2);
    assert_eq!(s.statements, 0);
    server.shutdown().await;
}

#[tokio::test]
async fn a_token_for_another_account_is_rejected() {
    let server = serve(serve_options()).await;
    let client = key_pair_client(&server, "OTHERORG-OTHERACCT", "test_key.p8");
    let err = client.query("SELECT ROWS 1").await.unwrap_err();
    assert_eq!((err.http_status(), err.code()), (Some(401), Some("390144")));
    // A region suffix is stripped from the claims, so this one is accepted.
    let client = key_pair_client(&server, "sandbox.us-east-1.aws", "test_key.p8");
    client.query("SELECT ROWS 1").await.unwrap();
    server.shutdown().await;
}

#[tokio::test]
async fn expired_old_and_malformed_jwts_are_rejected() {
    let server = serve(serve_options()).await;
    let issuer = JwtIssuer::new(ACCOUNT, USER, &key("test_key.p8"));
    let now = unix_now();
    let claims = |iat: u64, exp: u64| serde_json::json!({"iss": issuer.issuer(), "sub": issuer.subject(), "iat": iat, "exp": exp});
    let good = issuer.sign_claims(&claims(now, now + 600));
    assert_eq!(
        raw_post(&server, good.expose(), Some("KEYPAIR_JWT"))
            .await
            .0,
        200
    );
    assert_eq!(
        raw_post(&server, good.expose(), None).await.0,
        200,
        "type inferred from the token's shape"
    );

    let cases = [
        ("expired", issuer.sign_claims(&claims(now - 600, now - 60))),
        ("older than an hour", issuer.sign_claims(&claims(now - 3700, now + 600))),
        ("issued in the future", issuer.sign_claims(&claims(now + 600, now + 1200))),
        (
            "sub does not match iss",
            issuer.sign_claims(&serde_json::json!({"iss": issuer.issuer(), "sub": "SANDBOX.OTHER", "iat": now, "exp": now + 60})),
        ),
    ];
    for (what, token) in cases {
        let (status, body) = raw_post(&server, token.expose(), Some("KEYPAIR_JWT")).await;
        assert_eq!(status, 401, "{what}");
        assert_eq!(body["code"], "390144", "{what}");
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .starts_with("JWT token is invalid. ["),
            "{what}"
        );
    }
    // A valid token with one signature byte changed.
    let mut tampered = good.expose().to_string();
    let last = tampered.pop().unwrap();
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    assert_eq!(
        raw_post(&server, &tampered, Some("KEYPAIR_JWT")).await.0,
        401
    );
    let (status, body) = raw_post(&server, "", None).await;
    assert_eq!((status, body["code"].as_str()), (401, Some("390144")));
    assert_eq!(stats(&server).await.statements, 2);
    server.shutdown().await;
}

#[tokio::test]
async fn programmatic_access_tokens_are_accepted_or_rejected() {
    let server = serve(serve_options()).await;
    let good = Client::from_base_url(
        &server.base_url(),
        ACCOUNT,
        USER,
        Auth::Pat(Secret::new(PAT)),
        client_options(),
    )
    .unwrap();
    assert_eq!(good.query("SELECT ROWS 2").await.unwrap().rows.len(), 2);

    let bad = Client::from_base_url(
        &server.base_url(),
        ACCOUNT,
        USER,
        Auth::Pat(Secret::new("pat-wrong")),
        client_options(),
    )
    .unwrap();
    let err = bad.query("SELECT ROWS 2").await.unwrap_err();
    assert_eq!(
        (err.kind(), err.http_status(), err.code()),
        (ErrorKind::Auth, Some(401), Some("390303"))
    );
    assert!(err.to_string().contains("may be expired"), "{err}");
    // A static token is not retried on 401.
    assert_eq!(stats(&server).await.requests, 2);
    server.shutdown().await;
}

#[tokio::test]
async fn a_rejected_cached_jwt_is_replaced_once() {
    let server = serve(serve_options()).await;
    let issuer = Arc::new(JwtIssuer::new(ACCOUNT, USER, &key("test_key.p8")));
    let now = unix_now();
    // Issued more than an hour ago: the client still believes it valid, the server does not.
    let stale =
        issuer.sign_claims(&serde_json::json!({"iss": issuer.issuer(), "sub": issuer.subject(), "iat": now - 4000, "exp": now + 1800}));
    issuer.seed_cache(stale.clone(), SystemTime::now() + Duration::from_secs(1800));
    let client = Client::from_base_url(
        &server.base_url(),
        ACCOUNT,
        USER,
        Auth::KeyPair(issuer.clone()),
        client_options(),
    )
    .unwrap();
    let r = client.query("INSERT INTO T VALUES (1)").await.unwrap();
    assert_eq!(r.dml.unwrap().inserted, 1);
    assert_ne!(issuer.token(), stale, "the cache holds the fresh token");
    let s = stats(&server).await;
    assert_eq!((s.requests, s.statements), (2, 1));
    server.shutdown().await;
}

#[tokio::test]
async fn slow_statements_answer_202_and_are_polled() {
    let mut opts = serve_options();
    opts.faults.async_after = Some(Duration::from_millis(50));
    let server = serve(opts).await;
    let client = key_pair_client(&server, ACCOUNT, "test_key.p8");
    let started = Instant::now();
    let r = client.query("SELECT SLEEP 300").await.unwrap();
    assert_eq!(r.rows, vec![vec![Some("slept".to_string())]]);
    assert!(started.elapsed() >= Duration::from_millis(300));
    let s = stats(&server).await;
    assert!(
        s.requests >= 3,
        "a POST answered 202, then at least two polls: {s:?}"
    );
    assert_eq!(s.statements, 1);
    server.shutdown().await;
}

#[tokio::test]
async fn a_partitioned_result_is_joined_in_order() {
    let mut opts = serve_options();
    opts.rows_per_partition = 7;
    let server = serve(opts).await;
    let client = key_pair_client(&server, ACCOUNT, "test_key.p8");
    let r = client.query("SELECT ROWS 50").await.unwrap();
    assert_eq!(r.rows.len(), 50);
    for (i, row) in r.rows.iter().enumerate() {
        assert_eq!(row[0].as_deref(), Some(i.to_string().as_str()));
        assert_eq!(row[1].is_none(), i % 5 == 4, "NULLs survive: row {i}");
    }
    assert_eq!(r.columns[0].type_name, "fixed");
    // 1 POST + 7 partition GETs (8 partitions of 7 rows).
    assert_eq!(stats(&server).await.requests, 8);

    // Partitions travel gzip-compressed with only `data`.
    let token = JwtIssuer::new(ACCOUNT, USER, &key("test_key.p8")).token();
    let raw = reqwest::Client::builder().no_gzip().build().unwrap();
    let resp = raw
        .get(format!(
            "{}/api/v2/statements/{}?partition=3",
            server.base_url(),
            r.handle
        ))
        .bearer_auth(token.expose())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["content-encoding"], "gzip");
    let gz = resp.bytes().await.unwrap();
    let mut json = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gz[..]), &mut json).unwrap();
    let body: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        body.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["data"]
    );
    assert_eq!(body["data"][0][0], "21");
    server.shutdown().await;
}

#[tokio::test]
async fn injected_429_and_503_are_retried() {
    for status in [429, 503] {
        let mut opts = serve_options();
        opts.faults = FaultOptions {
            fail_every: Some(2),
            fail_status: status,
            ..FaultOptions::default()
        };
        let server = serve(opts).await;
        let client = key_pair_client(&server, ACCOUNT, "test_key.p8");
        for i in 0..4 {
            let sql = format!("INSERT INTO T VALUES ({i})");
            client.query(&sql).await.unwrap();
        }
        let s = stats(&server).await;
        assert_eq!(s.faults_injected, 3, "{status}: {s:?}");
        assert_eq!(s.statements, 4, "{status}");
        assert!(s.executed.values().all(|n| *n == 1), "{status}: {s:?}");
        server.shutdown().await;
    }
}

#[tokio::test]
async fn retries_give_up_after_the_policy_limit() {
    let mut opts = serve_options();
    opts.faults = FaultOptions {
        fail_every: Some(1),
        fail_status: 503,
        ..FaultOptions::default()
    };
    let server = serve(opts).await;
    let client = key_pair_client(&server, ACCOUNT, "test_key.p8");
    let err = client.query("SELECT ROWS 1").await.unwrap_err();
    assert_eq!(
        (err.kind(), err.http_status(), err.attempts()),
        (ErrorKind::Unavailable, Some(503), 5)
    );
    assert_eq!(stats(&server).await.requests, 5);
    server.shutdown().await;
}

#[tokio::test]
async fn a_connection_dropped_after_execution_is_retried_without_running_twice() {
    let mut opts = serve_options();
    opts.faults.drop_connection_every = Some(1);
    let server = serve(opts).await;
    let client = key_pair_client(&server, ACCOUNT, "test_key.p8");
    let r = client.query("INSERT INTO T VALUES (42)").await.unwrap();
    assert_eq!(r.dml.unwrap().inserted, 1);
    let s = stats(&server).await;
    assert_eq!(
        s.executed.get("INSERT INTO T VALUES (42)"),
        Some(&1),
        "{s:?}"
    );
    assert_eq!(
        (s.statements, s.retries_deduplicated, s.connections_dropped),
        (1, 1, 1),
        "{s:?}"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn a_resubmission_runs_a_statement_only_if_it_did_not_run() {
    let server = serve(serve_options()).await;
    let client = key_pair_client(&server, ACCOUNT, "test_key.p8");
    let id = uuid::Uuid::new_v4();
    let first = StatementRequest {
        request_id: Some(id),
        ..Default::default()
    };
    let again = StatementRequest {
        resubmit: true,
        ..first.clone()
    };
    client
        .query_with("INSERT INTO T VALUES (7)", &first)
        .await
        .unwrap();
    // The sender stopped before it heard back; resent as a resubmission, it is not run again.
    let r = client
        .query_with("INSERT INTO T VALUES (7)", &again)
        .await
        .unwrap();
    assert_eq!(r.dml.unwrap().inserted, 1);
    // Never run before: a resubmission runs it.
    let other = StatementRequest {
        request_id: Some(uuid::Uuid::new_v4()),
        resubmit: true,
        ..Default::default()
    };
    client
        .query_with("INSERT INTO T VALUES (8)", &other)
        .await
        .unwrap();
    let s = stats(&server).await;
    assert_eq!(
        s.executed.get("INSERT INTO T VALUES (7)"),
        Some(&1),
        "{s:?}"
    );
    assert_eq!(
        s.executed.get("INSERT INTO T VALUES (8)"),
        Some(&1),
        "{s:?}"
    );
    assert_eq!(s.retries_deduplicated, 1, "{s:?}");
    server.shutdown().await;
}

#[tokio::test]
async fn a_statement_error_is_surfaced_and_not_retried() {
    let server = serve(serve_options()).await;
    let client = key_pair_client(&server, ACCOUNT, "test_key.p8");
    let err = client.query("FAIL NOW").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Statement);
    assert_eq!(
        (err.http_status(), err.code(), err.sql_state()),
        (Some(422), Some("002003"), Some("42S02"))
    );
    assert!(err.is_not_found());
    assert!(err.handle().is_some());
    assert!(err.request_id().is_some());
    assert!(
        err.to_string()
            .starts_with("002003 (42S02): SQL compilation error:"),
        "{err}"
    );
    assert_eq!(stats(&server).await.requests, 1);

    // A syntax error the server finds itself, and a wrong statement count.
    let err = client.query("SELECT 'unterminated").await.unwrap_err();
    assert_eq!(
        (err.code(), err.sql_state()),
        (Some("001003"), Some("42000"))
    );
    let err = client
        .query("SELECT ROWS 1; SELECT ROWS 2")
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("000008"));
    assert!(err
        .message()
        .contains("Actual statement count 2 did not match the desired statement count 1"));
    server.shutdown().await;
}

#[tokio::test]
async fn multi_statement_requests_return_each_result() {
    let mut opts = serve_options();
    opts.rows_per_partition = 2;
    let server = serve(opts).await;
    let client = key_pair_client(&server, ACCOUNT, "test_key.p8");
    let results = client
        .multi(&["SELECT ROWS 3;".into(), "SHOW WAREHOUSES".into()])
        .await
        .unwrap();
    assert_eq!(results.len(), 2);
    assert_eq!(
        results[0].rows.len(),
        3,
        "partitions of a child statement are fetched too"
    );
    assert_eq!(
        results[1].get(&results[1].rows[0], "name"),
        Some("COMPUTE_WH")
    );
    assert_ne!(results[0].handle, results[1].handle);

    let sqls = [
        "INSERT INTO T VALUES ('a')",
        "FAIL HERE",
        "INSERT INTO T VALUES ('b')",
    ]
    .map(String::from);
    let err = client.multi(&sqls).await.unwrap_err();
    assert_eq!(
        (err.http_status(), err.code(), err.sql_state()),
        (Some(422), Some("100132"), Some("P0000"))
    );
    assert!(err.message().contains("statement 2 of 3"), "{err}");
    let s = stats(&server).await;
    assert_eq!(s.executed.get("INSERT INTO T VALUES ('a')"), Some(&1));
    assert_eq!(
        s.executed.get("INSERT INTO T VALUES ('b')"),
        None,
        "statements after the failure do not run"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn interrupt_cancels_the_running_statement() {
    let mut opts = serve_options();
    opts.faults.async_after = Some(Duration::from_millis(30));
    let server = serve(opts).await;
    let client = key_pair_client(&server, ACCOUNT, "test_key.p8");
    let handle = client.interrupt_handle();
    let c2 = client.clone();
    let running = tokio::spawn(async move { c2.query("SELECT SLEEP 1500").await });
    tokio::time::sleep(Duration::from_millis(200)).await;
    handle.interrupt();
    let err = running.await.unwrap().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Cancelled);
    let statement = err
        .handle()
        .expect("the handle of the cancelled statement")
        .to_string();
    // Later calls fail at once until reset.
    assert_eq!(
        client.query("SELECT ROWS 1").await.unwrap_err().kind(),
        ErrorKind::Cancelled
    );
    handle.reset();

    // The server recorded the cancel: polling the handle now says 000604, the answer of a
    // statement cancelled while it ran. So the client returned before the statement ended
    // (an order, which a busy machine cannot upset as it could a bound on the elapsed time).
    let reader = key_pair_client(&server, ACCOUNT, "test_key.p8");
    let token = JwtIssuer::new(ACCOUNT, USER, &key("test_key.p8")).token();
    let resp = reqwest::Client::new()
        .get(format!(
            "{}/api/v2/statements/{statement}",
            server.base_url()
        ))
        .bearer_auth(token.expose())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 422);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(
        (body["code"].as_str(), body["sqlState"].as_str()),
        (Some("000604"), Some("57014"))
    );

    // Cancelling an unknown handle.
    let err = reader
        .cancel("01b00000-0000-0000-0000-000000000000")
        .await
        .unwrap_err();
    assert_eq!(
        (err.http_status(), err.code(), err.sql_state()),
        (Some(422), Some("000709"), Some("02000"))
    );
    server.shutdown().await;
}

#[tokio::test]
async fn a_statement_past_its_timeout_is_cancelled() {
    let mut opts = serve_options();
    opts.faults.async_after = Some(Duration::from_millis(30));
    let server = serve(opts).await;
    let client = key_pair_client(&server, ACCOUNT, "test_key.p8");
    let req = StatementRequest {
        timeout: Some(Duration::from_secs(1)),
        ..Default::default()
    };
    let err = client
        .query_with("SELECT SLEEP 2500", &req)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    // 000630 is the answer of a statement the timeout found still running: it was cancelled
    // before its sleep ended (an order, which a busy machine cannot upset as it could a
    // bound on the elapsed time).
    assert_eq!((err.http_status(), err.code()), (Some(408), Some("000630")));
    server.shutdown().await;
}

#[tokio::test]
async fn a_resolved_connection_reaches_the_sandbox_over_http() {
    let server = serve(serve_options()).await;
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join(".snowflake");
    std::fs::create_dir(&dir).unwrap();
    // A key others can read draws a warning: the key is kept as a private file is.
    let key_path = dir.join("key.p8");
    write_private(&key_path, &read_fixture("keys/test_key_encrypted.p8"));
    let text = format!(
        "[sandbox]\naccount = \"sandbox\"\nuser = \"tester\"\nauthenticator = \"SNOWFLAKE_JWT\"\n\
         private_key_file = \"{}\"\nhost = \"127.0.0.1\"\nport = {}\nprotocol = \"http\"\nwarehouse = \"WH\"\n",
        key_path.display(),
        server.addr().port()
    );
    write_private(&dir.join("connections.toml"), &text);
    let env = Env::new()
        .with_home(home.path())
        .with_var("PRIVATE_KEY_PASSPHRASE", PASSPHRASE);
    let resolved = resolve_connection(Some("sandbox"), &env).unwrap();
    assert!(resolved.warnings.is_empty(), "{:?}", resolved.warnings);
    let client = Client::new(&resolved.config, client_options()).unwrap();
    assert_eq!(
        client.base_url(),
        format!("http://127.0.0.1:{}/", server.addr().port())
    );
    let info = connection_test(&client).await.unwrap();
    assert_eq!(
        (info.user.as_str(), info.warehouse.as_deref()),
        (USER, Some("WH"))
    );
    server.shutdown().await;
}

/// `role = "sysadmin"` in connections.toml reaches the SQL API as SYSADMIN: the request
/// fields are case-sensitive, the file's values are identifiers.
#[tokio::test]
async fn context_names_from_a_connection_file_are_sent_as_show_prints_them() {
    let server = serve(serve_options()).await;
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join(".snowflake");
    std::fs::create_dir(&dir).unwrap();
    let text = format!(
        "[case]\naccount = \"sandbox\"\nuser = \"tester\"\nauthenticator = \"PROGRAMMATIC_ACCESS_TOKEN\"\n\
         token = \"{PAT}\"\nhost = \"127.0.0.1\"\nport = {}\nprotocol = \"http\"\n\
         role = \"sysadmin\"\nwarehouse = '\"Mixed_WH\"'\ndatabase = \"analytics\"\nschema = \"public\"\n",
        server.addr().port()
    );
    write_private(&dir.join("connections.toml"), &text);
    let env = Env::new().with_home(home.path());
    let resolved = resolve_connection(Some("case"), &env).unwrap();
    let client = Client::new(&resolved.config, client_options()).unwrap();
    let r = client.query("SELECT SESSION").await.unwrap();
    assert_eq!(
        r.rows[0][..4],
        [
            Some("SYSADMIN".to_string()),
            Some("ANALYTICS".into()),
            Some("PUBLIC".into()),
            Some("Mixed_WH".into())
        ]
    );
    server.shutdown().await;
}

fn write_private(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
}

/// A `Write` that appends to a shared buffer, for capturing log output.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

/// Every secret, and pieces of it, must be absent from TRACE logs and from errors.
#[test]
fn no_secret_reaches_logs_or_errors() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(captured.clone())
        .finish();
    // Global, not per-thread: a callsite first reached on another test's thread (with no
    // subscriber) would otherwise cache "not interested" and drop this test's events.
    tracing::subscriber::set_global_default(subscriber)
        .expect("only this test sets the global subscriber");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();

    let home = tempfile::tempdir().unwrap();
    let (errors, tokens) = rt.block_on(async {
        let mut opts = serve_options();
        opts.faults = FaultOptions { fail_every: Some(3), fail_status: 429, drop_connection_every: Some(4), ..FaultOptions::default() };
        let server = serve(opts).await;
        let dir = home.path().join(".snowflake");
        std::fs::create_dir(&dir).unwrap();
        let text = format!(
            "[enc]\naccount = \"SANDBOX\"\nuser = \"TESTER\"\nauthenticator = \"SNOWFLAKE_JWT\"\n\
             private_key_file = \"{}\"\nprivate_key_passphrase = \"{PASSPHRASE}\"\n\
             host = \"127.0.0.1\"\nport = {}\nprotocol = \"http\"\n\
             [pat]\naccount = \"SANDBOX\"\nuser = \"TESTER\"\nauthenticator = \"PROGRAMMATIC_ACCESS_TOKEN\"\ntoken = \"{PAT}\"\n\
             host = \"127.0.0.1\"\nport = {}\nprotocol = \"http\"\n",
            fixture("keys/test_key_encrypted.p8").display(),
            server.addr().port(),
            server.addr().port()
        );
        write_private(&dir.join("connections.toml"), &text);
        let env = Env::new().with_home(home.path());
        let mut errors: Vec<String> = Vec::new();
        let mut tokens: Vec<String> = Vec::new();
        for name in ["enc", "pat"] {
            let resolved = resolve_connection(Some(name), &env).unwrap();
            errors.push(format!("{resolved:?}"));
            tracing::trace!(config = ?resolved.config, "resolved");
            let client = Client::new(&resolved.config, client_options()).unwrap();
            errors.push(format!("{client:?}"));
            for sql in ["SELECT ROWS 3", "INSERT INTO T VALUES (1)", "FAIL X", "SELECT ROWS 2"] {
                match client.query(sql).await {
                    Ok(r) => tracing::debug!(rows = r.rows.len(), "ok"),
                    Err(e) => errors.push(format!("{e} {e:?}")),
                }
            }
        }
        // Rejected credentials.
        let wrong = Client::from_base_url(&server.base_url(), ACCOUNT, USER, Auth::Pat(Secret::new("pat-wrong-0123456789")), client_options()).unwrap();
        let e = wrong.query("SELECT ROWS 1").await.unwrap_err();
        errors.push(format!("{e} {e:?}"));
        tokens.push("pat-wrong-0123456789".into());
        let issuer = Arc::new(JwtIssuer::new(ACCOUNT, USER, &key("other_key.p8")));
        let bad_key = Client::from_base_url(&server.base_url(), ACCOUNT, USER, Auth::KeyPair(issuer.clone()), client_options()).unwrap();
        let e = bad_key.query("SELECT ROWS 1").await.unwrap_err();
        errors.push(format!("{e} {e:?}"));
        tokens.push(issuer.token().expose().to_string());
        // A wrong passphrase.
        let env_bad = env.clone().with_var("PRIVATE_KEY_PASSPHRASE", "wrong-passphrase-xyz");
        let resolved = resolve_connection(Some("enc"), &env_bad).unwrap();
        let e = Client::new(&resolved.config, client_options()).unwrap_err();
        errors.push(format!("{e} {e:?}"));
        tokens.push("wrong-passphrase-xyz".into());
        // The JWT the good client minted.
        let good = Arc::new(JwtIssuer::new(ACCOUNT, USER, &key("test_key.p8")));
        let good_client = Client::from_base_url(&server.base_url(), ACCOUNT, USER, Auth::KeyPair(good.clone()), client_options()).unwrap();
        good_client.query("SELECT ROWS 1").await.unwrap();
        tokens.push(good.token().expose().to_string());
        server.shutdown().await;
        (errors, tokens)
    });
    drop(rt);

    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(log.contains("statement"), "spans were captured");
    assert!(log.contains("SELECT ROWS 3"), "statement text is logged");
    assert!(log.contains("handle"), "handles are logged");

    let mut secrets: Vec<String> = vec![PAT.into(), PASSPHRASE.into()];
    for file in [
        "keys/test_key.p8",
        "keys/test_key_encrypted.p8",
        "keys/other_key.p8",
    ] {
        // Every line of the key body.
        secrets.extend(
            read_fixture(file)
                .lines()
                .filter(|l| !l.starts_with("-----"))
                .map(str::to_string),
        );
    }
    for t in tokens {
        // The whole token and each part (header and claims are not secret alone, but the
        // signature is, and a whole token must never appear).
        secrets.push(t.rsplit('.').next().unwrap().to_string());
        secrets.push(t);
    }
    let everything = format!("{log}\n{}", errors.join("\n"));
    for s in &secrets {
        assert!(!s.is_empty());
        assert!(
            !everything.contains(s.as_str()),
            "a secret leaked: {}...",
            &s[..s.len().min(12)]
        );
    }
    assert!(
        errors.iter().any(|e| e.contains("390144")),
        "the rejections were exercised"
    );
    assert!(
        errors.iter().any(|e| e.contains("cannot decrypt")),
        "{errors:?}"
    );
    let _ = std::io::stderr().flush();
}

#[test]
fn an_https_client_builds_with_the_ring_provider() {
    let auth = Auth::Pat(Secret::new("x"));
    let client = Client::from_base_url(
        "https://myorg-acct.snowflakecomputing.com",
        "myorg-acct",
        "U",
        auth,
        ClientOptions::default(),
    )
    .unwrap();
    assert_eq!(
        client.base_url(),
        "https://myorg-acct.snowflakecomputing.com/"
    );
    let auth = Auth::Pat(Secret::new("x"));
    let err =
        Client::from_base_url("ftp://host", "a", "u", auth, ClientOptions::default()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
}

#[test]
fn client_futures_are_send() {
    fn assert_send<T: Send>(_: &T) {}
    let auth = Auth::Pat(Secret::new("x"));
    let client = Client::from_base_url(
        "http://127.0.0.1:9",
        "A",
        "U",
        auth,
        ClientOptions::default(),
    )
    .unwrap();
    assert_send(&client.query("SELECT 1"));
    assert_send(&client.multi(&[]));
    assert_send(&connection_test(&client));
}

/// The connector protocol's key-pair login (`AUTHENTICATOR: SNOWFLAKE_JWT`, the JWT in
/// `TOKEN`, as snowflake-connector-python's src/snowflake/connector/auth/keypair.py sends
/// it) checks the JWT as the SQL API does; the session token then runs statements.
#[tokio::test]
async fn connector_key_pair_login_checks_the_jwt_as_the_sql_api_does() {
    // Plain HTTP, but reqwest wants a TLS provider installed.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let server = serve(serve_options()).await;
    let login = |jwt: String| {
        let url = format!(
            "{}/session/v1/login-request?request_id=1",
            server.base_url()
        );
        async move {
            let body = serde_json::json!({"data": {"ACCOUNT_NAME": ACCOUNT, "LOGIN_NAME": USER,
                "AUTHENTICATOR": "SNOWFLAKE_JWT", "TOKEN": jwt}});
            let resp = reqwest::Client::new()
                .post(url)
                .json(&body)
                .send()
                .await
                .unwrap();
            resp.json::<serde_json::Value>().await.unwrap()
        }
    };
    let good = JwtIssuer::new(ACCOUNT, USER, &key("test_key.p8")).token();
    let ok = login(good.expose().to_string()).await;
    assert_eq!(ok["success"], true, "{ok}");
    let token = ok["data"]["token"].as_str().unwrap().to_string();
    let r: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/queries/v1/query-request", server.base_url()))
        .header("Authorization", format!("Snowflake Token=\"{token}\""))
        .json(&serde_json::json!({"sqlText": "SELECT ROWS 2", "sequenceId": 1}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["data"]["total"], 2, "{r}");

    // Signed by a key the user does not have.
    let other = JwtIssuer::new(ACCOUNT, USER, &key("other_key.p8")).token();
    let bad = login(other.expose().to_string()).await;
    assert_eq!(bad["success"], false);
    assert_eq!(bad["code"], "390144", "{bad}");
    server.shutdown().await;
}
