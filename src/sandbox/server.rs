//! The sandbox's HTTP layer: the SQL API v2 endpoints on 127.0.0.1 with Snowflake's
//! bodies, status codes and codes, key-pair/token authentication, partitions, request-id
//! deduplication, fault injection and `GET /sandbox/v1/stats`.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{watch, Notify};
use tower::ServiceExt as _;
use tracing::{debug, info, warn, Instrument};

use super::faults::{FaultOptions, Faults};
use super::jwt_verify::Verifier;
use super::statements::{gzip, Status, Store, StoredResult};
use super::stats::{Stats, StatsSnapshot};
use super::types::{Session, SqlEngine, SqlError};
use super::wire::{codes, ResultSetBody, Stats as StatsBody, StatusBody, SubmitBody};
use crate::snowflake::keys::KeyError;
use crate::snowflake::Secret;

/// How long Snowflake holds a statement request before answering 202.
const SYNC_WAIT: Duration = Duration::from_secs(45);

/// A user's registered public key (`--user NAME --public-key FILE`).
#[derive(Clone, Debug)]
pub struct UserKey {
    pub user: String,
    /// PEM (`BEGIN PUBLIC KEY` or `BEGIN RSA PUBLIC KEY`) or the bare base64 body.
    pub public_key: String,
}

/// A password the connector protocol's login accepts for `user` (`--password USER=SECRET`).
#[derive(Clone, Debug)]
pub struct UserPassword {
    pub user: String,
    pub password: Secret,
}

/// A programmatic access or OAuth token the server accepts for `user`.
#[derive(Clone, Debug)]
pub struct AccessToken {
    pub user: String,
    pub token: Secret,
}

#[derive(Clone, Debug)]
pub struct ServeOptions {
    /// 0 picks a free port.
    pub port: u16,
    pub account: String,
    pub users: Vec<UserKey>,
    pub tokens: Vec<AccessToken>,
    /// Passwords for the connector protocol's login (the SQL API takes none).
    pub passwords: Vec<UserPassword>,
    /// The role of a request that names none (a user's DEFAULT_ROLE).
    pub default_role: String,
    /// The warehouse of a request that names none (a user's DEFAULT_WAREHOUSE); `None`
    /// for a user without one. It need not exist: a statement that needs a warehouse
    /// then fails, as in Snowflake.
    pub default_warehouse: Option<String>,
    /// Rows per result partition; larger results are split.
    pub rows_per_partition: usize,
    pub faults: FaultOptions,
}

