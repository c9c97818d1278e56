//! SELECT: session functions and system functions without FROM, rows of one table, and the
//! INFORMATION_SCHEMA.MODEL_VERSIONS view.

use super::super::catalog::ColumnType;
use super::super::errors;
use super::super::format;
use super::super::parse::ast::{Expr, Literal, Select, SelectItem};
use super::model::{system_aliases, versions_in_order};
use super::table::table_ref;
use super::values::{coerce, compare_values, eval, eval_cond, static_type, Val};
use super::{context, tagging, task, Exec, Fqn, Outcome, INFORMATION_SCHEMA};
use crate::sandbox::{Column, ResultSet, SqlError};

/// What CURRENT_VERSION() reports.
pub(crate) const SANDBOX_VERSION: &str = "9.0.0";

pub(crate) fn select(exec: &mut Exec, statement: Select) -> Result<Outcome, SqlError> {
    if !statement.union.is_empty() {
        return union(exec, statement);
    }
    if let Some(inner) = statement.from_query.clone() {
        let out = select(exec, *inner)?;
        let table = result_table(&out.result)?;
        let result = query(exec, table, &statement)?;
        return Ok(Outcome {
            result,
            changed: out.changed,
        });
    }
    if let Some(rows) = &statement.from_values {
        let table = values_table(exec, rows)?;
        return query(exec, table, &statement).map(Outcome::unchanged);
    }
    if let Some(function) = &statement.from_function {
        let (name, args, named) = function.as_ref();
        let table = table_function(exec, name, args, named)?;
        return query(exec, table, &statement).map(Outcome::unchanged);
    }
    match &statement.from {
        None => select_values(exec, &statement),
        Some(name) => {
            let table = from(exec, name, &statement)?;
            query(exec, table, &statement).map(Outcome::unchanged)
        }
    }
}

/// `<select> UNION [ALL] <select> ...`, left to right: UNION removes duplicate rows of
/// everything before it, UNION ALL keeps them. Columns are the first branch's.
fn union(exec: &mut Exec, mut query: Select) -> Result<Outcome, SqlError> {
    let branches = std::mem::take(&mut query.union);
    let mut out = select(exec, query)?;
    for (n, (all, branch)) in branches.into_iter().enumerate() {
        if !branch.order_by.is_empty() || branch.limit.is_some() {
            return Err(exec.unsupported("ORDER BY and LIMIT after UNION"));
        }
        let next = select(exec, branch)?;
        let (want, got) = (out.result.columns.len(), next.result.columns.len());
        if want != got {
            return Err(errors::set_operator_columns(want, got, n + 2));
        }
        // Snowflake coerces branches to a common type; the sandbox only unions like types.
        let same = out
            .result
            .columns
            .iter()
            .zip(&next.result.columns)
            .all(|(a, b)| a.type_name == b.type_name);
        if !same {
            return Err(exec.unsupported("UNION of columns of different types"));
        }
        for (a, b) in out.result.columns.iter_mut().zip(&next.result.columns) {
            a.nullable |= b.nullable;
        }
        out.result.rows.extend(next.result.rows);
        out.changed |= next.changed;
        if !all {
            let mut seen = std::collections::BTreeSet::new();
            out.result.rows.retain(|r| seen.insert(r.clone()));
        }
    }
    Ok(out)
}

