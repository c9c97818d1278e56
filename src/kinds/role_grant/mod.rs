//! A role granted to a role or to a user (GRANT ROLE, GRANT DATABASE ROLE and REVOKE ROLE
//! reference pages): the role hierarchy. Like a grant it has no name of its own: it is known
//! by the role and its grantee (`Identity::Grant`), and nothing about it changes in place.

pub(crate) mod ddl;
pub(crate) mod read;

use crate::model::attr;
use crate::model::schema::{Attr, AttrType, Identity, KindSchema, Role};
use crate::model::{Ident, Kind, ObjectName};

#[linkme::distributed_slice(crate::model::schema::SCHEMAS)]
pub static SCHEMA: KindSchema = KindSchema {
    kind: Kind::RoleGrant,
    keyword: "role_grant",
    noun: "role grant",
    identity: Identity::Grant,
    can_rename: false,
    generate_rank: 10,
    example_label: "consumer_in_producer",
    doc: "A role (or database role) granted to a role, a database role or a user: the grantee inherits its privileges.",
    blocks: &[],
    attrs: &[
        Attr::prop(attr::ROLE, AttrType::Securable, None, "The role granted: a role block reference or role name, or `{ kind = \"DATABASE ROLE\", name = \"DB.ROLE\" }`.").role(Role::NamePart).required(),
        Attr::prop(attr::TO, AttrType::Securable, None, "The role that receives it: a role block reference or role name, or `{ kind = \"DATABASE ROLE\", name = \"DB.ROLE\" }`.").role(Role::NamePart),
        Attr::prop(attr::USER, AttrType::Ref(Kind::User), None, "The user that receives it, instead of `to`: a user block reference or user name.").role(Role::NamePart),
    ],
};

/// The name a role grant is known by: `ROLE A TO ROLE B`, `ROLE A TO USER U`.
pub(crate) fn role_grant_name(role: &str, grantee: &str) -> ObjectName {
    ObjectName::account(Ident::from_canonical(format!("{role} TO {grantee}")))
}
