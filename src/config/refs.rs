//! References in expressions: walking an expression for the names it reads (`var.env`,
//! `local.database`, `schema.feature_store`, `each.key`) and the functions it calls, and
//! checking them against what the configuration declares. Block references become
//! dependencies.

use super::functions;
use super::source::SourceFile;
use super::suggest;
use crate::diag::{Diagnostic, Diagnostics};
use crate::model::{schema, Kind, Role};
use hcl_edit::expr::{Expression, ObjectKey, TraversalOperator};
use hcl_edit::template::{Directive, Element, Template};
use hcl_edit::{Decorated, Span};
use std::collections::{BTreeMap, BTreeSet};

/// A name read by an expression, with what follows it: `warehouse` `.compute` `.name`.
#[derive(Clone, Debug)]
pub(crate) struct Traversal<'a> {
    pub root: &'a str,
    pub offset: usize,
    pub ops: &'a [Decorated<TraversalOperator>],
}

/// A function call, by name.
#[derive(Clone, Debug)]
pub(crate) struct FuncUse {
    pub name: String,
    pub offset: usize,
}

/// Everything an expression reads.
#[derive(Default, Debug)]
pub(crate) struct Uses<'a> {
    pub(crate) traversals: Vec<Traversal<'a>>,
    pub(crate) funcs: Vec<FuncUse>,
}

impl<'a> Uses<'a> {
    pub fn of(expr: &'a Expression) -> Uses<'a> {
        Uses::of_bound(expr, &[])
    }

    /// What `expr` reads besides the names `bound` (a dynamic block's iterator).
    pub(crate) fn of_bound(expr: &'a Expression, bound: &[&'a str]) -> Uses<'a> {
        let mut uses = Uses::default();
        Walker {
            uses: &mut uses,
            bound: bound.to_vec(),
        }
        .expr(expr);
        uses
    }
}

struct Walker<'u, 'a> {
    uses: &'u mut Uses<'a>,
    /// Names bound by enclosing `for` expressions and directives.
    bound: Vec<&'a str>,
}

fn start(node: &impl Span) -> usize {
    node.span().map_or(0, |r| r.start)
}

impl<'a> Walker<'_, 'a> {
    fn expr(&mut self, expr: &'a Expression) {
        match expr {
            Expression::Null(_)
            | Expression::Bool(_)
            | Expression::Number(_)
            | Expression::String(_) => {}
            Expression::Array(items) => items.iter().for_each(|e| self.expr(e)),
            Expression::Object(obj) => {
                for (key, value) in obj.iter() {
                    if let ObjectKey::Expression(k) = key {
                        // A bare name as a key (`{ ml = ... }`) is the key itself, not a reference.
                        if !matches!(k, Expression::Variable(_)) {
                            self.expr(k);
                        }
                    }
                    self.expr(value.expr());
                }
            }
            Expression::StringTemplate(t) => self.template(t),
            Expression::HeredocTemplate(h) => self.template(&h.template),
            Expression::Parenthesis(p) => self.expr(p.inner()),
            Expression::Variable(v) => self.name(v.as_str(), start(expr), &[]),
            Expression::Conditional(c) => {
                self.expr(&c.cond_expr);
                self.expr(&c.true_expr);
                self.expr(&c.false_expr);
            }
            Expression::FuncCall(call) => {
                let mut name: Vec<&str> = call.name.namespace.iter().map(|n| n.as_str()).collect();
                name.push(call.name.name.as_str());
                self.uses.funcs.push(FuncUse {
                    name: name.join("::"),
                    offset: start(&call.name.name),
                });
                call.args.iter().for_each(|e| self.expr(e));
            }
            Expression::Traversal(t) => {
                match &t.expr {
                    Expression::Variable(v) => self.name(v.as_str(), start(&t.expr), &t.operators),
                    other => self.expr(other),
                }
                for op in &t.operators {
                    if let TraversalOperator::Index(e) = op.value() {
                        self.expr(e);
                    }
                }
            }
            Expression::UnaryOp(op) => self.expr(&op.expr),
            Expression::BinaryOp(op) => {
                self.expr(&op.lhs_expr);
                self.expr(&op.rhs_expr);
            }
            Expression::ForExpr(f) => {
                self.expr(&f.intro.collection_expr);
                let depth = self.bound.len();
                self.bound
                    .extend(f.intro.key_var.iter().map(|k| k.as_str()));
                self.bound.push(f.intro.value_var.as_str());
                if let Some(k) = &f.key_expr {
                    self.expr(k);
                }
                self.expr(&f.value_expr);
                if let Some(c) = &f.cond {
                    self.expr(&c.expr);
                }
                self.bound.truncate(depth);
            }
        }
    }

    fn template(&mut self, template: &'a Template) {
        for element in template.iter() {
            match element {
                Element::Literal(_) => {}
                Element::Interpolation(i) => self.expr(&i.expr),
                Element::Directive(d) => match d.as_ref() {
                    Directive::If(d) => {
                        self.expr(&d.if_expr.cond_expr);
                        self.template(&d.if_expr.template);
                        if let Some(e) = &d.else_expr {
                            self.template(&e.template);
                        }
                    }
                    Directive::For(d) => {
                        self.expr(&d.for_expr.collection_expr);
                        let depth = self.bound.len();
                        self.bound
                            .extend(d.for_expr.key_var.iter().map(|k| k.as_str()));
                        self.bound.push(d.for_expr.value_var.as_str());
                        self.template(&d.for_expr.template);
                        self.bound.truncate(depth);
                    }
                },
            }
        }
    }

    fn name(&mut self, root: &'a str, offset: usize, ops: &'a [Decorated<TraversalOperator>]) {
        if !self.bound.contains(&root) {
            self.uses.traversals.push(Traversal { root, offset, ops });
        }
    }
}

