//! snowform's own evaluator for the expression forms configurations are written in:
//! literals, arrays and objects, templates without directives or strip markers, variables
//! and traversals by attribute and index, function calls and conditionals.
//!
//! hcl-rs's evaluator, which [`super::bindings::eval_in`] falls back to, works on its own
//! form of an expression: every evaluation converted the parsed expression (a template
//! turned back into text and parsed again at each evaluation) and copied the whole value a
//! reference's root names (`entity.s001` with every instance) before picking the one
//! attribute read. This evaluator works on the parsed expression and reads references in
//! place, copying only the value reached. It gives up (`None`) on any other form and on any
//! error, and the caller then evaluates with hcl-rs, so results and messages are hcl-rs's
//! own; `tests::the_same_values_as_hcl_rs_on_every_fixture` compares the two on every
//! expression of the configuration fixtures.

use hcl::eval::{Context, Evaluate};
use hcl::{Map, Value};
use hcl_edit::expr::{Expression, ObjectKey, TraversalOperator};
use hcl_edit::template::{Element, Strip, Template};
use std::collections::BTreeMap;

/// What a variable name reads.
pub(crate) trait Lookup {
    fn var(&self, name: &str) -> Option<&Value>;
}

impl Lookup for BTreeMap<String, Value> {
    fn var(&self, name: &str) -> Option<&Value> {
        self.get(name)
    }
}

/// Evaluate `expr`, or None where hcl-rs must (a form not handled here, or an error).
/// `funcs` holds the functions only: a call's arguments are evaluated here and passed to it
/// as literal values.
pub(crate) fn eval(vars: &dyn Lookup, funcs: &Context, expr: &Expression) -> Option<Value> {
    match expr {
        Expression::Null(_) => Some(Value::Null),
        Expression::Bool(b) => Some(Value::Bool(*b.value())),
        Expression::Number(n) => Some(Value::Number(*n.value())),
        Expression::String(s) => Some(Value::String(s.value().clone())),
        Expression::Array(a) => a.iter().map(|e| eval(vars, funcs, e)).collect(),
        Expression::Object(o) => {
            let mut out = Map::with_capacity(o.len());
            for (k, v) in o.iter() {
                let key = match k {
                    ObjectKey::Ident(i) => i.value().to_string(),
                    ObjectKey::Expression(e) => match eval(vars, funcs, e)? {
                        Value::String(s) => s,
                        Value::Bool(b) => b.to_string(),
                        Value::Number(n) => n.to_string(),
                        _ => return None,
                    },
                };
                out.insert(key, eval(vars, funcs, v.expr())?);
            }
            Some(Value::Object(out))
        }
        Expression::StringTemplate(t) => template(vars, funcs, t),
        Expression::HeredocTemplate(h) => template(vars, funcs, &h.template),
        Expression::Parenthesis(p) => eval(vars, funcs, p.inner()),
        Expression::Variable(_) | Expression::Traversal(_) => read(vars, funcs, expr).cloned(),
        Expression::Conditional(c) => match eval(vars, funcs, &c.cond_expr)? {
            Value::Bool(true) => eval(vars, funcs, &c.true_expr),
            Value::Bool(false) => eval(vars, funcs, &c.false_expr),
            _ => None,
        },
        Expression::FuncCall(call) => {
            if !call.name.namespace.is_empty() {
                return None;
            }
            let n = call.args.len();
            let mut args = Vec::with_capacity(n);
            for (i, a) in call.args.iter().enumerate() {
                let v = eval(vars, funcs, a)?;
                if call.args.expand_final() && i + 1 == n {
                    match v {
                        Value::Array(items) => args.extend(items),
                        _ => return None,
                    }
                } else {
                    args.push(v);
                }
            }
            let mut f =
                hcl::expr::FuncCall::new(hcl::expr::FuncName::new(call.name.name.value().clone()));
            f.args = args.into_iter().map(hcl::Expression::from).collect();
            f.evaluate(funcs).ok()
        }
        // Arithmetic goes through the checked operators, for-expressions bind names: hcl-rs.
        Expression::UnaryOp(_) | Expression::BinaryOp(_) | Expression::ForExpr(_) => None,
    }
}

