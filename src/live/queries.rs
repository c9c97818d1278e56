//! Which metadata queries to send: one per kind per scope, never one per object (but for
//! DESCRIBE PROCEDURE, the only place Snowflake prints a procedure's code, sent only for the
//! procedures the configuration or the state names, `kinds::procedure::read::PROCEDURE_DETAILS`). A kind
//! wanted in several schemas of a database is read once for the database; pages of 10,000
//! rows are followed with LIMIT ... FROM.

use super::{ExecError, Executor, LiveError};
use crate::kinds::read::{Family, Fetched, ShowIn};
use crate::kinds::rows::ShowRows;
use crate::kinds::{
    database_role, entity, feature_view, grant, model, role_grant, schema, stage, table, task, view,
};
use crate::model::attr;
use crate::model::{Ident, Kind, Object, ObjectName};
use crate::sql::quote_literal;
use futures::stream::{FuturesUnordered, StreamExt};
use std::collections::{BTreeMap, BTreeSet};

/// Snowflake's page size for SHOW: a larger LIMIT is an error.
pub(crate) const PAGE: usize = 10_000;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Query {
    pub(crate) family: Family,
    pub scope: ShowIn,
    /// Schemas to read one by one should the database-wide read overflow a page.
    pub fallback: Vec<ObjectName>,
}

impl Query {
    pub fn sql(&self) -> String {
        if self.family == model::read::MODEL_VERSIONS {
            let ShowIn::Database(db) = &self.scope else {
                unreachable!("model versions are read per database")
            };
            return format!(
                "SELECT DATABASE_NAME, SCHEMA_NAME, MODEL_NAME, MODEL_VERSION_NAME, VERSION_ALIASES, COMMENT, METADATA FROM {}.INFORMATION_SCHEMA.MODEL_VERSIONS",
                db.to_sql()
            );
        }
        let base = self.family.show;
        match &self.scope {
            ShowIn::Object(p) => format!("{base} {}", p.to_sql_with_signature()),
            ShowIn::Account => base.to_string(),
            ShowIn::Database(db) if self.family == schema::read::SCHEMAS => {
                format!("{base} IN DATABASE {}", db.to_sql())
            }
            ShowIn::Database(db) => format!("{base} IN DATABASE {}", db.to_sql()),
            ShowIn::Schema(s) => format!("{base} IN SCHEMA {}", s.to_sql()),
            ShowIn::Role(r) => format!("{base} ROLE {}", r.to_sql()),
            ShowIn::DatabaseRole(r) => format!("{base} DATABASE ROLE {}", r.to_sql()),
        }
    }
}

/// The SHOW families a kind is read from (the registry's live entry).
pub(crate) fn families(kind: Kind) -> &'static [Family] {
    super::reader(kind).families
}

const SCHEMA_FAMILIES: &[Family] = &[
    stage::read::STAGES,
    entity::read::TAGS,
    feature_view::read::DYNAMIC_TABLES,
    view::read::VIEWS,
    task::read::TASKS,
    model::read::MODELS,
];

/// The queries that read `objects`, plus every object kind in `scan` schemas and every
/// schema in `scan_dbs` databases.
pub fn plan(objects: &[&Object], scan: &[ObjectName], scan_dbs: &[Ident]) -> Vec<Query> {
    let mut account: BTreeSet<Family> = BTreeSet::new();
    let mut schema_dbs: BTreeSet<Ident> = BTreeSet::new();
    let mut per_db: BTreeMap<(Family, Ident), BTreeSet<ObjectName>> = BTreeMap::new();
    let mut version_dbs: BTreeSet<Ident> = BTreeSet::new();
    let grant_scopes = grant_queries(objects);
    let mut add = |f: Family, schema: &ObjectName| {
        if let Some(db) = &schema.database {
            per_db
                .entry((f, db.clone()))
                .or_default()
                .insert(schema.clone());
        }
    };
    for o in objects {
        match o.kind() {
            Kind::Schema => {
                if let Some(db) = &o.name.database {
                    schema_dbs.insert(db.clone());
                }
                // Whether it holds the Feature Store's tags, all that decides `feature_store`
                // (live::schemas_with_feature_stores).
                if o.flag(attr::FEATURE_STORE) {
                    add(entity::read::TAGS, &o.name);
                }
            }
            // Grants are read per grantee and per container (`grant_queries`).
            Kind::Grant | Kind::RoleGrant | Kind::DatabaseRole => {}
            // Account-level kinds are read once for the account, whatever their names.
            kind if kind.scope() == crate::model::Scope::Account => {
                account.extend(families(kind).iter().copied());
            }
            kind => {
                let Some(schema) = o.name.schema_name() else {
                    continue;
                };
                for &f in families(kind) {
                    if f == model::read::MODEL_VERSIONS {
                        version_dbs.extend(schema.database.clone());
                    } else {
                        add(f, &schema);
                    }
                }
            }
        }
    }
    schema_dbs.extend(scan_dbs.iter().cloned());
    for s in scan {
        for &f in SCHEMA_FAMILIES {
            add(f, s);
        }
        if let Some(db) = &s.database {
            version_dbs.insert(db.clone());
            schema_dbs.insert(db.clone());
        }
    }
    let mut out: Vec<Query> = account
        .into_iter()
        .map(|f| Query {
            family: f,
            scope: ShowIn::Account,
            fallback: vec![],
        })
        .collect();
    out.extend(schema_dbs.into_iter().map(|db| Query {
        family: schema::read::SCHEMAS,
        scope: ShowIn::Database(db),
        fallback: vec![],
    }));
    for ((f, db), schemas) in per_db {
        // SHOW COLUMNS lists the columns of views too: read only the schemas that hold
        // declared tables, so views elsewhere in the database are not described for nothing.
        if schemas.len() >= 2 && f != table::read::COLUMNS {
            out.push(Query {
                family: f,
                scope: ShowIn::Database(db),
                fallback: schemas.into_iter().collect(),
            });
        } else {
            out.extend(schemas.into_iter().map(|s| Query {
                family: f,
                scope: ShowIn::Schema(s),
                fallback: vec![],
            }));
        }
    }
    out.extend(version_dbs.into_iter().map(|db| Query {
        family: model::read::MODEL_VERSIONS,
        scope: ShowIn::Database(db),
        fallback: vec![],
    }));
    out.extend(grant_scopes.into_iter().map(|(family, scope)| Query {
        family,
        scope,
        fallback: vec![],
    }));
    out
}

