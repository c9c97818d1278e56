//! Database roles: CREATE DATABASE ROLE and DROP DATABASE ROLE (the generic drop). Nothing
//! about one changes in place.

use crate::kinds::statements::{drop_named, KindDdl, Replacement, Stmt, CREATE};
use crate::model::Object;

fn create(object: &Object) -> Vec<Stmt> {
    vec![Stmt::new(
        format!("CREATE DATABASE ROLE {}", object.name.to_sql()),
        &[CREATE],
    )]
}

/// The registry's ddl entry of a database role.
#[linkme::distributed_slice(crate::kinds::statements::KINDS)]
pub(super) static DDL: KindDdl = KindDdl {
    kind: crate::model::Kind::DatabaseRole,
    keyword: "DATABASE ROLE",
    keyword_of: None,
    create_privilege: |_| Some("CREATE DATABASE ROLE"),
    create,
    replace: Replacement::Alter,
    update: |_, _, _| Vec::new(),
    drop: drop_named,
};
