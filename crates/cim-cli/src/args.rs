//! Command-line arguments: clap definitions only, no behaviour.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// cim turns raw customer exports into one trusted customer master:
/// ingest, normalise, deduplicate, merge, and write a Parquet master with a
/// crosswalk, scored pairs, quarantine and an auditable run report.
#[derive(Debug, Parser)]
#[command(name = "cim", version, propagate_version = true, max_term_width = 100)]
pub struct Cli {
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
    /// Options every command accepts.
    #[command(flatten)]
    pub global: GlobalArgs,
}

/// Options every command accepts.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Less output: `-q` hides progress and info logs, `-qq` warnings too.
    #[arg(global = true, short, long, action = clap::ArgAction::Count, conflicts_with = "verbose")]
    pub quiet: u8,
    /// More output on stderr: `-v` debug logs, `-vv` trace logs.
    #[arg(global = true, short, long, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Show raw customer values in logs, errors and audit output. Off by
    /// default: values are masked (`j***@g***.com`).
    #[arg(global = true, long)]
    pub show_pii: bool,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the whole pipeline for a config file: read every source,
    /// normalise, deduplicate, merge into golden records, and publish the
    /// outputs atomically into the output directory.
    Run(RunArgs),
    /// Draft a commented pipeline.toml from sample files: guesses each
    /// column's field, the encoding, date order and phone region.
    Init(InitArgs),
    /// Validate a config and every source without writing outputs: exact
    /// row, quarantine and blocking-pair counts over every row; column
    /// mapping and normalised rows from a sample. Exit 0 when a run would
    /// proceed, 1 when not.
    Check(CheckArgs),
    /// Print the config reference (docs/CONFIG.md) as Markdown.
    #[command(hide = true)]
    ConfigReference,
    /// Read and normalise every source, train the matching model and write
    /// it as JSON, without producing outputs. Reuse it with `cim run --model`.
    Train(TrainArgs),
    /// Print a golden record, its member records and the source record that
    /// supplied each of its fields.
    Cluster(ClusterArgs),
    /// Measure a run against ground truth: pairwise precision, recall and
    /// F1, B-cubed cluster metrics, and the worst false positives and false
    /// negatives.
    Evaluate(EvaluateArgs),
    /// Explain the score of any two records of a run (scored or never
    /// compared): the prior, each comparison's values (masked unless
    /// `--show-pii`), level, m, u and weight, the running total, the final
    /// probability and decision, and the blocking rules that produce the pair.
    Explain(ExplainArgs),
    /// Print shell completions for bash, zsh, fish, elvish or powershell.
    Completions(CompletionsArgs),
    /// Right to erasure: remove customers (by golden id, or the customer a
    /// record id belongs to) from every output of a run, and log the
    /// erasure (ids and counts only) in `erasures.jsonl`. Source systems
    /// must erase them too, or the next run brings them back.
    Forget(ForgetArgs),
    /// Profile sources before trusting a mapping: per column completeness,
    /// distinct values, shapes, top values (masked) and, for columns a
    /// config maps to a canonical field, how many values are valid for it.
    Profile(ProfileArgs),
}

/// `cim run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The pipeline config file (TOML).
    #[arg(value_name = "CONFIG", env = "CIM_CONFIG", value_hint = clap::ValueHint::FilePath)]
    pub config: PathBuf,
    /// Score with this trained model (`model.json`) instead of training.
    #[arg(long, value_name = "FILE")]
    pub model: Option<PathBuf>,
    /// Write into this output directory instead of the config's `output.dir`.
    #[arg(short, long, value_name = "DIR", value_hint = clap::ValueHint::DirPath)]
    pub output: Option<PathBuf>,
    /// Worker threads (default: the config's `run.threads`, 0 = all cores).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Reference date of the run, `YYYY-MM-DD` (default: the config's
    /// `run.as_of`, else today).
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<chrono::NaiveDate>,
    /// Print the run summary (the content of `run.json`) as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

/// `cim train`.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// The pipeline config file (TOML).
    #[arg(value_name = "CONFIG", env = "CIM_CONFIG", value_hint = clap::ValueHint::FilePath)]
    pub config: PathBuf,
    /// Where to write the model.
    #[arg(short, long, value_name = "FILE", default_value = "model.json")]
    pub output: PathBuf,
    /// Worker threads (default: the config's `run.threads`).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
}

