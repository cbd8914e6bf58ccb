//! Choosing the surviving values of one cluster.
//!
//! Everything here works on one cluster at a time and reads the input only,
//! so clusters are processed in parallel and the result does not depend on
//! the thread count. Every comparison ends on the record id, which is unique,
//! so every choice is a total order and therefore deterministic.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use cim_schema::{CanonicalField, FieldStatus};

use crate::input::{Input, RecordMeta};

use crate::options::{ADDRESS_UNIT, NAME_UNIT, Rule, SurvivorshipOptions};
use crate::time::parse_date;

/// Fields of the master, in column order: every canonical field except the
/// source key (record ids live in the crosswalk) and `updated_at` (the
/// master has `last_updated`).
pub(crate) const MASTER_FIELDS: [CanonicalField; 16] = [
    CanonicalField::FullName,
    CanonicalField::GivenName,
    CanonicalField::MiddleName,
    CanonicalField::FamilyName,
    CanonicalField::Email,
    CanonicalField::Phone,
    CanonicalField::DateOfBirth,
    CanonicalField::Gender,
    CanonicalField::AddressLine1,
    CanonicalField::AddressLine2,
    CanonicalField::City,
    CanonicalField::Region,
    CanonicalField::Postcode,
    CanonicalField::Country,
    CanonicalField::Company,
    CanonicalField::NationalId,
];

/// Fields over which `quality_score` is computed, equally weighted.
pub(crate) const QUALITY_FIELDS: [CanonicalField; 8] = [
    CanonicalField::FullName,
    CanonicalField::Email,
    CanonicalField::Phone,
    CanonicalField::DateOfBirth,
    CanonicalField::AddressLine1,
    CanonicalField::City,
    CanonicalField::Postcode,
    CanonicalField::Country,
];

/// Marks "no record" in [`Golden`] (missing value).
pub(crate) const NONE: u32 = u32::MAX;

/// One golden record before its id is known, as record indices: every
/// surviving value is the display value of its field in the record that
/// supplied it, so the master is built by reading those cells.
#[derive(Debug)]
pub(crate) struct Golden {
    /// Per [`MASTER_FIELDS`] entry, the global index of the record that
    /// supplied the (first) value; [`NONE`] when missing.
    pub from: [u32; MASTER_FIELDS.len()],
    /// Further values of `collect_all` fields, best first, as
    /// (index in [`MASTER_FIELDS`], record).
    pub more: Vec<(u8, u32)>,
    /// Merged extra attributes as a JSON object, `None` when no member has any.
    pub extra: Option<Box<str>>,
    /// Latest valid `updated_at` of the members, epoch ms.
    pub last_updated: Option<i64>,
    /// Record that supplied `last_updated`, [`NONE`] when none.
    pub last_updated_from: u32,
    /// Completeness and validity over [`QUALITY_FIELDS`], in `[0, 1]`.
    pub quality: f32,
}

/// The options resolved per master field once per run.
pub(crate) struct Plan {
    /// Effective rule per [`MASTER_FIELDS`] entry.
    rules: [Rule; MASTER_FIELDS.len()],
    /// Kept-together units: (rule of the anchor, slots of the unit fields,
    /// anchor first).
    units: Vec<(Rule, Vec<(CanonicalField, usize)>)>,
    /// Slots of [`QUALITY_FIELDS`].
    quality: [usize; QUALITY_FIELDS.len()],
}

fn slot(f: CanonicalField) -> usize {
    MASTER_FIELDS
        .iter()
        .position(|&m| m == f)
        .expect("a master field")
}

impl Plan {
    pub fn new(opts: &SurvivorshipOptions) -> Self {
        let units = [
            (opts.keep_name_together, &NAME_UNIT[..]),
            (opts.keep_address_together, &ADDRESS_UNIT[..]),
        ]
        .into_iter()
        .filter(|(on, _)| *on)
        .map(|(_, unit)| {
            (
                opts.effective_rule(unit[0]),
                unit.iter().map(|&f| (f, slot(f))).collect(),
            )
        })
        .collect();
        Self {
            rules: MASTER_FIELDS.map(|f| opts.effective_rule(f)),
            units,
            quality: QUALITY_FIELDS.map(slot),
        }
    }
}

