//! `ALTER`, `DROP` and `COMMENT ON` statements.

use super::ast::*;
use super::create::{skip_to_end, tag_assigns};
use super::cursor::{Cursor, PResult};
use super::{kind, stage_location};

pub(crate) fn alter(cursor: &mut Cursor) -> PResult<Statement> {
    cursor.expect_kw("ALTER")?;
    let k = kind(cursor)?;
    let if_exists = cursor.eat_kws(&["IF", "EXISTS"]);
    let name = cursor.name()?;
    let action = match k {
        ObjectKind::Model => model_action(cursor)?,
        ObjectKind::Task => task_action(cursor)?,
        ObjectKind::Table => match table_action(cursor)? {
            Some(a) => a,
            None => common_action(cursor, k)?,
        },
        _ => common_action(cursor, k)?,
    };
    Ok(Statement::Alter {
        kind: k,
        if_exists,
        name,
        action,
    })
}

/// What ALTER TABLE has besides the common actions: columns and the clustering key
/// (ALTER TABLE and ALTER TABLE ... ALTER COLUMN reference pages).
fn table_action(cursor: &mut Cursor) -> PResult<Option<AlterAction>> {
    if cursor.eat_kws(&["CLUSTER", "BY"]) {
        return Ok(Some(AlterAction::ClusterBy(cursor.balanced_group()?)));
    }
    if cursor.eat_kws(&["DROP", "CLUSTERING", "KEY"]) {
        return Ok(Some(AlterAction::DropClusteringKey));
    }
    if cursor.eat_kws(&["RENAME", "COLUMN"]) {
        let from = cursor.ident()?;
        cursor.expect_kw("TO")?;
        return Ok(Some(AlterAction::RenameColumn(from, cursor.ident()?)));
    }
    if cursor.eat_kw("ADD") {
        let _ = cursor.eat_kw("COLUMN");
        if cursor.is_kws(&["IF", "NOT"]) {
            return Err(cursor.unsupported("ADD COLUMN IF NOT EXISTS"));
        }
        let (def, keyed) = super::create::column_def(cursor)?;
        if keyed {
            return Err(cursor.unsupported("ADD COLUMN with PRIMARY KEY or UNIQUE"));
        }
        return Ok(Some(AlterAction::AddColumn(def)));
    }
    if cursor.is_kw("DROP") && !cursor.is_kw_at(1, "CLUSTERING") {
        cursor.advance();
        let _ = cursor.eat_kw("COLUMN");
        if cursor.is_kws(&["IF", "EXISTS"]) {
            return Err(cursor.unsupported("DROP COLUMN IF EXISTS"));
        }
        let mut names = vec![cursor.ident()?];
        while cursor.eat_sym(",") {
            names.push(cursor.ident()?);
        }
        return Ok(Some(AlterAction::DropColumns(names)));
    }
    if cursor.eat_kw("ALTER") || cursor.eat_kw("MODIFY") {
        let grouped = cursor.eat_sym("(");
        let mut changes = Vec::new();
        loop {
            let _ = cursor.eat_kw("COLUMN");
            let name = cursor.ident()?;
            let change = if cursor.eat_kws(&["SET", "DATA", "TYPE"]) || cursor.eat_kw("TYPE") {
                ColumnChange::SetType(column_type(cursor)?)
            } else if cursor.eat_kws(&["SET", "NOT", "NULL"]) || cursor.eat_kws(&["NOT", "NULL"]) {
                ColumnChange::SetNotNull
            } else if cursor.eat_kws(&["DROP", "NOT", "NULL"]) {
                ColumnChange::DropNotNull
            } else if cursor.eat_kws(&["DROP", "DEFAULT"]) {
                ColumnChange::DropDefault
            } else if cursor.eat_kw("COMMENT") {
                ColumnChange::Comment(cursor.string()?)
            } else if cursor.eat_kws(&["UNSET", "COMMENT"]) {
                ColumnChange::UnsetComment
            } else if cursor.is_kws(&["SET", "DEFAULT"]) {
                return Err(cursor.unsupported("SET DEFAULT (sequences)"));
            } else if cursor.is_kw("SET") || cursor.is_kw("UNSET") {
                return Err(cursor.unsupported("column policies and tags"));
            } else {
                // `ALTER c <type>`: the type alone.
                ColumnChange::SetType(column_type(cursor)?)
            };
            changes.push((name, change));
            if !cursor.eat_sym(",") {
                break;
            }
        }
        if grouped {
            cursor.expect_sym(")")?;
        }
        return Ok(Some(AlterAction::AlterColumns(changes)));
    }
    Ok(None)
}

