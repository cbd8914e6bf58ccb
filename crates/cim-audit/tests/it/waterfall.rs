//! Waterfall arithmetic and its text rendering.

use cim_audit::{
    Waterfall, WaterfallRow, prior_weight, probability_from_weight, render_waterfall_text,
};

use crate::sample;

#[test]
fn weights_add_up_to_the_probability() {
    assert!((prior_weight(0.5)).abs() < 1e-12);
    assert!((prior_weight(0.2) + 2.0).abs() < 1e-12); // 0.2/0.8 = 1/4
    assert!((probability_from_weight(0.0) - 0.5).abs() < 1e-12);
    assert!((probability_from_weight(3.0) - 8.0 / 9.0).abs() < 1e-12);
    assert!((probability_from_weight(-3.0) - 1.0 / 9.0).abs() < 1e-12);
    assert_eq!(probability_from_weight(5000.0), 1.0);
    assert_eq!(probability_from_weight(-5000.0), 0.0);

    let w = Waterfall {
        record_id_l: "a:1".into(),
        record_id_r: "b:2".into(),
        prior_weight: -2.0,
        rows: vec![
            WaterfallRow {
                comparison: "x".into(),
                level: "exact".into(),
                value_l: None,
                value_r: None,
                m: Some(0.8),
                u: Some(0.1),
                weight: 3.0,
            },
            WaterfallRow {
                comparison: "y".into(),
                level: "else".into(),
                value_l: None,
                value_r: None,
                m: Some(0.1),
                u: Some(0.2),
                weight: -1.0,
            },
        ],
        threshold: 0.5,
    };
    assert_eq!(w.total_weight(), 0.0);
    assert_eq!(w.match_probability(), 0.5);
    assert!(w.is_match(), "at the threshold counts as a match");
}

#[test]
fn text_is_aligned_with_running_totals_and_decision() {
    let w = &sample::borderline(true)[0];
    let text = render_waterfall_text(w);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "Pair crm:100234 <-> web:A-77812");
    let header = lines
        .iter()
        .position(|l| l.trim_start().starts_with("comparison"))
        .unwrap();
    // The weight and total columns end at the same offset on every row.
    let ends: Vec<usize> = lines[header + 2..header + 2 + 1 + w.rows.len()]
        .iter()
        .map(|l| l.len())
        .collect();
    assert!(ends.iter().all(|&e| e == ends[0]), "{text}");
    // prior -16.35, then +2.00 (jw), +9.81, +11.52, -1.74, +0.00 = +5.25.
    assert!(
        lines[header + 2].starts_with("  prior") && lines[header + 2].ends_with("-16.35  -16.35"),
        "{text}"
    );
    assert!(lines[header + 3].ends_with("+2.00  -14.35"), "{text}");
    assert!(text.contains("(null)"));
    assert!(text.contains("match weight        +5.25"), "{text}");
    assert!(text.contains("match probability   0.9744"), "{text}");
    assert!(
        text.contains("decision            match (threshold 0.90)"),
        "{text}"
    );
    let second = render_waterfall_text(&sample::borderline(false)[1]);
    assert!(second.contains("no match"), "{second}");
    assert!(!second.contains("Maria") && second.contains("M****"));
}