/// The value a variable or a traversal reads, in place.
fn read<'v>(vars: &'v dyn Lookup, funcs: &Context, expr: &Expression) -> Option<&'v Value> {
    match expr {
        Expression::Variable(v) => vars.var(v.value().as_str()),
        Expression::Traversal(t) => {
            let mut value = read(vars, funcs, &t.expr)?;
            for op in &t.operators {
                value = match op.value() {
                    TraversalOperator::GetAttr(name) => value.as_object()?.get(name.as_str())?,
                    TraversalOperator::Index(e) => match eval(vars, funcs, e)? {
                        Value::String(k) => value.as_object()?.get(&k)?,
                        Value::Number(n) => {
                            value.as_array()?.get(usize::try_from(n.as_u64()?).ok()?)?
                        }
                        _ => return None,
                    },
                    TraversalOperator::LegacyIndex(i) => {
                        value.as_array()?.get(usize::try_from(*i.value()).ok()?)?
                    }
                    TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => {
                        return None
                    }
                };
            }
            Some(value)
        }
        _ => None,
    }
}

fn template(vars: &dyn Lookup, funcs: &Context, template: &Template) -> Option<Value> {
    let elements: Vec<&Element> = template.iter().collect();
    // A template of one interpolation is its value, unconverted.
    if let [Element::Interpolation(i)] = elements.as_slice() {
        if i.strip != Strip::None {
            return None;
        }
        return eval(vars, funcs, &i.expr);
    }
    let mut out = String::new();
    for e in elements {
        match e {
            Element::Literal(l) => out.push_str(l.value()),
            Element::Interpolation(i) if i.strip == Strip::None => {
                match eval(vars, funcs, &i.expr)? {
                    Value::String(s) => out.push_str(&s),
                    other => out.push_str(&other.to_string()),
                }
            }
            _ => return None,
        }
    }
    Some(Value::String(out))
}

#[cfg(test)]
mod tests {
    use super::super::bindings::{eval_in_hcl, Bindings};
    use super::*;
    use hcl_edit::visit::{visit_expr, Visit};

    /// Every expression of a body, nested ones included.
    struct Collect(Vec<Expression>);

    impl Visit for Collect {
        fn visit_expr(&mut self, expr: &Expression) {
            self.0.push(expr.clone());
            visit_expr(self, expr);
        }
    }

    fn expressions_of(src: &str) -> Vec<Expression> {
        let Ok(body) = hcl_edit::parser::parse_body(src) else {
            return Vec::new();
        };
        let mut c = Collect(Vec::new());
        c.visit_body(&body);
        c.0
    }

