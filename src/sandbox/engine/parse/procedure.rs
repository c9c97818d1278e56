//! Stored procedures (CREATE PROCEDURE, DROP PROCEDURE, DESCRIBE PROCEDURE, CALL reference
//! pages): `CREATE [OR REPLACE] [SECURE] PROCEDURE name ( [arg type, ...] ) [COPY GRANTS]
//! RETURNS type [NOT NULL] LANGUAGE lang` with RUNTIME_VERSION, PACKAGES, IMPORTS, HANDLER,
//! COMMENT and EXECUTE AS in any order, then `AS` and the body ('...' or $$...$$). A
//! procedure is kept, never run: CALL only tells a missing procedure from an existing one.

use super::ast::*;
use super::cursor::{Cursor, PResult};
use crate::sql::TokenKind;

/// Whether the statement at the cursor is `CREATE [OR REPLACE] [SECURE] PROCEDURE`.
pub(crate) fn is_create(cursor: &Cursor) -> bool {
    let mut n = 1;
    if cursor.is_kw_at(n, "OR") && cursor.is_kw_at(n + 1, "REPLACE") {
        n += 2;
    }
    if cursor.is_kw_at(n, "SECURE") {
        n += 1;
    }
    cursor.is_kw_at(n, "PROCEDURE")
}

/// A data type as written: a word (two for `DOUBLE PRECISION`) and an optional
/// parenthesised length or precision, upper-cased.
fn data_type(cursor: &mut Cursor) -> PResult<String> {
    let mut t = match cursor.peek() {
        Some(t) if t.kind == TokenKind::Word => t.text.to_ascii_uppercase(),
        _ => return Err(cursor.unexpected()),
    };
    cursor.advance();
    if t == "TABLE" {
        return Err(cursor.unsupported("procedures that return or take a TABLE"));
    }
    if t == "DOUBLE" && cursor.eat_kw("PRECISION") {
        t.push_str(" PRECISION");
    }
    if cursor.is_sym("(") {
        let inner = cursor.balanced_group()?;
        t = format!("{t}({})", inner.replace(' ', ""));
    }
    Ok(t)
}

/// `( type, ... )` after a procedure name in DROP, DESCRIBE and ALTER.
fn signature_types(cursor: &mut Cursor) -> PResult<Vec<String>> {
    cursor.expect_sym("(")?;
    let mut out = Vec::new();
    if !cursor.is_sym(")") {
        out.push(data_type(cursor)?);
        while cursor.eat_sym(",") {
            out.push(data_type(cursor)?);
        }
    }
    cursor.expect_sym(")")?;
    Ok(out)
}

pub fn create(cursor: &mut Cursor) -> PResult<Statement> {
    cursor.expect_kw("CREATE")?;
    let or_replace = cursor.eat_kws(&["OR", "REPLACE"]);
    let secure = cursor.eat_kw("SECURE");
    cursor.expect_kw("PROCEDURE")?;
    let if_not_exists = cursor.eat_kws(&["IF", "NOT", "EXISTS"]);
    if or_replace && if_not_exists {
        return Err(cursor.unexpected());
    }
    let name = cursor.name()?;
    cursor.expect_sym("(")?;
    let mut args = Vec::new();
    while !cursor.is_sym(")") {
        let arg = cursor.ident()?;
        let ty = data_type(cursor)?;
        if cursor.is_kw("DEFAULT") {
            return Err(cursor.unsupported("argument defaults"));
        }
        args.push((arg, ty));
        if !cursor.eat_sym(",") {
            break;
        }
    }
    cursor.expect_sym(")")?;
    let copy_grants = cursor.eat_kws(&["COPY", "GRANTS"]);
    cursor.expect_kw("RETURNS")?;
    let returns = data_type(cursor)?;
    let returns_not_null = cursor.eat_kws(&["NOT", "NULL"]);
    cursor.expect_kw("LANGUAGE")?;
    let language = cursor.ident()?;
    if !matches!(
        language.as_str(),
        "SQL" | "PYTHON" | "JAVA" | "SCALA" | "JAVASCRIPT"
    ) {
        return Err(cursor.unexpected());
    }
    let mut def = ProcedureDef {
        head: CreateHead {
            or_replace,
            if_not_exists,
            name,
        },
        secure,
        args,
        copy_grants,
        returns,
        returns_not_null,
        language,
        runtime_version: None,
        packages: Vec::new(),
        imports: Vec::new(),
        handler: None,
        comment: None,
        execute_as: "OWNER".into(),
        body: None,
    };
    loop {
        if cursor.eat_kws(&["EXECUTE", "AS"]) {
            def.execute_as = if cursor.eat_kws(&["RESTRICTED", "CALLER"]) {
                "RESTRICTED CALLER".into()
            } else if cursor.eat_kw("CALLER") {
                "CALLER".into()
            } else {
                cursor.expect_kw("OWNER")?;
                "OWNER".into()
            };
        } else if cursor.eat_kw("AS") {
            def.body = Some(cursor.string()?);
            break;
        } else if cursor.starts_prop() {
            let key = cursor.ident()?;
            cursor.expect_sym("=")?;
            match key.as_str() {
                "RUNTIME_VERSION" => def.runtime_version = Some(cursor.string()?),
                "HANDLER" => def.handler = Some(cursor.string()?),
                "COMMENT" => def.comment = Some(cursor.string()?),
                "PACKAGES" | "IMPORTS" => {
                    cursor.expect_sym("(")?;
                    let list = if cursor.is_sym(")") {
                        Vec::new()
                    } else {
                        cursor.strings()?
                    };
                    cursor.expect_sym(")")?;
                    if key == "PACKAGES" {
                        def.packages = list;
                    } else {
                        def.imports = list;
                    }
                }
                other => return Err(cursor.unsupported(format!("{other} on CREATE PROCEDURE"))),
            }
        } else if cursor.is_kws(&["CALLED", "ON"])
            || cursor.is_kws(&["RETURNS", "NULL"])
            || cursor.is_kw("STRICT")
            || cursor.is_kw("VOLATILE")
            || cursor.is_kw("IMMUTABLE")
        {
            return Err(
                cursor.unsupported("null handling and volatility clauses on CREATE PROCEDURE")
            );
        } else {
            break;
        }
    }
    Ok(Statement::CreateProcedure(Box::new(def)))
}

/// `DROP PROCEDURE [IF EXISTS] name ( types )`.
pub fn drop(cursor: &mut Cursor) -> PResult<Statement> {
    cursor.expect_kws(&["DROP", "PROCEDURE"])?;
    let if_exists = cursor.eat_kws(&["IF", "EXISTS"]);
    let name = cursor.name()?;
    let types = signature_types(cursor)?;
    Ok(Statement::DropProcedure {
        if_exists,
        name,
        types,
    })
}

/// `DESC[RIBE] PROCEDURE name ( types )`.
pub(crate) fn describe(cursor: &mut Cursor) -> PResult<Statement> {
    cursor.advance();
    cursor.expect_kw("PROCEDURE")?;
    let name = cursor.name()?;
    let types = signature_types(cursor)?;
    Ok(Statement::DescribeProcedure { name, types })
}

/// `CALL name ( ... )`: the arguments are skipped (nothing runs).
pub(crate) fn call(cursor: &mut Cursor) -> PResult<Statement> {
    cursor.expect_kw("CALL")?;
    let name = cursor.name()?;
    let args = cursor.balanced_group()?;
    if cursor.is_kw("INTO") {
        return Err(cursor.unsupported("CALL ... INTO"));
    }
    Ok(Statement::Call { name, args })
}
