//! The self-contained HTML run report (`report.html`).
//!
//! One file, no scripts, no external resources (styles are inline, charts
//! are inline SVG), so it opens from a file share or an e-mail attachment
//! and prints cleanly. Every string that comes from data is HTML-escaped.
//!
//! # Keys read
//!
//! Stage report shapes are still evolving, so both JSON documents are read
//! leniently: a missing key or an unexpected type renders as `n/a` (or the
//! part is left out), never a panic. Alternatives are separated by `|`.
//!
//! `run.json` ([`ReportInput::summary`]):
//! * `run_id`, `as_of`, `cim_version`, `config_path`, `config_hash`, `threads`
//! * `rows.{read, accepted, quarantined, quarantined_by_reason{code: n}}`
//! * `sources[].{name, read, accepted, quarantined, quarantined_by_reason,
//!   duplicate_keys}` and optionally `sources[].field_quality` (same shape
//!   as the top-level one, shown per source)
//! * `field_quality{field: {valid, invalid, missing, reasons{code: n}}}`
//! * blocking rules: the first array of `dedupe.blocking.rules` |
//!   `dedupe.blocking_rules` | `dedupe.blocking` | `dedupe.rules`; per rule
//!   a label `rule | name | keys | description` (text or list), a count
//!   `candidate_pairs | pairs`, blocks `largest | largest_blocks`
//!   `[{size, pairs, key_hash}]` and `skipped_block_count | skipped |
//!   skipped_blocks` (list or count); `dedupe.candidate_pairs |
//!   dedupe.candidate_pairs_counted` for the total
//! * every other scalar of `dedupe` and `merge` (one nesting level, dotted
//!   keys) in a figures table; `merge.golden_records` as a headline figure
//! * `timings_ms{stage: ms}` (`ingest, normalize, dedupe, merge, write`
//!   first, then any other, `total` last)
//!
//! `model.json` ([`ReportInput::model`]):
//! * prior: `prior | lambda | probability_two_random_records_match`, or
//!   `prior.{lambda | probability}` when `prior` is an object;
//!   `prior_weight | prior_match_weight` if given, else log2(λ / (1 - λ))
//! * `comparisons | model.comparisons`, each with `name | spec.name |
//!   comparison | output_column_name` and `levels | comparison_levels`, each level with
//!   `name | label | level`, `m | m_probability`, `u | u_probability`,
//!   `weight | match_weight | log2_bayes_factor` (else from `bayes_factor`,
//!   else log2(m / u)); a level named `null` or with `is_null: true` is
//!   shown as carrying no weight
//! * every other top-level scalar in a figures table.

mod json;
mod svg;

use std::fmt::Write;

use cim_schema::CanonicalField;
use serde_json::Value;

use crate::fmt::{NA, float, int, pct, prob, weight};
use crate::waterfall::{Waterfall, prior_weight};
use json::{any, array, at, counts, num, scalars, text, uint};
use svg::{Bar, Bin, bar_chart, histogram, stacked_bar, waterfall_chart};

/// The report's sections, in order: `(anchor id, heading)`.
pub const REPORT_SECTIONS: [(&str, &str); 9] = [
    ("summary", "Run summary"),
    ("conservation", "Row conservation and quarantine"),
    ("timings", "Stage timings"),
    ("quality", "Data quality by field"),
    ("blocking", "Blocking"),
    ("model", "Match model"),
    ("probabilities", "Match probabilities"),
    ("clusters", "Cluster sizes"),
    ("borderline", "Borderline pairs"),
];

/// Everything the report shows. The pipeline fills it after a run (or
/// `cim report` from an output directory).
#[derive(Debug, Clone, Copy)]
pub struct ReportInput<'a> {
    /// `run.json` (see the module docs for the keys read).
    pub summary: &'a Value,
    /// `model.json` (see the module docs for the keys read).
    pub model: &'a Value,
    /// Match probability of every scored pair (for the histogram).
    pub probabilities: &'a [f32],
    /// Member count of every cluster, singletons included.
    pub cluster_sizes: &'a [u32],
    /// Sampled pairs near the threshold with their waterfalls, values
    /// already masked unless `show_pii` (see [`borderline_sample`]).
    pub borderline: &'a [Waterfall],
    /// Whether values are shown unmasked; the report states its mode.
    pub show_pii: bool,
    /// The run's match threshold (probability).
    pub threshold: f64,
}

/// HTML-escapes text for element content and quoted attribute values.
pub fn escape_html(s: &str) -> String {
    esc(s)
}

pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Indices of up to `n` probabilities closest to `threshold`, half at or
/// above it and half below (one side fills up when the other runs short),
/// ordered by probability then index. Deterministic; NaNs are ignored.
pub fn borderline_sample(probabilities: &[f32], threshold: f64, n: usize) -> Vec<usize> {
    use std::collections::BinaryHeap;
    // Bounded max-heaps keyed by (distance, index) keep the n closest per
    // side in O(pairs log n) without copying the pairs. Non-negative f64
    // bit patterns order like the numbers.
    let mut above: BinaryHeap<(u64, usize)> = BinaryHeap::with_capacity(n + 1);
    let mut below: BinaryHeap<(u64, usize)> = BinaryHeap::with_capacity(n + 1);
    for (i, &p) in probabilities.iter().enumerate() {
        let p = f64::from(p);
        if p.is_nan() || n == 0 {
            continue;
        }
        let heap = if p >= threshold {
            &mut above
        } else {
            &mut below
        };
        heap.push(((p - threshold).abs().to_bits(), i));
        if heap.len() > n {
            heap.pop();
        }
    }
    let mut above = above.into_sorted_vec();
    let mut below = below.into_sorted_vec();
    let want_above = n.div_ceil(2).max(n.saturating_sub(below.len()));
    above.truncate(want_above);
    below.truncate(n - above.len());
    let mut out: Vec<usize> = above.into_iter().chain(below).map(|x| x.1).collect();
    out.sort_by(|&a, &b| {
        probabilities[a]
            .total_cmp(&probabilities[b])
            .then(a.cmp(&b))
    });
    out
}

/// Renders the whole report as one HTML document.
pub fn render_report(input: &ReportInput) -> String {
    let s = input.summary;
    let run_id = text(at(s, &["run_id"]), ", ").unwrap_or_else(|| NA.to_owned());
    let mut out = String::with_capacity(64 * 1024);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"cim\">\n<title>cim run report {}</title>\n<style>\n{}</style>\n</head>\n<body>\n",
        esc(&run_id),
        include_str!("style.css")
    );
    let version = text(at(s, &["cim_version"]), ", ");
    let _ = writeln!(
        out,
        "<header class=\"top\"><div class=\"wrap\"><h1>cim run report</h1>\
         <p class=\"sub\">Run <code>{}</code> &middot; as of {} &middot; cim {}</p>{}</div></header>",
        esc(&run_id),
        opt_text(text(at(s, &["as_of"]), ", ")),
        opt_text(version.clone()),
        mode_banner(input.show_pii),
    );
    out.push_str("<nav class=\"toc wrap\" aria-label=\"Sections\"><ol>");
    for (id, title) in REPORT_SECTIONS {
        let _ = write!(out, "<li><a href=\"#{id}\">{}</a></li>", esc(title));
    }
    out.push_str("</ol></nav>\n<main class=\"wrap\">\n");

    let bodies = [
        summary_section(input),
        conservation_section(s),
        timings_section(s),
        quality_section(s),
        blocking_section(s),
        model_section(input.model),
        probabilities_section(input.probabilities, input.threshold),
        clusters_section(input.cluster_sizes),
        borderline_section(input),
    ];
    for ((id, title), body) in REPORT_SECTIONS.iter().zip(bodies) {
        let _ = write!(
            out,
            "<section id=\"{id}\">\n<h2>{}</h2>\n{body}</section>\n",
            esc(title)
        );
    }
    let _ = write!(
        out,
        "</main>\n<footer class=\"wrap\">Generated by cim {} for run {}. Self-contained file: \
         no scripts, no external resources. {}</footer>\n</body>\n</html>\n",
        opt_text(version),
        esc(&run_id),
        if input.show_pii {
            "Contains unmasked personal data."
        } else {
            "Customer values are masked."
        }
    );
    out
}

fn mode_banner(show_pii: bool) -> &'static str {
    if show_pii {
        "<p class=\"mode pii\">Mode: PII shown. This report contains unmasked customer data \
         (made with --show-pii); store and share it accordingly.</p>"
    } else {
        "<p class=\"mode masked\">Mode: masked. Customer values are masked \
         (made without --show-pii).</p>"
    }
}

// ---------------------------------------------------------------- sections

fn summary_section(input: &ReportInput) -> String {
    let s = input.summary;
    let read = uint(at(s, &["rows", "read"]));
    let quarantined = uint(at(s, &["rows", "quarantined"]));
    let above = input
        .probabilities
        .iter()
        .filter(|&&p| f64::from(p) >= input.threshold)
        .count();
    let candidate = uint(any(
        s,
        &[
            &["dedupe", "candidate_pairs"],
            &["dedupe", "candidate_pairs_counted"],
        ],
    ))
    .or_else(|| {
        let rules = blocking_rules(s);
        (!rules.is_empty()).then(|| rules.iter().filter_map(|r| r.pairs).sum())
    });
    let mut out = String::from("<div class=\"tiles\">");
    let tiles: [(&str, String); 7] = [
        ("Rows read", opt_int(read)),
        ("Accepted", opt_int(uint(at(s, &["rows", "accepted"])))),
        (
            "Quarantined",
            match (quarantined, read) {
                (Some(q), Some(r)) if r > 0 => {
                    format!("{} <small class=\"na\">{}</small>", int(q), pct(q, r))
                }
                (q, _) => opt_int(q),
            },
        ),
        (
            "Golden records",
            opt_int(uint(at(s, &["merge", "golden_records"]))),
        ),
        ("Candidate pairs", opt_int(candidate)),
        ("Pairs at/above threshold", int(above as u64)),
        ("Clusters", int(input.cluster_sizes.len() as u64)),
    ];
    for (k, v) in tiles {
        let _ = write!(
            out,
            "<div class=\"tile\"><div class=\"k\">{k}</div><div class=\"v\">{v}</div></div>"
        );
    }
    out.push_str("</div>\n<table class=\"kv\"><tbody>");
    let rows: [(&str, String); 8] = [
        ("Run id", code(text(at(s, &["run_id"]), ", "))),
        ("As of", opt_text(text(at(s, &["as_of"]), ", "))),
        ("cim version", opt_text(text(at(s, &["cim_version"]), ", "))),
        ("Config file", code(text(at(s, &["config_path"]), ", "))),
        ("Config hash", code(text(at(s, &["config_hash"]), ", "))),
        ("Threads", opt_int(uint(at(s, &["threads"])))),
        ("Match threshold", float(input.threshold, 2)),
        (
            "Report mode",
            if input.show_pii {
                "PII shown".into()
            } else {
                "masked".into()
            },
        ),
    ];
    for (k, v) in rows {
        let _ = write!(out, "<tr><th>{k}</th><td>{v}</td></tr>");
    }
    out.push_str("</tbody></table>\n");
    out
}

