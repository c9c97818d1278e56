//! Tables with rows: CREATE TABLE, INSERT ... VALUES, UPDATE and DELETE with real row
//! counts, so that a conditional UPDATE can serve as an atomic lock.

use super::super::catalog::{ColumnDefault, Relation, Table, TableColumn};
use super::super::errors;
use super::super::parse::ast::{
    AlterAction, ColumnChange, ColumnDef, Cond, CreateHead, Expr, Name, Prop,
};
use super::account::no_such_action;
use super::describe::reported_type;
use super::values::{coerce, column_type_of, eval, eval_cond, literal, Val};
use super::view::{check_relation_create, find_relation, rename_relation};
use super::{created, ok, props, Exec, Fqn, Outcome};
use crate::sandbox::{Column, DmlStats, ResultSet, SqlError};

/// A column as CREATE TABLE or ALTER TABLE ... ADD COLUMN defines it.
fn build_column(exec: &Exec, column_def: ColumnDef) -> Result<TableColumn, SqlError> {
    let column_type = column_type_of(&column_def.data_type)
        .ok_or_else(|| exec.unsupported(&format!("column type {}", column_def.data_type)))?;
    let default = match &column_def.default {
        None => None,
        Some(Expr::Literal(l)) => Some(ColumnDefault::Value(coerce(column_type, &literal(l))?)),
        Some(Expr::Call { name, args })
            if args.is_empty()
                && matches!(
                    name.as_str(),
                    "CURRENT_TIMESTAMP" | "LOCALTIMESTAMP" | "SYSDATE"
                ) =>
        {
            Some(ColumnDefault::CurrentTimestamp)
        }
        Some(_) => {
            return Err(
                exec.unsupported("column defaults other than literals and CURRENT_TIMESTAMP()")
            )
        }
    };
    Ok(TableColumn {
        name: column_def.name,
        data_type: column_def.data_type,
        column_type,
        not_null: column_def.not_null,
        default,
        comment: column_def.comment,
        added_with_default: false,
    })
}

fn duplicate_column(name: &str) -> SqlError {
    errors::invalid_value("column", &format!("duplicate column name '{name}'"))
}

/// A table property of CREATE TABLE or ALTER TABLE ... SET.
fn set_table_prop(exec: &Exec, table: &mut Table, prop: &Prop) -> Result<(), SqlError> {
    match prop.key.as_str() {
        "COMMENT" => table.meta.comment = props::opt_string(prop)?,
        "CHANGE_TRACKING" => table.change_tracking = props::boolean(prop)?,
        "DATA_RETENTION_TIME_IN_DAYS" => table.retention_days = Some(props::integer(prop, 0, 90)?),
        k => return Err(exec.unsupported(&format!("table property {k}"))),
    }
    Ok(())
}

pub(crate) fn create_table(
    exec: &mut Exec,
    head: CreateHead,
    transient: bool,
    defs: Vec<ColumnDef>,
    declares_keys: bool,
    cluster_by: Option<String>,
    props: Vec<Prop>,
) -> Result<Outcome, SqlError> {
    let f = exec.resolve_schema_object(&head.name, "CREATE TABLE")?;
    let schema = exec.schema_for_create(&f.database, &f.schema)?;
    if let Some(done) = check_relation_create(schema, &head, &f.name, Relation::Table)? {
        return Ok(done);
    }
    let schema_transient = schema.transient;
    let mut columns: Vec<TableColumn> = Vec::new();
    for d in defs {
        if columns.iter().any(|c| c.name == d.name) {
            return Err(duplicate_column(&d.name));
        }
        columns.push(build_column(exec, d)?);
    }
    let mut table = Table {
        meta: exec.meta(None),
        transient: transient || schema_transient,
        columns,
        rows: Vec::new(),
        declares_keys: Some(declares_keys),
        change_tracking: false,
        cluster_by: cluster_by.map(|c| c.trim().to_string()),
        retention_days: None,
    };
    for p in &props {
        set_table_prop(exec, &mut table, p)?;
    }
    exec.schema_mut(&f.database, &f.schema)?
        .tables
        .insert(f.name.clone(), table);
    Ok(Outcome::changed(created("Table", &f.name)))
}

fn column_index(table: &Table, name: &str) -> Result<usize, SqlError> {
    table
        .columns
        .iter()
        .position(|c| c.name == name)
        .ok_or_else(|| errors::invalid_identifier(name))
}

