//! Comparisons: for a record pair, one small level code (`u8`) per
//! comparison. Level 0 is always `null` (a side lacks the value: no
//! evidence, weight 0); then levels from strongest to weakest agreement; the
//! last is always `else`.
//!
//! Comparisons read the display value (to tell "exact as written" from
//! "equal after canonicalisation", e.g. `Bob` vs `Robert` whose keys are both
//! `robert`) and the match key. Fellegi-Sunter assumes comparisons are
//! independent given the match status, so strongly dependent fields share
//! one comparison (city and postcode are one `location`), and a whole-name
//! comparison is only chosen when given/family names are absent (never
//! both, which would count the same evidence twice).

use cim_schema::{CanonicalField, MatchKey};

use crate::Error;
use crate::options::{ComparisonKind, ComparisonSpec};
use crate::table::{ColRef, NULL, Table};
use crate::tokens::TokenTable;

/// The match key derived from a canonical field, if any.
pub(crate) fn key_for(field: CanonicalField) -> Option<MatchKey> {
    use CanonicalField as F;
    Some(match field {
        F::FullName => MatchKey::FullName,
        F::GivenName => MatchKey::GivenName,
        F::FamilyName => MatchKey::FamilyName,
        F::Email => MatchKey::Email,
        F::Phone => MatchKey::Phone,
        F::DateOfBirth => MatchKey::Dob,
        F::AddressLine1 | F::AddressLine2 => MatchKey::Address,
        F::City => MatchKey::City,
        F::Postcode => MatchKey::Postcode,
        F::Country => MatchKey::Country,
        F::Company => MatchKey::Company,
        F::NationalId => MatchKey::NationalId,
        _ => return None,
    })
}

/// Match keys whose agreement implies (or strongly favours) agreement of a
/// field: a blocking rule on any of them biases EM for that field.
pub(crate) fn related_keys(field: CanonicalField) -> &'static [MatchKey] {
    use CanonicalField as F;
    use MatchKey as K;
    match field {
        F::GivenName => &[
            K::GivenName,
            K::GivenPhonetic,
            K::GivenInitial,
            K::FullName,
            K::HanName,
        ],
        F::FamilyName => &[K::FamilyName, K::FamilyPhonetic, K::FullName, K::HanName],
        F::FullName => &[
            K::FullName,
            K::GivenName,
            K::FamilyName,
            K::GivenPhonetic,
            K::FamilyPhonetic,
            K::GivenInitial,
            K::HanName,
        ],
        F::Email => &[K::Email, K::EmailLocal],
        F::Phone => &[K::Phone],
        F::DateOfBirth => &[K::Dob, K::BirthYear],
        F::AddressLine1 | F::AddressLine2 => &[K::Address, K::HouseNumber],
        F::City => &[K::City],
        F::Postcode => &[K::Postcode],
        F::Country => &[K::Country],
        F::Company => &[K::Company],
        F::NationalId => &[K::NationalId],
        _ => &[],
    }
}

/// Column holding the comparable value of a field: its key, else its
/// display value.
fn key_ref(field: CanonicalField) -> ColRef {
    key_for(field).map_or(ColRef::Display(field), ColRef::Key)
}

/// Columns a comparison spec reads.
pub(crate) fn spec_refs(spec: &ComparisonSpec) -> Vec<ColRef> {
    let mut v = Vec::new();
    for &f in &spec.fields {
        v.push(ColRef::Display(f));
        v.push(key_ref(f));
    }
    if spec.kind == ComparisonKind::Email {
        v.push(ColRef::Key(MatchKey::EmailLocal));
    }
    v
}

/// A date key parsed once per distinct value: `(y, m, d)` and day number.
type ParsedDate = Option<((i64, u32, u32), i64)>;

#[derive(Debug, Clone)]
enum Kernel {
    Name {
        disp: usize,
        key: usize,
        /// The swap partner's (key, display) columns.
        swap: Option<(usize, usize)>,
        jw: Vec<f64>,
        /// Per row: [`RESPELLED_OWN`] / [`RESPELLED_PARTNER`] when that
        /// field's key is not its display value's spelling (a nickname's
        /// canonical form); `None` when no row has either (shared by
        /// clones).
        respelled: Option<std::sync::Arc<Vec<u8>>>,
    },
    Tokens {
        disp: usize,
        key: usize,
        tokens: Vec<f64>,
        canonical: bool,
        /// The key column's values split once (shared by clones).
        split: std::sync::Arc<TokenTable>,
    },
    Date {
        key: usize,
        days: i64,
        /// Parsed date and day number per value id of `key`.
        parsed: Vec<ParsedDate>,
    },
    Email {
        key: usize,
        local: Option<usize>,
        edits: usize,
    },
    Edits {
        key: usize,
        edits: Vec<usize>,
    },
    Location {
        city: Option<usize>,
        postcode: Option<usize>,
        jw: f64,
    },
    Exact {
        key: usize,
    },
    Str {
        disp: usize,
        key: usize,
        jw: Vec<f64>,
    },
    Numeric {
        key: usize,
        within: Vec<f64>,
    },
}

/// A comparison bound to the interned columns of one run.
#[derive(Debug, Clone)]
pub(crate) struct Compiled {
    pub name: String,
    pub level_names: Vec<String>,
    /// Per level: the column whose value's frequency adjusts the weight.
    pub tf_cols: Vec<Option<usize>>,
    /// Per level: the level whose u is the reference of the adjustment
    /// (the strongest level on the same column).
    pub tf_ref: Vec<u8>,
    /// Keys whose blocking biases this comparison.
    pub related: Vec<MatchKey>,
    kernel: Kernel,
}