fn conservation_section(s: &Value) -> String {
    let mut out = String::new();
    let read = uint(at(s, &["rows", "read"]));
    let acc = uint(at(s, &["rows", "accepted"]));
    let q = uint(at(s, &["rows", "quarantined"]));
    let _ = writeln!(
        out,
        "<p class=\"eq\">{} rows read = {} accepted + {} quarantined &nbsp; {}</p>",
        opt_int(read),
        opt_int(acc),
        opt_int(q),
        check(read, acc, q)
    );
    let sources = array(at(s, &["sources"]));
    if sources.is_empty() {
        out.push_str("<p class=\"na\">No per-source counts in run.json.</p>\n");
    } else {
        out.push_str(
            "<h3>Per source</h3><table><thead><tr><th>Source</th><th class=\"n\">Read</th>\
             <th class=\"n\">Accepted</th><th class=\"n\">Quarantined</th><th class=\"n\">Share</th>\
             <th class=\"n\">Duplicate keys</th><th>Quarantine reasons</th><th>Balanced</th></tr></thead><tbody>",
        );
        for src in sources {
            let (r, a, qq) = (
                uint(at(src, &["read"])),
                uint(at(src, &["accepted"])),
                uint(at(src, &["quarantined"])),
            );
            let reasons = counts(at(src, &["quarantined_by_reason"]))
                .iter()
                .map(|(k, v)| format!("{} {}", esc(k), int(*v)))
                .collect::<Vec<_>>()
                .join(", ");
            let _ = write!(
                out,
                "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
                 <td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td><td class=\"nw\">{}</td></tr>",
                opt_text(text(at(src, &["name"]), ", ")),
                opt_int(r),
                opt_int(a),
                opt_int(qq),
                match (qq, r) {
                    (Some(qq), Some(r)) => pct(qq, r),
                    _ => NA.into(),
                },
                opt_int(uint(at(src, &["duplicate_keys"]))),
                if reasons.is_empty() {
                    "&ndash;".into()
                } else {
                    reasons
                },
                check(r, a, qq),
            );
        }
        let _ = writeln!(
            out,
            "<tr class=\"sum\"><td>All sources</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{}</td><td class=\"n\">{}</td><td></td><td></td><td class=\"nw\">{}</td></tr></tbody></table>",
            opt_int(read),
            opt_int(acc),
            opt_int(q),
            match (q, read) {
                (Some(q), Some(r)) => pct(q, r),
                _ => NA.into(),
            },
            check(read, acc, q)
        );
    }
    let reasons = counts(at(s, &["rows", "quarantined_by_reason"]));
    out.push_str("<h3>Quarantine by reason</h3>");
    if reasons.is_empty() {
        out.push_str("<p class=\"na\">No quarantined rows reported.</p>\n");
    } else {
        let total: u64 = reasons.iter().map(|r| r.1).sum();
        out.push_str("<table><thead><tr><th>Reason</th><th class=\"n\">Rows</th><th class=\"n\">Share</th></tr></thead><tbody>");
        for (k, v) in &reasons {
            let _ = write!(
                out,
                "<tr><td><code>{}</code></td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                esc(k),
                int(*v),
                pct(*v, total)
            );
        }
        out.push_str("</tbody></table>\n");
        let bars: Vec<Bar> = reasons
            .iter()
            .map(|(k, v)| Bar {
                label: k.clone(),
                value: *v as f64,
                text: int(*v),
                class: "neg",
            })
            .collect();
        out.push_str(&bar_chart("Quarantined rows by reason", &bars, false));
    }
    out
}