/// A type as written (`VARCHAR(50)`, `DOUBLE PRECISION`), upper-cased.
fn column_type(cursor: &mut Cursor) -> PResult<String> {
    let start = cursor.offset();
    cursor.ident()?;
    let _ = cursor.eat_kw("PRECISION") || cursor.eat_kw("VARYING");
    if cursor.is_sym("(") {
        cursor.balanced_group()?;
    }
    Ok(cursor.src[start..cursor.offset()]
        .trim()
        .to_ascii_uppercase())
}

/// The actions most kinds share; the executor refuses those a kind does not have.
fn common_action(cursor: &mut Cursor, object_kind: ObjectKind) -> PResult<AlterAction> {
    if cursor.eat_kws(&["RENAME", "TO"]) {
        return Ok(AlterAction::Rename(cursor.name()?));
    }
    if cursor.eat_kws(&["SET", "TAG"]) {
        return Ok(AlterAction::SetTags(tag_assigns(cursor)?));
    }
    if cursor.eat_kws(&["UNSET", "TAG"]) {
        return Ok(AlterAction::UnsetTags(cursor.names()?));
    }
    if object_kind == ObjectKind::Tag {
        if cursor.eat_kws(&["ADD", "ALLOWED_VALUES"]) {
            return Ok(AlterAction::AddAllowedValues(cursor.strings()?));
        }
        if cursor.eat_kws(&["DROP", "ALLOWED_VALUES"]) {
            return Ok(AlterAction::DropAllowedValues(cursor.strings()?));
        }
        if cursor.eat_kws(&["SET", "ALLOWED_VALUES"]) {
            return Ok(AlterAction::SetAllowedValues(cursor.strings()?));
        }
        if cursor.eat_kws(&["UNSET", "ALLOWED_VALUES"]) {
            return Ok(AlterAction::UnsetAllowedValues);
        }
    }
    if object_kind == ObjectKind::Schema {
        if cursor.eat_kws(&["ENABLE", "MANAGED", "ACCESS"]) {
            return Ok(AlterAction::EnableManagedAccess);
        }
        if cursor.eat_kws(&["DISABLE", "MANAGED", "ACCESS"]) {
            return Ok(AlterAction::DisableManagedAccess);
        }
    }
    if cursor.eat_kw("SUSPEND") {
        return Ok(AlterAction::Suspend);
    }
    if cursor.eat_kw("RESUME") {
        let if_suspended = cursor.eat_kws(&["IF", "SUSPENDED"]);
        return Ok(AlterAction::Resume { if_suspended });
    }
    if cursor.eat_kw("REFRESH") {
        return Ok(AlterAction::Refresh);
    }
    if cursor.eat_kw("SET") {
        return Ok(AlterAction::Set(set_props(cursor)?));
    }
    if cursor.eat_kw("UNSET") {
        return Ok(AlterAction::Unset(unset_keys(cursor)?));
    }
    Err(match cursor.peek() {
        Some(t) => cursor.unsupported(format!(
            "ALTER {} ... {}",
            object_kind.keyword(),
            t.text.to_ascii_uppercase()
        )),
        None => cursor.unexpected(),
    })
}

/// `SET k = v [,] k2 = v2 ...`; `SET SECURE` (views) reads as `SECURE = TRUE`.
fn set_props(cursor: &mut Cursor) -> PResult<Vec<Prop>> {
    let mut out = Vec::new();
    loop {
        if cursor.is_kw("SECURE") && !cursor.peek_at(1).is_some_and(|t| t.is_symbol("=")) {
            let offset = cursor.offset();
            cursor.advance();
            out.push(Prop {
                key: "SECURE".into(),
                value: PropValue::Word("TRUE".into()),
                offset,
            });
        } else if cursor.starts_prop() {
            super::create::refuse_user_list(cursor)?;
            out.push(cursor.prop()?);
        } else {
            break;
        }
        if cursor.is_sym(",") {
            cursor.advance();
        }
    }
    if out.is_empty() {
        return Err(cursor.unexpected());
    }
    Ok(out)
}

