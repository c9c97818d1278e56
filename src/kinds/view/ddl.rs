//! Views: CREATE [SECURE] VIEW, CREATE OR REPLACE VIEW ... COPY GRANTS for a new query (the
//! grants stay), ALTER VIEW SET / UNSET SECURE and COMMENT, and DROP VIEW.

use crate::kinds::props::set_unset;
use crate::kinds::statements::{changed, drop_named, KindDdl, Replacement, Stmt, CREATE};
use crate::model::attr;
use crate::model::AttrChange;
use crate::model::Object;
use crate::sql::quote_literal;

fn create_sql(object: &Object, or_replace: bool) -> String {
    let mut sql = format!(
        "CREATE {}{}VIEW {}",
        if or_replace { "OR REPLACE " } else { "" },
        if object.flag(attr::SECURE) {
            "SECURE "
        } else {
            ""
        },
        object.name.to_sql()
    );
    if or_replace {
        sql.push_str(" COPY GRANTS");
    }
    if let Some(c) = object.get_str(attr::COMMENT) {
        sql.push_str(&format!(" COMMENT = {}", quote_literal(c)));
    }
    sql.push_str(&format!(
        " AS {}",
        object.get_str(attr::QUERY).unwrap_or_default()
    ));
    sql
}

fn update(_: &Object, after: &Object, attrs: &[AttrChange]) -> Vec<Stmt> {
    let names = changed(attrs);
    if names.contains(&attr::QUERY) {
        // One statement brings every property to the configuration's.
        return vec![Stmt::new(
            create_sql(after, true),
            &[attr::QUERY, attr::SECURE, attr::COMMENT],
        )];
    }
    let mut out = Vec::new();
    if names.contains(&attr::SECURE) {
        let verb = if after.flag(attr::SECURE) {
            "SET"
        } else {
            "UNSET"
        };
        out.push(Stmt::new(
            format!("ALTER VIEW {} {verb} SECURE", after.name.to_sql()),
            &[attr::SECURE],
        ));
    }
    if names.contains(&attr::COMMENT) {
        out.extend(set_unset("VIEW", after, &[attr::COMMENT]));
    }
    out
}

/// The registry's ddl entry of a view.
#[linkme::distributed_slice(crate::kinds::statements::KINDS)]
pub(super) static DDL: KindDdl = KindDdl {
    kind: crate::model::Kind::View,
    keyword: "VIEW",
    keyword_of: None,
    create_privilege: |_| Some("CREATE VIEW"),
    create: |o| vec![Stmt::new(create_sql(o, false), &[CREATE])],
    replace: Replacement::CreateOrReplace(|o| vec![Stmt::new(create_sql(o, true), &[CREATE])]),
    update,
    drop: drop_named,
};
