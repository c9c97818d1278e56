//! A dependency graph with a deterministic topological order and cycle reports.
//! Edges point from a dependency to what depends on it; ties are broken by node order,
//! so the same graph always gives the same order.

use std::collections::{BTreeMap, BTreeSet};

#[derive(Clone, Debug)]
pub(crate) struct Graph<N: Ord + Clone> {
    /// node -> the nodes it depends on
    deps: BTreeMap<N, BTreeSet<N>>,
}

impl<N: Ord + Clone> Default for Graph<N> {
    fn default() -> Self {
        Graph {
            deps: BTreeMap::new(),
        }
    }
}

impl<N: Ord + Clone> Graph<N> {
    pub fn new() -> Self {
        Graph::default()
    }

    pub(crate) fn add_node(&mut self, node: N) {
        self.deps.entry(node).or_default();
    }

    /// `node` depends on `dep`: `dep` comes first. Both become nodes.
    pub(crate) fn add_dep(&mut self, node: N, dep: N) {
        self.add_node(dep.clone());
        self.deps.entry(node).or_default().insert(dep);
    }

    pub(crate) fn nodes(&self) -> impl Iterator<Item = &N> {
        self.deps.keys()
    }

    pub(crate) fn deps_of(&self, node: &N) -> impl Iterator<Item = &N> {
        self.deps.get(node).into_iter().flatten()
    }

    /// Nodes with dependencies first, smallest ready node first (Kahn's algorithm).
    /// Err holds every cycle: the members of each strongly connected component.
    pub(crate) fn topo_order(&self) -> Result<Vec<N>, Vec<Vec<N>>> {
        let mut remaining: BTreeMap<&N, usize> =
            self.deps.iter().map(|(n, d)| (n, d.len())).collect();
        let mut dependents: BTreeMap<&N, Vec<&N>> = BTreeMap::new();
        for (n, ds) in &self.deps {
            for d in ds {
                dependents.entry(d).or_default().push(n);
            }
        }
        let mut ready: BTreeSet<&N> = remaining
            .iter()
            .filter(|(_, c)| **c == 0)
            .map(|(n, _)| *n)
            .collect();
        let mut order = Vec::with_capacity(self.deps.len());
        while let Some(n) = ready.pop_first() {
            order.push(n.clone());
            for d in dependents.get(n).into_iter().flatten() {
                let c = remaining.get_mut(d).expect("every node counted");
                *c -= 1;
                if *c == 0 {
                    ready.insert(d);
                }
            }
        }
        if order.len() == self.deps.len() {
            Ok(order)
        } else {
            Err(self.cycles())
        }
    }

    /// Strongly connected components with more than one member, or a self-loop (Tarjan),
    /// with an explicit stack: a cycle through tens of thousands of nodes must not overflow
    /// the thread's stack.
    pub(crate) fn cycles(&self) -> Vec<Vec<N>> {
        let mut index: BTreeMap<&N, usize> = BTreeMap::new();
        let mut low: BTreeMap<&N, usize> = BTreeMap::new();
        let mut stack: Vec<&N> = Vec::new();
        let mut on_stack: BTreeSet<&N> = BTreeSet::new();
        let mut next = 0;
        let mut out: Vec<Vec<N>> = Vec::new();
        for root in self.deps.keys() {
            if index.contains_key(root) {
                continue;
            }
            // Each frame: a node and the iterator over its dependencies still to visit.
            let mut frames: Vec<(&N, Box<dyn Iterator<Item = &N> + '_>)> = Vec::new();
            index.insert(root, next);
            low.insert(root, next);
            next += 1;
            stack.push(root);
            on_stack.insert(root);
            frames.push((root, Box::new(self.deps_of(root))));
            while let Some((n, deps)) = frames.last_mut() {
                let n = *n;
                if let Some(d) = deps.next() {
                    if !index.contains_key(d) {
                        index.insert(d, next);
                        low.insert(d, next);
                        next += 1;
                        stack.push(d);
                        on_stack.insert(d);
                        frames.push((d, Box::new(self.deps_of(d))));
                    } else if on_stack.contains(d) {
                        let l = index[d].min(low[n]);
                        low.insert(n, l);
                    }
                    continue;
                }
                frames.pop();
                if let Some((parent, _)) = frames.last() {
                    let l = low[n].min(low[*parent]);
                    low.insert(*parent, l);
                }
                if low[n] == index[n] {
                    let mut comp = Vec::new();
                    loop {
                        let x = stack.pop().expect("on stack");
                        on_stack.remove(x);
                        comp.push(x.clone());
                        if x == n {
                            break;
                        }
                    }
                    let self_loop = self.deps_of(n).any(|d| d == n);
                    if comp.len() > 1 || self_loop {
                        comp.sort();
                        out.push(comp);
                    }
                }
            }
        }
        out.sort();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_dependencies_first_and_breaks_ties_by_order() {
        let mut g = Graph::new();
        g.add_dep("schema", "db");
        g.add_dep("task", "schema");
        g.add_dep("stage", "schema");
        g.add_node("wh");
        assert_eq!(
            g.topo_order().unwrap(),
            ["db", "schema", "stage", "task", "wh"]
        );
    }

    #[test]
    fn reports_every_member_of_each_cycle() {
        let mut g = Graph::new();
        g.add_dep("a", "b");
        g.add_dep("b", "c");
        g.add_dep("c", "a");
        g.add_dep("x", "x");
        g.add_dep("d", "a");
        assert_eq!(
            g.topo_order().unwrap_err(),
            vec![vec!["a", "b", "c"], vec!["x"]]
        );
    }

    #[test]
    fn a_cycle_through_a_hundred_thousand_nodes_is_found_without_recursion() {
        let n = 100_000u32;
        let mut g = Graph::new();
        for i in 0..n {
            g.add_dep(i, (i + 1) % n);
        }
        let cycles = g.topo_order().unwrap_err();
        assert_eq!(cycles.len(), 1);
        assert_eq!(cycles[0].len(), n as usize);
    }
}
