//! An account role (CREATE ROLE, ALTER ROLE and DROP ROLE reference pages): a name and a
//! comment. Only roles the configuration declares are read and changed; the account's own
//! roles (ACCOUNTADMIN, SYSADMIN, PUBLIC, ...) are never touched.

pub(crate) mod ddl;
pub(crate) mod read;

use crate::model::attr;
use crate::model::schema::{Attr, AttrType::*, Identity, KindSchema};
use crate::model::{Kind, Scope};

#[linkme::distributed_slice(crate::model::schema::SCHEMAS)]
pub static SCHEMA: KindSchema = KindSchema {
    kind: Kind::Role,
    keyword: "role",
    noun: "role",
    identity: Identity::Named(Scope::Account),
    can_rename: true,
    generate_rank: 0,
    example_label: "fs_producer",
    doc: "An account role.",
    blocks: &[],
    attrs: &[
        Attr::name_attr("The role name."),
        Attr::prop(attr::COMMENT, String, Some("COMMENT"), "A comment."),
        Attr::owner(),
    ],
};
