//! SHOW rows to objects, one function per kind, in the canonical forms of model::canon so
//! that what Snowflake prints and what the configuration says compare equal.

use super::rows::ShowRows;
use crate::model::attr;
use crate::model::canon::{canonical_enum, canonical_json, canonical_lag, canonical_schedule};
use crate::model::ident::split_parts;
use crate::model::kinds::model::VERSIONS;
use crate::model::kinds::{feature_view as fv, warehouse};
use crate::model::{entity_of_tag, Address, Ident, Kind, Object, ObjectName, Value};
use crate::sql::{body_after_top_level_as, tokenize, Token, TokenKind};
use std::collections::BTreeMap;

fn live_object(kind: Kind, name: ObjectName) -> Object {
    Object::new(Address::new(kind, "_live"), name)
}

fn id(name: &str) -> Ident {
    Ident::from_canonical(name)
}

pub(super) fn schema_name(rows: &ShowRows, row: &[Option<String>]) -> Option<ObjectName> {
    Some(ObjectName::in_schema(
        id(rows.raw(row, "database_name")?),
        id(rows.raw(row, "schema_name")?),
        id(rows.raw(row, "name")?),
    ))
}

fn set_opt(object: &mut Object, attr: &str, value: Option<impl Into<Value>>) {
    if let Some(v) = value {
        object.set(attr, v);
    }
}

pub fn warehouses(rows: &ShowRows) -> Vec<Object> {
    rows.iter()
        .filter_map(|r| {
            let mut o = live_object(
                Kind::Warehouse,
                ObjectName::account(id(rows.raw(r, "name")?)),
            );
            set_opt(
                &mut o,
                attr::SIZE,
                rows.get(r, "size")
                    .and_then(|s| canonical_enum(warehouse::SIZES, s)),
            );
            set_opt(
                &mut o,
                attr::TYPE,
                rows.get(r, "type")
                    .and_then(|s| canonical_enum(warehouse::TYPES, s)),
            );
            // NULL auto_suspend means the warehouse never suspends, which is AUTO_SUSPEND = 0.
            o.set(attr::AUTO_SUSPEND, rows.int(r, "auto_suspend").unwrap_or(0));
            set_opt(&mut o, attr::AUTO_RESUME, rows.flag(r, "auto_resume"));
            set_opt(
                &mut o,
                attr::MIN_CLUSTER_COUNT,
                rows.int(r, "min_cluster_count"),
            );
            set_opt(
                &mut o,
                attr::MAX_CLUSTER_COUNT,
                rows.int(r, "max_cluster_count"),
            );
            set_opt(
                &mut o,
                attr::SCALING_POLICY,
                rows.get(r, "scaling_policy").map(str::to_ascii_uppercase),
            );
            set_opt(
                &mut o,
                attr::ENABLE_QUERY_ACCELERATION,
                rows.flag(r, "enable_query_acceleration"),
            );
            set_opt(
                &mut o,
                attr::QUERY_ACCELERATION_MAX_SCALE_FACTOR,
                rows.int(r, "query_acceleration_max_scale_factor"),
            );
            set_opt(
                &mut o,
                attr::RESOURCE_MONITOR,
                rows.get(r, "resource_monitor"),
            );
            set_opt(
                &mut o,
                attr::RESOURCE_CONSTRAINT,
                resource_constraint(rows, r),
            );
            set_opt(&mut o, attr::COMMENT, rows.text(r, "comment"));
            set_opt(&mut o, attr::OWNER, rows.get(r, "owner"));
            Some(o)
        })
        .collect()
}

/// A standard warehouse's generation is set as RESOURCE_CONSTRAINT = STANDARD_GEN_<n>, but
/// SHOW may print it only in the `generation` column (resource_constraint NULL): both read
/// as the constraint that was set.
fn resource_constraint(rows: &ShowRows, row: &[Option<String>]) -> Option<String> {
    if let Some(c) = rows.get(row, "resource_constraint") {
        return Some(
            canonical_enum(warehouse::CONSTRAINTS, c)
                .map(str::to_string)
                .unwrap_or_else(|| c.to_ascii_uppercase()),
        );
    }
    let standard = rows
        .get(row, "type")
        .is_none_or(|t| t.eq_ignore_ascii_case("STANDARD"));
    let generation = rows.get(row, "generation")?.trim();
    standard
        .then(|| format!("STANDARD_GEN_{generation}"))
        .and_then(|c| canonical_enum(warehouse::CONSTRAINTS, &c))
        .map(str::to_string)
}

