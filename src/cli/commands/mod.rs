//! One module per command.

mod fmt;
mod graph;
mod plan;
mod state;
mod validate;

use super::args::Command;
use super::{CliError, Ctx, Exit};

pub fn run(ctx: &Ctx, command: Command) -> Result<Exit, CliError> {
    match command {
        Command::Validate => validate::run(ctx),
        Command::Fmt { check } => fmt::run(ctx, check),
        Command::Graph => graph::run(ctx),
        Command::Plan(args) => plan::run(ctx, &args),
        Command::State(cmd) => state::run(ctx, cmd),
        other => Err(CliError::new(format!(
            "{other:?} is not available in this build"
        ))),
    }
}

/// A runtime for the commands that talk to an account.
pub fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| CliError::new(format!("cannot start the async runtime: {e}")))
}
