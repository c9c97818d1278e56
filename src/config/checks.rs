//! Rules across objects: one block per Snowflake object, task graphs, Feature Store
//! layout, and cycles that only appear once names given as strings are resolved.

use super::decode::Decoded;
use super::evaluate::list;
use crate::diag::{Diagnostic, Diagnostics, Span};
use crate::graph::Graph;
use crate::kinds::task::{MAX_PREDECESSORS, ROOT_ONLY};
use crate::kinds::{entity, feature_view as fv};
use crate::model::attr;
use crate::model::canon::RefreshFreq;
use crate::model::{entity_of_tag, Address, Ident, Kind, ObjectName, TAG_VALUE_MAX_CHARS};
use std::collections::{BTreeMap, BTreeSet};

pub(crate) fn run(decoded: &[Decoded], diags: &mut Diagnostics) {
    duplicates(decoded, diags);
    let by_name: BTreeMap<(Kind, &ObjectName), &Decoded> = decoded
        .iter()
        .map(|d| ((d.object.kind(), &d.object.name), d))
        .collect();
    for d in decoded {
        match d.object.kind() {
            Kind::Task => {
                task(d, diags);
                root_only_parameters(d, diags);
            }
            Kind::FeatureView => {
                feature_view(d, &by_name, diags);
                feature_store_schema(d, &by_name, diags);
                feature_view_metadata_length(d, diags);
            }
            Kind::Entity => {
                entity(d, diags);
                feature_store_schema(d, &by_name, diags);
                entity_lengths(d, diags);
            }
            Kind::Schema => schema_transience(d, &by_name, diags),
            _ => {}
        }
    }
    cycles(decoded, diags);
    super::statements::run(decoded, diags);
}

fn span(decoded: &Decoded, attr: &str) -> Option<Span> {
    decoded
        .spans
        .get(attr)
        .cloned()
        .or_else(|| decoded.object.span.clone())
}

fn duplicates(decoded: &[Decoded], diags: &mut Diagnostics) {
    let mut groups: BTreeMap<(Kind, &ObjectName), Vec<&Decoded>> = BTreeMap::new();
    for d in decoded {
        groups
            .entry((d.object.kind(), &d.object.name))
            .or_default()
            .push(d);
        // A feature view refreshed on a cron schedule also has a task of its own name.
        let cron = (d.object.kind() == Kind::FeatureView)
            .then(|| d.object.get_str(attr::REFRESH_FREQ))
            .flatten()
            .and_then(|f| RefreshFreq::parse(f).ok());
        if matches!(cron, Some(RefreshFreq::Cron(_))) {
            groups
                .entry((Kind::Task, &d.object.name))
                .or_default()
                .push(d);
        }
    }
    for ((kind, name), group) in groups.into_iter().filter(|(_, g)| g.len() > 1) {
        let addresses = list(group.iter().map(|d| d.object.address.to_string()).collect());
        let where_: Vec<String> = group
            .iter()
            .map(|d| {
                let at = d
                    .object
                    .span
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default();
                format!("{} at {at}", d.object.address)
            })
            .collect();
        let detail = format!(
            "one block manages each Snowflake object: {}",
            where_.join(", ")
        );
        // One message at each position (instances of one block share theirs).
        let positions: BTreeSet<Option<Span>> =
            group.iter().map(|d| d.object.span.clone()).collect();
        for at in positions {
            diags.push(
                Diagnostic::error(format!(
                    "{addresses} manage the same {} {name}",
                    kind.noun()
                ))
                .with_detail(detail.clone())
                .at(at),
            );
        }
    }
}

