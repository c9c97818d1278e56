//! Reading property values: each kind's executor asks for the type it expects and gets
//! Snowflake's error for a value of the wrong shape.

use super::super::errors;
use super::super::parse::ast::{Prop, PropValue};
use crate::sandbox::SqlError;

/// The value as written, for messages.
pub fn shown(prop_value: &PropValue) -> String {
    match prop_value {
        PropValue::Str(s) | PropValue::Num(s) | PropValue::Word(s) => s.clone(),
        PropValue::Name(n) => n.join("."),
        PropValue::Null => "NULL".into(),
        PropValue::List(_) => "(...)".into(),
    }
}

fn invalid(prop: &Prop) -> SqlError {
    errors::invalid_value(&prop.key, &shown(&prop.value))
}

/// A string literal.
pub(crate) fn string(prop: &Prop) -> Result<String, SqlError> {
    match &prop.value {
        PropValue::Str(s) => Ok(s.clone()),
        _ => Err(invalid(prop)),
    }
}

/// A string literal, or NULL for none.
pub(crate) fn opt_string(prop: &Prop) -> Result<Option<String>, SqlError> {
    match &prop.value {
        PropValue::Null => Ok(None),
        _ => string(prop).map(Some),
    }
}

/// TRUE / FALSE, unquoted or quoted.
pub(crate) fn boolean(prop: &Prop) -> Result<bool, SqlError> {
    let text = match &prop.value {
        PropValue::Word(w) | PropValue::Str(w) => w.to_ascii_uppercase(),
        _ => return Err(invalid(prop)),
    };
    match text.as_str() {
        "TRUE" => Ok(true),
        "FALSE" => Ok(false),
        _ => Err(invalid(prop)),
    }
}

/// A whole number within `min..=max`.
pub(crate) fn integer(prop: &Prop, min: i64, max: i64) -> Result<i64, SqlError> {
    let n: i64 = match &prop.value {
        PropValue::Num(n) => n.parse().map_err(|_| invalid(prop))?,
        _ => return Err(invalid(prop)),
    };
    if n < min || n > max {
        return Err(invalid(prop));
    }
    Ok(n)
}

/// An integer or NULL.
pub(crate) fn opt_integer(prop: &Prop, min: i64, max: i64) -> Result<Option<i64>, SqlError> {
    match &prop.value {
        PropValue::Null => Ok(None),
        _ => integer(prop, min, max).map(Some),
    }
}

/// A keyword written bare or quoted, upper-cased: `ECONOMY`, `'SNOWPARK-OPTIMIZED'`.
pub(crate) fn keyword(prop: &Prop) -> Result<String, SqlError> {
    match &prop.value {
        PropValue::Word(w) | PropValue::Str(w) => Ok(w.to_ascii_uppercase()),
        _ => Err(invalid(prop)),
    }
}

/// A keyword from `allowed`.
pub(crate) fn one_of(prop: &Prop, allowed: &[&str]) -> Result<String, SqlError> {
    let k = keyword(prop)?;
    if allowed.contains(&k.as_str()) {
        Ok(k)
    } else {
        Err(invalid(prop))
    }
}

/// An object name; bare words are upper-cased as identifiers, quoted ones kept.
pub fn name(prop: &Prop) -> Result<Vec<String>, SqlError> {
    match &prop.value {
        PropValue::Word(w) => Ok(vec![w.to_ascii_uppercase()]),
        PropValue::Name(n) => Ok(n.clone()),
        _ => Err(invalid(prop)),
    }
}

/// A one-part object name (warehouse, integration, resource monitor).
pub(crate) fn simple_name(prop: &Prop) -> Result<String, SqlError> {
    match name(prop)?.as_slice() {
        [n] => Ok(n.clone()),
        _ => Err(invalid(prop)),
    }
}

/// A one-part name or NULL.
pub(crate) fn opt_simple_name(prop: &Prop) -> Result<Option<String>, SqlError> {
    match &prop.value {
        PropValue::Null => Ok(None),
        _ => simple_name(prop).map(Some),
    }
}

/// A parenthesised property list.
pub fn list(prop: &Prop) -> Result<&[Prop], SqlError> {
    match &prop.value {
        PropValue::List(l) => Ok(l),
        _ => Err(invalid(prop)),
    }
}

/// A numeric parameter value kept as its canonical text.
pub(crate) fn number_text(prop: &Prop, min: i64, max: i64) -> Result<String, SqlError> {
    integer(prop, min, max).map(|n| n.to_string())
}
