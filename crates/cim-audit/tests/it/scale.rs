//! Scale check (ignored by default): 10 million records and 10 million
//! scored pairs through evaluation with a sweep. Run with
//! `cargo test -p cim-audit --test it scale -- --ignored --nocapture`.

use std::time::Instant;

use cim_audit::{EvalOptions, Evaluator, Truth, default_sweep_thresholds};

#[test]
#[ignore = "takes tens of seconds and a few GB; run by hand"]
#[allow(clippy::print_stderr)] // the timings are the point
fn ten_million_records() {
    const N: u64 = 10_000_000;
    let start = Instant::now();
    // Entities of 1..=4 records; the prediction merges every 97th entity
    // with the next one and splits off every 89th record.
    let entity_of = |r: u64| r / (1 + r % 4).max(2);
    let truth = Truth::from_assignments(
        "scale",
        (0..N).map(|r| (format!("s:{r}"), format!("E{}", entity_of(r)))),
    )
    .unwrap();
    let t_truth = start.elapsed();
    let mut ev = Evaluator::new(truth);
    for r in 0..N {
        let e = entity_of(r);
        let g = if r % 89 == 0 {
            format!("X{r}")
        } else if e % 97 == 0 {
            format!("G{}", e + 1)
        } else {
            format!("G{e}")
        };
        ev.add_assignment(&format!("s:{r}"), &g);
    }
    for r in 0..N {
        let (l, rr) = (r, (r * 7 + 1) % N);
        let p = if entity_of(l) == entity_of(rr) {
            0.95
        } else {
            ((r % 1000) as f64) / 1000.0 * 0.5
        };
        let other = if r % 2 == 0 { r + 1 } else { rr };
        ev.add_pair(&format!("s:{l}"), &format!("s:{}", other.min(N - 1)), p);
    }
    let t_fed = start.elapsed();
    let e = ev.finish(&EvalOptions {
        worst_n: 20,
        sweep_thresholds: default_sweep_thresholds(),
    });
    let t_done = start.elapsed();
    eprintln!(
        "10M records: truth {:?}, fed {:?}, finished {:?} (sweep of {} thresholds included)",
        t_truth,
        t_fed - t_truth,
        t_done - t_fed,
        e.sweep.len()
    );
    assert_eq!(e.coverage.evaluated_records, N);
    assert!(e.pairwise.precision.unwrap() > 0.5 && e.pairwise.recall.unwrap() > 0.5);
    assert_eq!(e.worst_false_positives.len(), 20);
    assert_eq!(e.sweep.len(), 20);
}
