//! Stable golden ids across runs.
//!
//! The previous run's crosswalk tells, for every record seen before, which
//! golden id it had. Each old id *claims* the current cluster holding most
//! of its former records (tie: the cluster holding the smallest of its
//! former record ids). A cluster claimed by one old id keeps it (unchanged
//! or grown). A cluster claimed by several old ids keeps the oldest by
//! `first_seen` (tie: the smallest id); the others are retired as `merged`.
//! A cluster claimed by none gets a new id: `split` when it holds records of
//! older clusters (one change row per old id), `created` otherwise. Old ids
//! none of whose records are in the input any more are retired as
//! `retired`. New ids are [`GoldenId::derive`] of the cluster's smallest
//! record id, re-derived from `<seed>#1`, `<seed>#2`, ... while the result
//! collides with any id in use, known from the previous run, or ever
//! retired, so a retired id never comes back.

use std::collections::{HashMap, HashSet};
use std::hash::BuildHasherDefault;

use arrow::array::{Array, AsArray};
use arrow::datatypes::Date32Type;
use arrow::record_batch::RecordBatch;
use chrono::NaiveDate;
use cim_schema::batch::{opt_str, str_col};
use cim_schema::{GoldenId, RecordId, col};
use serde::{Deserialize, Serialize};

use rayon::prelude::*;
use xxhash_rust::xxh3::{Xxh3Default, xxh3_64};

use crate::Clusters;
use crate::error::Result;
use crate::input::Input;
use crate::options::RunInfo;
use crate::time::days_to_date;

/// What the previous run left behind, as far as golden ids are concerned.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PreviousRun {
    /// Every record of the previous run and the golden id it had.
    pub crosswalk: Vec<(RecordId, GoldenId)>,
    /// When each golden id in use was first issued (the master's
    /// `first_seen`).
    pub first_seen: HashMap<GoldenId, NaiveDate>,
    /// Every golden id ever retired (merged away or emptied), over all runs.
    pub retired: HashSet<GoldenId>,
}

impl PreviousRun {
    /// Reads the state from the previous run's outputs as written by cim:
    /// the master (`golden_id`, `first_seen`), the crosswalk (`record_id`,
    /// `golden_id`) and the *cumulative* `golden_id_changes` history (every
    /// `old_id` of a `merged` or `retired` row is retired). Keep the history
    /// cumulative by appending each run's [`crate::MergeOutput::id_changes`]
    /// to the previous file.
    pub fn from_batches(
        master: &[RecordBatch],
        crosswalk: &[RecordBatch],
        id_changes: &[RecordBatch],
    ) -> Result<Self> {
        let mut prev = Self::default();
        for b in crosswalk {
            let rid = str_col(b, col::RECORD_ID)?;
            let gid = str_col(b, "golden_id")?;
            for i in 0..b.num_rows() {
                prev.crosswalk.push((
                    RecordId(rid.value(i).to_owned()),
                    GoldenId(gid.value(i).to_owned()),
                ));
            }
        }
        for b in master {
            let gid = str_col(b, "golden_id")?;
            let first = b
                .column_by_name("first_seen")
                .and_then(|c| c.as_primitive_opt::<Date32Type>())
                .ok_or_else(|| {
                    arrow::error::ArrowError::SchemaError(
                        "missing Date32 column `first_seen`".into(),
                    )
                })?;
            for i in 0..b.num_rows() {
                if let Some(d) = (!first.is_null(i))
                    .then(|| days_to_date(first.value(i)))
                    .flatten()
                {
                    prev.first_seen.insert(GoldenId(gid.value(i).to_owned()), d);
                }
            }
        }
        for b in id_changes {
            let old = str_col(b, "old_id")?;
            let kind = str_col(b, "kind")?;
            for i in 0..b.num_rows() {
                let k = kind.value(i);
                let retires = k == ChangeKind::Merged.name() || k == ChangeKind::Retired.name();
                if let Some(o) = opt_str(old, i).filter(|_| retires) {
                    prev.retired.insert(GoldenId(o.to_owned()));
                }
            }
        }
        Ok(prev)
    }
}

/// Kind of a golden id change (`kind` column of `golden_id_changes`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// A new id for a cluster of records never seen before. `old_id` null.
    Created,
    /// `old_id` was retired because its cluster merged into `new_id`'s.
    Merged,
    /// `old_id` was retired because none of its records is in the input.
    /// `new_id` null.
    Retired,
    /// `new_id` was issued for records split off `old_id`'s cluster.
    Split,
}

impl ChangeKind {
    /// The `snake_case` name written to the `kind` column.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Merged => "merged",
            Self::Retired => "retired",
            Self::Split => "split",
        }
    }
}