/// `UNSET k [, k2 ...]`.
fn unset_keys(cursor: &mut Cursor) -> PResult<Vec<String>> {
    let mut out = vec![cursor.ident()?];
    while cursor.eat_sym(",") {
        out.push(cursor.ident()?);
    }
    Ok(out)
}

fn task_action(cursor: &mut Cursor) -> PResult<AlterAction> {
    if cursor.eat_kw("SUSPEND") {
        return Ok(AlterAction::Suspend);
    }
    if cursor.eat_kw("RESUME") {
        return Ok(AlterAction::Resume {
            if_suspended: false,
        });
    }
    if cursor.eat_kws(&["MODIFY", "AS"]) {
        if cursor.at_end() {
            return Err(cursor.unexpected());
        }
        let body = cursor.text_from(cursor.offset());
        skip_to_end(cursor);
        return Ok(AlterAction::ModifyAs(body));
    }
    if cursor.eat_kws(&["MODIFY", "WHEN"]) {
        if cursor.at_end() {
            return Err(cursor.unexpected());
        }
        let cond = cursor.text_from(cursor.offset());
        skip_to_end(cursor);
        return Ok(AlterAction::ModifyWhen(cond));
    }
    if cursor.eat_kws(&["REMOVE", "WHEN"]) {
        return Ok(AlterAction::RemoveWhen);
    }
    if cursor.eat_kws(&["ADD", "AFTER"]) {
        return Ok(AlterAction::AddAfter(cursor.names()?));
    }
    if cursor.eat_kws(&["REMOVE", "AFTER"]) {
        return Ok(AlterAction::RemoveAfter(cursor.names()?));
    }
    if cursor.eat_kws(&["SET", "TAG"]) {
        return Ok(AlterAction::SetTags(tag_assigns(cursor)?));
    }
    if cursor.eat_kws(&["UNSET", "TAG"]) {
        return Ok(AlterAction::UnsetTags(cursor.names()?));
    }
    if cursor.is_kws(&["SET", "FINALIZE"]) || cursor.is_kws(&["UNSET", "FINALIZE"]) {
        return Err(cursor.unsupported("finalizer tasks"));
    }
    if cursor.eat_kw("SET") {
        return Ok(AlterAction::Set(set_props(cursor)?));
    }
    if cursor.eat_kw("UNSET") {
        return Ok(AlterAction::Unset(unset_keys(cursor)?));
    }
    // Snowflake has no ALTER TASK ... RENAME TO; anything else is not Snowflake syntax either.
    Err(cursor.unexpected())
}

fn model_action(cursor: &mut Cursor) -> PResult<AlterAction> {
    if cursor.eat_kws(&["RENAME", "TO"]) {
        return Ok(AlterAction::Rename(cursor.name()?));
    }
    if cursor.eat_kws(&["ADD", "VERSION"]) {
        let version = cursor.ident()?;
        cursor.expect_kw("FROM")?;
        if cursor.is_kw("MODEL") {
            return Err(cursor.unsupported("ADD VERSION ... FROM MODEL"));
        }
        let source = stage_location(cursor)?;
        return Ok(AlterAction::AddVersion { version, source });
    }
    if cursor.is_kws(&["ADD", "LIVE"]) || cursor.is_kw("COMMIT") {
        return Err(cursor.unsupported("live model versions"));
    }
    if cursor.eat_kws(&["DROP", "VERSION"]) {
        return Ok(AlterAction::DropVersion(cursor.ident()?));
    }
    if cursor.eat_kws(&["MODIFY", "VERSION"]) {
        let version = cursor.ident()?;
        cursor.expect_kw("SET")?;
        return Ok(AlterAction::ModifyVersion {
            version,
            props: set_props(cursor)?,
        });
    }
    if cursor.eat_kw("VERSION") {
        let version = cursor.ident()?;
        if cursor.eat_kws(&["SET", "ALIAS"]) {
            cursor.expect_sym("=")?;
            return Ok(AlterAction::VersionSetAlias {
                version,
                alias: cursor.ident()?,
            });
        }
        cursor.expect_kws(&["UNSET", "ALIAS"])?;
        return Ok(AlterAction::VersionUnsetAlias(version));
    }
    if cursor.eat_kws(&["SET", "TAG"]) {
        return Ok(AlterAction::SetTags(tag_assigns(cursor)?));
    }
    if cursor.eat_kws(&["UNSET", "TAG"]) {
        return Ok(AlterAction::UnsetTags(cursor.names()?));
    }
    if cursor.eat_kw("SET") {
        return Ok(AlterAction::Set(set_props(cursor)?));
    }
    if cursor.eat_kw("UNSET") {
        return Ok(AlterAction::Unset(unset_keys(cursor)?));
    }
    Err(match cursor.peek() {
        Some(t) => cursor.unsupported(format!("ALTER MODEL ... {}", t.text.to_ascii_uppercase())),
        None => cursor.unexpected(),
    })
}

