//! `CREATE` statements: the clause grammar of each kind, properties in any order.

use super::ast::*;
use super::cursor::{Cursor, PResult, ParseError};
use super::{kind, query, stage_location};

pub fn create(cursor: &mut Cursor) -> PResult<Statement> {
    cursor.expect_kw("CREATE")?;
    if cursor.is_kws(&["OR", "ALTER"]) {
        return Err(cursor.unsupported("CREATE OR ALTER"));
    }
    let or_replace = cursor.eat_kws(&["OR", "REPLACE"]);
    for modifier in [
        "TEMPORARY",
        "TEMP",
        "VOLATILE",
        "LOCAL",
        "GLOBAL",
        "SCOPED",
        "MATERIALIZED",
        "RECURSIVE",
        "EXTERNAL",
        "HYBRID",
        "ICEBERG",
    ] {
        if cursor.is_kw(modifier) {
            return Err(cursor.unsupported(format!("{modifier} objects")));
        }
    }
    let transient = cursor.eat_kw("TRANSIENT");
    let secure = cursor.eat_kw("SECURE");
    if cursor.is_kws(&["DYNAMIC", "ICEBERG"]) {
        return Err(cursor.unsupported("DYNAMIC ICEBERG TABLE"));
    }
    let k = kind(cursor)?;
    let modifier_ok = match k {
        ObjectKind::Database | ObjectKind::Schema | ObjectKind::Table => !secure,
        ObjectKind::View => !transient,
        _ => !secure && !transient,
    };
    if !modifier_ok {
        return Err(cursor.unsupported(format!("{} with this modifier", k.keyword())));
    }
    let if_not_exists_at = cursor.offset();
    let if_not_exists = cursor.eat_kws(&["IF", "NOT", "EXISTS"]);
    if or_replace && if_not_exists {
        // Snowflake refuses OR REPLACE together with IF NOT EXISTS.
        return Err(ParseError::Syntax {
            offset: if_not_exists_at,
            found: Some("IF".into()),
        });
    }
    let name = cursor.name()?;
    let head = CreateHead {
        or_replace,
        if_not_exists,
        name,
    };
    if cursor.is_kw("CLONE") || cursor.is_kw("LIKE") {
        return Err(cursor.unsupported("CLONE and LIKE"));
    }
    match k {
        ObjectKind::Warehouse => {
            cursor.eat_kw("WITH");
            let props = cursor.props()?;
            Ok(Statement::CreateWarehouse { head, props })
        }
        // CREATE ROLE takes COMMENT and tags; tags are not emulated for roles.
        ObjectKind::Role => {
            if cursor.is_kw("WITH") || cursor.is_kw("TAG") {
                return Err(cursor.unsupported("tags on CREATE ROLE"));
            }
            Ok(Statement::CreateRole {
                head,
                props: cursor.props()?,
            })
        }
        // CREATE USER takes properties, parameters and tags; tags are not emulated.
        ObjectKind::User => {
            if cursor.is_kw("WITH") || cursor.is_kw("TAG") {
                return Err(cursor.unsupported("tags on CREATE USER"));
            }
            let mut props = Vec::new();
            while cursor.starts_prop() {
                refuse_user_list(cursor)?;
                props.push(cursor.prop()?);
            }
            Ok(Statement::CreateUser { head, props })
        }
        ObjectKind::Database => Ok(Statement::CreateDatabase {
            head,
            transient,
            props: cursor.props()?,
        }),
        ObjectKind::Schema => {
            let mut managed_access = false;
            let mut props = Vec::new();
            loop {
                if cursor.eat_kws(&["WITH", "MANAGED", "ACCESS"]) {
                    managed_access = true;
                } else if cursor.starts_prop() {
                    props.push(cursor.prop()?);
                } else {
                    break;
                }
            }
            Ok(Statement::CreateSchema {
                head,
                transient,
                managed_access,
                props,
            })
        }
        ObjectKind::Stage => Ok(Statement::CreateStage {
            head,
            props: cursor.props()?,
        }),
        ObjectKind::Tag => {
            let mut allowed_values = None;
            let mut props = Vec::new();
            loop {
                if cursor.eat_kw("ALLOWED_VALUES") {
                    allowed_values = Some(cursor.strings()?);
                } else if cursor.starts_prop() {
                    props.push(cursor.prop()?);
                } else {
                    break;
                }
            }
            Ok(Statement::CreateTag {
                head,
                allowed_values,
                props,
            })
        }
        ObjectKind::Table => create_table(cursor, head, transient),
        ObjectKind::View => create_view(cursor, head, secure),
        ObjectKind::DynamicTable => create_dynamic_table(cursor, head),
        ObjectKind::Task => create_task(cursor, head),
        ObjectKind::Model => {
            cursor.expect_kw("WITH")?;
            if cursor.is_kw("LIVE") {
                return Err(cursor.unsupported("WITH LIVE VERSION"));
            }
            cursor.expect_kw("VERSION")?;
            let version = cursor.ident()?;
            cursor.expect_kw("FROM")?;
            if cursor.is_kw("MODEL") {
                return Err(cursor.unsupported("FROM MODEL"));
            }
            let source = stage_location(cursor)?;
            Ok(Statement::CreateModel {
                head,
                version,
                source,
            })
        }
    }
}