/// One row of `golden_id_changes`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct IdChange {
    pub kind: ChangeKind,
    pub old: Option<GoldenId>,
    pub new: Option<GoldenId>,
    pub records: u32,
}

/// Golden ids of the current clusters and the changes against the previous
/// run.
pub(crate) struct IdAssignment {
    /// Per cluster.
    pub ids: Vec<GoldenId>,
    /// Per cluster.
    pub first_seen: Vec<NaiveDate>,
    /// Sorted by kind, old id, new id.
    pub changes: Vec<IdChange>,
    /// Every id ever retired, this run included, sorted.
    pub retired_ids: Vec<GoldenId>,
    pub kept: u64,
    pub created: u64,
    pub split: u64,
    pub merged: u64,
    pub retired: u64,
}

/// The hash inside an id of the form [`GoldenId::derive`] makes (`G` and
/// 16 lowercase hex digits), `None` for any other id. Among such ids the
/// numeric order of the hashes is the text order of the ids.
pub(crate) fn canonical_hash(id: &GoldenId) -> Option<u64> {
    let s = id.as_str().as_bytes();
    if s.len() != 17 || s[0] != b'G' {
        return None;
    }
    s[1..].iter().try_fold(0u64, |acc, &c| {
        let d = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            _ => return None,
        };
        Some(acc << 4 | u64::from(d))
    })
}

/// [`GoldenId::derive`] of a seed whose xxh3 hash is `hash`, without the
/// formatting machinery (this runs once per new cluster).
fn id_of_hash(hash: u64) -> GoldenId {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(17);
    s.push('G');
    for i in (0..16).rev() {
        s.push(char::from(HEX[((hash >> (4 * i)) & 0xf) as usize]));
    }
    GoldenId(s)
}

/// Hash maps and sets over ids and hashes of this run's scale (millions):
/// xxh3 instead of SipHash.
type FastHash = BuildHasherDefault<Xxh3Default>;

/// No former golden id.
const NONE: u32 = u32::MAX;

/// The previous run's golden ids, numbered, and each input record's former
/// id among them.
struct Former<'p> {
    /// Distinct golden ids of the previous crosswalk.
    olds: Vec<&'p GoldenId>,
    /// Previous crosswalk records per id in `olds`.
    total: Vec<u32>,
    /// Per input record: index into `olds`, or [`NONE`] for a new record.
    of_record: Vec<u32>,
}

impl<'p> Former<'p> {
    /// Joins the input (in record id order) with the previous crosswalk,
    /// which cim writes in record id order too: a merge join, no hashing
    /// of record ids. A record id listed twice keeps its last golden id.
    fn join(prev: &'p PreviousRun, input: &Input) -> Self {
        let cw = &prev.crosswalk;
        let mut order: Vec<u32> = (0..cw.len() as u32).collect();
        if !cw.windows(2).all(|w| w[0].0 <= w[1].0) {
            // Stable: equal record ids stay in file order, the last wins.
            order.par_sort_by(|&a, &b| cw[a as usize].0.cmp(&cw[b as usize].0));
        }
        let mut index: HashMap<&str, u32, FastHash> = HashMap::default();
        let mut olds = Vec::new();
        let mut total = Vec::new();
        let mut of_record = vec![NONE; input.records.len()];
        let mut next = input.by_record_id.iter().peekable();
        for (k, &e) in order.iter().enumerate() {
            let (rid, gid) = &cw[e as usize];
            if order.get(k + 1).is_some_and(|&f| cw[f as usize].0 == *rid) {
                continue;
            }
            let o = *index.entry(gid.as_str()).or_insert_with(|| {
                olds.push(gid);
                total.push(0);
                (olds.len() - 1) as u32
            });
            total[o as usize] += 1;
            while let Some(&&g) = next.peek() {
                match input.record_id(g as usize).cmp(rid.as_str()) {
                    std::cmp::Ordering::Less => {
                        next.next();
                    }
                    std::cmp::Ordering::Equal => {
                        of_record[g as usize] = o;
                        next.next();
                        break;
                    }
                    std::cmp::Ordering::Greater => break,
                }
            }
        }
        Self {
            olds,
            total,
            of_record,
        }
    }
}

/// Former records of one old id inside one current cluster.
#[derive(Clone, Copy)]
struct Part {
    old: u32,
    cluster: u32,
    records: u32,
    /// Rank of the smallest record id among them.
    first: u32,
}

