//! Module calls: `module "fs" { source = "./modules/feature_store" ... }` reads the `*.hcl`
//! files of a local directory as a configuration of its own, its variables set by the
//! call's other attributes. Its objects are the calling configuration's objects under the
//! address `module.fs.KIND.NAME` (`module.fs["team"].KIND.NAME` with for_each), and the
//! calling configuration reads it only through its `output` blocks (`module.fs.OUTPUT`).
//! Every message about a module's files names the file inside the module and, in its
//! detail, the call that used it.

use super::blocks::{self, Decls};
use super::decode::Decoded;
use super::evaluate::{self, ModuleScope};
use super::source;
use super::variables::{self, CallValues};
use crate::diag::{Diagnostic, Diagnostics};
use crate::model::Address;
use hcl::Value as Hcl;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// How deep module calls may nest: a module that calls itself, directly or not, is stopped
/// here with a message instead of recursing forever.
pub(crate) const MAX_DEPTH: usize = 16;

/// One module instance, evaluated.
#[derive(Default)]
pub(crate) struct Loaded {
    pub(crate) decoded: Vec<Decoded>,
    /// Each output's value.
    pub outputs: hcl::Map<String, Hcl>,
    /// Every output the module declares, evaluated or not.
    pub declared: BTreeSet<String>,
    /// The objects each output's value is computed from (prefixed addresses).
    pub(crate) output_deps: BTreeMap<String, BTreeSet<Address>>,
    /// What the configuration's digest and redaction also cover (files and sensitive
    /// values of this module and the modules it calls).
    pub(crate) extras: Extras,
}

/// What a module adds to the calling configuration besides objects and outputs.
#[derive(Default)]
pub(crate) struct Extras {
    /// (name shown in messages, text) of every file read.
    pub files: Vec<(String, String)>,
    pub paths: Vec<PathBuf>,
    /// The texts of sensitive values.
    pub sensitive: Vec<String>,
    /// The data blocks read.
    pub data: Vec<super::data::DataSource>,
}

impl Extras {
    pub fn extend(&mut self, other: Extras) {
        self.files.extend(other.files);
        self.paths.extend(other.paths);
        self.sensitive.extend(other.sensitive);
        self.data.extend(other.data);
    }
}

/// A module call's directory, and the prefix its files are named with in messages
/// (their path from the configuration directory), from the `source` written in `dir`.
pub(crate) fn directory(dir: &Path, rel: &str, source: &str) -> (PathBuf, String) {
    let mut parts: Vec<String> = rel
        .split('/')
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect();
    for p in source.split('/') {
        match p {
            "" | "." => {}
            ".." if parts.last().is_some_and(|l| l != "..") => {
                parts.pop();
            }
            other => parts.push(other.to_string()),
        }
    }
    let mut prefix = parts.join("/");
    if !prefix.is_empty() {
        prefix.push('/');
    }
    (dir.join(source), prefix)
}

/// Everything a module instance needs from its call.
pub(crate) struct Call<'s> {
    pub values: CallValues,
    /// The module's directory and the prefix of its files' names.
    pub dir: PathBuf,
    pub rel: String,
    /// The instance's address prefix, `module.fs` or `module.fs["team"]` (after the
    /// calling module's own).
    pub prefix: String,
    /// The objects each argument's value is computed from.
    pub(crate) var_deps: BTreeMap<String, BTreeSet<Address>>,
    /// The module's variables whose values read a sensitive value of the caller.
    pub(crate) sensitive_args: BTreeSet<String>,
    pub workspace: &'s str,
    pub depth: usize,
}

/// Read and evaluate one module instance. Its diagnostics go to `diags` with the call
/// named in their detail; None when its files cannot be read or parsed.
pub(crate) fn load(call: Call, diags: &mut Diagnostics) -> Option<Loaded> {
    let mut found = Diagnostics::new();
    let loaded = load_inner(&call, &mut found);
    let note = format!("in {}, called at {}", call.values.call, call.values.at);
    for mut d in found {
        d.detail = Some(match d.detail {
            Some(h) => format!("{h}\n{note}"),
            None => note.clone(),
        });
        diags.push(d);
    }
    loaded
}

