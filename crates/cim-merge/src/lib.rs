//! Golden records from matched clusters: survivorship, lineage and stable
//! golden ids across runs.
//!
//! [`merge`] turns normalised records ([`cim_schema::normalized_schema`]) and
//! their cluster assignment into a [`MergeOutput`]: the master (one golden
//! record per cluster), the crosswalk (record -> golden id) and this run's
//! golden id changes. Survivorship is configured by [`SurvivorshipOptions`]
//! (a [`Rule`] per field); golden ids stay stable across runs given the
//! previous run's state ([`PreviousRun`], see the `ids` rules below).
//! [`GoldenView`], [`MemberView`] and [`render_cluster`] explain one golden
//! record as text for `cim cluster`.
//!
//! # Survivorship
//!
//! For each master field the candidates are the members' non-missing values.
//! They are ranked: valid before invalid (whatever the rule), then by the
//! field's [`Rule`], then by the tie-break chain *most frequent value (by
//! match key), most recent `updated_at`, source priority, record order
//! (config source order, file, line), smallest record id*. Name fields, and
//! address fields, are taken from one record by default (see
//! [`SurvivorshipOptions`]). A scalar `date_of_birth` only considers values
//! that parse as `YYYY-MM-DD`.
//!
//! # Master schema (`master.parquet`)
//!
//! One row per cluster, sorted by `golden_id`.
//!
//! | column | type | meaning |
//! |---|---|---|
//! | `golden_id` | Utf8, not null | stable opaque id (`G` + 16 hex digits) |
//! | `full_name`, `given_name`, `middle_name`, `family_name` | Utf8 | surviving name (one record by default) |
//! | `email`, `phone` | List<Utf8> by default | every distinct valid value, best first (`email[1]` is the best email); Utf8 when the field's rule is not `collect_all` |
//! | `date_of_birth` | Date32 | surviving birth date (List<Utf8> if `collect_all`) |
//! | `gender`, `address_line1`, `address_line2`, `city`, `region`, `postcode`, `country`, `company`, `national_id` | Utf8 | surviving value (List<Utf8> if `collect_all`) |
//! | `extra` | Utf8 | JSON object of the members' extra attributes; per key the value of the most recent member that has it (ties: source priority, record order, record id); keys sorted; null when none |
//! | `member_count` | UInt32, not null | records in the cluster |
//! | `sources` | List<Utf8>, not null | distinct source names, sorted |
//! | `first_seen` | Date32, not null | run `as_of` date when the golden id was first issued |
//! | `last_updated` | Timestamp(ms, UTC) | latest valid `updated_at` of the members |
//! | `quality_score` | Float32, not null | mean over `full_name`, `email`, `phone`, `date_of_birth`, `address_line1`, `city`, `postcode`, `country` of 1 (valid), 0.5 (invalid), 0 (missing) |
//! | `lineage` | Struct, not null | one Utf8 child per field column above (`full_name` ... `national_id`) and `last_updated`: the record id that supplied the value (for lists, the first element); null when missing |
//!
//! Crosswalk and id changes: [`crosswalk_schema`], [`id_changes_schema`].
//!
//! # Stable golden ids
//!
//! A cluster whose records had one golden id keeps it when it is unchanged
//! or only grew. When clusters merge, the oldest id by `first_seen` survives
//! (tie: smallest id) and the others are retired (`merged`). When a cluster
//! splits, the part with most of its former records keeps the id (tie: the
//! part with the smallest former record id); the other parts get new ids
//! (`split`). New ids derive from the cluster's smallest record id and
//! never collide with an id in use or ever retired.

mod error;
mod ids;
mod input;
mod options;
mod render;
mod schema;
mod survivorship;
mod time;

use rayon::prelude::*;
use serde::Serialize;

use arrow::record_batch::RecordBatch;
use cim_schema::GoldenId;

pub use error::{Error, Result};
pub use ids::{ChangeKind, PreviousRun};
pub use input::input_columns;
pub use options::{Rule, RunInfo, SurvivorshipOptions};
pub use render::{GoldenFieldView, GoldenView, MemberView, mask, render_cluster};
pub use schema::{crosswalk_schema, id_changes_schema, master_schema, master_schema_for};

/// Everything the merge stage produces for one run.
#[derive(Debug, Clone)]
pub struct MergeOutput {
    /// The golden records, schema [`master_schema_for`] of the options used.
    pub master: RecordBatch,
    /// Every accepted input record with its golden id ([`crosswalk_schema`]).
    pub crosswalk: RecordBatch,
    /// This run's golden id changes ([`id_changes_schema`]); append them to
    /// the history of earlier runs.
    pub id_changes: RecordBatch,
    /// Every golden id ever retired, this run included, sorted (the
    /// `retired` set of the next run's [`PreviousRun`]).
    pub retired_ids: Vec<GoldenId>,
    /// Counts for the run report.
    pub stats: MergeStats,
}

