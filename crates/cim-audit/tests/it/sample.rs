//! A realistic report input shared by the report and browser tests.

use cim_audit::{Waterfall, WaterfallRow, prior_weight};
use serde_json::{Value, json};

pub fn run_json() -> Value {
    json!({
        "cim_version": "0.1.0",
        "run_id": "2025-06-30-7f3a9c21d4e8b610",
        "as_of": "2025-06-30",
        "config_path": "/etc/cim/customers.toml",
        "config_hash": "7f3a9c21d4e8b610",
        "threads": 2,
        "rows": {
            "read": 120_500, "accepted": 119_870, "quarantined": 630,
            "quarantined_by_reason": {"wrong_field_count": 410, "invalid_encoding": 150, "duplicate_key": 70},
            "conservation_holds": true
        },
        "sources": [
            {"name": "crm", "read": 80_000, "accepted": 79_600, "quarantined": 400,
             "quarantined_by_reason": {"wrong_field_count": 330, "duplicate_key": 70}, "duplicate_keys": 70,
             "field_quality": {"email": {"valid": 70_000, "invalid": 1_600, "missing": 8_000, "reasons": {"bad_domain": 1_600}}}},
            {"name": "<script>alert('src')</script>", "read": 40_500, "accepted": 40_270, "quarantined": 230,
             "quarantined_by_reason": {"wrong_field_count": 80, "invalid_encoding": 150}, "duplicate_keys": 0}
        ],
        "field_quality": {
            "given_name": {"valid": 118_000, "invalid": 200, "missing": 1_670, "reasons": {"digits_in_name": 200}},
            "family_name": {"valid": 119_500, "invalid": 0, "missing": 370, "reasons": {}},
            "email": {"valid": 96_000, "invalid": 2_870, "missing": 21_000, "reasons": {"bad_domain": 2_100, "no_at_sign": 770}},
            "phone": {"valid": 90_100, "invalid": 9_770, "missing": 20_000, "reasons": {"too_short": 9_770}},
            "date_of_birth": {"valid": 110_000, "invalid": 870, "missing": 9_000, "reasons": {"impossible_date": 870}},
            "postcode": {"valid": 117_000, "invalid": 870, "missing": 2_000, "reasons": {"bad_format": 870}},
            "loyalty_tier": {"valid": 50_000, "invalid": 0, "missing": 69_870, "reasons": {}}
        },
        "dedupe": {
            "candidate_pairs": 2_450_000,
            "pairs_scored": 2_310_000,
            "pairs_above_threshold": 31_200,
            "clusters": 98_400,
            "em": {"iterations": 14, "converged": true},
            "blocking": {"rules": [
                {"rule": ["family_phonetic", "birth_year"], "candidate_pairs": 1_200_000,
                 "largest": [{"size": 410, "pairs": 83_845, "key_hash": "9a1c03ff"}, {"size": 220, "pairs": 24_090, "key_hash": "03bd7e12"}],
                 "skipped": []},
                {"rule": ["email"], "candidate_pairs": 350_000, "largest": [{"size": 12, "pairs": 66, "key_hash": "77aa0c31"}], "skipped": []},
                {"rule": ["phone"], "candidate_pairs": 420_000, "largest": [], "skipped": [{"size": 9_000, "pairs": 40_495_500, "key_hash": "00000000"}]},
                {"rule": ["postcode", "given_initial"], "candidate_pairs": 480_000, "largest": [], "skipped": []}
            ]}
        },
        "merge": {"golden_records": 98_400, "new_golden_ids": 1_210, "retired_golden_ids": 35},
        "outputs": [],
        "timings_ms": {"ingest": 1_840, "normalize": 2_950, "dedupe": 6_120, "merge": 880, "write": 610, "total": 12_400}
    })
}