/// What a traversal refers to.
#[derive(Clone, Debug)]
pub(crate) enum Target<'a> {
    Var(&'a str),
    Local(&'a str),
    Each,
    Workspace,
    Block(BlockRef<'a>),
    /// `module.fs.schema_fqn`: an output of a module call.
    Module(ModuleRef<'a>),
    /// `data.warehouse.shared.name`: an object read, not managed.
    Data(DataRef<'a>),
}

/// A reference to a data block: `data.warehouse.shared.name`.
#[derive(Clone, Debug)]
pub(crate) struct DataRef<'a> {
    pub kind: Kind,
    pub label: &'a str,
    pub attr: Option<&'a str>,
}

/// A reference to a module call's output: `module.fs["team"].schema_fqn`.
#[derive(Clone, Debug)]
pub(crate) struct ModuleRef<'a> {
    pub label: &'a str,
    /// The instance key expression of `module.fs["team"]`.
    pub index: Option<&'a Expression>,
    /// The output read, if any.
    pub output: Option<&'a str>,
    pub offset: usize,
}

impl ModuleRef<'_> {
    /// The instance key when it is written as a literal string.
    pub(crate) fn literal_key(&self) -> Option<&str> {
        match self.index? {
            Expression::String(s) => Some(s.value().as_str()),
            _ => None,
        }
    }
}

/// A reference to a resource block: `warehouse.team["ml"].name`.
#[derive(Clone, Debug)]
pub(crate) struct BlockRef<'a> {
    pub kind: Kind,
    pub label: &'a str,
    /// The instance key expression of `warehouse.team["ml"]`.
    pub index: Option<&'a Expression>,
    /// The attribute read from the block (`name`), if any.
    pub attr: Option<&'a str>,
    pub offset: usize,
}

impl BlockRef<'_> {
    /// The instance key when it is written as a literal string.
    pub(crate) fn literal_key(&self) -> Option<&str> {
        match self.index? {
            Expression::String(s) => Some(s.value().as_str()),
            _ => None,
        }
    }
}

const ROOTS: &[&str] = &[
    "var", "local", "each", "count", "snowform", "module", "data",
];

