//! Blocking: which record pairs are compared at all.
//!
//! A [`BlockingRule`] is a conjunction of match keys (optionally prefixes of
//! keys); two records are candidates under it when every part is non-empty
//! and equal. Rules are combined as a union. Rule `k` emits a pair only if
//! no earlier rule produced it: instead of a global hash set of pairs, the
//! pair's block ids under the earlier rules are compared (each rule keeps
//! one `u32` block id per row), so memory stays proportional to records
//! plus candidate pairs.
//!
//! Before anything is compared every rule's candidate pairs are counted
//! (`n(n-1)/2` per block, minus same-source pairs for `link_only`, only
//! same-source pairs for `dedupe_only`). Blocks larger than
//! `max_block_size` are skipped and reported (the "John Smith problem": a
//! key shared by thousands of records says little and costs millions of
//! comparisons). Then the per-rule and total budgets are checked and a clear
//! error names the offending rule and its largest blocks (sizes and a hash
//! of the key, never the key itself).
//!
//! # Choosing rules
//! Each rule should be specific enough that its blocks stay small (tens of
//! records), and the union should catch a true duplicate even when one or
//! two of its fields are wrong, so combine keys of *different* fields:
//! `family_phonetic & birth_year` catches given-name typos,
//! `given_phonetic & dob` catches surname changes, `email` and `phone`
//! catch name changes. [`default_rules`] does this from the populated keys.

use std::collections::HashMap;

use cim_schema::MatchKey;
use rayon::prelude::*;
use serde::Serialize;
use xxhash_rust::xxh3::xxh3_64;

use crate::Error;
use crate::options::{BlockingRule, DedupeOptions, LinkType};
use crate::table::{Col, ColRef, NULL, StrCol, Table};

/// Block id of a row that is in no (kept) block of a rule.
pub(crate) const NONE: u32 = u32::MAX;

/// How many of the largest blocks are reported per rule.
const LARGEST_REPORTED: usize = 5;

/// How many of the largest skipped blocks are listed per rule (all are
/// counted): a key that grows with the data can skip tens of thousands.
pub(crate) const SKIPPED_REPORTED: usize = 20;

/// A block described without its key value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct BlockInfo {
    /// Records in the block.
    pub size: u64,
    /// Eligible pairs in the block (after the link type filter).
    pub pairs: u64,
    /// First 8 hex digits of xxh3 over the key value: lets a steward find the
    /// block without the value appearing in logs.
    pub key_hash: String,
}

/// The blocks of one rule.
#[derive(Debug, Clone)]
pub(crate) struct RuleBlocks {
    /// Block id per row; [`NONE`] when a key part is empty or the block was
    /// skipped as oversized.
    pub block_of_row: Vec<u32>,
    /// Rows grouped by kept block (emptied once pairs are generated).
    pub order: Vec<u32>,
    /// Kept block `b` is `order[offsets[b]..offsets[b + 1]]` (emptied with
    /// `order`).
    pub offsets: Vec<u32>,
    /// Eligible pairs in kept blocks.
    pub candidate_pairs: u64,
    /// The largest blocks, skipped ones included.
    pub largest: Vec<BlockInfo>,
    /// The largest [`SKIPPED_REPORTED`] blocks over `size_cap` (not
    /// compared), largest first.
    pub skipped: Vec<BlockInfo>,
    /// Blocks over `size_cap`, all of them.
    pub skipped_count: u64,
    /// Largest block size compared: `max_block_size`, or less for a
    /// default rule over its pair budget (see [`default_rule_budget`]).
    pub size_cap: usize,
    /// Pairs of the kept blocks by block size (index = size).
    pub pairs_by_size: Vec<u64>,
}

/// The ids of one rule part per row: the interned key column itself, or
/// for a prefix part the column re-interned by prefix.
enum Part<'t> {
    Col(Col<'t>),
    Prefix(Vec<u32>, StrCol),
}

impl Part<'_> {
    #[inline]
    fn id(&self, row: usize) -> u32 {
        match self {
            Part::Col(c) => c.id(row),
            Part::Prefix(ids, _) => ids[row],
        }
    }

    /// The largest id of the part.
    fn max_id(&self) -> u32 {
        let distinct = match self {
            Part::Col(c) => c.distinct(),
            Part::Prefix(_, values) => values,
        };
        distinct.values().len() as u32 - 1
    }

    fn get(&self, row: usize) -> &str {
        match self {
            Part::Col(c) => c.get(row).unwrap_or(""),
            Part::Prefix(ids, values) => values.value(ids[row]),
        }
    }
}

fn part_ids<'t>(table: &'t Table, part: &crate::options::KeyPart) -> Part<'t> {
    let col = table.by_ref(ColRef::Key(part.key));
    match part.prefix {
        None => Part::Col(col),
        Some(n) => {
            let mut map: HashMap<&str, u32> = HashMap::new();
            let mut values: Vec<&str> = vec![""];
            let remap: Vec<u32> = col
                .distinct()
                .values()
                .enumerate()
                .map(|(id, v)| {
                    if id as u32 == NULL {
                        return NULL;
                    }
                    let end = v.char_indices().nth(n as usize).map_or(v.len(), |(i, _)| i);
                    let p = &v[..end];
                    let next = values.len() as u32;
                    *map.entry(p).or_insert_with(|| {
                        values.push(p);
                        next
                    })
                })
                .collect();
            let ids: Vec<u32> = (0..table.n_rows)
                .map(|r| remap[col.id(r) as usize])
                .collect();
            let distinct = StrCol::from_parts(&ids, values);
            Part::Prefix(ids, distinct)
        }
    }
}

