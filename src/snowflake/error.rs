//! The one error type of the client: what failed, Snowflake's code and SQLSTATE, the
//! statement handle and request id, and what to do about it.

use std::fmt;

use super::wire::codes;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// Snowflake ran the statement and it failed (HTTP 422).
    Statement,
    /// The credentials were rejected (401) or cannot be used.
    Auth,
    /// Forbidden (403): the SQL API is not enabled or a network policy blocks the client.
    Forbidden,
    /// Any other HTTP error that retrying will not fix (400, 404, 405, 415, ...).
    Http,
    /// 429 or 5xx still failing after the retries.
    Unavailable,
    /// The network failed (connect, reset, timeout) and the retries did not help.
    Transport,
    /// The statement ran past its timeout and was cancelled.
    Timeout,
    /// The statement was cancelled (interrupt, or cancelled by someone else).
    Cancelled,
    /// Snowflake answered something this client cannot read.
    Protocol,
    /// The client is misconfigured (bad URL, unusable key).
    Config,
}

/// An error from the SQL API client. Never holds a secret.
pub struct ClientError {
    inner: Box<Inner>,
}

struct Inner {
    kind: ErrorKind,
    message: String,
    http_status: Option<u16>,
    code: Option<String>,
    sql_state: Option<String>,
    handle: Option<String>,
    request_id: Option<String>,
    advice: Option<String>,
    attempts: u32,
}

impl ClientError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> ClientError {
        ClientError {
            inner: Box::new(Inner {
                kind,
                message: message.into(),
                http_status: None,
                code: None,
                sql_state: None,
                handle: None,
                request_id: None,
                advice: None,
                attempts: 0,
            }),
        }
    }

    pub(crate) fn with_status(mut self, status: u16) -> Self {
        self.inner.http_status = Some(status);
        self
    }
    pub(crate) fn with_code(mut self, code: Option<String>, sql_state: Option<String>) -> Self {
        self.inner.code = code.filter(|c| !c.is_empty());
        self.inner.sql_state = sql_state.filter(|s| !s.is_empty());
        self
    }
    pub(crate) fn with_handle(mut self, handle: Option<String>) -> Self {
        if handle.is_some() {
            self.inner.handle = handle;
        }
        self
    }
    pub(crate) fn with_request_id(mut self, request_id: impl Into<String>) -> Self {
        self.inner.request_id = Some(request_id.into());
        self
    }
    pub(crate) fn with_advice(mut self, advice: impl Into<String>) -> Self {
        self.inner.advice = Some(advice.into());
        self
    }
    pub(crate) fn with_attempts(mut self, attempts: u32) -> Self {
        self.inner.attempts = attempts;
        self
    }

    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }
    pub fn message(&self) -> &str {
        &self.inner.message
    }
    pub fn http_status(&self) -> Option<u16> {
        self.inner.http_status
    }
    /// Snowflake's six-digit code, e.g. `002003`.
    pub fn code(&self) -> Option<&str> {
        self.inner.code.as_deref()
    }
    pub fn sql_state(&self) -> Option<&str> {
        self.inner.sql_state.as_deref()
    }
    pub fn handle(&self) -> Option<&str> {
        self.inner.handle.as_deref()
    }
    pub fn request_id(&self) -> Option<&str> {
        self.inner.request_id.as_deref()
    }
    /// How many HTTP attempts were made for the request that failed.
    pub fn attempts(&self) -> u32 {
        self.inner.attempts
    }

    /// "Does not exist or not authorized": the object is absent *or* the role cannot see it.
    pub fn is_not_found(&self) -> bool {
        let m = &self.inner.message;
        self.code() == Some(codes::DOES_NOT_EXIST)
            || m.contains("does not exist or not authorized")
            || m.contains("Object does not exist, or operation cannot be performed")
    }

    /// True for errors where the statement may or may not have run (transport failures
    /// after the last retry).
    pub(crate) fn outcome_unknown(&self) -> bool {
        matches!(
            self.inner.kind,
            ErrorKind::Transport | ErrorKind::Unavailable
        )
    }
}

impl fmt::Display for ClientError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        match (&i.code, &i.sql_state) {
            (Some(c), Some(s)) => write!(formatter, "{c} ({s}): {}", i.message)?,
            (Some(c), None) => write!(formatter, "{c}: {}", i.message)?,
            _ => formatter.write_str(&i.message)?,
        }
        if let Some(status) = i.http_status {
            if i.kind != ErrorKind::Statement {
                write!(formatter, " (HTTP {status})")?;
            }
        }
        if let Some(h) = &i.handle {
            write!(formatter, " [statement {h}]")?;
        }
        if let Some(a) = &i.advice {
            write!(formatter, "\n  hint: {a}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for ClientError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        formatter
            .debug_struct("ClientError")
            .field("kind", &i.kind)
            .field("message", &i.message)
            .field("http_status", &i.http_status)
            .field("code", &i.code)
            .field("sql_state", &i.sql_state)
            .field("handle", &i.handle)
            .field("request_id", &i.request_id)
            .field("attempts", &i.attempts)
            .finish()
    }
}

impl std::error::Error for ClientError {}

impl From<super::auth::AuthError> for ClientError {
    fn from(auth_error: super::auth::AuthError) -> ClientError {
        ClientError::new(ErrorKind::Config, auth_error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_found_by_code_or_text() {
        let by_code = ClientError::new(ErrorKind::Statement, "x")
            .with_code(Some("002003".into()), Some("42S02".into()));
        assert!(by_code.is_not_found());
        let by_text = ClientError::new(
            ErrorKind::Statement,
            "SQL compilation error:\nDatabase 'X' does not exist or not authorized.",
        );
        assert!(by_text.is_not_found());
        let other = ClientError::new(
            ErrorKind::Statement,
            "Object does not exist, or operation cannot be performed.",
        );
        assert!(other.is_not_found());
        let no = ClientError::new(ErrorKind::Statement, "syntax error")
            .with_code(Some("001003".into()), None);
        assert!(!no.is_not_found());
    }

    #[test]
    fn display_puts_code_first_and_advice_last() {
        let e = ClientError::new(ErrorKind::Auth, "JWT token is invalid.")
            .with_status(401)
            .with_code(Some("390144".into()), None)
            .with_advice("compare fingerprints");
        assert_eq!(
            e.to_string(),
            "390144: JWT token is invalid. (HTTP 401)\n  hint: compare fingerprints"
        );
        let s = ClientError::new(ErrorKind::Statement, "invalid identifier 'AFAF'")
            .with_status(422)
            .with_code(Some("000904".into()), Some("42000".into()))
            .with_handle(Some("h1".into()));
        assert_eq!(
            s.to_string(),
            "000904 (42000): invalid identifier 'AFAF' [statement h1]"
        );
    }
}
