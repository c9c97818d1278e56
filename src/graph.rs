//! A dependency graph with a deterministic topological order and cycle reports.
//! Edges point from a dependency to what depends on it; ties are broken by node order,
//! so the same graph always gives the same order.

use std::collections::{BTreeMap, BTreeSet};

#[derive(Clone, Debug)]
pub struct Graph<N: Ord + Clone> {
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

    pub fn add_node(&mut self, n: N) {
        self.deps.entry(n).or_default();
    }

    /// `node` depends on `dep`: `dep` comes first. Both become nodes.
    pub fn add_dep(&mut self, node: N, dep: N) {
        self.add_node(dep.clone());
        self.deps.entry(node).or_default().insert(dep);
    }

    pub fn contains(&self, n: &N) -> bool {
        self.deps.contains_key(n)
    }

    pub fn nodes(&self) -> impl Iterator<Item = &N> {
        self.deps.keys()
    }

    pub fn deps_of(&self, n: &N) -> impl Iterator<Item = &N> {
        self.deps.get(n).into_iter().flatten()
    }

    /// Everything `n` depends on, directly or not.
    pub fn ancestors(&self, n: &N) -> BTreeSet<N> {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<N> = self.deps_of(n).cloned().collect();
        while let Some(x) = stack.pop() {
            if seen.insert(x.clone()) {
                stack.extend(self.deps_of(&x).cloned());
            }
        }
        seen
    }

    /// Nodes with dependencies first, smallest ready node first (Kahn's algorithm).
    /// Err holds every cycle: the members of each strongly connected component.
    pub fn topo_order(&self) -> Result<Vec<N>, Vec<Vec<N>>> {
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

    /// Strongly connected components with more than one member, or a self-loop (Tarjan).
    pub fn cycles(&self) -> Vec<Vec<N>> {
        struct State<'a, N> {
            index: BTreeMap<&'a N, usize>,
            low: BTreeMap<&'a N, usize>,
            stack: Vec<&'a N>,
            on_stack: BTreeSet<&'a N>,
            next: usize,
            out: Vec<Vec<N>>,
        }
        fn visit<'a, N: Ord + Clone>(g: &'a Graph<N>, n: &'a N, s: &mut State<'a, N>) {
            s.index.insert(n, s.next);
            s.low.insert(n, s.next);
            s.next += 1;
            s.stack.push(n);
            s.on_stack.insert(n);
            for d in g.deps_of(n) {
                if !s.index.contains_key(d) {
                    visit(g, d, s);
                    let l = s.low[d].min(s.low[n]);
                    s.low.insert(n, l);
                } else if s.on_stack.contains(d) {
                    let l = s.index[d].min(s.low[n]);
                    s.low.insert(n, l);
                }
            }
            if s.low[n] == s.index[n] {
                let mut comp = Vec::new();
                loop {
                    let x = s.stack.pop().expect("on stack");
                    s.on_stack.remove(x);
                    comp.push(x.clone());
                    if x == n {
                        break;
                    }
                }
                let self_loop = g.deps_of(n).any(|d| d == n);
                if comp.len() > 1 || self_loop {
                    comp.sort();
                    s.out.push(comp);
                }
            }
        }
        let mut s = State {
            index: BTreeMap::new(),
            low: BTreeMap::new(),
            stack: Vec::new(),
            on_stack: BTreeSet::new(),
            next: 0,
            out: Vec::new(),
        };
        for n in self.deps.keys() {
            if !s.index.contains_key(n) {
                visit(self, n, &mut s);
            }
        }
        s.out.sort();
        s.out
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
    fn ancestors_are_transitive() {
        let mut g = Graph::new();
        g.add_dep("c", "b");
        g.add_dep("b", "a");
        assert_eq!(
            g.ancestors(&"c").into_iter().collect::<Vec<_>>(),
            ["a", "b"]
        );
    }
}
