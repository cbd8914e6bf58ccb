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

use std::collections::{BTreeMap, HashMap, HashSet};

use arrow::array::{Array, AsArray};
use arrow::datatypes::Date32Type;
use arrow::record_batch::RecordBatch;
use chrono::NaiveDate;
use cim_schema::batch::{opt_str, str_col};
use cim_schema::{GoldenId, RecordId, col};
use serde::{Deserialize, Serialize};

use rayon::prelude::*;
use xxhash_rust::xxh3::xxh3_64;

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

pub(crate) fn assign_ids(
    clusters: &Clusters,
    input: &Input<'_>,
    previous: Option<&PreviousRun>,
    run: &RunInfo,
) -> IdAssignment {
    let empty = PreviousRun::default();
    let prev = previous.unwrap_or(&empty);
    let old_of: HashMap<&str, &GoldenId> = prev
        .crosswalk
        .iter()
        .map(|(r, g)| (r.as_str(), g))
        .collect();
    // Hash maps: every result built from their iteration order is sorted
    // (changes, retired ids) or picked by a total order (survivor, claim).
    let mut old_total: HashMap<&GoldenId, u32> = HashMap::new();
    for g in old_of.values() {
        *old_total.entry(g).or_default() += 1;
    }

    // Old id -> cluster -> (former records there, smallest of them).
    let mut parts: HashMap<&GoldenId, BTreeMap<usize, (u32, &str)>> = HashMap::new();
    for c in (0..clusters.len()).filter(|_| !old_of.is_empty()) {
        for &g in clusters.members(c) {
            let rid = input.records[g as usize].record_id;
            if let Some(o) = old_of.get(rid) {
                let e = parts.entry(o).or_default().entry(c).or_insert((0, rid));
                e.0 += 1;
                if rid < e.1 {
                    e.1 = rid;
                }
            }
        }
    }

    let mut claimants: BTreeMap<usize, Vec<&GoldenId>> = BTreeMap::new();
    for (&o, ps) in &parts {
        if prev.retired.contains(o) {
            continue;
        }
        let best = ps
            .iter()
            .min_by(|(_, a), (_, b)| b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1)))
            .map(|(&c, _)| c);
        if let Some(c) = best {
            claimants.entry(c).or_default().push(o);
        }
    }

    let mut ids: Vec<Option<GoldenId>> = vec![None; clusters.len()];
    let mut first_seen = vec![run.as_of; clusters.len()];
    let mut changes = Vec::new();
    let mut retired_ids: Vec<GoldenId> = prev.retired.iter().cloned().collect();
    let (mut kept, mut created, mut split, mut merged, mut retired) = (0, 0, 0, 0, 0);

    for (c, olds) in &claimants {
        let survivor = olds
            .iter()
            .copied()
            .min_by_key(|o| {
                (
                    prev.first_seen.get(*o).copied().unwrap_or(NaiveDate::MAX),
                    *o,
                )
            })
            .expect("a claimed cluster has a claimant");
        ids[*c] = Some(survivor.clone());
        first_seen[*c] = prev.first_seen.get(survivor).copied().unwrap_or(run.as_of);
        kept += 1;
        for &o in olds {
            if o != survivor {
                changes.push(IdChange {
                    kind: ChangeKind::Merged,
                    old: Some(o.clone()),
                    new: Some(survivor.clone()),
                    records: parts[o][c].0,
                });
                retired_ids.push(o.clone());
                merged += 1;
            }
        }
    }

    let mut taken: HashSet<&str> = old_total.keys().map(|g| g.as_str()).collect();
    taken.extend(prev.first_seen.keys().map(GoldenId::as_str));
    taken.extend(prev.retired.iter().map(GoldenId::as_str));
    // Ids issued now are `G` + the hex of a hash: keep the hash.
    let mut issued: HashSet<u64> = HashSet::new();

    // The seed is the smallest record id: compare ranks in record id order
    // instead of the ids themselves.
    let mut unclaimed: Vec<(u32, usize)> = (0..clusters.len())
        .filter(|&c| ids[c].is_none())
        .map(|c| {
            let seed = clusters
                .members(c)
                .iter()
                .map(|&g| input.rank[g as usize])
                .min()
                .expect("clusters are non-empty");
            (seed, c)
        })
        .collect();
    unclaimed.par_sort_unstable();
    issued.reserve(unclaimed.len());
    // Old ids with former records in each cluster, in old-id order: one
    // pass over `parts` instead of one per unclaimed cluster (quadratic when
    // a re-run reshapes many clusters).
    let mut from_of: HashMap<usize, Vec<(&GoldenId, u32)>> = HashMap::new();
    for (&o, ps) in &parts {
        for (&c, p) in ps {
            if ids[c].is_none() {
                from_of.entry(c).or_default().push((o, p.0));
            }
        }
    }
    let hash_of = |id: &GoldenId| {
        u64::from_str_radix(&id.as_str()[1..], 16).expect("derived ids are G + 16 hex digits")
    };
    // Hash every seed up front, in parallel: only collisions (rare) need
    // the sequential salted retries below.
    let seeds: Vec<(&str, u64)> = unclaimed
        .par_iter()
        .map(|&(seed, _)| {
            let seed = input.records[input.by_record_id[seed as usize] as usize].record_id;
            (seed, xxh3_64(seed.as_bytes()))
        })
        .collect();
    for (&(_, c), &(seed, hash)) in unclaimed.iter().zip(&seeds) {
        let mut id = id_of_hash(hash);
        let mut salt = 0u32;
        while (!taken.is_empty() && taken.contains(id.as_str())) || issued.contains(&hash_of(&id)) {
            salt += 1;
            id = GoldenId::derive(&format!("{seed}#{salt}"));
        }
        issued.insert(hash_of(&id));
        let from = from_of.remove(&c).unwrap_or_default();
        if from.is_empty() {
            changes.push(IdChange {
                kind: ChangeKind::Created,
                old: None,
                new: Some(id.clone()),
                records: clusters.members(c).len() as u32,
            });
            created += 1;
        } else {
            for (o, n) in from {
                changes.push(IdChange {
                    kind: ChangeKind::Split,
                    old: Some(o.clone()),
                    new: Some(id.clone()),
                    records: n,
                });
            }
            split += 1;
        }
        ids[c] = Some(id);
    }

    for (&o, &n) in &old_total {
        if !parts.contains_key(o) && !prev.retired.contains(o) {
            changes.push(IdChange {
                kind: ChangeKind::Retired,
                old: Some(o.clone()),
                new: None,
                records: n,
            });
            retired_ids.push(o.clone());
            retired += 1;
        }
    }

    // Equal changes are identical, so the unstable sort is exact. Ids in
    // the canonical form compare like their hashes: sort by numbers then.
    let canonical = changes.iter().all(|ch| {
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
