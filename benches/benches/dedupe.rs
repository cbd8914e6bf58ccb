//! Dedupe kernels: string comparison, per-pair comparison levels (the
//! scoring inner loop, on one thread: divide items/s by nothing to get the
//! per-core rate), one EM step over the pattern table, blocking and
//! clustering of 100k synthetic records, and a whole 20k-record run.
//!
//! Run from the repository root: `cargo bench -p cim-bench --bench dedupe`

use std::sync::LazyLock;

use arrow::record_batch::RecordBatch;
use cim_dedupe::kernels::Kernels;
use cim_dedupe::testkit::{batch, synthetic};
use cim_dedupe::{DedupeOptions, dedupe, jaro_winkler, soft_token_similarity};
use divan::Bencher;
use divan::counter::ItemsCount;

fn main() {
    divan::main();
}

fn records(n: usize) -> Vec<RecordBatch> {
    let (recs, _) = synthetic(n, 0.2, 7);
    recs.chunks(8192).map(batch).collect()
}

static K100: LazyLock<Kernels> =
    LazyLock::new(|| Kernels::new(&records(100_000), &DedupeOptions::default()).expect("kernels"));

static R20: LazyLock<Vec<RecordBatch>> = LazyLock::new(|| records(20_000));

static NAMES: LazyLock<Vec<(String, String)>> = LazyLock::new(|| {
    let (recs, _) = synthetic(2_000, 0.5, 3);
    let name = |r: &cim_dedupe::testkit::TestRecord| {
        r.fields
            .get(&cim_schema::CanonicalField::FamilyName)
            .cloned()
            .unwrap_or_default()
    };
    recs.windows(2)
        .map(|w| (name(&w[0]), name(&w[1])))
        .collect()
});

#[divan::bench]
fn jaro_winkler_name_pairs(b: Bencher) {
    let pairs = &*NAMES;
    b.counter(ItemsCount::new(pairs.len())).bench(|| {
        pairs
            .iter()
            .map(|(x, y)| jaro_winkler(divan::black_box(x), divan::black_box(y)))
            .sum::<f64>()
    });
}

#[divan::bench]
fn soft_token_addresses(b: Bencher) {
    let a = "12 tullaroop street willaroo";
    let c = "12 tullarop st wilaroo";
    b.counter(ItemsCount::new(1usize))
        .bench(|| soft_token_similarity(divan::black_box(a), divan::black_box(c)));
}

/// Items = candidate pairs; comparisons/s = items/s x comparisons per pair
/// (5, see `setup_check`).
#[divan::bench(sample_count = 10)]
fn compare_pairs_one_thread_100k(b: Bencher) {
    let k = &*K100;
    b.counter(ItemsCount::new(k.n_pairs()))
        .bench(|| k.compare_all());
}

#[divan::bench(args = [1, 10])]
fn em_steps_pattern_table_100k(b: Bencher, steps: u32) {
    let k = &*K100;
    b.counter(ItemsCount::new(k.n_patterns() * steps as usize))
        .bench(|| k.em(steps));
}

#[divan::bench(sample_count = 10)]
fn blocking_100k(b: Bencher) {
    let k = &*K100;
    b.bench(|| k.block().expect("block"));
}

#[divan::bench(sample_count = 10)]
fn clustering_100k(b: Bencher) {
    let k = &*K100;
    b.counter(ItemsCount::new(k.n_pairs()))
        .bench(|| k.cluster());
}

#[divan::bench(sample_count = 5)]
fn dedupe_end_to_end_20k(b: Bencher) {
    let r = &*R20;
    b.counter(ItemsCount::new(20_000usize)).bench(|| {
        dedupe(r, &DedupeOptions::default(), None)
            .expect("dedupe")
            .report
            .clusters
    });
}

/// Checks the synthetic set is realistic enough to be worth timing: 5
/// comparisons per pair (given, family, dob, email, location).
#[divan::bench(sample_count = 1)]
fn setup_check() {
    let k = &*K100;
    assert!(k.n_pairs() > 100_000, "pairs {}", k.n_pairs());
    assert_eq!(k.n_comparisons(), 5);
}
