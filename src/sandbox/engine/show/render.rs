//! One renderer per SHOW: Snowflake's column names and order, and each value in the form
//! the SQL API sends it (see docs/sandbox.md for the columns whose types are assumed).

use super::super::catalog::{Catalog, Model};
use super::super::clock::Nanos;
use super::super::exec::{model_aliases, Exec, Fqn, INFORMATION_SCHEMA};
use super::super::format::{
    json_array_compact, json_pretty, quoted_fqn, tf, timestamp, warehouse_size_display, yn,
};
use super::super::params::{self, ParamDef, ParamType};
use super::super::parse::ast::{Name, ObjectKind, Show};
use super::filter::{like, Key};
use crate::sandbox::{Column, ResultSet, SqlError};

const T: &str = "text";
const F: &str = "fixed";
const B: &str = "boolean";
const TS: &str = "timestamp_ltz";

type Row = Vec<Option<String>>;

fn result(columns: &[(&str, &'static str)], rows: Vec<Row>) -> ResultSet {
    ResultSet {
        columns: columns
            .iter()
            .map(|(n, t)| Column {
                name: n.to_string(),
                type_name: t,
                nullable: true,
            })
            .collect(),
        rows,
        dml: None,
    }
}

fn s(value: impl Into<String>) -> Option<String> {
    Some(value.into())
}

/// An unset comment reads as an empty string in most SHOW outputs.
fn comment(comment: &Option<String>) -> Option<String> {
    Some(comment.clone().unwrap_or_default())
}

/// A SHOW TERSE row of an object in a schema: the columns of `TERSE`.
fn terse_row(created_on: Nanos, key: &Key, kind: &str) -> Row {
    vec![
        s(timestamp(created_on)),
        s(&key.name),
        s(kind),
        s(&key.database),
        s(&key.schema),
    ]
}

const TERSE: &[(&str, &str)] = &[
    ("created_on", TS),
    ("name", T),
    ("kind", T),
    ("database_name", T),
    ("schema_name", T),
];

pub fn warehouses(exec: &Exec, keys: &[Key]) -> ResultSet {
    let cols = [
        ("name", T),
        ("state", T),
        ("type", T),
        ("size", T),
        ("min_cluster_count", F),
        ("max_cluster_count", F),
        ("started_clusters", F),
        ("running", F),
        ("queued", F),
        ("is_default", T),
        ("is_current", T),
        ("is_interactive", T),
        ("auto_suspend", F),
        ("auto_resume", B),
        ("available", T),
        ("provisioning", T),
        ("quiescing", T),
        ("other", T),
        ("created_on", TS),
        ("resumed_on", TS),
        ("updated_on", TS),
        ("owner", T),
        ("comment", T),
        ("enable_query_acceleration", B),
        ("query_acceleration_max_scale_factor", F),
        ("resource_monitor", T),
        ("actives", F),
        ("pendings", F),
        ("failed", F),
        ("suspended", F),
        ("uuid", T),
        ("scaling_policy", T),
        ("owner_role_type", T),
        ("resource_constraint", T),
        ("generation", T),
    ];
    let current = exec.session_warehouse();
    let rows = keys
        .iter()
        .filter_map(|k| exec.catalog.warehouses.get(&k.name).map(|w| (k, w)))
        .map(|(k, w)| {
            let started_clusters = if w.started { w.min_cluster_count } else { 0 };
            let pct = |v: &str| if w.started { s(v) } else { s("") };
            vec![
                s(&k.name),
                s(if w.started { "STARTED" } else { "SUSPENDED" }),
                s(&w.warehouse_type),
                s(warehouse_size_display(&w.size)),
                s(w.min_cluster_count.to_string()),
                s(w.max_cluster_count.to_string()),
                s(started_clusters.to_string()),
                s("0"),
                s("0"),
                s("N"),
                s(yn(current == Some(k.name.as_str()))),
                s("N"),
                w.auto_suspend.map(|a| a.to_string()),
                s(tf(w.auto_resume)),
                pct("100"),
                pct("0"),
                pct("0"),
                pct("0"),
                s(timestamp(w.meta.created_on)),
                s(timestamp(w.resumed_on)),
                s(timestamp(w.updated_on)),
                s(&w.meta.owner),
                comment(&w.meta.comment),
                s(tf(w.enable_query_acceleration)),
                s(w.query_acceleration_max_scale_factor.to_string()),
                s(w.resource_monitor.clone().unwrap_or_else(|| "null".into())),
                s(started_clusters.to_string()),
                s("0"),
                s("0"),
                s(if w.started {
                    "0".to_string()
                } else {
                    w.max_cluster_count.to_string()
                }),
                s(&w.uuid),
                s(&w.scaling_policy),
                s("ROLE"),
                w.resource_constraint.clone(),
                w.generation.clone(),
            ]
        })
        .collect();
    result(&cols, rows)
}

/// SHOW ROLES in the documented layout. The counts are of direct grants (to users, to roles,
/// and of roles to this one); `is_inherited` says whether the session's role has the role
/// through the hierarchy.
pub fn roles(exec: &Exec, keys: &[Key]) -> ResultSet {
    let cols = [
        ("created_on", TS),
        ("name", T),
        ("is_default", T),
        ("is_current", T),
        ("is_inherited", T),
        ("assigned_to_users", F),
        ("granted_to_roles", F),
        ("granted_roles", F),
        ("owner", T),
        ("comment", T),
    ];
    let current = exec.owner();
    let inherited = super::super::exec::grant::closure(exec.catalog, &current);
    let count = |f: &dyn Fn(&super::super::catalog::RoleGrant) -> bool| {
        exec.catalog
            .grants
            .roles
            .iter()
            .filter(|g| f(g))
            .count()
            .to_string()
    };
    let rows = keys
        .iter()
        .map(|k| {
            let custom = exec.catalog.roles.get(&k.name);
            let is_current = k.name == current;
            vec![
                s(timestamp(
                    custom.map(|r| r.meta.created_on).unwrap_or_default(),
                )),
                s(&k.name),
                s(yn(is_current)),
                s(yn(is_current)),
                s(yn(k.name != current
                    && inherited
                        .iter()
                        .any(|g| g.kind == "ROLE" && g.name[0] == k.name))),
                s(count(&|g| is_role(&g.role, &k.name) && g.to.kind == "USER")),
                s(count(&|g| is_role(&g.role, &k.name) && g.to.kind != "USER")),
                s(count(&|g| is_role(&g.to, &k.name))),
                s(custom.map(|r| r.meta.owner.clone()).unwrap_or_default()),
                comment(&custom.and_then(|r| r.meta.comment.clone())),
            ]
        })
        .collect();
    result(&cols, rows)
}

/// SHOW USERS, in the column order of the reference page's example (which has
/// `has_federated_workload_authentication` where the column table lists
/// `has_workload_identity` and `is_from_organization_user`: the example is followed).
/// What the sandbox does not keep prints as a user created without it would: NULL names and
/// e-mail, no lock, no expiry, no MFA, no password, `default_secondary_roles` `["ALL"]`
/// (CREATE USER's default; the example prints `[]`).
pub fn users(exec: &Exec, keys: &[Key]) -> ResultSet {
    let cols = [
        ("name", T),
        ("created_on", TS),
        ("login_name", T),
        ("display_name", T),
        ("first_name", T),
        ("last_name", T),
        ("email", T),
        ("mins_to_unlock", T),
        ("days_to_expiry", T),
        ("comment", T),
        ("disabled", T),
        ("must_change_password", T),
        ("snowflake_lock", T),
        ("default_warehouse", T),
        ("default_namespace", T),
        ("default_role", T),
        ("default_secondary_roles", T),
        ("ext_authn_duo", T),
        ("ext_authn_uid", T),
        ("mins_to_bypass_mfa", T),
        ("owner", T),
        ("last_success_login", TS),
        ("expires_at_time", TS),
        ("locked_until_time", TS),
        ("has_password", T),
        ("has_rsa_public_key", T),
        ("type", T),
        ("has_mfa", T),
        ("has_pat", T),
        ("has_federated_workload_authentication", T),
    ];
    let rows = keys
        .iter()
        .filter_map(|k| {
            let u = exec.catalog.users.get(&k.name)?;
            let has_key = u.rsa_public_key.is_some() || u.rsa_public_key_2.is_some();
            Some(vec![
                s(&k.name),
                s(timestamp(u.meta.created_on)),
                s(&u.login_name),
                u.display_name.clone(),
                None,
                None,
                None,
                None,
                None,
                u.meta.comment.clone(),
                s(tf(u.disabled)),
                s(tf(false)),
                s(tf(false)),
                u.default_warehouse.clone(),
                u.default_namespace.clone(),
                u.default_role.clone(),
                s("[\"ALL\"]"),
                s(tf(false)),
                None,
                None,
                s(&u.meta.owner),
                None,
                None,
                None,
                s(tf(false)),
                s(tf(has_key)),
                u.user_type.clone(),
                s(tf(false)),
                s(tf(false)),
                s(tf(false)),
            ])
        })
        .collect();
    result(&cols, rows)
}

fn is_role(grantee: &super::super::catalog::Grantee, name: &str) -> bool {
    grantee.kind == "ROLE" && grantee.name[0] == name
}

fn database_retention(catalog: &Catalog, db: &str) -> String {
    catalog
        .databases
        .get(db)
        .and_then(|d| d.params.get("DATA_RETENTION_TIME_IN_DAYS").cloned())
        .unwrap_or_else(|| "1".into())
}

pub fn databases(exec: &Exec, show: &Show, keys: &[Key]) -> ResultSet {
    let current = exec.session_database();
    let mut rows = Vec::new();
    for k in keys {
        let Some(d) = exec.catalog.databases.get(&k.name) else {
            continue;
        };
        if show.terse {
            rows.push(vec![
                s(timestamp(d.meta.created_on)),
                s(&k.name),
                s("STANDARD"),
                None,
                None,
            ]);
            continue;
        }
        rows.push(vec![
            s(timestamp(d.meta.created_on)),
            s(&k.name),
            s("N"),
            s(yn(current == Some(k.name.as_str()))),
            s(""),
            s(&d.meta.owner),
            comment(&d.meta.comment),
            s(if d.transient { "TRANSIENT" } else { "" }),
            s(database_retention(exec.catalog, &k.name)),
            s("STANDARD"),
            s("ROLE"),
            None,
            None,
        ]);
    }
    if show.terse {
        return result(TERSE, rows);
    }
    let cols = [
        ("created_on", TS),
        ("name", T),
        ("is_default", T),
        ("is_current", T),
        ("origin", T),
        ("owner", T),
        ("comment", T),
        ("options", T),
        ("retention_time", T),
        ("kind", T),
        ("owner_role_type", T),
        ("object_visibility", T),
        ("data_quality_monitoring_settings", T),
    ];
    result(&cols, rows)
}

pub fn schemas(exec: &Exec, show: &Show, keys: &[Key]) -> ResultSet {
    let (cur_db, cur_schema) = (exec.session_database(), exec.session_schema());
    let mut rows = Vec::new();
    for k in keys {
        let Some(db) = exec.catalog.databases.get(&k.database) else {
            continue;
        };
        let is_current =
            yn(cur_db == Some(k.database.as_str()) && cur_schema == Some(k.name.as_str()));
        if k.name == INFORMATION_SCHEMA {
            let created = timestamp(db.meta.created_on);
            rows.push(if show.terse {
                vec![s(created), s(&k.name), None, s(&k.database), None]
            } else {
                vec![
                    s(created),
                    s(&k.name),
                    s("N"),
                    s(is_current),
                    s(&k.database),
                    s(""),
                    s("Views describing the contents of schemas in this database"),
                    s(""),
                    s("1"),
                    s(""),
                    None,
                ]
            });
            continue;
        }
        let Some(sc) = db.schemas.get(&k.name) else {
            continue;
        };
        if show.terse {
            rows.push(vec![
                s(timestamp(sc.meta.created_on)),
                s(&k.name),
                None,
                s(&k.database),
                None,
            ]);
            continue;
        }
        let mut options = Vec::new();
        if sc.transient {
            options.push("TRANSIENT");
        }
        if sc.managed_access {
            options.push("MANAGED ACCESS");
        }
        let retention = sc
            .params
            .get("DATA_RETENTION_TIME_IN_DAYS")
            .cloned()
            .unwrap_or_else(|| database_retention(exec.catalog, &k.database));
        rows.push(vec![
            s(timestamp(sc.meta.created_on)),
            s(&k.name),
            s("N"),
            s(is_current),
            s(&k.database),
            s(&sc.meta.owner),
            comment(&sc.meta.comment),
            s(options.join(", ")),
            s(retention),
            s("ROLE"),
            None,
        ]);
    }
    if show.terse {
        return result(TERSE, rows);
    }
    let cols = [
        ("created_on", TS),
        ("name", T),
        ("is_default", T),
        ("is_current", T),
        ("database_name", T),
        ("owner", T),
        ("comment", T),
        ("options", T),
        ("retention_time", T),
        ("owner_role_type", T),
        ("object_visibility", T),
    ];
    result(&cols, rows)
}

fn schema_of<'c>(exec: &'c Exec, key: &Key) -> Option<&'c super::super::catalog::Schema> {
    exec.catalog
        .databases
        .get(&key.database)?
        .schemas
        .get(&key.schema)
}

