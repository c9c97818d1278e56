//! Evaluating the configuration in dependency order: the graph of local values and blocks
//! built from the references in their expressions, its cycles, then each node in turn.
//! A node whose inputs failed is skipped without a message, so one mistake is reported
//! once, not again by everything that reads it.

use super::bindings::{eval_in, Bindings, Ctx, Each, Reads};
use super::blocks::{Decls, LocalDecl, ModuleDecl, ResourceDecl, MODULE_META};
use super::decode::{self, attr_key, Decoded};
use super::functions::describe;
use super::modules::{self, Extras};
use super::refs::{self, Allowed, BlockRef, ModuleRef, Names, Target, Uses};
use super::suggest;
use super::values::text;
use super::variables::Variables;
use crate::diag::{Diagnostic, Diagnostics, Span};
use crate::graph::Graph;
use crate::kinds::model::{VERSIONS, VERSION_ATTRS};
use crate::model::attr;
use crate::model::{schema, Address, Ident, Kind, Lifecycle, ObjectName, Role};
use hcl::Value as Hcl;
use hcl_edit::expr::Expression;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt;
use std::path::PathBuf;

/// Where a configuration sits: the root module (the top level) or one instance of a module
/// call; not to be confused with `model::Scope`, where an object lives in the account.
pub struct ModuleScope {
    /// Its directory, and the prefix of its files' names in messages.
    pub dir: PathBuf,
    pub rel: String,
    /// The address prefix of its objects: empty at the top level, else `module.fs`.
    pub prefix: String,
    /// The objects each variable's value is computed from (set by the call).
    pub(crate) var_deps: BTreeMap<String, BTreeSet<Address>>,
    /// How many module calls lead here.
    pub depth: usize,
}

impl ModuleScope {
    pub fn top(dir: PathBuf) -> ModuleScope {
        ModuleScope {
            dir,
            rel: String::new(),
            prefix: String::new(),
            var_deps: BTreeMap::new(),
            depth: 0,
        }
    }
}

/// What evaluating a configuration gives.
pub(crate) struct Run {
    pub(crate) decoded: Vec<Decoded>,
    pub outputs: Vec<super::outputs::Output>,
    /// Each output's value, as a calling configuration reads it.
    pub(crate) output_values: hcl::Map<String, Hcl>,
    /// The objects each output's value is computed from.
    pub(crate) output_deps: BTreeMap<String, BTreeSet<Address>>,
    /// The files and sensitive values of the modules called, and their data blocks.
    pub(crate) extras: Extras,
}

/// A local value or a resource block.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Node<'a> {
    Local(&'a str),
    Block(Kind, &'a str),
    Module(&'a str),
    Data(Kind, &'a str),
}

impl fmt::Display for Node<'_> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Node::Local(n) => write!(formatter, "local.{n}"),
            Node::Block(k, l) => write!(formatter, "{k}.{l}"),
            Node::Module(l) => write!(formatter, "module.{l}"),
            Node::Data(k, l) => write!(formatter, "data.{k}.{l}"),
        }
    }
}

struct LocalPlan<'a> {
    decl: &'a LocalDecl<'a>,
    targets: Vec<Target<'a>>,
    /// A reference in it is wrong (already reported).
    broken: bool,
}

struct BlockPlan<'a> {
    decl: &'a ResourceDecl<'a>,
    /// `for_each`, or `count` when `counted`.
    for_each: Option<(&'a Expression, Vec<Target<'a>>)>,
    counted: bool,
    /// The references of each attribute, by [`attr_key`].
    attrs: BTreeMap<String, Vec<Target<'a>>>,
    /// Attributes (and `for_each`) with a wrong reference (already reported).
    broken: BTreeSet<String>,
    depends_on: Vec<BlockRef<'a>>,
    prevent_destroy: Option<(&'a Expression, Vec<Target<'a>>)>,
    ignore_changes: Vec<String>,
}

impl<'a> BlockPlan<'a> {
    fn targets(&self) -> impl Iterator<Item = &Target<'a>> {
        self.attrs
            .values()
            .flatten()
            .chain(self.for_each.iter().flat_map(|(_, t)| t))
    }
}

struct ModulePlan<'a> {
    decl: &'a ModuleDecl<'a>,
    source: Option<String>,
    /// `for_each`, or `count` when `counted`.
    for_each: Option<(&'a Expression, Vec<Target<'a>>)>,
    counted: bool,
    /// The module's variables as the call sets them.
    args: BTreeMap<&'a str, (&'a Expression, Vec<Target<'a>>)>,
    /// A reference or the source is wrong (already reported).
    broken: bool,
}

impl<'a> ModulePlan<'a> {
    fn targets(&self) -> impl Iterator<Item = &Target<'a>> {
        self.args
            .values()
            .flat_map(|(_, t)| t)
            .chain(self.for_each.iter().flat_map(|(_, t)| t))
    }
}

/// One evaluated module instance, as the calling configuration sees it.
struct ModuleInstance {
    /// The outputs evaluated.
    outputs: BTreeSet<String>,
    /// The outputs declared (one that failed was reported inside the module).
    declared: BTreeSet<String>,
    output_deps: BTreeMap<String, BTreeSet<Address>>,
}

