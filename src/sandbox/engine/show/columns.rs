//! SHOW COLUMNS (SHOW COLUMNS reference page): one row per column of every table, view and
//! dynamic table in scope, in the documented layout, `data_type` as the page's JSON. A view's
//! or dynamic table's columns are derived as DESCRIBE derives them; what cannot be derived is
//! refused, naming the column, rather than guessed.

use super::super::catalog::{ColumnDefault, Schema, Table};
use super::super::errors;
use super::super::exec::describe::{derived_view_rows, reported_type};
use super::super::exec::Exec;
use super::super::parse::ast::{ObjectKind, Show, ShowScope};
use super::filter::{like, MAX_ROWS};
use super::Containers;
use crate::sandbox::{Column, ResultSet, SqlError};

const COLUMNS: [&str; 12] = [
    "table_name",
    "schema_name",
    "column_name",
    "data_type",
    "null?",
    "default",
    "kind",
    "expression",
    "comment",
    "database_name",
    "autoincrement",
    "schema_evolution_record",
];

/// The `data_type` JSON of a reported type, with the keys in the page's order (`length` and
/// `byteLength` of text: the example shows 16777216 for both at the longest and 4 bytes for
/// a VARCHAR(1), so four bytes a character up to the longest; other lengths are UNCONFIRMED).
fn type_json(exec: &Exec, column: &str, ty: &str, nullable: bool) -> Result<String, SqlError> {
    let (base, args) = match ty.split_once('(') {
        Some((b, rest)) => (
            b,
            rest.trim_end_matches(')')
                .split(',')
                .filter_map(|n| n.parse::<i64>().ok())
                .collect::<Vec<_>>(),
        ),
        None => (ty, Vec::new()),
    };
    Ok(match (base, args.as_slice()) {
        ("NUMBER", [p, s]) => {
            format!(r#"{{"type":"FIXED","precision":{p},"scale":{s},"nullable":{nullable}}}"#)
        }
        ("VARCHAR", [n]) => format!(
            r#"{{"type":"TEXT","length":{n},"byteLength":{},"nullable":{nullable},"fixed":false}}"#,
            (n * 4).min(16_777_216)
        ),
        ("FLOAT", []) => format!(r#"{{"type":"REAL","nullable":{nullable}}}"#),
        ("BOOLEAN" | "DATE", []) => format!(r#"{{"type":"{base}","nullable":{nullable}}}"#),
        ("TIMESTAMP_NTZ" | "TIMESTAMP_LTZ" | "TIMESTAMP_TZ", [s]) => {
            format!(r#"{{"type":"{base}","precision":0,"scale":{s},"nullable":{nullable}}}"#)
        }
        _ => {
            return Err(exec.unsupported(&format!(
                "SHOW COLUMNS of column {column}: the data_type of {ty} is not documented"
            )))
        }
    })
}

type Row = Vec<Option<String>>;

struct Described {
    name: String,
    ty: String,
    nullable: bool,
    default: Option<String>,
    comment: Option<String>,
}

/// A table's columns. Defaults print as DESCRIBE TABLE's reference shows them: a number as
/// written, a string in single quotes, CURRENT_TIMESTAMP().
fn table_columns(exec: &Exec, table: &Table) -> Result<Vec<Described>, SqlError> {
    let mut out = Vec::new();
    for c in &table.columns {
        let ty = reported_type(&c.data_type)
            .ok_or_else(|| exec.unsupported(&format!("column type {}", c.data_type)))?;
        let default = match &c.default {
            None | Some(ColumnDefault::Value(None)) => None,
            Some(ColumnDefault::CurrentTimestamp) => Some("CURRENT_TIMESTAMP()".to_string()),
            Some(ColumnDefault::Value(Some(v))) if ty.starts_with("NUMBER") => Some(v.clone()),
            Some(ColumnDefault::Value(Some(v))) if ty.starts_with("VARCHAR") => {
                Some(format!("'{}'", v.replace('\'', "''")))
            }
            Some(ColumnDefault::Value(Some(_))) => {
                return Err(exec.unsupported(&format!(
                    "SHOW COLUMNS of the default of column {}: how it prints is not documented",
                    c.name
                )))
            }
        };
        out.push(Described {
            name: c.name.clone(),
            ty,
            nullable: !c.not_null,
            default,
            comment: c.comment.clone(),
        });
    }
    Ok(out)
}

fn relation_columns(exec: &Exec, sc: &Schema, name: &str) -> Result<Vec<Described>, SqlError> {
    if let Some(t) = sc.tables.get(name) {
        return table_columns(exec, t);
    }
    let (text, query, saved) = if let Some(v) = sc.views.get(name) {
        (&v.text, &v.query, &v.saved_columns)
    } else if let Some(d) = sc.dynamic_tables.get(name) {
        (&d.text, &d.query, &d.saved_columns)
    } else {
        return Ok(Vec::new());
    };
    let rows = match saved {
        Some(rows) => rows.clone(),
        None => derived_view_rows(exec, text, query)?,
    };
    Ok(rows
        .into_iter()
        .map(|r| Described {
            name: r[0].clone().unwrap_or_default(),
            ty: r[1].clone().unwrap_or_default(),
            nullable: r[3].as_deref() == Some("Y"),
            default: r[4].clone(),
            comment: r[9].clone(),
        })
        .collect())
}

pub fn run(
    exec: &Exec,
    show: &Show,
    containers: Option<Containers>,
) -> Result<ResultSet, SqlError> {
    if show.starts_with.is_some() || show.limit.is_some() || show.terse {
        return Err(errors::syntax(1, 0, "unexpected 'STARTS'."));
    }
    // (database, schema, relation) in scope, sorted.
    let mut relations: Vec<(String, String, String)> = Vec::new();
    match (&show.scope, containers) {
        (Some(ShowScope::Object(kind, name)), _) => {
            let f = exec.resolve_schema_object(name, "SHOW COLUMNS")?;
            let sc = exec
                .schema(&f.database, &f.schema)
                .map_err(|_| errors::object_not_found(&f.dotted()))?;
            let found = match kind {
                ObjectKind::View => sc.views.contains_key(&f.name),
                _ => sc.relation(&f.name).is_some(),
            };
            if !found {
                return Err(errors::object_not_found(&f.dotted()));
            }
            relations.push((f.database, f.schema, f.name));
        }
        (_, Some(c)) => {
            for (d, db) in &exec.catalog.databases {
                for (sn, sc) in &db.schemas {
                    if !c.covers(d, sn) {
                        continue;
                    }
                    let names = sc
                        .tables
                        .keys()
                        .chain(sc.views.keys())
                        .chain(sc.dynamic_tables.keys());
                    relations.extend(names.map(|n| (d.clone(), sn.clone(), n.clone())));
                }
            }
        }
        (_, None) => return Err(errors::syntax(1, 0, "unexpected 'IN'.")),
    }
    relations.sort();
    let mut rows: Vec<Row> = Vec::new();
    for (d, sn, name) in &relations {
        let sc = exec.schema(d, sn)?;
        for c in relation_columns(exec, sc, name)? {
            if let Some(p) = &show.like {
                if !like(p, &c.name) {
                    continue;
                }
            }
            let data_type = type_json(exec, &c.name, &c.ty, c.nullable)?;
            rows.push(vec![
                Some(name.clone()),
                Some(sn.clone()),
                Some(c.name),
                Some(data_type),
                Some(c.nullable.to_string()),
                Some(c.default.unwrap_or_default()),
                Some("COLUMN".into()),
                Some(String::new()),
                Some(c.comment.unwrap_or_default()),
                Some(d.clone()),
                Some(String::new()),
                None,
            ]);
        }
    }
    // The reference: records beyond ten thousand are not returned.
    rows.truncate(MAX_ROWS);
    Ok(ResultSet {
        columns: COLUMNS
            .iter()
            .map(|n| Column {
                name: n.to_string(),
                type_name: "text",
                nullable: true,
            })
            .collect(),
        rows,
        dml: None,
    })
}
