//! The vocabulary every kind's row decoder is written in: the SHOW families, what the
//! queries fetched (`Fetch`), the live entry a kind registers (`KindRead`), and the helpers
//! the decoders share. `live` plans and sends the queries, then runs each kind's decoder.

use super::rows::ShowRows;
use crate::model::{Address, ByKind, Ident, Kind, Object, ObjectName, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Family {
    Warehouses,
    Databases,
    Schemas,
    Stages,
    Tags,
    DynamicTables,
    Views,
    Tasks,
    Models,
    ModelVersions,
    Roles,
    /// SHOW GRANTS TO ROLE / TO DATABASE ROLE, one per grantee.
    Grants,
    /// SHOW FUTURE GRANTS IN SCHEMA / IN DATABASE, one per container.
    FutureGrants,
    /// SHOW GRANTS OF ROLE / OF DATABASE ROLE, one per granted role.
    RoleGrants,
    /// SHOW DATABASE ROLES IN DATABASE, one per database.
    DatabaseRoles,
    /// Every table (the listing of a replaced container, and the table kind).
    AllTables,
    /// The columns of tables and views (SHOW COLUMNS: no warehouse needed), read per schema.
    Columns,
    /// SHOW PROCEDURES: existence and argument types, per database or schema.
    Procedures,
    /// DESCRIBE PROCEDURE of one procedure SHOW PROCEDURES found and the configuration or
    /// the state names (its code, handler, packages...): sent as SHOW PROCEDURES' rows come.
    ProcedureDetails,
    /// SHOW USERS, once for the account.
    Users,
}

impl Family {
    pub(crate) fn show(self) -> &'static str {
        match self {
            Family::Warehouses => "SHOW WAREHOUSES",
            Family::Databases => "SHOW DATABASES",
            Family::Schemas => "SHOW SCHEMAS",
            Family::Stages => "SHOW STAGES",
            Family::Tags => "SHOW TAGS",
            Family::DynamicTables => "SHOW DYNAMIC TABLES",
            Family::Views => "SHOW VIEWS",
            Family::Tasks => "SHOW TASKS",
            Family::Models => "SHOW MODELS",
            Family::ModelVersions => "",
            Family::Roles => "SHOW ROLES",
            Family::Grants => "SHOW GRANTS TO",
            Family::FutureGrants => "SHOW FUTURE GRANTS",
            Family::RoleGrants => "SHOW GRANTS OF",
            Family::DatabaseRoles => "SHOW DATABASE ROLES",
            Family::AllTables => "SHOW TABLES",
            Family::Columns => "SHOW COLUMNS",
            Family::Procedures => "SHOW PROCEDURES",
            Family::ProcedureDetails => "DESCRIBE PROCEDURE",
            Family::Users => "SHOW USERS",
        }
    }

    /// Whether SHOW takes LIMIT ... FROM for this kind (documented for these).
    pub(crate) fn pages(self) -> bool {
        matches!(
            self,
            Family::Databases
                | Family::Schemas
                | Family::AllTables
                | Family::DynamicTables
                | Family::Views
                | Family::Tasks
                | Family::Roles
                | Family::Users
        )
    }
}

/// Where one SHOW reads (`SHOW ... IN ACCOUNT | DATABASE d | SCHEMA d.s`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ShowIn {
    Account,
    Database(Ident),
    Schema(ObjectName),
    /// The grants of one account role (`SHOW GRANTS TO ROLE r`).
    Role(Ident),
    /// The grants of one database role (`SHOW GRANTS TO DATABASE ROLE db.r`).
    DatabaseRole(ObjectName),
    /// One procedure, with its argument types (`DESCRIBE PROCEDURE db.s.p(NUMBER)`).
    Procedure(ObjectName),
}

#[derive(Clone, Debug)]
pub struct Fetched {
    pub(crate) family: Family,
    pub covers: Vec<ShowIn>,
    pub rows: ShowRows,
}

/// What the queries fetched, as a kind's decoder reads it.
pub(crate) struct Fetch<'a> {
    pub(crate) rows: &'a BTreeMap<Family, ShowRows>,
    /// Every query's rows with the scopes it covers (for kinds whose rows do not name their
    /// container, such as SHOW DATABASE ROLES).
    pub(crate) fetched: &'a [Fetched],
    /// The objects the configuration and the state name.
    pub(crate) wanted: &'a [&'a Object],
    /// The objects of the kinds decoded before this one (`Kind::ALL` order).
    pub(crate) found: &'a [Object],
}

impl Fetch<'_> {
    /// The rows of one family, all scopes together (none when it was not queried).
    pub(crate) fn rows(&self, family: Family) -> &ShowRows {
        static NONE: ShowRows = ShowRows {
            columns: Vec::new(),
            rows: Vec::new(),
        };
        self.rows.get(&family).unwrap_or(&NONE)
    }

    /// The names of the wanted objects of `kind`.
    pub(crate) fn named(&self, kind: Kind) -> BTreeSet<&ObjectName> {
        self.wanted
            .iter()
            .filter(|o| o.kind() == kind)
            .map(|o| &o.name)
            .collect()
    }
}

/// The live layer's entry of a kind in the registry: the SHOW families it is read from and
/// the decoder that finds its objects in their rows. Each kind's module registers one in
/// `READERS`.
pub(crate) struct KindRead {
    pub(crate) kind: Kind,
    pub(crate) families: &'static [Family],
    pub(crate) decode: fn(&Fetch) -> Vec<Object>,
}

/// The live layer's registry.
#[linkme::distributed_slice]
pub(crate) static READERS: [KindRead];

pub(crate) fn reader(kind: Kind) -> &'static KindRead {
    static BY_KIND: OnceLock<ByKind<KindRead>> = OnceLock::new();
    BY_KIND
        .get_or_init(|| ByKind::index(&READERS, |r| r.kind, "SHOW families and row decoder (live)"))
        .get(kind)
}

pub(crate) fn live_object(kind: Kind, name: ObjectName) -> Object {
    Object::new(Address::new(kind, "_live"), name)
}

pub(crate) fn id(name: &str) -> Ident {
    Ident::from_canonical(name)
}

pub(crate) fn schema_name(rows: &ShowRows, row: &[Option<String>]) -> Option<ObjectName> {
    Some(ObjectName::in_schema(
        id(rows.raw(row, "database_name")?),
        id(rows.raw(row, "schema_name")?),
        id(rows.raw(row, "name")?),
    ))
}

pub(crate) fn set_opt(object: &mut Object, attr: &str, value: Option<impl Into<Value>>) {
    if let Some(v) = value {
        object.set(attr, v);
    }
}

pub(crate) fn options(rows: &ShowRows, row: &[Option<String>]) -> Vec<String> {
    rows.get(row, "options")
        .map(|s| {
            s.split(',')
                .map(|p| p.trim().to_ascii_uppercase())
                .collect()
        })
        .unwrap_or_default()
}

/// Names of every tag in the rows, to tell whether a schema holds the Feature Store's own.
pub(crate) fn tag_names(rows: &ShowRows) -> Vec<ObjectName> {
    rows.iter().filter_map(|r| schema_name(rows, r)).collect()
}
