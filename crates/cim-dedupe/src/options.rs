//! Configuration of the dedupe stage: [`DedupeOptions`] and the types it is
//! made of. Every field documents its default; `cim-config` embeds these
//! types in its TOML schema.

use std::fmt;
use std::str::FromStr;

use cim_schema::{CanonicalField, MatchKey};
use serde::{Deserialize, Serialize};

/// Which record pairs are eligible, by the `source` column.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum LinkType {
    /// Only pairs of records from the same source.
    DedupeOnly,
    /// Only pairs of records from different sources.
    LinkOnly,
    /// Every pair (default).
    #[default]
    LinkAndDedupe,
}

/// One part of a blocking rule: a match key, optionally cut to its first
/// `prefix` characters. Written `family_name` or `family_name[:3]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyPart {
    /// The match key (`key_<name>` column).
    pub key: MatchKey,
    /// Keep only the first `prefix` characters (Unicode scalar values).
    pub prefix: Option<u8>,
}

impl fmt::Display for KeyPart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.prefix {
            Some(p) => write!(f, "{}[:{p}]", self.key.name()),
            None => f.write_str(self.key.name()),
        }
    }
}

impl FromStr for KeyPart {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let (name, prefix) = match s.find('[') {
            Some(i) => {
                let rest = s[i..]
                    .strip_prefix("[:")
                    .and_then(|r| r.strip_suffix(']'))
                    .ok_or_else(|| format!("`{s}`: expected `key[:n]`"))?;
                let n: u8 = rest
                    .trim()
                    .parse()
                    .map_err(|_| format!("`{s}`: prefix length must be 1..=255"))?;
                if n == 0 {
                    return Err(format!("`{s}`: prefix length must be 1..=255"));
                }
                (&s[..i], Some(n))
            }
            None => (s, None),
        };
        let key = MatchKey::from_name(name.trim()).ok_or_else(|| {
            format!(
                "unknown match key `{}` (known: {})",
                name.trim(),
                MatchKey::ALL.map(|k| k.name()).join(", ")
            )
        })?;
        Ok(Self { key, prefix })
    }
}

/// A conjunction of key parts: two records are candidates under the rule
/// when every part is non-empty and equal on both. Written in config as a
/// list, e.g. `["family_phonetic", "birth_year"]` or
/// `["family_name[:3]", "postcode"]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(try_from = "Vec<String>", into = "Vec<String>")]
pub struct BlockingRule {
    /// The parts, all of which must agree.
    pub parts: Vec<KeyPart>,
}

impl BlockingRule {
    /// A rule over whole keys.
    pub fn keys(keys: &[MatchKey]) -> Self {
        Self {
            parts: keys
                .iter()
                .map(|&key| KeyPart { key, prefix: None })
                .collect(),
        }
    }

    /// Parses a list of parts such as `["family_name[:3]", "postcode"]`.
    pub fn parse<S: AsRef<str>>(parts: &[S]) -> Result<Self, String> {
        if parts.is_empty() {
            return Err("a blocking rule needs at least one key".into());
        }
        let parts = parts
            .iter()
            .map(|p| p.as_ref().parse())
            .collect::<Result<Vec<KeyPart>, _>>()?;
        Ok(Self { parts })
    }
}

impl TryFrom<Vec<String>> for BlockingRule {
    type Error = String;
    fn try_from(v: Vec<String>) -> Result<Self, String> {
        Self::parse(&v)
    }
}

impl From<BlockingRule> for Vec<String> {
    fn from(r: BlockingRule) -> Self {
        r.parts.iter().map(ToString::to_string).collect()
    }
}

