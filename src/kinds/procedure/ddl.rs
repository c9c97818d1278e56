//! Procedures: CREATE [OR REPLACE] PROCEDURE ... [COPY GRANTS] with every clause, so any change
//! is one CREATE OR REPLACE ... COPY GRANTS (ALTER PROCEDURE cannot change the code, the
//! language or the return type, and the grants stay); DROP PROCEDURE names the argument types.

use crate::kinds::statements::{KindDdl, Replacement, Stmt, CREATE, DROP};
use crate::model::attr;
use crate::model::AttrChange;
use crate::model::{Object, Value};
use crate::sql::{quote_ident, quote_literal};

/// Every attribute a CREATE OR REPLACE brings to the configuration's.
const ALL: [&str; 10] = [
    attr::ARGUMENTS,
    attr::RETURNS,
    attr::LANGUAGE,
    attr::RUNTIME_VERSION,
    attr::PACKAGES,
    attr::IMPORTS,
    attr::HANDLER,
    attr::BODY,
    attr::EXECUTE_AS,
    attr::COMMENT,
];

fn list(object: &Object, attr: &str) -> Option<String> {
    let items = object.get(attr).and_then(Value::as_list)?;
    Some(
        items
            .iter()
            .filter_map(Value::as_str)
            .map(quote_literal)
            .collect::<Vec<_>>()
            .join(", "),
    )
}

fn create_sql(object: &Object, or_replace: bool) -> String {
    let args = object
        .get(attr::ARGUMENTS)
        .and_then(Value::as_list)
        .unwrap_or_default()
        .iter()
        .filter_map(Value::as_map)
        .map(|m| {
            let s = |k: &str| m.get(k).and_then(Value::as_str).unwrap_or_default();
            format!("{} {}", quote_ident(s("name")), s("type"))
        })
        .collect::<Vec<_>>()
        .join(", ");
    let mut sql = format!(
        "CREATE {}PROCEDURE {}({args})",
        if or_replace { "OR REPLACE " } else { "" },
        object.name.to_sql()
    );
    if or_replace {
        sql.push_str(" COPY GRANTS");
    }
    // Types and enum values are canonical (checked when the configuration was read).
    sql.push_str(&format!(
        " RETURNS {} LANGUAGE {}",
        object.get_str(attr::RETURNS).unwrap_or_default(),
        object.get_str(attr::LANGUAGE).unwrap_or_default()
    ));
    if let Some(v) = object.get_str(attr::RUNTIME_VERSION) {
        sql.push_str(&format!(" RUNTIME_VERSION = {}", quote_literal(v)));
    }
    if let Some(p) = list(object, "packages") {
        sql.push_str(&format!(" PACKAGES = ({p})"));
    }
    if let Some(i) = list(object, "imports") {
        sql.push_str(&format!(" IMPORTS = ({i})"));
    }
    if let Some(h) = object.get_str(attr::HANDLER) {
        sql.push_str(&format!(" HANDLER = {}", quote_literal(h)));
    }
    if let Some(c) = object.get_str(attr::COMMENT) {
        sql.push_str(&format!(" COMMENT = {}", quote_literal(c)));
    }
    sql.push_str(&format!(
        " EXECUTE AS {}",
        object.get_str(attr::EXECUTE_AS).unwrap_or("OWNER")
    ));
    // The body between `$$`, as written (a body holding `$$` is refused when the
    // configuration is read); without one the code comes from `imports`.
    if let Some(b) = object.get_str(attr::BODY) {
        sql.push_str(&format!(" AS $${b}$$"));
    }
    sql
}

fn update(_: &Object, after: &Object, _: &[AttrChange]) -> Vec<Stmt> {
    vec![Stmt::new(create_sql(after, true), &ALL)]
}

fn drop(object: &Object) -> Vec<Stmt> {
    vec![Stmt::new(
        format!("DROP PROCEDURE {}", object.name.to_sql_with_signature()),
        &[DROP],
    )]
}

/// The registry's ddl entry of a procedure.
#[linkme::distributed_slice(crate::kinds::statements::KINDS)]
pub(super) static DDL: KindDdl = KindDdl {
    kind: crate::model::Kind::Procedure,
    keyword: "PROCEDURE",
    keyword_of: None,
    create_privilege: |_| Some("CREATE PROCEDURE"),
    create: |o| vec![Stmt::new(create_sql(o, false), &[CREATE])],
    replace: Replacement::CreateOrReplace(|o| vec![Stmt::new(create_sql(o, true), &[CREATE])]),
    update,
    drop,
};
