//! Evaluation of a run's clustering against a ground truth.
//!
//! Feed an [`Evaluator`] the run's crosswalk (record id -> golden id) and,
//! optionally, its scored pairs, then call [`Evaluator::finish`].
//!
//! **Coverage.** Metrics are computed over the records that are both in the
//! truth and in the crosswalk ("evaluated records"). Records only in the
//! truth (typically quarantined rows) and records only in the crosswalk
//! (records the truth does not know) are counted in [`Coverage`] and
//! otherwise ignored; clusters and entities are restricted to evaluated
//! records before anything is counted. With a pairs-format truth every
//! crosswalk record is covered (unlisted records are singletons), so
//! `crosswalk_only_records` is always 0 there.
//!
//! **Scale.** Pairwise counts come from the contingency table of (true
//! entity, predicted cluster) cells with `n choose 2` arithmetic, never from
//! enumerating pairs, so memory and time are O(records + scored pairs).

use std::collections::HashSet;

use crate::map::{Map, new_map};

use arrow::array::{Array, Float64Array, StringArray};
use arrow::compute::cast;
use arrow::datatypes::DataType;
use arrow::error::ArrowError;
use arrow::record_batch::RecordBatch;
use serde::Serialize;

use crate::error::Error;
use crate::sweep::{SweepPoint, sweep};
use crate::truth::{Truth, TruthFormat};

/// Marks a record that has no golden id (not in the crosswalk).
const NONE: u32 = u32::MAX;

/// What to compute besides the headline metrics.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvalOptions {
    /// How many worst false positives and worst false negatives to list
    /// (each). Default 20.
    pub worst_n: usize,
    /// Thresholds for the threshold sweep; empty for no sweep. Default
    /// empty; [`default_sweep_thresholds`] gives 0.05 ..= 0.95 by 0.05 and
    /// 0.99.
    pub sweep_thresholds: Vec<f64>,
}

impl Default for EvalOptions {
    fn default() -> Self {
        Self {
            worst_n: 20,
            sweep_thresholds: Vec::new(),
        }
    }
}

/// 0.05, 0.10, ..., 0.95 and 0.99: the thresholds of `cim evaluate --sweep`.
pub fn default_sweep_thresholds() -> Vec<f64> {
    let mut t: Vec<f64> = (1..=19).map(|i| f64::from(i * 5) / 100.0).collect();
    t.push(0.99);
    t
}

/// The result of an evaluation. Probabilities and ratios are `None` when
/// undefined (e.g. precision with no predicted pairs).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    /// Which truth format was used.
    pub truth_format: TruthFormat,
    /// Which records and pairs took part.
    pub coverage: Coverage,
    /// Pairwise metrics over all pairs of evaluated records.
    pub pairwise: PairwiseMetrics,
    /// Cluster-level metrics.
    pub clusters: ClusterMetrics,
    /// How the scored pairs fall into the confusion matrix; `None` when no
    /// pairs were supplied.
    pub scored_pairs: Option<ScoredPairCounts>,
    /// Pairs placed together that are different entities: scored pairs by
    /// highest probability first, then (if fewer than requested) unscored
    /// pairs from over-merged clusters (joined through other records).
    pub worst_false_positives: Vec<ErrorPair>,
    /// True pairs placed apart: scored pairs by lowest probability first,
    /// then (if fewer than requested) pairs that were never compared.
    pub worst_false_negatives: Vec<ErrorPair>,
    /// Metrics per threshold from re-clustering the scored pairs with
    /// connected components (empty without pairs or thresholds). This
    /// approximates the run's clustering, which may split components
    /// further; use it to choose a threshold, not to restate the run.
    pub sweep: Vec<SweepPoint>,
}