/// Counts of one merge, for `run.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MergeStats {
    /// Input records (= crosswalk rows).
    pub input_records: u64,
    /// Golden records (= master rows).
    pub golden_records: u64,
    /// Golden records with more than one member.
    pub multi_member_records: u64,
    /// Members of the largest cluster.
    pub largest_cluster: u64,
    /// Golden ids of the previous run still in use (unchanged or grown,
    /// survivors of merges included).
    pub ids_kept: u64,
    /// New ids for clusters of records never seen before.
    pub ids_created: u64,
    /// New ids for clusters split off an earlier cluster.
    pub ids_split: u64,
    /// Previous ids retired because their cluster merged into another.
    pub ids_merged: u64,
    /// Previous ids retired because none of their records is left.
    pub ids_retired: u64,
}

/// Builds golden records, the crosswalk and the id history.
///
/// `records` are normalised batches; the global row index is their
/// concatenation order. `cluster_of_row[i]` is the dense cluster index of
/// global row `i` (an index without rows yields no golden record).
/// `source_order` is the config's source order (record order, and the
/// priority of sources missing from `opts.source_priority`). `previous` is
/// the previous run's state, `None` on a first run.
///
/// Clusters are processed in parallel on the current rayon pool; the output
/// does not depend on the number of threads. [`merge_lazily`] does the same
/// but leaves master and crosswalk to be built a slice at a time.
pub fn merge(
    records: &[RecordBatch],
    cluster_of_row: &[u32],
    opts: &SurvivorshipOptions,
    source_order: &[String],
    previous: Option<&PreviousRun>,
    run: &RunInfo,
) -> Result<MergeOutput> {
    let merged = merge_lazily(
        records.to_vec(),
        cluster_of_row,
        opts,
        source_order,
        previous,
        run,
    )?;
    Ok(MergeOutput {
        master: merged.master_batch(0..merged.master_rows())?,
        crosswalk: merged.crosswalk_batch(0..merged.crosswalk_rows())?,
        id_changes: merged.id_changes,
        retired_ids: merged.retired_ids,
        stats: merged.stats,
    })
}

/// A finished merge whose master and crosswalk are built on demand, a
/// range of rows at a time: writing them slice by slice holds one slice
/// instead of two whole tables (at 10M records, gigabytes).
///
/// It holds its own handles on the columns of the input it still reads
/// (record ids, provenance, the master fields' display values), not the
/// batches.
pub struct Merged {
    opts: SurvivorshipOptions,
    input: input::Input,
    clusters: Clusters,
    ids: ids::IdAssignment,
    /// Clusters in master row order (by golden id).
    order: Vec<u32>,
    goldens: Vec<survivorship::Golden>,
    /// This run's golden id changes ([`id_changes_schema`]).
    pub id_changes: RecordBatch,
    /// Every golden id ever retired, this run included, sorted.
    pub retired_ids: Vec<GoldenId>,
    /// Counts for the run report.
    pub stats: MergeStats,
}

impl Merged {
    /// Rows of the master: one per golden record.
    pub fn master_rows(&self) -> usize {
        self.order.len()
    }

    /// Rows of the crosswalk: one per input record.
    pub fn crosswalk_rows(&self) -> usize {
        self.input.by_record_id.len()
    }

    /// Master rows `rows` (in master order, by golden id), schema
    /// [`master_schema_for`] of the options used. Panics when `rows` is out
    /// of range.
    pub fn master_batch(&self, rows: std::ops::Range<usize>) -> Result<RecordBatch> {
        schema::build_master(
            &self.opts,
            &self.input,
            &self.goldens,
            &self.clusters,
            &self.ids,
            &self.order[rows],
        )
    }

    /// Crosswalk rows `rows` (in crosswalk order, by record id),
    /// [`crosswalk_schema`]. Panics when `rows` is out of range.
    pub fn crosswalk_batch(&self, rows: std::ops::Range<usize>) -> Result<RecordBatch> {
        schema::build_crosswalk(
            &self.input,
            &self.input.by_record_id[rows],
            &self.clusters,
            &self.ids,
        )
    }
}

