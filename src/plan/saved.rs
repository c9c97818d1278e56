//! Saved plans: `plan --out FILE` stores the plan with where it came from; `apply FILE`
//! runs exactly its statements, unless the state or any object it touches changed since.

use super::Plan;
use crate::model::{Address, Object};
use crate::render::Redactor;
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
    /// SHA-256 (hex) of [`sealed`]`(plan, redacted, targets)`.
    #[serde(default)]
    pub digest: String,
    /// Sensitive values were replaced by `(sensitive)`: apply makes the plan again from the
    /// configuration and its variables, and runs it only if it is this one.
    #[serde(default)]
    pub redacted: bool,
    /// The `--target` addresses the plan was made for.
    #[serde(default)]
    pub targets: Vec<String>,
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

/// The text the digest is taken over: compact JSON with sorted keys.
pub fn sealed(plan: &serde_json::Value, redacted: bool, targets: &[String]) -> String {
    serde_json::json!({"plan": plan, "redacted": redacted, "targets": targets}).to_string()
}

fn digest_of(plan: &serde_json::Value, redacted: bool, targets: &[String]) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(sealed(plan, redacted, targets).as_bytes()))
}

impl SavedPlan {
    /// The plan as a file may hold it: what `redact` hides is replaced.
    pub fn new(plan: &Plan, targets: &[Address], redact: &Redactor) -> SavedPlan {
        let raw = serde_json::to_value(plan).expect("a plan serialises");
        let json = redact.json(&raw);
        let redacted = json != raw;
        let targets: Vec<String> = targets.iter().map(|t| t.to_string()).collect();
        SavedPlan {
            kind: KIND.into(),
            format_version: FORMAT_VERSION,
            snowform_version: env!("CARGO_PKG_VERSION").into(),
            digest: digest_of(&json, redacted, &targets),
            redacted,
            targets,
            plan: json,
        }
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
        if p.digest != digest_of(&p.plan, p.redacted, &p.targets) {
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
pub trait StateVersion {
    fn lineage(&self) -> &str;
    fn serial(&self) -> u64;
}

/// Every way the plan no longer fits: the state moved on, or the account changed.
pub fn staleness(
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

fn show(v: Option<&crate::model::Value>) -> String {
    v.map(|v| format!("{v}"))
        .unwrap_or_else(|| "(unset)".into())
}
