//! `ALTER`, `DROP` and `COMMENT ON` statements.

use super::ast::*;
use super::create::{skip_to_end, tag_assigns};
use super::cursor::{Cursor, PResult};
use super::{kind, stage_location};

pub fn alter(c: &mut Cursor) -> PResult<Statement> {
    c.expect_kw("ALTER")?;
    let k = kind(c)?;
    let if_exists = c.eat_kws(&["IF", "EXISTS"]);
    let name = c.name()?;
    let action = match k {
        ObjectKind::Model => model_action(c)?,
        ObjectKind::Task => task_action(c)?,
        ObjectKind::Table => match table_action(c)? {
            Some(a) => a,
            None => common_action(c, k)?,
        },
        _ => common_action(c, k)?,
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
fn table_action(c: &mut Cursor) -> PResult<Option<AlterAction>> {
    if c.eat_kws(&["CLUSTER", "BY"]) {
        return Ok(Some(AlterAction::ClusterBy(c.balanced_group()?)));
    }
    if c.eat_kws(&["DROP", "CLUSTERING", "KEY"]) {
        return Ok(Some(AlterAction::DropClusteringKey));
    }
    if c.eat_kws(&["RENAME", "COLUMN"]) {
        let from = c.ident()?;
        c.expect_kw("TO")?;
        return Ok(Some(AlterAction::RenameColumn(from, c.ident()?)));
    }
    if c.eat_kw("ADD") {
        let _ = c.eat_kw("COLUMN");
        if c.is_kws(&["IF", "NOT"]) {
            return Err(c.unsupported("ADD COLUMN IF NOT EXISTS"));
        }
        let (def, keyed) = super::create::column_def(c)?;
        if keyed {
            return Err(c.unsupported("ADD COLUMN with PRIMARY KEY or UNIQUE"));
        }
        return Ok(Some(AlterAction::AddColumn(def)));
    }
    if c.is_kw("DROP") && !c.is_kw_at(1, "CLUSTERING") {
        c.advance();
        let _ = c.eat_kw("COLUMN");
        if c.is_kws(&["IF", "EXISTS"]) {
            return Err(c.unsupported("DROP COLUMN IF EXISTS"));
        }
        let mut names = vec![c.ident()?];
        while c.eat_sym(",") {
            names.push(c.ident()?);
        }
        return Ok(Some(AlterAction::DropColumns(names)));
    }
    if c.eat_kw("ALTER") || c.eat_kw("MODIFY") {
        let grouped = c.eat_sym("(");
        let mut changes = Vec::new();
        loop {
            let _ = c.eat_kw("COLUMN");
            let name = c.ident()?;
            let change = if c.eat_kws(&["SET", "DATA", "TYPE"]) || c.eat_kw("TYPE") {
                ColumnChange::SetType(column_type(c)?)
            } else if c.eat_kws(&["SET", "NOT", "NULL"]) || c.eat_kws(&["NOT", "NULL"]) {
                ColumnChange::SetNotNull
            } else if c.eat_kws(&["DROP", "NOT", "NULL"]) {
                ColumnChange::DropNotNull
            } else if c.eat_kws(&["DROP", "DEFAULT"]) {
                ColumnChange::DropDefault
            } else if c.eat_kw("COMMENT") {
                ColumnChange::Comment(c.string()?)
            } else if c.eat_kws(&["UNSET", "COMMENT"]) {
                ColumnChange::UnsetComment
            } else if c.is_kws(&["SET", "DEFAULT"]) {
                return Err(c.unsupported("SET DEFAULT (sequences)"));
            } else if c.is_kw("SET") || c.is_kw("UNSET") {
                return Err(c.unsupported("column policies and tags"));
            } else {
                // `ALTER c <type>`: the type alone.
                ColumnChange::SetType(column_type(c)?)
            };
            changes.push((name, change));
            if !c.eat_sym(",") {
                break;
            }
        }
        if grouped {
            c.expect_sym(")")?;
        }
        return Ok(Some(AlterAction::AlterColumns(changes)));
    }
    Ok(None)
}

/// A type as written (`VARCHAR(50)`, `DOUBLE PRECISION`), upper-cased.
fn column_type(c: &mut Cursor) -> PResult<String> {
    let start = c.offset();
    c.ident()?;
    let _ = c.eat_kw("PRECISION") || c.eat_kw("VARYING");
    if c.is_sym("(") {
        c.balanced_group()?;
    }
    Ok(c.src[start..c.offset()].trim().to_ascii_uppercase())
}

/// The actions most kinds share; the executor refuses those a kind does not have.
fn common_action(c: &mut Cursor, k: ObjectKind) -> PResult<AlterAction> {
    if c.eat_kws(&["RENAME", "TO"]) {
        return Ok(AlterAction::Rename(c.name()?));
    }
    if c.eat_kws(&["SET", "TAG"]) {
        return Ok(AlterAction::SetTags(tag_assigns(c)?));
    }
    if c.eat_kws(&["UNSET", "TAG"]) {
        return Ok(AlterAction::UnsetTags(c.names()?));
    }
    if k == ObjectKind::Tag {
        if c.eat_kws(&["ADD", "ALLOWED_VALUES"]) {
            return Ok(AlterAction::AddAllowedValues(c.strings()?));
        }
        if c.eat_kws(&["DROP", "ALLOWED_VALUES"]) {
            return Ok(AlterAction::DropAllowedValues(c.strings()?));
        }
        if c.eat_kws(&["SET", "ALLOWED_VALUES"]) {
            return Ok(AlterAction::SetAllowedValues(c.strings()?));
        }
        if c.eat_kws(&["UNSET", "ALLOWED_VALUES"]) {
            return Ok(AlterAction::UnsetAllowedValues);
        }
    }
    if k == ObjectKind::Schema {
        if c.eat_kws(&["ENABLE", "MANAGED", "ACCESS"]) {
            return Ok(AlterAction::EnableManagedAccess);
        }
        if c.eat_kws(&["DISABLE", "MANAGED", "ACCESS"]) {
            return Ok(AlterAction::DisableManagedAccess);
        }
    }
    if c.eat_kw("SUSPEND") {
        return Ok(AlterAction::Suspend);
    }
    if c.eat_kw("RESUME") {
        let if_suspended = c.eat_kws(&["IF", "SUSPENDED"]);
        return Ok(AlterAction::Resume { if_suspended });
    }
    if c.eat_kw("REFRESH") {
        return Ok(AlterAction::Refresh);
    }
    if c.eat_kw("SET") {
        return Ok(AlterAction::Set(set_props(c)?));
    }
    if c.eat_kw("UNSET") {
        return Ok(AlterAction::Unset(unset_keys(c)?));
    }
    Err(match c.peek() {
        Some(t) => c.unsupported(format!(
            "ALTER {} ... {}",
            k.keyword(),
            t.text.to_ascii_uppercase()
        )),
        None => c.unexpected(),
    })
}

/// `SET k = v [,] k2 = v2 ...`; `SET SECURE` (views) reads as `SECURE = TRUE`.
fn set_props(c: &mut Cursor) -> PResult<Vec<Prop>> {
    let mut out = Vec::new();
    loop {
        if c.is_kw("SECURE") && !c.peek_at(1).is_some_and(|t| t.is_symbol("=")) {
            let offset = c.offset();
            c.advance();
            out.push(Prop {
                key: "SECURE".into(),
                value: PropValue::Word("TRUE".into()),
                offset,
            });
        } else if c.starts_prop() {
            out.push(c.prop()?);
        } else {
            break;
        }
        if c.is_sym(",") {
            c.advance();
        }
    }
    if out.is_empty() {
        return Err(c.unexpected());
    }
    Ok(out)
}

/// `UNSET k [, k2 ...]`.
fn unset_keys(c: &mut Cursor) -> PResult<Vec<String>> {
    let mut out = vec![c.ident()?];
    while c.eat_sym(",") {
        out.push(c.ident()?);
    }
    Ok(out)
}

fn task_action(c: &mut Cursor) -> PResult<AlterAction> {
    if c.eat_kw("SUSPEND") {
        return Ok(AlterAction::Suspend);
    }
    if c.eat_kw("RESUME") {
        return Ok(AlterAction::Resume {
            if_suspended: false,
        });
    }
    if c.eat_kws(&["MODIFY", "AS"]) {
        if c.at_end() {
            return Err(c.unexpected());
        }
        let body = c.text_from(c.offset());
        skip_to_end(c);
        return Ok(AlterAction::ModifyAs(body));
    }
    if c.eat_kws(&["MODIFY", "WHEN"]) {
        if c.at_end() {
            return Err(c.unexpected());
        }
        let cond = c.text_from(c.offset());
        skip_to_end(c);
        return Ok(AlterAction::ModifyWhen(cond));
    }
    if c.eat_kws(&["REMOVE", "WHEN"]) {
        return Ok(AlterAction::RemoveWhen);
    }
    if c.eat_kws(&["ADD", "AFTER"]) {
        return Ok(AlterAction::AddAfter(c.names()?));
    }
    if c.eat_kws(&["REMOVE", "AFTER"]) {
        return Ok(AlterAction::RemoveAfter(c.names()?));
    }
    if c.eat_kws(&["SET", "TAG"]) {
        return Ok(AlterAction::SetTags(tag_assigns(c)?));
    }
    if c.eat_kws(&["UNSET", "TAG"]) {
        return Ok(AlterAction::UnsetTags(c.names()?));
    }
    if c.is_kws(&["SET", "FINALIZE"]) || c.is_kws(&["UNSET", "FINALIZE"]) {
        return Err(c.unsupported("finalizer tasks"));
    }
    if c.eat_kw("SET") {
        return Ok(AlterAction::Set(set_props(c)?));
    }
    if c.eat_kw("UNSET") {
        return Ok(AlterAction::Unset(unset_keys(c)?));
    }
    // Snowflake has no ALTER TASK ... RENAME TO; anything else is not Snowflake syntax either.
    Err(c.unexpected())
}

fn model_action(c: &mut Cursor) -> PResult<AlterAction> {
    if c.eat_kws(&["RENAME", "TO"]) {
        return Ok(AlterAction::Rename(c.name()?));
    }
    if c.eat_kws(&["ADD", "VERSION"]) {
        let version = c.ident()?;
        c.expect_kw("FROM")?;
        if c.is_kw("MODEL") {
            return Err(c.unsupported("ADD VERSION ... FROM MODEL"));
        }
        let source = stage_location(c)?;
        return Ok(AlterAction::AddVersion { version, source });
    }
    if c.is_kws(&["ADD", "LIVE"]) || c.is_kw("COMMIT") {
        return Err(c.unsupported("live model versions"));
    }
    if c.eat_kws(&["DROP", "VERSION"]) {
        return Ok(AlterAction::DropVersion(c.ident()?));
    }
    if c.eat_kws(&["MODIFY", "VERSION"]) {
        let version = c.ident()?;
        c.expect_kw("SET")?;
        return Ok(AlterAction::ModifyVersion {
            version,
            props: set_props(c)?,
        });
    }
    if c.eat_kw("VERSION") {
        let version = c.ident()?;
        if c.eat_kws(&["SET", "ALIAS"]) {
            c.expect_sym("=")?;
            return Ok(AlterAction::VersionSetAlias {
                version,
                alias: c.ident()?,
            });
        }
        c.expect_kws(&["UNSET", "ALIAS"])?;
        return Ok(AlterAction::VersionUnsetAlias(version));
    }
    if c.eat_kws(&["SET", "TAG"]) {
        return Ok(AlterAction::SetTags(tag_assigns(c)?));
    }
    if c.eat_kws(&["UNSET", "TAG"]) {
        return Ok(AlterAction::UnsetTags(c.names()?));
    }
    if c.eat_kw("SET") {
        return Ok(AlterAction::Set(set_props(c)?));
    }
    if c.eat_kw("UNSET") {
        return Ok(AlterAction::Unset(unset_keys(c)?));
    }
    Err(match c.peek() {
        Some(t) => c.unsupported(format!("ALTER MODEL ... {}", t.text.to_ascii_uppercase())),
        None => c.unexpected(),
    })
}

pub fn drop(c: &mut Cursor) -> PResult<Statement> {
    c.expect_kw("DROP")?;
    let k = kind(c)?;
    let if_exists = c.eat_kws(&["IF", "EXISTS"]);
    let name = c.name()?;
    if matches!(
        k,
        ObjectKind::Database | ObjectKind::Schema | ObjectKind::Table | ObjectKind::View
    ) {
        let _ = c.eat_kw("CASCADE") || c.eat_kw("RESTRICT");
    }
    Ok(Statement::Drop {
        kind: k,
        if_exists,
        name,
    })
}

pub fn comment_on(c: &mut Cursor) -> PResult<Statement> {
    c.expect_kws(&["COMMENT"])?;
    let if_exists = c.eat_kws(&["IF", "EXISTS"]);
    c.expect_kw("ON")?;
    if c.is_kw("COLUMN") {
        return Err(c.unsupported("COMMENT ON COLUMN"));
    }
    let k = kind(c)?;
    let name = c.name()?;
    c.expect_kw("IS")?;
    let comment = c.string()?;
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
