//! The run report of the dedupe stage (written into `run.json`).

use serde::{Deserialize, Serialize};

use crate::blocking::BlockInfo;
use crate::options::LinkType;

/// Where a blocking rule came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleOrigin {
    /// From `blocking_rules` in the options.
    Configured,
    /// Chosen automatically from the populated keys.
    Default,
    /// Added to generate the pairs of a deterministic rule.
    Deterministic,
}

/// Blocking figures of one rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleReport {
    /// Index of the rule (the `blocking_rule` column of the pairs output).
    pub index: usize,
    /// The rule as text, e.g. `family_phonetic & birth_year`.
    pub rule: String,
    /// Where the rule came from.
    pub origin: RuleOrigin,
    /// Pairs the rule produces on its own (counted before comparing;
    /// skipped blocks excluded).
    pub candidate_pairs: u64,
    /// Pairs this rule added that no earlier rule produced (compared).
    pub new_pairs: u64,
    /// The largest blocks (skipped ones included), key values masked.
    pub largest_blocks: Vec<BlockInfo>,
    /// The largest 20 blocks over `block_size_cap` (not compared), key
    /// values masked.
    pub skipped_blocks: Vec<BlockInfo>,
    /// Blocks over `block_size_cap`, all of them.
    #[serde(default)]
    pub skipped_block_count: u64,
    /// Largest block compared: `max_block_size`, or less for a default
    /// rule kept within its pair budget (3 times the median default
    /// rule's candidate pairs).
    #[serde(default)]
    pub block_size_cap: u64,
}

impl RuleReport {
    /// Why the rule's skipped blocks were skipped, for warnings: over
    /// `max_block_size`, or over the smaller cap of a default rule kept
    /// within its pair budget.
    pub fn skip_reason(&self, max_block_size: usize) -> String {
        // 0: a report from before the cap was recorded.
        if (1..max_block_size as u64).contains(&self.block_size_cap) {
            format!(
                "over {} records (this default rule's cap to stay within {} times the median \
                 default rule's pairs)",
                self.block_size_cap,
                crate::blocking::DEFAULT_RULE_MEDIAN_MULTIPLE
            )
        } else {
            format!("over max_block_size {max_block_size}")
        }
    }
}

/// Wall time of each step in milliseconds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Timings {
    /// Interning and blocking (pair generation included).
    pub block_ms: u64,
    /// Computing comparison levels of the candidate pairs.
    pub compare_ms: u64,
    /// Training (0 when a model was reused).
    pub train_ms: u64,
    /// Weights and probabilities of the candidate pairs.
    pub score_ms: u64,
    /// Clustering.
    pub cluster_ms: u64,
    /// Whole stage.
    pub total_ms: u64,
}

/// Figures of one dedupe run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DedupeReport {
    /// Records in the input.
    pub records: u64,
    /// Link type in force.
    pub link_type: LinkType,
    /// Per blocking rule, in order.
    pub rules: Vec<RuleReport>,
    /// Comparison names, in model order.
    pub comparisons: Vec<String>,
    /// Sum of the rules' candidate pairs (an upper bound before removing
    /// pairs found by several rules).
    pub candidate_pairs_counted: u64,
    /// Distinct pairs compared.
    pub pairs_compared: u64,
    /// Pairs with probability at or above the threshold.
    pub pairs_above_threshold: u64,
    /// Pairs kept in the output (at or above `pairs_floor`).
    pub pairs_kept: u64,
    /// Pairs matched by a deterministic rule.
    pub deterministic_matches: u64,
    /// Whether the person-conflict guard applied (see
    /// `DedupeOptions::person_conflict_guard_max_share`).
    pub person_conflict_guard: bool,
    /// The model's share of true duplicates whose given names clearly
    /// differ (m of `given_name`'s `else` level), when it has that level.
    pub given_name_mismatch_share: Option<f64>,
    /// The match threshold used.
    pub match_threshold: f64,
    /// Clusters (singletons included).
    pub clusters: u64,
    /// Clusters with two or more records.
    pub multi_record_clusters: u64,
    /// Records in the largest cluster.
    pub largest_cluster: u64,
    /// Components split by the over-chaining guard.
    pub components_split: u64,
    /// Whether a supplied model was used instead of training.
    pub model_reused: bool,
    /// EM iterations of the model's training.
    pub em_iterations: u32,
    /// Whether every EM session of the model's training converged.
    pub em_converged: bool,
    /// Things a steward should look at (skipped blocks, no pairs...), no
    /// customer values.
    pub warnings: Vec<String>,
    /// Step timings.
    pub timings: Timings,
}