/// Which records and pairs took part in the evaluation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Coverage {
    /// Records listed in the truth.
    pub truth_records: u64,
    /// Crosswalk rows given.
    pub crosswalk_records: u64,
    /// Records in both: the ones metrics are computed over.
    pub evaluated_records: u64,
    /// Records in the truth but not in the crosswalk (e.g. quarantined);
    /// excluded.
    pub truth_only_records: u64,
    /// Crosswalk records the truth does not list; excluded.
    pub crosswalk_only_records: u64,
    /// Crosswalk rows repeating a record id with another golden id (the
    /// first assignment is kept).
    pub conflicting_crosswalk_rows: u64,
    /// Whether scored pairs were supplied.
    pub pairs_supplied: bool,
    /// Scored pairs given.
    pub pairs_given: u64,
    /// Distinct scored pairs between two evaluated records.
    pub pairs_evaluated: u64,
    /// Scored pairs skipped: a record not evaluated, a self-pair, or a
    /// repeat of an earlier pair.
    pub pairs_skipped: u64,
}

/// Pairwise precision and recall: a pair is predicted when both records
/// share a golden id and true when they share an entity.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PairwiseMetrics {
    /// Predicted pairs that are true.
    pub true_positives: u64,
    /// Predicted pairs that are not true.
    pub false_positives: u64,
    /// True pairs that are not predicted.
    pub false_negatives: u64,
    /// All predicted pairs.
    pub predicted_pairs: u64,
    /// All true pairs.
    pub true_pairs: u64,
    /// TP / predicted pairs.
    pub precision: Option<f64>,
    /// TP / true pairs.
    pub recall: Option<f64>,
    /// Harmonic mean of precision and recall.
    pub f1: Option<f64>,
}

/// Cluster-level metrics.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ClusterMetrics {
    /// Predicted clusters (golden ids) among evaluated records.
    pub predicted_clusters: u64,
    /// True entities among evaluated records.
    pub true_entities: u64,
    /// Mean over records of |own cluster ∩ own entity| / |own cluster|.
    pub bcubed_precision: Option<f64>,
    /// Mean over records of |own cluster ∩ own entity| / |own entity|.
    pub bcubed_recall: Option<f64>,
    /// Harmonic mean of B-cubed precision and recall.
    pub bcubed_f1: Option<f64>,
    /// Predicted clusters that contain more than one true entity.
    pub over_merged_clusters: u64,
    /// True entities split over more than one predicted cluster.
    pub under_merged_entities: u64,
    /// Predicted clusters that are exactly one whole true entity.
    pub exact_clusters: u64,
}

/// The scored pairs (between evaluated records) in the confusion matrix.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ScoredPairCounts {
    /// Scored, placed together, same entity.
    pub true_positives: u64,
    /// Scored, placed together, different entities.
    pub false_positives: u64,
    /// Scored, placed apart, same entity.
    pub false_negatives: u64,
    /// Scored, placed apart, different entities.
    pub true_negatives: u64,
    /// False-negative pairs (all of them, not only scored) that were never
    /// compared: candidates for a new blocking rule.
    pub false_negatives_never_compared: u64,
}

/// One misclassified pair, for a steward to inspect.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ErrorPair {
    /// Left record.
    pub record_id_l: String,
    /// Right record.
    pub record_id_r: String,
    /// True entity of the left record.
    pub entity_l: String,
    /// True entity of the right record.
    pub entity_r: String,
    /// Golden id of the left record.
    pub golden_id_l: String,
    /// Golden id of the right record.
    pub golden_id_r: String,
    /// The pair's match probability when it was scored; `None` when it was
    /// not (never compared, or no pairs supplied).
    pub match_probability: Option<f64>,
}

/// Accumulates a run's crosswalk and scored pairs against a [`Truth`].
///
/// Rows may arrive in any order and in any number of calls; the result
/// depends only on the set of rows (plus first-come for conflicting
/// crosswalk rows).
#[derive(Debug)]
pub struct Evaluator {
    truth: Truth,
    /// Records listed by the truth file; later numbers are pairs-format
    /// singletons added from the run.
    listed: usize,
    /// Golden number per record number; [`NONE`] when not in the crosswalk.
    pred: Vec<u32>,
    goldens: Map<Box<str>, u32>,
    golden_names: Vec<Box<str>>,
    crosswalk_rows: u64,
    crosswalk_only: u64,
    conflicts: u64,
    pairs: Vec<(u32, u32, f32)>,
    pairs_supplied: bool,
    pairs_given: u64,
}

