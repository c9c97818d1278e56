//! `INFORMATION_SCHEMA.TABLES`: a row per table, dynamic table and view of one database that
//! the session's role can see. Columns, their types and values are those of the TABLES view
//! reference page (docs.snowflake.com/en/sql-reference/info-schema/tables); dynamic tables are
//! `BASE TABLE` with `IS_DYNAMIC = 'YES'` since the 8.9 behaviour change
//! (docs.snowflake.com/en/release-notes/bcr-bundles/un-bundled/bcr-account-usage-and-info-schema-changes).
//!
//! What the sandbox does not hold it does not answer: a query that reads a column it cannot
//! fill (row counts, bytes, DDL history...) is refused, and so is one that could return the
//! rows of INFORMATION_SCHEMA's own views, whose list the sandbox does not keep.

use super::super::catalog::ColumnType;
use super::super::format;
use super::super::parse::ast::{CmpOp, Cond, Expr, GrantKind, Literal, Select, SelectItem};
use super::grant;
use super::select::VirtualTable;
use super::{Exec, Fqn, INFORMATION_SCHEMA};
use crate::sandbox::SqlError;

/// The columns the sandbox fills, in the view's order.
const ANSWERED: [(&str, ColumnType); 12] = [
    ("TABLE_CATALOG", ColumnType::Text),
    ("TABLE_SCHEMA", ColumnType::Text),
    ("TABLE_NAME", ColumnType::Text),
    ("TABLE_OWNER", ColumnType::Text),
    ("TABLE_TYPE", ColumnType::Text),
    ("CREATED", ColumnType::TimestampLtz),
    ("COMMENT", ColumnType::Text),
    ("IS_TEMPORARY", ColumnType::Text),
    ("IS_ICEBERG", ColumnType::Text),
    ("IS_DYNAMIC", ColumnType::Text),
    ("IS_IMMUTABLE", ColumnType::Text),
    ("IS_HYBRID", ColumnType::Text),
];

/// The view's other columns: Snowflake answers them, the sandbox has nothing true to say.
const NOT_ANSWERED: [&str; 17] = [
    "IS_TRANSIENT",
    "CLUSTERING_KEY",
    "ROW_COUNT",
    "BYTES",
    "RETENTION_TIME",
    "SELF_REFERENCING_COLUMN_NAME",
    "REFERENCE_GENERATION",
    "USER_DEFINED_TYPE_CATALOG",
    "USER_DEFINED_TYPE_SCHEMA",
    "USER_DEFINED_TYPE_NAME",
    "IS_INSERTABLE_INTO",
    "IS_TYPED",
    "COMMIT_ACTION",
    "LAST_ALTERED",
    "LAST_DDL",
    "LAST_DDL_BY",
    "AUTO_CLUSTERING_ON",
];

