//! Ordering: changes in dependency order, then steps linked so that each change waits for
//! what it depends on, deletes wait for everything else and run dependents first, and task
//! graphs are suspended first and resumed last.

use super::tasks::GraphOps;
use super::Step;
use crate::diff::{Action, Change};
use crate::graph::Graph;
use crate::model::{Address, Kind, ObjectName};
use std::collections::{BTreeMap, BTreeSet};

/// Change indices in dependency order: creates and updates after what they depend on,
/// deletes after them in reverse dependency order; ties by address.
pub fn change_order(changes: &[Change]) -> Vec<usize> {
    let idx: BTreeMap<&Address, usize> = changes
        .iter()
        .enumerate()
        .map(|(i, c)| (&c.address, i))
        .collect();
    let dependents = deleted_dependents(changes);
    let mut main: Graph<(Address, usize)> = Graph::new();
    let mut dels: Graph<(Address, usize)> = Graph::new();
    for (i, c) in changes.iter().enumerate() {
        let key = (c.address.clone(), i);
        if c.action == Action::Delete {
            dels.add_node(key.clone());
            // A delete waits for the deletes of what depends on it.
            for &j in dependents.get(&c.address).into_iter().flatten() {
                if j != i {
                    dels.add_dep(key.clone(), (changes[j].address.clone(), j));
                }
            }
        } else {
            main.add_node(key.clone());
            for d in c.after.iter().flat_map(|o| o.deps.iter()) {
                if let Some(&j) = idx.get(d) {
                    if changes[j].action != Action::Delete && j != i {
                        main.add_dep(key.clone(), (d.clone(), j));
                    }
                }
            }
        }
    }
    let flatten = |g: &Graph<(Address, usize)>| -> Vec<usize> {
        g.topo_order()
            .unwrap_or_else(|_| g.nodes().cloned().collect())
            .into_iter()
            .map(|(_, i)| i)
            .collect()
    };
    let mut out = flatten(&main);
    out.extend(flatten(&dels));
    out
}

/// For each address, the deletes whose recorded object depends on it. Looked up instead
/// of comparing every pair of deletes: destroying thousands of objects stays linear.
fn deleted_dependents(changes: &[Change]) -> BTreeMap<&Address, Vec<usize>> {
    let mut out: BTreeMap<&Address, Vec<usize>> = BTreeMap::new();
    for (j, c) in changes.iter().enumerate() {
        if c.action != Action::Delete {
            continue;
        }
        for d in c.before.iter().flat_map(|o| o.deps.iter()) {
            out.entry(d).or_default().push(j);
        }
    }
    out
}

