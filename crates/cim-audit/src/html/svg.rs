//! Small inline-SVG chart helpers. Output is a `<svg>` element with a
//! `viewBox` (it scales to its container), a `<title>` for screen readers
//! and CSS classes styled by the report's stylesheet. Every text is
//! HTML-escaped here.

use std::fmt::Write;

use super::esc;
use crate::fmt::{float, int, weight};

/// Width of every chart's coordinate system.
const W: f64 = 760.0;

/// One bar of a [`bar_chart`].
pub(crate) struct Bar {
    pub label: String,
    pub value: f64,
    /// Text shown after the bar (e.g. the formatted value).
    pub text: String,
    /// CSS class of the bar (`pos`, `neg`, `neutral`...).
    pub class: &'static str,
}

/// Horizontal bar chart. Negative values extend left of a zero axis. With
/// `log`, lengths follow log10(1 + value) (non-negative values only), so
/// that small counts stay visible next to huge ones.
pub(crate) fn bar_chart(title: &str, bars: &[Bar], log: bool) -> String {
    if bars.is_empty() {
        return String::new();
    }
    let row_h = 22.0;
    let label_chars = bars
        .iter()
        .map(|b| b.label.chars().count())
        .max()
        .unwrap_or(0)
        .min(42);
    let label_w = (label_chars as f64 * 6.6 + 12.0).clamp(60.0, 290.0);
    let text_w = 86.0;
    let plot_w = W - label_w - text_w - 8.0;
    let scale = |v: f64| if log { (1.0 + v.max(0.0)).log10() } else { v };
    let pos_max = bars.iter().map(|b| scale(b.value)).fold(0.0f64, f64::max);
    let neg_max = bars.iter().map(|b| -scale(b.value)).fold(0.0f64, f64::max);
    let span = if pos_max + neg_max > 0.0 {
        pos_max + neg_max
    } else {
        1.0
    };
    let x0 = label_w + plot_w * neg_max / span;
    let h = row_h * bars.len() as f64 + 8.0;
    let mut s = open(title, h, "chart bars");
    for (i, b) in bars.iter().enumerate() {
        let y = 4.0 + row_h * i as f64;
        let len = plot_w * scale(b.value).abs() / span;
        let x = if b.value < 0.0 { x0 - len } else { x0 };
        let label = truncate(&b.label, 42);
        let _ = write!(
            s,
            r#"<text class="lbl" x="{lx:.1}" y="{ty:.1}" text-anchor="end">{label}</text><rect class="{cls}" x="{x:.1}" y="{ry:.1}" width="{len:.1}" height="14" rx="2"><title>{full}: {text}</title></rect>"#,
            lx = label_w - 8.0,
            ty = y + 11.5,
            label = esc(&label),
            cls = b.class,
            ry = y + 1.0,
            len = len.max(if b.value != 0.0 { 1.0 } else { 0.0 }),
            full = esc(&b.label),
            text = esc(&b.text),
        );
        // Value text beside the bar end (left of negative bars when room).
        let (tx, anchor) = if b.value < 0.0 && x - 4.0 > label_w + 40.0 {
            (x - 4.0, "end")
        } else if b.value < 0.0 {
            (x0 + 4.0, "start")
        } else {
            (x0 + len + 4.0, "start")
        };
        let _ = write!(
            s,
            r#"<text class="val" x="{tx:.1}" y="{ty:.1}" text-anchor="{anchor}">{text}</text>"#,
            ty = y + 11.5,
            text = esc(&b.text),
        );
    }
    if neg_max > 0.0 {
        let _ = write!(
            s,
            r#"<line class="axis" x1="{x0:.1}" y1="0" x2="{x0:.1}" y2="{h:.1}"/>"#
        );
    }
    s.push_str("</svg>");
    s
}

/// One bin of a [`histogram`].
pub(crate) struct Bin {
    pub lo: f64,
    pub hi: f64,
    pub count: u64,
}