fn fmt_t(t: f64) -> String {
    format!("{t:.2}")
}

fn require_fields(spec: &ComparisonSpec, n: std::ops::RangeInclusive<usize>) -> Result<(), Error> {
    if n.contains(&spec.fields.len()) {
        Ok(())
    } else {
        Err(Error::Config(format!(
            "comparison `{}` ({:?}) needs {}..={} fields, has {}",
            spec.name,
            spec.kind,
            n.start(),
            n.end(),
            spec.fields.len()
        )))
    }
}

fn thresholds(spec: &ComparisonSpec, default: &[f64]) -> Vec<f64> {
    if spec.thresholds.is_empty() {
        default.to_vec()
    } else {
        spec.thresholds.clone()
    }
}

impl Compiled {
    /// Binds a spec to the table; `tf` is the effective term-frequency
    /// switch for this comparison.
    pub(crate) fn new(spec: &ComparisonSpec, table: &Table, tf: bool) -> Result<Self, Error> {
        use ComparisonKind as K;
        if spec.name.is_empty() {
            return Err(Error::Config("a comparison has an empty name".into()));
        }
        let f0 = spec.fields.first().copied();
        let disp = |f: CanonicalField| table.idx(ColRef::Display(f));
        let key = |f: CanonicalField| table.idx(key_ref(f));
        let mut names: Vec<String> = vec!["null".into()];
        let mut tf_cols: Vec<Option<usize>> = vec![None];
        let mut push = |n: String, c: Option<usize>| {
            names.push(n);
            tf_cols.push(if tf { c } else { None });
        };
        let kernel = match spec.kind {
            K::Name => {
                require_fields(spec, 1..=2)?;
                let f = f0.expect("checked");
                let jw = thresholds(spec, &[0.92, 0.80]);
                let k = key(f);
                push("exact".into(), Some(k));
                push("canonical".into(), Some(k));
                let swap = spec.fields.get(1).map(|&g| (key(g), disp(g)));
                let respelled = respelled_rows(table, (disp(f), k), swap.map(|(k, d)| (d, k)));
                if swap.is_some() {
                    push("swapped".into(), None);
                }
                for &t in &jw {
                    push(format!("jaro_winkler_{}", fmt_t(t)), Some(k));
                }
                push("initial".into(), None);
                Kernel::Name {
                    disp: disp(f),
                    key: k,
                    swap,
                    jw,
                    respelled,
                }
            }
            K::FullName | K::Address | K::Company => {
                require_fields(spec, 1..=1)?;
                let f = f0.expect("checked");
                let default: &[f64] = if spec.kind == K::FullName {
                    &[0.90, 0.75]
                } else {
                    &[0.90, 0.70]
                };
                let tokens = thresholds(spec, default);
                let k = key(f);
                let canonical = spec.kind != K::Address;
                push("exact".into(), Some(k));
                if canonical {
                    push("canonical".into(), Some(k));
                }
                for &t in &tokens {
                    push(format!("tokens_{}", fmt_t(t)), Some(k));
                }
                Kernel::Tokens {
                    disp: disp(f),
                    key: k,
                    tokens,
                    canonical,
                    split: std::sync::Arc::new(TokenTable::new(table.col(k).distinct())),
                }
            }
            K::Date => {
                require_fields(spec, 1..=1)?;
                let days = thresholds(spec, &[31.0])[0].max(0.0) as i64;
                let k = key(f0.expect("checked"));
                push("exact".into(), Some(k));
                push("day_month_swapped".into(), Some(k));
                push("one_typo".into(), Some(k));
                push(format!("within_{days}_days"), Some(k));
                push("same_year".into(), Some(k));
                let parsed = table
                    .col(k)
                    .distinct()
                    .values()
                    .map(|v| parse_ymd(v).map(|d| (d, days_from_civil(d))))
                    .collect();
                Kernel::Date {
                    key: k,
                    days,
                    parsed,
                }
            }
            K::Email => {
                require_fields(spec, 1..=1)?;
                let k = key(f0.expect("checked"));
                let local = table
                    .has(ColRef::Key(MatchKey::EmailLocal))
                    .then(|| table.idx(ColRef::Key(MatchKey::EmailLocal)));
                let edits = thresholds(spec, &[2.0])[0].max(0.0) as usize;
                push("exact".into(), Some(k));
                push("local_part".into(), local);
                push(format!("edits_{edits}"), Some(k));
                Kernel::Email {
                    key: k,
                    local,
                    edits,
                }
            }
            K::Phone | K::Identifier => {
                require_fields(spec, 1..=1)?;
                let default: &[f64] = if spec.kind == K::Phone {
                    &[1.0]
                } else {
                    &[1.0, 2.0]
                };
                let edits: Vec<usize> = thresholds(spec, default)
                    .iter()
                    .map(|&t| t.max(0.0) as usize)
                    .collect();
                let k = key(f0.expect("checked"));
                push("exact".into(), Some(k));
                for e in &edits {
                    push(format!("edits_{e}"), Some(k));
                }
                Kernel::Edits { key: k, edits }
            }
            K::Location => {
                require_fields(spec, 1..=2)?;
                let mut city = None;
                let mut postcode = None;
                for &f in &spec.fields {
                    match f {
                        CanonicalField::Postcode => postcode = Some(key(f)),
                        _ => city = Some(key(f)),
                    }
                }
                let jw = thresholds(spec, &[0.88])[0];
                match (city, postcode) {
                    (Some(c), Some(p)) => {
                        push("exact_both".into(), Some(p));
                        push("postcode_exact".into(), Some(p));
                        push("city_exact".into(), Some(c));
                    }
                    (c, p) => push("exact".into(), c.or(p)),
                }
                push("fuzzy".into(), city.or(postcode));
                Kernel::Location { city, postcode, jw }
            }
            K::Exact => {
                require_fields(spec, 1..=1)?;
                let k = key(f0.expect("checked"));
                push("exact".into(), Some(k));
                Kernel::Exact { key: k }
            }
            K::String => {
                require_fields(spec, 1..=1)?;
                let f = f0.expect("checked");
                let jw = thresholds(spec, &[0.92, 0.80]);
                let k = key(f);
                push("exact".into(), Some(k));
                push("canonical".into(), Some(k));
                for &t in &jw {
                    push(format!("jaro_winkler_{}", fmt_t(t)), Some(k));
                }
                Kernel::Str {
                    disp: disp(f),
                    key: k,
                    jw,
                }
            }
            K::Numeric => {
                require_fields(spec, 1..=1)?;
                let within = thresholds(spec, &[1.0]);
                let k = key(f0.expect("checked"));
                push("exact".into(), Some(k));
                for &t in &within {
                    push(format!("within_{t}"), Some(k));
                }
                Kernel::Numeric { key: k, within }
            }
        };
        push("else".into(), None);
        if names.len() > 16 {
            return Err(Error::Config(format!(
                "comparison `{}` has {} levels, at most 16 are supported",
                spec.name,
                names.len()
            )));
        }
        let mut related: Vec<MatchKey> = match spec.kind {
            K::Name => related_keys(f0.expect("checked")).to_vec(),
            _ => spec
                .fields
                .iter()
                .flat_map(|&f| related_keys(f).iter().copied())
                .collect(),
        };
        related.sort();
        related.dedup();
        let tf_ref = tf_cols
            .iter()
            .map(|c| {
                c.and_then(|c| tf_cols.iter().position(|x| *x == Some(c)))
                    .unwrap_or(0) as u8
            })
            .collect();
        Ok(Self {
            name: spec.name.clone(),
            level_names: names,
            tf_cols,
            tf_ref,
            related,
            kernel,
        })
    }

