//! The protocol of snowflake-connector-python (and so of Snowpark), on the port of the SQL
//! API v2 and against the same engine, catalog and fault injection: both protocols see
//! one account. What is answered, as the connector's own code reads it
//! (src/snowflake/connector/{auth/_auth.py, network.py, cursor.py, connection.py}):
//!
//! - `POST /session/v1/login-request`: password (`--password USER=SECRET`), key-pair JWT
//!   (`SNOWFLAKE_JWT`) and programmatic access token; the answer carries a session token.
//! - `POST /queries/v1/query-request` with `Authorization: Snowflake Token="..."`: one
//!   statement, answered as a JSON row set; `USE ...` and `ALTER SESSION` are held by the
//!   session.
//! - `POST /session/token-request`, `/session/heartbeat`, `/session?delete=true`,
//!   `/queries/v1/abort-request`; `GET /queries/{id}/result`, `/monitoring/queries/{id}`.
//!
//! What it cannot do (bind variables, multi-statement requests, describe-only of anything
//! but a query, stage file transfer) it refuses with Snowflake-shaped errors.

pub mod encode;
mod session;
#[cfg(test)]
mod tests;

pub(crate) use session::Sessions;

use std::io::Read as _;
use std::sync::Arc;
use std::time::SystemTime;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;

use super::server::AppState;
use super::types::{ResultSet, SqlError};
use session::{Outcome, SessionState, Statement};

/// The routes of the connector protocol.
pub(super) fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/session/v1/login-request", post(login))
        .route("/session/token-request", post(renew))
        .route("/session/heartbeat", post(heartbeat))
        .route("/session", post(logout))
        .route("/queries/v1/query-request", post(query))
        .route("/queries/v1/abort-request", post(abort))
        .route("/queries/{qid}/result", get(result))
        .route("/monitoring/queries/{qid}", get(monitoring))
}

/// Codes Snowflake's login and session services answer with (the connector names them in
/// src/snowflake/connector/network.py and errorcode.py; 390100 and 390144 are the codes
/// Snowflake logs for a wrong password and a rejected JWT).
mod codes {
    pub(crate) const INCORRECT_PASSWORD: &str = "390100";
    pub(crate) const JWT_INVALID: &str = "390144";
    pub(crate) const SESSION_GONE: &str = "390111";
    pub(crate) const MASTER_TOKEN_INVALID: &str = "390115";
    pub(crate) const QUERY_IN_PROGRESS: &str = "333333";
    pub(crate) const QUERY_IN_PROGRESS_ASYNC: &str = "333334";
    pub(crate) const BAD_REQUEST: &str = "390400";
}

fn failure(code: &str, message: &str) -> Response {
    Json(json!({"data": null, "code": code, "message": message, "success": false})).into_response()
}

/// A failed statement, at `-v`: how a client's suite finds what the sandbox refused (the
/// clients often catch an error and carry on).
/// One line each: the statement and message are quoted, their line breaks escaped.
fn log_failure(err: &SqlError, text: &str) {
    tracing::info!(code = %err.code, statement = ?text.trim(), error = ?err.message, "statement failed");
}

fn sql_failure(err: &SqlError, qid: &str) -> Response {
    Json(json!({
        "data": {
            "internalError": false,
            "errorCode": err.code,
            "sqlState": err.sql_state,
            "queryId": qid,
            "age": 0,
        },
        "code": err.code,
        "message": err.message,
        "success": false,
    }))
    .into_response()
}

/// The body: JSON, gzip-compressed when the connector says so (it compresses every POST).
fn read_body<T: for<'de> Deserialize<'de>>(headers: &HeaderMap, body: &[u8]) -> Option<T> {
    let gz = headers
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("gzip"));
    if gz {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(body)
            .read_to_end(&mut out)
            .ok()?;
        serde_json::from_slice(&out).ok()
    } else {
        serde_json::from_slice(body).ok()
    }
}

/// The token of `Authorization: Snowflake Token="..."`.
fn session_token(headers: &HeaderMap) -> Option<String> {
    let h = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let rest = h.strip_prefix("Snowflake Token=")?;
    Some(rest.trim_matches('"').to_string())
}

/// Latency and injected failures, as on the SQL API.
async fn prologue(st: &AppState) -> Result<(), Response> {
    st.inject_faults().await
}

