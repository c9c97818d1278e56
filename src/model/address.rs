//! Addresses: how the configuration names an object (`warehouse.compute`,
//! `warehouse.team["ml"]`). The address is the key of state and of the plan.

use super::Kind;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Address {
    /// The module instance the object is declared in: empty at the top level, else
    /// `module.fs` or `module.fs["team"]` (nested calls joined by `.`). First, so that a
    /// module's objects sort together, after the top level's.
    pub module: String,
    pub kind: Kind,
    pub name: String,
    /// The `for_each` key of one instance, or the `count` index as text.
    pub key: Option<String>,
    /// The key is a `count` index: written `task.x[0]`, not `task.x["0"]`.
    pub index: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "{0:?} is not an address; write KIND.NAME or KIND.NAME[\"KEY\"], for example warehouse.compute"
)]
pub struct AddressError(pub String);

impl Address {
    pub fn new(kind: Kind, name: impl Into<String>) -> Address {
        Address {
            module: String::new(),
            kind,
            name: name.into(),
            key: None,
            index: false,
        }
    }

    pub(crate) fn with_key(kind: Kind, name: impl Into<String>, key: impl Into<String>) -> Address {
        Address {
            module: String::new(),
            kind,
            name: name.into(),
            key: Some(key.into()),
            index: false,
        }
    }

    /// The instance `index` of a block with `count`: `task.x[0]`.
    pub(crate) fn with_index(kind: Kind, name: impl Into<String>, index: u64) -> Address {
        Address {
            index: true,
            ..Address::with_key(kind, name, index.to_string())
        }
    }

    /// The address of the block this instance comes from (`warehouse.team`).
    pub fn block(&self) -> Address {
        Address::new(self.kind, self.name.clone()).within(&self.module)
    }

    /// This address inside the module instance `module` (`module.fs`, `module.fs["a"]`):
    /// an address of the module's own configuration seen from the calling one.
    pub fn within(mut self, module: &str) -> Address {
        if !module.is_empty() {
            self.module = if self.module.is_empty() {
                module.to_string()
            } else {
                format!("{module}.{}", self.module)
            };
        }
        self
    }

    pub fn parse(text: &str) -> Result<Address, AddressError> {
        let err = || AddressError(text.to_string());
        let (module, text_rest) = split_module_path(text).ok_or_else(err)?;
        let (kind, rest) = text_rest.split_once('.').ok_or_else(err)?;
        let kind = Kind::parse(kind).ok_or_else(err)?;
        let (name, key, index) = match rest.find('[') {
            None => (rest, None, false),
            Some(i) => {
                let inner = rest[i..]
                    .strip_prefix('[')
                    .and_then(|s| s.strip_suffix(']'))
                    .ok_or_else(err)?;
                // A count index: digits, no leading zero.
                let digits = !inner.is_empty()
                    && inner.bytes().all(|b| b.is_ascii_digit())
                    && (inner == "0" || !inner.starts_with('0'));
                if digits {
                    inner.parse::<u64>().map_err(|_| err())?;
                    (&rest[..i], Some(inner.to_string()), true)
                } else {
                    let key: String = serde_json::from_str(inner).map_err(|_| err())?;
                    (&rest[..i], Some(key), false)
                }
            }
        };
        let valid = |s: &str| {
            s.chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        };
        if !valid(name) {
            return Err(err());
        }
        Ok(Address {
            module: module.to_string(),
            kind,
            name: name.to_string(),
            key,
            index,
        })
    }
}

impl fmt::Display for Address {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.module.is_empty() {
            write!(formatter, "{}.", self.module)?;
        }
        write!(formatter, "{}.{}", self.kind, self.name)?;
        match &self.key {
            Some(key) if self.index => write!(formatter, "[{key}]")?,
            Some(key) => write!(
                formatter,
                "[{}]",
                serde_json::to_string(key).expect("strings serialise")
            )?,
            None => {}
        }
        Ok(())
    }
}

