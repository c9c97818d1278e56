//! Evaluating the configuration in dependency order: the graph of local values and blocks
//! built from the references in their expressions, its cycles, then each node in turn.
//! A node whose inputs failed is skipped without a message, so one mistake is reported
//! once, not again by everything that reads it.

use super::bindings::{eval_in, Bindings, Each, Reads};
use super::blocks::{Decls, LocalDecl, ResourceDecl};
use super::decode::{self, attr_key, Decoded};
use super::functions::describe;
use super::refs::{self, Allowed, BlockRef, Names, Target, Uses};
use super::suggest;
use super::values::text;
use super::variables::Variables;
use crate::diag::{Diagnostic, Diagnostics, Span};
use crate::graph::Graph;
use crate::model::kinds::model::{VERSIONS, VERSION_ATTRS};
use crate::model::{schema, Address, Ident, Kind, Lifecycle, ObjectName, Role};
use hcl::eval::Context;
use hcl::Value as Hcl;
use hcl_edit::expr::Expression;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// A local value or a resource block.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Node<'a> {
    Local(&'a str),
    Block(Kind, &'a str),
}

impl fmt::Display for Node<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Node::Local(n) => write!(f, "local.{n}"),
            Node::Block(k, l) => write!(f, "{k}.{l}"),
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
    for_each: Option<(&'a Expression, Vec<Target<'a>>)>,
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

/// What is known about the nodes evaluated so far.
#[derive(Default)]
struct Evaluated<'a> {
    failed: BTreeSet<Node<'a>>,
    failed_attrs: BTreeSet<(Kind, &'a str, &'static str)>,
    /// The instance keys of each evaluated block; None for a block without for_each.
    instances: BTreeMap<(Kind, &'a str), Option<Vec<String>>>,
    registry: BTreeMap<Address, ObjectName>,
}

impl<'a> Evaluated<'a> {
    /// Whether a reference reads something that could not be evaluated.
    fn unknown(&self, t: &Target<'a>, vars: &Variables) -> bool {
        match t {
            Target::Var(v) => vars.failed.contains(*v),
            Target::Local(l) => self.failed.contains(&Node::Local(l)),
            Target::Each | Target::Workspace => false,
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

    /// The addresses a block reference depends on: one instance when the key is known,
    /// every instance otherwise.
    fn addresses(&self, b: &BlockRef, ctx: &Context) -> Vec<Address> {
        match self.instances.get(&(b.kind, b.label)) {
            None => Vec::new(),
            Some(None) => vec![Address::new(b.kind, b.label)],
            Some(Some(keys)) => {
                let key = b
                    .index
                    .and_then(|e| eval_in(ctx, e).ok())
                    .and_then(|v| text(&v));
                match key {
                    Some(k) if keys.contains(&k) => vec![Address::with_key(b.kind, b.label, k)],
                    _ => keys
                        .iter()
                        .map(|k| Address::with_key(b.kind, b.label, k.clone()))
                        .collect(),
                }
            }
        }
    }
}

/// Evaluate every local value, resource block and output; return the decoded instances
/// and the outputs' values.
pub(crate) fn run(
    decls: &Decls,
    vars: &Variables,
    names: &Names,
    workspace: &str,
    diags: &mut Diagnostics,
) -> (Vec<Decoded>, Vec<super::outputs::Output>) {
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

    let mut state = Evaluated::default();
    let order = order(&locals, &blocks, decls, &mut state, diags);
    let local_blocks = blocks_through_locals(&locals, &blocks);

    let mut env = Bindings::new(&vars.values, workspace);
    let mut out: Vec<Decoded> = Vec::new();
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
                    &local_blocks,
                    &mut out,
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
    (out, outputs)
}

/// Evaluate each instance of a block; false when the block as a whole failed.
fn evaluate_block<'a>(
    plan: &BlockPlan<'a>,
    vars: &Variables,
    env: &mut Bindings,
    state: &mut Evaluated<'a>,
    local_blocks: &BTreeMap<&'a str, Vec<BlockRef<'a>>>,
    out: &mut Vec<Decoded>,
    diags: &mut Diagnostics,
) -> bool {
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
            match env.eval(expr).and_then(each_of) {
                Ok(list) => list.into_iter().map(Some).collect(),
                Err(e) => {
                    diags.push(
                        Diagnostic::error(format!("invalid for_each: {e}"))
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
    let mut reads = Reads::default();
    reads.add_body(&decl.block.body);
    for t in plan.targets() {
        if let Target::Local(l) = t {
            for b in local_blocks.get(l).into_iter().flatten() {
                reads.add_opt(b.index);
            }
        }
    }
    for b in &plan.depends_on {
        reads.add_opt(b.index);
    }
    let base_ctx = env.context(&reads);
    let mut each_ctx = plan.for_each.as_ref().map(|_| base_ctx.clone());
    let mut ok = true;
    let mut values = hcl::Map::new();
    let mut decoded_here = Vec::new();
    let mut reported: Vec<(Diagnostic, Vec<String>)> = Vec::new();
    for each in &instances {
        let address = match each {
            Some(e) => Address::with_key(kind, label, e.key.clone()),
            None => Address::new(kind, label),
        };
        let ctx = match (each, each_ctx.as_mut()) {
            (Some(e), Some(c)) => {
                Bindings::set_each(c, e);
                &*c
            }
            _ => &base_ctx,
        };
        let input = decode::Input {
            decl,
            address: address.clone(),
            ctx,
            unknown: &unknown,
            registry: &state.registry,
            lifecycle: lifecycle.clone(),
        };
        let mut found = Diagnostics::new();
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
        // Dependencies: every block read, directly or through locals, and depends_on.
        let mut deps = BTreeSet::new();
        for t in plan.targets() {
            match t {
                Target::Block(b) => deps.extend(state.addresses(b, ctx)),
                Target::Local(l) => {
                    for b in local_blocks.get(l).into_iter().flatten() {
                        deps.extend(state.addresses(b, &base_ctx));
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
    let value = if plan.for_each.is_some() {
        Hcl::Object(values)
    } else {
        values.shift_remove("").unwrap_or(Hcl::Null)
    };
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

/// The instances of a `for_each` value: a map (key, value) or a set of strings (key = value).
fn each_of(v: Hcl) -> Result<Vec<Each>, String> {
    match v {
        Hcl::Object(m) => {
            let mut list: Vec<Each> = m
                .into_iter()
                .map(|(key, value)| Each { key, value })
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
    let allowed = Allowed::EVERYTHING
        .what("this block")
        .with_each(has_for_each);
    let mut attrs = BTreeMap::new();
    let mut broken = BTreeSet::new();
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
    let for_each = decl.attr(FOR_EACH).map(|a| {
        let what = Allowed::EVERYTHING.what("for_each");
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
fn version_traversal(t: &hcl_edit::expr::Traversal) -> Option<String> {
    use hcl_edit::expr::TraversalOperator as Op;
    let Expression::Variable(root) = &t.expr else {
        return None;
    };
    if root.as_str() != VERSIONS {
        return None;
    }
    let mut path = VERSIONS.to_string();
    for op in &t.operators {
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
        allowed.push(crate::model::kinds::table::COLUMNS);
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
    decls: &Decls,
    state: &mut Evaluated<'a>,
    diags: &mut Diagnostics,
) -> Vec<Node<'a>> {
    let edges = |node: Node<'a>| -> Vec<Node<'a>> {
        let targets: Vec<&Target<'a>> = match node {
            Node::Local(n) => locals[n].targets.iter().collect(),
            Node::Block(k, l) => blocks[&(k, l)].targets().collect(),
        };
        let mut out: Vec<Node<'a>> = targets
            .into_iter()
            .filter_map(|t| match t {
                Target::Local(n) if locals.contains_key(n) => Some(Node::Local(n)),
                Target::Block(b) if blocks.contains_key(&(b.kind, b.label)) => {
                    Some(Node::Block(b.kind, b.label))
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

/// The blocks each local value that a block reads reads, directly or through other
/// locals. Only those locals are followed, each once, with an explicit stack: a chain of
/// tens of thousands of locals that no block reads costs nothing here, and a deep one
/// cannot overflow the stack.
fn blocks_through_locals<'a>(
    locals: &BTreeMap<&'a str, LocalPlan<'a>>,
    blocks: &BTreeMap<(Kind, &'a str), BlockPlan<'a>>,
) -> BTreeMap<&'a str, Vec<BlockRef<'a>>> {
    let read: BTreeSet<&'a str> = blocks
        .values()
        .flat_map(|b| b.targets())
        .filter_map(|t| match t {
            Target::Local(l) => Some(*l),
            _ => None,
        })
        .collect();
    read.into_iter()
        .map(|name| {
            let mut out = Vec::new();
            let mut seen = BTreeSet::from([name]);
            let mut stack = vec![name];
            while let Some(n) = stack.pop() {
                let Some(plan) = locals.get(n) else { continue };
                for t in &plan.targets {
                    match t {
                        Target::Block(b) => out.push(b.clone()),
                        Target::Local(l) if seen.insert(*l) => stack.push(*l),
                        _ => {}
                    }
                }
            }
            (name, out)
        })
        .collect()
}

/// Add a dependency on each managed object that an instance names by a string.
fn resolve_named(decoded: &mut [Decoded]) {
    let mut index: BTreeMap<(Kind, ObjectName), Address> = BTreeMap::new();
    for d in decoded.iter() {
        index
            .entry((d.object.kind(), d.object.name.clone()))
            .or_insert_with(|| d.object.address.clone());
    }
    for d in decoded.iter_mut() {
        for (kind, name) in &d.named {
            if let Some(a) = index.get(&(*kind, name.clone())) {
                if *a != d.object.address {
                    d.object.deps.insert(a.clone());
                }
            }
        }
    }
}

const FOR_EACH: &str = "for_each";
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
