//! MERGE in the one form snowform's state backend sends: a one-row source query, an ON
//! condition, and `WHEN NOT MATCHED THEN INSERT`. Source rows that match no target row are
//! inserted; the statement runs atomically, like every statement of the engine.

use super::super::catalog::{ColumnType, Table};
use super::super::errors;
use super::super::parse::ast::{Cond, Expr, Merge, SelectItem};
use super::table::{insert_row, table_ref};
use super::values::{eval, eval_cond, Val};
use super::{Exec, Fqn, Outcome};
use crate::sandbox::{Column, DmlStats, ResultSet, SqlError};

/// Names of the joined row's cells: `T.<col>` for the target, `S.<col>` for the source, so
/// that the two sides never collide.
fn target_key(c: &str) -> String {
    format!("T.{c}")
}

fn source_key(c: &str) -> String {
    format!("S.{c}")
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
    fn names_target(&self, q: &[String]) -> bool {
        match self.target_alias {
            Some(a) => q.len() == 1 && q[0] == a,
            None => {
                let full = [
                    &self.target.database,
                    &self.target.schema,
                    &self.target.name,
                ];
                q.len() <= 3 && full[3 - q.len()..].iter().zip(q).all(|(a, b)| *a == b)
            }
        }
    }

    fn expr(&self, e: &Expr, allow_target: bool) -> Result<Expr, SqlError> {
        Ok(match e {
            Expr::Literal(_) => e.clone(),
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

    fn cond(&self, c: &Cond) -> Result<Cond, SqlError> {
        Ok(match c {
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
fn source_row(x: &Exec, m: &Merge) -> Result<(Vec<String>, Vec<Val>), SqlError> {
    let s = &m.source;
    if s.from.is_some() || s.filter.is_some() || !s.order_by.is_empty() || s.limit.is_some() {
        return Err(x.unsupported("MERGE sources other than a SELECT of values without FROM"));
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
        values.push(eval(expr, &[], &[], &x.env())?);
    }
    Ok((names, values))
}

fn typed(t: &Table) -> Vec<(String, ColumnType)> {
    t.columns
        .iter()
        .map(|c| (target_key(&c.name), c.column_type))
        .collect()
}

pub fn merge(x: &mut Exec, m: Merge) -> Result<Outcome, SqlError> {
    let f = x.resolve_schema_object(&m.target, "MERGE")?;
    let (source_names, source_values) = source_row(x, &m)?;
    let table = table_ref(x, &f)?;
    let sides = Sides {
        target: &f,
        target_alias: m.target_alias.as_deref(),
        target_columns: table.columns.iter().map(|c| c.name.clone()).collect(),
        source_alias: &m.source_alias,
        source_columns: source_names.clone(),
    };
    let on = sides.cond(&m.on)?;
    let values: Vec<Expr> = m
        .insert_values
        .iter()
        .map(|e| sides.expr(e, false))
        .collect::<Result<_, _>>()?;

    // The joined row: target cells, then source cells typed as the source query types them.
    let mut columns = typed(table);
    columns.extend(
        source_names
            .iter()
            .zip(&source_values)
            .map(|(n, v)| (source_key(n), v.column_type())),
    );
    let source_cells: Vec<Option<String>> = source_values.iter().map(Val::cell).collect();
    let env = x.env();
    let mut matched = false;
    for row in &table.rows {
        let joined: Vec<Option<String>> = row.iter().cloned().chain(source_cells.clone()).collect();
        if eval_cond(&on, &columns, &joined, &env)? == Some(true) {
            matched = true;
            break;
        }
    }
    let mut inserted = 0u64;
    if !matched {
        // No target cells exist for an unmatched row: only source columns may be read.
        let empty: Vec<Option<String>> = vec![None; table.columns.len()];
        let joined: Vec<Option<String>> = empty.into_iter().chain(source_cells).collect();
        let vals: Vec<Val> = values
            .iter()
            .map(|e| eval(e, &columns, &joined, &env))
            .collect::<Result<_, _>>()?;
        let row = insert_row(x, table, m.insert_columns.as_deref(), &vals)?;
        x.schema_mut(&f.database, &f.schema)?
            .tables
            .get_mut(&f.name)
            .expect("resolved above")
            .rows
            .push(row);
        inserted = 1;
    }
    let result = ResultSet {
        columns: vec![Column {
            name: "number of rows inserted".into(),
            type_name: "fixed",
            nullable: false,
        }],
        rows: vec![vec![Some(inserted.to_string())]],
        dml: Some(DmlStats {
            inserted,
            ..Default::default()
        }),
    };
    Ok(Outcome {
        result,
        changed: inserted > 0,
    })
}
