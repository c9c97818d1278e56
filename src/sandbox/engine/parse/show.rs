//! `SHOW ...`: the object kind, then `LIKE`, `IN`, `STARTS WITH`, `ROOT ONLY` and
//! `LIMIT ... FROM` in Snowflake's order.

use super::ast::*;
use super::cursor::{Cursor, PResult};
use super::kind;
use crate::sql::TokenKind;

pub fn show(c: &mut Cursor) -> PResult<Statement> {
    c.expect_kw("SHOW")?;
    let terse = c.eat_kw("TERSE");
    let what = if c.eat_kw("WAREHOUSES") {
        ShowWhat::Warehouses
    } else if c.eat_kw("DATABASES") {
        ShowWhat::Databases
    } else if c.eat_kw("SCHEMAS") {
        ShowWhat::Schemas
    } else if c.eat_kw("STAGES") {
        ShowWhat::Stages
    } else if c.eat_kw("TAGS") {
        ShowWhat::Tags
    } else if c.eat_kw("TABLES") {
        ShowWhat::Tables
    } else if c.eat_kw("VIEWS") {
        ShowWhat::Views
    } else if c.eat_kws(&["DYNAMIC", "TABLES"]) {
        ShowWhat::DynamicTables
    } else if c.eat_kw("TASKS") {
        ShowWhat::Tasks
    } else if c.eat_kw("MODELS") {
        ShowWhat::Models
    } else if c.eat_kw("VERSIONS") {
        ShowWhat::Versions
    } else if c.eat_kw("PARAMETERS") {
        ShowWhat::Parameters
    } else if c.eat_kw("ROLES") {
        ShowWhat::Roles
    } else if c.eat_kw("COLUMNS") {
        ShowWhat::Columns
    } else if c.eat_kw("PROCEDURES") {
        ShowWhat::Procedures
    } else {
        return Err(match c.peek() {
            // Online feature tables are a preview feature: an account without it does not
            // know the word, and snowflake-ml-python (feature_store.py `_find_object`)
            // treats exactly that syntax error as "no online feature tables".
            Some(t) if t.is_keyword("ONLINE") => c.unexpected(),
            Some(t) if t.kind == TokenKind::Word => {
                c.unsupported(format!("SHOW {}", t.text.to_ascii_uppercase()))
            }
            _ => c.unexpected(),
        });
    };
    let terse_ok = matches!(
        what,
        ShowWhat::Databases
            | ShowWhat::Schemas
            | ShowWhat::Tables
            | ShowWhat::Views
            | ShowWhat::DynamicTables
            | ShowWhat::Tasks
    );
    if terse && what == ShowWhat::Roles {
        // Documented, but its subset of columns is not clear enough to emulate.
        return Err(c.unsupported("SHOW TERSE ROLES"));
    }
    if terse && !terse_ok {
        return Err(c.unexpected());
    }
    if c.is_kw("HISTORY") || c.is_kw("WITH") {
        return Err(c.unsupported("SHOW ... HISTORY / WITH PRIVILEGES"));
    }
    let mut s = Show {
        what,
        terse,
        like: None,
        scope: None,
        starts_with: None,
        limit: None,
        from: None,
        root_only: false,
    };
    if c.eat_kw("LIKE") {
        s.like = Some(c.string()?);
    }
    // SHOW PARAMETERS takes `IN | FOR <object>` (SHOW PARAMETERS reference); Titan sends FOR.
    if c.is_kw("IN") || (what == ShowWhat::Parameters && c.is_kw("FOR")) {
        if matches!(
            what,
            ShowWhat::Warehouses | ShowWhat::Databases | ShowWhat::Roles
        ) {
            // Account-wide objects: `IN ACCOUNT` says what is meant anyway. The reference
            // grammars do not list it, but Snowflake takes it (Titan's data_provider.py
            // `_show_resources` sends it for every such read; Snowflake Scripting procedures
            // run `SHOW WAREHOUSES IN ACCOUNT`); any other scope is a syntax error.
            if !c.is_kw_at(1, "ACCOUNT") {
                return Err(c.unexpected());
            }
            c.advance();
            c.advance();
        } else {
            c.advance();
            s.scope = Some(scope(c, what)?);
        }
    }
    if c.eat_kws(&["STARTS", "WITH"]) {
        s.starts_with = Some(c.string()?);
    }
    if what == ShowWhat::Tasks && c.eat_kws(&["ROOT", "ONLY"]) {
        s.root_only = true;
    }
    if c.eat_kw("LIMIT") {
        let n = c.integer()?;
        if n < 0 {
            return Err(c.unexpected());
        }
        s.limit = Some(n as u64);
        if c.eat_kw("FROM") {
            s.from = Some(c.string()?);
        }
    }
    if what == ShowWhat::Versions && !matches!(s.scope, Some(ShowScope::Model(_))) {
        return Err(c.unexpected());
    }
    if what == ShowWhat::Parameters && !matches!(s.scope, Some(ShowScope::Object(..))) {
        return Err(c.unsupported("SHOW PARAMETERS outside IN <object>"));
    }
    Ok(Statement::Show(s))
}