    /// Names a fixture's expressions commonly read, so that references evaluate rather than
    /// fail on an unknown name (failures are compared too).
    fn vars() -> BTreeMap<String, Value> {
        let obj = |pairs: &[(&str, Value)]| {
            Value::Object(
                pairs
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.clone()))
                    .collect(),
            )
        };
        let instance = obj(&[
            ("name", Value::from("N")),
            ("fqn", Value::from("DB.S.N")),
            ("size", Value::from("SMALL")),
            ("entity", Value::from("CUSTOMER")),
            ("lag", Value::from("1 hour")),
        ]);
        let mut m = BTreeMap::new();
        m.insert(
            "each".to_string(),
            obj(&[("key", Value::from("k")), ("value", instance.clone())]),
        );
        m.insert("count".to_string(), obj(&[("index", Value::from(1))]));
        m.insert(
            "var".to_string(),
            obj(&[
                ("env", Value::from("DEV")),
                ("list", Value::from(vec!["a", "b"])),
                ("n", Value::from(3)),
            ]),
        );
        m.insert("local".to_string(), obj(&[("raw", Value::from("RAW"))]));
        for kind in ["schema", "database", "warehouse", "stage", "entity", "task"] {
            m.insert(
                kind.to_string(),
                Value::Object(
                    ["a", "b", "main", "CUSTOMER"]
                        .iter()
                        .map(|l| (l.to_string(), instance.clone()))
                        .collect(),
                ),
            );
        }
        m
    }

    fn fixture_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                fixture_files(&p, out);
            } else if p.extension().is_some_and(|e| e == "hcl" || e == "snowform") {
                out.push(p);
            }
        }
    }

    /// Wherever this evaluator gives a value, hcl-rs gives the same one.
    fn same(vars: &BTreeMap<String, Value>, funcs: &Context, expr: &Expression) -> bool {
        let mut ctx = funcs.clone();
        for (k, v) in vars {
            ctx.declare_var(k.as_str(), v.clone());
        }
        match eval(vars, funcs, expr) {
            None => false,
            Some(v) => {
                assert_eq!(Ok(&v), eval_in_hcl(&ctx, expr).as_ref(), "{expr}");
                true
            }
        }
    }

    #[test]
    fn the_same_values_as_hcl_rs_on_every_fixture() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        fixture_files(&root.join("tests"), &mut files);
        fixture_files(&root.join("examples"), &mut files);
        assert!(files.len() > 20, "{files:?}");
        let vars = vars();
        let funcs = Bindings::functions();
        let (mut handled, mut total) = (0, 0);
        for f in &files {
            let src = std::fs::read_to_string(f).unwrap();
            for expr in expressions_of(&src) {
                total += 1;
                if same(&vars, &funcs, &expr) {
                    handled += 1;
                }
            }
        }
        // Most of what is written takes this path (the rest is evaluated by hcl-rs alone).
        eprintln!("{handled} of {total} expressions evaluated here");
        assert!(handled * 2 > total, "{handled} of {total}");
    }

    #[test]
    fn each_form_gives_hcl_rs_s_value() {
        let vars = vars();
        let funcs = Bindings::functions();
        for src in [
            "null",
            "true",
            "1.5",
            r#""plain""#,
            r#"["a", 1, true, null]"#,
            r#"{ a = 1, "b c" = 2, (var.env) = 3, (1) = 4, (true) = 5 }"#,
            r#"{ (var.env) = 1, DEV = 2 }"#,
            r#""${var.env}_${upper(each.key)}_WH""#,
            r#""${var.n}-${true}-${var.list}""#,
            r#""${var.list}""#,
            r#""$${not} %%{an} \"escape\" \\ \n""#,
            "<<-SQL\n    SELECT ${each.value.entity}_ID\n      FROM ${local.raw}.E.${each.key}\n  SQL",
            "<<SQL\n  keep ${var.env}\nSQL",
            "each.value.size",
            r#"warehouse.main["size"]"#,
            r#"entity[each.value.entity].name"#,
            "var.list[1]",
            "var.list.0",
            "(var.env)",
            r#"false ? "y" : var.env"#,
            r#"true ? var.list : null"#,
            "lower(upper(each.key))",
            "toset([\"a\", \"b\", \"a\"])",
            "concat(var.list, [\"c\"])",
            "concat([var.list, [\"c\"]]...)",
            "format(\"%s-%d\", var.env, 4)",
            "lookup({a = 1}, \"a\", 2)",
            "length(schema)",
        ] {
            let expr = hcl_edit::parser::parse_expr(src).unwrap();
            assert!(same(&vars, &funcs, &expr), "not handled: {src}");
        }
    }

    #[test]
    fn errors_and_other_forms_are_left_to_hcl_rs() {
        let vars = vars();
        let funcs = Bindings::functions();
        for src in [
            "nope",
            "var.missing",
            "var.list[5]",
            "var.list[\"x\"]",
            "var.env.x",
            "each.value[-1]",
            r#"{ (var.list) = 1 }"#,
            r#"var.env ? 1 : 2"#,
            "unknown_function(1)",
            "upper(1, 2)",
            "1 + 2",
            "-var.n",
            "[for s in var.list : s]",
            "var.list[*]",
            "schema.*.name",
            r#""${~ var.env ~}""#,
            r#""%{ if true }x%{ endif }""#,
            "concat(var.env...)",
        ] {
            let expr = hcl_edit::parser::parse_expr(src).unwrap();
            assert_eq!(eval(&vars, &funcs, &expr), None, "{src}");
        }
    }
}
