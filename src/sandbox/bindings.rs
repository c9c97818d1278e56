//! Server-side bind variables: the `bindings` of a query request (`{"1": {"type": "FIXED",
//! "value": "42"}, ...}`), as snowflake-connector-python sends them for its `qmark` (`?`) and
//! `numeric` (`:1`) parameter styles (its converter's `to_snowflake_bindings`: text as is,
//! numbers as their text, booleans as `true`/`false`, dates as epoch milliseconds, NULL as
//! type `ANY` with a null value). The placeholders are replaced by SQL literals of the bound
//! values before the statement is parsed, so the engine sees the statement Snowflake runs.
//!
//! What the sandbox does not convert (times, timestamps, binary, array binds of a bulk
//! insert) is refused as unsupported, naming the type.

use super::engine::errors::{not_boolean, not_numeric, unsupported};
use super::engine::format::date_from_days;
use super::types::SqlError;
use crate::sql::{quote_literal, tokenize, TokenKind};
use serde_json::Value;

/// `sql` with each placeholder replaced by its bound value as a literal. Placeholders are
/// found by Snowflake's lexer, so none inside a literal, a quoted name or a comment counts; a
/// text the lexer cannot read is left for the parser to refuse.
pub(crate) fn substitute(sql: &str, bindings: &Value) -> Result<String, SqlError> {
    let Some(map) = bindings.as_object() else {
        return Err(refuse("bindings other than a JSON object", sql));
    };
    let Ok(tokens) = tokenize(sql) else {
        return Ok(sql.to_string());
    };
    let mut out = String::with_capacity(sql.len());
    let mut next_positional = 1usize;
    let mut i = 0;
    while i < tokens.len() {
        let t = &tokens[i];
        let numbered = tokens
            .get(i + 1)
            .filter(|n| t.is_symbol(":") && n.kind == TokenKind::Number)
            .filter(|n| n.text.bytes().all(|b| b.is_ascii_digit()));
        let (key, width) = if t.is_symbol("?") {
            next_positional += 1;
            ((next_positional - 1).to_string(), 1)
        } else if let Some(n) = numbered {
            (n.text.clone(), 2)
        } else {
            out.push_str(&t.text);
            i += 1;
            continue;
        };
        let name: String = tokens[i..i + width]
            .iter()
            .map(|t| t.text.as_str())
            .collect();
        let bound = map.get(&key).ok_or_else(|| not_set(sql, t.offset, &name))?;
        out.push_str(&literal(bound, sql)?);
        i += width;
    }
    Ok(out)
}

/// A bound value as a SQL literal of its type.
fn literal(bound: &Value, sql: &str) -> Result<String, SqlError> {
    let ty = bound
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_ascii_uppercase();
    let value = bound.get("value").unwrap_or(&Value::Null);
    let text = match value {
        Value::Null => return Ok("NULL".into()),
        Value::String(s) => s.as_str(),
        // A list is a bulk insert's column of values (executemany).
        Value::Array(_) => return Err(refuse("array bind variables (bulk inserts)", sql)),
        _ => return Err(refuse("bind variables other than text values", sql)),
    };
    let number = |t: &str| -> Result<String, SqlError> {
        let ok = !t.is_empty()
            && t.parse::<f64>().is_ok()
            && t.chars().all(|c| c.is_ascii_digit() || "+-.eE".contains(c));
        if ok {
            Ok(t.to_string())
        } else {
            Err(not_numeric(t))
        }
    };
    match ty.as_str() {
        "TEXT" | "ANY" => Ok(quote_literal(text)),
        "FIXED" | "REAL" => number(text),
        "BOOLEAN" => match text.to_ascii_lowercase().as_str() {
            "true" | "false" => Ok(text.to_ascii_uppercase()),
            _ => Err(not_boolean(text)),
        },
        // Epoch milliseconds of the date's midnight, UTC.
        "DATE" => {
            let millis: i64 = number(text)?
                .parse()
                .map_err(|_| refuse("DATE bind variables other than whole milliseconds", sql))?;
            Ok(format!(
                "'{}'::DATE",
                date_from_days(millis.div_euclid(86_400_000))
            ))
        }
        other => Err(refuse(&format!("bind variables of type {other}"), sql)),
    }
}