/// `FROM VALUES (...), (...)`: columns `COLUMN1`, `COLUMN2`..., typed by their first
/// non-NULL value (or a NULL's cast), every cell coerced to that type.
fn values_table(exec: &Exec, rows: &[Vec<Expr>]) -> Result<VirtualTable, SqlError> {
    let env = exec.env();
    let width = rows.first().map_or(0, Vec::len);
    let mut vals = Vec::new();
    for row in rows {
        if row.len() != width {
            return Err(errors::insert_arity(width, row.len()));
        }
        vals.push(
            row.iter()
                .map(|e| eval(e, &[], &[], &env))
                .collect::<Result<Vec<_>, _>>()?,
        );
    }
    let mut columns = Vec::new();
    for i in 0..width {
        let ty = match vals.iter().map(|r| &r[i]).find(|v| **v != Val::Null) {
            Some(v) => v.column_type(),
            None => static_type(&rows[0][i], &[], &env)?,
        };
        columns.push((format!("COLUMN{}", i + 1), ty, true));
    }
    let rows = vals
        .iter()
        .map(|r| {
            r.iter()
                .zip(&columns)
                .map(|(v, (_, ty, _))| coerce(*ty, v))
                .collect::<Result<Vec<_>, _>>()
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(VirtualTable { columns, rows })
}

/// A result set as rows to query further (a subquery's, or RESULT_SCAN's).
fn result_table(rs: &ResultSet) -> Result<VirtualTable, SqlError> {
    let columns = rs
        .columns
        .iter()
        .map(|c| {
            // Every type the engine answers with has a column type; a new one must be added.
            let ty = row_type_column(c.type_name).ok_or_else(|| {
                errors::invalid_state(format!(
                    "RESULT_SCAN cannot read a column of type {}",
                    c.type_name
                ))
            })?;
            Ok((c.name.clone(), ty, c.nullable))
        })
        .collect::<Result<Vec<_>, SqlError>>()?;
    Ok(VirtualTable {
        columns,
        rows: rs.rows.clone(),
    })
}

/// A result column's name: its alias, else its upper-cased text.
fn column_name(alias: &Option<String>, text: &str) -> String {
    alias.clone().unwrap_or_else(|| text.to_string())
}

fn string_args<'e>(name: &str, args: &'e [Expr], count: usize) -> Result<Vec<&'e str>, SqlError> {
    let out: Vec<&str> = args
        .iter()
        .filter_map(|a| match a {
            Expr::Literal(Literal::String(s)) => Some(s.as_str()),
            _ => None,
        })
        .collect();
    if out.len() != count || args.len() != count {
        return Err(errors::invalid_value(
            name,
            &format!("expects {count} string arguments"),
        ));
    }
    Ok(out)
}

