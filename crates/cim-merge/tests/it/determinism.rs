//! The master does not depend on the rayon thread count.

use cim_merge::{MergeOutput, SurvivorshipOptions, merge};
use cim_schema::{CanonicalField as F, MatchKey};

use crate::helper::{Rec, batch, rec, run, sources};

/// A few thousand records in clusters of 1..=9 with competing values.
fn data() -> (Vec<Rec>, Vec<u32>) {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move |n: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % n
    };
    let names = ["Ann Lee", "Anne Lee", "Bo Chen", "Carla Diaz", "Dev Patel"];
    let cities = ["Oslo", "Bergen", "Paris", "Lyon"];
    let srcs = ["crm", "web", "shop"];
    let mut recs = Vec::new();
    let mut clusters = Vec::new();
    for c in 0..700u32 {
        for _ in 0..=next(9) {
            let i = recs.len();
            let source = srcs[next(3) as usize];
            let mut r = rec(source, &format!("{i}"), next(50) + 1)
                .v(F::FullName, names[next(5) as usize])
                .v(F::AddressLine1, &format!("{} Main St", next(3)))
                .v(F::City, cities[next(4) as usize])
                .at(&format!("2024-0{}-1{}", next(9) + 1, next(9)));
            r = match next(3) {
                0 => r.v(F::Email, &format!("p{}@example.com", next(4))),
                1 => r.bad(F::Email, "nobody@"),
                _ => r,
            };
            if next(2) == 0 {
                r = r
                    .v(F::Phone, &format!("+4720000{:03}", next(3)))
                    .key(MatchKey::Phone, &format!("+4720000{:03}", next(2)));
            }
            if next(4) == 0 {
                r = r.extra(&format!(r#"{{"k{}":{}}}"#, next(3), next(10)));
            }
            recs.push(r);
            clusters.push(c);
        }
    }
    (recs, clusters)
}

fn run_with_threads(threads: usize, recs: &[Rec], clusters: &[u32]) -> MergeOutput {
    let batches: Vec<_> = recs.chunks(997).map(batch).collect();
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(|| {
            merge(
                &batches,
                clusters,
                &SurvivorshipOptions::default(),
                &sources(),
                None,
                &run("r1", 1),
            )
            .unwrap()
        })
}

#[test]
fn master_is_identical_with_one_and_two_threads() {
    let (recs, clusters) = data();
    assert!(recs.len() > 2000);
    let one = run_with_threads(1, &recs, &clusters);
    let two = run_with_threads(2, &recs, &clusters);
    assert_eq!(one.master.num_rows(), 700);
    assert_eq!(one.master, two.master);
    assert_eq!(one.crosswalk, two.crosswalk);
    assert_eq!(one.id_changes, two.id_changes);
    assert_eq!(one.stats, two.stats);
}

/// Throughput figure for the report:
/// `cargo test -p cim-merge --release --test it -- --ignored --nocapture perf`.
#[test]
#[ignore = "timing, run by hand in release"]
#[allow(clippy::print_stderr)]
fn perf_merge_throughput() {
    let (recs, clusters) = data();
    // Repeat the data set with fresh record ids up to ~200k records.
    let copies = 200_000 / recs.len() + 1;
    let mut all = Vec::with_capacity(recs.len() * copies);
    let mut all_clusters = Vec::with_capacity(recs.len() * copies);
    for k in 0..copies {
        for (r, &c) in recs.iter().zip(&clusters) {
            let mut r = r.clone();
            r.id = format!("{}#{k}", r.id);
            all.push(r);
            all_clusters.push(c + 700 * k as u32);
        }
    }
    let batches: Vec<_> = all.chunks(8192).map(batch).collect();
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let t = std::time::Instant::now();
        let out = pool.install(|| {
            merge(
                &batches,
                &all_clusters,
                &SurvivorshipOptions::default(),
                &sources(),
                None,
                &run("r1", 1),
            )
            .unwrap()
        });
        eprintln!(
            "{threads} thread(s): {} records -> {} golden in {:?}",
            all.len(),
            out.master.num_rows(),
            t.elapsed()
        );
    }
}

