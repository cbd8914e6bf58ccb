//! Plain-text renderers for terminals: the evaluation and a waterfall.

use std::fmt::Write;

use crate::eval::{ErrorPair, Evaluation};
use crate::fmt::{Align, NA, TextTable, float, int, opt4, prob, weight};
use crate::waterfall::Waterfall;

/// The evaluation as aligned plain-text tables, for `cim evaluate`.
pub fn render_evaluation_text(ev: &Evaluation) -> String {
    let mut out = String::new();
    let c = &ev.coverage;
    let _ = writeln!(
        out,
        "Evaluation against ground truth ({})",
        ev.truth_format.header()
    );
    out.push('\n');
    let mut t = TextTable::new(&[("coverage", Align::Left), ("records", Align::Right)]);
    t.row(vec!["in truth".into(), int(c.truth_records)]);
    t.row(vec!["in crosswalk".into(), int(c.crosswalk_records)]);
    t.row(vec!["evaluated (in both)".into(), int(c.evaluated_records)]);
    t.row(vec![
        "truth only, excluded (e.g. quarantined)".into(),
        int(c.truth_only_records),
    ]);
    t.row(vec![
        "crosswalk only, excluded".into(),
        int(c.crosswalk_only_records),
    ]);
    if c.conflicting_crosswalk_rows > 0 {
        t.row(vec![
            "conflicting crosswalk rows, ignored".into(),
            int(c.conflicting_crosswalk_rows),
        ]);
    }
    if c.pairs_supplied {
        t.row(vec!["scored pairs given".into(), int(c.pairs_given)]);
        t.row(vec![
            "scored pairs evaluated".into(),
            int(c.pairs_evaluated),
        ]);
        t.row(vec!["scored pairs skipped".into(), int(c.pairs_skipped)]);
    }
    out.push_str(&t.render(2));
    out.push('\n');

    let p = &ev.pairwise;
    let k = &ev.clusters;
    let mut t = TextTable::new(&[
        ("metric", Align::Left),
        ("pairwise", Align::Right),
        ("B-cubed", Align::Right),
    ]);
    t.row(vec![
        "precision".into(),
        opt4(p.precision),
        opt4(k.bcubed_precision),
    ]);
    t.row(vec!["recall".into(), opt4(p.recall), opt4(k.bcubed_recall)]);
    t.row(vec!["F1".into(), opt4(p.f1), opt4(k.bcubed_f1)]);
    out.push_str(&t.render(2));
    out.push('\n');

    let mut t = TextTable::new(&[
        ("confusion (pairs)", Align::Left),
        ("all", Align::Right),
        ("scored", Align::Right),
    ]);
    let s = ev.scored_pairs.as_ref();
    let sc = |f: fn(&crate::eval::ScoredPairCounts) -> u64| {
        s.map_or_else(|| NA.to_owned(), |s| int(f(s)))
    };
    t.row(vec![
        "true positives".into(),
        int(p.true_positives),
        sc(|s| s.true_positives),
    ]);
    t.row(vec![
        "false positives".into(),
        int(p.false_positives),
        sc(|s| s.false_positives),
    ]);
    t.row(vec![
        "false negatives".into(),
        int(p.false_negatives),
        sc(|s| s.false_negatives),
    ]);
    t.row(vec![
        "true negatives".into(),
        NA.into(),
        sc(|s| s.true_negatives),
    ]);
    t.row(vec![
        "predicted pairs".into(),
        int(p.predicted_pairs),
        String::new(),
    ]);
    t.row(vec!["true pairs".into(), int(p.true_pairs), String::new()]);
    if let Some(s) = s {
        t.row(vec![
            "false negatives never compared".into(),
            int(s.false_negatives_never_compared),
            String::new(),
        ]);
    }
    out.push_str(&t.render(2));
    out.push('\n');

    let mut t = TextTable::new(&[("clusters", Align::Left), ("count", Align::Right)]);
    t.row(vec!["predicted clusters".into(), int(k.predicted_clusters)]);
    t.row(vec!["true entities".into(), int(k.true_entities)]);
    t.row(vec!["exactly right clusters".into(), int(k.exact_clusters)]);
    t.row(vec![
        "over-merged clusters (>1 entity)".into(),
        int(k.over_merged_clusters),
    ]);
    t.row(vec![
        "under-merged entities (>1 cluster)".into(),
        int(k.under_merged_entities),
    ]);
    out.push_str(&t.render(2));

    let unscored = if c.pairs_supplied {
        "never compared"
    } else {
        "not scored"
    };
    for (title, list, none_label) in [
        (
            "Worst false positives (different entities placed together)",
            &ev.worst_false_positives,
            "not scored",
        ),
        (
            "Worst false negatives (same entity placed apart)",
            &ev.worst_false_negatives,
            unscored,
        ),
    ] {
        out.push('\n');
        let _ = writeln!(out, "{title}");
        if list.is_empty() {
            out.push_str("  none\n");
        } else {
            out.push_str(&error_table(list, none_label).render(2));
        }
    }

    if !ev.sweep.is_empty() {
        out.push('\n');
        out.push_str(
            "Threshold sweep (connected components over the scored pairs; approximates the run's clustering)\n",
        );
        let mut t = TextTable::new(&[
            ("threshold", Align::Right),
            ("precision", Align::Right),
            ("recall", Align::Right),
            ("F1", Align::Right),
            ("B-cubed F1", Align::Right),
            ("TP", Align::Right),
            ("FP", Align::Right),
            ("FN", Align::Right),
            ("clusters", Align::Right),
        ]);
        for s in &ev.sweep {
            t.row(vec![
                float(s.threshold, 2),
                opt4(s.precision),
                opt4(s.recall),
                opt4(s.f1),
                opt4(s.bcubed_f1),
                int(s.true_positives),
                int(s.false_positives),
                int(s.false_negatives),
                int(s.clusters),
            ]);
        }
        out.push_str(&t.render(2));
    }
    out
}

