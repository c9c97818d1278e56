//! How tasks are read: the SHOW families and the row decoder, in the canonical forms of
//! `model::canon`, so that what Snowflake prints and what the configuration says compare equal.

use crate::kinds::feature_view::read::feature_view_task_names;
use crate::kinds::read::{live_object, schema_name, set_opt, Family, KindRead};
use crate::kinds::rows::ShowRows;
use crate::model::attr;
use crate::model::canon::{canonical_json, canonical_schedule};
use crate::model::ident::split_parts;
use crate::model::{Kind, Object, ObjectName, Value};
use std::collections::BTreeSet;

pub(crate) const TASKS: Family = Family {
    name: "tasks",
    show: "SHOW TASKS",
    pages: true,
    recording: "show_tasks",
};

#[linkme::distributed_slice(crate::kinds::read::READERS)]
static READ: KindRead = KindRead {
    kind: Kind::Task,
    families: &[TASKS],
    // A feature view's refresh task is the feature view's, not a task of its own.
    decode: |fetch| {
        let feature_views = fetch.found.iter().filter(|o| o.kind() == Kind::FeatureView);
        let refresh_tasks: BTreeSet<ObjectName> =
            feature_view_task_names(feature_views).into_iter().collect();
        tasks(fetch.rows(TASKS))
            .into_iter()
            .filter(|t| !refresh_tasks.contains(&t.name))
            .collect()
    },
    details: None,
};

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
