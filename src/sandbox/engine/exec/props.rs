//! Reading property values: each kind's executor asks for the type it expects and gets
//! Snowflake's error for a value of the wrong shape.

use super::super::errors;
use super::super::parse::ast::{Prop, PropValue};
use crate::sandbox::SqlError;

/// The value as written, for messages.
pub fn shown(v: &PropValue) -> String {
    match v {
        PropValue::Str(s) | PropValue::Num(s) | PropValue::Word(s) => s.clone(),
        PropValue::Name(n) => n.join("."),
        PropValue::Null => "NULL".into(),
        PropValue::List(_) => "(...)".into(),
    }
}

fn invalid(p: &Prop) -> SqlError {
    errors::invalid_value(&p.key, &shown(&p.value))
}

/// A string literal.
pub fn string(p: &Prop) -> Result<String, SqlError> {
    match &p.value {
        PropValue::Str(s) => Ok(s.clone()),
        _ => Err(invalid(p)),
    }
}

/// A string literal, or NULL for none.
pub fn opt_string(p: &Prop) -> Result<Option<String>, SqlError> {
    match &p.value {
        PropValue::Null => Ok(None),
        _ => string(p).map(Some),
    }
}

/// TRUE / FALSE, unquoted or quoted.
pub fn boolean(p: &Prop) -> Result<bool, SqlError> {
    let text = match &p.value {
        PropValue::Word(w) | PropValue::Str(w) => w.to_ascii_uppercase(),
        _ => return Err(invalid(p)),
    };
    match text.as_str() {
        "TRUE" => Ok(true),
        "FALSE" => Ok(false),
        _ => Err(invalid(p)),
    }
}

/// A whole number within `min..=max`.
pub fn integer(p: &Prop, min: i64, max: i64) -> Result<i64, SqlError> {
    let n: i64 = match &p.value {
        PropValue::Num(n) => n.parse().map_err(|_| invalid(p))?,
        _ => return Err(invalid(p)),
    };
    if n < min || n > max {
        return Err(invalid(p));
    }
    Ok(n)
}

/// An integer or NULL.
pub fn opt_integer(p: &Prop, min: i64, max: i64) -> Result<Option<i64>, SqlError> {
    match &p.value {
        PropValue::Null => Ok(None),
        _ => integer(p, min, max).map(Some),
    }
}

/// A keyword written bare or quoted, upper-cased: `ECONOMY`, `'SNOWPARK-OPTIMIZED'`.
pub fn keyword(p: &Prop) -> Result<String, SqlError> {
    match &p.value {
        PropValue::Word(w) | PropValue::Str(w) => Ok(w.to_ascii_uppercase()),
        _ => Err(invalid(p)),
    }
}

/// A keyword from `allowed`.
pub fn one_of(p: &Prop, allowed: &[&str]) -> Result<String, SqlError> {
    let k = keyword(p)?;
    if allowed.contains(&k.as_str()) {
        Ok(k)
    } else {
        Err(invalid(p))
    }
}

/// An object name; bare words are upper-cased as identifiers, quoted ones kept.
pub fn name(p: &Prop) -> Result<Vec<String>, SqlError> {
    match &p.value {
        PropValue::Word(w) => Ok(vec![w.to_ascii_uppercase()]),
        PropValue::Name(n) => Ok(n.clone()),
        _ => Err(invalid(p)),
    }
}

/// A one-part object name (warehouse, integration, resource monitor).
pub fn simple_name(p: &Prop) -> Result<String, SqlError> {
    match name(p)?.as_slice() {
        [n] => Ok(n.clone()),
        _ => Err(invalid(p)),
    }
}

/// A one-part name or NULL.
pub fn opt_simple_name(p: &Prop) -> Result<Option<String>, SqlError> {
    match &p.value {
        PropValue::Null => Ok(None),
        _ => simple_name(p).map(Some),
    }
}

/// A parenthesised property list.
pub fn list(p: &Prop) -> Result<&[Prop], SqlError> {
    match &p.value {
        PropValue::List(l) => Ok(l),
        _ => Err(invalid(p)),
    }
}

/// A numeric parameter value kept as its canonical text.
pub fn number_text(p: &Prop, min: i64, max: i64) -> Result<String, SqlError> {
    integer(p, min, max).map(|n| n.to_string())
}
