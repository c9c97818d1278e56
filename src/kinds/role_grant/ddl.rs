//! Role grants: GRANT { ROLE | DATABASE ROLE } r TO { ROLE | DATABASE ROLE | USER } g, and
//! REVOKE ... FROM. Nothing about one changes in place: another role or grantee is another
//! role grant (granted first, the old one revoked last).

use crate::kinds::statements::{KindDdl, Replacement, Stmt, CREATE, DROP};
use crate::model::attr;
use crate::model::Object;

fn parts(object: &Object) -> (&str, &str) {
    (
        object.get_str(attr::ROLE).unwrap_or_default(),
        object.get_str(attr::TO).unwrap_or_default(),
    )
}

fn create(object: &Object) -> Vec<Stmt> {
    let (role, to) = parts(object);
    vec![Stmt::new(format!("GRANT {role} TO {to}"), &[CREATE])]
}

fn drop(object: &Object) -> Vec<Stmt> {
    let (role, to) = parts(object);
    vec![Stmt::new(format!("REVOKE {role} FROM {to}"), &[DROP])]
}

/// The registry's ddl entry of a role grant; `keyword` names it in messages only.
#[linkme::distributed_slice(crate::kinds::statements::KINDS)]
pub(super) static DDL: KindDdl = KindDdl {
    kind: crate::model::Kind::RoleGrant,
    keyword: "ROLE GRANT",
    keyword_of: None,
    // A grant is not created: granting takes MANAGE GRANTS (`privileges::needed`).
    create_privilege: |_| None,
    create,
    replace: Replacement::Alter,
    update: |_, _, _| Vec::new(),
    drop,
};