/// Snowflake's error for a placeholder without a value (code and text as drivers report it:
/// `002049 (42601): SQL compilation error: error line 1 at position N\nBind variable ? not
/// set.`); the position is the placeholder's offset in its line.
fn not_set(sql: &str, at: usize, name: &str) -> SqlError {
    let before = &sql[..at];
    let line = before.matches('\n').count() + 1;
    let column = at - before.rfind('\n').map_or(0, |n| n + 1);
    SqlError::new(
        "002049",
        "42601",
        format!(
            "SQL compilation error: error line {line} at position {column}\nBind variable {name} not set."
        ),
    )
}

/// A connector-protocol refusal, listed in docs/sandbox.md's connector section (the engine's
/// table of refusals holds what SQL text alone reaches).
fn refuse(what: &str, sql: &str) -> SqlError {
    unsupported(what, sql)
}

#[cfg(test)]
mod tests {
    use super::substitute;
    use serde_json::json;

    fn b(pairs: &[(&str, &str, Option<&str>)]) -> serde_json::Value {
        let mut m = serde_json::Map::new();
        for (k, t, v) in pairs {
            m.insert(k.to_string(), json!({"type": t, "value": v}));
        }
        serde_json::Value::Object(m)
    }

    #[test]
    fn placeholders_become_literals_of_their_type() {
        let binds = b(&[
            ("1", "TEXT", Some("it's")),
            ("2", "FIXED", Some("42")),
            ("3", "BOOLEAN", Some("true")),
            ("4", "ANY", None),
            ("5", "DATE", Some("86400000")),
            ("6", "REAL", Some("-1.5e3")),
        ]);
        assert_eq!(
            substitute("SELECT ?, ?, ?, ?, ?, ?", &binds).unwrap(),
            "SELECT 'it''s', 42, TRUE, NULL, '1970-01-02'::DATE, -1.5e3"
        );
        assert_eq!(
            substitute("SELECT :2, :1, :2", &binds).unwrap(),
            "SELECT 42, 'it''s', 42"
        );
    }

    #[test]
    fn placeholders_in_literals_names_and_comments_and_casts_stay() {
        let binds = b(&[("1", "FIXED", Some("7"))]);
        assert_eq!(
            substitute(
                "SELECT '?', \"a?\", $$?$$, 'it''s ?', x::INT -- ?\n, ? /* :1 */",
                &binds
            )
            .unwrap(),
            "SELECT '?', \"a?\", $$?$$, 'it''s ?', x::INT -- ?\n, 7 /* :1 */"
        );
    }

    #[test]
    fn a_missing_or_unconvertible_value_is_refused() {
        let binds = b(&[("1", "FIXED", Some("1"))]);
        let e = substitute("SELECT ?,\n ?", &binds).unwrap_err();
        assert_eq!(e.code, "002049");
        assert!(
            e.message
                .ends_with("error line 2 at position 1\nBind variable ? not set."),
            "{}",
            e.message
        );
        let e = substitute("SELECT :3", &binds).unwrap_err();
        assert!(
            e.message.ends_with("Bind variable :3 not set."),
            "{}",
            e.message
        );
        let ts = b(&[("1", "TIMESTAMP_NTZ", Some("0"))]);
        assert_eq!(substitute("SELECT ?", &ts).unwrap_err().code, "000002");
        let bulk = json!({"1": {"type": "TEXT", "value": ["a", "b"]}});
        assert_eq!(
            substitute("INSERT INTO t VALUES (?)", &bulk)
                .unwrap_err()
                .code,
            "000002"
        );
        let bad = b(&[("1", "FIXED", Some("1; DROP TABLE t"))]);
        assert_eq!(substitute("SELECT ?", &bad).unwrap_err().code, "100038");
    }
}
