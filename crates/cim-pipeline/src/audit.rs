//! Audit views of dedupe decisions: match-weight waterfalls with record
//! values (masked unless PII may be shown), shared by the run report
//! (`report.html`) and `cim explain`.

use arrow::record_batch::RecordBatch;
use cim_audit::{Waterfall, WaterfallRow};
use cim_dedupe::{ComparisonKind, ComparisonSpec, DedupeResult, Explanation, Model, ScoredPairs};
use cim_schema::CanonicalField;
use cim_schema::batch::{opt_str, str_col};

use crate::PipelineError;
use crate::summary::RunSummary;

/// Borderline pairs sampled for the report.
const BORDERLINE_PAIRS: usize = 10;

/// Term-frequency adjustments smaller than this (bits) are not shown as a
/// row of their own: f32 rounding of stored weights, not an adjustment.
const TF_EPSILON: f64 = 1e-4;

/// The step `cim_dedupe::explain` adds when the person-conflict guard caps a
/// pair (no fields, the cap as its weight).
const CONFLICT_GUARD_STEP: &str = "person_conflict_guard";

/// A difference between a pair's stored weight and its rows' sum larger than
/// this (bits) is a cap, not f32 rounding of the stored weights.
const CAP_EPSILON: f64 = 1e-2;

/// The waterfall row of the person-conflict guard's cap (`adjustment` bits).
fn guard_row(adjustment: f64) -> WaterfallRow {
    WaterfallRow {
        comparison: cim_audit::CONFLICT_GUARD_ROW.to_owned(),
        level: "capped at 0".to_owned(),
        value_l: Some(String::new()),
        value_r: Some(String::new()),
        m: None,
        u: None,
        weight: adjustment,
    }
}

/// Finds the batch and local row of a global row.
fn locate(records: &[RecordBatch], mut row: usize) -> Option<(&RecordBatch, usize)> {
    for b in records {
        if row < b.num_rows() {
            return Some((b, row));
        }
        row -= b.num_rows();
    }
    None
}

/// The fields whose values are shown for a comparison: a name part shows
/// only its own part (the second field is just its swap partner).
fn shown_fields(spec: &ComparisonSpec) -> &[CanonicalField] {
    match spec.kind {
        ComparisonKind::Name if !spec.fields.is_empty() => &spec.fields[..1],
        _ => &spec.fields,
    }
}

/// The normalised value(s) a comparison reads for one record, masked
/// unless `show_pii`; several fields are joined with ` / `. `None` when
/// every field is null.
pub fn comparison_value(
    records: &[RecordBatch],
    row: usize,
    fields: &[CanonicalField],
    show_pii: bool,
) -> Result<Option<String>, PipelineError> {
    let Some((batch, i)) = locate(records, row) else {
        return Err(PipelineError::Internal(format!(
            "row {row} is outside the records"
        )));
    };
    let mut parts = Vec::with_capacity(fields.len());
    let mut any = false;
    for &f in fields {
        let v = opt_str(str_col(batch, f.name())?, i);
        any |= v.is_some();
        parts.push(match v {
            Some(v) if show_pii => v.to_owned(),
            Some(v) => cim_normalize::mask(f, v),
            None => "-".to_owned(),
        });
    }
    Ok(any.then(|| parts.join(" / ")))
}

/// Pushes one comparison's rows: its level, then its term-frequency
/// adjustment (when there is one) as a row of its own, so that the rows'
/// weights still add up to the total.
#[allow(clippy::too_many_arguments)]
fn push_rows(
    rows: &mut Vec<WaterfallRow>,
    comparison: &str,
    level: &str,
    values: (Option<String>, Option<String>),
    m: f64,
    u: f64,
    level_weight: f64,
    tf: f64,
) {
    rows.push(WaterfallRow {
        comparison: comparison.to_owned(),
        level: level.to_owned(),
        value_l: values.0,
        value_r: values.1,
        m: Some(m),
        u: Some(u),
        weight: level_weight,
    });
    if tf.abs() > TF_EPSILON {
        rows.push(WaterfallRow {
            comparison: format!("{comparison} (term frequency)"),
            level: "tf_adjustment".to_owned(),
            // Empty rather than null: the row has no values of its own.
            value_l: Some(String::new()),
            value_r: Some(String::new()),
            m: None,
            u: None,
            weight: tf,
        });
    }
}

/// Maps an [`Explanation`] to a [`Waterfall`], reading each comparison's
/// values from `records` (the rows the explanation was made on).
pub fn explanation_waterfall(
    records: &[RecordBatch],
    e: &Explanation,
    specs: &[ComparisonSpec],
    show_pii: bool,
) -> Result<Waterfall, PipelineError> {
    let mut rows = Vec::with_capacity(e.steps.len() + 2);
    for (c, step) in e.steps.iter().enumerate() {
        // Steps without fields adjust the running total rather than compare
        // values (the person-conflict cap, ...): one row each, without m, u
        // or values, and no "(term frequency)" row.
        if step.fields.is_empty() {
            rows.push(if step.comparison == CONFLICT_GUARD_STEP {
                guard_row(step.weight)
            } else {
                WaterfallRow {
                    comparison: step.comparison.replace('_', " "),
                    level: step.level.clone(),
                    value_l: Some(String::new()),
                    value_r: Some(String::new()),
                    m: None,
                    u: None,
                    weight: step.weight,
                }
            });
            continue;
        }
        let fields = specs.get(c).map_or(&step.fields[..], shown_fields);
        let values = (
            comparison_value(records, e.row_l, fields, show_pii)?,
            comparison_value(records, e.row_r, fields, show_pii)?,
        );
        push_rows(
            &mut rows,
            &step.comparison,
            &step.level,
            values,
            step.m,
            step.u,
            step.level_weight,
            step.tf_adjustment,
        );
    }
    Ok(Waterfall {
        record_id_l: e.record_id_l.clone(),
        record_id_r: e.record_id_r.clone(),
        prior_weight: e.prior_match_weight,
        rows,
        threshold: e.match_threshold,
    })
}