/// What is known about the nodes evaluated so far.
#[derive(Default)]
struct Evaluated<'a> {
    failed: BTreeSet<Node<'a>>,
    failed_attrs: BTreeSet<(Kind, &'a str, &'static str)>,
    /// The instance keys of each evaluated block; None for a block without for_each.
    instances: BTreeMap<(Kind, &'a str), Option<Vec<String>>>,
    /// Each decoded instance's name, looked up by address (never listed).
    registry: HashMap<Address, ObjectName>,
    /// The blocks with count (their instance keys are indexes).
    counted: BTreeSet<(Kind, &'a str)>,
    /// The address prefix of this configuration's objects (see [`ModuleScope::prefix`]).
    prefix: String,
    /// Each evaluated module call's instances, by key ("" without for_each), and whether
    /// it has for_each.
    modules: BTreeMap<&'a str, (bool, BTreeMap<String, ModuleInstance>)>,
}

impl<'a> Evaluated<'a> {
    /// Whether a reference reads something that could not be evaluated.
    fn unknown(&self, target: &Target<'a>, vars: &Variables) -> bool {
        match target {
            Target::Var(v) => vars.failed.contains(*v),
            Target::Local(l) => self.failed.contains(&Node::Local(l)),
            Target::Each | Target::Workspace => false,
            Target::Data(d) => self.failed.contains(&Node::Data(d.kind, d.label)),
            Target::Module(m) => {
                self.failed.contains(&Node::Module(m.label))
                    || match self.modules.get(m.label) {
                        None => false,
                        Some((for_each, instances)) => {
                            let key = if *for_each { m.literal_key() } else { Some("") };
                            match key {
                                Some(k) => match instances.get(k) {
                                    None => true,
                                    Some(i) => m.output.is_some_and(|o| !i.outputs.contains(o)),
                                },
                                None => m.output.is_some_and(|o| {
                                    instances.values().any(|i| !i.outputs.contains(o))
                                }),
                            }
                        }
                    }
            }
            Target::Block(b) => {
                self.failed.contains(&Node::Block(b.kind, b.label))
                    || b.attr.is_some_and(|a| {
                        self.failed_attrs
                            .iter()
                            .any(|(k, l, x)| *k == b.kind && *l == b.label && *x == a)
                    })
                    || match (self.instances.get(&(b.kind, b.label)), b.literal_key()) {
                        (Some(Some(keys)), Some(key)) => !keys.iter().any(|k| k == key),
                        _ => false,
                    }
            }
        }
    }

    /// Report references to instance keys that the block does not have.
    fn check_keys(
        &self,
        targets: &[&Target<'a>],
        file: &super::source::SourceFile,
        diags: &mut Diagnostics,
    ) {
        for t in targets {
            if let Target::Module(m) = t {
                self.check_module_ref(m, file, diags);
                continue;
            }
            let Target::Block(b) = t else { continue };
            let (Some(Some(keys)), Some(key)) =
                (self.instances.get(&(b.kind, b.label)), b.literal_key())
            else {
                continue;
            };
            if !keys.iter().any(|k| k == key) {
                let mut d =
                    Diagnostic::error(format!("{}.{} has no instance {key:?}", b.kind, b.label));
                d = match suggest::hint(key, keys.iter().map(String::as_str)) {
                    Some(h) => d.with_detail(h),
                    None if keys.is_empty() => d.with_detail("its for_each is empty"),
                    None => d.with_detail(format!(
                        "its instances are {}",
                        keys.iter()
                            .map(|k| format!("{k:?}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                };
                diags.push(d.at(Some(file.span(b.offset))));
            }
        }
    }

    /// Report a reference to a module instance or output that the module does not have.
    fn check_module_ref(
        &self,
        module: &ModuleRef<'a>,
        file: &super::source::SourceFile,
        diags: &mut Diagnostics,
    ) {
        if self.failed.contains(&Node::Module(module.label)) {
            return;
        }
        let Some((for_each, instances)) = self.modules.get(module.label) else {
            return;
        };
        if *for_each {
            if let Some(key) = module.literal_key() {
                if !instances.contains_key(key) {
                    let keys: Vec<String> = instances.keys().map(|k| format!("{k:?}")).collect();
                    diags.push(
                        Diagnostic::error(format!(
                            "module.{} has no instance {key:?}",
                            module.label
                        ))
                        .with_detail(if keys.is_empty() {
                            "its for_each is empty".to_string()
                        } else {
                            format!("its instances are {}", keys.join(", "))
                        })
                        .at(Some(file.span(module.offset))),
                    );
                    return;
                }
            }
        }
        let Some(output) = module.output else { return };
        let Some(first) = instances.values().next() else {
            return;
        };
        if first.declared.contains(output) {
            return;
        }
        let d = Diagnostic::error(format!("module.{} has no output {output:?}", module.label));
        let d = match suggest::hint(output, first.declared.iter().map(String::as_str)) {
            Some(h) => d.with_detail(h),
            None => d.with_detail(format!(
                "a module's objects are read only through its outputs: declare output \"{output}\" {{ value = ... }} in the module{}",
                if first.declared.is_empty() {
                    String::new()
                } else {
                    format!(
                        " (its outputs are {})",
                        first.declared.iter().cloned().collect::<Vec<_>>().join(", ")
                    )
                }
            )),
        };
        diags.push(d.at(Some(file.span(module.offset))));
    }

    /// The objects a module reference depends on: those its output is computed from, of
    /// one instance when the key is known, of every instance otherwise.
    fn module_addresses(&self, module: &ModuleRef, ctx: &Ctx) -> BTreeSet<Address> {
        let Some((for_each, instances)) = self.modules.get(module.label) else {
            return BTreeSet::new();
        };
        let key = if *for_each {
            module
                .index
                .and_then(|e| eval_in(ctx, e).ok())
                .and_then(|v| text(&v))
        } else {
            Some(String::new())
        };
        let chosen: Vec<&ModuleInstance> = match key.as_deref().and_then(|k| instances.get(k)) {
            Some(i) => vec![i],
            None => instances.values().collect(),
        };
        chosen
            .into_iter()
            .flat_map(|i| match module.output {
                Some(o) => i
                    .output_deps
                    .get(o)
                    .into_iter()
                    .flatten()
                    .cloned()
                    .collect(),
                None => i
                    .output_deps
                    .values()
                    .flatten()
                    .cloned()
                    .collect::<Vec<_>>(),
            })
            .collect()
    }

    /// The objects an expression's references depend on, for a module argument or an
    /// output.
    fn deps_of(
        &self,
        targets: &[Target<'a>],
        ctx: &Ctx,
        local_blocks: &BTreeMap<&'a str, Vec<BlockRef<'a>>>,
        local_modules: &BTreeMap<&'a str, Vec<ModuleRef<'a>>>,
        scope: &ModuleScope,
    ) -> BTreeSet<Address> {
        let mut deps = BTreeSet::new();
        for t in targets {
            match t {
                Target::Block(b) => deps.extend(self.addresses(b, ctx)),
                Target::Module(m) => deps.extend(self.module_addresses(m, ctx)),
                Target::Var(v) => {
                    deps.extend(scope.var_deps.get(*v).into_iter().flatten().cloned())
                }
                Target::Local(l) => {
                    for b in local_blocks.get(l).into_iter().flatten() {
                        deps.extend(self.addresses(b, ctx));
                    }
                    for m in local_modules.get(l).into_iter().flatten() {
                        deps.extend(self.module_addresses(m, ctx));
                    }
                }
                // Read, not managed: nothing to wait for.
                Target::Each | Target::Workspace | Target::Data(_) => {}
            }
        }
        deps
    }

    /// The addresses a block reference depends on: one instance when the key is known,
    /// every instance otherwise.
    fn addresses(&self, block: &BlockRef, ctx: &Ctx) -> Vec<Address> {
        match self.instances.get(&(block.kind, block.label)) {
            None => Vec::new(),
            Some(None) => vec![Address::new(block.kind, block.label).within(&self.prefix)],
            Some(Some(keys)) => {
                let key = block
                    .index
                    .and_then(|e| eval_in(ctx, e).ok())
                    .and_then(|v| text(&v));
                let counted = self.counted.contains(&(block.kind, block.label));
                match key {
                    Some(k) if keys.contains(&k) => {
                        vec![instance_address(block.kind, block.label, &k, counted)
                            .within(&self.prefix)]
                    }
                    _ => keys
                        .iter()
                        .map(|k| {
                            instance_address(block.kind, block.label, k, counted)
                                .within(&self.prefix)
                        })
                        .collect(),
                }
            }
        }
    }
}

/// Evaluate every local value, resource block, module call and output.
pub(crate) fn run(
    decls: &Decls,
    vars: &Variables,
    names: &Names,
    workspace: &str,
    scope: &ModuleScope,
    diags: &mut Diagnostics,
) -> Run {
    let locals: BTreeMap<&str, LocalPlan> = decls
        .locals
        .iter()
        .map(|(name, decl)| {
            let what = Allowed::EVERYTHING.what("a local value");
            let (targets, ok) = resolve(&decl.attr.value, what, names, decl.file, diags);
            (
                *name,
                LocalPlan {
                    decl,
                    targets,
                    broken: !ok,
                },
            )
        })
        .collect();
    let blocks: BTreeMap<(Kind, &str), BlockPlan> = decls
        .resources
        .iter()
        .map(|(key, decl)| (*key, analyse_block(decl, names, diags)))
        .collect();
    let module_plans: BTreeMap<&str, ModulePlan> = decls
        .modules
        .iter()
        .map(|(label, decl)| (*label, analyse_module(decl, names, diags)))
        .collect();

    let data_plans: BTreeMap<(Kind, &str), Vec<Target>> = decls
        .data
        .iter()
        .map(|(key, decl)| {
            let mut targets = Vec::new();
            let mut ok = true;
            for a in decl.block.body.attributes() {
                let what = Allowed::EVERYTHING.what("a data block");
                let (t, fine) = resolve(&a.value, what, names, decl.file, diags);
                ok &= fine;
                targets.extend(t);
            }
            if !ok {
                // Reported: a data block that cannot be named fails what reads it.
                targets.push(Target::Data(refs::DataRef {
                    kind: key.0,
                    label: key.1,
                    attr: None,
                }));
            }
            (*key, targets)
        })
        .collect();
    let mut state = Evaluated {
        prefix: scope.prefix.clone(),
        ..Evaluated::default()
    };
    let order = order(
        &locals,
        &blocks,
        &module_plans,
        &data_plans,
        decls,
        &mut state,
        diags,
    );
    let (local_blocks, local_modules) = through_locals(&locals, &blocks, &module_plans, decls);
    let (read_blocks, body_reads) = blocks_read(decls);
    let body_reads = RefCell::new(body_reads);

    let mut env = Bindings::new(&vars.values, workspace);
    let mut out: Vec<Decoded> = Vec::new();
    let mut extras = Extras::default();
    for node in order {
        match node {
            Node::Local(name) => {
                let plan = &locals[name];
                let targets: Vec<&Target> = plan.targets.iter().collect();
                state.check_keys(&targets, plan.decl.file, diags);
                if plan.broken || plan.targets.iter().any(|t| state.unknown(t, vars)) {
                    state.failed.insert(node);
                    continue;
                }
                match env.eval(&plan.decl.attr.value) {
                    Ok(v) => env.set_local(name, v),
                    Err(e) => {
                        diags.push(
                            Diagnostic::error(format!("cannot evaluate local.{name}: {e}"))
                                .at(Some(plan.decl.file.span_of(&plan.decl.attr.value))),
                        );
                        state.failed.insert(node);
                    }
                }
            }
            Node::Block(kind, label) => {
                let plan = &blocks[&(kind, label)];
                if !evaluate_block(
                    plan,
                    vars,
                    &mut env,
                    &mut state,
                    &Reach {
                        local_blocks: &local_blocks,
                        local_modules: &local_modules,
                        scope,
                        read_blocks: &read_blocks,
                        body_reads: &body_reads,
                    },
                    &mut out,
                    diags,
                ) {
                    state.failed.insert(node);
                }
            }
            Node::Data(kind, label) => {
                let decl = &decls.data[&(kind, label)];
                let targets = &data_plans[&(kind, label)];
                let required = super::data::DATA_KINDS
                    .iter()
                    .find(|(k, _)| *k == kind)
                    .map_or(&[][..], |(_, a)| *a);
                // A missing attribute was reported by blocks::collect.
                let incomplete = required.iter().any(|a| decl.attr(a).is_none());
                if incomplete
                    || targets.iter().any(|t| {
                        matches!(t, Target::Data(d) if d.kind == kind && d.label == label)
                            || state.unknown(t, vars)
                    })
                {
                    state.failed.insert(node);
                    continue;
                }
                let mut value = |attr: &str| {
                    decl.attr(attr).and_then(|a| match env.eval(&a.value) {
                        Ok(v) => Some(v),
                        Err(e) => {
                            diags.push(
                                Diagnostic::error(format!(
                                    "cannot evaluate {attr} of data.{kind}.{label}: {e}"
                                ))
                                .at(Some(decl.file.span_of(&a.value))),
                            );
                            None
                        }
                    })
                };
                let values: BTreeMap<&str, Hcl> = ["name", "database", "schema"]
                    .into_iter()
                    .filter_map(|a| value(a).map(|v| (a, v)))
                    .collect();
                match super::data::name_of(kind, |a| values.get(a).cloned()) {
                    Ok(name) => {
                        env.set_data(kind, label, super::data::value_of(&name));
                        let address = format!("data.{kind}.{label}");
                        extras.data.push(super::data::DataSource {
                            address: if scope.prefix.is_empty() {
                                address
                            } else {
                                format!("{}.{address}", scope.prefix)
                            },
                            kind,
                            name,
                            span: decl.span(),
                        });
                    }
                    Err(e) => {
                        diags.push(
                            Diagnostic::error(format!("data.{kind}.{label} names no object: {e}"))
                                .at(Some(decl.span())),
                        );
                        state.failed.insert(node);
                    }
                }
            }
            Node::Module(label) => {
                let plan = &module_plans[label];
                let call = ModuleCallCtx {
                    vars,
                    decls,
                    workspace,
                    scope,
                    local_blocks: &local_blocks,
                    local_modules: &local_modules,
                };
                if !evaluate_module(
                    plan,
                    &call,
                    &mut env,
                    &mut state,
                    &mut out,
                    &mut extras,
                    diags,
                ) {
                    state.failed.insert(node);
                }
            }
        }
    }
    resolve_named(&mut out);
    let outputs = super::outputs::evaluate(
        &decls.outputs,
        names,
        &env,
        |t| state.unknown(t, vars),
        diags,
    );
    // What a calling configuration reads: each output's value and what it comes from.
    let mut output_values = hcl::Map::new();
    let mut output_deps = BTreeMap::new();
    for o in &outputs {
        let Some(attr) = decls
            .outputs
            .get(o.name.as_str())
            .and_then(|d| d.attr("value"))
        else {
            continue;
        };
        let Ok(value) = env.eval(&attr.value) else {
            continue;
        };
        let uses = Uses::of(&attr.value);
        let targets: Vec<Target> = uses
            .traversals
            .iter()
            .filter_map(|t| refs::classify(t).ok())
            .collect();
        let mut reads = Reads::default();
        reads.add(&attr.value);
        let ctx = env.context(&reads);
        let deps = state.deps_of(&targets, &ctx, &local_blocks, &local_modules, scope);
        output_values.insert(o.name.clone(), value);
        output_deps.insert(o.name.clone(), deps);
    }
    Run {
        decoded: out,
        outputs,
        output_values,
        output_deps,
        extras,
    }
}

/// What a block's dependencies are found through: the blocks and module calls read by
/// each local value, and the variables' own dependencies.
struct Reach<'r, 'a> {
    local_blocks: &'r BTreeMap<&'a str, Vec<BlockRef<'a>>>,
    local_modules: &'r BTreeMap<&'a str, Vec<ModuleRef<'a>>>,
    scope: &'r ModuleScope,
    /// The blocks some expression of the configuration reads (see [`blocks_read`]).
    read_blocks: &'r HashSet<(Kind, &'a str)>,
    /// What each resource block's body reads, found with `read_blocks` and taken by the
    /// block's evaluation: walking every expression again cost 4% of a validate.
    body_reads: &'r RefCell<BodyReads<'a>>,
}

/// What each resource block's body reads, by kind and label.
type BodyReads<'a> = HashMap<(Kind, &'a str), Reads<'a>>;

/// The blocks (kind, label) some expression of `decls` reads. A context only ever holds
/// blocks its expressions read (see [`Reads`]), and every expression evaluated comes from
/// these bodies: a block outside this set is never read, and its value (a map of every
/// attribute, for each instance) need not be built. Most are never read: a feature view
/// or a task is rarely named by another block.
fn blocks_read<'a>(decls: &Decls<'a>) -> (HashSet<(Kind, &'a str)>, BodyReads<'a>) {
    let mut read: HashSet<(Kind, &'a str)> = HashSet::new();
    let mut bodies = HashMap::with_capacity(decls.resources.len());
    for (key, d) in &decls.resources {
        let mut body = Reads::default();
        body.add_body(&d.block.body);
        read.extend(body.blocks());
        bodies.insert(*key, body);
    }
    let mut reads = Reads::default();
    for d in decls.data.values() {
        reads.add_body(&d.block.body);
    }
    for d in decls.locals.values() {
        reads.add(&d.attr.value);
    }
    for d in decls.outputs.values() {
        reads.add_body(&d.block.body);
    }
    for d in decls.modules.values() {
        reads.add_body(&d.block.body);
    }
    read.extend(reads.blocks());
    (read, bodies)
}

/// What evaluating a module call reads of the calling configuration.
struct ModuleCallCtx<'c, 'a> {
    vars: &'c Variables,
    decls: &'c Decls<'a>,
    workspace: &'c str,
    scope: &'c ModuleScope,
    local_blocks: &'c BTreeMap<&'a str, Vec<BlockRef<'a>>>,
    local_modules: &'c BTreeMap<&'a str, Vec<ModuleRef<'a>>>,
}

/// The references of a module call's arguments, and its source.
fn analyse_module<'a>(
    decl: &'a ModuleDecl<'a>,
    names: &Names,
    diags: &mut Diagnostics,
) -> ModulePlan<'a> {
    let file = decl.file;
    let mut broken = false;
    let has_for_each = decl.attr(FOR_EACH).is_some();
    let has_count = decl.attr(COUNT).is_some() && !has_for_each;
    if let (true, Some(c)) = (has_for_each, decl.attr(COUNT)) {
        broken = true;
        diags.push(
            Diagnostic::error(format!("module.{} has both for_each and count", decl.label))
                .with_detail("a call's instances come from one of them: keep for_each (keys) or count (0, 1, ...)")
                .at(Some(file.span_of(&c.key))),
        );
    }
    let source = match decl.attr(attr::SOURCE) {
        None => {
            broken = true; // reported by blocks::collect
            None
        }
        Some(a) => match &a.value {
            Expression::String(s)
                if s.value().starts_with("./") || s.value().starts_with("../") =>
            {
                Some(s.value().to_string())
            }
            _ => {
                broken = true;
                diags.push(
                    Diagnostic::error(format!(
                        "the source of module.{} must be a local directory",
                        decl.label
                    ))
                    .with_detail(
                        "write source = \"./modules/NAME\": a path starting with ./ or ../, relative to this file's directory, as a plain string",
                    )
                    .at(Some(file.span_of(&a.value))),
                );
                None
            }
        },
    };
    if let Some(a) = decl.attr("depends_on") {
        broken = true;
        diags.push(
            Diagnostic::error("depends_on is not supported on a module call")
                .with_detail("a module's objects depend on what its arguments read; pass the value they need as an argument")
                .at(Some(file.span_of(&a.key))),
        );
    }
    let mut args = BTreeMap::new();
    for attr in decl.block.body.attributes() {
        let name = attr.key.as_str();
        if MODULE_META.contains(&name) {
            continue;
        }
        let allowed = Allowed::EVERYTHING
            .what("a module argument")
            .with_each(has_for_each)
            .with_count(has_count);
        let (targets, ok) = resolve(&attr.value, allowed, names, file, diags);
        broken |= !ok;
        args.insert(name, (&attr.value, targets));
    }
    let for_each = decl.attr(FOR_EACH).or_else(|| decl.attr(COUNT)).map(|a| {
        let what = Allowed::EVERYTHING.what(if has_count { "count" } else { "for_each" });
        let (targets, ok) = resolve(&a.value, what, names, file, diags);
        broken |= !ok;
        (&a.value, targets)
    });
    ModulePlan {
        decl,
        source,
        for_each,
        counted: has_count,
        args,
        broken,
    }
}

/// Evaluate each instance of a module call: its arguments, then the module's own
/// configuration. False when the call as a whole failed.
fn evaluate_module<'a>(
    plan: &ModulePlan<'a>,
    call: &ModuleCallCtx<'_, 'a>,
    env: &mut Bindings,
    state: &mut Evaluated<'a>,
    out: &mut Vec<Decoded>,
    extras: &mut Extras,
    diags: &mut Diagnostics,
) -> bool {
    let decl = plan.decl;
    let label = decl.label;
    let targets: Vec<&Target> = plan.targets().collect();
    state.check_keys(&targets, decl.file, diags);
    if plan.broken || targets.iter().any(|t| state.unknown(t, call.vars)) {
        return false;
    }
    let Some(source) = &plan.source else {
        return false;
    };
    if call.scope.depth >= modules::MAX_DEPTH {
        diags.push(
            Diagnostic::error(format!(
                "module.{label} is called {} modules deep",
                modules::MAX_DEPTH
            ))
            .with_detail("a module that calls itself, directly or through others, never ends: break the cycle of sources")
            .at(Some(decl.span())),
        );
        return false;
    }
    let mut reads = Reads::default();
    reads.add_body(&decl.block.body);
    for t in plan.targets() {
        if let Target::Local(l) = t {
            for b in call.local_blocks.get(l).into_iter().flatten() {
                reads.add_opt(b.index);
            }
            for m in call.local_modules.get(l).into_iter().flatten() {
                reads.add_opt(m.index);
            }
        }
    }
    let mut ctx = env.context(&reads);
    let instances: Vec<Option<Each>> = match &plan.for_each {
        None => vec![None],
        Some((expr, _)) => match if plan.counted {
            eval_in(&ctx, expr).and_then(count_of)
        } else {
            eval_in(&ctx, expr).and_then(each_of)
        } {
            Ok(list) => list.into_iter().map(Some).collect(),
            Err(e) => {
                diags.push(
                    Diagnostic::error(format!(
                        "invalid {}: {e}",
                        if plan.counted { "count" } else { "for_each" }
                    ))
                    .at(Some(decl.file.span_of(*expr))),
                );
                return false;
            }
        },
    };
    let (dir, rel) = modules::directory(&call.scope.dir, &call.scope.rel, source);
    let mut ok = true;
    let mut values = hcl::Map::new();
    let mut loaded_instances = BTreeMap::new();
    for each in &instances {
        if let Some(e) = each {
            Bindings::set_each(&mut ctx, e);
        }
        let key_part = match each {
            Some(e) if plan.counted => format!("[{}]", e.key),
            Some(e) => format!(
                "[{}]",
                serde_json::to_string(&e.key).expect("strings serialise")
            ),
            None => String::new(),
        };
        let own = format!("module.{label}{key_part}");
        let prefix = if call.scope.prefix.is_empty() {
            own.clone()
        } else {
            format!("{}.{own}", call.scope.prefix)
        };
        let mut given = BTreeMap::new();
        let mut var_deps = BTreeMap::new();
        let mut sensitive_args = BTreeSet::new();
        let mut args_ok = true;
        for (name, (expr, targets)) in &plan.args {
            match eval_in(&ctx, expr) {
                Ok(v) => {
                    given.insert(name.to_string(), (v, decl.file.span_of(*expr)));
                }
                Err(e) => {
                    diags.push(
                        Diagnostic::error(format!(
                            "cannot evaluate the argument {name} of module.{label}: {e}"
                        ))
                        .at(Some(decl.file.span_of(*expr))),
                    );
                    args_ok = false;
                    continue;
                }
            }
            let deps = state.deps_of(
                targets,
                &ctx,
                call.local_blocks,
                call.local_modules,
                call.scope,
            );
            var_deps.insert(name.to_string(), deps);
            if super::sensitive::reads_sensitive(call.decls, &call.vars.sensitive_names, expr) {
                sensitive_args.insert(name.to_string());
            }
        }
        if !args_ok {
            ok = false;
            continue;
        }
        let loaded = modules::load(
            modules::Call {
                values: super::variables::CallValues {
                    call: format!("module.{label}{key_part}"),
                    at: decl.span(),
                    values: given,
                },
                dir: dir.clone(),
                rel: rel.clone(),
                prefix,
                var_deps,
                sensitive_args,
                workspace: call.workspace,
                depth: call.scope.depth + 1,
            },
            diags,
        );
        let Some(loaded) = loaded else {
            ok = false;
            continue;
        };
        let key = each.as_ref().map(|e| e.key.clone()).unwrap_or_default();
        values.insert(key.clone(), Hcl::Object(loaded.outputs.clone()));
        for d in &loaded.decoded {
            state
                .registry
                .insert(d.object.address.clone(), d.object.name.clone());
        }
        out.extend(loaded.decoded);
        extras.extend(loaded.extras);
        loaded_instances.insert(
            key,
            ModuleInstance {
                outputs: loaded.outputs.keys().cloned().collect(),
                declared: loaded.declared,
                output_deps: loaded.output_deps,
            },
        );
    }
    let value = if plan.counted {
        Hcl::Array(values.into_values().collect())
    } else if plan.for_each.is_some() {
        Hcl::Object(values)
    } else {
        values.shift_remove("").unwrap_or(Hcl::Null)
    };
    env.set_module(label, value);
    state
        .modules
        .insert(label, (plan.for_each.is_some(), loaded_instances));
    ok
}

/// Evaluate each instance of a block; false when the block as a whole failed.
fn evaluate_block<'a>(
    plan: &BlockPlan<'a>,
    vars: &Variables,
    env: &mut Bindings,
    state: &mut Evaluated<'a>,
    reach: &Reach<'_, 'a>,
    out: &mut Vec<Decoded>,
    diags: &mut Diagnostics,
) -> bool {
    let (local_blocks, local_modules, scope) =
        (reach.local_blocks, reach.local_modules, reach.scope);
    let decl = plan.decl;
    let (kind, label) = (decl.kind, decl.label);
    let targets: Vec<&Target> = plan.targets().collect();
    state.check_keys(&targets, decl.file, diags);
    let mut unknown: BTreeSet<String> = plan
        .attrs
        .iter()
        .filter(|(_, ts)| ts.iter().any(|t| state.unknown(t, vars)))
        .map(|(k, _)| k.clone())
        .collect();
    unknown.extend(plan.broken.iter().cloned());

    let instances: Vec<Option<Each>> = match &plan.for_each {
        None => vec![None],
        Some((expr, ts)) => {
            if plan.broken.contains(FOR_EACH) || ts.iter().any(|t| state.unknown(t, vars)) {
                return false;
            }
            let listed = if plan.counted {
                env.eval(expr).and_then(count_of)
            } else {
                env.eval(expr).and_then(each_of)
            };
            match listed {
                Ok(list) => list.into_iter().map(Some).collect(),
                Err(e) => {
                    let what = if plan.counted { "count" } else { "for_each" };
                    diags.push(
                        Diagnostic::error(format!("invalid {what}: {e}"))
                            .at(Some(decl.file.span_of(*expr))),
                    );
                    return false;
                }
            }
        }
    };

    let mut lifecycle = Lifecycle {
        prevent_destroy: false,
        ignore_changes: plan.ignore_changes.clone(),
    };
    if let Some((expr, ts)) = &plan.prevent_destroy {
        let known = !ts.iter().any(|t| state.unknown(t, vars));
        if known && !plan.broken.contains(PREVENT_DESTROY) {
            match env.eval(expr) {
                Ok(Hcl::Bool(b)) => lifecycle.prevent_destroy = b,
                Ok(other) => diags.push(
                    Diagnostic::error(format!(
                        "prevent_destroy must be true or false, got {}",
                        describe(&other)
                    ))
                    .at(Some(decl.file.span_of(*expr))),
                ),
                Err(e) => diags.push(
                    Diagnostic::error(format!("cannot evaluate prevent_destroy: {e}"))
                        .at(Some(decl.file.span_of(*expr))),
                ),
            }
        }
    }

    // One context per block, holding what its expressions read (and the keys of the blocks
    // reached through locals and depends_on); `each` is redeclared per instance.
    let found = reach.body_reads.borrow_mut().remove(&(kind, label));
    let mut reads = found.unwrap_or_else(|| {
        let mut reads = Reads::default();
        reads.add_body(&decl.block.body);
        reads
    });
    for t in plan.targets() {
        if let Target::Local(l) = t {
            for b in local_blocks.get(l).into_iter().flatten() {
                reads.add_opt(b.index);
            }
            for m in local_modules.get(l).into_iter().flatten() {
                reads.add_opt(m.index);
            }
        }
    }
    for b in &plan.depends_on {
        reads.add_opt(b.index);
    }
    let base_ctx = env.context(&reads);
    let mut each_ctx = plan.for_each.as_ref().map(|_| base_ctx.clone());
    let mut ok = true;
    let has_dynamic = decl.block.body.get_blocks("dynamic").next().is_some();
    if unknown.iter().any(|k| k.starts_with("dynamic.")) {
        return false;
    }
    let mut values = hcl::Map::new();
    let mut decoded_here = Vec::new();
    let mut reported: Vec<(Diagnostic, Vec<String>)> = Vec::new();
    for each in &instances {
        let address = match each {
            Some(e) => instance_address(kind, label, &e.key, plan.counted),
            None => Address::new(kind, label),
        }
        .within(&scope.prefix);
        let ctx = match (each, each_ctx.as_mut()) {
            (Some(e), Some(c)) => {
                Bindings::set_each(c, e);
                &*c
            }
            _ => &base_ctx,
        };
        // Dynamic blocks are written out per instance (their for_each may read each).
        let mut found = Diagnostics::new();
        let expanded = if has_dynamic {
            match expand_dynamic(decl.block, ctx, decl.file, &mut found) {
                Some(x) => Some(x),
                None => {
                    for d in found {
                        diags.push(d);
                    }
                    ok = false;
                    continue;
                }
            }
        } else {
            None
        };
        let expanded_decl = expanded.as_ref().map(|(block, _)| ResourceDecl {
            kind: decl.kind,
            label: decl.label,
            block,
            file: decl.file,
        });
        let expanded_ctx = expanded.as_ref().map(|(_, vars)| {
            let mut c = ctx.clone();
            for (name, v) in vars {
                c.declare_var(name.as_str(), v.clone());
            }
            c
        });
        let input = decode::Input {
            decl: expanded_decl.as_ref().unwrap_or(decl),
            address: address.clone(),
            ctx: expanded_ctx.as_ref().unwrap_or(ctx),
            unknown: &unknown,
            registry: &state.registry,
            lifecycle: lifecycle.clone(),
            read: reach.read_blocks.contains(&(kind, label)),
        };
        let outcome = decode::instance(input, &mut found);
        for d in found {
            let key = each.as_ref().map(|e| e.key.clone());
            match reported.iter_mut().find(|(x, _)| *x == d) {
                Some((_, keys)) => keys.extend(key),
                None => reported.push((d, key.into_iter().collect())),
            }
        }
        for a in outcome.failed_attrs {
            state.failed_attrs.insert((kind, label, a));
        }
        match each {
            Some(e) => {
                values.insert(e.key.clone(), outcome.value);
            }
            None => {
                values.insert(String::new(), outcome.value);
            }
        }
        let Some(mut d) = outcome.decoded else {
            ok = false;
            continue;
        };
        // Dependencies: every block read, directly or through locals, module outputs and
        // variables set from blocks by a module call, and depends_on.
        let mut deps = BTreeSet::new();
        for t in plan.targets() {
            match t {
                Target::Block(b) => deps.extend(state.addresses(b, ctx)),
                Target::Module(m) => deps.extend(state.module_addresses(m, ctx)),
                Target::Var(v) => {
                    deps.extend(scope.var_deps.get(*v).into_iter().flatten().cloned())
                }
                Target::Local(l) => {
                    for b in local_blocks.get(l).into_iter().flatten() {
                        deps.extend(state.addresses(b, &base_ctx));
                    }
                    for m in local_modules.get(l).into_iter().flatten() {
                        deps.extend(state.module_addresses(m, &base_ctx));
                    }
                }
                _ => {}
            }
        }
        for b in &plan.depends_on {
            deps.extend(state.addresses(b, &base_ctx));
        }
        d.object.deps.extend(deps);
        d.object.deps.remove(&address);
        decoded_here.push(d);
    }
    let value = if plan.counted {
        Hcl::Array(values.into_values().collect())
    } else if plan.for_each.is_some() {
        Hcl::Object(values)
    } else {
        values.shift_remove("").unwrap_or(Hcl::Null)
    };
    if plan.counted {
        state.counted.insert((kind, label));
    }
    env.set_block(kind, label, value);
    state.instances.insert(
        (kind, label),
        plan.for_each
            .as_ref()
            .map(|_| instances.iter().flatten().map(|e| e.key.clone()).collect()),
    );
    // A problem shared by instances is reported once, naming them.
    for (mut d, keys) in reported {
        if !keys.is_empty() {
            let keys: Vec<String> = keys.iter().map(|k| format!("{k:?}")).collect();
            let note = match keys.len() {
                1 => format!("in the instance {}", keys[0]),
                _ => format!("in the instances {}", list(keys)),
            };
            d.detail = Some(match d.detail {
                Some(h) => format!("{h}\n{note}"),
                None => note,
            });
        }
        diags.push(d);
    }
    for d in &decoded_here {
        state
            .registry
            .insert(d.object.address.clone(), d.object.name.clone());
    }
    out.extend(decoded_here);
    ok
}

/// The name a dynamic block's content reads its element by: `iterator`, or the label.
fn dynamic_iterator(block: &hcl_edit::structure::Block) -> Option<&str> {
    match block.body.get_attribute("iterator").map(|a| &a.value) {
        Some(Expression::Variable(v)) => Some(v.as_str()),
        Some(_) => None,
        None => block.labels.first().map(|l| l.as_str()),
    }
}

/// Renames the root of references to a dynamic block's iterator to the hidden name that
/// holds one element, keeping every position (messages still point into the content).
struct RenameIterator<'n> {
    from: &'n str,
    to: &'n str,
}

impl hcl_edit::visit_mut::VisitMut for RenameIterator<'_> {
    fn visit_expr_mut(&mut self, expr: &mut Expression) {
        if let Expression::Variable(v) = expr {
            if v.as_str() == self.from {
                *v.value_mut() = hcl_edit::Ident::new(self.to);
            }
        } else {
            hcl_edit::visit_mut::visit_expr_mut(self, expr);
        }
    }
}

/// `block` with each dynamic block written out as nested blocks, one per element of its
/// for_each, and the hidden variables their contents read (`__dynamic_<n>_<i>` holding
/// `{ key, value }`). None when a dynamic block cannot be written (reported).
fn expand_dynamic(
    block: &hcl_edit::structure::Block,
    ctx: &Ctx,
    file: &super::source::SourceFile,
    diags: &mut Diagnostics,
) -> Option<(hcl_edit::structure::Block, Vec<(String, Hcl)>)> {
    use hcl_edit::structure::{Block, BlockLabel, Body, Structure};
    let mut vars = Vec::new();
    let mut out: Vec<Structure> = Vec::new();
    let mut failed = false;
    for (n, st) in block.body.iter().enumerate() {
        let Structure::Block(d) = st else {
            out.push(st.clone());
            continue;
        };
        if d.ident.as_str() != "dynamic" {
            out.push(st.clone());
            continue;
        }
        // Shapes were checked by blocks::collect.
        let (Some(ty), Some(for_each), Some(content)) = (
            d.labels.first(),
            d.body.get_attribute("for_each"),
            d.body.get_blocks("content").next(),
        ) else {
            failed = true;
            continue;
        };
        let Some(iterator) = dynamic_iterator(d) else {
            diags.push(
                Diagnostic::error("a dynamic block's iterator is a name")
                    .with_detail("write iterator = v, then v.key and v.value in its content")
                    .at(Some(file.span_of(d))),
            );
            failed = true;
            continue;
        };
        let elements = match eval_in(ctx, &for_each.value).and_then(dynamic_each) {
            Ok(e) => e,
            Err(e) => {
                diags.push(
                    Diagnostic::error(format!("invalid for_each of a dynamic block: {e}"))
                        .at(Some(file.span_of(&for_each.value))),
                );
                failed = true;
                continue;
            }
        };
        for (i, e) in elements.into_iter().enumerate() {
            let hidden = format!("__dynamic_{n}_{i}");
            let element: hcl::Map<String, Hcl> = [
                ("key".to_string(), Hcl::from(e.key.as_str())),
                ("value".to_string(), e.value),
            ]
            .into_iter()
            .collect();
            let element = Hcl::Object(element);
            let mut rename = RenameIterator {
                from: iterator,
                to: &hidden,
            };
            // The labels, evaluated with the element.
            let mut labels: Vec<BlockLabel> = Vec::new();
            if let Some(l) = d.body.get_attribute("labels") {
                let mut scoped = ctx.clone();
                scoped.declare_var(iterator, element.clone());
                match eval_in(&scoped, &l.value) {
                    Ok(Hcl::Array(items)) => {
                        for item in items {
                            match text(&item) {
                                Some(t) => labels.push(BlockLabel::from(t)),
                                None => {
                                    diags.push(
                                        Diagnostic::error(format!(
                                            "the labels of a dynamic block are strings, got {}",
                                            describe(&item)
                                        ))
                                        .at(Some(file.span_of(&l.value))),
                                    );
                                    failed = true;
                                }
                            }
                        }
                    }
                    Ok(other) => {
                        diags.push(
                            Diagnostic::error(format!(
                                "the labels of a dynamic block are a list, got {}",
                                describe(&other)
                            ))
                            .with_detail(format!("write labels = [{iterator}.key]"))
                            .at(Some(file.span_of(&l.value))),
                        );
                        failed = true;
                    }
                    Err(e) => {
                        diags.push(
                            Diagnostic::error(format!("cannot evaluate the labels: {e}"))
                                .at(Some(file.span_of(&l.value))),
                        );
                        failed = true;
                    }
                }
            }
            let mut body = content.body.clone();
            for mut attr in body.attributes_mut() {
                hcl_edit::visit_mut::visit_expr_mut(&mut rename, attr.value_mut());
            }
            let mut nested = Block::new(hcl_edit::Ident::new(ty.as_str()));
            nested.labels = labels;
            nested.body = Body::from(body.into_iter().collect::<Vec<_>>());
            out.push(Structure::Block(nested));
            vars.push((hidden, element));
        }
    }
    if failed {
        return None;
    }
    let mut expanded = block.clone();
    expanded.body = Body::from(out);
    Some((expanded, vars))
}

/// The address of one instance: `KIND.LABEL["KEY"]`, or `KIND.LABEL[N]` with count.
fn instance_address(kind: Kind, label: &str, key: &str, counted: bool) -> Address {
    match key.parse::<u64>() {
        Ok(i) if counted => Address::with_index(kind, label, i),
        _ => Address::with_key(kind, label, key),
    }
}

/// The instances of a `count` value: a whole number from 0 to [`COUNT_LIMIT`].
fn count_of(count: Hcl) -> Result<Vec<Each>, String> {
    let n = match &count {
        Hcl::Number(n) => n.as_u64().filter(|n| *n <= COUNT_LIMIT),
        _ => None,
    };
    let Some(n) = n else {
        return Err(format!(
            "count takes a whole number from 0 to {COUNT_LIMIT}, got {}",
            describe(&count)
        ));
    };
    Ok((0..n)
        .map(|i| Each {
            key: i.to_string(),
            value: Hcl::from(i),
            count: true,
        })
        .collect())
}

/// The elements of a dynamic block's `for_each`: those of a resource's for_each (a map, or a
/// set of strings), or, as Terraform also takes, a list of other values (objects...), in its
/// order, each keyed by its index.
fn dynamic_each(for_each: Hcl) -> Result<Vec<Each>, String> {
    match for_each {
        Hcl::Array(items) if items.iter().any(|i| !matches!(i, Hcl::String(_))) => Ok(items
            .into_iter()
            .enumerate()
            .map(|(i, value)| Each {
                key: i.to_string(),
                value,
                count: false,
            })
            .collect()),
        other => each_of(other),
    }
}

/// The instances of a `for_each` value: a map (key, value) or a set of strings (key = value).
fn each_of(for_each: Hcl) -> Result<Vec<Each>, String> {
    match for_each {
        Hcl::Object(m) => {
            let mut list: Vec<Each> = m
                .into_iter()
                .map(|(key, value)| Each {
                    key,
                    value,
                    count: false,
                })
                .collect();
            list.sort_by(|a, b| a.key.cmp(&b.key));
            Ok(list)
        }
        Hcl::Array(items) => {
            let mut keys = BTreeSet::new();
            for (i, item) in items.iter().enumerate() {
                match item {
                    Hcl::String(s) => {
                        keys.insert(s.clone());
                    }
                    other => {
                        return Err(format!(
                            "for_each takes a map or a set of strings, but element {i} is {}",
                            describe(other)
                        ))
                    }
                }
            }
            Ok(keys
                .into_iter()
                .map(|k| Each {
                    value: Hcl::from(k.as_str()),
                    key: k,
                    count: false,
                })
                .collect())
        }
        other => Err(format!(
            "for_each takes a map or a set of strings, got {}",
            describe(&other)
        )),
    }
}

fn analyse_block<'a>(
    decl: &'a ResourceDecl<'a>,
    names: &Names,
    diags: &mut Diagnostics,
) -> BlockPlan<'a> {
    let s = schema(decl.kind);
    let file = decl.file;
    let has_for_each = decl.attr("for_each").is_some();
    let has_count = decl.attr(COUNT).is_some() && !has_for_each;
    let allowed = Allowed::EVERYTHING
        .what("this block")
        .with_each(has_for_each)
        .with_count(has_count);
    let mut attrs = BTreeMap::new();
    let mut broken = BTreeSet::new();
    if let (true, Some(c)) = (has_for_each, decl.attr(COUNT)) {
        diags.push(
            Diagnostic::error(format!(
                "{}.{} has both for_each and count",
                decl.kind, decl.label
            ))
            .with_detail("a block's instances come from one of them: keep for_each (keys) or count (0, 1, ...)")
            .at(Some(file.span_of(&c.key))),
        );
        broken.insert(FOR_EACH.to_string());
    }
    let mut add = |key: String, expr: &'a Expression, allowed: Allowed, diags: &mut Diagnostics| {
        let (targets, ok) = resolve(expr, allowed, names, file, diags);
        if !ok {
            broken.insert(key.clone());
        }
        attrs.insert(key, targets);
    };
    for attr in decl.block.body.attributes() {
        let name = attr.key.as_str();
        if s.attr(name).is_some_and(|a| a.role != Role::Derived) {
            add(attr_key(None, name), &attr.value, allowed, diags);
        }
    }
    for nested in s.blocks {
        for (i, b) in decl.block.body.get_blocks(nested.name).enumerate() {
            for attr in b.body.attributes() {
                if nested.attr(attr.key.as_str()).is_some() {
                    let key = attr_key(Some((nested.name, i)), attr.key.as_str());
                    add(key, &attr.value, allowed, diags);
                }
            }
        }
    }
    // A dynamic block's expressions, its iterator bound: keyed `dynamic.N.ATTR`, so that
    // one that cannot be known fails the block.
    for (i, d) in decl.block.body.get_blocks("dynamic").enumerate() {
        let iterator = dynamic_iterator(d);
        let mut exprs: Vec<(String, &'a Expression)> = Vec::new();
        for attr in d.body.attributes() {
            if attr.key.as_str() != "iterator" {
                exprs.push((format!("dynamic.{i}.{}", attr.key.as_str()), &attr.value));
            }
        }
        for c in d.body.get_blocks("content") {
            for attr in c.body.attributes() {
                exprs.push((
                    format!("dynamic.{i}.content.{}", attr.key.as_str()),
                    &attr.value,
                ));
            }
        }
        for (key, expr) in exprs {
            let before = diags.len();
            let bound: Vec<&str> = if key.ends_with(".for_each") {
                Vec::new()
            } else {
                iterator.into_iter().collect()
            };
            let targets = refs::resolve(
                &Uses::of_bound(expr, &bound),
                names,
                allowed.what("a dynamic block"),
                file,
                diags,
            );
            if diags.len() != before {
                broken.insert(key.clone());
            }
            attrs.insert(key, targets);
        }
    }
    // count's expression stands where for_each's would, its instances numbered.
    let counted = has_count;
    let for_each = decl.attr(FOR_EACH).or_else(|| decl.attr(COUNT)).map(|a| {
        let what = Allowed::EVERYTHING.what(if counted { "count" } else { "for_each" });
        let (targets, ok) = resolve(&a.value, what, names, file, diags);
        if !ok {
            broken.insert(FOR_EACH.to_string());
        }
        (&a.value, targets)
    });
    let depends_on = decl
        .attr("depends_on")
        .map(|a| depends_on(&a.value, names, decl, diags))
        .unwrap_or_default();
    let lifecycle = decl.block.body.get_blocks("lifecycle").next();
    let prevent_destroy = lifecycle
        .and_then(|l| l.body.get_attribute(PREVENT_DESTROY))
        .map(|a| {
            let what = Allowed::VARIABLES.what("lifecycle");
            let (targets, ok) = resolve(&a.value, what, names, file, diags);
            if !ok {
                broken.insert(PREVENT_DESTROY.to_string());
            }
            (&a.value, targets)
        });
    let ignore_changes = lifecycle
        .and_then(|l| l.body.get_attribute("ignore_changes"))
        .map(|a| ignore_changes(&a.value, decl, diags))
        .unwrap_or_default();
    BlockPlan {
        decl,
        for_each,
        counted,
        attrs,
        broken,
        depends_on,
        prevent_destroy,
        ignore_changes,
    }
}

