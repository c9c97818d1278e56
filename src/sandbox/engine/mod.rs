//! The sandbox's SQL engine: a catalog of one Snowflake account that executes the DDL,
//! DML and SHOW statements snowform and the ML libraries issue, with Snowflake's rules,
//! result columns and error codes. What it does not emulate fails as unsupported.

pub(crate) mod catalog;
pub(crate) mod clock;
pub(crate) mod errors;
mod exec;
pub(crate) mod format;
mod params;
pub(crate) mod parse;
pub(crate) mod persist;
mod show;

#[cfg(test)]
mod api_tests;
#[cfg(test)]
mod layout_tests;
#[cfg(test)]
mod refusals_tests;
#[cfg(test)]
mod tests;

pub(crate) use catalog::Catalog;
pub(crate) use clock::Clock;
pub(crate) use persist::{PersistError, RanRequest};

use super::{Column, DmlStats, ResultSet, Session, SqlEngine, SqlError};
use parse::{Failure, ParseError};
use std::path::{Path, PathBuf};

pub struct Engine {
    account: String,
    catalog: Catalog,
    clock: Clock,
    /// Where the account is kept; None for an in-memory account.
    path: Option<PathBuf>,
    /// The journal of the account file, appended to after every change.
    journal: Option<persist::Journal>,
    /// Why the account in memory may differ from its file (a change that could neither be
    /// kept nor undone): every statement is refused rather than answered from it.
    broken: Option<String>,
    /// The requests whose statements changed the account, oldest first (kept only with a
    /// file: an in-memory account ends with its server, and so do its request ids).
    requests: Vec<RanRequest>,
    /// The latest statements' results by query id, oldest first, for `RESULT_SCAN`; kept in
    /// memory only (Snowflake keeps them for a day, a restarted sandbox forgets them).
    results: std::collections::VecDeque<exec::ScannedResult>,
}

/// How many results `RESULT_SCAN` can reach back to; older ones are forgotten.
pub(crate) const REMEMBERED_RESULTS: usize = 100;

