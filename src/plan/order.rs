//! Ordering: changes in dependency order, then steps linked so that each change waits for
//! what it depends on, deletes wait for everything else and run dependents first, and task
//! graphs are suspended first and resumed last.

use super::tasks::GraphOps;
use super::Step;
use crate::diff::{Action, Change};
use crate::graph::Graph;
use crate::model::attr;
use crate::model::{Address, Kind, ObjectName};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Change indices in dependency order: creates and updates after what they depend on,
/// deletes after them in reverse dependency order; ties by address.
pub(crate) fn change_order(changes: &[Change]) -> Vec<usize> {
    let idx: HashMap<&Address, usize> = changes
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

/// The passes that link the steps, in the order they run, each named for what it adds.
/// Order matters: the main phase's ends are read from the edges the passes before them
/// add, and the delete phase and the task graphs' edges come after, so they do not count.
pub(super) const PASSES: [(&str, Pass); 12] = [
    ("sequence within a change", sequence_within_change),
    ("reference edges", reference_edges),
    ("container edges", container_edges),
    ("renamed-container edges", renamed_container_edges),
    (
        "moved-out-of-replaced-container edges",
        moved_out_of_replaced_container_edges,
    ),
    ("grant edges", grant_edges),
    ("main phase ends", main_phase_ends),
    ("ownership transfers last", ownership_transfers_last),
    ("delete phase", delete_phase),
    ("drop-after-dependents edges", drop_after_dependents_edges),
    ("task-graph suspend/resume edges", task_graph_edges),
    ("no self edges", no_self_edges),
];

/// One linking pass: reads the layout, adds to the links.
pub(super) type Pass = fn(&Layout, &mut Links);

/// What the passes read: the changes, their steps, and the task graphs' operations.
pub(super) struct Layout<'a> {
    changes: &'a [Change],
    change_order: &'a [usize],
    /// Every step of each change, in the order they run.
    steps_of: &'a [Vec<usize>],
    /// The cleanup of replacements: dropping an old object once everything else ran.
    cleanup: &'a BTreeSet<usize>,
    /// The ownership transfers (`owner`): not among what others wait for.
    transfers: &'a BTreeSet<usize>,
    ops: &'a GraphOps,
    /// Each change's steps without a task graph's resumes (they come after the whole
    /// graph), cleanup and ownership transfers (they come after the main phase): what
    /// others wait for.
    core: Vec<Vec<usize>>,
    index: HashMap<&'a Address, usize>,
    /// [`Layout::prereqs`] by change, shared by the passes that ask.
    prereq_cache: RefCell<BTreeMap<usize, BTreeSet<usize>>>,
}

/// What the passes fill in: each step's `after`, `requires`, `finally` and
/// `after_main_phase`, and the last steps of the main phase.
pub(super) struct Links<'s> {
    pub steps: &'s mut [Step],
    pub main_phase_ends: BTreeSet<usize>,
}

