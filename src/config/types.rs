//! Variable type constraints (`string`, `list(string)`, `object({ size = string })`, ...):
//! reading them from a `type` expression and converting values to them.

use super::functions::{describe, parse_number, primitive_text, set_of};
use hcl::{Map, Value};
use hcl_edit::expr::{Expression, ObjectKey};
use std::collections::BTreeMap;
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum VarType {
    Any,
    String,
    Number,
    Bool,
    List(Box<VarType>),
    Set(Box<VarType>),
    Map(Box<VarType>),
    Object(BTreeMap<String, VarType>),
    Tuple(Vec<VarType>),
}

impl fmt::Display for VarType {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VarType::Any => formatter.write_str("any"),
            VarType::String => formatter.write_str("string"),
            VarType::Number => formatter.write_str("number"),
            VarType::Bool => formatter.write_str("bool"),
            VarType::List(t) => write!(formatter, "list({t})"),
            VarType::Set(t) => write!(formatter, "set({t})"),
            VarType::Map(t) => write!(formatter, "map({t})"),
            VarType::Object(attrs) => {
                let parts: Vec<String> = attrs.iter().map(|(k, t)| format!("{k} = {t}")).collect();
                write!(formatter, "object({{ {} }})", parts.join(", "))
            }
            VarType::Tuple(ts) => {
                let parts: Vec<String> = ts.iter().map(ToString::to_string).collect();
                write!(formatter, "tuple([{}])", parts.join(", "))
            }
        }
    }
}

const TYPE_HELP: &str =
    "write string, number, bool, any, list(TYPE), set(TYPE), map(TYPE), object({ NAME = TYPE, ... }) or tuple([TYPE, ...])";

/// Read a type constraint from its expression, without evaluating it.
pub(crate) fn parse(expr: &Expression) -> Result<VarType, String> {
    match expr {
        Expression::Variable(v) => match v.as_str() {
            "any" => Ok(VarType::Any),
            "string" => Ok(VarType::String),
            "number" => Ok(VarType::Number),
            "bool" => Ok(VarType::Bool),
            other => Err(format!("{other:?} is not a type; {TYPE_HELP}")),
        },
        Expression::FuncCall(call) => {
            let name = call.name.name.as_str();
            let args: Vec<&Expression> = call.args.iter().collect();
            if args.len() != 1 {
                return Err(format!(
                    "{name}(...) takes exactly one argument; {TYPE_HELP}"
                ));
            }
            match name {
                "list" => Ok(VarType::List(Box::new(parse(args[0])?))),
                "set" => Ok(VarType::Set(Box::new(parse(args[0])?))),
                "map" => Ok(VarType::Map(Box::new(parse(args[0])?))),
                "object" => {
                    let Expression::Object(obj) = args[0] else {
                        return Err(format!(
                            "object(...) takes {{ NAME = TYPE, ... }}; {TYPE_HELP}"
                        ));
                    };
                    let mut attrs = BTreeMap::new();
                    for (key, value) in obj.iter() {
                        let name = match key {
                            ObjectKey::Ident(i) => i.as_str().to_string(),
                            ObjectKey::Expression(Expression::String(s)) => s.value().clone(),
                            _ => {
                                return Err(
                                    "the attribute names of object(...) must be plain names".into(),
                                )
                            }
                        };
                        attrs.insert(name, parse(value.expr())?);
                    }
                    Ok(VarType::Object(attrs))
                }
                "tuple" => {
                    let Expression::Array(items) = args[0] else {
                        return Err(format!("tuple(...) takes [TYPE, ...]; {TYPE_HELP}"));
                    };
                    Ok(VarType::Tuple(
                        items.iter().map(parse).collect::<Result<_, _>>()?,
                    ))
                }
                other => Err(format!("{other}(...) is not a type; {TYPE_HELP}")),
            }
        }
        _ => Err(format!("not a type; {TYPE_HELP}")),
    }
}

