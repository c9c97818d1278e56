//! Property values. Both the configuration and the live reader produce values in one
//! canonical form per attribute type (see `schema`), so comparing is plain equality,
//! except for SQL bodies, which compare normalised.

use crate::model::attr;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Value {
    Bool(bool),
    Int(i64),
    Str(String),
    List(Vec<Value>),
    Map(BTreeMap<String, Value>),
}

impl Value {
    pub fn str(text: impl Into<String>) -> Value {
        Value::Str(text.into())
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub(crate) fn as_list(&self) -> Option<&[Value]> {
        match self {
            Value::List(l) => Some(l),
            _ => None,
        }
    }

    pub(crate) fn as_map(&self) -> Option<&BTreeMap<String, Value>> {
        match self {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// A list of strings, as used for identifier lists.
    pub(crate) fn str_list(&self) -> Vec<&str> {
        self.as_list()
            .map(|l| l.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default()
    }

    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("values serialise")
    }
}

impl fmt::Display for Value {
    /// Human form for plans: strings bare, lists and maps as JSON.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Bool(b) => write!(formatter, "{b}"),
            Value::Int(i) => write!(formatter, "{i}"),
            Value::Str(s) => formatter.write_str(s),
            other => formatter.write_str(&serde_json::to_string(other).expect("values serialise")),
        }
    }
}

impl From<&str> for Value {
    fn from(text: &str) -> Value {
        Value::Str(text.to_string())
    }
}

impl From<String> for Value {
    fn from(text: String) -> Value {
        Value::Str(text)
    }
}

impl From<bool> for Value {
    fn from(flag: bool) -> Value {
        Value::Bool(flag)
    }
}

impl From<i64> for Value {
    fn from(number: i64) -> Value {
        Value::Int(number)
    }
}
/// A JSON-typed value (a task's config, a model version's metadata) is held as JSON text;
/// the view shows it as the JSON it is, not as a string of JSON inside the JSON.
pub(crate) fn unnest_json(
    kind: super::Kind,
    name: &str,
    mut value: serde_json::Value,
) -> serde_json::Value {
    fn parse(value: &mut serde_json::Value) {
        if let serde_json::Value::String(s) = value {
            if let Ok(j @ serde_json::Value::Object(_)) = serde_json::from_str(s) {
                *value = j;
            }
        }
    }
    fn metadata_of(value: &mut serde_json::Value) {
        if let serde_json::Value::Object(m) = value {
            for (k, x) in m.iter_mut() {
                if k == attr::METADATA {
                    parse(x);
                } else {
                    metadata_of(x);
                }
            }
        }
    }
    let json_typed = super::schema(kind)
        .attr(name)
        .is_some_and(|a| matches!(a.ty, super::AttrType::Json));
    if json_typed || (name.starts_with("versions.") && name.ends_with(".metadata")) {
        parse(&mut value);
    } else if name == "versions" || name.starts_with("versions.") {
        metadata_of(&mut value);
    }
    value
}