fn options(rows: &ShowRows, row: &[Option<String>]) -> Vec<String> {
    rows.get(row, "options")
        .map(|s| {
            s.split(',')
                .map(|p| p.trim().to_ascii_uppercase())
                .collect()
        })
        .unwrap_or_default()
}

pub fn databases(rows: &ShowRows) -> Vec<Object> {
    rows.iter()
        .filter_map(|r| {
            let mut o = live_object(
                Kind::Database,
                ObjectName::account(id(rows.raw(r, "name")?)),
            );
            o.set(
                attr::TRANSIENT,
                options(rows, r).iter().any(|x| x == "TRANSIENT"),
            );
            set_opt(
                &mut o,
                attr::DATA_RETENTION_TIME_IN_DAYS,
                rows.int(r, "retention_time"),
            );
            set_opt(&mut o, attr::COMMENT, rows.text(r, "comment"));
            set_opt(&mut o, attr::OWNER, rows.get(r, "owner"));
            Some(o)
        })
        .collect()
}

pub fn schemas(rows: &ShowRows) -> Vec<Object> {
    rows.iter()
        .filter_map(|r| {
            let name = ObjectName::in_database(
                id(rows.raw(r, "database_name")?),
                id(rows.raw(r, "name")?),
            );
            let mut o = live_object(Kind::Schema, name);
            let opts = options(rows, r);
            o.set(attr::TRANSIENT, opts.iter().any(|x| x == "TRANSIENT"));
            o.set(
                attr::MANAGED_ACCESS,
                opts.iter().any(|x| x == "MANAGED ACCESS"),
            );
            set_opt(
                &mut o,
                attr::DATA_RETENTION_TIME_IN_DAYS,
                rows.int(r, "retention_time"),
            );
            set_opt(&mut o, attr::COMMENT, rows.text(r, "comment"));
            set_opt(&mut o, attr::OWNER, rows.get(r, "owner"));
            Some(o)
        })
        .filter(|o| o.name.name.as_str() != "INFORMATION_SCHEMA")
        .collect()
}

pub fn stages(rows: &ShowRows) -> Vec<Object> {
    rows.iter()
        .filter_map(|r| {
            let mut o = live_object(Kind::Stage, schema_name(rows, r)?);
            let ty = rows
                .get(r, "type")
                .unwrap_or("INTERNAL")
                .to_ascii_uppercase();
            set_opt(&mut o, attr::URL, rows.get(r, "url"));
            set_opt(
                &mut o,
                attr::STORAGE_INTEGRATION,
                rows.get(r, "storage_integration"),
            );
            match ty.as_str() {
                "INTERNAL" => o.set(attr::ENCRYPTION, "SNOWFLAKE_FULL"),
                "INTERNAL NO CSE" => o.set(attr::ENCRYPTION, "SNOWFLAKE_SSE"),
                _ => {}
            }
            set_opt(&mut o, attr::DIRECTORY, rows.flag(r, "directory_enabled"));
            set_opt(&mut o, attr::COMMENT, rows.text(r, "comment"));
            set_opt(&mut o, attr::OWNER, rows.get(r, "owner"));
            Some(o)
        })
        .collect()
}

/// Entities are the SNOWML_FEATURE_STORE_ENTITY_* tags; their one allowed value holds the
/// join keys separated by commas.
pub fn entities(rows: &ShowRows) -> Vec<Object> {
    rows.iter()
        .filter_map(|r| {
            let name = schema_name(rows, r)?;
            entity_of_tag(&name.name)?;
            let mut o = live_object(Kind::Entity, name);
            let values: Vec<String> = rows
                .get(r, "allowed_values")
                .and_then(|s| serde_json::from_str(s).ok())
                .unwrap_or_default();
            let keys: Vec<Value> = values
                .first()
                .map(|v| v.split(',').map(|k| Value::from(k.trim())).collect())
                .unwrap_or_default();
            o.set(attr::JOIN_KEYS, Value::List(keys));
            set_opt(&mut o, attr::COMMENT, rows.text(r, "comment"));
            set_opt(&mut o, attr::OWNER, rows.get(r, "owner"));
            Some(o)
        })
        .collect()
}

