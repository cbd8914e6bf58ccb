//! Metrics on small hand-checked examples.

use cim_audit::{EvalOptions, Evaluator, Truth, TruthFormat, parse_truth, render_evaluation_text};

/// Seven records in source `crm`, plus `h` (in the truth only: think
/// quarantined) and `z` (in the crosswalk only).
///
/// truth:     {a,b,c} {d,e} {f} {g} {h}
/// predicted: {a,b} {c,d,e} {f,g} {z}
fn truth() -> Truth {
    Truth::from_assignments(
        "test",
        [
            ("a", "T1"),
            ("b", "T1"),
            ("c", "T1"),
            ("d", "T2"),
            ("e", "T2"),
            ("f", "T3"),
            ("g", "T4"),
            ("h", "T5"),
        ],
    )
    .unwrap()
}

const CROSSWALK: [(&str, &str); 8] = [
    ("a", "P1"),
    ("b", "P1"),
    ("c", "P2"),
    ("d", "P2"),
    ("e", "P2"),
    ("f", "P3"),
    ("g", "P3"),
    ("z", "P4"),
];

/// Scored pairs: a-b TP, d-e TP, c-d FP, f-g FP, a-c FN, b-c FN, a-d TN,
/// plus a pair with an unknown record, a repeat and a self-pair (skipped).
const PAIRS: [(&str, &str, f64); 10] = [
    ("a", "b", 0.98),
    ("e", "d", 0.97),
    ("c", "d", 0.95),
    ("f", "g", 0.91),
    ("a", "c", 0.40),
    ("b", "c", 0.10),
    ("a", "d", 0.02),
    ("a", "z", 0.50),
    ("b", "a", 0.60),
    ("a", "a", 0.99),
];

fn close(a: Option<f64>, b: f64) {
    let a = a.expect("defined");
    assert!((a - b).abs() < 1e-12, "{a} != {b}");
}

#[test]
fn hand_checked_example() {
    let mut ev = Evaluator::new(truth());
    for (r, g) in CROSSWALK {
        ev.add_assignment(r, g);
    }
    for (l, r, p) in PAIRS {
        ev.add_pair(l, r, p);
    }
    let e = ev.finish(&EvalOptions {
        worst_n: 3,
        sweep_thresholds: vec![],
    });

    // Coverage: h only in truth, z only in crosswalk, 7 evaluated.
    assert_eq!(e.coverage.truth_records, 8);
    assert_eq!(e.coverage.crosswalk_records, 8);
    assert_eq!(e.coverage.evaluated_records, 7);
    assert_eq!(e.coverage.truth_only_records, 1);
    assert_eq!(e.coverage.crosswalk_only_records, 1);
    // 10 given: a-z (z unknown), a-a (self) and b-a (repeat of a-b) skipped.
    assert_eq!(e.coverage.pairs_given, 10);
    assert_eq!(e.coverage.pairs_evaluated, 7);
    assert_eq!(e.coverage.pairs_skipped, 3);

    // Contingency cells (entity, cluster): (T1,P1)=2 (T1,P2)=1 (T2,P2)=2
    // (T3,P3)=1 (T4,P3)=1.
    // TP = C(2,2) + C(2,2) = 2; predicted = C(2,2)+C(3,2)+C(2,2) = 5;
    // true = C(3,2)+C(2,2) = 4; FP = 3 (c-d, c-e, f-g); FN = 2 (a-c, b-c).
    let p = &e.pairwise;
    assert_eq!(
        (p.true_positives, p.false_positives, p.false_negatives),
        (2, 3, 2)
    );
    assert_eq!((p.predicted_pairs, p.true_pairs), (5, 4));
    close(p.precision, 2.0 / 5.0);
    close(p.recall, 2.0 / 4.0);
    close(p.f1, 4.0 / 9.0); // 2 * 0.4 * 0.5 / 0.9

    // B-cubed precision = (1/7) sum n^2/|cluster|
    //   = (4/2 + 1/3 + 4/3 + 1/2 + 1/2) / 7 = (14/3) / 7 = 2/3.
    // B-cubed recall = (1/7) sum n^2/|entity|
    //   = (4/3 + 1/3 + 4/2 + 1/1 + 1/1) / 7 = (17/3) / 7 = 17/21.
    // F1 = 2 (2/3)(17/21) / (2/3 + 17/21) = 68/93.
    let c = &e.clusters;
    close(c.bcubed_precision, 2.0 / 3.0);
    close(c.bcubed_recall, 17.0 / 21.0);
    assert!((c.bcubed_f1.unwrap() - 68.0 / 93.0).abs() < 1e-12);
    assert_eq!((c.predicted_clusters, c.true_entities), (3, 4));
    // Over-merged: P2 {T1,T2}, P3 {T3,T4}. Under-merged: T1 over P1, P2.
    assert_eq!(
        (
            c.over_merged_clusters,
            c.under_merged_entities,
            c.exact_clusters
        ),
        (2, 1, 0)
    );

    let s = e.scored_pairs.as_ref().unwrap();
    assert_eq!(
        (
            s.true_positives,
            s.false_positives,
            s.false_negatives,
            s.true_negatives
        ),
        (2, 2, 2, 1)
    );
    assert_eq!(s.false_negatives_never_compared, 0);

    // Worst FPs: scored by highest probability, then the unscored c-e
    // (same cluster via d, never scored).
    let fp: Vec<(&str, &str, Option<f64>)> = e
        .worst_false_positives
        .iter()
        .map(|x| {
            (
                x.record_id_l.as_str(),
                x.record_id_r.as_str(),
                x.match_probability,
            )
        })
        .collect();
    assert_eq!(
        fp,
        vec![
            ("c", "d", Some(0.95)),
            ("f", "g", Some(0.91)),
            ("c", "e", None)
        ]
    );
    assert_eq!(e.worst_false_positives[0].entity_l, "T1");
    assert_eq!(e.worst_false_positives[0].entity_r, "T2");
    assert_eq!(e.worst_false_positives[0].golden_id_l, "P2");
    // Worst FNs: lowest probability first.
    let fnl: Vec<(&str, &str, Option<f64>)> = e
        .worst_false_negatives
        .iter()
        .map(|x| {
            (
                x.record_id_l.as_str(),
                x.record_id_r.as_str(),
                x.match_probability,
            )
        })
        .collect();
    assert_eq!(fnl, vec![("b", "c", Some(0.10)), ("a", "c", Some(0.40))]);

    let text = render_evaluation_text(&e);
    for needle in [
        "0.4000",
        "0.5000",
        "0.4444",
        "0.6667",
        "0.8095",
        "0.7312",
        "over-merged clusters",
        "never compared",
    ] {
        assert!(text.contains(needle), "missing {needle} in\n{text}");
    }
}