    /// Number of levels, `null` and `else` included.
    pub(crate) fn n_levels(&self) -> usize {
        self.level_names.len()
    }

    /// The level of the pair `(a, b)`.
    #[inline]
    pub(crate) fn level(&self, t: &Table, a: usize, b: usize) -> u8 {
        let else_level = (self.level_names.len() - 1) as u8;
        match &self.kernel {
            Kernel::Name {
                disp,
                key,
                swap,
                jw,
                respelled,
            } => {
                let k = t.col(*key);
                let (ka, kb) = (k.id(a), k.id(b));
                if ka == NULL || kb == NULL {
                    return 0;
                }
                let d = t.col(*disp);
                let (da, db) = (d.id(a), d.id(b));
                if da != NULL && da == db {
                    return 1;
                }
                if ka == kb {
                    return 2;
                }
                let mut lvl = 3u8;
                let (va, vb) = (k.value(ka), k.value(kb));
                // Display values are read only for rows whose key is not
                // their spelling: they are a cache miss each.
                let flags = respelled.as_deref().map_or(0, |r| r[a] | r[b]);
                let spelled = |id: u32| (flags != 0 && id != NULL).then(|| d.value(id));
                let (xa, xb) = (spelled(da), spelled(db));
                let lowest = jw.iter().copied().fold(1.0, f64::min);
                let t0 = jw.first().copied().unwrap_or(1.0);
                let mut sim = jaro_winkler_min(va, vb, lowest);
                if sim < t0
                    && flags & RESPELLED_OWN != 0
                    && let (Some(xa), Some(xb)) = (xa, xb)
                {
                    // A key may be a nickname's canonical form (jack ->
                    // john): a typo in the name as written must still
                    // count as one.
                    sim = sim.max(folded_jaro_winkler(xa, xb, lowest));
                }
                if let Some((sk, sd)) = swap {
                    // Crossed parts agree while the direct ones do not:
                    // given/family swapped. Typos are allowed (each cross at
                    // least at the strongest threshold) but not in the
                    // first letter, which keeps this check cheap. A given
                    // key may be canonical (jack -> john) where the family
                    // key is not, so the names as written count too.
                    let (sk, sd) = (t.col(*sk), t.col(*sd));
                    let cross = |x: &str, y: &str, x_disp: Option<&str>, y_disp: Option<&str>| {
                        x == y
                            || (x.chars().next() == y.chars().next()
                                && jaro_winkler_min(x, y, t0) >= t0)
                            || x_disp.zip(y_disp).is_some_and(|(p, q)| {
                                p.eq_ignore_ascii_case(q)
                                    || (p.as_bytes().first().map(u8::to_ascii_lowercase)
                                        == q.as_bytes().first().map(u8::to_ascii_lowercase)
                                        && folded_jaro_winkler(p, q, t0) >= t0)
                            })
                    };
                    let partner = |row: usize| if flags == 0 { None } else { sd.get(row) };
                    if sim < t0
                        && let (Some(sa), Some(sb)) = (sk.get(a), sk.get(b))
                        && cross(sa, vb, partner(a), xb)
                        && cross(sb, va, partner(b), xa)
                    {
                        return lvl;
                    }
                    lvl += 1;
                }
                for &th in jw {
                    if sim >= th {
                        return lvl;
                    }
                    lvl += 1;
                }
                if is_initial_of(va, vb) || is_initial_of(vb, va) {
                    return lvl;
                }
                else_level
            }
            Kernel::Tokens {
                disp,
                key,
                tokens,
                canonical,
                split,
            } => {
                let k = t.col(*key);
                let (ka, kb) = (k.id(a), k.id(b));
                if ka == NULL || kb == NULL {
                    return 0;
                }
                let mut lvl = 1u8;
                if *canonical {
                    let d = t.col(*disp);
                    let (da, db) = (d.id(a), d.id(b));
                    if da != NULL && da == db {
                        return 1;
                    }
                    lvl += 1;
                }
                if ka == kb {
                    return lvl;
                }
                lvl += 1;
                let lowest = tokens.iter().copied().fold(1.0, f64::min);
                let sim = split.similarity_min(ka, kb, lowest);
                for &th in tokens {
                    if sim >= th {
                        return lvl;
                    }
                    lvl += 1;
                }
                else_level
            }
            Kernel::Date { key, days, parsed } => {
                let k = t.col(*key);
                let (ka, kb) = (k.id(a), k.id(b));
                if ka == NULL || kb == NULL {
                    return 0;
                }
                if ka == kb {
                    return 1;
                }
                let (sa, sb) = (k.value(ka), k.value(kb));
                match (parsed[ka as usize], parsed[kb as usize]) {
                    (Some((x, dx)), Some((y, dy))) => {
                        if x.0 == y.0 && x.1 == y.2 && x.2 == y.1 {
                            2
                        } else if within_one_edit(sa, sb) {
                            3
                        } else if (dx - dy).abs() <= *days {
                            4
                        } else if x.0 == y.0 {
                            5
                        } else {
                            else_level
                        }
                    }
                    _ if within_one_edit(sa, sb) => 3,
                    _ => else_level,
                }
            }
            Kernel::Email { key, local, edits } => {
                let k = t.col(*key);
                let (ka, kb) = (k.id(a), k.id(b));
                if ka == NULL || kb == NULL {
                    return 0;
                }
                if ka == kb {
                    return 1;
                }
                if let Some(l) = local {
                    let l = t.col(*l);
                    let (la, lb) = (l.id(a), l.id(b));
                    if la != NULL && la == lb {
                        return 2;
                    }
                }
                let (va, vb) = (k.value(ka), k.value(kb));
                // Digits in an address are birth years, dates, counters:
                // `hanmin0102` and `hanmin1027` are two people, not a typo.
                if same_digits(va, vb) && osa_within(va, vb, *edits).is_some() {
                    return 3;
                }
                else_level
            }
            Kernel::Edits { key, edits } => {
                let k = t.col(*key);
                let (ka, kb) = (k.id(a), k.id(b));
                if ka == NULL || kb == NULL {
                    return 0;
                }
                if ka == kb {
                    return 1;
                }
                let max_e = edits.iter().copied().max().unwrap_or(0);
                let Some(d) = osa_within(k.value(ka), k.value(kb), max_e) else {
                    return else_level;
                };
                for (i, &e) in edits.iter().enumerate() {
                    if d <= e {
                        return 2 + i as u8;
                    }
                }
                else_level
            }
            Kernel::Location { city, postcode, jw } => {
                let pair = |c: &Option<usize>| {
                    c.and_then(|c| {
                        let col = t.col(c);
                        let (x, y) = (col.id(a), col.id(b));
                        (x != NULL && y != NULL).then(|| (x == y, col.value(x), col.value(y)))
                    })
                };
                let c = pair(city);
                let p = pair(postcode);
                if c.is_none() && p.is_none() {
                    return 0;
                }
                let c_eq = c.is_some_and(|c| c.0);
                let p_eq = p.is_some_and(|p| p.0);
                let fuzzy = || {
                    c.is_some_and(|(_, x, y)| jaro_winkler_min(x, y, *jw) >= *jw)
                        || p.is_some_and(|(_, x, y)| within_one_edit(x, y))
                };
                if city.is_some() && postcode.is_some() {
                    if c_eq && p_eq {
                        1
                    } else if p_eq {
                        2
                    } else if c_eq {
                        3
                    } else if fuzzy() {
                        4
                    } else {
                        else_level
                    }
                } else if c_eq || p_eq {
                    1
                } else if fuzzy() {
                    2
                } else {
                    else_level
                }
            }
            Kernel::Exact { key } => {
                let k = t.col(*key);
                let (ka, kb) = (k.id(a), k.id(b));
                if ka == NULL || kb == NULL {
                    0
                } else if ka == kb {
                    1
                } else {
                    else_level
                }
            }
            Kernel::Str { disp, key, jw } => {
                let k = t.col(*key);
                let (ka, kb) = (k.id(a), k.id(b));
                if ka == NULL || kb == NULL {
                    return 0;
                }
                let d = t.col(*disp);
                let (da, db) = (d.id(a), d.id(b));
                if da != NULL && da == db {
                    return 1;
                }
                if ka == kb {
                    return 2;
                }
                let lowest = jw.iter().copied().fold(1.0, f64::min);
                let sim = jaro_winkler_min(k.value(ka), k.value(kb), lowest);
                for (i, &th) in jw.iter().enumerate() {
                    if sim >= th {
                        return 3 + i as u8;
                    }
                }
                else_level
            }
            Kernel::Numeric { key, within } => {
                let k = t.col(*key);
                let (ka, kb) = (k.id(a), k.id(b));
                if ka == NULL || kb == NULL {
                    return 0;
                }
                if ka == kb {
                    return 1;
                }
                let (Ok(x), Ok(y)) = (
                    k.value(ka).trim().parse::<f64>(),
                    k.value(kb).trim().parse::<f64>(),
                ) else {
                    return else_level;
                };
                let diff = (x - y).abs();
                if diff == 0.0 {
                    return 1;
                }
                for (i, &th) in within.iter().enumerate() {
                    if diff <= th {
                        return 2 + i as u8;
                    }
                }
                else_level
            }
        }
    }