impl Default for ServeOptions {
    fn default() -> ServeOptions {
        ServeOptions {
            port: 0,
            account: "SANDBOX".into(),
            users: Vec::new(),
            tokens: Vec::new(),
            passwords: Vec::new(),
            default_role: "ACCOUNTADMIN".into(),
            default_warehouse: None,
            rows_per_partition: 10_000,
            faults: FaultOptions {
                fail_status: 429,
                ..FaultOptions::default()
            },
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot listen on 127.0.0.1:{port}: {source}")]
    Bind { port: u16, source: std::io::Error },
    #[error("public key of user {user}: {source}")]
    Key { user: String, source: KeyError },
    #[error("--fail-status must be 429 or 503, not {0}")]
    FailStatus(u16),
    #[error(transparent)]
    FailMatching(#[from] super::faults::PatternError),
}

/// A server running on a tokio task.
pub struct RunningServer {
    addr: SocketAddr,
    state: Arc<AppState>,
    shutdown: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl RunningServer {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn stats(&self) -> StatsSnapshot {
        self.state.stats.snapshot()
    }

    /// Close the connection of every Nth statement submission from now on, after it ran,
    /// as `--drop-connection-every` does (None: answer them all).
    pub fn set_drop_connection_every(&self, every: Option<u64>) {
        self.state.faults.set_drop_connection_every(every);
    }

    /// Fail the statements matching `pattern` from now on, as `--fail-matching` does (None:
    /// run them again). For tests that fail one statement, then another, on one account.
    pub fn set_fail_matching(
        &self,
        pattern: Option<&str>,
    ) -> Result<(), super::faults::PatternError> {
        let re = pattern.map(super::faults::compile).transpose()?;
        self.state.faults.set_fail_matching(re);
        Ok(())
    }

    /// Something that folds the engine's journal into its account file, usable after the
    /// server itself was given away (to [`RunningServer::wait`]).
    pub(crate) fn flusher(&self) -> Flusher {
        Flusher(self.state.engine.clone())
    }

    /// Stop accepting and close every connection.
    pub async fn shutdown(self) {
        self.shutdown.send_replace(true);
        let _ = self.task.await;
    }

    /// Run until the task ends (it does not end by itself).
    pub async fn wait(self) {
        let _ = self.task.await;
    }
}

/// See [`RunningServer::flusher`].
pub struct Flusher(Arc<Mutex<Box<dyn SqlEngine>>>);

impl Flusher {
    pub fn flush(&self) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).flush();
    }
}

/// Start serving `engine` on 127.0.0.1.
///
/// Where the server knowingly differs from Snowflake: partitions are cut by row count, not
/// size; a rejected access token answers `390303` for PATs too (Snowflake's PAT code is not
/// documented); an injected 503 has a small JSON body; cancelling marks the statement
/// cancelled but cannot stop an engine call already running; results are kept for the life
/// of the process, and only the request ids of one-statement requests that changed an account
/// kept in a file outlive it (docs/sandbox.md).
pub async fn start(
    opts: ServeOptions,
    engine: Box<dyn SqlEngine>,
) -> Result<RunningServer, ServeError> {
    if opts.faults.fail_every.is_some() && !matches!(opts.faults.fail_status, 429 | 503) {
        return Err(ServeError::FailStatus(opts.faults.fail_status));
    }
    let mut verifier = Verifier::new(&opts.account);
    for u in &opts.users {
        let fp = verifier
            .add_public_key(&u.user, &u.public_key)
            .map_err(|source| ServeError::Key {
                user: u.user.clone(),
                source,
            })?;
        debug!(user = %u.user, fingerprint = %fp, "registered public key");
    }
    for t in &opts.tokens {
        verifier.add_token(&t.user, t.token.clone());
    }
    let listener = TcpListener::bind(("127.0.0.1", opts.port))
        .await
        .map_err(|source| ServeError::Bind {
            port: opts.port,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| ServeError::Bind {
        port: opts.port,
        source,
    })?;
    let state = Arc::new(AppState {
        account: opts.account.to_ascii_uppercase(),
        default_role: opts.default_role.clone(),
        default_warehouse: opts.default_warehouse.clone(),
        rows_per_partition: opts.rows_per_partition.max(1),
        verifier,
        engine: Arc::new(Mutex::new(engine)),
        store: Store::default(),
        stats: Stats::default(),
        faults: Faults::new(opts.faults.clone())?,
        passwords: opts
            .passwords
            .iter()
            .map(|p| (p.user.to_ascii_uppercase(), p.password.clone()))
            .collect(),
        connector: super::connector::Sessions::default(),
    });
    let router = Router::new()
        .route("/api/v2/statements", post(submit))
        .route("/api/v2/statements/{handle}", get(status))
        .route("/api/v2/statements/{handle}/cancel", post(cancel))
        .route("/sandbox/v1/stats", get(stats))
        .merge(super::connector::routes())
        .with_state(state.clone());
    let (shutdown, shutdown_rx) = watch::channel(false);
    let task = tokio::spawn(accept_loop(listener, router, state.clone(), shutdown_rx));
    info!(%addr, account = %state.account, "sandbox listening");
    Ok(RunningServer {
        addr,
        state,
        shutdown,
        task,
    })
}

/// What every handler shares; the connector protocol (`super::connector`) uses it too.
pub(super) struct AppState {
    pub(super) account: String,
    pub(super) default_role: String,
    pub(super) default_warehouse: Option<String>,
    rows_per_partition: usize,
    pub(super) verifier: Verifier,
    /// One statement at a time, as the engine requires.
    pub(super) engine: Arc<Mutex<Box<dyn SqlEngine>>>,
    store: Store,
    pub(super) stats: Stats,
    pub(super) faults: Faults,
    /// Upper-cased user, password.
    passwords: Vec<(String, Secret)>,
    pub(super) connector: super::connector::Sessions,
}

impl AppState {
    pub(super) fn check_password(&self, user: &str, password: &str) -> bool {
        let user = user.trim().to_ascii_uppercase();
        self.passwords
            .iter()
            .any(|(u, p)| *u == user && p.expose() == password)
    }

    /// Latency and injected request failures, as every request of either protocol gets.
    pub(super) async fn inject_faults(&self) -> Result<(), Response> {
        self.stats.request();
        if !self.faults.opts.latency.is_zero() {
            tokio::time::sleep(self.faults.opts.latency).await;
        }
        if let Some(status) = self.faults.fail_this_request() {
            self.stats.fault();
            debug!(status, "injected failure");
            return Err(match status {
                429 => error_body(
                    StatusCode::TOO_MANY_REQUESTS,
                    Some(codes::TOO_MANY_REQUESTS),
                    None,
                    "Too many requests.",
                ),
                _ => error_body(
                    StatusCode::SERVICE_UNAVAILABLE,
                    None,
                    None,
                    "Service Unavailable",
                ),
            });
        }
        Ok(())
    }
}

/// Closes the connection a request came on, without answering it.
#[derive(Clone)]
struct ConnKill(Arc<Notify>);

async fn accept_loop(
    listener: TcpListener,
    router: Router,
    state: Arc<AppState>,
    shutdown: watch::Receiver<bool>,
) {
    let mut stop = shutdown.clone();
    loop {
        tokio::select! {
            _ = until_true(&mut stop) => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let _ = stream.set_nodelay(true);
                    tokio::spawn(serve_connection(stream, router.clone(), state.clone(), shutdown.clone()));
                }
                Err(e) => {
                    warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            },
        }
    }
}

/// Resolves once the flag is set. (The guard `wait_for` returns is not `Send`, so it
/// must not live in a `select!` arm.)
async fn until_true(rx: &mut watch::Receiver<bool>) {
    let _ = rx.wait_for(|v| *v).await;
}

/// Serve one connection with hyper directly: axum's `serve` cannot drop a connection in
/// the middle of a request, which `--drop-connection-every` needs.
async fn serve_connection(
    stream: tokio::net::TcpStream,
    router: Router,
    state: Arc<AppState>,
    mut shutdown: watch::Receiver<bool>,
) {
    let kill = Arc::new(Notify::new());
    let kill_for_requests = kill.clone();
    let service = hyper::service::service_fn(move |mut req: Request<hyper::body::Incoming>| {
        req.extensions_mut()
            .insert(ConnKill(kill_for_requests.clone()));
        let router = router.clone();
        let state = state.clone();
        async move {
            let api = req.uri().path().starts_with("/api/");
            let started = Instant::now();
            let resp = router.oneshot(req.map(Body::new)).await;
            if api {
                state.stats.server_time(started.elapsed());
            }
            resp
        }
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .serve_connection(TokioIo::new(stream), service);
    tokio::pin!(conn);
    tokio::select! {
        res = conn.as_mut() => {
            if let Err(e) = res {
                debug!(error = %e, "connection ended with an error");
            }
        }
        // Dropping the connection future closes the socket with the request unanswered.
        _ = kill.notified() => debug!("connection dropped on purpose"),
        _ = until_true(&mut shutdown) => {}
    }
}

/// Latency, injected failures and authentication: what every API request goes through.
/// Returns the authenticated user.
async fn prologue(st: &AppState, headers: &HeaderMap) -> Result<String, Response> {
    st.inject_faults().await?;
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let token_type = headers
        .get("x-snowflake-authorization-token-type")
        .and_then(|v| v.to_str().ok());
    st.verifier
        .verify(authorization, token_type, SystemTime::now())
        .map_err(|r| {
            info!(reason = %r.reason, code = r.code, "request rejected");
            error_body(StatusCode::UNAUTHORIZED, Some(r.code), None, &r.message)
        })
}

fn error_body(
    status: StatusCode,
    code: Option<&str>,
    sql_state: Option<&str>,
    message: &str,
) -> Response {
    let body = StatusBody {
        code: code.map(str::to_string),
        sql_state: sql_state.map(str::to_string),
        message: message.to_string(),
        ..StatusBody::default()
    };
    (status, Json(body)).into_response()
}

fn status_url(handle: &str, request_id: &str) -> String {
    format!("/api/v2/statements/{handle}?requestId={request_id}")
}

/// `MULTI_STATEMENT_COUNT` and `QUERY_TAG`, whatever the case of the keys.
fn parameter(params: &BTreeMap<String, serde_json::Value>, name: &str) -> Option<String> {
    params
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| match v {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        })
}

async fn submit(
    State(st): State<Arc<AppState>>,
    Query(query): Query<BTreeMap<String, String>>,
    Extension(kill): Extension<ConnKill>,
    headers: HeaderMap,
    body: bytes::Bytes,
) -> Response {
    let arrived = Instant::now();
    let user = match prologue(&st, &headers).await {
        Ok(u) => u,
        Err(resp) => return resp,
    };
    let request_id = query
        .get("requestId")
        .cloned()
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    if query
        .get("retry")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    {
        if let Some(handle) = st.store.handle_for_request(&request_id) {
            let known = st.store.get(&handle).filter(|s| s.user == user);
            if known.is_some_and(|s| matches!(s.status, Status::Succeeded(_) | Status::Running)) {
                st.stats.deduplicated();
                debug!(%request_id, %handle, "resubmission answered from the stored result");
                return respond(&st, &handle);
            }
        } else {
            // Run by this account before the server (re)started: the account file remembers
            // the request with the change it made.
            let ran = st
                .engine
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .ran_request(&request_id, &user);
            if let Some(rs) = ran {
                let handle = st.store.create(&user, &request_id, Vec::new());
                let stored = StoredResult::from_result_set(rs, st.rows_per_partition);
                st.store
                    .finish(&handle, Status::Succeeded(Arc::new(stored)));
                st.store.remember_request(&request_id, &handle);
                st.stats.deduplicated();
                debug!(%request_id, %handle, "resubmission answered from the account file");
                return respond(&st, &handle);
            }
        }
    }
    let Ok(req) = serde_json::from_slice::<SubmitBody>(&body) else {
        return error_body(
            StatusCode::BAD_REQUEST,
            Some(codes::INVALID_PAYLOAD),
            None,
            "Incoming request does not contain a valid payload.",
        );
    };
    let wanted = match parameter(&req.parameters, "MULTI_STATEMENT_COUNT")
        .map(|c| c.trim().parse::<usize>())
    {
        None => 1,
        Some(Ok(n)) => n,
        Some(Err(_)) => {
            return error_body(
                StatusCode::BAD_REQUEST,
                Some(codes::INVALID_PAYLOAD),
                None,
                "Incoming request does not contain a valid payload.",
            )
        }
    };
    let statements: Vec<String> = match crate::sql::split_statements(&req.statement) {
        Ok(s) => s.into_iter().map(|(text, _)| text).collect(),
        Err(e) => {
            return immediate_failure(
                &st,
                &user,
                &request_id,
                SqlError::new(
                    "001003",
                    "42000",
                    format!("SQL compilation error:\nsyntax error: {e}"),
                ),
            )
        }
    };
    if statements.is_empty() {
        return immediate_failure(
            &st,
            &user,
            &request_id,
            SqlError::new("000900", "42601", "Empty SQL statement."),
        );
    }
    if wanted != 0 && wanted != statements.len() {
        // The text Snowflake's documentation quotes; code and SQLSTATE as drivers log them.
        return immediate_failure(
            &st,
            &user,
            &request_id,
            SqlError::new(
                "000008",
                "0A000",
                format!(
                    "Actual statement count {} did not match the desired statement count {wanted}.",
                    statements.len()
                ),
            ),
        );
    }
    let session = Session {
        account: st.account.clone(),
        user: user.clone(),
        role: req.role.clone().unwrap_or_else(|| st.default_role.clone()),
        database: req.database.clone(),
        schema: req.schema.clone(),
        warehouse: req
            .warehouse
            .clone()
            .or_else(|| st.default_warehouse.clone()),
        query_tag: parameter(&req.parameters, "QUERY_TAG"),
        session_id: None,
        secondary_roles_all: false,
    };
    // A role the request names must exist and be granted to the user, as on a real
    // account; like the other context fields it is compared exactly as sent.
    if let Some(role) = &req.role {
        let usable = st
            .engine
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .may_use_role(&user, role);
        if !usable {
            return immediate_failure(
                &st,
                &user,
                &request_id,
                SqlError::new(
                    "390189",
                    "08004",
                    format!("Role '{role}' specified in the connect string does not exist or not authorized. Contact your local system administrator, or attempt to login with another role, e.g. PUBLIC."),
                ),
            );
        }
    }
    let multi = wanted != 1;
    let children: Vec<String> = if multi {
        statements
            .iter()
            .map(|_| st.store.create(&user, &request_id, Vec::new()))
            .collect()
    } else {
        Vec::new()
    };
    let handle = st.store.create(&user, &request_id, children.clone());
    st.store.remember_request(&request_id, &handle);
    if let Some(secs) = req.timeout.filter(|t| *t > 0) {
        let st2 = st.clone();
        let h = handle.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(secs)).await;
            let timeout = SqlError::new(
                codes::TIMEOUT,
                "57014",
                format!("Statement reached its statement or warehouse timeout of {secs} second(s) and was canceled."),
            );
            if st2.store.finish(&h, Status::Failed(timeout, 408)) {
                st2.store.cancel(&h);
            }
        });
    }
    let span = tracing::info_span!("sandbox_statement", handle = %handle, request_id = %request_id);
    tokio::spawn(
        execute(
            st.clone(),
            handle.clone(),
            request_id.clone(),
            children,
            statements,
            session,
        )
        .instrument(span),
    );