/// Buffers reused from one cluster to the next (one per worker).
#[derive(Default)]
pub(crate) struct Scratch<'a> {
    cands: Vec<Cand<'a>>,
    seen: Vec<&'a str>,
    agreeing: Vec<u32>,
    order: Vec<u32>,
    counts: HashMap<&'a str, u32>,
}

/// A value (or, for units, a record) competing to survive.
struct Cand<'a> {
    g: u32,
    status: FieldStatus,
    group: &'a str,
    freq: u32,
    /// For `longest`: (filled unit fields, characters); scalars use (1, chars).
    len: (u32, u32),
    ord: Option<Ordinal<'a>>,
}

/// A value as compared by `max` / `min`.
#[derive(Debug, Clone, Copy)]
enum Ordinal<'a> {
    Date(NaiveDate),
    Num(f64),
    Text(&'a str),
}

impl<'a> Ordinal<'a> {
    fn of(s: &'a str) -> Self {
        if let Some(d) = parse_date(s) {
            Self::Date(d)
        } else if let Some(n) = s.trim().parse::<f64>().ok().filter(|n| n.is_finite()) {
            Self::Num(n)
        } else {
            Self::Text(s)
        }
    }

    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Self::Date(a), Self::Date(b)) => a.cmp(b),
            (Self::Num(a), Self::Num(b)) => a.total_cmp(b),
            (Self::Text(a), Self::Text(b)) => a.cmp(b),
            _ => self.kind().cmp(&other.kind()),
        }
    }

    fn kind(&self) -> u8 {
        match self {
            Self::Date(_) => 0,
            Self::Num(_) => 1,
            Self::Text(_) => 2,
        }
    }
}

fn tier(s: FieldStatus) -> u8 {
    match s {
        FieldStatus::Valid => 0,
        _ => 1,
    }
}

/// Record order: config source order, then file, then line.
fn record_order(a: &RecordMeta, b: &RecordMeta) -> Ordering {
    a.order
        .cmp(&b.order)
        .then_with(|| a.file.cmp(&b.file))
        .then_with(|| a.line.cmp(&b.line))
}

/// The tie-break chain after validity and the rule's own order: most recent,
/// source priority, record order, smallest record id.
fn tie_break(a: &RecordMeta, b: &RecordMeta) -> Ordering {
    b.updated
        .cmp(&a.updated)
        .then_with(|| a.priority.cmp(&b.priority))
        .then_with(|| record_order(a, b))
        .then_with(|| a.rank.cmp(&b.rank))
}

/// Total order of candidates, best first.
fn rank(input: &Input, rule: Rule, a: &Cand<'_>, b: &Cand<'_>) -> Ordering {
    let (ma, mb) = (&input.records[a.g as usize], &input.records[b.g as usize]);
    let primary = match rule {
        Rule::MostRecent => mb.updated.cmp(&ma.updated),
        Rule::MostFrequent | Rule::CollectAll => Ordering::Equal,
        Rule::SourcePriority => ma.priority.cmp(&mb.priority),
        Rule::Longest => b.len.cmp(&a.len),
        Rule::FirstValid => record_order(ma, mb),
        Rule::Max => match (&a.ord, &b.ord) {
            (Some(x), Some(y)) => y.cmp(x),
            _ => Ordering::Equal,
        },
        Rule::Min => match (&a.ord, &b.ord) {
            (Some(x), Some(y)) => x.cmp(y),
            _ => Ordering::Equal,
        },
    };
    tier(a.status)
        .cmp(&tier(b.status))
        .then(primary)
        .then_with(|| b.freq.cmp(&a.freq))
        .then_with(|| tie_break(ma, mb))
}

/// Fills `freq` of every candidate: how many candidates share its group.
fn count_groups<'a>(cands: &mut [Cand<'a>], counts: &mut HashMap<&'a str, u32>) {
    if cands.len() == 1 {
        cands[0].freq = 1;
    } else if cands.len() <= 32 {
        // Each pair once, never a candidate with itself.
        for c in cands.iter_mut() {
            c.freq = 1;
        }
        for i in 0..cands.len() {
            let (head, tail) = cands.split_at_mut(i + 1);
            let a = &mut head[i];
            for b in tail {
                if a.group == b.group {
                    a.freq += 1;
                    b.freq += 1;
                }
            }
        }
    } else {
        counts.clear();
        for c in cands.iter() {
            *counts.entry(c.group).or_default() += 1;
        }
        for c in cands.iter_mut() {
            c.freq = counts[c.group];
        }
    }
}