fn load_inner(call: &Call, diags: &mut Diagnostics) -> Option<Loaded> {
    let files = match source::read_dir_as(&call.dir, &call.rel) {
        Ok(files) => files,
        Err(d) => {
            let shown = call.rel.trim_end_matches('/');
            diags.push(
                Diagnostic::error(format!(
                    "cannot read the module {} from {shown}",
                    call.values.call,
                ))
                .with_detail(format!(
                    "{}; source names a directory of *.hcl files, relative to the directory of the file that calls it",
                    d.summary.replace(&call.dir.display().to_string(), shown)
                ))
                .at(Some(call.values.at.clone())),
            );
            return None;
        }
    };
    let mut extras = Extras {
        files: files
            .iter()
            .map(|f| (f.name.clone(), f.text.clone()))
            .collect(),
        paths: files.iter().map(|f| f.path.clone()).collect(),
        sensitive: Vec::new(),
        data: Vec::new(),
    };
    let (parsed, syntax) = source::parse_all(files);
    let syntax_ok = syntax.is_empty();
    diags.extend(syntax);
    let decls = blocks::collect(&parsed, diags);
    if !syntax_ok {
        return None;
    }
    if let Some(b) = &decls.backend {
        diags.push(
            Diagnostic::error("a module cannot choose a backend")
                .with_detail("state is configured by the calling configuration; remove the backend block from the module")
                .at(Some(b.file.span_of(b.block))),
        );
    }
    for r in &decls.refactors {
        diags.push(
            Diagnostic::error(format!(
                "a {} block belongs to the top-level configuration",
                r.block.ident.as_str()
            ))
            .with_detail("write it in the configuration that calls the module, with the module's addresses (module.NAME.KIND.LABEL)")
            .at(Some(r.file.span_of(r.block))),
        );
    }
    for (name, (_, at)) in &call.values.values {
        if !decls.variables.contains_key(name.as_str()) {
            let d = Diagnostic::error(format!(
                "{} sets {name:?}, which is not a variable of its module",
                call.values.call
            ));
            let d = match super::suggest::hint(name, decls.variables.keys().copied()) {
                Some(h) => d.with_detail(h),
                None if decls.variables.is_empty() => {
                    d.with_detail("the module declares no variables")
                }
                None => d.with_detail(format!(
                    "its variables are {}",
                    decls
                        .variables
                        .keys()
                        .copied()
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            };
            diags.push(d.at(Some(at.clone())));
        }
    }
    let names = names_of(&decls);
    let opts = super::LoadOptions::default();
    let mut vars = variables::resolve_given(&decls, &opts, Some(&call.values), &names, diags);
    for name in &call.sensitive_args {
        if vars.sensitive_names.insert(name.clone()) {
            if let Some(v) = vars.values.get(name) {
                variables::collect_text(v, &mut vars.sensitive);
            }
        }
    }
    let scope = ModuleScope {
        dir: call.dir.clone(),
        rel: call.rel.clone(),
        prefix: call.prefix.clone(),
        var_deps: call.var_deps.clone(),
        depth: call.depth,
    };
    let run = evaluate::run(&decls, &vars, &names, call.workspace, &scope, diags);
    extras.sensitive.extend(vars.sensitive.iter().cloned());
    extras.sensitive.extend(super::sensitive::derived_values(
        &decls,
        &vars.sensitive_names,
        &run.decoded,
        &call.prefix,
    ));
    extras.extend(run.extras);
    Some(Loaded {
        declared: decls.outputs.keys().map(|s| s.to_string()).collect(),
        decoded: run.decoded,
        outputs: run.output_values,
        output_deps: run.output_deps,
        extras,
    })
}

/// The names a configuration declares, for checking references.
pub(crate) fn names_of(decls: &Decls) -> super::refs::Names {
    super::refs::Names {
        variables: decls.variables.keys().map(|s| s.to_string()).collect(),
        locals: decls.locals.keys().map(|s| s.to_string()).collect(),
        blocks: decls
            .resources
            .iter()
            .map(|((k, l), d)| {
                let instances =
                    d.block.body.has_attribute("for_each") || d.block.body.has_attribute("count");
                ((*k, l.to_string()), instances)
            })
            .collect(),
        modules: decls
            .modules
            .iter()
            .map(|(l, d)| {
                let instances =
                    d.block.body.has_attribute("for_each") || d.block.body.has_attribute("count");
                (l.to_string(), instances)
            })
            .collect(),
        data: decls
            .data
            .keys()
            .map(|(k, l)| (*k, l.to_string()))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_source_is_named_from_the_configuration_directory() {
        let (_, rel) = directory(Path::new("/c"), "", "./modules/fs");
        assert_eq!(rel, "modules/fs/");
        let (_, rel) = directory(Path::new("/c/modules/fs"), "modules/fs/", "../common");
        assert_eq!(rel, "modules/common/");
        let (_, rel) = directory(Path::new("/c"), "", "../common/fs");
        assert_eq!(rel, "../common/fs/");
    }
}