/// ALTER COLUMN ... SET DATA TYPE as the ALTER TABLE ... ALTER COLUMN reference allows it:
/// a NUMBER to another precision with the same scale (a smaller one only when every value
/// fits, which the sandbox does not check: it refuses a smaller one over rows), a text
/// column to a longer length; anything else is refused with Snowflake's error.
fn change_type(exec: &Exec, table: &mut Table, index: usize, to: &str) -> Result<(), SqlError> {
    let col = &table.columns[index];
    let unknown = |t: &str| exec.unsupported(&format!("column type {t}"));
    let from_t = reported_type(&col.data_type).ok_or_else(|| unknown(&col.data_type))?;
    let to_t = reported_type(to).ok_or_else(|| unknown(to))?;
    let split = |t: &str| -> (String, Vec<i64>) {
        match t.split_once('(') {
            Some((b, rest)) => (
                b.to_string(),
                rest.trim_end_matches(')')
                    .split(',')
                    .filter_map(|n| n.parse().ok())
                    .collect(),
            ),
            None => (t.to_string(), Vec::new()),
        }
    };
    let ((fb, fa), (tb, ta)) = (split(&from_t), split(&to_t));
    let refuse = || errors::cannot_change_column(&col.name, &from_t, &to_t);
    match (fb.as_str(), tb.as_str(), fa.as_slice(), ta.as_slice()) {
        (_, _, _, _) if from_t == to_t => {}
        ("VARCHAR", "VARCHAR", [f], [t]) => {
            if t < f {
                return Err(errors::cannot_shorten_varchar(&col.name, &from_t, &to_t));
            }
        }
        ("NUMBER", "NUMBER", [fp, fs], [tp, ts]) => {
            if fs != ts {
                return Err(refuse());
            }
            if tp < fp && table.rows.iter().any(|r| r[index].is_some()) {
                return Err(exec
                    .unsupported("decreasing the precision of a NUMBER column that holds values"));
            }
        }
        _ => return Err(refuse()),
    }
    table.columns[index].data_type = to.to_string();
    Ok(())
}

fn alter_columns(
    exec: &Exec,
    table: &mut Table,
    changes: Vec<(String, ColumnChange)>,
) -> Result<(), SqlError> {
    for (name, change) in changes {
        let i = column_index(table, &name)?;
        match change {
            ColumnChange::SetType(t) => change_type(exec, table, i, &t)?,
            ColumnChange::SetNotNull => {
                if table.rows.iter().any(|r| r[i].is_none()) {
                    return Err(exec.unsupported("SET NOT NULL on a column that holds NULL"));
                }
                table.columns[i].not_null = true;
            }
            ColumnChange::DropNotNull => table.columns[i].not_null = false,
            ColumnChange::Comment(c) => table.columns[i].comment = Some(c),
            ColumnChange::UnsetComment => table.columns[i].comment = None,
            ColumnChange::DropDefault => {
                if table.columns[i].added_with_default {
                    // The reference forbids it; its error text is not documented.
                    return Err(exec.unsupported(
                        "DROP DEFAULT of a column added with a default (Snowflake refuses it)",
                    ));
                }
                table.columns[i].default = None;
            }
        }
    }
    Ok(())
}