pub fn stages(exec: &Exec, keys: &[Key]) -> ResultSet {
    let cols = [
        ("created_on", TS),
        ("name", T),
        ("database_name", T),
        ("schema_name", T),
        ("url", T),
        ("has_credentials", T),
        ("has_encryption_key", T),
        ("owner", T),
        ("comment", T),
        ("region", T),
        ("type", T),
        ("cloud", T),
        ("notification_channel", T),
        ("storage_integration", T),
        ("endpoint", T),
        ("owner_role_type", T),
        ("directory_enabled", T),
    ];
    let mut rows = Vec::new();
    for k in keys {
        let Some(st) = schema_of(exec, k).and_then(|sc| sc.stages.get(&k.name)) else {
            continue;
        };
        let (kind, cloud) = match &st.url {
            Some(url) => {
                let lower = url.to_ascii_lowercase();
                let cloud = if lower.starts_with("s3") {
                    Some("AWS")
                } else if lower.starts_with("gcs://") {
                    Some("GCP")
                } else if lower.starts_with("azure://") {
                    Some("AZURE")
                } else {
                    None
                };
                ("EXTERNAL", cloud.map(String::from))
            }
            None if st.encryption.as_deref() == Some("SNOWFLAKE_SSE") => ("INTERNAL NO CSE", None),
            None => ("INTERNAL", None),
        };
        rows.push(vec![
            s(timestamp(st.meta.created_on)),
            s(&k.name),
            s(&k.database),
            s(&k.schema),
            s(st.url.clone().unwrap_or_default()),
            s("N"),
            s("N"),
            s(&st.meta.owner),
            comment(&st.meta.comment),
            None,
            s(kind),
            cloud,
            None,
            st.storage_integration.clone(),
            None,
            s("ROLE"),
            s(yn(st.directory_enabled)),
        ]);
    }
    result(&cols, rows)
}

