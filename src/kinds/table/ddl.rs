//! Tables: CREATE [TRANSIENT] TABLE with its columns, ALTER TABLE for what Snowflake changes in
//! place (properties, the clustering key, columns added, dropped and altered), CREATE OR
//! REPLACE TABLE for what it cannot (the diff marks that destructive), and DROP TABLE.

use crate::kinds::props::set_unset;
use crate::kinds::statements::{changed, drop_named, KindDdl, Replacement, Stmt, CREATE};
use crate::kinds::table::{by_name, column_name, COLUMNS};
use crate::model::attr;
use crate::model::AttrChange;
use crate::model::{Object, Value};
use crate::sql::{quote_ident, quote_literal};
use std::collections::BTreeMap;

fn field<'a>(column: &'a BTreeMap<String, Value>, key: &str) -> Option<&'a str> {
    column.get(key).and_then(Value::as_str)
}

/// `NAME TYPE [NOT NULL] [DEFAULT expr] [COMMENT 'text']`. The default is an expression
/// `config` checked to be one literal or one call without arguments.
fn column_sql(column: &BTreeMap<String, Value>) -> String {
    let mut out = format!(
        "{} {}",
        quote_ident(field(column, attr::NAME).unwrap_or_default()),
        field(column, attr::TYPE).unwrap_or_default()
    );
    if column.get(attr::NULLABLE) == Some(&Value::Bool(false)) {
        out.push_str(" NOT NULL");
    }
    if let Some(d) = field(column, attr::DEFAULT) {
        out.push_str(&format!(" DEFAULT {d}"));
    }
    if let Some(comment) = field(column, attr::COMMENT) {
        out.push_str(&format!(" COMMENT {}", quote_literal(comment)));
    }
    out
}

fn cluster_list(object: &Object) -> Option<String> {
    match object.get(attr::CLUSTER_BY) {
        Some(Value::List(cols)) if !cols.is_empty() => Some(
            cols.iter()
                .filter_map(Value::as_str)
                .map(quote_ident)
                .collect::<Vec<_>>()
                .join(", "),
        ),
        _ => None,
    }
}

fn create_sql(object: &Object, or_replace: bool) -> Vec<Stmt> {
    let columns: Vec<String> = match object.get(COLUMNS) {
        Some(Value::List(cols)) => cols
            .iter()
            .filter_map(Value::as_map)
            .map(column_sql)
            .collect(),
        _ => Vec::new(),
    };
    let mut sql = format!(
        "CREATE {}{}TABLE {} ({})",
        if or_replace { "OR REPLACE " } else { "" },
        if object.flag(attr::TRANSIENT) {
            "TRANSIENT "
        } else {
            ""
        },
        object.name.to_sql(),
        columns.join(", ")
    );
    if let Some(keys) = cluster_list(object) {
        sql.push_str(&format!(" CLUSTER BY ({keys})"));
    }
    if let Some(Value::Int(days)) = object.get(attr::DATA_RETENTION_TIME_IN_DAYS) {
        sql.push_str(&format!(" DATA_RETENTION_TIME_IN_DAYS = {days}"));
    }
    if object.flag(attr::CHANGE_TRACKING) {
        sql.push_str(" CHANGE_TRACKING = TRUE");
    }
    if let Some(c) = object.get_str(attr::COMMENT) {
        sql.push_str(&format!(" COMMENT = {}", quote_literal(c)));
    }
    vec![Stmt::new(sql, &[CREATE])]
}

