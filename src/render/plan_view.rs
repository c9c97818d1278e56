//! The plan as users and pipelines see it: the JSON shape of docs/json.md, which the human
//! and markdown renderers read too.

use super::diffs::unified;
use super::Redactor;
use crate::diff::{Action, Contents};
use crate::model::{schema, AttrType, Value};
use crate::plan::Plan;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SummaryView {
    pub create: usize,
    pub update: usize,
    pub replace: usize,
    pub delete: usize,
    pub noop: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AttributeView {
    pub name: String,
    pub before: serde_json::Value,
    pub after: serde_json::Value,
}

/// A unified diff of a changed SQL text.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BodyDiff {
    pub name: String,
    pub diff: String,
}

/// An object inside a replaced database or schema, which Snowflake drops with it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DroppedView {
    pub kind: String,
    pub name: String,
    /// Recorded in the state; false for objects snowform does not manage.
    pub managed: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChangeView {
    pub address: String,
    pub kind: String,
    pub name: String,
    pub action: Action,
    pub destructive: bool,
    /// Breaks what others run without destroying anything (a rename of a database,
    /// schema or warehouse): why. Apply needs --allow-rename or --allow-destroy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disruption: Option<String>,
    pub reasons: Vec<String>,
    pub attributes: Vec<AttributeView>,
    pub statements: Vec<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub prevent_destroy: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moved_from: Option<String>,
    /// Adopted from the account by an `import` block.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub imported: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub diffs: Vec<BodyDiff>,
    /// Attributes changed outside snowform since the last apply, which this change puts back.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changed_outside: Vec<String>,
    /// A replaced database or schema: everything the account holds inside it, which is
    /// dropped with it, managed or not. Absent for other changes, and when it could not
    /// be read (then `drops_with_it_unknown` says why).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drops_with_it: Option<Vec<DroppedView>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drops_with_it_unknown: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlanView {
    pub format_version: String,
    pub workspace: String,
    pub summary: SummaryView,
    pub destructive: bool,
    /// Some change renames a database, schema or warehouse (see ChangeView::disruption).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub disruptive: bool,
    pub metadata_queries: usize,
    /// False when planned against the recorded state alone.
    pub refreshed: bool,
    /// sha256 of the statements and changes: what a reviewer approved.
    pub plan_digest: String,
    pub changes: Vec<ChangeView>,
    pub statements: Vec<String>,
}

fn json_of(value: &Option<Value>, redactor: &Redactor) -> serde_json::Value {
    match value {
        Some(value) => redactor.json(&value.to_json()),
        None => serde_json::Value::Null,
    }
}

impl PlanView {
    pub fn new(plan: &Plan, redact: &Redactor) -> PlanView {
        let mut summary = SummaryView::default();
        let mut changes = Vec::new();
        for pc in &plan.changes {
            let c = &pc.change;
            match c.action {
                Action::Create => summary.create += 1,
                Action::Update => summary.update += 1,
                Action::Replace => summary.replace += 1,
                Action::Delete => summary.delete += 1,
                Action::NoOp => summary.noop += 1,
            }
            let sch = schema(c.kind());
            let mut diffs = Vec::new();
            for a in &c.attrs {
                let is_sql = sch
                    .attr(&a.name)
                    .is_some_and(|at| matches!(at.ty, AttrType::Sql));
                if let (true, Some(Value::Str(b)), Some(Value::Str(af))) =
                    (is_sql, &a.before, &a.after)
                {
                    diffs.push(BodyDiff {
                        name: a.name.clone(),
                        diff: redact.apply(&unified(b, af)),
                    });
                }
            }
            changes.push(ChangeView {
                address: c.address.to_string(),
                kind: c.kind().as_str().to_string(),
                name: redact.apply(&c.name().to_string()),
                action: c.action,
                destructive: c.destructive,
                disruption: c.disruption().map(|d| redact.apply(&d)),
                reasons: c.reasons.iter().map(|r| redact.apply(r)).collect(),
                attributes: c
                    .attrs
                    .iter()
                    .map(|a| AttributeView {
                        name: a.name.clone(),
                        before: crate::model::unnest_json(
                            c.kind(),
                            &a.name,
                            json_of(&a.before, redact),
                        ),
                        after: crate::model::unnest_json(
                            c.kind(),
                            &a.name,
                            json_of(&a.after, redact),
                        ),
                    })
                    .collect(),
                statements: plan
                    .change_statements(pc)
                    .into_iter()
                    .map(|s| redact.apply(s))
                    .collect(),
                prevent_destroy: c.prevent_destroy && c.destructive,
                moved_from: c.moved_from.as_ref().map(|a| a.to_string()),
                imported: c.imported,
                diffs,
                changed_outside: c.changed_outside.clone(),
                drops_with_it: match &c.drops_with_it {
                    Some(Contents::Listed { objects }) => Some(
                        objects
                            .iter()
                            .map(|o| DroppedView {
                                kind: o.kind.clone(),
                                name: redact.apply(&o.name.to_string()),
                                managed: o.managed,
                            })
                            .collect(),
                    ),
                    _ => None,
                },
                drops_with_it_unknown: match &c.drops_with_it {
                    Some(Contents::Unknown { why }) => Some(redact.apply(why)),
                    _ => None,
                },
            });
        }
        let statements: Vec<String> = plan
            .statements()
            .into_iter()
            .map(|s| redact.apply(s))
            .collect();
        let plan_digest = {
            use sha2::{Digest, Sha256};
            let key: Vec<(&str, &str)> = changes
                .iter()
                .map(|c| (c.address.as_str(), c.action_str()))
                .collect();
            let body = serde_json::to_string(&(&key, &statements)).expect("serialisable");
            hex::encode(Sha256::digest(body.as_bytes()))
        };
        PlanView {
            format_version: "1".into(),
            workspace: plan.workspace.clone(),
            destructive: changes.iter().any(|c| c.destructive),
            disruptive: changes.iter().any(|c| c.disruption.is_some()),
            summary,
            metadata_queries: plan.metadata_queries,
            refreshed: plan.provenance.refreshed,
            plan_digest,
            changes,
            statements,
        }
    }