fn task(decoded: &Decoded, diags: &mut Diagnostics) {
    let o = &decoded.object;
    let has_schedule = o.get(attr::SCHEDULE).is_some();
    let schema = o.name.schema_name();
    // A schedule that is written but invalid has its own error; saying it has none would be false.
    let written = decoded.spans.contains_key(attr::SCHEDULE);
    if decoded.after.is_empty() && !has_schedule && !written {
        diags.push(
            Diagnostic::warning(format!("{} has neither schedule nor after, so it runs only when started by hand", o.address))
                .with_detail("give it a schedule, or run it after another task with after = [task.NAME]; EXECUTE TASK starts it by hand")
                .at(o.span.clone()),
        );
    }
    if !decoded.after.is_empty() && has_schedule {
        diags.push(
            Diagnostic::error(format!("{} has a schedule but runs after other tasks", o.address))
                .with_detail("only the root task of a task graph has a schedule: remove schedule, or remove after")
                .at(span(decoded, attr::SCHEDULE)),
        );
    }
    if decoded.after.len() > MAX_PREDECESSORS {
        diags.push(
            Diagnostic::error(format!(
                "{} runs after {} tasks; Snowflake allows at most {MAX_PREDECESSORS}",
                o.address,
                decoded.after.len()
            ))
            .at(span(decoded, attr::AFTER)),
        );
    }
    for p in &decoded.after {
        if *p == o.name {
            diags.push(
                Diagnostic::error(format!("{} runs after itself", o.address))
                    .at(span(decoded, attr::AFTER)),
            );
        } else if p.schema_name() != schema {
            diags.push(
                Diagnostic::error(format!(
                    "{} runs after {p}, which is in another schema",
                    o.address
                ))
                .with_detail(format!(
                    "every task of a task graph must be in one schema; {} is in {}",
                    o.address,
                    schema.as_ref().map(ToString::to_string).unwrap_or_default()
                ))
                .at(span(decoded, attr::AFTER)),
            );
        }
    }
}

/// CONFIG, OVERLAP_POLICY and TASK_AUTO_RETRY_ATTEMPTS belong to a task graph and are set
/// on its root: Snowflake refuses them on a task with predecessors. (A schedule on a child
/// has its own message in `task`.)
fn root_only_parameters(decoded: &Decoded, diags: &mut Diagnostics) {
    if decoded.after.is_empty() {
        return;
    }
    let o = &decoded.object;
    for attr in ROOT_ONLY.iter().filter(|a| **a != "schedule") {
        if o.get(attr).is_none() {
            continue;
        }
        diags.push(
            Diagnostic::error(format!(
                "{} sets {attr} but runs after other tasks",
                o.address
            ))
            .with_detail(format!(
                "{attr} applies to a whole task graph and Snowflake accepts it only on the root task: move it to the root of {}'s graph, or remove after",
                o.address
            ))
            .at(span(decoded, attr)),
        );
    }
}

/// Every schema of a transient database is transient: `transient = false` there would
/// be a replacement at every plan.
fn schema_transience(
    decoded: &Decoded,
    by_name: &BTreeMap<(Kind, &ObjectName), &Decoded>,
    diags: &mut Diagnostics,
) {
    let o = &decoded.object;
    if o.get(attr::TRANSIENT).and_then(|v| v.as_bool()) != Some(false) {
        return;
    }
    let Some(db) = o.name.database.clone().map(ObjectName::account) else {
        return;
    };
    if let Some(parent) = by_name
        .get(&(Kind::Database, &db))
        .filter(|p| p.object.flag(attr::TRANSIENT))
    {
        diags.push(
            Diagnostic::error(format!(
                "{} is in the transient database {db}, so it cannot be permanent",
                o.address
            ))
            .with_detail(format!(
                "Snowflake makes every schema of a transient database transient: remove transient = false, or make {} permanent",
                parent.object.address
            ))
            .at(span(decoded, attr::TRANSIENT)),
        );
    }
}