pub fn tables(exec: &Exec, fqn: &Fqn, select: &Select) -> Result<VirtualTable, SqlError> {
    let mut used = Vec::new();
    for item in &select.items {
        match item {
            SelectItem::Star => {
                return Err(exec.unsupported(
                    "SELECT * FROM INFORMATION_SCHEMA.TABLES (name the columns: row counts, bytes and DDL history are not kept)",
                ))
            }
            SelectItem::Expr { expr, .. } => expr_columns(expr, &mut used),
        }
    }
    if let Some(c) = &select.filter {
        cond_columns(c, &mut used);
    }
    used.extend(select.order_by.iter().map(|k| k.column.clone()));
    if let Some(c) = used.iter().find(|c| c.starts_with('$')) {
        // Positions count the view's columns, most of which the sandbox does not fill.
        return Err(exec.unsupported(&format!("{c} of INFORMATION_SCHEMA.TABLES")));
    }
    if let Some(c) = used.iter().find(|c| NOT_ANSWERED.contains(&c.as_str())) {
        return Err(exec.unsupported(&format!("column {c} of INFORMATION_SCHEMA.TABLES")));
    }
    match select.filter.as_ref().and_then(schema_filter) {
        Some(schema) if schema != INFORMATION_SCHEMA => {}
        _ => {
            return Err(exec.unsupported(
                "INFORMATION_SCHEMA.TABLES without a WHERE TABLE_SCHEMA = '<schema>' naming a schema other than INFORMATION_SCHEMA (the rows of its own views)",
            ))
        }
    }
    let db = exec.database(&fqn.database)?;
    let mut rows = Vec::new();
    for (schema_name, schema) in &db.schemas {
        let relations = schema
            .tables
            .iter()
            .map(|(n, t)| (n, &t.meta, GrantKind::Table))
            .chain(
                schema
                    .dynamic_tables
                    .iter()
                    .map(|(n, t)| (n, &t.meta, GrantKind::DynamicTable)),
            )
            .chain(
                schema
                    .views
                    .iter()
                    .map(|(n, v)| (n, &v.meta, GrantKind::View)),
            );
        for (name, meta, kind) in relations {
            let parts = vec![fqn.database.clone(), schema_name.clone(), name.clone()];
            if !grant::sees_relation(exec, kind, parts) {
                continue;
            }
            let yes_no = |b: bool| Some(if b { "YES" } else { "NO" }.to_string());
            rows.push(vec![
                Some(fqn.database.clone()),
                Some(schema_name.clone()),
                Some(name.clone()),
                Some(meta.owner.clone()),
                Some(
                    if kind == GrantKind::View {
                        "VIEW"
                    } else {
                        "BASE TABLE"
                    }
                    .to_string(),
                ),
                Some(format::timestamp(meta.created_on)),
                meta.comment.clone(),
                yes_no(false),
                yes_no(false),
                yes_no(kind == GrantKind::DynamicTable),
                yes_no(false),
                yes_no(false),
            ]);
        }
    }
    // Snowflake lists them in no promised order; name order keeps answers repeatable.
    rows.sort_by(|a, b| (&a[1], &a[2]).cmp(&(&b[1], &b[2])));
    Ok(VirtualTable {
        columns: ANSWERED
            .iter()
            .map(|(n, ty)| (n.to_string(), *ty, true))
            .collect(),
        rows,
    })
}

/// The schema a top-level `TABLE_SCHEMA = '<name>'` conjunct of the WHERE restricts rows to.
fn schema_filter(cond: &Cond) -> Option<String> {
    match cond {
        Cond::And(a, b) => schema_filter(a).or_else(|| schema_filter(b)),
        Cond::Cmp {
            left,
            op: CmpOp::Eq,
            right,
        } => match (left, right) {
            (Expr::Column(col), Expr::Literal(Literal::String(v)))
            | (Expr::Literal(Literal::String(v)), Expr::Column(col))
                if col == "TABLE_SCHEMA" =>
            {
                Some(v.clone())
            }
            _ => None,
        },
        _ => None,
    }
}

fn expr_columns(expression: &Expr, out: &mut Vec<String>) {
    match expression {
        Expr::Column(c) => out.push(c.clone()),
        Expr::Ref(parts) => out.extend(parts.last().cloned()),
        Expr::Call { args, .. } => args.iter().for_each(|a| expr_columns(a, out)),
        Expr::Cast { expr, .. } => expr_columns(expr, out),
        Expr::Positional(n) => out.push(format!("${n}")),
        Expr::Literal(_) | Expr::CountStar => {}
    }
}

fn cond_columns(cond: &Cond, out: &mut Vec<String>) {
    match cond {
        Cond::And(a, b) | Cond::Or(a, b) => {
            cond_columns(a, out);
            cond_columns(b, out);
        }
        Cond::Not(a) => cond_columns(a, out),
        Cond::IsNull { expr, .. } => expr_columns(expr, out),
        Cond::Cmp { left, right, .. } => {
            expr_columns(left, out);
            expr_columns(right, out);
        }
        Cond::In { expr, list, .. } => {
            expr_columns(expr, out);
            list.iter().for_each(|e| expr_columns(e, out));
        }
        Cond::Like { expr, pattern, .. } => {
            expr_columns(expr, out);
            expr_columns(pattern, out);
        }
    }
}
