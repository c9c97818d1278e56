//! The SQL API v2 client: submits statements, polls the ones still running, joins result
//! partitions, retries what is safe to retry with a stable `requestId`, and cancels on
//! timeout or interrupt.

use std::future::Future;
use std::sync::{Arc, Once};
use std::time::{Duration, Instant};

use futures::stream::{self, StreamExt, TryStreamExt};
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use reqwest::{Method, Url};
use tokio::sync::watch;
use tracing::{debug, field, trace, Instrument};
use uuid::Uuid;

use super::account::default_host;
use super::auth::Auth;
use super::connection::ConnectionConfig;
use super::error::{ClientError, ErrorKind};
use super::policy::{PollPolicy, RetryPolicy};
use super::result::QueryResult;
use super::wire::{codes, parse_partition, ResponseBody, StatementBody};

/// Session context sent with each statement (`database`, `schema`, `warehouse`, `role`).
/// Names must be written as SHOW prints them (the API compares them case-sensitively).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Context {
    pub database: Option<String>,
    pub schema: Option<String>,
    pub warehouse: Option<String>,
    pub role: Option<String>,
}

#[derive(Clone, Debug)]
pub struct ClientOptions {
    /// `QUERY_TAG` sent with every statement.
    pub query_tag: Option<String>,
    /// The `timeout` of each statement; also bounds how long the client waits for it.
    pub statement_timeout: Option<Duration>,
    pub retry: RetryPolicy,
    pub poll: PollPolicy,
    /// Replaces the URL built from the connection (`https://<account>.snowflakecomputing.com`).
    pub base_url: Option<String>,
    /// Overrides the connection's context, field by field.
    pub context: Context,
    /// Limit for one HTTP exchange. Snowflake holds a statement request up to 45 s before
    /// answering 202, so keep this above that.
    pub http_timeout: Duration,
    pub connect_timeout: Duration,
    /// Partitions fetched at once.
    pub partition_concurrency: usize,
}

impl Default for ClientOptions {
    fn default() -> ClientOptions {
        ClientOptions {
            query_tag: None,
            statement_timeout: None,
            retry: RetryPolicy::default(),
            poll: PollPolicy::default(),
            base_url: None,
            context: Context::default(),
            http_timeout: Duration::from_secs(90),
            connect_timeout: Duration::from_secs(20),
            partition_concurrency: 4,
        }
    }
}

/// Per-statement settings for [`Client::query_with`].
#[derive(Clone, Debug, Default)]
pub struct StatementRequest {
    /// Reuse a request id (e.g. to resume after a crash); a fresh UUID v4 otherwise.
    pub request_id: Option<Uuid>,
    /// Overrides of the client's context.
    pub context: Context,
    pub timeout: Option<Duration>,
    pub query_tag: Option<String>,
    /// Send with `retry=true` from the first attempt: this request id may have run already
    /// (its sender stopped before it heard back), and Snowflake must not run it twice.
    pub resubmit: bool,
}

/// Stops the statements of a [`Client`] (and of its clones): running ones are cancelled
/// with `/cancel`, pending calls return [`ErrorKind::Cancelled`], later ones fail at once.
#[derive(Clone, Debug)]
pub struct InterruptHandle {
    tx: Arc<watch::Sender<bool>>,
}

impl InterruptHandle {
    pub fn interrupt(&self) {
        self.tx.send_replace(true);
    }

    /// Accept statements again after an interrupt.
    pub fn reset(&self) {
        self.tx.send_replace(false);
    }
}

/// A SQL API client for one account and user. Cheap to clone; clones share the HTTP
/// connection pool, the token cache and the interrupt state.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base_url: Url,
    account: String,
    user: String,
    auth: Auth,
    opts: ClientOptions,
    interrupt: Arc<watch::Sender<bool>>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Client")
            .field("base_url", &self.inner.base_url.as_str())
            .field("account", &self.inner.account)
            .field("user", &self.inner.user)
            .field("auth", &self.inner.auth.token_type())
            .finish_non_exhaustive()
    }
}

/// What [`connection_test`] reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectionInfo {
    pub account: String,
    pub user: String,
    pub role: Option<String>,
    pub warehouse: Option<String>,
    pub round_trip: Duration,
}

