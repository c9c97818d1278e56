//! How database roles are read: the SHOW families and the row decoder, in the canonical forms of
//! `model::canon`, so that what Snowflake prints and what the configuration says compare equal.

use crate::kinds::read::{id, live_object, Family, KindRead, ShowIn};
use crate::kinds::rows::ShowRows;
use crate::model::{Ident, Kind, Object, ObjectName};

/// SHOW DATABASE ROLES IN DATABASE, one per database.
pub(crate) const DATABASE_ROLES: Family = Family {
    name: "database roles",
    show: "SHOW DATABASE ROLES",
    pages: false,
    recording: "show_database_roles",
};

#[linkme::distributed_slice(crate::kinds::read::READERS)]
static READ: KindRead = KindRead {
    kind: Kind::DatabaseRole,
    families: &[DATABASE_ROLES],
    // SHOW DATABASE ROLES prints bare names: the database is the query's.
    decode: |fetch| {
        let mut found = Vec::new();
        for f in fetch.fetched.iter().filter(|f| f.family == DATABASE_ROLES) {
            for scope in &f.covers {
                if let ShowIn::Database(db) = scope {
                    found.extend(database_roles(db, &f.rows));
                }
            }
        }
        found
    },
    details: None,
};

/// SHOW DATABASE ROLES IN DATABASE db (terraform-provider-snowflake's columns: created_on,
/// name, is_default, is_current, is_inherited, granted_to_roles, granted_to_database_roles,
/// granted_database_roles, owner, comment, owner_role_type): bare names in `db`.
pub(crate) fn database_roles(db: &Ident, rows: &ShowRows) -> Vec<Object> {
    rows.iter()
        .filter_map(|r| {
            Some(live_object(
                Kind::DatabaseRole,
                ObjectName::in_database(db.clone(), id(rows.raw(r, "name")?)),
            ))
        })
        .collect()
}