pub fn tags(exec: &Exec, keys: &[Key]) -> ResultSet {
    let cols = [
        ("created_on", TS),
        ("name", T),
        ("database_name", T),
        ("schema_name", T),
        ("owner", T),
        ("comment", T),
        ("allowed_values", T),
        ("owner_role_type", T),
    ];
    let mut rows = Vec::new();
    for k in keys {
        let Some(t) = schema_of(exec, k).and_then(|sc| sc.tags.get(&k.name)) else {
            continue;
        };
        rows.push(vec![
            s(timestamp(t.meta.created_on)),
            s(&k.name),
            s(&k.database),
            s(&k.schema),
            s(&t.meta.owner),
            comment(&t.meta.comment),
            t.allowed_values.as_ref().map(|v| json_array_compact(v)),
            s("ROLE"),
        ]);
    }
    result(&cols, rows)
}

pub fn tables(exec: &Exec, show: &Show, keys: &[Key]) -> ResultSet {
    let mut rows = Vec::new();
    for k in keys {
        let Some(sc) = schema_of(exec, k) else {
            continue;
        };
        let retention = sc
            .params
            .get("DATA_RETENTION_TIME_IN_DAYS")
            .cloned()
            .unwrap_or_else(|| database_retention(exec.catalog, &k.database));
        let mut retention = retention;
        let mut change_tracking = false;
        let (meta, kind, count, is_dynamic, cluster_by) = if let Some(t) = sc.tables.get(&k.name) {
            if let Some(days) = t.retention_days {
                retention = days.to_string();
            }
            change_tracking = t.change_tracking;
            (
                &t.meta,
                if t.transient { "TRANSIENT" } else { "TABLE" },
                t.rows.len(),
                false,
                t.cluster_by
                    .as_ref()
                    .map(|c| format!("LINEAR({c})"))
                    .unwrap_or_default(),
            )
        } else if let Some(d) = sc.dynamic_tables.get(&k.name) {
            let kind = if sc.transient { "TRANSIENT" } else { "TABLE" };
            (
                &d.meta,
                kind,
                0,
                true,
                d.cluster_by
                    .as_ref()
                    .map(|c| format!("LINEAR({c})"))
                    .unwrap_or_default(),
            )
        } else {
            continue;
        };
        if show.terse {
            rows.push(terse_row(meta.created_on, k, "TABLE"));
            continue;
        }
        rows.push(vec![
            s(timestamp(meta.created_on)),
            s(&k.name),
            s(&k.database),
            s(&k.schema),
            s(kind),
            comment(&meta.comment),
            s(cluster_by.clone()),
            s(count.to_string()),
            s("0"),
            s(&meta.owner),
            s(retention),
            s(if cluster_by.is_empty() { "OFF" } else { "ON" }),
            s(if change_tracking { "ON" } else { "OFF" }),
            s("N"),
            s("N"),
            s("ROLE"),
            s("N"),
            s("N"),
            s("N"),
            s(yn(is_dynamic)),
            s("N"),
        ]);
    }
    if show.terse {
        return result(TERSE, rows);
    }
    let cols = [
        ("created_on", TS),
        ("name", T),
        ("database_name", T),
        ("schema_name", T),
        ("kind", T),
        ("comment", T),
        ("cluster_by", T),
        ("rows", F),
        ("bytes", F),
        ("owner", T),
        ("retention_time", T),
        ("automatic_clustering", T),
        ("change_tracking", T),
        ("is_external", T),
        ("enable_schema_evolution", T),
        ("owner_role_type", T),
        ("is_event", T),
        ("is_hybrid", T),
        ("is_iceberg", T),
        ("is_dynamic", T),
        ("is_immutable", T),
    ];
    result(&cols, rows)
}