/// Run `SELECT CURRENT_ACCOUNT(), CURRENT_USER(), CURRENT_ROLE(), CURRENT_WAREHOUSE()` and
/// time it.
pub async fn connection_test(client: &Client) -> Result<ConnectionInfo, ClientError> {
    let started = Instant::now();
    let r = client
        .query("SELECT CURRENT_ACCOUNT(), CURRENT_USER(), CURRENT_ROLE(), CURRENT_WAREHOUSE()")
        .await?;
    let round_trip = started.elapsed();
    let row = r
        .rows
        .first()
        .ok_or_else(|| ClientError::new(ErrorKind::Protocol, "connection test returned no row"))?;
    let cell = |i: usize| row.get(i).cloned().flatten();
    Ok(ConnectionInfo {
        account: cell(0).unwrap_or_default(),
        user: cell(1).unwrap_or_default(),
        role: cell(2),
        warehouse: cell(3),
        round_trip,
    })
}

fn install_crypto_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Fails only when another provider is already installed, which is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// Where a connection's API lives: `protocol://host[:port]`.
pub fn base_url_for(cfg: &ConnectionConfig) -> Result<String, ClientError> {
    let protocol = cfg.protocol.as_deref().unwrap_or("https");
    let host = match (&cfg.host, &cfg.account) {
        (Some(h), _) => h.clone(),
        (None, Some(a)) => default_host(a),
        (None, None) => {
            return Err(ClientError::new(
                ErrorKind::Config,
                format!("connection `{}` has neither `account` nor `host`", cfg.name),
            ))
        }
    };
    Ok(match cfg.port {
        Some(p) => format!("{protocol}://{host}:{p}"),
        None => format!("{protocol}://{host}"),
    })
}

/// One HTTP reply, read in full.
struct Reply {
    status: u16,
    body: bytes::Bytes,
}

/// What a 200/202 reply means for the statement.
enum Progress {
    Done(Box<ResponseBody>),
    Running(String),
}

/// Why an attempt may be retried.
enum Transient {
    Status(u16, bytes::Bytes),
    Network(String),
}

impl Client {
    /// A client for a resolved connection.
    pub fn new(cfg: &ConnectionConfig, opts: ClientOptions) -> Result<Client, ClientError> {
        let auth = Auth::from_config(cfg)?;
        let missing = |key: &str| {
            ClientError::new(
                ErrorKind::Config,
                format!("connection `{}` does not set `{key}`", cfg.name),
            )
        };
        let account = cfg.account.clone().ok_or_else(|| missing("account"))?;
        let user = cfg.user.clone().ok_or_else(|| missing("user"))?;
        let base = match &opts.base_url {
            Some(b) => b.clone(),
            None => base_url_for(cfg)?,
        };
        let mut opts = opts;
        let ctx = &mut opts.context;
        ctx.database = ctx.database.take().or_else(|| cfg.database.clone());
        ctx.schema = ctx.schema.take().or_else(|| cfg.schema.clone());
        ctx.warehouse = ctx.warehouse.take().or_else(|| cfg.warehouse.clone());
        ctx.role = ctx.role.take().or_else(|| cfg.role.clone());
        Client::from_base_url(&base, &account, &user, auth, opts)
    }

