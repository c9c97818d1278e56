//! MERGE with a one-row source query (the form snowform's state backend and
//! snowflake-ml-python's metadata table send), an ON condition, `WHEN MATCHED THEN UPDATE SET`
//! and/or `WHEN NOT MATCHED THEN INSERT`: the target rows the source row matches are updated,
//! or the source row is inserted when it matches none; the statement runs atomically, like
//! every statement of the engine.

use super::super::catalog::{ColumnType, Table};
use super::super::errors;
use super::super::parse::ast::{Cond, Expr, Merge, SelectItem};
use super::table::{insert_row, table_ref};
use super::values::{coerce, eval, eval_cond, Val};
use super::{Exec, Fqn, Outcome};
use crate::sandbox::{Column, DmlStats, ResultSet, SqlError};

/// Names of the joined row's cells: `T.<col>` for the target, `S.<col>` for the source, so
/// that the two sides never collide.
fn target_key(column: &str) -> String {
    format!("T.{column}")
}

fn source_key(column: &str) -> String {
    format!("S.{column}")
}

struct Sides<'a> {
    target: &'a Fqn,
    target_alias: Option<&'a str>,
    target_columns: Vec<String>,
    source_alias: &'a str,
    source_columns: Vec<String>,
}

impl Sides<'_> {
    /// The joined-row key of a column reference, or the error Snowflake gives.
    fn resolve(&self, parts: &[String], allow_target: bool) -> Result<String, SqlError> {
        let (column, qualifier) = parts.split_last().expect("a reference has a name");
        let shown = parts.join(".");
        let in_target = self.target_columns.contains(column);
        let in_source = self.source_columns.contains(column);
        let side = match qualifier {
            [] => match (in_target && allow_target, in_source) {
                (true, true) => return Err(errors::ambiguous_column(column)),
                (true, false) => 'T',
                (false, true) => 'S',
                (false, false) => return Err(errors::invalid_identifier(&shown)),
            },
            [q] if q == self.source_alias => 'S',
            q if self.names_target(q) => 'T',
            _ => return Err(errors::invalid_identifier(&shown)),
        };
        match side {
            'S' if in_source => Ok(source_key(column)),
            'T' if in_target && allow_target => Ok(target_key(column)),
            _ => Err(errors::invalid_identifier(&shown)),
        }
    }

    /// Whether a qualifier names the target: its alias when it has one, else its name
    /// with as many leading parts as written.
    fn names_target(&self, qualifier: &[String]) -> bool {
        match self.target_alias {
            Some(a) => qualifier.len() == 1 && qualifier[0] == a,
            None => {
                let full = [
                    &self.target.database,
                    &self.target.schema,
                    &self.target.name,
                ];
                qualifier.len() <= 3
                    && full[3 - qualifier.len()..]
                        .iter()
                        .zip(qualifier)
                        .all(|(a, b)| *a == b)
            }
        }
    }

    fn expr(&self, expression: &Expr, allow_target: bool) -> Result<Expr, SqlError> {
        Ok(match expression {
            Expr::Literal(_) | Expr::Positional(_) | Expr::CountStar => expression.clone(),
            Expr::Cast { expr, type_name } => Expr::Cast {
                expr: Box::new(self.expr(expr, allow_target)?),
                type_name: type_name.clone(),
            },
            Expr::Column(c) => Expr::Column(self.resolve(std::slice::from_ref(c), allow_target)?),
            Expr::Ref(parts) => Expr::Column(self.resolve(parts, allow_target)?),
            Expr::Call { name, args } => Expr::Call {
                name: name.clone(),
                args: args
                    .iter()
                    .map(|a| self.expr(a, allow_target))
                    .collect::<Result<_, _>>()?,
            },
        })
    }

    fn cond(&self, cond: &Cond) -> Result<Cond, SqlError> {
        Ok(match cond {
            Cond::And(a, b) => Cond::And(Box::new(self.cond(a)?), Box::new(self.cond(b)?)),
            Cond::Or(a, b) => Cond::Or(Box::new(self.cond(a)?), Box::new(self.cond(b)?)),
            Cond::Not(a) => Cond::Not(Box::new(self.cond(a)?)),
            Cond::IsNull { expr, negated } => Cond::IsNull {
                expr: self.expr(expr, true)?,
                negated: *negated,
            },
            Cond::Cmp { left, op, right } => Cond::Cmp {
                left: self.expr(left, true)?,
                op: *op,
                right: self.expr(right, true)?,
            },
            Cond::In {
                expr,
                list,
                negated,
            } => Cond::In {
                expr: self.expr(expr, true)?,
                list: list
                    .iter()
                    .map(|e| self.expr(e, true))
                    .collect::<Result<_, _>>()?,
                negated: *negated,
            },
            Cond::Like {
                expr,
                pattern,
                ignore_case,
                negated,
            } => Cond::Like {
                expr: self.expr(expr, true)?,
                pattern: self.expr(pattern, true)?,
                ignore_case: *ignore_case,
                negated: *negated,
            },
        })
    }
}

