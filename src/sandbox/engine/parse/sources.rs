//! The tables and views a query reads: every name after FROM and JOIN (and after the
//! commas of a FROM list), at any depth of subqueries, minus the names its WITH clauses
//! define. Snowflake compiles a view's or dynamic table's query when it is created, and a
//! source that does not exist fails the statement; the sandbox checks the same names.
//!
//! Only plain names are understood. Anything that could hide or name a source in another
//! way (table functions, LATERAL, stages, IDENTIFIER(), time travel, PIVOT, column alias
//! lists, a name of more than three parts) is reported as unsupported, so a query is
//! never half-checked.

use crate::sql::{tokenize, Token, TokenKind};
use std::collections::BTreeSet;

/// A source as written: one to three canonical parts (unquoted words upper-cased).
pub(crate) type SourceName = Vec<String>;

/// What a `(` opened: a query (its FROM names sources) or anything else (a function's
/// arguments, where `EXTRACT(YEAR FROM ts)` names no table).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Paren {
    Query,
    Other,
}

/// Words that may follow a source (or its alias) without hiding another one.
const AFTER_SOURCE: &[&str] = &[
    "WHERE",
    "GROUP",
    "HAVING",
    "QUALIFY",
    "ORDER",
    "LIMIT",
    "FETCH",
    "OFFSET",
    "UNION",
    "EXCEPT",
    "MINUS",
    "INTERSECT",
    "JOIN",
    "INNER",
    "LEFT",
    "RIGHT",
    "FULL",
    "OUTER",
    "CROSS",
    "NATURAL",
    "ON",
    "USING",
    "WINDOW",
];

/// Words that end a FROM clause at their level.
const CLAUSE_END: &[&str] = &[
    "SELECT",
    "WHERE",
    "GROUP",
    "HAVING",
    "QUALIFY",
    "ORDER",
    "LIMIT",
    "FETCH",
    "OFFSET",
    "UNION",
    "EXCEPT",
    "MINUS",
    "INTERSECT",
    "WINDOW",
];

/// Words after FROM / JOIN that introduce something other than a plain name.
const NOT_A_NAME: &[&str] = &["LATERAL", "TABLE", "IDENTIFIER", "VALUES", "SELECT", "WITH"];

/// The sources `query` reads, in order of appearance, each once. `Err` says what the
/// sandbox cannot read.
pub(crate) fn sources(query: &str) -> Result<Vec<SourceName>, String> {
    let toks: Vec<Token> = tokenize(query)
        .map_err(|e| format!("a query it cannot tokenize ({e})"))?
        .into_iter()
        .filter(|t| !t.is_trivia())
        .collect();
    let ctes = cte_names(&toks);
    let mut out: Vec<SourceName> = Vec::new();
    let mut parens: Vec<Paren> = Vec::new();
    // Per level (the top and each open paren): inside a FROM clause, where a comma at this
    // level starts another source (`FROM a JOIN b ON a.k = b.k, c`).
    let mut in_from: Vec<bool> = vec![false];
    let mut i = 0;
    while i < toks.len() {
        let t = &toks[i];
        let query_level = parens.last().is_none_or(|p| *p == Paren::Query);
        if t.is_symbol("(") {
            let next_is_query = toks
                .get(i + 1)
                .is_some_and(|n| n.is_keyword("SELECT") || n.is_keyword("WITH"));
            parens.push(if next_is_query {
                Paren::Query
            } else {
                Paren::Other
            });
            in_from.push(false);
        } else if t.is_symbol(")") {
            parens.pop();
            if in_from.len() > 1 {
                in_from.pop();
            }
        } else if t.kind == TokenKind::Stage {
            return Err("a query that reads a stage".into());
        } else if query_level
            && (t.is_keyword("FROM")
                || t.is_keyword("JOIN")
                || (t.is_symbol(",") && in_from.last() == Some(&true)))
        {
            if t.is_keyword("FROM") {
                if let Some(f) = in_from.last_mut() {
                    *f = true;
                }
            }
            i = source_list(&toks, i + 1, &ctes, &mut out)?;
            continue;
        } else if CLAUSE_END.iter().any(|w| t.is_keyword(w)) {
            if let Some(f) = in_from.last_mut() {
                *f = false;
            }
        }
        i += 1;
    }
    Ok(out)
}

