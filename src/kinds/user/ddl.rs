//! Users: CREATE USER, ALTER USER ... SET / UNSET for every property, ALTER USER ...
//! RENAME TO and DROP USER (the generic rename and drop).

use crate::kinds::props::{create_line, set_unset};
use crate::kinds::statements::{changed, drop_named, KindDdl, Replacement, Stmt, CREATE};
use crate::model::Object;

fn create(object: &Object) -> Vec<Stmt> {
    let (sql, _) = create_line("CREATE USER", object, &[]);
    vec![Stmt::new(sql, &[CREATE])]
}

/// The registry's ddl entry of a user: every property is set and unset by ALTER USER.
#[linkme::distributed_slice(crate::kinds::statements::KINDS)]
pub(super) static DDL: KindDdl = KindDdl {
    kind: crate::model::Kind::User,
    keyword: "USER",
    keyword_of: None,
    create_privilege: |_| Some("CREATE USER"),
    create,
    replace: Replacement::Alter,
    update: |_, a, attrs| set_unset("USER", a, &changed(attrs)),
    drop: drop_named,
};
