//! Accuracy on the dev sets with default options (no per-set tuning).

use std::collections::HashMap;
use std::path::PathBuf;

use arrow::record_batch::RecordBatch;
use cim_dedupe::testkit::{TestRecord, batch};
use cim_dedupe::{DedupeOptions, dedupe};
use cim_schema::CanonicalField as F;

fn dev_set(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/dev-sets").join(name)
}

/// Records and the truth cluster label of each.
pub fn load(name: &str) -> (Vec<RecordBatch>, Vec<String>) {
    let path = dev_set(name);
    let mut rdr = csv::Reader::from_path(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let headers = rdr.headers().expect("header").clone();
    let idx = |h: &str| headers.iter().position(|x| x == h).unwrap_or_else(|| panic!("no column {h}"));
    let mut recs = Vec::new();
    let mut truth = Vec::new();
    let febrl = headers.iter().any(|h| h == "rec_id");
    for row in rdr.records() {
        let row = row.expect("csv row");
        let g = |h: &str| row[idx(h)].trim().to_string();
        let r = if febrl {
            truth.push(g("true_cluster"));
            TestRecord::new(g("rec_id"), "febrl")
                .field(F::GivenName, g("given_name"))
                .field(F::FamilyName, g("surname"))
                .field(F::AddressLine1, format!("{} {}", g("street_number"), g("address_1")))
                .field(F::AddressLine2, g("address_2"))
                .field(F::City, g("suburb"))
                .field(F::Postcode, g("postcode"))
                .field(F::Region, g("state"))
                .field(F::DateOfBirth, g("date_of_birth"))
                .field(F::NationalId, g("soc_sec_id"))
        } else {
            truth.push(g("cluster"));
            TestRecord::new(g("unique_id"), "fake")
                .field(F::GivenName, g("first_name"))
                .field(F::FamilyName, g("surname"))
                .field(F::DateOfBirth, g("dob"))
                .field(F::City, g("city"))
                .field(F::Email, g("email"))
        };
        recs.push(r);
    }
    // Two batches, to exercise the global row order across batches.
    let mid = recs.len() / 2;
    (vec![batch(&recs[..mid]), batch(&recs[mid..])], truth)
}

/// Pairwise precision, recall and F1 of predicted clusters against truth.
pub fn pairwise_prf(pred: &[u32], truth: &[String]) -> (f64, f64, f64) {
    let pairs = |labels: &[u64]| -> HashMap<u64, Vec<usize>> {
        let mut m: HashMap<u64, Vec<usize>> = HashMap::new();
        for (i, &l) in labels.iter().enumerate() {
            m.entry(l).or_default().push(i);
        }
        m
    };
    let mut ids: HashMap<&str, u64> = HashMap::new();
    let t: Vec<u64> = truth
        .iter()
        .map(|s| {
            let n = ids.len() as u64;
            *ids.entry(s.as_str()).or_insert(n)
        })
        .collect();
    let p: Vec<u64> = pred.iter().map(|&x| u64::from(x)).collect();
    let count = |g: &HashMap<u64, Vec<usize>>| g.values().map(|v| (v.len() * (v.len() - 1) / 2) as u64).sum::<u64>();
    let tp_groups = pairs(&p);
    let n_pred = count(&tp_groups);
    let n_true = count(&pairs(&t));
    let mut tp = 0u64;
    for members in tp_groups.values() {
        let mut by_truth: HashMap<u64, u64> = HashMap::new();
        for &i in members {
            *by_truth.entry(t[i]).or_insert(0) += 1;
        }
        tp += by_truth.values().map(|&c| c * (c.saturating_sub(1)) / 2).sum::<u64>();
    }
    let precision = if n_pred == 0 { 1.0 } else { tp as f64 / n_pred as f64 };
    let recall = if n_true == 0 { 1.0 } else { tp as f64 / n_true as f64 };
    let f1 = if precision + recall == 0.0 {
        0.0
    } else {
        2.0 * precision * recall / (precision + recall)
    };
    (precision, recall, f1)
}

fn run(name: &str, floor: f64) {
    let (batches, truth) = load(name);
    let opts = DedupeOptions::default();
    let res = dedupe(&batches, &opts, None).expect("dedupe");
    let (p, r, f1) = pairwise_prf(&res.cluster_of_row, &truth);
    eprintln!(
        "{name}: precision {p:.4} recall {r:.4} F1 {f1:.4} | pairs compared {} above threshold {} \
         clusters {} split {} | EM iterations {} converged {} | {:?}",
        res.report.pairs_compared,
        res.report.pairs_above_threshold,
        res.report.clusters,
        res.report.components_split,
        res.report.em_iterations,
        res.report.em_converged,
        res.report.timings,
    );
    if std::env::var_os("CIM_DEDUPE_DEBUG").is_some() {
        eprintln!("{}", res.model.to_json().unwrap());
        eprintln!("{}", serde_json::to_string_pretty(&res.report).unwrap());
    }
    assert!(f1 >= floor, "{name}: F1 {f1:.4} below the floor {floor}");
}

#[test]
fn febrl1_default_options() {
    run("febrl1.csv", 0.93);
}

#[test]
fn febrl2_default_options() {
    run("febrl2.csv", 0.93);
}

#[test]
fn fake_1000_default_options() {
    run("fake_1000.csv", 0.75);
}

#[test]
fn prf_counts_pairs() {
    let truth: Vec<String> = ["a", "a", "a", "b"].iter().map(|s| s.to_string()).collect();
    // Predicted {0,1} {2,3}: one true pair of 3 found, one false pair.
    let (p, r, _) = pairwise_prf(&[0, 0, 1, 1], &truth);
    assert!((p - 0.5).abs() < 1e-12);
    assert!((r - 1.0 / 3.0).abs() < 1e-12);
}

/// Measurement aid (not a test of behaviour): F1 over thresholds, methods
/// and training modes. `cargo test -p cim-dedupe --test it sweep -- --ignored --nocapture`
#[test]
#[ignore]
fn sweep() {
    use cim_dedupe::{ClusteringMethod, TrainingMode, train};
    for name in ["febrl1.csv", "febrl2.csv", "fake_1000.csv"] {
        let (batches, truth) = load(name);
        for mode in [TrainingMode::PerRule, TrainingMode::Global] {
            let mut opts = DedupeOptions::default();
            opts.training = mode;
            let model = train(&batches, &opts).expect("train");
            for (method, link) in [
                (ClusteringMethod::ConnectedComponents, 0.5),
                (ClusteringMethod::AverageLinkage, 0.5),
                (ClusteringMethod::AverageLinkage, 0.3),
            ] {
                let mut line = format!("{name} {mode:?} {method:?} {link}:");
                for th in [0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99] {
                    let mut o = opts.clone();
                    o.match_threshold = th;
                    o.clustering.method = method;
                    o.clustering.min_average_link = link;
                    let res = dedupe(&batches, &o, Some(&model)).expect("dedupe");
                    let (p, r, f1) = pairwise_prf(&res.cluster_of_row, &truth);
                    line += &format!(" {th}: {f1:.4} ({p:.3}/{r:.3})");
                }
                eprintln!("{line}");
            }
        }
    }
}
