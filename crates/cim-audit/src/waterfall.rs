//! The match-weight waterfall of one pair: how the prior and each
//! comparison's weight add up to the match probability.

use serde::{Deserialize, Serialize};

/// One pair's explanation, as shown by `cim explain` and in the report's
/// borderline-pairs section. Values are shown as given: the caller masks
/// them unless PII may be shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Waterfall {
    /// Left record.
    pub record_id_l: String,
    /// Right record.
    pub record_id_r: String,
    /// The prior as a match weight: log2(λ / (1 - λ)), see [`prior_weight`].
    pub prior_weight: f64,
    /// One row per comparison (and per adjustment, e.g. term frequency), in
    /// model order.
    pub rows: Vec<WaterfallRow>,
    /// The run's match threshold on the probability, for the decision.
    pub threshold: f64,
}

/// [`WaterfallRow::comparison`] of the row that caps a pair's weight at 0
/// (`dedupe.person_conflict_guard`): given names clearly differ and no
/// person-level identifier (email, national id) agrees. Its weight is the
/// cap's adjustment, so the rows still add up to the total.
pub const CONFLICT_GUARD_ROW: &str = "person conflict guard";

/// One comparison's contribution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WaterfallRow {
    /// Comparison name, e.g. `given_name`.
    pub comparison: String,
    /// Level the pair fell into, e.g. `jaro_winkler_0.92`.
    pub level: String,
    /// Left value, already masked unless PII may be shown; `None` if null.
    pub value_l: Option<String>,
    /// Right value, already masked unless PII may be shown; `None` if null.
    pub value_r: Option<String>,
    /// P(level | match), when the row comes from a model level.
    pub m: Option<f64>,
    /// P(level | non-match), when the row comes from a model level.
    pub u: Option<f64>,
    /// Match weight added by this row: log2(m / u), plus any adjustment.
    pub weight: f64,
}

impl Waterfall {
    /// Prior weight plus every row's weight.
    pub fn total_weight(&self) -> f64 {
        self.prior_weight + self.rows.iter().map(|r| r.weight).sum::<f64>()
    }

    /// The match probability of [`Waterfall::total_weight`].
    pub fn match_probability(&self) -> f64 {
        probability_from_weight(self.total_weight())
    }

    /// Whether the pair is at or above the threshold.
    pub fn is_match(&self) -> bool {
        self.match_probability() >= self.threshold
    }
}

/// The prior match weight of a prior match probability λ:
/// log2(λ / (1 - λ)).
pub fn prior_weight(lambda: f64) -> f64 {
    (lambda / (1.0 - lambda)).log2()
}

/// The probability of a match weight w: 2^w / (1 + 2^w), computed without
/// overflow for large |w|.
pub fn probability_from_weight(w: f64) -> f64 {
    if w >= 0.0 {
        1.0 / (1.0 + (-w).exp2())
    } else {
        w.exp2() / (1.0 + w.exp2())
    }
}