#[test]
fn never_compared_false_negatives_and_limits() {
    let mut ev = Evaluator::new(truth());
    for (r, g) in CROSSWALK {
        ev.add_assignment(r, g);
    }
    // Only a-c among the false-negative pairs was scored.
    ev.add_pair("a", "c", 0.3);
    let e = ev.finish(&EvalOptions {
        worst_n: 5,
        sweep_thresholds: vec![],
    });
    let s = e.scored_pairs.clone().unwrap();
    assert_eq!(s.false_negatives, 1);
    assert_eq!(s.false_negatives_never_compared, 1);
    let fnl: Vec<(&str, &str, Option<f64>)> = e
        .worst_false_negatives
        .iter()
        .map(|x| {
            (
                x.record_id_l.as_str(),
                x.record_id_r.as_str(),
                x.match_probability,
            )
        })
        .collect();
    assert_eq!(fnl, vec![("a", "c", Some(0.3)), ("b", "c", None)]);
    // All three FPs are unscored and listed in name order.
    assert_eq!(e.worst_false_positives.len(), 3);
    assert!(
        e.worst_false_positives
            .iter()
            .all(|x| x.match_probability.is_none())
    );
    assert_eq!(e.worst_false_positives[0].record_id_l, "c");
    assert_eq!(e.worst_false_positives[0].record_id_r, "d");
    assert!(render_evaluation_text(&e).contains("never compared"));

    // worst_n limits both lists.
    let mut ev = Evaluator::new(truth());
    for (r, g) in CROSSWALK {
        ev.add_assignment(r, g);
    }
    let e = ev.finish(&EvalOptions {
        worst_n: 1,
        sweep_thresholds: vec![],
    });
    assert_eq!(
        (e.worst_false_positives.len(), e.worst_false_negatives.len()),
        (1, 1)
    );
    assert!(e.scored_pairs.is_none());
    assert!(render_evaluation_text(&e).contains("not scored"));
}

#[test]
fn pairs_truth_gives_the_same_metrics_and_input_order_does_not_matter() {
    // Same truth as pairs, not transitively closed: a-b, b-c, e-d.
    let csv = "record_id_l,record_id_r\na,b\nb,c\ne,d\n";
    let t = parse_truth(csv.as_bytes(), "pairs.csv").unwrap();
    assert_eq!(t.format(), TruthFormat::Pairs);
    let mut ev = Evaluator::new(t);
    for (r, g) in CROSSWALK.iter().rev() {
        ev.add_assignment(r, g);
    }
    for (l, r, p) in PAIRS.iter().rev() {
        ev.add_pair(r, l, *p);
    }
    let e = ev.finish(&EvalOptions {
        worst_n: 3,
        sweep_thresholds: vec![],
    });
    // f, g and z are unlisted: singletons in this format, so z is
    // evaluated and nothing is crosswalk-only.
    assert_eq!(e.coverage.truth_records, 5);
    assert_eq!(e.coverage.evaluated_records, 8);
    assert_eq!(e.coverage.crosswalk_only_records, 0);
    assert_eq!(
        (
            e.pairwise.true_positives,
            e.pairwise.false_positives,
            e.pairwise.false_negatives
        ),
        (2, 3, 2)
    );
    close(e.pairwise.precision, 0.4);
    // z is a correct singleton: it adds 1/1 to both B-cubed sums.
    close(e.clusters.bcubed_precision, (14.0 / 3.0 + 1.0) / 8.0);
    let fp: Vec<(&str, &str)> = e
        .worst_false_positives
        .iter()
        .map(|x| (x.record_id_l.as_str(), x.record_id_r.as_str()))
        .collect();
    assert_eq!(fp, vec![("c", "d"), ("f", "g"), ("c", "e")]);
}

