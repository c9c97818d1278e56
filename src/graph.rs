//! A dependency graph with a deterministic topological order and cycle reports.
//! Edges point from a dependency to what depends on it; ties are broken by node order,
//! so the same graph always gives the same order.

use std::collections::{BTreeSet, HashMap};
use std::hash::Hash;

/// Nodes are numbered as they are added and edges kept between numbers: ordering and
/// cycle search then index vectors instead of searching maps keyed by the nodes (for a
/// plan, addresses: comparing two is comparing strings). The order of the nodes themselves
/// is used once, to rank them.
#[derive(Clone, Debug)]
pub(crate) struct Graph<N: Ord + Clone + Hash> {
    ids: HashMap<N, usize>,
    nodes: Vec<N>,
    /// node -> the nodes it depends on
    deps: Vec<BTreeSet<usize>>,
}

impl<N: Ord + Clone + Hash> Default for Graph<N> {
    fn default() -> Self {
        Graph {
            ids: HashMap::new(),
            nodes: Vec::new(),
            deps: Vec::new(),
        }
    }
}

impl<N: Ord + Clone + Hash> Graph<N> {
    pub(crate) fn new() -> Self {
        Graph::default()
    }

    fn id(&mut self, node: N) -> usize {
        if let Some(&i) = self.ids.get(&node) {
            return i;
        }
        let i = self.nodes.len();
        self.ids.insert(node.clone(), i);
        self.nodes.push(node);
        self.deps.push(BTreeSet::new());
        i
    }

    pub(crate) fn add_node(&mut self, node: N) {
        self.id(node);
    }

    /// `node` depends on `dep`: `dep` comes first. Both become nodes.
    pub(crate) fn add_dep(&mut self, node: N, dep: N) {
        let d = self.id(dep);
        let n = self.id(node);
        self.deps[n].insert(d);
    }

    /// Every node, in order.
    pub(crate) fn nodes(&self) -> impl Iterator<Item = &N> {
        let mut all: Vec<&N> = self.nodes.iter().collect();
        all.sort();
        all.into_iter()
    }

    /// Each node's place in the order of the nodes.
    fn ranks(&self) -> (Vec<usize>, Vec<usize>) {
        let mut by_rank: Vec<usize> = (0..self.nodes.len()).collect();
        by_rank.sort_by(|a, b| self.nodes[*a].cmp(&self.nodes[*b]));
        let mut rank = vec![0; by_rank.len()];
        for (r, &i) in by_rank.iter().enumerate() {
            rank[i] = r;
        }
        (rank, by_rank)
    }

    /// Nodes with dependencies first, smallest ready node first (Kahn's algorithm).
    /// Err holds every cycle: the members of each strongly connected component.
    pub(crate) fn topo_order(&self) -> Result<Vec<N>, Vec<Vec<N>>> {
        let n = self.nodes.len();
        let (rank, by_rank) = self.ranks();
        let mut remaining: Vec<usize> = self.deps.iter().map(BTreeSet::len).collect();
        let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (i, ds) in self.deps.iter().enumerate() {
            for &d in ds {
                dependents[d].push(i);
            }
        }
        // Ready nodes by rank: the smallest first.
        let mut ready: BTreeSet<usize> = (0..n)
            .filter(|&i| remaining[i] == 0)
            .map(|i| rank[i])
            .collect();
        let mut order = Vec::with_capacity(n);
        while let Some(r) = ready.pop_first() {
            let i = by_rank[r];
            order.push(self.nodes[i].clone());
            for &d in &dependents[i] {
                remaining[d] -= 1;
                if remaining[d] == 0 {
                    ready.insert(rank[d]);
                }
            }
        }
        if order.len() == n {
            Ok(order)
        } else {
            Err(self.cycles())
        }
    }

    /// Strongly connected components with more than one member, or a self-loop (Tarjan),
    /// with an explicit stack: a cycle through tens of thousands of nodes must not overflow
    /// the thread's stack.
    pub(crate) fn cycles(&self) -> Vec<Vec<N>> {
        const UNSEEN: usize = usize::MAX;
        let n = self.nodes.len();
        let mut index = vec![UNSEEN; n];
        let mut low = vec![0; n];
        let mut stack: Vec<usize> = Vec::new();
        let mut on_stack = vec![false; n];
        let mut next = 0;
        let mut out: Vec<Vec<N>> = Vec::new();
        for root in 0..n {
            if index[root] != UNSEEN {
                continue;
            }
            // Each frame: a node and the iterator over its dependencies still to visit.
            let mut frames: Vec<(usize, std::collections::btree_set::Iter<'_, usize>)> = Vec::new();
            index[root] = next;
            low[root] = next;
            next += 1;
            stack.push(root);
            on_stack[root] = true;
            frames.push((root, self.deps[root].iter()));
            while let Some((v, deps)) = frames.last_mut() {
                let v = *v;
                if let Some(&d) = deps.next() {
                    if index[d] == UNSEEN {
                        index[d] = next;
                        low[d] = next;
                        next += 1;
                        stack.push(d);
                        on_stack[d] = true;
                        frames.push((d, self.deps[d].iter()));
                    } else if on_stack[d] {
                        low[v] = low[v].min(index[d]);
                    }
                    continue;
                }
                frames.pop();
                if let Some((parent, _)) = frames.last() {
                    low[*parent] = low[*parent].min(low[v]);
                }
                if low[v] == index[v] {
                    let mut comp = Vec::new();
                    loop {
                        let x = stack.pop().expect("on stack");
                        on_stack[x] = false;
                        comp.push(self.nodes[x].clone());
                        if x == v {
                            break;
                        }
                    }
                    if comp.len() > 1 || self.deps[v].contains(&v) {
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