/// `SELECT <expressions>` without FROM: one row.
fn select_values(exec: &mut Exec, select: &Select) -> Result<Outcome, SqlError> {
    if select.filter.is_some() || !select.order_by.is_empty() {
        return Err(exec.unsupported("WHERE and ORDER BY without FROM"));
    }
    let mut columns = Vec::new();
    let mut row = Vec::new();
    let mut changed = false;
    for item in &select.items {
        let SelectItem::Expr { expr, alias, text } = item else {
            return Err(errors::syntax(1, 7, "unexpected '*'."));
        };
        let (value, type_name): (Option<String>, &'static str) = match expr {
            Expr::Call { name, args } => match name.as_str() {
                // CURRENT_REGION(), IS_ROLE_IN_SESSION(...) and the other context functions.
                n if context::answers(n) => context::call(exec, n, args)?,
                "CURRENT_ACCOUNT" if args.is_empty() => {
                    (Some(exec.account.to_ascii_uppercase()), "text")
                }
                "CURRENT_USER" if args.is_empty() => (
                    Some(exec.session.user.clone()).filter(|u| !u.is_empty()),
                    "text",
                ),
                "CURRENT_ROLE" if args.is_empty() => (Some(exec.owner()), "text"),
                "CURRENT_WAREHOUSE" if args.is_empty() => {
                    (exec.session_warehouse().map(str::to_string), "text")
                }
                "CURRENT_DATABASE" if args.is_empty() => {
                    (exec.session_database().map(str::to_string), "text")
                }
                "CURRENT_SCHEMA" if args.is_empty() => {
                    (exec.session_schema().map(str::to_string), "text")
                }
                "CURRENT_VERSION" if args.is_empty() => (Some(SANDBOX_VERSION.to_string()), "text"),
                "CURRENT_TIMESTAMP" | "LOCALTIMESTAMP" if args.is_empty() => {
                    (Some(format::timestamp(exec.now)), "timestamp_ltz")
                }
                "SYSTEM$GET_TAG" => {
                    let a = string_args(name, args, 3)?;
                    (tagging::get_tag(exec, a[0], a[1], a[2])?, "text")
                }
                // Every statement has finished before the next one is read, so no session
                // ever has a query to cancel; the answer has the docs' "<n> cancelled." shape.
                "SYSTEM$CANCEL_ALL_QUERIES" => match args.as_slice() {
                    [Expr::Literal(Literal::Number(_))] => (Some("0 cancelled.".into()), "text"),
                    _ => return Err(errors::invalid_value(name, "expects a session id")),
                },
                "SYSTEM$TASK_DEPENDENTS_ENABLE" => {
                    let a = string_args(name, args, 1)?;
                    task::enable_dependents(exec, a[0])?;
                    changed = true;
                    (Some(String::new()), "text")
                }
                // Not in the function reference: snowflake-ml-python 2.x asks for it and reads
                // its failure as a server older than 9.2 (platform_capabilities.py); the sandbox
                // reports 9.0.0 (CURRENT_VERSION), which has none.
                "SYSTEM$ML_PLATFORM_CAPABILITIES" => return Err(errors::unknown_function(name)),
                // Undocumented: the two call shapes snowflake-ml-python sends (tagging.rs).
                "ENTITY_DETAIL" => {
                    let a = string_args(name, args, 3)?;
                    (
                        Some(tagging::entity_detail(exec, a[0], a[1], a[2])?),
                        "text",
                    )
                }
                // The row functions (SUBSTRING, PARSE_JSON...), or refused there.
                _ => {
                    let env = exec.env();
                    let v = eval(expr, &[], &[], &env)?;
                    (v.cell(), static_type(expr, &[], &env)?.row_type())
                }
            },
            Expr::Column(c) => return Err(errors::invalid_identifier(c)),
            Expr::Ref(parts) => return Err(errors::invalid_identifier(&parts.join("."))),
            e => {
                let env = exec.env();
                let v = eval(e, &[], &[], &env)?;
                let ty = if v == Val::Null {
                    static_type(e, &[], &env)?
                } else {
                    v.column_type()
                };
                (v.cell(), ty.row_type())
            }
        };
        columns.push(Column {
            name: column_name(alias, text),
            type_name,
            nullable: true,
        });
        row.push(value);
    }
    let rows = if select.limit == Some(0) {
        vec![]
    } else {
        vec![row]
    };
    Ok(Outcome {
        result: ResultSet {
            columns,
            rows,
            dml: None,
        },
        changed,
    })
}

/// `FROM TABLE(RESULT_SCAN(...))`, or `TABLE(<db>.INFORMATION_SCHEMA.TAG_REFERENCES(...))`.
fn table_function(
    exec: &mut Exec,
    name: &[String],
    args: &[Expr],
    named: &[(String, Expr)],
) -> Result<VirtualTable, SqlError> {
    let function = name.last().map(String::as_str).unwrap_or_default();
    // Not in Snowflake's function reference: snowflake-ml-python 1.5.x probes for it and falls
    // back to TAG_REFERENCES where it is not rolled out, as in the sandbox.
    if function == "TAG_REFERENCES_INTERNAL" {
        return Err(errors::unknown_function(function));
    }
    if !named.is_empty() {
        return Err(exec.unsupported("named arguments of table functions"));
    }
    if let [only] = name {
        if only == "RESULT_SCAN" {
            return result_scan(exec, args);
        }
    }
    let database = match name {
        [d, s, _] if s == INFORMATION_SCHEMA => d.clone(),
        [s, _] if s == INFORMATION_SCHEMA => exec
            .session_database()
            .map(str::to_string)
            .ok_or_else(|| errors::no_current_database(function))?,
        _ => return Err(exec.unsupported(&format!("table function {}", name.join(".")))),
    };
    if function != "TAG_REFERENCES" {
        return Err(exec.unsupported(&format!("table function {function}")));
    }
    exec.database(&database)?;
    let a = string_args(function, args, 2)?;
    let rows = tagging::tag_references(exec, a[0], a[1])?;
    // The documented output columns (TAG_REFERENCES reference page), all TEXT.
    let columns = [
        "TAG_DATABASE",
        "TAG_SCHEMA",
        "TAG_NAME",
        "TAG_VALUE",
        "APPLY_METHOD",
        "LEVEL",
        "OBJECT_DATABASE",
        "OBJECT_SCHEMA",
        "OBJECT_NAME",
        "DOMAIN",
        "COLUMN_NAME",
    ]
    .iter()
    .map(|n| (n.to_string(), ColumnType::Text, true))
    .collect();
    Ok(VirtualTable { columns, rows })
}