fn get_attr(op: Option<&Decorated<TraversalOperator>>) -> Option<&str> {
    match op.map(|o| o.value()) {
        Some(TraversalOperator::GetAttr(name)) => Some(name.as_str()),
        _ => None,
    }
}

/// Interpret a traversal by its root name, without looking at declarations.
pub(crate) fn classify<'a>(traversal: &Traversal<'a>) -> Result<Target<'a>, Diagnostic> {
    let first = get_attr(traversal.ops.first());
    match traversal.root {
        "var" => first.map(Target::Var).ok_or_else(|| {
            Diagnostic::error("var must be followed by a variable name")
                .with_detail("write var.NAME, for example var.env")
        }),
        "local" => first.map(Target::Local).ok_or_else(|| {
            Diagnostic::error("local must be followed by the name of a local value")
                .with_detail("write local.NAME, for example local.database")
        }),
        "each" => match first {
            Some("key" | "value") => Ok(Target::Each),
            _ => Err(Diagnostic::error("each has only each.key and each.value")),
        },
        "snowform" => match first {
            Some("workspace") => Ok(Target::Workspace),
            _ => Err(Diagnostic::error("snowform has only snowform.workspace")),
        },
        // The instance of a block with count: bound like each.
        "count" => match first {
            Some("index") => Ok(Target::Each),
            _ => Err(Diagnostic::error("count has only count.index")),
        },
        "data" => {
            let shape = || {
                Diagnostic::error("a reference to a data block is data.KIND.NAME")
                    .with_detail("write data.warehouse.shared.name, for example")
            };
            let kind = first.and_then(Kind::parse).ok_or_else(shape)?;
            let label = get_attr(traversal.ops.get(1)).ok_or_else(shape)?;
            Ok(Target::Data(DataRef {
                kind,
                label,
                attr: get_attr(traversal.ops.get(2)),
            }))
        }
        "module" => {
            let label = first.ok_or_else(|| {
                Diagnostic::error("module must be followed by the name of a module call")
                    .with_detail("write module.NAME.OUTPUT, for example module.fs.schema_fqn")
            })?;
            let mut rest = traversal.ops[1..].iter().peekable();
            let index = match rest.peek().map(|o| o.value()) {
                Some(TraversalOperator::Index(e)) => {
                    rest.next();
                    Some(e)
                }
                _ => None,
            };
            Ok(Target::Module(ModuleRef {
                label,
                index,
                output: get_attr(rest.next()),
                offset: traversal.offset,
            }))
        }
        root => {
            if let Some(kind) = Kind::parse(root) {
                let label = first.ok_or_else(|| {
                    Diagnostic::error(format!(
                        "a reference to a {root} block needs the block's name"
                    ))
                    .with_detail(format!(
                        "write {root}.NAME, for example {root}.{}",
                        crate::model::schema(kind).example_label
                    ))
                })?;
                let mut rest = traversal.ops[1..].iter().peekable();
                let index = match rest.peek().map(|o| o.value()) {
                    Some(TraversalOperator::Index(e)) => {
                        rest.next();
                        Some(e)
                    }
                    _ => None,
                };
                let attr = get_attr(rest.next());
                return Ok(Target::Block(BlockRef {
                    kind,
                    label,
                    index,
                    attr,
                    offset: traversal.offset,
                }));
            }
            let mut d = Diagnostic::error(format!("unknown name {root:?}"));
            let candidates = ROOTS
                .iter()
                .copied()
                .chain(Kind::ALL.iter().map(|k| k.as_str()));
            d = match (root, suggest::hint(root, candidates)) {
                (_, Some(h)) => d.with_detail(h),
                _ => d.with_detail(
                    "an expression may read var.NAME, local.NAME, each.key, each.value, snowform.workspace and KIND.NAME of a block",
                ),
            };
            Err(d)
        }
    }
}

/// The names a configuration declares, to check references against.
#[derive(Default, Debug)]
pub(crate) struct Names {
    pub variables: BTreeSet<String>,
    pub locals: BTreeSet<String>,
    /// Resource blocks and whether each has `for_each`.
    pub blocks: BTreeMap<(Kind, String), bool>,
    /// Module calls and whether each has `for_each`.
    pub modules: BTreeMap<String, bool>,
    /// Data blocks.
    pub data: BTreeSet<(Kind, String)>,
}

