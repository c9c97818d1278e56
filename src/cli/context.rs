//! What every command shares: the global options, the loaded configuration, the state
//! backend and the styles of the two streams.

use super::args::Global;
use super::error::CliError;
use super::io::{Input, Io, Output};
use crate::config::{self, Config, LoadOptions};
use crate::render::{RedactorCell, Style};
use crate::snowflake::Env;
use crate::state::LocalBackend;
use std::path::{Path, PathBuf};

/// One run of the command line: its options and everything it was given (see [`Io`]).
#[derive(Clone)]
pub(crate) struct Ctx {
    pub global: Global,
    /// Colour for stdout and stderr, only on a terminal and without NO_COLOR / --no-color.
    pub(crate) out_style: Style,
    pub(crate) err_style: Style,
    pub env: Env,
    cwd: Option<PathBuf>,
    pub stdin: Input,
    pub stdout: Output,
    pub stderr: Output,
    /// Whether apply may listen for signals.
    pub signals: bool,
    /// What the loaded configuration marks sensitive, hidden in messages and logs.
    pub redactor: RedactorCell,
    /// The logger of this run (`-v`, `SNOWFORM_LOG`), writing to its stderr.
    pub logs: tracing::Dispatch,
}

impl Ctx {
    /// Let go of a large value the command no longer needs (a configuration, a plan)
    /// without freeing it, when this run is the process and ends right after: freeing the
    /// many small values of a 10,000-object plan cost 5-8% of an offline plan. Inside
    /// another program (a run that does not own the process's signals, as in tests) it is
    /// dropped as usual. Only for values whose drop does nothing but free memory.
    pub(crate) fn discard<T>(&self, value: T) {
        if self.signals {
            std::mem::forget(value);
        }
    }

    pub fn new(mut global: Global, io: Io) -> Ctx {
        global.dir = io.resolve(&global.dir);
        global.var_files = global.var_files.iter().map(|f| io.resolve(f)).collect();
        let allowed = !global.no_color && io.env.var("NO_COLOR").is_none_or(str::is_empty);
        let out_style = Style {
            color: allowed && io.stdout.is_terminal(),
        };
        let err_style = Style {
            color: allowed && io.stderr.is_terminal(),
        };
        let redactor = RedactorCell::default();
        let logs = logger(global.verbose, &io.env, &io.stderr, err_style, &redactor);
        Ctx {
            global,
            out_style,
            err_style,
            env: io.env,
            cwd: io.cwd,
            stdin: io.stdin,
            stdout: io.stdout,
            stderr: io.stderr,
            signals: io.signals,
            redactor,
            logs,
        }
    }

    /// The same context with another connection selected.
    pub(crate) fn with_connection(&self, name: &str) -> Ctx {
        let mut ctx = self.clone();
        ctx.global.connection = Some(name.to_string());
        ctx
    }

    /// `path` (an argument) as the user meant it: relative to the working directory.
    pub(crate) fn resolve(&self, path: &Path) -> PathBuf {
        match &self.cwd {
            Some(cwd) if path.is_relative() => cwd.join(path),
            _ => path.to_path_buf(),
        }
    }

    /// The working directory.
    pub(crate) fn current_dir(&self) -> Option<PathBuf> {
        match &self.cwd {
            Some(cwd) => Some(cwd.clone()),
            None => std::env::current_dir().ok(),
        }
    }

    /// The lock this run takes for `operation`, naming the user of its environment.
    pub(crate) fn lock_info(&self, operation: &str) -> crate::state::LockInfo {
        let info = crate::state::LockInfo::new(operation);
        let user = (self.env.non_empty("USER"))
            .or_else(|| self.env.non_empty("USERNAME"))
            .unwrap_or("unknown");
        crate::state::LockInfo {
            holder: format!("{user}@{}", info.host),
            ..info
        }
    }

    /// `text` with what the loaded configuration marks sensitive replaced.
    pub(crate) fn redact(&self, text: &str) -> String {
        self.redactor.apply(text)
    }

    pub(crate) fn load_options(&self) -> LoadOptions {
        LoadOptions {
            vars: self.global.vars.clone(),
            var_files: self.global.var_files.clone(),
            env: self
                .env
                .with_prefix("SNOWFORM_VAR_")
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            workspace: self.global.workspace.clone(),
        }
    }

    /// Load and check the configuration; print every diagnostic on stderr.
    pub fn load_config(&self) -> Result<Config, CliError> {
        self.report_config(config::load(&self.global.dir, &self.load_options()))
    }

    /// A loaded configuration, once its diagnostics are printed on stderr; an error when
    /// it has any.
    pub(crate) fn report_config(
        &self,
        loaded: (Option<Config>, crate::diag::Diagnostics),
    ) -> Result<Config, CliError> {
        self.report_config_with(loaded, |line| println_to!(self.stderr, "{line}"))
    }

    /// [`Ctx::report_config`], each diagnostic printed with `print`.
    pub(crate) fn report_config_with(
        &self,
        (config, diags): (Option<Config>, crate::diag::Diagnostics),
        print: impl Fn(&str),
    ) -> Result<Config, CliError> {
        for d in diags.iter() {
            print(&self.paint_diag(d));
        }
        match config {
            Some(c) if !diags.has_errors() => {
                // Messages and logs printed from here on hide what the configuration marks
                // sensitive.
                self.redactor
                    .set(crate::render::Redactor::new(c.sensitive.clone()));
                Ok(c)
            }
            _ => Err(CliError::new(format!(
                "the configuration in {} has {} error(s); nothing was changed",
                self.global.dir.display(),
                diags.errors().count()
            ))),
        }
    }

    pub(crate) fn paint_diag(&self, diagnostic: &crate::diag::Diagnostic) -> String {
        let text = self.redact(&diagnostic.to_string());
        if diagnostic.is_error() {
            self.err_style.red(&text)
        } else {
            self.err_style.yellow(&text)
        }
    }

    /// Where local state lives: the backend block's path, or state/<workspace>.json.
    pub(crate) fn local_state_path(&self, config: Option<&config::Backend>) -> PathBuf {
        let configured = config.and_then(|c| match c {
            config::Backend::Local { path: Some(p) } => Some(p.clone()),
            _ => None,
        });
        let rel = configured
            .unwrap_or_else(|| PathBuf::from(format!("state/{}.json", self.global.workspace)));
        if rel.is_absolute() {
            rel
        } else {
            self.global.dir.join(rel)
        }
    }

    pub(crate) fn local_backend(&self, config: Option<&config::Backend>) -> LocalBackend {
        LocalBackend::new(self.local_state_path(config))
    }
}

/// The run's logger: warnings by default, more with `-v`s, or what `SNOWFORM_LOG` filters;
/// redacted, on the run's stderr.
fn logger(
    verbose: u8,
    env: &Env,
    stderr: &Output,
    style: Style,
    redactor: &RedactorCell,
) -> tracing::Dispatch {
    use tracing_subscriber::EnvFilter;
    let default = match verbose {
        0 => "warn",
        1 => "snowform=info",
        2 => "snowform=debug",
        _ => "snowform=trace",
    };
    let filter = env
        .var("SNOWFORM_LOG")
        .and_then(|f| EnvFilter::try_new(f).ok())
        .unwrap_or_else(|| EnvFilter::new(default));
    let (stderr, redactor) = (stderr.clone(), redactor.clone());
    tracing::Dispatch::new(
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(move || crate::render::LogWriter::new(redactor.clone(), stderr.clone()))
            .with_ansi(style.color)
            .with_target(false)
            .finish(),
    )
}
