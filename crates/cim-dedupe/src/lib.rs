//! Fuzzy deduplication of normalised customer records: blocking,
//! comparisons, an unsupervised Fellegi-Sunter model trained by EM,
//! scoring and clustering.
//!
//! Entry points: [`train`] (records -> [`Model`]), [`dedupe`] (records ->
//! [`DedupeResult`]: model, [`ScoredPairs`], a cluster per row and a
//! [`DedupeReport`]), [`pairs_batch`] (the audit table of scored pairs),
//! [`explain`] (the weight waterfall of one pair, an [`Explanation`]). All
//! are configured by [`DedupeOptions`]; every default works without
//! configuration and without labelled data.
//!
//! Input: `&[RecordBatch]` in [`cim_schema::normalized_schema`]; a row's
//! global index is its position in the concatenation of the batches.
//!
//! # How it works
//! 1. **Blocking** ([`blocking`]): the union of [`BlockingRule`]s, each a
//!    conjunction of match keys. Pairs are counted and budgets checked
//!    before anything is compared; oversized blocks are skipped and
//!    reported.
//! 2. **Comparisons** ([`ComparisonSpec`], [`ComparisonKind`]): per field,
//!    an ordered list of named levels (exact, canonical, swapped, fuzzy by
//!    Jaro-Winkler / edit distance / soft token similarity, date
//!    transpositions...), stored as one `u8` per pair and comparison.
//! 3. **Model** ([`Model`]): u probabilities from random record pairs, m
//!    probabilities and the match proportion by EM over the distinct
//!    comparison patterns. By default one EM session per blocking rule
//!    (the comparisons that read the rule's keys are not estimated in that
//!    session, as they agree by construction) and each m averaged over the
//!    sessions that estimated it. Term-frequency adjustment makes agreeing
//!    on a rare value (a rare surname) weigh more than on a common one
//!    (`张伟`, `Smith`).
//! 4. **Scoring**: in parallel; per pair the total match weight (bits) and
//!    match probability. Deterministic rules force probability 1.
//! 5. **Clustering** ([`cluster`]): connected components at the
//!    threshold, then an average-linkage guard against over-chaining.
//!
//! # Choosing blocking rules
//! Leave `blocking_rules` unset to get the defaults chosen from populated
//! keys ([`default_rules`]). When writing your own: each rule must be
//! specific (blocks of tens of records, not thousands: check
//! `largest_blocks` in the report), and the union must still catch a
//! duplicate with any one field wrong, so mix rules over different fields
//! (an identifier; a name + date; a name + place; a date + place). A key
//! shared by many records (`family_name` alone) is the "John Smith
//! problem": `max_block_size` skips such blocks and says so in the report.
//!
//! # Measured (default options, `tests/it/devsets.rs`)
//! Pairwise F1 (precision / recall): febrl1 0.999 (1.000 / 0.998), febrl2
//! 0.999 (1.000 / 0.998), fake_1000 0.954 (1.000 / 0.912), with the crude
//! keys of [`testkit`]; the real normaliser (nicknames, pinyin) should do
//! better. Per-rule EM beat one global EM session on febrl2 (0.9992 vs
//! 0.9959 with connected components).
//!
//! [`testkit`] builds normalised batches by hand (tests, benches);
//! [`kernels`] exposes the inner loops to the benchmarks.
//!
//! # Reading the model
//! See [`model`]: each level has `m`, `u` and `match_weight = log2(m/u)`;
//! a pair's weight is the prior weight plus one level weight per
//! comparison. [`explain`] shows that sum for one pair.

pub mod blocking;
pub mod cluster;
mod compare;
mod em;
mod error;
mod explain;
pub mod kernels;
pub mod model;
mod options;
mod output;
mod pipeline;
mod report;
mod table;
pub mod testkit;
mod tokens;

use std::time::Instant;

use arrow::record_batch::RecordBatch;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

pub use blocking::{BlockInfo, count_candidate_pairs, default_rules};
pub use compare::{jaro_winkler, osa_distance, osa_within, soft_token_similarity, within_one_edit};
pub use error::Error;
pub use explain::{
    ComparisonStep, Explanation, PERSON_CONFLICT_STEP, REDUNDANT_EVIDENCE_STEP, explain,
};
pub use model::{ComparisonModel, EmSession, LevelParams, Model, TrainingReport, probability};
pub use options::{
    BlockingRule, ClusteringMethod, ClusteringOptions, ComparisonKind, ComparisonSpec,
    DedupeOptions, DeterministicRule, FixedParam, KeyPart, LinkScore, LinkType, TrainingMode,
};
pub use output::{LabelledPair, pairs_batch, pairs_slice, record_ids, train_with_labels};
pub use report::{DedupeReport, RuleOrigin, RuleReport, Timings};

