//! Fault injection for the sandbox server: latency, periodic 429/503 answers, connections
//! dropped after a statement ran, statements forced to answer 202, and statements that
//! fail as a SQL compilation error when their text matches a pattern.

use super::types::SqlError;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::RwLock;
use std::time::Duration;

/// Which faults to inject (the `sandbox serve` flags).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FaultOptions {
    /// Added to every API request, before it is handled (`--latency-ms`).
    pub latency: Duration,
    /// Every Nth API request answers `fail_status` without running anything (`--fail-every`).
    pub fail_every: Option<u64>,
    /// 429 or 503 (`--fail-status`).
    pub fail_status: u16,
    /// Every Nth statement submission runs, then its connection is closed without an
    /// answer (`--drop-connection-every`).
    pub drop_connection_every: Option<u64>,
    /// A submission still running after this long (latency included) answers 202 and is
    /// polled (`--async-after-ms`). Without it the server waits 45 s, as Snowflake does.
    pub async_after: Option<Duration>,
    /// Statements whose text matches this regular expression fail without running, with
    /// the code and SQLSTATE of a SQL compilation error (`--fail-matching`).
    pub fail_matching: Option<String>,
}

/// The answer of a statement failed on purpose: a compilation error as Snowflake reports
/// a missing object (`002003`, SQLSTATE `02000`), saying why.
pub(crate) const INJECTED_CODE: &str = "002003";

/// `--fail-matching` is not a regular expression.
#[derive(Debug, thiserror::Error)]
#[error("--fail-matching {pattern:?} is not a regular expression: {source}")]
pub struct PatternError {
    pub pattern: String,
    source: regex::Error,
}

pub(crate) fn compile(pattern: &str) -> Result<regex::Regex, PatternError> {
    regex::Regex::new(pattern).map_err(|source| PatternError {
        pattern: pattern.to_string(),
        source,
    })
}

/// Counters deciding which request gets which fault.
#[derive(Debug, Default)]
pub(crate) struct Faults {
    pub opts: FaultOptions,
    requests: AtomicU64,
    submissions: AtomicU64,
    /// `fail_matching`, compiled; tests change it while the server runs.
    matching: RwLock<Option<regex::Regex>>,
    /// `drop_connection_every` (0: never); tests change it while the server runs.
    drop_every: AtomicU64,
}

impl Faults {
    pub fn new(opts: FaultOptions) -> Result<Faults, PatternError> {
        let matching = opts.fail_matching.as_deref().map(compile).transpose()?;
        Ok(Faults {
            drop_every: AtomicU64::new(opts.drop_connection_every.unwrap_or(0)),
            opts,
            matching: RwLock::new(matching),
            ..Faults::default()
        })
    }

    /// Fail the statements matching `pattern` from now on (none: stop failing them).
    pub fn set_fail_matching(&self, pattern: Option<regex::Regex>) {
        *self.matching.write().unwrap_or_else(|e| e.into_inner()) = pattern;
    }

    /// The error `sql` fails with instead of running, when it matches `--fail-matching`.
    pub(crate) fn fail_this_statement(&self, sql: &str) -> Option<SqlError> {
        let guard = self.matching.read().unwrap_or_else(|e| e.into_inner());
        let re = guard.as_ref()?;
        re.is_match(sql).then(|| {
            SqlError::new(
                INJECTED_CODE,
                "02000",
                format!(
                    "SQL compilation error:\nthe snowform sandbox fails this statement on purpose: it matches --fail-matching {:?}",
                    re.as_str()
                ),
            )
        })
    }

    /// Count an API request; `Some(status)` when it must fail.
    pub(crate) fn fail_this_request(&self) -> Option<u16> {
        let n = self.requests.fetch_add(1, Ordering::SeqCst) + 1;
        match self.opts.fail_every {
            Some(every) if every > 0 && n % every == 0 => Some(self.opts.fail_status),
            _ => None,
        }
    }

    /// Count a statement submission; true when its connection must be dropped.
    pub(crate) fn drop_this_submission(&self) -> bool {
        let n = self.submissions.fetch_add(1, Ordering::SeqCst) + 1;
        let every = self.drop_every.load(Ordering::SeqCst);
        every > 0 && n % every == 0
    }

    /// Drop the connection of every Nth submission from now on (None: never).
    pub fn set_drop_connection_every(&self, every: Option<u64>) {
        self.drop_every.store(every.unwrap_or(0), Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_nth() {
        let f = Faults::new(FaultOptions {
            fail_every: Some(3),
            fail_status: 503,
            drop_connection_every: Some(2),
            ..Default::default()
        })
        .unwrap();
        let fails: Vec<_> = (0..6).map(|_| f.fail_this_request()).collect();
        assert_eq!(fails, vec![None, None, Some(503), None, None, Some(503)]);
        let drops: Vec<_> = (0..4).map(|_| f.drop_this_submission()).collect();
        assert_eq!(drops, vec![false, true, false, true]);
        let none = Faults::new(FaultOptions::default()).unwrap();
        assert!((0..10).all(|_| none.fail_this_request().is_none() && !none.drop_this_submission()));
    }

    #[test]
    fn statements_matching_the_pattern_fail_as_a_compilation_error() {
        let f = Faults::new(FaultOptions {
            fail_matching: Some("SET WAREHOUSE = NOPE$".into()),
            ..Default::default()
        })
        .unwrap();
        let e = f
            .fail_this_statement("ALTER TASK D.S.T SET WAREHOUSE = NOPE")
            .unwrap();
        assert_eq!((e.code.as_str(), e.sql_state.as_str()), ("002003", "02000"));
        assert!(
            e.message.starts_with("SQL compilation error:\n"),
            "{}",
            e.message
        );
        assert!(f.fail_this_statement("ALTER TASK D.S.T RESUME").is_none());
        f.set_fail_matching(None);
        assert!(f
            .fail_this_statement("ALTER TASK D.S.T SET WAREHOUSE = NOPE")
            .is_none());
        let bad = Faults::new(FaultOptions {
            fail_matching: Some("(".into()),
            ..Default::default()
        });
        assert!(bad
            .unwrap_err()
            .to_string()
            .starts_with("--fail-matching \"(\" is not"));
    }
}
