//! Stored procedures (CREATE PROCEDURE, DROP PROCEDURE, DESCRIBE PROCEDURE, CALL reference
//! pages): `CREATE [OR REPLACE] [SECURE] PROCEDURE name ( [arg type, ...] ) [COPY GRANTS]
//! RETURNS type [NOT NULL] LANGUAGE lang` with RUNTIME_VERSION, PACKAGES, IMPORTS, HANDLER,
//! COMMENT and EXECUTE AS in any order, then `AS` and the body ('...' or $$...$$). A
//! procedure is kept, never run: CALL only tells a missing procedure from an existing one.

use super::ast::*;
use super::cursor::{Cursor, PResult};
use crate::sql::TokenKind;

/// Whether the statement at the cursor is `CREATE [OR REPLACE] [SECURE] PROCEDURE`.
pub fn is_create(c: &Cursor) -> bool {
    let mut n = 1;
    if c.is_kw_at(n, "OR") && c.is_kw_at(n + 1, "REPLACE") {
        n += 2;
    }
    if c.is_kw_at(n, "SECURE") {
        n += 1;
    }
    c.is_kw_at(n, "PROCEDURE")
}

/// A data type as written: a word (two for `DOUBLE PRECISION`) and an optional
/// parenthesised length or precision, upper-cased.
fn data_type(c: &mut Cursor) -> PResult<String> {
    let mut t = match c.peek() {
        Some(t) if t.kind == TokenKind::Word => t.text.to_ascii_uppercase(),
        _ => return Err(c.unexpected()),
    };
    c.advance();
    if t == "TABLE" {
        return Err(c.unsupported("procedures that return or take a TABLE"));
    }
    if t == "DOUBLE" && c.eat_kw("PRECISION") {
        t.push_str(" PRECISION");
    }
    if c.is_sym("(") {
        let inner = c.balanced_group()?;
        t = format!("{t}({})", inner.replace(' ', ""));
    }
    Ok(t)
}

/// `( type, ... )` after a procedure name in DROP, DESCRIBE and ALTER.
fn signature_types(c: &mut Cursor) -> PResult<Vec<String>> {
    c.expect_sym("(")?;
    let mut out = Vec::new();
    if !c.is_sym(")") {
        out.push(data_type(c)?);
        while c.eat_sym(",") {
            out.push(data_type(c)?);
        }
    }
    c.expect_sym(")")?;
    Ok(out)
}

pub fn create(c: &mut Cursor) -> PResult<Statement> {
    c.expect_kw("CREATE")?;
    let or_replace = c.eat_kws(&["OR", "REPLACE"]);
    let secure = c.eat_kw("SECURE");
    c.expect_kw("PROCEDURE")?;
    let if_not_exists = c.eat_kws(&["IF", "NOT", "EXISTS"]);
    if or_replace && if_not_exists {
        return Err(c.unexpected());
    }
    let name = c.name()?;
    c.expect_sym("(")?;
    let mut args = Vec::new();
    while !c.is_sym(")") {
        let arg = c.ident()?;
        let ty = data_type(c)?;
        if c.is_kw("DEFAULT") {
            return Err(c.unsupported("argument defaults"));
        }
        args.push((arg, ty));
        if !c.eat_sym(",") {
            break;
        }
    }
    c.expect_sym(")")?;
    let copy_grants = c.eat_kws(&["COPY", "GRANTS"]);
    c.expect_kw("RETURNS")?;
    let returns = data_type(c)?;
    let returns_not_null = c.eat_kws(&["NOT", "NULL"]);
    c.expect_kw("LANGUAGE")?;
    let language = c.ident()?;
    if !matches!(
        language.as_str(),
        "SQL" | "PYTHON" | "JAVA" | "SCALA" | "JAVASCRIPT"
    ) {
        return Err(c.unexpected());
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
        if c.eat_kws(&["EXECUTE", "AS"]) {
            def.execute_as = if c.eat_kws(&["RESTRICTED", "CALLER"]) {
                "RESTRICTED CALLER".into()
            } else if c.eat_kw("CALLER") {
                "CALLER".into()
            } else {
                c.expect_kw("OWNER")?;
                "OWNER".into()
            };
        } else if c.eat_kw("AS") {
            def.body = Some(c.string()?);
            break;
        } else if c.starts_prop() {
            let key = c.ident()?;
            c.expect_sym("=")?;
            match key.as_str() {
                "RUNTIME_VERSION" => def.runtime_version = Some(c.string()?),
                "HANDLER" => def.handler = Some(c.string()?),
                "COMMENT" => def.comment = Some(c.string()?),
                "PACKAGES" | "IMPORTS" => {
                    c.expect_sym("(")?;
                    let list = if c.is_sym(")") {
                        Vec::new()
                    } else {
                        c.strings()?
                    };
                    c.expect_sym(")")?;
                    if key == "PACKAGES" {
                        def.packages = list;
                    } else {
                        def.imports = list;
                    }
                }
                other => return Err(c.unsupported(format!("{other} on CREATE PROCEDURE"))),
            }
        } else if c.is_kws(&["CALLED", "ON"])
            || c.is_kws(&["RETURNS", "NULL"])
            || c.is_kw("STRICT")
            || c.is_kw("VOLATILE")
            || c.is_kw("IMMUTABLE")
        {
            return Err(c.unsupported("null handling and volatility clauses on CREATE PROCEDURE"));
        } else {
            break;
        }
    }
    Ok(Statement::CreateProcedure(Box::new(def)))
}

/// `DROP PROCEDURE [IF EXISTS] name ( types )`.
pub fn drop(c: &mut Cursor) -> PResult<Statement> {
    c.expect_kws(&["DROP", "PROCEDURE"])?;
    let if_exists = c.eat_kws(&["IF", "EXISTS"]);
    let name = c.name()?;
    let types = signature_types(c)?;
    Ok(Statement::DropProcedure {
        if_exists,
        name,
        types,
    })
}

/// `DESC[RIBE] PROCEDURE name ( types )`.
pub fn describe(c: &mut Cursor) -> PResult<Statement> {
    c.advance();
    c.expect_kw("PROCEDURE")?;
    let name = c.name()?;
    let types = signature_types(c)?;
    Ok(Statement::DescribeProcedure { name, types })
}

/// `CALL name ( ... )`: the arguments are skipped (nothing runs).
pub fn call(c: &mut Cursor) -> PResult<Statement> {
    c.expect_kw("CALL")?;
    let name = c.name()?;
    let args = c.balanced_group()?;
    if c.is_kw("INTO") {
        return Err(c.unsupported("CALL ... INTO"));
    }
    Ok(Statement::Call { name, args })
}
