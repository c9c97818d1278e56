//! The only place where identifiers are quoted and literals escaped. Every statement
//! snowform writes goes through these two functions, so no name, comment or value can
//! end the literal or identifier it is written into.

/// Snowflake's reserved keywords: an identifier equal to one of them must be quoted.
/// (docs.snowflake.com, sql-reference/reserved-keywords)
const RESERVED: &[&str] = &[
    "ACCOUNT",
    "ALL",
    "ALTER",
    "AND",
    "ANY",
    "AS",
    "BETWEEN",
    "BY",
    "CASE",
    "CAST",
    "CHECK",
    "COLUMN",
    "CONNECT",
    "CONNECTION",
    "CONSTRAINT",
    "CREATE",
    "CROSS",
    "CURRENT",
    "CURRENT_DATE",
    "CURRENT_TIME",
    "CURRENT_TIMESTAMP",
    "CURRENT_USER",
    "DATABASE",
    "DELETE",
    "DISTINCT",
    "DROP",
    "ELSE",
    "EXISTS",
    "FALSE",
    "FOLLOWING",
    "FOR",
    "FROM",
    "FULL",
    "GRANT",
    "GROUP",
    "GSCLUSTER",
    "HAVING",
    "ILIKE",
    "IN",
    "INCREMENT",
    "INNER",
    "INSERT",
    "INTERSECT",
    "INTO",
    "IS",
    "ISSUE",
    "JOIN",
    "LATERAL",
    "LEFT",
    "LIKE",
    "LOCALTIME",
    "LOCALTIMESTAMP",
    "MINUS",
    "NATURAL",
    "NOT",
    "NULL",
    "OF",
    "ON",
    "OR",
    "ORDER",
    "ORGANIZATION",
    "QUALIFY",
    "REGEXP",
    "REVOKE",
    "RIGHT",
    "RLIKE",
    "ROW",
    "ROWS",
    "SAMPLE",
    "SCHEMA",
    "SELECT",
    "SET",
    "SOME",
    "START",
    "TABLE",
    "TABLESAMPLE",
    "THEN",
    "TO",
    "TRIGGER",
    "TRUE",
    "TRY_CAST",
    "UNION",
    "UNIQUE",
    "UPDATE",
    "USING",
    "VALUES",
    "VIEW",
    "WHEN",
    "WHENEVER",
    "WHERE",
    "WITH",
];

pub fn is_reserved(word: &str) -> bool {
    RESERVED.iter().any(|r| r.eq_ignore_ascii_case(word))
}

/// True when `name` (a canonical name, as SHOW prints it) can be written unquoted and
/// still mean exactly `name`.
pub(crate) fn is_plain_ident(name: &str) -> bool {
    let mut chars = name.chars();
    match chars.next() {
        Some(c) if c.is_ascii_uppercase() || c == '_' => {}
        _ => return false,
    }
    chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_' || c == '$')
        && !is_reserved(name)
}

/// Write a canonical name as an identifier: bare when that reads back as the same name,
/// double-quoted (with `"` doubled) otherwise.
pub fn quote_ident(name: &str) -> String {
    if is_plain_ident(name) {
        name.to_string()
    } else {
        quote_always(name)
    }
}

/// Write a canonical name double-quoted (with `"` doubled) even when it could be bare, as
/// Snowflake prints names in some columns (a task's `predecessors`) and session fields.
pub(crate) fn quote_always(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Write `value` as a single-quoted string literal. Backslashes and quotes are escaped and
/// control characters written as escapes, so the literal is one line and ends only where
/// snowform ends it.
/// A stage location (checked by `model::canon::check_stage_path`) as the FROM of CREATE
/// MODEL / ADD VERSION: as written when it is plain (`@DB.S.STAGE/path`), else the whole
/// location in single quotes, the form Snowflake's stage references take for names and
/// paths with spaces or special characters (`'@"my stage"/path'`).
pub fn quote_stage_location(location: &str) -> String {
    let plain = location.starts_with('@')
        && location[1..]
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_$./=-".contains(c));
    if plain {
        return location.to_string();
    }
    let mut out = String::with_capacity(location.len() + 2);
    out.push('\'');
    for c in location.chars() {
        match c {
            '\'' => out.push_str("\\'"),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32 & 0xff)),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

pub fn quote_literal(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        match c {
            '\'' => out.push_str("''"),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\0' => out.push_str("\\0"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// A JSON document as a string literal, written as it is but for doubled single quotes: its
/// backslash escapes stay escapes for Snowflake to read (`\"` is `"`). This is how the Feature
/// Store library writes its metadata JSON, which it reads back from the statement text rather
/// than from the stored value, so the text must hold the JSON exactly. Only valid JSON is safe
/// to write so: every backslash in it starts an escape pair inside a JSON string, so none can
/// escape the closing quote, and JSON has no `\'`. Anything else is a bug, and refused.
pub fn quote_json_literal(json: &str) -> String {
    assert!(
        serde_json::from_str::<serde_json::Value>(json).is_ok() && !json.contains(['\n', '\r']),
        "quote_json_literal takes one line of valid JSON: {json:?}"
    );
    format!("'{}'", json.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::lexer::{tokenize, TokenKind};

    #[test]
    fn plain_names_stay_bare() {
        assert_eq!(quote_ident("COMPUTE_WH"), "COMPUTE_WH");
        assert_eq!(quote_ident("PATIENT_AGE$V1"), "PATIENT_AGE$V1");
        assert_eq!(quote_ident("MixedCase"), "\"MixedCase\"");
        assert_eq!(quote_ident("TABLE"), "\"TABLE\"");
        assert_eq!(quote_ident("1ABC"), "\"1ABC\"");
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
    }

    #[test]
    fn json_literals_keep_their_text_and_stay_one_literal() {
        for name in [
            "it's",
            "back\\slash\\",
            "\"q\"",
            "semi'; DROP DATABASE X; --",
        ] {
            let json = serde_json::json!({ "entities": [name] }).to_string();
            let lit = quote_json_literal(&json);
            let toks = tokenize(&lit).unwrap();
            assert_eq!(toks.len(), 1, "{lit}");
            assert_eq!(toks[0].kind, TokenKind::String);
            // The text between the quotes is the JSON itself, but for doubled quotes.
            assert_eq!(lit[1..lit.len() - 1].replace("''", "'"), json);
        }
    }

    #[test]
    #[should_panic(expected = "valid JSON")]
    fn json_literals_refuse_text_that_is_not_json() {
        quote_json_literal("ends with a backslash \\");
    }

    #[test]
    fn literals_read_back_as_one_string() {
        for v in [
            "",
            "it's",
            "back\\slash\\",
            "semi; DROP DATABASE X; --",
            "$$ dollar $$",
            "line\nbreak\r\t",
            "ünï©ødé 🚀",
            "\u{1}\u{7f}",
        ] {
            let lit = quote_literal(v);
            let toks = tokenize(&lit).unwrap();
            assert_eq!(toks.len(), 1, "{lit}");
            assert_eq!(toks[0].kind, TokenKind::String);
            assert_eq!(toks[0].value, v);
        }
    }

    #[test]
    fn identifiers_read_back_as_one_identifier() {
        for v in [
            "MixedCase",
            "with \"quotes\"",
            "semi;colon",
            "new\nline",
            "ünï",
            "a.b",
        ] {
            let q = quote_ident(v);
            let toks = tokenize(&q).unwrap();
            assert_eq!(toks.len(), 1, "{q}");
            assert_eq!(toks[0].value, v);
        }
    }
}