pub fn views(exec: &Exec, show: &Show, keys: &[Key]) -> ResultSet {
    let mut rows = Vec::new();
    for k in keys {
        let Some(v) = schema_of(exec, k).and_then(|sc| sc.views.get(&k.name)) else {
            continue;
        };
        if show.terse {
            rows.push(terse_row(v.meta.created_on, k, "VIEW"));
            continue;
        }
        rows.push(vec![
            s(timestamp(v.meta.created_on)),
            s(&k.name),
            s(""),
            s("VIEW"),
            s(&k.database),
            s(&k.schema),
            s(&v.meta.owner),
            comment(&v.meta.comment),
            s(&v.text),
            s(tf(v.secure)),
            s("false"),
            s("ROLE"),
            s("OFF"),
        ]);
    }
    if show.terse {
        return result(TERSE, rows);
    }
    let cols = [
        ("created_on", TS),
        ("name", T),
        ("reserved", T),
        ("kind", T),
        ("database_name", T),
        ("schema_name", T),
        ("owner", T),
        ("comment", T),
        ("text", T),
        ("is_secure", B),
        ("is_materialized", B),
        ("owner_role_type", T),
        ("change_tracking", T),
    ];
    result(&cols, rows)
}

/// The refresh mode a dynamic table runs with: the sandbox resolves AUTO to INCREMENTAL,
/// as Snowflake does for queries that support incremental refresh.
pub(crate) fn effective_refresh_mode(declared: &str) -> &str {
    if declared == "AUTO" {
        "INCREMENTAL"
    } else {
        declared
    }
}

