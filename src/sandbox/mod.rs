//! The sandbox: an emulator of the Snowflake SQL API v2 and of an account's metadata
//! catalog. `engine` executes SQL against the catalog; `server` speaks the HTTP protocol.
//! It is a faithful peer for tests and demos, and says so wherever it differs from
//! Snowflake (docs/sandbox.md).

pub mod engine;
mod types;

pub use engine::{Clock, Engine, PersistError};
pub use types::{Column, DmlStats, ResultSet, Session, SqlEngine, SqlError};
