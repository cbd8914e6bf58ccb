//! The HTML report: sections, escaping, self-containment, leniency.

use cim_audit::{REPORT_SECTIONS, ReportInput, Waterfall, render_report};
use serde_json::{Value, json};

use crate::sample;

fn render(
    summary: &Value,
    model: &Value,
    p: &[f32],
    sizes: &[u32],
    b: &[Waterfall],
    pii: bool,
) -> String {
    render_report(&ReportInput {
        summary,
        model,
        probabilities: p,
        cluster_sizes: sizes,
        borderline: b,
        show_pii: pii,
        threshold: 0.9,
    })
}

fn full(pii: bool) -> String {
    render(
        &sample::run_json(),
        &sample::model_json(),
        &sample::probabilities(),
        &sample::cluster_sizes(),
        &sample::borderline(pii),
        pii,
    )
}

/// Checks that hold for every report, whatever the input.
pub fn assert_well_formed(html: &str) {
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.trim_end().ends_with("</html>"));
    for (id, title) in REPORT_SECTIONS {
        assert!(
            html.contains(&format!("<section id=\"{id}\">\n<h2>{title}</h2>")),
            "missing section {title}"
        );
        assert!(
            html.contains(&format!("href=\"#{id}\"")),
            "missing link to {id}"
        );
    }
    let lower = html.to_ascii_lowercase();
    // Self-contained: no scripts, no network, nothing external.
    for bad in [
        "<script",
        "http://",
        "https://",
        "src=",
        "<link",
        "@import",
        "url(",
        "<iframe",
        "javascript:",
    ] {
        assert!(!lower.contains(bad), "report contains {bad}");
    }
    assert_eq!(
        html.matches("<section").count(),
        html.matches("</section>").count()
    );
    assert_eq!(html.matches("<svg").count(), html.matches("</svg>").count());
    assert!(!html.contains("NaN") && !html.contains(">inf<"));
}

#[test]
fn full_report_has_every_section_and_the_figures() {
    let html = full(false);
    assert_well_formed(&html);
    assert!(html.matches("<svg").count() >= 8, "expected inline charts");
    for needle in [
        "2025-06-30-7f3a9c21d4e8b610",
        "120,500 rows read = 119,870 accepted + 630 quarantined",
        "&#10003; balanced",
        "wrong_field_count",
        "family_phonetic &amp; birth_year",
        "1,200,000",
        "9a1c03ff",
        "golden_records",
        "em.iterations",
        "6.12 s",
        "12.40 s",
        "loyalty_tier",
        "too_short",
        "+9.81",    // family_name exact: log2(0.90 / 0.001)
        "0 (null)", // the null level carries no weight
        "1.20e-5",  // the prior
        "threshold 0.90",
        "size 101–1,000", // the cluster of 140
        "Mode: masked",
        "S****",
        "(null)",
    ] {
        assert!(html.contains(needle), "missing {needle}");
    }
    // Data-quality rows follow the canonical field order.
    let pos = |s: &str| {
        html.find(&format!("<td>{s}</td>"))
            .unwrap_or_else(|| panic!("{s}"))
    };
    assert!(pos("given_name") < pos("family_name") && pos("family_name") < pos("email"));
    assert!(pos("postcode") < pos("loyalty_tier"));
    // Per-source quality appears for the source that has it.
    assert!(html.contains("<h3>Source crm</h3>"));
    // Masked mode shows no clear values.
    assert!(!html.contains("Smith") && !html.contains("Mode: PII shown"));
}

/// `skipped_blocks` lists only the largest skipped blocks: the count
/// shown is `skipped_block_count` when the run gives it.
#[test]
fn skipped_blocks_are_counted_not_just_listed() {
    let block = json!({"size": 60, "pairs": 1770, "key_hash": "0badf00d"});
    let summary = json!({"dedupe": {"rules": [
        {"rule": "family_phonetic & birth_year", "candidate_pairs": 10,
         "skipped_blocks": [block, block], "skipped_block_count": 1234},
        {"rule": "dob", "candidate_pairs": 10, "skipped_blocks": [block, block, block]}
    ]}});
    let html = render(&summary, &json!({}), &[], &[], &[], false);
    assert_well_formed(&html);
    assert!(html.contains("<td class=\"n\">1,234</td></tr>"), "{html}");
    assert!(html.contains("<td class=\"n\">3</td></tr>"), "{html}");
}

#[test]
fn escapes_data_everywhere() {
    let html = full(true);
    assert_well_formed(&html);
    // Source name and a customer value carry <script>: both escaped.
    assert!(html.contains("&lt;script&gt;alert(&#39;src&#39;)&lt;/script&gt;"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    // The same through the title, rule labels and model names.
    let evil = "\"><script>x</script>";
    let summary = json!({"run_id": evil, "dedupe": {"blocking": {"rules": [{"rule": evil, "candidate_pairs": 1}]}},
        "field_quality": {evil: {"valid": 1}}, "timings_ms": {evil: 5}});
    let model =
        json!({"comparisons": [{"name": evil, "levels": [{"name": evil, "m": 0.9, "u": 0.1}]}]});
    let html = render(&summary, &model, &[], &[], &[], false);
    assert_well_formed(&html);
    assert!(html.contains("&quot;&gt;&lt;script&gt;x&lt;/script&gt;"));
}

#[test]
fn states_its_mode() {
    let masked = full(false);
    let pii = full(true);
    assert!(masked.contains("Mode: masked") && !masked.contains("Mode: PII shown"));
    assert!(pii.contains("Mode: PII shown") && pii.contains("Smith"));
}

#[test]
fn lenient_on_empty_and_odd_json() {
    let odd_summary = json!({
        "rows": "lots", "sources": 5, "field_quality": [1, 2], "timings_ms": {"ingest": "12", "total": -3},
        "dedupe": {"blocking": {"rules": [7, null, {"keys": ["email"], "pairs": "12"}]}}, "merge": null,
        "threads": 2.0
    });
    let odd_model = json!({"prior": {"lambda": "0.001"}, "comparisons": [{"levels": "x"}, {"name": "e", "levels": [{}]}]});
    let cases: [(Value, Value); 4] = [
        (Value::Null, Value::Null),
        (json!({}), json!({})),
        (json!([1, 2, 3]), json!("model")),
        (odd_summary, odd_model),
    ];
    for (s, m) in &cases {
        for sizes in [&[][..], &[1u32, 2, 0][..]] {
            let html = render(s, m, &[f32::NAN, 0.5, 2.0, -1.0], sizes, &[], false);
            assert_well_formed(&html);
            assert!(html.contains("n/a"));
        }
    }
    let html = render(&cases[3].0, &cases[3].1, &[], &[], &[], false);
    assert!(
        html.contains("<code>email</code>") && html.contains(">12<"),
        "rule with keys/pairs aliases"
    );
    assert!(
        html.contains("1.00e-3") || html.contains("0.0010"),
        "prior from prior.lambda"
    );
    assert!(html.contains("cannot be checked"));
}

#[test]
fn unbalanced_rows_are_flagged_and_output_is_deterministic() {
    let mut s = sample::run_json();
    s["rows"]["accepted"] = json!(100);
    let html = render(&s, &Value::Null, &[], &[], &[], false);
    assert!(html.contains("does not balance"));
    assert_eq!(full(false), full(false));
}