/// Names of every tag in the rows, to tell whether a schema holds the Feature Store's own.
pub(crate) fn tag_names(rows: &ShowRows) -> Vec<ObjectName> {
    rows.iter().filter_map(|r| schema_name(rows, r)).collect()
}

/// What a feature view's definition text says, read the way the Feature Store reads it.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct DefinitionText {
    pub tags: BTreeMap<String, String>,
    /// Each tag value's literal as written, between its quotes: the library takes the
    /// metadata JSON from here, backslash escapes and all.
    pub(crate) raw_tags: BTreeMap<String, String>,
    pub refresh_mode: Option<String>,
    pub initialize: Option<String>,
    pub query: Option<String>,
}

/// Parse `CREATE ... TAG (t = 'v', ...) ... REFRESH_MODE = X INITIALIZE = Y ... AS <query>`.
pub(crate) fn definition_text(text: &str) -> DefinitionText {
    let mut out = DefinitionText {
        query: body_after_top_level_as(text).map(str::to_string),
        ..Default::default()
    };
    let Ok(tokens) = tokenize(text) else {
        return out;
    };
    let toks: Vec<&Token> = tokens.iter().filter(|t| !t.is_trivia()).collect();
    let mut i = 0;
    while i < toks.len() {
        let t = toks[i];
        if t.is_keyword("AS") {
            break;
        }
        if t.is_keyword("TAG") && toks.get(i + 1).is_some_and(|n| n.is_symbol("(")) {
            i += 2;
            let mut name_parts: Vec<String> = Vec::new();
            while i < toks.len() && !toks[i].is_symbol(")") {
                let t = toks[i];
                match t.kind {
                    TokenKind::Word => name_parts.push(t.text.to_ascii_uppercase()),
                    TokenKind::QuotedIdent => name_parts.push(t.value.clone()),
                    TokenKind::String => {
                        if let Some(last) = name_parts.last() {
                            out.tags.insert(last.clone(), t.value.clone());
                            let raw = t.text.strip_prefix('\'').unwrap_or(&t.text);
                            let raw = raw.strip_suffix('\'').unwrap_or(raw);
                            out.raw_tags.insert(last.clone(), raw.to_string());
                        }
                        name_parts.clear();
                    }
                    _ => {}
                }
                i += 1;
            }
        } else if (t.is_keyword("REFRESH_MODE") || t.is_keyword("INITIALIZE"))
            && toks.get(i + 1).is_some_and(|n| n.is_symbol("="))
        {
            if let Some(v) = toks.get(i + 2) {
                let value = if v.kind == TokenKind::String {
                    v.value.to_ascii_uppercase()
                } else {
                    v.text.to_ascii_uppercase()
                };
                if t.is_keyword("REFRESH_MODE") {
                    out.refresh_mode = Some(value);
                } else {
                    out.initialize = Some(value);
                }
            }
            i += 2;
        }
        i += 1;
    }
    out
}

/// A feature view's metadata JSON, read as the library reads it: from the literal as written
/// (a quoted name's `\"` is a JSON escape there), else from the stored value, which is the
/// same text for every name without quotes (snowform before it wrote quoted names as the
/// library does). Keys other than entities and timestamp_col are ignored.
fn metadata_json(raw: Option<&String>, value: &str) -> serde_json::Value {
    raw.and_then(|r| serde_json::from_str(r).ok())
        .or_else(|| serde_json::from_str(value).ok())
        .unwrap_or_default()
}

/// What a cron feature view's refresh task says.
struct RefreshTask {
    schedule: Option<String>,
    /// The table its body refreshes, or the whole body when it is not a refresh.
    target: Option<String>,
    started: bool,
    warehouse: Option<String>,
}

