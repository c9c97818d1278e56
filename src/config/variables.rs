//! Input variables: their declared types and defaults, the values given on the command
//! line, in var files and in the environment, and their validation rules.

use super::bindings::Bindings;
use super::blocks::{Decls, VariableDecl};
use super::refs::{self, Allowed, Names, Uses};
use super::source::{syntax_error, SourceFile};
use super::suggest;
use super::types::{self, VarType};
use super::LoadOptions;
use crate::diag::{Diagnostic, Diagnostics, Span};
use hcl::Value;
use hcl_edit::expr::Expression;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The prefix of environment variables that set input variables.
pub(crate) const ENV_PREFIX: &str = "SNOWFORM_VAR_";

/// The outcome of resolving every declared variable.
#[derive(Default)]
pub(crate) struct Variables {
    /// The value of each variable that has a usable one.
    pub values: BTreeMap<String, Value>,
    /// Declared variables without a usable value (already reported).
    pub failed: BTreeSet<String>,
    /// The text of values of sensitive variables.
    pub sensitive: Vec<String>,
    /// The variables marked sensitive.
    pub(crate) sensitive_names: BTreeSet<String>,
}

/// Where a value was given.
#[derive(Clone, Debug)]
enum Origin {
    Cli,
    File(Span),
    Bindings,
    Default,
    /// An argument of the module call that declares the variable's module.
    Call(Span),
}

impl Origin {
    fn describe(&self, name: &str) -> String {
        match self {
            Origin::Cli => "from --var".into(),
            Origin::File(span) => format!("from the var file {}", span.file),
            Origin::Bindings => format!("from the environment variable {ENV_PREFIX}{name}"),
            Origin::Default => "from its default".into(),
            Origin::Call(span) => format!("from the module call at {span}"),
        }
    }

    fn span(&self) -> Option<Span> {
        match self {
            Origin::File(span) | Origin::Call(span) => Some(span.clone()),
            _ => None,
        }
    }
}

/// A value as given: text from the command line or environment, or a value from a file.
enum Given {
    Text(String),
    Value(Value),
}

/// The values a module call gives its module's variables: each argument's value and where
/// it is written, and the call's own name and position for messages.
pub(crate) struct CallValues {
    pub call: String,
    pub at: Span,
    pub values: BTreeMap<String, (Value, Span)>,
}

pub(crate) fn resolve(
    decls: &Decls,
    opts: &LoadOptions,
    names: &Names,
    diags: &mut Diagnostics,
) -> Variables {
    resolve_given(decls, opts, None, names, diags)
}

