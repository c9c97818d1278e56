//! How entities (tags) are read: the SHOW families and the row decoder, in the canonical forms of
//! `model::canon`, so that what Snowflake prints and what the configuration says compare equal.

use crate::kinds::read::{live_object, schema_name, set_opt, Family, KindRead};
use crate::kinds::rows::ShowRows;
use crate::model::attr;
use crate::model::{entity_of_tag, Kind, Object, Value};

/// The tags of a schema: its entities, and the Feature Store's own tags (`schema`).
pub(crate) const TAGS: Family = Family {
    name: "tags",
    show: "SHOW TAGS",
    pages: false,
    recording: "show_tags",
};

#[linkme::distributed_slice(crate::kinds::read::READERS)]
static READ: KindRead = KindRead {
    kind: Kind::Entity,
    families: &[TAGS],
    decode: |fetch| entities(fetch.rows(TAGS)),
    details: None,
};

/// Entities are the SNOWML_FEATURE_STORE_ENTITY_* tags; their one allowed value holds the
/// join keys separated by commas.
pub fn entities(rows: &ShowRows) -> Vec<Object> {
    rows.iter()
        .filter_map(|r| {
            let name = schema_name(rows, r)?;
            entity_of_tag(&name.name)?;
            let mut o = live_object(Kind::Entity, name);
            let values: Vec<String> = rows
                .get(r, "allowed_values")
                .and_then(|s| serde_json::from_str(s).ok())
                .unwrap_or_default();
            let keys: Vec<Value> = values
                .first()
                .map(|v| v.split(',').map(|k| Value::from(k.trim())).collect())
                .unwrap_or_default();
            o.set(attr::JOIN_KEYS, Value::List(keys));
            set_opt(&mut o, attr::COMMENT, rows.text(r, "comment"));
            set_opt(&mut o, attr::OWNER, rows.get(r, "owner"));
            Some(o)
        })
        .collect()
}