#[derive(Deserialize, Default)]
struct LoginBody {
    #[serde(default)]
    data: LoginData,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
struct LoginData {
    login_name: Option<String>,
    password: Option<String>,
    authenticator: Option<String>,
    token: Option<String>,
    #[serde(default)]
    session_parameters: BTreeMap<String, Value>,
}

async fn login(
    State(st): State<Arc<AppState>>,
    Query(query): Query<BTreeMap<String, String>>,
    headers: HeaderMap,
    body: bytes::Bytes,
) -> Response {
    if let Err(r) = prologue(&st).await {
        return r;
    }
    let Some(req) = read_body::<LoginBody>(&headers, &body) else {
        return failure(
            codes::BAD_REQUEST,
            "Invalid login request: the body is not JSON.",
        );
    };
    let d = req.data;
    let login = d.login_name.clone().unwrap_or_default();
    let authenticator = d
        .authenticator
        .as_deref()
        .unwrap_or("SNOWFLAKE")
        .to_ascii_uppercase();
    let user = match authenticator.as_str() {
        "SNOWFLAKE" => {
            let ok = d.password.as_deref().is_some_and(|p| st.check_password(&login, p));
            if !ok {
                return failure(
                    codes::INCORRECT_PASSWORD,
                    "Incorrect username or password was specified.",
                );
            }
            login.to_ascii_uppercase()
        }
        "SNOWFLAKE_JWT" | "PROGRAMMATIC_ACCESS_TOKEN" => {
            let token = d.token.clone().unwrap_or_default();
            let kind = if authenticator == "SNOWFLAKE_JWT" {
                "KEYPAIR_JWT"
            } else {
                "PROGRAMMATIC_ACCESS_TOKEN"
            };
            let verified = st.verifier.verify(
                Some(&format!("Bearer {token}")),
                Some(kind),
                SystemTime::now(),
            );
            match verified {
                Ok(u) if u.eq_ignore_ascii_case(login.trim()) => u,
                Ok(_) | Err(_) if kind == "KEYPAIR_JWT" => {
                    return failure(codes::JWT_INVALID, "JWT token is invalid.")
                }
                _ => {
                    return failure(
                        codes::INCORRECT_PASSWORD,
                        "Incorrect username or password was specified.",
                    )
                }
            }
        }
        other => {
            return failure(
                "390101",
                &format!(
                    "Unsupported feature '{other}': the snowform sandbox does not support this authenticator (use a password, SNOWFLAKE_JWT or PROGRAMMATIC_ACCESS_TOKEN)."
                ),
            )
        }
    };
    let name = |k: &str| {
        query
            .get(k)
            .filter(|v| !v.is_empty())
            .map(|v| session::ident(v))
    };
    let mut s = SessionState {
        id: 0,
        user,
        role: name("roleName").unwrap_or_else(|| st.default_role.clone()),
        database: name("databaseName"),
        schema: name("schemaName"),
        warehouse: name("warehouse").or_else(|| st.default_warehouse.clone()),
        params: BTreeMap::new(),
        secondary_all: false,
    };
    // A role named at login must be the user's, as on a real account.
    let usable = st
        .engine
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .may_use_role(&s.user, &s.role);
    if name("roleName").is_some() && !usable {
        return failure(
            "390189",
            &format!(
                "Role '{}' specified in the connect string does not exist or not authorized. Contact your local system administrator, or attempt to login with another role, e.g. PUBLIC.",
                s.role
            ),
        );
    }
    for (k, v) in &d.session_parameters {
        s.params.insert(k.to_ascii_uppercase(), v.clone());
    }
    let (token, master, id) = st.connector.open(s.clone());
    Json(json!({
        "data": {
            "token": token,
            "masterToken": master,
            "validityInSeconds": 3600,
            "masterValidityInSeconds": 14400,
            "displayUserName": s.user,
            "firstLogin": false,
            "sessionId": id,
            "parameters": session::parameters(&s),
            "sessionInfo": {
                "databaseName": s.database,
                "schemaName": s.schema,
                "warehouseName": s.warehouse,
                "roleName": s.role,
            },
            "idToken": null,
            "mfaToken": null,
        },
        "code": null,
        "message": null,
        "success": true,
    }))
    .into_response()
}

#[derive(Deserialize)]
struct RenewBody {
    #[serde(rename = "oldSessionToken")]
    old_session_token: String,
}

async fn renew(
    State(st): State<Arc<AppState>>,
    headers: HeaderMap,
    body: bytes::Bytes,
) -> Response {
    if let Err(r) = prologue(&st).await {
        return r;
    }
    let (Some(master), Some(req)) = (
        session_token(&headers),
        read_body::<RenewBody>(&headers, &body),
    ) else {
        return failure(codes::BAD_REQUEST, "Invalid token request.");
    };
    match st.connector.renew(&master, &req.old_session_token) {
        Some(token) => Json(json!({
            "data": {
                "sessionToken": token,
                "validityInSecondsST": 3600,
                "masterToken": master,
                "validityInSecondsMT": 14400,
            },
            "code": null, "message": null, "success": true,
        }))
        .into_response(),
        None => failure(codes::MASTER_TOKEN_INVALID, "Master token is invalid."),
    }
}

fn gone() -> Response {
    failure(
        codes::SESSION_GONE,
        "Session no longer exists.  New login required to access the service.",
    )
}

/// The faults and latency every request gets, then a session token that is signed in.
async fn signed_in(st: &AppState, headers: &HeaderMap) -> Result<(), Response> {
    prologue(st).await?;
    match session_token(headers).and_then(|t| st.connector.get(&t)) {
        Some(_) => Ok(()),
        None => Err(gone()),
    }
}

async fn heartbeat(State(st): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    if let Err(r) = signed_in(&st, &headers).await {
        return r;
    }
    Json(json!({"data": null, "code": null, "message": null, "success": true})).into_response()
}

async fn logout(
    State(st): State<Arc<AppState>>,
    Query(query): Query<BTreeMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if !query
        .get("delete")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    {
        return failure(
            codes::BAD_REQUEST,
            "Unsupported session request: only delete=true is answered.",
        );
    }
    if let Err(r) = prologue(&st).await {
        return r;
    }
    match session_token(&headers) {
        Some(t) if st.connector.close(&t) => {
            Json(json!({"data": null, "code": null, "message": null, "success": true}))
                .into_response()
        }
        _ => gone(),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct QueryBody {
    sql_text: String,
    #[serde(default)]
    bindings: Option<Value>,
    #[serde(default)]
    describe_only: bool,
    #[serde(default)]
    async_exec: bool,
    #[serde(default)]
    parameters: BTreeMap<String, Value>,
}

/// The session parameter with which SHOW VERSIONS IN MODEL adds each version's model spec
/// (snowflake-ml-python sets it on the statement when it reads a version's functions).
const MODEL_DETAILS: &str = "SHOW_MODEL_DETAILS_IN_SHOW_VERSIONS_IN_MODEL";

fn is_show_versions(sql: &str) -> bool {
    let words: Vec<String> = sql
        .split_whitespace()
        .take(2)
        .map(str::to_ascii_uppercase)
        .collect();
    words == ["SHOW", "VERSIONS"]
}

async fn query(
    State(st): State<Arc<AppState>>,
    headers: HeaderMap,
    body: bytes::Bytes,
) -> Response {
    if let Err(r) = prologue(&st).await {
        return r;
    }
    let Some(token) = session_token(&headers) else {
        return gone();
    };
    if st.connector.get(&token).is_none() {
        return gone();
    }
    let Some(req) = read_body::<QueryBody>(&headers, &body) else {
        return failure(
            codes::BAD_REQUEST,
            "Invalid query request: the body is not the connector's JSON.",
        );
    };
    let qid = uuid::Uuid::new_v4().to_string();
    let refuse = |what: &str| {
        SqlError::new(
            "000002",
            "0A000",
            format!("Unsupported feature '{what}': the snowform sandbox does not support it on the connector protocol."),
        )
    };
    let has_binds = req
        .bindings
        .as_ref()
        .is_some_and(|b| !b.is_null() && b.as_object().is_none_or(|o| !o.is_empty()));
    // Bound values become literals before the statement is read (`?` and `:1` placeholders).
    let bound = match &req.bindings {
        Some(b) if has_binds => crate::sandbox::bindings::substitute(&req.sql_text, b),
        _ => Ok(req.sql_text.clone()),
    };
    let stmt = bound.and_then(|sql| session::statement(&sql, &req.parameters));
    let stmt = match stmt {
        Ok(s) => s,
        Err(e) => {
            log_failure(&e, &req.sql_text);
            st.connector
                .finish(&qid, &token, Outcome::Failed(e.clone()));
            return sql_failure(&e, &qid);
        }
    };
    // The model details (`model_spec`, ...) come from a version's model files, which the
    // sandbox does not hold: SHOW VERSIONS with them asked for is refused, not answered
    // without them.
    let session_params = st
        .connector
        .get(&token)
        .map(|s| s.params)
        .unwrap_or_default();
    let details = req
        .parameters
        .iter()
        .chain(session_params.iter())
        .any(|(k, v)| {
            k.eq_ignore_ascii_case(MODEL_DETAILS)
                && session::param_text(v).eq_ignore_ascii_case("true")
        });
    if details && matches!(&stmt, Statement::Query(q) if is_show_versions(q)) {
        let e = refuse(&format!(
            "{MODEL_DETAILS} (the model spec of a version's model files)"
        ));
        log_failure(&e, &req.sql_text);
        st.connector
            .finish(&qid, &token, Outcome::Failed(e.clone()));
        return sql_failure(&e, &qid);
    }
    if req.describe_only && !matches!(stmt, Statement::Query(_)) {
        let e = refuse("describeOnly of a statement that is not a query");
        log_failure(&e, &req.sql_text);
        return sql_failure(&e, &qid);
    }
    st.connector.start(&qid, &token);
    let run = {
        let st = st.clone();
        let (qid, token, text) = (qid.clone(), token.clone(), req.sql_text.clone());
        let describe_only = req.describe_only;
        let qid2 = qid.clone();
        async move {
            let st2 = st.clone();
            let logged = text.clone();
            let out = tokio::task::spawn_blocking(move || {
                session::run(&st2, &token, &text, stmt, &qid2, describe_only)
            })
            .await;
            let out = out.unwrap_or_else(|e| {
                Outcome::Failed(SqlError::new(
                    "000603",
                    "XX000",
                    format!("SQL execution internal error: {e}"),
                ))
            });
            if let Outcome::Failed(e) = &out {
                log_failure(e, &logged);
            }
            st.connector.finish(&qid, "", out);
        }
    };
    if req.async_exec {
        tokio::spawn(run);
        return Json(json!({
            "data": {"queryId": qid, "getResultUrl": format!("/queries/{qid}/result"), "queryAbortsAfterSecs": 300},
            "code": codes::QUERY_IN_PROGRESS_ASYNC,
            "message": "Asynchronous execution in progress. Use provided query id to perform query monitoring and management.",
            "success": true,
        }))
        .into_response();
    }
    run.await;
    answer(&st, &qid, req.describe_only)
}

/// The answer for a finished (or running) query.
fn answer(st: &AppState, qid: &str, describe_only: bool) -> Response {
    let Some((token, outcome)) = st.connector.outcome(qid) else {
        return sql_failure(
            &SqlError::new("000709", "02000", format!("Statement {qid} not found")),
            qid,
        );
    };
    match outcome {
        Outcome::Running => Json(json!({
            "data": {"queryId": qid, "getResultUrl": format!("/queries/{qid}/result")},
            "code": codes::QUERY_IN_PROGRESS,
            "message": "Query execution in progress.",
            "success": true,
        }))
        .into_response(),
        Outcome::Failed(e) => sql_failure(&e, qid),
        Outcome::Succeeded(rs, kind) => {
            let s = st.connector.get(&token);
            success(qid, &rs, kind, s.as_ref(), describe_only)
        }
    }
}

fn success(
    qid: &str,
    rs: &ResultSet,
    statement_type: u32,
    session_state: Option<&SessionState>,
    describe_only: bool,
) -> Response {
    let (rowtype, mut rowset) = encode::encode(rs);
    if describe_only {
        rowset.clear();
    }
    let n = rowset.len();
    Json(json!({
        "data": {
            "parameters": session_state.map(session::parameters).unwrap_or_default(),
            "rowtype": rowtype,
            "rowset": rowset,
            "total": n,
            "returned": n,
            "queryId": qid,
            "databaseProvider": null,
            "finalDatabaseName": session_state.and_then(|session_state| session_state.database.clone()),
            "finalSchemaName": session_state.and_then(|session_state| session_state.schema.clone()),
            "finalWarehouseName": session_state.and_then(|session_state| session_state.warehouse.clone()),
            "finalRoleName": session_state.map(|session_state| session_state.role.clone()),
            "numberOfBinds": 0,
            "arrayBindSupported": false,
            "statementTypeId": statement_type,
            "version": 1,
            "queryResultFormat": "json",
        },
        "code": null,
        "message": null,
        "success": true,
    }))
    .into_response()
}

async fn result(
    State(st): State<Arc<AppState>>,
    Path(qid): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = signed_in(&st, &headers).await {
        return r;
    }
    answer(&st, &qid, false)
}

async fn monitoring(
    State(st): State<Arc<AppState>>,
    Path(qid): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = signed_in(&st, &headers).await {
        return r;
    }
    let queries = match st.connector.outcome(&qid) {
        None => json!([]),
        Some((_, Outcome::Running)) => json!([{"id": qid, "status": "RUNNING"}]),
        Some((_, Outcome::Succeeded(..))) => json!([{"id": qid, "status": "SUCCESS"}]),
        Some((_, Outcome::Failed(e))) => json!([{
            "id": qid, "status": "FAILED_WITH_ERROR",
            "errorCode": e.code, "errorMessage": e.message,
        }]),
    };
    Json(json!({"data": {"queries": queries}, "code": null, "message": null, "success": true}))
        .into_response()
}

async fn abort(State(st): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    if let Err(r) = signed_in(&st, &headers).await {
        return r;
    }
    // The engine runs one statement at a time and cannot stop one: a query has either
    // finished or not begun, and an abort changes nothing, which Snowflake also answers
    // with success.
    Json(json!({"data": null, "code": null, "message": null, "success": true})).into_response()
}
