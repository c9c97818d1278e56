//! `output` blocks: named values of the configuration for scripts and pipelines
//! (`snowform output`). Every value snowform manages is known from the configuration
//! itself (nothing is computed by the account), so an output is evaluated with the rest of
//! the configuration, after every local value and block.

use super::bindings::Bindings;
use super::blocks::OutputDecl;
use super::refs::{Allowed, Names, Target, Uses};
use crate::diag::{Diagnostic, Diagnostics};
use serde::Serialize;
use std::collections::BTreeMap;

/// One output's value, as `snowform output` shows it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Output {
    pub name: String,
    pub value: serde_json::Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub sensitive: bool,
}

/// Evaluate every output block. `unknown` says whether a reference's target failed to
/// evaluate (its own error is reported already, so the output is skipped silently).
pub(crate) fn evaluate<'a>(
    decls: &'a BTreeMap<&'a str, OutputDecl<'a>>,
    names: &Names,
    env: &Bindings,
    unknown: impl Fn(&Target<'a>) -> bool,
    diags: &mut Diagnostics,
) -> Vec<Output> {
    let mut out = Vec::new();
    for (name, decl) in decls {
        let Some(value) = decl.attr("value") else {
            continue; // reported by blocks::collect
        };
        let before = diags.len();
        let targets = super::refs::resolve(
            &Uses::of(&value.value),
            names,
            Allowed::EVERYTHING.what("an output"),
            decl.file,
            diags,
        );
        if diags.len() != before || targets.iter().any(&unknown) {
            continue;
        }
        let value = match env.eval(&value.value) {
            Ok(v) => super::functions::to_json(&v),
            Err(e) => {
                diags.push(
                    Diagnostic::error(format!("cannot evaluate output {name:?}: {e}"))
                        .at(Some(decl.file.span_of(&value.value))),
                );
                continue;
            }
        };
        let description = match decl.attr("description").map(|a| env.eval(&a.value)) {
            None => None,
            Some(Ok(hcl::Value::String(s))) => Some(s),
            Some(_) => {
                let a = decl.attr("description").expect("present");
                diags.push(
                    Diagnostic::error(format!(
                        "the description of output {name:?} is not a string"
                    ))
                    .with_detail("write description = \"...\"")
                    .at(Some(decl.file.span_of(&a.value))),
                );
                continue;
            }
        };
        let sensitive = match decl.attr("sensitive").map(|a| env.eval(&a.value)) {
            None => false,
            Some(Ok(hcl::Value::Bool(b))) => b,
            Some(_) => {
                let a = decl.attr("sensitive").expect("present");
                diags.push(
                    Diagnostic::error(format!("sensitive of output {name:?} is not a boolean"))
                        .with_detail("write sensitive = true or sensitive = false")
                        .at(Some(decl.file.span_of(&a.value))),
                );
                continue;
            }
        };
        out.push(Output {
            name: name.to_string(),
            value,
            description,
            sensitive,
        });
    }
    out
}
