//! Arithmetic with errors instead of panics. The HCL library computes `+ - * / %` on
//! machine integers: `5 % 0` and an overflowing `*` panic (or wrap, unchecked), and `1 / 0`
//! gives the largest float. Before evaluation each arithmetic operation is rewritten into a
//! call of a function declared here, which checks its operands and its result; templates
//! are rewritten too, since hcl-edit parses their interpolations.

use hcl::eval::{Context, FuncArgs, FuncDef, ParamType};
use hcl::{Number, Value};
use hcl_edit::expr::{BinaryOperator, Expression, FuncArgs as EditArgs, FuncCall, ObjectKey};
use hcl_edit::visit_mut::{visit_expr_mut, VisitMut};
use hcl_edit::Ident;

/// The functions' names start with this; a user cannot mean them, and errors from them
/// are reported as the operator's, not as a function's.
pub(crate) const PREFIX: &str = "__snowform_arith_";

const OPS: [(BinaryOperator, &str, &str); 5] = [
    (BinaryOperator::Plus, "add", "+"),
    (BinaryOperator::Minus, "sub", "-"),
    (BinaryOperator::Mul, "mul", "*"),
    (BinaryOperator::Div, "div", "/"),
    (BinaryOperator::Mod, "mod", "%"),
];

/// Declare the checked operators in `ctx`.
pub(crate) fn declare(ctx: &mut Context) {
    let def = |f: hcl::eval::Func| FuncDef::new(f, vec![ParamType::Any, ParamType::Any]);
    ctx.declare_func(format!("{PREFIX}add"), def(|a| binary(a, "+")));
    ctx.declare_func(format!("{PREFIX}sub"), def(|a| binary(a, "-")));
    ctx.declare_func(format!("{PREFIX}mul"), def(|a| binary(a, "*")));
    ctx.declare_func(format!("{PREFIX}div"), def(|a| binary(a, "/")));
    ctx.declare_func(format!("{PREFIX}mod"), def(|a| binary(a, "%")));
}

/// A copy of `expr` whose arithmetic goes through the checked operators.
pub(crate) fn guard(expr: &Expression) -> Expression {
    let mut e = expr.clone();
    Rewrite.visit_expr_mut(&mut e);
    e
}

struct Rewrite;

impl VisitMut for Rewrite {
    fn visit_expr_mut(&mut self, expr: &mut Expression) {
        // An object's keys cannot be changed in place (the visitor lends them read-only), yet
        // a key may be an expression with arithmetic: the object is rebuilt.
        if let Expression::Object(obj) = expr {
            if obj
                .iter()
                .any(|(k, _)| matches!(k, ObjectKey::Expression(_)))
            {
                for (mut key, value) in std::mem::take(obj) {
                    if let ObjectKey::Expression(e) = &mut key {
                        self.visit_expr_mut(e);
                    }
                    obj.insert(key, value);
                }
            }
        }
        // Operands first, so that nested operations are rewritten too.
        visit_expr_mut(self, expr);
        let Expression::BinaryOp(op) = expr else {
            return;
        };
        let Some((_, name, _)) = OPS.iter().find(|(o, _, _)| *o == *op.operator.value()) else {
            return;
        };
        let lhs = std::mem::replace(&mut op.lhs_expr, Expression::null());
        let rhs = std::mem::replace(&mut op.rhs_expr, Expression::null());
        let call = FuncCall::new(
            Ident::new(format!("{PREFIX}{name}")),
            EditArgs::from(vec![lhs, rhs]),
        );
        *expr = Expression::from(call);
    }
}

/// An integer operand, widened so that no operation on two of them overflows.
fn int(number: &Number) -> Option<i128> {
    number
        .as_i64()
        .map(i128::from)
        .or_else(|| number.as_u64().map(i128::from))
}

