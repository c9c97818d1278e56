//! DESC[RIBE] TABLE / VIEW / DYNAMIC TABLE: the documented columns (name, type, kind, null?,
//! default, primary key, unique key, check, expression, comment, policy name, privacy domain).
//! A view's or dynamic table's column types come from its source table through plain column
//! references and aliases; what the sandbox cannot derive it refuses, naming the column.

use super::super::catalog::{ColumnDefault, Relation, Table, TableColumn};
use super::super::errors;
use super::super::parse::ast::{Expr, ListedColumn, Name, ObjectKind, SelectItem, Statement};
use super::super::parse::parse;
use super::{Exec, Fqn};
use crate::sandbox::{Column, ResultSet, SqlError};

const COLUMNS: [&str; 12] = [
    "name",
    "type",
    "kind",
    "null?",
    "default",
    "primary key",
    "unique key",
    "check",
    "expression",
    "comment",
    "policy name",
    "privacy domain",
];

/// The type as Snowflake reports a declared one (data types reference: NUMBER defaults to
/// (38,0), VARCHAR to 16777216 characters, CHAR to 1, timestamps to precision 9; the
/// synonyms fold into NUMBER, VARCHAR, FLOAT and TIMESTAMP_NTZ (the default
/// TIMESTAMP_TYPE_MAPPING)). None for a declaration the sandbox does not read.
pub(crate) fn reported_type(declared: &str) -> Option<String> {
    let d = declared.trim().to_ascii_uppercase();
    let (base, args) = match d.find('(') {
        Some(i) => (
            d[..i].trim().to_string(),
            Some(d[i + 1..].trim_end_matches(')').replace(' ', "")),
        ),
        None => (d.clone(), None),
    };
    Some(match base.as_str() {
        "NUMBER" | "NUMERIC" | "DECIMAL" => match args.as_deref() {
            None => "NUMBER(38,0)".into(),
            Some(a) if a.contains(',') => format!("NUMBER({a})"),
            Some(a) => format!("NUMBER({a},0)"),
        },
        "INT" | "INTEGER" | "BIGINT" | "SMALLINT" | "TINYINT" | "BYTEINT" if args.is_none() => {
            "NUMBER(38,0)".into()
        }
        "VARCHAR" | "STRING" | "TEXT" | "NVARCHAR" | "NVARCHAR2" | "CHAR VARYING"
        | "NCHAR VARYING" => format!("VARCHAR({})", args.as_deref().unwrap_or("16777216")),
        "CHAR" | "CHARACTER" | "NCHAR" => format!("VARCHAR({})", args.as_deref().unwrap_or("1")),
        "FLOAT" | "FLOAT4" | "FLOAT8" | "DOUBLE" | "DOUBLE PRECISION" | "REAL"
            if args.is_none() =>
        {
            "FLOAT".into()
        }
        "BOOLEAN" | "DATE" | "VARIANT" | "OBJECT" | "ARRAY" if args.is_none() => base,
        "TIMESTAMP" | "TIMESTAMP_NTZ" | "DATETIME" => {
            format!("TIMESTAMP_NTZ({})", args.as_deref().unwrap_or("9"))
        }
        "TIMESTAMP_LTZ" | "TIMESTAMP_TZ" => format!("{base}({})", args.as_deref().unwrap_or("9")),
        _ => return None,
    })
}

fn cannot(exec: &Exec, column: &str, why: &str) -> SqlError {
    exec.unsupported(&format!("DESCRIBE of column {column}: {why}"))
}

/// One column's row; primary and unique key are N (tables declaring keys are refused).
fn row(
    name: &str,
    ty: String,
    nullable: bool,
    default: Option<String>,
    comment: Option<String>,
) -> Vec<Option<String>> {
    let yn = |b: bool| Some(if b { "Y" } else { "N" }.to_string());
    vec![
        Some(name.to_string()),
        Some(ty),
        Some("COLUMN".into()),
        yn(nullable),
        default,
        yn(false),
        yn(false),
        None,
        None,
        comment,
        None,
        None,
    ]
}

