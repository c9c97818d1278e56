//! Account roles: CREATE ROLE, ALTER ROLE ... SET / UNSET COMMENT, ALTER ROLE ... RENAME TO
//! and DROP ROLE (the generic rename and drop).

use crate::kinds::props::{create_line, set_unset};
use crate::kinds::statements::{changed, drop_named, KindDdl, Replacement, Stmt, CREATE};
use crate::model::Object;

fn create(object: &Object) -> Vec<Stmt> {
    let (sql, _) = create_line("CREATE ROLE", object, &[]);
    vec![Stmt::new(sql, &[CREATE])]
}

/// The registry's ddl entry of a role: its comment is the one property, and ALTER sets it.
#[linkme::distributed_slice(crate::kinds::statements::KINDS)]
pub(super) static DDL: KindDdl = KindDdl {
    kind: crate::model::Kind::Role,
    keyword: "ROLE",
    keyword_of: None,
    create_privilege: |_| Some("CREATE ROLE"),
    create,
    replace: Replacement::Alter,
    update: |_, a, attrs| set_unset("ROLE", a, &changed(attrs)),
    drop: drop_named,
};
