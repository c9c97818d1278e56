//! Properties snowform works out from other objects, after the configuration is read:
//! which schemas hold Feature Store objects, and the join keys each feature view carries
//! in its entity tags.

use super::{Kind, Object, ObjectName, Value};
use std::collections::{BTreeMap, BTreeSet};

/// Fill in derived properties. Pure; the same objects give the same result.
pub fn derive(objects: &mut [Object]) {
    let fs_schemas: BTreeSet<ObjectName> = objects
        .iter()
        .filter(|o| matches!(o.kind(), Kind::Entity | Kind::FeatureView))
        .filter_map(|o| o.name.schema_name())
        .collect();
    let join_keys: BTreeMap<ObjectName, String> = objects
        .iter()
        .filter(|o| o.kind() == Kind::Entity)
        .map(|o| {
            (
                o.name.clone(),
                o.get("join_keys")
                    .map(|v| v.str_list().join(","))
                    .unwrap_or_default(),
            )
        })
        .collect();
    for o in objects.iter_mut() {
        match o.kind() {
            Kind::Schema if fs_schemas.contains(&o.name) => o.set("feature_store", true),
            Kind::FeatureView => {
                let mut keys = BTreeMap::new();
                for entity in o.get("entities").map(|v| v.str_list()).unwrap_or_default() {
                    let name =
                        o.name
                            .with_name(super::entity_tag_name(&super::Ident::from_canonical(
                                entity,
                            )));
                    if let Some(k) = join_keys.get(&name) {
                        keys.insert(entity.to_string(), Value::Str(k.clone()));
                    }
                }
                o.set("join_keys", Value::Map(keys));
            }
            _ => {}
        }
    }
}