/// Vertical histogram over `[bins[0].lo, bins[last].hi]`, optionally on a
/// logarithmic count axis, with an optional vertical marker (e.g. the
/// threshold) at an x value.
pub(crate) fn histogram(
    title: &str,
    bins: &[Bin],
    log: bool,
    marker: Option<(f64, &str)>,
) -> String {
    if bins.is_empty() {
        return String::new();
    }
    let (h, left, right, top, bottom) = (270.0, 64.0, 16.0, 18.0, 44.0);
    let plot_w = W - left - right;
    let plot_h = h - top - bottom;
    let (x_lo, x_hi) = (bins[0].lo, bins[bins.len() - 1].hi);
    let x_span = if x_hi > x_lo { x_hi - x_lo } else { 1.0 };
    let xs = |x: f64| left + plot_w * (x - x_lo) / x_span;
    let max = bins.iter().map(|b| b.count).max().unwrap_or(0);
    // Log axis: decades up to the next power of ten above the maximum.
    let top_val = if log {
        let mut d = 1u64;
        while d < max.max(1) {
            d = d.saturating_mul(10);
        }
        d as f64
    } else {
        nice_ceiling(max as f64)
    };
    let ys = |c: f64| {
        let f = if log {
            (1.0 + c).log10() / (1.0 + top_val).log10()
        } else {
            c / top_val
        };
        top + plot_h * (1.0 - f.clamp(0.0, 1.0))
    };
    let mut s = open(title, h, "chart hist");
    // Count axis grid.
    let ticks: Vec<f64> = if log {
        // No 0 tick: on log(1 + n) it sits right under the 1 tick.
        let mut t = Vec::new();
        let mut d = 1.0;
        while d <= top_val {
            t.push(d);
            d *= 10.0;
        }
        t
    } else {
        (0..=4).map(|i| top_val * f64::from(i) / 4.0).collect()
    };
    for t in ticks {
        let y = ys(t);
        let _ = write!(
            s,
            r#"<line class="grid" x1="{left}" y1="{y:.1}" x2="{x2:.1}" y2="{y:.1}"/><text class="tick" x="{tx}" y="{ty:.1}" text-anchor="end">{label}</text>"#,
            x2 = W - right,
            tx = left - 6.0,
            ty = y + 4.0,
            label = esc(&compact(t)),
        );
    }
    for b in bins {
        let (x1, x2) = (xs(b.lo), xs(b.hi));
        let y = ys(b.count as f64);
        let _ = write!(
            s,
            r#"<rect class="bar" x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{hh:.1}"><title>{lo} to {hi}: {n}</title></rect>"#,
            x = x1 + 0.5,
            w = (x2 - x1 - 1.0).max(0.5),
            hh = (top + plot_h - y).max(0.0),
            lo = float(b.lo, 2),
            hi = float(b.hi, 2),
            n = int(b.count),
        );
    }
    // x axis with about ten labelled ticks at bin edges.
    let every = bins.len().div_ceil(10).max(1);
    let base = top + plot_h;
    let _ = write!(
        s,
        r#"<line class="axis" x1="{left}" y1="{base:.1}" x2="{x2:.1}" y2="{base:.1}"/>"#,
        x2 = W - right
    );
    for (i, edge) in bins.iter().map(|b| b.lo).chain([x_hi]).enumerate() {
        if i % every == 0 || i == bins.len() {
            let x = xs(edge);
            let _ = write!(
                s,
                r#"<text class="tick" x="{x:.1}" y="{y:.1}" text-anchor="middle">{label}</text>"#,
                y = base + 16.0,
                label = float(edge, 2),
            );
        }
    }
    if let Some((mx, label)) = marker
        && mx.is_finite()
        && (x_lo..=x_hi).contains(&mx)
    {
        let x = xs(mx);
        let _ = write!(
            s,
            r#"<line class="marker" x1="{x:.1}" y1="{top}" x2="{x:.1}" y2="{base:.1}"/><text class="mark" x="{tx:.1}" y="{ty}" text-anchor="{anchor}">{label}</text>"#,
            tx = if x > W - 140.0 { x - 4.0 } else { x + 4.0 },
            anchor = if x > W - 140.0 { "end" } else { "start" },
            ty = top + 10.0,
            label = esc(label),
        );
    }
    s.push_str("</svg>");
    s
}