fn table_rows(exec: &Exec, table: &Table) -> Result<Vec<Vec<Option<String>>>, SqlError> {
    if table.declares_keys != Some(false) {
        return Err(exec.unsupported("DESCRIBE of a table with PRIMARY KEY or UNIQUE"));
    }
    let mut rows = Vec::new();
    for c in &table.columns {
        let ty = reported_type(&c.data_type)
            .ok_or_else(|| cannot(exec, &c.name, &format!("type {}", c.data_type)))?;
        let default = match &c.default {
            None => None,
            Some(ColumnDefault::CurrentTimestamp) => Some("CURRENT_TIMESTAMP()".into()),
            Some(ColumnDefault::Value(_)) => {
                return Err(cannot(exec, &c.name, "a literal default"));
            }
        };
        rows.push(row(&c.name, ty, !c.not_null, default, c.comment.clone()));
    }
    Ok(rows)
}

/// A view's or dynamic table's columns: `SELECT <column> [[AS] alias], ... | * FROM <db.schema.table>`
/// over a table, renamed (and commented) by the CREATE's column list if it has one.
fn derived_rows(
    exec: &Exec,
    query: &str,
    listed: &[ListedColumn],
) -> Result<Vec<Vec<Option<String>>>, SqlError> {
    let refuse_query = |why: &str| exec.unsupported(&format!("DESCRIBE of a query with {why}"));
    let select = match parse(query).map(|p| p.statement) {
        Ok(Statement::Select(s)) => s,
        _ => {
            return Err(refuse_query(
                "more than plain column references from one table",
            ))
        }
    };
    let source = match (&select.from, &select.from_function) {
        (Some(n), None) if n.len() == 3 => n.clone(),
        _ => {
            return Err(refuse_query(
                "a source other than one fully qualified table",
            ))
        }
    };
    let f = exec.resolve_schema_object(&source, "DESCRIBE")?;
    let schema = exec.schema(&f.database, &f.schema)?;
    let table = match schema.relation(&f.name) {
        Some(Relation::Table) => &schema.tables[&f.name],
        Some(_) => return Err(refuse_query("a view or dynamic table as its source")),
        None => return Err(errors::object_not_found(&f.dotted())),
    };
    // Each output column: its name, and the source column it is, or the cast it is.
    let mut out: Vec<(String, Derived)> = Vec::new();
    let find = |c: &str| -> Result<&TableColumn, SqlError> {
        table
            .columns
            .iter()
            .find(|t| t.name == *c)
            .ok_or_else(|| errors::invalid_identifier(c))
    };
    for item in &select.items {
        match item {
            SelectItem::Star => out.extend(
                table
                    .columns
                    .iter()
                    .map(|c| (c.name.clone(), Derived::Column(c))),
            ),
            SelectItem::Expr {
                expr: Expr::Column(c),
                alias,
                ..
            } => out.push((
                alias.clone().unwrap_or_else(|| c.clone()),
                Derived::Column(find(c)?),
            )),
            SelectItem::Expr {
                expr: Expr::Cast { expr, type_name },
                alias,
                text,
            } => {
                let name = alias.clone().unwrap_or_else(|| text.clone());
                let ty = reported_type(type_name)
                    .ok_or_else(|| cannot(exec, &name, &format!("type {type_name}")))?;
                cast_nullable(expr, &find).map_err(|why| cannot(exec, &name, &why))?;
                out.push((name, Derived::Cast(ty)));
            }
            SelectItem::Expr { alias, text, .. } => {
                let name = alias.clone().unwrap_or_else(|| text.clone());
                return Err(cannot(
                    exec,
                    &name,
                    &format!("its type is not derived from `{text}`"),
                ));
            }
        }
    }
    if !listed.is_empty() && listed.len() != out.len() {
        return Err(refuse_query(
            "a column list that does not match its columns",
        ));
    }
    let mut rows = Vec::new();
    for (i, (name, derived)) in out.into_iter().enumerate() {
        let (name, comment) = match listed.get(i) {
            Some(l) => (l.name.clone(), l.comment.clone()),
            None => (name, None),
        };
        let ty = match derived {
            Derived::Cast(ty) => ty,
            Derived::Column(col) => {
                // Whether NOT NULL and comments carry over from the source is not documented.
                if col.not_null {
                    return Err(cannot(exec, &name, "its source column is NOT NULL"));
                }
                if col.comment.is_some() && comment.is_none() {
                    return Err(cannot(exec, &name, "its source column has a comment"));
                }
                reported_type(&col.data_type)
                    .ok_or_else(|| cannot(exec, &name, &format!("type {}", col.data_type)))?
            }
        };
        rows.push(row(&name, ty, true, None, comment));
    }
    Ok(rows)
}

