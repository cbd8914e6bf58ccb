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

/// The surviving value(s) of one field.
#[derive(Debug)]
pub(crate) struct FieldOut<'a> {
    /// Zero or one value for scalar rules; every distinct value, best
    /// first, for `collect_all`.
    pub values: Vec<&'a str>,
    /// Status of the first value (`Missing` when there is none).
    pub status: FieldStatus,
    /// Global index of the record that supplied the first value.
    pub from: Option<usize>,
}

impl Default for FieldOut<'_> {
    fn default() -> Self {
        Self {
            values: Vec::new(),
            status: FieldStatus::Missing,
            from: None,
        }
    }
}

/// One golden record before its id is known.
#[derive(Debug)]
pub(crate) struct GoldenRecord<'a> {
    /// Per [`MASTER_FIELDS`] entry.
    pub fields: Vec<FieldOut<'a>>,
    /// Merged extra attributes as a JSON object, `None` when no member has any.
    pub extra: Option<String>,
    /// Sorted distinct source names.
    pub sources: Vec<&'a str>,
    /// Latest valid `updated_at` of the members, epoch ms.
    pub last_updated: Option<i64>,
    /// Record that supplied `last_updated`.
    pub last_updated_from: Option<usize>,
    /// Completeness and validity over [`QUALITY_FIELDS`], in `[0, 1]`.
    pub quality: f32,
}

/// A value (or, for units, a record) competing to survive.
struct Cand<'a> {
    g: usize,
    value: &'a str,
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
fn record_order(a: &RecordMeta<'_>, b: &RecordMeta<'_>) -> Ordering {
    a.order
        .cmp(&b.order)
        .then_with(|| a.file.cmp(b.file))
        .then_with(|| a.line.cmp(&b.line))
}

/// The tie-break chain after validity and the rule's own order: most recent,
/// source priority, record order, smallest record id.
fn tie_break(a: &RecordMeta<'_>, b: &RecordMeta<'_>) -> Ordering {
    b.updated
        .cmp(&a.updated)
        .then_with(|| a.priority.cmp(&b.priority))
        .then_with(|| record_order(a, b))
        .then_with(|| a.record_id.cmp(b.record_id))
}

/// Total order of candidates, best first.
fn rank(input: &Input<'_>, rule: Rule, a: &Cand<'_>, b: &Cand<'_>) -> Ordering {
    let (ma, mb) = (&input.records[a.g], &input.records[b.g]);
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
fn count_groups(cands: &mut [Cand<'_>]) {
    if cands.len() <= 32 {
        for i in 0..cands.len() {
            let g = cands[i].group;
            cands[i].freq = cands.iter().filter(|c| c.group == g).count() as u32;
        }
    } else {
        let mut counts: HashMap<&str, u32> = HashMap::new();
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

/// Candidates of one field among `members`.
fn field_candidates<'a>(
    input: &Input<'a>,
    members: &[usize],
    field: CanonicalField,
    rule: Rule,
) -> Vec<Cand<'a>> {
    // A scalar date must fit the typed `Date32` column.
    let must_be_date = field == CanonicalField::DateOfBirth && rule != Rule::CollectAll;
    let mut cands: Vec<Cand<'a>> = members
        .iter()
        .filter_map(|&g| {
            let (cols, row) = input.at(g);
            let (value, status) = cols.value(field, row)?;
            if must_be_date && parse_date(value).is_none() {
                return None;
            }
            Some(Cand {
                g,
                value,
                status,
                group: cols.group_key(field, row, value),
                freq: 0,
                len: (1, char_len(value)),
                ord: matches!(rule, Rule::Max | Rule::Min).then(|| Ordinal::of(value)),
            })
        })
        .collect();
    count_groups(&mut cands);
    cands
}

/// Survivor(s) of one field chosen on its own.
fn pick_field<'a>(
    input: &Input<'a>,
    members: &[usize],
    field: CanonicalField,
    rule: Rule,
) -> FieldOut<'a> {
    let mut cands = field_candidates(input, members, field, rule);
    if rule == Rule::CollectAll {
        cands.sort_by(|a, b| rank(input, rule, a, b));
        let any_valid = cands
            .first()
            .is_some_and(|c| c.status == FieldStatus::Valid);
        let mut out = FieldOut::default();
        let mut seen: Vec<&str> = Vec::new();
        for c in &cands {
            if any_valid && c.status != FieldStatus::Valid {
                break;
            }
            if seen.contains(&c.group) {
                continue;
            }
            seen.push(c.group);
            if out.from.is_none() {
                out.from = Some(c.g);
                out.status = c.status;
            }
            out.values.push(c.value);
        }
        return out;
    }
    match cands.iter().min_by(|a, b| rank(input, rule, a, b)) {
        Some(c) => FieldOut {
            values: vec![c.value],
            status: c.status,
            from: Some(c.g),
        },
        None => FieldOut::default(),
    }
}

