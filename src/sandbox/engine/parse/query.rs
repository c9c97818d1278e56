//! DML and queries: `INSERT ... VALUES`, `UPDATE`, `DELETE`, `MERGE` (insert when not
//! matched), and `SELECT` over one table or none, with simple conditions. Enough for the tables the Feature Store and snowform's
//! state lock use; anything richer is reported as unsupported.

use super::ast::*;
use super::cursor::{Cursor, PResult};
use crate::sql::TokenKind;

pub fn insert(cursor: &mut Cursor) -> PResult<Statement> {
    cursor.expect_kw("INSERT")?;
    if cursor.is_kw("OVERWRITE") || cursor.is_kw("ALL") || cursor.is_kw("FIRST") {
        return Err(cursor.unsupported("multi-table and overwriting INSERT"));
    }
    cursor.expect_kw("INTO")?;
    let table = cursor.name()?;
    let mut columns = None;
    if cursor.is_sym("(") {
        cursor.advance();
        let mut cols = vec![cursor.ident()?];
        while cursor.eat_sym(",") {
            cols.push(cursor.ident()?);
        }
        cursor.expect_sym(")")?;
        columns = Some(cols);
    }
    if cursor.is_kw("SELECT") || cursor.is_kw("WITH") {
        return Err(cursor.unsupported("INSERT ... SELECT"));
    }
    cursor.expect_kw("VALUES")?;
    let mut rows = Vec::new();
    loop {
        cursor.expect_sym("(")?;
        let mut row = vec![expr(cursor)?];
        while cursor.eat_sym(",") {
            row.push(expr(cursor)?);
        }
        cursor.expect_sym(")")?;
        rows.push(row);
        if !cursor.eat_sym(",") {
            break;
        }
    }
    Ok(Statement::Insert {
        table,
        columns,
        rows,
    })
}

pub fn update(cursor: &mut Cursor) -> PResult<Statement> {
    cursor.expect_kw("UPDATE")?;
    let table = cursor.name()?;
    cursor.expect_kw("SET")?;
    let mut assignments = Vec::new();
    loop {
        let col = cursor.ident()?;
        cursor.expect_sym("=")?;
        assignments.push((col, expr(cursor)?));
        if !cursor.eat_sym(",") {
            break;
        }
    }
    if cursor.is_kw("FROM") {
        return Err(cursor.unsupported("UPDATE ... FROM"));
    }
    let filter = if cursor.eat_kw("WHERE") {
        Some(cond(cursor)?)
    } else {
        None
    };
    Ok(Statement::Update {
        table,
        assignments,
        filter,
    })
}

pub(crate) fn delete(cursor: &mut Cursor) -> PResult<Statement> {
    cursor.expect_kws(&["DELETE", "FROM"])?;
    let table = cursor.name()?;
    if cursor.is_kw("USING") {
        return Err(cursor.unsupported("DELETE ... USING"));
    }
    let filter = if cursor.eat_kw("WHERE") {
        Some(cond(cursor)?)
    } else {
        None
    };
    Ok(Statement::Delete { table, filter })
}