/// How many request ids an account file remembers; the oldest go first.
pub(crate) const REMEMBERED_REQUESTS: usize = 10_000;

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
            journal: None,
            broken: None,
            requests: Vec::new(),
            results: Default::default(),
        }
    }

    /// The account kept in the JSON file at `path` (empty when the file does not exist yet)
    /// and its journal. Every statement that changes the catalog is appended to the journal
    /// before it is answered; the file is rewritten when the journal grows (see `persist`).
    pub fn open(path: &Path, account: &str) -> Result<Engine, PersistError> {
        // A new account's directory is made here, once; saves never recreate it.
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| PersistError::Io {
                action: "create the directory of",
                path: path.to_path_buf(),
                source,
            })?;
        }
        let (catalog, requests, logged) = persist::load(path, account)?.unwrap_or_default();
        let mut engine = Engine {
            account: account.to_string(),
            catalog,
            clock: Clock::System,
            path: Some(path.to_path_buf()),
            journal: None,
            broken: None,
            requests,
            results: Default::default(),
        };
        for (i, l) in logged.iter().enumerate() {
            engine.replay(l).map_err(|e| PersistError::Journal {
                path: persist::journal_path(path),
                line: i + 2,
                message: format!("it does not run again as it ran: {}", e.message),
            })?;
        }
        // The journal is continued by a fresh one at the first change (which rewrites the
        // file): opening an account to read it writes nothing.
        Ok(engine)
    }

    /// Run a statement of the journal again, as it ran then.
    fn replay(&mut self, logged: &persist::Logged) -> Result<(), SqlError> {
        let parsed = parse::parse(&logged.sql).map_err(|f| failure(&logged.sql, f))?;
        let mut x = exec::Exec {
            catalog: &mut self.catalog,
            session: &logged.session,
            account: &self.account,
            now: logged.now,
            text: &parsed.text,
            results: &self.results,
        };
        exec::run(&mut x, parsed.statement)?;
        if let Some(ran) = &logged.request {
            self.remember(ran.clone());
        }
        Ok(())
    }

    fn remember(&mut self, ran: RanRequest) {
        self.requests.retain(|r| r.request_id != ran.request_id);
        self.requests.push(ran);
        let over = self.requests.len().saturating_sub(REMEMBERED_REQUESTS);
        self.requests.drain(..over);
    }

    /// Read the account back from its file and journal: what the last durable change left,
    /// after a statement that failed half-way or could not be kept. When even that fails,
    /// the account in memory can no longer be trusted: it refuses every statement. The
    /// journal goes on only when `journal_whole` (nothing was appended since): after a
    /// failed append it may end in part of a line, and the next change starts a new one.
    fn reload_or_break(&mut self, journal_whole: bool) -> Result<(), SqlError> {
        let Some(path) = self.path.clone() else {
            return Ok(());
        };
        match Engine::open(&path, &self.account) {
            Ok(reopened) => {
                self.catalog = reopened.catalog;
                self.requests = reopened.requests;
                if !journal_whole {
                    self.journal = None;
                }
                Ok(())
            }
            Err(e) => {
                let why = format!("{e}; restart the server");
                self.broken = Some(why.clone());
                Err(errors::persistence(&why))
            }
        }
    }

    /// Use `clock` for every timestamp from now on (a fixed clock makes output reproducible).
    #[cfg(test)]
    pub(crate) fn with_clock(mut self, clock: Clock) -> Engine {
        self.clock = clock;
        self
    }

    #[cfg(test)]
    pub(crate) fn set_clock(&mut self, clock: Clock) {
        self.clock = clock;
    }

    /// Empty the account (and its file, when it has one).
    pub fn reset(&mut self) -> Result<(), PersistError> {
        self.catalog = Catalog::default();
        self.requests.clear();
        self.results.clear();
        if let Some(path) = &self.path {
            self.journal = Some(persist::save(
                path,
                &self.account,
                &self.catalog,
                &self.requests,
            )?);
        }
        self.broken = None;
        Ok(())
    }

    #[cfg(test)]
    pub(crate) fn catalog(&self) -> &Catalog {
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
        // and a kept account is read back after a change that failed or was not kept.
        let may_change = !matches!(
            parsed.statement,
            parse::ast::Statement::Show(_)
                | parse::ast::Statement::ShowGrants(_)
                | parse::ast::Statement::ShowDatabaseRoles { .. }
                | parse::ast::Statement::Select(_)
                | parse::ast::Statement::Describe { .. }
        );
        if let Some(why) = &self.broken {
            return Err(errors::persistence(why));
        }
        // A journal removed or replaced under the server would keep nothing: write the
        // account and start a new journal before running what must be kept, or refuse.
        if may_change && self.journal.as_ref().is_some_and(|j| !j.in_place()) {
            self.journal = None;
            if let Some(path) = &self.path {
                let saved = persist::save(path, &self.account, &self.catalog, &self.requests)
                    .map_err(|e| errors::persistence(&e.to_string()))?;
                self.journal = Some(saved);
            }
        }
        let now = self.clock.now();
        let mut x = exec::Exec {
            catalog: &mut self.catalog,
            session,
            account: &self.account,
            now,
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
                // Executors check before they change anything; for a kept account, reading
                // it back covers the rest.
                if self.path.is_some() && may_change {
                    self.reload_or_break(true)?;
                }
                return Err(e);
            }
        };
        if outcome.changed && self.path.is_some() {
            let ran = request_id.and_then(|id| remembered(id, session, &outcome.result));
            if let Err(e) = self.persist(sql, session, now, ran) {
                // Not kept, so not done: the account goes back to its last kept state,
                // and a resubmission of the request runs it.
                self.reload_or_break(false)?;
                return Err(errors::persistence(&e.to_string()));
            }
        }
        Ok(outcome.result)
    }
}

impl Engine {
    /// Keep the change a statement made: a line in the journal, or, when the journal has
    /// grown (or the statement read an earlier result, which a replay could not), the
    /// whole account rewritten.
    fn persist(
        &mut self,
        sql: &str,
        session: &Session,
        now: clock::Nanos,
        ran: Option<RanRequest>,
    ) -> Result<(), PersistError> {
        let Some(path) = self.path.clone() else {
            return Ok(());
        };
        if let Some(r) = &ran {
            self.remember(r.clone());
        }
        let replayable = !sql.to_ascii_uppercase().contains("RESULT_SCAN");
        match &mut self.journal {
            Some(j) if replayable && !j.wants_compaction() => j.append(&persist::Logged {
                sql: sql.to_string(),
                session: session.clone(),
                now,
                request: ran,
            }),
            _ => {
                self.journal = Some(persist::save(
                    &path,
                    &self.account,
                    &self.catalog,
                    &self.requests,
                )?);
                Ok(())
            }
        }
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

    fn flush(&mut self) {
        if let (Some(path), Some(j)) = (&self.path, &self.journal) {
            if !j.is_empty() && j.in_place() && self.broken.is_none() {
                // The journal keeps everything if this fails: nothing is lost.
                if let Ok(fresh) = persist::save(path, &self.account, &self.catalog, &self.requests)
                {
                    self.journal = Some(fresh);
                }
            }
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
fn failure(sql: &str, failure: Failure) -> SqlError {
    match failure {
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
