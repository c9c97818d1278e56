//! The command line: parses arguments, calls the library, renders what it returns and
//! maps outcomes to exit codes (0 success, 1 error, 2 changes or drift). No diffing,
//! ordering, SQL or HTTP happens here.

pub mod args;
mod backend;
mod commands;
mod context;
mod error;
mod planning;
mod progress;
mod session;

use clap::Parser;
use std::process::ExitCode;

pub use context::Ctx;
pub use error::{CliError, Exit};

pub fn main() -> ExitCode {
    let cli = args::Cli::parse();
    init_logging(cli.global.verbose);
    if let Err(e) = args::check_workspace(&cli.global.workspace) {
        eprintln!("error: {e}");
        return ExitCode::from(1);
    }
    let ctx = Ctx::new(cli.global);
    let result = commands::run(&ctx, cli.command);
    match result {
        Ok(exit) => ExitCode::from(exit as u8),
        Err(e) => {
            let text = crate::render::redact_global(&format!("error: {e}"));
            eprintln!("{}", ctx.err_style.red(&text));
            ExitCode::from(1)
        }
    }
}

/// A panic at a named point, for the tests that check what a bug leaves behind (the state
/// lock is released). Only debug builds read `SNOWFORM_TEST_PANIC`; a release build never
/// panics here.
pub(crate) fn test_panic(point: &str) {
    if cfg!(debug_assertions) && std::env::var("SNOWFORM_TEST_PANIC").is_ok_and(|p| p == point) {
        panic!("SNOWFORM_TEST_PANIC={point}: a panic injected for a test");
    }
}

fn init_logging(verbose: u8) {
    use tracing_subscriber::EnvFilter;
    let default = match verbose {
        0 => "warn",
        1 => "snowform=info",
        2 => "snowform=debug",
        _ => "snowform=trace",
    };
    let filter =
        EnvFilter::try_from_env("SNOWFORM_LOG").unwrap_or_else(|_| EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(crate::render::LogWriter::new)
        .with_target(false)
        .try_init();
}