/// `depends_on = [warehouse.compute, schema.team["ml"]]`: block references only.
fn depends_on<'a>(
    expr: &'a Expression,
    names: &Names,
    decl: &ResourceDecl,
    diags: &mut Diagnostics,
) -> Vec<BlockRef<'a>> {
    let file = decl.file;
    let shape = || {
        Diagnostic::error("depends_on lists blocks")
            .with_detail("write depends_on = [warehouse.compute, schema.team[\"ml\"]]")
    };
    let Expression::Array(items) = expr else {
        diags.push(shape().at(Some(file.span_of(expr))));
        return Vec::new();
    };
    let mut out = Vec::new();
    for item in items.iter() {
        let is_traversal = matches!(item, Expression::Traversal(_));
        let uses = Uses::of(item);
        let targets = refs::resolve(
            &uses,
            names,
            Allowed::EVERYTHING.what("depends_on"),
            file,
            diags,
        );
        match targets.as_slice() {
            [Target::Block(b)]
                if is_traversal
                    && b.attr.is_none()
                    && (b.index.is_none() || b.literal_key().is_some()) =>
            {
                out.push(b.clone());
            }
            _ if uses.traversals.len() == 1 && targets.is_empty() => {} // reported by resolve
            _ => diags.push(shape().at(Some(file.span_of(item)))),
        }
    }
    out
}

