//! How tables are read: the SHOW families and the row decoder, in the canonical forms of
//! `model::canon`, so that what Snowflake prints and what the configuration says compare equal.

use crate::kinds::read::{id, live_object, schema_name, set_opt, Family, KindRead};
use crate::kinds::rows::ShowRows;
use crate::model::attr;
use crate::model::{Kind, Object, ObjectName, Value};
use std::collections::BTreeMap;

/// Every table (the listing of a replaced container, and the table kind).
pub(crate) const TABLES: Family = Family {
    name: "tables",
    show: "SHOW TABLES",
    pages: true,
    recording: "show_tables",
};

/// The columns of tables and views (SHOW COLUMNS: no warehouse needed), read per schema.
pub(crate) const COLUMNS: Family = Family {
    name: "columns",
    show: "SHOW COLUMNS",
    pages: false,
    recording: "show_columns",
};

#[linkme::distributed_slice(crate::kinds::read::READERS)]
static READ: KindRead = KindRead {
    kind: Kind::Table,
    families: &[TABLES, COLUMNS],
    decode: |fetch| tables(fetch.rows(TABLES), fetch.rows(COLUMNS)),
    details: None,
};

/// Tables from SHOW TABLES (dynamic tables, listed there too, are left out), with their
/// columns from SHOW COLUMNS in the order it lists them.
pub fn tables(tables: &ShowRows, columns: &ShowRows) -> Vec<Object> {
    let mut by_table: BTreeMap<ObjectName, Vec<Value>> = BTreeMap::new();
    for r in columns.iter() {
        if columns.get(r, "kind").is_some_and(|k| k != "COLUMN") {
            continue;
        }
        let (Some(db), Some(schema), Some(table), Some(name)) = (
            columns.raw(r, "database_name"),
            columns.raw(r, "schema_name"),
            columns.raw(r, "table_name"),
            columns.raw(r, "column_name"),
        ) else {
            continue;
        };
        let raw_type = columns.raw(r, "data_type").unwrap_or_default();
        let ty = crate::model::canon::column_type_of_show(raw_type)
            .unwrap_or_else(|| format!("unknown type {raw_type}"));
        let mut fields = BTreeMap::new();
        fields.insert(attr::NAME.to_string(), Value::str(name));
        fields.insert(attr::TYPE.to_string(), Value::Str(ty));
        fields.insert(
            attr::NULLABLE.to_string(),
            Value::Bool(columns.flag(r, "null?").unwrap_or(true)),
        );
        if let Some(d) = columns.text(r, "default") {
            fields.insert(attr::DEFAULT.to_string(), Value::str(d));
        }
        if let Some(c) = columns.text(r, "comment") {
            fields.insert(attr::COMMENT.to_string(), Value::str(c));
        }
        by_table
            .entry(ObjectName::in_schema(id(db), id(schema), id(table)))
            .or_default()
            .push(Value::Map(fields));
    }
    tables
        .iter()
        .filter(|r| tables.flag(r, "is_dynamic") != Some(true))
        .filter_map(|r| {
            let name = schema_name(tables, r)?;
            let mut o = live_object(Kind::Table, name.clone());
            o.set(
                attr::TRANSIENT,
                tables
                    .get(r, "kind")
                    .is_some_and(|k| k.eq_ignore_ascii_case("TRANSIENT")),
            );
            set_opt(&mut o, attr::COMMENT, tables.text(r, "comment"));
            set_opt(&mut o, attr::OWNER, tables.get(r, "owner"));
            // `LINEAR(a, b)`: the key's columns.
            if let Some(keys) = tables.get(r, "cluster_by") {
                let inner = keys
                    .trim()
                    .strip_prefix("LINEAR(")
                    .and_then(|k| k.strip_suffix(')'))
                    .unwrap_or(keys);
                let cols: Vec<Value> = inner
                    .split(',')
                    .map(|c| c.trim().trim_matches('"'))
                    .filter(|c| !c.is_empty())
                    .map(Value::str)
                    .collect();
                if !cols.is_empty() {
                    o.set(attr::CLUSTER_BY, Value::List(cols));
                }
            }
            o.set(
                attr::CHANGE_TRACKING,
                tables.flag(r, "change_tracking").unwrap_or(false),
            );
            set_opt(
                &mut o,
                attr::DATA_RETENTION_TIME_IN_DAYS,
                tables.int(r, "retention_time"),
            );
            o.set(
                crate::kinds::table::COLUMNS,
                Value::List(by_table.remove(&name).unwrap_or_default()),
            );
            Some(o)
        })
        .collect()
}