pub fn drop(cursor: &mut Cursor) -> PResult<Statement> {
    cursor.expect_kw("DROP")?;
    let k = kind(cursor)?;
    let if_exists = cursor.eat_kws(&["IF", "EXISTS"]);
    let name = cursor.name()?;
    if matches!(
        k,
        ObjectKind::Database | ObjectKind::Schema | ObjectKind::Table | ObjectKind::View
    ) {
        let _ = cursor.eat_kw("CASCADE") || cursor.eat_kw("RESTRICT");
    }
    Ok(Statement::Drop {
        kind: k,
        if_exists,
        name,
    })
}

pub(crate) fn comment_on(cursor: &mut Cursor) -> PResult<Statement> {
    cursor.expect_kws(&["COMMENT"])?;
    let if_exists = cursor.eat_kws(&["IF", "EXISTS"]);
    cursor.expect_kw("ON")?;
    if cursor.is_kw("COLUMN") {
        return Err(cursor.unsupported("COMMENT ON COLUMN"));
    }
    let k = kind(cursor)?;
    let name = cursor.name()?;
    cursor.expect_kw("IS")?;
    let comment = cursor.string()?;
    Ok(Statement::CommentOn {
        kind: k,
        if_exists,
        name,
        comment,
    })
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use super::*;

    fn action(sql: &str) -> AlterAction {
        match parse(sql).map(|p| p.statement) {
            Ok(Statement::Alter { action, .. }) => action,
            other => panic!("{sql}: {other:?}"),
        }
    }

    #[test]
    fn model_actions() {
        assert_eq!(
            action("ALTER MODEL m VERSION v1 SET ALIAS = prod"),
            AlterAction::VersionSetAlias {
                version: "V1".into(),
                alias: "PROD".into()
            }
        );
        assert_eq!(
            action("alter model m version prod unset alias"),
            AlterAction::VersionUnsetAlias("PROD".into())
        );
        let AlterAction::ModifyVersion { props, .. } =
            action("ALTER MODEL m MODIFY VERSION v1 SET METADATA=$${\"a\": 1}$$")
        else {
            panic!()
        };
        assert_eq!(props[0].value, PropValue::Str("{\"a\": 1}".into()));
    }

    #[test]
    fn task_actions_keep_text() {
        assert_eq!(
            action("ALTER TASK t MODIFY AS SELECT  1"),
            AlterAction::ModifyAs("SELECT  1".into())
        );
        assert_eq!(
            action("ALTER TASK t ADD AFTER a, b"),
            AlterAction::AddAfter(vec![vec!["A".into()], vec!["B".into()]])
        );
        assert!(parse("ALTER TASK t RENAME TO u").is_err());
    }

    #[test]
    fn tag_allowed_values() {
        assert_eq!(
            action("ALTER TAG t ADD ALLOWED_VALUES 'a', 'b'"),
            AlterAction::AddAllowedValues(vec!["a".into(), "b".into()])
        );
        assert_eq!(
            action("ALTER TAG t UNSET ALLOWED_VALUES"),
            AlterAction::UnsetAllowedValues
        );
    }
}