    if !query
        .get("async")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    {
        let deadline = arrived + st.faults.opts.async_after.unwrap_or(SYNC_WAIT);
        st.store.wait(&handle, deadline).await;
    }
    if st.faults.drop_this_submission() {
        st.stats.dropped();
        debug!(%handle, "dropping the connection without an answer");
        kill.0.notify_one();
        // The connection task drops this future together with the connection.
        std::future::pending::<()>().await;
    }
    respond(&st, &handle)
}

/// A statement that fails before it runs (syntax, statement count): it still gets a handle.
fn immediate_failure(st: &AppState, user: &str, request_id: &str, error: SqlError) -> Response {
    let handle = st.store.create(user, request_id, Vec::new());
    st.store.finish(&handle, Status::Failed(error, 422));
    respond(st, &handle)
}

/// Run the statements of one request in order, one engine call at a time.
async fn execute(
    st: Arc<AppState>,
    handle: String,
    request_id: String,
    children: Vec<String>,
    statements: Vec<String>,
    session: Session,
) {
    let multi = !children.is_empty();
    let started = Instant::now();
    for (i, sql) in statements.iter().enumerate() {
        let own = if multi {
            children[i].clone()
        } else {
            handle.clone()
        };
        let st2 = st.clone();
        let (sql2, session2, batch) = (sql.clone(), session.clone(), handle.clone());
        let request_id2 = request_id.clone();
        let own2 = own.clone();
        let outcome = tokio::task::spawn_blocking(move || {
            let mut engine = st2.engine.lock().unwrap_or_else(|e| e.into_inner());
            // Cancelled (or timed out) while waiting for the engine: do not run.
            if !st2.store.is_running(&batch) {
                return None;
            }
            if let Some(err) = st2.faults.fail_this_statement(&sql2) {
                st2.stats.fault();
                return Some(Err(err));
            }
            // A request of one statement is remembered with its change (a restarted
            // server still deduplicates it); the statements of a batch are not.
            let result = if multi {
                engine.execute(&sql2, &session2)
            } else {
                engine.execute_request(&sql2, &session2, &request_id2)
            };
            st2.stats.executed(&sql2);
            // The statement's own handle is its query id, as RESULT_SCAN takes it; kept
            // under the same lock, so LAST_QUERY_ID() is this session's previous statement.
            if let Ok(rs) = &result {
                engine.remember_result(&own2, &session2.user, rs);
            }
            Some(result)
        })
        .await;
        let outcome = match outcome {
            Ok(Some(o)) => o,
            Ok(None) => return,
            Err(e) => Err(SqlError::new(
                "000603",
                "XX000",
                format!("SQL execution internal error: {e}"),
            )),
        };
        match outcome {
            Ok(rs) => {
                debug!(sql = %sql, rows = rs.rows.len(), "executed");
                if multi {
                    let stored = StoredResult::from_result_set(rs, st.rows_per_partition);
                    st.store.finish(&own, Status::Succeeded(Arc::new(stored)));
                } else {
                    let stored = StoredResult::from_result_set(rs, st.rows_per_partition);
                    st.store
                        .finish(&handle, Status::Succeeded(Arc::new(stored)));
                }
            }
            Err(err) => {
                debug!(sql = %sql, code = %err.code, "statement failed");
                if let Some(snap) = st.store.get(&handle) {
                    st.store.forget_request(&snap.request_id);
                }
                if multi {
                    st.store.finish(&own, Status::Failed(err.clone(), 422));
                    for later in &children[i + 1..] {
                        st.store.finish(later, Status::Cancelled);
                    }
                    let wrapped = SqlError::new(
                        codes::MULTI_STATEMENT_FAILED,
                        "P0000",
                        format!(
                            "Uncaught exception of type 'STATEMENT_ERROR' on line {} at position 0 : {} \
                             (statement {} of {} failed: {} ({}))",
                            i + 1,
                            err.message,
                            i + 1,
                            statements.len(),
                            err.code,
                            err.sql_state
                        ),
                    );
                    st.store.finish(&handle, Status::Failed(wrapped, 422));
                } else {
                    st.store.finish(&handle, Status::Failed(err, 422));
                }
                return;
            }
        }
    }
    if multi {
        st.store.finish(
            &handle,
            Status::Succeeded(Arc::new(StoredResult::batch(children))),
        );
    }
    debug!(
        elapsed_ms = started.elapsed().as_millis() as u64,
        "request executed"
    );
}

