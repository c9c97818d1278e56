//! DML and queries: `INSERT ... VALUES`, `UPDATE`, `DELETE`, `MERGE` (insert when not
//! matched), and `SELECT` over one table or none, with simple conditions. Enough for the tables the Feature Store and snowform's
//! state lock use; anything richer is reported as unsupported.

use super::ast::*;
use super::cursor::{Cursor, PResult};
use crate::sql::TokenKind;

pub fn insert(c: &mut Cursor) -> PResult<Statement> {
    c.expect_kw("INSERT")?;
    if c.is_kw("OVERWRITE") || c.is_kw("ALL") || c.is_kw("FIRST") {
        return Err(c.unsupported("multi-table and overwriting INSERT"));
    }
    c.expect_kw("INTO")?;
    let table = c.name()?;
    let mut columns = None;
    if c.is_sym("(") {
        c.advance();
        let mut cols = vec![c.ident()?];
        while c.eat_sym(",") {
            cols.push(c.ident()?);
        }
        c.expect_sym(")")?;
        columns = Some(cols);
    }
    if c.is_kw("SELECT") || c.is_kw("WITH") {
        return Err(c.unsupported("INSERT ... SELECT"));
    }
    c.expect_kw("VALUES")?;
    let mut rows = Vec::new();
    loop {
        c.expect_sym("(")?;
        let mut row = vec![expr(c)?];
        while c.eat_sym(",") {
            row.push(expr(c)?);
        }
        c.expect_sym(")")?;
        rows.push(row);
        if !c.eat_sym(",") {
            break;
        }
    }
    Ok(Statement::Insert {
        table,
        columns,
        rows,
    })
}

pub fn update(c: &mut Cursor) -> PResult<Statement> {
    c.expect_kw("UPDATE")?;
    let table = c.name()?;
    c.expect_kw("SET")?;
    let mut assignments = Vec::new();
    loop {
        let col = c.ident()?;
        c.expect_sym("=")?;
        assignments.push((col, expr(c)?));
        if !c.eat_sym(",") {
            break;
        }
    }
    if c.is_kw("FROM") {
        return Err(c.unsupported("UPDATE ... FROM"));
    }
    let filter = if c.eat_kw("WHERE") {
        Some(cond(c)?)
    } else {
        None
    };
    Ok(Statement::Update {
        table,
        assignments,
        filter,
    })
}

pub fn delete(c: &mut Cursor) -> PResult<Statement> {
    c.expect_kws(&["DELETE", "FROM"])?;
    let table = c.name()?;
    if c.is_kw("USING") {
        return Err(c.unsupported("DELETE ... USING"));
    }
    let filter = if c.eat_kw("WHERE") {
        Some(cond(c)?)
    } else {
        None
    };
    Ok(Statement::Delete { table, filter })
}

