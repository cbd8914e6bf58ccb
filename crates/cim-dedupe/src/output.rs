//! The audit table of scored pairs, and supervised training from labelled
//! pairs.

use std::collections::HashMap;
use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, BooleanArray, DictionaryArray, Float32Array, Float64Array, StringArray,
    UInt8Array,
};
use arrow::datatypes::{DataType, Field, Schema, UInt8Type};
use arrow::record_batch::RecordBatch;
use cim_schema::batch::str_col;
use cim_schema::col;
use serde::{Deserialize, Serialize};

use crate::em::{self, EmProblem, clamp_p};
use crate::model::{Model, TrainingReport};
use crate::options::DedupeOptions;
use crate::pipeline;
use crate::{DedupeResult, Error};

/// Record ids of all rows, in global row order.
pub fn record_ids(records: &[RecordBatch]) -> Result<Vec<&str>, Error> {
    let mut out = Vec::new();
    for b in records {
        let a = str_col(b, col::RECORD_ID)?;
        out.extend((0..a.len()).map(|i| a.value(i)));
    }
    Ok(out)
}

/// The scored pairs as an Arrow batch for `pairs.parquet`: `record_id_l`,
/// `record_id_r`; per comparison `<name>_level` (dictionary of level names,
/// keys are the level codes) and `<name>_weight` (`Float32`, bits, term
/// frequency included); `match_weight` and `match_probability`
/// (`Float64`); `blocking_rule` (`UInt8`, index into the report's rules);
/// `deterministic` (`Boolean`, decided by a deterministic rule). Rows are
/// sorted by `(left row, right row)`.
pub fn pairs_batch(result: &DedupeResult, records: &[RecordBatch]) -> Result<RecordBatch, Error> {
    let ids = record_ids(records)?;
    pairs_slice(result, &ids, 0..result.pairs.len())
}

/// Rows `rows` of [`pairs_batch`], given the [`record_ids`] of the records:
/// the table a slice at a time, for a file written without ever holding
/// all of it. Panics when `rows` is out of range.
pub fn pairs_slice(
    result: &DedupeResult,
    ids: &[&str],
    rows: std::ops::Range<usize>,
) -> Result<RecordBatch, Error> {
    let p = &result.pairs;
    if ids.len() != result.cluster_of_row.len() {
        return Err(Error::Config(format!(
            "pairs_batch: {} records given, the result has {}",
            ids.len(),
            result.cluster_of_row.len()
        )));
    }
    let nc = p.comparisons.len();
    let mut fields = vec![
        Field::new("record_id_l", DataType::Utf8, false),
        Field::new("record_id_r", DataType::Utf8, false),
    ];
    let mut columns: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from_iter_values(
            p.left[rows.clone()].iter().map(|&r| ids[r as usize]),
        )),
        Arc::new(StringArray::from_iter_values(
            p.right[rows.clone()].iter().map(|&r| ids[r as usize]),
        )),
    ];
    for c in 0..nc {
        let name = &p.comparisons[c];
        let keys = UInt8Array::from_iter_values(rows.clone().map(|i| p.level(i, c)));
        let values: ArrayRef = Arc::new(StringArray::from_iter_values(p.level_names[c].iter()));
        let dict = DictionaryArray::<UInt8Type>::try_new(keys, values)?;
        fields.push(Field::new(
            format!("{name}_level"),
            DataType::Dictionary(Box::new(DataType::UInt8), Box::new(DataType::Utf8)),
            false,
        ));
        columns.push(Arc::new(dict));
        fields.push(Field::new(
            format!("{name}_weight"),
            DataType::Float32,
            false,
        ));
        columns.push(Arc::new(Float32Array::from_iter_values(
            rows.clone().map(|i| p.weights[i * nc + c]),
        )));
    }
    fields.push(Field::new("match_weight", DataType::Float64, false));
    columns.push(Arc::new(Float64Array::from(
        p.match_weight[rows.clone()].to_vec(),
    )));
    fields.push(Field::new("match_probability", DataType::Float64, false));
    columns.push(Arc::new(Float64Array::from(
        p.match_probability[rows.clone()].to_vec(),
    )));
    fields.push(Field::new("blocking_rule", DataType::UInt8, false));
    columns.push(Arc::new(UInt8Array::from(
        p.blocking_rule[rows.clone()].to_vec(),
    )));
    fields.push(Field::new("deterministic", DataType::Boolean, false));
    columns.push(Arc::new(BooleanArray::from(
        p.deterministic_rule[rows]
            .iter()
            .map(Option::is_some)
            .collect::<Vec<_>>(),
    )));
    Ok(RecordBatch::try_new(
        Arc::new(Schema::new(fields)),
        columns,
    )?)
}

