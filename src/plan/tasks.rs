//! Task graphs: Snowflake changes a task only while its graph's root is suspended. For
//! each graph with any change, the root is suspended once before the first change, and the
//! tasks that should run are resumed once the whole graph exists, children before the root.

use crate::ddl::Stmt;
use crate::diff::{Action, Change};
use crate::graph::Graph;
use crate::kinds::task::ddl as task;
use crate::model::attr;
use crate::model::Kind;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Default)]
pub(crate) struct TaskGraph {
    /// Changes of every task of the graph.
    pub(crate) members: Vec<usize>,
    /// Changes whose first prefix statement suspends a root.
    pub(crate) suspenders: Vec<usize>,
    /// Changes whose last statement resumes their task, children first.
    pub(crate) resume_chain: Vec<usize>,
}

#[derive(Debug, Default)]
pub(crate) struct GraphOps {
    pub prefix: Vec<Vec<Stmt>>,
    pub suffix: Vec<Vec<Stmt>>,
    pub graphs: Vec<TaskGraph>,
}

fn preds(task: Option<&crate::model::Object>) -> Vec<String> {
    task.and_then(|o| o.get(attr::AFTER))
        .map(|v| v.str_list().into_iter().map(String::from).collect())
        .unwrap_or_default()
}

fn find(parent: &mut BTreeMap<String, String>, task: &str) -> String {
    let p = parent
        .entry(task.to_string())
        .or_insert_with(|| task.to_string())
        .clone();
    if p == task {
        return p;
    }
    let root = find(parent, &p);
    parent.insert(task.to_string(), root.clone());
    root
}

fn union(parent: &mut BTreeMap<String, String>, task: &str, other: &str) {
    let (ra, rb) = (find(parent, task), find(parent, other));
    if ra != rb {
        let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
        parent.insert(hi, lo);
    }
}

pub(crate) fn graph_operations(changes: &mut [Change], stmts: &mut [Vec<Stmt>]) -> GraphOps {
    let n = changes.len();
    let mut ops = GraphOps {
        prefix: vec![Vec::new(); n],
        suffix: vec![Vec::new(); n],
        graphs: Vec::new(),
    };
    let task_changes: Vec<usize> = (0..n)
        .filter(|&i| changes[i].kind() == Kind::Task)
        .collect();
    if task_changes.is_empty() {
        return ops;
    }
    // Tasks are connected by predecessors, as configured and as they are now.
    let mut parent: BTreeMap<String, String> = BTreeMap::new();
    let mut name_of: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for &i in &task_changes {
        let c = &changes[i];
        let mut names = Vec::new();
        for o in [c.before.as_ref(), c.after.as_ref()].into_iter().flatten() {
            let me = o.name.to_sql();
            find(&mut parent, &me);
            for p in preds(Some(o)) {
                union(&mut parent, &me, &p);
            }
            names.push(me);
        }
        // A task renamed or moved: its old and new names are one task.
        for other in &names[1..] {
            union(&mut parent, &names[0], other);
        }
        name_of.insert(i, names);
    }
    // Roots are read once every union is made, so one graph has one key.
    let mut components: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for &i in &task_changes {
        let root = find(&mut parent, &name_of[&i][0]);
        components.entry(root).or_default().push(i);
    }
    // A task only moved to a new address, or whose record alone changes, changes nothing
    // in the account.
    let moved_only = |c: &Change| {
        c.action == Action::Update
            && (c.state_only || (c.moved_from.is_some() && c.attrs.is_empty()))
    };
    for members in components.into_values() {
        if members
            .iter()
            .all(|&i| changes[i].is_noop() || moved_only(&changes[i]))
        {
            continue;
        }
        let mut g = TaskGraph {
            members: members.clone(),
            ..Default::default()
        };
        let mut suspended: BTreeSet<usize> = BTreeSet::new();
        let changed: Vec<String> = members
            .iter()
            .filter(|&&i| !changes[i].is_noop())
            .map(|&i| changes[i].address.to_string())
            .collect();

        // Suspend every root that runs now; a standalone task is its own root. One its
        // schema or database takes with it (replaced or dropped) is gone by then.
        for &i in &members {
            let c = &changes[i];
            let Some(before) = c.before.as_ref().filter(|_| c.with_container.is_none()) else {
                continue;
            };
            if !preds(Some(before)).is_empty() || !before.flag(attr::ENABLED) {
                continue;
            }
            let stays_off = c.after.as_ref().is_some_and(|a| !a.flag(attr::ENABLED));
            let mut s = task::suspend(&before.name);
            // Resumed at the end: until then the record says suspended, as the account does.
            s.applies = if stays_off {
                Vec::new()
            } else {
                vec![crate::ddl::Applies::Suspended]
            };
            ops.prefix[i].push(s);
            suspended.insert(i);
            g.suspenders.push(i);
            let c = &mut changes[i];
            if c.action == Action::NoOp {
                c.action = Action::Update;
                let others: Vec<String> = changed
                    .iter()
                    .filter(|a| **a != c.address.to_string())
                    .cloned()
                    .collect();
                c.reasons
                    .push(crate::diff::Why::SuspendedForGraph { others }.into());
            }
        }
        // Children that should stop: suspend them once the root is suspended. One created
        // again (replaced or renamed) is created suspended.
        for &i in &members {
            let c = &changes[i];
            if suspended.contains(&i) || c.with_container.is_some() || c.action != Action::Update {
                continue;
            }
            if let (Some(b), Some(a)) = (c.before.as_ref(), c.after.as_ref()) {
                if b.flag(attr::ENABLED) && !a.flag(attr::ENABLED) {
                    ops.prefix[i].push(task::suspend(&a.name));
                }
            }
        }
        // Resume what should run, children first: reverse of the configured dependency order.
        let mut dag: Graph<String> = Graph::new();
        let mut by_name: BTreeMap<String, usize> = BTreeMap::new();
        for &i in &members {
            if let Some(a) = changes[i].after.as_ref() {
                let me = a.name.to_sql();
                dag.add_node(me.clone());
                for p in preds(Some(a)) {
                    dag.add_dep(me.clone(), p);
                }
                by_name.insert(me, i);
            }
        }
        let order = dag
            .topo_order()
            .unwrap_or_else(|_| dag.nodes().cloned().collect());
        for name in order.iter().rev() {
            let Some(&i) = by_name.get(name) else {
                continue;
            };
            let c = &changes[i];
            let a = c.after.as_ref().expect("configured");
            if !a.flag(attr::ENABLED) {
                continue;
            }
            let recreated = matches!(c.action, Action::Create | Action::Replace);
            let was_running = c.before.as_ref().is_some_and(|b| b.flag(attr::ENABLED));
            // Snowflake suspends a task that loses its last predecessor.
            let orphaned = c.action == Action::Update
                && !preds(c.before.as_ref()).is_empty()
                && preds(Some(a)).is_empty();
            if recreated || !was_running || orphaned || suspended.contains(&i) {
                ops.suffix[i].push(task::resume(&a.name));
                g.resume_chain.push(i);
            }
        }
        // The enabled flag is carried by the suspend/resume statements above.
        for &i in &members {
            let keep_empty = changes[i].state_only || changes[i].moved_from.is_some();
            stmts[i].retain(|s| s.sql.is_some() || !s.applies.is_empty() || keep_empty);
        }
        ops.graphs.push(g);
    }
    ops
}