/// Scored candidate pairs kept for audit (probability at or above
/// `pairs_floor`, or decided by a deterministic rule), sorted by
/// `(left, right)`. Column-wise: index `i` of every vector is pair `i`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ScoredPairs {
    /// Comparison names; `levels` and `weights` hold one entry per name and
    /// pair.
    pub comparisons: Vec<String>,
    /// Level names per comparison, indexed by level code.
    pub level_names: Vec<Vec<String>>,
    /// Global row of the first record (`left < right`).
    pub left: Vec<u32>,
    /// Global row of the second record.
    pub right: Vec<u32>,
    /// Level codes, `comparisons.len()` per pair.
    pub levels: Vec<u8>,
    /// Weights in bits (term-frequency adjusted), `comparisons.len()` per pair.
    pub weights: Vec<f32>,
    /// Total match weight in bits (prior included).
    pub match_weight: Vec<f64>,
    /// Match probability.
    pub match_probability: Vec<f64>,
    /// Index of the blocking rule that produced the pair.
    pub blocking_rule: Vec<u8>,
    /// Index of the deterministic rule that decided the pair, if any.
    pub deterministic_rule: Vec<Option<u8>>,
}

impl ScoredPairs {
    /// Number of pairs.
    pub fn len(&self) -> usize {
        self.left.len()
    }

    /// True when no pair was kept.
    pub fn is_empty(&self) -> bool {
        self.left.is_empty()
    }

    /// Level code of comparison `c` for pair `i`.
    pub fn level(&self, i: usize, c: usize) -> u8 {
        self.levels[i * self.comparisons.len() + c]
    }

    /// Bytes the pairs hold in memory (their vectors' lengths; the names
    /// aside).
    pub fn memory_bytes(&self) -> usize {
        use std::mem::size_of_val;
        size_of_val(self.left.as_slice())
            + size_of_val(self.right.as_slice())
            + size_of_val(self.levels.as_slice())
            + size_of_val(self.weights.as_slice())
            + size_of_val(self.match_weight.as_slice())
            + size_of_val(self.match_probability.as_slice())
            + size_of_val(self.blocking_rule.as_slice())
            + size_of_val(self.deterministic_rule.as_slice())
    }

    /// Moves `other`'s pairs to the end of these (its names are not
    /// read: they must be the same).
    fn append(&mut self, mut other: ScoredPairs) {
        self.left.append(&mut other.left);
        self.right.append(&mut other.right);
        self.levels.append(&mut other.levels);
        self.weights.append(&mut other.weights);
        self.match_weight.append(&mut other.match_weight);
        self.match_probability.append(&mut other.match_probability);
        self.blocking_rule.append(&mut other.blocking_rule);
        self.deterministic_rule
            .append(&mut other.deterministic_rule);
    }

    /// The pairs `rows` (indices into these pairs), in that order: a few
    /// pairs kept for a report after the rest are freed. Panics when a row
    /// is out of range.
    pub fn select(&self, rows: &[usize]) -> ScoredPairs {
        let nc = self.comparisons.len();
        let mut out = ScoredPairs {
            comparisons: self.comparisons.clone(),
            level_names: self.level_names.clone(),
            ..Default::default()
        };
        for &i in rows {
            out.left.push(self.left[i]);
            out.right.push(self.right[i]);
            out.levels
                .extend_from_slice(&self.levels[i * nc..(i + 1) * nc]);
            out.weights
                .extend_from_slice(&self.weights[i * nc..(i + 1) * nc]);
            out.match_weight.push(self.match_weight[i]);
            out.match_probability.push(self.match_probability[i]);
            out.blocking_rule.push(self.blocking_rule[i]);
            out.deterministic_rule.push(self.deterministic_rule[i]);
        }
        out
    }
}

/// Output of [`dedupe`].
#[derive(Debug, Clone)]
pub struct DedupeResult {
    /// The model used (trained, or the one supplied).
    pub model: Model,
    /// Scored pairs kept for audit.
    pub pairs: ScoredPairs,
    /// Cluster index per global row: dense `0..k`, numbered by the smallest
    /// row of each cluster.
    pub cluster_of_row: Vec<u32>,
    /// Figures of the run.
    pub report: DedupeReport,
}

