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
    /// Print shell completions for bash, zsh, fish, elvish or powershell.
    Completions(CompletionsArgs),
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
