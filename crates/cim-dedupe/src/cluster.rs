//! Clustering scored pairs into entities.
//!
//! # Strategy
//! 1. **Connected components** over pairs whose match probability is at
//!    least `match_threshold` (plus pairs declared by deterministic rules),
//!    with a union-find whose representative is always the smallest row, so
//!    the result does not depend on pair order or thread count.
//! 2. **Over-chaining guard** (`average_linkage`, the default). Connected
//!    components are transitive: A~B and B~C put A and C together even when
//!    A and C are clearly different people, and a single false link merges
//!    two families. So every component of three or more records is
//!    re-clustered by average-linkage agglomeration: starting from single
//!    records (records tied by a deterministic rule start together), the two
//!    groups with the highest *mean* link score over all their cross pairs
//!    are merged, while that mean is at least `min_average_link` (0.5). The
//!    link score (`link_score = evidence`, default) is the pair's match
//!    probability at even prior odds: inside a component the records are
//!    already tied by strong links, so two records that merely share few
//!    fields (one has only a name, the other only an email) should not
//!    block a merge; only pairs whose fields *disagree* should. With
//!    `link_score = probability` the model's probability is averaged
//!    instead (stricter: on fake_1000 it cost 3 points of recall for no
//!    precision gain).
//!    Components of up to `rescore_max_component` records have **every**
//!    internal pair scored by the model first (also pairs that blocking did
//!    not produce), so the mean is exact; bigger ones use the scored pairs
//!    and count the others as probability 0. A chain A-B-C-D whose ends do
//!    not match splits; a true cluster whose members mostly match each other
//!    stays whole even if one of its pairs is weak.
//! 3. `best_link`: for one-to-one linking of sources, a pair survives only if
//!    each record is the other's best-scoring partner within that source;
//!    then connected components.
//!
//! Cluster ids are dense `0..k`, numbered by the smallest row they contain.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};

use rayon::prelude::*;

use crate::options::{ClusteringMethod, ClusteringOptions};

/// Union-find with the smallest index as representative.
#[derive(Debug, Clone)]
pub(crate) struct UnionFind {
    parent: Vec<u32>,
}

impl UnionFind {
    pub(crate) fn new(n: usize) -> Self {
        Self {
            parent: (0..n as u32).collect(),
        }
    }

    pub(crate) fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let g = self.parent[self.parent[x as usize] as usize];
            self.parent[x as usize] = g;
            x = g;
        }
        x
    }

    pub(crate) fn union(&mut self, a: u32, b: u32) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
            self.parent[hi as usize] = lo;
        }
    }
}

/// One scored pair as seen by clustering.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Edge {
    pub a: u32,
    pub b: u32,
    pub p: f64,
    pub deterministic: bool,
}

/// Result of clustering.
#[derive(Debug, Clone)]
pub(crate) struct Clusters {
    pub cluster_of_row: Vec<u32>,
    pub n_clusters: usize,
    /// Components that the guard split into several clusters.
    pub components_split: usize,
}

/// Dense ids ordered by smallest member row, from any representative map.
fn densify(mut rep: impl FnMut(usize) -> u32, n: usize) -> (Vec<u32>, usize) {
    let mut id_of_rep: HashMap<u32, u32> = HashMap::new();
    let mut out = Vec::with_capacity(n);
    for r in 0..n {
        let k = rep(r);
        let next = id_of_rep.len() as u32;
        out.push(*id_of_rep.entry(k).or_insert(next));
    }
    let k = id_of_rep.len();
    (out, k)
}