/// The waterfall of scored pair `i`, from the stored levels and weights
/// (no re-comparison: the report samples pairs of the run just made).
fn pair_waterfall(
    records: &[RecordBatch],
    p: &ScoredPairs,
    model: &Model,
    threshold: f64,
    i: usize,
    show_pii: bool,
) -> Result<Waterfall, PipelineError> {
    let nc = p.comparisons.len();
    let (a, b) = (p.left[i] as usize, p.right[i] as usize);
    let mut rows = Vec::with_capacity(nc + 2);
    for (c, cm) in model.comparisons.iter().enumerate().take(nc) {
        let code = p.level(i, c) as usize;
        let Some(lp) = cm.levels.get(code) else {
            continue;
        };
        let fields = shown_fields(&cm.spec);
        let values = (
            comparison_value(records, a, fields, show_pii)?,
            comparison_value(records, b, fields, show_pii)?,
        );
        let w = f64::from(p.weights[i * nc + c]);
        push_rows(
            &mut rows,
            &cm.spec.name,
            &lp.name,
            values,
            lp.m,
            lp.u,
            lp.match_weight,
            w - lp.match_weight,
        );
    }
    // The stored weight of a pair the person-conflict guard capped is below
    // the sum of its levels: show the cap as its own row so the rows add up.
    let shown = model.prior_match_weight + rows.iter().map(|r| r.weight).sum::<f64>();
    let adjustment = p.match_weight[i] - shown;
    if adjustment.abs() > CAP_EPSILON {
        rows.push(
            if adjustment < 0.0 && p.match_weight[i].abs() < CAP_EPSILON {
                guard_row(adjustment)
            } else {
                WaterfallRow {
                    comparison: "adjustments".to_owned(),
                    level: "redundant evidence, caps".to_owned(),
                    value_l: Some(String::new()),
                    value_r: Some(String::new()),
                    m: None,
                    u: None,
                    weight: adjustment,
                }
            },
        );
    }
    let record_id = |row| -> Result<String, PipelineError> {
        Ok(match locate(records, row) {
            Some((batch, i)) => str_col(batch, cim_schema::col::RECORD_ID)?
                .value(i)
                .to_owned(),
            None => String::new(),
        })
    };
    Ok(Waterfall {
        record_id_l: record_id(a)?,
        record_id_r: record_id(b)?,
        prior_weight: model.prior_match_weight,
        rows,
        threshold,
    })
}

/// What `report.html` shows of the matching, taken from the scored pairs
/// before they are freed: the probability histogram, cluster sizes and the
/// ~10 borderline pairs themselves.
pub(crate) struct ReportSample {
    probabilities: Vec<f32>,
    cluster_sizes: Vec<u32>,
    borderline: ScoredPairs,
}

pub(crate) fn report_sample(result: &DedupeResult, threshold: f64) -> ReportSample {
    let probabilities: Vec<f32> = result
        .pairs
        .match_probability
        .iter()
        .map(|&p| p as f32)
        .collect();
    let n_clusters = result
        .cluster_of_row
        .iter()
        .max()
        .map_or(0, |&m| m as usize + 1);
    let mut cluster_sizes = vec![0u32; n_clusters];
    for &c in &result.cluster_of_row {
        cluster_sizes[c as usize] += 1;
    }
    let picked = cim_audit::borderline_sample(&probabilities, threshold, BORDERLINE_PAIRS);
    ReportSample {
        probabilities,
        cluster_sizes,
        borderline: result.pairs.select(&picked),
    }
}

/// A [`ReportSample`] with the borderline pairs' waterfalls, their values
/// (masked) read from `records`, the rows matching ran on.
pub(crate) struct ReportParts {
    probabilities: Vec<f32>,
    cluster_sizes: Vec<u32>,
    borderline: Vec<Waterfall>,
}

pub(crate) fn report_parts(
    sample: ReportSample,
    model: &Model,
    records: &[RecordBatch],
    threshold: f64,
) -> Result<ReportParts, PipelineError> {
    let borderline = (0..sample.borderline.len())
        .map(|i| pair_waterfall(records, &sample.borderline, model, threshold, i, false))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ReportParts {
        probabilities: sample.probabilities,
        cluster_sizes: sample.cluster_sizes,
        borderline,
    })
}

/// Renders `report.html` for a finished run: summary, model and the
/// [`ReportParts`] of its matching.
pub(crate) fn report_html(
    summary: &RunSummary,
    model: &Model,
    parts: &ReportParts,
    threshold: f64,
) -> Result<String, PipelineError> {
    let internal = |e: serde_json::Error| PipelineError::Internal(e.to_string());
    let summary_json = serde_json::to_value(summary).map_err(internal)?;
    let model_json = serde_json::to_value(model).map_err(internal)?;
    Ok(cim_audit::render_report(&cim_audit::ReportInput {
        summary: &summary_json,
        model: &model_json,
        probabilities: &parts.probabilities,
        cluster_sizes: &parts.cluster_sizes,
        borderline: &parts.borderline,
        show_pii: false,
        threshold,
    }))
}