pub fn dynamic_tables(exec: &Exec, show: &Show, keys: &[Key]) -> ResultSet {
    let mut rows = Vec::new();
    for k in keys {
        let Some(d) = schema_of(exec, k).and_then(|sc| sc.dynamic_tables.get(&k.name)) else {
            continue;
        };
        if show.terse {
            rows.push(terse_row(d.meta.created_on, k, "TABLE"));
            continue;
        }
        rows.push(vec![
            s(timestamp(d.meta.created_on)),
            s(&k.name),
            s(&k.database),
            s(&k.schema),
            s(d.cluster_by
                .as_ref()
                .map(|c| format!("LINEAR({c})"))
                .unwrap_or_default()),
            s("0"),
            s("0"),
            s(&d.meta.owner),
            s(&d.target_lag),
            s("ENABLE"),
            s(effective_refresh_mode(&d.refresh_mode)),
            None,
            s(&d.warehouse),
            comment(&d.meta.comment),
            s(d.shown_text()),
            s(if d.cluster_by.is_some() { "ON" } else { "OFF" }),
            s(if d.suspended { "SUSPENDED" } else { "ACTIVE" }),
            d.last_suspended_on.map(timestamp),
            s("false"),
            s("false"),
            s("false"),
            d.data_timestamp.map(timestamp),
            s("ROLE"),
            None,
            None,
        ]);
    }
    if show.terse {
        return result(TERSE, rows);
    }
    let cols = [
        ("created_on", TS),
        ("name", T),
        ("database_name", T),
        ("schema_name", T),
        ("cluster_by", T),
        ("rows", F),
        ("bytes", F),
        ("owner", T),
        ("target_lag", T),
        ("scheduler", T),
        ("refresh_mode", T),
        ("refresh_mode_reason", T),
        ("warehouse", T),
        ("comment", T),
        ("text", T),
        ("automatic_clustering", T),
        ("scheduling_state", T),
        ("last_suspended_on", TS),
        ("is_clone", B),
        ("is_replica", B),
        ("is_iceberg", B),
        ("data_timestamp", TS),
        ("owner_role_type", T),
        ("immutable_where", T),
        ("execute_as_user", T),
    ];
    result(&cols, rows)
}