/// Which kinds of names an expression may read, and how to say what it is in messages.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Allowed {
    pub what: &'static str,
    pub var: bool,
    pub local: bool,
    pub blocks: bool,
    pub each: bool,
    /// `count.index`: inside a block with count.
    pub count: bool,
    pub workspace: bool,
}

impl Allowed {
    pub(crate) const NOTHING: Allowed = Allowed {
        what: "a variable's default",
        var: false,
        local: false,
        blocks: false,
        each: false,
        count: false,
        workspace: false,
    };
    pub(crate) const VARIABLES: Allowed = Allowed {
        var: true,
        ..Allowed::NOTHING
    };
    pub(crate) const EVERYTHING: Allowed = Allowed {
        what: "an expression",
        var: true,
        local: true,
        blocks: true,
        each: false,
        count: false,
        workspace: true,
    };

    pub const fn what(self, what: &'static str) -> Allowed {
        Allowed { what, ..self }
    }

    pub(crate) const fn with_each(self, each: bool) -> Allowed {
        Allowed { each, ..self }
    }

    pub(crate) const fn with_count(self, count: bool) -> Allowed {
        Allowed { count, ..self }
    }
}

/// The names a block value offers besides its attributes.
pub(crate) const BLOCK_VALUE_EXTRAS: &[&str] = &["fqn"];

/// Check every use in `uses` against the declared names; report what is wrong and return
/// the references that are right.
pub(crate) fn resolve<'a>(
    uses: &Uses<'a>,
    names: &Names,
    allowed: Allowed,
    file: &SourceFile,
    diags: &mut Diagnostics,
) -> Vec<Target<'a>> {
    let mut targets = Vec::new();
    for f in &uses.funcs {
        if !functions::NAMES.contains(&f.name.as_str()) {
            let mut d = Diagnostic::error(format!("unknown function {:?}", f.name));
            d = match suggest::hint(&f.name, functions::NAMES.iter().copied()) {
                Some(h) => d.with_detail(h),
                None => d.with_detail(format!(
                    "the functions are: {}",
                    functions::NAMES.join(", ")
                )),
            };
            diags.push(d.at(Some(file.span(f.offset))));
        }
    }
    for t in &uses.traversals {
        let at = Some(file.span(t.offset));
        let target = match classify(t) {
            Ok(target) => target,
            Err(d) => {
                diags.push(d.at(at));
                continue;
            }
        };
        let not_allowed =
            |thing: String| Diagnostic::error(format!("{} cannot refer to {thing}", allowed.what));
        let problem = match &target {
            Target::Var(_) if !allowed.var => Some(not_allowed("variables".into())),
            Target::Var(name) if !names.variables.contains(*name) => {
                let d =
                    Diagnostic::error(format!("reference to an undeclared variable var.{name}"));
                Some(
                    match suggest::hint(name, names.variables.iter().map(String::as_str)) {
                        Some(h) => d.with_detail(h),
                        None => {
                            d.with_detail(format!("declare it with variable \"{name}\" {{ ... }}"))
                        }
                    },
                )
            }
            Target::Local(name) if !allowed.local => Some(not_allowed(format!("local.{name}"))),
            Target::Local(name) if !names.locals.contains(*name) => {
                let d = Diagnostic::error(format!(
                    "reference to an undeclared local value local.{name}"
                ));
                Some(
                    match suggest::hint(name, names.locals.iter().map(String::as_str)) {
                        Some(h) => d.with_detail(h),
                        None => d.with_detail(format!(
                            "define it in a locals block: locals {{ {name} = ... }}"
                        )),
                    },
                )
            }
            Target::Each if t.root == "count" && !allowed.count => Some(
                Diagnostic::error(format!("{} cannot use count.index", allowed.what))
                    .with_detail("it exists only inside a block with count = N"),
            ),
            Target::Each if t.root == "count" => None,
            Target::Each if !allowed.each => Some(
                Diagnostic::error(format!(
                    "{} cannot use each.key or each.value",
                    allowed.what
                ))
                .with_detail("they exist only inside a block with for_each"),
            ),
            Target::Workspace if !allowed.workspace => {
                Some(not_allowed("snowform.workspace".into()))
            }
            Target::Block(b) if !allowed.blocks => {
                Some(not_allowed(format!("the block {}.{}", b.kind, b.label)))
            }
            Target::Block(b) => check_block_ref(b, names),
            Target::Module(m) if !allowed.blocks => {
                Some(not_allowed(format!("the module module.{}", m.label)))
            }
            Target::Module(m) => check_module_ref(m, names),
            Target::Data(d) if !allowed.blocks => {
                Some(not_allowed(format!("data.{}.{}", d.kind, d.label)))
            }
            Target::Data(d) if !names.data.contains(&(d.kind, d.label.to_string())) => {
                let d2 = Diagnostic::error(format!(
                    "reference to an undeclared data block data.{}.{}",
                    d.kind, d.label
                ));
                let labels = names
                    .data
                    .iter()
                    .filter(|(k, _)| *k == d.kind)
                    .map(|(_, l)| l.as_str());
                Some(match suggest::hint(d.label, labels) {
                    Some(h) => d2.with_detail(h),
                    None => d2.with_detail(format!(
                        "declare it with data \"{}\" \"{}\" {{ name = \"...\" }}",
                        d.kind, d.label
                    )),
                })
            }
            Target::Data(d)
                if d.attr
                    .is_some_and(|a| !super::data::DATA_ATTRS.contains(&a)) =>
            {
                Some(
                    Diagnostic::error(format!(
                        "a data block has no attribute {:?}",
                        d.attr.unwrap_or_default()
                    ))
                    .with_detail(format!("it has {}", super::data::DATA_ATTRS.join(", "))),
                )
            }
            _ => None,
        };
        match problem {
            Some(d) => diags.push(d.at(at)),
            None => targets.push(target),
        }
    }
    targets
}

