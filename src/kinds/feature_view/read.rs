//! How feature views are read: the SHOW families and the row decoder, in the canonical forms of
//! `model::canon`, so that what Snowflake prints and what the configuration says compare equal.

use crate::kinds::feature_view as fv;
use crate::kinds::read::{id, live_object, schema_name, set_opt, Family, KindRead};
use crate::kinds::rows::ShowRows;
use crate::kinds::{task, view};
use crate::model::attr;
use crate::model::canon::{canonical_lag, canonical_schedule};
use crate::model::{entity_of_tag, Kind, Object, ObjectName, Value};
use crate::sql::{body_after_top_level_as, tokens, Token, TokenKind};
use std::collections::BTreeMap;

pub(crate) const DYNAMIC_TABLES: Family = Family {
    name: "dynamic tables",
    show: "SHOW DYNAMIC TABLES",
    pages: true,
    recording: "show_dynamic_tables",
};

#[linkme::distributed_slice(crate::kinds::read::READERS)]
static READ: KindRead = KindRead {
    kind: Kind::FeatureView,
    families: &[DYNAMIC_TABLES, view::read::VIEWS, task::read::TASKS],
    decode: |fetch| {
        feature_views(
            fetch.rows(DYNAMIC_TABLES),
            fetch.rows(view::read::VIEWS),
            fetch.rows(task::read::TASKS),
        )
    },
    details: None,
};

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
    // The header, up to the first AS: the query after it is read from `query` alone.
    let mut header: Vec<Token> = Vec::new();
    for t in tokens(text) {
        let Ok(t) = t else {
            return out;
        };
        if t.is_keyword("AS") {
            break;
        }
        if !t.is_trivia() {
            header.push(t);
        }
    }
    let toks: Vec<&Token> = header.iter().collect();
    let mut i = 0;
    while i < toks.len() {
        let t = toks[i];
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
pub(crate) fn feature_view_task_names<'a>(
    fvs: impl IntoIterator<Item = &'a Object>,
) -> Vec<ObjectName> {
    fvs.into_iter()
        .filter(|o| {
            o.get_str(attr::REFRESH_FREQ)
                .is_some_and(|f| f.split_whitespace().count() >= 3)
        })
        .map(|o| o.name.clone())
        .collect()
}
