//! The statement parser: Snowflake's syntax for the statements the sandbox executes, read
//! from `crate::sql` tokens. Anything outside that subset is reported as unsupported, never
//! guessed at.

mod alter;
pub(crate) mod ast;
mod create;
mod cursor;
mod grant;
mod procedure;
mod query;
mod show;
pub(crate) mod sources;

pub(crate) use cursor::ParseError;

use crate::sql::{tokenize, Token, TokenKind};
use ast::{ObjectKind, StageLocation, Statement};
use cursor::{Cursor, PResult};

/// A statement read from `sql`, with the text it was read from (trimmed, without a
/// trailing `;`).
pub struct Parsed {
    pub statement: Statement,
    pub text: String,
}

/// How a statement failed to parse.
#[derive(Debug)]
pub enum Failure {
    Parse(ParseError),
    /// More than one statement in the text.
    Count(usize),
}

pub fn parse(sql: &str) -> Result<Parsed, Failure> {
    let tokens = tokenize(sql).map_err(|e| {
        Failure::Parse(ParseError::Syntax {
            offset: e.offset(),
            found: None,
        })
    })?;
    let mut toks: Vec<Token> = tokens.into_iter().filter(|t| !t.is_trivia()).collect();
    while toks.last().is_some_and(|t| t.is_symbol(";")) {
        toks.pop();
    }
    let count = 1 + toks.iter().filter(|t| t.is_symbol(";")).count();
    if count > 1 {
        return Err(Failure::Count(count));
    }
    let text = match (toks.first(), toks.last()) {
        (Some(a), Some(b)) => sql[a.offset..b.offset + b.text.len()].to_string(),
        _ => String::new(),
    };
    balanced(&toks).map_err(Failure::Parse)?;
    let mut c = Cursor::new(sql, toks);
    let statement = statement(&mut c).map_err(Failure::Parse)?;
    Ok(Parsed { statement, text })
}

/// Unbalanced parentheses are a syntax error whatever the statement: checked first, so
/// that a statement the parser does not know is never reported as unsupported for them.
fn balanced(toks: &[Token]) -> PResult<()> {
    let mut depth = 0usize;
    for t in toks {
        if t.is_symbol("(") {
            depth += 1;
        } else if t.is_symbol(")") {
            if depth == 0 {
                return Err(ParseError::Syntax {
                    offset: t.offset,
                    found: Some(t.text.clone()),
                });
            }
            depth -= 1;
        }
    }
    if depth > 0 {
        let end = toks.last().map(|t| t.offset + t.text.len()).unwrap_or(0);
        return Err(ParseError::Syntax {
            offset: end,
            found: None,
        });
    }
    Ok(())
}

fn statement(cursor: &mut Cursor) -> PResult<Statement> {
    let Some(first) = cursor.peek().cloned() else {
        return Err(cursor.unsupported("empty statement"));
    };
    let verb = first.text.to_ascii_uppercase();
    // Database roles and grants have their own grammar (parse::grant).
    let database_role = |cursor: &Cursor, from: usize| {
        let from = if cursor.is_kw_at(from, "OR") {
            from + 2
        } else {
            from
        };
        cursor.is_kw_at(from, "DATABASE")
            && (cursor.is_kw_at(from + 1, "ROLE") || cursor.is_kw_at(from + 1, "ROLES"))
    };
    let st = match verb.as_str() {
        "CREATE" if database_role(cursor, 1) => grant::create_database_role(cursor)?,
        "DROP" if database_role(cursor, 1) => grant::drop_database_role(cursor)?,
        "ALTER" if database_role(cursor, 1) => {
            return Err(cursor.unsupported("ALTER DATABASE ROLE"))
        }
        "SHOW"
            if database_role(cursor, 1)
                || cursor.is_kw_at(1, "GRANTS")
                || (cursor.is_kw_at(1, "FUTURE") && cursor.is_kw_at(2, "GRANTS")) =>
        {
            grant::show(cursor)?
        }
        "GRANT" | "REVOKE" => grant::grant(cursor)?,
        "CREATE" if procedure::is_create(cursor) => procedure::create(cursor)?,
        "DROP" if cursor.is_kw_at(1, "PROCEDURE") => procedure::drop(cursor)?,
        "DESC" | "DESCRIBE" if cursor.is_kw_at(1, "PROCEDURE") => procedure::describe(cursor)?,
        "ALTER" if cursor.is_kw_at(1, "PROCEDURE") => {
            return Err(cursor.unsupported("ALTER PROCEDURE"))
        }
        "CALL" => procedure::call(cursor)?,
        "CREATE" => create::create(cursor)?,
        "ALTER" => alter::alter(cursor)?,
        "DROP" => alter::drop(cursor)?,
        "COMMENT" => alter::comment_on(cursor)?,
        "SHOW" => show::show(cursor)?,
        "INSERT" => query::insert(cursor)?,
        "UPDATE" => query::update(cursor)?,
        "DELETE" => query::delete(cursor)?,
        "MERGE" => query::merge(cursor)?,
        "SELECT" => Statement::Select(query::select(cursor)?),
        "DESC" | "DESCRIBE" => describe(cursor)?,
        _ if first.kind == TokenKind::Word => return Err(cursor.unsupported(verb)),
        _ => return Err(cursor.unexpected()),
    };
    if !cursor.at_end() {
        let what = cursor
            .peek()
            .map(|t| format!("{} clause", t.text.to_ascii_uppercase()))
            .unwrap_or_default();
        return Err(cursor.unsupported(what));
    }
    Ok(st)
}