/// [`resolve`], a module's variables taking their values from the call alone (`call`).
pub(crate) fn resolve_given(
    decls: &Decls,
    opts: &LoadOptions,
    call: Option<&CallValues>,
    names: &Names,
    diags: &mut Diagnostics,
) -> Variables {
    let constants = Bindings::constants();
    let cli = cli_values(&opts.vars, decls, diags);
    let mut files: BTreeMap<String, (Value, Span)> = BTreeMap::new();
    for path in &opts.var_files {
        for (name, value, span) in read_var_file(path, diags) {
            if decls.variables.contains_key(name.as_str()) {
                files.insert(name, (value, span));
            } else {
                let d = Diagnostic::warning(format!(
                    "the var file sets {name:?}, but no variable {name:?} is declared"
                ));
                let d = match suggest::hint(&name, decls.variables.keys().copied()) {
                    Some(h) => d.with_detail(h),
                    None => d.with_detail("the value is not used"),
                };
                diags.push(d.at(Some(span)));
            }
        }
    }

    let mut out = Variables::default();
    let mut origins: BTreeMap<String, Origin> = BTreeMap::new();
    let mut sensitive_names = BTreeSet::new();
    for (name, decl) in &decls.variables {
        let name = name.to_string();
        let ty = declared_type(decl, diags);
        if constant_bool(decl, "sensitive", &constants, names, diags) == Some(true) {
            sensitive_names.insert(name.clone());
        }
        let mut default_failed = false;
        let default = decl.block.body.get_attribute("default").and_then(|attr| {
            let value = constant(
                &attr.value,
                decl.file,
                &constants,
                names,
                "a variable's default",
                diags,
            )?;
            match types::convert(value, &ty) {
                Ok(v) => Some(v),
                Err(e) => {
                    default_failed = true;
                    diags.push(
                        Diagnostic::error(format!(
                            "the default of variable {name:?} is not a {ty}: {e}"
                        ))
                        .at(Some(decl.file.span_of(&attr.value))),
                    );
                    None
                }
            }
        });
        if decl.block.body.get_attribute("default").is_some() && default.is_none() {
            default_failed = true;
        }
        let env_name = format!("{ENV_PREFIX}{name}");
        let given = if let Some(call) = call {
            call.values
                .get(&name)
                .map(|(v, at)| (Given::Value(v.clone()), Origin::Call(at.clone())))
        } else if let Some(text) = cli.get(&name) {
            Some((Given::Text(text.clone()), Origin::Cli))
        } else if let Some((value, span)) = files.get(&name) {
            Some((Given::Value(value.clone()), Origin::File(span.clone())))
        } else {
            opts.env
                .get(&env_name)
                .map(|text| (Given::Text(text.clone()), Origin::Bindings))
        };
        let (value, origin) = match given {
            Some((given, origin)) => match convert_given(given, &ty, &constants) {
                Ok(v) => (v, origin),
                Err(e) => {
                    let at = origin.span();
                    // The reason may quote the value, which must not be shown.
                    let e = if sensitive_names.contains(&name) {
                        format!("it is not a {ty} (the value is sensitive and not shown)")
                    } else {
                        e
                    };
                    diags.push(
                        Diagnostic::error(format!(
                            "invalid value for variable {name:?} {}: {e}",
                            origin.describe(&name)
                        ))
                        .with_detail(format!("the variable's type is {ty}"))
                        .at(at),
                    );
                    out.failed.insert(name);
                    continue;
                }
            },
            None => match default {
                Some(v) => (v, Origin::Default),
                None => {
                    if let (false, Some(call)) = (default_failed, call) {
                        diags.push(
                            Diagnostic::error(format!(
                                "{} does not set the variable {name:?} of its module",
                                call.call
                            ))
                            .with_detail(format!(
                                "add {name} = VALUE to the module block, or give the variable (declared at {}) a default",
                                decl.file.span_of(decl.block)
                            ))
                            .at(Some(call.at.clone())),
                        );
                    } else if !default_failed {
                        diags.push(
                            Diagnostic::error(format!("no value for variable {name:?}"))
                                .with_detail(format!(
                                    "set it with --var {name}=VALUE, in a file given with --var-file, or in the environment variable {env_name}; or give the variable a default"
                                ))
                                .at(Some(decl.file.span_of(decl.block))),
                        );
                    }
                    out.failed.insert(name);
                    continue;
                }
            },
        };
        origins.insert(name.clone(), origin);
        out.values.insert(name, value);
    }

    validate(decls, &mut out, &origins, names, diags);
    for name in &sensitive_names {
        if let Some(v) = out.values.get(name) {
            collect_text(v, &mut out.sensitive);
        }
    }
    out.sensitive.sort();
    out.sensitive.dedup();
    out.sensitive_names = sensitive_names;
    out
}

/// `--var NAME=VALUE` arguments by name (the last one wins); unknown names are errors.
fn cli_values(args: &[String], decls: &Decls, diags: &mut Diagnostics) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for arg in args {
        let Some((name, value)) = arg.split_once('=') else {
            diags.push(
                Diagnostic::error(format!("--var expects NAME=VALUE, got {arg:?}"))
                    .with_detail("for example --var env=PROD"),
            );
            continue;
        };
        let name = name.trim();
        if !decls.variables.contains_key(name) {
            let d = Diagnostic::error(format!(
                "--var sets {name:?}, but no variable {name:?} is declared"
            ));
            let d = match suggest::hint(name, decls.variables.keys().copied()) {
                Some(h) => d.with_detail(h),
                None => d.with_detail(format!(
                    "declare it with variable \"{name}\" {{ ... }}, or remove the --var"
                )),
            };
            diags.push(d);
            continue;
        }
        out.insert(name.to_string(), value.to_string());
    }
    out
}