/// What a refresh task's body `ALTER DYNAMIC TABLE <name> REFRESH` refreshes, as the name
/// in its quoted form; any other body is returned as it is, so that it differs from the
/// name the configuration expects.
fn refresh_target(definition: &str) -> String {
    // One keyword and the white space after it, case-insensitively.
    fn keyword<'a>(text: &'a str, word: &str) -> Option<&'a str> {
        let text = text.trim_start();
        let rest = text.get(word.len()..)?;
        (text[..word.len()].eq_ignore_ascii_case(word) && rest.starts_with(char::is_whitespace))
            .then_some(rest)
    }
    let body = definition.trim().trim_end_matches(';').trim_end();
    let named = keyword(body, "ALTER")
        .and_then(|r| keyword(r, "DYNAMIC"))
        .and_then(|r| keyword(r, "TABLE"))
        .and_then(|r| {
            let cut = r.len().checked_sub("REFRESH".len())?;
            let (name, last) = (r.get(..cut)?, r.get(cut..)?);
            (last.eq_ignore_ascii_case("REFRESH") && name.ends_with(char::is_whitespace))
                .then(|| name.trim())
        })
        .and_then(|name| ObjectName::parse_qualified(name).ok());
    named
        .map(|n| n.to_sql())
        .unwrap_or_else(|| body.to_string())
}

/// A cron feature view's warehouse is on its dynamic table and on its refresh task. When
/// they differ (one was changed out of band) the value says both, so that it differs from
/// any one warehouse the configuration can name and the plan sets both again.
fn refresh_warehouse(table: &str, task: Option<&str>) -> String {
    match task {
        Some(t) if t == table => table.to_string(),
        Some(t) => format!("{table} (its refresh task: {t})"),
        None => format!("{table} (its refresh task: serverless)"),
    }
}

/// Feature views: dynamic tables and views named <NAME>$<VERSION> that carry the Feature
/// Store's metadata tag. `tasks` give the schedule of cron-refreshed ones.
pub fn feature_views(dts: &ShowRows, views: &ShowRows, tasks: &ShowRows) -> Vec<Object> {
    let task_by_name: BTreeMap<ObjectName, RefreshTask> = tasks
        .iter()
        .filter_map(|r| {
            Some((
                schema_name(tasks, r)?,
                RefreshTask {
                    schedule: tasks.get(r, "schedule").map(str::to_string),
                    target: tasks.get(r, "definition").map(refresh_target),
                    started: tasks
                        .get(r, "state")
                        .is_some_and(|s| s.eq_ignore_ascii_case("started")),
                    warehouse: tasks.get(r, "warehouse").map(str::to_string),
                },
            ))
        })
        .collect();
    let mut out = Vec::new();
    for (rows, dynamic) in [(dts, true), (views, false)] {
        for r in rows.iter() {
            let Some(name) = schema_name(rows, r) else {
                continue;
            };
            let Some((_, version)) = name.name.as_str().split_once('$') else {
                continue;
            };
            let text = definition_text(rows.raw(r, "text").unwrap_or(""));
            let Some(metadata) = text.tags.get(fv::METADATA_TAG) else {
                continue;
            };
            let meta = metadata_json(text.raw_tags.get(fv::METADATA_TAG), metadata);
            let mut o = live_object(Kind::FeatureView, name.clone());
            o.set(attr::VERSION, version);
            let entities: Vec<Value> = meta
                .get(attr::ENTITIES)
                .and_then(|e| e.as_array())
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str())
                        .map(|e| Value::from(fv::library_resolved(e)))
                        .collect()
                })
                .unwrap_or_default();
            o.set(attr::ENTITIES, Value::List(entities));
            if let Some(ts) = meta
                .get(attr::TIMESTAMP_COL)
                .and_then(|t| t.as_str())
                .filter(|t| !fv::NO_TIMESTAMP_COL_READ.contains(t))
            {
                o.set(attr::TIMESTAMP_COL, fv::library_resolved(ts));
            }
            let keys: BTreeMap<String, Value> = text
                .tags
                .iter()
                .filter_map(|(t, v)| {
                    entity_of_tag(&id(t)).map(|e| (e.as_str().to_string(), Value::from(v.as_str())))
                })
                .collect();
            o.set(attr::JOIN_KEYS, Value::Map(keys));
            set_opt(&mut o, attr::QUERY, text.query.clone());
            set_opt(&mut o, attr::COMMENT, rows.text(r, "comment"));
            set_opt(&mut o, attr::OWNER, rows.get(r, "owner"));
            if dynamic {
                let lag = rows.get(r, "target_lag").unwrap_or("DOWNSTREAM");
                let task = task_by_name.get(&name);
                // ACTIVE since behaviour change bundle 2024_02, RUNNING before it: only
                // SUSPENDED means the table does not refresh.
                let running = rows
                    .get(r, "scheduling_state")
                    .is_none_or(|s| !s.eq_ignore_ascii_case("SUSPENDED"));
                let warehouse = rows.get(r, "warehouse");
                match (canonical_lag(lag).as_deref(), task) {
                    (Ok("DOWNSTREAM"), Some(t)) if t.schedule.is_some() => {
                        let schedule = t.schedule.as_deref().unwrap_or_default();
                        let schedule =
                            canonical_schedule(schedule).unwrap_or_else(|_| schedule.to_string());
                        let cron = schedule.strip_prefix("USING CRON ").unwrap_or(&schedule);
                        o.set(attr::REFRESH_FREQ, cron);
                        o.set(attr::ENABLED, running && t.started);
                        set_opt(&mut o, attr::REFRESH_TASK_TARGET, t.target.clone());
                        set_opt(
                            &mut o,
                            attr::WAREHOUSE,
                            warehouse.map(|w| refresh_warehouse(w, t.warehouse.as_deref())),
                        );
                    }
                    (Ok(l), _) => {
                        o.set(attr::REFRESH_FREQ, l);
                        o.set(attr::ENABLED, running);
                        set_opt(&mut o, attr::WAREHOUSE, warehouse);
                    }
                    (Err(_), _) => {
                        o.set(attr::REFRESH_FREQ, lag);
                        set_opt(&mut o, attr::WAREHOUSE, warehouse);
                    }
                }
                set_opt(&mut o, attr::REFRESH_MODE, text.refresh_mode.clone());
                set_opt(&mut o, attr::INITIALIZE, text.initialize.clone());
            }
            out.push(o);
        }
    }
    out
}