fn timings_section(s: &Value) -> String {
    let order = ["ingest", "normalize", "dedupe", "merge", "write"];
    let mut entries: Vec<(String, u64)> = Vec::new();
    if let Some(obj) = at(s, &["timings_ms"]).and_then(Value::as_object) {
        for k in order {
            if let Some(v) = uint(obj.get(k)) {
                entries.push((k.to_owned(), v));
            }
        }
        for (k, v) in obj {
            if !order.contains(&k.as_str())
                && k != "total"
                && let Some(v) = uint(Some(v))
            {
                entries.push((k.clone(), v));
            }
        }
    }
    let total = uint(at(s, &["timings_ms", "total"]));
    if entries.is_empty() && total.is_none() {
        return "<p class=\"na\">No timings in run.json.</p>\n".into();
    }
    let denom = total.unwrap_or_else(|| entries.iter().map(|e| e.1).sum());
    let mut out = String::from(
        "<table><thead><tr><th>Stage</th><th class=\"n\">Wall time</th><th class=\"n\">Milliseconds</th>\
         <th class=\"n\">Share of total</th></tr></thead><tbody>",
    );
    for (k, v) in &entries {
        let _ = write!(
            out,
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            esc(k),
            duration(*v),
            int(*v),
            pct(*v, denom)
        );
    }
    if let Some(t) = total {
        let _ = write!(
            out,
            "<tr class=\"sum\"><td>total</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">100.0%</td></tr>",
            duration(t),
            int(t)
        );
    }
    out.push_str("</tbody></table>\n");
    let bars: Vec<Bar> = entries
        .iter()
        .map(|(k, v)| Bar {
            label: k.clone(),
            value: *v as f64,
            text: duration(*v),
            class: "bar",
        })
        .collect();
    out.push_str(&bar_chart("Wall time per stage", &bars, false));
    out
}

fn quality_section(s: &Value) -> String {
    let mut out = String::from(
        "<p class=\"legend\"><span><i style=\"background:#16a34a\"></i>valid</span>\
         <span><i style=\"background:#dc2626\"></i>invalid (kept, flagged)</span>\
         <span><i style=\"background:#cbd5e1\"></i>missing</span></p>\n",
    );
    match at(s, &["field_quality"]).and_then(Value::as_object) {
        Some(fq) if !fq.is_empty() => {
            out.push_str("<h3>All sources</h3>");
            out.push_str(&quality_table(fq));
        }
        _ => out.push_str("<p class=\"na\">No field-quality figures in run.json.</p>\n"),
    }
    for src in array(at(s, &["sources"])) {
        if let Some(fq) = at(src, &["field_quality"]).and_then(Value::as_object)
            && !fq.is_empty()
        {
            let _ = write!(
                out,
                "<h3>Source {}</h3>",
                opt_text(text(at(src, &["name"]), ", "))
            );
            out.push_str(&quality_table(fq));
        }
    }
    out
}

fn quality_table(fq: &serde_json::Map<String, Value>) -> String {
    // Canonical fields in schema order, then anything else by name.
    let mut keys: Vec<&String> = Vec::new();
    for f in CanonicalField::ALL {
        if let Some((k, _)) = fq.get_key_value(f.name()) {
            keys.push(k);
        }
    }
    for k in fq.keys() {
        if CanonicalField::from_name(k).is_none() {
            keys.push(k);
        }
    }
    let mut out = String::from(
        "<table><thead><tr><th>Field</th><th class=\"n\">Valid</th><th class=\"n\">Invalid</th>\
         <th class=\"n\">Missing</th><th class=\"n\">Valid share</th><th></th><th>Invalid reasons</th></tr></thead><tbody>",
    );
    for k in keys {
        let f = &fq[k.as_str()];
        let (v, i, m) = (
            uint(at(f, &["valid"])),
            uint(at(f, &["invalid"])),
            uint(at(f, &["missing"])),
        );
        let total = v.unwrap_or(0) + i.unwrap_or(0) + m.unwrap_or(0);
        let reasons = counts(at(f, &["reasons"]))
            .iter()
            .map(|(r, n)| format!("<code>{}</code> {}", esc(r), int(*n)))
            .collect::<Vec<_>>()
            .join(", ");
        let _ = write!(
            out,
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{}</td><td>{}</td><td>{}</td></tr>",
            esc(k),
            opt_int(v),
            opt_int(i),
            opt_int(m),
            v.map_or_else(|| NA.into(), |v| pct(v, total)),
            stacked_bar(&[
                (v.unwrap_or(0), "valid", "valid"),
                (i.unwrap_or(0), "invalid", "invalid"),
                (m.unwrap_or(0), "missing", "missing"),
            ]),
            if reasons.is_empty() {
                "&ndash;".into()
            } else {
                reasons
            },
        );
    }
    out.push_str("</tbody></table>\n");
    out
}

/// One blocking rule as read from `run.json`.
struct RuleInfo {
    label: String,
    pairs: Option<u64>,
    largest: Vec<(Option<u64>, Option<u64>, Option<String>)>,
    skipped: Option<u64>,
}