fn feature_view(
    decoded: &Decoded,
    by_name: &BTreeMap<(Kind, &ObjectName), &Decoded>,
    diags: &mut Diagnostics,
) {
    let o = &decoded.object;
    if o.get(attr::REFRESH_FREQ).is_some() && o.get(attr::WAREHOUSE).is_none() {
        diags.push(
            Diagnostic::error(format!("{} has refresh_freq but no warehouse", o.address))
                .with_detail("a feature view with refresh_freq is a dynamic table, refreshed by a warehouse: add warehouse = warehouse.NAME, or remove refresh_freq to make it a view")
                .at(span(decoded, attr::REFRESH_FREQ)),
        );
    }
    if o.get(attr::ENTITIES)
        .and_then(|e| e.as_list())
        .is_some_and(<[_]>::is_empty)
    {
        diags.push(
            Diagnostic::error(format!("{} has no entity", o.address))
                .with_detail(
                    "a feature view describes at least one entity: entities = [entity.NAME]",
                )
                .at(span(decoded, attr::ENTITIES)),
        );
    }
    // The library splits NAME$VERSION on `$` and refuses the feature view otherwise.
    if o.name.name.as_str().matches('$').count() > 1 {
        diags.push(
            Diagnostic::error(format!("the feature view name of {} contains `$`", o.address))
                .with_detail("the Feature Store names a feature view NAME$VERSION and splits it on `$` to read it back: use a name without `$`")
                .at(span(decoded, attr::NAME)),
        );
    }
    if let Some(c) = o
        .get_str(attr::TIMESTAMP_COL)
        .and_then(unreadable_in_metadata)
    {
        diags.push(
            Diagnostic::error(format!("the timestamp column of {} contains {c}", o.address))
                .with_detail("the Feature Store keeps the timestamp column in JSON inside the feature view's definition and reads it back unescaped: rename the column, or alias it in the query")
                .at(span(decoded, attr::TIMESTAMP_COL)),
        );
    }
    let schema = o.name.schema_name();
    for e in &decoded.entities {
        let entity = entity_of_tag(&e.name)
            .map(|i| i.as_str().to_string())
            .unwrap_or_default();
        if e.schema_name() != schema {
            diags.push(
                Diagnostic::error(format!(
                    "{} uses the entity {entity} of another schema",
                    o.address
                ))
                .with_detail(format!(
                    "a feature view's entities are in its own schema ({}); the entity is in {}",
                    schema.as_ref().map(ToString::to_string).unwrap_or_default(),
                    e.schema_name().map(|s| s.to_string()).unwrap_or_default()
                ))
                .at(span(decoded, attr::ENTITIES)),
            );
        } else if !by_name.contains_key(&(Kind::Entity, e)) {
            diags.push(
                Diagnostic::error(format!("{} uses the entity {entity}, which no entity block declares", o.address))
                    .with_detail("snowform writes each entity's join keys into the feature view's tags: declare the entity with an entity block")
                    .at(span(decoded, attr::ENTITIES)),
            );
        }
    }
}

/// A character the Feature Store library cannot read back from the JSON it keeps in a
/// feature view's definition text: it takes the text between single quotes as it is, so a
/// quote ends it and no JSON escape (`\`) survives the SQL literal.
fn unreadable_in_metadata(text: &str) -> Option<String> {
    let c = text
        .chars()
        .find(|c| matches!(c, '\'' | '"' | '\\') || c.is_control())?;
    Some(if c.is_control() {
        format!("the control character {}", c.escape_default())
    } else {
        format!("`{c}`")
    })
}

fn entity(decoded: &Decoded, diags: &mut Diagnostics) {
    let Some(name) = entity_of_tag(&decoded.object.name.name) else {
        return;
    };
    if let Some(c) = unreadable_in_metadata(name.as_str()) {
        diags.push(
            Diagnostic::error(format!("the entity name {:?} contains {c}", name.as_str()))
                .with_detail("the Feature Store keeps entity names in JSON inside each feature view's definition and reads them back unescaped: use a name without quotes, backslashes or control characters")
                .at(span(decoded, attr::NAME)),
        );
    }
}

