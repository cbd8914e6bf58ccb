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

#[test]
fn the_person_conflict_guard_is_its_own_line() {
    let row = |comparison: &str, level: &str, m: Option<f64>, weight: f64| WaterfallRow {
        comparison: comparison.into(),
        level: level.into(),
        value_l: m.map(|_| "S***".to_owned()),
        value_r: m.map(|_| "S***".to_owned()),
        m,
        u: m.map(|_| 0.01),
        weight,
    };
    let mut w = Waterfall {
        record_id_l: "crm:1".into(),
        record_id_r: "web:2".into(),
        prior_weight: -7.5,
        rows: vec![
            row("given_name", "else", Some(0.1), -3.0),
            row("phone", "exact", Some(0.9), 7.6),
            row("address", "exact", Some(0.6), 7.4),
        ],
        threshold: 0.8,
    };
    let plain = render_waterfall_text(&w);
    assert!(!plain.contains("guard"), "{plain}");
    w.rows.push(row(
        cim_audit::CONFLICT_GUARD_ROW,
        "capped at 0",
        None,
        -4.5,
    ));
    let text = render_waterfall_text(&w);
    let guard_rows: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("person conflict guard"))
        .collect();
    assert_eq!(guard_rows.len(), 1, "{text}");
    assert!(guard_rows[0].contains("capped at 0") && guard_rows[0].contains("-4.50"));
    assert!(!text.contains("term frequency"), "{text}");
    assert!(
        text.contains(
            "given names differ and no shared email or national id -> weight capped at 0"
        ),
        "{text}"
    );
    assert_eq!(w.total_weight(), 0.0);
    assert!(text.contains("no match"), "{text}");
}