fn blocking_rules(s: &Value) -> Vec<RuleInfo> {
    let rules = [
        &["dedupe", "blocking", "rules"][..],
        &["dedupe", "blocking_rules"],
        &["dedupe", "blocking"],
        &["dedupe", "rules"],
    ]
    .iter()
    .find_map(|p| at(s, p).and_then(Value::as_array));
    let Some(rules) = rules else {
        return Vec::new();
    };
    rules
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let label = if r.is_string() || r.is_array() {
                text(Some(r), " & ")
            } else {
                any(r, &[&["rule"], &["name"], &["keys"], &["description"]])
                    .and_then(|v| text(Some(v), " & "))
            };
            let largest = array(any(r, &[&["largest"], &["largest_blocks"]]))
                .iter()
                .map(|b| {
                    (
                        uint(at(b, &["size"])),
                        uint(at(b, &["pairs"])),
                        text(at(b, &["key_hash"]), ", "),
                    )
                })
                .collect();
            // A count first: `skipped_blocks` lists only the largest.
            let skipped = any(
                r,
                &[&["skipped_block_count"], &["skipped"], &["skipped_blocks"]],
            )
            .and_then(|v| {
                v.as_array()
                    .map(|a| a.len() as u64)
                    .or_else(|| uint(Some(v)))
            });
            RuleInfo {
                label: label.unwrap_or_else(|| format!("rule {}", i + 1)),
                pairs: uint(any(r, &[&["candidate_pairs"], &["pairs"]])),
                largest,
                skipped,
            }
        })
        .collect()
}

fn blocking_section(s: &Value) -> String {
    let rules = blocking_rules(s);
    let mut out = String::new();
    if rules.is_empty() {
        out.push_str("<p class=\"na\">No blocking rules reported in run.json.</p>\n");
    } else {
        let total: u64 = rules.iter().filter_map(|r| r.pairs).sum();
        out.push_str(
            "<p class=\"note\">Candidate pairs are the pairs each rule puts in the same block \
             (before pairs found by several rules are counted once). Blocks are identified by a \
             hash of their key, never by the value.</p>\
             <table><thead><tr><th class=\"n\">#</th><th>Rule</th><th class=\"n\">Candidate pairs</th>\
             <th class=\"n\">Share</th><th>Largest blocks (records / pairs / key hash)</th>\
             <th class=\"n\">Skipped blocks</th></tr></thead><tbody>",
        );
        for (i, r) in rules.iter().enumerate() {
            let largest = r
                .largest
                .iter()
                .map(|(size, pairs, hash)| {
                    format!(
                        "{} / {} / <code>{}</code>",
                        opt_int(*size),
                        opt_int(*pairs),
                        hash.as_deref().map_or_else(|| NA.into(), esc)
                    )
                })
                .collect::<Vec<_>>()
                .join("<br>");
            let _ = write!(
                out,
                "<tr><td class=\"n\">{}</td><td><code>{}</code></td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
                 <td>{}</td><td class=\"n\">{}</td></tr>",
                i + 1,
                esc(&r.label),
                opt_int(r.pairs),
                r.pairs.map_or_else(|| NA.into(), |p| pct(p, total)),
                if largest.is_empty() {
                    "&ndash;".into()
                } else {
                    largest
                },
                opt_int(r.skipped),
            );
        }
        out.push_str("</tbody></table>\n");
        let bars: Vec<Bar> = rules
            .iter()
            .map(|r| Bar {
                label: r.label.clone(),
                value: r.pairs.unwrap_or(0) as f64,
                text: opt_int(r.pairs),
                class: "bar",
            })
            .collect();
        out.push_str(&bar_chart(
            "Candidate pairs per blocking rule",
            &bars,
            false,
        ));
    }
    out.push_str(&figures("Matching figures", at(s, &["dedupe"])));
    out.push_str(&figures("Golden-record figures", at(s, &["merge"])));
    out
}

/// A table of an object's scalar leaves, or nothing.
fn figures(title: &str, v: Option<&Value>) -> String {
    let items = scalars(v, 1);
    if items.is_empty() {
        return String::new();
    }
    let mut out = format!("<h3>{}</h3><table class=\"kv\"><tbody>", esc(title));
    for (k, v) in items {
        let _ = write!(
            out,
            "<tr><th>{}</th><td class=\"n\">{}</td></tr>",
            esc(&k),
            esc(&v)
        );
    }
    out.push_str("</tbody></table>\n");
    out
}