impl Evaluator {
    /// An evaluator against `truth`.
    pub fn new(truth: Truth) -> Self {
        let listed = truth.records();
        Self {
            truth,
            listed,
            pred: vec![NONE; listed],
            goldens: new_map(),
            golden_names: Vec::new(),
            crosswalk_rows: 0,
            crosswalk_only: 0,
            conflicts: 0,
            pairs: Vec::new(),
            pairs_supplied: false,
            pairs_given: 0,
        }
    }

    /// The record number of `record_id`; for a pairs-format truth an
    /// unknown record becomes a new singleton entity.
    fn record(&mut self, record_id: &str) -> Option<u32> {
        if let Some(&r) = self.truth.index.get(record_id) {
            return Some(r);
        }
        if self.truth.format != TruthFormat::Pairs {
            return None;
        }
        let r = self.truth.entity_of.len() as u32;
        self.truth.index.insert(record_id.into(), r);
        self.truth
            .entity_of
            .push(self.truth.entity_names.len() as u32);
        self.truth.entity_names.push(record_id.into());
        self.pred.push(NONE);
        Some(r)
    }

    /// Adds one crosswalk row: `record_id` was assigned to `golden_id`.
    pub fn add_assignment(&mut self, record_id: &str, golden_id: &str) {
        self.crosswalk_rows += 1;
        let Some(r) = self.record(record_id) else {
            self.crosswalk_only += 1;
            return;
        };
        let g = match self.goldens.get(golden_id) {
            Some(&g) => g,
            None => {
                let g = self.golden_names.len() as u32;
                self.goldens.insert(golden_id.into(), g);
                self.golden_names.push(golden_id.into());
                g
            }
        };
        let slot = &mut self.pred[r as usize];
        if *slot == NONE {
            *slot = g;
        } else if *slot != g {
            self.conflicts += 1;
        }
    }

    /// Records that scored pairs were supplied even if there are none, so
    /// that unscored false negatives read "never compared". Implied by
    /// [`Evaluator::add_pair`] and [`Evaluator::add_pairs_batch`].
    pub fn set_pairs_supplied(&mut self) {
        self.pairs_supplied = true;
    }

    /// Adds one scored pair. Order of the two records does not matter.
    pub fn add_pair(&mut self, record_id_l: &str, record_id_r: &str, match_probability: f64) {
        self.pairs_supplied = true;
        self.pairs_given += 1;
        match (self.record(record_id_l), self.record(record_id_r)) {
            (Some(l), Some(r)) if l != r => {
                self.pairs
                    .push((l.min(r), l.max(r), match_probability as f32));
            }
            _ => {}
        }
    }

    /// Adds every row of a crosswalk batch. The two columns may be any
    /// string-castable type; rows with a null id are skipped.
    pub fn add_crosswalk_batch(
        &mut self,
        batch: &RecordBatch,
        record_id_col: &str,
        golden_id_col: &str,
    ) -> Result<(), Error> {
        let rec = utf8_column(batch, record_id_col)?;
        let gold = utf8_column(batch, golden_id_col)?;
        for i in 0..batch.num_rows() {
            if rec.is_valid(i) && gold.is_valid(i) {
                self.add_assignment(rec.value(i), gold.value(i));
            }
        }
        Ok(())
    }