/// Read the source after FROM, JOIN or a FROM list's comma, starting at `i`; returns
/// where scanning goes on.
fn source_list(
    toks: &[Token],
    index: usize,
    ctes: &BTreeSet<String>,
    out: &mut Vec<SourceName>,
) -> Result<usize, String> {
    let Some(t) = toks.get(index) else {
        return Err("a FROM or JOIN without a source".into());
    };
    if t.is_symbol("(") {
        let subquery = toks
            .get(index + 1)
            .is_some_and(|n| n.is_keyword("SELECT") || n.is_keyword("WITH"));
        if !subquery {
            return Err("a parenthesised join or VALUES list after FROM or JOIN".into());
        }
        // A subquery: the main scan reads inside it.
        return Ok(index);
    }
    if t.kind == TokenKind::Stage {
        return Err("a query that reads a stage".into());
    }
    if NOT_A_NAME.iter().any(|w| t.is_keyword(w)) {
        return Err(format!(
            "a FROM or JOIN followed by {}",
            t.text.to_ascii_uppercase()
        ));
    }
    let (name, next) = name_at(toks, index)?;
    if toks.get(next).is_some_and(|t| t.is_symbol("(")) {
        return Err(format!("the table function {}", name.join(".")));
    }
    let is_cte = name.len() == 1 && ctes.contains(&name[0]);
    if !is_cte && !out.contains(&name) {
        out.push(name);
    }
    skip_alias(toks, next)
}

/// A name of one to three parts at `i`.
fn name_at(toks: &[Token], mut index: usize) -> Result<(SourceName, usize), String> {
    let mut parts = Vec::new();
    loop {
        match toks.get(index) {
            Some(t) if t.kind == TokenKind::Word => parts.push(t.text.to_ascii_uppercase()),
            Some(t) if t.kind == TokenKind::QuotedIdent && !t.value.is_empty() => {
                parts.push(t.value.clone())
            }
            Some(t) => return Err(format!("a FROM or JOIN followed by '{}'", t.text)),
            None => return Err("a FROM or JOIN without a source".into()),
        }
        index += 1;
        if !toks.get(index).is_some_and(|t| t.is_symbol(".")) {
            break;
        }
        index += 1;
        if parts.len() == 3 {
            return Err("a source name of more than three parts".into());
        }
    }
    Ok((parts, index))
}

/// Skip `[AS] alias` after a source, and check that what follows cannot name another one.
fn skip_alias(toks: &[Token], mut index: usize) -> Result<usize, String> {
    let is_follower = |t: &Token| {
        t.is_symbol(",")
            || t.is_symbol(")")
            || t.is_symbol(";")
            || AFTER_SOURCE.iter().any(|w| t.is_keyword(w))
    };
    let Some(t) = toks.get(index) else {
        return Ok(index);
    };
    if is_follower(t) {
        return Ok(index);
    }
    if t.is_keyword("AS") {
        index += 1;
    }
    match toks.get(index) {
        Some(a) if matches!(a.kind, TokenKind::Word | TokenKind::QuotedIdent) => {
            if a.kind == TokenKind::Word
                && [
                    "AT",
                    "BEFORE",
                    "CHANGES",
                    "SAMPLE",
                    "TABLESAMPLE",
                    "PIVOT",
                    "UNPIVOT",
                    "MATCH_RECOGNIZE",
                ]
                .iter()
                .any(|w| a.is_keyword(w))
            {
                return Err(format!("{} after a source", a.text.to_ascii_uppercase()));
            }
            index += 1;
        }
        Some(a) => return Err(format!("'{}' after a source", a.text)),
        None => return Ok(index),
    }
    match toks.get(index) {
        None => Ok(index),
        Some(t) if is_follower(t) => Ok(index),
        Some(t) => Err(format!("'{}' after a source's alias", t.text)),
    }
}

