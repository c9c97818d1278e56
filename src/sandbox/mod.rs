//! The sandbox: an emulator of the Snowflake SQL API v2 and of an account's metadata
//! catalog. `engine` executes SQL against the catalog; `server` speaks the HTTP protocol.
//! It is a faithful peer for tests and demos, and says so wherever it differs from
//! Snowflake (docs/sandbox.md).

pub mod engine;
pub mod faults;
pub mod jwt_verify;
pub mod server;
mod statements;
pub mod stats;
mod types;

pub use engine::{Clock, Engine, PersistError};
pub use faults::FaultOptions;
pub use server::{start, AccessToken, RunningServer, ServeError, ServeOptions, UserKey};
pub use stats::StatsSnapshot;
pub use types::{Column, DmlStats, ResultSet, Session, SqlEngine, SqlError};