/// Names of the refresh tasks of cron feature views (tasks named like a feature view).
pub(crate) fn feature_view_task_names(fvs: &[Object]) -> Vec<ObjectName> {
    fvs.iter()
        .filter(|o| {
            o.get_str(attr::REFRESH_FREQ)
                .is_some_and(|f| f.split_whitespace().count() >= 3)
        })
        .map(|o| o.name.clone())
        .collect()
}

pub fn tasks(rows: &ShowRows) -> Vec<Object> {
    rows.iter()
        .filter_map(|r| {
            let mut o = live_object(Kind::Task, schema_name(rows, r)?);
            set_opt(&mut o, attr::SQL, rows.get(r, "definition"));
            set_opt(&mut o, attr::WAREHOUSE, rows.get(r, "warehouse"));
            set_opt(
                &mut o,
                attr::SCHEDULE,
                rows.get(r, "schedule")
                    .map(|s| canonical_schedule(s).unwrap_or_else(|_| s.to_string())),
            );
            let preds: Vec<String> = rows
                .get(r, "predecessors")
                .and_then(|p| serde_json::from_str(p).ok())
                .unwrap_or_default();
            // Predecessors are a set: in the configuration's order, sorted, whatever
            // order Snowflake lists them in.
            let mut preds: Vec<String> = preds
                .iter()
                .map(|p| match split_parts(p) {
                    Ok(parts) if parts.len() == 3 => {
                        ObjectName::in_schema(parts[0].clone(), parts[1].clone(), parts[2].clone())
                            .to_sql()
                    }
                    _ => p.clone(),
                })
                .collect();
            preds.sort();
            preds.dedup();
            let preds: Vec<Value> = preds.into_iter().map(Value::Str).collect();
            if !preds.is_empty() {
                o.set(attr::AFTER, Value::List(preds));
            }
            set_opt(&mut o, attr::WHEN, rows.get(r, "condition"));
            o.set(
                attr::ENABLED,
                rows.get(r, "state")
                    .is_some_and(|s| s.eq_ignore_ascii_case("started")),
            );
            set_opt(&mut o, attr::COMMENT, rows.text(r, "comment"));
            set_opt(&mut o, attr::OWNER, rows.get(r, "owner"));
            set_opt(
                &mut o,
                attr::CONFIG,
                rows.get(r, "config")
                    .map(|c| canonical_json(c).unwrap_or_else(|_| c.to_string())),
            );
            set_opt(
                &mut o,
                attr::ERROR_INTEGRATION,
                rows.get(r, "error_integration"),
            );
            Some(o)
        })
        .collect()
}

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