fn error_table(list: &[ErrorPair], none_label: &str) -> TextTable {
    let mut t = TextTable::new(&[
        ("record l", Align::Left),
        ("record r", Align::Left),
        ("entity l", Align::Left),
        ("entity r", Align::Left),
        ("golden l", Align::Left),
        ("golden r", Align::Left),
        ("probability", Align::Right),
    ]);
    for e in list {
        t.row(vec![
            e.record_id_l.clone(),
            e.record_id_r.clone(),
            e.entity_l.clone(),
            e.entity_r.clone(),
            e.golden_id_l.clone(),
            e.golden_id_r.clone(),
            e.match_probability
                .map_or_else(|| none_label.to_owned(), prob),
        ]);
    }
    t
}

/// The waterfall as an aligned table, for `cim explain`: one row for the
/// prior and one per comparison with values, level, m, u, weight and the
/// running total, then the final probability and the decision.
pub fn render_waterfall_text(w: &Waterfall) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Pair {} <-> {}", w.record_id_l, w.record_id_r);
    out.push('\n');
    let mut t = TextTable::new(&[
        ("comparison", Align::Left),
        ("left", Align::Left),
        ("right", Align::Left),
        ("level", Align::Left),
        ("m", Align::Right),
        ("u", Align::Right),
        ("weight", Align::Right),
        ("total", Align::Right),
    ]);
    let mut total = w.prior_weight;
    t.row(vec![
        "prior".into(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        weight(w.prior_weight),
        weight(total),
    ]);
    let opt_prob = |x: Option<f64>| x.map_or_else(String::new, prob);
    let value = |v: &Option<String>| v.clone().unwrap_or_else(|| "(null)".to_owned());
    for r in &w.rows {
        total += r.weight;
        t.row(vec![
            r.comparison.clone(),
            value(&r.value_l),
            value(&r.value_r),
            r.level.clone(),
            opt_prob(r.m),
            opt_prob(r.u),
            weight(r.weight),
            weight(total),
        ]);
    }
    out.push_str(&t.render(2));
    out.push('\n');
    let p = w.match_probability();
    let _ = writeln!(out, "  match weight        {}", weight(w.total_weight()));
    let _ = writeln!(out, "  match probability   {}", float(p, 4));
    let _ = writeln!(
        out,
        "  decision            {} (threshold {})",
        if w.is_match() { "match" } else { "no match" },
        float(w.threshold, 2)
    );
    if w.rows
        .iter()
        .any(|r| r.comparison == crate::waterfall::CONFLICT_GUARD_ROW)
    {
        let _ = writeln!(
            out,
            "  guard               person conflict: given names differ and no shared email or national id -> weight capped at 0 (`dedupe.person_conflict_guard`)"
        );
    }
    out
}
