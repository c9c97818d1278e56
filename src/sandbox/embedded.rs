//! The embedded sandbox account (`--connection sandbox`): an account kept in a file, with
//! one user whose default warehouse exists, as a new Snowflake account comes with a
//! warehouse for its first user. The user is an object of the account (SHOW USERS lists
//! it), as the user a connection signs in as always is. Reading model versions, the state table and `sandbox
//! exec` SELECTs run on it.

use super::{Engine, Session, SqlEngine};
use std::path::Path;

/// The account's name.
pub const ACCOUNT: &str = "SANDBOX";
/// Its one user, who signs in with an access token made for the run.
pub const USER: &str = "SNOWFORM";
/// The user's default warehouse.
pub const WAREHOUSE: &str = "SNOWFORM_SANDBOX_WH";

/// Open the account kept at `path` (created when missing), with its user and the user's
/// warehouse.
pub fn open(path: &Path) -> Result<Engine, String> {
    let mut engine = Engine::open(path, ACCOUNT)
        .map_err(|e| format!("cannot open the sandbox account {}: {e}", path.display()))?;
    let admin = Session {
        account: ACCOUNT.into(),
        user: USER.into(),
        role: "ACCOUNTADMIN".into(),
        ..Default::default()
    };
    engine
        .execute(
            &format!(
                "CREATE WAREHOUSE IF NOT EXISTS {WAREHOUSE} WAREHOUSE_SIZE = XSMALL \
                 AUTO_SUSPEND = 60 AUTO_RESUME = TRUE INITIALLY_SUSPENDED = TRUE \
                 COMMENT = 'The sandbox user''s default warehouse'"
            ),
            &admin,
        )
        .map_err(|e| format!("cannot prepare the sandbox account: {e}"))?;
    engine
        .execute(
            &format!(
                "CREATE USER IF NOT EXISTS {USER} TYPE = SERVICE DEFAULT_WAREHOUSE = {WAREHOUSE} \
                 DEFAULT_ROLE = ACCOUNTADMIN COMMENT = 'The sandbox account''s connecting user'"
            ),
            &admin,
        )
        .map_err(|e| format!("cannot prepare the sandbox account: {e}"))?;
    Ok(engine)
}
