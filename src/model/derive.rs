//! Properties snowform works out from other objects, after the configuration is read:
//! which schemas hold Feature Store objects, the join keys each feature view carries in
//! its entity tags, and the transience a schema takes from its database.

use super::{Kind, Object, ObjectName, Value};
use crate::model::attr;
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
                o.get(attr::JOIN_KEYS)
                    .map(|v| v.str_list().join(","))
                    .unwrap_or_default(),
            )
        })
        .collect();
    // Every schema of a transient database is transient (Snowflake's rule).
    let transient_dbs: BTreeSet<ObjectName> = objects
        .iter()
        .filter(|o| o.kind() == Kind::Database && o.flag(attr::TRANSIENT))
        .map(|o| o.name.clone())
        .collect();
    for o in objects.iter_mut() {
        if o.kind() == Kind::Schema
            && o.get(attr::TRANSIENT).is_none()
            && o.name
                .database
                .as_ref()
                .is_some_and(|db| transient_dbs.contains(&ObjectName::account(db.clone())))
        {
            o.set(attr::TRANSIENT, true);
        }
        match o.kind() {
            Kind::Schema if fs_schemas.contains(&o.name) => o.set(attr::FEATURE_STORE, true),
            Kind::FeatureView => {
                let mut keys = BTreeMap::new();
                for entity in o
                    .get(attr::ENTITIES)
                    .map(|v| v.str_list())
                    .unwrap_or_default()
                {
                    let name =
                        o.name
                            .with_name(super::entity_tag_name(&super::Ident::from_canonical(
                                entity,
                            )));
                    if let Some(k) = join_keys.get(&name) {
                        keys.insert(entity.to_string(), Value::Str(k.clone()));
                    }
                }
                o.set(attr::JOIN_KEYS, Value::Map(keys));
                // A cron refresh task refreshes this very table, by its current name.
                let cron = o
                    .get_str(attr::REFRESH_FREQ)
                    .is_some_and(|f| f.split_whitespace().count() >= 3);
                if cron {
                    let target = o.name.to_sql();
                    o.set(attr::REFRESH_TASK_TARGET, target);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Address, Ident};

    fn object(kind: Kind, name: ObjectName) -> Object {
        Object::new(Address::new(kind, "x"), name)
    }

    #[test]
    fn schemas_of_a_transient_database_are_transient() {
        let id = Ident::from_canonical;
        let mut db = object(Kind::Database, ObjectName::account(id("SCRATCH")));
        db.set(attr::TRANSIENT, true);
        let schema = object(
            Kind::Schema,
            ObjectName::in_database(id("SCRATCH"), id("WORK")),
        );
        let other = object(
            Kind::Schema,
            ObjectName::in_database(id("MAIN"), id("WORK")),
        );
        let mut objects = vec![db, schema, other];
        derive(&mut objects);
        assert_eq!(objects[1].get(attr::TRANSIENT), Some(&Value::Bool(true)));
        assert_eq!(objects[2].get(attr::TRANSIENT), None);
    }
}