/// SHOW ROLES: name and comment (documented columns: created_on, name, is_default,
/// is_current, is_inherited, assigned_to_users, granted_to_roles, granted_roles, owner,
/// comment).
pub fn roles(rows: &ShowRows) -> Vec<Object> {
    rows.iter()
        .filter_map(|r| {
            let mut o = live_object(Kind::Role, ObjectName::account(id(rows.raw(r, "name")?)));
            set_opt(&mut o, attr::COMMENT, rows.text(r, "comment"));
            set_opt(&mut o, attr::OWNER, rows.get(r, "owner"));
            Some(o)
        })
        .collect()
}

/// Tables from SHOW TABLES (dynamic tables, listed there too, are left out), with their
/// columns from SHOW COLUMNS in the order it lists them.
pub fn tables(tables: &ShowRows, columns: &ShowRows) -> Vec<Object> {
    let mut by_table: BTreeMap<ObjectName, Vec<Value>> = BTreeMap::new();
    for r in columns.iter() {
        if columns.get(r, "kind").is_some_and(|k| k != "COLUMN") {
            continue;
        }
        let (Some(db), Some(schema), Some(table), Some(name)) = (
            columns.raw(r, "database_name"),
            columns.raw(r, "schema_name"),
            columns.raw(r, "table_name"),
            columns.raw(r, "column_name"),
        ) else {
            continue;
        };
        let raw_type = columns.raw(r, "data_type").unwrap_or_default();
        let ty = crate::model::canon::column_type_of_show(raw_type)
            .unwrap_or_else(|| format!("unknown type {raw_type}"));
        let mut fields = BTreeMap::new();
        fields.insert(attr::NAME.to_string(), Value::str(name));
        fields.insert(attr::TYPE.to_string(), Value::Str(ty));
        fields.insert(
            attr::NULLABLE.to_string(),
            Value::Bool(columns.flag(r, "null?").unwrap_or(true)),
        );
        if let Some(d) = columns.text(r, "default") {
            fields.insert(attr::DEFAULT.to_string(), Value::str(d));
        }
        if let Some(c) = columns.text(r, "comment") {
            fields.insert(attr::COMMENT.to_string(), Value::str(c));
        }
        by_table
            .entry(ObjectName::in_schema(id(db), id(schema), id(table)))
            .or_default()
            .push(Value::Map(fields));
    }
    tables
        .iter()
        .filter(|r| tables.flag(r, "is_dynamic") != Some(true))
        .filter_map(|r| {
            let name = schema_name(tables, r)?;
            let mut o = live_object(Kind::Table, name.clone());
            o.set(
                attr::TRANSIENT,
                tables
                    .get(r, "kind")
                    .is_some_and(|k| k.eq_ignore_ascii_case("TRANSIENT")),
            );
            set_opt(&mut o, attr::COMMENT, tables.text(r, "comment"));
            set_opt(&mut o, attr::OWNER, tables.get(r, "owner"));
            // `LINEAR(a, b)`: the key's columns.
            if let Some(keys) = tables.get(r, "cluster_by") {
                let inner = keys
                    .trim()
                    .strip_prefix("LINEAR(")
                    .and_then(|k| k.strip_suffix(')'))
                    .unwrap_or(keys);
                let cols: Vec<Value> = inner
                    .split(',')
                    .map(|c| c.trim().trim_matches('"'))
                    .filter(|c| !c.is_empty())
                    .map(Value::str)
                    .collect();
                if !cols.is_empty() {
                    o.set(attr::CLUSTER_BY, Value::List(cols));
                }
            }
            o.set(
                attr::CHANGE_TRACKING,
                tables.flag(r, "change_tracking").unwrap_or(false),
            );
            set_opt(
                &mut o,
                attr::DATA_RETENTION_TIME_IN_DAYS,
                tables.int(r, "retention_time"),
            );
            o.set(
                crate::model::kinds::table::COLUMNS,
                Value::List(by_table.remove(&name).unwrap_or_default()),
            );
            Some(o)
        })
        .collect()
}

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
        crate::model::kinds::grant::grant_name(target, grantee),
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
    use crate::model::kinds::grant::{securable_shown, target_text};
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

