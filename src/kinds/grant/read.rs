//! How grants are read: the SHOW families and the row decoder, in the canonical forms of
//! `model::canon`, so that what Snowflake prints and what the configuration says compare equal.

use crate::kinds::read::{live_object, Family, KindRead};
use crate::kinds::rows::ShowRows;
use crate::model::attr;
use crate::model::ident::split_parts;
use crate::model::{Ident, Kind, Object, Value};
use std::collections::BTreeMap;

/// SHOW GRANTS TO ROLE / TO DATABASE ROLE, one per grantee.
pub(crate) const GRANTS: Family = Family {
    name: "grants",
    show: "SHOW GRANTS TO",
    pages: false,
    recording: "show_grants_to_role",
};

/// SHOW FUTURE GRANTS IN SCHEMA / IN DATABASE, one per container.
pub(crate) const FUTURE_GRANTS: Family = Family {
    name: "future grants",
    show: "SHOW FUTURE GRANTS",
    pages: false,
    recording: "show_future_grants_in_schema",
};

#[linkme::distributed_slice(crate::kinds::read::READERS)]
static READ: KindRead = KindRead {
    kind: Kind::Grant,
    families: &[GRANTS, FUTURE_GRANTS],
    decode: |fetch| {
        let mut found = grants(fetch.rows(GRANTS), fetch.rows(FUTURE_GRANTS));
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
            found.extend(grant_on_all(wanted, &per_object, &present));
        }
        found
    },
    details: None,
};

/// A name as SHOW GRANTS prints it (`DB.S."my view"`) as a statement writes it.
fn grant_object_sql(text: &str) -> Option<(Vec<Ident>, String)> {
    let parts = split_parts(text).ok()?;
    let sql = parts
        .iter()
        .map(Ident::to_sql)
        .collect::<Vec<_>>()
        .join(".");
    Some((parts, sql))
}

fn grant_object(
    target: &str,
    grantee: &str,
    privileges: &std::collections::BTreeSet<String>,
) -> Object {
    let mut o = live_object(
        Kind::Grant,
        crate::kinds::grant::grant_name(target, grantee),
    );
    o.set(
        attr::PRIVILEGES,
        Value::List(privileges.iter().map(|p| Value::str(p.clone())).collect()),
    );
    o.set(attr::TO, grantee);
    o
}

