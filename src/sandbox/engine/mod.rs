//! The sandbox's SQL engine: a catalog of one Snowflake account that executes the DDL,
//! DML and SHOW statements snowform and the ML libraries issue, with Snowflake's rules,
//! result columns and error codes. What it does not emulate fails as unsupported.

pub mod catalog;
pub mod clock;
mod errors;
mod exec;
pub mod format;
mod params;
pub mod parse;
pub mod persist;
mod show;

#[cfg(test)]
mod api_tests;
#[cfg(test)]
mod layout_tests;
#[cfg(test)]
mod refusals_tests;
#[cfg(test)]
mod tests;

pub use catalog::Catalog;
pub use clock::Clock;
pub use persist::{PersistError, RanRequest};

use super::{Column, DmlStats, ResultSet, Session, SqlEngine, SqlError};
use parse::{Failure, ParseError};
use std::path::{Path, PathBuf};

pub struct Engine {
    account: String,
    catalog: Catalog,
    clock: Clock,
    /// Where the account is kept; None for an in-memory account.
    path: Option<PathBuf>,
    /// The requests whose statements changed the account, oldest first (kept only with a
    /// file: an in-memory account ends with its server, and so do its request ids).
    requests: Vec<RanRequest>,
    /// The latest statements' results by query id, oldest first, for `RESULT_SCAN`; kept in
    /// memory only (Snowflake keeps them for a day, a restarted sandbox forgets them).
    results: std::collections::VecDeque<exec::ScannedResult>,
}

/// How many results `RESULT_SCAN` can reach back to; older ones are forgotten.
pub const REMEMBERED_RESULTS: usize = 100;

/// How many request ids an account file remembers; the oldest go first.
pub const REMEMBERED_REQUESTS: usize = 10_000;

/// The result column types the engine produces: a remembered result names its types by
/// these, and one with another type is not remembered.
const TYPE_NAMES: &[&str] = &[
    "text",
    "fixed",
    "boolean",
    "timestamp_ltz",
    "timestamp_ntz",
    "timestamp_tz",
    "time",
    "date",
    "variant",
    "real",
];

impl Engine {
    /// An empty account held in memory.
    pub fn new(account: &str) -> Engine {
        Engine {
            account: account.to_string(),
            catalog: Catalog::default(),
            clock: Clock::System,
            path: None,
            requests: Vec::new(),
            results: Default::default(),
        }
    }

    /// The account kept in the JSON file at `path` (empty when the file does not exist yet).
    /// Every statement that changes the catalog rewrites the file atomically.
    pub fn open(path: &Path, account: &str) -> Result<Engine, PersistError> {
        // A new account's directory is made here, once; saves never recreate it.
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| PersistError::Io {
                action: "create the directory of",
                path: path.to_path_buf(),
                source,
            })?;
        }
        let (catalog, requests) = persist::load(path, account)?.unwrap_or_default();
        Ok(Engine {
            account: account.to_string(),
            catalog,
            clock: Clock::System,
            path: Some(path.to_path_buf()),
            requests,
            results: Default::default(),
        })
    }

    /// Use `clock` for every timestamp from now on (a fixed clock makes output reproducible).
    pub fn with_clock(mut self, clock: Clock) -> Engine {
        self.clock = clock;
        self
    }

    pub fn set_clock(&mut self, clock: Clock) {
        self.clock = clock;
    }

    /// Empty the account (and its file, when it has one).
    pub fn reset(&mut self) -> Result<(), PersistError> {
        self.catalog = Catalog::default();
        self.requests.clear();
        self.results.clear();
        if let Some(path) = &self.path {
            persist::save(path, &self.account, &self.catalog, &self.requests)?;
        }
        Ok(())
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    pub fn account(&self) -> &str {
        &self.account
    }

    /// The requests this account remembers, oldest first.
    pub fn requests(&self) -> &[RanRequest] {
        &self.requests
    }

    fn run(
        &mut self,
        sql: &str,
        session: &Session,
        request_id: Option<&str>,
    ) -> Result<ResultSet, SqlError> {
        self.run_as(sql, session, request_id, false)
    }

    fn run_as(
        &mut self,
        sql: &str,
        session: &Session,
        request_id: Option<&str>,
        describe_only: bool,
    ) -> Result<ResultSet, SqlError> {
        let parsed = parse::parse(sql).map_err(|f| failure(sql, f))?;
        // Reads never change the catalog; every executor checks before it changes anything,
        // and the snapshot also restores a change whose save failed.
        let may_change = !matches!(
            parsed.statement,
            parse::ast::Statement::Show(_)
                | parse::ast::Statement::ShowGrants(_)
                | parse::ast::Statement::ShowDatabaseRoles { .. }
                | parse::ast::Statement::Select(_)
                | parse::ast::Statement::Describe { .. }
        );
        let snapshot = (self.path.is_some() && may_change).then(|| self.catalog.clone());
        let mut x = exec::Exec {
            catalog: &mut self.catalog,
            session,
            account: &self.account,
            now: self.clock.now(),
            text: &parsed.text,
            results: &self.results,
        };
        let ran = if describe_only && !may_change {
            exec::describe_only(&mut x, parsed.statement)
        } else {
            exec::run(&mut x, parsed.statement)
        };
        let outcome = match ran {
            Ok(o) => o,
            Err(e) => {
                // Executors check before they change anything; the snapshot covers the rest.
                if let Some(s) = snapshot {
                    self.catalog = s;
                }
                return Err(e);
            }
        };
        if outcome.changed {
            if let Some(path) = &self.path {
                let ran = request_id.and_then(|id| remembered(id, session, &outcome.result));
                // A failed save forgets the request with its change: a resubmission runs it.
                let requests_before = ran.as_ref().map(|_| self.requests.clone());
                if let Some(ran) = ran {
                    self.requests.retain(|r| r.request_id != ran.request_id);
                    self.requests.push(ran);
                    let over = self.requests.len().saturating_sub(REMEMBERED_REQUESTS);
                    self.requests.drain(..over);
                }
                if let Err(e) = persist::save(path, &self.account, &self.catalog, &self.requests) {
                    if let Some(s) = snapshot {
                        self.catalog = s;
                    }
                    if let Some(r) = requests_before {
                        self.requests = r;
                    }
                    return Err(errors::persistence(&e.to_string()));
                }
            }
        }
        Ok(outcome.result)
    }
}

