//! Connector sessions: what a login opens and `USE` / `ALTER SESSION` change, and the
//! outcomes of their queries (for `GET /queries/{id}/result` and monitoring).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};

use crate::sandbox::server::AppState;
use crate::sandbox::types::{ResultSet, Session, SqlError};

/// What one connector session holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SessionState {
    /// The numeric session id (login's `sessionId`), set when the session opens.
    pub id: u64,
    pub user: String,
    pub role: String,
    pub database: Option<String>,
    pub schema: Option<String>,
    pub warehouse: Option<String>,
    /// Session parameters as given at login or by `ALTER SESSION SET`.
    pub params: BTreeMap<String, Value>,
    /// `USE SECONDARY ROLES ALL` is in force (NONE, the login's state, clears it).
    pub secondary_all: bool,
}

#[derive(Clone, Debug)]
pub enum Outcome {
    Running,
    Failed(SqlError),
    /// The result and its `statementTypeId`.
    Succeeded(Arc<ResultSet>, u32),
}

#[derive(Default)]
struct Inner {
    /// By session token: the master token and the session.
    sessions: BTreeMap<String, (String, SessionState)>,
    /// By query id: the session token and the outcome.
    queries: BTreeMap<String, (String, Outcome)>,
    next_id: u64,
}

/// Every open connector session of the server.
#[derive(Default)]
pub struct Sessions(Mutex<Inner>);

impl Sessions {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Open a session: its token, master token and numeric id.
    pub fn open(&self, mut session_state: SessionState) -> (String, String, u64) {
        let token = format!("sbx-session-{}", uuid::Uuid::new_v4().simple());
        let master = format!("sbx-master-{}", uuid::Uuid::new_v4().simple());
        let mut g = self.lock();
        g.next_id += 1;
        let id = 1_000_000 + g.next_id;
        session_state.id = id;
        g.sessions
            .insert(token.clone(), (master.clone(), session_state));
        (token, master, id)
    }

    pub fn get(&self, token: &str) -> Option<SessionState> {
        self.lock().sessions.get(token).map(|(_, s)| s.clone())
    }

    fn update(&self, token: &str, change: impl FnOnce(&mut SessionState)) {
        if let Some((_, s)) = self.lock().sessions.get_mut(token) {
            change(s);
        }
    }

    /// A new session token for the session of `old` when `master` is its master token;
    /// the old token stops working, as in Snowflake.
    pub(crate) fn renew(&self, master: &str, old: &str) -> Option<String> {
        let mut g = self.lock();
        let (m, s) = g.sessions.get(old)?.clone();
        if m != master {
            return None;
        }
        g.sessions.remove(old);
        let token = format!("sbx-session-{}", uuid::Uuid::new_v4().simple());
        g.sessions.insert(token.clone(), (m, s));
        Some(token)
    }

    pub(crate) fn close(&self, token: &str) -> bool {
        self.lock().sessions.remove(token).is_some()
    }

    pub fn start(&self, qid: &str, token: &str) {
        self.lock()
            .queries
            .insert(qid.to_string(), (token.to_string(), Outcome::Running));
    }

    /// Record the outcome of `qid` (keeping the session it was started by).
    pub fn finish(&self, qid: &str, token: &str, outcome: Outcome) {
        let mut g = self.lock();
        let e = g
            .queries
            .entry(qid.to_string())
            .or_insert_with(|| (token.to_string(), Outcome::Running));
        e.1 = outcome;
    }

    /// How many queries of the session `token` are still running.
    fn running(&self, token: &str) -> usize {
        self.lock()
            .queries
            .values()
            .filter(|(t, o)| t == token && matches!(o, Outcome::Running))
            .count()
    }

    pub fn outcome(&self, qid: &str) -> Option<(String, Outcome)> {
        self.lock().queries.get(qid).cloned()
    }
}

