//! The plan: every change with its statements, as steps ordered by dependency. Steps of
//! independent objects may run at once; `order` is the sequence a single runner follows
//! and the order the plan prints. Task graphs are suspended once at their root and resumed
//! children first. Pure: the same changes always give the same plan.

mod effects;
mod order;
pub mod saved;
mod tasks;

use crate::ddl::{self, Stmt};
use crate::diff::{Action, Change};
use crate::model::{Address, Object};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

pub(crate) use effects::patch;

/// How state changes when a step succeeds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Effect {
    None,
    /// Record the object as it now is.
    Put {
        object: Object,
    },
    /// Forget the object at this address.
    Remove {
        address: Address,
    },
    /// Record the object at its new address and forget the old one.
    Move {
        from: Address,
        object: Object,
    },
    /// Change only `paths` of the recorded object (at `from` when it moves, else at
    /// `object`'s address) to their values in `object` ([`patch`]): what one statement
    /// changes of an object that exists. Nothing is recorded when no record is there.
    Patch {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        from: Option<Address>,
        object: Object,
        paths: Vec<String>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub id: usize,
    /// Index of the change this step belongs to.
    pub change: usize,
    pub sql: Option<String>,
    pub effect: Effect,
    /// Steps that must have finished before this one starts.
    pub after: BTreeSet<usize>,
    /// Steps that must have succeeded for this one to run after a failure (see `finally`).
    pub(crate) requires: BTreeSet<usize>,
    /// Runs even when another step failed, as long as `requires` succeeded: resuming a task
    /// graph that was suspended for the change.
    pub(crate) finally: bool,
    /// Also waits for the whole main phase ([`Plan::main_phase_ends`]): the first step of a
    /// delete and the cleanup of a replacement. One flag instead of an `after` entry per
    /// main-phase step, which grew as creates × deletes.
    #[serde(default, skip_serializing_if = "is_false")]
    pub after_main_phase: bool,
}

fn is_false(flag: &bool) -> bool {
    !*flag
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedChange {
    pub change: Change,
    /// Its steps, in the order they run.
    pub steps: Vec<usize>,
}

/// Where the plan came from, so a saved plan can be checked before it is applied.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Provenance {
    pub(crate) config_digest: String,
    pub(crate) state_lineage: Option<String>,
    pub state_serial: u64,
    /// Each touched object as the account had it when planned (None: it did not exist).
    /// Only filled when the plan was refreshed from the account.
    pub live: BTreeMap<Address, Option<Object>>,
    pub refreshed: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub workspace: String,
    pub changes: Vec<PlannedChange>,
    pub steps: Vec<Step>,
    /// Step ids in the order a single runner executes them.
    pub order: Vec<usize>,
    /// The last steps of the main phase (creates, updates, replacements): once they are
    /// done, so is the whole phase, and the `after_main_phase` steps may start.
    #[serde(default)]
    pub main_phase_ends: BTreeSet<usize>,
    pub metadata_queries: usize,
    pub(crate) provenance: Provenance,
}

impl Plan {
    pub(crate) fn has_changes(&self) -> bool {
        self.changes.iter().any(|c| !c.change.is_noop())
    }

    pub fn destructive(&self) -> bool {
        self.changes.iter().any(|c| c.change.destructive)
    }

    /// Every statement, in the order apply runs them.
    pub fn statements(&self) -> Vec<&str> {
        self.order
            .iter()
            .filter_map(|&i| self.steps[i].sql.as_deref())
            .collect()
    }

    pub(crate) fn change_statements(&self, change: &PlannedChange) -> Vec<&str> {
        change
            .steps
            .iter()
            .filter_map(|&i| self.steps[i].sql.as_deref())
            .collect()
    }

    pub fn count(&self, action: Action) -> usize {
        self.changes
            .iter()
            .filter(|c| c.change.action == action)
            .count()
    }
}

/// Keep only the changes to `targets` and to what they depend on (and deletes of targets).
/// Whether `--target t` names `address`: the address itself, or its block (all instances).
fn targets_address(target: &Address, address: &Address) -> bool {
    address == target || (target.key.is_none() && address.block() == *target)
}

/// The targets that name no address of `changes` (every address of the configuration and the
/// state has a change, a noop at least).
pub(crate) fn unmatched_targets<'a>(
    changes: &[Change],
    targets: &'a [Address],
) -> Vec<&'a Address> {
    targets
        .iter()
        .filter(|t| !changes.iter().any(|c| targets_address(t, &c.address)))
        .collect()
}

pub(crate) fn filter_targets(changes: Vec<Change>, targets: &[Address]) -> Vec<Change> {
    if targets.is_empty() {
        return changes;
    }
    let by_addr: BTreeMap<&Address, &Change> = changes.iter().map(|c| (&c.address, c)).collect();
    let mut keep: BTreeSet<Address> = BTreeSet::new();
    let mut stack: Vec<Address> = Vec::new();
    for t in targets {
        for c in &changes {
            if targets_address(t, &c.address) {
                stack.push(c.address.clone());
            }
        }
    }
    while let Some(a) = stack.pop() {
        if keep.insert(a.clone()) {
            if let Some(c) = by_addr.get(&a) {
                if let Some(o) = &c.after {
                    stack.extend(o.deps.iter().cloned());
                }
            }
        }
    }
    changes
        .into_iter()
        .filter(|c| keep.contains(&c.address))
        .collect()
}