/// An unsigned integer holding a row's whole sort key.
trait PackedKey:
    Copy
    + Ord
    + Send
    + Sync
    + From<u32>
    + std::ops::Shl<u32, Output = Self>
    + std::ops::Shr<u32, Output = Self>
    + std::ops::BitOr<Output = Self>
{
    /// The low 32 bits.
    fn low_u32(self) -> u32;
}

impl PackedKey for u64 {
    fn low_u32(self) -> u32 {
        self as u32
    }
}

impl PackedKey for u128 {
    fn low_u32(self) -> u32 {
        self as u32
    }
}

/// Bits of each field of a packed sort key: every key part, the source,
/// the row (most significant first), each as wide as its largest id.
struct KeyLayout {
    part_bits: Vec<u32>,
    source_bits: u32,
    row_bits: u32,
}

fn bits_for(max: u32) -> u32 {
    u32::BITS - max.leading_zeros()
}

impl KeyLayout {
    /// Fields as wide as the parts' largest ids, the largest source id
    /// and the last of `rows` rows.
    fn new(parts: &[Part<'_>], max_source: u32, rows: usize) -> Self {
        Self {
            part_bits: parts.iter().map(|p| bits_for(p.max_id())).collect(),
            source_bits: bits_for(max_source),
            row_bits: bits_for(rows.saturating_sub(1) as u32),
        }
    }

    fn total(&self) -> u32 {
        self.part_bits.iter().sum::<u32>() + self.source_bits + self.row_bits
    }

    fn pack<K: PackedKey>(&self, parts: &[Part<'_>], source: u32, row: u32) -> K {
        let mut k = K::from(0);
        for (p, &bits) in parts.iter().zip(&self.part_bits) {
            k = k << bits | K::from(p.id(row as usize));
        }
        k = k << self.source_bits | K::from(source);
        k << self.row_bits | K::from(row)
    }

    fn row<K: PackedKey>(&self, k: K) -> u32 {
        k.low_u32() & low_mask(self.row_bits)
    }

    fn source<K: PackedKey>(&self, k: K) -> u32 {
        (k >> self.row_bits).low_u32() & low_mask(self.source_bits)
    }

    fn same_key<K: PackedKey>(&self, a: K, b: K) -> bool {
        // Rows with a key have a part id of at least one bit, so the shift
        // stays below the key's width.
        let shift = self.source_bits + self.row_bits;
        a >> shift == b >> shift
    }
}

fn low_mask(bits: u32) -> u32 {
    u32::MAX.checked_shr(u32::BITS - bits).unwrap_or(0)
}

/// Rows of a rule in sort order, and how to read each one's key and
/// source without looking the row up again (a cache miss per row and rule
/// at a million records).
enum SortedRows {
    /// The whole order in one `u64` per row (the usual case: ids of a few
    /// parts, a source and a row rarely need more than 64 bits).
    Packed64(Vec<u64>, KeyLayout),
    Packed128(Vec<u128>, KeyLayout),
    /// More than 128 bits: sorted by a comparator.
    Unpacked,
}

/// Sorts `rows` by their packed keys; returns the keys in that order.
fn sort_packed<K: PackedKey>(
    rows: &mut Vec<u32>,
    parts: &[Part<'_>],
    source: &[u32],
    layout: &KeyLayout,
) -> Vec<K> {
    let mut keys: Vec<K> = rows
        .par_iter()
        .map(|&r| layout.pack(parts, source[r as usize], r))
        .collect();
    keys.par_sort_unstable();
    rows.clear();
    rows.extend(keys.iter().map(|&k| layout.row(k)));
    keys
}

/// Sorts `rows` by (key part ids, source id, row). Up to 128 bits the
/// whole order is packed into one integer per row, each field only as wide
/// as its largest id: sorting those is several times faster than a
/// comparator that looks every row up in each part's ids, and the
/// narrower the integer the less memory the sort moves.
fn sort_by_key_source_row(
    rows: &mut Vec<u32>,
    parts: &[Part<'_>],
    source: &[u32],
    max_source: u32,
    key_cmp: &(dyn Fn(u32, u32) -> std::cmp::Ordering + Sync),
) -> SortedRows {
    let layout = KeyLayout::new(parts, max_source, source.len());
    if layout.total() <= u64::BITS {
        let keys = sort_packed::<u64>(rows, parts, source, &layout);
        SortedRows::Packed64(keys, layout)
    } else if layout.total() <= u128::BITS {
        let keys = sort_packed::<u128>(rows, parts, source, &layout);
        SortedRows::Packed128(keys, layout)
    } else {
        rows.par_sort_unstable_by(|&a, &b| {
            key_cmp(a, b)
                .then(source[a as usize].cmp(&source[b as usize]))
                .then(a.cmp(&b))
        });
        SortedRows::Unpacked
    }
}

/// Pairs of a block of `n` rows whose per-source counts are `same`, under
/// the link type.
fn block_pairs(n: u64, same_source_pairs: u64, link: LinkType) -> u64 {
    let all = n * n.saturating_sub(1) / 2;
    match link {
        LinkType::LinkAndDedupe => all,
        LinkType::DedupeOnly => same_source_pairs,
        LinkType::LinkOnly => all - same_source_pairs,
    }
}

/// Groups rows into the blocks of `rule` and counts their pairs. Blocks
/// over `size_cap` (`max_block_size`, or less, see [`within_budget`]) are
/// skipped.
pub(crate) fn build_blocks(
    table: &Table,
    rule: &BlockingRule,
    link: LinkType,
    size_cap: usize,
) -> RuleBlocks {
    let parts: Vec<Part<'_>> = rule.parts.iter().map(|p| part_ids(table, p)).collect();
    let source = table.source_ids();
    let mut rows: Vec<u32> = (0..table.n_rows as u32)
        .filter(|&r| parts.iter().all(|p| p.id(r as usize) != NULL))
        .collect();
    let key_cmp = |a: u32, b: u32| {
        for p in &parts {
            let o = p.id(a as usize).cmp(&p.id(b as usize));
            if o.is_ne() {
                return o;
            }
        }
        std::cmp::Ordering::Equal
    };
    let max_source = table.sources().values().len() as u32 - 1;
    let sorted = sort_by_key_source_row(&mut rows, &parts, source, max_source, &key_cmp);
    // Whether sorted rows i and j share the key, and sorted row i's source.
    let same_key = |i: usize, j: usize| match &sorted {
        SortedRows::Packed64(keys, l) => l.same_key(keys[i], keys[j]),
        SortedRows::Packed128(keys, l) => l.same_key(keys[i], keys[j]),
        SortedRows::Unpacked => key_cmp(rows[i], rows[j]).is_eq(),
    };
    let source_at = |i: usize| match &sorted {
        SortedRows::Packed64(keys, l) => l.source(keys[i]),
        SortedRows::Packed128(keys, l) => l.source(keys[i]),
        SortedRows::Unpacked => source[rows[i] as usize],
    };

    let mut pairs_by_size = vec![0u64; size_cap + 1];
    let mut block_of_row = vec![NONE; table.n_rows];
    let mut order = Vec::with_capacity(rows.len());
    let mut offsets = vec![0u32];
    let mut candidate_pairs = 0u64;
    let mut infos: Vec<BlockInfo> = Vec::new();
    let mut skipped = Vec::new();
    let mut start = 0;
    while start < rows.len() {
        let mut end = start + 1;
        while end < rows.len() && same_key(start, end) {
            end += 1;
        }
        let block = &rows[start..end];
        let n = block.len() as u64;
        let mut same = 0u64;
        let mut run = 1u64;
        for i in start + 1..end {
            if source_at(i - 1) == source_at(i) {
                run += 1;
            } else {
                same += run * (run - 1) / 2;
                run = 1;
            }
        }
        same += run * (run - 1) / 2;
        let pairs = block_pairs(n, same, link);
        if n >= 2 {
            let info = || {
                let mut buf = Vec::new();
                for p in &parts {
                    buf.extend_from_slice(p.get(block[0] as usize).as_bytes());
                    buf.push(0x1f);
                }
                BlockInfo {
                    size: n,
                    pairs,
                    key_hash: format!("{:08x}", xxh3_64(&buf) >> 32),
                }
            };
            if block.len() > size_cap {
                skipped.push(info());
                infos.push(info());
            } else {
                if pairs > 0 {
                    let id = (offsets.len() - 1) as u32;
                    for &r in block {
                        block_of_row[r as usize] = id;
                    }
                    order.extend_from_slice(block);
                    offsets.push(order.len() as u32);
                    candidate_pairs += pairs;
                    pairs_by_size[block.len()] += pairs;
                }
                if infos.len() < LARGEST_REPORTED || n > infos.last().map_or(0, |i| i.size) {
                    infos.push(info());
                }
            }
            infos.sort_by(|a, b| b.size.cmp(&a.size).then(a.key_hash.cmp(&b.key_hash)));
            infos.truncate(LARGEST_REPORTED);
        }
        start = end;
    }
    skipped.sort_by(|a, b| b.size.cmp(&a.size).then(a.key_hash.cmp(&b.key_hash)));
    let skipped_count = skipped.len() as u64;
    skipped.truncate(SKIPPED_REPORTED);
    RuleBlocks {
        block_of_row,
        order,
        offsets,
        candidate_pairs,
        largest: infos,
        skipped,
        skipped_count,
        size_cap,
        pairs_by_size,
    }
}

/// `b` (the blocks of default rule `rule`) regrouped with the largest
/// block sizes skipped until its pairs fit `budget`, when they do not.
pub(crate) fn within_budget(
    table: &Table,
    rule: &BlockingRule,
    link: LinkType,
    b: RuleBlocks,
    budget: u64,
) -> RuleBlocks {
    if b.candidate_pairs <= budget {
        return b;
    }
    let cap = cap_for_budget(&b.pairs_by_size, budget);
    drop(b);
    build_blocks(table, rule, link, cap)
}

/// The largest block size whose blocks (all of that size and smaller)
/// produce at most `budget` pairs, from the pairs per block size (index =
/// size, the last index the current cap). Whole sizes are kept or skipped,
/// so the cap does not depend on the order of the blocks.
fn cap_for_budget(pairs_by_size: &[u64], budget: u64) -> usize {
    let mut total: u64 = pairs_by_size.iter().sum();
    let mut cap = pairs_by_size.len().saturating_sub(1);
    while total > budget && cap > 1 {
        total -= pairs_by_size[cap];
        cap -= 1;
    }
    cap
}

/// How many times the median default rule's candidate pairs a default
/// rule may produce before its largest blocks are skipped (see
/// [`default_rule_budget`]).
pub const DEFAULT_RULE_MEDIAN_MULTIPLE: u64 = 3;

/// Pair budget under which no default rule is trimmed, whatever the size
/// of the data: comparing this many pairs takes well under a second.
const MIN_DEFAULT_RULE_BUDGET: u64 = 100_000;

/// The pair budget of every default rule, from the candidate pairs of the
/// default rules in force: [`DEFAULT_RULE_MEDIAN_MULTIPLE`] times their
/// median, and never under [`MIN_DEFAULT_RULE_BUDGET`].
///
/// `max_block_size` is a fixed cap, so a rule whose key grows with the
/// data produces most pairs just below the point where its blocks start
/// to be skipped: `family_phonetic & birth_year` gave 9 times the median
/// rule's pairs at 100k generated records (75% of all candidates, for 0.3%
/// of the matches, every one of them also found by other rules) and a
/// fifth of it at 1M, where most of its blocks are over 50. The budget is
/// relative to the other rules, not to the records: data with many
/// records per customer puts many pairs in every rule, and none of them
/// is trimmed then.
pub(crate) fn default_rule_budget(default_rule_pairs: &[u64]) -> u64 {
    let mut pairs = default_rule_pairs.to_vec();
    pairs.sort_unstable();
    let median = pairs.get(pairs.len() / 2).copied().unwrap_or(0);
    median
        .saturating_mul(DEFAULT_RULE_MEDIAN_MULTIPLE)
        .max(MIN_DEFAULT_RULE_BUDGET)
}

/// Regroups, in parallel, every default rule (`droppable`) in `blocks`
/// that is over the budget [`default_rule_budget`] sets from them all.
pub(crate) fn trim_default_rules(
    table: &Table,
    rules: &[BlockingRule],
    droppable: &(dyn Fn(usize) -> bool + Sync),
    link: LinkType,
    blocks: &mut [Option<RuleBlocks>],
) {
    let pairs: Vec<u64> = (0..blocks.len())
        .filter(|&i| droppable(i))
        .filter_map(|i| blocks[i].as_ref().map(|b| b.candidate_pairs))
        .collect();
    let budget = default_rule_budget(&pairs);
    blocks.par_iter_mut().enumerate().for_each(|(i, slot)| {
        if droppable(i)
            && let Some(b) = slot.take()
        {
            *slot = Some(within_budget(table, &rules[i], link, b, budget));
        }
    });
}

/// Blocks of every rule, budgets checked. A rule over its budget is an
/// error, unless it is `droppable` (a default rule): then it is left out
/// (`None`) with a warning, so the defaults adapt to the size of the data.
/// When the total is over budget, droppable rules are left out from the
/// last one backwards until it fits.
pub(crate) fn block_all(
    table: &Table,
    rules: &[BlockingRule],
    droppable: &[bool],
    opts: &DedupeOptions,
) -> Result<(Vec<Option<RuleBlocks>>, Vec<String>), Error> {
    // Rules are grouped independently (in parallel: each grouping has a
    // serial scan); a rule left out is dropped as soon as it is built so
    // that its per-row block ids do not outlive it.
    type Built = Result<(Option<RuleBlocks>, Option<String>), Error>;
    let built: Vec<Built> = rules
        .par_iter()
        .enumerate()
        .map(|(i, rule)| {
            let b = build_blocks(table, rule, opts.link_type, opts.max_block_size);
            if droppable[i] && broad_over_budget(rule, &b, table.n_rows) {
                return Ok((
                    None,
                    Some(format!(
                        "broad default blocking rule {i} ({rule}) left out: {} candidate pairs \
                         is over {BROAD_PAIRS_PER_RECORD} per record; the specific rules cover \
                         it at this scale",
                        b.candidate_pairs
                    )),
                ));
            }
            if b.candidate_pairs > opts.max_pairs_per_rule {
                if droppable[i] {
                    return Ok((
                        None,
                        Some(format!(
                            "default blocking rule {i} ({rule}) left out: it would produce {} \
                             candidate pairs, over max_pairs_per_rule {}; largest blocks: {}",
                            b.candidate_pairs,
                            opts.max_pairs_per_rule,
                            describe_blocks(&b.largest)
                        )),
                    ));
                }
                return Err(Error::RuleOverBudget {
                    rule: i,
                    description: rule.to_string(),
                    pairs: b.candidate_pairs,
                    budget: opts.max_pairs_per_rule,
                    largest_blocks: describe_blocks(&b.largest),
                });
            }
            Ok((Some(b), None))
        })
        .collect();
    let mut out = Vec::with_capacity(rules.len());
    let mut warnings = Vec::new();
    for b in built {
        let (b, warning) = b?;
        out.push(b);
        warnings.extend(warning);
    }
    trim_default_rules(table, rules, &|i| droppable[i], opts.link_type, &mut out);
    let total = |out: &[Option<RuleBlocks>]| -> u64 {
        out.iter().flatten().map(|b| b.candidate_pairs).sum()
    };
    while total(&out) > opts.max_pairs {
        let Some(i) = (0..out.len())
            .rev()
            .find(|&i| droppable[i] && out[i].is_some())
        else {
            return Err(Error::TotalOverBudget {
                pairs: total(&out),
                budget: opts.max_pairs,
                per_rule: out
                    .iter()
                    .enumerate()
                    .map(|(i, b)| format!("{i}: {}", b.as_ref().map_or(0, |b| b.candidate_pairs)))
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        };
        warnings.push(format!(
            "default blocking rule {i} ({}) left out: all rules together would produce {} \
             candidate pairs, over max_pairs {}",
            rules[i],
            total(&out),
            opts.max_pairs
        ));
        out[i] = None;
    }
    Ok((out, warnings))
}

fn describe_blocks(blocks: &[BlockInfo]) -> String {
    blocks
        .iter()
        .map(|b| {
            format!(
                "{} records / {} pairs (key #{})",
                b.size, b.pairs, b.key_hash
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether the link type allows a pair of rows from these sources.
#[inline]
pub(crate) fn eligible(link: LinkType, source_a: u32, source_b: u32) -> bool {
    match link {
        LinkType::LinkAndDedupe => true,
        LinkType::DedupeOnly => source_a == source_b,
        LinkType::LinkOnly => source_a != source_b,
    }
}

/// Candidate pairs of all rules: `(left, right)` with `left < right`, and
/// the index of the rule that produced each (the first rule that agrees).
pub(crate) struct Candidates {
    pub pairs: Vec<(u32, u32)>,
    pub rule: Vec<u8>,
    /// Each pair's rule mask, as computed while generating it.
    pub masks: RuleMasks,
    /// Pairs emitted by each rule (after removing earlier rules' pairs).
    pub per_rule: Vec<u64>,
}

impl Candidates {
    /// Frees the pairs, their rules and masks once scoring no longer needs
    /// them; `per_rule` stays for the report.
    pub(crate) fn release(&mut self) {
        self.pairs = Vec::new();
        self.rule = Vec::new();
        self.masks.clear();
    }
}

/// Emits every candidate pair once, in rule order then block order: the
/// records of a block stay in cache while its pairs are compared.
pub(crate) fn generate(
    table: &Table,
    blocks: &[RuleBlocks],
    block_ids: &BlockIds,
    link: LinkType,
) -> Candidates {
    let source = table.source_ids();
    let mut pairs = Vec::new();
    let mut rule = Vec::new();
    let mut masks = RuleMasks::new(blocks.len());
    let mut per_rule = Vec::with_capacity(blocks.len());
    for (k, rb) in blocks.iter().enumerate() {
        let earlier: u64 = (1u64 << k) - 1;
        let n_blocks = rb.offsets.len() - 1;
        let emitted: Vec<(u32, u32, u64)> = (0..n_blocks)
            .into_par_iter()
            .flat_map_iter(|b| {
                let rows = &rb.order[rb.offsets[b] as usize..rb.offsets[b + 1] as usize];
                let mut v = Vec::new();
                for (i, &x) in rows.iter().enumerate() {
                    for &y in &rows[i + 1..] {
                        if !eligible(link, source[x as usize], source[y as usize]) {
                            continue;
                        }
                        let mask = block_ids.mask(x as usize, y as usize);
                        if mask & earlier == 0 {
                            v.push((x.min(y), x.max(y), mask));
                        }
                    }
                }
                v
            })
            .collect();
        per_rule.push(emitted.len() as u64);
        rule.extend(std::iter::repeat_n(k as u8, emitted.len()));
        pairs.extend(emitted.iter().map(|&(a, b, _)| (a, b)));
        masks.extend(emitted.iter().map(|&(_, _, m)| m));
    }
    Candidates {
        pairs,
        rule,
        masks,
        per_rule,
    }
}

/// Each candidate pair's rule mask (bit `k`: rule `k` puts its two records
/// in one block), kept from generation, which computes it anyway, for the
/// EM pattern table: reading it again from the two records' block ids
/// would be two cache misses per pair, and those ids (a `u32` per record
/// and rule) can be freed once the pairs exist. Four bytes a pair up to 32
/// rules, the usual case, eight beyond.
#[derive(Debug, Clone)]
pub(crate) enum RuleMasks {
    Narrow(Vec<u32>),
    Wide(Vec<u64>),
}

impl RuleMasks {
    fn new(n_rules: usize) -> Self {
        if n_rules <= 32 {
            Self::Narrow(Vec::new())
        } else {
            Self::Wide(Vec::new())
        }
    }

    fn extend(&mut self, masks: impl Iterator<Item = u64>) {
        match self {
            // Narrow only holds masks of at most 32 rules.
            Self::Narrow(v) => v.extend(masks.map(|m| m as u32)),
            Self::Wide(v) => v.extend(masks),
        }
    }

    /// Frees every mask.
    pub(crate) fn clear(&mut self) {
        match self {
            Self::Narrow(v) => *v = Vec::new(),
            Self::Wide(v) => *v = Vec::new(),
        }
    }

    /// The mask of pair `i`.
    #[inline]
    pub(crate) fn get(&self, i: usize) -> u64 {
        match self {
            Self::Narrow(v) => u64::from(v[i]),
            Self::Wide(v) => v[i],
        }
    }
}

/// The block id of every row under every kept rule, row-major (a row's
/// ids side by side): checking which rules put two rows in one block
/// reads two short runs instead of one scattered array per rule.
#[derive(Debug, Clone, Default)]
pub(crate) struct BlockIds {
    ids: Vec<u32>,
    width: usize,
}

impl BlockIds {
    /// Moves the per-rule `block_of_row` of `blocks` into one matrix.
    pub(crate) fn take(blocks: &mut [RuleBlocks], n_rows: usize) -> Self {
        let columns: Vec<&[u32]> = blocks.iter().map(|rb| rb.block_of_row.as_slice()).collect();
        let ids = crate::table::row_major(&columns, n_rows);
        for rb in blocks.iter_mut() {
            rb.block_of_row = Vec::new();
        }
        Self {
            ids,
            width: blocks.len(),
        }
    }

    /// Bit mask of the rules under which rows `a` and `b` share a kept
    /// block.
    #[inline]
    pub(crate) fn mask(&self, a: usize, b: usize) -> u64 {
        let w = self.width;
        let (ra, rb) = (&self.ids[a * w..(a + 1) * w], &self.ids[b * w..(b + 1) * w]);
        let mut m = 0u64;
        for (k, (&x, &y)) in ra.iter().zip(rb).enumerate() {
            if x != NONE && x == y {
                m |= 1 << k;
            }
        }
        m
    }
}

/// Default rules, in order, kept when each of their keys is filled in at
/// least 1% of the rows: exact identifiers first (cheap, precise), then
/// name, date and place combinations that survive a typo in any one field.
/// Every rule pairs a name or date key with a second, independent key:
/// a key that grows with the data on its own (`dob`, `full_name`, a given
/// name and a city) makes candidate pairs grow quadratically (13 million
/// pairs from `dob` alone at one million records) while adding almost no
/// duplicates the other rules miss (measured on generated data: 3.2 M ->
/// 0.85 M pairs at 100k records, recall 0.9983 -> 0.9982). A default rule
/// that would exceed `max_pairs_per_rule` (or push the total over
/// `max_pairs`) is left out with a warning instead of failing the run.
///
/// The last four rules are *broad* (one growing key, or a name with only a
/// city): on small or sparse data (a thousand records with only names,
/// birth dates and cities) they are what finds the duplicates, so a broad
/// default rule is kept while it produces at most
/// [`BROAD_PAIRS_PER_RECORD`] candidate pairs per record, and left out with
/// a warning beyond.
pub fn default_rules() -> Vec<BlockingRule> {
    use MatchKey::*;
    let specific: [&[MatchKey]; 14] = [
        &[Email],
        &[Phone],
        &[NationalId],
        &[FullName, BirthYear],
        &[HanName, BirthYear],
        &[FamilyPhonetic, BirthYear],
        &[GivenPhonetic, Dob],
        &[GivenInitial, FamilyPhonetic, Postcode],
        &[Dob, Postcode],
        &[Dob, City],
        &[Address],
        &[HouseNumber, Postcode],
        &[Company, Postcode],
        &[EmailLocal],
    ];
    specific
        .iter()
        .chain(&BROAD_RULES)
        .map(|keys| BlockingRule::keys(keys))
        .collect()
}

/// The broad default rules, last in [`default_rules`]: kept only while
/// they stay cheap (see [`BROAD_PAIRS_PER_RECORD`]).
const BROAD_RULES: [&[MatchKey]; 4] = [
    &[MatchKey::FullName],
    &[
        MatchKey::GivenInitial,
        MatchKey::FamilyPhonetic,
        MatchKey::City,
    ],
    &[MatchKey::GivenPhonetic, MatchKey::BirthYear],
    &[MatchKey::Dob],
];

/// Candidate pairs per record up to which a broad default rule is kept.
pub const BROAD_PAIRS_PER_RECORD: f64 = 1.0;

/// Whether `rule` is a broad default rule whose blocks `b` produce more
/// than [`BROAD_PAIRS_PER_RECORD`] pairs per record: a run leaves such a
/// rule out when it may (see `Plan::droppable`), and `cim check` does too.
pub(crate) fn broad_over_budget(rule: &BlockingRule, b: &RuleBlocks, n_rows: usize) -> bool {
    b.candidate_pairs as f64 > BROAD_PAIRS_PER_RECORD * n_rows as f64
        && BROAD_RULES
            .iter()
            .any(|keys| *rule == BlockingRule::keys(keys))
}

/// Minimum fill rate of every key of a default rule.
pub(crate) const MIN_FILL: f64 = 0.01;

/// Counts the candidate pairs of every blocking rule in force for these
/// options (configured, or the defaults chosen from the populated keys, plus
/// deterministic rules) without comparing anything, as `cim check` shows
/// them. Broad default rules over their budget are left out, as in a run.
/// `new_pairs` is left at 0: telling pairs apart needs generating them.
/// Budgets are not enforced here; compare `candidate_pairs` with
/// `max_pairs_per_rule` and `max_pairs`.
pub fn count_candidate_pairs(
    records: &[arrow::record_batch::RecordBatch],
    opts: &DedupeOptions,
) -> Result<Vec<crate::RuleReport>, Error> {
    let plan = crate::pipeline::plan(records, opts, None)?;
    let table = crate::pipeline::intern(records, &plan)?;
    let blocks = blocks_in_force(&table, &plan, opts);
    Ok(plan
        .rules
        .iter()
        .zip(&plan.origins)
        .zip(blocks)
        .filter_map(|((rule, origin), b)| Some((rule, *origin, b?)))
        .enumerate()
        .map(|(index, (rule, origin, b))| crate::RuleReport {
            index,
            rule: rule.to_string(),
            origin,
            candidate_pairs: b.candidate_pairs,
            new_pairs: 0,
            largest_blocks: b.largest,
            skipped_blocks: b.skipped,
            skipped_block_count: b.skipped_count,
            block_size_cap: b.size_cap as u64,
        })
        .collect())
}

/// The blocks of every rule of `plan` as a run groups them, without its
/// pair-count checks: a broad default rule over its budget is left out
/// (`None`, unless a deterministic rule needs its pairs) and default rules
/// over their pair budget are trimmed.
pub(crate) fn blocks_in_force(
    table: &Table,
    plan: &crate::pipeline::Plan,
    opts: &DedupeOptions,
) -> Vec<Option<RuleBlocks>> {
    let mut blocks: Vec<Option<RuleBlocks>> = plan
        .rules
        .par_iter()
        .enumerate()
        .map(|(i, rule)| {
            let b = build_blocks(table, rule, opts.link_type, opts.max_block_size);
            let left_out = plan.droppable(i) && broad_over_budget(rule, &b, table.n_rows);
            (!left_out).then_some(b)
        })
        .collect();
    trim_default_rules(
        table,
        &plan.rules,
        &|i| plan.droppable(i),
        opts.link_type,
        &mut blocks,
    );
    blocks
}

#[cfg(test)]
mod tests {
    use cim_schema::MatchKey;

    use super::*;
    use crate::testkit::{TestRecord, batch};

    /// Both packed widths put rows in the comparator's order, and read back
    /// each row's source and which neighbours share a key.
    #[test]
    fn packed_sort_orders_like_the_comparator() {
        // Few distinct values, empty ones, three sources: ties on the key
        // are broken by source, then row.
        let records: Vec<TestRecord> = (0..400)
            .map(|i| {
                TestRecord::new(format!("r{i}"), ["s1", "s2", "s3"][i / 7 % 3])
                    .key(MatchKey::FamilyName, ["", "x", "y", "zz"][i * 5 % 4])
                    .key(MatchKey::BirthYear, format!("19{}", i % 6))
                    .key(MatchKey::City, ["", "ely", "hull"][i * 11 % 3])
            })
            .collect();
        let records = [batch(&records)];
        let rule = BlockingRule::keys(&[MatchKey::FamilyName, MatchKey::BirthYear, MatchKey::City]);
        let refs: Vec<ColRef> = rule.parts.iter().map(|p| ColRef::Key(p.key)).collect();
        let table = Table::build(&records, &refs).unwrap();
        let parts: Vec<Part<'_>> = rule.parts.iter().map(|p| part_ids(&table, p)).collect();
        let source = table.source_ids();
        let with_key: Vec<u32> = (0..table.n_rows as u32)
            .filter(|&r| parts.iter().all(|p| p.id(r as usize) != NULL))
            .collect();
        let full_key = |r: u32| -> Vec<u32> {
            let mut k: Vec<u32> = parts.iter().map(|p| p.id(r as usize)).collect();
            k.extend([source[r as usize], r]);
            k
        };
        let mut expected = with_key.clone();
        expected.sort_by_key(|&r| full_key(r));
        let max_source = table.sources().values().len() as u32 - 1;
        let layout = KeyLayout::new(&parts, max_source, table.n_rows);
        assert!(layout.total() <= 64);
        fn check<K: PackedKey>(
            layout: &KeyLayout,
            keys: &[K],
            rows: &[u32],
            expected: &[u32],
            source: &[u32],
            key_of: &dyn Fn(u32) -> Vec<u32>,
        ) {
            assert_eq!(rows, expected);
            for i in 0..rows.len() {
                assert_eq!(layout.source(keys[i]), source[rows[i] as usize]);
                if i > 0 {
                    let same = key_of(rows[i - 1])[..3] == key_of(rows[i])[..3];
                    assert_eq!(layout.same_key(keys[i - 1], keys[i]), same, "at {i}");
                }
            }
        }
        let mut rows = with_key.clone();
        let keys = sort_packed::<u64>(&mut rows, &parts, source, &layout);
        check(&layout, &keys, &rows, &expected, source, &full_key);
        let mut rows = with_key.clone();
        let keys = sort_packed::<u128>(&mut rows, &parts, source, &layout);
        check(&layout, &keys, &rows, &expected, source, &full_key);
        // The entry point picks the narrow width here.
        let mut rows = with_key;
        let sorted = sort_by_key_source_row(&mut rows, &parts, source, max_source, &|_, _| {
            unreachable!("packed")
        });
        assert!(matches!(sorted, SortedRows::Packed64(..)));
        assert_eq!(rows, expected);
    }

    /// Whole block sizes are dropped, largest first, until the rest fit.
    #[test]
    fn budget_cap_drops_the_largest_sizes_until_the_rest_fit() {
        // Two blocks of 20 (190 pairs each), one of 5 (10), four of 2 (1),
        // under a cap of 50.
        let mut by_size = vec![0u64; 51];
        by_size[20] = 380;
        by_size[5] = 10;
        by_size[2] = 4;
        assert_eq!(cap_for_budget(&by_size, 394), 50);
        assert_eq!(cap_for_budget(&by_size, 393), 19);
        assert_eq!(cap_for_budget(&by_size, 14), 19);
        assert_eq!(cap_for_budget(&by_size, 13), 4);
        assert_eq!(cap_for_budget(&by_size, 0), 1);
        assert_eq!(cap_for_budget(&[0; 51], 0), 50);
    }

    /// With a pair budget, a rule skips its largest blocks (and reports
    /// them) until its pairs fit; without one only `max_block_size` counts.
    #[test]
    fn a_pair_budget_skips_the_largest_blocks() {
        // Key "a" x6 (15 pairs), "b" x4 (6), "c" x2 (1), "d" x1.
        let records: Vec<TestRecord> = ["a"; 6]
            .into_iter()
            .chain(["b"; 4])
            .chain(["c"; 2])
            .chain(["d"])
            .enumerate()
            .map(|(i, k)| TestRecord::new(format!("r{i}"), "s").key(MatchKey::FamilyName, k))
            .collect();
        let records = [batch(&records)];
        let rule = BlockingRule::keys(&[MatchKey::FamilyName]);
        let table = Table::build(&records, &[ColRef::Key(MatchKey::FamilyName)]).unwrap();
        let link = LinkType::DedupeOnly;

        let all = build_blocks(&table, &rule, link, 50);
        assert_eq!((all.candidate_pairs, all.size_cap), (22, 50));
        assert!(all.skipped.is_empty());

        let trimmed = within_budget(&table, &rule, link, all.clone(), 10);
        assert_eq!((trimmed.candidate_pairs, trimmed.size_cap), (7, 5));
        assert_eq!((trimmed.skipped.len(), trimmed.skipped_count), (1, 1));
        assert_eq!((trimmed.skipped[0].size, trimmed.skipped[0].pairs), (6, 15));
        assert!((0..6).all(|r| trimmed.block_of_row[r] == NONE));
        assert!((6..12).all(|r| trimmed.block_of_row[r] != NONE));
        // The reported largest blocks still include the skipped one.
        assert_eq!(trimmed.largest[0].size, 6);

        // A budget the rule fits in changes nothing.
        let roomy = within_budget(&table, &rule, link, all, 22);
        assert_eq!((roomy.candidate_pairs, roomy.size_cap), (22, 50));
        // max_block_size still applies first: the budget counts kept blocks.
        let small = build_blocks(&table, &rule, link, 4);
        let small = within_budget(&table, &rule, link, small, 7);
        assert_eq!((small.candidate_pairs, small.size_cap), (7, 4));
    }

    /// Every skipped block is counted; only the largest are listed.
    #[test]
    fn skipped_blocks_are_counted_and_the_largest_listed() {
        // 30 keys of 3 records plus one of 4, under a cap of 2.
        let records: Vec<TestRecord> = (0..94)
            .map(|i| {
                let key = if i < 90 {
                    format!("k{}", i / 3)
                } else {
                    "big".into()
                };
                TestRecord::new(format!("r{i}"), "s").key(MatchKey::FamilyName, key)
            })
            .collect();
        let records = [batch(&records)];
        let rule = BlockingRule::keys(&[MatchKey::FamilyName]);
        let table = Table::build(&records, &[ColRef::Key(MatchKey::FamilyName)]).unwrap();
        let b = build_blocks(&table, &rule, LinkType::DedupeOnly, 2);
        assert_eq!(b.skipped_count, 31);
        assert_eq!(b.skipped.len(), SKIPPED_REPORTED);
        assert_eq!(b.skipped[0].size, 4);
        assert!(b.skipped[1..].iter().all(|s| s.size == 3));
        assert_eq!(b.candidate_pairs, 0);
    }

    /// The budget is a multiple of the median default rule's pairs, so
    /// data where every rule has many pairs trims none of them.
    #[test]
    fn default_rule_budget_is_relative_to_the_median_rule() {
        assert_eq!(default_rule_budget(&[]), MIN_DEFAULT_RULE_BUDGET);
        assert_eq!(
            default_rule_budget(&[5, 10, 1_000]),
            MIN_DEFAULT_RULE_BUDGET
        );
        // The generated 100k set's specific default rules.
        let at_100k = [
            75_028, 87_020, 74_393, 6_720, 700_737, 69_296, 88_062, 57_394, 58_643, 75_150, 89_983,
            7_527, 107_345,
        ];
        assert_eq!(default_rule_budget(&at_100k), 3 * 75_028);
        // Every rule large: the budget follows.
        let heavy = [900_000, 1_000_000, 1_200_000];
        assert_eq!(default_rule_budget(&heavy), 3_000_000);
        assert!(heavy.iter().all(|&p| p <= default_rule_budget(&heavy)));
    }

    #[test]
    fn rule_masks_keep_every_bit_narrow_and_wide() {
        let narrow_in = [0u64, 1, 0b1010, u64::from(u32::MAX)];
        let mut narrow = RuleMasks::new(32);
        narrow.extend(narrow_in.iter().copied());
        assert!(matches!(narrow, RuleMasks::Narrow(_)));
        let wide_in = [0u64, 1 << 32, 1 << 63 | 5];
        let mut wide = RuleMasks::new(33);
        wide.extend(wide_in.iter().copied());
        assert!(matches!(wide, RuleMasks::Wide(_)));
        for (i, m) in narrow_in.iter().enumerate() {
            assert_eq!(narrow.get(i), *m);
        }
        for (i, m) in wide_in.iter().enumerate() {
            assert_eq!(wide.get(i), *m);
        }
    }
}
