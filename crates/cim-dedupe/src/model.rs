//! The trained Fellegi-Sunter model and its JSON form.
//!
//! # Reading a model
//! For each comparison and each level: `m` = P(level | same person), `u` =
//! P(level | different people), `match_weight` = log2(m/u) in bits. A pair's
//! total weight is `prior_match_weight` plus the weight of the level it
//! falls in for each comparison (plus term-frequency adjustments), and its
//! match probability is `2^w / (1 + 2^w)`. +10 bits multiplies the odds of
//! a match by ~1000. Level `null` (value missing on a side) always has
//! weight 0: absence is not evidence. A large negative weight on `else`
//! means that disagreeing on that field is strong evidence of different
//! people (e.g. a date of birth); a weak one means the field is often
//! wrong or out of date for the same person (e.g. an address).

use serde::{Deserialize, Serialize};

use crate::Error;
use crate::options::{ComparisonSpec, TrainingMode};

/// Current version of the model JSON layout.
pub const MODEL_FORMAT_VERSION: u32 = 1;

/// Parameters of one comparison level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LevelParams {
    /// Level name, e.g. `exact`, `jaro_winkler_0.92`, `else`.
    pub name: String,
    /// P(level | match). 1 for `null`.
    pub m: f64,
    /// P(level | non-match). 1 for `null`.
    pub u: f64,
    /// log2(m / u) in bits.
    pub match_weight: f64,
    /// Whether the weight of this level is term-frequency adjusted.
    pub term_frequency: bool,
    /// `m` was pinned by configuration or labels, not estimated by EM.
    #[serde(default)]
    pub m_fixed: bool,
    /// `u` was pinned by configuration, not estimated from random pairs.
    #[serde(default)]
    pub u_fixed: bool,
}

/// One comparison: its definition and its levels' parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComparisonModel {
    /// The definition (kind, fields, thresholds).
    pub spec: ComparisonSpec,
    /// Levels in code order: `null` first, `else` last.
    pub levels: Vec<LevelParams>,
}

/// One EM session of the training.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmSession {
    /// The blocking rule whose pairs were used; `None` for all candidate
    /// pairs.
    pub blocking_rule: Option<String>,
    /// Candidate pairs in the session.
    pub pairs: u64,
    /// Distinct comparison patterns EM iterated over.
    pub patterns: u64,
    /// Comparisons whose m was estimated (the others read the rule's keys).
    pub estimated: Vec<String>,
    /// EM iterations run.
    pub iterations: u32,
    /// Whether EM met its tolerance before its iteration cap.
    pub converged: bool,
    /// Estimated proportion of matches among the session's pairs.
    pub proportion_matching: f64,
}

/// How the model was trained.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrainingReport {
    /// Records in the training data.
    pub records: u64,
    /// Candidate pairs produced by blocking.
    pub candidate_pairs: u64,
    /// Random pairs compared to estimate u.
    pub u_pairs_sampled: u64,
    /// Labelled pairs used (0 for unsupervised training).
    pub labelled_pairs: u64,
    /// Training mode used.
    pub mode: TrainingMode,
    /// EM sessions, in order.
    pub sessions: Vec<EmSession>,
    /// Total EM iterations over all sessions.
    pub em_iterations: u32,
    /// True when every session converged.
    pub converged: bool,
}

/// A trained model: reusable with `cim run --model`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Model {
    /// Layout version ([`MODEL_FORMAT_VERSION`]).
    pub format_version: u32,
    /// Prior probability that two random records (of all eligible pairs)
    /// match; the scoring prior.
    pub probability_two_random_records_match: f64,
    /// log2 of the prior odds, the starting weight of every pair.
    pub prior_match_weight: f64,
    /// Estimated proportion of matches among the training candidate pairs.
    pub proportion_of_candidate_pairs_matching: f64,
    /// Comparisons, in evaluation order.
    pub comparisons: Vec<ComparisonModel>,
    /// How the model was trained.
    pub training: TrainingReport,
}

impl Model {
    /// Pretty JSON, stable field order.
    pub fn to_json(&self) -> Result<String, Error> {
        Ok(serde_json::to_string_pretty(self)?)
    }

    /// Reads a model written by [`Model::to_json`], checking its
    /// consistency.
    pub fn from_json(json: &str) -> Result<Self, Error> {
        let m: Model = serde_json::from_str(json)?;
        m.check()?;
        Ok(m)
    }

    pub(crate) fn check(&self) -> Result<(), Error> {
        if self.format_version != MODEL_FORMAT_VERSION {
            return Err(Error::Model(format!(
                "format_version {} is not supported (expected {MODEL_FORMAT_VERSION})",
                self.format_version
            )));
        }
        let p = self.probability_two_random_records_match;
        if !(p > 0.0 && p < 1.0) {
            return Err(Error::Model(
                "probability_two_random_records_match must be within (0, 1)".into(),
            ));
        }
        for c in &self.comparisons {
            if c.levels.len() < 2 {
                return Err(Error::Model(format!(
                    "comparison `{}` has fewer than 2 levels",
                    c.spec.name
                )));
            }
            for l in &c.levels {
                if !(l.m > 0.0 && l.m <= 1.0 && l.u > 0.0 && l.u <= 1.0) {
                    return Err(Error::Model(format!(
                        "comparison `{}` level `{}`: m and u must be within (0, 1]",
                        c.spec.name, l.name
                    )));
                }
            }
        }
        Ok(())
    }

    /// Weight table `[comparison][level]` in bits.
    pub(crate) fn weights(&self) -> Vec<Vec<f64>> {
        self.comparisons
            .iter()
            .map(|c| c.levels.iter().map(|l| l.match_weight).collect())
            .collect()
    }
}

/// Probability from a match weight in bits.
#[inline]
pub fn probability(weight: f64) -> f64 {
    1.0 / (1.0 + (-weight).exp2())
}

/// Match weight in bits from a probability.
#[inline]
pub fn weight_of(p: f64) -> f64 {
    (p / (1.0 - p)).log2()
}
