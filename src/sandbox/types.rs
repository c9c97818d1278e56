//! What the HTTP layer and the SQL engine of the sandbox exchange.

use serde::{Deserialize, Serialize};

/// The context of one statement: who runs it and with which defaults.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub account: String,
    pub user: String,
    pub role: String,
    pub database: Option<String>,
    pub schema: Option<String>,
    pub warehouse: Option<String>,
    pub query_tag: Option<String>,
    /// The connector session's id (login's `sessionId`) for CURRENT_SESSION(); None on the
    /// SQL API, which has no sessions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<u64>,
    /// `USE SECONDARY ROLES ALL` is in force in the connector session: every role granted to
    /// the user is active beside the primary one.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub secondary_roles_all: bool,
}

/// A result column, as `resultSetMetaData.rowType` describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    /// SHOW output uses lower-case names, queries upper-case, as Snowflake does.
    pub name: String,
    /// Snowflake's type name in `rowType`: text, fixed, boolean, timestamp_ltz, variant, ...
    pub type_name: &'static str,
    pub nullable: bool,
}

impl Column {
    pub fn text(name: &str) -> Column {
        Column {
            name: name.to_string(),
            type_name: "text",
            nullable: true,
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DmlStats {
    pub inserted: u64,
    pub updated: u64,
    pub deleted: u64,
}

/// The outcome of one statement. Every value is a string or NULL, as the SQL API sends it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResultSet {
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Option<String>>>,
    pub dml: Option<DmlStats>,
}

impl ResultSet {
    /// The one-row `status` result that DDL statements return.
    pub fn status(message: impl Into<String>) -> ResultSet {
        ResultSet {
            columns: vec![Column::text("status")],
            rows: vec![vec![Some(message.into())]],
            dml: None,
        }
    }
}

/// A statement that failed, with Snowflake's code (six digits) and SQLSTATE.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{code} ({sql_state}): {message}")]
pub struct SqlError {
    pub code: String,
    pub sql_state: String,
    pub message: String,
}

impl SqlError {
    pub fn new(code: &str, sql_state: &str, message: impl Into<String>) -> SqlError {
        SqlError {
            code: code.to_string(),
            sql_state: sql_state.to_string(),
            message: message.into(),
        }
    }
}

/// Executes SQL against an account's catalog. The HTTP server drives one engine.
pub trait SqlEngine: Send {
    fn execute(&mut self, sql: &str, session: &Session) -> Result<ResultSet, SqlError>;

    /// [`SqlEngine::execute`] for the request `request_id`: an engine that keeps its account
    /// on disk remembers the request with the change, so that [`SqlEngine::ran_request`]
    /// knows it after a restart.
    fn execute_request(
        &mut self,
        sql: &str,
        session: &Session,
        request_id: &str,
    ) -> Result<ResultSet, SqlError> {
        let _ = request_id;
        self.execute(sql, session)
    }

    /// A query's columns for a describe-only request; its rows may be left out. A view's
    /// or dynamic table's columns are answered from its definition, without reading rows.
    fn describe_query(&mut self, sql: &str, session: &Session) -> Result<ResultSet, SqlError> {
        self.execute(sql, session)
    }

    /// Whether `user` may make `role` its session's role (granted to the user directly or
    /// through the hierarchy); an engine without grants admits every role.
    fn may_use_role(&self, user: &str, role: &str) -> bool {
        let _ = (user, role);
        true
    }

    /// Keep `result`, the answer to statement `query_id` of `user`, for `RESULT_SCAN`.
    fn remember_result(&mut self, query_id: &str, user: &str, result: &ResultSet) {
        let _ = (query_id, user, result);
    }

    /// The result of request `request_id` of `user`, when its statement changed the account
    /// and the account remembers it (see [`SqlEngine::execute_request`]).
    fn ran_request(&self, request_id: &str, user: &str) -> Option<ResultSet> {
        let _ = (request_id, user);
        None
    }

    /// Fold what an engine that keeps its account on disk has journaled into its file (when
    /// a command or server ends), so that the file alone is the account again.
    fn flush(&mut self) {}
}