/// Clusters `n` rows. `source` is each row's source id (for `best_link`),
/// `rescore(a, b)` the model's match probability of any pair.
pub(crate) fn cluster(
    n: usize,
    edges: &[Edge],
    threshold: f64,
    opts: &ClusteringOptions,
    source: &[u32],
    rescore: &(dyn Fn(u32, u32) -> f64 + Sync),
    link_of: &(dyn Fn(f64) -> f64 + Sync),
) -> Clusters {
    let strong = |e: &Edge| e.deterministic || e.p >= threshold;
    let mut uf = UnionFind::new(n);
    match opts.method {
        ClusteringMethod::BestLink => {
            // best[(row, partner source)] = (p, partner)
            let mut best: HashMap<(u32, u32), (f64, u32)> = HashMap::new();
            let better = |cur: Option<&(f64, u32)>, p: f64, other: u32| match cur {
                None => true,
                Some(&(bp, bo)) => p > bp || (p == bp && other < bo),
            };
            for e in edges.iter().filter(|e| strong(e)) {
                for (x, y) in [(e.a, e.b), (e.b, e.a)] {
                    let key = (x, source[y as usize]);
                    if better(best.get(&key), e.p, y) {
                        best.insert(key, (e.p, y));
                    }
                }
            }
            for e in edges.iter().filter(|e| strong(e)) {
                let ab = best.get(&(e.a, source[e.b as usize])).map(|x| x.1) == Some(e.b);
                let ba = best.get(&(e.b, source[e.a as usize])).map(|x| x.1) == Some(e.a);
                if e.deterministic || (ab && ba) {
                    uf.union(e.a, e.b);
                }
            }
            let (cluster_of_row, n_clusters) = densify(|r| uf.find(r as u32), n);
            Clusters {
                cluster_of_row,
                n_clusters,
                components_split: 0,
            }
        }
        ClusteringMethod::ConnectedComponents | ClusteringMethod::AverageLinkage => {
            for e in edges.iter().filter(|e| strong(e)) {
                uf.union(e.a, e.b);
            }
            if opts.method == ClusteringMethod::ConnectedComponents {
                let (cluster_of_row, n_clusters) = densify(|r| uf.find(r as u32), n);
                return Clusters {
                    cluster_of_row,
                    n_clusters,
                    components_split: 0,
                };
            }
            // Members of every component of size >= 3, in row order; the
            // components in order of their first row (rows are scanned in
            // order, so a component starts when its first row is met).
            const NO_COMP: u32 = u32::MAX;
            let root: Vec<u32> = (0..n as u32).map(|r| uf.find(r)).collect();
            let mut size = vec![0u32; n];
            for &r in &root {
                size[r as usize] += 1;
            }
            let mut comp_of_root = vec![NO_COMP; n];
            let mut comps: Vec<Vec<u32>> = Vec::new();
            for (r, &rt) in root.iter().enumerate() {
                let rt = rt as usize;
                if size[rt] < 3 {
                    continue;
                }
                if comp_of_root[rt] == NO_COMP {
                    comp_of_root[rt] = comps.len() as u32;
                    comps.push(Vec::with_capacity(size[rt] as usize));
                }
                comps[comp_of_root[rt] as usize].push(r as u32);
            }
            drop(size);
            // Each component's scored edges (big components only) and
            // deterministic edges, in edge order: one pass over the edges
            // instead of one per component.
            let comp_of = |r: u32| comp_of_root[root[r as usize] as usize];
            let mut big_edges: Vec<Vec<Edge>> = vec![Vec::new(); comps.len()];
            let mut det_edges: Vec<Vec<(u32, u32)>> = vec![Vec::new(); comps.len()];
            for e in edges {
                let c = comp_of(e.a);
                if c == NO_COMP || comp_of(e.b) != c {
                    continue;
                }
                if comps[c as usize].len() > opts.rescore_max_component {
                    big_edges[c as usize].push(*e);
                }
                if e.deterministic {
                    det_edges[c as usize].push((e.a, e.b));
                }
            }
            let splits: Vec<Vec<Vec<u32>>> = comps
                .par_iter()
                .enumerate()
                .map(|(i, m)| {
                    let local: HashMap<u32, u32> =
                        m.iter().enumerate().map(|(k, &r)| (r, k as u32)).collect();
                    let mut local_edges: Vec<(u32, u32, f64)> = Vec::new();
                    let mut forced: Vec<(u32, u32)> = Vec::new();
                    if m.len() <= opts.rescore_max_component {
                        for x in 0..m.len() {
                            for y in x + 1..m.len() {
                                let p = rescore(m[x], m[y]);
                                local_edges.push((x as u32, y as u32, p));
                                if p >= 1.0 {
                                    forced.push((x as u32, y as u32));
                                }
                            }
                        }
                    } else {
                        for e in &big_edges[i] {
                            local_edges.push((local[&e.a], local[&e.b], link_of(e.p)));
                        }
                    }
                    for (a, b) in &det_edges[i] {
                        forced.push((local[a], local[b]));
                    }
                    average_linkage(m.len(), &local_edges, &forced, opts.min_average_link)
                        .into_iter()
                        .map(|g| g.into_iter().map(|k| m[k as usize]).collect())
                        .collect()
                })
                .collect();
            let mut components_split = 0;
            let mut final_rep: Vec<u32> = (0..n as u32).map(|r| uf.find(r)).collect();
            for groups in &splits {
                if groups.len() > 1 {
                    components_split += 1;
                }
                for g in groups {
                    let rep = *g.iter().min().expect("non-empty group");
                    for &r in g {
                        final_rep[r as usize] = rep;
                    }
                }
            }
            let (cluster_of_row, n_clusters) = densify(|r| final_rep[r], n);
            Clusters {
                cluster_of_row,
                n_clusters,
                components_split,
            }
        }
    }
}