    /// Term frequency adjusting level `level` of the pair: the relative
    /// frequency of the more common of the two values in the level's
    /// column, with the reference level whose u it is compared to.
    #[inline]
    pub(crate) fn tf_value(&self, t: &Table, level: u8, a: usize, b: usize) -> Option<(f64, u8)> {
        let c = self.tf_cols[level as usize]?;
        let col = t.col(c);
        let (x, y) = (col.id(a), col.id(b));
        if x == NULL && y == NULL {
            return None;
        }
        let tf = match (x, y) {
            (NULL, y) => col.tf(y),
            (x, NULL) => col.tf(x),
            (x, y) => col.tf(x).max(col.tf(y)),
        };
        Some((tf, self.tf_ref[level as usize]))
    }
}

/// Jaro-Winkler similarity. ASCII strings (the common case once keys are
/// folded) take a byte path without allocation; others go through `strsim`.
#[inline]
pub fn jaro_winkler(a: &str, b: &str) -> f64 {
    if a.is_ascii() && b.is_ascii() && a.len() <= 64 && b.len() <= 64 {
        jaro_winkler_ascii(a.as_bytes(), b.as_bytes())
    } else {
        strsim::jaro_winkler(a, b)
    }
}

#[allow(clippy::needless_range_loop)] // bit positions index both flags and bytes
fn jaro_winkler_ascii(a: &[u8], b: &[u8]) -> f64 {
    // Same greedy matching as `strsim` (a scanned against b) so both paths
    // agree exactly; flags are bit sets, hence the 64-byte limit.
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    if a == b {
        return 1.0;
    }
    let window = (a.len().max(b.len()) / 2).saturating_sub(1);
    let mut b_used: u64 = 0;
    let mut a_matched: u64 = 0;
    let mut m = 0usize;
    for (i, &c) in a.iter().enumerate() {
        let lo = i.saturating_sub(window);
        let hi = (i + window + 1).min(b.len());
        for j in lo..hi {
            if b_used & (1 << j) == 0 && b[j] == c {
                b_used |= 1 << j;
                a_matched |= 1 << i;
                m += 1;
                break;
            }
        }
    }
    if m == 0 {
        return 0.0;
    }
    let mut transpositions = 0usize;
    let mut j = 0usize;
    for (i, &c) in a.iter().enumerate() {
        if a_matched & (1 << i) != 0 {
            while b_used & (1 << j) == 0 {
                j += 1;
            }
            if c != b[j] {
                transpositions += 1;
            }
            j += 1;
        }
    }
    let m = m as f64;
    let t = (transpositions / 2) as f64;
    let jaro = (m / a.len() as f64 + m / b.len() as f64 + (m - t) / m) / 3.0;
    if jaro <= 0.7 {
        return jaro;
    }
    let prefix = a.iter().zip(b).take(4).take_while(|(x, y)| x == y).count() as f64;
    jaro + 0.1 * prefix * (1.0 - jaro)
}

