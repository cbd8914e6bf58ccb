//! Entry points into the inner loops, for benchmarks (`benches/dedupe.rs`):
//! each step of [`crate::dedupe`] can be timed on its own.

use arrow::record_batch::RecordBatch;

use crate::Error;
use crate::blocking;
use crate::cluster::{self, Edge};
use crate::em::{self, EmProblem, PatternTable};
use crate::options::DedupeOptions;
use crate::pipeline::{self, Prepared};

/// Blocked and compared data, ready for timing single steps.
pub struct Kernels {
    prep: Prepared,
    opts: DedupeOptions,
    patterns: Vec<u128>,
    counts: Vec<f64>,
}

impl Kernels {
    /// Interns, blocks and compares `records` under `opts`.
    pub fn new(records: &[RecordBatch], opts: &DedupeOptions) -> Result<Self, Error> {
        let prep = pipeline::prepare(records, opts, None)?;
        let nc = prep.comps.len();
        let table = PatternTable::build(&prep.levels, nc, &|_| 1);
        let (patterns, counts) = table.select(|_| true);
        Ok(Self {
            prep,
            opts: opts.clone(),
            patterns,
            counts,
        })
    }

    /// Candidate pairs.
    pub fn n_pairs(&self) -> usize {
        self.prep.cands.pairs.len()
    }

    /// Comparisons per pair.
    pub fn n_comparisons(&self) -> usize {
        self.prep.comps.len()
    }

    /// Distinct comparison patterns of the candidate pairs.
    pub fn n_patterns(&self) -> usize {
        self.patterns.len()
    }

    /// Computes every comparison level of every candidate pair on the
    /// current thread; returns the sum of the levels (so the work is kept).
    pub fn compare_all(&self) -> u64 {
        let nc = self.prep.comps.len();
        let mut lv = vec![0u8; nc];
        let mut sum = 0u64;
        for &(a, b) in &self.prep.cands.pairs {
            em::levels_into(
                &self.prep.table,
                &self.prep.comps,
                a as usize,
                b as usize,
                &mut lv,
            );
            sum += lv.iter().map(|&x| u64::from(x)).sum::<u64>();
        }
        sum
    }

    /// `iterations` EM steps over the pattern table (u uniform-ish,
    /// convergence check disabled); returns the final match proportion.
    pub fn em(&self, iterations: u32) -> f64 {
        let n_levels: Vec<usize> = self.prep.comps.iter().map(|c| c.n_levels()).collect();
        let u: Vec<Vec<f64>> = n_levels
            .iter()
            .map(|&k| {
                let mut v = vec![0.5 / (k as f64); k];
                v[0] = 1.0;
                v[k - 1] = 0.5;
                v
            })
            .collect();
        let active = vec![true; n_levels.len()];
        let m_fixed: Vec<Vec<bool>> = n_levels.iter().map(|&k| vec![false; k]).collect();
        let p = EmProblem {
            patterns: &self.patterns,
            counts: &self.counts,
            n_levels: &n_levels,
            u: &u,
            active: &active,
            m_fixed: &m_fixed,
            max_iterations: iterations,
            tolerance: 0.0,
            estimate_lambda: true,
            estimate_m: true,
            estimate_u: false,
        };
        em::run_em(
            &p,
            n_levels.iter().map(|&k| em::initial_m(k)).collect(),
            0.1,
        )
        .lambda
    }

    /// Re-runs blocking (counting and pair generation) over the interned
    /// records; returns the number of candidate pairs.
    pub fn block(&self) -> Result<usize, Error> {
        let droppable = vec![false; self.prep.rules.len()];
        let (blocks, _) =
            blocking::block_all(&self.prep.table, &self.prep.rules, &droppable, &self.opts)?;
        let mut blocks: Vec<_> = blocks.into_iter().flatten().collect();
        let ids = blocking::BlockIds::take(&mut blocks, self.prep.table.n_rows);
        Ok(
            blocking::generate(&self.prep.table, &blocks, &ids, self.opts.link_type)
                .pairs
                .len(),
        )
    }

    /// Clusters the candidate pairs with synthetic probabilities derived
    /// from their levels (no re-scoring); returns the number of clusters.
    pub fn cluster(&self) -> usize {
        let nc = self.prep.comps.len();
        let edges: Vec<Edge> = self
            .prep
            .cands
            .pairs
            .iter()
            .enumerate()
            .map(|(i, &(a, b))| {
                let lv = &self.prep.levels[i * nc..(i + 1) * nc];
                let top = lv.iter().filter(|&&l| l == 1).count() as f64;
                Edge {
                    a,
                    b,
                    p: top / nc.max(1) as f64,
                    deterministic: false,
                }
            })
            .collect();
        let prob: std::collections::HashMap<(u32, u32), f64> =
            edges.iter().map(|e| ((e.a, e.b), e.p)).collect();
        let rescore = |a: u32, b: u32| prob.get(&(a.min(b), a.max(b))).copied().unwrap_or(0.0);
        cluster::cluster(
            self.prep.table.n_rows,
            &edges,
            self.opts.match_threshold,
            &self.opts.clustering,
            self.prep.table.source_ids(),
            &rescore,
            &|p| p,
        )
        .n_clusters
    }
}
