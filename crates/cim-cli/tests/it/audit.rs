//! Auditing decisions on the demo: `cim explain` of merged, rejected and
//! never-compared pairs, and the `report.html` every run writes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use arrow::array::{Array, Float64Array, StringArray};
use arrow::record_batch::RecordBatch;

use crate::util::{assert_code, cim, stderr, stdout};

/// One demo run shared by the tests of this module (a run takes seconds).
fn demo_out() -> &'static Path {
    static OUT: OnceLock<PathBuf> = OnceLock::new();
    OUT.get_or_init(|| {
        let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("audit-demo-out");
        let _ = std::fs::remove_dir_all(&out);
        let o = cim(&[
            "run",
            "fixtures/demo/pipeline.toml",
            "--output",
            out.to_str().unwrap(),
            "-q",
        ]);
        assert_code(&o, 0);
        out
    })
}

fn read(dir: &Path, name: &str) -> Vec<RecordBatch> {
    cim_output::read_parquet(&dir.join(name)).unwrap().1
}

fn strings<'a>(b: &'a RecordBatch, name: &str) -> &'a StringArray {
    b.column_by_name(name)
        .unwrap_or_else(|| panic!("column {name}"))
        .as_any()
        .downcast_ref::<StringArray>()
        .unwrap()
}

/// record id -> normalised email, for records that have one.
fn emails(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for b in read(dir, "records.parquet") {
        let (ids, emails) = (strings(&b, "record_id"), strings(&b, "email"));
        for i in 0..b.num_rows() {
            if !emails.is_null(i) {
                out.insert(ids.value(i).to_owned(), emails.value(i).to_owned());
            }
        }
    }
    out
}

/// record id -> golden id.
fn crosswalk(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for b in read(dir, "crosswalk.parquet") {
        let (r, g) = (strings(&b, "record_id"), strings(&b, "golden_id"));
        for i in 0..b.num_rows() {
            out.insert(r.value(i).to_owned(), g.value(i).to_owned());
        }
    }
    out
}

fn explain_json(a: &str, b: &str, extra: &[&str]) -> serde_json::Value {
    let out = demo_out().to_str().unwrap();
    let mut args = vec!["explain", out, a, b, "--json"];
    args.extend_from_slice(extra);
    let o = cim(&args);
    assert_code(&o, 0);
    serde_json::from_str(&stdout(&o)).expect("--json prints JSON")
}

fn explain_text(a: &str, b: &str, extra: &[&str]) -> String {
    let out = demo_out().to_str().unwrap();
    let mut args = vec!["explain", out, a, b];
    args.extend_from_slice(extra);
    let o = cim(&args);
    assert_code(&o, 0);
    stdout(&o)
}