/// `MERGE INTO t [[AS] a] USING (SELECT ...) [AS] s ON cond` with `WHEN MATCHED THEN UPDATE
/// SET ...` and/or `WHEN NOT MATCHED THEN INSERT [(cols)] VALUES (...)`. Other sources and
/// clauses are reported as unsupported.
pub(crate) fn merge(cursor: &mut Cursor) -> PResult<Statement> {
    cursor.expect_kws(&["MERGE", "INTO"])?;
    let target = cursor.name()?;
    let target_alias = alias(cursor, "USING")?;
    cursor.expect_kw("USING")?;
    if !cursor.is_sym("(") {
        return Err(cursor.unsupported("MERGE with a table as its source"));
    }
    cursor.advance();
    if !cursor.is_kw("SELECT") {
        return Err(cursor.unsupported("MERGE sources other than a SELECT"));
    }
    let source = select(cursor)?;
    cursor.expect_sym(")")?;
    let source_alias = alias(cursor, "ON")?.ok_or_else(|| cursor.unexpected())?;
    cursor.expect_kw("ON")?;
    let on = cond_in(cursor, true)?;
    // At most one WHEN MATCHED THEN UPDATE and one WHEN NOT MATCHED THEN INSERT, in
    // either order.
    let mut insert = None;
    let mut update = None;
    while cursor.eat_kw("WHEN") {
        if cursor.eat_kw("MATCHED") {
            if update.is_some() || cursor.is_kw("AND") || !cursor.is_kws(&["THEN", "UPDATE"]) {
                return Err(cursor
                    .unsupported("WHEN MATCHED clauses of MERGE other than one THEN UPDATE SET"));
            }
            cursor.expect_kws(&["THEN", "UPDATE", "SET"])?;
            let mut sets = Vec::new();
            loop {
                let mut parts = vec![cursor.ident()?];
                while cursor.eat_sym(".") {
                    parts.push(cursor.ident()?);
                }
                if parts.len() > 1 {
                    return Err(cursor.unsupported("qualified columns in MERGE's UPDATE SET"));
                }
                cursor.expect_sym("=")?;
                sets.push((parts.remove(0), expr_in(cursor, true)?));
                if !cursor.eat_sym(",") {
                    break;
                }
            }
            update = Some(sets);
            continue;
        }
        cursor.expect_kws(&["NOT", "MATCHED"])?;
        if insert.is_some() {
            return Err(cursor.unsupported("more than one WHEN clause in MERGE"));
        }
        if cursor.is_kw("AND") {
            return Err(cursor.unsupported("conditions on WHEN NOT MATCHED"));
        }
        cursor.expect_kws(&["THEN", "INSERT"])?;
        let mut columns = None;
        if cursor.eat_sym("(") {
            let mut cols = vec![cursor.ident()?];
            while cursor.eat_sym(",") {
                cols.push(cursor.ident()?);
            }
            cursor.expect_sym(")")?;
            columns = Some(cols);
        }
        cursor.expect_kw("VALUES")?;
        cursor.expect_sym("(")?;
        let mut values = vec![expr_in(cursor, true)?];
        while cursor.eat_sym(",") {
            values.push(expr_in(cursor, true)?);
        }
        cursor.expect_sym(")")?;
        insert = Some(MergeInsert { columns, values });
    }
    if insert.is_none() && update.is_none() {
        return Err(cursor.unexpected());
    }
    Ok(Statement::Merge(Box::new(Merge {
        target,
        target_alias,
        source,
        source_alias,
        on,
        insert,
        update,
    })))
}

/// `[AS] alias`, unless the next word is `next`.
fn alias(cursor: &mut Cursor, next: &str) -> PResult<Option<String>> {
    if cursor.eat_kw("AS") {
        return cursor.ident().map(Some);
    }
    let bare = cursor
        .peek()
        .is_some_and(|t| matches!(t.kind, TokenKind::Word | TokenKind::QuotedIdent))
        && !cursor.is_kw(next);
    if bare {
        return cursor.ident().map(Some);
    }
    Ok(None)
}