impl<'a> Layout<'a> {
    pub(super) fn new(
        changes: &'a [Change],
        change_order: &'a [usize],
        steps_of: &'a [Vec<usize>],
        cleanup: &'a BTreeSet<usize>,
        transfers: &'a BTreeSet<usize>,
        ops: &'a GraphOps,
    ) -> Layout<'a> {
        // The steps that resume a task graph.
        let resumes: BTreeSet<usize> = ops
            .graphs
            .iter()
            .flat_map(|g| {
                g.resume_chain
                    .iter()
                    .map(|&ci| *steps_of[ci].last().expect("has resume"))
            })
            .collect();
        let core = steps_of
            .iter()
            .map(|ids| {
                ids.iter()
                    .copied()
                    .filter(|s| {
                        !resumes.contains(s) && !cleanup.contains(s) && !transfers.contains(s)
                    })
                    .collect()
            })
            .collect();
        let index = changes
            .iter()
            .enumerate()
            .map(|(i, c)| (&c.address, i))
            .collect();
        Layout {
            changes,
            change_order,
            steps_of,
            cleanup,
            transfers,
            ops,
            core,
            index,
            prereq_cache: RefCell::new(BTreeMap::new()),
        }
    }

    fn is_delete(&self, ci: usize) -> bool {
        self.changes[ci].action == Action::Delete
    }

    /// The change's own first statement: after the suspend of its graph's root when it
    /// has one, among the steps others wait for.
    fn own_first_core(&self, ci: usize) -> Option<usize> {
        self.core[ci].get(self.ops.prefix[ci].len()).copied()
    }

    /// What a change waits for: the last step of each change it references (not deleted),
    /// or through a change with no steps of its own, what that one waits for.
    fn prereqs(&self, ci: usize) -> BTreeSet<usize> {
        self.prereqs_from(ci, &mut BTreeSet::new())
    }

    fn prereqs_from(&self, ci: usize, seen: &mut BTreeSet<usize>) -> BTreeSet<usize> {
        if let Some(c) = self.prereq_cache.borrow().get(&ci) {
            return c.clone();
        }
        let mut out = BTreeSet::new();
        if !seen.insert(ci) {
            return out;
        }
        for d in self.changes[ci].after.iter().flat_map(|o| o.deps.iter()) {
            let Some(&j) = self.index.get(d) else {
                continue;
            };
            if self.is_delete(j) {
                continue;
            }
            match self.core[j].last() {
                Some(&last) => {
                    out.insert(last);
                }
                None => out.extend(self.prereqs_from(j, seen)),
            }
        }
        self.prereq_cache.borrow_mut().insert(ci, out.clone());
        out
    }

    /// What it takes for `change` to be done, for those that wait for it.
    fn done(&self, change: usize) -> BTreeSet<usize> {
        match self.core[change].last() {
            Some(&last) => BTreeSet::from([last]),
            None => self.prereqs(change),
        }
    }
}

/// Fill in each step's `after`, `requires`, `finally` and `after_main_phase` by running
/// [`PASSES`]; return the run order and the last steps of the main phase.
pub fn link(
    changes: &[Change],
    change_order: &[usize],
    steps: &mut [Step],
    per_change: &[Vec<usize>],
    cleanup: &BTreeSet<usize>,
    transfers: &BTreeSet<usize>,
    ops: &GraphOps,
) -> (Vec<usize>, BTreeSet<usize>) {
    let layout = Layout::new(changes, change_order, per_change, cleanup, transfers, ops);
    let mut links = Links {
        steps,
        main_phase_ends: BTreeSet::new(),
    };
    for (_, pass) in PASSES {
        pass(&layout, &mut links);
    }
    let ends = links.main_phase_ends;
    (run_order(steps, &ends), ends)
}

/// Within a change, steps run in sequence: its statements build on each other.
fn sequence_within_change(layout: &Layout, links: &mut Links) {
    for ids in layout.steps_of {
        for w in ids.windows(2) {
            links.steps[w[1]].after.insert(w[0]);
        }
    }
}

/// A change's own first statement waits for the last step of each change it references
/// (through changes with no steps of their own): what it names must exist as configured.
/// A task graph's resumes come later, so they do not count; a suspend of its graph's root
/// needs only the task, which exists, and the rest of the graph waits for it (among them,
/// maybe, what this task depends on).
fn reference_edges(layout: &Layout, links: &mut Links) {
    for &ci in layout.change_order {
        if layout.is_delete(ci) {
            continue;
        }
        let Some(first) = layout.own_first_core(ci) else {
            continue;
        };
        let pre = layout.prereqs(ci);
        links.steps[first]
            .after
            .extend(pre.into_iter().filter(|p| !layout.core[ci].contains(p)));
    }
}

/// Every statement names the object as it is once its database or schema is renamed: the
/// first one of each change (a graph's root suspend, a delete, which the main phase does
/// not order, or a resume that is all a change runs) waits for its containers' changes.
fn container_edges(layout: &Layout, links: &mut Links) {
    let changes = layout.changes;
    for ci in 0..changes.len() {
        let Some(&first) = layout.steps_of[ci].first() else {
            continue;
        };
        let object = changes[ci].after.as_ref().or(changes[ci].before.as_ref());
        for d in object.iter().flat_map(|o| o.deps.iter()) {
            let Some(&j) = layout.index.get(d) else {
                continue;
            };
            if layout.is_delete(j) || !matches!(changes[j].kind(), Kind::Database | Kind::Schema) {
                continue;
            }
            links.steps[first].after.extend(layout.done(j));
        }
    }
}