/// The weights shown must add up to the reported total.
fn assert_weights_add_up(j: &serde_json::Value) {
    let prior = j["prior_weight"].as_f64().unwrap();
    let rows: f64 = j["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["weight"].as_f64().unwrap())
        .sum();
    let total = j["match_weight"].as_f64().unwrap();
    assert!(
        (prior + rows - total).abs() < 1e-9,
        "prior {prior} + rows {rows} != total {total}"
    );
    let last = j["steps"].as_array().unwrap().last().unwrap();
    assert!((last["running_total"].as_f64().unwrap() - total).abs() < 1e-9);
}

/// Two records of one golden record that both have an email.
fn merged_pair() -> (String, String) {
    let cw = crosswalk(demo_out());
    let em = emails(demo_out());
    let mut by_golden: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (r, g) in &cw {
        if em.contains_key(r) {
            by_golden.entry(g).or_default().push(r);
        }
    }
    let members = by_golden
        .values()
        .find(|m| m.len() >= 2)
        .expect("the demo has merged records with emails");
    (members[0].to_owned(), members[1].to_owned())
}

#[test]
fn explain_merged_pair_matches_and_masks_values_by_default() {
    let (a, b) = merged_pair();
    let j = explain_json(&a, &b, &[]);
    assert_eq!(j["decision"], "match", "{j:#}");
    assert_eq!(j["is_match"], true);
    assert_eq!(j["values_masked"], true);
    assert_weights_add_up(&j);
    let p = j["match_probability"].as_f64().unwrap();
    assert!(p >= j["threshold"].as_f64().unwrap());

    let em = emails(demo_out());
    let text = explain_text(&a, &b, &[]);
    assert!(text.contains("decision            match"), "{text}");
    assert!(text.contains("prior"), "{text}");
    for id in [&a, &b] {
        let email = &em[id];
        assert!(!text.contains(email.as_str()), "raw email leaked:\n{text}");
        let local = email.split('@').next().unwrap();
        assert!(
            !text.contains(&format!("{local}@")),
            "email local part leaked:\n{text}"
        );
    }
    assert!(text.contains("***@"), "masked email shown:\n{text}");
    assert!(text.contains("masked"), "{text}");

    let shown = explain_text(&a, &b, &["--show-pii"]);
    assert!(
        shown.contains(em[&a].as_str()),
        "--show-pii reveals the email:\n{shown}"
    );
    let j = explain_json(&a, &b, &["--show-pii"]);
    assert_eq!(j["values_masked"], false);
}

#[test]
fn explain_rejected_and_never_compared_pairs() {
    let dir = demo_out();
    let cw = crosswalk(dir);
    // A scored pair below the threshold: blocked, compared, rejected.
    let mut rejected = None;
    for b in read(dir, "pairs.parquet") {
        let (l, r) = (strings(&b, "record_id_l"), strings(&b, "record_id_r"));
        let p = b
            .column_by_name("match_probability")
            .unwrap()
            .as_any()
            .downcast_ref::<Float64Array>()
            .unwrap();
        if let Some(i) = (0..b.num_rows()).find(|&i| p.value(i) < 0.5) {
            rejected = Some((l.value(i).to_owned(), r.value(i).to_owned()));
            break;
        }
    }
    let (a, b) = rejected.expect("the demo has scored pairs below the threshold");
    let j = explain_json(&a, &b, &[]);
    assert_eq!(j["decision"], "no match", "{j:#}");
    assert_weights_add_up(&j);
    assert!(
        !j["blocking_rules"].as_array().unwrap().is_empty(),
        "a scored pair was produced by a blocking rule: {j:#}"
    );
    let text = explain_text(&a, &b, &[]);
    assert!(text.contains("no match"), "{text}");
    assert!(text.contains("produced by blocking rule `"), "{text}");

    // Two records of different golden records that share no blocking key:
    // the first and the last record of the crosswalk, in different clusters.
    let ids: Vec<&String> = cw.keys().collect();
    let a = ids[0];
    let b = ids
        .iter()
        .rev()
        .find(|r| cw[**r] != cw[a])
        .expect("several golden records");
    let j = explain_json(a, b, &[]);
    assert_eq!(j["decision"], "no match", "{j:#}");
    assert_weights_add_up(&j);
    let text = explain_text(a, b, &[]);
    assert!(
        text.contains("no blocking rule produces this pair")
            || text.contains("produced by blocking rule"),
        "{text}"
    );
    if j["blocking_rules"].as_array().unwrap().is_empty() {
        assert!(text.contains("no blocking rule"), "{text}");
    }
}

#[test]
fn explain_unknown_record_fails_with_exit_1() {
    let out = demo_out().to_str().unwrap();
    let (a, _) = merged_pair();
    let o = cim(&["explain", out, &a, "crm:does-not-exist"]);
    assert_code(&o, 1);
    assert!(
        stderr(&o).contains("no record `crm:does-not-exist`"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn every_run_writes_a_masked_report() {
    let dir = demo_out();
    let html = std::fs::read_to_string(dir.join("report.html")).expect("report.html written");
    for (_, heading) in cim_audit::REPORT_SECTIONS {
        assert!(html.contains(heading), "section `{heading}` missing");
    }
    assert!(
        html.contains("Customer values are masked"),
        "masked-mode statement"
    );
    assert!(!html.contains("<script"), "no scripts");
    // Borderline pairs were sampled and explained.
    assert!(html.contains("class=\"pair\""), "borderline waterfalls");
    let emails = emails(dir);
    assert!(emails.len() > 100);
    for e in emails.values() {
        assert!(!html.contains(e.as_str()), "raw email in report.html");
    }
    // The report is listed among run.json's outputs.
    let run: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("run.json")).unwrap()).unwrap();
    assert!(
        run["outputs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o.to_string().contains("report.html")),
        "{}",
        run["outputs"]
    );
    assert!(run["dedupe_options"]["match_threshold"].as_f64().is_some());
}