impl fmt::Display for BlockingRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.parts.iter().enumerate() {
            if i > 0 {
                f.write_str(" & ")?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

/// A rule that declares a match outright: when every key is non-empty and
/// equal on both records the pair gets probability 1, whatever the model
/// says. Same syntax as a [`BlockingRule`], e.g. `["national_id"]` or
/// `["email", "dob"]`. Its pairs are always generated (the rule is added to
/// the blocking rules when no identical rule is there).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(transparent)]
pub struct DeterministicRule(pub BlockingRule);

/// Pins the m and/or u probability of one comparison level instead of
/// estimating it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct FixedParam {
    /// Comparison name, e.g. `"dob"`. Default: empty (must be set).
    pub comparison: String,
    /// Level name, e.g. `"exact"`. Default: empty (must be set).
    pub level: String,
    /// Fixed m probability (P(level | match)). Default: none (estimated by EM).
    pub m: Option<f64>,
    /// Fixed u probability (P(level | non-match)). Default: none (estimated
    /// from random pairs).
    pub u: Option<f64>,
}

/// What a comparison computes; decides its levels (strongest first; level
/// code 0 is always `null`, the last is always `else`).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ComparisonKind {
    /// One name part (`fields[0]`), with `fields[1]` (optional) as the part
    /// it may be swapped with. Levels: `exact` (display), `canonical` (key:
    /// nickname, pinyin, case, accents), `swapped` (both parts crossed, each
    /// at least at the first Jaro-Winkler threshold),
    /// `jaro_winkler_<t>` per threshold (default 0.92, 0.80), `initial`
    /// (one side is the other's initial), `else`. Where a key is a
    /// nickname's canonical form (Jack -> john), `swapped` and the
    /// Jaro-Winkler levels also compare the names as written.
    #[default]
    Name,
    /// A whole name compared as a token set (order free). Levels: `exact`,
    /// `canonical`, `tokens_<t>` per threshold (default 0.90, 0.75), `else`.
    FullName,
    /// A date (`YYYY-MM-DD` key). Levels: `exact`, `day_month_swapped`,
    /// `one_typo`, `within_<n>_days` (threshold n, default 31),
    /// `same_year`, `else`.
    Date,
    /// Email. Levels: `exact`, `local_part` (same local part, other
    /// domain), `edits_<n>` (optimal string alignment distance of the whole
    /// address at most n, default 2, and the same digits in the same order:
    /// typos, not `hanmin0102` vs `hanmin1027`), `else`.
    Email,
    /// Phone. Levels: `exact`, `edits_<n>` per threshold (optimal string
    /// alignment distance, default 1), `else`.
    Phone,
    /// Address. Levels: `exact`, `tokens_<t>` per threshold (soft token
    /// similarity, numbers must match exactly; default 0.90, 0.70), `else`.
    Address,
    /// City and/or postcode as one comparison (they are strongly
    /// dependent). With both fields: `exact_both`, `postcode_exact`,
    /// `city_exact`, `fuzzy` (city Jaro-Winkler >= threshold, default 0.88,
    /// or postcode one edit), `else`; with one field: `exact`, `fuzzy`,
    /// `else`.
    Location,
    /// An identifier (national id...). Levels: `exact`, `edits_<n>` per
    /// threshold (default 1, 2), `else`.
    Identifier,
    /// Company name. Levels: `exact`, `canonical`, `tokens_<t>` (default
    /// 0.90, 0.70), `else`.
    Company,
    /// Exact comparison of the key only. Levels: `exact`, `else`.
    Exact,
    /// Generic string. Levels: `exact`, `canonical`, `jaro_winkler_<t>`
    /// (default 0.92, 0.80), `else`.
    String,
    /// Numeric value. Levels: `exact`, `within_<t>` per absolute-difference
    /// threshold (default 1), `else`.
    Numeric,
}

/// One comparison of the model.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ComparisonSpec {
    /// Name used in the model, the pairs output and [`FixedParam`]s.
    /// Default: empty (must be set, unique).
    pub name: String,
    /// What is computed. Default: `name`.
    pub kind: ComparisonKind,
    /// Canonical fields compared (display value and derived key). Default:
    /// empty (must be set; `name` takes `[part, swap_partner]`,
    /// `location` takes `[city, postcode]` or one of them).
    #[schemars(with = "Vec<String>")]
    pub fields: Vec<CanonicalField>,
    /// Thresholds of the fuzzy levels, strongest first. Default: empty
    /// (the kind's defaults, see [`ComparisonKind`]).
    pub thresholds: Vec<f64>,
    /// Term-frequency adjust the exact levels. Default: none (follow
    /// [`DedupeOptions::term_frequency`]).
    pub term_frequency: Option<bool>,
}

/// How clusters are formed from scored pairs.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ClusteringMethod {
    /// Connected components over pairs at or above the threshold. Fast, but
    /// one false link chains two people together.
    ConnectedComponents,
    /// Connected components, then average-linkage agglomeration inside each
    /// component (default): see the `cluster` module docs.
    #[default]
    AverageLinkage,
    /// One-to-one linking: a pair is kept only when each record is the
    /// other's best-scoring partner; then connected components.
    BestLink,
}

/// The per-pair score averaged by `average_linkage`.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum LinkScore {
    /// The pair's match probability (prior included): pairs that share
    /// little information count against a merge.
    Probability,
    /// The probability the pair's own evidence gives at even prior odds
    /// (`2^w' / (1 + 2^w')` with `w'` the weight without the prior): records
    /// that are already tied together by strong links merge unless their
    /// cross pairs *disagree*, not merely because they share few fields
    /// (default).
    #[default]
    Evidence,
}