/// An object moved out of a renamed database or schema is found under the container's new
/// name: its first statement (a rename, a suspend) waits for that rename too. The
/// configuration's references name only where the object goes.
fn renamed_container_edges(layout: &Layout, links: &mut Links) {
    let changes = layout.changes;
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
    if renamed.is_empty() {
        return;
    }
    for (ci, change) in changes.iter().enumerate() {
        let (Some(&first), Some(b)) = (layout.steps_of[ci].first(), change.before.as_ref()) else {
            continue;
        };
        for container in b.name.containers() {
            if let Some(&j) = renamed.get(&container) {
                if j != ci {
                    links.steps[first]
                        .after
                        .extend(layout.core[j].last().copied());
                }
            }
        }
    }
}

/// An object created in a schema (or a schema in a database) waits for the future grants
/// of that container: Snowflake applies a future grant to the objects created after it,
/// so a new feature view version is readable by the consumer role the moment it exists.
/// An `on_all` grant of a container waits for the objects created there: ON ALL grants on
/// what exists when it runs. (A grant names its container, never what is created in it,
/// and no object waits for an `on_all` grant: no cycle.)
fn grant_edges(layout: &Layout, links: &mut Links) {
    let changes = layout.changes;
    let mut future: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut all: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (j, c) in changes.iter().enumerate() {
        if layout.is_delete(j) || c.kind() != Kind::Grant {
            continue;
        }
        let Some(a) = c.after.as_ref() else { continue };
        if let (Some(_), Some(within)) = (a.get_str(attr::ON_FUTURE), a.get_str(attr::IN)) {
            future.entry(within.to_string()).or_default().push(j);
        }
        if let (Some(_), Some(within)) = (a.get_str(attr::ON_ALL), a.get_str(attr::IN)) {
            all.entry(within.to_string()).or_default().push(j);
        }
    }
    if future.is_empty() && all.is_empty() {
        return;
    }
    for &ci in layout.change_order {
        let c = &changes[ci];
        if !matches!(c.action, Action::Create | Action::Replace) || c.kind() == Kind::Grant {
            continue;
        }
        let Some(a) = c.after.as_ref() else { continue };
        let mut containers: Vec<String> = a
            .name
            .database
            .iter()
            .map(|db| format!("DATABASE {}", db.to_sql()))
            .collect();
        containers.extend(
            a.name
                .schema_name()
                .map(|s| format!("SCHEMA {}", s.to_sql())),
        );
        let Some(first) = layout.own_first_core(ci) else {
            continue;
        };
        for container in containers {
            for &j in future.get(&container).into_iter().flatten() {
                links.steps[first].after.extend(layout.done(j));
            }
            for &j in all.get(&container).into_iter().flatten() {
                if let Some(grant_first) = layout.own_first_core(j) {
                    links.steps[grant_first].after.extend(layout.done(ci));
                }
            }
        }
    }
}

/// An object renamed out of a database or schema that is replaced moves before the
/// container is created again, or it would go with it.
fn moved_out_of_replaced_container_edges(layout: &Layout, links: &mut Links) {
    let changes = layout.changes;
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
    if replaced.is_empty() {
        return;
    }
    for ci in (0..changes.len()).filter(|&ci| changes[ci].action == Action::Update) {
        let (Some(b), Some(a)) = (changes[ci].before.as_ref(), changes[ci].after.as_ref()) else {
            continue;
        };
        let Some(rename) = layout.own_first_core(ci) else {
            continue;
        };
        if b.name == a.name {
            continue;
        }
        for container in b.name.containers() {
            let Some(&j) = replaced.get(&container) else {
                continue;
            };
            if let Some(&first) = layout.core[j].first() {
                links.steps[first].after.insert(rename);
            }
        }
    }
}