/// `MERGE INTO t [[AS] a] USING (SELECT ...) [AS] s ON cond` with `WHEN MATCHED THEN UPDATE
/// SET ...` and/or `WHEN NOT MATCHED THEN INSERT [(cols)] VALUES (...)`. Other sources and
/// clauses are reported as unsupported.
pub fn merge(c: &mut Cursor) -> PResult<Statement> {
    c.expect_kws(&["MERGE", "INTO"])?;
    let target = c.name()?;
    let target_alias = alias(c, "USING")?;
    c.expect_kw("USING")?;
    if !c.is_sym("(") {
        return Err(c.unsupported("MERGE with a table as its source"));
    }
    c.advance();
    if !c.is_kw("SELECT") {
        return Err(c.unsupported("MERGE sources other than a SELECT"));
    }
    let source = select(c)?;
    c.expect_sym(")")?;
    let source_alias = alias(c, "ON")?.ok_or_else(|| c.unexpected())?;
    c.expect_kw("ON")?;
    let on = cond_in(c, true)?;
    // At most one WHEN MATCHED THEN UPDATE and one WHEN NOT MATCHED THEN INSERT, in
    // either order.
    let mut insert = None;
    let mut update = None;
    while c.eat_kw("WHEN") {
        if c.eat_kw("MATCHED") {
            if update.is_some() || c.is_kw("AND") || !c.is_kws(&["THEN", "UPDATE"]) {
                return Err(
                    c.unsupported("WHEN MATCHED clauses of MERGE other than one THEN UPDATE SET")
                );
            }
            c.expect_kws(&["THEN", "UPDATE", "SET"])?;
            let mut sets = Vec::new();
            loop {
                let mut parts = vec![c.ident()?];
                while c.eat_sym(".") {
                    parts.push(c.ident()?);
                }
                if parts.len() > 1 {
                    return Err(c.unsupported("qualified columns in MERGE's UPDATE SET"));
                }
                c.expect_sym("=")?;
                sets.push((parts.remove(0), expr_in(c, true)?));
                if !c.eat_sym(",") {
                    break;
                }
            }
            update = Some(sets);
            continue;
        }
        c.expect_kws(&["NOT", "MATCHED"])?;
        if insert.is_some() {
            return Err(c.unsupported("more than one WHEN clause in MERGE"));
        }
        if c.is_kw("AND") {
            return Err(c.unsupported("conditions on WHEN NOT MATCHED"));
        }
        c.expect_kws(&["THEN", "INSERT"])?;
        let mut columns = None;
        if c.eat_sym("(") {
            let mut cols = vec![c.ident()?];
            while c.eat_sym(",") {
                cols.push(c.ident()?);
            }
            c.expect_sym(")")?;
            columns = Some(cols);
        }
        c.expect_kw("VALUES")?;
        c.expect_sym("(")?;
        let mut values = vec![expr_in(c, true)?];
        while c.eat_sym(",") {
            values.push(expr_in(c, true)?);
        }
        c.expect_sym(")")?;
        insert = Some(MergeInsert { columns, values });
    }
    if insert.is_none() && update.is_none() {
        return Err(c.unexpected());
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
fn alias(c: &mut Cursor, next: &str) -> PResult<Option<String>> {
    if c.eat_kw("AS") {
        return c.ident().map(Some);
    }
    let bare = c
        .peek()
        .is_some_and(|t| matches!(t.kind, TokenKind::Word | TokenKind::QuotedIdent))
        && !c.is_kw(next);
    if bare {
        return c.ident().map(Some);
    }
    Ok(None)
}

pub fn select(c: &mut Cursor) -> PResult<Select> {
    c.expect_kw("SELECT")?;
    if c.is_kw("DISTINCT") || c.is_kw("TOP") {
        return Err(c.unsupported("SELECT DISTINCT/TOP"));
    }
    let mut items = Vec::new();
    loop {
        if c.eat_sym("*") {
            items.push(SelectItem::Star);
        } else {
            let start = c.offset();
            let e = expr(c)?;
            let text = upper_words(&c.src[start..c.offset().max(start)]);
            let bare_alias = c.peek().is_some_and(|t| t.kind == TokenKind::QuotedIdent)
                || (c.peek().is_some_and(|t| t.kind == TokenKind::Word) && !is_clause_word(c));
            let alias = if c.eat_kw("AS") || bare_alias {
                Some(c.ident()?)
            } else {
                None
            };
            items.push(SelectItem::Expr {
                expr: e,
                alias,
                text,
            });
        }
        if !c.eat_sym(",") {
            break;
        }
    }
    let mut from_function = None;
    let mut from_query = None;
    let mut from_values = None;
    let from = if c.eat_kw("FROM") {
        if c.eat_kw("TABLE") {
            // `TABLE(<function>(<args>))`; which functions run is the executor's call.
            c.expect_sym("(")?;
            let name = c.name()?;
            c.expect_sym("(")?;
            let mut args = Vec::new();
            let mut named = Vec::new();
            if !c.eat_sym(")") {
                loop {
                    if c.peek_at(1).is_some_and(|t| t.is_symbol("=>")) {
                        let param = c.ident()?;
                        c.expect_sym("=>")?;
                        named.push((param, expr(c)?));
                    } else {
                        args.push(expr(c)?);
                    }
                    if c.eat_sym(")") {
                        break;
                    }
                    c.expect_sym_in(",", "function arguments other than expressions")?;
                }
            }
            c.expect_sym(")")?;
            from_function = Some(Box::new((name, args, named)));
            None
        } else if c.is_sym("(") && c.is_kw_at(1, "SELECT") {
            c.advance();
            let inner = select(c)?;
            c.expect_sym(")")?;
            source_alias(c)?;
            from_query = Some(Box::new(inner));
            None
        } else if c.is_sym("(") {
            return Err(c.unsupported("subqueries"));
        } else if c.eat_kw("VALUES") {
            let mut rows = Vec::new();
            loop {
                c.expect_sym("(")?;
                let mut row = vec![expr(c)?];
                while c.eat_sym(",") {
                    row.push(expr(c)?);
                }
                c.expect_sym(")")?;
                rows.push(row);
                if !c.eat_sym(",") {
                    break;
                }
            }
            source_alias(c)?;
            from_values = Some(rows);
            None
        } else {
            Some(c.name()?)
        }
    } else {
        None
    };
    if c.is_kw("JOIN") || c.is_sym(",") || c.is_kw("LEFT") || c.is_kw("INNER") {
        return Err(c.unsupported("joins"));
    }
    let filter = if c.eat_kw("WHERE") {
        Some(cond(c)?)
    } else {
        None
    };
    if c.is_kw("UNION") {
        // The branches follow; ORDER BY and LIMIT after the last one end up in it, and the
        // executor refuses them there (they would order the whole union).
        let mut union = Vec::new();
        while c.eat_kw("UNION") {
            let all = c.eat_kw("ALL");
            let mut branch = select(c)?;
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
    if c.is_kws(&["GROUP", "BY"]) || c.is_kw("HAVING") || c.is_kw("QUALIFY") {
        return Err(c.unsupported("aggregation"));
    }
    let mut order_by = Vec::new();
    if c.eat_kws(&["ORDER", "BY"]) {
        loop {
            let column = c.ident()?;
            let descending = if c.eat_kw("DESC") {
                true
            } else {
                c.eat_kw("ASC");
                false
            };
            if c.is_kw("NULLS") {
                return Err(c.unsupported("NULLS FIRST/LAST"));
            }
            order_by.push(OrderKey { column, descending });
            if !c.eat_sym(",") {
                break;
            }
        }
    }
    let limit = if c.eat_kw("LIMIT") {
        Some(c.integer()?.max(0) as u64)
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
fn source_alias(c: &mut Cursor) -> PResult<()> {
    let bare = c.peek().is_some_and(|t| {
        t.kind == TokenKind::QuotedIdent || (t.kind == TokenKind::Word && !is_source_end(c))
    });
    if c.eat_kw("AS") || bare {
        c.ident()?;
    }
    if c.is_sym("(") {
        return Err(c.unsupported("column lists on a source alias"));
    }
    Ok(())
}

fn is_source_end(c: &Cursor) -> bool {
    is_clause_word(c)
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
        .any(|w| c.is_kw(w))
}

/// A type name after `::` or `AS` in CAST: a word and its optional `(n[, m])`, upper-cased.
fn type_name(c: &mut Cursor) -> PResult<String> {
    let mut name = c.ident()?.to_ascii_uppercase();
    if c.is_sym("(") {
        name.push_str(&format!("({})", upper_words(&c.balanced_group()?)));
    }
    Ok(name)
}

/// Words that end a select item rather than alias it.
fn is_clause_word(c: &Cursor) -> bool {
    [
        "FROM", "WHERE", "ORDER", "LIMIT", "GROUP", "HAVING", "UNION", "QUALIFY", "JOIN",
    ]
    .iter()
    .any(|w| c.is_kw(w))
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
pub fn expr(c: &mut Cursor) -> PResult<Expr> {
    expr_in(c, false)
}

/// An expression; with `qualified`, column references may name their table
/// (`s.col`, `db.sch.t.col`), as MERGE's may.
fn expr_in(c: &mut Cursor, qualified: bool) -> PResult<Expr> {
    let Some(t) = c.peek().cloned() else {
        return Err(c.unexpected());
    };
    let e = match t.kind {
        TokenKind::String => {
            c.advance();
            Expr::Literal(Literal::String(t.value))
        }
        TokenKind::Number => {
            c.advance();
            Expr::Literal(Literal::Number(t.text))
        }
        TokenKind::Symbol if t.text == "-" => {
            c.advance();
            match c.peek().cloned() {
                Some(n) if n.kind == TokenKind::Number => {
                    c.advance();
                    Expr::Literal(Literal::Number(format!("-{}", n.text)))
                }
                // `-col`, `-(...)`: valid SQL beyond the sandbox's expressions.
                Some(_) => {
                    return Err(
                        c.beyond("expressions other than literals, columns and function calls")
                    )
                }
                None => return Err(c.unexpected()),
            }
        }
        TokenKind::Word if t.is_keyword("NULL") => {
            c.advance();
            Expr::Literal(Literal::Null)
        }
        TokenKind::Word if t.is_keyword("TRUE") || t.is_keyword("FALSE") => {
            c.advance();
            Expr::Literal(Literal::Bool(t.is_keyword("TRUE")))
        }
        TokenKind::Word
            if t.text.len() > 1
                && t.text.starts_with('$')
                && t.text[1..].bytes().all(|b| b.is_ascii_digit()) =>
        {
            c.advance();
            match t.text[1..].parse::<usize>() {
                Ok(n) if n > 0 => Expr::Positional(n),
                _ => return Err(c.unexpected()),
            }
        }
        TokenKind::Word
            if t.is_keyword("CAST") && c.peek_at(1).is_some_and(|n| n.is_symbol("(")) =>
        {
            c.advance();
            c.advance();
            let inner = expr_in(c, qualified)?;
            c.expect_kw("AS")?;
            let type_name = type_name(c)?;
            c.expect_sym(")")?;
            Expr::Cast {
                expr: Box::new(inner),
                type_name,
            }
        }
        TokenKind::Word
            if t.is_keyword("COUNT")
                && c.peek_at(1).is_some_and(|n| n.is_symbol("("))
                && c.peek_at(2).is_some_and(|n| n.is_symbol("*")) =>
        {
            c.advance();
            c.advance();
            c.advance();
            c.expect_sym(")")?;
            Expr::CountStar
        }
        TokenKind::Word if c.peek_at(1).is_some_and(|n| n.is_symbol("(")) => {
            c.advance();
            c.advance();
            let mut args = Vec::new();
            if !c.eat_sym(")") {
                loop {
                    args.push(expr_in(c, qualified)?);
                    if c.eat_sym(")") {
                        break;
                    }
                    c.expect_sym_in(",", "function arguments other than expressions")?;
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
            c.advance();
            Expr::Call {
                name: t.text.to_ascii_uppercase(),
                args: vec![],
            }
        }
        TokenKind::Word | TokenKind::QuotedIdent if qualified => {
            let mut parts = vec![c.ident()?];
            while parts.len() < 4 && c.eat_sym(".") {
                parts.push(c.ident()?);
            }
            if parts.len() == 1 {
                Expr::Column(parts.remove(0))
            } else {
                Expr::Ref(parts)
            }
        }
        TokenKind::Word | TokenKind::QuotedIdent => {
            let name = c.name()?;
            if name.len() > 1 {
                return Err(c.unsupported("qualified column references"));
            }
            Expr::Column(name.into_iter().next().unwrap_or_default())
        }
        _ => return Err(c.beyond("expressions other than literals, columns and function calls")),
    };
    let mut e = e;
    while c.eat_sym("::") {
        e = Expr::Cast {
            expr: Box::new(e),
            type_name: type_name(c)?,
        };
    }
    if ["+", "-", "*", "/", "||", "%"].iter().any(|s| c.is_sym(s)) {
        return Err(c.unsupported("expressions other than literals, columns and function calls"));
    }
    Ok(e)
}

/// `a OR b`, `a AND b`, `NOT a`, `(a)`, `x IS [NOT] NULL`, `x op y`, `x [NOT] IN (...)`.
pub fn cond(c: &mut Cursor) -> PResult<Cond> {
    cond_in(c, false)
}

fn cond_in(c: &mut Cursor, q: bool) -> PResult<Cond> {
    let mut left = and_cond(c, q)?;
    while c.eat_kw("OR") {
        let right = and_cond(c, q)?;
        left = Cond::Or(Box::new(left), Box::new(right));
    }
    Ok(left)
}

fn and_cond(c: &mut Cursor, q: bool) -> PResult<Cond> {
    let mut left = not_cond(c, q)?;
    while c.eat_kw("AND") {
        let right = not_cond(c, q)?;
        left = Cond::And(Box::new(left), Box::new(right));
    }
    Ok(left)
}

fn not_cond(c: &mut Cursor, q: bool) -> PResult<Cond> {
    if c.eat_kw("NOT") {
        return Ok(Cond::Not(Box::new(not_cond(c, q)?)));
    }
    if c.eat_sym("(") {
        let inner = cond_in(c, q)?;
        c.expect_sym_in(
            ")",
            "conditions other than comparisons, IN lists and IS NULL",
        )?;
        return Ok(inner);
    }
    let left = expr_in(c, q)?;
    if c.eat_kw("IS") {
        let negated = c.eat_kw("NOT");
        // `IS [NOT] DISTINCT FROM` is valid SQL the sandbox does not evaluate.
        if !c.is_kw("NULL") {
            return Err(c.beyond("conditions other than comparisons, IN lists and IS NULL"));
        }
        c.expect_kw("NULL")?;
        return Ok(Cond::IsNull {
            expr: left,
            negated,
        });
    }
    let negated_in = c.is_kws(&["NOT", "IN"]);
    if negated_in || c.is_kw("IN") {
        if negated_in {
            c.advance();
        }
        c.advance();
        c.expect_sym_in("(", "IN other than a list of values")?;
        if c.is_kw("SELECT") || c.is_kw("WITH") {
            return Err(c.unsupported("subqueries"));
        }
        let mut list = vec![expr_in(c, q)?];
        while c.eat_sym(",") {
            list.push(expr_in(c, q)?);
        }
        c.expect_sym_in(")", "IN lists other than values")?;
        return Ok(Cond::In {
            expr: left,
            list,
            negated: negated_in,
        });
    }
    let negated_like = c.is_kws(&["NOT", "LIKE"]) || c.is_kws(&["NOT", "ILIKE"]);
    if negated_like || c.is_kw("LIKE") || c.is_kw("ILIKE") {
        if negated_like {
            c.advance();
        }
        let ignore_case = c.is_kw("ILIKE");
        c.advance();
        if c.is_kw("ANY") || c.is_kw("ALL") {
            return Err(c.unsupported("LIKE ANY/ALL"));
        }
        let pattern = expr_in(c, q)?;
        if c.is_kw("ESCAPE") {
            return Err(c.unsupported("LIKE ... ESCAPE"));
        }
        return Ok(Cond::Like {
            expr: left,
            pattern,
            ignore_case,
            negated: negated_like,
        });
    }
    let op = match c.peek().map(|t| t.text.as_str()) {
        Some("=") => CmpOp::Eq,
        Some("<>") | Some("!=") => CmpOp::Ne,
        Some("<") => CmpOp::Lt,
        Some("<=") => CmpOp::Le,
        Some(">") => CmpOp::Gt,
        Some(">=") => CmpOp::Ge,
        _ if c.is_kw("BETWEEN") || c.is_kws(&["NOT", "BETWEEN"]) => {
            return Err(c.unsupported("BETWEEN in conditions"))
        }
        _ => return Err(c.beyond("conditions other than comparisons, IN lists and IS NULL")),
    };
    c.advance();
    let right = expr_in(c, q)?;
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
