//! One module per command.

mod apply;
mod comment;
mod connection;
mod drift;
mod fmt;
mod force_unlock;
mod generate;
mod graph;
mod import;
mod output;
pub mod plan;
mod sandbox;
mod state;
mod validate;

use super::args::{Command, CommentCommand, ConnectionCommand};
use super::{CliError, Ctx, Exit};

pub fn run(ctx: &Ctx, command: Command) -> Result<Exit, CliError> {
    match command {
        Command::Validate => validate::run(ctx),
        Command::Fmt { check } => fmt::run(ctx, check),
        Command::Graph => graph::run(ctx),
        Command::Plan(args) => plan::run(ctx, &args),
        Command::Apply(args) => apply::run(ctx, &args),
        Command::Drift {
            include_unmanaged,
            out,
        } => drift::run(ctx, include_unmanaged, out.as_ref()),
        Command::Import { address, name } => import::run(ctx, &address, &name),
        Command::Generate {
            database,
            schema,
            role,
            out,
            import_blocks,
        } => generate::run(
            ctx,
            database.as_deref(),
            schema.as_deref(),
            &role,
            out.as_ref(),
            import_blocks,
        ),
        Command::State(cmd) => state::run(ctx, cmd),
        Command::ForceUnlock { yes } => force_unlock::run(ctx, yes),
        Command::Connection(ConnectionCommand::Test) => connection::test(ctx),
        Command::Sandbox(cmd) => sandbox::run(ctx, cmd),
        Command::Output { name, raw } => output::run(ctx, name.as_deref(), raw),
        Command::Completions { shell } => {
            use clap::CommandFactory;
            let mut cmd = super::args::Cli::command();
            clap_complete::generate(shell, &mut cmd, "snowform", &mut ctx.stdout.clone());
            Ok(Exit::Ok)
        }
        Command::Comment(CommentCommand::AzureDevops {
            plan,
            drift,
            plan_failed,
        }) => comment::azure_devops(
            ctx,
            plan.as_deref(),
            drift.as_deref(),
            plan_failed.as_deref(),
        ),
    }
}

/// A runtime for the commands that talk to an account. Its threads log to the run's
/// logger (the thread calling `block_on` already does: see `cli::run`).
pub fn runtime(ctx: &Ctx) -> Result<tokio::runtime::Runtime, CliError> {
    thread_local! {
        static LOGS: std::cell::RefCell<Option<tracing::dispatcher::DefaultGuard>> =
            const { std::cell::RefCell::new(None) };
    }
    let logs = ctx.logs.clone();
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .on_thread_start(move || {
            let guard = tracing::dispatcher::set_default(&logs);
            LOGS.with(|g| *g.borrow_mut() = Some(guard));
        })
        .on_thread_stop(|| LOGS.with(|g| drop(g.borrow_mut().take())))
        .build()
        .map_err(|e| CliError::new(format!("cannot start the async runtime: {e}")))
}