/// An identifier as Snowflake resolves it: unquoted upper-cased, quoted verbatim.
pub fn ident(text: &str) -> String {
    let t = text.trim();
    if t.len() >= 2 && t.starts_with('"') && t.ends_with('"') {
        t[1..t.len() - 1].replace("\"\"", "\"")
    } else {
        t.to_ascii_uppercase()
    }
}

/// Split `a.b` at dots outside double quotes.
fn parts(text: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut quoted = false;
    for c in text.trim().chars() {
        match c {
            '"' => {
                quoted = !quoted;
                out.last_mut().unwrap_or(&mut String::new()).push(c);
            }
            '.' if !quoted => out.push(String::new()),
            _ => {
                if let Some(l) = out.last_mut() {
                    l.push(c)
                }
            }
        }
    }
    out
}

pub(crate) fn param_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The `parameters` of a login or query answer: those the session holds, and TIMEZONE
/// (Snowflake's default) that the connector needs to read TIMESTAMP_LTZ values.
pub(crate) fn parameters(session_state: &SessionState) -> Vec<Value> {
    let mut p = session_state.params.clone();
    p.entry("TIMEZONE".into())
        .or_insert_with(|| Value::String("America/Los_Angeles".into()));
    p.into_iter()
        .map(|(name, value)| json!({"name": name, "value": value}))
        .collect()
}

