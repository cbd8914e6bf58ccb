//! The weight waterfall of one pair: why the model matched (or did not
//! match) two records.

use arrow::record_batch::RecordBatch;
use cim_schema::CanonicalField;
use serde::Serialize;

use crate::Error;
use crate::blocking::{blocks_in_force, eligible};
use crate::model::{Model, probability};
use crate::options::{BlockingRule, DedupeOptions};
use crate::output::record_ids;
use crate::pipeline::{self, Scorer, keys_agree};

/// `comparison` of the step that takes back redundant evidence (see
/// [`crate::DedupeOptions::evidence_groups`]).
pub const REDUNDANT_EVIDENCE_STEP: &str = "redundant_evidence";

/// `comparison` of the step added by the person-conflict guard.
pub const PERSON_CONFLICT_STEP: &str = "person_conflict_guard";

/// One comparison's contribution.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComparisonStep {
    /// Comparison name.
    pub comparison: String,
    /// Fields it reads.
    pub fields: Vec<CanonicalField>,
    /// Level the pair falls in.
    pub level: String,
    /// Level code.
    pub level_code: u8,
    /// P(level | match).
    pub m: f64,
    /// P(level | non-match).
    pub u: f64,
    /// log2(m/u).
    pub level_weight: f64,
    /// Term-frequency adjustment in bits (0 when none applies).
    pub tf_adjustment: f64,
    /// `level_weight + tf_adjustment`.
    pub weight: f64,
    /// Prior weight plus all steps so far.
    pub running_total: f64,
}

/// Why a pair scores what it scores.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    /// Global row of the first record.
    pub row_l: usize,
    /// Global row of the second record.
    pub row_r: usize,
    /// Record id of the first record.
    pub record_id_l: String,
    /// Record id of the second record.
    pub record_id_r: String,
    /// Starting weight: log2 of the prior odds.
    pub prior_match_weight: f64,
    /// One step per comparison, in model order.
    pub steps: Vec<ComparisonStep>,
    /// Final weight: prior plus every step.
    pub match_weight: f64,
    /// Final probability (1 when a deterministic rule applies).
    pub match_probability: f64,
    /// The deterministic rule that declares the pair a match, if any.
    pub deterministic_rule: Option<String>,
    /// Threshold in force.
    pub match_threshold: f64,
    /// Whether the pair is a match at the threshold.
    pub is_match: bool,
    /// Blocking rules (index and text) that produce the pair; empty when no
    /// rule does (the pair is never compared in a run).
    pub blocking_rules: Vec<(usize, String)>,
    /// Rules whose keys agree but whose block is over `max_block_size` (or
    /// the rule's smaller cap, see `RuleReport::block_size_cap`).
    pub oversized_blocking_rules: Vec<(usize, String)>,
}

/// A step that adjusts the total without reading a field, shown on its own
/// so the steps still add up to the final weight.
fn adjustment_step(name: &str, level: &str, bits: f64, running_total: f64) -> ComparisonStep {
    ComparisonStep {
        comparison: name.into(),
        fields: Vec::new(),
        level: level.into(),
        level_code: 0,
        m: 1.0,
        u: 1.0,
        level_weight: 0.0,
        tf_adjustment: bits,
        weight: bits,
        running_total,
    }
}

/// Explains the score of rows `row_a` and `row_b` under `model`.
pub fn explain(
    records: &[RecordBatch],
    row_a: usize,
    row_b: usize,
    model: &Model,
    opts: &DedupeOptions,
) -> Result<Explanation, Error> {
    let specs: Vec<_> = model.comparisons.iter().map(|c| c.spec.clone()).collect();
    let plan = pipeline::plan(records, opts, Some(&specs))?;
    let table = pipeline::intern(records, &plan)?;
    let rows = table.n_rows;
    for r in [row_a, row_b] {
        if r >= rows {
            return Err(Error::RowOutOfRange { row: r, rows });
        }
    }
    let comps = pipeline::compile(&plan, &table, opts)?;
    pipeline::check_model(model, &comps)?;
    let (a, b) = (row_a.min(row_b), row_a.max(row_b));
    let det: Vec<BlockingRule> = plan
        .det_rules
        .iter()
        .map(|&i| plan.rules[i].clone())
        .collect();
    let scorer = Scorer::new(&table, &comps, model, opts, det.clone());
    let mut running = model.prior_match_weight;
    let mut steps = Vec::with_capacity(comps.len());
    for (c, comp) in comps.iter().enumerate() {
        let l = comp.level(&table, a, b);
        let lp = &model.comparisons[c].levels[l as usize];
        let tf = scorer.tf_adjustment(c, l, a, b);
        let weight = lp.match_weight + tf;
        running += weight;
        steps.push(ComparisonStep {
            comparison: comp.name.clone(),
            fields: model.comparisons[c].spec.fields.clone(),
            level: lp.name.clone(),
            level_code: l,
            m: lp.m,
            u: lp.u,
            level_weight: lp.match_weight,
            tf_adjustment: tf,
            weight,
            running_total: running,
        });
    }
    let levels: Vec<u8> = steps.iter().map(|s| s.level_code).collect();
    let weights: Vec<f32> = steps.iter().map(|s| s.weight as f32).collect();
    let redundant = scorer.redundancy(&levels, &weights);
    if redundant < 0.0 {
        running += redundant;
        steps.push(adjustment_step(
            REDUNDANT_EVIDENCE_STEP,
            "correlated agreements counted once",
            redundant,
            running,
        ));
    }
    if scorer.conflicts(&levels) && running > pipeline::CONFLICT_CAP {
        let adjustment = pipeline::CONFLICT_CAP - running;
        running = pipeline::CONFLICT_CAP;
        steps.push(adjustment_step(
            PERSON_CONFLICT_STEP,
            "given names differ, no shared identifier",
            adjustment,
            running,
        ));
    }
    let deterministic_rule = scorer.deterministic(a, b).map(|i| det[i].to_string());
    let match_probability = if deterministic_rule.is_some() {
        1.0
    } else {
        probability(running)
    };
    let source = table.source_ids();
    let mut blocking_rules = Vec::new();
    let mut oversized = Vec::new();
    if a != b && eligible(opts.link_type, source[a], source[b]) {
        // Each rule's size cap as in the run (default rules may compare
        // only smaller blocks, see `RuleReport::block_size_cap`): that
        // takes grouping every rule, so only when some rule's keys agree.
        let agreeing: Vec<usize> = (0..plan.rules.len())
            .filter(|&i| keys_agree(&table, &plan.rules[i], a, b))
            .collect();
        let caps: Vec<usize> = if agreeing.is_empty() {
            Vec::new()
        } else {
            blocks_in_force(&table, &plan, opts)
                .iter()
                .map(|b| b.as_ref().map_or(0, |b| b.size_cap))
                .collect()
        };
        for i in agreeing {
            let rule = &plan.rules[i];
            let size = (0..rows)
                .filter(|&r| keys_agree(&table, rule, a, r))
                .count();
            if size > caps[i] {
                oversized.push((i, rule.to_string()));
            } else {
                blocking_rules.push((i, rule.to_string()));
            }
        }
    }
    let ids = record_ids(records)?;
    Ok(Explanation {
        row_l: a,
        row_r: b,
        record_id_l: ids[a].to_string(),
        record_id_r: ids[b].to_string(),
        prior_match_weight: model.prior_match_weight,
        steps,
        match_weight: running,
        match_probability,
        deterministic_rule,
        match_threshold: opts.match_threshold,
        is_match: match_probability >= opts.match_threshold,
        blocking_rules,
        oversized_blocking_rules: oversized,
    })
}