fn char_len(s: &str) -> u32 {
    s.chars().count() as u32
}

/// Candidates of one field among `members`, into `cands`.
fn field_candidates<'a>(
    input: &'a Input,
    members: &[u32],
    field: CanonicalField,
    rule: Rule,
    cands: &mut Vec<Cand<'a>>,
    counts: &mut HashMap<&'a str, u32>,
) {
    // A scalar date must fit the typed `Date32` column.
    let must_be_date = field == CanonicalField::DateOfBirth && rule != Rule::CollectAll;
    cands.clear();
    cands.extend(members.iter().filter_map(|&g| {
        let (cols, row) = input.at(g as usize);
        let (value, status) = cols.value(field, row)?;
        if must_be_date && parse_date(value).is_none() {
            return None;
        }
        Some(Cand {
            g,
            status,
            group: cols.group_key(field, row, value),
            freq: 0,
            // Only `longest` looks at lengths.
            len: if rule == Rule::Longest {
                (1, char_len(value))
            } else {
                (0, 0)
            },
            ord: matches!(rule, Rule::Max | Rule::Min).then(|| Ordinal::of(value)),
        })
    }));
    if !cands.is_empty() {
        count_groups(cands, counts);
    }
}

/// Survivor(s) of one field chosen on its own: fills `out.from[i]` (and
/// `out.more` for `collect_all`); returns the status of the first value.
fn pick_field<'a>(
    input: &'a Input,
    members: &[u32],
    i: usize,
    rule: Rule,
    scratch: &mut Scratch<'a>,
    out: &mut Golden,
) -> FieldStatus {
    let field = MASTER_FIELDS[i];
    let Scratch {
        cands,
        seen,
        counts,
        ..
    } = scratch;
    field_candidates(input, members, field, rule, cands, counts);
    if rule == Rule::CollectAll {
        // Candidates are one per member, and ranking ends on the unique
        // record id: a total order, so an unstable sort is exact.
        cands.sort_unstable_by(|a, b| rank(input, rule, a, b));
        let any_valid = cands
            .first()
            .is_some_and(|c| c.status == FieldStatus::Valid);
        let mut status = FieldStatus::Missing;
        seen.clear();
        for c in cands.iter() {
            if any_valid && c.status != FieldStatus::Valid {
                break;
            }
            if seen.contains(&c.group) {
                continue;
            }
            seen.push(c.group);
            if out.from[i] == NONE {
                out.from[i] = c.g;
                status = c.status;
            } else {
                out.more.push((i as u8, c.g));
            }
        }
        return status;
    }
    match cands.iter().min_by(|a, b| rank(input, rule, a, b)) {
        Some(c) => {
            out.from[i] = c.g;
            c.status
        }
        None => FieldStatus::Missing,
    }
}

/// Survivors of a kept-together unit (see `SurvivorshipOptions`) into
/// `out.from` and `status`; `false` when no member has the unit's anchor.
fn pick_unit<'a>(
    input: &'a Input,
    members: &[u32],
    unit: &[(CanonicalField, usize)],
    rule: Rule,
    scratch: &mut Scratch<'a>,
    out: &mut Golden,
    status_of: &mut [FieldStatus; MASTER_FIELDS.len()],
) -> bool {
    let anchor = unit[0].0;
    let Scratch {
        cands,
        counts,
        agreeing,
        ..
    } = scratch;
    cands.clear();
    cands.extend(members.iter().filter_map(|&g| {
        let (cols, row) = input.at(g as usize);
        let (value, anchor_status) = cols.value(anchor, row)?;
        let mut filled = 0;
        let mut chars = 0;
        let mut status = anchor_status;
        for &(f, _) in unit {
            if let Some((v, s)) = cols.value(f, row) {
                filled += 1;
                if rule == Rule::Longest {
                    chars += char_len(v);
                }
                if s != FieldStatus::Valid {
                    status = FieldStatus::Invalid;
                }
            }
        }
        let group = if anchor == CanonicalField::AddressLine1 {
            cols.key_address(row)
                .filter(|k| !k.is_empty())
                .unwrap_or(value)
        } else {
            cols.group_key(anchor, row, value)
        };
        Some(Cand {
            g,
            status,
            group,
            freq: 0,
            len: (filled, chars),
            ord: matches!(rule, Rule::Max | Rule::Min).then(|| Ordinal::of(value)),
        })
    }));
    if cands.is_empty() {
        return false;
    }
    count_groups(cands, counts);
    // One candidate per member, ranking ends on the unique record id.
    cands.sort_unstable_by(|a, b| rank(input, rule, a, b));
    let winner = cands[0].group;
    agreeing.clear();
    agreeing.extend(cands.iter().filter(|c| c.group == winner).map(|c| c.g));
    for &(f, i) in unit {
        let mut best: Option<(u32, FieldStatus)> = None;
        for &g in agreeing.iter() {
            if let Some((_, s)) = input.value(f, g as usize) {
                let better = best.is_none_or(|(_, bs)| tier(s) < tier(bs));
                if better {
                    best = Some((g, s));
                }
                if s == FieldStatus::Valid {
                    break;
                }
            }
        }
        if let Some((g, s)) = best {
            out.from[i] = g;
            status_of[i] = s;
        }
    }
    true
}