/// [`merge`], leaving master and crosswalk to [`Merged::master_batch`] and
/// [`Merged::crosswalk_batch`]. It takes the batches (`to_vec` of shared
/// ones is cheap): what only survivorship reads (match keys, statuses,
/// `extra`, about half the records) is freed once the golden records are
/// built, before the golden ids are assigned, unless the caller holds the
/// batches too.
pub fn merge_lazily(
    records: Vec<RecordBatch>,
    cluster_of_row: &[u32],
    opts: &SurvivorshipOptions,
    source_order: &[String],
    previous: Option<&PreviousRun>,
    run: &RunInfo,
) -> Result<Merged> {
    opts.validate()?;
    let mut input = input::Input::new(&records, opts, source_order)?;
    // The input holds its own handles on the columns it reads: without the
    // batches', the survivorship-only columns are freed at their release.
    drop(records);
    let rows = input.records.len();
    if cluster_of_row.len() != rows {
        return Err(Error::ClusterCount {
            rows,
            clusters: cluster_of_row.len(),
        });
    }
    let n = cluster_of_row.iter().max().map_or(0, |&m| m as usize + 1);
    if n > rows {
        return Err(Error::SparseClusters {
            max_index: n - 1,
            rows,
        });
    }
    let clusters = Clusters::new(cluster_of_row, n);

    // Golden records are compact (record indices, not values): build them
    // all in cluster order, which follows input order, so the members'
    // columns are read nearly sequentially. They come before the golden
    // ids, whose changes are as many again, so that the columns only
    // survivorship reads (about half the input) are freed first.
    let plan = survivorship::Plan::new(opts);
    // At most 4,096 clusters a task: rayon only splits further the tasks
    // another thread steals, so with larger ones a thread that came late
    // (from writing pairs.parquet) found nothing left to steal while the
    // other worked through its last quarter alone (0.8 s at 1M records).
    let goldens: Vec<survivorship::Golden> = (0..clusters.len())
        .into_par_iter()
        .with_min_len(256)
        .with_max_len(4096)
        .map_init(survivorship::Scratch::default, |scratch, c| {
            survivorship::golden_record(&input, clusters.members(c), &plan, scratch)
        })
        .collect();
    input.release_survivorship_columns(&survivorship::MASTER_FIELDS);

    let mut ids = ids::assign_ids(&clusters, &input, previous, run);
    // Golden ids are distinct, so the unstable sort is exact; ids of the
    // canonical form sort by their hashes.
    // The changes are needed as a table only; the table is built (serially)
    // while the clusters are put in golden-id order.
    let changes = std::mem::take(&mut ids.changes);
    let (id_changes, order) = rayon::join(
        || schema::build_changes(run, &changes),
        || {
            let mut order: Vec<u32> = (0..clusters.len() as u32).collect();
            let keys: Option<Vec<u64>> = ids.ids.par_iter().map(ids::canonical_hash).collect();
            match keys {
                Some(keys) => order.par_sort_unstable_by_key(|&c| keys[c as usize]),
                None => order
                    .par_sort_unstable_by(|&a, &b| ids.ids[a as usize].cmp(&ids.ids[b as usize])),
            }
            order
        },
    );
    drop(changes);
    let id_changes = id_changes?;
    let stats = MergeStats {
        input_records: rows as u64,
        golden_records: clusters.len() as u64,
        multi_member_records: (0..clusters.len())
            .filter(|&c| clusters.members(c).len() > 1)
            .count() as u64,
        largest_cluster: (0..clusters.len())
            .map(|c| clusters.members(c).len())
            .max()
            .unwrap_or(0) as u64,
        ids_kept: ids.kept,
        ids_created: ids.created,
        ids_split: ids.split,
        ids_merged: ids.merged,
        ids_retired: ids.retired,
    };
    let retired_ids = std::mem::take(&mut ids.retired_ids);
    Ok(Merged {
        opts: opts.clone(),
        input,
        clusters,
        ids,
        order,
        goldens,
        id_changes,
        retired_ids,
        stats,
    })
}

/// The non-empty clusters, numbered in order of their dense index, with
/// their members (global record indices, ascending) in one flat array.
pub(crate) struct Clusters {
    /// `members[offsets[c]..offsets[c + 1]]` are the members of cluster `c`.
    offsets: Vec<u32>,
    members: Vec<u32>,
    /// Cluster of each global record.
    pub of_row: Vec<u32>,
}

impl Clusters {
    /// Groups rows by `cluster_of_row` (every entry below `n`), dropping
    /// indices without rows.
    fn new(cluster_of_row: &[u32], n: usize) -> Self {
        let mut count = vec![0u32; n];
        for &c in cluster_of_row {
            count[c as usize] += 1;
        }
        // Renumber the non-empty clusters densely, keeping their order.
        let mut renumber = vec![u32::MAX; n];
        let mut offsets = Vec::with_capacity(n + 1);
        offsets.push(0u32);
        let mut total = 0u32;
        for (c, &k) in count.iter().enumerate() {
            if k > 0 {
                renumber[c] = offsets.len() as u32 - 1;
                total += k;
                offsets.push(total);
            }
        }
        drop(count);
        let of_row: Vec<u32> = cluster_of_row
            .iter()
            .map(|&c| renumber[c as usize])
            .collect();
        drop(renumber);
        let mut next: Vec<u32> = offsets[..offsets.len() - 1].to_vec();
        let mut members = vec![0u32; cluster_of_row.len()];
        for (g, &c) in of_row.iter().enumerate() {
            let slot = &mut next[c as usize];
            members[*slot as usize] = g as u32;
            *slot += 1;
        }
        Self {
            offsets,
            members,
            of_row,
        }
    }

    /// Number of clusters.
    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Members of cluster `c`, ascending.
    #[inline]
    pub fn members(&self, c: usize) -> &[u32] {
        &self.members[self.offsets[c] as usize..self.offsets[c + 1] as usize]
    }
}