#[test]
fn perfect_and_empty_runs() {
    let t = Truth::from_assignments("t", [("a", "1"), ("b", "1"), ("c", "2")]).unwrap();
    let mut ev = Evaluator::new(t);
    for (r, g) in [("a", "G1"), ("b", "G1"), ("c", "G2")] {
        ev.add_assignment(r, g);
    }
    let e = ev.finish(&EvalOptions::default());
    close(e.pairwise.precision, 1.0);
    close(e.pairwise.recall, 1.0);
    close(e.clusters.bcubed_f1, 1.0);
    assert_eq!(e.clusters.exact_clusters, 2);
    assert!(e.worst_false_positives.is_empty() && e.worst_false_negatives.is_empty());

    // No crosswalk at all: everything undefined, nothing panics.
    let t = Truth::from_assignments("t", [("a", "1")]).unwrap();
    let e = Evaluator::new(t).finish(&EvalOptions::default());
    assert_eq!(e.coverage.truth_only_records, 1);
    assert_eq!(e.pairwise.precision, None);
    assert_eq!(e.clusters.bcubed_f1, None);
    assert!(render_evaluation_text(&e).contains("n/a"));
}

#[test]
fn conflicting_crosswalk_rows_keep_the_first() {
    let t = Truth::from_assignments("t", [("a", "1"), ("b", "1")]).unwrap();
    let mut ev = Evaluator::new(t);
    ev.add_assignment("a", "G1");
    ev.add_assignment("b", "G1");
    ev.add_assignment("b", "G2");
    let e = ev.finish(&EvalOptions::default());
    assert_eq!(e.coverage.conflicting_crosswalk_rows, 1);
    assert_eq!(e.pairwise.true_positives, 1);
}

#[test]
fn arrow_batches_feed_the_evaluator() {
    use std::sync::Arc;

    use arrow::array::{Float32Array, LargeStringArray, StringArray};
    use arrow::datatypes::{DataType, Field, Schema};
    use arrow::record_batch::RecordBatch;

    let cw = RecordBatch::try_new(
        Arc::new(Schema::new(vec![
            Field::new("record_id", DataType::Utf8, false),
            Field::new("golden_id", DataType::LargeUtf8, true),
        ])),
        vec![
            Arc::new(StringArray::from(
                CROSSWALK.iter().map(|x| x.0).collect::<Vec<_>>(),
            )),
            Arc::new(LargeStringArray::from(
                CROSSWALK.iter().map(|x| Some(x.1)).collect::<Vec<_>>(),
            )),
        ],
    )
    .unwrap();
    let pairs = RecordBatch::try_new(
        Arc::new(Schema::new(vec![
            Field::new("l", DataType::Utf8, false),
            Field::new("r", DataType::Utf8, false),
            Field::new("p", DataType::Float32, false),
        ])),
        vec![
            Arc::new(StringArray::from(
                PAIRS.iter().map(|x| x.0).collect::<Vec<_>>(),
            )),
            Arc::new(StringArray::from(
                PAIRS.iter().map(|x| x.1).collect::<Vec<_>>(),
            )),
            Arc::new(Float32Array::from(
                PAIRS.iter().map(|x| x.2 as f32).collect::<Vec<_>>(),
            )),
        ],
    )
    .unwrap();
    let mut ev = Evaluator::new(truth());
    ev.add_crosswalk_batch(&cw, "record_id", "golden_id")
        .unwrap();
    ev.add_pairs_batch(&pairs, "l", "r", "p").unwrap();
    let e = ev.finish(&EvalOptions::default());
    assert_eq!(e.pairwise.true_positives, 2);
    assert_eq!(e.scored_pairs.unwrap().false_positives, 2);
    assert_eq!(e.worst_false_positives[0].match_probability, Some(0.95));

    let mut ev = Evaluator::new(truth());
    let err = ev
        .add_crosswalk_batch(&cw, "record", "golden_id")
        .unwrap_err()
        .to_string();
    assert!(err.contains("missing column `record`"), "{err}");
}