/// The ALTER TABLE statements that bring the columns from `before` to `after`: changes of the
/// columns both have, then adds, then drops (Snowflake refuses to drop a table's last
/// column, so the new ones come first). Each statement but the last records the columns it
/// leaves, so a failure part way leaves a record that tells the truth.
fn column_changes(object: &Object, before: Option<&Value>, after: Option<&Value>) -> Vec<Stmt> {
    let table = object.name.to_sql();
    let old = by_name(before);
    let new = by_name(after);
    let mut current: Vec<Value> = match before {
        Some(Value::List(cols)) => cols.clone(),
        _ => Vec::new(),
    };
    let mut steps: Vec<(String, Vec<Value>)> = Vec::new();
    for (name, want) in &new {
        let Some(have) = old.get(name) else { continue };
        let col = format!("ALTER TABLE {table} ALTER COLUMN {}", quote_ident(name));
        let mut set = |key: &str, sql: String, current: &mut Vec<Value>| {
            for c in current.iter_mut() {
                if column_name(c) == *name {
                    if let Value::Map(m) = c {
                        match want.get(key) {
                            Some(v) => m.insert(key.to_string(), v.clone()),
                            None => m.remove(key),
                        };
                    }
                }
            }
            steps.push((sql, current.clone()));
        };
        if field(have, attr::TYPE) != field(want, attr::TYPE) {
            let t = field(want, attr::TYPE).unwrap_or_default();
            set(attr::TYPE, format!("{col} SET DATA TYPE {t}"), &mut current);
        }
        if have.get(attr::NULLABLE) != want.get(attr::NULLABLE) {
            let sql = if want.get(attr::NULLABLE) == Some(&Value::Bool(false)) {
                format!("{col} SET NOT NULL")
            } else {
                format!("{col} DROP NOT NULL")
            };
            set(attr::NULLABLE, sql, &mut current);
        }
        // Only a drop reaches here: the diff replaces the table for a new default.
        if have.get(attr::DEFAULT).is_some() && want.get(attr::DEFAULT).is_none() {
            set(attr::DEFAULT, format!("{col} DROP DEFAULT"), &mut current);
        }
        if have.get(attr::COMMENT) != want.get(attr::COMMENT) {
            let sql = match field(want, attr::COMMENT) {
                Some(c) => format!("{col} COMMENT {}", quote_literal(c)),
                None => format!("{col} UNSET COMMENT"),
            };
            set(attr::COMMENT, sql, &mut current);
        }
    }
    if let Some(Value::List(cols)) = after {
        for c in cols {
            if old.contains_key(column_name(c)) {
                continue;
            }
            let Some(m) = c.as_map() else { continue };
            current.push(c.clone());
            steps.push((
                format!("ALTER TABLE {table} ADD COLUMN {}", column_sql(m)),
                current.clone(),
            ));
        }
    }
    let dropped: Vec<&str> = old
        .keys()
        .filter(|n| !new.contains_key(*n))
        .copied()
        .collect();
    if !dropped.is_empty() {
        current.retain(|c| !dropped.contains(&column_name(c)));
        steps.push((
            format!(
                "ALTER TABLE {table} DROP COLUMN {}",
                dropped
                    .iter()
                    .map(|n| quote_ident(n))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            current.clone(),
        ));
    }
    let last = steps.len().saturating_sub(1);
    steps
        .into_iter()
        .enumerate()
        .map(|(i, (sql, left))| {
            if i == last {
                Stmt::new(sql, &[COLUMNS])
            } else {
                Stmt::applying(sql, Vec::new()).leaving(COLUMNS, Value::List(left))
            }
        })
        .collect()
}

fn update(before: &Object, after: &Object, attrs: &[AttrChange]) -> Vec<Stmt> {
    let names = changed(attrs);
    let mut out = set_unset(
        "TABLE",
        after,
        &names
            .iter()
            .copied()
            .filter(|n| {
                matches!(
                    *n,
                    "comment" | "change_tracking" | "data_retention_time_in_days"
                )
            })
            .collect::<Vec<_>>(),
    );
    if names.contains(&attr::CLUSTER_BY) {
        let sql = match cluster_list(after) {
            Some(keys) => format!("ALTER TABLE {} CLUSTER BY ({keys})", after.name.to_sql()),
            None => format!("ALTER TABLE {} DROP CLUSTERING KEY", after.name.to_sql()),
        };
        out.push(Stmt::new(sql, &[attr::CLUSTER_BY]));
    }
    if names.contains(&COLUMNS) {
        out.extend(column_changes(
            after,
            before.get(COLUMNS),
            after.get(COLUMNS),
        ));
    }
    out
}

/// The registry's ddl entry of a table.
#[linkme::distributed_slice(crate::kinds::statements::KINDS)]
pub(super) static DDL: KindDdl = KindDdl {
    kind: crate::model::Kind::Table,
    keyword: "TABLE",
    keyword_of: None,
    create_privilege: |_| Some("CREATE TABLE"),
    create: |o| create_sql(o, false),
    replace: Replacement::CreateOrReplace(|o| create_sql(o, true)),
    update,
    drop: drop_named,
};
