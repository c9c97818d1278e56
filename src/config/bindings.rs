//! The evaluation context: variables, local values, the blocks evaluated so far and the
//! built-in functions, and evaluating one expression in it.

use super::refs::{classify, Target, Uses};
use super::{arith, functions};
use crate::model::Kind;
use hcl::eval::{Context, Evaluate};
use hcl::{Map, Value};
use hcl_edit::expr::Expression;
use hcl_edit::structure::Body;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, OnceLock};

/// `each.key` and `each.value` of one `for_each` instance.
#[derive(Clone, Debug)]
pub(crate) struct Each {
    pub key: String,
    pub value: Value,
    /// An instance of `count`: `count.index` is its value.
    pub count: bool,
}

/// What expressions can read, growing as locals and blocks are evaluated. A context holds
/// only what the expressions at hand read (see [`Reads`]): copying every block's value into
/// the context of every block made evaluation quadratic in the size of the configuration.
pub(crate) struct Bindings {
    /// The built-in functions, shared by every context.
    funcs: Arc<Context<'static>>,
    vars: Map<String, Value>,
    workspace: String,
    locals: Map<String, Value>,
    blocks: BTreeMap<Kind, Map<String, Value>>,
    /// Each module call's outputs (an object, or a map of instance key to object).
    modules: Map<String, Value>,
    /// Each data block's value, by kind and label.
    data: BTreeMap<Kind, Map<String, Value>>,
}

/// The variables, local values and blocks some expressions read.
#[derive(Debug, Default)]
pub(crate) struct Reads<'a> {
    vars: BTreeSet<&'a str>,
    locals: BTreeSet<&'a str>,
    /// Each block read, with the instance keys it is read at when every reference writes
    /// its key as a literal string (`warehouse.wh["etl"]`); None when one reads it whole or
    /// at a computed key. Evaluating a reference copies the value its root names, so a
    /// context holding only those instances keeps that copy small.
    blocks: BTreeMap<(Kind, &'a str), Option<BTreeSet<&'a str>>>,
    modules: BTreeSet<&'a str>,
    data: bool,
}