/// `versions.V1.metadata` or `versions["V1"].metadata` written as a traversal: the path
/// as a string, or None when it is another kind of traversal.
fn version_traversal(traversal: &hcl_edit::expr::Traversal) -> Option<String> {
    use hcl_edit::expr::TraversalOperator as Op;
    let Expression::Variable(root) = &traversal.expr else {
        return None;
    };
    if root.as_str() != VERSIONS {
        return None;
    }
    let mut path = VERSIONS.to_string();
    for op in &traversal.operators {
        let part = match op.value() {
            Op::GetAttr(name) => name.as_str().to_string(),
            Op::Index(Expression::String(s)) => s.value().to_string(),
            _ => return None,
        };
        path.push('.');
        path.push_str(&part);
    }
    Some(path)
}

/// `versions.<version>[.<field>]`, with the version name as a version block's label reads
/// (unquoted names are upper-cased) and the field one of a version's attributes.
fn version_path(path: &str) -> Result<String, String> {
    let rest = &path[VERSIONS.len() + 1..];
    let (version, field) = match rest.rsplit_once('.') {
        Some((v, f)) if VERSION_ATTRS.iter().any(|a| a.name == f) => (v, Some(f)),
        _ => (rest, None),
    };
    let version = Ident::parse(version)
        .map_err(|e| format!("not a version name: {e}"))?
        .as_str()
        .to_string();
    Ok(match field {
        Some(f) => format!("{VERSIONS}.{version}.{f}"),
        None => format!("{VERSIONS}.{version}"),
    })
}