pub fn tasks(exec: &Exec, show: &Show, keys: &[Key]) -> ResultSet {
    let mut rows = Vec::new();
    for k in keys {
        let Some(t) = schema_of(exec, k).and_then(|sc| sc.tasks.get(&k.name)) else {
            continue;
        };
        if show.terse {
            let mut row = terse_row(t.meta.created_on, k, "TASK");
            row.push(t.schedule.clone());
            rows.push(row);
            continue;
        }
        let preds: Vec<String> = t
            .predecessors
            .iter()
            .map(|p| quoted_fqn(&[&k.database, &k.schema, p]))
            .collect();
        let is_root = t.predecessors.is_empty();
        let overlap = t
            .params
            .get("OVERLAP_POLICY")
            .map(String::as_str)
            .unwrap_or("NO_OVERLAP");
        rows.push(vec![
            s(timestamp(t.meta.created_on)),
            s(&k.name),
            s(&t.id),
            s(&k.database),
            s(&k.schema),
            s(&t.meta.owner),
            t.meta.comment.clone(),
            s(t.warehouse.clone().unwrap_or_else(|| "null".into())),
            t.schedule.clone(),
            s(json_pretty(&serde_json::json!(preds))),
            s(if t.started { "started" } else { "suspended" }),
            s(&t.definition),
            t.condition.clone(),
            if is_root {
                s(tf(overlap != "NO_OVERLAP"))
            } else {
                None
            },
            s(t.error_integration.clone().unwrap_or_else(|| "null".into())),
            t.last_committed_on.map(timestamp),
            t.last_suspended_on.map(timestamp),
            s("ROLE"),
            if is_root { t.config.clone() } else { None },
            s(serde_json::json!({ "Predecessors": preds }).to_string()),
            t.last_suspended_reason.clone(),
            // Not modelled: no success integrations, serverless scheduling or EXECUTE AS USER.
            None,
            None,
            None,
            None,
        ]);
    }
    if show.terse {
        let mut cols = TERSE.to_vec();
        cols.push(("schedule", T));
        return result(&cols, rows);
    }
    let cols = [
        ("created_on", TS),
        ("name", T),
        ("id", T),
        ("database_name", T),
        ("schema_name", T),
        ("owner", T),
        ("comment", T),
        ("warehouse", T),
        ("schedule", T),
        ("predecessors", T),
        ("state", T),
        ("definition", T),
        ("condition", T),
        ("allow_overlapping_execution", T),
        ("error_integration", T),
        ("last_committed_on", TS),
        ("last_suspended_on", TS),
        ("owner_role_type", T),
        ("config", T),
        ("task_relations", T),
        ("last_suspended_reason", T),
        ("success_integration", T),
        ("scheduling_mode", T),
        ("target_completion_interval", T),
        ("execute_as_user", T),
    ];
    result(&cols, rows)
}