/// What an output column of a view's or dynamic table's query is.
enum Derived<'t> {
    /// A source column, by name or alias.
    Column(&'t TableColumn),
    /// `CAST(<expr> AS <type>)` or `<expr>::<type>`: the type it names (CAST reference: the
    /// value converted to that type), nullable (`cast_nullable` refuses the rest).
    Cast(String),
}

/// Ok when a cast's input can be NULL by documented rules: it reads a nullable source
/// column and is made of columns, literals and functions that return NULL for a NULL
/// argument (DATEDIFF). Anything else (COALESCE, IFF...) can turn a NULL into a value, or
/// be NOT NULL, which the sandbox does not work out: the reason it is refused.
fn cast_nullable<'t>(
    expression: &Expr,
    find: &dyn Fn(&str) -> Result<&'t TableColumn, SqlError>,
) -> Result<(), String> {
    fn walk<'t>(
        expression: &Expr,
        find: &dyn Fn(&str) -> Result<&'t TableColumn, SqlError>,
        nullable: &mut bool,
    ) -> Result<(), String> {
        match expression {
            Expr::Literal(_) => Ok(()),
            Expr::Column(c) => {
                let col = find(c).map_err(|expression| expression.message)?;
                *nullable |= !col.not_null;
                Ok(())
            }
            // DATEDIFF(<part>, <from>, <to>): the date part is a keyword, read as a column name.
            Expr::Call { name, args } if name == "DATEDIFF" && args.len() == 3 => {
                args[1..].iter().try_for_each(|a| walk(a, find, nullable))
            }
            Expr::Call { name, args } if args.is_empty() && name == "CURRENT_DATE" => Ok(()),
            Expr::Cast { expr, .. } => walk(expr, find, nullable),
            Expr::Call { name, .. } => {
                Err(format!("its nullability through {name} is not derived"))
            }
            _ => Err("its nullability is not derived".into()),
        }
    }
    let mut nullable = false;
    walk(expression, find, &mut nullable)?;
    if nullable {
        Ok(())
    } else {
        Err("it reads no nullable column, and whether it is NOT NULL is not derived".into())
    }
}

/// The DESCRIBE rows of a view or dynamic table from its CREATE text and query (SHOW
/// COLUMNS lists them as DESCRIBE derives them).
pub(crate) fn derived_view_rows(
    exec: &Exec,
    text: &str,
    query: &str,
) -> Result<Vec<Vec<Option<String>>>, SqlError> {
    let listed = match parse(text).map(|p| p.statement) {
        Ok(Statement::CreateView { columns, .. })
        | Ok(Statement::CreateDynamicTable { columns, .. }) => columns,
        _ => Vec::new(),
    };
    derived_rows(exec, query, &listed)
}

/// The result columns of `SELECT * FROM <view or dynamic table>` without reading its rows
/// (a connector's describe-only request): the columns DESCRIBE derives, typed as a result
/// types them. None when `name` is not a view or dynamic table.
pub(crate) fn relation_columns(
    exec: &mut Exec,
    name: &Name,
) -> Result<Option<Vec<Column>>, SqlError> {
    let f: Fqn = exec.resolve_schema_object(name, "SELECT")?;
    let kind = match exec.schema(&f.database, &f.schema)?.relation(&f.name) {
        Some(Relation::View) => ObjectKind::View,
        Some(Relation::DynamicTable) => ObjectKind::DynamicTable,
        _ => return Ok(None),
    };
    let described = describe(exec, kind, name)?;
    let mut columns = Vec::new();
    for r in &described.rows {
        let cell = |i: usize| r[i].clone().unwrap_or_default();
        let ty = super::values::column_type_of(&cell(1))
            .ok_or_else(|| cannot(exec, &cell(0), &format!("type {}", cell(1))))?;
        columns.push(Column {
            name: cell(0),
            type_name: ty.row_type(),
            nullable: cell(3) == "Y",
        });
    }
    Ok(Some(columns))
}

