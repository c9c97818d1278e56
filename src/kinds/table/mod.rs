//! A table (CREATE TABLE, ALTER TABLE and ALTER TABLE ... ALTER COLUMN reference pages): its
//! columns and properties. A change Snowflake can make with ALTER TABLE is an update; any
//! other needs the table re-created, which loses its rows: a destructive replacement with
//! its reason. Column types are kept in Snowflake's canonical form (`canon::column_type`),
//! so `INT` and `NUMBER(38,0)` never differ.

pub(crate) mod ddl;
pub(crate) mod read;

use crate::model::attr;
use crate::model::schema::{Attr, AttrType, BlockSchema, DefaultValue as D, Identity, KindSchema};
use crate::model::{Kind, Scope, Value};
use std::collections::BTreeMap;

/// The key under which an object's `props` hold its columns: a list of maps, each with
/// `name`, `type`, `nullable` and, when set, `default` and `comment`, in declared order.
pub use crate::model::attr::COLUMNS;

pub(crate) static COLUMN_ATTRS: &[Attr] = &[
    Attr::prop(
        attr::TYPE,
        AttrType::ColumnType,
        None,
        "The data type, compared in Snowflake's canonical form: INT is NUMBER(38,0), STRING is VARCHAR(16777216), FLOAT8 is FLOAT, TIMESTAMP is TIMESTAMP_NTZ(9) (the default TIMESTAMP_TYPE_MAPPING). In place only where ALTER COLUMN allows it: a longer VARCHAR, or a NUMBER of another precision with the same scale (a smaller one fails unless the rows fit); any other type change re-creates the table (destructive).",
    )
    .required(),
    Attr::prop(
        attr::NULLABLE,
        AttrType::Bool,
        None,
        "Whether the column takes NULL (ALTER COLUMN SET / DROP NOT NULL).",
    )
    .default(D::Bool(true)),
    Attr::prop(
        attr::DEFAULT,
        AttrType::String,
        None,
        "The default: a number, a string in single quotes (`'none'`), TRUE, FALSE or a call without arguments (`CURRENT_TIMESTAMP()`), as Snowflake prints it. ALTER COLUMN can only drop a default: adding or changing one re-creates the table (destructive).",
    ),
    Attr::prop(attr::COMMENT, AttrType::String, None, "The column's comment."),
];

#[linkme::distributed_slice(crate::model::schema::SCHEMAS)]
pub static SCHEMA: KindSchema = KindSchema {
    kind: Kind::Table,
    keyword: "table",
    noun: "table",
    identity: Identity::Named(Scope::Schema),
    can_rename: true,
    // Beside the stages: after their schemas, before the feature views that read them.
    generate_rank: 3,
    example_label: "patients",
    doc: "A table and its columns, read with SHOW TABLES and SHOW COLUMNS (one each per schema that holds declared tables; SHOW COLUMNS lists at most 10,000 columns of a schema, the views' included). Columns are compared by name (SHOW COLUMNS does not document an order); a column added later is appended. A column renamed in the configuration is a drop and an add (its data is lost). In a transient schema every table is transient: declare `transient = true` there.",
    blocks: &[BlockSchema {
        name: "column",
        label: "column name",
        attrs: COLUMN_ATTRS,
        doc: "A column: ALTER TABLE adds and drops them in place.",
    }],
    attrs: &[
        Attr::container(attr::SCHEMA, Kind::Schema, "The schema: a schema block reference or \"DATABASE.SCHEMA\"."),
        Attr::name_attr("The table name."),
        Attr::prop(attr::TRANSIENT, AttrType::Bool, None, "A transient table (no Fail-safe).")
            .default(D::Bool(false))
            .replace("a table cannot switch between permanent and transient with ALTER; re-creating it loses its rows"),
        Attr::prop(attr::CLUSTER_BY, AttrType::IdentList, None, "The clustering key columns (ALTER TABLE CLUSTER BY / DROP CLUSTERING KEY)."),
        Attr::prop(attr::CHANGE_TRACKING, AttrType::Bool, Some("CHANGE_TRACKING"), "Record changes, which the incremental refresh of a dynamic table (a feature view) reading the table needs.")
            .default(D::Bool(false)),
        Attr::prop(attr::DATA_RETENTION_TIME_IN_DAYS, AttrType::Int { min: 0, max: 90 }, Some("DATA_RETENTION_TIME_IN_DAYS"), "Time Travel retention; unset, inherited from the schema.")
            .computed(),
        Attr::prop(attr::COMMENT, AttrType::String, Some("COMMENT"), "A comment."),
        Attr::prop(COLUMNS, AttrType::Columns, None, "The columns, from the column blocks.")
            .role(crate::model::Role::Derived),
        Attr::owner(),
    ],
};