/// A statement of a query request, sorted by who runs it.
#[derive(Debug)]
pub enum Statement {
    /// SELECT / SHOW / DESCRIBE / WITH: read-only, so describe-only may run it.
    Query(String),
    /// `USE [DATABASE|SCHEMA|WAREHOUSE|ROLE] name`.
    Use(&'static str, String),
    /// `USE SECONDARY ROLES ALL` (true) or `NONE` (false).
    UseSecondary(bool),
    AlterSessionSet(Vec<(String, Value)>),
    AlterSessionUnset(Vec<String>),
    /// COMMIT or ROLLBACK. The sandbox has no transactions (every statement commits by
    /// itself, as under AUTOCOMMIT), so there is never one open to end: Snowflake answers
    /// these with success then too. The connector commits when a `with` block ends.
    EndTransaction,
    /// `SELECT SYSTEM$CANCEL_ALL_QUERIES(<session id>)`, which Snowpark runs when a session
    /// closes.
    CancelAll(u64),
    Other(String),
}

fn syntax(msg: &str) -> SqlError {
    SqlError::new(
        "001003",
        "42000",
        format!("SQL compilation error:\nsyntax error: {msg}"),
    )
}

/// Sort the text of a request (one statement, as MULTI_STATEMENT_COUNT 1 requires).
pub fn statement(sql: &str, params: &BTreeMap<String, Value>) -> Result<Statement, SqlError> {
    let statements = crate::sql::split_statements(sql).map_err(|e| syntax(&e.to_string()))?;
    let wanted = params
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("MULTI_STATEMENT_COUNT"))
        .map(|(_, v)| param_text(v));
    if statements.is_empty() {
        return Err(SqlError::new("000900", "42601", "Empty SQL statement."));
    }
    if statements.len() != 1 || wanted.is_some_and(|w| w.trim() != "1") {
        return Err(SqlError::new(
            "000008",
            "0A000",
            format!(
                "Actual statement count {} did not match the desired statement count 1. The snowform sandbox runs one statement per connector request.",
                statements.len()
            ),
        ));
    }
    let text = statements[0]
        .0
        .trim()
        .trim_end_matches(';')
        .trim()
        .to_string();
    let words: Vec<&str> = text.split_whitespace().collect();
    let up = |i: usize| {
        words
            .get(i)
            .map(|w| w.to_ascii_uppercase())
            .unwrap_or_default()
    };
    match up(0).as_str() {
        "SELECT" if cancel_all(&text).is_some() => {
            Ok(Statement::CancelAll(cancel_all(&text).unwrap_or_default()))
        }
        "SELECT" | "SHOW" | "DESC" | "DESCRIBE" | "WITH" => Ok(Statement::Query(text)),
        "COMMIT" | "ROLLBACK" if words.len() == 1 || (words.len() == 2 && up(1) == "WORK") => {
            Ok(Statement::EndTransaction)
        }
        "USE" => {
            let (kind, rest) = match up(1).as_str() {
                "DATABASE" => ("DATABASE", 2),
                "SCHEMA" => ("SCHEMA", 2),
                "WAREHOUSE" => ("WAREHOUSE", 2),
                "ROLE" => ("ROLE", 2),
                "SECONDARY" if up(2) == "ROLES" && words.len() == 4 && up(3) == "ALL" => {
                    return Ok(Statement::UseSecondary(true));
                }
                "SECONDARY" if up(2) == "ROLES" && words.len() == 4 && up(3) == "NONE" => {
                    return Ok(Statement::UseSecondary(false));
                }
                "SECONDARY" => {
                    return Err(SqlError::new(
                        "000002",
                        "0A000",
                        "Unsupported feature 'USE SECONDARY ROLES <list of roles>': the snowform sandbox does not support it (ALL and NONE are supported).",
                    ))
                }
                _ => ("DATABASE", 1),
            };
            let name = words[rest.min(words.len())..].join(" ");
            if name.is_empty() {
                return Err(syntax("unexpected end of input after USE"));
            }
            Ok(Statement::Use(kind, name))
        }
        "ALTER" if up(1) == "SESSION" => {
            let body = words[2.min(words.len())..].join(" ");
            let (verb, rest) = body.split_once(' ').unwrap_or((&body, ""));
            if verb.eq_ignore_ascii_case("SET") {
                let mut out = Vec::new();
                for a in rest.split(',') {
                    let (k, v) = a.split_once('=').ok_or_else(|| {
                        syntax(&format!("expected NAME = VALUE, found {:?}", a.trim()))
                    })?;
                    let v = v.trim();
                    let value = if v.len() >= 2 && v.starts_with('\'') && v.ends_with('\'') {
                        Value::String(v[1..v.len() - 1].replace("''", "'"))
                    } else {
                        serde_json::from_str::<Value>(&v.to_ascii_lowercase())
                            .ok()
                            .filter(|j| j.is_number() || j.is_boolean())
                            .unwrap_or_else(|| Value::String(v.to_string()))
                    };
                    out.push((k.trim().to_ascii_uppercase(), value));
                }
                Ok(Statement::AlterSessionSet(out))
            } else if verb.eq_ignore_ascii_case("UNSET") {
                Ok(Statement::AlterSessionUnset(
                    rest.split(',')
                        .map(|k| k.trim().to_ascii_uppercase())
                        .collect(),
                ))
            } else {
                Err(syntax(&format!("unexpected '{verb}' after ALTER SESSION")))
            }
        }
        _ => Ok(Statement::Other(text)),
    }
}

/// The session id of `SELECT SYSTEM$CANCEL_ALL_QUERIES(<digits>)` (only that form).
fn cancel_all(text: &str) -> Option<u64> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let up = compact.to_ascii_uppercase();
    let rest = up.strip_prefix("SELECTSYSTEM$CANCEL_ALL_QUERIES(")?;
    rest.strip_suffix(')')?.parse().ok()
}

/// `statementTypeId` by Snowflake's ranges: 0x1000 queries, 0x3000 DML (the connector
/// sums the row counts of these), 0x4000 session statements, 0x5000 transaction control,
/// 0x6000 DDL and the rest.
fn statement_type(sql: &str) -> u32 {
    let first = sql
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_ascii_uppercase();
    match first.as_str() {
        "SELECT" | "SHOW" | "DESC" | "DESCRIBE" | "WITH" => 0x1000,
        "INSERT" => 0x3100,
        "UPDATE" => 0x3200,
        "DELETE" => 0x3300,
        "MERGE" => 0x3400,
        _ => 0x6000,
    }
}

