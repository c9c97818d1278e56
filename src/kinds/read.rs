//! The vocabulary every kind's row decoder is written in: the SHOW families, what the
//! queries fetched (`Fetch`), the live entry a kind registers (`KindRead`), and the helpers
//! the decoders share. `live` plans and sends the queries, then runs each kind's decoder.

use super::rows::ShowRows;
use crate::model::{Address, ByKind, Ident, Kind, Object, ObjectName, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

/// A family of metadata queries: one SHOW (or DESCRIBE) that kinds are read from, in
/// whichever scopes `live` sends it. Each is a constant of the kind it belongs to
/// (`warehouse::read::WAREHOUSES`), so a kind that needs a new SHOW declares it in its own
/// module; families compare by name.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Family {
    /// Its name in messages, and the order queries are sent in.
    pub(crate) name: &'static str,
    /// The statement's head, before its scope (`SHOW WAREHOUSES`).
    pub(crate) show: &'static str,
    /// Whether it takes LIMIT ... FROM (documented for these).
    pub(crate) pages: bool,
    /// Its recording in `tests/fixtures/show/documented/`, as an outside source prints it
    /// (the tests read it: every family has one).
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) recording: &'static str,
}

impl PartialEq for Family {
    fn eq(&self, other: &Family) -> bool {
        self.name == other.name
    }
}

impl Eq for Family {}

impl PartialOrd for Family {
    fn partial_cmp(&self, other: &Family) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Family {
    fn cmp(&self, other: &Family) -> std::cmp::Ordering {
        self.name.cmp(other.name)
    }
}

impl std::fmt::Display for Family {
    fn fmt(&self, out: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        out.write_str(self.name)
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
    /// One object, by its name (and argument types): `DESCRIBE PROCEDURE db.s.p(NUMBER)`.
    Object(ObjectName),
}

/// One query's rows and the scopes they cover (a database-wide read covers its schemas).
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

    /// The rows of the DESCRIBE (`family`) of one object, when it was sent and answered.
    pub(crate) fn details(&self, family: Family, name: &ObjectName) -> Option<&ShowRows> {
        self.fetched
            .iter()
            .find(|f| {
                f.family == family
                    && matches!(f.covers.as_slice(), [ShowIn::Object(n)] if n == name)
            })
            .map(|f| &f.rows)
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
    /// What SHOW does not print and a DESCRIBE per object does (a procedure's code).
    pub(crate) details: Option<Details>,
}

/// A DESCRIBE a kind needs per object: `live` sends it for each object the configuration or
/// the state names, as soon as the rows of the kind's first family show that it exists,
/// alongside the queries still running; the decoder finds its rows with `Fetch::details`.
pub(crate) struct Details {
    pub(crate) family: Family,
    /// The names in the rows of the kind's first family.
    pub(crate) names: fn(&ShowRows) -> Vec<ObjectName>,
}

/// The live layer's registry: each kind's module registers its `KindRead` here.
#[linkme::distributed_slice]
pub(crate) static READERS: [KindRead];

pub(crate) fn reader(kind: Kind) -> &'static KindRead {
    static BY_KIND: OnceLock<ByKind<KindRead>> = OnceLock::new();
    BY_KIND
        .get_or_init(|| ByKind::index(&READERS, |r| r.kind, "SHOW families and row decoder (live)"))
        .get(kind)
}

/// An object as the account has it: its address is a placeholder, since the account knows
/// names only (`diff` matches it to the configured one by name).
pub(crate) fn live_object(kind: Kind, name: ObjectName) -> Object {
    Object::new(Address::new(kind, "_live"), name)
}

/// A name as SHOW prints it: already in Snowflake's canonical form.
pub(crate) fn id(name: &str) -> Ident {
    Ident::from_canonical(name)
}

/// The full name of an object in a schema, from SHOW's database_name, schema_name and name.
pub(crate) fn schema_name(rows: &ShowRows, row: &[Option<String>]) -> Option<ObjectName> {
    Some(ObjectName::in_schema(
        id(rows.raw(row, "database_name")?),
        id(rows.raw(row, "schema_name")?),
        id(rows.raw(row, "name")?),
    ))
}

/// Sets an attribute the row has; leaves it unset (the default) when the row has none.
pub(crate) fn set_opt(object: &mut Object, attr: &str, value: Option<impl Into<Value>>) {
    if let Some(v) = value {
        object.set(attr, v);
    }
}

/// The `options` column of SHOW DATABASES and SHOW SCHEMAS (`TRANSIENT, MANAGED ACCESS`).
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
