//! The live reader: for every object the configuration or the state mentions, set-based
//! metadata queries (one SHOW per kind per scope, concurrently, paginated), decoded into
//! the same objects the configuration produces. It reads; it never compares or writes.

mod contents;
mod parse;
mod queries;
mod rows;

use crate::diff::Picture;
use crate::model::attr;
use crate::model::{Ident, Kind, Object, ObjectName};
use std::collections::{BTreeMap, BTreeSet};

pub(crate) use contents::{read_contents, ContentsRead};
#[cfg(test)]
use parse::definition_text;
pub(crate) use queries::Family;
pub use rows::ShowRows;

/// A failed metadata query.
#[derive(Clone, Debug, thiserror::Error)]
#[error("{message}")]
pub struct ExecError {
    pub message: String,
    /// "does not exist or not authorized": the scope is absent (or hidden from this role).
    pub(crate) not_found: bool,
}

/// Runs one metadata query. The Snowflake client implements it; tests replay recordings.
#[allow(async_fn_in_trait)]
pub trait Executor: Sync {
    async fn show(&self, sql: &str) -> Result<ShowRows, ExecError>;
}

#[derive(Clone, Debug)]
pub struct ReadOptions {
    /// Queries in flight at once.
    pub(crate) concurrency: usize,
    /// Also list every object in these schemas (for drift --include-unmanaged).
    pub(crate) scan_schemas: Vec<ObjectName>,
    /// Also list every schema in these databases (for drift --include-unmanaged).
    pub(crate) scan_databases: Vec<Ident>,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            // Every query a read sends at first, at once: they do not depend on each other
            // (SHOW runs in Snowflake's cloud services, on no warehouse).
            concurrency: 64,
            scan_schemas: Vec::new(),
            scan_databases: Vec::new(),
        }
    }
}

#[derive(Debug, Default)]
pub struct LiveRead {
    /// Every object found, by kind and name.
    pub picture: Picture,
    /// How many metadata queries were sent.
    pub queries: usize,
    /// Scopes that could not be read because they do not exist or are not visible.
    #[cfg(test)]
    pub(crate) missing_scopes: Vec<String>,
    /// The rows of each query, for a later listing of a container's contents to reuse.
    pub fetched: Vec<queries::Fetched>,
}

#[derive(Debug, thiserror::Error)]
#[error("reading the account failed: {0}")]
pub struct LiveError(pub String);