/// The answer for a handle in its current state.
fn respond(st: &AppState, handle: &str) -> Response {
    let Some(snap) = st.store.get(handle) else {
        return not_found(handle);
    };
    let url = status_url(handle, &snap.request_id);
    match snap.status {
        Status::Running => {
            let body = StatusBody {
                code: Some(codes::ASYNC_IN_PROGRESS.into()),
                message: "Asynchronous execution in progress. Use provided query id to perform query monitoring \
                     and management."
                    .into(),
                statement_handle: Some(handle.to_string()),
                statement_status_url: Some(url),
                ..StatusBody::default()
            };
            (StatusCode::ACCEPTED, Json(body)).into_response()
        }
        Status::Succeeded(stored) => {
            let body = ResultSetBody {
                result_set_meta_data: stored.meta.clone(),
                data: stored.partitions[0].clone(),
                code: codes::SUCCESS,
                sql_state: "00000",
                message: "Statement executed successfully.",
                statement_handle: handle.to_string(),
                statement_handles: stored.batch.clone(),
                statement_status_url: url,
                created_on: snap.created_on,
                stats: stored.dml.map(|d| StatsBody {
                    num_rows_inserted: d.inserted,
                    num_rows_updated: d.updated,
                    num_rows_deleted: d.deleted,
                    num_duplicate_rows_updated: 0,
                }),
            };
            (StatusCode::OK, Json(body)).into_response()
        }
        Status::Failed(err, http) => {
            let body = StatusBody {
                code: Some(err.code),
                sql_state: Some(err.sql_state),
                message: err.message,
                statement_handle: Some(handle.to_string()),
                statement_status_url: Some(url),
                created_on: Some(snap.created_on),
            };
            let status = StatusCode::from_u16(http).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
            (status, Json(body)).into_response()
        }
        Status::Cancelled => {
            let body = StatusBody {
                code: Some(codes::CANCELED.into()),
                sql_state: Some("57014".into()),
                message: "SQL execution canceled".into(),
                statement_handle: Some(handle.to_string()),
                statement_status_url: Some(url),
                created_on: Some(snap.created_on),
            };
            (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response()
        }
    }
}

fn not_found(handle: &str) -> Response {
    error_body(
        StatusCode::UNPROCESSABLE_ENTITY,
        Some(codes::HANDLE_NOT_FOUND),
        Some("02000"),
        &format!("Statement {handle} not found"),
    )
}

async fn status(
    State(st): State<Arc<AppState>>,
    Path(handle): Path<String>,
    Query(query): Query<BTreeMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let user = match prologue(&st, &headers).await {
        Ok(u) => u,
        Err(resp) => return resp,
    };
    let Some(snap) = st.store.get(&handle).filter(|s| s.user == user) else {
        return not_found(&handle);
    };
    let Some(partition) = query.get("partition") else {
        return respond(&st, &handle);
    };
    let Status::Succeeded(stored) = snap.status else {
        return respond(&st, &handle);
    };
    let Some(i) = partition
        .trim()
        .parse::<usize>()
        .ok()
        .filter(|i| *i < stored.partitions.len())
    else {
        return error_body(
            StatusCode::BAD_REQUEST,
            Some(codes::INVALID_PAYLOAD),
            None,
            &format!(
                "Partition {partition} does not exist; the result has {}.",
                stored.partitions.len()
            ),
        );
    };
    // Partitions come gzip-compressed and carry only `data`.
    let gz = if i == 0 {
        gzip(
            &serde_json::to_vec(&serde_json::json!({ "data": stored.partitions[0] }))
                .unwrap_or_default(),
        )
    } else {
        stored.gzipped[i].clone()
    };
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CONTENT_ENCODING, "gzip"),
        ],
        gz,
    )
        .into_response()
}

async fn cancel(
    State(st): State<Arc<AppState>>,
    Path(handle): Path<String>,
    headers: HeaderMap,
) -> Response {
    let user = match prologue(&st, &headers).await {
        Ok(u) => u,
        Err(resp) => return resp,
    };
    let Some(snap) = st.store.get(&handle).filter(|s| s.user == user) else {
        return not_found(&handle);
    };
    st.store.cancel(&handle);
    let body = StatusBody {
        code: Some(codes::CANCELED.into()),
        sql_state: Some("57014".into()),
        message: "SQL execution canceled".into(),
        statement_handle: Some(handle.clone()),
        statement_status_url: Some(status_url(&handle, &snap.request_id)),
        ..StatusBody::default()
    };
    (StatusCode::OK, Json(body)).into_response()
}

async fn stats(State(st): State<Arc<AppState>>) -> Json<StatsSnapshot> {
    Json(st.stats.snapshot())
}