/// Fill in each step's `after`, `requires`, `finally` and `after_main_phase`; return the
/// run order and the last steps of the main phase.
pub fn link(
    changes: &[Change],
    change_order: &[usize],
    steps: &mut [Step],
    per_change: &[Vec<usize>],
    cleanup: &BTreeSet<usize>,
    ops: &GraphOps,
) -> (Vec<usize>, BTreeSet<usize>) {
    let n = changes.len();
    let is_delete = |ci: usize| changes[ci].action == Action::Delete;
    // Steps of the main phase, per change.
    let main_steps = |ci: usize| -> Vec<usize> {
        per_change[ci]
            .iter()
            .copied()
            .filter(|s| !cleanup.contains(s))
            .collect()
    };

    // Within a change, steps run in sequence.
    for ids in per_change {
        for w in ids.windows(2) {
            steps[w[1]].after.insert(w[0]);
        }
    }

    // A change waits for the last step of each change it depends on (through changes with
    // no steps of their own); a task graph's resumes come later, so they do not count.
    let resumes: BTreeSet<usize> = ops
        .graphs
        .iter()
        .flat_map(|g| {
            g.resume_chain
                .iter()
                .map(|&ci| *per_change[ci].last().expect("has resume"))
        })
        .collect();
    let core: Vec<Vec<usize>> = per_change
        .iter()
        .map(|ids| {
            ids.iter()
                .copied()
                .filter(|s| !resumes.contains(s) && !cleanup.contains(s))
                .collect()
        })
        .collect();
    let per_change_all = per_change;
    let per_change = &core[..];
    let idx: BTreeMap<&Address, usize> = changes
        .iter()
        .enumerate()
        .map(|(i, c)| (&c.address, i))
        .collect();
    let mut prereq_cache: BTreeMap<usize, BTreeSet<usize>> = BTreeMap::new();
    fn prereqs(
        ci: usize,
        changes: &[Change],
        idx: &BTreeMap<&Address, usize>,
        per_change: &[Vec<usize>],
        cache: &mut BTreeMap<usize, BTreeSet<usize>>,
        seen: &mut BTreeSet<usize>,
    ) -> BTreeSet<usize> {
        if let Some(c) = cache.get(&ci) {
            return c.clone();
        }
        let mut out = BTreeSet::new();
        if !seen.insert(ci) {
            return out;
        }
        for d in changes[ci].after.iter().flat_map(|o| o.deps.iter()) {
            let Some(&j) = idx.get(d) else { continue };
            if changes[j].action == Action::Delete {
                continue;
            }
            match per_change[j].last() {
                Some(&last) => {
                    out.insert(last);
                }
                None => out.extend(prereqs(j, changes, idx, per_change, cache, seen)),
            }
        }
        cache.insert(ci, out.clone());
        out
    }
    for &ci in change_order {
        if is_delete(ci) {
            continue;
        }
        // Its own first statement: a suspend of its graph's root needs only the task, which
        // exists, and the rest of the graph waits for it (among them, maybe, what this task
        // depends on).
        let Some(&first) = per_change[ci].get(ops.prefix[ci].len()) else {
            continue;
        };
        let pre = prereqs(
            ci,
            changes,
            &idx,
            per_change,
            &mut prereq_cache,
            &mut BTreeSet::new(),
        );
        steps[first]
            .after
            .extend(pre.into_iter().filter(|p| !per_change[ci].contains(p)));
    }
    // Every statement names the object as it is once its database or schema is renamed:
    // the first one of each change (a graph's root suspend, a delete, which the main
    // phase does not order, or a resume that is all a change runs) waits for its
    // containers' changes.
    for ci in 0..n {
        let Some(&first) = per_change_all[ci].first() else {
            continue;
        };
        let object = changes[ci].after.as_ref().or(changes[ci].before.as_ref());
        for d in object.iter().flat_map(|o| o.deps.iter()) {
            let Some(&j) = idx.get(d) else { continue };
            if is_delete(j) || !matches!(changes[j].kind(), Kind::Database | Kind::Schema) {
                continue;
            }
            let done = match per_change[j].last() {
                Some(&last) => BTreeSet::from([last]),
                None => prereqs(
                    j,
                    changes,
                    &idx,
                    per_change,
                    &mut prereq_cache,
                    &mut BTreeSet::new(),
                ),
            };
            steps[first].after.extend(done);
        }
    }
    // An object moved out of a renamed database or schema is found under the container's
    // new name: its first statement (a rename, a suspend) waits for that rename too. The
    // configuration's references name only where the object goes.
    let renamed: BTreeMap<&ObjectName, usize> = changes
        .iter()
        .enumerate()
        .filter(|(_, c)| matches!(c.kind(), Kind::Database | Kind::Schema))
        .filter(|(_, c)| c.action == Action::Update)
        .filter_map(|(j, c)| {
            let (b, a) = (c.before.as_ref()?, c.after.as_ref()?);
            (b.name != a.name).then_some((&a.name, j))
        })
        .collect();
    if !renamed.is_empty() {
        for ci in 0..n {
            let (Some(&first), Some(b)) = (per_change_all[ci].first(), changes[ci].before.as_ref())
            else {
                continue;
            };
            for container in b.name.containers() {
                if let Some(&j) = renamed.get(&container) {
                    if j != ci {
                        steps[first].after.extend(per_change[j].last().copied());
                    }
                }
            }
        }
    }
    // An object renamed out of a database or schema that is replaced moves before the
    // container is created again, or it would go with it.
    let replaced: BTreeMap<&ObjectName, usize> = changes
        .iter()
        .enumerate()
        .filter(|(_, c)| matches!(c.kind(), Kind::Database | Kind::Schema))
        .filter(|(_, c)| c.action == Action::Replace)
        .flat_map(|(j, c)| {
            c.before
                .iter()
                .chain(c.after.iter())
                .map(move |o| (&o.name, j))
        })
        .collect();
    if !replaced.is_empty() {
        for ci in (0..n).filter(|&ci| changes[ci].action == Action::Update) {
            let (Some(b), Some(a)) = (changes[ci].before.as_ref(), changes[ci].after.as_ref())
            else {
                continue;
            };
            let Some(&rename) = per_change[ci].get(ops.prefix[ci].len()) else {
                continue;
            };
            if b.name == a.name {
                continue;
            }
            for container in b.name.containers() {
                let Some(&j) = replaced.get(&container) else {
                    continue;
                };
                if let Some(&first) = per_change[j].first() {
                    steps[first].after.insert(rename);
                }
            }
        }
    }
    let per_change = per_change_all;

    // The delete phase (deletes and the cleanup of replacements) waits for the main phase.
    // A task graph's resumes are not part of it: they wait for the graph's deletes too.
    let main_ids: Vec<usize> = (0..n)
        .filter(|&ci| !is_delete(ci))
        .flat_map(main_steps)
        .filter(|s| !resumes.contains(s))
        .collect();
    let main_sinks: BTreeSet<usize> = {
        let mut has_successor = BTreeSet::new();
        for &s in &main_ids {
            has_successor.extend(steps[s].after.iter().copied());
        }
        main_ids
            .iter()
            .copied()
            .filter(|s| !has_successor.contains(s))
            .collect()
    };
    // A delete's own first statement, after the suspend of its graph's root when it is one:
    // that suspend belongs to the graph, which other changes may be changing in the main
    // phase, and the graph's drops all wait for it.
    let own_first = |ci: usize| -> Option<usize> {
        let ids = &per_change[ci];
        ids.get(ops.prefix[ci].len()).or(ids.first()).copied()
    };
    for ci in 0..n {
        if is_delete(ci) {
            if let Some(first) = own_first(ci) {
                steps[first].after_main_phase = true;
            }
        }
    }
    for &s in cleanup {
        steps[s].after_main_phase = true;
    }
    // Deletes run dependents first.
    let dependents = deleted_dependents(changes);
    for ci in (0..n).filter(|&ci| is_delete(ci)) {
        let Some(first) = own_first(ci) else {
            continue;
        };
        for &cj in dependents.get(&changes[ci].address).into_iter().flatten() {
            if cj != ci {
                if let Some(&last) = per_change[cj].last() {
                    steps[first].after.insert(last);
                }
            }
        }
    }

    // Task graphs: the root suspend before every other step of the graph; resumes after all
    // of them, children first, and even after a failure.
    for g in &ops.graphs {
        let suspend_steps: BTreeSet<usize> =
            g.suspenders.iter().map(|&ci| per_change[ci][0]).collect();
        let resume_steps: Vec<usize> = g
            .resume_chain
            .iter()
            .map(|&ci| *per_change[ci].last().expect("has resume"))
            .collect();
        let body: Vec<usize> = g
            .members
            .iter()
            .flat_map(|&ci| per_change[ci].iter().copied())
            .filter(|s| !suspend_steps.contains(s) && !resume_steps.contains(s))
            .collect();
        for &s in &body {
            steps[s].after.extend(suspend_steps.iter().copied());
        }
        let mut prev: Option<usize> = None;
        for (k, &r) in resume_steps.iter().enumerate() {
            steps[r].after.extend(body.iter().copied());
            steps[r].after.extend(suspend_steps.iter().copied());
            if let Some(p) = prev {
                steps[r].after.insert(p);
            }
            steps[r].finally = true;
            // It must exist: the steps that create it must have succeeded.
            let ci = g.resume_chain[k];
            if matches!(changes[ci].action, Action::Create | Action::Replace) {
                steps[r]
                    .requires
                    .extend(per_change[ci].iter().copied().filter(|&s| s != r));
            }
            prev = Some(r);
        }
    }
    for s in steps.iter_mut() {
        let id = s.id;
        s.after.remove(&id);
    }
    (run_order(steps, &main_sinks), main_sinks)
}

/// A topological order of the steps, smallest ready id first. The end of the main phase is
/// one extra node, after every step: it becomes ready only once the main phase is done,
/// when nothing else can be, so the order is the one explicit edges would give.
fn run_order(steps: &[Step], main_phase_ends: &BTreeSet<usize>) -> Vec<usize> {
    let barrier = steps.len();
    let mut g: Graph<usize> = Graph::new();
    for s in steps {
        g.add_node(s.id);
        for &a in &s.after {
            g.add_dep(s.id, a);
        }
        if s.after_main_phase {
            g.add_dep(s.id, barrier);
        }
    }
    for &e in main_phase_ends {
        g.add_dep(barrier, e);
    }
    match g.topo_order() {
        Ok(order) => order.into_iter().filter(|&id| id != barrier).collect(),
        // Steps that wait on each other are a bug in the links above; apply reports such a
        // plan's steps as never able to start rather than guess an order.
        Err(cycles) => {
            debug_assert!(false, "plan steps wait on each other: {cycles:?}");
            steps.iter().map(|s| s.id).collect()
        }
    }
}
