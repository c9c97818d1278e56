//! The connection a command talks to: a real account from connections.toml / config.toml
//! (found as the `snow` CLI finds it), or the embedded sandbox kept under the
//! configuration directory. Also adapts the client to what `live`, `apply` and the
//! remote state backend need.

use super::{CliError, Ctx};
use crate::live::{ExecError, ShowRows};
use crate::sandbox::{self, AccessToken, RunningServer, ServeOptions};
use crate::snowflake::{self, Auth, Client, ClientError, ClientOptions, Secret, StatementRequest};
use std::path::PathBuf;

pub const SANDBOX: &str = "sandbox";
/// The user `--connection sandbox` connects as, and that user's DEFAULT_WAREHOUSE.
const SANDBOX_USER: &str = sandbox::embedded::USER;
pub(crate) const SANDBOX_WAREHOUSE: &str = sandbox::embedded::WAREHOUSE;
/// The environment variable that makes the embedded sandbox fail the statements matching
/// a regular expression (`sandbox serve --fail-matching`).
pub(crate) const SANDBOX_FAIL_MATCHING: &str = "SNOWFORM_SANDBOX_FAIL_MATCHING";

pub struct Session {
    pub client: Client,
    /// How the connection is described in messages.
    pub describe: String,
    /// Keeps the in-process sandbox serving while the session lives.
    _sandbox: Option<RunningServer>,
}

impl Drop for Session {
    /// The embedded account's file alone is the account again when the command ends.
    fn drop(&mut self) {
        if let Some(s) = &self._sandbox {
            s.flusher().flush();
        }
    }
}

impl Ctx {
    /// Where the embedded sandbox keeps the account of this directory and workspace: its
    /// own, or with `--sandbox-account NAME` one shared by every workspace naming NAME.
    pub(crate) fn sandbox_account_path(&self) -> Result<PathBuf, CliError> {
        let base = self.global.dir.join(".snowform/sandbox");
        match self.global.sandbox_account.as_deref().map(str::trim) {
            None | Some("") => Ok(base.join(format!("{}.json", self.global.workspace))),
            Some(name)
                if name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-')) =>
            {
                Ok(base.join("accounts").join(format!("{name}.json")))
            }
            Some(name) => Err(CliError::new(format!(
                "--sandbox-account {name:?}: name the shared sandbox account with letters, digits, `_` and `-` only"
            ))),
        }
    }

    /// Open the selected connection. None when no connection is configured at all (and
    /// `required` is false): commands then work from the state alone.
    pub async fn session(&self, required: bool) -> Result<Option<Session>, CliError> {
        let name = self.global.connection.as_deref();
        if name == Some(SANDBOX) {
            return self.sandbox_session().await.map(Some);
        }
        let env = &self.env;
        let resolved = match snowflake::resolve_connection(name, env) {
            Ok(r) => r,
            Err(snowflake::ConnectionError::NotFound { .. }) if name.is_none() && env.non_empty("SNOWFLAKE_ACCOUNT").is_some() => {
                snowflake::temporary_connection(env).map_err(|e| CliError::new(e.to_string()))?
            }
            Err(snowflake::ConnectionError::NotFound { .. }) if name.is_none() && !required => return Ok(None),
            Err(e @ snowflake::ConnectionError::NotFound { .. }) if name.is_none() => {
                return Err(CliError::new(format!(
                    "{e}\nthis command needs a connection: pass --connection NAME (a connection in connections.toml), \
                     set SNOWFLAKE_ACCOUNT and friends, or use --connection sandbox to try snowform on the embedded sandbox"
                )))
            }
            Err(e) => return Err(CliError::new(e.to_string())),
        };
        for w in &resolved.warnings {
            println_to!(
                self.stderr,
                "{}",
                self.err_style.yellow(&format!("warning: {w}"))
            );
        }
        let cfg = resolved.config;
        let opts = ClientOptions {
            query_tag: Some(format!("snowform/{}", env!("CARGO_PKG_VERSION"))),
            ..ClientOptions::default()
        };
        let client = Client::new(&cfg, opts).map_err(|e| CliError::new(e.to_string()))?;
        let describe = format!(
            "connection {:?} (account {}, user {})",
            cfg.name,
            client.account(),
            client.user()
        );
        Ok(Some(Session {
            client,
            describe,
            _sandbox: None,
        }))
    }

    async fn sandbox_session(&self) -> Result<Session, CliError> {
        let path = self.sandbox_account_path()?;
        let engine = sandbox::embedded::open(&path).map_err(CliError::new)?;
        let engine: Box<dyn sandbox::SqlEngine> = Box::new(engine);
        let token = uuid::Uuid::new_v4().to_string();
        let opts = ServeOptions {
            port: 0,
            account: sandbox::embedded::ACCOUNT.into(),
            tokens: vec![AccessToken {
                user: SANDBOX_USER.into(),
                token: Secret::new(token.clone()),
            }],
            default_warehouse: Some(SANDBOX_WAREHOUSE.into()),
            ..ServeOptions::default()
        };
        // `sandbox serve --fail-matching`, for the embedded sandbox (tests fail a statement
        // of a command run as a user runs it).
        let mut opts = opts;
        opts.faults.fail_matching = self
            .env
            .non_empty(SANDBOX_FAIL_MATCHING)
            .map(str::to_string);
        let server = sandbox::start(opts, engine)
            .await
            .map_err(|e| CliError::new(format!("cannot start the sandbox: {e}")))?;
        let client = Client::from_base_url(
            &server.base_url(),
            sandbox::embedded::ACCOUNT,
            SANDBOX_USER,
            Auth::Pat(Secret::new(token)),
            ClientOptions::default(),
        )
        .map_err(|e| CliError::new(e.to_string()))?;
        println_to!(
            self.stderr,
            "{}",
            self.err_style.dim(&format!(
                "Using the embedded sandbox account kept in {} (an emulator of Snowflake; no Snowflake account is involved).",
                path.display()
            ))
        );
        Ok(Session {
            client,
            describe: format!("the sandbox account {}", path.display()),
            _sandbox: Some(server),
        })
    }
}

impl crate::live::Executor for Client {
    async fn show(&self, sql: &str) -> Result<ShowRows, ExecError> {
        match self.query(sql).await {
            Ok(r) => Ok(ShowRows {
                columns: r.columns.into_iter().map(|c| c.name).collect(),
                rows: r.rows,
            }),
            Err(e) => Err(exec_error(&e)),
        }
    }
}

fn exec_error(error: &ClientError) -> ExecError {
    ExecError {
        message: error.to_string(),
        not_found: error.is_not_found(),
    }
}

impl crate::apply::Runner for Client {
    async fn run(&self, sql: &str, request_id: &str) -> Result<(), crate::apply::RunError> {
        send(self, sql, request_id, false).await
    }

    async fn rerun(&self, sql: &str, request_id: &str) -> Result<(), crate::apply::RunError> {
        send(self, sql, request_id, true).await
    }
}

async fn send(
    client: &Client,
    sql: &str,
    request_id: &str,
    resubmit: bool,
) -> Result<(), crate::apply::RunError> {
    let req = StatementRequest {
        request_id: request_id.parse().ok(),
        resubmit,
        ..StatementRequest::default()
    };
    client
        .query_with(sql, &req)
        .await
        .map(|_| ())
        .map_err(|e| crate::apply::RunError {
            message: e.to_string(),
            outcome_unknown: e.outcome_unknown(),
        })
}