impl Serialize for Address {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Address {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Address, D::Error> {
        let s = String::deserialize(deserializer)?;
        Address::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// One end of a `moved` block: an object (or every instance of a block, without a key),
/// or a module call (every object in it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MoveEnd {
    Object(Address),
    Module(String),
}

impl MoveEnd {
    pub fn parse(text: &str) -> Result<MoveEnd, AddressError> {
        match split_module_path(text) {
            Some((module, "")) if !module.is_empty() => Ok(MoveEnd::Module(module.to_string())),
            _ => Address::parse(text).map(MoveEnd::Object),
        }
    }
}

impl fmt::Display for MoveEnd {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MoveEnd::Object(a) => write!(formatter, "{a}"),
            MoveEnd::Module(m) => formatter.write_str(m),
        }
    }
}

/// A `moved` block: what the state recorded under `from` is the configuration's `to` now
/// (a renamed block, or blocks moved into or between modules).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Move {
    pub from: MoveEnd,
    pub to: MoveEnd,
}

impl Move {
    /// Where this move takes a recorded address, or None when it does not apply to it.
    pub fn apply(&self, address: &Address) -> Option<Address> {
        match (&self.from, &self.to) {
            (MoveEnd::Object(from), MoveEnd::Object(to)) => {
                if address == from {
                    return Some(to.clone());
                }
                // A whole block: each instance keeps its key.
                let whole = from.key.is_none() && to.key.is_none() && address.key.is_some();
                (whole && address.block() == *from).then(|| Address {
                    key: address.key.clone(),
                    index: address.index,
                    ..to.clone()
                })
            }
            (MoveEnd::Module(from), MoveEnd::Module(to)) => {
                let rest = if address.module == *from {
                    ""
                } else {
                    address
                        .module
                        .strip_prefix(from.as_str())?
                        .strip_prefix('.')?
                };
                let module = match rest {
                    "" => to.clone(),
                    r => format!("{to}.{r}"),
                };
                Some(Address {
                    module,
                    ..address.clone()
                })
            }
            _ => None,
        }
    }
}

/// A `removed` block: a recorded object (or every object of a block or module call) the
/// configuration no longer has, dropped as usual (`destroy = true`) or only forgotten.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Removal {
    pub from: MoveEnd,
    pub destroy: bool,
}

impl Removal {
    /// Whether this removal names the recorded `address`.
    pub fn covers(&self, address: &Address) -> bool {
        match &self.from {
            MoveEnd::Object(f) => address == f || (f.key.is_none() && address.block() == *f),
            MoveEnd::Module(m) => {
                address.module == *m || address.module.starts_with(&format!("{m}."))
            }
        }
    }
}

/// An `import` block: the account's object `name` is adopted as the configuration's `to`
/// by the plan (recorded, no statement run for it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Import {
    pub to: Address,
    pub name: super::ObjectName,
}

/// `module.a.module.b["k"].warehouse.x` -> (`module.a.module.b["k"]`, `warehouse.x`): the
/// module path (each step `module.LABEL` with an optional `["KEY"]`) and the rest. None when
/// a step is malformed.
pub(crate) fn split_module_path(text: &str) -> Option<(&str, &str)> {
    let mut end = 0;
    while let Some(rest) = text[end..].strip_prefix("module.") {
        let label_len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .unwrap_or(rest.len());
        if label_len == 0 {
            return None;
        }
        let mut used = "module.".len() + label_len;
        let after = &rest[label_len..];
        let digits = after
            .strip_prefix('[')
            .map(|a| a.bytes().take_while(u8::is_ascii_digit).count())
            .unwrap_or(0);
        if digits > 0 && after.as_bytes().get(digits + 1) == Some(&b']') {
            // A count index: `module.fs[0]`.
            used += digits + 2;
        } else if after.starts_with("[\"") {
            // A JSON string: up to the first quote that no backslash escapes.
            let bytes = after.as_bytes();
            let mut i = 2;
            while i < bytes.len() && bytes[i] != b'"' {
                i += if bytes[i] == b'\\' { 2 } else { 1 };
            }
            if i >= bytes.len() || bytes.get(i + 1) != Some(&b']') {
                return None;
            }
            serde_json::from_str::<String>(&after[1..=i]).ok()?;
            used += i + 2;
        }
        match text.as_bytes().get(end + used) {
            // A module path alone (`module.fs`, a moved block's end).
            None => return Some((text, "")),
            Some(b'.') => end += used + 1,
            Some(_) => return None,
        }
    }
    Some((text[..end].strip_suffix('.').unwrap_or(""), &text[end..]))
}

