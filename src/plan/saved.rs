//! Saved plans: `plan --out FILE` stores the plan with where it came from; `apply FILE`
//! runs exactly its statements, unless the state or any object it touches changed since.

use super::Plan;
use crate::model::{Address, Object};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const KIND: &str = "snowform-plan";
pub const FORMAT_VERSION: u32 = 2;

/// A saved plan as the file holds it. The file is data: `digest` seals it, and what it
/// says is checked again before anything runs (see [`SavedPlan::parse`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SavedPlan {
    pub kind: String,
    pub format_version: u32,
    pub snowform_version: String,
    /// SHA-256 (hex) of [`sealed`]`(plan, redacted, targets, replace)`.
    #[serde(default)]
    pub digest: String,
    /// Sensitive values were replaced by `(sensitive)`: apply makes the plan again from the
    /// configuration and its variables, and runs it only if it is this one.
    #[serde(default)]
    pub redacted: bool,
    /// The `--target` addresses the plan was made for.
    #[serde(default)]
    pub targets: Vec<String>,
    /// The `--replace` addresses the plan was made with (sealed when there are any, so a
    /// plan written without them keeps its digest).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub replace: Vec<String>,
    pub plan: serde_json::Value,
}

/// Why a file is not a saved plan that may be applied.
#[derive(Debug, thiserror::Error)]
pub enum SavedPlanError {
    #[error("not a saved snowform plan: {0}")]
    NotAPlan(String),
    #[error("a saved plan of format {found} (kind {kind:?}), and this snowform reads format {FORMAT_VERSION}: make the plan again with this version")]
    Format { kind: String, found: u32 },
    #[error("the plan was changed after `snowform plan --out` wrote it (its digest does not match its content), so it is not applied: make a new plan with `snowform plan --out FILE`")]
    Tampered,
    #[error("the plan is not consistent ({0}): it was changed after it was written or is damaged; make a new plan with `snowform plan --out FILE`")]
    Inconsistent(String),
}

/// The text the digest is taken over: compact JSON with sorted keys. `replace` is part
/// of it only when there is one, so plans saved before it existed keep their digest.
pub fn sealed(
    plan: &serde_json::Value,
    redacted: bool,
    targets: &[String],
    replace: &[String],
) -> String {
    let mut v = serde_json::json!({"plan": plan, "redacted": redacted, "targets": targets});
    if !replace.is_empty() {
        v["replace"] = serde_json::json!(replace);
    }
    v.to_string()
}

fn digest_of(plan: &SavedPlan) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(
        sealed(&plan.plan, plan.redacted, &plan.targets, &plan.replace).as_bytes(),
    ))
}

impl SavedPlan {
    /// The plan as a file may hold it: `hide` replaces the sensitive values in its JSON
    /// (the caller's redactor: what is sensitive is the configuration's business).
    pub fn new(
        plan: &Plan,
        targets: &[Address],
        replace: &[Address],
        hide: impl Fn(&serde_json::Value) -> serde_json::Value,
    ) -> SavedPlan {
        let raw = serde_json::to_value(plan).expect("a plan serialises");
        let json = hide(&raw);
        let redacted = json != raw;
        let mut saved = SavedPlan {
            kind: KIND.into(),
            format_version: FORMAT_VERSION,
            snowform_version: env!("CARGO_PKG_VERSION").into(),
            digest: String::new(),
            redacted,
            targets: targets.iter().map(|t| t.to_string()).collect(),
            replace: replace.iter().map(|t| t.to_string()).collect(),
            plan: json,
        };
        saved.digest = digest_of(&saved);
        saved
    }