/// The `NAME = VALUE` pairs of a var file: HCL attributes, or a JSON object for `.json`.
fn read_var_file(path: &Path, diags: &mut Diagnostics) -> Vec<(String, Value, Span)> {
    let shown = path.display().to_string();
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            diags.push(Diagnostic::error(format!(
                "cannot read the var file {shown}: {e}"
            )));
            return Vec::new();
        }
    };
    let file = SourceFile::new(shown.clone(), PathBuf::from(path), text);
    if path.extension().is_some_and(|x| x == "json") {
        return match serde_json::from_str::<serde_json::Value>(&file.text) {
            Ok(serde_json::Value::Object(entries)) => entries
                .into_iter()
                .map(|(k, v)| {
                    (
                        k,
                        super::functions::from_json(v),
                        Span::new(shown.clone(), 1, 1),
                    )
                })
                .collect(),
            Ok(_) => {
                diags.push(
                    Diagnostic::error(format!(
                        "the var file {shown} must hold a JSON object of variable names to values"
                    ))
                    .at(Some(Span::new(shown.clone(), 1, 1))),
                );
                Vec::new()
            }
            Err(e) => {
                diags.push(
                    Diagnostic::error(format!("the var file {shown} is not valid JSON: {e}")).at(
                        Some(Span::new(shown.clone(), e.line() as u32, e.column() as u32)),
                    ),
                );
                Vec::new()
            }
        };
    }
    let body = match hcl_edit::parser::parse_body(&file.text) {
        Ok(b) => b,
        Err(e) => {
            diags.push(syntax_error(&shown, &e));
            return Vec::new();
        }
    };
    let constants = Bindings::constants();
    let names = Names::default();
    let mut out = Vec::new();
    for s in body.iter() {
        match s {
            hcl_edit::structure::Structure::Attribute(a) => {
                if let Some(v) = constant(&a.value, &file, &constants, &names, "a var file", diags)
                {
                    out.push((a.key.as_str().to_string(), v, file.span_of(a)));
                }
            }
            hcl_edit::structure::Structure::Block(b) => diags.push(
                Diagnostic::error("a var file holds only NAME = VALUE attributes")
                    .at(Some(file.span_of(b))),
            ),
        }
    }
    out
}

fn declared_type(decl: &VariableDecl, diags: &mut Diagnostics) -> VarType {
    let Some(attr) = decl.block.body.get_attribute("type") else {
        return VarType::Any;
    };
    types::parse(&attr.value).unwrap_or_else(|e| {
        diags.push(
            Diagnostic::error(format!("invalid type for variable {:?}", decl.name))
                .with_detail(e)
                .at(Some(decl.file.span_of(&attr.value))),
        );
        VarType::Any
    })
}

/// Evaluate an expression that may not refer to anything.
fn constant(
    expr: &Expression,
    file: &SourceFile,
    constants: &Bindings,
    names: &Names,
    what: &'static str,
    diags: &mut Diagnostics,
) -> Option<Value> {
    let before = diags.len();
    refs::resolve(
        &Uses::of(expr),
        names,
        Allowed::NOTHING.what(what),
        file,
        diags,
    );
    if diags.len() > before {
        return None;
    }
    match constants.eval(expr) {
        Ok(v) => Some(v),
        Err(e) => {
            diags.push(Diagnostic::error(e).at(Some(file.span_of(expr))));
            None
        }
    }
}

fn constant_bool(
    decl: &VariableDecl,
    attr: &str,
    constants: &Bindings,
    names: &Names,
    diags: &mut Diagnostics,
) -> Option<bool> {
    let a = decl.block.body.get_attribute(attr)?;
    match constant(
        &a.value,
        decl.file,
        constants,
        names,
        "a variable's settings",
        diags,
    )? {
        Value::Bool(b) => Some(b),
        other => {
            diags.push(
                Diagnostic::error(format!(
                    "{attr} must be true or false, got {}",
                    super::functions::describe(&other)
                ))
                .at(Some(decl.file.span_of(&a.value))),
            );
            None
        }
    }
}

fn convert_given(given: Given, ty: &VarType, constants: &Bindings) -> Result<Value, String> {
    let value = match given {
        Given::Value(v) => v,
        // Primitive types convert from text directly ("5", "true").
        Given::Text(text) if types::takes_text_literally(ty) || types::is_primitive(ty) => {
            Value::from(text)
        }
        Given::Text(text) => {
            let unreadable = || {
                format!(
                    "cannot read {text:?} as a {ty}: write the value in HCL, for example [\"a\", \"b\"] or {{ key = \"value\" }}"
                )
            };
            let expr = hcl_edit::parser::parse_expr(text.trim()).map_err(|_| unreadable())?;
            if !Uses::of(&expr).traversals.is_empty() {
                return Err(unreadable());
            }
            constants.eval(&expr)?
        }
    };
    types::convert(value, ty)
}