/// Convert `value` to `ty` the way Terraform does: numbers and bools become strings where a
/// string is wanted and back; extra object attributes are dropped. `null` stays `null`.
pub(crate) fn convert(value: Value, ty: &VarType) -> Result<Value, String> {
    if value.is_null() {
        return Ok(value);
    }
    match ty {
        VarType::Any => Ok(value),
        VarType::String => match &value {
            Value::String(_) => Ok(value),
            Value::Number(_) | Value::Bool(_) => {
                Ok(Value::from(primitive_text(&value).unwrap_or_default()))
            }
            other => Err(format!("a string is required, got {}", describe(other))),
        },
        VarType::Number => match &value {
            Value::Number(_) => Ok(value),
            Value::String(s) => {
                parse_number(s).ok_or_else(|| format!("a number is required, got {s:?}"))
            }
            other => Err(format!("a number is required, got {}", describe(other))),
        },
        VarType::Bool => match &value {
            Value::Bool(_) => Ok(value),
            Value::String(s) if s == "true" => Ok(Value::Bool(true)),
            Value::String(s) if s == "false" => Ok(Value::Bool(false)),
            other => Err(format!(
                "true or false is required, got {}",
                describe(other)
            )),
        },
        VarType::List(t) | VarType::Set(t) => {
            let Value::Array(items) = value else {
                return Err(format!("a list is required, got {}", describe(&value)));
            };
            let items = items
                .into_iter()
                .enumerate()
                .map(|(i, item)| convert(item, t).map_err(|e| format!("element {i}: {e}")))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Value::Array(if matches!(ty, VarType::Set(_)) {
                set_of(&items)
            } else {
                items
            }))
        }
        VarType::Map(t) => {
            let Value::Object(entries) = value else {
                return Err(format!("a map is required, got {}", describe(&value)));
            };
            let mut out = Map::new();
            for (k, item) in entries {
                let item = convert(item, t).map_err(|e| format!("key {k:?}: {e}"))?;
                out.insert(k, item);
            }
            Ok(Value::Object(out))
        }
        VarType::Object(attrs) => {
            let Value::Object(mut entries) = value else {
                return Err(format!("an object is required, got {}", describe(&value)));
            };
            let mut out = Map::new();
            for (name, t) in attrs {
                let item = entries
                    .shift_remove(name)
                    .ok_or_else(|| format!("attribute {name:?} is required"))?;
                out.insert(
                    name.clone(),
                    convert(item, t).map_err(|e| format!("attribute {name:?}: {e}"))?,
                );
            }
            Ok(Value::Object(out))
        }
        VarType::Tuple(ts) => {
            let Value::Array(items) = value else {
                return Err(format!("a tuple is required, got {}", describe(&value)));
            };
            if items.len() != ts.len() {
                return Err(format!(
                    "a tuple of {} elements is required, got {}",
                    ts.len(),
                    items.len()
                ));
            }
            let items = items
                .into_iter()
                .zip(ts)
                .enumerate()
                .map(|(i, (item, t))| convert(item, t).map_err(|e| format!("element {i}: {e}")))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Value::Array(items))
        }
    }
}

/// Whether values of the type are single values: text converts to them directly.
pub(crate) fn is_primitive(ty: &VarType) -> bool {
    matches!(ty, VarType::String | VarType::Number | VarType::Bool)
}

/// Whether text from the command line or the environment is taken literally (a string) or
/// read as an HCL expression (`["a", "b"]`, `{ ml = "SMALL" }`, `42`).
pub(crate) fn takes_text_literally(ty: &VarType) -> bool {
    matches!(ty, VarType::String | VarType::Any)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ty(src: &str) -> Result<VarType, String> {
        parse(&hcl_edit::parser::parse_expr(src).unwrap())
    }

    fn value(src: &str) -> Value {
        let e: hcl::Expression = hcl_edit::parser::parse_expr(src).unwrap().into();
        hcl::eval::Evaluate::evaluate(&e, &hcl::eval::Context::new()).unwrap()
    }

    #[test]
    fn parses_type_expressions() {
        assert_eq!(ty("string").unwrap(), VarType::String);
        assert_eq!(
            ty("list(number)").unwrap(),
            VarType::List(Box::new(VarType::Number))
        );
        assert_eq!(
            ty("map(object({ size = string, n = number }))")
                .unwrap()
                .to_string(),
            "map(object({ n = number, size = string }))"
        );
        assert_eq!(
            ty("tuple([string, bool])").unwrap().to_string(),
            "tuple([string, bool])"
        );
        assert!(ty("strin").unwrap_err().contains("is not a type"));
        assert!(ty("list(string, number)").is_err());
        assert!(ty("\"string\"").is_err());
    }

    #[test]
    fn converts_like_terraform() {
        assert_eq!(
            convert(value("5"), &VarType::String).unwrap(),
            Value::from("5")
        );
        assert_eq!(
            convert(value("\"5\""), &VarType::Number).unwrap(),
            Value::from(5)
        );
        assert_eq!(
            convert(value("\"true\""), &VarType::Bool).unwrap(),
            Value::Bool(true)
        );
        assert!(convert(value("\"yes\""), &VarType::Bool).is_err());
        assert_eq!(
            convert(value("[\"b\", \"a\", \"b\"]"), &ty("set(string)").unwrap()).unwrap(),
            value("[\"a\", \"b\"]")
        );
        let obj = ty("object({ size = string })").unwrap();
        assert_eq!(
            convert(value("{ size = \"SMALL\", extra = 1 }"), &obj).unwrap(),
            value("{ size = \"SMALL\" }")
        );
        assert_eq!(
            convert(value("{ other = 1 }"), &obj).unwrap_err(),
            "attribute \"size\" is required"
        );
        let m = ty("map(number)").unwrap();
        assert_eq!(
            convert(value("{ a = \"x\" }"), &m).unwrap_err(),
            "key \"a\": a number is required, got \"x\""
        );
        assert_eq!(convert(Value::Null, &VarType::Number).unwrap(), Value::Null);
    }
}