/// `RESULT_SCAN(LAST_QUERY_ID())` or `RESULT_SCAN('<query id>')`: an earlier statement's
/// result of the same user, as the statement answered it (SHOW's lower-case column names).
fn result_scan(exec: &Exec, args: &[Expr]) -> Result<VirtualTable, SqlError> {
    // Newest first: LAST_QUERY_ID() is the first, and a repeated id is its latest run.
    let mut mine = exec
        .results
        .iter()
        .rev()
        .filter(|r| r.user == exec.session.user);
    let found = match args {
        [Expr::Call { name, args }] if name == "LAST_QUERY_ID" && args.is_empty() => mine
            .next()
            .ok_or_else(|| errors::result_not_found("LAST_QUERY_ID()"))?,
        [Expr::Literal(Literal::String(id))] => mine
            .find(|r| r.query_id == *id)
            .ok_or_else(|| errors::result_not_found(id))?,
        [Expr::Call { name, .. }] => return Err(exec.unsupported(&format!("function {name}"))),
        _ => {
            return Err(errors::invalid_value(
                "RESULT_SCAN",
                "expects a query id or LAST_QUERY_ID()",
            ))
        }
    };
    result_table(&found.result)
}

/// The column type a result's `rowType` name stands for.
fn row_type_column(type_name: &str) -> Option<ColumnType> {
    [
        ColumnType::Text,
        ColumnType::Fixed,
        ColumnType::Real,
        ColumnType::Boolean,
        ColumnType::Date,
        ColumnType::TimestampNtz,
        ColumnType::TimestampLtz,
        ColumnType::TimestampTz,
        ColumnType::Variant,
    ]
    .into_iter()
    .find(|t| t.row_type() == type_name)
}

/// Rows to query: a table's, or a view of the catalog.
pub(crate) struct VirtualTable {
    pub columns: Vec<(String, ColumnType, bool)>,
    pub rows: Vec<Vec<Option<String>>>,
}

fn from(exec: &Exec, name: &[String], select: &Select) -> Result<VirtualTable, SqlError> {
    let is_info = match name {
        [select, _] => select == INFORMATION_SCHEMA,
        [_, select, _] => select == INFORMATION_SCHEMA,
        _ => false,
    };
    let f = exec.resolve_schema_object(&name.to_vec(), "SELECT")?;
    if is_info {
        return match f.name.as_str() {
            "MODEL_VERSIONS" => model_versions(exec, &f),
            "TABLES" => super::info_tables::tables(exec, &f, select),
            other => Err(exec.unsupported(&format!("INFORMATION_SCHEMA.{other}"))),
        };
    }
    let t = table_ref(exec, &f)?;
    Ok(VirtualTable {
        columns: t
            .columns
            .iter()
            .map(|c| (c.name.clone(), c.column_type, !c.not_null))
            .collect(),
        rows: t.rows.clone(),
    })
}

