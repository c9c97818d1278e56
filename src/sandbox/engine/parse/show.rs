//! `SHOW ...`: the object kind, then `LIKE`, `IN`, `STARTS WITH`, `ROOT ONLY` and
//! `LIMIT ... FROM` in Snowflake's order.

use super::ast::*;
use super::cursor::{Cursor, PResult};
use super::kind;
use crate::sql::TokenKind;

pub fn show(cursor: &mut Cursor) -> PResult<Statement> {
    cursor.expect_kw("SHOW")?;
    let terse = cursor.eat_kw("TERSE");
    let what = if cursor.eat_kw("WAREHOUSES") {
        ShowWhat::Warehouses
    } else if cursor.eat_kw("DATABASES") {
        ShowWhat::Databases
    } else if cursor.eat_kw("SCHEMAS") {
        ShowWhat::Schemas
    } else if cursor.eat_kw("STAGES") {
        ShowWhat::Stages
    } else if cursor.eat_kw("TAGS") {
        ShowWhat::Tags
    } else if cursor.eat_kw("TABLES") {
        ShowWhat::Tables
    } else if cursor.eat_kw("VIEWS") {
        ShowWhat::Views
    } else if cursor.eat_kws(&["DYNAMIC", "TABLES"]) {
        ShowWhat::DynamicTables
    } else if cursor.eat_kw("TASKS") {
        ShowWhat::Tasks
    } else if cursor.eat_kw("MODELS") {
        ShowWhat::Models
    } else if cursor.eat_kw("VERSIONS") {
        ShowWhat::Versions
    } else if cursor.eat_kw("PARAMETERS") {
        ShowWhat::Parameters
    } else if cursor.eat_kw("ROLES") {
        ShowWhat::Roles
    } else if cursor.eat_kw("COLUMNS") {
        ShowWhat::Columns
    } else if cursor.eat_kw("PROCEDURES") {
        ShowWhat::Procedures
    } else if cursor.eat_kw("USERS") {
        ShowWhat::Users
    } else {
        return Err(match cursor.peek() {
            // Online feature tables are a preview feature: an account without it does not
            // know the word, and snowflake-ml-python (feature_store.py `_find_object`)
            // treats exactly that syntax error as "no online feature tables".
            Some(t) if t.is_keyword("ONLINE") => cursor.unexpected(),
            Some(t) if t.kind == TokenKind::Word => {
                cursor.unsupported(format!("SHOW {}", t.text.to_ascii_uppercase()))
            }
            _ => cursor.unexpected(),
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
    if terse && what == ShowWhat::Users {
        // Documented (a subset of the columns), not emulated.
        return Err(cursor.unsupported("SHOW TERSE USERS"));
    }
    if terse && what == ShowWhat::Roles {
        // Documented, but its subset of columns is not clear enough to emulate.
        return Err(cursor.unsupported("SHOW TERSE ROLES"));
    }
    if terse && !terse_ok {
        return Err(cursor.unexpected());
    }
    if cursor.is_kw("HISTORY") || cursor.is_kw("WITH") {
        return Err(cursor.unsupported("SHOW ... HISTORY / WITH PRIVILEGES"));
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
    if cursor.eat_kw("LIKE") {
        s.like = Some(cursor.string()?);
    }
    // SHOW PARAMETERS takes `IN | FOR <object>` (SHOW PARAMETERS reference); Titan sends FOR.
    if cursor.is_kw("IN") || (what == ShowWhat::Parameters && cursor.is_kw("FOR")) {
        if matches!(
            what,
            ShowWhat::Warehouses | ShowWhat::Databases | ShowWhat::Roles | ShowWhat::Users
        ) {
            // Account-wide objects: `IN ACCOUNT` says what is meant anyway. The reference
            // grammars do not list it, but Snowflake takes it (Titan's data_provider.py
            // `_show_resources` sends it for every such read; Snowflake Scripting procedures
            // run `SHOW WAREHOUSES IN ACCOUNT`); any other scope is a syntax error.
            if !cursor.is_kw_at(1, "ACCOUNT") {
                return Err(cursor.unexpected());
            }
            cursor.advance();
            cursor.advance();
        } else {
            cursor.advance();
            s.scope = Some(scope(cursor, what)?);
        }
    }
    if cursor.eat_kws(&["STARTS", "WITH"]) {
        s.starts_with = Some(cursor.string()?);
    }
    if what == ShowWhat::Tasks && cursor.eat_kws(&["ROOT", "ONLY"]) {
        s.root_only = true;
    }
    if cursor.eat_kw("LIMIT") {
        let n = cursor.integer()?;
        if n < 0 {
            return Err(cursor.unexpected());
        }
        s.limit = Some(n as u64);
        if cursor.eat_kw("FROM") {
            s.from = Some(cursor.string()?);
        }
    }
    if what == ShowWhat::Versions && !matches!(s.scope, Some(ShowScope::Model(_))) {
        return Err(cursor.unexpected());
    }
    if what == ShowWhat::Parameters && !matches!(s.scope, Some(ShowScope::Object(..))) {
        return Err(cursor.unsupported("SHOW PARAMETERS outside IN <object>"));
    }
    Ok(Statement::Show(s))
}

/// True when the cursor is at a name rather than the next clause.
fn at_name(cursor: &Cursor) -> bool {
    match cursor.peek() {
        Some(t) if t.kind == TokenKind::QuotedIdent => true,
        Some(t) if t.kind == TokenKind::Word => {
            !["STARTS", "LIMIT", "ROOT"].iter().any(|k| t.is_keyword(k))
        }
        _ => false,
    }
}

fn scope(cursor: &mut Cursor, what: ShowWhat) -> PResult<ShowScope> {
    if what == ShowWhat::Parameters {
        let k = kind(cursor)?;
        return Ok(ShowScope::Object(k, cursor.name()?));
    }
    if cursor.eat_kw("ACCOUNT") {
        return Ok(ShowScope::Account);
    }
    if cursor.eat_kw("DATABASE") {
        return Ok(ShowScope::Database(if at_name(cursor) {
            Some(cursor.ident()?)
        } else {
            None
        }));
    }
    if cursor.eat_kw("SCHEMA") {
        return Ok(ShowScope::Schema(if at_name(cursor) {
            Some(cursor.name()?)
        } else {
            None
        }));
    }
    if cursor.eat_kw("MODEL") {
        return Ok(ShowScope::Model(cursor.name()?));
    }
    if cursor.is_kw("APPLICATION") {
        return Err(cursor.unsupported("SHOW ... IN APPLICATION"));
    }
    // SHOW COLUMNS IN [TABLE | VIEW] <name>: the columns of one table or view.
    if what == ShowWhat::Columns {
        if cursor.eat_kw("VIEW") {
            return Ok(ShowScope::Object(ObjectKind::View, cursor.name()?));
        }
        let _ = cursor.eat_kw("TABLE");
        return Ok(ShowScope::Object(ObjectKind::Table, cursor.name()?));
    }
    Ok(ShowScope::Schema(Some(cursor.name()?)))
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