    /// Adds every row of a scored-pairs batch. Ids may be any
    /// string-castable type, the probability any float type; rows with a
    /// null are skipped.
    pub fn add_pairs_batch(
        &mut self,
        batch: &RecordBatch,
        record_id_l_col: &str,
        record_id_r_col: &str,
        probability_col: &str,
    ) -> Result<(), Error> {
        self.pairs_supplied = true;
        let l = utf8_column(batch, record_id_l_col)?;
        let r = utf8_column(batch, record_id_r_col)?;
        let p = column(batch, probability_col, &DataType::Float64)?;
        let p = p
            .as_any()
            .downcast_ref::<Float64Array>()
            .ok_or_else(|| not_type(probability_col, "Float64"))?;
        for i in 0..batch.num_rows() {
            if l.is_valid(i) && r.is_valid(i) && p.is_valid(i) {
                self.add_pair(l.value(i), r.value(i), p.value(i));
            }
        }
        Ok(())
    }

    /// Computes the metrics.
    pub fn finish(mut self, options: &EvalOptions) -> Evaluation {
        let n = self.truth.entity_of.len();
        let ent = &self.truth.entity_of;
        let pred = &self.pred;
        let evaluated: Vec<u32> = (0..n as u32)
            .filter(|&r| pred[r as usize] != NONE)
            .collect();
        let m = evaluated.len() as u64;

        // Contingency cells (entity, cluster) -> records.
        let mut keys: Vec<(u32, u32)> = evaluated
            .iter()
            .map(|&r| (ent[r as usize], pred[r as usize]))
            .collect();
        keys.sort_unstable();
        let mut cells: Vec<(u32, u32, u64)> = Vec::new();
        for (t, p) in keys {
            match cells.last_mut() {
                Some(c) if c.0 == t && c.1 == p => c.2 += 1,
                _ => cells.push((t, p, 1)),
            }
        }
        let mut a = vec![0u64; self.golden_names.len()];
        let mut b = vec![0u64; self.truth.entity_names.len()];
        let mut ents_in_cluster = vec![0u32; self.golden_names.len()];
        let mut clusters_of_ent = vec![0u32; self.truth.entity_names.len()];
        for &(t, p, c) in &cells {
            a[p as usize] += c;
            b[t as usize] += c;
            ents_in_cluster[p as usize] += 1;
            clusters_of_ent[t as usize] += 1;
        }
        let tp: u64 = cells.iter().map(|c| choose2(c.2)).sum();
        let predicted: u64 = a.iter().map(|&x| choose2(x)).sum();
        let truep: u64 = b.iter().map(|&x| choose2(x)).sum();
        let pairwise = PairwiseMetrics {
            true_positives: tp,
            false_positives: predicted - tp,
            false_negatives: truep - tp,
            predicted_pairs: predicted,
            true_pairs: truep,
            precision: ratio(tp, predicted),
            recall: ratio(tp, truep),
            f1: None,
        };
        let pairwise = PairwiseMetrics {
            f1: f1(pairwise.precision, pairwise.recall),
            ..pairwise
        };

        let (mut bp, mut br) = (0.0, 0.0);
        let mut exact = 0;
        for &(t, p, c) in &cells {
            let (ap, bt) = (a[p as usize], b[t as usize]);
            bp += (c * c) as f64 / ap as f64;
            br += (c * c) as f64 / bt as f64;
            exact += u64::from(c == ap && c == bt);
        }
        let (bp, br) = if m == 0 {
            (None, None)
        } else {
            (Some(bp / m as f64), Some(br / m as f64))
        };
        let clusters = ClusterMetrics {
            predicted_clusters: a.iter().filter(|&&x| x > 0).count() as u64,
            true_entities: b.iter().filter(|&&x| x > 0).count() as u64,
            bcubed_precision: bp,
            bcubed_recall: br,
            bcubed_f1: f1(bp, br),
            over_merged_clusters: ents_in_cluster.iter().filter(|&&k| k > 1).count() as u64,
            under_merged_entities: clusters_of_ent.iter().filter(|&&k| k > 1).count() as u64,
            exact_clusters: exact,
        };

        // Scored pairs: keep those between evaluated records, once each
        // (highest probability when repeated).
        let mut pairs = std::mem::take(&mut self.pairs);
        pairs.sort_unstable_by(|x, y| (x.0, x.1).cmp(&(y.0, y.1)).then(y.2.total_cmp(&x.2)));
        pairs.dedup_by_key(|x| (x.0, x.1));
        pairs.retain(|&(l, r, _)| pred[l as usize] != NONE && pred[r as usize] != NONE);
        let pairs_evaluated = pairs.len() as u64;

        let mut counts = ScoredPairCounts::default();
        let mut fps: Vec<(u32, u32, f32)> = Vec::new();
        let mut fns: Vec<(u32, u32, f32)> = Vec::new();
        for &(l, r, p) in &pairs {
            let same_t = ent[l as usize] == ent[r as usize];
            let same_p = pred[l as usize] == pred[r as usize];
            match (same_p, same_t) {
                (true, true) => counts.true_positives += 1,
                (true, false) => {
                    counts.false_positives += 1;
                    fps.push((l, r, p));
                }
                (false, true) => {
                    counts.false_negatives += 1;
                    fns.push((l, r, p));
                }
                (false, false) => counts.true_negatives += 1,
            }
        }
        counts.false_negatives_never_compared = pairwise.false_negatives - counts.false_negatives;

        let wn = options.worst_n;
        let (worst_fp, worst_fn) =
            if wn > 0 && (!fps.is_empty() || !fns.is_empty() || predicted > tp || truep > tp) {
                // Ties and unscored examples are ordered by names, so the
                // lists do not depend on the order rows arrived in.
                let names = self.record_names();
                let golden_rank = rank(&self.golden_names);
                let entity_rank = rank(&self.truth.entity_names);
                let orient = |(l, r, p): (u32, u32, f32)| {
                    if names[l as usize] <= names[r as usize] {
                        (l, r, p)
                    } else {
                        (r, l, p)
                    }
                };
                let by_names = |x: &(u32, u32, f32), y: &(u32, u32, f32)| {
                    (names[x.0 as usize], names[x.1 as usize])
                        .cmp(&(names[y.0 as usize], names[y.1 as usize]))
                };
                let mut fps: Vec<(u32, u32, f32)> = fps.into_iter().map(orient).collect();
                fps.sort_unstable_by(|x, y| y.2.total_cmp(&x.2).then_with(|| by_names(x, y)));
                fps.truncate(wn);
                let mut fns: Vec<(u32, u32, f32)> = fns.into_iter().map(orient).collect();
                fns.sort_unstable_by(|x, y| x.2.total_cmp(&y.2).then_with(|| by_names(x, y)));
                fns.truncate(wn);
                let mut worst_fp: Vec<(u32, u32, Option<f32>)> =
                    fps.iter().map(|&(l, r, p)| (l, r, Some(p))).collect();
                let mut worst_fn: Vec<(u32, u32, Option<f32>)> =
                    fns.iter().map(|&(l, r, p)| (l, r, Some(p))).collect();
                let key = |x: &(u32, u32, f32)| (x.0.min(x.1), x.0.max(x.1));
                if worst_fp.len() < wn && pairwise.false_positives > counts.false_positives {
                    // Pairs across the entity groups of an over-merged cluster
                    // are false positives; the unscored ones were joined
                    // through other records.
                    let seen: HashSet<(u32, u32)> = fps.iter().map(key).collect();
                    let groups = Grouping {
                        outer: |r: u32| pred[r as usize],
                        inner: |r: u32| ent[r as usize],
                        outer_rank: &golden_rank,
                        inner_rank: &entity_rank,
                        names: &names,
                    }
                    .groups(&evaluated, &ents_in_cluster);
                    fill_cross_pairs(&groups, &seen, wn, &mut worst_fp);
                }
                if worst_fn.len() < wn && pairwise.false_negatives > counts.false_negatives {
                    let seen: HashSet<(u32, u32)> = fns.iter().map(key).collect();
                    let groups = Grouping {
                        outer: |r: u32| ent[r as usize],
                        inner: |r: u32| pred[r as usize],
                        outer_rank: &entity_rank,
                        inner_rank: &golden_rank,
                        names: &names,
                    }
                    .groups(&evaluated, &clusters_of_ent);
                    fill_cross_pairs(&groups, &seen, wn, &mut worst_fn);
                }
                (
                    self.error_pairs(&worst_fp, &names),
                    self.error_pairs(&worst_fn, &names),
                )
            } else {
                (Vec::new(), Vec::new())
            };

        let sweep_points = if pairs.is_empty() && !self.pairs_supplied {
            Vec::new()
        } else {
            let mut compact = vec![NONE; n];
            for (i, &r) in evaluated.iter().enumerate() {
                compact[r as usize] = i as u32;
            }
            let ent_c: Vec<u32> = evaluated.iter().map(|&r| ent[r as usize]).collect();
            let pairs_c: Vec<(u32, u32, f32)> = pairs
                .iter()
                .map(|&(l, r, p)| (compact[l as usize], compact[r as usize], p))
                .collect();
            sweep(&ent_c, &b, &pairs_c, &options.sweep_thresholds, truep)
        };

        let truth_only = (0..self.listed).filter(|&r| self.pred[r] == NONE).count() as u64;
        Evaluation {
            truth_format: self.truth.format,
            coverage: Coverage {
                truth_records: self.listed as u64,
                crosswalk_records: self.crosswalk_rows,
                evaluated_records: m,
                truth_only_records: truth_only,
                crosswalk_only_records: self.crosswalk_only,
                conflicting_crosswalk_rows: self.conflicts,
                pairs_supplied: self.pairs_supplied,
                pairs_given: self.pairs_given,
                pairs_evaluated,
                pairs_skipped: self.pairs_given - pairs_evaluated,
            },
            pairwise,
            clusters,
            scored_pairs: self.pairs_supplied.then_some(counts),
            worst_false_positives: worst_fp,
            worst_false_negatives: worst_fn,
            sweep: sweep_points,
        }
    }

