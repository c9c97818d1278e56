//! How models and their versions are read: the SHOW families and the row decoder, in the canonical forms of
//! `model::canon`, so that what Snowflake prints and what the configuration says compare equal.

use crate::kinds::model::VERSIONS;
use crate::kinds::read::{id, live_object, schema_name, set_opt, Family, KindRead};
use crate::kinds::rows::ShowRows;
use crate::model::attr;
use crate::model::{Kind, Object, ObjectName, Value};
use std::collections::BTreeMap;

pub(crate) const MODELS: Family = Family {
    name: "models",
    show: "SHOW MODELS",
    pages: false,
    recording: "show_models",
};

/// `INFORMATION_SCHEMA.MODEL_VERSIONS` of a database (`live::queries::Query::sql` writes it): it runs on a warehouse, so it is read only where SHOW MODELS found a model.
pub(crate) const MODEL_VERSIONS: Family = Family {
    name: "model versions",
    show: "",
    pages: false,
    recording: "information_schema_model_versions",
};

#[linkme::distributed_slice(crate::kinds::read::READERS)]
static READ: KindRead = KindRead {
    kind: Kind::Model,
    families: &[MODELS, MODEL_VERSIONS],
    decode: |fetch| models(fetch.rows(MODELS), fetch.rows(MODEL_VERSIONS)),
    details: None,
};

const SYSTEM_ALIASES: &[&str] = &["DEFAULT", "FIRST", "LAST"];

/// Models from SHOW MODELS, with their versions from INFORMATION_SCHEMA.MODEL_VERSIONS.
pub fn models(models: &ShowRows, versions: &ShowRows) -> Vec<Object> {
    let mut by_model: BTreeMap<ObjectName, BTreeMap<String, Value>> = BTreeMap::new();
    for r in versions.iter() {
        let (Some(db), Some(s), Some(m), Some(v)) = (
            versions.raw(r, "DATABASE_NAME"),
            versions.raw(r, "SCHEMA_NAME"),
            versions.raw(r, "MODEL_NAME"),
            versions.raw(r, "MODEL_VERSION_NAME"),
        ) else {
            continue;
        };
        let mut fields = BTreeMap::new();
        if let Some(c) = versions.text(r, "COMMENT") {
            fields.insert(attr::COMMENT.to_string(), Value::from(c));
        }
        let aliases: Vec<String> = versions
            .get(r, "VERSION_ALIASES")
            .and_then(|a| serde_json::from_str(a).ok())
            .unwrap_or_default();
        if let Some(a) = aliases
            .iter()
            .find(|a| !SYSTEM_ALIASES.contains(&a.to_ascii_uppercase().as_str()))
        {
            fields.insert(attr::ALIAS.to_string(), Value::from(a.as_str()));
        }
        if let Some(meta) = versions.get(r, "METADATA").and_then(user_metadata) {
            fields.insert(attr::METADATA.to_string(), Value::from(meta));
        }
        by_model
            .entry(ObjectName::in_schema(id(db), id(s), id(m)))
            .or_default()
            .insert(v.to_string(), Value::Map(fields));
    }
    models
        .iter()
        .filter_map(|r| {
            let name = schema_name(models, r)?;
            let mut o = live_object(Kind::Model, name.clone());
            set_opt(&mut o, attr::COMMENT, models.text(r, "comment"));
            set_opt(
                &mut o,
                attr::DEFAULT_VERSION,
                models.get(r, "default_version_name"),
            );
            o.set(
                VERSIONS,
                Value::Map(by_model.remove(&name).unwrap_or_default()),
            );
            Some(o)
        })
        .collect()
}

/// The user's part of a version's metadata: without the library's schema marker, and
/// nothing when empty.
fn user_metadata(text: &str) -> Option<String> {
    let mut v: serde_json::Value = serde_json::from_str(text).ok()?;
    let obj = v.as_object_mut()?;
    obj.remove("snowpark_ml_schema_version");
    if obj.is_empty() {
        return None;
    }
    Some(serde_json::to_string(&v).expect("JSON serialises"))
}