/// Names defined by WITH clauses anywhere in the query: `WITH [RECURSIVE] n [(cols)] AS (`
/// and `, n [(cols)] AS (` after one.
fn cte_names(toks: &[Token]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (i, t) in toks.iter().enumerate() {
        if !(t.is_keyword("WITH") || t.is_symbol(",")) {
            continue;
        }
        let mut j = i + 1;
        if toks.get(j).is_some_and(|n| n.is_keyword("RECURSIVE")) {
            j += 1;
        }
        let name = match toks.get(j) {
            Some(n) if n.kind == TokenKind::Word => n.text.to_ascii_uppercase(),
            Some(n) if n.kind == TokenKind::QuotedIdent => n.value.clone(),
            _ => continue,
        };
        j += 1;
        if toks.get(j).is_some_and(|n| n.is_symbol("(")) {
            // A column list: skip to its close.
            while toks.get(j).is_some_and(|n| !n.is_symbol(")")) {
                j += 1;
            }
            j += 1;
        }
        let defines = toks.get(j).is_some_and(|n| n.is_keyword("AS"))
            && toks.get(j + 1).is_some_and(|n| n.is_symbol("("));
        if defines && (t.is_keyword("WITH") || follows_cte(toks, i)) {
            out.insert(name);
        }
    }
    out
}

/// True when the `,` at `i` closes a CTE's `AS ( ... )`, so what follows is another CTE.
fn follows_cte(toks: &[Token], index: usize) -> bool {
    index > 0 && toks[index - 1].is_symbol(")")
}

#[cfg(test)]
mod tests {
    use super::sources;

    fn names(query: &str) -> Vec<String> {
        sources(query)
            .unwrap_or_else(|e| panic!("{query}: {e}"))
            .into_iter()
            .map(|n| n.join("."))
            .collect()
    }

    #[test]
    fn plain_names_joins_lists_and_subqueries() {
        assert_eq!(names("SELECT a FROM raw.orders"), ["RAW.ORDERS"]);
        assert_eq!(
            names("select * from db.s.t1 as x join \"Lower\" y on x.id = y.id left outer join t3 using (id)"),
            ["DB.S.T1", "Lower", "T3"]
        );
        assert_eq!(
            names("SELECT 1 FROM a, b c, d WHERE 1 = 1"),
            ["A", "B", "D"]
        );
        assert_eq!(
            names("SELECT * FROM (SELECT id FROM inner_t) q WHERE id IN (SELECT id FROM other)"),
            ["INNER_T", "OTHER"]
        );
        assert_eq!(names("SELECT 1 FROM t UNION ALL SELECT 2 FROM t"), ["T"]);
        assert_eq!(
            names("SELECT 1 FROM a JOIN b ON a.k = COALESCE(b.k, 0), c WHERE f(x, y)"),
            ["A", "B", "C"]
        );
        assert_eq!(names("SELECT 1"), Vec::<String>::new());
    }

    #[test]
    fn function_arguments_and_ctes_are_not_sources() {
        assert_eq!(
            names("SELECT EXTRACT(YEAR FROM ts), TRIM(BOTH 'x' FROM s) FROM events"),
            ["EVENTS"]
        );
        assert_eq!(
            names("WITH a AS (SELECT * FROM raw.t), b (x) AS (SELECT 1 FROM a) SELECT * FROM a JOIN b ON TRUE"),
            ["RAW.T"]
        );
        assert_eq!(names("SELECT 'FROM x' AS s FROM y -- FROM z"), ["Y"]);
    }

    #[test]
    fn what_it_cannot_read_is_refused() {
        for q in [
            "SELECT * FROM TABLE(flatten(input => x))",
            "SELECT * FROM t, LATERAL FLATTEN(input => t.v)",
            "SELECT * FROM IDENTIFIER('t')",
            "SELECT * FROM @stage/path",
            "SELECT * FROM t AT(OFFSET => -60)",
            "SELECT * FROM t AS x (a, b)",
            "SELECT * FROM a.b.c.d",
            "SELECT * FROM t SAMPLE (10)",
            "SELECT * FROM",
            "SELECT * FROM (a JOIN b ON a.k = b.k)",
        ] {
            assert!(sources(q).is_err(), "{q} should be refused");
        }
    }
}
