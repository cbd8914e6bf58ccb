//! Threshold sweep sanity.

use cim_audit::{EvalOptions, Evaluator, Truth, default_sweep_thresholds};

/// A deterministic pseudo-random stream (xorshift), so the test needs no
/// extra crate.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A truth, a crosswalk (every record its own golden id) and scored pairs.
type Sample = (Truth, Vec<(String, String)>, Vec<(String, String, f64)>);

/// 600 records of 200 entities (1-5 records each); pairs within an entity
/// mostly score high, random cross pairs mostly low, with some noise.
fn sample() -> Sample {
    let mut rng = Rng(0x9e3779b97f4a7c15);
    let mut assignments = Vec::new();
    let mut crosswalk = Vec::new();
    let mut by_entity: Vec<Vec<String>> = Vec::new();
    let mut id = 0;
    for e in 0..200 {
        let k = 1 + (rng.next() % 5) as usize;
        let mut members = Vec::new();
        for _ in 0..k {
            let r = format!("src:{id}");
            id += 1;
            assignments.push((r.clone(), format!("E{e}")));
            crosswalk.push((r.clone(), format!("G{id}")));
            members.push(r);
        }
        by_entity.push(members);
    }
    let mut pairs = Vec::new();
    for m in &by_entity {
        for i in 0..m.len() {
            for j in i + 1..m.len() {
                if rng.unit() < 0.9 {
                    let p = if rng.unit() < 0.85 {
                        0.6 + 0.4 * rng.unit()
                    } else {
                        rng.unit()
                    };
                    pairs.push((m[i].clone(), m[j].clone(), p));
                }
            }
        }
    }
    let all: Vec<&String> = by_entity.iter().flatten().collect();
    for _ in 0..2000 {
        let (a, b) = (
            all[(rng.next() % all.len() as u64) as usize],
            all[(rng.next() % all.len() as u64) as usize],
        );
        let p = if rng.unit() < 0.95 {
            0.3 * rng.unit()
        } else {
            rng.unit()
        };
        pairs.push((a.clone(), b.clone(), p));
    }
    (
        Truth::from_assignments("t", assignments).unwrap(),
        crosswalk,
        pairs,
    )
}

#[test]
fn sweep_is_monotonic_and_consistent() {
    let (truth, crosswalk, pairs) = sample();
    let mut ev = Evaluator::new(truth);
    for (r, g) in &crosswalk {
        ev.add_assignment(r, g);
    }
    for (l, r, p) in &pairs {
        ev.add_pair(l, r, *p);
    }
    let e = ev.finish(&EvalOptions {
        worst_n: 5,
        sweep_thresholds: default_sweep_thresholds(),
    });
    let thresholds: Vec<f64> = e.sweep.iter().map(|s| s.threshold).collect();
    assert_eq!(thresholds, default_sweep_thresholds());
    assert_eq!(thresholds.len(), 20);
    assert_eq!(*thresholds.last().unwrap(), 0.99);

    let true_pairs = e.pairwise.true_pairs;
    assert!(true_pairs > 100);
    for w in e.sweep.windows(2) {
        let (lo, hi) = (&w[0], &w[1]);
        // Raising the threshold only removes links.
        assert!(hi.predicted_pairs <= lo.predicted_pairs);
        assert!(hi.true_positives <= lo.true_positives);
        assert!(hi.recall.unwrap() <= lo.recall.unwrap());
        assert!(hi.clusters >= lo.clusters);
    }
    for s in &e.sweep {
        assert_eq!(s.true_positives + s.false_negatives, true_pairs);
        assert_eq!(s.true_positives + s.false_positives, s.predicted_pairs);
        let f1 = s.f1.unwrap();
        assert!((0.0..=1.0).contains(&f1));
    }
    // Low thresholds chain everything: precision collapses; high ones are
    // precise. The best F1 lies strictly inside the range.
    let first = &e.sweep[0];
    let best = e
        .sweep
        .iter()
        .max_by(|a, b| a.f1.unwrap().total_cmp(&b.f1.unwrap()))
        .unwrap();
    assert!(first.precision.unwrap() < 0.5, "{first:?}");
    assert!(
        best.threshold > 0.05 && best.threshold < 0.99 && best.f1.unwrap() > 0.7,
        "{best:?}"
    );
    assert!(cim_audit::render_evaluation_text(&e).contains("Threshold sweep"));
}

/// The incremental sweep agrees with evaluating connected components
/// computed from scratch at one threshold.
#[test]
fn sweep_point_matches_a_direct_evaluation() {
    let (truth, crosswalk, pairs) = sample();
    let t = 0.5;
    // Connected components of pairs >= t by a naive label propagation.
    let ids: Vec<&String> = crosswalk.iter().map(|c| &c.0).collect();
    let idx = |s: &String| ids.iter().position(|x| *x == s).unwrap();
    let mut label: Vec<usize> = (0..ids.len()).collect();
    loop {
        let mut changed = false;
        for (l, r, p) in &pairs {
            if *p >= t {
                let (a, b) = (idx(l), idx(r));
                let m = label[a].min(label[b]);
                if label[a] != m || label[b] != m {
                    label[a] = m;
                    label[b] = m;
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    let mut direct = Evaluator::new(truth.clone());
    for (i, id) in ids.iter().enumerate() {
        direct.add_assignment(id, &format!("C{}", label[i]));
    }
    let d = direct.finish(&EvalOptions::default());

    let mut ev = Evaluator::new(truth);
    for (r, g) in &crosswalk {
        ev.add_assignment(r, g);
    }
    for (l, r, p) in &pairs {
        ev.add_pair(l, r, *p);
    }
    let e = ev.finish(&EvalOptions {
        worst_n: 0,
        sweep_thresholds: vec![t],
    });
    let s = &e.sweep[0];
    assert_eq!(s.true_positives, d.pairwise.true_positives);
    assert_eq!(s.false_positives, d.pairwise.false_positives);
    assert_eq!(s.clusters, d.clusters.predicted_clusters);
    assert!((s.bcubed_f1.unwrap() - d.clusters.bcubed_f1.unwrap()).abs() < 1e-9);
}