pub(crate) fn select(cursor: &mut Cursor) -> PResult<Select> {
    cursor.expect_kw("SELECT")?;
    if cursor.is_kw("DISTINCT") || cursor.is_kw("TOP") {
        return Err(cursor.unsupported("SELECT DISTINCT/TOP"));
    }
    let mut items = Vec::new();
    loop {
        if cursor.eat_sym("*") {
            items.push(SelectItem::Star);
        } else {
            let start = cursor.offset();
            let e = expr(cursor)?;
            let text = upper_words(&cursor.src[start..cursor.offset().max(start)]);
            let bare_alias = cursor
                .peek()
                .is_some_and(|t| t.kind == TokenKind::QuotedIdent)
                || (cursor.peek().is_some_and(|t| t.kind == TokenKind::Word)
                    && !is_clause_word(cursor));
            let alias = if cursor.eat_kw("AS") || bare_alias {
                Some(cursor.ident()?)
            } else {
                None
            };
            items.push(SelectItem::Expr {
                expr: e,
                alias,
                text,
            });
        }
        if !cursor.eat_sym(",") {
            break;
        }
    }
    let mut from_function = None;
    let mut from_query = None;
    let mut from_values = None;
    let from = if cursor.eat_kw("FROM") {
        if cursor.eat_kw("TABLE") {
            // `TABLE(<function>(<args>))`; which functions run is the executor's call.
            cursor.expect_sym("(")?;
            let name = cursor.name()?;
            cursor.expect_sym("(")?;
            let mut args = Vec::new();
            let mut named = Vec::new();
            if !cursor.eat_sym(")") {
                loop {
                    if cursor.peek_at(1).is_some_and(|t| t.is_symbol("=>")) {
                        let param = cursor.ident()?;
                        cursor.expect_sym("=>")?;
                        named.push((param, expr(cursor)?));
                    } else {
                        args.push(expr(cursor)?);
                    }
                    if cursor.eat_sym(")") {
                        break;
                    }
                    cursor.expect_sym_in(",", "function arguments other than expressions")?;
                }
            }
            cursor.expect_sym(")")?;
            from_function = Some(Box::new((name, args, named)));
            None
        } else if cursor.is_sym("(") && cursor.is_kw_at(1, "SELECT") {
            cursor.advance();
            let inner = select(cursor)?;
            cursor.expect_sym(")")?;
            source_alias(cursor)?;
            from_query = Some(Box::new(inner));
            None
        } else if cursor.is_sym("(") {
            return Err(cursor.unsupported("subqueries"));
        } else if cursor.eat_kw("VALUES") {
            let mut rows = Vec::new();
            loop {
                cursor.expect_sym("(")?;
                let mut row = vec![expr(cursor)?];
                while cursor.eat_sym(",") {
                    row.push(expr(cursor)?);
                }
                cursor.expect_sym(")")?;
                rows.push(row);
                if !cursor.eat_sym(",") {
                    break;
                }
            }
            source_alias(cursor)?;
            from_values = Some(rows);
            None
        } else {
            Some(cursor.name()?)
        }
    } else {
        None
    };
    if cursor.is_kw("JOIN") || cursor.is_sym(",") || cursor.is_kw("LEFT") || cursor.is_kw("INNER") {
        return Err(cursor.unsupported("joins"));
    }
    let filter = if cursor.eat_kw("WHERE") {
        Some(cond(cursor)?)
    } else {
        None
    };
    if cursor.is_kw("UNION") {
        // The branches follow; ORDER BY and LIMIT after the last one end up in it, and the
        // executor refuses them there (they would order the whole union).
        let mut union = Vec::new();
        while cursor.eat_kw("UNION") {
            let all = cursor.eat_kw("ALL");
            let mut branch = select(cursor)?;
            let rest = std::mem::take(&mut branch.union);
            union.push((all, branch));
            union.extend(rest);
        }
        return Ok(Select {
            items,
            from,
            from_function,
            from_query,
            from_values,
            filter,
            order_by: Vec::new(),
            limit: None,
            union,
        });
    }
    if cursor.is_kws(&["GROUP", "BY"]) || cursor.is_kw("HAVING") || cursor.is_kw("QUALIFY") {
        return Err(cursor.unsupported("aggregation"));
    }
    let mut order_by = Vec::new();
    if cursor.eat_kws(&["ORDER", "BY"]) {
        loop {
            let column = cursor.ident()?;
            let descending = if cursor.eat_kw("DESC") {
                true
            } else {
                cursor.eat_kw("ASC");
                false
            };
            if cursor.is_kw("NULLS") {
                return Err(cursor.unsupported("NULLS FIRST/LAST"));
            }
            order_by.push(OrderKey { column, descending });
            if !cursor.eat_sym(",") {
                break;
            }
        }
    }
    let limit = if cursor.eat_kw("LIMIT") {
        Some(cursor.integer()?.max(0) as u64)
    } else {
        None
    };
    Ok(Select {
        items,
        from,
        from_function,
        from_query,
        from_values,
        filter,
        order_by,
        limit,
        union: Vec::new(),
    })
}

