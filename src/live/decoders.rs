//! The live layer's entries of the kinds: their SHOW families and row decoders.

use super::parse;
use super::{Family, KindRead, ShowRows};
use crate::model::attr;
use crate::model::{Ident, Kind, Object, ObjectName};
use linkme::distributed_slice;
use std::collections::BTreeSet;

#[distributed_slice(super::READERS)]
static WAREHOUSE: KindRead = KindRead {
    kind: Kind::Warehouse,
    families: &[Family::Warehouses],
    decode: |fetch| parse::warehouses(fetch.rows(Family::Warehouses)),
};

#[distributed_slice(super::READERS)]
static DATABASE: KindRead = KindRead {
    kind: Kind::Database,
    families: &[Family::Databases],
    decode: |fetch| parse::databases(fetch.rows(Family::Databases)),
};

#[distributed_slice(super::READERS)]
static SCHEMA: KindRead = KindRead {
    kind: Kind::Schema,
    families: &[Family::Schemas],
    decode: |fetch| {
        schemas_with_feature_stores(
            parse::schemas(fetch.rows(Family::Schemas)),
            fetch.rows(Family::Tags),
        )
    },
};

/// Schemas with `feature_store` read: whether both of the Feature Store's tags exist, which is
/// all every supported library release checks before it opens a store. The snapshot status
/// table snowform creates with the layout is not required: 1.5.1 never creates it, and later
/// releases create it themselves when they need it (docs/attributes.md).
fn schemas_with_feature_stores(mut schemas: Vec<Object>, tags: &ShowRows) -> Vec<Object> {
    let tag_names: BTreeSet<ObjectName> = parse::tag_names(tags).into_iter().collect();
    for s in &mut schemas {
        let has = |n: &str| Ident::from_canonical(n);
        let fs = [
            crate::model::kinds::feature_view::METADATA_TAG,
            crate::model::kinds::feature_view::OBJECT_TAG,
        ]
        .iter()
        .all(|t| tag_names.contains(&s.name.child(has(t))));
        s.set(attr::FEATURE_STORE, fs);
    }
    schemas
}

#[distributed_slice(super::READERS)]
static STAGE: KindRead = KindRead {
    kind: Kind::Stage,
    families: &[Family::Stages],
    decode: |fetch| parse::stages(fetch.rows(Family::Stages)),
};

#[distributed_slice(super::READERS)]
static ENTITY: KindRead = KindRead {
    kind: Kind::Entity,
    families: &[Family::Tags],
    decode: |fetch| parse::entities(fetch.rows(Family::Tags)),
};

#[distributed_slice(super::READERS)]
static FEATURE_VIEW: KindRead = KindRead {
    kind: Kind::FeatureView,
    families: &[Family::DynamicTables, Family::Views, Family::Tasks],
    decode: |fetch| {
        parse::feature_views(
            fetch.rows(Family::DynamicTables),
            fetch.rows(Family::Views),
            fetch.rows(Family::Tasks),
        )
    },
};

#[distributed_slice(super::READERS)]
static MODEL: KindRead = KindRead {
    kind: Kind::Model,
    families: &[Family::Models, Family::ModelVersions],
    decode: |fetch| {
        parse::models(
            fetch.rows(Family::Models),
            fetch.rows(Family::ModelVersions),
        )
    },
};

#[distributed_slice(super::READERS)]
static TASK: KindRead = KindRead {
    kind: Kind::Task,
    families: &[Family::Tasks],
    // A feature view's refresh task is the feature view's, not a task of its own.
    decode: |fetch| {
        let feature_views: Vec<Object> = fetch
            .found
            .iter()
            .filter(|o| o.kind() == Kind::FeatureView)
            .cloned()
            .collect();
        let refresh_tasks: BTreeSet<ObjectName> = parse::feature_view_task_names(&feature_views)
            .into_iter()
            .collect();
        parse::tasks(fetch.rows(Family::Tasks))
            .into_iter()
            .filter(|t| !refresh_tasks.contains(&t.name))
            .collect()
    },
};

