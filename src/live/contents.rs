//! What the databases and schemas a plan replaces hold, managed or not: Snowflake drops it
//! all with them. One SHOW per kind per container (IN DATABASE or IN SCHEMA), and none
//! where the first read already listed that kind for the whole container.

use super::queries::{self, Query};
use super::{Executor, LiveRead};
use crate::diff::Found;
use crate::kinds::feature_view::read::{feature_view_task_names, feature_views};
use crate::kinds::read::{schema_name, Family, Fetched, ShowIn};
use crate::kinds::rows::ShowRows;
use crate::kinds::{entity, feature_view, model, schema, stage, table, task, view};
use crate::model::{entity_of_tag, Ident, ObjectName};
use std::collections::{BTreeMap, BTreeSet};

/// The kinds listed inside a container (a database's schemas besides).
const FAMILIES: &[Family] = &[
    table::read::TABLES,
    feature_view::read::DYNAMIC_TABLES,
    view::read::VIEWS,
    stage::read::STAGES,
    task::read::TASKS,
    model::read::MODELS,
    entity::read::TAGS,
];

/// Schemas every database has: a replaced database is created with its own again, and
/// what they hold is listed anyway.
const SYSTEM_SCHEMAS: &[&str] = &["INFORMATION_SCHEMA", "PUBLIC"];

#[derive(Debug, Default)]
pub(crate) struct ContentsRead {
    /// By container name: what it holds, or why it could not be read.
    pub found: BTreeMap<ObjectName, Result<Vec<Found>, String>>,
    /// How many metadata queries this listing sent.
    pub queries: usize,
}

fn scope_of(container: &ObjectName) -> Option<ShowIn> {
    match (&container.database, &container.schema) {
        (None, None) => Some(ShowIn::Database(container.name.clone())),
        (Some(_), None) => Some(ShowIn::Schema(container.clone())),
        _ => None,
    }
}

fn covers(outer: &ShowIn, inner: &ShowIn) -> bool {
    match (outer, inner) {
        (ShowIn::Account, _) => true,
        (ShowIn::Database(a), ShowIn::Database(b)) => a == b,
        (ShowIn::Database(a), ShowIn::Schema(s)) => s.database.as_ref() == Some(a),
        (ShowIn::Schema(a), ShowIn::Schema(b)) => a == b,
        _ => false,
    }
}

/// The rows of `rows` that lie inside `scope`.
fn within(family: Family, rows: &ShowRows, scope: &ShowIn) -> ShowRows {
    let id = |r: &[Option<String>], col: &str| rows.raw(r, col).map(Ident::from_canonical);
    let keep = |r: &[Option<String>]| match scope {
        ShowIn::Account => true,
        ShowIn::Database(db) => id(r, "database_name").as_ref() == Some(db),
        ShowIn::Schema(s) => {
            id(r, "database_name") == s.database
                && if family == schema::read::SCHEMAS {
                    id(r, "name").as_ref() == Some(&s.name)
                } else {
                    id(r, "schema_name").as_ref() == Some(&s.name)
                }
        }
        // Grants are not contents of a container.
        ShowIn::Role(_) | ShowIn::DatabaseRole(_) | ShowIn::Object(_) => false,
    };
    ShowRows {
        columns: rows.columns.clone(),
        rows: rows.rows.iter().filter(|r| keep(r)).cloned().collect(),
    }
}

