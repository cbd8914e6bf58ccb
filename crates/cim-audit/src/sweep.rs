//! Threshold sweep: metrics at many thresholds from one pass over the
//! scored pairs.
//!
//! At threshold `t` two records are linked when a scored pair between them
//! has probability `>= t`; clusters are the connected components of the
//! links. This is what `connected_components` clustering does and an
//! approximation of stronger methods, which split components further: at
//! the same threshold their recall is at most the sweep's, and their
//! precision usually higher.
//!
//! Pairs are processed once, strongest first, while thresholds are visited
//! from high to low; every union updates the counts incrementally
//! (small-to-large merging of per-component entity counts), so the sweep is
//! O(pairs log pairs + records log records) whatever the number of
//! thresholds.

use crate::map::{Map, new_map};

use serde::Serialize;

use crate::eval::{f1, ratio};
use crate::truth::UnionFind;

/// Metrics at one threshold of the sweep.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SweepPoint {
    /// Pairs with probability `>=` this are linked.
    pub threshold: f64,
    /// Clusters (connected components, singletons included).
    pub clusters: u64,
    /// Pairs of records in the same cluster.
    pub predicted_pairs: u64,
    /// Predicted pairs that are true.
    pub true_positives: u64,
    /// Predicted pairs that are not true.
    pub false_positives: u64,
    /// True pairs not predicted.
    pub false_negatives: u64,
    /// Pairwise precision.
    pub precision: Option<f64>,
    /// Pairwise recall.
    pub recall: Option<f64>,
    /// Pairwise F1.
    pub f1: Option<f64>,
    /// B-cubed F1.
    pub bcubed_f1: Option<f64>,
}

/// Entity counts of one component; `None` while it is a singleton (most
/// components are, and a map each would dominate memory; boxed so the slot
/// of a singleton costs one word).
type Counts = Option<Box<Map<u32, u64>>>;

/// Runs the sweep. `entity` is the entity of each (compact) record,
/// `entity_size` the evaluated records per entity, `pairs` scored pairs
/// between compact records, `true_pairs` the number of true pairs.
pub(crate) fn sweep(
    entity: &[u32],
    entity_size: &[u64],
    pairs: &[(u32, u32, f32)],
    thresholds: &[f64],
    true_pairs: u64,
) -> Vec<SweepPoint> {
    if thresholds.is_empty() {
        return Vec::new();
    }
    let m = entity.len();
    let mut order: Vec<usize> = (0..pairs.len()).collect();
    order.sort_unstable_by(|&x, &y| pairs[y].2.total_cmp(&pairs[x].2).then(x.cmp(&y)));
    let mut ts: Vec<f64> = thresholds.to_vec();
    ts.sort_unstable_by(|a, b| b.total_cmp(a));
    ts.dedup();

    let mut uf = UnionFind::new(m);
    let mut size = vec![1u64; m];
    let mut sq = vec![1u64; m]; // sum over entities of count^2, per root
    let mut counts: Vec<Counts> = vec![None; m];
    let (mut tp, mut predicted, mut clusters) = (0u64, 0u64, m as u64);
    // B-cubed sums: precision sum_p S_p / |p|, recall sum_cells n^2 / |t|.
    let mut bp_sum = m as f64;
    let mut br_sum = entity_size.iter().filter(|&&s| s > 0).count() as f64;

    let mut next = 0;
    let mut points = Vec::with_capacity(ts.len());
    for &t in &ts {
        while next < order.len() && f64::from(pairs[order[next]].2) >= t {
            let (l, r, _) = pairs[order[next]];
            next += 1;
            let Some((root, gone)) = uf.union(l, r) else {
                continue;
            };
            let (ra, rb) = (root as usize, gone as usize);
            let mut big = counts[ra].take().unwrap_or_else(|| single(entity[ra]));
            let mut small = counts[rb].take().unwrap_or_else(|| single(entity[rb]));
            if big.len() < small.len() {
                std::mem::swap(&mut big, &mut small);
            }
            let (mut cross, mut br_delta) = (0u64, 0.0f64);
            for (e, c) in *small {
                let slot = big.entry(e).or_insert(0);
                cross += c * *slot;
                br_delta += (2 * c * *slot) as f64 / entity_size[e as usize] as f64;
                *slot += c;
            }
            let (sa, sb) = (size[ra], size[rb]);
            let s_new = sq[ra] + sq[rb] + 2 * cross;
            bp_sum += s_new as f64 / (sa + sb) as f64
                - sq[ra] as f64 / sa as f64
                - sq[rb] as f64 / sb as f64;
            br_sum += br_delta;
            tp += cross;
            predicted += sa * sb;
            size[ra] = sa + sb;
            sq[ra] = s_new;
            counts[ra] = Some(big);
            clusters -= 1;
        }
        let precision = ratio(tp, predicted);
        let recall = ratio(tp, true_pairs);
        let (bp, br) = if m == 0 {
            (None, None)
        } else {
            (Some(bp_sum / m as f64), Some(br_sum / m as f64))
        };
        points.push(SweepPoint {
            threshold: t,
            clusters,
            predicted_pairs: predicted,
            true_positives: tp,
            false_positives: predicted - tp,
            false_negatives: true_pairs - tp,
            precision,
            recall,
            f1: f1(precision, recall),
            bcubed_f1: f1(bp, br),
        });
    }
    points.reverse();
    points
}

fn single(entity: u32) -> Box<Map<u32, u64>> {
    let mut m = new_map();
    m.insert(entity, 1);
    Box::new(m)
}