/// An entity name the library can hold, and join keys that fit in a tag value.
fn entity_lengths(decoded: &Decoded, diags: &mut Diagnostics) {
    let o = &decoded.object;
    if let Some(name) = entity_of_tag(&o.name.name) {
        let written = fv::library_identifier(name.as_str());
        let n = written.chars().count();
        if n > entity::NAME_MAX_CHARS {
            diags.push(
                Diagnostic::error(format!(
                    "the entity name of {} is {n} characters long as the Feature Store writes it ({written}); it allows at most {}",
                    o.address,
                    entity::NAME_MAX_CHARS
                ))
                .with_detail("the Feature Store library refuses a longer entity name, and lists entities with their names cut short, so it cannot find the entity: use a shorter name (a name that is not all upper case is written with its double quotes, which count)")
                .at(span(decoded, attr::NAME)),
            );
        }
    }
    let keys = o
        .get(attr::JOIN_KEYS)
        .map(|v| v.str_list().join(","))
        .unwrap_or_default();
    let n = keys.chars().count();
    if n > TAG_VALUE_MAX_CHARS {
        diags.push(
            Diagnostic::error(format!(
                "the join keys of {} make a tag value of {n} characters; Snowflake allows at most {TAG_VALUE_MAX_CHARS}",
                o.address
            ))
            .with_detail("the entity's tag holds its join keys joined by commas, and every feature view of the entity carries them in a tag of its own: use fewer or shorter join keys")
            .at(span(decoded, attr::JOIN_KEYS)),
        );
    }
}

/// The feature view's metadata tag value (its entities and timestamp column, as the library
/// writes them) must fit in a tag value.
fn feature_view_metadata_length(decoded: &Decoded, diags: &mut Diagnostics) {
    let o = &decoded.object;
    let names: Vec<Ident> = decoded
        .entities
        .iter()
        .filter_map(|e| entity_of_tag(&e.name))
        .collect();
    let names: Vec<&str> = names.iter().map(Ident::as_str).collect();
    let value = fv::metadata_tag_value(&names, o.get_str(attr::TIMESTAMP_COL));
    let n = fv::stored_chars(&value);
    if n > TAG_VALUE_MAX_CHARS {
        diags.push(
            Diagnostic::error(format!(
                "the Feature Store metadata of {} is {n} characters long; Snowflake allows at most {TAG_VALUE_MAX_CHARS} in a tag value",
                o.address
            ))
            .with_detail(format!(
                "the feature view's {} tag holds the names of its entities and its timestamp column: {value}; use fewer entities or shorter names",
                fv::METADATA_TAG
            ))
            .at(span(decoded, attr::ENTITIES)),
        );
    }
}

fn feature_store_schema(
    decoded: &Decoded,
    by_name: &BTreeMap<(Kind, &ObjectName), &Decoded>,
    diags: &mut Diagnostics,
) {
    let Some(schema) = decoded.object.name.schema_name() else {
        return;
    };
    if !by_name.contains_key(&(Kind::Schema, &schema)) {
        diags.push(
            Diagnostic::error(format!("the schema {schema} of {} is not managed by a schema block", decoded.object.address))
                .with_detail("the Feature Store's own tags and tables are created with the schema: add a schema block for it")
                .at(span(decoded, attr::SCHEMA)),
        );
    }
}

/// Cycles among the objects' dependencies, including those on objects named by strings.
fn cycles(decoded: &[Decoded], diags: &mut Diagnostics) {
    let mut g: Graph<Address> = Graph::new();
    let spans: BTreeMap<&Address, Option<Span>> = decoded
        .iter()
        .map(|d| (&d.object.address, d.object.span.clone()))
        .collect();
    for d in decoded {
        g.add_node(d.object.address.clone());
        for dep in &d.object.deps {
            g.add_dep(d.object.address.clone(), dep.clone());
        }
    }
    for cycle in g.cycles() {
        let members: BTreeSet<(Option<Span>, String)> = cycle
            .iter()
            .map(|a| (spans.get(a).cloned().flatten(), a.to_string()))
            .collect();
        let names: Vec<String> = members.iter().map(|(_, a)| a.clone()).collect();
        let at = members.iter().next().and_then(|(s, _)| s.clone());
        diags.push(
            Diagnostic::error(format!("dependency cycle between {}", list(names)))
                .with_detail("each needs the others to exist first; one of them names another by a string that leads back to itself")
                .at(at),
        );
    }
}