/// Views from SHOW VIEWS, their query the text after the CREATE statement's top-level AS.
/// Views named `NAME$VERSION` are feature views, read by `feature_views`.
pub fn views(rows: &ShowRows) -> Vec<Object> {
    rows.iter()
        .filter_map(|r| {
            let name = schema_name(rows, r)?;
            if name.name.as_str().contains('$') {
                return None;
            }
            let mut o = live_object(Kind::View, name);
            let text = rows.raw(r, "text").unwrap_or_default();
            set_opt(&mut o, attr::QUERY, body_after_top_level_as(text));
            o.set(attr::SECURE, rows.flag(r, "is_secure").unwrap_or(false));
            set_opt(&mut o, attr::COMMENT, rows.text(r, "comment"));
            set_opt(&mut o, attr::OWNER, rows.get(r, "owner"));
            Some(o)
        })
        .collect()
}
/// Procedures from SHOW PROCEDURES (documented columns: name, schema_name, catalog_name,
/// arguments as `NAME(NUMBER, VARCHAR) RETURN VARCHAR`, description): each overload its
/// own object, the argument types its signature. The description is the comment, or
/// `user-defined procedure` when there is none (terraform-provider-snowflake's reading).
/// The arguments' names and the code come from DESCRIBE PROCEDURE (`procedure_details`).
pub fn procedures(rows: &ShowRows) -> Vec<Object> {
    rows.iter()
        .filter_map(|r| {
            let raw_name = rows.raw(r, "name")?;
            let name = ObjectName::in_schema(
                id(rows.raw(r, "catalog_name")?),
                id(rows.raw(r, "schema_name")?),
                id(raw_name),
            );
            let arguments = rows.raw(r, "arguments")?;
            let rest = arguments.strip_prefix(raw_name)?;
            let end = rest.find(')')?;
            let types: Vec<String> = rest[1..end]
                .split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(|t| crate::model::canon::argument_type(t).unwrap_or_else(|_| t.to_string()))
                .collect();
            let mut o = live_object(
                Kind::Procedure,
                name.with_signature(Some(format!("({})", types.join(", ")))),
            );
            let comment = rows
                .raw(r, "description")
                .filter(|d| !d.is_empty() && *d != "user-defined procedure");
            set_opt(&mut o, attr::COMMENT, comment.map(str::to_string));
            Some(o)
        })
        .collect()
}

