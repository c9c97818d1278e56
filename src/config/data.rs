//! `data` blocks: objects that exist but are managed elsewhere (`data "warehouse" "shared" {
//! name = "SHARED_WH" }`). The configuration reads their names (`data.warehouse.shared.name`);
//! a plan with a connection checks that the account has each one, and never changes it.

use crate::diag::Span;
use crate::model::attr;
use crate::model::{Ident, Kind, ObjectName, Scope};
use hcl::Value as Hcl;

/// The kinds a data block may read, with the attributes that name one.
pub(crate) const DATA_KINDS: &[(Kind, &[&str])] = &[
    (Kind::Warehouse, &[attr::NAME]),
    (Kind::Database, &[attr::NAME]),
    (Kind::Schema, &[attr::DATABASE, attr::NAME]),
    (Kind::Stage, &[attr::SCHEMA, attr::NAME]),
    (Kind::Role, &[attr::NAME]),
    (Kind::Table, &[attr::SCHEMA, attr::NAME]),
];

/// The attributes a reference may read of a data block.
pub(crate) const DATA_ATTRS: &[&str] = &["name", "fqn", "database", "schema"];

/// One data block: an object the plan reads and never changes.
#[derive(Clone, Debug, PartialEq)]
pub struct DataSource {
    /// `data.warehouse.shared` (after the module path, in a module).
    pub address: String,
    pub kind: Kind,
    pub name: ObjectName,
    /// Where the block is written.
    pub span: Span,
}

/// The Snowflake name a data block's attributes give, or why they give none.
pub(crate) fn name_of(kind: Kind, get: impl Fn(&str) -> Option<Hcl>) -> Result<ObjectName, String> {
    let text = |attr: &str| -> Result<String, String> {
        match get(attr) {
            Some(Hcl::String(s)) => Ok(s),
            Some(other) => Err(format!(
                "{attr} must be a string, got {}",
                super::functions::describe(&other)
            )),
            None => Err(format!("{attr} is missing")),
        }
    };
    let ident = |s: &str| Ident::parse(s).map_err(|e| e.to_string());
    let name = ident(&text("name")?)?;
    // The containers the kind's scope gives its names (the registry's entry, one place).
    Ok(match kind.scope() {
        Scope::Database => ObjectName::in_database(ident(&text("database")?)?, name),
        Scope::Schema => {
            let schema = ObjectName::parse_schema(&text("schema")?).map_err(|e| e.to_string())?;
            ObjectName::in_schema(
                schema.database.expect("a schema has a database"),
                schema.name,
                name,
            )
        }
        Scope::Account => ObjectName::account(name),
    })
}

/// What a reference to a data block reads: its name's parts and its full name.
pub(crate) fn value_of(name: &ObjectName) -> Hcl {
    let mut m = hcl::Map::new();
    m.insert(attr::NAME.into(), Hcl::from(name.name.as_str()));
    m.insert("fqn".into(), Hcl::from(name.to_sql()));
    match (&name.database, &name.schema) {
        (Some(d), Some(s)) => {
            m.insert(attr::DATABASE.into(), Hcl::from(d.as_str()));
            m.insert(
                attr::SCHEMA.into(),
                Hcl::from(format!("{}.{}", d.to_sql(), s.to_sql())),
            );
        }
        (Some(d), None) => {
            m.insert(attr::DATABASE.into(), Hcl::from(d.as_str()));
        }
        _ => {}
    }
    Hcl::Object(m)
}