/// `cim cluster`.
#[derive(Debug, Args)]
pub struct ClusterArgs {
    /// A run's output directory.
    #[arg(value_name = "OUTPUT", value_hint = clap::ValueHint::DirPath)]
    pub output: PathBuf,
    /// The golden id (`G…`), or a record id (`crm:10042`) whose golden
    /// record to show.
    #[arg(value_name = "ID")]
    pub id: String,
}

/// `cim explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A run's output directory (needs `records.parquet`, `model.json` and
    /// `run.json`).
    #[arg(value_name = "OUTPUT", value_hint = clap::ValueHint::DirPath)]
    pub output: PathBuf,
    /// The first record id (`crm:10042`).
    #[arg(value_name = "RECORD_A")]
    pub record_a: String,
    /// The second record id.
    #[arg(value_name = "RECORD_B")]
    pub record_b: String,
    /// Print the explanation as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

/// `cim completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// `cim evaluate`.
#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// A run's output directory.
    #[arg(value_name = "OUTPUT", value_hint = clap::ValueHint::DirPath)]
    pub output: PathBuf,
    /// Ground truth CSV: `record_id,entity_id`, `source,source_key,entity_id`
    /// or true pairs `record_id_l,record_id_r`.
    #[arg(long, value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
    pub truth: PathBuf,
    /// Also show precision, recall and F1 across match-probability
    /// thresholds (re-clustering the scored pairs at each).
    #[arg(long)]
    pub sweep: bool,
    /// How many worst false positives and false negatives to list.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub worst: usize,
    /// Print the evaluation as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

/// `cim profile`.
#[derive(Debug, Args)]
pub struct ProfileArgs {
    /// A pipeline config (`.toml`: every source is profiled with its
    /// options and mapping) or a data file (CSV, JSON Lines, Parquet, Arrow;
    /// format and encoding detected).
    #[arg(value_name = "PATH-OR-CONFIG", value_hint = clap::ValueHint::FilePath)]
    pub path: PathBuf,
    /// Read at most this many rows per source (default: all).
    #[arg(long, value_name = "N")]
    pub rows: Option<usize>,
    /// Print the profile as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// Text encoding of a data file (WHATWG label such as `gbk`,
    /// `windows-1252`). Default: UTF-8, else a guess from the first 64 KiB
    /// (GB18030 when that decodes cleanly into Chinese text, else
    /// windows-1252). Ignored for a config, whose sources declare theirs.
    #[arg(long, value_name = "LABEL")]
    pub encoding: Option<String>,
}

/// `cim forget`.
#[derive(Debug, Args)]
pub struct ForgetArgs {
    /// A run's output directory.
    #[arg(value_name = "OUTPUT", value_hint = clap::ValueHint::DirPath)]
    pub output: PathBuf,
    /// Golden id of a customer to forget (repeatable).
    #[arg(
        long = "golden-id",
        value_name = "ID",
        required_unless_present = "record_ids"
    )]
    pub golden_ids: Vec<String>,
    /// Record id (`crm:10042`): forget the whole customer it belongs to
    /// (repeatable).
    #[arg(long = "record-id", value_name = "ID")]
    pub record_ids: Vec<String>,
    /// Why (ticket number, legal basis), stored in the erasure log. Must
    /// not contain personal data.
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,
    /// Print the erasure log entry as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

/// `cim init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// The source files to sample (CSV in any encoding, JSON Lines, Parquet,
    /// Arrow IPC). Sources are named after the file name up to the first `_`
    /// or `.`.
    #[arg(value_name = "FILE", required = true, value_hint = clap::ValueHint::FilePath)]
    pub files: Vec<PathBuf>,
    /// Where to write the config.
    #[arg(short, long, value_name = "FILE", default_value = "pipeline.toml")]
    pub output: PathBuf,
    /// Overwrite the output file if it exists.
    #[arg(long)]
    pub force: bool,
}

/// `cim check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The pipeline config file (TOML).
    #[arg(value_name = "CONFIG", env = "CIM_CONFIG", value_hint = clap::ValueHint::FilePath)]
    pub config: PathBuf,
    /// Rows read from each source for the normalised rows shown.
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub sample_rows: u64,
    /// Count rows, quarantine and blocking pairs on the sample only, instead
    /// of exactly over every row (faster on very large sources).
    #[arg(long)]
    pub sample_only: bool,
    /// Print the check report as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}