/// `DESC[RIBE] TABLE | VIEW | DYNAMIC TABLE | USER <name>`; other kinds are not emulated.
fn describe(cursor: &mut Cursor) -> PResult<Statement> {
    cursor.advance();
    let kind = kind(cursor)?;
    if kind == ObjectKind::User {
        let name = cursor.name()?;
        return Ok(Statement::DescribeUser { name });
    }
    if !matches!(
        kind,
        ObjectKind::Table | ObjectKind::View | ObjectKind::DynamicTable
    ) {
        return Err(cursor.unsupported(format!("DESCRIBE {}", kind.keyword())));
    }
    let name = cursor.name()?;
    if cursor.is_kw("TYPE") {
        return Err(cursor.unsupported("DESCRIBE ... TYPE"));
    }
    Ok(Statement::Describe { kind, name })
}

/// The object kind named at the cursor (`WAREHOUSE`, `DYNAMIC TABLE`, ...).
fn kind(cursor: &mut Cursor) -> PResult<ObjectKind> {
    let k = if cursor.eat_kw("WAREHOUSE") {
        ObjectKind::Warehouse
    } else if cursor.eat_kw("DATABASE") {
        ObjectKind::Database
    } else if cursor.eat_kw("SCHEMA") {
        ObjectKind::Schema
    } else if cursor.eat_kw("STAGE") {
        ObjectKind::Stage
    } else if cursor.eat_kw("TAG") {
        ObjectKind::Tag
    } else if cursor.eat_kw("TABLE") {
        ObjectKind::Table
    } else if cursor.eat_kw("VIEW") {
        ObjectKind::View
    } else if cursor.eat_kws(&["DYNAMIC", "TABLE"]) {
        ObjectKind::DynamicTable
    } else if cursor.eat_kw("TASK") {
        ObjectKind::Task
    } else if cursor.eat_kw("MODEL") {
        ObjectKind::Model
    } else if cursor.eat_kw("ROLE") {
        ObjectKind::Role
    } else if cursor.eat_kw("USER") {
        ObjectKind::User
    } else {
        return match cursor.peek() {
            Some(t) if t.kind == TokenKind::Word => {
                Err(cursor.unsupported(t.text.to_ascii_uppercase()))
            }
            _ => Err(cursor.unexpected()),
        };
    };
    Ok(k)
}

/// A stage location token: `@db.s.stage/path`, or the whole location in single quotes
/// (`'@"my stage"/a path'`), as Snowflake's stage references allow for names and paths
/// with spaces or special characters. User (`@~`) and table (`@%t`) stages are not
/// emulated.
fn stage_location(cursor: &mut Cursor) -> PResult<StageLocation> {
    let t = match cursor.peek() {
        Some(t) if t.kind == TokenKind::Stage => t.clone(),
        Some(t) if t.kind == TokenKind::String && t.text.starts_with("'@") => {
            let mut t = t.clone();
            t.text = t.value.clone();
            t
        }
        _ => return Err(cursor.unexpected()),
    };
    cursor.advance();
    let body = &t.text[1..];
    if body.starts_with('~') || body.starts_with('%') {
        return Err(cursor.unsupported("user and table stages"));
    }
    // The name ends at the first `/` outside double quotes.
    let mut in_quotes = false;
    let mut split = body.len();
    for (i, ch) in body.char_indices() {
        match ch {
            '"' => in_quotes = !in_quotes,
            '/' if !in_quotes => {
                split = i;
                break;
            }
            _ => {}
        }
    }
    let bad = || ParseError::Syntax {
        offset: t.offset,
        found: Some(t.text.clone()),
    };
    let parts = split_name(&body[..split]).ok_or_else(bad)?;
    Ok(StageLocation {
        stage: parts,
        path: body[split..].trim_start_matches('/').to_string(),
        text: t.text.clone(),
    })
}

