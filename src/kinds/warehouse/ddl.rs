use crate::kinds::props::{create_line, set_unset};
use crate::kinds::statements::{changed, drop_named, KindDdl, Replacement, Stmt, CREATE};
use crate::model::Object;

pub fn create(object: &Object) -> Vec<Stmt> {
    let (sql, _) = create_line("CREATE WAREHOUSE", object, &[]);
    vec![Stmt::new(sql, &[CREATE])]
}

/// Every warehouse property can be altered (reference §5.3).
pub fn update(object: &Object, changed: &[&str]) -> Vec<Stmt> {
    set_unset("WAREHOUSE", object, changed)
}

/// The registry's ddl entry of a warehouse.
#[linkme::distributed_slice(crate::kinds::statements::KINDS)]
pub(super) static DDL: KindDdl = KindDdl {
    kind: crate::model::Kind::Warehouse,
    keyword: "WAREHOUSE",
    keyword_of: None,
    create_privilege: |_| Some("CREATE WAREHOUSE"),
    create,
    // Every warehouse property can be altered.
    replace: Replacement::Alter,
    update: |_, a, attrs| update(a, &changed(attrs)),
    drop: drop_named,
};
