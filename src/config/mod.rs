//! The configuration language: reading the `*.hcl` files of a directory into the desired
//! objects, with every problem reported in one run, and formatting them (`fmt`).
//! Pure apart from reading the files (and `file()`); it never fails fast on user errors.

mod arith;
mod backend;
mod bindings;
mod blocks;
mod checks;
mod data;
mod decode;
mod evaluate;
mod expressions;
mod fmt;
mod functions;
mod modules;
mod outputs;
mod refactor;
mod refs;
mod sensitive;
mod source;
mod statements;
pub(crate) mod suggest;
mod types;
mod values;
mod variables;

pub use backend::Backend;
pub use data::DataSource;
pub(crate) use fmt::format_dir;
pub use fmt::{check_dir, format_source};
pub use outputs::Output;
pub(crate) use refactor::Refactors;

use crate::diag::{Diagnostic, Diagnostics};
use crate::model::Object;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What the command line and environment add to the files.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// `NAME=VALUE` from each `--var`, in order.
    pub vars: Vec<String>,
    /// Each `--var-file`, in order; later files win, and every one wins over the
    /// workspace's own file (`workspaces/<workspace>.vars.hcl`, read by itself).
    pub var_files: Vec<PathBuf>,
    /// The process environment; `SNOWFORM_VAR_<name>` entries set variables.
    pub env: BTreeMap<String, String>,
    /// The workspace, readable as `snowform.workspace`.
    pub workspace: String,
}

/// A loaded configuration.
#[derive(Clone, Debug)]
pub struct Config {
    pub dir: PathBuf,
    /// The desired objects, sorted by address, with derived properties filled in.
    pub objects: Vec<Object>,
    pub backend: Backend,
    /// SHA-256 (hex) of the file names and contents, the resolved variable values and the
    /// workspace: a saved plan is stale when this changes.
    pub digest: String,
    /// The values of variables marked sensitive and of attributes derived from them, for
    /// renderers to redact.
    pub sensitive: Vec<String>,
    /// The files read, in order.
    pub files: Vec<PathBuf>,
    /// The `output` blocks' values, by name.
    pub outputs: Vec<Output>,
    /// The `moved`, `import` and `removed` blocks.
    pub(crate) refactors: Refactors,
    /// The `data` blocks: objects a plan reads and never changes.
    pub data: Vec<DataSource>,
}

/// Read, evaluate and check the configuration in `dir`. None when there is any error;
/// warnings may come with a configuration.
pub fn load(dir: &Path, opts: &LoadOptions) -> (Option<Config>, Diagnostics) {
    load_announcing(dir, opts, |_| {})
}

/// [`load`], telling `backend_known` where the state is kept as soon as that is known,
/// before the configuration is evaluated (not at all when the files have errors by then),
/// so that the state can be read meanwhile.
pub fn load_announcing(
    dir: &Path,
    opts: &LoadOptions,
    backend_known: impl FnOnce(&Backend),
) -> (Option<Config>, Diagnostics) {
    let mut diags = Diagnostics::new();
    let config = load_into(dir, opts, &mut diags, backend_known);
    shorten(&mut diags);
    diags.sort();
    let config = if diags.has_errors() { None } else { config };
    (config, diags)
}

fn load_into(
    dir: &Path,
    opts: &LoadOptions,
    diags: &mut Diagnostics,
    backend_known: impl FnOnce(&Backend),
) -> Option<Config> {
    let files = match source::read_dir(dir) {
        Ok(files) => files,
        Err(d) => {
            diags.push(d);
            return None;
        }
    };
    let mut hasher = Sha256::new();
    for f in &files {
        hash_part(&mut hasher, f.name.as_bytes());
        hash_part(&mut hasher, f.text.as_bytes());
    }
    let paths: Vec<PathBuf> = files.iter().map(|f| f.path.clone()).collect();

    let (parsed, syntax) = source::parse_all(files);
    let syntax_ok = syntax.is_empty();
    diags.extend(syntax);
    let decls = blocks::collect(&parsed, diags);
    if !syntax_ok {
        // What a broken file declares is unknown: evaluating the rest would report
        // references to it as undeclared.
        return None;
    }
    let names = modules::names_of(&decls);

    let _base = functions::BaseDirGuard::enter(dir);
    let opts = &with_workspace_file(dir, opts, diags);
    let vars = variables::resolve(&decls, opts, &names, diags);
    let backend = backend::decode(&decls, &vars, &names, &opts.workspace, diags);
    if let (false, Some(b)) = (diags.has_errors(), &backend) {
        backend_known(b);
    }
    let scope = evaluate::ModuleScope::top(dir.to_path_buf());
    let run = evaluate::run(&decls, &vars, &names, &opts.workspace, &scope, diags);
    let (mut decoded, outputs, extras) = (run.decoded, run.outputs, run.extras);
    // The modules' files are part of the configuration: a saved plan is stale when one
    // changes.
    for (name, text) in &extras.files {
        hash_part(&mut hasher, name.as_bytes());
        hash_part(&mut hasher, text.as_bytes());
    }
    let mut paths = paths;
    paths.extend(extras.paths.iter().cloned());
    decoded.sort_by(|a, b| a.object.address.cmp(&b.object.address));
    checks::run(&decoded, diags);

    let values: BTreeMap<&String, serde_json::Value> = vars
        .values
        .iter()
        .map(|(k, v)| (k, functions::to_json(v)))
        .collect();
    hash_part(
        &mut hasher,
        serde_json::to_string(&values)
            .expect("JSON serialises")
            .as_bytes(),
    );
    hash_part(&mut hasher, opts.workspace.as_bytes());
    let digest = hex::encode(hasher.finalize());

    let mut sensitive = vars.sensitive.clone();
    sensitive.extend(extras.sensitive.iter().cloned());
    sensitive.extend(sensitive::derived_values(
        &decls,
        &vars.sensitive_names,
        &decoded,
        "",
    ));
    sensitive.sort();
    sensitive.dedup();
    // As Terraform does: an output that shows a sensitive value must say so.
    for (name, decl) in &decls.outputs {
        let shown = outputs.iter().any(|o| o.name == *name && !o.sensitive);
        if let (true, Some(value)) = (shown, decl.attr("value")) {
            if sensitive::reads_sensitive(&decls, &vars.sensitive_names, &value.value) {
                diags.push(
                    Diagnostic::error(format!("output {name:?} shows a sensitive value"))
                        .with_detail(
                            "its value comes from a variable marked sensitive: add sensitive = true to the output (snowform output then shows it as (sensitive))",
                        )
                        .at(Some(decl.file.span_of(&value.value))),
                );
            }
        }
    }
    redact(diags, &sensitive);

    let mut objects: Vec<Object> = decoded.into_iter().map(|d| d.object).collect();
    crate::model::derive(&mut objects);
    let refactors = refactor::collect(&decls, &objects, diags);
    Some(Config {
        dir: dir.to_path_buf(),
        objects,
        backend: backend?,
        digest,
        sensitive,
        files: paths,
        outputs,
        refactors,
        data: extras.data.clone(),
    })
}

