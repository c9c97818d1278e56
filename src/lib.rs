//! snowform: infrastructure as code for the Snowflake objects an ML platform runs on.
//!
//! The flow of data is: `config` reads HCL into desired [`model::Object`]s; `live` reads
//! the account into the same type; `diff` compares them with the recorded `state`; `plan`
//! orders the changes and `ddl` writes their statements; `render` prints the plan; `apply`
//! runs it through the `snowflake` client and records each statement in `state`.
//! See docs/ARCHITECTURE.md.

pub mod apply;
pub mod azure;
pub mod cli;
pub mod config;
pub mod ddl;
pub mod diag;
pub mod diff;
pub mod drift;
pub mod generate;
pub(crate) mod graph;
mod kinds;
pub mod live;
pub mod model;
pub mod plan;
pub mod privileges;
pub mod render;
pub mod sandbox;
pub mod snowflake;
pub mod sql;
pub mod state;