fn check_module_ref(module: &ModuleRef, names: &Names) -> Option<Diagnostic> {
    let Some(&has_for_each) = names.modules.get(module.label) else {
        let d = Diagnostic::error(format!(
            "reference to an undeclared module module.{}",
            module.label
        ));
        return Some(
            match suggest::hint(module.label, names.modules.keys().map(String::as_str)) {
                Some(h) => d.with_detail(h),
                None => d.with_detail(format!(
                    "call it with module \"{}\" {{ source = \"./modules/...\" }}",
                    module.label
                )),
            },
        );
    };
    if has_for_each && module.index.is_none() && module.output.is_some() {
        return Some(
            Diagnostic::error(format!(
                "module.{} has for_each: refer to one of its instances",
                module.label
            ))
            .with_detail(format!(
                "write module.{}[\"KEY\"].{}",
                module.label,
                module.output.unwrap_or("OUTPUT")
            )),
        );
    }
    if !has_for_each && module.index.is_some() {
        return Some(
            Diagnostic::error(format!(
                "module.{} has no for_each, so it has no instances to index",
                module.label
            ))
            .with_detail(format!("write module.{}.OUTPUT", module.label)),
        );
    }
    None
}

fn check_block_ref(block: &BlockRef, names: &Names) -> Option<Diagnostic> {
    let Some(&has_for_each) = names.blocks.get(&(block.kind, block.label.to_string())) else {
        let d = Diagnostic::error(format!(
            "reference to an undeclared block {}.{}",
            block.kind, block.label
        ));
        let labels = names
            .blocks
            .keys()
            .filter(|(k, _)| *k == block.kind)
            .map(|(_, l)| l.as_str());
        return Some(match suggest::hint(block.label, labels) {
            Some(h) => d.with_detail(h),
            None => d.with_detail(format!(
                "no {} block is named {:?}",
                block.kind, block.label
            )),
        });
    };
    if has_for_each && block.index.is_none() && block.attr.is_some() {
        return Some(
            Diagnostic::error(format!(
                "{}.{} has for_each: refer to one of its instances",
                block.kind, block.label
            ))
            .with_detail(format!(
                "write {}.{}[\"KEY\"].{}",
                block.kind,
                block.label,
                block.attr.unwrap_or("name")
            )),
        );
    }
    if !has_for_each && block.index.is_some() {
        return Some(
            Diagnostic::error(format!(
                "{}.{} has no for_each, so it has no instances to index",
                block.kind, block.label
            ))
            .with_detail(format!("write {}.{}", block.kind, block.label)),
        );
    }
    if let Some(attr) = block.attr {
        let s = schema(block.kind);
        let known = s
            .attrs
            .iter()
            .any(|a| a.name == attr && a.role != Role::Derived)
            || BLOCK_VALUE_EXTRAS.contains(&attr);
        if !known {
            let candidates = s
                .user_attrs()
                .map(|a| a.name)
                .chain(BLOCK_VALUE_EXTRAS.iter().copied());
            let d = Diagnostic::error(format!("a {} block has no attribute {attr:?}", block.kind));
            return Some(match suggest::hint(attr, candidates) {
                Some(h) => d.with_detail(h),
                None => d.with_detail(format!(
                    "it has {}",
                    s.user_attrs()
                        .map(|a| a.name)
                        .chain(BLOCK_VALUE_EXTRAS.iter().copied())
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn targets(src: &str) -> Vec<String> {
        let expr = hcl_edit::parser::parse_expr(src).unwrap();
        let uses = Uses::of(&expr);
        uses.traversals
            .iter()
            .map(|t| match classify(t).unwrap() {
                Target::Var(n) => format!("var.{n}"),
                Target::Local(n) => format!("local.{n}"),
                Target::Each => "each".into(),
                Target::Workspace => "workspace".into(),
                Target::Module(m) => format!("module.{}", m.label),
                Target::Data(d) => format!("data.{}.{}", d.kind, d.label),
                Target::Block(b) => format!(
                    "{}.{}{}{}",
                    b.kind,
                    b.label,
                    b.literal_key()
                        .map(|k| format!("[{k}]"))
                        .unwrap_or_default(),
                    b.attr.map(|a| format!(".{a}")).unwrap_or_default()
                ),
            })
            .collect()
    }

    #[test]
    fn finds_references_in_every_kind_of_expression() {
        assert_eq!(targets("var.env"), ["var.env"]);
        assert_eq!(targets("\"XYZ_${upper(var.env)}\""), ["var.env"]);
        assert_eq!(
            targets("warehouse.team[\"ml\"].name"),
            ["warehouse.team[ml].name"]
        );
        assert_eq!(
            targets("[schema.fs, local.x ? each.key : snowform.workspace]"),
            ["schema.fs", "local.x", "each", "workspace"]
        );
        assert_eq!(
            targets("{ a = database.main.name }"),
            ["database.main.name"]
        );
        assert_eq!(targets("<<-SQL\n  SELECT ${local.db}\n  SQL"), ["local.db"]);
    }

    #[test]
    fn names_bound_by_for_are_not_references() {
        assert_eq!(
            targets("[for k, w in warehouse.team : w.name if k != var.skip]"),
            ["warehouse.team", "var.skip"]
        );
        assert_eq!(
            targets("\"%{ for t in local.tables }${t}%{ endfor }\""),
            ["local.tables"]
        );
    }

    #[test]
    fn indexes_are_walked_too() {
        assert_eq!(
            targets("warehouse.team[each.key].name"),
            ["warehouse.team.name", "each"]
        );
    }

    #[test]
    fn unknown_roots_get_a_hint() {
        let expr = hcl_edit::parser::parse_expr("warehose.compute").unwrap();
        let uses = Uses::of(&expr);
        let d = classify(&uses.traversals[0]).unwrap_err();
        assert_eq!(d.detail.as_deref(), Some("did you mean \"warehouse\"?"));
    }
}