/// Every (old id, current cluster) pair sharing records, sorted by old id
/// then cluster.
fn parts(clusters: &Clusters, input: &Input, former: &Former<'_>) -> Vec<Part> {
    let mut at: Vec<(u32, u32, u32)> = (0..clusters.len())
        .into_par_iter()
        .flat_map_iter(|c| {
            clusters.members(c).iter().filter_map(move |&g| {
                let o = former.of_record[g as usize];
                (o != NONE).then(|| (o, c as u32, input.records[g as usize].rank))
            })
        })
        .collect();
    at.par_sort_unstable();
    let mut parts: Vec<Part> = Vec::new();
    for (old, cluster, rank) in at {
        match parts.last_mut() {
            Some(p) if p.old == old && p.cluster == cluster => p.records += 1,
            _ => parts.push(Part {
                old,
                cluster,
                records: 1,
                first: rank,
            }),
        }
    }
    parts
}

pub(crate) fn assign_ids(
    clusters: &Clusters,
    input: &Input,
    previous: Option<&PreviousRun>,
    run: &RunInfo,
) -> IdAssignment {
    let empty = PreviousRun::default();
    let prev = previous.unwrap_or(&empty);
    let former = Former::join(prev, input);
    let parts = parts(clusters, input, &former);
    let retired_before: Vec<bool> = former
        .olds
        .iter()
        .map(|o| prev.retired.contains(*o))
        .collect();

    // Each old id claims the cluster holding most of its former records
    // (tie: the one holding the smallest of them).
    let mut claims: Vec<(u32, u32, u32)> = parts
        .chunk_by(|a, b| a.old == b.old)
        .filter(|ps| !retired_before[ps[0].old as usize])
        .map(|ps| {
            let best = ps
                .iter()
                .min_by(|a, b| b.records.cmp(&a.records).then(a.first.cmp(&b.first)))
                .expect("chunks are non-empty");
            (best.cluster, best.old, best.records)
        })
        .collect();
    claims.par_sort_unstable();

    let mut ids: Vec<Option<GoldenId>> = vec![None; clusters.len()];
    let mut first_seen = vec![run.as_of; clusters.len()];
    let mut changes = Vec::new();
    let mut retired_ids: Vec<GoldenId> = prev.retired.iter().cloned().collect();
    let (mut kept, mut created, mut split, mut merged, mut retired) = (0, 0, 0, 0, 0);

    for claimants in claims.chunk_by(|a, b| a.0 == b.0) {
        let c = claimants[0].0 as usize;
        let first_seen_of = |o: u32| prev.first_seen.get(former.olds[o as usize]).copied();
        let &(_, survivor, _) = claimants
            .iter()
            .min_by_key(|&&(_, o, _)| {
                (
                    first_seen_of(o).unwrap_or(NaiveDate::MAX),
                    former.olds[o as usize],
                )
            })
            .expect("chunks are non-empty");
        let survivor_id = former.olds[survivor as usize];
        ids[c] = Some(survivor_id.clone());
        first_seen[c] = first_seen_of(survivor).unwrap_or(run.as_of);
        kept += 1;
        for &(_, o, records) in claimants {
            if o != survivor {
                let old = former.olds[o as usize];
                changes.push(IdChange {
                    kind: ChangeKind::Merged,
                    old: Some(old.clone()),
                    new: Some(survivor_id.clone()),
                    records,
                });
                retired_ids.push(old.clone());
                merged += 1;
            }
        }
    }

    // Ids issued now are `G` + the hex of a hash, so only ids of that form
    // can collide with them: keep the hashes of those in use, known or
    // ever retired, and of those issued now.
    let mut taken: HashSet<u64, FastHash> = former
        .olds
        .iter()
        .copied()
        .chain(prev.first_seen.keys())
        .chain(&prev.retired)
        .filter_map(canonical_hash)
        .collect();

    // The seed is the smallest record id: compare ranks in record id order
    // instead of the ids themselves.
    let mut unclaimed: Vec<(u32, usize)> = (0..clusters.len())
        .filter(|&c| ids[c].is_none())
        .map(|c| {
            let seed = clusters
                .members(c)
                .iter()
                .map(|&g| input.records[g as usize].rank)
                .min()
                .expect("clusters are non-empty");
            (seed, c)
        })
        .collect();
    unclaimed.par_sort_unstable();
    taken.reserve(unclaimed.len());
    // Old ids with former records in each unclaimed cluster, by cluster.
    let mut from_of: Vec<(u32, u32, u32)> = parts
        .iter()
        .filter(|p| ids[p.cluster as usize].is_none())
        .map(|p| (p.cluster, p.old, p.records))
        .collect();
    from_of.par_sort_unstable();
    // Hash every seed up front, in parallel: only collisions (rare) need
    // the sequential salted retries below.
    let seeds: Vec<(&str, u64)> = unclaimed
        .par_iter()
        .map(|&(seed, _)| {
            let seed = input.record_id(input.by_record_id[seed as usize] as usize);
            (seed, xxh3_64(seed.as_bytes()))
        })
        .collect();
    // Only the collision check is sequential (first come, first served,
    // in seed order); the ids and their changes are built in parallel,
    // then appended in that same order.
    let hashes: Vec<u64> = seeds
        .iter()
        .map(|&(seed, hash)| {
            let mut hash = hash;
            let mut salt = 0u32;
            while taken.contains(&hash) {
                salt += 1;
                hash = xxh3_64(format!("{seed}#{salt}").as_bytes());
            }
            taken.insert(hash);
            hash
        })
        .collect();
    drop(seeds);
    let new_ids: Vec<GoldenId> = hashes.par_iter().map(|&h| id_of_hash(h)).collect();
    drop(hashes);
    let from_of_cluster = |c: usize| {
        &from_of[from_of.partition_point(|f| (f.0 as usize) < c)
            ..from_of.partition_point(|f| (f.0 as usize) <= c)]
    };
    let olds = &former.olds;
    let made: Vec<IdChange> = unclaimed
        .par_iter()
        .zip(&new_ids)
        .flat_map_iter(|(&(_, c), id)| {
            let from = from_of_cluster(c);
            let created = from.is_empty().then(|| IdChange {
                kind: ChangeKind::Created,
                old: None,
                new: Some(id.clone()),
                records: clusters.members(c).len() as u32,
            });
            let splits = from.iter().map(move |&(_, o, n)| IdChange {
                kind: ChangeKind::Split,
                old: Some(olds[o as usize].clone()),
                new: Some(id.clone()),
                records: n,
            });
            created.into_iter().chain(splits)
        })
        .collect();
    // Each unclaimed cluster made one `Created` change, or only splits.
    let made_new = made
        .par_iter()
        .filter(|ch| ch.kind == ChangeKind::Created)
        .count() as u64;
    created += made_new;
    split += unclaimed.len() as u64 - made_new;
    // On a first run there is nothing before them: no copy.
    if changes.is_empty() {
        changes = made;
    } else {
        changes.extend(made);
    }
    for (&(_, c), id) in unclaimed.iter().zip(new_ids) {
        ids[c] = Some(id);
    }

    // Old ids none of whose records is in the input any more.
    let mut has_part = vec![false; former.olds.len()];
    for p in &parts {
        has_part[p.old as usize] = true;
    }
    for (o, old) in former.olds.iter().enumerate() {
        if !has_part[o] && !retired_before[o] {
            changes.push(IdChange {
                kind: ChangeKind::Retired,
                old: Some((*old).clone()),
                new: None,
                records: former.total[o],
            });
            retired_ids.push((*old).clone());
            retired += 1;
        }
    }

    // Equal changes are identical, so the unstable sort is exact. Ids in
    // the canonical form compare like their hashes: sort by numbers then.
    let canonical = changes.par_iter().all(|ch| {
        [&ch.old, &ch.new]
            .into_iter()
            .all(|id| id.as_ref().is_none_or(|id| canonical_hash(id).is_some()))
    });
    if canonical {
        let key = |id: &Option<GoldenId>| id.as_ref().and_then(canonical_hash);
        let mut keyed: Vec<_> = changes
            .into_par_iter()
            .map(|ch| ((ch.kind, key(&ch.old), key(&ch.new), ch.records), ch))
            .collect();
        keyed.par_sort_unstable_by_key(|(k, _)| *k);
        changes = keyed.into_iter().map(|(_, ch)| ch).collect();
    } else {
        changes.par_sort_unstable();
    }
    retired_ids.sort();
    retired_ids.dedup();
    IdAssignment {
        ids: ids
            .into_iter()
            .map(|id| id.expect("every cluster has an id"))
            .collect(),
        first_seen,
        changes,
        retired_ids,
        kept,
        created,
        split,
        merged,
        retired,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_ids_order_like_their_hashes() {
        let ids: Vec<GoldenId> = ["", "a", "crm:1", "crm:2", "x#1"]
            .iter()
            .map(|s| GoldenId::derive(s))
            .chain([GoldenId("G00000000000000ff".into())])
            .collect();
        for a in &ids {
            for b in &ids {
                let (ka, kb) = (canonical_hash(a).unwrap(), canonical_hash(b).unwrap());
                assert_eq!(ka.cmp(&kb), a.cmp(b), "{a} {b}");
            }
        }
        for odd in [
            "G123",
            "g0000000000000000",
            "G000000000000000F",
            "H0000000000000000",
        ] {
            assert_eq!(canonical_hash(&GoldenId(odd.into())), None, "{odd}");
        }
    }

    #[test]
    fn ids_from_hashes_are_derived_ids() {
        for seed in ["", "crm:1", "webshop:#00ff00ff00ff00ff~2", "会员:9#3"] {
            assert_eq!(
                id_of_hash(xxh3_64(seed.as_bytes())),
                GoldenId::derive(seed),
                "{seed}"
            );
        }
    }
}
