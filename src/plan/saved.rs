//! Saved plans: `plan --out FILE` stores the plan with where it came from; `apply FILE`
//! runs exactly its statements, unless the state or any object it touches changed since.

use super::Plan;
use crate::model::{Address, Object};
use crate::state::State;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const KIND: &str = "snowform-plan";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedPlan {
    pub kind: String,
    pub format_version: u32,
    pub snowform_version: String,
    pub plan: Plan,
}

impl SavedPlan {
    pub fn new(plan: Plan) -> SavedPlan {
        SavedPlan {
            kind: KIND.into(),
            format_version: 1,
            snowform_version: env!("CARGO_PKG_VERSION").into(),
            plan,
        }
    }

    pub fn parse(text: &str) -> Result<SavedPlan, String> {
        let p: SavedPlan =
            serde_json::from_str(text).map_err(|e| format!("not a saved snowform plan: {e}"))?;
        if p.kind != KIND || p.format_version != 1 {
            return Err(format!(
                "not a saved snowform plan of format 1 (kind {:?}, format {})",
                p.kind, p.format_version
            ));
        }
        Ok(p)
    }
}

/// Every way the plan no longer fits: the state moved on, or the account changed.
pub fn staleness(
    plan: &Plan,
    state: &State,
    live: Option<&BTreeMap<Address, Option<Object>>>,
) -> Vec<String> {
    let mut out = Vec::new();
    let p = &plan.provenance;
    match p.state_lineage.as_deref() {
        Some(l) if l != state.lineage => out.push(format!(
            "the state is another state (lineage {} instead of {l}): the plan was made for another workspace or backend",
            state.lineage,
        )),
        None if state.serial != 0 => out.push(format!(
            "the state changed since the plan was made (none then, serial {} now): something was applied in between",
            state.serial
        )),
        _ if p.state_serial != state.serial => out.push(format!("the state changed since the plan was made (serial {} then, {} now): something was applied in between", p.state_serial, state.serial)),
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