/// The master is built per column in cluster order and then put in golden-id
/// order: past 65,536 clusters every golden record still sits on its own
/// cluster's row, and the rows stay sorted by golden id.
#[test]
fn master_slices_keep_each_golden_record_on_its_row() {
    use arrow::array::{Array, AsArray};
    use std::collections::HashMap;
    let n = 70_000usize;
    let recs: Vec<Rec> = (0..n)
        .map(|i| rec("crm", &format!("{i}"), i as u64 + 1).v(F::FullName, &format!("Person {i}")))
        .collect();
    let clusters: Vec<u32> = (0..n as u32).collect();
    let out = run_with_threads(2, &recs, &clusters);
    assert_eq!(out.master.num_rows(), n);
    let col = |b: &arrow::record_batch::RecordBatch, name: &str| {
        b.column_by_name(name).unwrap().as_string::<i32>().clone()
    };
    let (gid, name) = (col(&out.master, "golden_id"), col(&out.master, "full_name"));
    let (xrid, xgid) = (
        col(&out.crosswalk, "record_id"),
        col(&out.crosswalk, "golden_id"),
    );
    let record_of: HashMap<&str, &str> = (0..xgid.len())
        .map(|i| (xgid.value(i), xrid.value(i)))
        .collect();
    for i in 0..n {
        if i > 0 {
            assert!(gid.value(i - 1) < gid.value(i), "row {i} out of order");
        }
        // record "crm:<k>" carries "Person <k>".
        let rid = record_of[gid.value(i)];
        let k = rid.strip_prefix("crm:").unwrap();
        assert_eq!(name.value(i), format!("Person {k}"), "row {i}");
        assert!(!name.is_null(i));
    }
}

/// Master and crosswalk built a slice at a time (as the pipeline writes
/// them) are the whole tables cut at the slice boundaries.
#[test]
fn slices_of_master_and_crosswalk_concatenate_to_the_whole() {
    let (recs, clusters) = data();
    let whole = run_with_threads(2, &recs, &clusters);
    let batches: Vec<_> = recs.chunks(997).map(batch).collect();
    let opts = SurvivorshipOptions::default();
    let merged = cim_merge::merge_lazily(
        batches.clone(),
        &clusters,
        &opts,
        &sources(),
        None,
        &run("r1", 1),
    )
    .unwrap();
    assert_eq!(merged.master_rows(), whole.master.num_rows());
    assert_eq!(merged.crosswalk_rows(), whole.crosswalk.num_rows());
    // Uneven steps, so slices start anywhere in cluster order.
    for step in [1, 64, 333, 700] {
        let cut =
            |rows: usize,
             f: &dyn Fn(std::ops::Range<usize>) -> arrow::record_batch::RecordBatch| {
                let parts: Vec<_> = (0..rows)
                    .step_by(step)
                    .map(|s| f(s..(s + step).min(rows)))
                    .collect();
                arrow::compute::concat_batches(&parts[0].schema(), &parts).unwrap()
            };
        let master = cut(merged.master_rows(), &|r| merged.master_batch(r).unwrap());
        assert_eq!(master, whole.master, "master in slices of {step}");
        let crosswalk = cut(merged.crosswalk_rows(), &|r| {
            merged.crosswalk_batch(r).unwrap()
        });
        assert_eq!(crosswalk, whole.crosswalk, "crosswalk in slices of {step}");
    }
}

/// Records cut down to `input_columns` merge exactly as the whole records,
/// and the list leaves columns out (the match keys only blocking reads).
#[test]
fn records_of_only_the_input_columns_merge_the_same() {
    let (recs, clusters) = data();
    let whole = run_with_threads(2, &recs, &clusters);
    let wanted = cim_merge::input_columns();
    let batches: Vec<_> = recs
        .chunks(997)
        .map(|r| {
            let b = batch(r);
            let keep: Vec<usize> = (0..b.num_columns())
                .filter(|&i| wanted.contains(b.schema().field(i).name()))
                .collect();
            b.project(&keep).unwrap()
        })
        .collect();
    let all = cim_schema::normalized_schema().fields().len();
    assert!(
        batches[0].num_columns() < all - 5,
        "{} of {all}",
        batches[0].num_columns()
    );
    assert_eq!(
        batches[0].num_columns(),
        wanted.len(),
        "every listed column exists"
    );
    let cut = merge(
        &batches,
        &clusters,
        &SurvivorshipOptions::default(),
        &sources(),
        None,
        &run("r1", 1),
    )
    .unwrap();
    assert_eq!(cut.master, whole.master);
    assert_eq!(cut.crosswalk, whole.crosswalk);
}