/// The last steps of the main phase (creates, updates, replacements, without a task
/// graph's resumes, which wait for the graph's deletes too): the delete phase waits for
/// them, through one flag per step instead of an edge per pair. Read from the edges the
/// passes before add.
fn main_phase_ends(layout: &Layout, links: &mut Links) {
    let main_ids: Vec<usize> = (0..layout.changes.len())
        .filter(|&ci| !layout.is_delete(ci))
        .flat_map(|ci| layout.core[ci].iter().copied())
        .collect();
    let mut has_successor = BTreeSet::new();
    for &s in &main_ids {
        has_successor.extend(links.steps[s].after.iter().copied());
    }
    links.main_phase_ends = main_ids
        .into_iter()
        .filter(|s| !has_successor.contains(s))
        .collect();
}

/// Ownership transfers last: once an object's ownership moves, the deploy role may no
/// longer alter it or grant on it, so each transfer waits for the whole main phase (its
/// ends), and the main phase ends with the transfers, which the delete phase waits for.
/// No other step waits for a transfer (it is not in `core`), so this adds no cycle.
fn ownership_transfers_last(layout: &Layout, links: &mut Links) {
    if layout.transfers.is_empty() {
        return;
    }
    let ends = links.main_phase_ends.clone();
    for &t in layout.transfers {
        links.steps[t].after.extend(ends.iter().copied());
    }
    links
        .main_phase_ends
        .extend(layout.transfers.iter().copied());
}

/// A delete's own first statement, after the suspend of its graph's root when it is one:
/// that suspend belongs to the graph, which other changes may be changing in the main
/// phase, and the graph's drops all wait for it.
fn own_first(layout: &Layout, ci: usize) -> Option<usize> {
    let ids = &layout.steps_of[ci];
    ids.get(layout.ops.prefix[ci].len())
        .or(ids.first())
        .copied()
}

/// The delete phase (deletes and the cleanup of replacements) waits for the main phase:
/// nothing is dropped while something may still point at it.
fn delete_phase(layout: &Layout, links: &mut Links) {
    for ci in 0..layout.changes.len() {
        if layout.is_delete(ci) {
            if let Some(first) = own_first(layout, ci) {
                links.steps[first].after_main_phase = true;
            }
        }
    }
    for &s in layout.cleanup {
        links.steps[s].after_main_phase = true;
    }
}

/// Deletes run dependents first: an object is dropped after what depends on it.
fn drop_after_dependents_edges(layout: &Layout, links: &mut Links) {
    let changes = layout.changes;
    let dependents = deleted_dependents(changes);
    for ci in (0..changes.len()).filter(|&ci| layout.is_delete(ci)) {
        let Some(first) = own_first(layout, ci) else {
            continue;
        };
        for &cj in dependents.get(&changes[ci].address).into_iter().flatten() {
            if cj != ci {
                if let Some(&last) = layout.steps_of[cj].last() {
                    links.steps[first].after.insert(last);
                }
            }
        }
    }
}

/// Task graphs: the root suspend before every other step of the graph; resumes after all
/// of them, children first, and even after a failure, as long as the task exists (the
/// steps that create it succeeded).
fn task_graph_edges(layout: &Layout, links: &mut Links) {
    let per_change = layout.steps_of;
    let steps = &mut *links.steps;
    for g in &layout.ops.graphs {
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
            let ci = g.resume_chain[k];
            if matches!(layout.changes[ci].action, Action::Create | Action::Replace) {
                steps[r]
                    .requires
                    .extend(per_change[ci].iter().copied().filter(|&s| s != r));
            }
            prev = Some(r);
        }
    }
}