fn create_table(cursor: &mut Cursor, head: CreateHead, transient: bool) -> PResult<Statement> {
    if cursor.is_kw("AS") || cursor.is_kw("USING") {
        return Err(cursor.unsupported("CREATE TABLE AS SELECT"));
    }
    cursor.expect_sym("(")?;
    let mut columns = Vec::new();
    let mut declares_keys = false;
    loop {
        if cursor.is_kw("PRIMARY") || cursor.is_kw("UNIQUE") || cursor.is_kw("CONSTRAINT") {
            table_constraint(cursor)?;
            declares_keys = true;
        } else {
            let (col, keyed) = column_def(cursor)?;
            declares_keys |= keyed;
            columns.push(col);
        }
        if cursor.eat_sym(")") {
            break;
        }
        cursor.expect_sym(",")?;
    }
    let mut props = Vec::new();
    let mut cluster_by = None;
    loop {
        if cursor.eat_kws(&["CLUSTER", "BY"]) {
            cluster_by = Some(cursor.balanced_group()?);
        } else if cursor.starts_prop() {
            props.push(cursor.prop()?);
        } else {
            break;
        }
    }
    if cursor.is_kw("AS") {
        return Err(cursor.unsupported("CREATE TABLE AS SELECT"));
    }
    Ok(Statement::CreateTable {
        head,
        transient,
        columns,
        declares_keys,
        cluster_by,
        props,
    })
}

/// `[CONSTRAINT n] PRIMARY KEY (cols)` / `UNIQUE (cols)`: accepted and not enforced, as in
/// Snowflake.
fn table_constraint(cursor: &mut Cursor) -> PResult<()> {
    if cursor.eat_kw("CONSTRAINT") {
        cursor.ident()?;
    }
    if cursor.eat_kws(&["PRIMARY", "KEY"]) || cursor.eat_kw("UNIQUE") {
        cursor.balanced_group()?;
        Ok(())
    } else if cursor.is_kw("FOREIGN") {
        Err(cursor.unsupported("FOREIGN KEY"))
    } else {
        Err(cursor.unexpected())
    }
}