/// Read what exists of `objects` (desired and recorded) from the account.
pub async fn read<E: Executor>(
    exec: &E,
    objects: &[&Object],
    opts: &ReadOptions,
) -> Result<LiveRead, LiveError> {
    let plan = queries::plan(objects, &opts.scan_schemas, &opts.scan_databases);
    // Model versions come from INFORMATION_SCHEMA.MODEL_VERSIONS, which (unlike SHOW) runs
    // on a warehouse: read it only for databases where SHOW MODELS found a model, so that
    // an account or a connection without a warehouse can still be read when it has none.
    // Each database's versions query starts as soon as a SHOW MODELS finds a model in it,
    // alongside the other queries still running.
    let (versions, first): (Vec<_>, Vec<_>) = plan
        .into_iter()
        .partition(|q| q.family == Family::ModelVersions);
    let mut versions: BTreeMap<String, queries::Query> = versions
        .into_iter()
        .map(|q| match &q.scope {
            queries::ShowIn::Database(db) => (db.as_str().to_string(), q),
            _ => unreachable!("model versions are read per database"),
        })
        .collect();
    // DESCRIBE PROCEDURE only for the procedures named by the configuration or the state,
    // each as soon as a SHOW PROCEDURES finds it.
    let mut described: BTreeSet<ObjectName> = objects
        .iter()
        .filter(|o| o.kind() == Kind::Procedure)
        .map(|o| o.name.clone())
        .collect();
    let mut results =
        queries::run_following(exec, first, opts.concurrency, |family, rows| match family {
            Family::Models => rows
                .iter()
                .filter_map(|r| rows.raw(r, "database_name"))
                .filter_map(|db| versions.remove(db))
                .collect(),
            Family::Procedures => parse::procedures(rows)
                .into_iter()
                .filter(|p| described.remove(&p.name))
                .map(|p| queries::Query {
                    family: Family::ProcedureDetails,
                    scope: queries::ShowIn::Procedure(p.name),
                    fallback: vec![],
                })
                .collect(),
            _ => Vec::new(),
        })
        .await?;
    let mut out = LiveRead {
        queries: results.sent,
        #[cfg(test)]
        missing_scopes: results.missing,
        fetched: std::mem::take(&mut results.fetched),
        ..Default::default()
    };
    let get = |f: Family| results.rows.get(&f).cloned().unwrap_or_default();
    let tags = get(Family::Tags);
    let task_rows = get(Family::Tasks);
    let fvs = parse::feature_views(&get(Family::DynamicTables), &get(Family::Views), &task_rows);
    let refresh_tasks: BTreeSet<ObjectName> =
        parse::feature_view_task_names(&fvs).into_iter().collect();
    // Roles are account-wide: only those the configuration or the state names are kept,
    // so the account's own roles never enter a plan.
    let named_roles: BTreeSet<&ObjectName> = objects
        .iter()
        .filter(|o| o.kind() == Kind::Role)
        .map(|o| &o.name)
        .collect();
    let mut found: Vec<Object> = Vec::new();
    // The row decoders, one arm per kind (the registry's live entry with `families`).
    for kind in Kind::ALL {
        match kind {
            Kind::Warehouse => found.extend(parse::warehouses(&get(Family::Warehouses))),
            Kind::Database => found.extend(parse::databases(&get(Family::Databases))),
            Kind::Schema => found.extend(schemas_with_feature_stores(
                parse::schemas(&get(Family::Schemas)),
                &tags,
            )),
            Kind::Stage => found.extend(parse::stages(&get(Family::Stages))),
            Kind::Entity => found.extend(parse::entities(&tags)),
            Kind::FeatureView => found.extend(fvs.iter().cloned()),
            Kind::Model => found.extend(parse::models(
                &get(Family::Models),
                &get(Family::ModelVersions),
            )),
            Kind::Task => found.extend(
                parse::tasks(&task_rows)
                    .into_iter()
                    .filter(|t| !refresh_tasks.contains(&t.name)),
            ),
            Kind::Table => found.extend(parse::tables(
                &get(Family::AllTables),
                &get(Family::Columns),
            )),
            Kind::View => found.extend(parse::views(&get(Family::Views))),
            Kind::Procedure => {
                for mut p in parse::procedures(&get(Family::Procedures)) {
                    let details = out.fetched.iter().find(|f| {
                        f.family == Family::ProcedureDetails
                            && f.covers == [queries::ShowIn::Procedure(p.name.clone())]
                    });
                    if let Some(d) = details {
                        parse::procedure_details(&mut p, &d.rows);
                    }
                    found.push(p);
                }
            }
            Kind::Role => found.extend(
                parse::roles(&get(Family::Roles))
                    .into_iter()
                    .filter(|r| named_roles.contains(&r.name)),
            ),
            Kind::RoleGrant => found.extend(parse::role_grants(&get(Family::RoleGrants))),
            // SHOW DATABASE ROLES prints bare names: the database is the query's.
            Kind::DatabaseRole => {
                for f in out
                    .fetched
                    .iter()
                    .filter(|f| f.family == Family::DatabaseRoles)
                {
                    for scope in &f.covers {
                        if let queries::ShowIn::Database(db) = scope {
                            found.extend(parse::database_roles(db, &f.rows));
                        }
                    }
                }
            }
            Kind::Grant => found.extend(parse::grants(
                &get(Family::Grants),
                &get(Family::FutureGrants),
            )),
        }
    }
    // `on_all` grants: what the grantee holds on each object of the kind found in the
    // container (ON ALL is not a grant of its own that SHOW lists).
    let per_object: Vec<Object> = found
        .iter()
        .filter(|o| o.kind() == Kind::Grant && o.get(attr::ON).is_some())
        .cloned()
        .collect();
    let present: Vec<(String, String)> = found
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
    for wanted in objects
        .iter()
        .filter(|o| o.kind() == Kind::Grant && o.get(attr::ON_ALL).is_some())
    {
        found.extend(parse::grant_on_all(wanted, &per_object, &present));
    }

    let mut picture: BTreeMap<(Kind, ObjectName), Object> = BTreeMap::new();
    for o in found {
        picture.insert((o.kind(), o.name.clone()), o);
    }
    out.picture = picture;
    Ok(out)
}

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

#[cfg(test)]
mod tests;