/// One labelled pair (a line of the labels file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabelledPair {
    /// Record id of one record.
    pub record_id_l: String,
    /// Record id of the other record.
    pub record_id_r: String,
    /// Whether they are the same entity.
    pub is_match: bool,
}

/// Trains with labels: m from the level frequencies among the labelled
/// matches (one pseudo-count per level), u from random pairs as in
/// unsupervised training (labelled non-matches are rarely a random sample),
/// then the prior by EM with m and u fixed. Levels configured in
/// `opts.fixed` keep their pinned values.
pub fn train_with_labels(
    records: &[RecordBatch],
    labels: &[LabelledPair],
    opts: &DedupeOptions,
) -> Result<Model, Error> {
    let prep = pipeline::prepare(records, opts, None)?;
    let ids = record_ids(records)?;
    let row_of: HashMap<&str, usize> = ids.iter().enumerate().map(|(i, &s)| (s, i)).collect();
    let nc = prep.comps.len();
    let n_levels: Vec<usize> = prep.comps.iter().map(|c| c.n_levels()).collect();
    let mut counts: Vec<Vec<f64>> = n_levels.iter().map(|&k| vec![0.0; k]).collect();
    let mut n_matches = 0u64;
    let mut lv = vec![0u8; nc];
    for (i, l) in labels.iter().enumerate() {
        let (Some(&a), Some(&b)) = (
            row_of.get(l.record_id_l.as_str()),
            row_of.get(l.record_id_r.as_str()),
        ) else {
            return Err(Error::Config(format!(
                "labelled pair {i}: a record id is not in the input"
            )));
        };
        if !l.is_match || a == b {
            continue;
        }
        n_matches += 1;
        em::levels_into(&prep.table, &prep.comps, a.min(b), a.max(b), &mut lv);
        for (c, &x) in lv.iter().enumerate() {
            counts[c][x as usize] += 1.0;
        }
    }
    if n_matches == 0 {
        return Err(Error::Config("labels contain no matching pair".into()));
    }
    let m: Vec<Vec<f64>> = counts
        .iter()
        .map(|c| {
            let total: f64 = c.iter().skip(1).map(|x| x + 1.0).sum();
            c.iter()
                .enumerate()
                .map(|(l, &x)| {
                    if l == 0 {
                        1.0
                    } else {
                        clamp_p((x + 1.0) / total)
                    }
                })
                .collect()
        })
        .collect();
    let mut model_opts = opts.clone();
    model_opts.em_max_iterations = 0;
    // Unsupervised pieces (u, fixed params) come from the ordinary path;
    // then m is replaced and the prior re-estimated with m fixed.
    let base = pipeline::train_prepared(&prep, &model_opts)?;
    let u: Vec<Vec<f64>> = base
        .comparisons
        .iter()
        .map(|c| c.levels.iter().map(|l| l.u).collect())
        .collect();
    let m_pinned: Vec<Vec<bool>> = n_levels.iter().map(|&k| vec![true; k]).collect();
    let u_pinned: Vec<Vec<Option<f64>>> = base
        .comparisons
        .iter()
        .map(|c| c.levels.iter().map(|l| l.u_fixed.then_some(l.u)).collect())
        .collect();
    let mut m = m;
    for (c, cm) in base.comparisons.iter().enumerate() {
        for (l, lp) in cm.levels.iter().enumerate() {
            if lp.m_fixed {
                m[c][l] = lp.m;
            }
        }
    }
    let pairs = &prep.cands.pairs;
    let table = em::PatternTable::build(&prep.levels, nc, &|i| prep.cands.masks.get(i));
    let (pats, cnts) = table.select(|_| true);
    let active = vec![true; nc];
    let r = em::run_em(
        &EmProblem {
            patterns: &pats,
            counts: &cnts,
            n_levels: &n_levels,
            u: &u,
            active: &active,
            m_fixed: &m_pinned,
            max_iterations: opts.em_max_iterations.max(1),
            tolerance: opts.em_tolerance,
            estimate_lambda: true,
            estimate_m: false,
            estimate_u: false,
        },
        m.clone(),
        em::initial_lambda(&pats, &cnts, nc, &active),
    );
    let total = pipeline::total_pairs(&prep.table, opts.link_type);
    let prior = if total > 0.0 {
        clamp_p(r.lambda * pairs.len() as f64 / total)
    } else {
        em::P_MIN
    };
    let report = TrainingReport {
        records: prep.table.n_rows as u64,
        candidate_pairs: pairs.len() as u64,
        u_pairs_sampled: base.training.u_pairs_sampled,
        labelled_pairs: labels.len() as u64,
        mode: opts.training,
        sessions: Vec::new(),
        em_iterations: r.iterations,
        converged: r.converged,
    };
    Ok(pipeline::build_model(
        &prep, opts, &m, &u, &m_pinned, &u_pinned, prior, r.lambda, report,
    ))
}