    /// Read a saved plan: its kind and format, its seal, and that its statements are the
    /// ones its changes give (nothing in the file is run as written). Never panics.
    pub fn parse(text: &str) -> Result<(SavedPlan, Plan), SavedPlanError> {
        let p: SavedPlan =
            serde_json::from_str(text).map_err(|e| SavedPlanError::NotAPlan(e.to_string()))?;
        if p.kind != KIND || p.format_version != FORMAT_VERSION {
            return Err(SavedPlanError::Format {
                kind: p.kind,
                found: p.format_version,
            });
        }
        if p.digest != digest_of(&p) {
            return Err(SavedPlanError::Tampered);
        }
        let plan: Plan = serde_json::from_value(p.plan.clone())
            .map_err(|e| SavedPlanError::NotAPlan(e.to_string()))?;
        verify(&plan).map_err(SavedPlanError::Inconsistent)?;
        Ok((p, plan))
    }
}

/// The plan's steps are the ones its changes give (`plan::build`), with its run order any
/// order of them: so every statement is snowform's own for the change it belongs to.
fn verify(plan: &Plan) -> Result<(), String> {
    let changes: Vec<crate::diff::Change> = plan.changes.iter().map(|c| c.change.clone()).collect();
    // Rebuilding panics on nothing a file can hold, but a panic here must still be an error.
    let workspace = plan.workspace.clone();
    let rebuilt = std::panic::catch_unwind(move || super::build(changes, &workspace))
        .map_err(|_| "its changes cannot be planned".to_string())?;
    if rebuilt.changes != plan.changes {
        return Err("its changes are not what planning them gives".into());
    }
    if rebuilt.steps != plan.steps || rebuilt.main_phase_ends != plan.main_phase_ends {
        return Err("its statements are not the ones its changes give".into());
    }
    let mut order = plan.order.clone();
    order.sort_unstable();
    if order != (0..plan.steps.len()).collect::<Vec<_>>() {
        return Err("its run order does not name every step once".into());
    }
    Ok(())
}

/// The state a saved plan is checked against: which state it is (its lineage) and how
/// many writes it had (its serial). The state implements it: `plan` is pure and does not
/// know the state, which is read and written at the edge.
pub(crate) trait StateVersion {
    fn lineage(&self) -> &str;
    fn serial(&self) -> u64;
}

/// Every way the plan no longer fits: the state moved on, or the account changed.
pub(crate) fn staleness(
    plan: &Plan,
    state: &impl StateVersion,
    live: Option<&BTreeMap<Address, Option<Object>>>,
) -> Vec<String> {
    let mut out = Vec::new();
    let p = &plan.provenance;
    let (lineage, serial) = (state.lineage(), state.serial());
    match p.state_lineage.as_deref() {
        Some(l) if l != lineage => out.push(format!(
            "the state is another state (lineage {lineage} instead of {l}): the plan was made for another workspace or backend",
        )),
        None if serial != 0 => out.push(format!(
            "the state changed since the plan was made (none then, serial {serial} now): something was applied in between",
        )),
        _ if p.state_serial != serial => out.push(format!("the state changed since the plan was made (serial {} then, {serial} now): something was applied in between", p.state_serial)),
        _ => {}
    }
    if let Some(now) = live {
        for (addr, then) in &p.live {
            let current = now.get(addr).cloned().flatten();
            match (then, &current) {
                (None, None) => {}
                (None, Some(_)) => out.push(format!(
                    "{addr} was created in the account since the plan was made"
                )),
                (Some(_), None) => out.push(format!(
                    "{addr} was dropped from the account since the plan was made"
                )),
                (Some(a), Some(b)) if a.name != b.name || a.props != b.props => {
                    let changed: Vec<String> = a
                        .props
                        .keys()
                        .chain(b.props.keys())
                        .filter(|k| a.props.get(*k) != b.props.get(*k))
                        .map(|k| {
                            format!("{k}: {} -> {}", show(a.props.get(k)), show(b.props.get(k)))
                        })
                        .collect::<std::collections::BTreeSet<_>>()
                        .into_iter()
                        .collect();
                    out.push(format!(
                        "{addr} changed in the account since the plan was made ({})",
                        changed.join("; ")
                    ));
                }
                _ => {}
            }
        }
    }
    out
}