/// Jaro-Winkler similarity when it can reach `min`, otherwise any value
/// below `min` (0). An upper bound from character counts (the matches can
/// not exceed the common characters) skips the quadratic part for most
/// dissimilar pairs.
#[inline]
pub(crate) fn jaro_winkler_min(a: &str, b: &str, min: f64) -> f64 {
    if min > 0.0 && a.is_ascii() && b.is_ascii() && !a.is_empty() && !b.is_empty() {
        let (x, y) = (a.as_bytes(), b.as_bytes());
        let mut count = [0i16; 128];
        for &c in x {
            count[c as usize] += 1;
        }
        let mut common = 0usize;
        for &c in y {
            let k = &mut count[c as usize];
            if *k > 0 {
                *k -= 1;
                common += 1;
            }
        }
        let m = common as f64;
        let jaro_max = (m / x.len() as f64 + m / y.len() as f64 + 1.0) / 3.0;
        let prefix = x.iter().zip(y).take(4).take_while(|(p, q)| p == q).count() as f64;
        let bound = if jaro_max > 0.7 {
            jaro_max + 0.1 * prefix * (1.0 - jaro_max)
        } else {
            jaro_max
        };
        if bound < min {
            return 0.0;
        }
    }
    jaro_winkler(a, b)
}

/// Whether the optimal string alignment distance is at most 1 (one
/// substitution, insertion, deletion or adjacent transposition), in one
/// linear pass.
pub fn within_one_edit(a: &str, b: &str) -> bool {
    let (x, y) = (a.as_bytes(), b.as_bytes());
    if !(a.is_ascii() && b.is_ascii()) {
        return osa_distance(a, b) <= 1;
    }
    let (s, l) = if x.len() <= y.len() { (x, y) } else { (y, x) };
    if l.len() - s.len() > 1 {
        return false;
    }
    let p = s.iter().zip(l).take_while(|(c, d)| c == d).count();
    if p == s.len() {
        return true; // equal, or one appended character
    }
    if s.len() == l.len() {
        // substitution at p, or transposition of p and p+1
        s[p + 1..] == l[p + 1..]
            || (p + 1 < s.len() && s[p] == l[p + 1] && s[p + 1] == l[p] && s[p + 2..] == l[p + 2..])
    } else {
        s[p..] == l[p + 1..]
    }
}

