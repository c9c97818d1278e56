//! Property values. Both the configuration and the live reader produce values in one
//! canonical form per attribute type (see `schema`), so comparing is plain equality,
//! except for SQL bodies, which compare normalised.

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
    pub fn str(s: impl Into<String>) -> Value {
        Value::Str(s.into())
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

    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    pub fn as_list(&self) -> Option<&[Value]> {
        match self {
            Value::List(l) => Some(l),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&BTreeMap<String, Value>> {
        match self {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// A list of strings, as used for identifier lists.
    pub fn str_list(&self) -> Vec<&str> {
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
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Str(s) => f.write_str(s),
            other => f.write_str(&serde_json::to_string(other).expect("values serialise")),
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::Str(s.to_string())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::Str(s)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Value {
        Value::Int(i)
    }
}
/// A JSON-typed value (a task's config, a model version's metadata) is held as JSON text;
/// the view shows it as the JSON it is, not as a string of JSON inside the JSON.
pub fn unnest_json(kind: super::Kind, name: &str, mut v: serde_json::Value) -> serde_json::Value {
    fn parse(v: &mut serde_json::Value) {
        if let serde_json::Value::String(s) = v {
            if let Ok(j @ serde_json::Value::Object(_)) = serde_json::from_str(s) {
                *v = j;
            }
        }
    }
    fn metadata_of(v: &mut serde_json::Value) {
        if let serde_json::Value::Object(m) = v {
            for (k, x) in m.iter_mut() {
                if k == "metadata" {
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
        parse(&mut v);
    } else if name == "versions" || name.starts_with("versions.") {
        metadata_of(&mut v);
    }
    v
}