/// Survivors of a kept-together unit (see `SurvivorshipOptions`), or `None`
/// when no member has the unit's anchor.
fn pick_unit<'a>(
    input: &Input<'a>,
    members: &[usize],
    unit: &[CanonicalField],
    rule: Rule,
) -> Option<Vec<FieldOut<'a>>> {
    let anchor = unit[0];
    let mut cands: Vec<Cand<'a>> = members
        .iter()
        .filter_map(|&g| {
            let (cols, row) = input.at(g);
            let (value, anchor_status) = cols.value(anchor, row)?;
            let mut filled = 0;
            let mut chars = 0;
            let mut status = anchor_status;
            for &f in unit {
                if let Some((v, s)) = cols.value(f, row) {
                    filled += 1;
                    chars += char_len(v);
                    if s != FieldStatus::Valid {
                        status = FieldStatus::Invalid;
                    }
                }
            }
            let group = if anchor == CanonicalField::AddressLine1 {
                cim_schema::batch::opt_str(cols.key_address, row)
                    .filter(|k| !k.is_empty())
                    .unwrap_or(value)
            } else {
                cols.group_key(anchor, row, value)
            };
            Some(Cand {
                g,
                value,
                status,
                group,
                freq: 0,
                len: (filled, chars),
                ord: matches!(rule, Rule::Max | Rule::Min).then(|| Ordinal::of(value)),
            })
        })
        .collect();
    if cands.is_empty() {
        return None;
    }
    count_groups(&mut cands);
    cands.sort_by(|a, b| rank(input, rule, a, b));
    let winner = cands[0].group;
    let agreeing: Vec<usize> = cands
        .iter()
        .filter(|c| c.group == winner)
        .map(|c| c.g)
        .collect();
    let out = unit
        .iter()
        .map(|&f| {
            let mut best: Option<(usize, &'a str, FieldStatus)> = None;
            for &g in &agreeing {
                if let Some((v, s)) = input.value(f, g) {
                    let better = best.is_none_or(|(_, _, bs)| tier(s) < tier(bs));
                    if better {
                        best = Some((g, v, s));
                    }
                    if s == FieldStatus::Valid {
                        break;
                    }
                }
            }
            match best {
                Some((g, v, s)) => FieldOut {
                    values: vec![v],
                    status: s,
                    from: Some(g),
                },
                None => FieldOut::default(),
            }
        })
        .collect();
    Some(out)
}

/// Merges the members' `extra` JSON objects: per key, the value of the most
/// recent member that has it (non-null), ties broken like every other field.
fn merge_extra(input: &Input<'_>, members: &[usize]) -> Option<String> {
    let mut order: Vec<usize> = members.to_vec();
    order.sort_by(|&a, &b| tie_break(&input.records[a], &input.records[b]));
    let mut merged: BTreeMap<String, serde_json::Value> = BTreeMap::new();
    for g in order {
        let (cols, row) = input.at(g);
        let Some(text) = cim_schema::batch::opt_str(cols.extra, row) else {
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
        serde_json::to_string(&merged).ok()
    }
}

/// Builds the golden record of one cluster. `members` are global record
/// indices, non-empty.
pub(crate) fn golden_record<'a>(
    input: &Input<'a>,
    members: &[usize],
    opts: &SurvivorshipOptions,
) -> GoldenRecord<'a> {
    let mut fields: Vec<Option<FieldOut<'a>>> = MASTER_FIELDS.iter().map(|_| None).collect();
    let slot = |f: CanonicalField| MASTER_FIELDS.iter().position(|&m| m == f);
    let units = [
        (opts.keep_name_together, &NAME_UNIT[..]),
        (opts.keep_address_together, &ADDRESS_UNIT[..]),
    ];
    for (on, unit) in units {
        if !on {
            continue;
        }
        if let Some(outs) = pick_unit(input, members, unit, opts.effective_rule(unit[0])) {
            for (&f, out) in unit.iter().zip(outs) {
                if let Some(i) = slot(f) {
                    fields[i] = Some(out);
                }
            }
        }
    }
    let fields: Vec<FieldOut<'a>> = fields
        .into_iter()
        .zip(MASTER_FIELDS)
        .map(|(done, f)| {
            done.unwrap_or_else(|| pick_field(input, members, f, opts.effective_rule(f)))
        })
        .collect();

    let mut sources: Vec<&str> = members.iter().map(|&g| input.records[g].source).collect();
    sources.sort_unstable();
    sources.dedup();

    let last_updated_from = members
        .iter()
        .copied()
        .filter(|&g| input.records[g].updated.is_some())
        .min_by(|&a, &b| tie_break(&input.records[a], &input.records[b]));
    let last_updated = last_updated_from.and_then(|g| input.records[g].updated);

    let quality = QUALITY_FIELDS
        .iter()
        .map(|&f| {
            let i = slot(f).expect("quality fields are master fields");
            match fields[i].status {
                FieldStatus::Valid => 1.0,
                FieldStatus::Invalid => 0.5,
                FieldStatus::Missing => 0.0,
            }
        })
        .sum::<f32>()
        / QUALITY_FIELDS.len() as f32;

    GoldenRecord {
        fields,
        extra: merge_extra(input, members),
        sources,
        last_updated,
        last_updated_from,
        quality,
    }
}