impl<'a> Reads<'a> {
    pub fn of(expr: &'a Expression) -> Reads<'a> {
        let mut r = Reads::default();
        r.add(expr);
        r
    }

    pub fn add(&mut self, expr: &'a Expression) {
        for t in Uses::of(expr).traversals {
            match classify(&t) {
                Ok(Target::Var(v)) => {
                    self.vars.insert(v);
                }
                Ok(Target::Local(l)) => {
                    self.locals.insert(l);
                }
                Ok(Target::Block(b)) => {
                    let keys = self
                        .blocks
                        .entry((b.kind, b.label))
                        .or_insert_with(|| Some(BTreeSet::new()));
                    let literal = match b.index {
                        Some(Expression::String(s)) => Some(s.value().as_str()),
                        _ => None,
                    };
                    match (literal, keys.as_mut()) {
                        (Some(k), Some(set)) => {
                            set.insert(k);
                        }
                        _ => *keys = None,
                    }
                }
                Ok(Target::Module(m)) => {
                    self.modules.insert(m.label);
                }
                Ok(Target::Data(_)) => self.data = true,
                // `each` is declared per instance, `snowform` always; mistakes were reported.
                Ok(Target::Each | Target::Workspace) | Err(_) => {}
            }
        }
    }

    pub(crate) fn add_opt(&mut self, expr: Option<&'a Expression>) {
        if let Some(e) = expr {
            self.add(e);
        }
    }

    /// The blocks read, by kind and label.
    pub(crate) fn blocks(&self) -> impl Iterator<Item = (Kind, &'a str)> + '_ {
        self.blocks.keys().copied()
    }

    /// Every expression of a block body, nested blocks included.
    pub(crate) fn add_body(&mut self, body: &'a Body) {
        for a in body.attributes() {
            self.add(&a.value);
        }
        for b in body.blocks() {
            self.add_body(&b.body);
        }
    }
}

impl Bindings {
    /// Only the functions: for values that must be constant (variable defaults, var files).
    pub(crate) fn constants() -> Bindings {
        let mut funcs = Context::new();
        functions::declare(&mut funcs);
        arith::declare(&mut funcs);
        Bindings {
            funcs: Arc::new(funcs),
            vars: Map::new(),
            workspace: String::new(),
            locals: Map::new(),
            blocks: BTreeMap::new(),
            modules: Map::new(),
            data: BTreeMap::new(),
        }
    }

    /// The variables and `snowform.workspace`, with no locals or blocks yet.
    pub fn new(vars: &BTreeMap<String, Value>, workspace: &str) -> Bindings {
        let mut env = Bindings::constants();
        env.vars = vars.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        env.workspace = workspace.to_string();
        env
    }

    pub(crate) fn set_local(&mut self, name: &str, value: Value) {
        self.locals.insert(name.to_string(), value);
    }

    /// Declare a block's value: one object, or a map of instance key to object.
    pub(crate) fn set_block(&mut self, kind: Kind, label: &str, value: Value) {
        self.blocks
            .entry(kind)
            .or_default()
            .insert(label.to_string(), value);
    }

    /// Declare a module call's outputs: one object, or a map of instance key to object.
    pub(crate) fn set_module(&mut self, label: &str, value: Value) {
        self.modules.insert(label.to_string(), value);
    }

    /// Declare a data block's value.
    pub(crate) fn set_data(&mut self, kind: Kind, label: &str, value: Value) {
        self.data
            .entry(kind)
            .or_default()
            .insert(label.to_string(), value);
    }

    /// A context holding what `reads` names (of what has been evaluated so far).
    pub fn context(&self, reads: &Reads) -> Ctx {
        let mut ctx = Ctx::new(self.funcs.clone());
        let pick = |map: &Map<String, Value>, names: &BTreeSet<&str>| -> Map<String, Value> {
            names
                .iter()
                .filter_map(|n| map.get(*n).map(|v| (n.to_string(), v.clone())))
                .collect()
        };
        ctx.declare_var("var", Value::Object(pick(&self.vars, &reads.vars)));
        let snowform: Map<String, Value> = [(
            "workspace".to_string(),
            Value::from(self.workspace.as_str()),
        )]
        .into_iter()
        .collect();
        ctx.declare_var("snowform", Value::Object(snowform));
        ctx.declare_var("local", Value::Object(pick(&self.locals, &reads.locals)));
        if reads.data {
            // Few and small: every data block's value.
            let data: Map<String, Value> = self
                .data
                .iter()
                .map(|(k, m)| (k.as_str().to_string(), Value::Object(m.clone())))
                .collect();
            ctx.declare_var("data", Value::Object(data));
        }
        if !reads.modules.is_empty() {
            ctx.declare_var("module", Value::Object(pick(&self.modules, &reads.modules)));
        }
        for (kind, labels) in &self.blocks {
            let wanted: Map<String, Value> = reads
                .blocks
                .range((*kind, "")..)
                .take_while(|((k, _), _)| k == kind)
                .filter_map(|((_, label), keys)| {
                    let value = labels.get(*label)?;
                    let value = match (keys, value) {
                        // Only the instances read; a key it lacks is missing either way.
                        (Some(keys), Value::Object(all)) => Value::Object(
                            keys.iter()
                                .filter_map(|k| all.get(*k).map(|v| (k.to_string(), v.clone())))
                                .collect(),
                        ),
                        _ => value.clone(),
                    };
                    Some((label.to_string(), value))
                })
                .collect();
            // As before: a kind is a name once one of its blocks has been evaluated.
            ctx.declare_var(kind.as_str(), Value::Object(wanted));
        }
        ctx
    }

    /// Make `each` the given instance in `ctx`.
    pub(crate) fn set_each(ctx: &mut Ctx, each: &Each) {
        let obj: Map<String, Value> = [
            ("key".to_string(), Value::from(each.key.as_str())),
            ("value".to_string(), each.value.clone()),
        ]
        .into_iter()
        .collect();
        if each.count {
            let index: Map<String, Value> = [("index".to_string(), each.value.clone())]
                .into_iter()
                .collect();
            ctx.declare_var("count", Value::Object(index));
        }
        ctx.declare_var("each", Value::Object(obj));
    }

    pub(crate) fn eval(&self, expr: &Expression) -> Result<Value, String> {
        eval_in(&self.context(&Reads::of(expr)), expr)
    }

    /// The built-in functions and checked operators, in a context of their own.
    #[cfg(test)]
    pub fn functions() -> Context<'static> {
        (*Bindings::constants().funcs).clone()
    }
}

/// The names an expression can read (each a root: `var`, `local`, `each`, a kind, a dynamic
/// block's iterator) and the functions. hcl-rs's own context is built from it only when an
/// expression needs hcl-rs (see [`super::eval`]).
#[derive(Clone)]
pub(crate) struct Ctx {
    funcs: Arc<Context<'static>>,
    vars: BTreeMap<String, Value>,
    hcl: OnceLock<Context<'static>>,
}

impl Ctx {
    fn new(funcs: Arc<Context<'static>>) -> Ctx {
        Ctx {
            funcs,
            vars: BTreeMap::new(),
            hcl: OnceLock::new(),
        }
    }

    pub(crate) fn declare_var(&mut self, name: &str, value: Value) {
        self.vars.insert(name.to_string(), value);
        self.hcl = OnceLock::new();
    }

    /// hcl-rs's context holding the same names.
    fn hcl(&self) -> &Context<'static> {
        self.hcl.get_or_init(|| {
            let mut c = (*self.funcs).clone();
            for (k, v) in &self.vars {
                c.declare_var(k.as_str(), v.clone());
            }
            c
        })
    }
}

/// Evaluate an expression; the message of a failure says what went wrong, without position.
/// (Messages quoting a huge value are cut short once sensitive values are redacted.)
pub(crate) fn eval_in(ctx: &Ctx, expr: &Expression) -> Result<Value, String> {
    match super::expressions::eval(&ctx.vars, &ctx.funcs, expr) {
        Some(v) => Ok(v),
        None => eval_in_hcl(ctx.hcl(), expr),
    }
}