/// The directory, under the configuration directory, of each workspace's variable file.
pub(crate) const WORKSPACE_VARS_DIR: &str = "workspaces";

/// `opts` with the workspace's own variable file, `workspaces/<workspace>.vars.hcl`, read
/// first: a workspace is bound to its values, so planning one environment with another's
/// values cannot happen by a forgotten `--var-file`. Explicit `--var-file`s come after it
/// and so win, value by value (as Terraform's `-var-file` wins over the files it loads by
/// itself). A workspace other than `default` without its file, in a directory that has
/// files for other workspaces, is an error: it would silently plan with the defaults.
fn with_workspace_file(dir: &Path, opts: &LoadOptions, diags: &mut Diagnostics) -> LoadOptions {
    let mut out = opts.clone();
    let vars_dir = dir.join(WORKSPACE_VARS_DIR);
    let own = vars_dir.join(format!("{}.vars.hcl", opts.workspace));
    // An explicit file wins, but another workspace's file is most likely a mistake.
    let canonical_dir = vars_dir.canonicalize().ok();
    for file in &opts.var_files {
        let other = file
            .canonicalize()
            .ok()
            .filter(|f| {
                canonical_dir
                    .as_deref()
                    .is_some_and(|d| f.parent() == Some(d))
            })
            .and_then(|f| {
                f.file_name()
                    .and_then(|n| n.to_str())
                    .and_then(|n| n.strip_suffix(".vars.hcl"))
                    .map(str::to_string)
            })
            .filter(|w| *w != opts.workspace);
        if let Some(other) = other {
            diags.push(
                crate::diag::Diagnostic::warning(format!(
                    "--var-file {} holds the values of workspace {other:?}, but the workspace is {:?}",
                    file.display(),
                    opts.workspace
                ))
                .with_detail(format!(
                    "its values win over workspaces/{}.vars.hcl; if you meant to work on {other:?}, pass --workspace {other}",
                    opts.workspace
                )),
            );
        }
    }
    if own.is_file() {
        out.var_files.insert(0, own);
        return out;
    }
    if opts.workspace == "default" || !opts.var_files.is_empty() {
        return out;
    }
    let mut others: Vec<String> = std::fs::read_dir(&vars_dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            e.file_name()
                .to_str()
                .and_then(|n| n.strip_suffix(".vars.hcl"))
                .map(str::to_string)
        })
        .collect();
    if others.is_empty() {
        return out;
    }
    others.sort();
    diags.push(
        crate::diag::Diagnostic::error(format!(
            "the workspace {:?} has no variable file {}",
            opts.workspace,
            own.display()
        ))
        .with_detail(format!(
            "{} holds the variable files of the workspaces {}; create {WORKSPACE_VARS_DIR}/{}.vars.hcl, select one of those workspaces with --workspace NAME, or give the values explicitly with --var-file FILE",
            vars_dir.display(),
            others.join(", "),
            opts.workspace
        )),
    );
    out
}

/// Messages may quote values (an evaluation error shows the operands); those of sensitive
/// variables are replaced.
fn redact(diags: &mut Diagnostics, sensitive: &[String]) {
    if sensitive.is_empty() {
        return;
    }
    let hide = |text: &str| {
        sensitive.iter().fold(text.to_string(), |t, s| {
            t.replace(s.as_str(), "(sensitive)")
        })
    };
    for mut d in std::mem::take(diags) {
        d.summary = hide(&d.summary);
        d.detail = d.detail.as_deref().map(hide);
        diags.push(d);
    }
}

/// An error quoting a huge value quotes a short excerpt of it. After redaction, so that a
/// sensitive value is never cut into a piece that redaction would not recognise.
fn shorten(diags: &mut Diagnostics) {
    const LIMIT: usize = 4 * crate::diag::EXCERPT;
    let cut = |text: &str| {
        text.lines()
            .map(|l| crate::diag::excerpt(l, LIMIT))
            .collect::<Vec<_>>()
            .join("\n")
    };
    for mut d in std::mem::take(diags) {
        d.summary = crate::diag::excerpt(&d.summary, LIMIT);
        d.detail = d.detail.as_deref().map(cut);
        diags.push(d);
    }
}

/// Length-prefixed, so that moving bytes between parts changes the digest.
fn hash_part(hasher: &mut Sha256, bytes: &[u8]) {
    hasher.update((bytes.len() as u64).to_le_bytes());
    hasher.update(bytes);
}
