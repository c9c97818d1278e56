use crate::kinds::props::{create_line, set_unset};
use crate::kinds::statements::{changed, drop_named, KindDdl, Replacement, Stmt, CREATE};
use crate::model::attr;
use crate::model::Object;

pub fn create(object: &Object, or_replace: bool) -> Vec<Stmt> {
    let prefix = format!(
        "CREATE {}{}DATABASE",
        if or_replace { "OR REPLACE " } else { "" },
        if object.flag(attr::TRANSIENT) {
            "TRANSIENT "
        } else {
            ""
        }
    );
    let (sql, _) = create_line(&prefix, object, &[]);
    vec![Stmt::new(sql, &[CREATE])]
}

pub fn update(object: &Object, changed: &[&str]) -> Vec<Stmt> {
    set_unset("DATABASE", object, changed)
}

/// The registry's ddl entry of a database.
#[linkme::distributed_slice(crate::kinds::statements::KINDS)]
pub(super) static DDL: KindDdl = KindDdl {
    kind: crate::model::Kind::Database,
    keyword: "DATABASE",
    keyword_of: None,
    create_privilege: |_| Some("CREATE DATABASE"),
    create: |o| create(o, false),
    replace: Replacement::CreateOrReplace(|o| create(o, true)),
    update: |_, a, attrs| update(a, &changed(attrs)),
    drop: drop_named,
};