pub(crate) fn describe(
    exec: &mut Exec,
    kind: ObjectKind,
    name: &Name,
) -> Result<ResultSet, SqlError> {
    let f: Fqn = exec.resolve_schema_object(name, "DESCRIBE")?;
    let schema = exec
        .schema(&f.database, &f.schema)
        .map_err(|_| errors::does_not_exist(kind.noun(), &f.dotted()))?;
    let missing = || errors::does_not_exist(kind.noun(), &f.dotted());
    // DESCRIBE TABLE and DESCRIBE VIEW are interchangeable (DESCRIBE TABLE reference).
    let rows = match (kind, schema.relation(&f.name)) {
        (ObjectKind::Table | ObjectKind::View, Some(Relation::Table)) => {
            table_rows(exec, &schema.tables[&f.name])?
        }
        (ObjectKind::Table | ObjectKind::View, Some(Relation::View))
            if schema.views[&f.name].saved_columns.is_some() =>
        {
            schema.views[&f.name]
                .saved_columns
                .clone()
                .unwrap_or_default()
        }
        (ObjectKind::DynamicTable, Some(Relation::DynamicTable))
            if schema.dynamic_tables[&f.name].saved_columns.is_some() =>
        {
            schema.dynamic_tables[&f.name]
                .saved_columns
                .clone()
                .unwrap_or_default()
        }
        (ObjectKind::Table | ObjectKind::View, Some(Relation::View)) => {
            let v = &schema.views[&f.name];
            let listed = match parse(&v.text).map(|p| p.statement) {
                Ok(Statement::CreateView { columns, .. }) => columns,
                _ => return Err(missing()),
            };
            derived_rows(exec, &v.query, &listed)?
        }
        (ObjectKind::DynamicTable, Some(Relation::DynamicTable)) => {
            let d = &schema.dynamic_tables[&f.name];
            let listed = match parse(&d.text).map(|p| p.statement) {
                Ok(Statement::CreateDynamicTable { columns, .. }) => columns,
                _ => return Err(missing()),
            };
            derived_rows(exec, &d.query, &listed)?
        }
        // Whether DESC TABLE / VIEW answers for a dynamic table is not documented.
        (ObjectKind::Table | ObjectKind::View, Some(Relation::DynamicTable)) => {
            return Err(exec.unsupported("DESCRIBE TABLE or VIEW of a dynamic table"))
        }
        _ => return Err(missing()),
    };
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

#[cfg(test)]
mod tests {
    use super::reported_type;

    #[test]
    fn declared_types_are_reported_as_snowflake_names_them() {
        let cases = [
            ("INT", Some("NUMBER(38,0)")),
            ("NUMBER(10, 2)", Some("NUMBER(10,2)")),
            ("DECIMAL(12)", Some("NUMBER(12,0)")),
            ("STRING", Some("VARCHAR(16777216)")),
            ("CHAR", Some("VARCHAR(1)")),
            ("VARCHAR(50)", Some("VARCHAR(50)")),
            ("DOUBLE PRECISION", Some("FLOAT")),
            ("DATETIME", Some("TIMESTAMP_NTZ(9)")),
            ("TIMESTAMP_LTZ(3)", Some("TIMESTAMP_LTZ(3)")),
            ("VARIANT", Some("VARIANT")),
            ("GEOGRAPHY", None),
            ("INT(5)", None),
        ];
        for (declared, want) in cases {
            assert_eq!(reported_type(declared).as_deref(), want, "{declared}");
        }
    }
}