    /// Every record's id, by record number.
    fn record_names(&self) -> Vec<&str> {
        let mut names = vec![""; self.truth.entity_of.len()];
        for (id, &r) in &self.truth.index {
            names[r as usize] = id;
        }
        names
    }

    /// Named error pairs from record numbers (left = smaller id).
    fn error_pairs(&self, list: &[(u32, u32, Option<f32>)], names: &[&str]) -> Vec<ErrorPair> {
        let entity =
            |r: u32| self.truth.entity_names[self.truth.entity_of[r as usize] as usize].to_string();
        let golden = |r: u32| self.golden_names[self.pred[r as usize] as usize].to_string();
        list.iter()
            .map(|&(l, r, p)| {
                let (l, r) = if names[l as usize] <= names[r as usize] {
                    (l, r)
                } else {
                    (r, l)
                };
                ErrorPair {
                    record_id_l: names[l as usize].to_owned(),
                    record_id_r: names[r as usize].to_owned(),
                    entity_l: entity(l),
                    entity_r: entity(r),
                    golden_id_l: golden(l),
                    golden_id_r: golden(r),
                    // Shortest decimal of the stored f32, so 0.93 reads 0.93.
                    match_probability: p.map(|p| p.to_string().parse().unwrap_or(f64::from(p))),
                }
            })
            .collect()
    }
}