pub(crate) fn alter_table(
    exec: &mut Exec,
    if_exists: bool,
    name: Name,
    action: AlterAction,
) -> Result<Outcome, SqlError> {
    let f = exec.resolve_schema_object(&name, "ALTER TABLE")?;
    if find_relation(exec, &f, Relation::Table, "Table", if_exists)?.is_none() {
        return Ok(Outcome::unchanged(ok()));
    }
    let mut table = table_ref(exec, &f)?.clone();
    match action {
        AlterAction::Rename(to) => return rename_relation(exec, &f, &to, Relation::Table),
        AlterAction::Set(props) => {
            for p in &props {
                set_table_prop(exec, &mut table, p)?;
            }
        }
        AlterAction::Unset(keys) => {
            for k in &keys {
                match k.as_str() {
                    "COMMENT" => table.meta.comment = None,
                    "CHANGE_TRACKING" => table.change_tracking = false,
                    "DATA_RETENTION_TIME_IN_DAYS" => table.retention_days = None,
                    k => return Err(exec.unsupported(&format!("UNSET {k} on a table"))),
                }
            }
        }
        AlterAction::ClusterBy(keys) => table.cluster_by = Some(keys.trim().to_string()),
        AlterAction::DropClusteringKey => table.cluster_by = None,
        AlterAction::AddColumn(def) => {
            if table.columns.iter().any(|c| c.name == def.name) {
                return Err(duplicate_column(&def.name));
            }
            let mut col = build_column(exec, def)?;
            let fill = match &col.default {
                Some(ColumnDefault::Value(v)) => v.clone(),
                Some(ColumnDefault::CurrentTimestamp) if !table.rows.is_empty() => {
                    return Err(
                        exec.unsupported("ADD COLUMN ... DEFAULT CURRENT_TIMESTAMP() over rows")
                    )
                }
                _ => None,
            };
            if col.not_null && fill.is_none() && !table.rows.is_empty() {
                return Err(exec.unsupported("ADD COLUMN ... NOT NULL without a default over rows"));
            }
            col.added_with_default = col.default.is_some();
            table.columns.push(col);
            for r in &mut table.rows {
                r.push(fill.clone());
            }
        }
        AlterAction::DropColumns(names) => {
            let mut idx = Vec::new();
            for n in &names {
                idx.push(column_index(&table, n)?);
            }
            if idx.len() >= table.columns.len() {
                return Err(exec.unsupported("dropping every column of a table"));
            }
            idx.sort_unstable();
            idx.dedup();
            for i in idx.into_iter().rev() {
                table.columns.remove(i);
                for r in &mut table.rows {
                    r.remove(i);
                }
            }
        }
        AlterAction::RenameColumn(from, to) => {
            let i = column_index(&table, &from)?;
            if table.columns.iter().any(|c| c.name == to) {
                return Err(duplicate_column(&to));
            }
            table.columns[i].name = to;
        }
        AlterAction::AlterColumns(changes) => alter_columns(exec, &mut table, changes)?,
        other => return Err(no_such_action("TABLE", &other)),
    }
    exec.schema_mut(&f.database, &f.schema)?
        .tables
        .insert(f.name, table);
    Ok(Outcome::changed(ok()))
}

/// The table a query or DML statement names.
pub(crate) fn table_ref<'c>(exec: &'c Exec, fqn: &Fqn) -> Result<&'c Table, SqlError> {
    let schema = exec
        .schema(&fqn.database, &fqn.schema)
        .map_err(|_| errors::object_not_found(&fqn.dotted()))?;
    match schema.relation(&fqn.name) {
        Some(Relation::Table) => Ok(&schema.tables[&fqn.name]),
        Some(_) => Err(exec.unsupported("reading or writing the rows of views and dynamic tables")),
        None => Err(errors::object_not_found(&fqn.dotted())),
    }
}

fn typed_columns(table: &Table) -> Vec<(String, super::super::catalog::ColumnType)> {
    table
        .columns
        .iter()
        .map(|c| (c.name.clone(), c.column_type))
        .collect()
}

fn dml_result(column: &str, count: u64, stats: DmlStats, extra: &[&str]) -> ResultSet {
    let mut columns = vec![Column {
        name: column.to_string(),
        type_name: "fixed",
        nullable: false,
    }];
    let mut row = vec![Some(count.to_string())];
    for e in extra {
        columns.push(Column {
            name: e.to_string(),
            type_name: "fixed",
            nullable: false,
        });
        row.push(Some("0".into()));
    }
    ResultSet {
        columns,
        rows: vec![row],
        dml: Some(stats),
    }
}

pub fn insert(
    exec: &mut Exec,
    name: Name,
    columns: Option<Vec<String>>,
    rows: Vec<Vec<Expr>>,
) -> Result<Outcome, SqlError> {
    let f = exec.resolve_schema_object(&name, "INSERT")?;
    let table = table_ref(exec, &f)?;
    let mut new_rows = Vec::new();
    for exprs in &rows {
        let vals: Vec<Val> = exprs
            .iter()
            .map(|e| eval(e, &[], &[], &exec.env()))
            .collect::<Result<_, _>>()?;
        new_rows.push(insert_row(exec, table, columns.as_deref(), &vals)?);
    }
    let n = new_rows.len() as u64;
    let schema = exec.schema_mut(&f.database, &f.schema)?;
    if let Some(t) = schema.tables.get_mut(&f.name) {
        t.rows.extend(new_rows);
    }
    Ok(Outcome::changed(dml_result(
        "number of rows inserted",
        n,
        DmlStats {
            inserted: n,
            ..Default::default()
        },
        &[],
    )))
}

