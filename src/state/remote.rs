//! The snowflake backend: state kept in a table in the account, so that a pull-request plan
//! and a main-branch apply on different agents share one state.
//!
//! One row per recorded object, and a head row (ADDRESS '') with the rest of the state and the
//! lock. Writing after a statement touches only the rows that changed, so every statement
//! stays far below Snowflake's 1 MB recommendation for query text (beyond which a statement
//! cannot be retried) however many objects the state holds. Rows are written before the head:
//! a write cut short leaves the statements it was recording in the head's `in_progress`, which
//! the next run settles from the account. A row is replaced by inserting its new version first
//! and deleting older ones after, and reading keeps the newest, so no record is ever missing.
//! The lock is the head's LOCK_ID, taken with an UPDATE that matches only an unlocked head:
//! Snowflake runs it atomically, so exactly one taker sees one row updated.
//!
//! Reading never writes: `plan` and `drift` run with a role that may only read the account
//! and the state table (a pull-request pipeline), so `load` neither creates the table nor
//! the head row. A missing table is an empty state; the table is created by the first
//! write (`lock`, taken by `apply` and `import`) or by `state init`.

use super::lock::{LockError, LockInfo};
use super::record::{Record, State, StateError};
use crate::model::{Address, ObjectName};
use crate::sql::quote_literal;
use std::collections::BTreeMap;
use std::sync::Mutex;

/// What the backend needs from a connection.
#[allow(async_fn_in_trait)]
pub trait Sql: Sync {
    /// Run one statement: its rows, and the number of rows a DML statement changed.
    async fn execute(&self, sql: &str) -> Result<(Vec<Vec<Option<String>>>, u64), String>;
}

/// The ADDRESS of the head row.
const HEAD: &str = "";
/// Keep each statement this small: well under Snowflake's 1 MB for query text.
const MAX_STATEMENT: usize = 256 * 1024;

#[derive(Debug)]
pub struct SnowflakeBackend {
    pub table: ObjectName,
    pub workspace: String,
    /// Each record's JSON as the table holds it, to write only what changed.
    written: Mutex<BTreeMap<Address, String>>,
    /// Addresses written since the last full write whose older rows are still in the
    /// table (reading keeps the newest): deleted in one go by [`SnowflakeBackend::tidy`].
    superseded: Mutex<BTreeMap<Address, u64>>,
    /// The last `load` found no table (or this role cannot see it).
    missing: std::sync::atomic::AtomicBool,
}

/// Snowflake's answer for a table that does not exist or that the role cannot see
/// (`002003`, "... does not exist or not authorized.").
fn is_missing(message: &str) -> bool {
    message.contains("002003") || message.contains("does not exist or not authorized")
}