    pub(crate) fn has_changes(&self) -> bool {
        self.changes.iter().any(|c| c.action != Action::NoOp)
    }

    /// Changes that do something: destructive ones first, then in plan order.
    pub(crate) fn effective(&self) -> Vec<&ChangeView> {
        let mut v: Vec<&ChangeView> = self
            .changes
            .iter()
            .filter(|c| c.action != Action::NoOp)
            .collect();
        v.sort_by_key(|c| !(c.destructive || c.disruption.is_some()));
        v
    }
}

impl ChangeView {
    pub(crate) fn action_str(&self) -> &'static str {
        self.action.as_str()
    }

    /// What a replaced container drops with it, one line per object (or why it is not
    /// known); empty for other changes.
    pub(crate) fn dropped_lines(&self) -> Vec<String> {
        use crate::diff::contents as text;
        if let Some(why) = &self.drops_with_it_unknown {
            return vec![text::unknown_line(why)];
        }
        let Some(list) = &self.drops_with_it else {
            return Vec::new();
        };
        if list.is_empty() {
            return vec![text::NOTHING.into()];
        }
        list.iter()
            .map(|o| text::line(&o.kind, &o.name, o.managed))
            .collect()
    }

    /// What this change says of changes made outside snowform, if any.
    pub(crate) fn outside_note(&self) -> Option<String> {
        if self.changed_outside.is_empty() {
            return None;
        }
        let list = self.changed_outside.join(", ");
        Some(if self.changed_outside.len() == self.attributes.len() {
            format!("only undoes changes made outside snowform since the last apply ({list})")
        } else {
            format!("puts back what was changed outside snowform since the last apply ({list})")
        })
    }
}

impl PlanView {
    /// The objects snowform does not manage that replaced containers drop with them, each
    /// once (a replaced database and its replaced schema both list a table in it).
    pub(crate) fn unmanaged_dropped(&self) -> Vec<&DroppedView> {
        let mut seen = std::collections::BTreeSet::new();
        self.changes
            .iter()
            .flat_map(|c| c.drops_with_it.iter().flatten())
            .filter(|o| !o.managed && seen.insert((&o.kind, &o.name)))
            .collect()
    }

    /// The changes that put back something changed outside snowform.
    pub(crate) fn changed_outside(&self) -> Vec<&ChangeView> {
        self.effective()
            .into_iter()
            .filter(|c| !c.changed_outside.is_empty())
            .collect()
    }
}

/// `name = value`, or one entry per leaf of an object value (`versions.V1.source`): how
/// the human and markdown plans show an attribute whose value is an object.
pub(crate) fn leaves<'v>(
    name: &str,
    value: &'v serde_json::Value,
) -> Vec<(String, &'v serde_json::Value)> {
    match value {
        serde_json::Value::Object(m) if !m.is_empty() => m
            .iter()
            .flat_map(|(k, x)| leaves(&format!("{name}.{k}"), x))
            .collect(),
        _ => vec![(name.to_string(), value)],
    }
}