    /// A client for an explicit base URL (e.g. `http://127.0.0.1:PORT` of the sandbox).
    pub fn from_base_url(
        base_url: &str,
        account: &str,
        user: &str,
        auth: Auth,
        opts: ClientOptions,
    ) -> Result<Client, ClientError> {
        install_crypto_provider();
        let base_url = Url::parse(base_url.trim_end_matches('/')).map_err(|e| {
            ClientError::new(
                ErrorKind::Config,
                format!("invalid base URL `{base_url}`: {e}"),
            )
        })?;
        if !matches!(base_url.scheme(), "http" | "https") {
            return Err(ClientError::new(
                ErrorKind::Config,
                format!("base URL `{base_url}` must be http or https"),
            ));
        }
        let mut http = reqwest::Client::builder()
            .user_agent(concat!("snowform/", env!("CARGO_PKG_VERSION")))
            .gzip(true)
            .timeout(opts.http_timeout)
            .connect_timeout(opts.connect_timeout)
            .tcp_nodelay(true)
            .pool_idle_timeout(Duration::from_secs(30));
        if base_url.scheme() == "http" {
            // Every request goes to the base URL, so a plain-HTTP one (the sandbox) needs no
            // certificate: reading and decoding the system's roots costs more than a command
            // against the sandbox. A redirect to https then fails verification.
            http = http.tls_certs_only(std::iter::empty());
        }
        let http = http.build().map_err(|e| {
            ClientError::new(
                ErrorKind::Config,
                format!("cannot build the HTTP client: {e}"),
            )
        })?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base_url,
                account: account.to_string(),
                user: user.to_string(),
                auth,
                opts,
                interrupt: Arc::new(watch::channel(false).0),
            }),
        })
    }

    pub fn account(&self) -> &str {
        &self.inner.account
    }

    pub fn user(&self) -> &str {
        &self.inner.user
    }

    pub fn base_url(&self) -> &str {
        self.inner.base_url.as_str()
    }

    pub fn context(&self) -> &Context {
        &self.inner.opts.context
    }

    pub fn interrupt_handle(&self) -> InterruptHandle {
        InterruptHandle {
            tx: self.inner.interrupt.clone(),
        }
    }

    /// Run one statement with a fresh request id.
    pub async fn query(&self, sql: &str) -> Result<QueryResult, ClientError> {
        self.query_with(sql, &StatementRequest::default()).await
    }

    /// Run one statement with explicit settings.
    pub async fn query_with(
        &self,
        sql: &str,
        req: &StatementRequest,
    ) -> Result<QueryResult, ClientError> {
        let request_id = req.request_id.unwrap_or_else(Uuid::new_v4).to_string();
        let span = tracing::info_span!(
            "statement",
            sql = %sql,
            request_id = %request_id,
            handle = field::Empty,
            elapsed_ms = field::Empty,
        );
        async {
            let started = Instant::now();
            let result = async {
                let body = self.submit(sql, 1, req, &request_id).await?;
                self.collect(body, &request_id).await
            }
            .await;
            finish_span(started, &result);
            result
        }
        .instrument(span)
        .await
    }

    /// Run statements in one request (`MULTI_STATEMENT_COUNT` = their number). They run
    /// in order; when statement k fails, the ones before it stay done and the rest do
    /// not run, and the error says which one failed.
    pub async fn multi(&self, sqls: &[String]) -> Result<Vec<QueryResult>, ClientError> {
        if sqls.is_empty() {
            return Ok(Vec::new());
        }
        let request_id = Uuid::new_v4().to_string();
        let text = sqls
            .iter()
            .map(|s| s.trim().trim_end_matches(';').trim_end())
            .collect::<Vec<_>>()
            .join(";\n");
        let span = tracing::info_span!(
            "statement",
            sql = %text,
            request_id = %request_id,
            count = sqls.len(),
            handle = field::Empty,
            elapsed_ms = field::Empty,
        );
        async {
            let started = Instant::now();
            let result = async {
                let body = self
                    .submit(&text, sqls.len(), &StatementRequest::default(), &request_id)
                    .await?;
                let handles = body.statement_handles.clone().unwrap_or_default();
                if handles.len() != sqls.len() {
                    return Err(ClientError::new(
                        ErrorKind::Protocol,
                        format!(
                            "{} statements were sent but {} handles came back",
                            sqls.len(),
                            handles.len()
                        ),
                    )
                    .with_handle(body.statement_handle.clone())
                    .with_request_id(&request_id));
                }
                let mut results = Vec::with_capacity(handles.len());
                for handle in handles {
                    let reply = self
                        .send(
                            Method::GET,
                            self.status_url(&handle, &request_id, None),
                            None,
                            false,
                        )
                        .await?;
                    let progress = self.progress(reply, &request_id)?;
                    let body = self.wait(progress, &request_id, None).await?;
                    results.push(self.collect(body, &request_id).await?);
                }
                Ok(results)
            }
            .await;
            finish_span(started, &result);
            result
        }
        .instrument(span)
        .await
    }

    /// Cancel a statement by handle.
    pub async fn cancel(&self, handle: &str) -> Result<(), ClientError> {
        let request_id = Uuid::new_v4().to_string();
        let mut url = self.statements_url();
        url.path_segments_mut()
            .expect("http URL")
            .push(handle)
            .push("cancel");
        url.query_pairs_mut().append_pair("requestId", &request_id);
        let reply = self
            .send(
                Method::POST,
                url,
                Some(bytes::Bytes::from_static(b"{}")),
                false,
            )
            .await?;
        match reply.status {
            200 => Ok(()),
            _ => Err(self.http_error(&reply, &request_id)),
        }
    }

    fn statements_url(&self) -> Url {
        let mut url = self.inner.base_url.clone();
        url.path_segments_mut()
            .expect("http URL")
            .pop_if_empty()
            .extend(["api", "v2", "statements"]);
        url
    }

    fn status_url(&self, handle: &str, request_id: &str, partition: Option<usize>) -> Url {
        let mut url = self.statements_url();
        url.path_segments_mut().expect("http URL").push(handle);
        url.query_pairs_mut().append_pair("requestId", request_id);
        if let Some(p) = partition {
            url.query_pairs_mut()
                .append_pair("partition", &p.to_string());
        }
        url
    }

    /// POST the statement(s) and wait until they finish; returns the 200 body.
    async fn submit(
        &self,
        statement: &str,
        count: usize,
        req: &StatementRequest,
        request_id: &str,
    ) -> Result<ResponseBody, ClientError> {
        let opts = &self.inner.opts;
        let timeout = req.timeout.or(opts.statement_timeout);
        let pick = |a: &Option<String>, b: &Option<String>| a.clone().or_else(|| b.clone());
        let mut parameters = std::collections::BTreeMap::new();
        parameters.insert(
            "MULTI_STATEMENT_COUNT".to_string(),
            serde_json::Value::String(count.to_string()),
        );
        if let Some(tag) = pick(&req.query_tag, &opts.query_tag) {
            parameters.insert("QUERY_TAG".to_string(), serde_json::Value::String(tag));
        }
        let body = StatementBody {
            statement: statement.to_string(),
            // Seconds, rounded up: 0 would mean "the maximum".
            timeout: timeout.map(|t| t.as_millis().div_ceil(1000).max(1) as u64),
            database: pick(&req.context.database, &opts.context.database),
            schema: pick(&req.context.schema, &opts.context.schema),
            warehouse: pick(&req.context.warehouse, &opts.context.warehouse),
            role: pick(&req.context.role, &opts.context.role),
            parameters,
        };
        let bytes = serde_json::to_vec(&body).map_err(|e| {
            ClientError::new(
                ErrorKind::Protocol,
                format!("cannot encode the request: {e}"),
            )
        })?;
        // Give the server a moment past the statement timeout to report it itself.
        let deadline = timeout.map(|t| Instant::now() + t + Duration::from_secs(2));
        let mut url = self.statements_url();
        url.query_pairs_mut().append_pair("requestId", request_id);
        if req.resubmit {
            url.query_pairs_mut().append_pair("retry", "true");
        }
        let reply = self
            .send(Method::POST, url, Some(bytes.into()), true)
            .await?;
        // The handle goes into the statement's span once, as soon as it is known.
        let record = |h: Option<&str>| {
            if let Some(h) = h {
                tracing::Span::current().record("handle", h);
            }
        };
        let progress = self
            .progress(reply, request_id)
            .inspect_err(|e| record(e.handle()))?;
        record(match &progress {
            Progress::Done(b) => b.statement_handle.as_deref(),
            Progress::Running(h) => Some(h),
        });
        self.wait(progress, request_id, deadline).await
    }

    /// Poll a running statement until it finishes, cancelling it on timeout or interrupt.
    async fn wait(
        &self,
        mut progress: Progress,
        request_id: &str,
        deadline: Option<Instant>,
    ) -> Result<ResponseBody, ClientError> {
        let mut delay = self.inner.opts.poll.initial;
        loop {
            let handle = match progress {
                Progress::Done(body) => return Ok(*body),
                Progress::Running(handle) => handle,
            };
            if deadline.is_some_and(|d| Instant::now() >= d) {
                self.cancel_quietly(&handle).await;
                return Err(ClientError::new(
                    ErrorKind::Timeout,
                    "the statement ran past its timeout and was cancelled",
                )
                .with_handle(Some(handle))
                .with_request_id(request_id)
                .with_advice("raise the statement timeout, or use a larger warehouse"));
            }
            trace!(handle = %handle, delay_ms = delay.as_millis() as u64, "statement still running");
            let polled = async {
                self.interruptible(tokio::time::sleep(delay)).await?;
                self.send(
                    Method::GET,
                    self.status_url(&handle, request_id, None),
                    None,
                    false,
                )
                .await
            }
            .await;
            let reply = match polled {
                Ok(r) => r,
                Err(e) if e.kind() == ErrorKind::Cancelled => {
                    self.cancel_quietly(&handle).await;
                    return Err(e.with_handle(Some(handle)));
                }
                Err(e) => return Err(e.with_handle(Some(handle))),
            };
            delay = self.inner.opts.poll.next(delay);
            progress = self.progress(reply, request_id)?;
        }
    }

    /// Best-effort cancel used when giving up on a statement; never interrupted.
    async fn cancel_quietly(&self, handle: &str) {
        let request_id = Uuid::new_v4().to_string();
        let mut url = self.statements_url();
        url.path_segments_mut()
            .expect("http URL")
            .push(handle)
            .push("cancel");
        url.query_pairs_mut().append_pair("requestId", &request_id);
        let sent = self
            .inner
            .http
            .post(url)
            .timeout(Duration::from_secs(10))
            .headers(self.auth_headers())
            .header(CONTENT_TYPE, "application/json")
            .body("{}")
            .send()
            .await;
        match sent {
            Ok(r) => debug!(handle, status = r.status().as_u16(), "cancel sent"),
            Err(e) => debug!(handle, error = %e, "cancel failed"),
        }
    }

    /// A finished body plus the rows of its other partitions.
    async fn collect(
        &self,
        body: ResponseBody,
        request_id: &str,
    ) -> Result<QueryResult, ClientError> {
        let mut result = QueryResult::from_body(&body);
        let partitions = QueryResult::partition_count(&body);
        if partitions > 1 {
            let handle = result.handle.clone();
            let pages: Vec<Vec<super::wire::Row>> = stream::iter(1..partitions)
                .map(|i| {
                    let url = self.status_url(&handle, request_id, Some(i));
                    let handle = handle.clone();
                    async move {
                        let reply = self.send(Method::GET, url, None, false).await?;
                        if reply.status != 200 {
                            return Err(self.http_error(&reply, request_id));
                        }
                        parse_partition(&reply.body).map_err(|e| {
                            ClientError::new(
                                ErrorKind::Protocol,
                                format!("partition {i} is not valid JSON: {e}"),
                            )
                            .with_handle(Some(handle.clone()))
                        })
                    }
                })
                .buffered(self.inner.opts.partition_concurrency.max(1))
                .try_collect()
                .await?;
            for page in pages {
                result.rows.extend(page);
            }
            trace!(partitions, rows = result.rows.len(), "partitions joined");
        }
        Ok(result)
    }

    /// Read a reply to POST or GET: finished, still running, or an error.
    fn progress(&self, reply: Reply, request_id: &str) -> Result<Progress, ClientError> {
        match reply.status {
            200 => {
                let body = ResponseBody::parse(&reply.body).ok_or_else(|| {
                    ClientError::new(
                        ErrorKind::Protocol,
                        "the statement response is not valid JSON",
                    )
                    .with_status(200)
                    .with_request_id(request_id)
                })?;
                if body.code.as_deref() == Some(codes::RESULT_TOO_LARGE) {
                    return Err(ClientError::new(
                        ErrorKind::Statement,
                        body.message
                            .clone()
                            .unwrap_or_else(|| "result set too large".into()),
                    )
                    .with_code(body.code.clone(), body.sql_state.clone())
                    .with_handle(body.statement_handle.clone())
                    .with_advice("add LIMIT or filter the query"));
                }
                Ok(Progress::Done(Box::new(body)))
            }
            202 => {
                let body = ResponseBody::parse(&reply.body).unwrap_or_default();
                match body.statement_handle {
                    Some(h) => Ok(Progress::Running(h)),
                    None => Err(ClientError::new(
                        ErrorKind::Protocol,
                        "a 202 response without a statement handle",
                    )
                    .with_status(202)
                    .with_request_id(request_id)),
                }
            }
            _ => Err(self.http_error(&reply, request_id)),
        }
    }

    /// The error for a non-success reply, with advice for the user.
    fn http_error(&self, reply: &Reply, request_id: &str) -> ClientError {
        let err = error_from_reply(reply.status, &reply.body).with_request_id(request_id);
        match self.advice(reply.status, err.code()) {
            Some(advice) => err.with_advice(advice),
            None => err,
        }
    }

    fn advice(&self, status: u16, code: Option<&str>) -> Option<String> {
        let user = self.inner.user.to_ascii_uppercase();
        match status {
            401 => Some(match &self.inner.auth {
                Auth::KeyPair(issuer) => format!(
                    "Snowflake rejected the key-pair JWT (iss {}). snowform signed it with the key whose \
                     fingerprint is {}: compare it with `DESC USER {user}` properties RSA_PUBLIC_KEY_FP / \
                     RSA_PUBLIC_KEY_2_FP, and check the account identifier and this machine's clock",
                    issuer.issuer(),
                    issuer.fingerprint()
                ),
                Auth::Pat(_) => "the programmatic access token was rejected: it may be expired or revoked \
                                 (tokens last 15 days by default), or the user may lack the network policy \
                                 PATs require; create a new one with ALTER USER ... ADD PROGRAMMATIC ACCESS TOKEN"
                    .to_string(),
                Auth::OAuth(_) if code == Some(codes::OAUTH_EXPIRED) => {
                    "the OAuth access token has expired: obtain a new one".to_string()
                }
                Auth::OAuth(_) => "the OAuth access token was rejected: it may be expired or issued for \
                                   another account; obtain a new one"
                    .to_string(),
            }),
            403 => Some(format!(
                "the request was forbidden: a network policy may block this address, or the SQL API is not \
                 available to user {user}"
            )),
            404 => Some(format!(
                "no SQL API at {}: check the account identifier (orgname-accountname) or the connection's \
                 host/port",
                self.inner.base_url
            )),
            400 | 415 => Some("Snowflake refused the request as malformed; this is a bug in snowform".into()),
            429 => Some("Snowflake kept answering `too many requests`; lower --parallelism or retry later".into()),
            500..=599 => Some("Snowflake is unavailable; retry later (statements are safe to resend)".into()),
            _ => None,
        }
    }

    fn auth_headers(&self) -> reqwest::header::HeaderMap {
        let mut headers = reqwest::header::HeaderMap::new();
        let token = self.inner.auth.bearer();
        if let Ok(mut v) =
            reqwest::header::HeaderValue::from_str(&format!("Bearer {}", token.expose()))
        {
            v.set_sensitive(true);
            headers.insert(AUTHORIZATION, v);
        }
        headers.insert(
            "X-Snowflake-Authorization-Token-Type",
            reqwest::header::HeaderValue::from_static(self.inner.auth.token_type()),
        );
        headers.insert(
            ACCEPT,
            reqwest::header::HeaderValue::from_static("application/json"),
        );
        headers
    }

    /// Send one request, retrying 429, 5xx and network failures with backoff, and a 401
    /// once with a fresh token. `submit` marks the statement POST, which is resent with
    /// `retry=true` so that Snowflake does not run it twice.
    async fn send(
        &self,
        method: Method,
        url: Url,
        body: Option<bytes::Bytes>,
        submit: bool,
    ) -> Result<Reply, ClientError> {
        let policy = &self.inner.opts.retry;
        let request_id = url
            .query_pairs()
            .find(|(k, _)| k == "requestId")
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default();
        let started = Instant::now();
        let mut attempt = 0u32;
        let mut renewed = false;
        loop {
            attempt += 1;
            let mut url = url.clone();
            if submit && attempt > 1 && !url.query_pairs().any(|(k, _)| k == "retry") {
                url.query_pairs_mut().append_pair("retry", "true");
            }
            let mut rb = self
                .inner
                .http
                .request(method.clone(), url.clone())
                .headers(self.auth_headers());
            if let Some(b) = &body {
                rb = rb.header(CONTENT_TYPE, "application/json").body(b.clone());
            }
            trace!(method = %method, path = url.path(), query = url.query().unwrap_or(""), attempt, "http request");
            let exchange = async {
                let resp = rb.send().await?;
                let status = resp.status().as_u16();
                let body = resp.bytes().await?;
                Ok::<_, reqwest::Error>(Reply { status, body })
            };
            let transient = match self.interruptible(exchange).await? {
                Ok(reply) => {
                    trace!(
                        status = reply.status,
                        bytes = reply.body.len(),
                        "http response"
                    );
                    match reply.status {
                        429 | 500 | 502 | 503 | 504 => Transient::Status(reply.status, reply.body),
                        401 if !renewed && self.inner.auth.renew() => {
                            renewed = true;
                            debug!(attempt, "401: retrying once with a fresh token");
                            continue;
                        }
                        _ => return Ok(reply),
                    }
                }
                Err(e) if e.is_builder() || e.is_redirect() => {
                    return Err(ClientError::new(
                        ErrorKind::Config,
                        format!("cannot send the request: {e}"),
                    )
                    .with_request_id(&request_id))
                }
                Err(e) => Transient::Network(describe_reqwest_error(&e)),
            };
            let backoff = policy.backoff(attempt);
            if attempt >= policy.max_attempts || started.elapsed() + backoff > policy.max_elapsed {
                let err = match transient {
                    Transient::Status(status, body) => self.http_error(&Reply { status, body }, &request_id),
                    Transient::Network(msg) => ClientError::new(ErrorKind::Transport, msg)
                        .with_request_id(&request_id)
                        .with_advice(
                            "the network failed; if this was a change, its outcome is unknown: run plan again \
                             before applying",
                        ),
                };
                return Err(err.with_attempts(attempt));
            }
            match &transient {
                Transient::Status(status, _) => {
                    debug!(
                        attempt,
                        status,
                        backoff_ms = backoff.as_millis() as u64,
                        "retrying"
                    )
                }
                Transient::Network(msg) => {
                    debug!(attempt, error = %msg, backoff_ms = backoff.as_millis() as u64, "retrying")
                }
            }
            self.interruptible(tokio::time::sleep(backoff)).await?;
        }
    }

    /// Run `fut` unless the client is interrupted first.
    async fn interruptible<F: Future>(&self, fut: F) -> Result<F::Output, ClientError> {
        let mut rx = self.inner.interrupt.subscribe();
        if *rx.borrow() {
            return Err(interrupted());
        }
        tokio::select! {
            out = fut => Ok(out),
            _ = until_true(&mut rx) => Err(interrupted()),
        }
    }
}