fn model_section(model: &Value) -> String {
    let mut out = String::new();
    let prior_v = at(model, &["prior"]);
    let lambda = if prior_v.is_some_and(Value::is_object) {
        num(any(
            model,
            &[&["prior", "lambda"], &["prior", "probability"]],
        ))
    } else {
        num(any(
            model,
            &[
                &["prior"],
                &["lambda"],
                &["probability_two_random_records_match"],
            ],
        ))
    };
    let pw = num(any(
        model,
        &[
            &["prior_weight"],
            &["prior_match_weight"],
            &["prior", "weight"],
        ],
    ))
    .or_else(|| lambda.filter(|l| *l > 0.0 && *l < 1.0).map(prior_weight));
    let _ = writeln!(
        out,
        "<p>Prior match probability &lambda; = {} (prior match weight {}): the chance that two \
         records drawn at random are the same customer, before any field is compared.</p>",
        lambda.map_or_else(|| NA.into(), prob),
        pw.map_or_else(|| NA.into(), weight)
    );
    let comparisons = array(any(model, &[&["comparisons"], &["model", "comparisons"]]));
    if comparisons.is_empty() {
        out.push_str("<p class=\"na\">No comparisons in model.json.</p>\n");
    } else {
        out.push_str(
            "<p class=\"note\">m = P(level | same customer), u = P(level | different customers); \
             the match weight log2(m/u) is what the level adds to the pair's total.</p>\
             <table><thead><tr><th>Comparison</th><th>Level</th><th class=\"n\">m</th><th class=\"n\">u</th>\
             <th class=\"n\">Match weight</th><th class=\"n\">Bayes factor</th></tr></thead><tbody>",
        );
        let mut bars = Vec::new();
        for (ci, c) in comparisons.iter().enumerate() {
            let cname = text(
                any(
                    c,
                    &[
                        &["name"],
                        &["spec", "name"],
                        &["comparison"],
                        &["output_column_name"],
                    ],
                ),
                ", ",
            )
            .unwrap_or_else(|| format!("comparison {}", ci + 1));
            let levels = array(any(c, &[&["levels"], &["comparison_levels"]]));
            if levels.is_empty() {
                let _ = write!(
                    out,
                    "<tr class=\"group\"><td>{}</td><td colspan=\"5\" class=\"na\">no levels</td></tr>",
                    esc(&cname)
                );
            }
            for (li, l) in levels.iter().enumerate() {
                let lname = text(any(l, &[&["name"], &["label"], &["level"]]), ", ")
                    .unwrap_or_else(|| format!("level {li}"));
                let is_null = at(l, &["is_null"])
                    .and_then(Value::as_bool)
                    .unwrap_or(false)
                    || lname == "null";
                let m = num(any(l, &[&["m"], &["m_probability"]]));
                let u = num(any(l, &[&["u"], &["u_probability"]]));
                let w = num(any(
                    l,
                    &[&["weight"], &["match_weight"], &["log2_bayes_factor"]],
                ))
                .or_else(|| {
                    num(at(l, &["bayes_factor"]))
                        .filter(|b| *b > 0.0)
                        .map(f64::log2)
                })
                .or_else(|| match (m, u) {
                    (Some(m), Some(u)) if m > 0.0 && u > 0.0 => Some((m / u).log2()),
                    _ => None,
                });
                let (wtext, bf) = if is_null {
                    ("0 (null)".to_owned(), NA.to_owned())
                } else {
                    (
                        w.map_or_else(|| NA.into(), weight),
                        w.map_or_else(|| NA.into(), |w| bayes(w.exp2())),
                    )
                };
                let _ = write!(
                    out,
                    "<tr{}><td>{}</td><td><code>{}</code></td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
                     <td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                    if li == 0 { " class=\"group\"" } else { "" },
                    if li == 0 { esc(&cname) } else { String::new() },
                    esc(&lname),
                    m.map_or_else(|| NA.into(), prob),
                    u.map_or_else(|| NA.into(), prob),
                    wtext,
                    bf,
                );
                if !is_null && let Some(w) = w {
                    bars.push(Bar {
                        label: format!("{cname} · {lname}"),
                        value: w,
                        text: weight(w),
                        class: if w >= 0.0 { "pos" } else { "neg" },
                    });
                }
            }
        }
        out.push_str("</tbody></table>\n<h3>Match weight per level</h3>");
        out.push_str(&bar_chart(
            "Match weight per comparison level",
            &bars,
            false,
        ));
    }
    let other: Vec<(String, String)> = scalars(Some(model), 0)
        .into_iter()
        .filter(|(k, _)| {
            !matches!(
                k.as_str(),
                "prior" | "lambda" | "prior_weight" | "prior_match_weight" | "comparisons"
            )
        })
        .collect();
    if !other.is_empty() {
        out.push_str("<h3>Training figures</h3><table class=\"kv\"><tbody>");
        for (k, v) in other {
            let _ = write!(
                out,
                "<tr><th>{}</th><td class=\"n\">{}</td></tr>",
                esc(&k),
                esc(&v)
            );
        }
        out.push_str("</tbody></table>\n");
    }
    out
}