/// The optimal string alignment distance when it is at most `k`, else
/// `None`: a banded computation (cells within `k` of the diagonal) that
/// stops as soon as the band exceeds `k`, so far-apart strings cost little.
pub fn osa_within(a: &str, b: &str, k: usize) -> Option<usize> {
    const MAX: usize = 64;
    if a == b {
        return Some(0);
    }
    if !(a.is_ascii() && b.is_ascii()) || a.len() >= MAX || b.len() >= MAX || k >= 250 {
        let d = osa_distance(a, b);
        return (d <= k).then_some(d);
    }
    let (x, y) = (a.as_bytes(), b.as_bytes());
    let (n, m) = (x.len(), y.len());
    if n.abs_diff(m) > k {
        return None;
    }
    if k == 1 {
        return within_one_edit(a, b).then_some(1);
    }
    // Rows i-2, i-1, i rotate through `rows` by index (no copying); cells
    // are capped at k+1 so u8 suffices.
    let big = (k + 1) as u8;
    let mut rows = [[big; MAX]; 3];
    for (j, v) in rows[1].iter_mut().enumerate().take(m.min(k) + 1) {
        *v = j as u8;
    }
    let (mut p0, mut p1, mut p2) = (0usize, 1usize, 2usize);
    for i in 1..=n {
        let lo = i.saturating_sub(k).max(1);
        let hi = (i + k).min(m);
        rows[p2][lo - 1] = if lo == 1 && i <= k { i as u8 } else { big };
        let mut row_min = rows[p2][lo - 1];
        for j in lo..=hi {
            let cost = u8::from(x[i - 1] != y[j - 1]);
            let mut v = (rows[p1][j] + 1)
                .min(rows[p2][j - 1] + 1)
                .min(rows[p1][j - 1] + cost);
            if i > 1 && j > 1 && x[i - 1] == y[j - 2] && x[i - 2] == y[j - 1] {
                v = v.min(rows[p0][j - 2] + 1);
            }
            let v = v.min(big);
            rows[p2][j] = v;
            row_min = row_min.min(v);
        }
        if hi < m {
            rows[p2][hi + 1] = big;
        }
        if usize::from(row_min) > k {
            return None;
        }
        (p0, p1, p2) = (p1, p2, p0);
    }
    let d = usize::from(rows[p1][m]);
    (d <= k).then_some(d)
}

/// Optimal string alignment distance (edits with adjacent transpositions).
/// Short ASCII strings take an allocation-free path; others use `strsim`.
pub fn osa_distance(a: &str, b: &str) -> usize {
    const MAX: usize = 48;
    if a == b {
        return 0;
    }
    if !(a.is_ascii() && b.is_ascii() && a.len() < MAX && b.len() < MAX) {
        return strsim::osa_distance(a, b);
    }
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (n, m) = (a.len(), b.len());
    if n == 0 || m == 0 {
        return n.max(m);
    }
    // Three rolling rows: i-2, i-1, i.
    let mut r0 = [0usize; MAX];
    let mut r1 = [0usize; MAX];
    let mut r2 = [0usize; MAX];
    for (j, x) in r1.iter_mut().enumerate().take(m + 1) {
        *x = j;
    }
    for i in 1..=n {
        r2[0] = i;
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (r1[j] + 1).min(r2[j - 1] + 1).min(r1[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(r0[j - 2] + 1);
            }
            r2[j] = v;
        }
        std::mem::swap(&mut r0, &mut r1);
        std::mem::swap(&mut r1, &mut r2);
    }
    r1[m]
}

/// [`Kernel::Name`] row flag: the comparison's own field is respelled.
const RESPELLED_OWN: u8 = 1;
/// [`Kernel::Name`] row flag: the swap partner's field is respelled.
const RESPELLED_PARTNER: u8 = 2;

/// Per row, which of the `(display, key)` columns `own` and `partner` hold
/// a key that is not the display value's spelling (ASCII case aside), or
/// `None` when no row has one.
fn respelled_rows(
    table: &Table,
    own: (usize, usize),
    partner: Option<(usize, usize)>,
) -> Option<std::sync::Arc<Vec<u8>>> {
    use rayon::prelude::*;
    let differs = |(d, k): (usize, usize), row: usize| {
        matches!((table.col(d).get(row), table.col(k).get(row)),
            (Some(x), Some(y)) if !x.eq_ignore_ascii_case(y))
    };
    let flags: Vec<u8> = (0..table.n_rows)
        .into_par_iter()
        .map(|row| {
            let mut f = 0;
            if differs(own, row) {
                f |= RESPELLED_OWN;
            }
            if partner.is_some_and(|p| differs(p, row)) {
                f |= RESPELLED_PARTNER;
            }
            f
        })
        .collect();
    flags
        .iter()
        .any(|&f| f != 0)
        .then(|| std::sync::Arc::new(flags))
}

