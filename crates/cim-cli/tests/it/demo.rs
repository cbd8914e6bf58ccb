//! The bundled demo, end to end: run, check conservation, accuracy against
//! the demo truth, and the master's schema.

use arrow::datatypes::DataType;

use crate::util::{assert_code, cim, repo, stdout};

fn run_demo(out: &std::path::Path) -> serde_json::Value {
    let o = cim(&[
        "run",
        "fixtures/demo/pipeline.toml",
        "--output",
        out.to_str().unwrap(),
        "--json",
        "-q",
    ]);
    assert_code(&o, 0);
    serde_json::from_str(&stdout(&o)).expect("--json prints the run summary")
}

#[test]
fn demo_run_merges_known_duplicates_and_accounts_for_every_row() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let summary = run_demo(&out);

    // Conservation: rows read = accepted + quarantined, per source and overall.
    let rows = &summary["rows"];
    let (read, accepted, quarantined) = (
        rows["read"].as_u64().unwrap(),
        rows["accepted"].as_u64().unwrap(),
        rows["quarantined"].as_u64().unwrap(),
    );
    assert_eq!(read, accepted + quarantined);
    assert_eq!(rows["conservation_holds"], true);

    // Memory per stage (Linux): the peak so far, so it never falls.
    if cfg!(target_os = "linux") {
        let peaks: Vec<u64> = ["ingest", "dedupe", "merge", "write"]
            .iter()
            .map(|s| {
                summary["peak_rss_mib"][s]
                    .as_u64()
                    .unwrap_or_else(|| panic!("peak of {s}"))
            })
            .collect();
        assert!(
            peaks[0] > 0 && peaks.windows(2).all(|w| w[0] <= w[1]),
            "{peaks:?}"
        );
    }
    // The demo ships 471 valid rows and 5 malformed ones (fixtures/demo/README.md).
    assert_eq!(accepted, 471);
    assert_eq!(quarantined, 5);
    for s in summary["sources"].as_array().unwrap() {
        assert_eq!(
            s["read"].as_u64().unwrap(),
            s["accepted"].as_u64().unwrap() + s["quarantined"].as_u64().unwrap(),
            "source {}",
            s["name"]
        );
    }

    // Accuracy against the demo truth, reported in the test output.
    let truth = repo().join("fixtures/demo/truth.csv");
    let o = cim(&[
        "evaluate",
        out.to_str().unwrap(),
        "--truth",
        truth.to_str().unwrap(),
        "--json",
    ]);
    assert_code(&o, 0);
    let eval: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let p = eval["pairwise"]["precision"].as_f64().unwrap();
    let r = eval["pairwise"]["recall"].as_f64().unwrap();
    let f1 = eval["pairwise"]["f1"].as_f64().unwrap();
    println!("demo pairwise precision {p:.4} recall {r:.4} F1 {f1:.4}");
    assert_eq!(
        eval["coverage"]["evaluated_records"].as_u64(),
        Some(471),
        "{eval:#}"
    );
    assert!(r >= 0.95, "known duplicates must be merged: recall {r}");
    // 0.93 without the person-conflict guard (twins and family members
    // merged through a shared phone and address), 0.99 with it.
    assert!(
        p >= 0.97,
        "known distinct customers must stay apart: precision {p}"
    );

    // The master reads back with the documented schema.
    let (schema, batches) = cim_output::read_parquet(&out.join("master.parquet")).unwrap();
    let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
    assert!(rows > 250 && rows < 471, "golden records: {rows}");
    let ty = |name: &str| schema.field_with_name(name).unwrap().data_type().clone();
    assert_eq!(ty("golden_id"), DataType::Utf8);
    assert_eq!(ty("full_name"), DataType::Utf8);
    assert_eq!(ty("date_of_birth"), DataType::Date32);
    assert_eq!(ty("member_count"), DataType::UInt32);
    assert!(matches!(ty("email"), DataType::List(_)));
    assert!(matches!(ty("sources"), DataType::List(_)));
    assert!(matches!(ty("lineage"), DataType::Struct(_)));

    // Every accepted record is in the crosswalk exactly once.
    let (_, cw) = cim_output::read_parquet(&out.join("crosswalk.parquet")).unwrap();
    assert_eq!(cw.iter().map(|b| b.num_rows()).sum::<usize>(), 471);
    let (_, q) = cim_output::read_parquet(&out.join("quarantine.parquet")).unwrap();
    assert_eq!(q.iter().map(|b| b.num_rows()).sum::<usize>(), 5);
}

#[test]
fn demo_outputs_are_byte_identical_across_runs_and_thread_counts() {
    let tmp = tempfile::tempdir().unwrap();
    let mut digests = Vec::new();
    for threads in ["1", "2"] {
        let out = tmp.path().join(format!("out{threads}"));
        let o = cim(&[
            "run",
            "fixtures/demo/pipeline.toml",
            "--output",
            out.to_str().unwrap(),
            "--threads",
            threads,
            "-q",
        ]);
        assert_code(&o, 0);
        let files: Vec<Vec<u8>> = ["master.parquet", "crosswalk.parquet", "pairs.parquet"]
            .iter()
            .map(|f| std::fs::read(out.join(f)).unwrap())
            .collect();
        digests.push(files);
    }
    assert!(
        digests[0] == digests[1],
        "outputs differ between 1 and 2 threads"
    );
}

#[test]
fn cluster_shows_a_golden_record_masked_by_default() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    run_demo(&out);
    let o = cim(&["cluster", out.to_str().unwrap(), "crm:100001"]);
    assert_code(&o, 0);
    let text = stdout(&o);
    assert!(text.contains("crm:100001"), "{text}");
    assert!(text.contains('*'), "values are masked by default: {text}");
    let o = cim(&["cluster", out.to_str().unwrap(), "crm:nope"]);
    assert_code(&o, 1);
}