/// Options of the clustering step.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ClusteringOptions {
    /// Method. Default: `average_linkage`.
    pub method: ClusteringMethod,
    /// `average_linkage`: two groups of records merge only when the mean
    /// match probability over all their cross pairs is at least this.
    /// Default: 0.5.
    pub min_average_link: f64,
    /// `average_linkage`: what is averaged. Default: `evidence`.
    pub link_score: LinkScore,
    /// `average_linkage`: components up to this many records have every
    /// internal pair scored (pairs missed by blocking included); larger
    /// ones count unscored pairs as probability 0. Default: 300.
    pub rescore_max_component: usize,
}

impl Default for ClusteringOptions {
    fn default() -> Self {
        Self {
            method: ClusteringMethod::AverageLinkage,
            min_average_link: 0.5,
            link_score: LinkScore::Evidence,
            rescore_max_component: 300,
        }
    }
}

/// How m probabilities are estimated by EM.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum TrainingMode {
    /// One EM session per blocking rule over the pairs that rule produces,
    /// not estimating the comparisons that read the rule's keys (they agree
    /// by construction); each m is the average over the sessions that
    /// estimated it, weighted by their expected matches (default).
    #[default]
    PerRule,
    /// One EM session over all candidate pairs.
    Global,
}

/// Options of [`crate::train`] and [`crate::dedupe`].
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct DedupeOptions {
    /// Which pairs are eligible. Default: `link_and_dedupe`.
    pub link_type: LinkType,
    /// Blocking rules, combined as a union. Default: none (chosen from the
    /// populated keys, see `blocking::default_rules`).
    pub blocking_rules: Option<Vec<BlockingRule>>,
    /// Comparisons of the model. Default: none (chosen from the populated
    /// fields). Ignored when a trained model is supplied: the model's
    /// comparisons are used.
    pub comparisons: Option<Vec<ComparisonSpec>>,
    /// Match probability at or above which a pair links two records.
    /// Default: 0.8 (measured on the dev sets: precision 1.0 on all three,
    /// F1 flat between 0.5 and 0.95 on Febrl).
    pub match_threshold: f64,
    /// Scored pairs at or above this probability are kept for audit
    /// (`pairs.parquet`). Default: 0.05.
    pub pairs_floor: f64,
    /// Maximum candidate pairs over all rules (counted before comparing).
    /// Default: 100000000.
    pub max_pairs: u64,
    /// Maximum candidate pairs of one rule. Default: 50000000.
    pub max_pairs_per_rule: u64,
    /// Blocks larger than this are skipped with a warning (the "John Smith"
    /// problem: a key value shared by that many records says little about
    /// any pair, and costs n²/2 comparisons). The duplicates inside are
    /// still found by the other rules. On generated data 50 loses no recall
    /// against 100 or 1000 at 100k and 1M records while comparing 2.4x
    /// fewer pairs. Raise it when one customer legitimately has more
    /// records than this (order-level exports). A *default* rule also
    /// skips its largest blocks below this size while it would produce
    /// more than 3 times the candidate pairs of the median default rule
    /// (and over 100,000): at 100k generated records that halves the pairs
    /// compared with the same F1. The run report gives each rule's
    /// `block_size_cap`.
    /// Default: 50.
    pub max_block_size: usize,
    /// Random record pairs sampled to estimate u probabilities. When the
    /// data has at most 1,000,000 eligible pairs in all (or at most this
    /// many), every pair is compared instead and u is exact. The error of a
    /// sampled u depends on the sample, not on the data's size: at 300,000
    /// pairs a level seen once in 5,000 random pairs (60 times in the
    /// sample) is estimated within about ±13% (one standard error), and
    /// exact levels with term-frequency adjustment take their u from the
    /// values' frequencies anyway. On generated data 300,000 and 1,000,000
    /// give the same F1 at 100k and 1M records, and the smaller sample
    /// saves 0.26 s of 1.84 s at 100k.
    /// Default: 300000.
    pub u_sample_pairs: usize,
    /// EM iteration cap per session. Default: 100.
    pub em_max_iterations: u32,
    /// EM stops when no parameter moves more than this. Default: 0.0001.
    pub em_tolerance: f64,
    /// How EM sessions are organised. Default: `per_rule`.
    pub training: TrainingMode,
    /// EM also re-estimates the non-match level distribution inside each
    /// session (starting from the random-pair u), instead of holding it at
    /// the random-pair u. Candidate pairs are not random: different people
    /// with the same common name also share a city, an email local part, a
    /// household. Held fixed, that excess agreement is blamed on matches and
    /// inflates m of every disagreement level. Scoring always uses the
    /// random-pair u. Default: true.
    pub em_estimate_u: bool,
    /// Seed of the u sampling. Default: 42.
    pub seed: u64,
    /// Term-frequency adjustment of exact levels (rare values weigh more).
    /// Default: true.
    pub term_frequency: bool,
    /// Bound (in bits, both signs) of one term-frequency adjustment.
    /// Default: 8.0.
    pub tf_max_adjustment: f64,
    /// Rules that declare a match outright. Default: none.
    pub deterministic_rules: Vec<DeterministicRule>,
    /// Pinned m/u probabilities. Default: none.
    pub fixed: Vec<FixedParam>,
    /// Clustering. Default: see [`ClusteringOptions`].
    pub clustering: ClusteringOptions,
    /// Person-conflict guard: a pair whose given names are both present and
    /// clearly different (`given_name` at its `else` level: not equal, not a
    /// nickname, initial, swap or close spelling) is capped at match weight 0
    /// (probability 0.5, below any sensible threshold) unless a person-level
    /// identifier (email or national id) agrees exactly, however much
    /// household evidence (shared phone, address, postcode, birth date of
    /// twins) it has. Fellegi-Sunter treats those household fields as
    /// independent and would otherwise merge family members. Deterministic
    /// rules still apply. Default: `true`.
    pub person_conflict_guard: bool,
    /// The guard stands down when the trained model estimates that more
    /// than this share of true duplicates have clearly different given
    /// names (the m of `given_name`'s `else` level): it would veto that
    /// many true matches, in data whose given names are unreliable, and
    /// the model's own weight for the disagreement is left to decide. A
    /// warning says so. `1.0` keeps the guard whatever the model says.
    /// Default: 0.05 (measured: 0.01-0.03 on customer data with
    /// households, 0.10-0.16 on the Febrl sets, whose duplicates often
    /// have a replaced given name).
    pub person_conflict_guard_max_share: f64,
    /// Groups of comparisons (by name) whose agreements are redundant
    /// evidence: within a group only the strongest positive weight counts.
    /// A shared household has the same phone, street address and postcode;
    /// Fellegi-Sunter would add all three as if independent (about 40 bits,
    /// enough to merge any two family members), while for two different
    /// people agreeing on one of them makes agreeing on the others nearly
    /// certain. Disagreements still all count. Names not among the
    /// comparisons are ignored. Default: none, meaning
    /// `[["phone", "address", "location"]]`; `[]` turns grouping off.
    pub evidence_groups: Option<Vec<Vec<String>>>,
}