/// A thin stacked bar (valid / invalid / missing shares), `(value, class,
/// label)` per part.
pub(crate) fn stacked_bar(parts: &[(u64, &'static str, &'static str)]) -> String {
    let total: u64 = parts.iter().map(|p| p.0).sum();
    let (w, h) = (160.0, 12.0);
    let mut s = format!(
        r#"<svg class="stack" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img"><title>{}</title>"#,
        esc(&parts
            .iter()
            .map(|p| format!("{} {}", p.2, int(p.0)))
            .collect::<Vec<_>>()
            .join(", "))
    );
    if total == 0 {
        let _ = write!(
            s,
            r#"<rect class="empty" x="0" y="0" width="{w}" height="{h}"/>"#
        );
    }
    let mut x = 0.0;
    for &(v, cls, _) in parts {
        if total == 0 || v == 0 {
            continue;
        }
        let pw = w * v as f64 / total as f64;
        let _ = write!(
            s,
            r#"<rect class="{cls}" x="{x:.2}" y="0" width="{pw:.2}" height="{h}"/>"#
        );
        x += pw;
    }
    s.push_str("</svg>");
    s
}

/// Waterfall chart: one bar per step from the running total before it to
/// the running total after it, then a total bar from zero. `threshold_w`
/// draws the decision boundary (a match weight).
pub(crate) fn waterfall_chart(
    title: &str,
    steps: &[(String, f64)],
    threshold_w: Option<f64>,
) -> String {
    let row_h = 22.0;
    let label_w = 190.0;
    let text_w = 70.0;
    let plot_w = W - label_w - text_w;
    let mut running = 0.0;
    let mut spans = Vec::with_capacity(steps.len() + 1);
    let (mut lo, mut hi) = (0.0f64, 0.0f64);
    for (label, w) in steps {
        let w = if w.is_finite() { *w } else { 0.0 };
        let (a, b) = (running, running + w);
        running = b;
        lo = lo.min(b);
        hi = hi.max(b);
        spans.push((label.clone(), a, b, w));
    }
    spans.push(("total".to_owned(), 0.0, running, running));
    if let Some(t) = threshold_w.filter(|t| t.is_finite()) {
        lo = lo.min(t);
        hi = hi.max(t);
    }
    let pad = ((hi - lo) * 0.04).max(0.5);
    let (lo, hi) = (lo - pad, hi + pad);
    let xs = |v: f64| label_w + plot_w * (v - lo) / (hi - lo);
    let h = row_h * spans.len() as f64 + 26.0;
    let mut s = open(title, h, "chart wf");
    let n = spans.len();
    for (i, (label, a, b, w)) in spans.iter().enumerate() {
        let y = 4.0 + row_h * i as f64;
        let (x1, x2) = (xs(a.min(*b)), xs(a.max(*b)));
        let cls = if i == n - 1 {
            "total"
        } else if *w >= 0.0 {
            "pos"
        } else {
            "neg"
        };
        let _ = write!(
            s,
            r#"<text class="lbl" x="{lx}" y="{ty:.1}" text-anchor="end">{label}</text><rect class="{cls}" x="{x1:.1}" y="{ry:.1}" width="{bw:.1}" height="14" rx="2"><title>{full}: {wt}</title></rect><text class="val" x="{vx:.1}" y="{ty:.1}">{wt}</text>"#,
            lx = label_w - 8.0,
            ty = y + 11.5,
            label = esc(&truncate(label, 28)),
            full = esc(label),
            ry = y + 1.0,
            bw = (x2 - x1).max(1.0),
            vx = x2.max(x1 + 1.0) + 4.0,
            wt = weight(*w),
        );
    }
    let base = 4.0 + row_h * n as f64;
    let x0 = xs(0.0);
    let _ = write!(
        s,
        r#"<line class="axis" x1="{x0:.1}" y1="0" x2="{x0:.1}" y2="{base:.1}"/>"#
    );
    let _ = write!(
        s,
        r#"<text class="tick" x="{x0:.1}" y="{y:.1}" text-anchor="middle">0</text>"#,
        y = base + 14.0
    );
    if let Some(t) = threshold_w.filter(|t| t.is_finite()) {
        let x = xs(t);
        let _ = write!(
            s,
            r#"<line class="marker" x1="{x:.1}" y1="0" x2="{x:.1}" y2="{base:.1}"/><text class="mark" x="{x:.1}" y="{y:.1}" text-anchor="middle">threshold {tw}</text>"#,
            y = base + 14.0,
            tw = weight(t),
        );
    }
    s.push_str("</svg>");
    s
}