/// `result` of request `request_id` as the account file keeps it; None when a column has a
/// type the file cannot name.
fn remembered(request_id: &str, session: &Session, result: &ResultSet) -> Option<RanRequest> {
    let columns = result
        .columns
        .iter()
        .map(|c| {
            TYPE_NAMES
                .contains(&c.type_name)
                .then(|| (c.name.clone(), c.type_name.to_string(), c.nullable))
        })
        .collect::<Option<Vec<_>>>()?;
    Some(RanRequest {
        request_id: request_id.to_string(),
        user: session.user.clone(),
        columns,
        rows: result.rows.clone(),
        dml: result.dml.map(|d| [d.inserted, d.updated, d.deleted]),
    })
}

impl SqlEngine for Engine {
    fn execute(&mut self, sql: &str, session: &Session) -> Result<ResultSet, SqlError> {
        self.run(sql, session, None)
    }

    fn execute_request(
        &mut self,
        sql: &str,
        session: &Session,
        request_id: &str,
    ) -> Result<ResultSet, SqlError> {
        self.run(sql, session, Some(request_id))
    }

    fn describe_query(&mut self, sql: &str, session: &Session) -> Result<ResultSet, SqlError> {
        self.run_as(sql, session, None, true)
    }

    fn may_use_role(&self, user: &str, role: &str) -> bool {
        exec::grant::may_use_role(&self.catalog, user, role)
    }

    fn remember_result(&mut self, query_id: &str, user: &str, result: &ResultSet) {
        self.results.push_back(exec::ScannedResult {
            query_id: query_id.to_string(),
            user: user.to_string(),
            result: result.clone(),
        });
        while self.results.len() > REMEMBERED_RESULTS {
            self.results.pop_front();
        }
    }

    fn ran_request(&self, request_id: &str, user: &str) -> Option<ResultSet> {
        let ran = self
            .requests
            .iter()
            .rev()
            .find(|r| r.request_id == request_id && r.user == user)?;
        let columns = ran
            .columns
            .iter()
            .map(|(name, type_name, nullable)| {
                Some(Column {
                    name: name.clone(),
                    type_name: TYPE_NAMES.iter().find(|t| **t == type_name)?,
                    nullable: *nullable,
                })
            })
            .collect::<Option<Vec<_>>>()?;
        Some(ResultSet {
            columns,
            rows: ran.rows.clone(),
            dml: ran.dml.map(|[inserted, updated, deleted]| DmlStats {
                inserted,
                updated,
                deleted,
            }),
        })
    }
}

/// The SqlError for a statement that did not parse, with Snowflake's line and position.
fn failure(sql: &str, f: Failure) -> SqlError {
    match f {
        Failure::Count(n) => errors::statement_count(n),
        Failure::Parse(ParseError::Unsupported { what }) => errors::unsupported(&what, sql.trim()),
        Failure::Parse(ParseError::Syntax { offset, found }) => {
            let before = &sql[..offset.min(sql.len())];
            let line = before.matches('\n').count() + 1;
            let position = before
                .rsplit('\n')
                .next()
                .map(|l| l.chars().count())
                .unwrap_or(0);
            let detail = match found {
                Some(t) => format!("unexpected '{t}'."),
                None => "unexpected '<EOF>'.".to_string(),
            };
            errors::syntax(line, position, &detail)
        }
    }
}