/// A column's name, and the columns of a table value keyed by name (the model compares
/// columns by name, `model::same_value`).
pub(crate) use crate::model::{column_name, columns_by_name as by_name};

/// A canonical type split into its base and arguments: `NUMBER(38,0)` is
/// (`NUMBER`, [38, 0]).
fn split_type(type_name: &str) -> (&str, Vec<i64>) {
    match type_name.split_once('(') {
        Some((base, rest)) => (
            base,
            rest.trim_end_matches(')')
                .split(',')
                .filter_map(|n| n.trim().parse().ok())
                .collect(),
        ),
        None => (type_name, Vec::new()),
    }
}

/// Whether ALTER TABLE ... ALTER COLUMN ... SET DATA TYPE takes the type change: a longer
/// VARCHAR, or a NUMBER of another precision with the same scale (ALTER TABLE ... ALTER
/// COLUMN reference: a shorter string, another scale or another type is refused; a smaller
/// precision is taken when the rows fit it, which only the account knows).
pub(crate) fn type_change_in_place(from: &str, to: &str) -> bool {
    let (fb, fa) = split_type(from);
    let (tb, ta) = split_type(to);
    if fb != tb {
        return false;
    }
    match (fb, fa.as_slice(), ta.as_slice()) {
        ("VARCHAR", [f], [t]) => t >= f,
        ("NUMBER", [_, fs], [_, ts]) => fs == ts,
        _ => from == to,
    }
}

/// Why the change of columns from `before` to `after` cannot be made with ALTER TABLE, if it
/// cannot.
pub(crate) fn columns_replace_reason(
    before: Option<&Value>,
    after: Option<&Value>,
) -> Option<&'static str> {
    let old = by_name(before);
    for (name, new) in by_name(after) {
        let Some(cur) = old.get(name) else {
            continue;
        };
        let ty = |m: &BTreeMap<String, Value>| {
            m.get(attr::TYPE)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        if !type_change_in_place(&ty(cur), &ty(new)) {
            return Some("a column's type changes in a way ALTER COLUMN cannot make (it takes only a longer VARCHAR, or a NUMBER of another precision with the same scale); re-creating the table loses its rows");
        }
        let default = |m: &BTreeMap<String, Value>| m.get(attr::DEFAULT).cloned();
        if default(new).is_some() && default(cur) != default(new) {
            return Some("ALTER COLUMN can drop a column's default but cannot add or change one; re-creating the table loses its rows");
        }
    }
    None
}

/// Why changing `attr` from `before` to `after` needs the table re-created, beyond the table.
pub(crate) fn replace_reason(
    attr: &str,
    before: Option<&Value>,
    after: Option<&Value>,
) -> Option<&'static str> {
    match attr {
        COLUMNS => columns_replace_reason(before, after),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_changes_follow_alter_column() {
        assert!(type_change_in_place("VARCHAR(10)", "VARCHAR(20)"));
        assert!(!type_change_in_place("VARCHAR(20)", "VARCHAR(10)"));
        assert!(type_change_in_place("NUMBER(10,2)", "NUMBER(38,2)"));
        assert!(!type_change_in_place("NUMBER(10,2)", "NUMBER(38,0)"));
        assert!(type_change_in_place("NUMBER(38,0)", "NUMBER(10,0)"));
        assert!(!type_change_in_place("BINARY(10)", "BINARY(20)"));
        assert!(!type_change_in_place("NUMBER(38,0)", "VARCHAR(16777216)"));
        assert!(type_change_in_place("DATE", "DATE"));
        assert!(!type_change_in_place(
            "TIMESTAMP_NTZ(9)",
            "TIMESTAMP_NTZ(3)"
        ));
    }
}
