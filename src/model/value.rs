//! Property values. Both the configuration and the live reader produce values in one
//! canonical form per attribute type (see `schema`), so comparing is plain equality,
//! except for SQL bodies, which compare normalised.

use crate::model::attr;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// Written as the JSON value it is (untagged); read by [`Value`]'s own `Deserialize`,
/// which takes the same values.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
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

/// What an untagged enum's derived reader says of a value no variant takes.
const NO_VARIANT: &str = "data did not match any variant of untagged enum Value";

/// Reads the values the derived untagged reader read (a bool, an integer within `i64`, a
/// string, a list or a map of values), straight from the reader's tokens. The derived one
/// buffered every value and tried each variant in turn, building an error message for each
/// that failed: a third of loading a 10,000-object state. Anything else is refused with
/// the derived reader's message.
impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a bool, an integer, a string, a list or a map")
    }

    fn visit_bool<E: de::Error>(self, flag: bool) -> Result<Value, E> {
        Ok(Value::Bool(flag))
    }

    fn visit_i64<E: de::Error>(self, number: i64) -> Result<Value, E> {
        Ok(Value::Int(number))
    }

    fn visit_u64<E: de::Error>(self, number: u64) -> Result<Value, E> {
        i64::try_from(number)
            .map(Value::Int)
            .map_err(|_| E::custom(NO_VARIANT))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Value, E> {
        Err(E::custom(NO_VARIANT))
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Value, E> {
        Ok(Value::Str(text.to_owned()))
    }

    fn visit_string<E: de::Error>(self, text: String) -> Result<Value, E> {
        Ok(Value::Str(text))
    }

    fn visit_bytes<E: de::Error>(self, bytes: &[u8]) -> Result<Value, E> {
        std::str::from_utf8(bytes)
            .map(|t| Value::Str(t.to_owned()))
            .map_err(|_| E::custom(NO_VARIANT))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Err(E::custom(NO_VARIANT))
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Err(E::custom(NO_VARIANT))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::List(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries = BTreeMap::new();
        while let Some((key, value)) = map.next_entry::<String, Value>()? {
            entries.insert(key, value);
        }
        Ok(Value::Map(entries))
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The reader `Value` had: derived, untagged.
    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(untagged)]
    enum Derived {
        Bool(bool),
        Int(i64),
        Str(String),
        List(Vec<Derived>),
        Map(BTreeMap<String, Derived>),
    }

    fn from_derived(value: Derived) -> Value {
        match value {
            Derived::Bool(b) => Value::Bool(b),
            Derived::Int(i) => Value::Int(i),
            Derived::Str(s) => Value::Str(s),
            Derived::List(l) => Value::List(l.into_iter().map(from_derived).collect()),
            Derived::Map(m) => {
                Value::Map(m.into_iter().map(|(k, v)| (k, from_derived(v))).collect())
            }
        }
    }

    #[test]
    fn reads_what_the_derived_untagged_reader_read_and_refuses_the_rest() {
        let cases = [
            "true",
            "false",
            "0",
            "-1",
            "9223372036854775807",
            "-9223372036854775808",
            "9223372036854775808",
            "18446744073709551615",
            "1.5",
            "1e3",
            "null",
            "\"\"",
            "\"x \\\"y\\\" \\u00e9\"",
            "[]",
            "[1, \"a\", true, [2], {\"k\": \"v\"}]",
            "[1, null]",
            "[1.5]",
            "{}",
            "{\"a\": 1, \"b\": [true], \"c\": {\"d\": \"e\"}}",
            "{\"a\": 1, \"a\": 2}",
            "{\"a\": null}",
            "{\"a\": [{\"b\": 0.5}]}",
        ];
        for text in cases {
            let ours = serde_json::from_str::<Value>(text);
            let derived = serde_json::from_str::<Derived>(text).map(from_derived);
            match (&ours, &derived) {
                (Ok(a), Ok(b)) => assert_eq!(a, b, "{text}"),
                (Err(a), Err(b)) => {
                    // The same message, but for the enum's name.
                    assert!(a.to_string().starts_with(NO_VARIANT), "{text}: {a}");
                    let b = b.to_string().replace("enum Derived", "enum Value");
                    assert!(b.starts_with(NO_VARIANT), "{text}: {b}");
                }
                _ => panic!("{text}: ours {ours:?}, derived {derived:?}"),
            }
            // From a JSON tree, as saved plans and fixtures are read.
            if let Ok(tree) = serde_json::from_str::<serde_json::Value>(text) {
                let ours = serde_json::from_value::<Value>(tree.clone()).ok();
                let derived = serde_json::from_value::<Derived>(tree)
                    .ok()
                    .map(from_derived);
                assert_eq!(ours, derived, "{text}");
            }
        }
    }

    #[test]
    fn a_value_reads_back_as_written() {
        let value = Value::Map(BTreeMap::from([
            (
                "a".to_string(),
                Value::List(vec![Value::Int(-3), Value::Bool(true)]),
            ),
            ("b".to_string(), Value::str("x")),
        ]));
        let text = serde_json::to_string(&value).unwrap();
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), value);
    }
}
