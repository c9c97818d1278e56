//! What every command shares: the global options, the loaded configuration, the state
//! backend and the styles of the two streams.

use super::args::Global;
use super::error::CliError;
use crate::config::{self, Config, LoadOptions};
use crate::render::Style;
use crate::state::LocalBackend;
use std::io::IsTerminal;
use std::path::PathBuf;

pub struct Ctx {
    pub global: Global,
    /// Colour for stdout and stderr, only on a terminal and without NO_COLOR / --no-color.
    pub out_style: Style,
    pub err_style: Style,
}

impl Ctx {
    pub fn new(global: Global) -> Ctx {
        let allowed = !global.no_color && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        Ctx {
            out_style: Style {
                color: allowed && std::io::stdout().is_terminal(),
            },
            err_style: Style {
                color: allowed && std::io::stderr().is_terminal(),
            },
            global,
        }
    }

    /// The same context with another connection selected.
    pub fn with_connection(&self, name: &str) -> Ctx {
        let mut global = self.global.clone();
        global.connection = Some(name.to_string());
        Ctx {
            global,
            out_style: self.out_style,
            err_style: self.err_style,
        }
    }

    pub fn load_options(&self) -> LoadOptions {
        LoadOptions {
            vars: self.global.vars.clone(),
            var_files: self.global.var_files.clone(),
            env: std::env::vars()
                .filter(|(k, _)| k.starts_with("SNOWFORM_VAR_"))
                .collect(),
            workspace: self.global.workspace.clone(),
        }
    }

    /// Load and check the configuration; print every diagnostic on stderr.
    pub fn load_config(&self) -> Result<Config, CliError> {
        let (config, diags) = config::load(&self.global.dir, &self.load_options());
        for d in diags.iter() {
            eprintln!("{}", self.paint_diag(d));
        }
        match config {
            Some(c) if !diags.has_errors() => {
                // Messages and logs printed from here on hide what the configuration marks
                // sensitive.
                crate::render::set_global(crate::render::Redactor::new(c.sensitive.clone()));
                Ok(c)
            }
            _ => Err(CliError::new(format!(
                "the configuration in {} has {} error(s); nothing was changed",
                self.global.dir.display(),
                diags.errors().count()
            ))),
        }
    }

    pub fn paint_diag(&self, d: &crate::diag::Diagnostic) -> String {
        let text = crate::render::redact_global(&d.to_string());
        if d.is_error() {
            self.err_style.red(&text)
        } else {
            self.err_style.yellow(&text)
        }
    }

    /// Where local state lives: the backend block's path, or state/<workspace>.json.
    pub fn local_state_path(&self, config: Option<&Config>) -> PathBuf {
        let configured = config.and_then(|c| match &c.backend {
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

    pub fn local_backend(&self, config: Option<&Config>) -> LocalBackend {
        LocalBackend::new(self.local_state_path(config))
    }
}