fn open(title: &str, h: f64, class: &str) -> String {
    format!(
        r#"<svg class="{class}" viewBox="0 0 {W} {h:.0}" preserveAspectRatio="xMinYMin meet" role="img" aria-label="{t}"><title>{t}</title>"#,
        t = esc(title)
    )
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// Axis label: 1200 -> 1.2k, 3000000 -> 3M.
fn compact(v: f64) -> String {
    let a = v.abs();
    let (x, suffix) = if a >= 1e9 {
        (v / 1e9, "G")
    } else if a >= 1e6 {
        (v / 1e6, "M")
    } else if a >= 1e3 {
        (v / 1e3, "k")
    } else {
        (v, "")
    };
    let s = if (x - x.round()).abs() < 0.05 {
        format!("{:.0}", x)
    } else {
        format!("{x:.1}")
    };
    format!("{s}{suffix}")
}

/// The smallest 1, 2 or 5 times a power of ten that is >= v (at least 1).
fn nice_ceiling(v: f64) -> f64 {
    if v <= 1.0 {
        return 1.0;
    }
    let p = 10f64.powf(v.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * p)
        .find(|&c| c >= v)
        .unwrap_or(10.0 * p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_helpers() {
        assert_eq!(nice_ceiling(0.0), 1.0);
        assert_eq!(nice_ceiling(7.0), 10.0);
        assert_eq!(nice_ceiling(130.0), 200.0);
        assert_eq!(nice_ceiling(500.0), 500.0);
        assert_eq!(compact(1200.0), "1.2k");
        assert_eq!(compact(3_000_000.0), "3M");
        assert_eq!(compact(10.0), "10");
        assert_eq!(truncate("abcdef", 4), "abc…");
    }

    #[test]
    fn charts_escape_labels_and_handle_edge_cases() {
        let bars = [
            Bar {
                label: "<b>x</b>".into(),
                value: 3.0,
                text: "3".into(),
                class: "pos",
            },
            Bar {
                label: "neg".into(),
                value: -2.0,
                text: "-2".into(),
                class: "neg",
            },
            Bar {
                label: "zero".into(),
                value: 0.0,
                text: "0".into(),
                class: "pos",
            },
        ];
        let s = bar_chart("t", &bars, false);
        assert!(s.starts_with("<svg") && s.ends_with("</svg>"));
        assert!(!s.contains("<b>") && s.contains("&lt;b&gt;"));
        assert!(!s.contains("NaN") && !s.contains("inf"));
        assert_eq!(bar_chart("t", &[], false), "");
        let h = histogram(
            "h",
            &[
                Bin {
                    lo: 0.0,
                    hi: 0.5,
                    count: 0,
                },
                Bin {
                    lo: 0.5,
                    hi: 1.0,
                    count: 0,
                },
            ],
            true,
            Some((0.9, "t")),
        );
        assert!(h.contains("<rect") && !h.contains("NaN"));
        let w = waterfall_chart(
            "w",
            &[("prior".into(), -10.0), ("a".into(), 12.0)],
            Some(3.0),
        );
        assert!(w.contains("total") && !w.contains("NaN"));
        assert!(stacked_bar(&[(0, "valid", "valid")]).contains("empty"));
    }
}