fn show(value: Option<&crate::model::Value>) -> String {
    value
        .map(|v| format!("{v}"))
        .unwrap_or_else(|| "(unset)".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::attr;

    /// The configuration and record of the format-2 fixture: a replaced database with a schema
    /// in it, a rename, a move to another address, a delete and a task graph whose child
    /// changes, so that the plan holds each common kind of reason.
    fn fixture_inputs() -> (Vec<crate::model::Object>, Vec<crate::model::Object>) {
        use crate::model::{Address, Ident, Kind, Object, ObjectName, Value};
        fn id(name: &str) -> Ident {
            Ident::from_canonical(name)
        }
        let wh = |addr: &str, name: &str| {
            let mut o = Object::new(
                Address::new(Kind::Warehouse, addr),
                ObjectName::account(id(name)),
            );
            o.set(attr::SIZE, "XSMALL");
            o
        };
        let db = |transient: bool| {
            let mut o = Object::new(
                Address::new(Kind::Database, "d"),
                ObjectName::account(id("D")),
            );
            o.set(attr::TRANSIENT, transient);
            o
        };
        let mut schema = Object::new(
            Address::new(Kind::Schema, "s"),
            ObjectName::in_database(id("D"), id("S")),
        );
        schema.deps.insert(Address::new(Kind::Database, "d"));
        let task = |name: &str, after: Option<&str>, sql: &str| {
            let mut o = Object::new(
                Address::new(Kind::Task, name.to_lowercase()),
                ObjectName::in_schema(id("E"), id("T"), id(name)),
            );
            o.set(attr::SQL, sql);
            o.set(attr::ENABLED, true);
            match after {
                None => o.set(attr::SCHEDULE, "USING CRON 0 6 * * * UTC"),
                Some(a) => {
                    o.set(
                        attr::AFTER,
                        Value::List(vec![Value::from(format!("E.T.{a}"))]),
                    );
                    o.deps.insert(Address::new(Kind::Task, a.to_lowercase()));
                }
            }
            o
        };
        let desired = vec![
            db(true),
            schema.clone(),
            wh("w", "W2"),
            wh("new", "V"),
            task("ROOT", None, "CALL R()"),
            task("CHILD", Some("ROOT"), "CALL C2()"),
        ];
        let recorded = vec![
            db(false),
            schema,
            wh("w", "W"),
            wh("old", "V"),
            wh("gone", "G"),
            task("ROOT", None, "CALL R()"),
            task("CHILD", Some("ROOT"), "CALL C()"),
        ];
        (desired, recorded)
    }

    fn fixture_plan() -> crate::plan::Plan {
        let (desired, recorded) = fixture_inputs();
        let recorded: std::collections::BTreeMap<_, _> = recorded
            .into_iter()
            .map(|o| (o.address.clone(), o))
            .collect();
        let changes = crate::diff::diff(&crate::diff::DiffInput {
            desired: &desired,
            recorded: &recorded,
            live: None,
        })
        .unwrap();
        crate::plan::build(changes, "default")
    }

    /// A format-2 plan written before reasons were typed reads, verifies, and is the plan
    /// this version makes from the same inputs, down to its seal.
    #[test]
    fn a_format_2_plan_written_before_typed_reasons_still_reads_and_verifies() {
        let text =
            include_str!("../../tests/fixtures/plans/made_here_format2_before_typed_reasons.json");
        let (file, plan) = SavedPlan::parse(text).expect("reads and verifies");
        let fresh = fixture_plan();
        assert_eq!(plan, fresh);
        let again = SavedPlan::new(&fresh, &[], &[], |v| v.clone());
        assert_eq!(again.plan, file.plan);
        assert_eq!(again.digest, file.digest);
        // What was read is text only: nothing decides on it.
        let reasons: Vec<&crate::diff::Reason> = plan
            .changes
            .iter()
            .flat_map(|c| &c.change.reasons)
            .collect();
        assert!(reasons.len() >= 6, "{reasons:?}");
        assert!(reasons
            .iter()
            .all(|r| matches!(r.why(), crate::diff::Why::Read)));
    }
}
