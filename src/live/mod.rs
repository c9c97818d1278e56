//! The live reader: for every object the configuration or the state mentions, set-based
//! metadata queries (one SHOW per kind per scope, concurrently, paginated), decoded into
//! the same objects the configuration produces. It reads; it never compares or writes.

mod contents;
mod prefetch;
mod queries;

use crate::diff::Picture;
use crate::model::{Ident, Kind, Object, ObjectName};
use std::collections::{BTreeMap, BTreeSet};

#[cfg(test)]
use crate::kinds::feature_view::read::definition_text;
use crate::kinds::model;
use crate::kinds::read::{reader, Fetch};
pub use crate::kinds::rows::ShowRows;
pub(crate) use contents::{read_contents, ContentsRead};
pub(crate) use prefetch::Answers;

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
    pub fetched: Vec<crate::kinds::read::Fetched>,
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
    let results = fetch(exec, objects, opts, true).await?;
    Ok(decode(results, objects))
}

/// Send the queries that reading `objects` takes, and those their answers call for; with
/// `keep`, the rows are in the results.
async fn fetch<E: Executor>(
    exec: &E,
    objects: &[&Object],
    opts: &ReadOptions,
    keep: bool,
) -> Result<queries::Results, LiveError> {
    let plan = queries::plan(objects, &opts.scan_schemas, &opts.scan_databases);
    // Model versions come from INFORMATION_SCHEMA.MODEL_VERSIONS, which (unlike SHOW) runs
    // on a warehouse: read it only for databases where SHOW MODELS found a model, so that
    // an account or a connection without a warehouse can still be read when it has none.
    // Each database's versions query starts as soon as a SHOW MODELS finds a model in it,
    // alongside the other queries still running.
    let (versions, first): (Vec<_>, Vec<_>) = plan
        .into_iter()
        .partition(|q| q.family == model::read::MODEL_VERSIONS);
    let mut versions: BTreeMap<String, queries::Query> = versions
        .into_iter()
        .map(|q| match &q.scope {
            crate::kinds::read::ShowIn::Database(db) => (db.as_str().to_string(), q),
            _ => unreachable!("model versions are read per database"),
        })
        .collect();
    // A kind's DESCRIBE only for the objects named by the configuration or the state, each
    // as soon as the kind's SHOW finds it.
    let mut described: BTreeSet<(Kind, ObjectName)> = objects
        .iter()
        .filter(|o| reader(o.kind()).details.is_some())
        .map(|o| (o.kind(), o.name.clone()))
        .collect();
    queries::run_following(exec, first, opts.concurrency, keep, |family, rows| {
        if family == model::read::MODELS {
            return rows
                .iter()
                .filter_map(|r| rows.raw(r, "database_name"))
                .filter_map(|db| versions.remove(db))
                .collect();
        }
        let mut out = Vec::new();
        for kind in Kind::ALL {
            let read = reader(kind);
            let Some(details) = &read.details else {
                continue;
            };
            if read.families.first() != Some(&family) {
                continue;
            }
            out.extend(
                (details.names)(rows)
                    .into_iter()
                    .filter(|name| described.remove(&(kind, name.clone())))
                    .map(|name| queries::Query {
                        family: details.family,
                        scope: crate::kinds::read::ShowIn::Object(name),
                        fallback: vec![],
                    }),
            );
        }
        out
    })
    .await
}

/// The objects the answers show of `objects` (and of the kinds read with them).
fn decode(mut results: queries::Results, objects: &[&Object]) -> LiveRead {
    let mut out = LiveRead {
        queries: results.sent,
        #[cfg(test)]
        missing_scopes: results.missing,
        fetched: std::mem::take(&mut results.fetched),
        ..Default::default()
    };
    let mut found: Vec<Object> = Vec::new();
    // Each kind's decoder, in `Kind::ALL` order: a decoder may read what the kinds before
    // it found (a task is not a feature view's refresh task).
    for kind in Kind::ALL {
        let fetch = Fetch {
            rows: &results.rows,
            fetched: &out.fetched,
            wanted: objects,
            found: &found,
        };
        let objects = (reader(kind).decode)(&fetch);
        found.extend(objects);
    }
    let mut picture: BTreeMap<(Kind, ObjectName), Object> = BTreeMap::new();
    for o in found {
        picture.insert((o.kind(), o.name.clone()), o);
    }
    out.picture = picture;
    out
}

#[cfg(test)]
mod tests;