/// A procedure's DESCRIBE PROCEDURE rows (property, value; documented example and
/// terraform-provider-snowflake's procedureDetailsFromRows) onto the object SHOW found.
pub(crate) fn procedure_details(object: &mut Object, rows: &ShowRows) {
    let mut props: BTreeMap<String, String> = BTreeMap::new();
    for r in rows.iter() {
        if let (Some(k), Some(v)) = (rows.raw(r, "property"), rows.raw(r, "value")) {
            props.insert(k.to_string(), v.to_string());
        }
    }
    let text = |k: &str| props.get(k).filter(|v| !v.is_empty()).cloned();
    // `[a,b]` or `['a','b']`: the list DESCRIBE prints for packages and imports.
    let list = |k: &str| -> Option<Value> {
        let v = text(k)?;
        let inner = v.trim().strip_prefix('[')?.strip_suffix(']')?;
        let items: Vec<Value> = inner
            .split(',')
            .map(|i| i.trim().trim_matches('\'').to_string())
            .filter(|i| !i.is_empty())
            .map(Value::Str)
            .collect();
        (!items.is_empty()).then_some(Value::List(items))
    };
    if let Some(sig) = text("signature") {
        let inner = sig.trim().trim_start_matches('(').trim_end_matches(')');
        let args: Vec<Value> = inner
            .split(',')
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .filter_map(|a| {
                let (n, t) = a.split_once(' ')?;
                let t = crate::model::canon::argument_type(t).unwrap_or_else(|_| t.to_string());
                Some(Value::Map(
                    [
                        ("name".to_string(), Value::str(n)),
                        ("type".to_string(), Value::Str(t)),
                    ]
                    .into_iter()
                    .collect(),
                ))
            })
            .collect();
        if !args.is_empty() {
            object.set(attr::ARGUMENTS, Value::List(args));
        }
    }
    if let Some(ret) = text("returns") {
        let ret = ret.trim_end_matches(" NOT NULL");
        object.set(
            attr::RETURNS,
            crate::model::canon::column_type(ret).unwrap_or_else(|_| ret.to_string()),
        );
    }
    set_opt(object, "language", text("language"));
    set_opt(object, "execute_as", text("execute as"));
    set_opt(object, "runtime_version", text("runtime_version"));
    set_opt(object, "handler", text("handler"));
    if let Some(p) = list("packages") {
        object.set(attr::PACKAGES, p);
    }
    if let Some(i) = list("imports") {
        object.set(attr::IMPORTS, i);
    }
    // The body exactly as stored: it is compared as written.
    if let Some(b) = props.get(attr::BODY) {
        object.set(attr::BODY, b.clone());
    }
}

/// SHOW DATABASE ROLES IN DATABASE db (terraform-provider-snowflake's columns: created_on,
/// name, is_default, is_current, is_inherited, granted_to_roles, granted_to_database_roles,
/// granted_database_roles, owner, comment, owner_role_type): bare names in `db`.
pub(crate) fn database_roles(db: &Ident, rows: &ShowRows) -> Vec<Object> {
    rows.iter()
        .filter_map(|r| {
            Some(live_object(
                Kind::DatabaseRole,
                ObjectName::in_database(db.clone(), id(rows.raw(r, "name")?)),
            ))
        })
        .collect()
}

/// SHOW GRANTS OF ROLE / OF DATABASE ROLE (documented columns: created_on, role,
/// granted_to, grantee_name, granted_by): one role grant per row whose grantee is a role,
/// a database role or a user.
pub(crate) fn role_grants(rows: &ShowRows) -> Vec<Object> {
    use crate::model::kinds::role_grant::role_grant_name;
    let mut out: BTreeMap<ObjectName, Object> = BTreeMap::new();
    for r in rows.iter() {
        let Some(role) = rows.raw(r, "role").and_then(|n| split_parts(n).ok()) else {
            continue;
        };
        let role_text = match role.as_slice() {
            [r] => format!("ROLE {}", r.to_sql()),
            [db, r] => format!("DATABASE ROLE {}.{}", db.to_sql(), r.to_sql()),
            _ => continue,
        };
        let Some(grantee) = rows
            .raw(r, "grantee_name")
            .and_then(|n| split_parts(n).ok())
        else {
            continue;
        };
        let to = match (
            rows.raw(r, "granted_to").unwrap_or_default(),
            grantee.as_slice(),
        ) {
            ("ROLE", [g]) => format!("ROLE {}", g.to_sql()),
            ("USER", [g]) => format!("USER {}", g.to_sql()),
            // A database role holds database roles of its own database only.
            ("DATABASE_ROLE", [g]) if role.len() == 2 => {
                format!("DATABASE ROLE {}.{}", role[0].to_sql(), g.to_sql())
            }
            ("DATABASE_ROLE", [db, g]) => format!("DATABASE ROLE {}.{}", db.to_sql(), g.to_sql()),
            _ => continue,
        };
        let name = role_grant_name(&role_text, &to);
        let mut o = live_object(Kind::RoleGrant, name.clone());
        o.set(attr::ROLE, role_text);
        o.set(attr::TO, to);
        out.insert(name, o);
    }
    out.into_values().collect()
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
    use crate::model::kinds::grant::securable_of_plural;
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
