use crate::kinds::props::value_sql;
use crate::kinds::statements::{changed, drop_named, KindDdl, Replacement, Stmt, CREATE};
use crate::model::attr;
use crate::model::{schema, Object};
use crate::sql::quote_literal;

fn directory(on: bool) -> String {
    format!(
        "DIRECTORY = (ENABLE = {})",
        if on { "TRUE" } else { "FALSE" }
    )
}

pub fn create(object: &Object, or_replace: bool) -> Vec<Stmt> {
    let mut sql = format!(
        "CREATE {}STAGE {}",
        if or_replace { "OR REPLACE " } else { "" },
        object.name.to_sql()
    );
    let s = schema(object.kind());
    for name in [attr::URL, attr::STORAGE_INTEGRATION] {
        if let (Some(attr), Some(v)) = (s.attr(name), object.get(name)) {
            sql.push_str(&format!(
                " {} = {}",
                attr.sql.expect("keyword"),
                value_sql(attr, v)
            ));
        }
    }
    if let Some(enc) = object.get_str(attr::ENCRYPTION) {
        sql.push_str(&format!(" ENCRYPTION = (TYPE = {})", quote_literal(enc)));
    }
    if object.flag(attr::DIRECTORY) {
        sql.push(' ');
        sql.push_str(&directory(true));
    }
    if let Some(c) = object.get_str(attr::COMMENT) {
        sql.push_str(&format!(" COMMENT = {}", quote_literal(c)));
    }
    vec![Stmt::new(sql, &[CREATE])]
}

/// The SET of the changed properties, and the directory table's change as an ALTER of its
/// own: the ALTER STAGE reference lists `SET DIRECTORY = ( ENABLE = ... )` apart from the
/// SET of other properties.
pub fn update(object: &Object, changed: &[&str]) -> Vec<Stmt> {
    let s = schema(object.kind());
    let mut sets = Vec::new();
    let mut applied = Vec::new();
    let mut out = Vec::new();
    for name in changed {
        let part = match *name {
            "directory" => {
                out.push(Stmt::applying(
                    format!(
                        "ALTER STAGE {} SET {}",
                        object.name.to_sql(),
                        directory(object.flag(attr::DIRECTORY))
                    ),
                    vec!["directory".into()],
                ));
                continue;
            }
            // ALTER STAGE has no UNSET COMMENT; an empty comment is no comment.
            "comment" => format!(
                "COMMENT = {}",
                quote_literal(object.get_str(attr::COMMENT).unwrap_or(""))
            ),
            "url" | "storage_integration" => {
                let attr = s.attr(name).expect("in table");
                match object.get(name) {
                    Some(v) => format!("{} = {}", attr.sql.expect("keyword"), value_sql(attr, v)),
                    None => continue,
                }
            }
            _ => continue,
        };
        sets.push(part);
        applied.push(name.to_string());
    }
    if !sets.is_empty() {
        out.insert(
            0,
            Stmt::applying(
                format!(
                    "ALTER STAGE {} SET {}",
                    object.name.to_sql(),
                    sets.join(" ")
                ),
                applied,
            ),
        );
    }
    out
}

/// The registry's ddl entry of a stage.
#[linkme::distributed_slice(crate::kinds::statements::KINDS)]
pub(super) static DDL: KindDdl = KindDdl {
    kind: crate::model::Kind::Stage,
    keyword: "STAGE",
    keyword_of: None,
    create_privilege: |_| Some("CREATE STAGE"),
    create: |o| create(o, false),
    replace: Replacement::CreateOrReplace(|o| create(o, true)),
    update: |_, a, attrs| update(a, &changed(attrs)),
    drop: drop_named,
};