/// No step waits for itself (the passes above may name a change's own step).
fn no_self_edges(_: &Layout, links: &mut Links) {
    for s in links.steps.iter_mut() {
        let id = s.id;
        s.after.remove(&id);
    }
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

#[cfg(test)]
mod tests {
    //! Each pass on its own: the passes before it run, then it, and the test pins what it
    //! added, by the statements' first lines (`(record ADDRESS)` for a step that only
    //! changes the state).
    use super::*;
    use crate::diff::{diff, DiffInput};
    use crate::model::{Ident, Object, Value};

    fn id(name: &str) -> Ident {
        Ident::from_canonical(name)
    }

    fn database(name: &str) -> Object {
        Object::new(
            Address::new(Kind::Database, "d"),
            ObjectName::account(id(name)),
        )
    }

    fn schema(addr: &str, db: &str, name: &str) -> Object {
        let mut o = Object::new(
            Address::new(Kind::Schema, addr),
            ObjectName::in_database(id(db), id(name)),
        );
        o.deps.insert(Address::new(Kind::Database, "d"));
        o
    }

    fn stage(schema_addr: &str, db: &str, schema: &str) -> Object {
        let mut o = Object::new(
            Address::new(Kind::Stage, "st"),
            ObjectName::in_schema(id(db), id(schema), id("ST")),
        );
        o.deps.insert(Address::new(Kind::Schema, schema_addr));
        o
    }

    fn future_stage_grant() -> Object {
        let mut o = Object::new(
            Address::new(Kind::Grant, "g"),
            crate::kinds::grant::grant_name("FUTURE STAGES IN SCHEMA D.S", "ROLE R"),
        );
        o.set(attr::ON_FUTURE, "STAGES");
        o.set(attr::IN, "SCHEMA D.S");
        o.set(attr::TO, "ROLE R");
        o.set(attr::PRIVILEGES, Value::List(vec![Value::str("READ")]));
        o.deps.insert(Address::new(Kind::Schema, "s"));
        o
    }

    fn all_stage_grant() -> Object {
        let mut o = Object::new(
            Address::new(Kind::Grant, "all"),
            crate::kinds::grant::grant_name("ALL STAGES IN SCHEMA D.S", "ROLE R"),
        );
        o.set(attr::ON_ALL, "STAGES");
        o.set(attr::IN, "SCHEMA D.S");
        o.set(attr::TO, "ROLE R");
        o.set(attr::PRIVILEGES, Value::List(vec![Value::str("READ")]));
        o.deps.insert(Address::new(Kind::Schema, "s"));
        o
    }

    fn warehouse(addr: &str, name: &str, size: &str) -> Object {
        let mut o = Object::new(
            Address::new(Kind::Warehouse, addr),
            ObjectName::account(id(name)),
        );
        o.set(attr::SIZE, size);
        o
    }

    fn task(name: &str, after: &[&str], sql: &str) -> Object {
        let mut o = Object::new(
            Address::new(Kind::Task, name.to_lowercase()),
            ObjectName::in_schema(id("D"), id("S"), id(name)),
        );
        o.set(attr::SQL, sql);
        o.set(attr::ENABLED, true);
        if after.is_empty() {
            o.set(attr::SCHEDULE, "USING CRON 0 6 * * * UTC");
        } else {
            let preds = after.iter().map(|a| Value::from(format!("D.S.{a}")));
            o.set(attr::AFTER, Value::List(preds.collect()));
            for a in after {
                o.deps.insert(Address::new(Kind::Task, a.to_lowercase()));
            }
        }
        o
    }

    fn describe(steps: &[Step], changes: &[Change], id: usize) -> String {
        match &steps[id].sql {
            Some(sql) => sql.lines().next().unwrap_or("").to_string(),
            None => format!("(record {})", changes[steps[id].change].address),
        }
    }

    /// What each step and the plan say, as lines: `A <- B` (A waits for B), `A requires
    /// B`, `A: finally`, `A: after the main phase`, `end of main phase: A`.
    fn facts(steps: &[Step], ends: &BTreeSet<usize>, changes: &[Change]) -> BTreeSet<String> {
        let d = |i: usize| describe(steps, changes, i);
        let mut out = BTreeSet::new();
        for s in steps {
            for &a in &s.after {
                out.insert(format!("{} <- {}", d(s.id), d(a)));
            }
            for &r in &s.requires {
                out.insert(format!("{} requires {}", d(s.id), d(r)));
            }
            if s.finally {
                out.insert(format!("{}: finally", d(s.id)));
            }
            if s.after_main_phase {
                out.insert(format!("{}: after the main phase", d(s.id)));
            }
        }
        for &e in ends {
            out.insert(format!("end of main phase: {}", d(e)));
        }
        out
    }

    /// What the pass named `name` adds to what the passes before it made, for the plan from
    /// `recorded` (the account matches it) to `desired`.
    fn added_by(name: &str, desired: &[Object], recorded: &[Object]) -> Vec<String> {
        let recorded: BTreeMap<Address, Object> = recorded
            .iter()
            .map(|o| (o.address.clone(), o.clone()))
            .collect();
        let changes = diff(&DiffInput {
            desired,
            recorded: &recorded,
            live: None,
        })
        .expect("a valid change");
        let mut laid = super::super::lay_out(changes, true);
        let layout = Layout::new(
            &laid.changes,
            &laid.change_order,
            &laid.per_change,
            &laid.cleanup,
            &laid.transfers,
            &laid.graph_ops,
        );
        let mut links = Links {
            steps: &mut laid.steps,
            main_phase_ends: BTreeSet::new(),
        };
        let at = PASSES
            .iter()
            .position(|(n, _)| *n == name)
            .expect("a pass of that name");
        for (_, pass) in &PASSES[..at] {
            pass(&layout, &mut links);
        }
        let before = facts(links.steps, &links.main_phase_ends, &laid.changes);
        (PASSES[at].1)(&layout, &mut links);
        let after = facts(links.steps, &links.main_phase_ends, &laid.changes);
        after.difference(&before).cloned().collect()
    }

    #[test]
    fn the_passes_run_in_the_documented_order() {
        let names: Vec<&str> = PASSES.iter().map(|(n, _)| *n).collect();
        assert_eq!(
            names,
            [
                "sequence within a change",
                "reference edges",
                "container edges",
                "renamed-container edges",
                "moved-out-of-replaced-container edges",
                "grant edges",
                "main phase ends",
                "ownership transfers last",
                "delete phase",
                "drop-after-dependents edges",
                "task-graph suspend/resume edges",
                "no self edges",
            ]
        );
        // docs/ARCHITECTURE.md lists them in this order.
        let doc = include_str!("../../docs/ARCHITECTURE.md");
        let mut from = 0;
        for n in names {
            let at = doc[from..].find(&format!("`{n}`")).unwrap_or_else(|| {
                panic!("docs/ARCHITECTURE.md lists `{n}` after the pass before it")
            });
            from += at;
        }
    }

    #[test]
    fn each_pass_adds_what_its_name_says() {
        let db = database("D");
        let (s, t) = (schema("s", "D", "S"), schema("t", "D", "T"));
        let mut s_renamed = schema("s", "D", "S2");
        s_renamed.deps = s.deps.clone();
        let mut s_transient = s.clone();
        s_transient.set(attr::TRANSIENT, true);
        let root = task("ROOT", &[], "CALL R()");
        let child = task("CHILD", &["ROOT"], "CALL C()");
        let mut child_changed = child.clone();
        child_changed.set(attr::SQL, "CALL C2()");
        let mut s_owned = s.clone();
        s_owned.set(attr::OWNER, "R");
        // (pass, configured, recorded, what it adds)
        type Case<'a> = (&'a str, Vec<Object>, Vec<Object>, Vec<&'a str>);
        let cases: Vec<Case> = vec![
            (
                "sequence within a change",
                vec![warehouse("w", "W2", "SMALL")],
                vec![warehouse("w", "W", "XSMALL")],
                vec!["ALTER WAREHOUSE W2 SET WAREHOUSE_SIZE = SMALL <- ALTER WAREHOUSE W RENAME TO W2"],
            ),
            (
                "reference edges",
                vec![db.clone(), s.clone()],
                vec![],
                vec!["CREATE SCHEMA D.S <- CREATE DATABASE D"],
            ),
            (
                // A delete is not ordered by references: it names the schema under the
                // database's new name, once it has it.
                "container edges",
                vec![database("D2")],
                vec![db.clone(), s.clone()],
                vec!["DROP SCHEMA D2.S <- ALTER DATABASE D RENAME TO D2"],
            ),
            (
                "renamed-container edges",
                vec![db.clone(), s_renamed.clone(), t.clone(), stage("t", "D", "T")],
                vec![db.clone(), s.clone(), t.clone(), stage("s", "D", "S")],
                vec!["ALTER STAGE D.S2.ST RENAME TO D.T.ST <- ALTER SCHEMA D.S RENAME TO D.S2"],
            ),
            (
                "moved-out-of-replaced-container edges",
                vec![db.clone(), s_transient.clone(), t.clone(), stage("t", "D", "T")],
                vec![db.clone(), s.clone(), t.clone(), stage("s", "D", "S")],
                vec!["CREATE OR REPLACE TRANSIENT SCHEMA D.S <- ALTER STAGE D.S.ST RENAME TO D.T.ST"],
            ),
            (
                // The stage created in D.S waits for the future grant on D.S's stages.
                "grant edges",
                vec![db.clone(), s.clone(), stage("s", "D", "S"), future_stage_grant()],
                vec![],
                vec!["CREATE STAGE D.S.ST <- GRANT READ ON FUTURE STAGES IN SCHEMA D.S TO ROLE R"],
            ),
            (
                // ON ALL grants on what exists: it waits for the stage created in D.S.
                "grant edges",
                vec![db.clone(), s.clone(), stage("s", "D", "S"), all_stage_grant()],
                vec![],
                vec!["GRANT READ ON ALL STAGES IN SCHEMA D.S TO ROLE R <- CREATE STAGE D.S.ST"],
            ),
            (
                "main phase ends",
                vec![db.clone(), s.clone(), warehouse("w", "W", "XSMALL")],
                vec![],
                vec![
                    "end of main phase: CREATE SCHEMA D.S",
                    "end of main phase: CREATE WAREHOUSE W WAREHOUSE_SIZE = XSMALL",
                ],
            ),
            (
                // The schema's transfer waits for the stage created in it and the
                // warehouse (the other ends); the stage waits for the schema's CREATE only.
                "ownership transfers last",
                vec![db.clone(), s_owned, stage("s", "D", "S"), warehouse("w", "W", "XSMALL")],
                vec![],
                vec![
                    "GRANT OWNERSHIP ON SCHEMA D.S TO ROLE R COPY CURRENT GRANTS <- CREATE STAGE D.S.ST",
                    "GRANT OWNERSHIP ON SCHEMA D.S TO ROLE R COPY CURRENT GRANTS <- CREATE WAREHOUSE W WAREHOUSE_SIZE = XSMALL",
                    "end of main phase: GRANT OWNERSHIP ON SCHEMA D.S TO ROLE R COPY CURRENT GRANTS",
                ],
            ),
            (
                "delete phase",
                vec![],
                vec![warehouse("w", "W", "XSMALL")],
                vec!["DROP WAREHOUSE W: after the main phase"],
            ),
            (
                "drop-after-dependents edges",
                vec![],
                vec![db.clone(), s.clone()],
                vec!["DROP DATABASE D <- (record schema.s)"],
            ),
            (
                "task-graph suspend/resume edges",
                vec![root.clone(), child_changed],
                vec![root.clone(), child],
                // The child's change already waits for the suspend through its reference
                // to the root.
                vec![
                    "ALTER TASK D.S.ROOT RESUME <- ALTER TASK D.S.CHILD MODIFY AS CALL C2()",
                    "ALTER TASK D.S.ROOT RESUME: finally",
                ],
            ),
        ];
        for (pass, desired, recorded, want) in cases {
            assert_eq!(added_by(pass, &desired, &recorded), want, "pass {pass:?}");
        }
    }

    #[test]
    fn no_step_is_left_waiting_for_itself() {
        let changes = vec![];
        let ops = GraphOps::default();
        let cleanup = BTreeSet::new();
        let layout = Layout::new(&changes, &[], &[], &cleanup, &cleanup, &ops);
        let mut steps = vec![Step {
            id: 0,
            change: 0,
            sql: None,
            effect: crate::plan::Effect::None,
            after: BTreeSet::from([0]),
            requires: BTreeSet::new(),
            finally: false,
            after_main_phase: false,
        }];
        let mut links = Links {
            steps: &mut steps,
            main_phase_ends: BTreeSet::new(),
        };
        no_self_edges(&layout, &mut links);
        assert!(steps[0].after.is_empty());
    }
}