/// The optional `[AS] alias` of a subquery or VALUES source; nothing refers to it (column
/// references are not qualified), so it is read and dropped.
fn source_alias(cursor: &mut Cursor) -> PResult<()> {
    let bare = cursor.peek().is_some_and(|t| {
        t.kind == TokenKind::QuotedIdent || (t.kind == TokenKind::Word && !is_source_end(cursor))
    });
    if cursor.eat_kw("AS") || bare {
        cursor.ident()?;
    }
    if cursor.is_sym("(") {
        return Err(cursor.unsupported("column lists on a source alias"));
    }
    Ok(())
}

fn is_source_end(cursor: &Cursor) -> bool {
    is_clause_word(cursor)
        || [
            "INNER",
            "LEFT",
            "RIGHT",
            "FULL",
            "CROSS",
            "NATURAL",
            "MINUS",
            "EXCEPT",
            "INTERSECT",
        ]
        .iter()
        .any(|w| cursor.is_kw(w))
}

/// A type name after `::` or `AS` in CAST: a word and its optional `(n[, m])`, upper-cased.
fn type_name(cursor: &mut Cursor) -> PResult<String> {
    let mut name = cursor.ident()?.to_ascii_uppercase();
    if cursor.is_sym("(") {
        name.push_str(&format!("({})", upper_words(&cursor.balanced_group()?)));
    }
    Ok(name)
}

/// Words that end a select item rather than alias it.
fn is_clause_word(cursor: &Cursor) -> bool {
    [
        "FROM", "WHERE", "ORDER", "LIMIT", "GROUP", "HAVING", "UNION", "QUALIFY", "JOIN",
    ]
    .iter()
    .any(|w| cursor.is_kw(w))
}

/// The source text of an expression with unquoted words upper-cased, as Snowflake names an
/// unaliased result column (`current_role()` is `CURRENT_ROLE()`).
fn upper_words(text: &str) -> String {
    match crate::sql::tokenize(text) {
        Ok(toks) => toks
            .iter()
            .map(|t| {
                if t.kind == TokenKind::Word {
                    t.text.to_ascii_uppercase()
                } else {
                    t.text.clone()
                }
            })
            .collect::<String>()
            .trim()
            .to_string(),
        Err(_) => text.trim().to_string(),
    }
}

/// A literal, a column or a function call.
pub(crate) fn expr(cursor: &mut Cursor) -> PResult<Expr> {
    expr_in(cursor, false)
}