/// The changes with their statements laid out as steps, in change order, not yet linked.
struct Laid {
    changes: Vec<Change>,
    change_order: Vec<usize>,
    steps: Vec<Step>,
    /// Each change's steps, in the order they run.
    per_change: Vec<Vec<usize>>,
    /// Steps that drop the old object of a replacement once everything else ran.
    cleanup: BTreeSet<usize>,
    /// Steps that move an object's ownership: they run last.
    transfers: BTreeSet<usize>,
    graph_ops: tasks::GraphOps,
}

/// Ask `ddl` for each change's statements, add the task graphs' suspends and resumes, and
/// make one step per statement with what it records.
fn lay_out(changes: Vec<Change>, effects: bool) -> Laid {
    let change_order = order::change_order(&changes);
    let mut stmts: Vec<Vec<Stmt>> = changes.iter().map(ddl::statements).collect();
    let mut changes = changes;
    let graph_ops = tasks::graph_operations(&mut changes, &mut stmts);

    let mut steps: Vec<Step> = Vec::new();
    let mut per_change: Vec<Vec<usize>> = vec![Vec::new(); changes.len()];
    let mut cleanup: BTreeSet<usize> = BTreeSet::new();
    let mut transfers: BTreeSet<usize> = BTreeSet::new();
    let push = |steps: &mut Vec<Step>, ci: usize, sql: Option<String>, effect: Effect| -> usize {
        let id = steps.len();
        steps.push(Step {
            id,
            change: ci,
            sql,
            effect,
            after: BTreeSet::new(),
            requires: BTreeSet::new(),
            finally: false,
            after_main_phase: false,
        });
        id
    };

    // Suspends come first within their changes, then each change's own statements.
    for &ci in &change_order {
        let all: Vec<&Stmt> = graph_ops.prefix[ci]
            .iter()
            .chain(stmts[ci].iter())
            .chain(graph_ops.suffix[ci].iter())
            .collect();
        let recorded = if effects {
            effects::snapshots(
                &changes[ci],
                &graph_ops.prefix[ci],
                &stmts[ci],
                &graph_ops.suffix[ci],
            )
        } else {
            vec![Effect::None; all.len()]
        };
        for (stmt, effect) in all.into_iter().zip(recorded) {
            let id = push(&mut steps, ci, stmt.sql.clone(), effect);
            if stmt.cleanup {
                cleanup.insert(id);
            }
            if stmt.transfers_ownership() {
                transfers.insert(id);
            }
            per_change[ci].push(id);
        }
    }
    Laid {
        changes,
        change_order,
        steps,
        per_change,
        cleanup,
        transfers,
        graph_ops,
    }
}

/// Turn changes into an ordered plan of steps, each with what it records in the state.
pub fn build(changes: Vec<Change>, workspace: &str) -> Plan {
    build_with(changes, workspace, true)
}

/// [`build`] for a plan that is only shown: no step says what it records (every effect
/// is `Effect::None`), which apply and a saved plan need and a view never shows.
pub fn build_shown(changes: Vec<Change>, workspace: &str) -> Plan {
    build_with(changes, workspace, false)
}

fn build_with(changes: Vec<Change>, workspace: &str, effects: bool) -> Plan {
    let Laid {
        changes,
        change_order,
        mut steps,
        per_change,
        cleanup,
        transfers,
        graph_ops,
    } = lay_out(changes, effects);
    let (ordered, main_phase_ends) = order::link(
        &changes,
        &change_order,
        &mut steps,
        &per_change,
        &cleanup,
        &transfers,
        &graph_ops,
    );
    let planned = changes
        .into_iter()
        .zip(per_change)
        .map(|(change, steps)| PlannedChange { change, steps })
        .collect::<Vec<_>>();
    let mut planned_in_order: Vec<PlannedChange> = Vec::with_capacity(planned.len());
    let mut slots: Vec<Option<PlannedChange>> = planned.into_iter().map(Some).collect();
    for &ci in &change_order {
        planned_in_order.push(slots[ci].take().expect("each change once"));
    }
    // Step.change indexes the plan's change list, which is in change order.
    let position: BTreeMap<usize, usize> = change_order
        .iter()
        .enumerate()
        .map(|(pos, &ci)| (ci, pos))
        .collect();
    for s in &mut steps {
        s.change = position[&s.change];
    }
    Plan {
        workspace: workspace.to_string(),
        changes: planned_in_order,
        steps,
        order: ordered,
        main_phase_ends,
        metadata_queries: 0,
        provenance: Provenance::default(),
    }
}

#[cfg(test)]
mod tests;