/// True when the cursor is at a name rather than the next clause.
fn at_name(c: &Cursor) -> bool {
    match c.peek() {
        Some(t) if t.kind == TokenKind::QuotedIdent => true,
        Some(t) if t.kind == TokenKind::Word => {
            !["STARTS", "LIMIT", "ROOT"].iter().any(|k| t.is_keyword(k))
        }
        _ => false,
    }
}

fn scope(c: &mut Cursor, what: ShowWhat) -> PResult<ShowScope> {
    if what == ShowWhat::Parameters {
        let k = kind(c)?;
        return Ok(ShowScope::Object(k, c.name()?));
    }
    if c.eat_kw("ACCOUNT") {
        return Ok(ShowScope::Account);
    }
    if c.eat_kw("DATABASE") {
        return Ok(ShowScope::Database(if at_name(c) {
            Some(c.ident()?)
        } else {
            None
        }));
    }
    if c.eat_kw("SCHEMA") {
        return Ok(ShowScope::Schema(if at_name(c) {
            Some(c.name()?)
        } else {
            None
        }));
    }
    if c.eat_kw("MODEL") {
        return Ok(ShowScope::Model(c.name()?));
    }
    if c.is_kw("APPLICATION") {
        return Err(c.unsupported("SHOW ... IN APPLICATION"));
    }
    // SHOW COLUMNS IN [TABLE | VIEW] <name>: the columns of one table or view.
    if what == ShowWhat::Columns {
        if c.eat_kw("VIEW") {
            return Ok(ShowScope::Object(ObjectKind::View, c.name()?));
        }
        let _ = c.eat_kw("TABLE");
        return Ok(ShowScope::Object(ObjectKind::Table, c.name()?));
    }
    Ok(ShowScope::Schema(Some(c.name()?)))
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use super::*;

    fn show(sql: &str) -> Show {
        match parse(sql).map(|p| p.statement) {
            Ok(Statement::Show(s)) => s,
            other => panic!("{sql}: {other:?}"),
        }
    }

    #[test]
    fn reads_every_filter() {
        let s = show("show terse tasks like 'T%' in schema db.s starts with 'T' root only limit 10 from 'T5'");
        assert!(s.terse && s.root_only);
        assert_eq!(
            s.scope,
            Some(ShowScope::Schema(Some(vec!["DB".into(), "S".into()])))
        );
        assert_eq!(
            (s.limit, s.from.as_deref(), s.starts_with.as_deref()),
            (Some(10), Some("T5"), Some("T"))
        );
        assert_eq!(
            show("SHOW SCHEMAS IN DATABASE LIMIT 5").scope,
            Some(ShowScope::Database(None))
        );
        assert_eq!(
            show("SHOW TAGS IN db.s").scope,
            Some(ShowScope::Schema(Some(vec!["DB".into(), "S".into()])))
        );
        assert_eq!(
            show("SHOW PARAMETERS LIKE 'X%' IN WAREHOUSE w").scope,
            Some(ShowScope::Object(ObjectKind::Warehouse, vec!["W".into()]))
        );
    }
}
