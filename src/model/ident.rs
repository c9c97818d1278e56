//! Snowflake names: an identifier as Snowflake stores it, and fully qualified names.
//! A name in the configuration follows Snowflake's rules: unquoted, it is case-insensitive
//! and stored upper-cased; double-quoted, it is kept exactly.

use crate::sql::quote::quote_ident;
use serde::{Deserialize, Serialize};
use std::fmt;

pub(crate) const MAX_IDENT_LEN: usize = 255;

/// An identifier in canonical form: exactly as Snowflake stores it and SHOW prints it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Ident(String);

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IdentError {
    #[error("a name cannot be empty")]
    Empty,
    #[error("the name {0:?} is {1} characters long; Snowflake allows at most 255")]
    TooLong(String, usize),
    #[error("{0:?} is not a valid unquoted identifier: it must start with a letter or `_` and hold only letters, digits, `_` and `$`; write it as \"\\\"{0}\\\"\" to keep it exactly")]
    Invalid(String),
    #[error("{0:?} has an unterminated or misplaced double quote")]
    BadQuote(String),
    #[error("{0:?} has {1} parts; expected {2}")]
    Parts(String, usize, &'static str),
}

impl Ident {
    /// Parse one identifier as written by a user: `compute_wh` is `COMPUTE_WH`,
    /// `"MixedCase"` is `MixedCase`.
    pub fn parse(text: &str) -> Result<Ident, IdentError> {
        let parts = split_parts(text)?;
        if parts.len() != 1 {
            return Err(IdentError::Parts(
                text.to_string(),
                parts.len(),
                "one identifier",
            ));
        }
        Ok(parts.into_iter().next().expect("one part"))
    }

    /// An identifier that is already canonical (read from SHOW output).
    pub fn from_canonical(name: impl Into<String>) -> Ident {
        Ident(name.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The identifier as it must be written in SQL.
    pub(crate) fn to_sql(&self) -> String {
        quote_ident(&self.0)
    }
}

impl fmt::Display for Ident {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

/// Split a possibly qualified name (`db.schema."Name"`) into canonical identifiers.
pub(crate) fn split_parts(text: &str) -> Result<Vec<Ident>, IdentError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(IdentError::Empty);
    }
    let mut parts = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        let mut part = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next() {
                    Some('"') if chars.peek() == Some(&'"') => {
                        chars.next();
                        part.push('"');
                    }
                    Some('"') => break,
                    Some(c) => part.push(c),
                    None => return Err(IdentError::BadQuote(text.to_string())),
                }
            }
            if part.is_empty() {
                return Err(IdentError::Empty);
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == '.' {
                    break;
                }
                if c == '"' {
                    return Err(IdentError::BadQuote(text.to_string()));
                }
                part.push(c);
                chars.next();
            }
            if part.is_empty() {
                return Err(IdentError::Empty);
            }
            let valid_start = part
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
            let valid_rest = part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
            if !valid_start || !valid_rest {
                return Err(IdentError::Invalid(part));
            }
            part = part.to_ascii_uppercase();
        }
        let len = part.chars().count();
        if len > MAX_IDENT_LEN {
            return Err(IdentError::TooLong(part, len));
        }
        parts.push(Ident(part));
        match chars.next() {
            None => break,
            Some('.') => continue,
            Some(_) => return Err(IdentError::BadQuote(text.to_string())),
        }
    }
    Ok(parts)
}

/// A fully qualified object name: `NAME` for account objects, `DB.NAME` for schemas,
/// `DB.SCHEMA.NAME` for schema objects.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ObjectName {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database: Option<Ident>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<Ident>,
    pub name: Ident,
    /// A procedure's argument types in Snowflake's canonical form, `(NUMBER, VARCHAR)`:
    /// overloads are distinct objects, so the types belong to the identity (picture key,
    /// state address matching, DROP / DESCRIBE). Not part of `to_sql` (what `fqn` gives).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
}

impl ObjectName {
    pub fn account(name: Ident) -> ObjectName {
        ObjectName {
            database: None,
            schema: None,
            name,
            signature: None,
        }
    }

    pub(crate) fn in_database(database: Ident, name: Ident) -> ObjectName {
        ObjectName {
            database: Some(database),
            schema: None,
            name,
            signature: None,
        }
    }

    pub(crate) fn in_schema(database: Ident, schema: Ident, name: Ident) -> ObjectName {
        ObjectName {
            database: Some(database),
            schema: Some(schema),
            name,
            signature: None,
        }
    }

    /// Parse `DB.SCHEMA` as a schema name.
    pub(crate) fn parse_schema(text: &str) -> Result<ObjectName, IdentError> {
        let mut parts = split_parts(text)?;
        if parts.len() != 2 {
            return Err(IdentError::Parts(
                text.to_string(),
                parts.len(),
                "two: DATABASE.SCHEMA",
            ));
        }
        let name = parts.pop().expect("two");
        let db = parts.pop().expect("two");
        Ok(ObjectName::in_database(db, name))
    }