/// Jaro-Winkler similarity of two names as written, ASCII case folded; 0
/// when either is not short ASCII.
fn folded_jaro_winkler(a: &str, b: &str, min: f64) -> f64 {
    const MAX: usize = 64;
    if !a.is_ascii() || !b.is_ascii() || a.len() > MAX || b.len() > MAX {
        return 0.0;
    }
    let mut buf_a = [0u8; MAX];
    let mut buf_b = [0u8; MAX];
    let (x, y) = (&mut buf_a[..a.len()], &mut buf_b[..b.len()]);
    x.copy_from_slice(a.as_bytes());
    y.copy_from_slice(b.as_bytes());
    x.make_ascii_lowercase();
    y.make_ascii_lowercase();
    // ASCII in, ASCII out.
    let (x, y) = (
        std::str::from_utf8(x).unwrap_or_default(),
        std::str::from_utf8(y).unwrap_or_default(),
    );
    jaro_winkler_min(x, y, min)
}

/// `short` is a single character equal to the first character of `long`.
fn is_initial_of(short: &str, long: &str) -> bool {
    let mut it = short.chars();
    match (it.next(), it.next()) {
        (Some(c), None) => long.chars().count() > 1 && long.starts_with(c),
        _ => false,
    }
}

/// Tokens a soft token comparison keeps per value: addresses and company
/// names have few, and they live on the stack.
pub(crate) const MAX_TOKENS: usize = 16;

/// The first [`MAX_TOKENS`] whitespace-separated tokens of `s`, each with
/// whether it contains an ASCII digit.
pub(crate) fn split_tokens(s: &str) -> ([(&str, bool); MAX_TOKENS], usize) {
    let mut t = [("", false); MAX_TOKENS];
    let mut n = 0;
    let words: &mut dyn Iterator<Item = &str> = if s.is_ascii() {
        // `char::is_whitespace` on ASCII.
        &mut s
            .split([' ', '\t', '\n', '\x0b', '\x0c', '\r'])
            .filter(|w| !w.is_empty())
    } else {
        &mut s.split_whitespace()
    };
    for w in words.take(MAX_TOKENS) {
        t[n] = (w, w.bytes().any(|c| c.is_ascii_digit()));
        n += 1;
    }
    (t, n)
}

/// Symmetric soft token similarity (Monge-Elkan both ways): each token is
/// matched to its most similar token on the other side by Jaro-Winkler,
/// except tokens containing digits, which must match exactly (house
/// numbers, flat numbers). Order free.
pub fn soft_token_similarity(a: &str, b: &str) -> f64 {
    let (ta, na) = split_tokens(a);
    let (tb, nb) = split_tokens(b);
    if na == 0 || nb == 0 {
        return 0.0;
    }
    best_match_mean(&ta[..na], &tb[..nb], |&(x, x_digit), &(y, y_digit)| {
        if x == y {
            1.0
        } else if x_digit || y_digit {
            0.0
        } else {
            jaro_winkler(x, y)
        }
    })
}

/// Monge-Elkan both ways over non-empty token lists of at most
/// [`MAX_TOKENS`]: each token's best `sim` to a token of the other side,
/// summed in token order (so every caller gets the same bits), over the
/// number of tokens.
pub(crate) fn best_match_mean<T>(ta: &[T], tb: &[T], sim: impl Fn(&T, &T) -> f64) -> f64 {
    let mut row_best = [0f64; MAX_TOKENS];
    let mut col_best = [0f64; MAX_TOKENS];
    for (i, x) in ta.iter().enumerate() {
        for (j, y) in tb.iter().enumerate() {
            let sim = sim(x, y);
            row_best[i] = row_best[i].max(sim);
            col_best[j] = col_best[j].max(sim);
        }
    }
    let row: f64 = row_best[..ta.len()].iter().sum();
    let col: f64 = col_best[..tb.len()].iter().sum();
    (row + col) / (ta.len() + tb.len()) as f64
}

/// Parses `YYYY-MM-DD` (also `YYYYMMDD`).
pub(crate) fn parse_ymd(s: &str) -> Option<(i64, u32, u32)> {
    let s = s.trim();
    let (y, m, d) = if s.len() == 10 && s.as_bytes()[4] == b'-' && s.as_bytes()[7] == b'-' {
        (&s[0..4], &s[5..7], &s[8..10])
    } else if s.len() == 8 && s.bytes().all(|c| c.is_ascii_digit()) {
        (&s[0..4], &s[4..6], &s[6..8])
    } else {
        return None;
    };
    let y: i64 = y.parse().ok()?;
    let m: u32 = m.parse().ok()?;
    let d: u32 = d.parse().ok()?;
    ((1..=12).contains(&m) && (1..=31).contains(&d)).then_some((y, m, d))
}