/// Rank of every name in sorted order.
fn rank(names: &[Box<str>]) -> Vec<u32> {
    let mut order: Vec<u32> = (0..names.len() as u32).collect();
    order.sort_unstable_by(|&a, &b| names[a as usize].cmp(&names[b as usize]));
    let mut rank = vec![0; names.len()];
    for (i, &o) in order.iter().enumerate() {
        rank[o as usize] = i as u32;
    }
    rank
}

/// How to group records for listing unscored error pairs: by an outer key
/// (cluster or entity), then an inner key (entity or cluster).
struct Grouping<'a, O, I> {
    outer: O,
    inner: I,
    outer_rank: &'a [u32],
    inner_rank: &'a [u32],
    names: &'a [&'a str],
}

impl<O: Fn(u32) -> u32, I: Fn(u32) -> u32> Grouping<'_, O, I> {
    /// The records of outer groups with more than one inner group
    /// (`inner_count` per outer key), as inner groups; outer and inner
    /// groups ordered by name, records by id.
    fn groups(&self, records: &[u32], inner_count: &[u32]) -> Vec<Vec<Vec<u32>>> {
        let mut keyed: Vec<(u32, u32, u32)> = records
            .iter()
            .filter(|&&r| inner_count[(self.outer)(r) as usize] > 1)
            .map(|&r| {
                (
                    self.outer_rank[(self.outer)(r) as usize],
                    self.inner_rank[(self.inner)(r) as usize],
                    r,
                )
            })
            .collect();
        keyed.sort_unstable_by(|x, y| {
            (x.0, x.1)
                .cmp(&(y.0, y.1))
                .then_with(|| self.names[x.2 as usize].cmp(self.names[y.2 as usize]))
        });
        let mut out: Vec<Vec<Vec<u32>>> = Vec::new();
        let mut last = (NONE, NONE);
        for (o, i, r) in keyed {
            if o != last.0 {
                out.push(Vec::new());
            }
            let groups = out.last_mut().expect("pushed above");
            if o != last.0 || i != last.1 {
                groups.push(Vec::new());
            }
            groups.last_mut().expect("pushed above").push(r);
            last = (o, i);
        }
        out
    }
}

