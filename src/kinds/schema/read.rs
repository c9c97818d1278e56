//! How schemas are read: the SHOW families and the row decoder, in the canonical forms of
//! `model::canon`, so that what Snowflake prints and what the configuration says compare equal.

use crate::kinds::entity;
use crate::kinds::read::{id, live_object, options, set_opt, tag_names, Family, KindRead};
use crate::kinds::rows::ShowRows;
use crate::model::attr;
use crate::model::{Ident, Kind, Object, ObjectName};
use std::collections::BTreeSet;

pub(crate) const SCHEMAS: Family = Family {
    name: "schemas",
    show: "SHOW SCHEMAS",
    pages: true,
    recording: "show_schemas",
};

#[linkme::distributed_slice(crate::kinds::read::READERS)]
static READ: KindRead = KindRead {
    kind: Kind::Schema,
    families: &[SCHEMAS],
    decode: |fetch| {
        schemas_with_feature_stores(schemas(fetch.rows(SCHEMAS)), fetch.rows(entity::read::TAGS))
    },
    details: None,
};

/// Schemas with `feature_store` read: whether both of the Feature Store's tags exist, which is
/// all every supported library release checks before it opens a store. The snapshot status
/// table snowform creates with the layout is not required: 1.5.1 never creates it, and later
/// releases create it themselves when they need it (docs/attributes.md).
fn schemas_with_feature_stores(mut schemas: Vec<Object>, tags: &ShowRows) -> Vec<Object> {
    let tag_names: BTreeSet<ObjectName> = tag_names(tags).into_iter().collect();
    for s in &mut schemas {
        let has = |n: &str| Ident::from_canonical(n);
        let fs = [
            crate::kinds::feature_view::METADATA_TAG,
            crate::kinds::feature_view::OBJECT_TAG,
        ]
        .iter()
        .all(|t| tag_names.contains(&s.name.child(has(t))));
        s.set(attr::FEATURE_STORE, fs);
    }
    schemas
}

pub fn schemas(rows: &ShowRows) -> Vec<Object> {
    rows.iter()
        .filter_map(|r| {
            let name = ObjectName::in_database(
                id(rows.raw(r, "database_name")?),
                id(rows.raw(r, "name")?),
            );
            let mut o = live_object(Kind::Schema, name);
            let opts = options(rows, r);
            o.set(attr::TRANSIENT, opts.iter().any(|x| x == "TRANSIENT"));
            o.set(
                attr::MANAGED_ACCESS,
                opts.iter().any(|x| x == "MANAGED ACCESS"),
            );
            set_opt(
                &mut o,
                attr::DATA_RETENTION_TIME_IN_DAYS,
                rows.int(r, "retention_time"),
            );
            set_opt(&mut o, attr::COMMENT, rows.text(r, "comment"));
            set_opt(&mut o, attr::OWNER, rows.get(r, "owner"));
            Some(o)
        })
        .filter(|o| o.name.name.as_str() != "INFORMATION_SCHEMA")
        .collect()
}