fn model_versions(exec: &Exec, fqn: &Fqn) -> Result<VirtualTable, SqlError> {
    let db = exec.database(&fqn.database)?;
    let text = |n: &str| (n.to_string(), ColumnType::Text, true);
    let ts = |n: &str| (n.to_string(), ColumnType::TimestampLtz, true);
    let variant = |n: &str| (n.to_string(), ColumnType::Variant, true);
    let columns = vec![
        text("DATABASE_NAME"),
        text("SCHEMA_NAME"),
        text("MODEL_NAME"),
        text("MODEL_VERSION_NAME"),
        variant("VERSION_ALIASES"),
        text("COMMENT"),
        text("OWNER"),
        ts("CREATED"),
        ts("LAST_ALTERED"),
        variant("FUNCTIONS"),
        text("MODEL_TYPE"),
        text("PYTHON_VERSION"),
        text("LANGUAGE"),
        variant("DEPENDENCIES"),
        variant("METADATA"),
        variant("USERDATA"),
    ];
    let mut rows = Vec::new();
    for (schema_name, schema) in &db.schemas {
        for (model_name, model) in &schema.models {
            for version in versions_in_order(model) {
                let v = &model.versions[version];
                let mut aliases: Vec<String> = system_aliases(model, version)
                    .into_iter()
                    .map(String::from)
                    .collect();
                aliases.extend(v.alias.clone());
                rows.push(vec![
                    Some(fqn.database.clone()),
                    Some(schema_name.clone()),
                    Some(model_name.clone()),
                    Some(version.clone()),
                    Some(format::json_pretty(&serde_json::json!(aliases))),
                    v.comment.clone(),
                    Some(model.meta.owner.clone()),
                    Some(format::timestamp(v.created_on)),
                    Some(format::timestamp(v.last_altered)),
                    Some("[]".into()),
                    Some("USER_MODEL".into()),
                    None,
                    Some("PYTHON".into()),
                    None,
                    Some(format::json_pretty(&v.metadata)),
                    Some("{}".into()),
                ]);
            }
        }
    }
    Ok(VirtualTable { columns, rows })
}

/// `SELECT COUNT(*) [AS alias], ... FROM ...` without GROUP BY: one row of counts. Anything
/// else beside COUNT(*) needs grouping the sandbox does not do, so it is refused.
fn count_rows(exec: &Exec, select: &Select, count: usize) -> Result<ResultSet, SqlError> {
    if !select.order_by.is_empty() {
        return Err(exec.unsupported("ORDER BY with COUNT(*)"));
    }
    let mut columns = Vec::new();
    for item in &select.items {
        match item {
            SelectItem::Expr {
                expr: Expr::CountStar,
                alias,
                text,
            } => columns.push(Column {
                name: column_name(alias, text),
                type_name: ColumnType::Fixed.row_type(),
                nullable: false,
            }),
            _ => return Err(exec.unsupported("columns beside COUNT(*) (GROUP BY)")),
        }
    }
    let row = vec![Some(count.to_string()); columns.len()];
    let rows = if select.limit == Some(0) {
        vec![]
    } else {
        vec![row]
    };
    Ok(ResultSet {
        columns,
        rows,
        dml: None,
    })
}

