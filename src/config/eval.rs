//! The evaluation context: variables, local values, the blocks evaluated so far and the
//! built-in functions, and evaluating one expression in it.

use super::functions;
use crate::model::Kind;
use hcl::eval::{Context, Evaluate};
use hcl::{Map, Value};
use hcl_edit::expr::Expression;
use std::collections::BTreeMap;

/// `each.key` and `each.value` of one `for_each` instance.
#[derive(Clone, Debug)]
pub(crate) struct Each {
    pub key: String,
    pub value: Value,
}

/// What expressions can read, growing as locals and blocks are evaluated.
pub(crate) struct Env {
    ctx: Context<'static>,
    locals: Map<String, Value>,
    blocks: BTreeMap<Kind, Map<String, Value>>,
}

impl Env {
    /// Only the functions: for values that must be constant (variable defaults, var files).
    pub fn constants() -> Env {
        let mut ctx = Context::new();
        functions::declare(&mut ctx);
        Env {
            ctx,
            locals: Map::new(),
            blocks: BTreeMap::new(),
        }
    }

    /// The variables and `snowform.workspace`, with no locals or blocks yet.
    pub fn new(vars: &BTreeMap<String, Value>, workspace: &str) -> Env {
        let mut env = Env::constants();
        env.ctx.declare_var(
            "var",
            Value::Object(vars.iter().map(|(k, v)| (k.clone(), v.clone())).collect()),
        );
        let snowform: Map<String, Value> = [("workspace".to_string(), Value::from(workspace))]
            .into_iter()
            .collect();
        env.ctx.declare_var("snowform", Value::Object(snowform));
        env.ctx.declare_var("local", Value::Object(Map::new()));
        env
    }

    pub fn set_local(&mut self, name: &str, value: Value) {
        self.locals.insert(name.to_string(), value);
        self.ctx
            .declare_var("local", Value::Object(self.locals.clone()));
    }

    /// Declare a block's value: one object, or a map of instance key to object.
    pub fn set_block(&mut self, kind: Kind, label: &str, value: Value) {
        let blocks = self.blocks.entry(kind).or_default();
        blocks.insert(label.to_string(), value);
        self.ctx
            .declare_var(kind.as_str(), Value::Object(blocks.clone()));
    }

    /// The context for one instance of a block (with `each`), or for anything else.
    pub fn context(&self, each: Option<&Each>) -> Context<'static> {
        let mut ctx = self.ctx.clone();
        if let Some(each) = each {
            let obj: Map<String, Value> = [
                ("key".to_string(), Value::from(each.key.as_str())),
                ("value".to_string(), each.value.clone()),
            ]
            .into_iter()
            .collect();
            ctx.declare_var("each", Value::Object(obj));
        }
        ctx
    }

    pub fn eval(&self, expr: &Expression) -> Result<Value, String> {
        eval_in(&self.ctx, expr)
    }
}

/// Evaluate an expression; the message of a failure says what went wrong, without position.
pub(crate) fn eval_in(ctx: &Context, expr: &Expression) -> Result<Value, String> {
    let expr: hcl::Expression = expr.clone().into();
    expr.evaluate(ctx).map_err(|e| e.kind().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(src: &str) -> Expression {
        hcl_edit::parser::parse_expr(src).unwrap()
    }

    #[test]
    fn reads_variables_locals_blocks_and_each() {
        let vars = BTreeMap::from([("env".to_string(), Value::from("DEV"))]);
        let mut env = Env::new(&vars, "staging");
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
        };
        let ctx = env.context(Some(&each));
        assert_eq!(
            eval_in(&ctx, &parse("\"${each.key}:${each.value}\"")).unwrap(),
            Value::from("ml:SMALL")
        );
        assert!(env.eval(&parse("each.key")).is_err());
    }
}
