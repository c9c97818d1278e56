//! Converting evaluated HCL values into the model's canonical property values, per
//! attribute type, and model values back into HCL values for block references.

use super::functions::{describe, from_json, primitive_text, to_json};
use crate::model::attr;
use crate::model::canon::{self, RefreshFreq};
use crate::model::schema::AttrType;
use crate::model::{Ident, Value};
use hcl::Value as Hcl;

/// Why a value does not fit its attribute: the message, and a hint when there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Invalid {
    pub message: String,
    pub hint: Option<String>,
}

impl Invalid {
    pub fn new(message: impl Into<String>) -> Invalid {
        Invalid {
            message: message.into(),
            hint: None,
        }
    }

    pub(crate) fn with_hint(mut self, hint: impl Into<String>) -> Invalid {
        self.hint = Some(hint.into());
        self
    }
}

impl From<String> for Invalid {
    fn from(message: String) -> Invalid {
        Invalid::new(message)
    }
}

fn expected(ty: &AttrType, got: &Hcl) -> Invalid {
    Invalid::new(format!("expected {}, got {}", ty.describe(), describe(got)))
}

/// A string, or a number or bool written where text is wanted.
pub(crate) fn text(value: &Hcl) -> Option<String> {
    primitive_text(value)
}

/// The canonical value of an attribute of a plain type. Reference types (`Ref`, `RefList`)
/// are resolved by the caller, which knows the other blocks.
pub(crate) fn decode(ty: &AttrType, hcl_value: &Hcl) -> Result<Value, Invalid> {
    match ty {
        AttrType::Bool => match hcl_value {
            Hcl::Bool(b) => Ok(Value::Bool(*b)),
            Hcl::String(s) if s == "true" || s == "false" => Ok(Value::Bool(s == "true")),
            other => Err(expected(ty, other)),
        },
        AttrType::Int { min, max } => {
            let n = match hcl_value {
                Hcl::Number(n) => n.as_i64().or_else(|| {
                    n.as_f64()
                        .filter(|f| f.fract() == 0.0 && f.abs() < 9e15)
                        .map(|f| f as i64)
                }),
                Hcl::String(s) => s.trim().parse::<i64>().ok(),
                _ => None,
            };
            match n {
                Some(i) if (*min..=*max).contains(&i) => Ok(Value::Int(i)),
                Some(i) => Err(Invalid::new(format!(
                    "{i} is out of range: expected {}",
                    ty.describe()
                ))),
                None => Err(Invalid::new(format!(
                    "expected {}, got {}",
                    ty.describe(),
                    shown(hcl_value)
                ))),
            }
        }
        AttrType::String => text(hcl_value)
            .map(Value::Str)
            .ok_or_else(|| expected(ty, hcl_value)),
        AttrType::Upper => text(hcl_value)
            .map(|s| Value::Str(s.to_uppercase()))
            .ok_or_else(|| expected(ty, hcl_value)),
        AttrType::Enum(values) => {
            let s = text(hcl_value).ok_or_else(|| expected(ty, hcl_value))?;
            match canon::canonical_enum(values, &s) {
                Some(c) => Ok(Value::str(c)),
                None => {
                    let names = values.iter().flat_map(|e| {
                        std::iter::once(e.canonical).chain(e.aliases.iter().copied())
                    });
                    Err(Invalid {
                        message: format!("{s:?} is not {}", ty.describe()),
                        hint: super::suggest::hint(&s.to_ascii_uppercase(), names),
                    })
                }
            }
        }
        AttrType::Ident => {
            let s = text(hcl_value).ok_or_else(|| expected(ty, hcl_value))?;
            Ident::parse(&s)
                .map(|i| Value::Str(i.as_str().to_string()))
                .map_err(|e| Invalid::new(e.to_string()))
        }
        AttrType::IdentList => {
            let Hcl::Array(items) = hcl_value else {
                return Err(expected(ty, hcl_value));
            };
            let mut out: Vec<Value> = Vec::with_capacity(items.len());
            for item in items {
                let s = text(item).ok_or_else(|| expected(ty, hcl_value))?;
                let ident = Ident::parse(&s).map_err(|e| Invalid::new(e.to_string()))?;
                let value = Value::Str(ident.as_str().to_string());
                if out.contains(&value) {
                    return Err(Invalid::new(format!("{} is listed twice", ident.as_str())));
                }
                out.push(value);
            }
            if out.is_empty() {
                return Err(Invalid::new("the list is empty; name at least one column"));
            }
            Ok(Value::List(out))
        }
        AttrType::Sql => {
            let s = text(hcl_value).ok_or_else(|| expected(ty, hcl_value))?;
            // A heredoc ends with a line break; it is not part of the statement.
            let s = s.trim_end();
            if s.trim().is_empty() {
                return Err(Invalid::new("the SQL text is empty"));
            }
            Ok(Value::str(s))
        }
        #[cfg(test)]
        AttrType::Lag => {
            canon::canonical_lag(&text(hcl_value).ok_or_else(|| expected(ty, hcl_value))?)
                .map(Value::Str)
                .map_err(Invalid::new)
        }
        AttrType::Schedule => {
            canon::canonical_schedule(&text(hcl_value).ok_or_else(|| expected(ty, hcl_value))?)
                .map(Value::Str)
                .map_err(Invalid::new)
        }
        AttrType::RefreshFreq => {
            RefreshFreq::parse(&text(hcl_value).ok_or_else(|| expected(ty, hcl_value))?)
                .map(|r| Value::str(r.canonical()))
                .map_err(Invalid::new)
        }
        AttrType::Json => {
            let json = match hcl_value {
                Hcl::String(s) => serde_json::from_str(s)
                    .map_err(|e| Invalid::new(format!("not valid JSON: {e}")))?,
                other => to_json(other),
            };
            if !json.is_object() {
                return Err(expected(ty, hcl_value));
            }
            canon::canonical_json(&json.to_string())
                .map(Value::Str)
                .map_err(Invalid::new)
        }
        AttrType::Version => {
            let s = text(hcl_value).ok_or_else(|| expected(ty, hcl_value))?;
            canon::check_version(&s).map_err(Invalid::new)?;
            Ok(Value::Str(s))
        }
        AttrType::StagePath => {
            let s = text(hcl_value).ok_or_else(|| expected(ty, hcl_value))?;
            let s = s.trim();
            canon::check_stage_path(s).map_err(Invalid::new)?;
            Ok(Value::str(s))
        }
        AttrType::ColumnType => {
            canon::column_type(&text(hcl_value).ok_or_else(|| expected(ty, hcl_value))?)
                .map(Value::Str)
                .map_err(Invalid::new)
        }
        AttrType::Privileges => {
            let Hcl::Array(items) = hcl_value else {
                return Err(expected(ty, hcl_value));
            };
            let mut out: Vec<Value> = Vec::with_capacity(items.len());
            for item in items {
                let s = text(item).ok_or_else(|| expected(ty, hcl_value))?;
                let p = crate::kinds::grant::canonical_privilege(&s);
                if p.is_empty() {
                    return Err(Invalid::new("a privilege is empty"));
                }
                let value = Value::Str(p);
                if out.contains(&value) {
                    return Err(Invalid::new(format!("{s:?} is listed twice")));
                }
                out.push(value);
            }
            if out.is_empty() {
                return Err(Invalid::new(
                    "the list is empty; name at least one privilege",
                ));
            }
            out.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
            Ok(Value::List(out))
        }
        AttrType::StringList => {
            let Hcl::Array(items) = hcl_value else {
                return Err(expected(ty, hcl_value));
            };
            items
                .iter()
                .map(|item| {
                    text(item)
                        .map(Value::Str)
                        .ok_or_else(|| expected(ty, hcl_value))
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Value::List)
        }
        AttrType::Arguments => {
            let Hcl::Array(items) = hcl_value else {
                return Err(expected(ty, hcl_value));
            };
            let mut out: Vec<Value> = Vec::with_capacity(items.len());
            let mut names: Vec<String> = Vec::new();
            for item in items {
                let Hcl::Object(m) = item else {
                    return Err(expected(ty, hcl_value));
                };
                if let Some(k) = m.keys().find(|k| *k != attr::NAME && *k != attr::TYPE) {
                    return Err(Invalid::new(format!(
                        "an argument has {k:?}; write only name and type"
                    )));
                }
                let (Some(name), Some(t)) = (
                    m.get(attr::NAME).and_then(text),
                    m.get(attr::TYPE).and_then(text),
                ) else {
                    return Err(Invalid::new("an argument needs a name and a type"));
                };
                let name = Ident::parse(&name).map_err(|e| Invalid::new(e.to_string()))?;
                if names.iter().any(|n| n == name.as_str()) {
                    return Err(Invalid::new(format!(
                        "the argument {} is listed twice",
                        name.as_str()
                    )));
                }
                names.push(name.as_str().to_string());
                let t = canon::argument_type(&t).map_err(Invalid::new)?;
                out.push(Value::Map(
                    [
                        ("name".to_string(), Value::Str(name.as_str().to_string())),
                        ("type".to_string(), Value::Str(t)),
                    ]
                    .into_iter()
                    .collect(),
                ));
            }
            Ok(Value::List(out))
        }
        AttrType::Ref(_)
        | AttrType::RefList(_)
        | AttrType::Map
        | AttrType::Columns
        | AttrType::Securable => Err(expected(ty, hcl_value)),
    }
}

/// A short rendering of a value for messages.
fn shown(value: &Hcl) -> String {
    match value {
        Hcl::String(s) => format!("{s:?}"),
        Hcl::Number(n) => n.to_string(),
        other => describe(other).to_string(),
    }
}

/// A model value as an HCL value, for what a block reference reads.
pub(crate) fn to_hcl(value: &Value, ty: Option<&AttrType>) -> Hcl {
    match (value, ty) {
        (Value::Str(s), Some(AttrType::Json)) => serde_json::from_str(s)
            .map(from_json)
            .unwrap_or_else(|_| Hcl::from(s.as_str())),
        (Value::Str(s), _) => Hcl::from(s.as_str()),
        (Value::Int(i), _) => Hcl::from(*i),
        (Value::Bool(b), _) => Hcl::Bool(*b),
        (Value::List(l), _) => Hcl::Array(l.iter().map(|x| to_hcl(x, None)).collect()),
        (Value::Map(m), _) => Hcl::Object(
            m.iter()
                .map(|(k, x)| (k.clone(), to_hcl(x, None)))
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::warehouse::SIZES;

    fn hcl(src: &str) -> Hcl {
        let e: hcl::Expression = hcl_edit::parser::parse_expr(src).unwrap().into();
        hcl::eval::Evaluate::evaluate(&e, &hcl::eval::Context::new()).unwrap()
    }

    #[test]
    fn scalars_are_checked_and_canonical() {
        assert_eq!(
            decode(&AttrType::Bool, &hcl("true")).unwrap(),
            Value::Bool(true)
        );
        assert!(decode(&AttrType::Bool, &hcl("1")).is_err());
        let int = AttrType::Int { min: 0, max: 90 };
        assert_eq!(decode(&int, &hcl("7")).unwrap(), Value::Int(7));
        assert_eq!(decode(&int, &hcl("7.0")).unwrap(), Value::Int(7));
        assert!(decode(&int, &hcl("91"))
            .unwrap_err()
            .message
            .contains("out of range"));
        assert!(decode(&int, &hcl("1.5")).is_err());
        assert_eq!(
            decode(&AttrType::String, &hcl("5")).unwrap(),
            Value::str("5")
        );
        assert_eq!(
            decode(&AttrType::Enum(SIZES), &hcl("\"x-small\"")).unwrap(),
            Value::str("XSMALL")
        );
        let bad = decode(&AttrType::Enum(SIZES), &hcl("\"SMAL\"")).unwrap_err();
        assert!(bad.message.contains("one of XSMALL, SMALL"));
        assert_eq!(bad.hint.as_deref(), Some("did you mean \"SMALL\"?"));
    }

    #[test]
    fn names_follow_identifier_rules() {
        assert_eq!(
            decode(&AttrType::Ident, &hcl("\"compute_wh\"")).unwrap(),
            Value::str("COMPUTE_WH")
        );
        assert_eq!(
            decode(&AttrType::Ident, &hcl(r#""\"MixedCase\"""#)).unwrap(),
            Value::str("MixedCase")
        );
        let long = format!("\"{}\"", "A".repeat(256));
        assert!(decode(&AttrType::Ident, &hcl(&long))
            .unwrap_err()
            .message
            .contains("at most 255"));
        assert_eq!(
            decode(&AttrType::IdentList, &hcl("[\"patient_id\", \"ts\"]")).unwrap(),
            Value::List(vec![Value::str("PATIENT_ID"), Value::str("TS")])
        );
        assert!(decode(&AttrType::IdentList, &hcl("[\"a\", \"A\"]"))
            .unwrap_err()
            .message
            .contains("twice"));
    }

    #[test]
    fn texts_go_through_canon() {
        assert_eq!(
            decode(&AttrType::Lag, &hcl("\"24 hours\"")).unwrap(),
            Value::str("1 day")
        );
        assert_eq!(
            decode(&AttrType::Schedule, &hcl("\"using cron 0 6 * * * UTC\"")).unwrap(),
            Value::str("USING CRON 0 6 * * * UTC")
        );
        assert_eq!(
            decode(&AttrType::RefreshFreq, &hcl("\"0 6 * * * UTC\"")).unwrap(),
            Value::str("0 6 * * * UTC")
        );
        assert_eq!(
            decode(&AttrType::Json, &hcl("{ b = 1, a = { c = true } }")).unwrap(),
            Value::str("{\"a\":{\"c\":true},\"b\":1}")
        );
        assert_eq!(
            decode(&AttrType::Json, &hcl("\"{\\\"x\\\": 1}\"")).unwrap(),
            Value::str("{\"x\":1}")
        );
        assert!(decode(&AttrType::Json, &hcl("[1]")).is_err());
        assert_eq!(
            decode(&AttrType::Sql, &hcl("\"SELECT 1\\n\"")).unwrap(),
            Value::str("SELECT 1")
        );
        assert!(decode(&AttrType::Version, &hcl("\"v 1\"")).is_err());
        assert!(decode(&AttrType::StagePath, &hcl("\"DB.S.ST/x\"")).is_err());
    }

    #[test]
    fn json_round_trips_to_objects_for_references() {
        let v = Value::str("{\"a\":1}");
        assert_eq!(to_hcl(&v, Some(&AttrType::Json)), hcl("{ a = 1 }"));
        assert_eq!(to_hcl(&Value::List(vec![Value::Int(1)]), None), hcl("[1]"));
    }
}