/// Days since 1970-01-01 (proleptic Gregorian; H. Hinnant's algorithm).
pub(crate) fn days_from_civil((y, m, d): (i64, u32, u32)) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Comparisons chosen from the populated fields (see the crate docs).
pub(crate) fn default_comparisons(
    fill: &dyn Fn(ColRef) -> f64,
    min_fill: f64,
) -> Vec<ComparisonSpec> {
    use CanonicalField as F;
    use ComparisonKind as K;
    let has = |f: F| fill(key_ref(f)) >= min_fill;
    let spec = |name: &str, kind: K, fields: Vec<F>| ComparisonSpec {
        name: name.into(),
        kind,
        fields,
        thresholds: Vec::new(),
        term_frequency: None,
    };
    let mut v = Vec::new();
    match (has(F::GivenName), has(F::FamilyName)) {
        (true, true) => {
            v.push(spec(
                "given_name",
                K::Name,
                vec![F::GivenName, F::FamilyName],
            ));
            v.push(spec(
                "family_name",
                K::Name,
                vec![F::FamilyName, F::GivenName],
            ));
        }
        (true, false) => v.push(spec("given_name", K::Name, vec![F::GivenName])),
        (false, true) => v.push(spec("family_name", K::Name, vec![F::FamilyName])),
        (false, false) => {
            if has(F::FullName) {
                v.push(spec("full_name", K::FullName, vec![F::FullName]));
            }
        }
    }
    if has(F::DateOfBirth) {
        v.push(spec("dob", K::Date, vec![F::DateOfBirth]));
    }
    if has(F::Email) {
        v.push(spec("email", K::Email, vec![F::Email]));
    }
    if has(F::Phone) {
        v.push(spec("phone", K::Phone, vec![F::Phone]));
    }
    if has(F::AddressLine1) {
        v.push(spec("address", K::Address, vec![F::AddressLine1]));
    }
    let loc: Vec<F> = [F::City, F::Postcode]
        .into_iter()
        .filter(|&f| has(f))
        .collect();
    if !loc.is_empty() {
        v.push(spec("location", K::Location, loc));
    }
    if has(F::NationalId) {
        v.push(spec("national_id", K::Identifier, vec![F::NationalId]));
    }
    if has(F::Company) {
        v.push(spec("company", K::Company, vec![F::Company]));
    }
    v
}

/// Whether both strings hold the same digits in the same order.
fn same_digits(a: &str, b: &str) -> bool {
    a.bytes()
        .filter(u8::is_ascii_digit)
        .eq(b.bytes().filter(u8::is_ascii_digit))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_typos_must_keep_the_digits() {
        assert!(same_digits("jo.smith85@gmail.com", "jo.smtih85@gmail.com"));
        assert!(same_digits("anne@x.com", "ane@x.com"));
        assert!(!same_digits("hanmin0102@gmail.com", "hanmin1027@gmail.com"));
        assert!(!same_digits("jsmith@gmail.com", "jsmith1@gmail.com"));
    }

    #[test]
    fn ascii_jaro_winkler_matches_strsim() {
        let words = [
            "martha",
            "marhta",
            "dwayne",
            "duane",
            "dixon",
            "dicksonx",
            "a",
            "ab",
            "",
            "jones",
            "johnson",
            "robert",
            "rupert",
            "abcdefghijklmnopqrstuvwxyz",
            "zyxwvutsrqponmlkjihgfedcba",
            "aaaa",
            "aaab",
            "crate",
            "trace",
        ];
        for a in words {
            for b in words {
                let x = jaro_winkler(a, b);
                let y = strsim::jaro_winkler(a, b);
                assert!((x - y).abs() < 1e-12, "{a} {b}: {x} vs {y}");
            }
        }
    }

    #[test]
    fn ascii_osa_matches_strsim() {
        let words = [
            "",
            "a",
            "ab",
            "ba",
            "abc",
            "acb",
            "1971-06-24",
            "1971-05-24",
            "1917-06-24",
            "4011",
            "4101",
            "kitten",
            "sitting",
        ];
        for a in words {
            for b in words {
                assert_eq!(osa_distance(a, b), strsim::osa_distance(a, b), "{a} {b}");
            }
        }
    }

    #[test]
    fn fast_paths_agree_with_exact_metrics() {
        let words = [
            "",
            "a",
            "ab",
            "ba",
            "abc",
            "acb",
            "abcd",
            "1971-06-24",
            "1971-05-24",
            "1917-06-24",
            "1971-06-2",
            "4011",
            "4101",
            "40111",
            "kitten",
            "sitting",
            "robert255@smith.net",
            "roberta25@smith.net",
            "martha",
            "marhta",
            "jones",
            "johnson",
        ];
        for a in words {
            for b in words {
                let d = strsim::osa_distance(a, b);
                assert_eq!(within_one_edit(a, b), d <= 1, "{a} {b}");
                for k in 0..4 {
                    assert_eq!(osa_within(a, b, k), (d <= k).then_some(d), "{a} {b} {k}");
                }
                let jw = jaro_winkler(a, b);
                for min in [0.5, 0.8, 0.88, 0.92] {
                    let x = jaro_winkler_min(a, b, min);
                    assert_eq!(x >= min, jw >= min, "{a} {b} {min}");
                    if jw >= min {
                        assert_eq!(x, jw);
                    }
                }
            }
        }
    }

    #[test]
    fn soft_tokens_are_order_free_and_strict_on_numbers() {
        assert!((soft_token_similarity("12 main street", "main street 12") - 1.0).abs() < 1e-12);
        assert!(soft_token_similarity("12 main street", "14 main street") < 0.7);
        assert!(soft_token_similarity("12 main streat", "12 main street") > 0.9);
    }

    #[test]
    fn dates() {
        assert_eq!(parse_ymd("1971-06-24"), Some((1971, 6, 24)));
        assert_eq!(parse_ymd("19710624"), Some((1971, 6, 24)));
        assert_eq!(parse_ymd("1971-13-24"), None);
        assert_eq!(days_from_civil((1970, 1, 1)), 0);
        assert_eq!(
            days_from_civil((2000, 3, 1)) - days_from_civil((2000, 2, 28)),
            2
        );
    }
}