/// Run each variable's validation blocks against its value.
fn validate(
    decls: &Decls,
    vars: &mut Variables,
    origins: &BTreeMap<String, Origin>,
    names: &Names,
    diags: &mut Diagnostics,
) {
    let env = Bindings::new(&vars.values, "");
    let mut invalid = Vec::new();
    for (name, decl) in &decls.variables {
        if !vars.values.contains_key(*name) {
            continue;
        }
        for rule in decl.block.body.get_blocks("validation") {
            let (Some(cond), Some(message)) = (
                rule.body.get_attribute("condition"),
                rule.body.get_attribute("error_message"),
            ) else {
                continue;
            };
            let before = diags.len();
            let uses = Uses::of(&cond.value);
            let targets = refs::resolve(
                &uses,
                names,
                Allowed::VARIABLES.what("a validation condition"),
                decl.file,
                diags,
            );
            refs::resolve(
                &Uses::of(&message.value),
                names,
                Allowed::VARIABLES.what("an error message"),
                decl.file,
                diags,
            );
            if diags.len() > before {
                continue;
            }
            let unknown = targets
                .iter()
                .any(|t| matches!(t, refs::Target::Var(v) if vars.failed.contains(*v)));
            if unknown {
                continue;
            }
            match env.eval(&cond.value) {
                Ok(Value::Bool(true)) => {}
                Ok(Value::Bool(false)) => {
                    let text = match env.eval(&message.value) {
                        Ok(Value::String(s)) => s,
                        Ok(other) => super::functions::primitive_text(&other).unwrap_or_default(),
                        Err(e) => {
                            diags.push(
                                Diagnostic::error(e).at(Some(decl.file.span_of(&message.value))),
                            );
                            continue;
                        }
                    };
                    let origin = origins
                        .get(*name)
                        .map(|o| o.describe(name))
                        .unwrap_or_default();
                    diags.push(
                        Diagnostic::error(format!("invalid value for variable {name:?}: {text}"))
                            .with_detail(format!("the value comes {origin}"))
                            .at(Some(decl.file.span_of(decl.block))),
                    );
                    invalid.push(name.to_string());
                }
                Ok(other) => diags.push(
                    Diagnostic::error(format!(
                        "a validation condition must be true or false, got {}",
                        super::functions::describe(&other)
                    ))
                    .at(Some(decl.file.span_of(&cond.value))),
                ),
                Err(e) => diags.push(Diagnostic::error(e).at(Some(decl.file.span_of(&cond.value)))),
            }
        }
    }
    for name in invalid {
        vars.values.remove(&name);
        vars.failed.insert(name);
    }
}

/// Every non-empty string inside a value.
pub(crate) fn collect_text(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) if !s.is_empty() => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|i| collect_text(i, out)),
        Value::Object(o) => o.values().for_each(|i| collect_text(i, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ty(src: &str) -> VarType {
        types::parse(&hcl_edit::parser::parse_expr(src).unwrap()).unwrap()
    }

    fn from_text(text: &str, type_name: &str) -> Result<Value, String> {
        convert_given(
            Given::Text(text.into()),
            &ty(type_name),
            &Bindings::constants(),
        )
    }

    #[test]
    fn text_is_read_per_declared_type() {
        assert_eq!(
            from_text("[\"a\"]", "string").unwrap(),
            Value::from("[\"a\"]")
        );
        assert_eq!(from_text("PROD", "any").unwrap(), Value::from("PROD"));
        assert_eq!(from_text("42", "number").unwrap(), Value::from(42));
        assert_eq!(from_text("true", "bool").unwrap(), Value::Bool(true));
        assert_eq!(
            from_text("[\"a\", \"b\"]", "list(string)").unwrap(),
            Value::from_iter(["a", "b"])
        );
        let m = from_text("{ ml = \"SMALL\", bi = upper(\"xsmall\") }", "map(string)").unwrap();
        assert_eq!(m.as_object().unwrap()["bi"], Value::from("XSMALL"));
        assert_eq!(
            from_text("abc", "number").unwrap_err(),
            "a number is required, got \"abc\""
        );
        assert!(from_text("var.x", "list(string)")
            .unwrap_err()
            .contains("write the value in HCL"));
        assert!(from_text("[1,", "list(number)")
            .unwrap_err()
            .contains("cannot read"));
    }

    #[test]
    fn cli_values_need_a_name_and_a_declaration() {
        let files = [super::super::source::ParsedFile {
            source: SourceFile::new("v.hcl", PathBuf::from("v.hcl"), ""),
            body: hcl_edit::parser::parse_body("variable \"env\" {}\n").unwrap(),
        }];
        let mut diags = Diagnostics::new();
        let decls = super::super::blocks::collect(&files, &mut diags);
        let args = [
            "env=A".to_string(),
            "env=B=C".to_string(),
            "nope".to_string(),
            "evn=1".to_string(),
        ];
        let values = cli_values(&args, &decls, &mut diags);
        assert_eq!(
            values.get("env").map(String::as_str),
            Some("B=C"),
            "the last --var wins; values may hold ="
        );
        let got: Vec<String> = diags
            .iter()
            .map(|d| format!("{}: {}", d.summary, d.detail.clone().unwrap_or_default()))
            .collect();
        assert_eq!(
            got,
            [
                "--var expects NAME=VALUE, got \"nope\": for example --var env=PROD",
                "--var sets \"evn\", but no variable \"evn\" is declared: did you mean \"env\"?"
            ]
        );
    }
}
