//! A database role (CREATE DATABASE ROLE and DROP DATABASE ROLE reference pages): a role
//! that lives in a database and holds privileges on that database's objects only. Only
//! its name is managed: the sandbox emulates no ALTER DATABASE ROLE, so a comment could not
//! be checked end to end, and a rename is a new role (its grants go with the old one).

pub(crate) mod ddl;
pub(crate) mod read;

use crate::model::attr;
use crate::model::schema::{Attr, Identity, KindSchema};
use crate::model::{Kind, Scope};

#[linkme::distributed_slice(crate::model::schema::SCHEMAS)]
pub static SCHEMA: KindSchema = KindSchema {
    kind: Kind::DatabaseRole,
    keyword: "database_role",
    noun: "database role",
    identity: Identity::Named(Scope::Database),
    can_rename: false,
    generate_rank: 11,
    example_label: "fs_readers",
    doc: "A database role: privileges on its own database's objects, granted to roles.",
    blocks: &[],
    attrs: &[
        Attr::container(attr::DATABASE, Kind::Database, "The database it lives in."),
        Attr::name_attr("The database role name."),
    ],
};
