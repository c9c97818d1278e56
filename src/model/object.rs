//! An object: one Snowflake object as the configuration wants it, as state recorded it,
//! or as the account has it. All three are this one type, so diff compares like with like.

use super::schema::{schema, Attr, AttrType, Source};
use super::{Address, Kind, ObjectName, Value};
use crate::diag::Span;
use crate::model::attr;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lifecycle {
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub prevent_destroy: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignore_changes: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Object {
    pub address: Address,
    pub name: ObjectName,
    /// Properties that are set; an absent key means "not set" (Snowflake's default applies).
    pub props: BTreeMap<String, Value>,
    /// Objects that must exist before this one: references and containment.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub deps: BTreeSet<Address>,
    #[serde(default, skip_serializing_if = "is_default_lifecycle")]
    pub lifecycle: Lifecycle,
    /// Where the block is written, for messages.
    #[serde(skip)]
    pub span: Option<Span>,
}

impl Lifecycle {
    /// Whether `ignore_changes` covers an attribute path (`comment`, `versions.V1.metadata`):
    /// the path itself or a part of it is listed (`versions` covers every version).
    pub fn ignores(&self, path: &str) -> bool {
        self.ignore_changes.iter().any(|n| {
            path == n || (path.starts_with(n.as_str()) && path[n.len()..].starts_with('.'))
        })
    }
}

fn is_default_lifecycle(lifecycle: &Lifecycle) -> bool {
    *lifecycle == Lifecycle::default()
}

impl Object {
    pub fn new(address: Address, name: ObjectName) -> Object {
        Object {
            address,
            name,
            props: BTreeMap::new(),
            deps: BTreeSet::new(),
            lifecycle: Lifecycle::default(),
            span: None,
        }
    }

    pub fn kind(&self) -> Kind {
        self.address.kind
    }

    pub fn get(&self, attr: &str) -> Option<&Value> {
        debug_assert!(self.declares(attr), "{}", self.undeclared(attr));
        self.props.get(attr)
    }

    pub(crate) fn get_str(&self, attr: &str) -> Option<&str> {
        self.get(attr).and_then(Value::as_str)
    }

    pub fn set(&mut self, attr: &str, value: impl Into<Value>) {
        debug_assert!(self.declares(attr), "{}", self.undeclared(attr));
        self.props.insert(attr.to_string(), value.into());
    }

    /// The role that should own it, for the kinds that have an `owner`.
    pub fn owner(&self) -> Option<&str> {
        schema(self.kind()).attr(attr::OWNER)?;
        self.get_str(attr::OWNER)
    }

    /// Whether `attr` is an attribute of the object's kind, or the key its blocks are kept
    /// under (`versions`, `columns`). Debug builds check every read and write by name, so a
    /// name no kind declares fails the tests rather than reading a silent `None`.
    fn declares(&self, attr: &str) -> bool {
        let kind = schema(self.kind());
        kind.attr(attr).is_some()
            || kind
                .blocks
                .iter()
                .any(|b| attr.strip_suffix('s') == Some(b.name))
    }

    fn undeclared(&self, attr: &str) -> String {
        format!("`{attr}` is not an attribute of a {}: read and write attributes through the constants of model::attr that its kind declares", self.kind().as_str())
    }

    /// The value that holds in Snowflake: the set value, or Snowflake's default.
    pub(crate) fn effective(&self, attr: &Attr) -> Option<Value> {
        self.effective_ref(attr).map(std::borrow::Cow::into_owned)
    }

    /// [`Object::effective`] without copying a value that is set: comparing every
    /// attribute of every object copied each one.
    pub(crate) fn effective_ref(&self, attr: &Attr) -> Option<std::borrow::Cow<'_, Value>> {
        match self.props.get(attr.name) {
            Some(v) => Some(std::borrow::Cow::Borrowed(v)),
            None => default_value(self, attr).map(std::borrow::Cow::Owned),
        }
    }

    /// A bool property with its default.
    pub fn flag(&self, attr: &str) -> bool {
        schema(self.kind())
            .attr(attr)
            .and_then(|a| self.effective(a))
            .and_then(|v| v.as_bool())
            .unwrap_or(false)
    }

    /// The properties that SHOW does not return, to be carried over from state (those a
    /// DESCRIBE reads too, where it could not be read).
    pub(crate) fn state_only_attrs(kind: Kind) -> impl Iterator<Item = &'static Attr> {
        schema(kind)
            .properties()
            .filter(|a| a.source != Source::Show)
    }

    /// A digest of the kind, name and properties, to notice any change since it was taken.
    pub fn digest(&self) -> String {
        use sha2::{Digest, Sha256};
        let body = serde_json::to_string(&(self.kind(), self.name.to_string(), &self.props))
            .expect("serialisable");
        hex::encode(Sha256::digest(body.as_bytes()))
    }
}

