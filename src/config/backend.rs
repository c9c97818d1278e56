//! The `backend` block: where state is kept.

use super::bindings::Bindings;
use super::blocks::Decls;
use super::functions::describe;
use super::refs::{self, Allowed, Names, Target, Uses};
use super::variables::Variables;
use crate::diag::{Diagnostic, Diagnostics};
use crate::model::Ident;
use hcl::Value as Hcl;
use serde::Serialize;
use std::path::PathBuf;

/// Where state is kept.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Backend {
    /// A JSON file. `path` is as written, relative to the configuration directory; None is
    /// the default, `state/<workspace>.json`.
    Local { path: Option<PathBuf> },
    /// A table in Snowflake.
    Snowflake {
        database: Ident,
        schema: Ident,
        table: Ident,
    },
}

impl Default for Backend {
    fn default() -> Backend {
        Backend::Local { path: None }
    }
}

pub(crate) fn decode(
    decls: &Decls,
    vars: &Variables,
    names: &Names,
    workspace: &str,
    diags: &mut Diagnostics,
) -> Option<Backend> {
    let Some(decl) = &decls.backend else {
        return Some(Backend::default());
    };
    let env = Bindings::new(&vars.values, workspace);
    let allowed = Allowed {
        what: "a backend block",
        var: true,
        workspace: true,
        ..Allowed::NOTHING
    };
    let mut failed = false;
    let mut get = |name: &str, diags: &mut Diagnostics| -> Option<String> {
        let attr = decl.block.body.get_attribute(name)?;
        let before = diags.len();
        let targets = refs::resolve(&Uses::of(&attr.value), names, allowed, decl.file, diags);
        if diags.len() > before
            || targets
                .iter()
                .any(|t| matches!(t, Target::Var(v) if vars.failed.contains(*v)))
        {
            failed = true;
            return None;
        }
        let at = Some(decl.file.span_of(&attr.value));
        match env.eval(&attr.value) {
            Ok(Hcl::String(s)) if !s.trim().is_empty() => Some(s),
            Ok(other) => {
                let got = if other.as_str().is_some() {
                    "an empty string"
                } else {
                    describe(&other)
                };
                diags.push(
                    Diagnostic::error(format!(
                        "the backend's {name} must be a non-empty string, got {got}"
                    ))
                    .at(at),
                );
                failed = true;
                None
            }
            Err(e) => {
                diags.push(
                    Diagnostic::error(format!("cannot evaluate the backend's {name}: {e}")).at(at),
                );
                failed = true;
                None
            }
        }
    };
    let backend = match decl.kind {
        "local" => Some(Backend::Local {
            path: get("path", diags).map(PathBuf::from),
        }),
        _ => {
            let mut ident = |name: &str, diags: &mut Diagnostics| -> Option<Ident> {
                let s = get(name, diags)?;
                let at = decl
                    .block
                    .body
                    .get_attribute(name)
                    .map(|a| decl.file.span_of(&a.value));
                Ident::parse(&s)
                    .map_err(|e| {
                        diags.push(Diagnostic::error(format!("invalid backend {name}: {e}")).at(at))
                    })
                    .ok()
            };
            let (database, schema, table) = (
                ident("database", diags),
                ident("schema", diags),
                ident("table", diags),
            );
            match (database, schema, table) {
                (Some(database), Some(schema), Some(table)) => Some(Backend::Snowflake {
                    database,
                    schema,
                    table,
                }),
                _ => None,
            }
        }
    };
    if failed {
        None
    } else {
        backend
    }
}
