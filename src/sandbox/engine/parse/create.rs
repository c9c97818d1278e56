//! `CREATE` statements: the clause grammar of each kind, properties in any order.

use super::ast::*;
use super::cursor::{Cursor, PResult, ParseError};
use super::{kind, query, stage_location};

pub fn create(c: &mut Cursor) -> PResult<Statement> {
    c.expect_kw("CREATE")?;
    if c.is_kws(&["OR", "ALTER"]) {
        return Err(c.unsupported("CREATE OR ALTER"));
    }
    let or_replace = c.eat_kws(&["OR", "REPLACE"]);
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
        if c.is_kw(modifier) {
            return Err(c.unsupported(format!("{modifier} objects")));
        }
    }
    let transient = c.eat_kw("TRANSIENT");
    let secure = c.eat_kw("SECURE");
    if c.is_kws(&["DYNAMIC", "ICEBERG"]) {
        return Err(c.unsupported("DYNAMIC ICEBERG TABLE"));
    }
    let k = kind(c)?;
    let modifier_ok = match k {
        ObjectKind::Database | ObjectKind::Schema | ObjectKind::Table => !secure,
        ObjectKind::View => !transient,
        _ => !secure && !transient,
    };
    if !modifier_ok {
        return Err(c.unsupported(format!("{} with this modifier", k.keyword())));
    }
    let if_not_exists_at = c.offset();
    let if_not_exists = c.eat_kws(&["IF", "NOT", "EXISTS"]);
    if or_replace && if_not_exists {
        // Snowflake refuses OR REPLACE together with IF NOT EXISTS.
        return Err(ParseError::Syntax {
            offset: if_not_exists_at,
            found: Some("IF".into()),
        });
    }
    let name = c.name()?;
    let head = CreateHead {
        or_replace,
        if_not_exists,
        name,
    };
    if c.is_kw("CLONE") || c.is_kw("LIKE") {
        return Err(c.unsupported("CLONE and LIKE"));
    }
    match k {
        ObjectKind::Warehouse => {
            c.eat_kw("WITH");
            let props = c.props()?;
            Ok(Statement::CreateWarehouse { head, props })
        }
        // CREATE ROLE takes COMMENT and tags; tags are not emulated for roles.
        ObjectKind::Role => {
            if c.is_kw("WITH") || c.is_kw("TAG") {
                return Err(c.unsupported("tags on CREATE ROLE"));
            }
            Ok(Statement::CreateRole {
                head,
                props: c.props()?,
            })
        }
        ObjectKind::Database => Ok(Statement::CreateDatabase {
            head,
            transient,
            props: c.props()?,
        }),
        ObjectKind::Schema => {
            let mut managed_access = false;
            let mut props = Vec::new();
            loop {
                if c.eat_kws(&["WITH", "MANAGED", "ACCESS"]) {
                    managed_access = true;
                } else if c.starts_prop() {
                    props.push(c.prop()?);
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
            props: c.props()?,
        }),
        ObjectKind::Tag => {
            let mut allowed_values = None;
            let mut props = Vec::new();
            loop {
                if c.eat_kw("ALLOWED_VALUES") {
                    allowed_values = Some(c.strings()?);
                } else if c.starts_prop() {
                    props.push(c.prop()?);
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
        ObjectKind::Table => create_table(c, head, transient),
        ObjectKind::View => create_view(c, head, secure),
        ObjectKind::DynamicTable => create_dynamic_table(c, head),
        ObjectKind::Task => create_task(c, head),
        ObjectKind::Model => {
            c.expect_kw("WITH")?;
            if c.is_kw("LIVE") {
                return Err(c.unsupported("WITH LIVE VERSION"));
            }
            c.expect_kw("VERSION")?;
            let version = c.ident()?;
            c.expect_kw("FROM")?;
            if c.is_kw("MODEL") {
                return Err(c.unsupported("FROM MODEL"));
            }
            let source = stage_location(c)?;
            Ok(Statement::CreateModel {
                head,
                version,
                source,
            })
        }
    }
}

fn create_table(c: &mut Cursor, head: CreateHead, transient: bool) -> PResult<Statement> {
    if c.is_kw("AS") || c.is_kw("USING") {
        return Err(c.unsupported("CREATE TABLE AS SELECT"));
    }
    c.expect_sym("(")?;
    let mut columns = Vec::new();
    let mut declares_keys = false;
    loop {
        if c.is_kw("PRIMARY") || c.is_kw("UNIQUE") || c.is_kw("CONSTRAINT") {
            table_constraint(c)?;
            declares_keys = true;
        } else {
            let (col, keyed) = column_def(c)?;
            declares_keys |= keyed;
            columns.push(col);
        }
        if c.eat_sym(")") {
            break;
        }
        c.expect_sym(",")?;
    }
    let mut props = Vec::new();
    let mut cluster_by = None;
    loop {
        if c.eat_kws(&["CLUSTER", "BY"]) {
            cluster_by = Some(c.balanced_group()?);
        } else if c.starts_prop() {
            props.push(c.prop()?);
        } else {
            break;
        }
    }
    if c.is_kw("AS") {
        return Err(c.unsupported("CREATE TABLE AS SELECT"));
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
fn table_constraint(c: &mut Cursor) -> PResult<()> {
    if c.eat_kw("CONSTRAINT") {
        c.ident()?;
    }
    if c.eat_kws(&["PRIMARY", "KEY"]) || c.eat_kw("UNIQUE") {
        c.balanced_group()?;
        Ok(())
    } else if c.is_kw("FOREIGN") {
        Err(c.unsupported("FOREIGN KEY"))
    } else {
        Err(c.unexpected())
    }
}

/// A column definition, and whether it declares PRIMARY KEY or UNIQUE.
pub(super) fn column_def(c: &mut Cursor) -> PResult<(ColumnDef, bool)> {
    let name = c.ident()?;
    let type_start = c.offset();
    c.ident()?;
    // Two-word types.
    let _ = c.eat_kw("PRECISION") || c.eat_kw("VARYING");
    if c.is_sym("(") {
        c.balanced_group()?;
    }
    let type_end = c.offset();
    let data_type = c.src[type_start..type_end].trim().to_ascii_uppercase();
    let mut col = ColumnDef {
        name,
        data_type,
        not_null: false,
        default: None,
        comment: None,
    };
    let mut keyed = false;
    loop {
        if c.eat_kws(&["NOT", "NULL"]) {
            col.not_null = true;
        } else if c.eat_kw("NULL") {
            col.not_null = false;
        } else if c.eat_kw("DEFAULT") {
            col.default = Some(query::expr(c)?);
        } else if c.eat_kw("COMMENT") {
            col.comment = Some(c.string()?);
        } else if c.eat_kws(&["PRIMARY", "KEY"]) || c.eat_kw("UNIQUE") {
            // Not enforced by Snowflake either; DESCRIBE needs to know it was declared.
            keyed = true;
        } else if c.is_kw("COLLATE")
            || c.is_kw("AUTOINCREMENT")
            || c.is_kw("IDENTITY")
            || c.is_kw("WITH")
            || c.is_kw("REFERENCES")
        {
            return Err(c.unsupported(format!(
                "column option {}",
                c.peek()
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
fn listed_columns(c: &mut Cursor) -> PResult<Vec<ListedColumn>> {
    c.expect_sym("(")?;
    let mut out = Vec::new();
    loop {
        let name = c.ident()?;
        let mut comment = None;
        if c.eat_kw("COMMENT") {
            comment = Some(c.string()?);
        }
        if c.is_kw("WITH") || c.is_kw("MASKING") || c.is_kw("PROJECTION") {
            return Err(c.unsupported("column policies"));
        }
        if c.at_end() {
            return Err(c.unexpected());
        }
        if !c.is_sym(",") && !c.is_sym(")") {
            return Err(c.unsupported("typed column lists"));
        }
        out.push(ListedColumn { name, comment });
        if c.eat_sym(")") {
            break;
        }
        c.expect_sym(",")?;
    }
    Ok(out)
}

/// `TAG ( t = 'v', ... )` (also written `WITH TAG`).
fn tag_list(c: &mut Cursor) -> PResult<Vec<TagAssign>> {
    c.expect_sym("(")?;
    let out = tag_assigns(c)?;
    c.expect_sym(")")?;
    Ok(out)
}

/// `t = 'v' [, t2 = 'v2' ...]`.
pub fn tag_assigns(c: &mut Cursor) -> PResult<Vec<TagAssign>> {
    let mut out = Vec::new();
    loop {
        let tag = c.name()?;
        c.expect_sym("=")?;
        let value = c.string()?;
        out.push(TagAssign { tag, value });
        if !c.eat_sym(",") {
            break;
        }
    }
    Ok(out)
}

fn create_view(c: &mut Cursor, head: CreateHead, secure: bool) -> PResult<Statement> {
    let mut columns = Vec::new();
    let mut props = Vec::new();
    let mut tags = Vec::new();
    loop {
        if c.eat_kws(&["COPY", "GRANTS"]) {
        } else if c.is_sym("(") && columns.is_empty() {
            columns = listed_columns(c)?;
        } else if c.eat_kw("TAG") || c.eat_kws(&["WITH", "TAG"]) {
            tags.extend(tag_list(c)?);
        } else if c.is_kw("ROW") || c.is_kw("AGGREGATION") || c.is_kws(&["WITH", "ROW"]) {
            return Err(c.unsupported("view policies"));
        } else if c.starts_prop() {
            props.push(c.prop()?);
        } else {
            break;
        }
    }
    c.expect_kw("AS")?;
    let query = c.text_from(c.offset());
    skip_to_end(c);
    let text = c.full_text();
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

fn create_dynamic_table(c: &mut Cursor, head: CreateHead) -> PResult<Statement> {
    let mut columns = Vec::new();
    let mut props = Vec::new();
    let mut tags = Vec::new();
    let mut cluster_by = None;
    // The clauses SHOW re-prints as written, in its order (see DynamicTable::shown_text).
    let head_text = c.text_since(0);
    let (mut columns_text, mut cluster_text, mut comment_text) = (None, None, None);
    let mut tags_text = Vec::new();
    loop {
        let start = c.offset();
        if c.eat_kws(&["COPY", "GRANTS"]) {
        } else if c.is_sym("(") && columns.is_empty() {
            columns = listed_columns(c)?;
            columns_text = Some(c.text_since(start));
        } else if c.eat_kw("TAG") || c.eat_kws(&["WITH", "TAG"]) {
            tags.extend(tag_list(c)?);
            tags_text.push(c.text_since(start));
        } else if c.eat_kws(&["CLUSTER", "BY"]) {
            cluster_by = Some(c.balanced_group()?);
            cluster_text = Some(c.text_since(start));
        } else if c.is_kw("COMMENT") && c.starts_prop() {
            props.push(c.prop()?);
            comment_text = Some(c.text_since(start));
        } else if c.eat_kw("TARGET_LAG") {
            let offset = c.offset();
            c.expect_sym("=")?;
            // `TARGET_LAG = DOWNSTREAM` is a bare keyword; keep it as a word.
            let value = c.prop_value()?;
            props.push(Prop {
                key: "TARGET_LAG".into(),
                value,
                offset,
            });
        } else if c.is_kw("ROW") || c.is_kws(&["WITH", "ROW"]) || c.is_kw("IMMUTABLE") {
            return Err(c.unsupported("dynamic table policies"));
        } else if c.starts_prop() {
            props.push(c.prop()?);
        } else {
            break;
        }
    }
    let as_at = c.offset();
    c.expect_kw("AS")?;
    let query = c.text_from(c.offset());
    skip_to_end(c);
    let text = c.full_text();
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
        shown_body: c.text_from(as_at),
    })
}

fn create_task(c: &mut Cursor, head: CreateHead) -> PResult<Statement> {
    let mut props = Vec::new();
    let mut after = Vec::new();
    let mut condition = None;
    loop {
        if c.eat_kw("AFTER") {
            after.extend(c.names()?);
        } else if c.eat_kw("WHEN") {
            condition = Some(c.until_top_level_as()?);
        } else if c.is_kw("TAG") || c.is_kws(&["WITH", "TAG"]) {
            return Err(c.unsupported("tags on CREATE TASK"));
        } else if c.starts_prop() {
            props.push(c.prop()?);
        } else if c.is_sym(",") && c.peek_at(1).is_some() {
            // Properties may be separated by commas.
            c.advance();
        } else {
            break;
        }
    }
    c.expect_kw("AS")?;
    if c.at_end() {
        return Err(c.unexpected());
    }
    let body = c.text_from(c.offset());
    skip_to_end(c);
    Ok(Statement::CreateTask {
        head,
        props,
        after,
        condition,
        body,
    })
}

/// Consume the rest of the statement (a query kept as text).
pub fn skip_to_end(c: &mut Cursor) {
    while c.advance().is_some() {}
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
