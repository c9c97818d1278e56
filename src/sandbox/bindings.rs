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
use super::types::SqlError;
use serde_json::Value;

/// `sql` with each placeholder replaced by its bound value as a literal.
pub fn substitute(sql: &str, bindings: &Value) -> Result<String, SqlError> {
    let Some(map) = bindings.as_object() else {
        return Err(refuse("bindings other than a JSON object", sql));
    };
    let mut out = String::with_capacity(sql.len());
    let mut next_positional = 1usize;
    let chars: Vec<(usize, char)> = sql.char_indices().collect();
    let mut i = 0;
    while i < chars.len() {
        let (at, c) = chars[i];
        let rest = &sql[at..];
        let skip = unbindable_len(rest, c);
        if let Some(len) = skip {
            out.push_str(&rest[..len]);
            let end = at + len;
            while i < chars.len() && chars[i].0 < end {
                i += 1;
            }
            continue;
        }
        let numbered = (c == ':' && !rest.starts_with("::") && !out.ends_with(':'))
            .then(|| {
                let digits: String = rest[1..].chars().take_while(char::is_ascii_digit).collect();
                (!digits.is_empty()).then_some(digits)
            })
            .flatten();
        let key = match (c, numbered) {
            ('?', _) => {
                let k = next_positional.to_string();
                next_positional += 1;
                Some((k, 1))
            }
            (_, Some(digits)) => {
                let len = digits.len() + 1;
                Some((digits, len))
            }
            _ => None,
        };
        match key {
            Some((k, len)) => {
                let bound = map.get(&k).ok_or_else(|| not_set(sql, at, c == '?'))?;
                out.push_str(&literal(bound, sql)?);
                i += len;
            }
            None => {
                out.push(c);
                i += 1;
            }
        }
    }
    Ok(out)
}

/// The length of the text at the start of `rest` that holds no placeholder: a literal, a
/// quoted name or a comment.
fn unbindable_len(rest: &str, c: char) -> Option<usize> {
    if c == '\'' || c == '"' {
        return Some(quoted_end(rest, c));
    }
    if let Some(body) = rest.strip_prefix("$$") {
        return Some(body.find("$$").map_or(rest.len(), |e| e + 4));
    }
    if let Some(body) = rest.strip_prefix("/*") {
        return Some(body.find("*/").map_or(rest.len(), |e| e + 4));
    }
    if rest.starts_with("--") || rest.starts_with("//") {
        return Some(rest.find('\n').unwrap_or(rest.len()));
    }
    None
}

/// The length of a quoted run starting at `rest[0]`, its doubled quotes (and, in string
/// literals, backslash escapes) included.
fn quoted_end(rest: &str, quote: char) -> usize {
    let bytes = rest.as_bytes();
    let q = quote as u8;
    let mut j = 1;
    while j < bytes.len() {
        if quote == '\'' && bytes[j] == b'\\' {
            j += 2;
            continue;
        }
        if bytes[j] == q {
            if bytes.get(j + 1) == Some(&q) {
                j += 2;
                continue;
            }
            return j + 1;
        }
        j += 1;
    }
    rest.len()
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
        "TEXT" | "ANY" => Ok(quote(text)),
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
                date_text(millis.div_euclid(86_400_000))
            ))
        }
        other => Err(refuse(&format!("bind variables of type {other}"), sql)),
    }
}

fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "''"))
}

/// `YYYY-MM-DD` of a day count since 1970-01-01 (the proleptic Gregorian calendar).
fn date_text(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Snowflake's error for a placeholder without a value (code and text as drivers report it:
/// `002049 (42601): SQL compilation error: error line 1 at position N\nBind variable ? not
/// set.`); the position is the placeholder's offset in its line.
fn not_set(sql: &str, at: usize, positional: bool) -> SqlError {
    let before = &sql[..at];
    let line = before.matches('\n').count() + 1;
    let column = at - before.rfind('\n').map_or(0, |n| n + 1);
    let name = if positional {
        "?".to_string()
    } else {
        sql[at..]
            .chars()
            .take(
                1 + sql[at + 1..]
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .count(),
            )
            .collect()
    };
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
    use super::{date_text, substitute};
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

    #[test]
    fn dates_count_days_from_the_epoch() {
        assert_eq!(date_text(0), "1970-01-01");
        assert_eq!(date_text(-1), "1969-12-31");
        assert_eq!(date_text(19_723), "2024-01-01");
        assert_eq!(date_text(11_016), "2000-02-29");
    }
}