/// List what `containers` (databases and schemas, by their names in the account) hold.
pub(crate) async fn read_contents<E: Executor>(
    exec: &E,
    prior: &LiveRead,
    containers: &[ObjectName],
    concurrency: usize,
) -> ContentsRead {
    let scopes: Vec<(ObjectName, ShowIn)> = containers
        .iter()
        .filter_map(|c| Some((c.clone(), scope_of(c)?)))
        .collect();
    let wanted = |scope: &ShowIn| -> Vec<Family> {
        let mut f = FAMILIES.to_vec();
        if matches!(scope, ShowIn::Database(_)) {
            f.push(schema::read::SCHEMAS);
        }
        f
    };
    // Each (family, scope) not listed already, and not inside another one listed here.
    let needed: BTreeSet<(Family, ShowIn)> = scopes
        .iter()
        .flat_map(|(_, s)| wanted(s).into_iter().map(move |f| (f, s.clone())))
        .filter(|(f, s)| {
            !prior
                .fetched
                .iter()
                .any(|x| x.family == *f && x.covers.iter().any(|c| covers(c, s)))
        })
        .collect();
    let queries: Vec<Query> = needed
        .iter()
        .filter(|(f, s)| !needed.iter().any(|(g, o)| g == f && o != s && covers(o, s)))
        .map(|(f, s)| Query {
            family: *f,
            scope: s.clone(),
            fallback: vec![],
        })
        .collect();
    let mut out = ContentsRead::default();
    let fresh: Vec<Fetched> = if queries.is_empty() {
        Vec::new()
    } else {
        let n = queries.len();
        match queries::run(exec, queries, concurrency).await {
            Ok(r) => {
                out.queries = r.sent;
                r.fetched
            }
            Err(e) => {
                // At least one request per query went out before the failure.
                out.queries = n;
                for (c, _) in &scopes {
                    out.found.insert(c.clone(), Err(e.0.clone()));
                }
                return out;
            }
        }
    };
    let sources: Vec<&Fetched> = prior.fetched.iter().chain(fresh.iter()).collect();
    'containers: for (c, scope) in &scopes {
        let mut rows: BTreeMap<Family, ShowRows> = BTreeMap::new();
        for f in wanted(scope) {
            let Some(src) = sources
                .iter()
                .find(|x| x.family == f && x.covers.iter().any(|o| covers(o, scope)))
            else {
                out.found.insert(
                    c.clone(),
                    Err(format!(
                        "{} {c} does not exist or is not visible to this role",
                        if matches!(scope, ShowIn::Database(_)) {
                            "database"
                        } else {
                            "schema"
                        }
                    )),
                );
                continue 'containers;
            };
            rows.insert(f, within(f, &src.rows, scope));
        }
        out.found.insert(c.clone(), Ok(classify(&rows)));
    }
    out
}

/// Name each row's object: as the snowform kind it is recognised as (a feature view, an
/// entity's tag), else as SHOW lists it.
fn classify(rows: &BTreeMap<Family, ShowRows>) -> Vec<Found> {
    let empty = ShowRows::default();
    let get = |f: Family| rows.get(&f).unwrap_or(&empty);
    let names = |rows: &ShowRows| -> Vec<ObjectName> {
        rows.iter().filter_map(|r| schema_name(rows, r)).collect()
    };
    let mut out: Vec<Found> = Vec::new();
    let schemas = get(schema::read::SCHEMAS);
    for r in schemas.iter() {
        let (Some(db), Some(name)) = (schemas.raw(r, "database_name"), schemas.raw(r, "name"))
        else {
            continue;
        };
        if SYSTEM_SCHEMAS.contains(&name) {
            continue;
        }
        out.push(Found {
            kind: "schema",
            name: ObjectName::in_database(Ident::from_canonical(db), Ident::from_canonical(name)),
        });
    }
    let (dts, views, tasks) = (
        get(feature_view::read::DYNAMIC_TABLES),
        get(view::read::VIEWS),
        get(task::read::TASKS),
    );
    let fvs = feature_views(dts, views, tasks);
    let fv_names: BTreeSet<ObjectName> = fvs.iter().map(|o| o.name.clone()).collect();
    let refresh: BTreeSet<ObjectName> = feature_view_task_names(&fvs).into_iter().collect();
    let dt_names: BTreeSet<ObjectName> = names(dts).into_iter().collect();
    let fv_or = |n: &ObjectName, kind: &'static str| {
        if fv_names.contains(n) {
            "feature_view"
        } else {
            kind
        }
    };
    for n in &dt_names {
        out.push(Found {
            kind: fv_or(n, "dynamic_table"),
            name: n.clone(),
        });
    }
    for n in names(views) {
        out.push(Found {
            kind: fv_or(&n, "view"),
            name: n,
        });
    }
    // SHOW TABLES lists dynamic tables too (is_dynamic): they are listed once, as above.
    let tables = get(table::read::TABLES);
    for r in tables.iter() {
        let Some(n) = schema_name(tables, r) else {
            continue;
        };
        if tables.flag(r, "is_dynamic") != Some(true) && !dt_names.contains(&n) {
            out.push(Found {
                kind: "table",
                name: n,
            });
        }
    }
    for n in names(tasks) {
        if !refresh.contains(&n) {
            out.push(Found {
                kind: "task",
                name: n,
            });
        }
    }
    for n in names(get(stage::read::STAGES)) {
        out.push(Found {
            kind: "stage",
            name: n,
        });
    }
    for n in names(get(model::read::MODELS)) {
        out.push(Found {
            kind: "model",
            name: n,
        });
    }
    for n in names(get(entity::read::TAGS)) {
        let kind = if entity_of_tag(&n.name).is_some() {
            "entity"
        } else {
            "tag"
        };
        out.push(Found { kind, name: n });
    }
    out.sort();
    out.dedup();
    out
}