pub fn models(exec: &Exec, keys: &[Key]) -> ResultSet {
    let cols = [
        ("created_on", TS),
        ("name", T),
        ("model_type", T),
        ("database_name", T),
        ("schema_name", T),
        ("owner", T),
        ("comment", T),
        ("versions", T),
        ("default_version_name", T),
        ("aliases", T),
    ];
    let mut rows = Vec::new();
    for k in keys {
        let Some(m) = schema_of(exec, k).and_then(|sc| sc.models.get(&k.name)) else {
            continue;
        };
        let versions: Vec<&String> = super::super::exec::versions_in_order(m);
        rows.push(vec![
            s(timestamp(m.meta.created_on)),
            s(&k.name),
            s("USER_MODEL"),
            s(&k.database),
            s(&k.schema),
            s(&m.meta.owner),
            m.meta.comment.clone(),
            s(json_pretty(&serde_json::json!(versions))),
            s(&m.default_version),
            s(json_pretty(&serde_json::Value::Object(model_aliases(m)))),
        ]);
    }
    result(&cols, rows)
}

pub fn versions(fqn: &Fqn, model: &Model, keys: &[Key]) -> ResultSet {
    let cols = [
        ("created_on", TS),
        ("name", T),
        ("aliases", T),
        ("database_name", T),
        ("schema_name", T),
        ("model_name", T),
        ("is_default_version", B),
        ("functions", T),
        ("metadata", T),
        ("user_data", T),
        ("comment", T),
    ];
    let mut rows = Vec::new();
    for k in keys {
        let Some(v) = model.versions.get(&k.name) else {
            continue;
        };
        let mut aliases: Vec<String> = super::super::exec::system_aliases(model, &k.name)
            .into_iter()
            .map(String::from)
            .collect();
        aliases.extend(v.alias.clone());
        rows.push(vec![
            s(timestamp(v.created_on)),
            s(&k.name),
            s(json_pretty(&serde_json::json!(aliases))),
            s(&fqn.database),
            s(&fqn.schema),
            s(&fqn.name),
            s(tf(model.default_version == k.name)),
            s("[]"),
            s(json_pretty(&v.metadata)),
            s("{}"),
            v.comment.clone(),
        ]);
    }
    result(&cols, rows)
}