/// The error a non-success reply stands for: its kind from the status and code, and
/// Snowflake's code, SQLSTATE, message and handle.
pub(crate) fn error_from_reply(status: u16, body: &[u8]) -> ClientError {
    let body = ResponseBody::parse(body).unwrap_or_default();
    let message = body.message.clone().unwrap_or_else(|| match status {
        404 => "not found".to_string(),
        _ => format!("HTTP {status}"),
    });
    let kind = match (status, body.code.as_deref()) {
        (_, Some(codes::CANCELED)) => ErrorKind::Cancelled,
        (408, _) | (_, Some(codes::TIMEOUT)) => ErrorKind::Timeout,
        (422, _) => ErrorKind::Statement,
        (401, _) => ErrorKind::Auth,
        (403, _) => ErrorKind::Forbidden,
        (429 | 500 | 502 | 503 | 504, _) => ErrorKind::Unavailable,
        _ => ErrorKind::Http,
    };
    let needs_warehouse = matches!(
        body.code.as_deref(),
        Some(codes::NO_WAREHOUSE_SQL_API | codes::NO_WAREHOUSE)
    );
    let e = ClientError::new(kind, message)
        .with_status(status)
        .with_code(body.code, body.sql_state)
        .with_handle(body.statement_handle);
    if needs_warehouse {
        e.with_advice(
            "this statement runs on a warehouse: set `warehouse` in the connection \
             (connections.toml, or SNOWFLAKE_WAREHOUSE) to a warehouse the role may use, or give \
             the user a DEFAULT_WAREHOUSE",
        )
    } else {
        e
    }
}

