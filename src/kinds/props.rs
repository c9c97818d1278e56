//! Writing property values as SQL, and the generic `KEY = value` lists of CREATE and
//! ALTER ... SET / UNSET, driven by the attribute tables.

use super::statements::Stmt;
use crate::model::schema::{Attr, AttrType};
use crate::model::{schema, Object, Value};
use crate::sql::{quote_ident, quote_literal};

/// A value as it is written after `KEY =`.
pub(crate) fn value_sql(attr: &Attr, value: &Value) -> String {
    match (&attr.ty, value) {
        (_, Value::Bool(b)) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        (_, Value::Int(i)) => i.to_string(),
        (AttrType::Enum(_), Value::Str(s)) if attr.quoted => quote_literal(s),
        (AttrType::Enum(_), Value::Str(s)) => {
            // Hyphenated values ('X-SMALL', 'SNOWPARK-OPTIMIZED') must be quoted.
            if s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                s.clone()
            } else {
                quote_literal(s)
            }
        }
        (AttrType::Ident | AttrType::Ref(_), Value::Str(s)) => quote_ident(s),
        (_, Value::Str(s)) => quote_literal(s),
        (_, other) => quote_literal(&other.to_string()),
    }
}

/// `KEY = value` for every set attribute with a plain keyword, in table order.
pub(crate) fn assignments(object: &Object) -> (Vec<String>, Vec<String>) {
    let mut parts = Vec::new();
    let mut applied = Vec::new();
    for attr in schema(object.kind()).properties() {
        let (Some(key), Some(v)) = (attr.sql, object.props.get(attr.name)) else {
            continue;
        };
        parts.push(format!("{key} = {}", value_sql(attr, v)));
        applied.push(attr.name.to_string());
    }
    (parts, applied)
}

/// ALTER <KIND> <name> SET ... and UNSET ... for the changed attributes with a plain
/// keyword. An attribute removed from the configuration goes back to Snowflake's default:
/// SET to the default where there is one, UNSET otherwise.
pub(crate) fn set_unset(kind_kw: &str, object: &Object, changed: &[&str]) -> Vec<Stmt> {
    let mut sets = Vec::new();
    let mut set_names = Vec::new();
    let mut unsets = Vec::new();
    let mut unset_names = Vec::new();
    for name in changed {
        let Some(attr) = schema(object.kind()).attr(name) else {
            continue;
        };
        let Some(key) = attr.sql else { continue };
        match object.effective(attr) {
            Some(v) => {
                sets.push(format!("{key} = {}", value_sql(attr, &v)));
                set_names.push(name.to_string());
            }
            None => {
                unsets.push(key.to_string());
                unset_names.push(name.to_string());
            }
        }
    }
    let mut out = Vec::new();
    let target = format!("ALTER {kind_kw} {}", object.name.to_sql());
    if !sets.is_empty() {
        out.push(Stmt::applying(
            format!("{target} SET {}", sets.join(" ")),
            set_names,
        ));
    }
    if !unsets.is_empty() {
        out.push(Stmt::applying(
            format!("{target} UNSET {}", unsets.join(", ")),
            unset_names,
        ));
    }
    out
}

/// `CREATE <prefix> <name> <assignments...>` on one line.
pub(crate) fn create_line(
    prefix: &str,
    object: &Object,
    extra: &[String],
) -> (String, Vec<String>) {
    let (parts, applied) = assignments(object);
    let mut sql = format!("{prefix} {}", object.name.to_sql());
    for p in extra.iter().chain(parts.iter()) {
        sql.push(' ');
        sql.push_str(p);
    }
    (sql, applied)
}