/// One SHOW PARAMETERS row: key, value, default, level, description, type.
fn param_row(def: &ParamDef, value: Option<(&String, &str)>) -> Row {
    let (v, level) = match value {
        Some((v, level)) => (v.clone(), level.to_string()),
        None => (def.default.to_string(), String::new()),
    };
    vec![
        s(def.key),
        s(v),
        s(def.default),
        s(level),
        s(def.description),
        // The value's type as Titan reads it to cast the value (BOOLEAN, NUMBER, STRING).
        s(match def.param_type {
            ParamType::Number { .. } => "NUMBER",
            ParamType::Keyword(_) | ParamType::Size | ParamType::String => "STRING",
        }),
    ]
}

pub(crate) fn parameters(
    exec: &Exec,
    show: &Show,
    kind: ObjectKind,
    name: &Name,
) -> Result<ResultSet, SqlError> {
    use super::super::errors;
    let mut rows: Vec<Row> = Vec::new();
    match kind {
        ObjectKind::Warehouse => {
            let n = exec.account_name(name)?;
            let w = exec
                .catalog
                .warehouses
                .get(&n)
                .ok_or_else(|| errors::does_not_exist("Warehouse", &n))?;
            for def in params::WAREHOUSE {
                rows.push(param_row(
                    def,
                    w.params.get(def.key).map(|v| (v, "WAREHOUSE")),
                ));
            }
        }
        ObjectKind::Database => {
            let n = exec.account_name(name)?;
            let d = exec.database(&n)?;
            for def in params::CONTAINER {
                rows.push(param_row(
                    def,
                    d.params.get(def.key).map(|v| (v, "DATABASE")),
                ));
            }
        }
        ObjectKind::Schema => {
            let (d, sn) = exec.resolve_schema(name, "SHOW PARAMETERS")?;
            let sc = exec.schema(&d, &sn)?;
            let db = exec.database(&d)?;
            for def in params::CONTAINER {
                let v = sc
                    .params
                    .get(def.key)
                    .map(|v| (v, "SCHEMA"))
                    .or_else(|| db.params.get(def.key).map(|v| (v, "DATABASE")));
                rows.push(param_row(def, v));
            }
        }
        ObjectKind::Task => {
            let f = exec.resolve_schema_object(name, "SHOW PARAMETERS")?;
            let t = exec
                .schema(&f.database, &f.schema)
                .ok()
                .and_then(|sc| sc.tasks.get(&f.name))
                .ok_or_else(|| errors::does_not_exist("Task", &f.dotted()))?;
            for def in params::TASK {
                rows.push(param_row(def, t.params.get(def.key).map(|v| (v, "TASK"))));
            }
        }
        other => return Err(exec.unsupported(&format!("SHOW PARAMETERS IN {}", other.keyword()))),
    }
    rows.retain(|r| {
        show.like
            .as_deref()
            .is_none_or(|p| r[0].as_deref().is_some_and(|k| like(p, k)))
    });
    rows.sort_by(|a, b| a[0].cmp(&b[0]));
    let cols = [
        ("key", T),
        ("value", T),
        ("default", T),
        ("level", T),
        ("description", T),
        ("type", T),
    ];
    Ok(result(&cols, rows))
}
