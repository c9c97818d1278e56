//! The command line: parses arguments, calls the library, renders what it returns and
//! maps outcomes to exit codes (0 success, 1 error, 2 changes or drift). No diffing,
//! ordering, SQL or HTTP happens here.

#[macro_use]
mod io;
pub mod args;
mod backend;
mod commands;
mod context;
mod error;
mod planning;
mod progress;
mod session;

use clap::{CommandFactory, FromArgMatches};
use std::ffi::OsString;
use std::process::ExitCode;

pub(crate) use context::Ctx;
pub(crate) use error::CliError;
pub use error::Exit;
pub use io::{Captured, Input, Io, Output};

/// The binary: [`run`] with the process's arguments, environment and streams.
pub fn main() -> ExitCode {
    ExitCode::from(run(std::env::args_os(), io::Io::process()))
}

/// One run of the command line (`args` starts with the program name) with what `io` gives
/// it; its exit code. Reads no process-wide setting and changes none, so runs can share a
/// process, in parallel: the end-to-end tests run the command line this way.
pub fn run<I, T>(args: I, io: Io) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match parse(args, &io.env) {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version end here too, on stdout with exit 0.
            let stream = if e.use_stderr() {
                &io.stderr
            } else {
                &io.stdout
            };
            let text = e.render();
            if stream.is_terminal() && io.env.var("NO_COLOR").is_none_or(str::is_empty) {
                print_to!(stream, "{}", text.ansi());
            } else {
                print_to!(stream, "{text}");
            }
            return e.exit_code() as u8;
        }
    };
    if let Err(e) = args::check_workspace(&cli.global.workspace) {
        println_to!(io.stderr, "error: {e}");
        return 1;
    }
    let ctx = Ctx::new(cli.global, io);
    let result = tracing::dispatcher::with_default(&ctx.logs, || commands::run(&ctx, cli.command));
    match result {
        Ok(exit) => exit as u8,
        Err(e) => {
            let text = ctx.redact(&format!("error: {e}"));
            println_to!(ctx.stderr, "{}", ctx.err_style.red(&text));
            1
        }
    }
}

/// The arguments, with the variables clap would read (`SNOWFORM_WORKSPACE`, ...) taken from
/// `env` rather than from the process: clap reads an argument's variable from the process
/// when the argument is declared, so the declarations are changed to read none, and the
/// values are set here.
fn parse<I, T>(args: I, env: &crate::snowflake::Env) -> Result<args::Cli, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let mut command = args::Cli::command();
    let from_env: Vec<(clap::Id, String)> = command
        .get_arguments()
        .filter_map(|a| Some((a.get_id().clone(), a.get_env()?.to_str()?.to_string())))
        .collect();
    for (id, var) in &from_env {
        command = command.mut_arg(id, |a| {
            let help = a.get_help().map(|h| h.to_string()).unwrap_or_default();
            a.env(None).help(format!("{help} [env: {var}]"))
        });
    }
    let matches = command.try_get_matches_from(args)?;
    let mut cli = args::Cli::from_arg_matches(&matches)?;
    for (id, var) in &from_env {
        // A value on the command line wins over the variable, as with clap's own.
        if matches.value_source(id.as_str()) == Some(clap::parser::ValueSource::CommandLine) {
            continue;
        }
        if let Some(value) = env.non_empty(var) {
            cli.global.set_from_env(id.as_str(), value);
        }
    }
    Ok(cli)
}

/// A panic at a named point, for the tests that check what a bug leaves behind (the state
/// lock is released). Only debug builds read `SNOWFORM_TEST_PANIC`; a release build never
/// panics here.
pub(crate) fn test_panic(ctx: &Ctx, point: &str) {
    if cfg!(debug_assertions) && ctx.env.var("SNOWFORM_TEST_PANIC") == Some(point) {
        panic!("SNOWFORM_TEST_PANIC={point}: a panic injected for a test");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every variable an argument declares is read from the run's environment, and the
    /// command line wins over it.
    #[test]
    fn argument_variables_come_from_the_given_environment() {
        let vars = [
            ("SNOWFORM_WORKSPACE", "team"),
            ("SNOWFORM_CONNECTION", "prod"),
            ("SNOWFORM_SANDBOX_ACCOUNT", "shared"),
        ];
        let declared: Vec<String> = args::Cli::command()
            .get_arguments()
            .filter_map(|a| Some(a.get_env()?.to_str()?.to_string()))
            .collect();
        let listed: Vec<String> = vars.iter().map(|(k, _)| k.to_string()).collect();
        assert_eq!(declared, listed, "a new variable: add it to this test");
        let env = vars
            .iter()
            .fold(crate::snowflake::Env::new(), |e, (k, v)| e.with_var(k, v));
        let cli = parse(["snowform", "validate"], &env).unwrap();
        assert_eq!(cli.global.workspace, "team");
        assert_eq!(cli.global.connection.as_deref(), Some("prod"));
        assert_eq!(cli.global.sandbox_account.as_deref(), Some("shared"));
        let cli = parse(["snowform", "validate", "--workspace", "w"], &env).unwrap();
        assert_eq!(cli.global.workspace, "w");
        let none = parse(["snowform", "validate"], &crate::snowflake::Env::new()).unwrap();
        assert_eq!(none.global.workspace, "default");
        assert_eq!(none.global.connection, None);
    }
}