/// Trains a model without labels: blocking, comparisons, u from random
/// pairs, m and the prior by EM.
pub fn train(records: &[RecordBatch], opts: &DedupeOptions) -> Result<Model, Error> {
    let prep = pipeline::prepare(records, opts, None)?;
    pipeline::train_prepared(&prep, opts)
}

/// Deduplicates `records`: trains a model (or reuses `model`), scores the
/// candidate pairs and clusters them.
pub fn dedupe(
    records: &[RecordBatch],
    opts: &DedupeOptions,
    model: Option<&Model>,
) -> Result<DedupeResult, Error> {
    dedupe_interned(intern(records, opts, model)?, opts, model)
}

/// The columns of the records that matching reads, interned (one `u32` per
/// row and column plus each distinct value once): everything [`dedupe`]
/// needs of the records. Made by [`intern`]; after that the caller may
/// free or spill the records before [`dedupe_interned`] runs.
pub struct Interned {
    plan: pipeline::Plan,
    table: table::Table,
    /// Time spent interning, counted in the blocking and total timings.
    took: std::time::Duration,
}

impl Interned {
    /// Rows interned.
    pub fn rows(&self) -> usize {
        self.table.n_rows
    }
}

/// Plans the blocking rules and comparisons for `opts` (or for `model`'s
/// comparisons when given) and interns the columns they read.
pub fn intern(
    records: &[RecordBatch],
    opts: &DedupeOptions,
    model: Option<&Model>,
) -> Result<Interned, Error> {
    intern_planned(plan_matching(records, opts, model)?, records)
}

/// The blocking rules and comparisons of a run, decided from the records
/// (which keys are filled often enough), before they are interned: a
/// caller may then spill the records and give [`intern_planned`] only
/// [`MatchingPlan::columns`] back, instead of holding the records and
/// their interned copy at once.
pub struct MatchingPlan {
    plan: pipeline::Plan,
    /// Time spent planning, counted with interning's.
    took: std::time::Duration,
}

impl MatchingPlan {
    /// The columns of the records that interning reads.
    pub fn columns(&self) -> Vec<String> {
        pipeline::intern_columns(&self.plan)
            .into_iter()
            .map(|r| r.column_name())
            .collect()
    }

    /// `records` reduced to [`MatchingPlan::columns`]: shared handles, no
    /// copy, so the rest of each batch is freed once its caller drops it.
    pub fn matched_columns(&self, records: &[RecordBatch]) -> Result<Vec<RecordBatch>, Error> {
        let columns = self.columns();
        records
            .iter()
            .map(|b| {
                let schema = b.schema();
                let idx = columns
                    .iter()
                    .map(|c| schema.index_of(c))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(b.project(&idx)?)
            })
            .collect()
    }
}

/// Plans matching for `opts` (or `model`'s comparisons) on `records`.
pub fn plan_matching(
    records: &[RecordBatch],
    opts: &DedupeOptions,
    model: Option<&Model>,
) -> Result<MatchingPlan, Error> {
    let started = Instant::now();
    let specs: Option<Vec<ComparisonSpec>> =
        model.map(|m| m.comparisons.iter().map(|c| c.spec.clone()).collect());
    let plan = pipeline::plan(records, opts, specs.as_deref())?;
    Ok(MatchingPlan {
        plan,
        took: started.elapsed(),
    })
}

/// Interns the columns `plan` reads from `records`: the records
/// [`plan_matching`] saw, or any batches of them holding at least
/// [`MatchingPlan::columns`], in the same row order.
pub fn intern_planned(plan: MatchingPlan, records: &[RecordBatch]) -> Result<Interned, Error> {
    let started = Instant::now();
    let table = pipeline::intern(records, &plan.plan)?;
    Ok(Interned {
        plan: plan.plan,
        table,
        took: plan.took + started.elapsed(),
    })
}

