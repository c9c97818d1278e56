//! The snowflake backend: state kept in a table in the account, one row per workspace, so
//! that a pull-request plan and a main-branch apply on different agents share one state.
//! The lock is the row's LOCK_ID, taken with an UPDATE that only matches an unlocked row:
//! Snowflake runs it atomically, so exactly one taker sees one row updated.

use super::lock::{LockError, LockInfo};
use super::record::{State, StateError};
use crate::model::ObjectName;
use crate::sql::quote_literal;

/// What the backend needs from a connection.
#[allow(async_fn_in_trait)]
pub trait Sql: Sync {
    /// Run one statement: its rows, and the number of rows a DML statement changed.
    async fn execute(&self, sql: &str) -> Result<(Vec<Vec<Option<String>>>, u64), String>;
}

#[derive(Clone, Debug)]
pub struct SnowflakeBackend {
    pub table: ObjectName,
    pub workspace: String,
}

impl SnowflakeBackend {
    pub fn new(table: ObjectName, workspace: &str) -> SnowflakeBackend {
        SnowflakeBackend {
            table,
            workspace: workspace.to_string(),
        }
    }

    fn t(&self) -> String {
        self.table.to_sql()
    }

    fn ws(&self) -> String {
        quote_literal(&self.workspace)
    }

    fn where_(&self) -> String {
        format!("{}", self.table)
    }

    fn remote(&self, e: String) -> StateError {
        StateError::Remote(format!("{} (table {}): {e}", self.workspace, self.where_()))
    }

    fn lock_remote(&self, e: String) -> LockError {
        LockError::Remote(format!("{} (table {}): {e}", self.workspace, self.where_()))
    }

    /// Create the table and this workspace's row when missing.
    pub async fn ensure<S: Sql>(&self, sql: &S) -> Result<(), StateError> {
        sql.execute(&format!(
            "CREATE TABLE IF NOT EXISTS {} (WORKSPACE VARCHAR NOT NULL, SERIAL NUMBER, STATE VARCHAR, LOCK_ID VARCHAR, LOCK_INFO VARCHAR, UPDATED_AT TIMESTAMP_NTZ) COMMENT = 'snowform state: one row per workspace; change it only through snowform'",
            self.t()
        ))
        .await
        .map_err(|e| self.remote(e))?;
        sql.execute(&format!(
            "MERGE INTO {t} USING (SELECT {ws} AS WORKSPACE) AS S ON {t}.WORKSPACE = S.WORKSPACE WHEN NOT MATCHED THEN INSERT (WORKSPACE, SERIAL) VALUES (S.WORKSPACE, 0)",
            t = self.t(),
            ws = self.ws()
        ))
        .await
        .map_err(|e| self.remote(e))?;
        Ok(())
    }

    async fn row<S: Sql>(&self, sql: &S) -> Result<Option<Vec<Option<String>>>, String> {
        let (rows, _) = sql
            .execute(&format!(
                "SELECT STATE, LOCK_ID, LOCK_INFO FROM {} WHERE WORKSPACE = {}",
                self.t(),
                self.ws()
            ))
            .await?;
        Ok(rows.into_iter().next())
    }

    pub async fn load<S: Sql>(&self, sql: &S) -> Result<Option<State>, StateError> {
        self.ensure(sql).await?;
        let row = self.row(sql).await.map_err(|e| self.remote(e))?;
        match row.and_then(|r| r.into_iter().next().flatten()) {
            Some(text) if !text.is_empty() => State::parse(&text, &self.where_()).map(Some),
            _ => Ok(None),
        }
    }

    /// Write the state; only the holder of the lock can.
    pub async fn save<S: Sql>(
        &self,
        sql: &S,
        state: &State,
        lock: &LockInfo,
    ) -> Result<(), StateError> {
        let (_, n) = sql
            .execute(&format!(
                "UPDATE {} SET STATE = {}, SERIAL = {}, UPDATED_AT = CURRENT_TIMESTAMP() WHERE WORKSPACE = {} AND LOCK_ID = {}",
                self.t(),
                quote_literal(&state.to_json()),
                state.serial,
                self.ws(),
                quote_literal(&lock.id)
            ))
            .await
            .map_err(|e| self.remote(e))?;
        if n != 1 {
            return Err(self.remote("this process no longer holds the state lock (it was forced open); nothing was written".into()));
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
                "UPDATE {} SET LOCK_ID = {}, LOCK_INFO = {} WHERE WORKSPACE = {} AND LOCK_ID IS NULL",
                self.t(),
                quote_literal(&info.id),
                quote_literal(&body),
                self.ws()
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
            format!("table {}, workspace {}", self.where_(), self.workspace),
        ))
    }

    pub async fn lock_info<S: Sql>(&self, sql: &S) -> Result<Option<LockInfo>, LockError> {
        let row = self.row(sql).await.map_err(|e| self.lock_remote(e))?;
        Ok(row
            .and_then(|r| r.get(2).cloned().flatten())
            .and_then(|t| serde_json::from_str(&t).ok()))
    }

    pub async fn unlock<S: Sql>(&self, sql: &S, info: &LockInfo) -> Result<(), LockError> {
        sql.execute(&format!(
            "UPDATE {} SET LOCK_ID = NULL, LOCK_INFO = NULL WHERE WORKSPACE = {} AND LOCK_ID = {}",
            self.t(),
            self.ws(),
            quote_literal(&info.id)
        ))
        .await
        .map_err(|e| self.lock_remote(e))?;
        Ok(())
    }

    pub async fn force_unlock<S: Sql>(&self, sql: &S) -> Result<Option<LockInfo>, LockError> {
        let info = self.lock_info(sql).await?;
        sql.execute(&format!(
            "UPDATE {} SET LOCK_ID = NULL, LOCK_INFO = NULL WHERE WORKSPACE = {}",
            self.t(),
            self.ws()
        ))
        .await
        .map_err(|e| self.lock_remote(e))?;
        Ok(info)
    }
}