/// The row that inserting `vals` into `columns` (all, in order, when None) makes: defaults
/// for the others, every value coerced to its column's type, NOT NULL checked.
pub(crate) fn insert_row(
    exec: &Exec,
    table: &Table,
    columns: Option<&[String]>,
    vals: &[Val],
) -> Result<Vec<Option<String>>, SqlError> {
    let targets: Vec<usize> = match columns {
        None => (0..table.columns.len()).collect(),
        Some(cols) => cols
            .iter()
            .map(|c| {
                table
                    .columns
                    .iter()
                    .position(|tc| &tc.name == c)
                    .ok_or_else(|| errors::invalid_identifier(c))
            })
            .collect::<Result<_, _>>()?,
    };
    if vals.len() != targets.len() {
        return Err(errors::insert_arity(targets.len(), vals.len()));
    }
    let mut row: Vec<Option<String>> = table
        .columns
        .iter()
        .map(|c| match &c.default {
            Some(ColumnDefault::Value(v)) => v.clone(),
            Some(ColumnDefault::CurrentTimestamp) => coerce(
                c.column_type,
                &Val::Typed(
                    super::super::catalog::ColumnType::TimestampLtz,
                    super::super::format::timestamp(exec.now),
                ),
            )
            .ok()
            .flatten(),
            None => None,
        })
        .collect();
    for (v, &i) in vals.iter().zip(&targets) {
        row[i] = coerce(table.columns[i].column_type, v)?;
    }
    check_not_null(table, &row)?;
    Ok(row)
}

fn check_not_null(table: &Table, row: &[Option<String>]) -> Result<(), SqlError> {
    if table
        .columns
        .iter()
        .zip(row)
        .any(|(c, v)| c.not_null && v.is_none())
    {
        return Err(errors::null_in_not_null());
    }
    Ok(())
}

/// Which rows of `table` the filter keeps (unknown counts as no).
fn matching(exec: &Exec, table: &Table, filter: &Option<Cond>) -> Result<Vec<bool>, SqlError> {
    let typed = typed_columns(table);
    table
        .rows
        .iter()
        .map(|r| match filter {
            None => Ok(true),
            Some(c) => Ok(eval_cond(c, &typed, r, &exec.env())? == Some(true)),
        })
        .collect()
}

pub fn update(
    exec: &mut Exec,
    name: Name,
    assignments: Vec<(String, Expr)>,
    filter: Option<Cond>,
) -> Result<Outcome, SqlError> {
    let f = exec.resolve_schema_object(&name, "UPDATE")?;
    let table = table_ref(exec, &f)?;
    let typed = typed_columns(table);
    let mut targets = Vec::new();
    for (col, e) in &assignments {
        let i = table
            .columns
            .iter()
            .position(|c| &c.name == col)
            .ok_or_else(|| errors::invalid_identifier(col))?;
        targets.push((i, e));
    }
    let hits = matching(exec, table, &filter)?;
    let mut rows = table.rows.clone();
    let mut n = 0u64;
    for (row, hit) in rows.iter_mut().zip(&hits) {
        if !hit {
            continue;
        }
        let before = row.clone();
        for (i, e) in &targets {
            let v = eval(e, &typed, &before, &exec.env())?;
            row[*i] = coerce(typed[*i].1, &v)?;
        }
        check_not_null(table, row)?;
        n += 1;
    }
    if let Some(t) = exec
        .schema_mut(&f.database, &f.schema)?
        .tables
        .get_mut(&f.name)
    {
        t.rows = rows;
    }
    let stats = DmlStats {
        updated: n,
        ..Default::default()
    };
    Ok(Outcome {
        result: dml_result(
            "number of rows updated",
            n,
            stats,
            &["number of multi-joined rows updated"],
        ),
        changed: n > 0,
    })
}

pub(crate) fn delete(
    exec: &mut Exec,
    name: Name,
    filter: Option<Cond>,
) -> Result<Outcome, SqlError> {
    let f = exec.resolve_schema_object(&name, "DELETE")?;
    let table = table_ref(exec, &f)?;
    let hits = matching(exec, table, &filter)?;
    let n = hits.iter().filter(|h| **h).count() as u64;
    let kept: Vec<Vec<Option<String>>> = table
        .rows
        .iter()
        .zip(&hits)
        .filter(|(_, h)| !**h)
        .map(|(r, _)| r.clone())
        .collect();
    if let Some(t) = exec
        .schema_mut(&f.database, &f.schema)?
        .tables
        .get_mut(&f.name)
    {
        t.rows = kept;
    }
    let stats = DmlStats {
        deleted: n,
        ..Default::default()
    };
    Ok(Outcome {
        result: dml_result("number of rows deleted", n, stats, &[]),
        changed: n > 0,
    })
}