/// A column definition, and whether it declares PRIMARY KEY or UNIQUE.
pub(super) fn column_def(cursor: &mut Cursor) -> PResult<(ColumnDef, bool)> {
    let name = cursor.ident()?;
    let type_start = cursor.offset();
    cursor.ident()?;
    // Two-word types.
    let _ = cursor.eat_kw("PRECISION") || cursor.eat_kw("VARYING");
    if cursor.is_sym("(") {
        cursor.balanced_group()?;
    }
    let type_end = cursor.offset();
    let data_type = cursor.src[type_start..type_end].trim().to_ascii_uppercase();
    let mut col = ColumnDef {
        name,
        data_type,
        not_null: false,
        default: None,
        comment: None,
    };
    let mut keyed = false;
    loop {
        if cursor.eat_kws(&["NOT", "NULL"]) {
            col.not_null = true;
        } else if cursor.eat_kw("NULL") {
            col.not_null = false;
        } else if cursor.eat_kw("DEFAULT") {
            col.default = Some(query::expr(cursor)?);
        } else if cursor.eat_kw("COMMENT") {
            col.comment = Some(cursor.string()?);
        } else if cursor.eat_kws(&["PRIMARY", "KEY"]) || cursor.eat_kw("UNIQUE") {
            // Not enforced by Snowflake either; DESCRIBE needs to know it was declared.
            keyed = true;
        } else if cursor.is_kw("COLLATE")
            || cursor.is_kw("AUTOINCREMENT")
            || cursor.is_kw("IDENTITY")
            || cursor.is_kw("WITH")
            || cursor.is_kw("REFERENCES")
        {
            return Err(cursor.unsupported(format!(
                "column option {}",
                cursor
                    .peek()
                    .map(|t| t.text.to_ascii_uppercase())
                    .unwrap_or_default()
            )));
        } else {
            break;
        }
    }
    Ok((col, keyed))
}

/// `( col [COMMENT '...'], ... )` of a view or dynamic table.
fn listed_columns(cursor: &mut Cursor) -> PResult<Vec<ListedColumn>> {
    cursor.expect_sym("(")?;
    let mut out = Vec::new();
    loop {
        let name = cursor.ident()?;
        let mut comment = None;
        if cursor.eat_kw("COMMENT") {
            comment = Some(cursor.string()?);
        }
        if cursor.is_kw("WITH") || cursor.is_kw("MASKING") || cursor.is_kw("PROJECTION") {
            return Err(cursor.unsupported("column policies"));
        }
        if cursor.at_end() {
            return Err(cursor.unexpected());
        }
        if !cursor.is_sym(",") && !cursor.is_sym(")") {
            return Err(cursor.unsupported("typed column lists"));
        }
        out.push(ListedColumn { name, comment });
        if cursor.eat_sym(")") {
            break;
        }
        cursor.expect_sym(",")?;
    }
    Ok(out)
}

/// `TAG ( t = 'v', ... )` (also written `WITH TAG`).
fn tag_list(cursor: &mut Cursor) -> PResult<Vec<TagAssign>> {
    cursor.expect_sym("(")?;
    let out = tag_assigns(cursor)?;
    cursor.expect_sym(")")?;
    Ok(out)
}

/// `t = 'v' [, t2 = 'v2' ...]`.
pub(crate) fn tag_assigns(cursor: &mut Cursor) -> PResult<Vec<TagAssign>> {
    let mut out = Vec::new();
    loop {
        let tag = cursor.name()?;
        cursor.expect_sym("=")?;
        let value = cursor.string()?;
        out.push(TagAssign { tag, value });
        if !cursor.eat_sym(",") {
            break;
        }
    }
    Ok(out)
}

fn create_view(cursor: &mut Cursor, head: CreateHead, secure: bool) -> PResult<Statement> {
    let mut columns = Vec::new();
    let mut props = Vec::new();
    let mut tags = Vec::new();
    loop {
        if cursor.eat_kws(&["COPY", "GRANTS"]) {
        } else if cursor.is_sym("(") && columns.is_empty() {
            columns = listed_columns(cursor)?;
        } else if cursor.eat_kw("TAG") || cursor.eat_kws(&["WITH", "TAG"]) {
            tags.extend(tag_list(cursor)?);
        } else if cursor.is_kw("ROW")
            || cursor.is_kw("AGGREGATION")
            || cursor.is_kws(&["WITH", "ROW"])
        {
            return Err(cursor.unsupported("view policies"));
        } else if cursor.starts_prop() {
            props.push(cursor.prop()?);
        } else {
            break;
        }
    }
    cursor.expect_kw("AS")?;
    let query = cursor.text_from(cursor.offset());
    skip_to_end(cursor);
    let text = cursor.full_text();
    Ok(Statement::CreateView {
        head,
        secure,
        columns,
        props,
        tags,
        query,
        text,
    })
}