#[distributed_slice(super::READERS)]
static TABLE: KindRead = KindRead {
    kind: Kind::Table,
    families: &[Family::AllTables, Family::Columns],
    decode: |fetch| parse::tables(fetch.rows(Family::AllTables), fetch.rows(Family::Columns)),
};

#[distributed_slice(super::READERS)]
static VIEW: KindRead = KindRead {
    kind: Kind::View,
    families: &[Family::Views],
    decode: |fetch| parse::views(fetch.rows(Family::Views)),
};

#[distributed_slice(super::READERS)]
static PROCEDURE: KindRead = KindRead {
    kind: Kind::Procedure,
    // DESCRIBE PROCEDURE (ProcedureDetails) follows SHOW PROCEDURES' rows (`live::read`).
    families: &[Family::Procedures],
    decode: |fetch| {
        let mut found = parse::procedures(fetch.rows(Family::Procedures));
        for p in &mut found {
            let details = fetch.fetched.iter().find(|f| {
                f.family == Family::ProcedureDetails
                    && f.covers == [super::queries::ShowIn::Procedure(p.name.clone())]
            });
            if let Some(d) = details {
                parse::procedure_details(p, &d.rows);
            }
        }
        found
    },
};

#[distributed_slice(super::READERS)]
static ROLE: KindRead = KindRead {
    kind: Kind::Role,
    families: &[Family::Roles],
    // Roles are account-wide: only those the configuration or the state names are kept,
    // so the account's own roles never enter a plan.
    decode: |fetch| {
        let named = fetch.named(Kind::Role);
        parse::roles(fetch.rows(Family::Roles))
            .into_iter()
            .filter(|r| named.contains(&r.name))
            .collect()
    },
};

#[distributed_slice(super::READERS)]
static ROLE_GRANT: KindRead = KindRead {
    kind: Kind::RoleGrant,
    families: &[Family::RoleGrants],
    decode: |fetch| parse::role_grants(fetch.rows(Family::RoleGrants)),
};

#[distributed_slice(super::READERS)]
static DATABASE_ROLE: KindRead = KindRead {
    kind: Kind::DatabaseRole,
    families: &[Family::DatabaseRoles],
    // SHOW DATABASE ROLES prints bare names: the database is the query's.
    decode: |fetch| {
        let mut found = Vec::new();
        for f in fetch
            .fetched
            .iter()
            .filter(|f| f.family == Family::DatabaseRoles)
        {
            for scope in &f.covers {
                if let super::queries::ShowIn::Database(db) = scope {
                    found.extend(parse::database_roles(db, &f.rows));
                }
            }
        }
        found
    },
};

#[distributed_slice(super::READERS)]
static GRANT: KindRead = KindRead {
    kind: Kind::Grant,
    families: &[Family::Grants, Family::FutureGrants],
    decode: |fetch| {
        let mut found = parse::grants(fetch.rows(Family::Grants), fetch.rows(Family::FutureGrants));
        // `on_all` grants: what the grantee holds on each object of the kind found in the
        // container (ON ALL is not a grant of its own that SHOW lists).
        let per_object: Vec<Object> = found
            .iter()
            .filter(|o| o.get(attr::ON).is_some())
            .cloned()
            .collect();
        let present: Vec<(String, String)> = fetch
            .found
            .iter()
            .filter_map(|o| {
                let kw = match o.kind() {
                    Kind::FeatureView if o.get(attr::REFRESH_FREQ).is_some() => "DYNAMIC TABLE",
                    Kind::FeatureView => "VIEW",
                    Kind::Schema => "SCHEMA",
                    Kind::Stage => "STAGE",
                    Kind::Task => "TASK",
                    Kind::Model => "MODEL",
                    _ => return None,
                };
                Some((kw.to_string(), o.name.to_sql()))
            })
            .collect();
        for wanted in fetch
            .wanted
            .iter()
            .filter(|o| o.kind() == Kind::Grant && o.get(attr::ON_ALL).is_some())
        {
            found.extend(parse::grant_on_all(wanted, &per_object, &present));
        }
        found
    },
};