fn probabilities_section(p: &[f32], threshold: f64) -> String {
    const BINS: usize = 20;
    let mut counts = [0u64; BINS];
    let mut n = 0u64;
    let mut above = 0u64;
    let mut near = 0u64;
    for &x in p {
        let x = f64::from(x);
        if !x.is_finite() {
            continue;
        }
        n += 1;
        let b = ((x.clamp(0.0, 1.0) * BINS as f64) as usize).min(BINS - 1);
        counts[b] += 1;
        above += u64::from(x >= threshold);
        near += u64::from((x - threshold).abs() <= 0.1);
    }
    let mut out = format!(
        "<p>{} scored pairs; {} ({}) at or above the threshold {}; {} within 0.10 of it.</p>\n",
        int(n),
        int(above),
        pct(above, n),
        float(threshold, 2),
        int(near)
    );
    if n == 0 {
        out.push_str("<p class=\"na\">No scored pairs.</p>\n");
        return out;
    }
    let bins: Vec<Bin> = (0..BINS)
        .map(|i| Bin {
            lo: i as f64 / BINS as f64,
            hi: (i + 1) as f64 / BINS as f64,
            count: counts[i],
        })
        .collect();
    out.push_str(&histogram(
        "Histogram of match probabilities (log count scale)",
        &bins,
        true,
        Some((threshold, &format!("threshold {}", float(threshold, 2)))),
    ));
    out.push_str(
        "<p class=\"note\">Pair counts on a logarithmic scale: most candidate pairs are clear \
         non-matches, so a linear scale would hide the matches.</p>\
         <details><summary>Counts per bin</summary><table><thead><tr><th>Probability</th>\
         <th class=\"n\">Pairs</th><th class=\"n\">Share</th></tr></thead><tbody>",
    );
    for b in &bins {
        let _ = write!(
            out,
            "<tr><td>{} &ndash; {}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            float(b.lo, 2),
            float(b.hi, 2),
            int(b.count),
            pct(b.count, n)
        );
    }
    out.push_str("</tbody></table></details>\n");
    out
}

fn clusters_section(sizes: &[u32]) -> String {
    const BUCKETS: [(u32, u32, &str); 11] = [
        (1, 1, "1"),
        (2, 2, "2"),
        (3, 3, "3"),
        (4, 4, "4"),
        (5, 5, "5"),
        (6, 10, "6–10"),
        (11, 20, "11–20"),
        (21, 50, "21–50"),
        (51, 100, "51–100"),
        (101, 1000, "101–1,000"),
        (1001, u32::MAX, "> 1,000"),
    ];
    let mut clusters = [0u64; BUCKETS.len()];
    let mut records = [0u64; BUCKETS.len()];
    for &s in sizes {
        if let Some(b) = BUCKETS.iter().position(|&(lo, hi, _)| s >= lo && s <= hi) {
            clusters[b] += 1;
            records[b] += u64::from(s);
        }
    }
    let total_records: u64 = sizes.iter().map(|&s| u64::from(s)).sum();
    let n = sizes.len() as u64;
    let largest = sizes.iter().copied().max().unwrap_or(0);
    let mut out = format!(
        "<p>{} clusters hold {} records; {} have more than one record; the largest has {}; mean size {}.</p>\n",
        int(n),
        int(total_records),
        int(n - clusters[0]),
        int(u64::from(largest)),
        if n == 0 {
            NA.into()
        } else {
            float(total_records as f64 / n as f64, 2)
        },
    );
    if n == 0 {
        out.push_str("<p class=\"na\">No clusters.</p>\n");
        return out;
    }
    out.push_str(
        "<table><thead><tr><th>Records per cluster</th><th class=\"n\">Clusters</th>\
         <th class=\"n\">Records</th><th class=\"n\">Share of records</th></tr></thead><tbody>",
    );
    let mut bars = Vec::new();
    for (i, (_, _, label)) in BUCKETS.iter().enumerate() {
        if clusters[i] == 0 {
            continue;
        }
        let _ = write!(
            out,
            "<tr><td>{label}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            int(clusters[i]),
            int(records[i]),
            pct(records[i], total_records)
        );
        bars.push(Bar {
            label: format!("size {label}"),
            value: clusters[i] as f64,
            text: int(clusters[i]),
            class: "bar",
        });
    }
    out.push_str("</tbody></table>\n");
    out.push_str(&bar_chart("Clusters by size (log scale)", &bars, true));
    out.push_str(
        "<p class=\"note\">Bar lengths on a logarithmic scale; labels give the exact counts.</p>\n",
    );
    out
}