pub fn model_json() -> Value {
    let level = |name: &str, m: f64, u: f64| json!({"name": name, "m": m, "u": u, "weight": (m / u).log2()});
    json!({
        "prior": 0.000_012,
        "em_iterations": 14,
        "converged": true,
        "comparisons": [
            {"name": "given_name", "levels": [
                {"name": "null", "m": null, "u": null, "is_null": true},
                level("exact", 0.86, 0.004), level("canonical", 0.05, 0.001), level("jaro_winkler_0.92", 0.04, 0.01), level("else", 0.05, 0.985)]},
            {"name": "family_name", "levels": [
                level("exact", 0.90, 0.001), level("jaro_winkler_0.92", 0.05, 0.004), level("else", 0.05, 0.995)]},
            {"name": "dob", "levels": [
                level("exact", 0.88, 0.0003), level("day_month_swapped", 0.03, 0.00002), level("same_year", 0.04, 0.012), level("else", 0.05, 0.9877)]},
            {"name": "email", "levels": [level("exact", 0.70, 0.00001), level("else", 0.30, 0.99999)]},
            {"name": "location", "levels": [level("exact_both", 0.75, 0.002), level("fuzzy", 0.10, 0.01), level("else", 0.15, 0.988)]}
        ]
    })
}

/// Probabilities shaped like a real run: mostly near zero, a bump of
/// matches near one, a few in between.
pub fn probabilities() -> Vec<f32> {
    let mut v = Vec::new();
    for i in 0..20_000u32 {
        let x = (i % 997) as f32 / 997.0;
        v.push(x * x * x * x * 0.2);
    }
    for i in 0..1_500u32 {
        v.push(0.2 + 0.6 * (i % 101) as f32 / 100.0);
    }
    for i in 0..3_000u32 {
        v.push(1.0 - 0.15 * ((i % 89) as f32 / 89.0).powi(3));
    }
    v
}

pub fn cluster_sizes() -> Vec<u32> {
    let mut v = vec![1u32; 9_000];
    v.extend(std::iter::repeat_n(2, 1_400));
    v.extend(std::iter::repeat_n(3, 300));
    v.extend([4, 4, 4, 5, 5, 7, 9, 12, 25, 140]);
    v
}

pub fn borderline(show_pii: bool) -> Vec<Waterfall> {
    let v = |clear: &str, masked: &str| Some(if show_pii { clear } else { masked }.to_owned());
    let row = |c: &str, level: &str, m: f64, u: f64, vl, vr| WaterfallRow {
        comparison: c.into(),
        level: level.into(),
        value_l: vl,
        value_r: vr,
        m: Some(m),
        u: Some(u),
        weight: (m / u).log2(),
    };
    vec![
        Waterfall {
            record_id_l: "crm:100234".into(),
            record_id_r: "web:A-77812".into(),
            prior_weight: prior_weight(0.000_012),
            rows: vec![
                row(
                    "given_name",
                    "jaro_winkler_0.92",
                    0.04,
                    0.01,
                    v("Jon", "J**"),
                    v("John", "J***"),
                ),
                row(
                    "family_name",
                    "exact",
                    0.90,
                    0.001,
                    v("Smith", "S****"),
                    v("Smith", "S****"),
                ),
                row(
                    "dob",
                    "exact",
                    0.88,
                    0.0003,
                    v("1980-02-01", "19**-**-**"),
                    v("1980-02-01", "19**-**-**"),
                ),
                row(
                    "email",
                    "else",
                    0.30,
                    0.99999,
                    v("jon@x.org", "j**@x.org"),
                    v("<script>alert(1)</script>", "<script>alert(1)</script>"),
                ),
                WaterfallRow {
                    comparison: "location".into(),
                    level: "null".into(),
                    value_l: None,
                    value_r: v("London", "L*****"),
                    m: None,
                    u: None,
                    weight: 0.0,
                },
            ],
            threshold: 0.9,
        },
        Waterfall {
            record_id_l: "crm:5521".into(),
            record_id_r: "crm:5522".into(),
            prior_weight: prior_weight(0.000_012),
            rows: vec![
                row(
                    "given_name",
                    "exact",
                    0.86,
                    0.004,
                    v("Maria", "M****"),
                    v("Maria", "M****"),
                ),
                row(
                    "family_name",
                    "exact",
                    0.90,
                    0.001,
                    v("Garcia", "G*****"),
                    v("Garcia", "G*****"),
                ),
                row(
                    "dob",
                    "else",
                    0.05,
                    0.9877,
                    v("1975-03-09", "19**-**-**"),
                    v("1957-11-21", "19**-**-**"),
                ),
                row(
                    "location",
                    "fuzzy",
                    0.10,
                    0.01,
                    v("Madrid", "M*****"),
                    v("Madird", "M*****"),
                ),
            ],
            threshold: 0.9,
        },
    ]
}