fn not_exist() -> SqlError {
    SqlError::new(
        "002043",
        "02000",
        "SQL compilation error:\nObject does not exist, or operation cannot be performed.",
    )
}

fn quote(name: &str) -> String {
    crate::sql::quote::quote_always(name)
}

/// A SHOW pattern naming `name` (and perhaps others: `_` and `%` match more, and SHOW
/// patterns ignore case): the rows are then checked for the exact name.
fn like(name: &str) -> String {
    format!("'{}'", name.replace('\'', "''"))
}

/// A change to a session, made once its USE is checked.
type Apply = Box<dyn FnOnce(&mut SessionState)>;

/// Run one statement (`text`, as sent) of the session `token` on the engine, with the fault
/// injection and statistics of the SQL API: `--fail-matching` and the `executed` counts see
/// the text sent, not the SHOW a USE is checked with. A query's result is kept under its
/// query id `qid` for RESULT_SCAN.
pub fn run(
    st: &AppState,
    token: &str,
    text: &str,
    stmt: Statement,
    qid: &str,
    describe_only: bool,
) -> Outcome {
    let Some(s) = st.connector.get(token) else {
        return Outcome::Failed(SqlError::new(
            "390111",
            "08003",
            "Session no longer exists.  New login required to access the service.",
        ));
    };
    let session = Session {
        account: st.account.clone(),
        user: s.user.clone(),
        role: s.role.clone(),
        database: s.database.clone(),
        schema: s.schema.clone(),
        warehouse: s.warehouse.clone(),
        query_tag: s.params.get("QUERY_TAG").map(param_text),
        session_id: Some(s.id),
        secondary_roles_all: s.secondary_all,
    };
    let mut engine = st.engine.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(err) = st.faults.fail_this_statement(text) {
        st.stats.fault();
        return Outcome::Failed(err);
    }
    st.stats.executed(text);
    // USE ROLE asks the engine whether the user has the role (before `exec` borrows it).
    let role_usable = match &stmt {
        Statement::Use("ROLE", name) => Some(engine.may_use_role(&session.user, &ident(name))),
        _ => None,
    };
    let mut exec = |sql: &str| engine.execute(sql, &session);
    let done = |rs: ResultSet, kind: u32| Outcome::Succeeded(Arc::new(rs), kind);
    let ok = || ResultSet::status("Statement executed successfully.");
    match stmt {
        Statement::Query(sql) if describe_only => match engine.describe_query(&sql, &session) {
            Ok(rs) => done(rs, statement_type(&sql)),
            Err(e) => Outcome::Failed(e),
        },
        Statement::Query(sql) | Statement::Other(sql) => match exec(&sql) {
            Ok(rs) => {
                engine.remember_result(qid, &session.user, &rs);
                done(rs, statement_type(&sql))
            }
            Err(e) => Outcome::Failed(e),
        },
        Statement::Use(kind, name) => {
            let p = parts(&name);
            let set_name = p.last().map(|x| ident(x)).unwrap_or_default();
            // Each USE checks that the object exists by asking the engine, as Snowflake
            // refuses to use a missing one.
            let (check, set): (Result<String, SqlError>, Apply) = match (kind, p.as_slice()) {
                ("DATABASE", [db]) => {
                    let db = ident(db);
                    (
                        Ok(format!("SHOW DATABASES LIKE {}", like(&db))),
                        Box::new(move |s: &mut SessionState| {
                            s.database = Some(db);
                            s.schema = Some("PUBLIC".into());
                        }),
                    )
                }
                ("SCHEMA", [db, sc]) | ("DATABASE", [db, sc]) => {
                    let (db, sc) = (ident(db), ident(sc));
                    (
                        Ok(format!("SHOW SCHEMAS LIKE {} IN DATABASE {}", like(&sc), quote(&db))),
                        Box::new(move |s: &mut SessionState| {
                            s.database = Some(db);
                            s.schema = Some(sc);
                        }),
                    )
                }
                ("SCHEMA", [sc]) => match s.database.clone() {
                    Some(db) => {
                        let sc = ident(sc);
                        (
                            Ok(format!("SHOW SCHEMAS LIKE {} IN DATABASE {}", like(&sc), quote(&db))),
                            Box::new(move |s: &mut SessionState| s.schema = Some(sc)),
                        )
                    }
                    None => (
                        Err(SqlError::new(
                            "090105",
                            "22000",
                            "Cannot perform USE SCHEMA. This session does not have a current database. Call 'USE DATABASE', or use a qualified name.",
                        )),
                        Box::new(|_: &mut SessionState| {}),
                    ),
                },
                ("WAREHOUSE", [wh]) => {
                    let wh = ident(wh);
                    (
                        Ok(format!("SHOW WAREHOUSES LIKE {}", like(&wh))),
                        Box::new(move |s: &mut SessionState| s.warehouse = Some(wh)),
                    )
                }
                // The role must exist and be granted to the user (directly or through
                // the hierarchy); Snowflake answers 002043 for a role it refuses.
                ("ROLE", [role]) => {
                    let role = ident(role);
                    let check = if role_usable == Some(false) {
                        Err(not_exist())
                    } else {
                        Ok(String::new())
                    };
                    (check, Box::new(move |s: &mut SessionState| s.role = role))
                }
                _ => (
                    Err(syntax(&format!("invalid name {name:?} after USE {kind}"))),
                    Box::new(|_: &mut SessionState| {}),
                ),
            };
            let checked = check.and_then(|sql| {
                let exact = set_name.clone();
                if sql.is_empty() {
                    return Ok(());
                }
                let rs = exec(&sql)?;
                let col = rs.columns.iter().position(|c| c.name == "name");
                let found = col.is_some_and(|i| {
                    rs.rows
                        .iter()
                        .any(|r| r.get(i).and_then(|v| v.as_deref()) == Some(exact.as_str()))
                });
                if !found {
                    Err(not_exist())
                } else {
                    Ok(())
                }
            });
            match checked {
                Ok(()) => {
                    st.connector.update(token, set);
                    done(ok(), 0x4000)
                }
                Err(e) => Outcome::Failed(e),
            }
        }
        Statement::UseSecondary(all) => {
            st.connector.update(
                token,
                Box::new(move |s: &mut SessionState| s.secondary_all = all),
            );
            done(ok(), 0x4000)
        }
        Statement::EndTransaction => done(ok(), 0x5000),
        Statement::CancelAll(id) => {
            // The engine cannot stop a statement it runs: with none running there is
            // nothing to cancel, and that answer is true; otherwise the sandbox refuses.
            // This statement itself is one of the running queries.
            let running = st.connector.running(token).saturating_sub(1);
            if id != s.id || running > 0 {
                return Outcome::Failed(SqlError::new(
                    "000002",
                    "0A000",
                    "Unsupported feature 'SYSTEM$CANCEL_ALL_QUERIES': the snowform sandbox cancels no running query and no query of another session.",
                ));
            }
            let mut rs = ResultSet::status("0 cancelled.");
            rs.columns[0].name = format!("SYSTEM$CANCEL_ALL_QUERIES({id})");
            done(rs, 0x1000)
        }
        Statement::AlterSessionSet(pairs) => {
            st.connector.update(token, |s| {
                for (k, v) in pairs {
                    s.params.insert(k, v);
                }
            });
            done(ok(), 0x4000)
        }
        Statement::AlterSessionUnset(keys) => {
            st.connector.update(token, |s| {
                for k in keys {
                    s.params.remove(&k);
                }
            });
            done(ok(), 0x4000)
        }
    }
}