impl SnowflakeBackend {
    pub fn new(table: ObjectName, workspace: &str) -> SnowflakeBackend {
        SnowflakeBackend {
            table,
            workspace: workspace.to_string(),
            written: Mutex::new(BTreeMap::new()),
            superseded: Mutex::new(BTreeMap::new()),
            missing: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// The last `load` found no state table: it read an empty state and wrote nothing.
    pub(crate) fn table_missing(&self) -> bool {
        self.missing.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn t(&self) -> String {
        self.table.to_sql()
    }

    fn ws(&self) -> String {
        quote_literal(&self.workspace)
    }

    fn head(&self) -> String {
        format!(
            "WORKSPACE = {} AND ADDRESS = {}",
            self.ws(),
            quote_literal(HEAD)
        )
    }

    fn remote(&self, message: String) -> StateError {
        StateError::Remote(format!(
            "{} (table {}): {message}",
            self.workspace, self.table
        ))
    }

    fn lock_remote(&self, message: String) -> LockError {
        LockError::Remote(format!(
            "{} (table {}): {message}",
            self.workspace, self.table
        ))
    }

    /// `state init`, an administrator's one-time step: the table's database and schema,
    /// created with IF NOT EXISTS when SHOW SCHEMAS does not find them (so a role that may
    /// not create databases can run it once they exist), then [`Self::ensure`]. Returns
    /// what it created. `apply` never creates them: a deploy role needs no CREATE DATABASE
    /// for its state.
    pub async fn init<S: Sql>(&self, sql: &S) -> Result<Vec<String>, StateError> {
        let mut created = Vec::new();
        if let (Some(db), Some(schema)) = (&self.table.database, self.table.schema_name()) {
            let found = sql
                .execute(&format!(
                    "SHOW SCHEMAS LIKE {} IN DATABASE {}",
                    quote_literal(schema.name.as_str()),
                    db.to_sql()
                ))
                .await;
            let exists = match found {
                Ok((rows, _)) => !rows.is_empty(),
                Err(e) if is_missing(&e) => false,
                Err(e) => return Err(self.remote(e)),
            };
            if !exists {
                for stmt in [
                    format!("CREATE DATABASE IF NOT EXISTS {}", db.to_sql()),
                    format!("CREATE SCHEMA IF NOT EXISTS {}", schema.to_sql()),
                ] {
                    sql.execute(&stmt).await.map_err(|e| self.remote(e))?;
                    created.push(stmt);
                }
            }
        }
        self.ensure(sql).await?;
        Ok(created)
    }

    /// Create the table and this workspace's head row when missing.
    pub(crate) async fn ensure<S: Sql>(&self, sql: &S) -> Result<(), StateError> {
        sql.execute(&format!(
            "CREATE TABLE IF NOT EXISTS {} (WORKSPACE VARCHAR NOT NULL, ADDRESS VARCHAR NOT NULL, BODY VARCHAR, SERIAL NUMBER, LOCK_ID VARCHAR, LOCK_INFO VARCHAR, UPDATED_AT TIMESTAMP_NTZ) COMMENT = 'snowform state: a head row per workspace and a row per object; change it only through snowform'",
            self.t()
        ))
        .await
        .map_err(|e| self.remote(e))?;
        sql.execute(&format!(
            "MERGE INTO {t} USING (SELECT {ws} AS WORKSPACE, {head} AS ADDRESS) AS S ON {t}.WORKSPACE = S.WORKSPACE AND {t}.ADDRESS = S.ADDRESS WHEN NOT MATCHED THEN INSERT (WORKSPACE, ADDRESS, SERIAL) VALUES (S.WORKSPACE, S.ADDRESS, 0)",
            t = self.t(),
            ws = self.ws(),
            head = quote_literal(HEAD)
        ))
        .await
        .map_err(|e| self.remote(e))?;
        Ok(())
    }

    async fn head_row<S: Sql>(&self, sql: &S) -> Result<Option<Vec<Option<String>>>, String> {
        let (rows, _) = sql
            .execute(&format!(
                "SELECT BODY, LOCK_ID, LOCK_INFO FROM {} WHERE {}",
                self.t(),
                self.head()
            ))
            .await?;
        Ok(rows.into_iter().next())
    }

    /// Read this workspace's state; None when there is none yet (no table, or no head row
    /// for the workspace). Only SELECTs.
    pub async fn load<S: Sql>(&self, sql: &S) -> Result<Option<State>, StateError> {
        let read = sql
            .execute(&format!(
                "SELECT ADDRESS, BODY, SERIAL FROM {} WHERE WORKSPACE = {}",
                self.t(),
                self.ws()
            ))
            .await;
        let missing = matches!(&read, Err(e) if is_missing(e));
        self.missing
            .store(missing, std::sync::atomic::Ordering::Relaxed);
        if missing {
            self.written.lock().expect("not poisoned").clear();
            return Ok(None);
        }
        let (rows, _) = read.map_err(|e| self.remote(e))?;
        let place = format!("{} (workspace {})", self.table, self.workspace);
        let mut head: Option<String> = None;
        // The newest row of each address wins; an older one may be left by a cut-short write.
        let mut records: BTreeMap<Address, (i64, String)> = BTreeMap::new();
        for row in rows {
            let address = row.first().cloned().flatten().unwrap_or_default();
            let Some(body) = row.get(1).cloned().flatten().filter(|b| !b.is_empty()) else {
                continue;
            };
            if address == HEAD {
                head = Some(body);
                continue;
            }
            let serial: i64 = row
                .get(2)
                .cloned()
                .flatten()
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
            let addr =
                Address::parse(&address).map_err(|e| self.remote(format!("a row holds {e}")))?;
            if records.get(&addr).is_none_or(|(s, _)| serial >= *s) {
                records.insert(addr, (serial, body));
            }
        }
        let Some(head) = head else {
            self.written.lock().expect("not poisoned").clear();
            return Ok(None);
        };
        let mut state = State::parse(&head, &place)?;
        let mut written = BTreeMap::new();
        for (addr, (_, body)) in records {
            let record: Record = serde_json::from_str(&body).map_err(|e| StateError::Parse {
                path: format!("{place}, {addr}"),
                source: e,
            })?;
            state.resources.insert(addr.clone(), record);
            written.insert(addr, body);
        }
        *self.written.lock().expect("not poisoned") = written;
        Ok(Some(state))
    }

    /// Write the state; only the holder of the lock can.
    #[cfg(test)]
    pub(crate) async fn save<S: Sql>(
        &self,
        sql: &S,
        state: &State,
        lock: &LockInfo,
    ) -> Result<(), StateError> {
        self.save_changes(sql, state, lock, None).await?;
        self.tidy(sql, lock).await
    }

    /// Write the state, comparing only the records at `touched` (every record when None)
    /// with what the table holds. A write that changes no record is one statement (the
    /// head's, which also checks the lock); rows a changed record supersedes are left for
    /// [`SnowflakeBackend::tidy`] (reading keeps the newest row), so that recording a
    /// statement costs three round trips however many objects the state holds.
    pub(crate) async fn save_changes<S: Sql>(
        &self,
        sql: &S,
        state: &State,
        lock: &LockInfo,
        touched: Option<&std::collections::BTreeSet<Address>>,
    ) -> Result<(), StateError> {
        let held = format!("{} AND LOCK_ID = {}", self.head(), quote_literal(&lock.id));
        let lost = || {
            self.remote("this process no longer holds the state lock (it was forced open); nothing was written".into())
        };
        let head = state.clone_without_resources();
        let update_head = format!(
            "UPDATE {} SET BODY = {}, SERIAL = {}, UPDATED_AT = CURRENT_TIMESTAMP() WHERE {held}",
            self.t(),
            quote_literal(&head.to_json()),
            state.serial
        );
        if touched.is_some_and(|t| t.is_empty()) {
            let (_, n) = sql
                .execute(&update_head)
                .await
                .map_err(|e| self.remote(e))?;
            return if n == 1 { Ok(()) } else { Err(lost()) };
        }
        let (changed, removed) = {
            let before = self.written.lock().expect("not poisoned");
            let mut changed: Vec<(Address, String)> = Vec::new();
            let mut removed: Vec<Address> = Vec::new();
            let mut look = |addr: &Address| match state.resources.get(addr) {
                Some(record) => {
                    let body = serde_json::to_string(record).expect("records serialise");
                    if before.get(addr) != Some(&body) {
                        changed.push((addr.clone(), body));
                    }
                }
                None if before.contains_key(addr) => removed.push(addr.clone()),
                None => {}
            };
            match touched {
                Some(t) => t.iter().for_each(&mut look),
                None => {
                    state.resources.keys().for_each(&mut look);
                    for a in before.keys() {
                        if !state.resources.contains_key(a) {
                            removed.push(a.clone());
                        }
                    }
                }
            }
            (changed, removed)
        };
        let (_, n) = sql
            .execute(&format!(
                "UPDATE {} SET UPDATED_AT = CURRENT_TIMESTAMP() WHERE {held}",
                self.t()
            ))
            .await
            .map_err(|e| self.remote(e))?;
        if n != 1 {
            return Err(lost());
        }
        // New versions first, then the rows of removed records, then the head.
        let rows: Vec<String> = changed
            .iter()
            .map(|(a, b)| {
                format!(
                    "({}, {}, {}, {})",
                    self.ws(),
                    quote_literal(&a.to_string()),
                    quote_literal(b),
                    state.serial
                )
            })
            .collect();
        for chunk in chunks(
            &rows,
            &format!(
                "INSERT INTO {} (WORKSPACE, ADDRESS, BODY, SERIAL) VALUES ",
                self.t()
            ),
            ", ",
        ) {
            sql.execute(&chunk).await.map_err(|e| self.remote(e))?;
        }
        let gone: Vec<String> = removed
            .iter()
            .map(|a| format!("ADDRESS = {}", quote_literal(&a.to_string())))
            .collect();
        let prefix = format!(
            "DELETE FROM {} WHERE WORKSPACE = {} AND (",
            self.t(),
            self.ws()
        );
        for chunk in chunks(&gone, &prefix, " OR ") {
            sql.execute(&format!("{chunk})"))
                .await
                .map_err(|e| self.remote(e))?;
        }
        let (_, n) = sql
            .execute(&update_head)
            .await
            .map_err(|e| self.remote(e))?;
        if n != 1 {
            return Err(lost());
        }
        let mut written = self.written.lock().expect("not poisoned");
        let mut superseded = self.superseded.lock().expect("not poisoned");
        for (a, body) in changed {
            superseded.insert(a.clone(), state.serial);
            written.insert(a, body);
        }
        for a in removed {
            superseded.remove(&a);
            written.remove(&a);
        }
        Ok(())
    }

    /// Delete the rows that newer ones superseded since the last tidy (as the lock's
    /// holder: a write of another process is never touched, since its rows are newer).
    pub(crate) async fn tidy<S: Sql>(&self, sql: &S, lock: &LockInfo) -> Result<(), StateError> {
        let stale: BTreeMap<Address, u64> =
            std::mem::take(&mut *self.superseded.lock().expect("not poisoned"));
        if stale.is_empty() {
            return Ok(());
        }
        let (_, n) = sql
            .execute(&format!(
                "UPDATE {} SET UPDATED_AT = CURRENT_TIMESTAMP() WHERE {} AND LOCK_ID = {}",
                self.t(),
                self.head(),
                quote_literal(&lock.id)
            ))
            .await
            .map_err(|e| self.remote(e))?;
        if n != 1 {
            return Err(self.remote("this process no longer holds the state lock (it was forced open); nothing was written".into()));
        }
        let older: Vec<String> = stale
            .iter()
            .map(|(a, serial)| {
                format!(
                    "(ADDRESS = {} AND SERIAL < {serial})",
                    quote_literal(&a.to_string())
                )
            })
            .collect();
        let prefix = format!(
            "DELETE FROM {} WHERE WORKSPACE = {} AND (",
            self.t(),
            self.ws()
        );
        for chunk in chunks(&older, &prefix, " OR ") {
            sql.execute(&format!("{chunk})"))
                .await
                .map_err(|e| self.remote(e))?;
        }
        Ok(())
    }

    pub async fn lock<S: Sql>(&self, sql: &S, info: &LockInfo) -> Result<(), LockError> {
        self.ensure(sql)
            .await
            .map_err(|e| LockError::Remote(e.to_string()))?;
        let body = serde_json::to_string(info).expect("serialisable");
        let (_, n) = sql
            .execute(&format!(
                "UPDATE {} SET LOCK_ID = {}, LOCK_INFO = {} WHERE {} AND LOCK_ID IS NULL",
                self.t(),
                quote_literal(&info.id),
                quote_literal(&body),
                self.head()
            ))
            .await
            .map_err(|e| self.lock_remote(e))?;
        if n == 1 {
            return Ok(());
        }
        let holder = self.lock_info(sql).await?.unwrap_or_else(|| LockInfo {
            id: "?".into(),
            holder: "unknown (the lock row has no holder information)".into(),
            host: "?".into(),
            pid: 0,
            time: "?".into(),
            operation: "?".into(),
        });
        Err(LockError::Held(
            Box::new(holder),
            format!("table {}, workspace {}", self.table, self.workspace),
        ))
    }

    pub(crate) async fn lock_info<S: Sql>(&self, sql: &S) -> Result<Option<LockInfo>, LockError> {
        let row = self.head_row(sql).await.map_err(|e| self.lock_remote(e))?;
        Ok(row
            .and_then(|r| r.get(2).cloned().flatten())
            .and_then(|t| serde_json::from_str(&t).ok()))
    }

    pub(crate) async fn unlock<S: Sql>(&self, sql: &S, info: &LockInfo) -> Result<(), LockError> {
        sql.execute(&format!(
            "UPDATE {} SET LOCK_ID = NULL, LOCK_INFO = NULL WHERE {} AND LOCK_ID = {}",
            self.t(),
            self.head(),
            quote_literal(&info.id)
        ))
        .await
        .map_err(|e| self.lock_remote(e))?;
        Ok(())
    }

    pub(crate) async fn force_unlock<S: Sql>(
        &self,
        sql: &S,
    ) -> Result<Option<LockInfo>, LockError> {
        let info = self.lock_info(sql).await?;
        sql.execute(&format!(
            "UPDATE {} SET LOCK_ID = NULL, LOCK_INFO = NULL WHERE {}",
            self.t(),
            self.head()
        ))
        .await
        .map_err(|e| self.lock_remote(e))?;
        Ok(info)
    }
}

/// Statements of `prefix` followed by `items` joined with `sep`, each under MAX_STATEMENT
/// (an item larger than that alone still gets a statement of its own).
fn chunks(items: &[String], prefix: &str, sep: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for item in items {
        if !current.is_empty() && current.len() + sep.len() + item.len() > MAX_STATEMENT {
            out.push(std::mem::take(&mut current));
        }
        if current.is_empty() {
            current.push_str(prefix);
        } else {
            current.push_str(sep);
        }
        current.push_str(item);
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::attr;
    use crate::sandbox::{Engine, Session, SqlEngine};

    /// The sandbox's engine, called directly.
    struct Direct(Mutex<Engine>);

    impl Sql for Direct {
        async fn execute(&self, sql: &str) -> Result<(Vec<Vec<Option<String>>>, u64), String> {
            // The state table's SELECT, UPDATE and MERGE run on a warehouse.
            let session = Session {
                role: "SYSADMIN".into(),
                warehouse: Some("STATE_WH".into()),
                ..Session::default()
            };
            let r = self
                .0
                .lock()
                .unwrap()
                .execute(sql, &session)
                .map_err(|e| e.to_string())?;
            let n = r
                .dml
                .map(|d| d.inserted + d.updated + d.deleted)
                .unwrap_or(0);
            Ok((r.rows, n))
        }
    }

    fn engine() -> Direct {
        let mut e = Engine::new("SANDBOX");
        let s = Session {
            role: "SYSADMIN".into(),
            ..Session::default()
        };
        e.execute("CREATE WAREHOUSE STATE_WH", &s).unwrap();
        e.execute("CREATE DATABASE OPS", &s).unwrap();
        e.execute("CREATE SCHEMA OPS.SNOWFORM", &s).unwrap();
        Direct(Mutex::new(e))
    }

    fn backend() -> SnowflakeBackend {
        let id = crate::model::Ident::from_canonical;
        SnowflakeBackend::new(
            ObjectName::in_schema(id("OPS"), id("SNOWFORM"), id("STATE")),
            "default",
        )
    }

    fn warehouse(name: &str, comment: &str) -> crate::model::Object {
        let mut o = crate::model::Object::new(
            Address::new(crate::model::Kind::Warehouse, name.to_lowercase()),
            ObjectName::account(crate::model::Ident::from_canonical(name)),
        );
        o.set(attr::COMMENT, comment);
        o
    }

    fn run<F: std::future::Future>(operation: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(operation)
    }

    #[test]
    fn a_write_touches_only_the_rows_that_changed_and_reads_back_whole() {
        let sql = engine();
        let b = backend();
        let lock = LockInfo::new("test");
        run(async {
            assert!(b.load(&sql).await.unwrap().is_none());
            b.lock(&sql, &lock).await.unwrap();
            let mut state = State::new("default");
            for i in 0..3 {
                state.apply_effect(&crate::plan::Effect::Put {
                    object: warehouse(&format!("W{i}"), "x"),
                });
                state.serial += 1;
            }
            b.save(&sql, &state, &lock).await.unwrap();
            state.apply_effect(&crate::plan::Effect::Put {
                object: warehouse("W1", "changed"),
            });
            state.apply_effect(&crate::plan::Effect::Remove {
                address: Address::new(crate::model::Kind::Warehouse, "w2"),
            });
            state.serial += 2;
            b.save(&sql, &state, &lock).await.unwrap();
            let (rows, _) = sql
                .execute("SELECT ADDRESS FROM OPS.SNOWFORM.STATE")
                .await
                .unwrap();
            // The head, W0 and the new W1: W1's older row and W2 are gone.
            assert_eq!(rows.len(), 3, "{rows:?}");
            let fresh = backend();
            assert_eq!(fresh.load(&sql).await.unwrap().unwrap(), state);
        });
    }

    #[test]
    fn the_newest_row_wins_when_a_write_was_cut_short() {
        let sql = engine();
        let b = backend();
        let lock = LockInfo::new("test");
        run(async {
            b.lock(&sql, &lock).await.unwrap();
            let mut state = State::new("default");
            state.apply_effect(&crate::plan::Effect::Put {
                object: warehouse("W0", "old"),
            });
            state.serial = 1;
            b.save(&sql, &state, &lock).await.unwrap();
            // A newer row inserted, its predecessor not yet deleted, the head not yet written.
            let newer =
                serde_json::to_string(&Record::from_object(&warehouse("W0", "new"))).unwrap();
            sql.execute(&format!("INSERT INTO OPS.SNOWFORM.STATE (WORKSPACE, ADDRESS, BODY, SERIAL) VALUES ('default', 'warehouse.w0', {}, 2)", quote_literal(&newer)))
                .await
                .unwrap();
            let loaded = backend().load(&sql).await.unwrap().unwrap();
            assert_eq!(
                loaded.resources[&Address::new(crate::model::Kind::Warehouse, "w0")].properties
                    ["comment"],
                crate::model::Value::from("new")
            );
        });
    }

    /// Records every statement, then runs it on the engine.
    struct Recording(Direct, Mutex<Vec<String>>);

    impl Sql for Recording {
        async fn execute(&self, sql: &str) -> Result<(Vec<Vec<Option<String>>>, u64), String> {
            self.1.lock().unwrap().push(sql.to_string());
            self.0.execute(sql).await
        }
    }

    #[test]
    fn loading_only_reads_and_a_missing_table_is_an_empty_state() {
        let sql = Recording(engine(), Mutex::new(Vec::new()));
        let b = backend();
        run(async {
            assert!(b.load(&sql).await.unwrap().is_none());
            assert!(b.table_missing());
            let seen = std::mem::take(&mut *sql.1.lock().unwrap());
            assert!(seen.iter().all(|s| s.starts_with("SELECT ")), "{seen:?}");
            // The table is still missing: nothing was created.
            assert!(sql
                .0
                .execute("SELECT * FROM OPS.SNOWFORM.STATE")
                .await
                .is_err());
            // Once a writer made it, a workspace without a head row is still no state.
            b.ensure(&sql).await.unwrap();
            let other = SnowflakeBackend::new(b.table.clone(), "prod");
            sql.1.lock().unwrap().clear();
            assert!(other.load(&sql).await.unwrap().is_none());
            assert!(!other.table_missing());
            let seen = std::mem::take(&mut *sql.1.lock().unwrap());
            assert!(seen.iter().all(|s| s.starts_with("SELECT ")), "{seen:?}");
        });
    }

    #[test]
    fn recording_a_statement_costs_a_few_statements_however_many_records_there_are() {
        let sql = Recording(engine(), Mutex::new(Vec::new()));
        let b = backend();
        let lock = LockInfo::new("test");
        run(async {
            b.lock(&sql, &lock).await.unwrap();
            let mut state = State::new("default");
            for i in 0..50 {
                state.apply_effect(&crate::plan::Effect::Put {
                    object: warehouse(&format!("W{i}"), "x"),
                });
            }
            state.serial = 1;
            b.save(&sql, &state, &lock).await.unwrap();
            sql.1.lock().unwrap().clear();
            // Only in-progress entries changed: the head alone, which checks the lock.
            state.in_progress.push(crate::state::InProgress {
                statement: "ALTER WAREHOUSE W1 SET COMMENT = 'y'".into(),
                request_id: "r1".into(),
                started_at: "now".into(),
                effect: None,
                after: None,
            });
            let none = std::collections::BTreeSet::new();
            b.save_changes(&sql, &state, &lock, Some(&none))
                .await
                .unwrap();
            assert_eq!(sql.1.lock().unwrap().len(), 1);
            assert_eq!(backend().load(&sql).await.unwrap().unwrap(), state);
            // One record changed: the lock check, its row, the head; its older row is left
            // for `tidy`, and reading keeps the newest.
            sql.1.lock().unwrap().clear();
            let w1 = warehouse("W1", "y");
            state.apply_effect(&crate::plan::Effect::Put { object: w1.clone() });
            state.in_progress.clear();
            state.serial = 2;
            let touched = [w1.address.clone()].into_iter().collect();
            b.save_changes(&sql, &state, &lock, Some(&touched))
                .await
                .unwrap();
            let seen = std::mem::take(&mut *sql.1.lock().unwrap());
            assert_eq!(seen.len(), 3, "{seen:?}");
            assert!(!seen[1].contains("'warehouse.w2'"), "{}", seen[1]);
            assert_eq!(backend().load(&sql).await.unwrap().unwrap(), state);
            let count = |sql: &Recording| {
                run_nested(sql.0.execute("SELECT ADDRESS FROM OPS.SNOWFORM.STATE"))
                    .unwrap()
                    .0
                    .len()
            };
            assert_eq!(count(&sql), 52);
            b.tidy(&sql, &lock).await.unwrap();
            assert_eq!(count(&sql), 51);
            assert_eq!(backend().load(&sql).await.unwrap().unwrap(), state);
        });
    }

    /// The engine answers at once: its futures are ready when first polled.
    fn run_nested<F: std::future::Future>(operation: F) -> F::Output {
        futures::FutureExt::now_or_never(operation).expect("the direct engine answers at once")
    }

    #[test]
    fn statements_stay_small_however_large_the_state() {
        let items: Vec<String> = (0..5000)
            .map(|i| format!("('{}', {})", "x".repeat(200), i))
            .collect();
        let parts = chunks(&items, "INSERT INTO T VALUES ", ", ");
        assert!(parts.len() > 1);
        assert!(parts.iter().all(|p| p.len() <= MAX_STATEMENT));
        let total: usize = parts.iter().map(|p| p.matches("('").count()).sum();
        assert_eq!(total, 5000);
    }
}
