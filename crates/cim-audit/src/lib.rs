//! Audit of a cim run: evaluation against a ground truth and the
//! self-contained HTML run report.
//!
//! * Evaluation (`cim evaluate`): [`parse_truth`] reads a ground truth
//!   ([`Truth`], three CSV shapes, see [`TruthFormat`]); an [`Evaluator`]
//!   takes the run's crosswalk and scored pairs and yields an
//!   [`Evaluation`]: pairwise and B-cubed precision/recall/F1, over- and
//!   under-merging, confusion counts, the worst errors ([`ErrorPair`]) and
//!   an optional threshold sweep ([`SweepPoint`]).
//!   [`render_evaluation_text`] prints it as aligned tables.
//! * Explanation (`cim explain`): a pair's [`Waterfall`] of match weights,
//!   printed by [`render_waterfall_text`].
//! * Report (`report.html`): [`render_report`] turns a [`ReportInput`]
//!   (run summary and model as JSON, probabilities, cluster sizes,
//!   borderline waterfalls) into one HTML file without scripts or external
//!   resources.
//!
//! The crate does no I/O: callers read files and pass readers, batches or
//! values, and write the returned strings.

mod error;
mod eval;
mod fmt;
mod html;
mod map;
mod sweep;
mod text;
mod truth;
mod waterfall;

pub use error::Error;
pub use eval::{
    ClusterMetrics, Coverage, ErrorPair, EvalOptions, Evaluation, Evaluator, PairwiseMetrics,
    ScoredPairCounts, default_sweep_thresholds,
};
pub use html::{REPORT_SECTIONS, ReportInput, borderline_sample, escape_html, render_report};
pub use sweep::SweepPoint;
pub use text::{render_evaluation_text, render_waterfall_text};
pub use truth::{Truth, TruthFormat, parse_truth};
pub use waterfall::{
    CONFLICT_GUARD_ROW, Waterfall, WaterfallRow, prior_weight, probability_from_weight,
};
