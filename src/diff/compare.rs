//! Comparing one desired object with what exists now, attribute by attribute, following
//! the attribute tables: what Snowflake can ALTER is an update; what it cannot is a
//! replace, with the reason.

use super::{model_versions, Action, AttrChange, Change, Reason, Why, UNKNOWN};
use crate::diag::Diagnostics;
use crate::kinds::{feature_view, stage, table};
use crate::model::attr;
use crate::model::{same_value, schema, Kind, Object, Role, Update, Value};
use std::borrow::Cow;

/// The change from `cur` (what exists now, kept as the change's `before`) to `desired`.
pub(super) fn compare(desired: &Object, cur: Object) -> Result<Change, Diagnostics> {
    let mut change = compare_attrs(desired, &cur)?;
    change.before = Some(cur);
    Ok(change)
}

/// [`compare`] without `before`: for the callers that only read the action and the
/// attributes, so that nothing copies the object compared.
pub(super) fn compare_attrs(desired: &Object, cur: &Object) -> Result<Change, Diagnostics> {
    let mut change = Change::new(desired.address.clone(), Action::NoOp);
    let mut replace_reasons: Vec<Why> = Vec::new();

    if cur.name != desired.name {
        change.attrs.push(AttrChange {
            name: "name".into(),
            before: Some(Value::Str(cur.name.to_string())),
            after: Some(Value::Str(desired.name.to_string())),
        });
        if desired.kind().can_rename() {
            change.reasons.push(
                Why::Renamed {
                    from: cur.name.clone(),
                    to: desired.name.clone(),
                }
                .into(),
            );
        } else {
            replace_reasons.push(Why::CannotRename {
                text: rename_reason(desired, cur),
            });
        }
    }

    for (attr_change, replace) in compare_props(desired, cur) {
        if let Some(why) = replace {
            replace_reasons.push(Why::AttrNeedsReplace {
                attr: attr_change.name.clone(),
                why,
            });
        }
        change.attrs.push(attr_change);
    }

    if desired.kind() == Kind::Model {
        model_versions::compare(desired, cur, &mut change)?;
    }

    if !replace_reasons.is_empty() {
        change.action = Action::Replace;
        change.destructive = true;
        change
            .reasons
            .extend(replace_reasons.into_iter().map(Reason::from));
    } else if !change.attrs.is_empty() {
        change.action = Action::Update;
    }
    Ok(change)
}

fn rename_reason(desired: &Object, cur: &Object) -> String {
    match desired.kind() {
        Kind::FeatureView => format!(
            "{} is a new feature view version: {} is dropped and {} created; to keep the old version while readers move, add a block for the new version instead",
            desired.name, cur.name, desired.name
        ),
        Kind::Task => format!("Snowflake cannot rename a task: {} is dropped and {} created", cur.name, desired.name),
        k => format!("Snowflake cannot rename a {}: {} is dropped and {} created", k.noun(), cur.name, desired.name),
    }
}

/// The attributes whose values differ, each with the reason a change needs a replace.
pub(crate) fn compare_props(
    configured: &Object,
    cur: &Object,
) -> Vec<(AttrChange, Option<&'static str>)> {
    let kind = configured.kind();
    let mut out = Vec::new();
    let is_view_fv = |o: &Object| kind == Kind::FeatureView && o.get(attr::REFRESH_FREQ).is_none();
    for attr in schema(kind).properties() {
        if attr.role == Role::NamePart || attr.update == Update::CreateOnly {
            continue;
        }
        if configured
            .lifecycle
            .ignore_changes
            .iter()
            .any(|n| n == attr.name)
        {
            continue;
        }
        // Views have no warehouse, refresh mode or schedule state to compare.
        if is_view_fv(configured)
            && is_view_fv(cur)
            && matches!(attr.name, "warehouse" | "refresh_mode" | "enabled")
        {
            continue;
        }
        // Borrowed: only a value that differs is copied, into the change.
        let desired = match configured.props.get(attr.name) {
            Some(v) => Some(Cow::Borrowed(v)),
            None if attr.computed => continue,
            None => configured.effective_ref(attr),
        };
        let current = cur.effective_ref(attr);
        let (desired_ref, current_ref) = (desired.as_deref(), current.as_deref());
        if current_ref.and_then(Value::as_str) == Some(UNKNOWN) {
            continue;
        }
        // A refresh task's target is compared only between two cron feature views; a
        // state written before snowform recorded it does not know it.
        if attr.name == attr::REFRESH_TASK_TARGET && (desired.is_none() || current.is_none()) {
            continue;
        }
        if attr.role == Role::Derived && kind == Kind::Schema {
            // A schema only ever gains the Feature Store's objects; snowform never removes them.
            let yes = Some(&Value::Bool(true));
            if desired_ref != yes || current_ref == yes {
                continue;
            }
        }
        if same_value(&attr.ty, desired_ref, current_ref) {
            continue;
        }
        let replace = match attr.update {
            Update::Replace(why) => Some(why),
            _ => match kind {
                Kind::Stage => stage::replace_reason(attr.name, current_ref, desired_ref),
                Kind::FeatureView => {
                    feature_view::replace_reason(attr.name, current_ref, desired_ref)
                }
                Kind::Table => table::replace_reason(attr.name, current_ref, desired_ref),
                _ => None,
            },
        };
        out.push((
            AttrChange {
                name: attr.name.to_string(),
                before: current.map(Cow::into_owned),
                after: desired.map(Cow::into_owned),
            },
            replace,
        ));
    }
    out
}