    /// Parse `DB.SCHEMA.NAME`.
    pub(crate) fn parse_qualified(text: &str) -> Result<ObjectName, IdentError> {
        let mut parts = split_parts(text)?;
        if parts.len() != 3 {
            return Err(IdentError::Parts(
                text.to_string(),
                parts.len(),
                "three: DATABASE.SCHEMA.NAME",
            ));
        }
        let name = parts.pop().expect("three");
        let schema = parts.pop().expect("three");
        let db = parts.pop().expect("three");
        Ok(ObjectName::in_schema(db, schema, name))
    }

    /// The parts in order, outermost first.
    pub fn parts(&self) -> impl Iterator<Item = &Ident> {
        self.database
            .iter()
            .chain(self.schema.iter())
            .chain(std::iter::once(&self.name))
    }

    /// The name as SQL: each part quoted where needed.
    pub(crate) fn to_sql(&self) -> String {
        self.parts()
            .map(Ident::to_sql)
            .collect::<Vec<_>>()
            .join(".")
    }

    /// The name with the argument types of a procedure (`DB.S.P(NUMBER)`), as DROP,
    /// DESCRIBE and GRANT ... ON PROCEDURE name it; other names as `to_sql`.
    pub(crate) fn to_sql_with_signature(&self) -> String {
        format!(
            "{}{}",
            self.to_sql(),
            self.signature.as_deref().unwrap_or("")
        )
    }

    /// This name with a procedure's argument types.
    pub(crate) fn with_signature(mut self, signature: Option<String>) -> ObjectName {
        self.signature = signature;
        self
    }

    /// The containing schema (`DB.SCHEMA`) of a schema object, or database of a schema.
    pub fn parent(&self) -> Option<ObjectName> {
        match (&self.database, &self.schema) {
            (Some(db), Some(schema)) => Some(ObjectName::in_database(db.clone(), schema.clone())),
            (Some(db), None) => Some(ObjectName::account(db.clone())),
            _ => None,
        }
    }

    /// An object inside this one: a schema of a database, or an object of a schema.
    pub fn child(&self, name: Ident) -> ObjectName {
        match (&self.database, &self.schema) {
            (None, None) => ObjectName::in_database(self.name.clone(), name),
            (Some(db), None) => ObjectName::in_schema(db.clone(), self.name.clone(), name),
            _ => self.with_name(name),
        }
    }

    /// A sibling in the same container with another name.
    pub(crate) fn with_name(&self, name: Ident) -> ObjectName {
        ObjectName {
            database: self.database.clone(),
            schema: self.schema.clone(),
            name,
            signature: self.signature.clone(),
        }
    }

    /// The `DB.SCHEMA` of a schema object, as a name of the schema itself.
    pub fn schema_name(&self) -> Option<ObjectName> {
        match (&self.database, &self.schema) {
            (Some(db), Some(s)) => Some(ObjectName::in_database(db.clone(), s.clone())),
            _ => None,
        }
    }

    /// The database and the schema this object lives in, as names of their own.
    pub fn containers(&self) -> impl Iterator<Item = ObjectName> {
        let db = self.database.clone().map(ObjectName::account);
        db.into_iter().chain(self.schema_name())
    }
}

impl fmt::Display for ObjectName {
    /// The name as SHOW prints it: parts joined with `.`, never quoted.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for p in self.parts() {
            if !first {
                formatter.write_str(".")?;
            }
            first = false;
            formatter.write_str(p.as_str())?;
        }
        if let Some(sig) = &self.signature {
            formatter.write_str(sig)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unquoted_names_are_upper_cased_quoted_kept() {
        assert_eq!(Ident::parse("compute_wh").unwrap().as_str(), "COMPUTE_WH");
        assert_eq!(Ident::parse("\"MixedCase\"").unwrap().as_str(), "MixedCase");
        assert_eq!(Ident::parse("\"a\"\"b.c\"").unwrap().as_str(), "a\"b.c");
        assert!(matches!(
            Ident::parse("has space"),
            Err(IdentError::Invalid(_))
        ));
        assert!(matches!(Ident::parse("1abc"), Err(IdentError::Invalid(_))));
        assert!(matches!(
            Ident::parse("\"open"),
            Err(IdentError::BadQuote(_))
        ));
        assert!(matches!(Ident::parse("a.b"), Err(IdentError::Parts(..))));
    }

    #[test]
    fn names_over_255_characters_are_rejected() {
        let long = "A".repeat(256);
        assert!(matches!(
            Ident::parse(&long),
            Err(IdentError::TooLong(_, 256))
        ));
        assert!(Ident::parse(&"A".repeat(255)).is_ok());
    }

    #[test]
    fn qualified_names_parse_and_print() {
        let n = ObjectName::parse_qualified("xyz_dev.feature_store.\"PATIENT_AGE$v1\"").unwrap();
        assert_eq!(n.to_string(), "XYZ_DEV.FEATURE_STORE.PATIENT_AGE$v1");
        assert_eq!(n.to_sql(), "XYZ_DEV.FEATURE_STORE.\"PATIENT_AGE$v1\"");
        assert_eq!(ObjectName::parse_schema("db.s").unwrap().to_sql(), "DB.S");
        assert!(ObjectName::parse_schema("db").is_err());
    }
}