/// An expression; with `qualified`, column references may name their table
/// (`s.col`, `db.sch.t.col`), as MERGE's may.
fn expr_in(cursor: &mut Cursor, qualified: bool) -> PResult<Expr> {
    let Some(t) = cursor.peek().cloned() else {
        return Err(cursor.unexpected());
    };
    let e = match t.kind {
        TokenKind::String => {
            cursor.advance();
            Expr::Literal(Literal::String(t.value))
        }
        TokenKind::Number => {
            cursor.advance();
            Expr::Literal(Literal::Number(t.text))
        }
        TokenKind::Symbol if t.text == "-" => {
            cursor.advance();
            match cursor.peek().cloned() {
                Some(n) if n.kind == TokenKind::Number => {
                    cursor.advance();
                    Expr::Literal(Literal::Number(format!("-{}", n.text)))
                }
                // `-col`, `-(...)`: valid SQL beyond the sandbox's expressions.
                Some(_) => {
                    return Err(cursor
                        .beyond("expressions other than literals, columns and function calls"))
                }
                None => return Err(cursor.unexpected()),
            }
        }
        TokenKind::Word if t.is_keyword("NULL") => {
            cursor.advance();
            Expr::Literal(Literal::Null)
        }
        TokenKind::Word if t.is_keyword("TRUE") || t.is_keyword("FALSE") => {
            cursor.advance();
            Expr::Literal(Literal::Bool(t.is_keyword("TRUE")))
        }
        TokenKind::Word
            if t.text.len() > 1
                && t.text.starts_with('$')
                && t.text[1..].bytes().all(|b| b.is_ascii_digit()) =>
        {
            cursor.advance();
            match t.text[1..].parse::<usize>() {
                Ok(n) if n > 0 => Expr::Positional(n),
                _ => return Err(cursor.unexpected()),
            }
        }
        TokenKind::Word
            if t.is_keyword("CAST") && cursor.peek_at(1).is_some_and(|n| n.is_symbol("(")) =>
        {
            cursor.advance();
            cursor.advance();
            let inner = expr_in(cursor, qualified)?;
            cursor.expect_kw("AS")?;
            let type_name = type_name(cursor)?;
            cursor.expect_sym(")")?;
            Expr::Cast {
                expr: Box::new(inner),
                type_name,
            }
        }
        TokenKind::Word
            if t.is_keyword("COUNT")
                && cursor.peek_at(1).is_some_and(|n| n.is_symbol("("))
                && cursor.peek_at(2).is_some_and(|n| n.is_symbol("*")) =>
        {
            cursor.advance();
            cursor.advance();
            cursor.advance();
            cursor.expect_sym(")")?;
            Expr::CountStar
        }
        TokenKind::Word if cursor.peek_at(1).is_some_and(|n| n.is_symbol("(")) => {
            cursor.advance();
            cursor.advance();
            let mut args = Vec::new();
            if !cursor.eat_sym(")") {
                loop {
                    args.push(expr_in(cursor, qualified)?);
                    if cursor.eat_sym(")") {
                        break;
                    }
                    cursor.expect_sym_in(",", "function arguments other than expressions")?;
                }
            }
            Expr::Call {
                name: t.text.to_ascii_uppercase(),
                args,
            }
        }
        TokenKind::Word
            if [
                "CURRENT_TIMESTAMP",
                "CURRENT_DATE",
                "CURRENT_TIME",
                "LOCALTIMESTAMP",
            ]
            .iter()
            .any(|k| t.is_keyword(k)) =>
        {
            cursor.advance();
            Expr::Call {
                name: t.text.to_ascii_uppercase(),
                args: vec![],
            }
        }
        TokenKind::Word | TokenKind::QuotedIdent if qualified => {
            let mut parts = vec![cursor.ident()?];
            while parts.len() < 4 && cursor.eat_sym(".") {
                parts.push(cursor.ident()?);
            }
            if parts.len() == 1 {
                Expr::Column(parts.remove(0))
            } else {
                Expr::Ref(parts)
            }
        }
        TokenKind::Word | TokenKind::QuotedIdent => {
            let name = cursor.name()?;
            if name.len() > 1 {
                return Err(cursor.unsupported("qualified column references"));
            }
            Expr::Column(name.into_iter().next().unwrap_or_default())
        }
        _ => {
            return Err(cursor.beyond("expressions other than literals, columns and function calls"))
        }
    };
    let mut e = e;
    while cursor.eat_sym("::") {
        e = Expr::Cast {
            expr: Box::new(e),
            type_name: type_name(cursor)?,
        };
    }
    if ["+", "-", "*", "/", "||", "%"]
        .iter()
        .any(|s| cursor.is_sym(s))
    {
        return Err(
            cursor.unsupported("expressions other than literals, columns and function calls")
        );
    }
    Ok(e)
}

/// `a OR b`, `a AND b`, `NOT a`, `(a)`, `x IS [NOT] NULL`, `x op y`, `x [NOT] IN (...)`.
pub(crate) fn cond(cursor: &mut Cursor) -> PResult<Cond> {
    cond_in(cursor, false)
}

fn cond_in(cursor: &mut Cursor, qualified: bool) -> PResult<Cond> {
    let mut left = and_cond(cursor, qualified)?;
    while cursor.eat_kw("OR") {
        let right = and_cond(cursor, qualified)?;
        left = Cond::Or(Box::new(left), Box::new(right));
    }
    Ok(left)
}

fn and_cond(cursor: &mut Cursor, qualified: bool) -> PResult<Cond> {
    let mut left = not_cond(cursor, qualified)?;
    while cursor.eat_kw("AND") {
        let right = not_cond(cursor, qualified)?;
        left = Cond::And(Box::new(left), Box::new(right));
    }
    Ok(left)
}