/// `snowform import ADDRESS 'NAME'`, safe to paste into a POSIX shell: the name always
/// single-quoted (`$` and `"` are common in Snowflake names), the address too when it has
/// anything but letters, digits, `_`, `-` and `.` (`schema.team["ml"]`). Every message
/// that suggests an import writes it with this.
pub(crate) fn import_command(address: &str, name: &str) -> String {
    let plain = !address.is_empty()
        && address
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    let address = if plain {
        address.to_string()
    } else {
        shell_quote(address)
    };
    format!("snowform import {address} {}", shell_quote(name))
}

/// One argument for a POSIX shell: single quotes, a single quote inside written `'\''`.
fn shell_quote(argument: &str) -> String {
    format!("'{}'", argument.replace('\'', "'\\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        for text in [
            "warehouse.compute",
            "warehouse.team[\"ml\"]",
            "feature_view.patient_age",
            "task.x[\"a \\\"b\\\"\"]",
            "task.x[0]",
            "task.x[12]",
            "task.x[\"0\"]",
        ] {
            assert_eq!(Address::parse(text).unwrap().to_string(), text);
        }
        assert_eq!(
            Address::parse("warehouse.team[\"ml\"]")
                .unwrap()
                .key
                .as_deref(),
            Some("ml")
        );
        assert!(Address::parse("nothing.here").is_err());
        for text in [
            "module.fs.schema.feature_store",
            "module.fs[\"team\"].entity.customer",
            "module.fs[\"a.b]\"].module.inner.task.x[\"k\"]",
        ] {
            assert_eq!(Address::parse(text).unwrap().to_string(), text);
        }
        let a = Address::parse("module.fs[\"ml\"].schema.x").unwrap();
        assert_eq!(a.module, "module.fs[\"ml\"]");
        assert_eq!(a.block().to_string(), "module.fs[\"ml\"].schema.x");
        assert_eq!(
            Address::new(Kind::Schema, "x")
                .within("module.a")
                .to_string(),
            "module.a.schema.x"
        );
        assert!(Address::parse("module.fs").is_err());
        assert_eq!(
            Address::parse("module.fs[1].schema.x").unwrap().module,
            "module.fs[1]"
        );
        assert_eq!(
            MoveEnd::parse("module.fs[\"a\"]").unwrap(),
            MoveEnd::Module("module.fs[\"a\"]".into())
        );
        let mv = |from: &str, to: &str, a: &str| {
            Move {
                from: MoveEnd::parse(from).unwrap(),
                to: MoveEnd::parse(to).unwrap(),
            }
            .apply(&Address::parse(a).unwrap())
            .map(|a| a.to_string())
        };
        assert_eq!(
            mv("schema.a", "schema.b", "schema.a").as_deref(),
            Some("schema.b")
        );
        assert_eq!(
            mv("schema.a", "module.fs.schema.b", "schema.a[\"k\"]").as_deref(),
            Some("module.fs.schema.b[\"k\"]")
        );
        assert_eq!(mv("schema.a[\"k\"]", "schema.b", "schema.a[\"j\"]"), None);
        assert_eq!(
            mv("module.a", "module.b[\"x\"]", "module.a.module.c.task.t").as_deref(),
            Some("module.b[\"x\"].module.c.task.t")
        );
        assert_eq!(mv("module.a", "module.b", "module.ab.task.t"), None);
        assert_eq!(mv("module.a", "module.b", "task.t"), None);
        assert!(Address::parse("module..schema.x").is_err());
        assert!(Address::parse("module.fs[ml].schema.x").is_err());
        assert!(Address::parse("warehouse").is_err());
        assert!(Address::parse("warehouse.team[ml]").is_err());
    }
}