/// SHOW GRANTS TO ROLE / TO DATABASE ROLE (documented columns: created_on, privilege,
/// granted_on, name, granted_to, grantee_name, grant_option, granted_by) and SHOW FUTURE
/// GRANTS IN SCHEMA / IN DATABASE (created_on, privilege, grant_on, name, grant_to,
/// grantee_name, grant_option), grouped into one grant per target and grantee. Left out:
/// OWNERSHIP (moved, never granted), the roles granted to the role (`granted_on` ROLE or
/// DATABASE_ROLE), grants made by the system (empty `granted_by`: they cannot be changed),
/// objects of kinds snowform does not grant on, and privileges outside the kind's list.
pub fn grants(current: &ShowRows, future: &ShowRows) -> Vec<Object> {
    use crate::kinds::grant::{securable_shown, target_text};
    use std::collections::BTreeSet;
    type Key = (String, String, Option<(String, String)>);
    let mut grouped: BTreeMap<Key, BTreeSet<String>> = BTreeMap::new();
    let grantee = |kind: &str, name: &str, db: Option<&Ident>| -> Option<String> {
        let role = split_parts(name).ok()?;
        match (kind, role.as_slice(), db) {
            ("ROLE", [r], _) => Some(format!("ROLE {}", r.to_sql())),
            // A database role's name prints bare (UNCONFIRMED) or qualified: its database is
            // the one of the object, since it holds privileges in its own database only.
            ("DATABASE_ROLE", [r], Some(db)) => {
                Some(format!("DATABASE ROLE {}.{}", db.to_sql(), r.to_sql()))
            }
            ("DATABASE_ROLE", [db, r], _) => {
                Some(format!("DATABASE ROLE {}.{}", db.to_sql(), r.to_sql()))
            }
            _ => None,
        }
    };
    for r in current.iter() {
        let privilege = current.raw(r, "privilege").unwrap_or_default();
        let Some(sec) = current.raw(r, "granted_on").and_then(securable_shown) else {
            continue;
        };
        if current.text(r, "granted_by").is_none() || !sec.privileges.contains(&privilege) {
            continue;
        }
        let Some((parts, sql)) = current.raw(r, "name").and_then(grant_object_sql) else {
            continue;
        };
        let Some(to) = grantee(
            current.raw(r, "granted_to").unwrap_or_default(),
            current.raw(r, "grantee_name").unwrap_or_default(),
            parts.first(),
        ) else {
            continue;
        };
        grouped
            .entry((format!("{} {sql}", sec.keyword), to, None))
            .or_default()
            .insert(privilege.to_string());
    }
    for r in future.iter() {
        let privilege = future.raw(r, "privilege").unwrap_or_default();
        let Some(sec) = future.raw(r, "grant_on").and_then(securable_shown) else {
            continue;
        };
        let (Some(plural), true) = (sec.plural, sec.privileges.contains(&privilege)) else {
            continue;
        };
        // DB.S.<TABLE> or DB.<TABLE>: the container before the placeholder.
        let Some((container, _)) = future.raw(r, "name").and_then(|n| n.rsplit_once(".<")) else {
            continue;
        };
        let Some((parts, sql)) = grant_object_sql(container) else {
            continue;
        };
        let within = match parts.len() {
            1 => format!("DATABASE {sql}"),
            2 => format!("SCHEMA {sql}"),
            _ => continue,
        };
        let Some(to) = grantee(
            future.raw(r, "grant_to").unwrap_or_default(),
            future.raw(r, "grantee_name").unwrap_or_default(),
            parts.first(),
        ) else {
            continue;
        };
        let Some(target) = target_text(None, None, Some(plural), Some(&within)) else {
            continue;
        };
        grouped
            .entry((target, to, Some((plural.to_string(), within))))
            .or_default()
            .insert(privilege.to_string());
    }
    grouped
        .into_iter()
        .map(|((target, to, future), privileges)| {
            let mut o = grant_object(&target, &to, &privileges);
            match future {
                Some((plural, within)) => {
                    o.set(attr::ON_FUTURE, plural);
                    o.set(attr::IN, within);
                }
                None => o.set(attr::ON, target),
            }
            o
        })
        .collect()
}

/// An `on_all` grant as the account holds it: the privileges `to` holds on every object of
/// the kind in the container that the read found (per-object grants, and the objects read
/// for the configuration); with none there, None: ON ALL grants on what exists only, so the
/// record stands for it (`diff::unseen_on_all`).
pub(crate) fn grant_on_all(
    wanted: &Object,
    per_object: &[Object],
    objects: &[(String, String)],
) -> Option<Object> {
    use crate::kinds::grant::securable_of_plural;
    use std::collections::BTreeSet;
    let plural = wanted.get_str(attr::ON_ALL)?;
    let within = wanted.get_str(attr::IN)?;
    let to = wanted.get_str(attr::TO)?;
    let sec = securable_of_plural(plural)?;
    let prefix = format!(
        "{} {}.",
        sec.keyword,
        within.split_once(' ').map(|(_, n)| n).unwrap_or(within)
    );
    let inside = |target: &str| {
        target.strip_prefix(&prefix).is_some_and(|rest| {
            // Directly inside: a schema of the database, or an object of the schema (or,
            // for a database, of any of its schemas).
            within.starts_with("DATABASE ")
                || split_parts(rest).map(|p| p.len() == 1).unwrap_or(false)
        })
    };
    let mut held: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (kw, name) in objects {
        let target = format!("{kw} {name}");
        if kw == sec.keyword && inside(&target) {
            held.entry(target).or_default();
        }
    }
    for g in per_object
        .iter()
        .filter(|g| g.get_str(attr::TO) == Some(to))
    {
        let Some(on) = g.get_str(attr::ON) else {
            continue;
        };
        if inside(on) {
            held.entry(on.to_string()).or_default().extend(
                g.get(attr::PRIVILEGES)
                    .map(|v| v.str_list())
                    .unwrap_or_default()
                    .into_iter()
                    .map(str::to_string),
            );
        }
    }
    let privileges = held.values().fold(None::<BTreeSet<String>>, |acc, p| {
        Some(match acc {
            None => p.clone(),
            Some(a) => a.intersection(p).cloned().collect(),
        })
    })?;
    let mut o = grant_object("", to, &privileges);
    o.name = wanted.name.clone();
    o.set(attr::ON_ALL, plural);
    o.set(attr::IN, within);
    Some(o)
}
