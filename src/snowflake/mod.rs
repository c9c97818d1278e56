//! The Snowflake SQL API v2 client: connection files, key-pair/PAT/OAuth authentication,
//! statement submission with polling, partitions, retries and cancellation. It knows
//! statements and rows only, never resource kinds or plans.

pub(crate) mod account;
pub(crate) mod auth;
mod client;
pub(crate) mod connection;
pub(crate) mod env;
mod error;
pub mod jwt;
pub(crate) mod keys;
mod policy;
mod result;
pub(crate) mod secret;
pub(crate) mod wire;

pub use auth::{Auth, AuthError};
pub use client::{
    base_url_for, connection_test, Client, ClientOptions, ConnectionInfo, Context, InterruptHandle,
    StatementRequest,
};
pub use connection::{
    resolve_connection, temporary_connection, ConnectionConfig, ConnectionError, Resolved,
};
pub use env::Env;
pub use error::{ClientError, ErrorKind};
pub use keys::{KeyError, PrivateKey};
pub use policy::{PollPolicy, RetryPolicy};
pub use result::{ColumnInfo, DmlCounts, QueryResult};
pub use secret::Secret;