/// Filter, order, limit and project rows.
pub fn query(
    exec: &Exec,
    virtual_table: VirtualTable,
    select: &Select,
) -> Result<ResultSet, SqlError> {
    let typed: Vec<(String, ColumnType)> = virtual_table
        .columns
        .iter()
        .map(|(n, ty, _)| (n.clone(), *ty))
        .collect();
    let mut rows = Vec::new();
    for r in virtual_table.rows {
        let keep = match &select.filter {
            None => true,
            Some(c) => eval_cond(c, &typed, &r, &exec.env())? == Some(true),
        };
        if keep {
            rows.push(r);
        }
    }
    if select.items.iter().any(|i| {
        matches!(
            i,
            SelectItem::Expr {
                expr: Expr::CountStar,
                ..
            }
        )
    }) {
        return count_rows(exec, select, rows.len());
    }
    // ORDER BY a column of the table, or an alias of one.
    let mut keys = Vec::new();
    for k in &select.order_by {
        let aliased = select.items.iter().find_map(|i| match i {
            SelectItem::Expr {
                expr: Expr::Column(c),
                alias: Some(a),
                ..
            } if *a == k.column => Some(c.clone()),
            _ => None,
        });
        let col = aliased.unwrap_or_else(|| k.column.clone());
        let i = typed
            .iter()
            .position(|(n, _)| *n == col)
            .ok_or_else(|| errors::invalid_identifier(&k.column))?;
        keys.push((i, typed[i].1, k.descending));
    }
    rows.sort_by(|a, b| {
        for &(i, ty, desc) in &keys {
            // NULLs sort last ascending and first descending, as in Snowflake.
            let o = match (&a[i], &b[i]) {
                (None, None) => std::cmp::Ordering::Equal,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (Some(_), None) => std::cmp::Ordering::Less,
                (Some(exec), Some(y)) => compare_values(ty, exec, y),
            };
            let o = if desc { o.reverse() } else { o };
            if o != std::cmp::Ordering::Equal {
                return o;
            }
        }
        std::cmp::Ordering::Equal
    });
    if let Some(n) = select.limit {
        rows.truncate(n as usize);
    }
    let mut columns = Vec::new();
    // Each output column is a table column or an expression.
    let mut projections: Vec<Result<usize, Expr>> = Vec::new();
    for item in &select.items {
        match item {
            SelectItem::Star => {
                for (i, (n, ty, nullable)) in virtual_table.columns.iter().enumerate() {
                    columns.push(Column {
                        name: n.clone(),
                        type_name: ty.row_type(),
                        nullable: *nullable,
                    });
                    projections.push(Ok(i));
                }
            }
            SelectItem::Expr { expr, alias, text } => {
                let name = column_name(alias, text);
                match expr {
                    Expr::Column(c) => {
                        let i = typed
                            .iter()
                            .position(|(n, _)| n == c)
                            .ok_or_else(|| errors::invalid_identifier(c))?;
                        // A column keeps its own name: `"name"` is `name`, not its quoted text.
                        let name = if alias.is_none() { c.clone() } else { name };
                        columns.push(Column {
                            name,
                            type_name: typed[i].1.row_type(),
                            nullable: virtual_table.columns[i].2,
                        });
                        projections.push(Ok(i));
                    }
                    e => {
                        // Evaluated on every row (SUBSTRING of a SHOW column, a cast of `$1`).
                        let env = exec.env();
                        let ty = static_type(e, &typed, &env)?;
                        columns.push(Column {
                            name,
                            type_name: ty.row_type(),
                            nullable: true,
                        });
                        projections.push(Err(e.clone()));
                    }
                }
            }
        }
    }
    let env = exec.env();
    let out: Vec<Vec<Option<String>>> = rows
        .iter()
        .map(|r| {
            projections
                .iter()
                .zip(&columns)
                .map(|(p, col)| match p {
                    Ok(i) => Ok(r[*i].clone()),
                    Err(e) => {
                        let v = eval(e, &typed, r, &env)?;
                        // The cell in its column's type (a literal `1` in a text column...).
                        match row_type_column(col.type_name) {
                            Some(virtual_table) if v.column_type() != virtual_table => {
                                coerce(virtual_table, &v)
                            }
                            _ => Ok(v.cell()),
                        }
                    }
                })
                .collect::<Result<Vec<_>, SqlError>>()
        })
        .collect::<Result<_, _>>()?;
    Ok(ResultSet {
        columns,
        rows: out,
        dml: None,
    })
}