fn borderline_section(input: &ReportInput) -> String {
    let mut out = format!(
        "<p>Pairs scored closest to the threshold {}, where a small change in the data or the \
         model flips the decision. Each waterfall starts from the prior and adds one match weight \
         per comparison. Values are {}.</p>\n",
        float(input.threshold, 2),
        if input.show_pii {
            "shown unmasked"
        } else {
            "masked"
        }
    );
    if input.borderline.is_empty() {
        out.push_str("<p class=\"na\">No borderline pairs were sampled.</p>\n");
        return out;
    }
    for w in input.borderline {
        let p = w.match_probability();
        let _ = writeln!(
            out,
            "<div class=\"pair\"><h3><code>{}</code> &harr; <code>{}</code> &nbsp; p = {} &nbsp; \
             <span class=\"badge {}\">{}</span></h3>",
            esc(&w.record_id_l),
            esc(&w.record_id_r),
            float(p, 4),
            if w.is_match() { "match" } else { "nomatch" },
            if w.is_match() { "match" } else { "no match" },
        );
        out.push_str(
            "<table><thead><tr><th>Comparison</th><th>Left value</th><th>Right value</th><th>Level</th>\
             <th class=\"n\">m</th><th class=\"n\">u</th><th class=\"n\">Weight</th><th class=\"n\">Running total</th>\
             </tr></thead><tbody>",
        );
        let mut total = w.prior_weight;
        let _ = write!(
            out,
            "<tr><td>prior</td><td></td><td></td><td></td><td></td><td></td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            weight(w.prior_weight),
            weight(total)
        );
        let val = |v: &Option<String>| {
            v.as_deref().map_or_else(
                || "<span class=\"null\">(null)</span>".to_owned(),
                |s| format!("<span class=\"val\">{}</span>", esc(s)),
            )
        };
        let mut steps = vec![("prior".to_owned(), w.prior_weight)];
        for r in &w.rows {
            total += r.weight;
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td><td class=\"n\">{}</td>\
                 <td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                esc(&r.comparison),
                val(&r.value_l),
                val(&r.value_r),
                esc(&r.level),
                r.m.map_or_else(String::new, prob),
                r.u.map_or_else(String::new, prob),
                weight(r.weight),
                weight(total)
            );
            steps.push((r.comparison.clone(), r.weight));
        }
        let _ = writeln!(
            out,
            "<tr class=\"sum\"><td colspan=\"6\">total match weight &rarr; probability {}</td>\
             <td class=\"n\"></td><td class=\"n\">{}</td></tr></tbody></table>",
            float(p, 4),
            weight(w.total_weight())
        );
        let tw = (w.threshold > 0.0 && w.threshold < 1.0).then(|| prior_weight(w.threshold));
        out.push_str(&waterfall_chart(
            &format!(
                "Match weight waterfall of {} and {}",
                w.record_id_l, w.record_id_r
            ),
            &steps,
            tw,
        ));
        out.push_str("</div>\n");
    }
    out
}

// ---------------------------------------------------------------- helpers

fn opt_int(v: Option<u64>) -> String {
    v.map_or_else(|| format!("<span class=\"na\">{NA}</span>"), int)
}

fn opt_text(v: Option<String>) -> String {
    v.map_or_else(|| format!("<span class=\"na\">{NA}</span>"), |s| esc(&s))
}

fn code(v: Option<String>) -> String {
    v.map_or_else(
        || format!("<span class=\"na\">{NA}</span>"),
        |s| format!("<code>{}</code>", esc(&s)),
    )
}

/// `read = accepted + quarantined` as a mark.
fn check(read: Option<u64>, acc: Option<u64>, q: Option<u64>) -> String {
    match (read, acc, q) {
        (Some(r), Some(a), Some(q)) if a.checked_add(q) == Some(r) => {
            "<span class=\"ok\">&#10003; balanced</span>".into()
        }
        (Some(_), Some(_), Some(_)) => {
            "<span class=\"bad\">&#10007; does not balance</span>".into()
        }
        _ => "<span class=\"na\">cannot be checked</span>".into(),
    }
}

/// Milliseconds as a readable duration.
fn duration(ms: u64) -> String {
    if ms < 1000 {
        format!("{ms} ms")
    } else if ms < 60_000 {
        format!("{:.2} s", ms as f64 / 1000.0)
    } else {
        format!("{}m {:02}s", ms / 60_000, (ms % 60_000) / 1000)
    }
}

/// A Bayes factor: `1 : x` below one so small factors stay readable.
fn bayes(b: f64) -> String {
    if !b.is_finite() {
        NA.into()
    } else if b >= 1.0 {
        int(b.round() as u64)
    } else if b > 0.0 {
        format!("1 : {}", int((1.0 / b).round() as u64))
    } else {
        NA.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_all_special_characters() {
        assert_eq!(
            esc(r#"<script>alert("x&'y")</script>"#),
            "&lt;script&gt;alert(&quot;x&amp;&#39;y&quot;)&lt;/script&gt;"
        );
    }

    #[test]
    fn borderline_sample_balances_sides() {
        let p = [0.1f32, 0.85, 0.88, 0.91, 0.95, 0.5, 0.89, 0.93, 0.99];
        let s = borderline_sample(&p, 0.9, 4);
        // Two closest below 0.9 (0.89, 0.88), two at or above (0.91, 0.93).
        assert_eq!(s, vec![2, 6, 3, 7]);
        // Not enough below: the other side fills up.
        let s = borderline_sample(&[0.95, 0.97, 0.2], 0.9, 3);
        assert_eq!(s, vec![2, 0, 1]);
        assert!(borderline_sample(&[], 0.9, 3).is_empty());
    }

    #[test]
    fn small_helpers() {
        assert_eq!(duration(12), "12 ms");
        assert_eq!(duration(1500), "1.50 s");
        assert_eq!(duration(125_000), "2m 05s");
        assert_eq!(bayes(1024.0), "1,024");
        assert_eq!(bayes(0.01), "1 : 100");
        assert!(check(Some(3), Some(2), Some(1)).contains("balanced"));
        assert!(check(Some(3), Some(2), Some(2)).contains("does not"));
        assert!(check(None, Some(2), Some(2)).contains("cannot"));
    }
}