/// Evaluate an expression with hcl-rs's evaluator.
pub(crate) fn eval_in_hcl(ctx: &Context, expr: &Expression) -> Result<Value, String> {
    let expr: hcl::Expression = arith::guard(expr).into();
    expr.evaluate(ctx).map_err(|e| {
        match e.kind() {
            // A checked operator's own message names the operator, not the function.
            hcl::eval::ErrorKind::FuncCall(name, msg)
                if name.name.as_str().starts_with(arith::PREFIX) =>
            {
                msg.clone()
            }
            other => other.to_string(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(src: &str) -> Expression {
        hcl_edit::parser::parse_expr(src).unwrap()
    }

    #[test]
    fn a_context_holds_what_the_expression_names_and_nothing_bound_inside_it() {
        let expr = parse(r#"[for s in var.list : "${s}-${local.x}-${schema.a[var.k].name}"]"#);
        let reads = Reads::of(&expr);
        assert_eq!(reads.vars, BTreeSet::from(["list", "k"]));
        assert_eq!(reads.locals, BTreeSet::from(["x"]));
        assert_eq!(reads.blocks, BTreeMap::from([((Kind::Schema, "a"), None)]));

        let vars = BTreeMap::from([
            ("list".to_string(), Value::from(vec!["p", "q"])),
            ("k".to_string(), Value::from("one")),
            ("unused".to_string(), Value::from("u")),
        ]);
        let mut env = Bindings::new(&vars, "default");
        env.set_local("x", Value::from("X"));
        env.set_local("unused", Value::from("u"));
        let one: Map<String, Value> = [("name".to_string(), Value::from("A1"))]
            .into_iter()
            .collect();
        let a: Map<String, Value> = [("one".to_string(), Value::Object(one))]
            .into_iter()
            .collect();
        env.set_block(Kind::Schema, "a", Value::Object(a));
        env.set_block(Kind::Schema, "b", Value::from("unused"));
        assert_eq!(
            env.eval(&expr).unwrap(),
            Value::from(vec!["p-X-A1", "q-X-A1"])
        );
    }

    #[test]
    fn a_block_read_only_at_literal_keys_brings_only_those_instances() {
        let mut env = Bindings::new(&BTreeMap::new(), "default");
        let instance = |n: &str| {
            let m: Map<String, Value> =
                [("name".to_string(), Value::from(n))].into_iter().collect();
            Value::Object(m)
        };
        let wh: Map<String, Value> = [("a", "A"), ("b", "B"), ("c", "C")]
            .into_iter()
            .map(|(k, n)| (k.to_string(), instance(n)))
            .collect();
        env.set_block(Kind::Warehouse, "wh", Value::Object(wh));
        let keys = |v: Value| match v {
            Value::Object(m) => m.keys().cloned().collect::<Vec<_>>(),
            other => panic!("{other:?}"),
        };
        let read = parse(r#"[warehouse.wh["a"].name, warehouse.wh["c"].name]"#);
        let ctx = env.context(&Reads::of(&read));
        assert_eq!(
            eval_in(&ctx, &parse("warehouse.wh")).map(keys),
            Ok(vec!["a".into(), "c".into()])
        );
        assert_eq!(eval_in(&ctx, &read).unwrap(), Value::from(vec!["A", "C"]));
        // Read whole anywhere, or at a computed key: every instance.
        for whole in [
            r#"[warehouse.wh["a"].name, length(warehouse.wh)]"#,
            r#"warehouse.wh[var.k].name"#,
        ] {
            let ctx = env.context(&Reads::of(&parse(whole)));
            assert_eq!(
                eval_in(&ctx, &parse("warehouse.wh")).map(keys),
                Ok(vec!["a".into(), "b".into(), "c".into()]),
                "{whole}"
            );
        }
    }

    #[test]
    fn reads_variables_locals_blocks_and_each() {
        let vars = BTreeMap::from([("env".to_string(), Value::from("DEV"))]);
        let mut env = Bindings::new(&vars, "staging");
        env.set_local("db", Value::from("XYZ_DEV"));
        let wh: Map<String, Value> = [("name".to_string(), Value::from("COMPUTE_WH"))]
            .into_iter()
            .collect();
        env.set_block(Kind::Warehouse, "compute", Value::Object(wh));
        assert_eq!(
            env.eval(&parse("\"${local.db}_${var.env}_${snowform.workspace}\""))
                .unwrap(),
            Value::from("XYZ_DEV_DEV_staging")
        );
        assert_eq!(
            env.eval(&parse("warehouse.compute.name")).unwrap(),
            Value::from("COMPUTE_WH")
        );
        let each = Each {
            key: "ml".into(),
            value: Value::from("SMALL"),
            count: false,
        };
        let expr = parse("\"${each.key}:${each.value}\"");
        let mut ctx = env.context(&Reads::of(&expr));
        Bindings::set_each(&mut ctx, &each);
        assert_eq!(eval_in(&ctx, &expr).unwrap(), Value::from("ml:SMALL"));
        assert!(env.eval(&parse("each.key")).is_err());
    }
}