fn binary(args: FuncArgs, op: &str) -> Result<Value, String> {
    let (a, b) = match (&args[0], &args[1]) {
        (Value::Number(a), Value::Number(b)) => (*a, *b),
        // The library's own message, quoting the operands (redacted later when sensitive).
        (a, b) => {
            return Err(format!(
                "binary operator `{op}` is not applicable to `{a}` and `{b}`"
            ))
        }
    };
    let zero = b.as_f64() == Some(0.0);
    if zero && op == "/" {
        return Err(format!("division by zero: {a} / {b}"));
    }
    if zero && op == "%" {
        return Err(format!("modulo by zero: {a} % {b}"));
    }
    let too_big = || format!("the result of {a} {op} {b} is too large for a number");
    if op != "/" {
        if let (Some(x), Some(y)) = (int(&a), int(&b)) {
            let r = match op {
                "+" => x + y,
                "-" => x - y,
                "*" => x.checked_mul(y).ok_or_else(too_big)?,
                _ => x % y,
            };
            return if let Ok(i) = i64::try_from(r) {
                Ok(Value::from(i))
            } else if let Ok(u) = u64::try_from(r) {
                Ok(Value::from(u))
            } else {
                Err(too_big())
            };
        }
    }
    let (x, y) = (
        a.as_f64().unwrap_or(f64::NAN),
        b.as_f64().unwrap_or(f64::NAN),
    );
    let r = match op {
        "+" => x + y,
        "-" => x - y,
        "*" => x * y,
        "/" => x / y,
        _ => x % y,
    };
    Number::from_f64(r).map(Value::Number).ok_or_else(too_big)
}

#[cfg(test)]
mod tests {
    use super::*;
    use hcl::eval::Evaluate;

    fn eval(src: &str) -> Result<Value, String> {
        let mut ctx = Context::new();
        declare(&mut ctx);
        let expr = guard(&hcl_edit::parser::parse_expr(src).unwrap());
        let expr: hcl::Expression = expr.into();
        expr.evaluate(&ctx).map_err(|e| match e.kind() {
            hcl::eval::ErrorKind::FuncCall(_, msg) => msg.clone(),
            other => other.to_string(),
        })
    }

    #[test]
    fn arithmetic_gives_the_usual_results() {
        assert_eq!(eval("1 + 2 * 3").unwrap(), Value::from(7));
        assert_eq!(eval("7 % 3").unwrap(), Value::from(1));
        assert_eq!(eval("-7 % 3").unwrap(), Value::from(-1));
        assert_eq!(eval("7 / 2").unwrap(), Value::from(3.5));
        assert_eq!(eval("2 - 5").unwrap(), Value::from(-3));
        assert_eq!(eval("1.5 * 2").unwrap(), Value::from(3.0));
        assert_eq!(
            eval("[for x in [1, 2] : x * 10]").unwrap(),
            Value::from(vec![10, 20])
        );
        assert_eq!(eval(r#""n=${2 * 21}""#).unwrap(), Value::from("n=42"));
        let keyed = eval("{ (1 + 1) = \"two\", plain = 3 * 3 }").unwrap();
        let want: hcl::Map<String, Value> = [
            ("2".to_string(), Value::from("two")),
            ("plain".to_string(), Value::from(9)),
        ]
        .into_iter()
        .collect();
        assert_eq!(keyed, Value::Object(want));
    }

    #[test]
    fn division_and_modulo_by_zero_and_overflow_are_errors() {
        assert_eq!(eval("5 % 0").unwrap_err(), "modulo by zero: 5 % 0");
        assert_eq!(eval("1 / 0").unwrap_err(), "division by zero: 1 / 0");
        assert_eq!(eval("1.5 % 0.0").unwrap_err(), "modulo by zero: 1.5 % 0");
        assert!(eval(r#""${5 % 0}""#)
            .unwrap_err()
            .contains("modulo by zero"));
        assert!(eval("[for x in [0] : 1 % x]")
            .unwrap_err()
            .contains("modulo by zero"));
        let big = eval("18446744073709551615 * 18446744073709551615").unwrap_err();
        assert!(big.contains("too large"), "{big}");
        assert!(eval("18446744073709551615 + 1")
            .unwrap_err()
            .contains("too large"));
        assert!(eval("-9223372036854775808 - 1")
            .unwrap_err()
            .contains("too large"));
        assert_eq!(eval("-9223372036854775808 % -1").unwrap(), Value::from(0));
        assert!(eval("1e300 * 1e300").unwrap_err().contains("too large"));
        // An object key is an expression too.
        assert!(eval("{ (5 % 0) = 1 }")
            .unwrap_err()
            .contains("modulo by zero"));
        assert!(eval("{ 18446744073709551615 * 2 = 1 }")
            .unwrap_err()
            .contains("too large"));
        assert_eq!(
            eval(r#"1 + "a""#).unwrap_err(),
            r#"binary operator `+` is not applicable to `1` and `"a"`"#
        );
    }
}
