//! Number formatting and aligned text tables shared by the renderers.

use std::fmt::Write;

use unicode_width::UnicodeWidthStr;

/// Placeholder for a value that is missing or undefined.
pub(crate) const NA: &str = "n/a";

/// `1234567` -> `1,234,567`.
pub(crate) fn int(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A float with `prec` decimals, `n/a` when not finite.
pub(crate) fn float(x: f64, prec: usize) -> String {
    if x.is_finite() {
        format!("{x:.prec$}")
    } else {
        NA.to_owned()
    }
}

/// An optional ratio with four decimals.
pub(crate) fn opt4(x: Option<f64>) -> String {
    x.map_or_else(|| NA.to_owned(), |x| float(x, 4))
}

/// A probability or m/u value: four decimals, or scientific notation when
/// four decimals would hide it.
pub(crate) fn prob(x: f64) -> String {
    if !x.is_finite() {
        NA.to_owned()
    } else if x != 0.0 && x.abs() < 0.001 {
        format!("{x:.2e}")
    } else {
        format!("{x:.4}")
    }
}

/// A match weight: sign and two decimals.
pub(crate) fn weight(x: f64) -> String {
    if x.is_finite() {
        format!("{x:+.2}")
    } else {
        NA.to_owned()
    }
}

/// Percentage of `part` in `whole`, one decimal.
pub(crate) fn pct(part: u64, whole: u64) -> String {
    if whole == 0 {
        NA.to_owned()
    } else {
        format!("{:.1}%", part as f64 * 100.0 / whole as f64)
    }
}

/// Column alignment in a [`TextTable`].
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Align {
    Left,
    Right,
}

/// A plain-text table whose columns are padded to their display width
/// (wide CJK characters count double).
pub(crate) struct TextTable {
    headers: Vec<String>,
    align: Vec<Align>,
    rows: Vec<Vec<String>>,
}

impl TextTable {
    pub(crate) fn new(columns: &[(&str, Align)]) -> Self {
        Self {
            headers: columns.iter().map(|c| c.0.to_owned()).collect(),
            align: columns.iter().map(|c| c.1).collect(),
            rows: Vec::new(),
        }
    }

    pub(crate) fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// The table with `indent` spaces before every line, header underlined.
    pub(crate) fn render(&self, indent: usize) -> String {
        let n = self.headers.len();
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.width()).collect();
        for r in &self.rows {
            for (i, c) in r.iter().enumerate().take(n) {
                widths[i] = widths[i].max(c.width());
            }
        }
        let mut out = String::new();
        let line = |out: &mut String, cells: &[String]| {
            let mut s = " ".repeat(indent);
            for (i, (&w, &align)) in widths.iter().zip(&self.align).enumerate() {
                let c = cells.get(i).map_or("", String::as_str);
                let pad = " ".repeat(w.saturating_sub(c.width()));
                if i > 0 {
                    s.push_str("  ");
                }
                match align {
                    Align::Left => {
                        s.push_str(c);
                        s.push_str(&pad);
                    }
                    Align::Right => {
                        s.push_str(&pad);
                        s.push_str(c);
                    }
                }
            }
            let _ = writeln!(out, "{}", s.trim_end());
        };
        line(&mut out, &self.headers);
        let rule: Vec<String> = widths.iter().map(|&w| "-".repeat(w)).collect();
        line(&mut out, &rule);
        for r in &self.rows {
            line(&mut out, r);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_and_widths() {
        assert_eq!(int(0), "0");
        assert_eq!(int(999), "999");
        assert_eq!(int(1000), "1,000");
        assert_eq!(int(1234567), "1,234,567");
        assert_eq!(prob(0.00012), "1.20e-4");
        assert_eq!(prob(0.5), "0.5000");
        assert_eq!(weight(9.8138), "+9.81");
        assert_eq!(weight(-0.5), "-0.50");
        assert_eq!(pct(1, 3), "33.3%");
        let mut t = TextTable::new(&[("name", Align::Left), ("n", Align::Right)]);
        t.row(vec!["张伟".into(), "1".into()]);
        t.row(vec!["abcdef".into(), "1,000".into()]);
        let s = t.render(0);
        let lines: Vec<&str> = s.lines().collect();
        // Every line has the same display width: CJK counts double.
        assert!(lines.iter().all(|l| l.width() == lines[1].width()), "{s}");
        assert_eq!(lines[2], "张伟        1");
    }
}