/// Merges the members' `extra` JSON objects: per key, the value of the most
/// recent member that has it (non-null), ties broken like every other field.
fn merge_extra(input: &Input, members: &[u32], order: &mut Vec<u32>) -> Option<Box<str>> {
    let has_extra = |g: u32| {
        let (cols, row) = input.at(g as usize);
        cols.extra(row).is_some()
    };
    // Members without extra attributes add nothing: rank only the others.
    order.clear();
    order.extend(members.iter().copied().filter(|&g| has_extra(g)));
    if order.is_empty() {
        return None;
    }
    order.sort_unstable_by(|&a, &b| {
        tie_break(&input.records[a as usize], &input.records[b as usize])
    });
    let mut merged: BTreeMap<String, serde_json::Value> = BTreeMap::new();
    for &g in order.iter() {
        let (cols, row) = input.at(g as usize);
        let Some(text) = cols.extra(row) else {
            continue;
        };
        let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(text)
        else {
            continue;
        };
        for (k, v) in map {
            if !v.is_null() {
                merged.entry(k).or_insert(v);
            }
        }
    }
    if merged.is_empty() {
        None
    } else {
        serde_json::to_string(&merged)
            .ok()
            .map(String::into_boxed_str)
    }
}

/// Builds the golden record of one cluster. `members` are global record
/// indices, ascending, non-empty.
pub(crate) fn golden_record<'a>(
    input: &'a Input,
    members: &[u32],
    plan: &Plan,
    scratch: &mut Scratch<'a>,
) -> Golden {
    let mut out = Golden {
        from: [NONE; MASTER_FIELDS.len()],
        more: Vec::new(),
        extra: None,
        last_updated: None,
        last_updated_from: NONE,
        quality: 0.0,
    };
    let mut status = [FieldStatus::Missing; MASTER_FIELDS.len()];
    let mut done = [false; MASTER_FIELDS.len()];
    for (rule, unit) in &plan.units {
        if pick_unit(input, members, unit, *rule, scratch, &mut out, &mut status) {
            for &(_, i) in unit {
                done[i] = true;
            }
        }
    }
    for i in 0..MASTER_FIELDS.len() {
        if !done[i] {
            status[i] = pick_field(input, members, i, plan.rules[i], scratch, &mut out);
        }
    }

    let last_updated_from = members
        .iter()
        .copied()
        .filter(|&g| input.records[g as usize].updated.is_some())
        .min_by(|&a, &b| tie_break(&input.records[a as usize], &input.records[b as usize]));
    if let Some(g) = last_updated_from {
        out.last_updated_from = g;
        out.last_updated = input.records[g as usize].updated;
    }

    out.quality = plan
        .quality
        .iter()
        .map(|&i| match status[i] {
            FieldStatus::Valid => 1.0,
            FieldStatus::Invalid => 0.5,
            FieldStatus::Missing => 0.0,
        })
        .sum::<f32>()
        / QUALITY_FIELDS.len() as f32;
    out.extra = merge_extra(input, members, &mut scratch.order);
    out
}