/// The source query's one row: column names and typed values.
fn source_row(exec: &Exec, merge: &Merge) -> Result<(Vec<String>, Vec<Val>), SqlError> {
    let s = &merge.source;
    if s.from.is_some()
        || s.from_function.is_some()
        || s.from_query.is_some()
        || s.from_values.is_some()
        || !s.union.is_empty()
        || s.filter.is_some()
        || !s.order_by.is_empty()
        || s.limit.is_some()
    {
        return Err(exec.unsupported("MERGE sources other than a SELECT of values without FROM"));
    }
    let mut names = Vec::new();
    let mut values = Vec::new();
    for item in &s.items {
        let SelectItem::Expr { expr, alias, text } = item else {
            return Err(errors::syntax(1, 0, "unexpected '*'."));
        };
        let name = alias.clone().unwrap_or_else(|| text.clone());
        if names.contains(&name) {
            return Err(errors::ambiguous_column(&name));
        }
        names.push(name);
        values.push(eval(expr, &[], &[], &exec.env())?);
    }
    Ok((names, values))
}

fn typed(table: &Table) -> Vec<(String, ColumnType)> {
    table
        .columns
        .iter()
        .map(|c| (target_key(&c.name), c.column_type))
        .collect()
}

pub(crate) fn merge(exec: &mut Exec, merge: Merge) -> Result<Outcome, SqlError> {
    let f = exec.resolve_schema_object(&merge.target, "MERGE")?;
    let (source_names, source_values) = source_row(exec, &merge)?;
    let table = table_ref(exec, &f)?;
    let sides = Sides {
        target: &f,
        target_alias: merge.target_alias.as_deref(),
        target_columns: table.columns.iter().map(|c| c.name.clone()).collect(),
        source_alias: &merge.source_alias,
        source_columns: source_names.clone(),
    };
    let on = sides.cond(&merge.on)?;
    let values: Option<Vec<Expr>> = merge
        .insert
        .as_ref()
        .map(|i| {
            i.values
                .iter()
                .map(|e| sides.expr(e, false))
                .collect::<Result<_, _>>()
        })
        .transpose()?;
    // UPDATE SET names target columns and may read both sides.
    let sets: Option<Vec<(usize, Expr)>> = merge
        .update
        .as_ref()
        .map(|sets| {
            sets.iter()
                .map(|(col, e)| {
                    let i = table
                        .columns
                        .iter()
                        .position(|c| c.name == *col)
                        .ok_or_else(|| errors::invalid_identifier(col))?;
                    Ok((i, sides.expr(e, true)?))
                })
                .collect::<Result<_, SqlError>>()
        })
        .transpose()?;

    // The joined row: target cells, then source cells typed as the source query types them.
    let mut columns = typed(table);
    columns.extend(
        source_names
            .iter()
            .zip(&source_values)
            .map(|(n, v)| (source_key(n), v.column_type())),
    );
    let source_cells: Vec<Option<String>> = source_values.iter().map(Val::cell).collect();
    let env = exec.env();
    // The matched rows, with their new cells when the MERGE updates.
    let mut matched: Vec<(usize, Option<Vec<Option<String>>>)> = Vec::new();
    for (n, row) in table.rows.iter().enumerate() {
        let joined: Vec<Option<String>> = row.iter().cloned().chain(source_cells.clone()).collect();
        if eval_cond(&on, &columns, &joined, &env)? != Some(true) {
            continue;
        }
        let new_row = match &sets {
            None => None,
            Some(sets) => {
                let mut r = row.clone();
                for (i, e) in sets {
                    let v = eval(e, &columns, &joined, &env)?;
                    let col = &table.columns[*i];
                    let cell = coerce(col.column_type, &v)?;
                    if cell.is_none() && col.not_null {
                        return Err(errors::null_in_not_null());
                    }
                    r[*i] = cell;
                }
                Some(r)
            }
        };
        matched.push((n, new_row));
    }
    let updated = if sets.is_some() {
        matched.len() as u64
    } else {
        0
    };
    let mut new_rows = None;
    let mut inserted = 0u64;
    if let (true, Some(values), Some(insert)) = (matched.is_empty(), &values, &merge.insert) {
        // No target cells exist for an unmatched row: only source columns may be read.
        let empty: Vec<Option<String>> = vec![None; table.columns.len()];
        let joined: Vec<Option<String>> = empty.into_iter().chain(source_cells).collect();
        let vals: Vec<Val> = values
            .iter()
            .map(|e| eval(e, &columns, &joined, &env))
            .collect::<Result<_, _>>()?;
        new_rows = Some(insert_row(exec, table, insert.columns.as_deref(), &vals)?);
        inserted = 1;
    }
    let rows = &mut exec
        .schema_mut(&f.database, &f.schema)?
        .tables
        .get_mut(&f.name)
        .expect("resolved above")
        .rows;
    for (n, new_row) in matched {
        if let Some(r) = new_row {
            rows[n] = r;
        }
    }
    rows.extend(new_rows);
    // A column per kind of clause present, in Snowflake's order.
    let mut out_columns = Vec::new();
    let mut cells = Vec::new();
    if merge.insert.is_some() {
        out_columns.push("number of rows inserted");
        cells.push(Some(inserted.to_string()));
    }
    if merge.update.is_some() {
        out_columns.push("number of rows updated");
        cells.push(Some(updated.to_string()));
    }
    let result = ResultSet {
        columns: out_columns
            .into_iter()
            .map(|name| Column {
                name: name.into(),
                type_name: "fixed",
                nullable: false,
            })
            .collect(),
        rows: vec![cells],
        dml: Some(DmlStats {
            inserted,
            updated,
            ..Default::default()
        }),
    };
    Ok(Outcome {
        result,
        changed: inserted > 0 || updated > 0,
    })
}
