//! Normalising SQL so that text that means the same compares equal: the body a user
//! writes and the body Snowflake prints back differ in white space, comments, keyword
//! case and a trailing semicolon, and none of those may show up as a change.

use super::lexer::{lexemes, tokenize, tokens, Lexeme, Token, TokenKind};
use super::quote::quote_literal;

/// A canonical form of a SQL text: comments dropped, white space collapsed, unquoted
/// words upper-cased, string literals re-quoted canonically, trailing `;` removed. Text
/// that does not lex is returned trimmed, so it still compares with itself.
pub fn normalize_sql(sql: &str) -> String {
    let Ok(mut parts) = lexemes(sql)
        .filter(|l| !l.as_ref().is_ok_and(Lexeme::is_trivia))
        .collect::<Result<Vec<Lexeme>, _>>()
    else {
        return sql.trim().trim_end_matches(';').trim().to_string();
    };
    while parts
        .last()
        .is_some_and(|p| p.kind == TokenKind::Symbol && p.text == ";")
    {
        parts.pop();
    }
    let mut out = String::with_capacity(sql.len());
    for (i, p) in parts.iter().enumerate() {
        // No space around `.` so `a . b` and `a.b` agree; one space elsewhere.
        if i > 0 && p.text != "." && parts[i - 1].text != "." {
            out.push(' ');
        }
        match p.kind {
            TokenKind::Word => out.extend(p.text.chars().map(|c| c.to_ascii_uppercase())),
            TokenKind::String => out.push_str(&quote_literal(p.decoded.as_deref().unwrap_or(""))),
            _ => out.push_str(p.text),
        }
    }
    out
}

/// The text after the first `AS` keyword at parenthesis depth 0: the query of a
/// `CREATE VIEW ... AS <query>` or `CREATE DYNAMIC TABLE ... AS <query>` statement, as
/// SHOW VIEWS and SHOW DYNAMIC TABLES print it in `text`.
pub fn body_after_top_level_as(text: &str) -> Option<&str> {
    let mut depth = 0i32;
    // Only the header is lexed: the query after it is often most of the text.
    for t in tokens(text) {
        let t = t.ok()?;
        if t.is_symbol("(") {
            depth += 1;
        } else if t.is_symbol(")") {
            depth -= 1;
        } else if depth == 0 && t.is_keyword("AS") {
            return Some(text[t.offset + t.text.len()..].trim());
        }
    }
    None
}

/// Split a script into statements at top-level `;`, dropping empty ones. Returns each
/// statement's text (trimmed) and its tokens without trivia.
pub fn split_statements(src: &str) -> Result<Vec<(String, Vec<Token>)>, super::LexError> {
    let tokens = tokenize(src)?;
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut current: Vec<Token> = Vec::new();
    let mut end = 0;
    let mut depth = 0i32;
    for t in tokens {
        // `$$`-quoted bodies and BEGIN ... END blocks are single tokens or nested, so a
        // `;` at depth 0 always ends a statement in the subset snowform writes.
        if t.is_symbol("(") {
            depth += 1;
        } else if t.is_symbol(")") {
            depth -= 1;
        }
        if t.is_symbol(";") && depth <= 0 {
            if let Some(s) = start.take() {
                out.push((src[s..end].trim().to_string(), std::mem::take(&mut current)));
            }
            continue;
        }
        if t.is_trivia() {
            continue;
        }
        start.get_or_insert(t.offset);
        end = t.offset + t.text.len();
        current.push(t);
    }
    if let Some(s) = start {
        out.push((src[s..end].trim().to_string(), current));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_modulo_layout_comments_case_and_semicolon() {
        let a = "select patient_id,\n  DATEDIFF(year, birth_date, current_date()) AS age -- years\nFROM db.raw.patients;";
        let b = "SELECT patient_id, datediff(YEAR,birth_date,CURRENT_DATE()) as age /* x */ from DB . RAW . PATIENTS";
        assert_eq!(normalize_sql(a), normalize_sql(b));
    }

    #[test]
    fn string_and_quoted_identifier_contents_matter() {
        assert_ne!(
            normalize_sql("SELECT 'a  b'"),
            normalize_sql("SELECT 'a b'")
        );
        assert_ne!(normalize_sql("SELECT \"x\""), normalize_sql("SELECT \"X\""));
        assert_eq!(
            normalize_sql("SELECT 'it''s'"),
            normalize_sql("SELECT 'it\\'s'")
        );
    }

    #[test]
    fn finds_the_body_after_the_top_level_as() {
        let text = "CREATE OR REPLACE VIEW V (A COMMENT 'x as y', B) COMMENT = 'a AS b' AS SELECT 1 AS A, 2 AS B";
        assert_eq!(body_after_top_level_as(text), Some("SELECT 1 AS A, 2 AS B"));
        assert_eq!(body_after_top_level_as("CREATE VIEW V"), None);
    }

    #[test]
    fn splits_statements_at_top_level_semicolons() {
        let parts = split_statements("SELECT ';'; ; CREATE X AS $$a;b$$;\n-- end\n").unwrap();
        let texts: Vec<_> = parts.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(texts, ["SELECT ';'", "CREATE X AS $$a;b$$"]);
    }
}