fn create_dynamic_table(cursor: &mut Cursor, head: CreateHead) -> PResult<Statement> {
    let mut columns = Vec::new();
    let mut props = Vec::new();
    let mut tags = Vec::new();
    let mut cluster_by = None;
    // The clauses SHOW re-prints as written, in its order (see DynamicTable::shown_text).
    let head_text = cursor.text_since(0);
    let (mut columns_text, mut cluster_text, mut comment_text) = (None, None, None);
    let mut tags_text = Vec::new();
    loop {
        let start = cursor.offset();
        if cursor.eat_kws(&["COPY", "GRANTS"]) {
        } else if cursor.is_sym("(") && columns.is_empty() {
            columns = listed_columns(cursor)?;
            columns_text = Some(cursor.text_since(start));
        } else if cursor.eat_kw("TAG") || cursor.eat_kws(&["WITH", "TAG"]) {
            tags.extend(tag_list(cursor)?);
            tags_text.push(cursor.text_since(start));
        } else if cursor.eat_kws(&["CLUSTER", "BY"]) {
            cluster_by = Some(cursor.balanced_group()?);
            cluster_text = Some(cursor.text_since(start));
        } else if cursor.is_kw("COMMENT") && cursor.starts_prop() {
            props.push(cursor.prop()?);
            comment_text = Some(cursor.text_since(start));
        } else if cursor.eat_kw("TARGET_LAG") {
            let offset = cursor.offset();
            cursor.expect_sym("=")?;
            // `TARGET_LAG = DOWNSTREAM` is a bare keyword; keep it as a word.
            let value = cursor.prop_value()?;
            props.push(Prop {
                key: "TARGET_LAG".into(),
                value,
                offset,
            });
        } else if cursor.is_kw("ROW")
            || cursor.is_kws(&["WITH", "ROW"])
            || cursor.is_kw("IMMUTABLE")
        {
            return Err(cursor.unsupported("dynamic table policies"));
        } else if cursor.starts_prop() {
            props.push(cursor.prop()?);
        } else {
            break;
        }
    }
    let as_at = cursor.offset();
    cursor.expect_kw("AS")?;
    let query = cursor.text_from(cursor.offset());
    skip_to_end(cursor);
    let text = cursor.full_text();
    let shown_head = [Some(head_text), columns_text, cluster_text, comment_text]
        .into_iter()
        .flatten()
        .chain(tags_text)
        .collect::<Vec<_>>()
        .join(" ");
    Ok(Statement::CreateDynamicTable {
        head,
        columns,
        props,
        tags,
        cluster_by,
        query,
        text,
        shown_head,
        shown_body: cursor.text_from(as_at),
    })
}

fn create_task(cursor: &mut Cursor, head: CreateHead) -> PResult<Statement> {
    let mut props = Vec::new();
    let mut after = Vec::new();
    let mut condition = None;
    loop {
        if cursor.eat_kw("AFTER") {
            after.extend(cursor.names()?);
        } else if cursor.eat_kw("WHEN") {
            condition = Some(cursor.until_top_level_as()?);
        } else if cursor.is_kw("TAG") || cursor.is_kws(&["WITH", "TAG"]) {
            return Err(cursor.unsupported("tags on CREATE TASK"));
        } else if cursor.starts_prop() {
            props.push(cursor.prop()?);
        } else if cursor.is_sym(",") && cursor.peek_at(1).is_some() {
            // Properties may be separated by commas.
            cursor.advance();
        } else {
            break;
        }
    }
    cursor.expect_kw("AS")?;
    if cursor.at_end() {
        return Err(cursor.unexpected());
    }
    let body = cursor.text_from(cursor.offset());
    skip_to_end(cursor);
    Ok(Statement::CreateTask {
        head,
        props,
        after,
        condition,
        body,
    })
}