/// A name written outside statement text (a stage location's body): one to three
/// identifiers read by the same rules as names in statements (unquoted upper-cased,
/// quoted kept exactly). The sandbox keeps its own name rules rather than the product's,
/// so a mistake in one is not mirrored by the other.
pub(crate) fn split_name(text: &str) -> Option<Vec<String>> {
    let toks: Vec<Token> = tokenize(text)
        .ok()?
        .into_iter()
        .filter(|t| !t.is_trivia())
        .collect();
    let mut c = Cursor::new(text, toks);
    let name = c.name().ok()?;
    c.at_end().then_some(name)
}

#[cfg(test)]
mod tests {
    use super::ast::*;
    use super::*;

    fn ok(sql: &str) -> Statement {
        match parse(sql) {
            Ok(p) => p.statement,
            Err(e) => panic!("{sql}: {e:?}"),
        }
    }

    #[test]
    fn reads_properties_in_any_order_and_case() {
        let Statement::CreateWarehouse { head, props } =
            ok("create warehouse if not exists \"wh\" with comment = 'x' warehouse_size = 'X-SMALL' auto_suspend = 60")
        else {
            panic!()
        };
        assert!(!head.or_replace && head.if_not_exists);
        assert_eq!(head.name, vec!["wh".to_string()]);
        let keys: Vec<_> = props.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(keys, ["COMMENT", "WAREHOUSE_SIZE", "AUTO_SUSPEND"]);
    }

    #[test]
    fn a_stage_location_may_be_one_quoted_string() {
        // Stage references with spaces or special characters are written in single quotes
        // (https://docs.snowflake.com/en/sql-reference/functions/get_stage_location).
        let Statement::CreateModel { source, .. } =
            ok("CREATE MODEL m WITH VERSION v1 FROM '@\"my db\".s.\"st;g\"/a b/c'")
        else {
            panic!()
        };
        assert_eq!(source.stage, ["my db", "S", "st;g"]);
        assert_eq!(source.path, "a b/c");
        assert_eq!(source.text, "@\"my db\".s.\"st;g\"/a b/c");
        // A string that is not a stage location, or a dollar-quoted one, is not.
        assert!(parse("CREATE MODEL m WITH VERSION v1 FROM 'db.s.stg/x'").is_err());
        assert!(parse("CREATE MODEL m WITH VERSION v1 FROM $$@db.s.stg/x$$").is_err());
    }

    #[test]
    fn keeps_task_body_and_condition_text() {
        let Statement::CreateTask { after, condition, body, .. } =
            ok("CREATE TASK t WAREHOUSE = w AFTER a, db.s.b WHEN SYSTEM$STREAM_HAS_DATA('S') AS INSERT INTO x SELECT 1 AS y;")
        else {
            panic!()
        };
        assert_eq!(after.len(), 2);
        assert_eq!(condition.as_deref(), Some("SYSTEM$STREAM_HAS_DATA('S')"));
        assert_eq!(body, "INSERT INTO x SELECT 1 AS y");
    }

    #[test]
    fn splits_stage_locations() {
        let Statement::CreateModel {
            source, version, ..
        } = ok("CREATE MODEL m WITH VERSION v1 FROM @db.\"s\".stg/model/a")
        else {
            panic!()
        };
        assert_eq!(version, "V1");
        assert_eq!(
            source.stage,
            vec!["DB".to_string(), "s".into(), "STG".into()]
        );
        assert_eq!(source.path, "model/a");
    }

    #[test]
    fn splits_names_by_its_own_rules() {
        assert_eq!(
            split_name("db.\"My \"\"S\"\"\".stg$1"),
            Some(vec!["DB".to_string(), "My \"S\"".into(), "STG$1".into()])
        );
        for bad in ["", "a..b", "a.b.c.d", "\"\"", "a.", "\"open", "a b"] {
            assert_eq!(split_name(bad), None, "{bad}");
        }
    }

    #[test]
    fn rejects_several_statements_and_unknown_verbs() {
        assert!(matches!(
            parse("SELECT 1; SELECT 2"),
            Err(Failure::Count(2))
        ));
        assert!(matches!(
            parse("UNDROP TABLE t"),
            Err(Failure::Parse(ParseError::Unsupported { .. }))
        ));
        assert!(matches!(
            parse("CREATE WAREHOUSE"),
            Err(Failure::Parse(ParseError::Syntax { .. }))
        ));
    }
}