impl Default for DedupeOptions {
    fn default() -> Self {
        Self {
            link_type: LinkType::LinkAndDedupe,
            blocking_rules: None,
            comparisons: None,
            match_threshold: 0.8,
            pairs_floor: 0.05,
            max_pairs: 100_000_000,
            max_pairs_per_rule: 50_000_000,
            max_block_size: 50,
            u_sample_pairs: 300_000,
            em_max_iterations: 100,
            em_tolerance: 1e-4,
            training: TrainingMode::PerRule,
            em_estimate_u: true,
            seed: 42,
            term_frequency: true,
            tf_max_adjustment: 8.0,
            deterministic_rules: Vec::new(),
            fixed: Vec::new(),
            clustering: ClusteringOptions::default(),
            person_conflict_guard: true,
            person_conflict_guard_max_share: 0.05,
            evidence_groups: None,
        }
    }
}

impl DedupeOptions {
    pub(crate) fn validate(&self) -> Result<(), crate::Error> {
        let bad = |m: String| Err(crate::Error::Config(m));
        if !(0.0..=1.0).contains(&self.match_threshold) {
            return bad("match_threshold must be within [0, 1]".into());
        }
        if !(0.0..=1.0).contains(&self.pairs_floor) {
            return bad("pairs_floor must be within [0, 1]".into());
        }
        if !(0.0..=1.0).contains(&self.person_conflict_guard_max_share) {
            return bad("person_conflict_guard_max_share must be within [0, 1]".into());
        }
        if !(0.0..=1.0).contains(&self.clustering.min_average_link) {
            return bad("clustering.min_average_link must be within [0, 1]".into());
        }
        if self.max_block_size < 2 {
            return bad("max_block_size must be at least 2".into());
        }
        if self.em_tolerance.is_nan() || self.em_tolerance <= 0.0 {
            return bad("em_tolerance must be positive".into());
        }
        for f in &self.fixed {
            for p in [f.m, f.u].into_iter().flatten() {
                if !(p > 0.0 && p <= 1.0) {
                    return bad(format!(
                        "fixed {}/{}: probabilities must be within (0, 1]",
                        f.comparison, f.level
                    ));
                }
            }
        }
        if let Some(rules) = &self.blocking_rules
            && rules.iter().any(|r| r.parts.is_empty())
        {
            return bad("a blocking rule needs at least one key".into());
        }
        Ok(())
    }
}