/// [`dedupe`] of interned records: `opts` and `model` must be the ones
/// given to [`intern`].
pub fn dedupe_interned(
    interned: Interned,
    opts: &DedupeOptions,
    model: Option<&Model>,
) -> Result<DedupeResult, Error> {
    // As if interning had just run: the caller may have spent time between.
    let t_all = Instant::now()
        .checked_sub(interned.took)
        .unwrap_or_else(Instant::now);
    let mut prep = pipeline::prepare_interned(interned.plan, interned.table, opts, t_all)?;
    let reused = model.is_some();
    let t_train = Instant::now();
    let model = match model {
        Some(m) => {
            pipeline::check_model(m, &prep.comps)?;
            m.clone()
        }
        None => pipeline::train_prepared(&prep, opts)?,
    };
    let train_ms = if reused {
        0
    } else {
        t_train.elapsed().as_millis() as u64
    };

    // Score every candidate pair.
    let t_score = Instant::now();
    let det: Vec<BlockingRule> = prep
        .det_rules
        .iter()
        .map(|&i| prep.rules[i].clone())
        .collect();
    let scorer = pipeline::Scorer::new(&prep.table, &prep.comps, &model, opts, det);
    let nc = prep.comps.len();
    let pairs_compared = prep.cands.pairs.len();
    // Only pairs that can become an edge or a kept pair are retained, with
    // their probability and deterministic rule: most candidate pairs score
    // below both floors, and there are up to hundreds of millions of them.
    // The weight of a kept pair is computed again below, by the same
    // function from the same inputs.
    const NOT_DET: u8 = u8::MAX;
    let edge_floor = opts.pairs_floor.min(opts.match_threshold);
    struct Scored {
        pair: usize,
        prob: f64,
        det: u8,
    }
    let scored: Vec<Scored> = {
        let pairs = &prep.cands.pairs;
        let levels = &prep.levels;
        pairs
            .par_iter()
            .enumerate()
            .map_init(
                || vec![0f32; nc],
                |w, (i, &(a, b))| {
                    // Term frequencies read both rows again: hint them ahead.
                    if let Some(&(x, y)) = pairs.get(i + table::PREFETCH_AHEAD) {
                        prep.table.prefetch_row(x as usize);
                        prep.table.prefetch_row(y as usize);
                    }
                    let lv = &levels[i * nc..(i + 1) * nc];
                    let weight = scorer.weigh(lv, a as usize, b as usize, w);
                    let (prob, det) = match scorer.deterministic(a as usize, b as usize) {
                        Some(d) => (1.0, d as u8),
                        None => (model::probability(weight), NOT_DET),
                    };
                    (prob >= edge_floor || det != NOT_DET).then_some(Scored { pair: i, prob, det })
                },
            )
            .flatten()
            .collect()
    };
    let score_ms = t_score.elapsed().as_millis() as u64;
    // Every pair at or above the threshold is retained: the threshold is at
    // or above the edge floor, and a deterministic pair has probability 1.
    let pairs_above_threshold = scored
        .iter()
        .filter(|s| s.prob >= opts.match_threshold)
        .count() as u64;
    let deterministic_matches = scored.iter().filter(|s| s.det != NOT_DET).count() as u64;

    // Pairs kept for audit, sorted. Built before clustering because they
    // are the last users of the candidates' levels and rules.
    let mut out = ScoredPairs {
        comparisons: prep.comps.iter().map(|c| c.name.clone()).collect(),
        level_names: prep.comps.iter().map(|c| c.level_names.clone()).collect(),
        ..Default::default()
    };
    {
        let pairs = &prep.cands.pairs;
        let mut keep: Vec<&Scored> = scored
            .par_iter()
            .filter(|s| s.prob >= opts.pairs_floor || s.det != NOT_DET)
            .collect();
        keep.par_sort_unstable_by_key(|s| pairs[s.pair]);
        // Weighed again in parallel, a chunk of pairs at a time (up to a
        // million pairs at 1M records: serial, a core sat idle), the
        // chunks appended in order.
        const CHUNK: usize = 1 << 14;
        let chunks: Vec<ScoredPairs> = keep
            .par_chunks(CHUNK)
            .map(|chunk| {
                let mut part = ScoredPairs::default();
                let mut w = vec![0f32; nc];
                for s in chunk {
                    let i = s.pair;
                    let (a, b) = pairs[i];
                    let lv = &prep.levels[i * nc..(i + 1) * nc];
                    let weight = scorer.weigh(lv, a as usize, b as usize, &mut w);
                    part.left.push(a);
                    part.right.push(b);
                    part.levels.extend_from_slice(lv);
                    part.weights.extend_from_slice(&w);
                    part.match_weight.push(weight);
                    part.match_probability.push(s.prob);
                    part.blocking_rule.push(prep.cands.rule[i]);
                    part.deterministic_rule
                        .push((s.det != NOT_DET).then_some(s.det));
                }
                part
            })
            .collect();
        for part in chunks {
            out.append(part);
        }
    }

    // Cluster. The edges take the scored pairs' place (same size: the
    // vector is reused), then the candidate pairs and their levels go, so
    // clustering runs without them.
    let t_cluster = Instant::now();
    let edges: Vec<cluster::Edge> = scored
        .into_iter()
        .map(|s| {
            let (a, b) = prep.cands.pairs[s.pair];
            cluster::Edge {
                a,
                b,
                p: s.prob,
                deterministic: s.det != NOT_DET,
            }
        })
        .collect();
    prep.cands.release();
    prep.levels = Vec::new();
    let even = opts.clustering.link_score == LinkScore::Evidence;
    let rescore = |a: u32, b: u32| scorer.probability(a as usize, b as usize, even);
    let link_of = |p: f64| {
        if even && p < 1.0 {
            model::probability(model::weight_of(p.max(1e-300)) - model.prior_match_weight)
        } else {
            p
        }
    };
    let clusters = cluster::cluster(
        prep.table.n_rows,
        &edges,
        opts.match_threshold,
        &opts.clustering,
        prep.table.source_ids(),
        &rescore,
        &link_of,
    );
    drop(edges);
    let cluster_ms = t_cluster.elapsed().as_millis() as u64;

    // Report.
    let mut sizes = vec![0u64; clusters.n_clusters];
    for &c in &clusters.cluster_of_row {
        sizes[c as usize] += 1;
    }
    let mut warnings = prep.warnings.clone();
    let rules: Vec<RuleReport> = prep
        .rules
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let b = &prep.blocks[i];
            let report = RuleReport {
                index: i,
                rule: r.to_string(),
                origin: prep.origins[i],
                candidate_pairs: b.candidate_pairs,
                new_pairs: prep.cands.per_rule[i],
                largest_blocks: b.largest.clone(),
                skipped_blocks: b.skipped.clone(),
                skipped_block_count: b.skipped_count,
                block_size_cap: b.size_cap as u64,
            };
            if let Some(largest) = b.skipped.first() {
                warnings.push(format!(
                    "blocking rule {i} ({r}): {} block(s) {} skipped, the largest with {} records",
                    b.skipped_count,
                    report.skip_reason(opts.max_block_size),
                    largest.size
                ));
            }
            report
        })
        .collect();
    if prep.rules.is_empty() {
        warnings.push("no blocking rule applies: no key is populated, nothing was compared".into());
    } else if pairs_compared == 0 {
        warnings.push("blocking produced no candidate pairs".into());
    }
    if !model.training.converged {
        warnings.push("EM hit its iteration cap in at least one session".into());
    }
    let guard = pipeline::conflict_guard_applies(&model, opts);
    let mismatch_share = pipeline::given_name_mismatch_share(&model);
    if opts.person_conflict_guard
        && !guard
        && let Some(share) = mismatch_share
    {
        warnings.push(format!(
            "person-conflict guard off: the model estimates that {:.1}% of true duplicates have \
             clearly different given names, over person_conflict_guard_max_share ({:.1}%); a \
             given-name disagreement is weighed by the model alone",
            share * 100.0,
            opts.person_conflict_guard_max_share * 100.0
        ));
    }
    let report = DedupeReport {
        records: prep.table.n_rows as u64,
        link_type: opts.link_type,
        rules,
        comparisons: out.comparisons.clone(),
        candidate_pairs_counted: prep.blocks.iter().map(|b| b.candidate_pairs).sum(),
        pairs_compared: pairs_compared as u64,
        pairs_above_threshold,
        pairs_kept: out.len() as u64,
        deterministic_matches,
        person_conflict_guard: guard,
        given_name_mismatch_share: mismatch_share,
        match_threshold: opts.match_threshold,
        clusters: clusters.n_clusters as u64,
        multi_record_clusters: sizes.iter().filter(|&&s| s > 1).count() as u64,
        largest_cluster: sizes.iter().copied().max().unwrap_or(0),
        components_split: clusters.components_split as u64,
        model_reused: reused,
        em_iterations: model.training.em_iterations,
        em_converged: model.training.converged,
        warnings,
        timings: Timings {
            block_ms: prep.block_ms,
            compare_ms: prep.compare_ms,
            train_ms,
            score_ms,
            cluster_ms,
            total_ms: t_all.elapsed().as_millis() as u64,
        },
    };
    Ok(DedupeResult {
        model,
        pairs: out,
        cluster_of_row: clusters.cluster_of_row,
        report,
    })
}