/// Snowflake's value for an attribute the object does not set, where it depends on
/// other properties it is worked out here.
pub(crate) fn default_value(obj: &Object, attr: &Attr) -> Option<Value> {
    match (obj.kind(), attr.name) {
        (Kind::Warehouse, attr::SIZE) if obj.get_str(attr::TYPE) == Some("SNOWPARK-OPTIMIZED") => {
            Some(Value::str("MEDIUM"))
        }
        // External stages have no Snowflake-managed encryption to compare.
        (Kind::Stage, attr::ENCRYPTION) if obj.get(attr::URL).is_some() => None,
        _ => attr.default.map(|d| d.value()),
    }
}

/// Whether two values of an attribute mean the same.
pub(crate) fn same_value(ty: &AttrType, left: Option<&Value>, right: Option<&Value>) -> bool {
    // Equal values mean the same under every rule below; checked first because most
    // values compared are equal, and normalising SQL (lexing both texts) is the dear part.
    if left == right {
        return true;
    }
    match (ty, left, right) {
        (AttrType::Sql, Some(Value::Str(x)), Some(Value::Str(y))) => {
            crate::sql::normalize_sql(x) == crate::sql::normalize_sql(y)
        }
        (AttrType::Columns, Some(x), Some(y)) => {
            columns_by_name(Some(x)) == columns_by_name(Some(y))
        }
        (_, Some(Value::Str(x)), None) | (_, None, Some(Value::Str(x))) if x.is_empty() => true,
        _ => left == right,
    }
}

/// A column's name.
pub(crate) fn column_name(column: &Value) -> &str {
    column
        .as_map()
        .and_then(|m| m.get(attr::NAME))
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// The columns of a table value, keyed by name.
pub(crate) fn columns_by_name(columns: Option<&Value>) -> BTreeMap<&str, &BTreeMap<String, Value>> {
    match columns {
        Some(Value::List(cols)) => cols
            .iter()
            .filter_map(|c| Some((column_name(c), c.as_map()?)))
            .collect(),
        _ => BTreeMap::new(),
    }
}

/// One attribute that differs. `name` is a path: `size`, `versions.V2`, `versions.V1.alias`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttrChange {
    pub name: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Address, Kind, ObjectName};

    fn warehouse() -> Object {
        let name = ObjectName::account(crate::model::Ident::from_canonical("W"));
        Object::new(Address::new(Kind::Warehouse, "w"), name)
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "`refresh_freq` is not an attribute of a warehouse")]
    fn reading_an_attribute_the_kind_does_not_declare_fails_in_debug_builds() {
        let _ = warehouse().get(attr::REFRESH_FREQ);
    }

    #[test]
    fn owner_is_none_for_a_kind_without_one() {
        let mut grant = warehouse();
        grant.address = Address::new(Kind::Grant, "g");
        assert_eq!(grant.owner(), None);
        let mut w = warehouse();
        w.set(attr::OWNER, "R");
        assert_eq!(w.owner(), Some("R"));
    }
}