/// `ignore_changes = ["comment"]` (or bare names): attributes of the kind; for a model
/// also `versions`, `versions.V1` and `versions.V1.metadata`; for a table `columns`.
fn ignore_changes(expr: &Expression, decl: &ResourceDecl, diags: &mut Diagnostics) -> Vec<String> {
    let file = decl.file;
    let s = schema(decl.kind);
    let mut allowed: Vec<&str> = s
        .properties()
        .filter(|a| a.role != Role::Derived)
        .map(|a| a.name)
        .collect();
    if decl.kind == Kind::Model {
        allowed.push(VERSIONS);
    }
    if decl.kind == Kind::Table {
        // Every column block (columns someone else adds and drops).
        allowed.push(crate::kinds::table::COLUMNS);
    }
    let Expression::Array(items) = expr else {
        diags.push(
            Diagnostic::error("ignore_changes lists attribute names")
                .with_detail("write ignore_changes = [\"comment\"]")
                .at(Some(file.span_of(expr))),
        );
        return Vec::new();
    };
    let mut out = Vec::new();
    for item in items.iter() {
        let path;
        let name = match item {
            Expression::String(s) => s.value().as_str(),
            Expression::Variable(v) => v.as_str(),
            Expression::Traversal(t) if decl.kind == Kind::Model => match version_traversal(t) {
                Some(p) => {
                    path = p;
                    path.as_str()
                }
                None => {
                    diags.push(
                            Diagnostic::error("ignore_changes lists attribute names")
                                .with_detail("write a version's part as versions.V1, versions.V1.metadata or \"versions.V1.metadata\"")
                                .at(Some(file.span_of(item))),
                        );
                    continue;
                }
            },
            other => {
                diags.push(
                    Diagnostic::error("ignore_changes lists attribute names")
                        .with_detail("write each name as a string, as in [\"comment\"]")
                        .at(Some(file.span_of(other))),
                );
                continue;
            }
        };
        // A model's versions, one version, or one field of one version.
        if decl.kind == Kind::Model && name.starts_with(&format!("{VERSIONS}.")) {
            match version_path(name) {
                Ok(p) => {
                    if !out.contains(&p) {
                        out.push(p);
                    }
                }
                Err(e) => diags.push(
                    Diagnostic::error(format!("ignore_changes names {name:?}: {e}"))
                        .with_detail(format!(
                            "write \"{VERSIONS}\" (every version), \"{VERSIONS}.V1\" (one version) or \"{VERSIONS}.V1.FIELD\" with FIELD one of {}",
                            VERSION_ATTRS.iter().map(|a| a.name).collect::<Vec<_>>().join(", ")
                        ))
                        .at(Some(file.span_of(item))),
                ),
            }
            continue;
        }
        let identity = s
            .attr(name)
            .is_some_and(|a| matches!(a.role, Role::Name | Role::Container));
        if identity {
            diags.push(
                Diagnostic::error(format!("ignore_changes cannot hold {name:?}"))
                    .with_detail(format!(
                        "{name} says which Snowflake object the block manages; a change of it is another object"
                    ))
                    .at(Some(file.span_of(item))),
            );
            continue;
        }
        if !allowed.contains(&name) {
            let d = Diagnostic::error(format!(
                "ignore_changes names {name:?}, which is not an attribute of a {} block",
                decl.kind.noun()
            ));
            let d = match suggest::hint(name, allowed.iter().copied()) {
                Some(h) => d.with_detail(h),
                None => d.with_detail(format!("its attributes are {}", allowed.join(", "))),
            };
            diags.push(d.at(Some(file.span_of(item))));
            continue;
        }
        if !out.iter().any(|n| n == name) {
            out.push(name.to_string());
        }
    }
    out.sort();
    out
}