/// Resolves once the flag is set; keeps `wait_for`'s non-`Send` guard out of `select!`.
async fn until_true(rx: &mut watch::Receiver<bool>) {
    let _ = rx.wait_for(|v| *v).await;
}

fn interrupted() -> ClientError {
    ClientError::new(ErrorKind::Cancelled, "interrupted").with_advice(
        "a statement that was being sent when the interrupt came may still have run: run plan again to see",
    )
}

fn finish_span<T>(started: Instant, result: &Result<T, ClientError>) {
    tracing::Span::current().record("elapsed_ms", started.elapsed().as_secs_f64() * 1000.0);
    match result {
        Ok(_) => debug!("statement succeeded"),
        Err(e) => debug!(error = %e, "statement failed"),
    }
}

/// The error and its causes on one line (reqwest's own message is often just "error
/// sending request").
fn describe_reqwest_error(error: &reqwest::Error) -> String {
    use std::error::Error as _;
    let mut msg = error.to_string();
    let mut source = error.source();
    while let Some(s) = source {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        source = s.source();
    }
    msg
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/sqlapi")
            .join(name);
        std::fs::read(path).unwrap()
    }

    #[test]
    fn documented_error_bodies_map_to_kinds_and_codes() {
        // file, HTTP status, kind, code, SQLSTATE, is_not_found
        type Case = (
            &'static str,
            u16,
            ErrorKind,
            Option<&'static str>,
            Option<&'static str>,
            bool,
        );
        let cases: &[Case] = &[
            (
                "failure_422.json",
                422,
                ErrorKind::Statement,
                Some("000904"),
                Some("42000"),
                false,
            ),
            (
                "not_found_422.json",
                422,
                ErrorKind::Statement,
                Some("002003"),
                Some("02000"),
                true,
            ),
            (
                "multi_statement_failure.json",
                422,
                ErrorKind::Statement,
                Some("100132"),
                Some("P0000"),
                false,
            ),
            (
                "cancel_200.json",
                422,
                ErrorKind::Cancelled,
                Some("000604"),
                Some("57014"),
                false,
            ),
            (
                "handle_not_found_422.json",
                422,
                ErrorKind::Statement,
                Some("000709"),
                Some("02000"),
                false,
            ),
            (
                "jwt_invalid_401.json",
                401,
                ErrorKind::Auth,
                Some("390144"),
                None,
                false,
            ),
            (
                "too_many_requests_429.json",
                429,
                ErrorKind::Unavailable,
                Some("390505"),
                None,
                false,
            ),
            (
                "bad_payload_400.json",
                400,
                ErrorKind::Http,
                Some("390142"),
                None,
                false,
            ),
        ];
        for (file, status, kind, code, state, not_found) in cases {
            let e = error_from_reply(*status, &fixture(file));
            assert_eq!(e.kind(), *kind, "{file}");
            assert_eq!((e.code(), e.sql_state()), (*code, *state), "{file}");
            assert_eq!(e.is_not_found(), *not_found, "{file}");
            assert_eq!(e.http_status(), Some(*status));
        }
        let e = error_from_reply(403, b"");
        assert_eq!((e.kind(), e.message()), (ErrorKind::Forbidden, "HTTP 403"));
        assert_eq!(error_from_reply(408, b"{}").kind(), ErrorKind::Timeout);
        assert_eq!(error_from_reply(404, b"<html>").message(), "not found");
    }

    #[test]
    fn base_urls() {
        let mut cfg = ConnectionConfig {
            name: "c".into(),
            account: Some("myorg-acct".into()),
            ..Default::default()
        };
        assert_eq!(
            base_url_for(&cfg).unwrap(),
            "https://myorg-acct.snowflakecomputing.com"
        );
        cfg.host = Some("127.0.0.1".into());
        cfg.port = Some(8080);
        cfg.protocol = Some("http".into());
        assert_eq!(base_url_for(&cfg).unwrap(), "http://127.0.0.1:8080");
        cfg.account = None;
        cfg.host = None;
        assert_eq!(base_url_for(&cfg).unwrap_err().kind(), ErrorKind::Config);
    }
}
