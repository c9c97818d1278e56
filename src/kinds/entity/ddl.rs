use crate::kinds::statements::{changed, drop_named, KindDdl, Replacement, Stmt, CREATE};
use crate::model::attr;
use crate::model::Object;
use crate::sql::quote_literal;

/// An entity is a tag whose one allowed value is its join keys joined by commas, as the
/// Feature Store library writes it (register_entity).
pub fn create(object: &Object, or_replace: bool) -> Vec<Stmt> {
    let keys = object
        .get(attr::JOIN_KEYS)
        .map(|v| v.str_list().join(","))
        .unwrap_or_default();
    let mut sql = format!(
        "CREATE {}TAG {} ALLOWED_VALUES {}",
        if or_replace { "OR REPLACE " } else { "" },
        object.name.to_sql(),
        quote_literal(&keys)
    );
    if let Some(c) = object.get_str(attr::COMMENT) {
        sql.push_str(&format!(" COMMENT = {}", quote_literal(c)));
    }
    vec![Stmt::new(sql, &[CREATE])]
}

pub fn update(object: &Object, changed: &[&str]) -> Vec<Stmt> {
    if !changed.contains(&attr::COMMENT) {
        return vec![];
    }
    let sql = match object.get_str(attr::COMMENT) {
        Some(c) => format!(
            "ALTER TAG {} SET COMMENT = {}",
            object.name.to_sql(),
            quote_literal(c)
        ),
        None => format!("ALTER TAG {} UNSET COMMENT", object.name.to_sql()),
    };
    vec![Stmt::new(sql, &[attr::COMMENT])]
}

/// The registry's ddl entry of an entity: the Feature Store keeps it as a tag.
#[linkme::distributed_slice(crate::kinds::statements::KINDS)]
pub(super) static DDL: KindDdl = KindDdl {
    kind: crate::model::Kind::Entity,
    keyword: "TAG",
    keyword_of: None,
    create_privilege: |_| Some("CREATE TAG"),
    create: |o| create(o, false),
    replace: Replacement::CreateOrReplace(|o| create(o, true)),
    update: |_, a, attrs| update(a, &changed(attrs)),
    drop: drop_named,
};