/// The evaluation order; cycles are reported and their members left out (failed).
fn order<'a>(
    locals: &BTreeMap<&'a str, LocalPlan<'a>>,
    blocks: &BTreeMap<(Kind, &'a str), BlockPlan<'a>>,
    module_plans: &BTreeMap<&'a str, ModulePlan<'a>>,
    data_plans: &BTreeMap<(Kind, &'a str), Vec<Target<'a>>>,
    decls: &Decls,
    state: &mut Evaluated<'a>,
    diags: &mut Diagnostics,
) -> Vec<Node<'a>> {
    let edges = |node: Node<'a>| -> Vec<Node<'a>> {
        let targets: Vec<&Target<'a>> = match node {
            Node::Local(n) => locals[n].targets.iter().collect(),
            Node::Block(k, l) => blocks[&(k, l)].targets().collect(),
            Node::Module(l) => module_plans[l].targets().collect(),
            Node::Data(k, l) => data_plans[&(k, l)].iter().collect(),
        };
        let mut out: Vec<Node<'a>> = targets
            .into_iter()
            .filter_map(|t| match t {
                Target::Local(n) if locals.contains_key(n) => Some(Node::Local(n)),
                Target::Block(b) if blocks.contains_key(&(b.kind, b.label)) => {
                    Some(Node::Block(b.kind, b.label))
                }
                Target::Module(m) if module_plans.contains_key(m.label) => {
                    Some(Node::Module(m.label))
                }
                Target::Data(d) if data_plans.contains_key(&(d.kind, d.label)) => {
                    Some(Node::Data(d.kind, d.label))
                }
                _ => None,
            })
            .collect();
        if let Node::Block(k, l) = node {
            out.extend(
                blocks[&(k, l)]
                    .depends_on
                    .iter()
                    .filter(|b| blocks.contains_key(&(b.kind, b.label)))
                    .map(|b| Node::Block(b.kind, b.label)),
            );
        }
        out
    };
    let nodes: Vec<Node<'a>> = locals
        .keys()
        .map(|n| Node::Local(n))
        .chain(blocks.keys().map(|(k, l)| Node::Block(*k, l)))
        .chain(module_plans.keys().map(|l| Node::Module(l)))
        .chain(data_plans.keys().map(|(k, l)| Node::Data(*k, l)))
        .collect();
    let build = |skip: &BTreeSet<Node<'a>>| {
        let mut g = Graph::new();
        for &n in nodes.iter().filter(|n| !skip.contains(n)) {
            g.add_node(n);
            for d in edges(n).into_iter().filter(|d| !skip.contains(d)) {
                g.add_dep(n, d);
            }
        }
        g
    };
    let span_of = |n: &Node| -> Span {
        match n {
            Node::Local(name) => {
                let d = &decls.locals[name];
                d.file.span_of(d.attr)
            }
            Node::Block(k, l) => decls.resources[&(*k, *l)].span(),
            Node::Module(l) => decls.modules[l].span(),
            Node::Data(k, l) => decls.data[&(*k, *l)].span(),
        }
    };
    match build(&BTreeSet::new()).topo_order() {
        Ok(order) => order,
        Err(cycles) => {
            for cycle in cycles {
                let mut members: Vec<(Span, Node)> =
                    cycle.iter().map(|n| (span_of(n), *n)).collect();
                members.sort();
                // A cycle through thousands of nodes is named by its first few members.
                let shown = members.len().min(CYCLE_SHOWN);
                let more = members.len() - shown;
                let summary = match members.as_slice() {
                    [(_, only)] => format!("dependency cycle: {only} refers to itself"),
                    _ if more > 0 => format!(
                        "dependency cycle between {} and {more} more",
                        members[..shown]
                            .iter()
                            .map(|(_, n)| n.to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    _ => format!(
                        "dependency cycle between {}",
                        list(members.iter().map(|(_, n)| n.to_string()).collect())
                    ),
                };
                let mut detail = members[..shown]
                    .iter()
                    .map(|(s, n)| format!("{n} at {s}"))
                    .collect::<Vec<_>>()
                    .join("\n");
                if more > 0 {
                    detail.push_str(&format!("\n... and {more} more"));
                }
                diags.push(
                    Diagnostic::error(summary)
                        .with_detail(detail)
                        .at(Some(members[0].0.clone())),
                );
                state.failed.extend(cycle);
            }
            build(&state.failed).topo_order().unwrap_or_default()
        }
    }
}

/// "a, b and c"
pub(crate) fn list(items: Vec<String>) -> String {
    match items.len() {
        0 => String::new(),
        1 => items[0].clone(),
        n => format!("{} and {}", items[..n - 1].join(", "), items[n - 1]),
    }
}

/// The blocks and module calls each local value that a block, a module call or an output
/// reads reads, directly or through other locals. Only those locals are followed, each
/// once, with an explicit stack: a chain of tens of thousands of locals that nothing reads
/// costs nothing here, and a deep one cannot overflow the stack.
#[allow(clippy::type_complexity)]
fn through_locals<'a>(
    locals: &BTreeMap<&'a str, LocalPlan<'a>>,
    blocks: &BTreeMap<(Kind, &'a str), BlockPlan<'a>>,
    module_plans: &BTreeMap<&'a str, ModulePlan<'a>>,
    decls: &'a Decls,
) -> (
    BTreeMap<&'a str, Vec<BlockRef<'a>>>,
    BTreeMap<&'a str, Vec<ModuleRef<'a>>>,
) {
    let mut read: BTreeSet<&'a str> = blocks
        .values()
        .flat_map(|b| b.targets())
        .chain(module_plans.values().flat_map(|m| m.targets()))
        .filter_map(|t| match t {
            Target::Local(l) => Some(*l),
            _ => None,
        })
        .collect();
    // Outputs are read by calling configurations: what they come from is a dependency.
    for o in decls.outputs.values() {
        if let Some(a) = o.attr("value") {
            for t in Uses::of(&a.value).traversals {
                if let Ok(Target::Local(l)) = refs::classify(&t) {
                    read.insert(l);
                }
            }
        }
    }
    let mut out_blocks = BTreeMap::new();
    let mut out_modules = BTreeMap::new();
    for name in read {
        let mut found_blocks = Vec::new();
        let mut found_modules = Vec::new();
        let mut seen = BTreeSet::from([name]);
        let mut stack = vec![name];
        while let Some(n) = stack.pop() {
            let Some(plan) = locals.get(n) else { continue };
            for t in &plan.targets {
                match t {
                    Target::Block(b) => found_blocks.push(b.clone()),
                    Target::Module(m) => found_modules.push(m.clone()),
                    Target::Local(l) if seen.insert(*l) => stack.push(*l),
                    _ => {}
                }
            }
        }
        out_blocks.insert(name, found_blocks);
        out_modules.insert(name, found_modules);
    }
    (out_blocks, out_modules)
}

/// Add a dependency on each managed object that an instance names by a string.
fn resolve_named(decoded: &mut [Decoded]) {
    let mut index: BTreeMap<(Kind, ObjectName), Address> = BTreeMap::new();
    for d in decoded.iter() {
        index
            .entry((d.object.kind(), d.object.name.clone()))
            .or_insert_with(|| d.object.address.clone());
    }
    // Procedures by name whatever their argument types: a task that CALLs one by a literal
    // name depends on every overload of that name (created first, dropped last).
    let mut procedures: BTreeMap<ObjectName, Vec<Address>> = BTreeMap::new();
    for d in decoded
        .iter()
        .filter(|d| d.object.kind() == Kind::Procedure)
    {
        procedures
            .entry(d.object.name.clone().with_signature(None))
            .or_default()
            .push(d.object.address.clone());
    }
    for d in decoded.iter_mut() {
        for (kind, name) in &d.named {
            if let Some(a) = index.get(&(*kind, name.clone())) {
                if *a != d.object.address {
                    d.object.deps.insert(a.clone());
                }
            }
        }
        if d.object.kind() == Kind::Task && !procedures.is_empty() {
            let called = d
                .object
                .get_str(attr::SQL)
                .and_then(|sql| crate::kinds::procedure::called_by(&d.object.name, sql));
            if let Some(addrs) = called.and_then(|n| procedures.get(&n)) {
                d.object.deps.extend(addrs.iter().cloned());
            }
        }
    }
}

const FOR_EACH: &str = "for_each";
const COUNT: &str = "count";
/// The most instances `count` may make: a typo such as 1e9 fails instead of exhausting
/// memory.
const COUNT_LIMIT: u64 = 10_000;
/// How many members of a dependency cycle its error names.
const CYCLE_SHOWN: usize = 10;
const PREVENT_DESTROY: &str = "prevent_destroy";

/// The references of an expression, and whether all of them are right.
fn resolve<'a>(
    expr: &'a Expression,
    allowed: Allowed,
    names: &Names,
    file: &super::source::SourceFile,
    diags: &mut Diagnostics,
) -> (Vec<Target<'a>>, bool) {
    let before = diags.len();
    let targets = refs::resolve(&Uses::of(expr), names, allowed, file, diags);
    (targets, diags.len() == before)
}