/// Consume the rest of the statement (a query kept as text).
pub(crate) fn skip_to_end(cursor: &mut Cursor) {
    while cursor.advance().is_some() {}
}

/// The user properties whose value is a parenthesised list (`DEFAULT_SECONDARY_ROLES =
/// ('ALL')`): valid Snowflake, not emulated, so refused as unsupported before the property
/// list's grammar would call it a syntax error.
pub(super) fn refuse_user_list(cursor: &Cursor) -> PResult<()> {
    for key in [
        "DEFAULT_SECONDARY_ROLES",
        "ALLOWED_INTERFACES",
        "WORKLOAD_IDENTITY",
    ] {
        if cursor.is_kw(key) {
            return Err(cursor.unsupported(format!("the user property {key}")));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::{parse, Failure};
    use super::*;

    fn ok(sql: &str) -> Statement {
        parse(sql)
            .map(|p| p.statement)
            .unwrap_or_else(|e| panic!("{sql}: {e:?}"))
    }

    #[test]
    fn dynamic_table_keeps_every_clause_and_the_whole_text() {
        let sql = "CREATE OR REPLACE DYNAMIC TABLE db.s.\"FV$V1\" (ID COMMENT 'key', AGE) TARGET_LAG = '5 minutes' COMMENT = 'fv' TAG (db.s.T = 'x') WAREHOUSE = wh REFRESH_MODE = AUTO INITIALIZE = ON_CREATE CLUSTER BY (ID) AS SELECT id, age FROM t";
        let Statement::CreateDynamicTable {
            head,
            columns,
            props,
            tags,
            cluster_by,
            query,
            text,
            shown_head,
            shown_body,
        } = ok(sql)
        else {
            panic!()
        };
        assert_eq!(
            head.name,
            vec!["DB".to_string(), "S".into(), "FV$V1".into()]
        );
        assert_eq!(columns[0].comment.as_deref(), Some("key"));
        assert_eq!(
            props.iter().map(|p| p.key.as_str()).collect::<Vec<_>>(),
            [
                "TARGET_LAG",
                "COMMENT",
                "WAREHOUSE",
                "REFRESH_MODE",
                "INITIALIZE"
            ]
        );
        assert_eq!(tags[0].value, "x");
        assert_eq!(cluster_by.as_deref(), Some("ID"));
        assert_eq!(query, "SELECT id, age FROM t");
        assert_eq!(text, sql);
        assert_eq!(
            shown_head,
            "CREATE OR REPLACE DYNAMIC TABLE db.s.\"FV$V1\" (ID COMMENT 'key', AGE) CLUSTER BY (ID) COMMENT = 'fv' TAG (db.s.T = 'x')"
        );
        assert_eq!(shown_body, "AS SELECT id, age FROM t");
    }

    #[test]
    fn table_columns_defaults_and_constraints() {
        let Statement::CreateTable { columns, props, .. } = ok("CREATE TABLE IF NOT EXISTS t (A VARCHAR(50) NOT NULL, B TIMESTAMP_NTZ DEFAULT CURRENT_TIMESTAMP(), C DOUBLE PRECISION, PRIMARY KEY (A, B)) COMMENT = 'c'") else {
            panic!()
        };
        assert_eq!(columns.len(), 3);
        assert_eq!(columns[0].data_type, "VARCHAR(50)");
        assert!(columns[0].not_null);
        assert_eq!(
            columns[1].default,
            Some(Expr::Call {
                name: "CURRENT_TIMESTAMP".into(),
                args: vec![]
            })
        );
        assert_eq!(columns[2].data_type, "DOUBLE PRECISION");
        assert_eq!(props[0].key, "COMMENT");
    }

    #[test]
    fn or_replace_with_if_not_exists_is_a_syntax_error() {
        assert!(matches!(
            parse("CREATE OR REPLACE VIEW IF NOT EXISTS v AS SELECT 1"),
            Err(Failure::Parse(ParseError::Syntax { .. }))
        ));
    }
}