/// The grant reads: SHOW GRANTS TO each role the configuration or state declares and each
/// grantee of a grant, and SHOW FUTURE GRANTS IN each container a future grant names and,
/// when roles are declared (whose privileges there the configuration decides), each
/// database and schema it manages. One query per grantee or container, never per grant.
fn grant_queries(objects: &[&Object]) -> BTreeSet<(Family, ShowIn)> {
    let mut out = BTreeSet::new();
    let roles = objects
        .iter()
        .any(|o| matches!(o.kind(), Kind::Role | Kind::DatabaseRole));
    for o in objects {
        match o.kind() {
            Kind::Role => {
                out.insert((grant::read::GRANTS, ShowIn::Role(o.name.name.clone())));
            }
            Kind::Database if roles => {
                out.insert((
                    grant::read::FUTURE_GRANTS,
                    ShowIn::Database(o.name.name.clone()),
                ));
            }
            Kind::Schema if roles => {
                out.insert((grant::read::FUTURE_GRANTS, ShowIn::Schema(o.name.clone())));
            }
            Kind::DatabaseRole => {
                if let Some(db) = &o.name.database {
                    out.insert((
                        database_role::read::DATABASE_ROLES,
                        ShowIn::Database(db.clone()),
                    ));
                }
                out.insert((grant::read::GRANTS, ShowIn::DatabaseRole(o.name.clone())));
            }
            Kind::RoleGrant => {
                if let Some(scope) = o.get_str(attr::ROLE).and_then(grantee_scope) {
                    out.insert((role_grant::read::ROLE_GRANTS, scope));
                }
            }
            Kind::Grant => {
                if let Some(scope) = o.get_str(attr::TO).and_then(grantee_scope) {
                    out.insert((grant::read::GRANTS, scope));
                }
                if let (Some(_), Some(within)) = (o.get_str(attr::ON_FUTURE), o.get_str(attr::IN)) {
                    if let Some(scope) = container_scope(within) {
                        out.insert((grant::read::FUTURE_GRANTS, scope));
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// `ROLE R` or `DATABASE ROLE DB.R` as the scope of SHOW GRANTS TO.
fn grantee_scope(to: &str) -> Option<ShowIn> {
    if let Some(r) = to.strip_prefix("DATABASE ROLE ") {
        let mut parts = crate::model::ident::split_parts(r).ok()?;
        let name = parts.pop()?;
        let db = parts.pop()?;
        return Some(ShowIn::DatabaseRole(ObjectName::in_database(db, name)));
    }
    let r = to.strip_prefix("ROLE ")?;
    Ident::parse(r).ok().map(ShowIn::Role)
}

/// `DATABASE DB` or `SCHEMA DB.S` as the scope of SHOW FUTURE GRANTS IN.
fn container_scope(within: &str) -> Option<ShowIn> {
    if let Some(db) = within.strip_prefix("DATABASE ") {
        return Ident::parse(db).ok().map(ShowIn::Database);
    }
    let s = within.strip_prefix("SCHEMA ")?;
    ObjectName::parse_schema(s).ok().map(ShowIn::Schema)
}

/// One query's outcome: its family, rows, how many requests it took, the scope it
/// found missing, and the scopes its rows cover completely.
type Outcome = (Family, ShowRows, usize, Option<String>, Vec<ShowIn>);

/// The rows of one query, and the scopes they list completely (none when a scope was
/// missing): another reader may take what it needs of a covered scope from them.
pub(crate) struct Results {
    pub rows: BTreeMap<Family, ShowRows>,
    pub sent: usize,
    pub missing: Vec<String>,
    pub fetched: Vec<Fetched>,
}

/// Send the queries, `concurrency` at a time, following pages.
pub async fn run<E: Executor>(
    exec: &E,
    queries: Vec<Query>,
    concurrency: usize,
) -> Result<Results, LiveError> {
    run_following(exec, queries, concurrency, true, |_, _| Vec::new()).await
}

/// [`run`], and each query's outcome may call for more queries (`follow`, given its family
/// and rows): they start at once, alongside those still running, rather than after all.
/// Without `keep`, the rows are only followed, not kept in the results (a read ahead keeps
/// its answers itself).
pub(crate) async fn run_following<E: Executor>(
    exec: &E,
    queries: Vec<Query>,
    concurrency: usize,
    keep: bool,
    mut follow: impl FnMut(Family, &ShowRows) -> Vec<Query>,
) -> Result<Results, LiveError> {
    let mut queue: std::collections::VecDeque<Query> = queries.into();
    let mut running = FuturesUnordered::new();
    let mut res = Results {
        rows: BTreeMap::new(),
        sent: 0,
        missing: Vec::new(),
        fetched: Vec::new(),
    };
    loop {
        while running.len() < concurrency.max(1) {
            let Some(q) = queue.pop_front() else { break };
            running.push(read_one(exec, q));
        }
        let Some(outcome) = running.next().await else {
            break;
        };
        let (family, rows, sent, missing, covers) = outcome?;
        queue.extend(follow(family, &rows));
        res.sent += sent;
        res.missing.extend(missing);
        if !keep {
            continue;
        }
        res.fetched.push(Fetched {
            family,
            covers,
            rows: rows.clone(),
        });
        res.rows.entry(family).or_default().extend(rows);
    }
    res.missing.sort();
    Ok(res)
}

/// One query with its pages; a database-wide read that fills a page is redone per schema,
/// because FROM pages by name only and names repeat across schemas.
async fn read_one<E: Executor>(exec: &E, query: Query) -> Result<Outcome, LiveError> {
    let mut sent = 0;
    let base = query.sql();
    let mut all = ShowRows::default();
    let mut from: Option<String> = None;
    loop {
        let sql = match (&from, query.family.pages) {
            (_, false) => base.clone(),
            (None, true) => format!("{base} LIMIT {PAGE}"),
            (Some(f), true) => format!("{base} LIMIT {PAGE} FROM {}", quote_literal(f)),
        };
        sent += 1;
        let page = match exec.show(&sql).await {
            Ok(p) => p,
            Err(ExecError {
                not_found: true, ..
            }) => {
                return Ok((
                    query.family,
                    all,
                    sent,
                    Some(scope_text(&query.scope)),
                    vec![],
                ))
            }
            Err(e) => return Err(LiveError(format!("{sql}: {e}"))),
        };
        let full = query.family.pages && page.len() >= PAGE;
        if full && matches!(query.scope, ShowIn::Database(_)) && !query.fallback.is_empty() {
            let mut rows = ShowRows::default();
            let mut missing = None;
            let mut covers = Vec::new();
            for s in &query.fallback {
                let sub = Query {
                    family: query.family,
                    scope: ShowIn::Schema(s.clone()),
                    fallback: vec![],
                };
                let (_, r, n, m, c) = Box::pin(read_one(exec, sub)).await?;
                sent += n;
                rows.extend(r);
                missing = missing.or(m);
                covers.extend(c);
            }
            return Ok((query.family, rows, sent, missing, covers));
        }
        let last = page
            .iter()
            .last()
            .and_then(|r| page.raw(r, "name").map(str::to_string));
        // FROM may or may not repeat the row it starts from: drop it if it does.
        let skip = usize::from(
            from.is_some()
                && page.iter().next().and_then(|r| page.raw(r, "name")) == from.as_deref(),
        );
        let mut page = page;
        page.rows.drain(..skip);
        all.extend(page);
        match (full, last) {
            (true, Some(l)) if Some(&l) != from.as_ref() => from = Some(l),
            _ => break,
        }
    }
    Ok((query.family, all, sent, None, vec![query.scope]))
}

fn scope_text(scope: &ShowIn) -> String {
    match scope {
        ShowIn::Account => "the account".into(),
        ShowIn::Database(d) => format!("database {d}"),
        ShowIn::Schema(s) => format!("schema {s}"),
        ShowIn::Role(r) => format!("role {r}"),
        ShowIn::DatabaseRole(r) => format!("database role {r}"),
        ShowIn::Object(p) => format!("object {p}"),
    }
}