/// Appends pairs that cross two inner groups of one outer group, skipping
/// `seen`, until `list` has `limit` entries.
fn fill_cross_pairs(
    groups: &[Vec<Vec<u32>>],
    seen: &HashSet<(u32, u32)>,
    limit: usize,
    list: &mut Vec<(u32, u32, Option<f32>)>,
) {
    for inner in groups {
        for gi in 0..inner.len() {
            for gj in gi + 1..inner.len() {
                for &x in &inner[gi] {
                    for &y in &inner[gj] {
                        if list.len() >= limit {
                            return;
                        }
                        if !seen.contains(&(x.min(y), x.max(y))) {
                            list.push((x, y, None));
                        }
                    }
                }
            }
        }
    }
}

fn choose2(n: u64) -> u64 {
    n * n.saturating_sub(1) / 2
}

pub(crate) fn ratio(num: u64, den: u64) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
}

pub(crate) fn f1(p: Option<f64>, r: Option<f64>) -> Option<f64> {
    let (p, r) = (p?, r?);
    Some(if p + r > 0.0 {
        2.0 * p * r / (p + r)
    } else {
        0.0
    })
}

fn not_type(col: &str, ty: &str) -> Error {
    Error::Arrow(ArrowError::SchemaError(format!(
        "column `{col}` cannot be read as {ty}"
    )))
}

fn column(batch: &RecordBatch, name: &str, ty: &DataType) -> Result<arrow::array::ArrayRef, Error> {
    let col = batch
        .column_by_name(name)
        .ok_or_else(|| ArrowError::SchemaError(format!("missing column `{name}`")))?;
    if col.data_type() == ty {
        Ok(col.clone())
    } else {
        cast(col, ty).map_err(|_| not_type(name, &ty.to_string()))
    }
}

fn utf8_column(batch: &RecordBatch, name: &str) -> Result<StringArray, Error> {
    let col = column(batch, name, &DataType::Utf8)?;
    col.as_any()
        .downcast_ref::<StringArray>()
        .cloned()
        .ok_or_else(|| not_type(name, "Utf8"))
}