fn not_cond(cursor: &mut Cursor, qualified: bool) -> PResult<Cond> {
    if cursor.eat_kw("NOT") {
        return Ok(Cond::Not(Box::new(not_cond(cursor, qualified)?)));
    }
    if cursor.eat_sym("(") {
        let inner = cond_in(cursor, qualified)?;
        cursor.expect_sym_in(
            ")",
            "conditions other than comparisons, IN lists and IS NULL",
        )?;
        return Ok(inner);
    }
    let left = expr_in(cursor, qualified)?;
    if cursor.eat_kw("IS") {
        let negated = cursor.eat_kw("NOT");
        // `IS [NOT] DISTINCT FROM` is valid SQL the sandbox does not evaluate.
        if !cursor.is_kw("NULL") {
            return Err(cursor.beyond("conditions other than comparisons, IN lists and IS NULL"));
        }
        cursor.expect_kw("NULL")?;
        return Ok(Cond::IsNull {
            expr: left,
            negated,
        });
    }
    let negated_in = cursor.is_kws(&["NOT", "IN"]);
    if negated_in || cursor.is_kw("IN") {
        if negated_in {
            cursor.advance();
        }
        cursor.advance();
        cursor.expect_sym_in("(", "IN other than a list of values")?;
        if cursor.is_kw("SELECT") || cursor.is_kw("WITH") {
            return Err(cursor.unsupported("subqueries"));
        }
        let mut list = vec![expr_in(cursor, qualified)?];
        while cursor.eat_sym(",") {
            list.push(expr_in(cursor, qualified)?);
        }
        cursor.expect_sym_in(")", "IN lists other than values")?;
        return Ok(Cond::In {
            expr: left,
            list,
            negated: negated_in,
        });
    }
    let negated_like = cursor.is_kws(&["NOT", "LIKE"]) || cursor.is_kws(&["NOT", "ILIKE"]);
    if negated_like || cursor.is_kw("LIKE") || cursor.is_kw("ILIKE") {
        if negated_like {
            cursor.advance();
        }
        let ignore_case = cursor.is_kw("ILIKE");
        cursor.advance();
        if cursor.is_kw("ANY") || cursor.is_kw("ALL") {
            return Err(cursor.unsupported("LIKE ANY/ALL"));
        }
        let pattern = expr_in(cursor, qualified)?;
        if cursor.is_kw("ESCAPE") {
            return Err(cursor.unsupported("LIKE ... ESCAPE"));
        }
        return Ok(Cond::Like {
            expr: left,
            pattern,
            ignore_case,
            negated: negated_like,
        });
    }
    let op = match cursor.peek().map(|t| t.text.as_str()) {
        Some("=") => CmpOp::Eq,
        Some("<>") | Some("!=") => CmpOp::Ne,
        Some("<") => CmpOp::Lt,
        Some("<=") => CmpOp::Le,
        Some(">") => CmpOp::Gt,
        Some(">=") => CmpOp::Ge,
        _ if cursor.is_kw("BETWEEN") || cursor.is_kws(&["NOT", "BETWEEN"]) => {
            return Err(cursor.unsupported("BETWEEN in conditions"))
        }
        _ => return Err(cursor.beyond("conditions other than comparisons, IN lists and IS NULL")),
    };
    cursor.advance();
    let right = expr_in(cursor, qualified)?;
    Ok(Cond::Cmp { left, op, right })
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use super::*;

    #[test]
    fn lock_update_parses_with_precedence() {
        let Ok(Statement::Update { assignments, filter, .. }) =
            parse("UPDATE locks SET lock_id = 'abc', acquired = CURRENT_TIMESTAMP() WHERE workspace = 'x' AND lock_id IS NULL OR (a <> 1)").map(|p| p.statement)
        else {
            panic!()
        };
        assert_eq!(assignments.len(), 2);
        let Some(Cond::Or(left, _)) = filter else {
            panic!()
        };
        assert!(matches!(*left, Cond::And(..)));
    }

    #[test]
    fn select_items_are_named_by_their_upper_cased_text() {
        let Ok(Statement::Select(s)) =
            parse("select current_role(), CURRENT_USER() AS u, 1").map(|p| p.statement)
        else {
            panic!()
        };
        let names: Vec<_> = s
            .items
            .iter()
            .map(|i| match i {
                SelectItem::Expr { alias, text, .. } => alias.clone().unwrap_or(text.clone()),
                SelectItem::Star => "*".into(),
            })
            .collect();
        assert_eq!(names, ["CURRENT_ROLE()", "U", "1"]);
    }
}