#[derive(Debug, PartialEq)]
struct Cand {
    avg: f64,
    a: u32,
    b: u32,
    va: u32,
    vb: u32,
}

impl Eq for Cand {}

impl Ord for Cand {
    fn cmp(&self, o: &Self) -> Ordering {
        self.avg
            .total_cmp(&o.avg)
            .then_with(|| o.a.cmp(&self.a))
            .then_with(|| o.b.cmp(&self.b))
    }
}

impl PartialOrd for Cand {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

/// Average-linkage agglomeration of `n` local nodes. `edges` are
/// `(x, y, p)` (missing pairs count as 0), `forced` pairs start together.
/// Returns the groups of local indices, each sorted, groups ordered by
/// their smallest member.
pub(crate) fn average_linkage(
    n: usize,
    edges: &[(u32, u32, f64)],
    forced: &[(u32, u32)],
    min_link: f64,
) -> Vec<Vec<u32>> {
    let mut uf = UnionFind::new(n);
    for &(x, y) in forced {
        uf.union(x, y);
    }
    let group: Vec<u32> = (0..n as u32).map(|x| uf.find(x)).collect();
    let mut size = vec![0u32; n];
    for &g in &group {
        size[g as usize] += 1;
    }
    let mut nb: Vec<HashMap<u32, f64>> = vec![HashMap::new(); n];
    for &(x, y, p) in edges {
        let (gx, gy) = (group[x as usize], group[y as usize]);
        if gx != gy && p > 0.0 {
            *nb[gx as usize].entry(gy).or_insert(0.0) += p;
            *nb[gy as usize].entry(gx).or_insert(0.0) += p;
        }
    }
    let mut alive: Vec<bool> = (0..n).map(|i| group[i] == i as u32).collect();
    let mut version = vec![0u32; n];
    let mut heap = BinaryHeap::new();
    let avg = |s: f64, a: u32, b: u32, size: &[u32]| {
        s / (f64::from(size[a as usize]) * f64::from(size[b as usize]))
    };
    for a in 0..n as u32 {
        if !alive[a as usize] {
            continue;
        }
        let mut ks: Vec<(&u32, &f64)> = nb[a as usize].iter().filter(|(b, _)| **b > a).collect();
        ks.sort_unstable_by_key(|(b, _)| **b);
        for (&b, &s) in ks {
            heap.push(Cand {
                avg: avg(s, a, b, &size),
                a,
                b,
                va: 0,
                vb: 0,
            });
        }
    }
    while let Some(c) = heap.pop() {
        if c.avg < min_link {
            break;
        }
        if !alive[c.a as usize]
            || !alive[c.b as usize]
            || version[c.a as usize] != c.va
            || version[c.b as usize] != c.vb
        {
            continue;
        }
        // Merge b into a (a < b, so a stays the smallest index).
        let (a, b) = (c.a, c.b);
        let nb_b = std::mem::take(&mut nb[b as usize]);
        for (k, s) in nb_b {
            if k == a {
                continue;
            }
            *nb[a as usize].entry(k).or_insert(0.0) += s;
            let nk = &mut nb[k as usize];
            nk.remove(&b);
            *nk.entry(a).or_insert(0.0) += s;
        }
        nb[a as usize].remove(&b);
        alive[b as usize] = false;
        uf.union(a, b);
        size[a as usize] += size[b as usize];
        version[a as usize] += 1;
        let mut ks: Vec<(u32, f64)> = nb[a as usize].iter().map(|(&k, &s)| (k, s)).collect();
        ks.sort_unstable_by_key(|x| x.0);
        for (k, s) in ks {
            let (x, y) = if a < k { (a, k) } else { (k, a) };
            heap.push(Cand {
                avg: avg(s, a, k, &size),
                a: x,
                b: y,
                va: version[x as usize],
                vb: version[y as usize],
            });
        }
    }
    let mut groups: HashMap<u32, Vec<u32>> = HashMap::new();
    for x in 0..n as u32 {
        groups.entry(uf.find(x)).or_default().push(x);
    }
    let mut out: Vec<Vec<u32>> = groups.into_values().collect();
    out.sort_unstable_by_key(|g| g[0]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edge(a: u32, b: u32, p: f64) -> Edge {
        Edge {
            a,
            b,
            p,
            deterministic: false,
        }
    }

    /// Two tight groups {0,1,2} and {3,4,5} joined by one strong bridge
    /// 2-3: connected components chain them, the guard splits them.
    fn bridged() -> Vec<Edge> {
        let mut e = Vec::new();
        for g in [[0, 1, 2], [3, 4, 5]] {
            e.push(edge(g[0], g[1], 0.99));
            e.push(edge(g[0], g[2], 0.98));
            e.push(edge(g[1], g[2], 0.97));
        }
        e.push(edge(2, 3, 0.95));
        e
    }

    fn lookup(edges: &[Edge]) -> impl Fn(u32, u32) -> f64 + Sync + '_ {
        move |a, b| {
            edges
                .iter()
                .find(|e| (e.a, e.b) == (a.min(b), a.max(b)))
                .map_or(0.001, |e| e.p)
        }
    }

    fn run(edges: &[Edge], method: ClusteringMethod) -> Clusters {
        let opts = ClusteringOptions {
            method,
            ..Default::default()
        };
        cluster(7, edges, 0.9, &opts, &[0; 7], &lookup(edges), &|p| p)
    }

    #[test]
    fn guard_splits_a_bridged_component() {
        let e = bridged();
        let cc = run(&e, ClusteringMethod::ConnectedComponents);
        assert_eq!(cc.cluster_of_row, [0, 0, 0, 0, 0, 0, 1]);
        let al = run(&e, ClusteringMethod::AverageLinkage);
        assert_eq!(al.cluster_of_row, [0, 0, 0, 1, 1, 1, 2]);
        assert_eq!(al.components_split, 1);
    }

    #[test]
    fn guard_keeps_a_cluster_with_one_weak_pair() {
        // 0-1 and 1-2 strong, 0-2 unsure: one person with a dirty record.
        let e = vec![edge(0, 1, 0.99), edge(1, 2, 0.95), edge(0, 2, 0.4)];
        let al = run(&e, ClusteringMethod::AverageLinkage);
        assert_eq!(&al.cluster_of_row[..3], &[0, 0, 0]);
        // ...but a chain whose ends clearly differ splits.
        let e = vec![edge(0, 1, 0.99), edge(1, 2, 0.95), edge(0, 2, 0.0001)];
        let al = run(&e, ClusteringMethod::AverageLinkage);
        assert_eq!(&al.cluster_of_row[..3], &[0, 0, 1]);
    }

    #[test]
    fn deterministic_edges_always_merge() {
        let mut e = bridged();
        e.push(Edge {
            a: 0,
            b: 6,
            p: 0.0,
            deterministic: true,
        });
        let al = run(&e, ClusteringMethod::AverageLinkage);
        assert_eq!(al.cluster_of_row[0], al.cluster_of_row[6]);
    }

    #[test]
    fn deterministic_edges_merge_in_big_components_too() {
        // With rescore_max_component 2, {0..5} is a big component: only its
        // scored edges are used, and the deterministic 0-5 edge is forced.
        let mut e = bridged();
        e.push(Edge {
            a: 0,
            b: 5,
            p: 0.0,
            deterministic: true,
        });
        let opts = ClusteringOptions {
            method: ClusteringMethod::AverageLinkage,
            rescore_max_component: 2,
            ..Default::default()
        };
        let al = cluster(7, &e, 0.9, &opts, &[0; 7], &lookup(&e), &|p| p);
        assert_eq!(al.cluster_of_row[0], al.cluster_of_row[5]);
        assert_ne!(al.cluster_of_row[0], al.cluster_of_row[6]);
        // Without it the bridge is cut, as with full rescoring.
        let plain = bridged();
        let al = cluster(7, &plain, 0.9, &opts, &[0; 7], &lookup(&plain), &|p| p);
        assert_eq!(al.cluster_of_row, [0, 0, 0, 1, 1, 1, 2]);
    }

    #[test]
    fn result_does_not_depend_on_edge_order() {
        let e = bridged();
        let mut r = e.clone();
        r.reverse();
        r.swap(0, 3);
        for m in [
            ClusteringMethod::ConnectedComponents,
            ClusteringMethod::AverageLinkage,
            ClusteringMethod::BestLink,
        ] {
            assert_eq!(
                run(&e, m).cluster_of_row,
                run(&r, m).cluster_of_row,
                "{m:?}"
            );
        }
    }

    #[test]
    fn big_components_use_scored_pairs_only() {
        let e = bridged();
        let opts = ClusteringOptions {
            rescore_max_component: 2,
            ..Default::default()
        };
        let never = |_: u32, _: u32| -> f64 { panic!("no re-scoring above the cap") };
        let c = cluster(7, &e, 0.9, &opts, &[0; 7], &never, &|p| p);
        assert_eq!(c.cluster_of_row, [0, 0, 0, 1, 1, 1, 2]);
    }
}
