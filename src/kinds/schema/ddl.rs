use crate::kinds::feature_view::{METADATA_TAG, OBJECT_TAG, SNAPSHOT_TABLE};
use crate::kinds::props::{create_line, set_unset};
use crate::kinds::statements::{changed, drop_named, KindDdl, Replacement, Stmt, CREATE};
use crate::model::attr;
use crate::model::{Ident, Object};

pub fn create(object: &Object, or_replace: bool) -> Vec<Stmt> {
    let prefix = format!(
        "CREATE {}{}SCHEMA",
        if or_replace { "OR REPLACE " } else { "" },
        if object.flag(attr::TRANSIENT) {
            "TRANSIENT "
        } else {
            ""
        }
    );
    let extra = if object.flag(attr::MANAGED_ACCESS) {
        vec!["WITH MANAGED ACCESS".to_string()]
    } else {
        vec![]
    };
    let (sql, _) = create_line(&prefix, object, &extra);
    let mut out = vec![Stmt::new(sql, &[CREATE])];
    if object.flag(attr::FEATURE_STORE) {
        out.extend(feature_store_objects(object));
    }
    out
}

pub fn update(object: &Object, changed: &[&str]) -> Vec<Stmt> {
    let mut out = Vec::new();
    if changed.contains(&attr::MANAGED_ACCESS) {
        let verb = if object.flag(attr::MANAGED_ACCESS) {
            "ENABLE"
        } else {
            "DISABLE"
        };
        out.push(Stmt::new(
            format!(
                "ALTER SCHEMA {} {verb} MANAGED ACCESS",
                object.name.to_sql()
            ),
            &[attr::MANAGED_ACCESS],
        ));
    }
    out.extend(set_unset("SCHEMA", object, changed));
    if changed.contains(&attr::FEATURE_STORE) && object.flag(attr::FEATURE_STORE) {
        out.extend(feature_store_objects(object));
    }
    out
}

/// What the Feature Store library's own initialisation creates in its schema, so that the
/// library opens the schema without creating anything (ml-objects.md, FeatureStore.__init__).
/// The object tag comes last: a schema reads as a Feature Store schema once both tags exist
/// (live::schemas_with_feature_stores), so an apply stopped before it re-plans all three, and
/// each is safe to send again.
fn feature_store_objects(object: &Object) -> Vec<Stmt> {
    let name = |n: &str| object.name.child(Ident::from_canonical(n)).to_sql();
    vec![
        Stmt::new(format!("CREATE TAG IF NOT EXISTS {}", name(METADATA_TAG)), &[]),
        Stmt::new(
            format!(
                "CREATE TABLE IF NOT EXISTS {} (FV_FQN VARCHAR NOT NULL, SNAPSHOT_START_TIME TIMESTAMP_NTZ NOT NULL, CREATED_AT TIMESTAMP_NTZ DEFAULT CURRENT_TIMESTAMP())",
                name(SNAPSHOT_TABLE)
            ),
            &[],
        ),
        Stmt::new(
            format!("CREATE TAG IF NOT EXISTS {}", name(OBJECT_TAG)),
            &[attr::FEATURE_STORE],
        ),
    ]
}

/// The registry's ddl entry of a schema.
#[linkme::distributed_slice(crate::kinds::statements::KINDS)]
pub(super) static DDL: KindDdl = KindDdl {
    kind: crate::model::Kind::Schema,
    keyword: "SCHEMA",
    keyword_of: None,
    create_privilege: |_| Some("CREATE SCHEMA"),
    create: |o| create(o, false),
    replace: Replacement::CreateOrReplace(|o| create(o, true)),
    update: |_, a, attrs| update(a, &changed(attrs)),
    drop: drop_named,
};
