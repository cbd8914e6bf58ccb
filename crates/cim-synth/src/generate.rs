//! Streaming generation. Entities are produced in fixed chunks of
//! [`CHUNK`] from per-chunk seeds, a wave of [`WAVE_CHUNKS`] chunks at a
//! time in parallel; each wave is shuffled and given source keys. Chunk and
//! wave sizes never depend on the thread count, so output is identical on
//! any machine.

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hash, Hasher};

use rayon::prelude::*;

use crate::error::Error;
use crate::identity::{Identity, household};
use crate::options::SynthOptions;
use crate::render::{Noise, render};
use crate::rng::{Rng, stream};
use crate::source::{Cell, SourceKind, SynthRecord};

/// Entities per chunk (one random stream for household structure).
pub(crate) const CHUNK: u64 = 1024;
/// Chunks per wave: the unit of parallel generation, shuffling and memory.
pub(crate) const WAVE_CHUNKS: u64 = 64;

/// Which sources exist and how records are distributed over them.
#[derive(Clone, Debug)]
struct Plan {
    kinds: Vec<SourceKind>,
    outside_china: Vec<f64>,
    in_china: Vec<f64>,
}

impl Plan {
    fn new(opts: &SynthOptions) -> Self {
        let kinds: Vec<SourceKind> = opts.sources.iter().map(|s| s.kind).collect();
        let (mut outside_china, mut in_china): (Vec<f64>, Vec<f64>) =
            opts.sources.iter().map(|s| s.effective_weights()).unzip();
        // A group no source accepts is spread evenly rather than dropped:
        // every entity must have at least one record.
        for w in [&mut outside_china, &mut in_china] {
            if w.iter().sum::<f64>() <= 0.0 {
                w.iter_mut().for_each(|x| *x = 1.0);
            }
        }
        Plan {
            kinds,
            outside_china,
            in_china,
        }
    }
}

fn record_count(rng: &mut Rng, opts: &SynthOptions) -> u32 {
    let d = &opts.duplicates;
    let x = rng.f64();
    if x < d.many {
        rng.range(4, d.max_records.max(4))
    } else if x < d.many + d.three {
        3
    } else if x < d.many + d.three + d.two {
        2
    } else {
        1
    }
}

/// A value inside a [`Chunk`]: text is a byte range of `Chunk::text`.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Span {
    Null,
    Str(u32, u32),
    Int(i64),
    Bool(bool),
    Date(i32),
    Ts(i64),
}

/// Where one row lives and what it is.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RowMeta {
    pub source: SourceKind,
    pub entity: u64,
    /// Index of the row's first span in `Chunk::spans`; a row has one span
    /// per column of its source.
    pub first_span: u32,
    /// Key number (formatted by [`key_text`]); assigned in file order.
    pub key: u64,
}

/// The rows of one chunk packed into three allocations. Millions of small
/// strings freed in bulk, across threads, cost more than generating them.
#[derive(Debug, Default)]
pub(crate) struct Chunk {
    pub text: String,
    pub spans: Vec<Span>,
    pub rows: Vec<RowMeta>,
}

/// A borrowed cell value.
#[derive(Clone, Copy, Debug)]
pub(crate) enum CellRef<'a> {
    Null,
    Str(&'a str),
    Int(i64),
    Bool(bool),
    Date(i32),
    Ts(i64),
}

impl Chunk {
    fn push(&mut self, source: SourceKind, entity: u64, cells: Vec<Cell>) {
        let first_span = self.spans.len() as u32;
        for c in cells {
            let span = match c {
                Cell::Null => Span::Null,
                Cell::Str(s) => {
                    let a = self.text.len() as u32;
                    self.text.push_str(&s);
                    Span::Str(a, self.text.len() as u32)
                }
                Cell::Int(i) => Span::Int(i),
                Cell::Bool(b) => Span::Bool(b),
                Cell::Date(d) => Span::Date(d),
                Cell::Timestamp(t) => Span::Ts(t),
            };
            self.spans.push(span);
        }
        self.rows.push(RowMeta {
            source,
            entity,
            first_span,
            key: 0,
        });
    }

    /// Cell `col` of row `row`; column 0 is the key and is read from the
    /// row meta, not from here.
    pub fn cell(&self, row: &RowMeta, col: usize) -> CellRef<'_> {
        match self.spans[row.first_span as usize + col] {
            Span::Null => CellRef::Null,
            Span::Str(a, b) => CellRef::Str(&self.text[a as usize..b as usize]),
            Span::Int(i) => CellRef::Int(i),
            Span::Bool(b) => CellRef::Bool(b),
            Span::Date(d) => CellRef::Date(d),
            Span::Ts(t) => CellRef::Ts(t),
        }
    }

    fn record(&self, row: &RowMeta) -> SynthRecord {
        let n = row.source.columns().len();
        let mut cells = Vec::with_capacity(n);
        cells.push(key_cell(row.source, row.key));
        for col in 1..n {
            cells.push(match self.cell(row, col) {
                CellRef::Null => Cell::Null,
                CellRef::Str(s) => Cell::Str(s.to_string()),
                CellRef::Int(i) => Cell::Int(i),
                CellRef::Bool(b) => Cell::Bool(b),
                CellRef::Date(d) => Cell::Date(d),
                CellRef::Ts(t) => Cell::Timestamp(t),
            });
        }
        let mut key = String::new();
        key_text(row.source, row.key, &mut key);
        SynthRecord {
            source: row.source,
            source_key: key,
            entity_id: row.entity,
            cells,
        }
    }
}

/// The identities of one chunk, household by household.
fn chunk_identities(opts: &SynthOptions, chunk: u64) -> Vec<Identity> {
    let start = chunk * CHUNK;
    let end = (start + CHUNK).min(opts.entities);
    let mut rng = Rng::new(opts.seed, stream::HOUSEHOLDS, chunk);
    let mut ids = Vec::with_capacity((end - start) as usize);
    let mut next = start;
    while next < end {
        for id in household(&mut rng, opts, next, (end - next) as usize) {
            next = id.entity + 1;
            ids.push(id);
        }
    }
    ids
}

/// Hashes of the email addresses handed out so far. The keys already are
/// hashes, so the set uses them as they are instead of hashing them again.
type Mailboxes = HashSet<u64, BuildHasherDefault<PrehashedU64>>;

/// A [`Hasher`] for keys that already are well-mixed `u64` hashes.
#[derive(Default)]
struct PrehashedU64(u64);

impl Hasher for PrehashedU64 {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `u64` keys are stored; fold anything else in all the same.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, h: u64) {
        self.0 = h;
    }
}

/// Largest registry reserved up front (entries); bigger data sets grow it.
const MAX_PRESIZED_MAILBOXES: u64 = 1 << 24;

fn mailbox_registry(entities: u64) -> Mailboxes {
    Mailboxes::with_capacity_and_hasher(
        entities.min(MAX_PRESIZED_MAILBOXES) as usize,
        BuildHasherDefault::default(),
    )
}

fn mailbox_hash(local: &str, domain: &str) -> u64 {
    // DefaultHasher::new() has fixed keys: the same hash on every run.
    let mut hasher = std::hash::DefaultHasher::new();
    (local, domain).hash(&mut hasher);
    hasher.finish()
}

/// Draws of a suffix width before the next draw gets one more digit. Only
/// 999 suffixes of 1 to 3 digits exist, so without widening the search for
/// a free `john.smith###@gmail.com` slows down as they fill and never ends
/// once all are taken (about 3M records with the default options). Below
/// that, no mailbox needs this many draws, so those data sets are the same
/// as before widening existed.
const DRAWS_PER_WIDTH: u32 = 32;

/// The suffix tried at draw `draw` (0-based): 1 to 999 first, then 4-digit,
/// 5-digit, ... numbers.
fn mailbox_suffix(rng: &mut Rng, draw: u32) -> u64 {
    let extra_digits = (draw / DRAWS_PER_WIDTH).min(15);
    if extra_digits == 0 {
        // Same draw as `rng.range(1, 999)`.
        1 + rng.below(999)
    } else {
        let lowest = 10u64.pow(2 + extra_digits);
        lowest + rng.below(9 * lowest)
    }
}

/// Gives every customer a mailbox of their own, as mail providers do: the
/// first `james.smith@gmail.com` keeps it, a later James Smith whose
/// address came out the same gets digits appended (`james.smith417`, or
/// more digits once the short ones are scarce). Runs sequentially in
/// entity order over a registry of address hashes, so the result does not
/// depend on the thread count.
fn claim_mailboxes(opts: &SynthOptions, taken: &mut Mailboxes, ids: &mut [Identity]) {
    use std::fmt::Write as _;
    for id in ids {
        let local = &mut id.email.local;
        if taken.insert(mailbox_hash(local, id.email.domain)) {
            continue;
        }
        let base_len = local.len();
        let mut rng = Rng::new(opts.seed, stream::MAILBOX, id.entity);
        for draw in 0.. {
            local.truncate(base_len);
            let _ = write!(local, "{}", mailbox_suffix(&mut rng, draw));
            if taken.insert(mailbox_hash(local, id.email.domain)) {
                break;
            }
        }
    }
}

fn render_chunk(opts: &SynthOptions, plan: &Plan, ids: &[Identity]) -> Chunk {
    let n = ids.len();
    let mut out = Chunk {
        text: String::with_capacity(n * 300),
        spans: Vec::with_capacity(n * 20),
        rows: Vec::with_capacity(n * 2),
    };
    for id in ids {
        let mut rr = Rng::new(opts.seed, stream::RECORDS, id.entity);
        let mut noise = Noise {
            rng: Rng::new(opts.seed, stream::NOISE, id.entity),
            r: &opts.rates,
        };
        let weights = if id.in_china() {
            &plan.in_china
        } else {
            &plan.outside_china
        };
        for _ in 0..record_count(&mut rr, opts) {
            let source = plan.kinds[rr.weighted(weights)];
            let cells = render(source, id, &mut noise);
            out.push(source, id.entity, cells);
        }
    }
    out
}

/// Source keys look like real exports: sequential with occasional gaps
/// (deleted rows), in file order, so they reveal nothing about entities.
pub(crate) fn key_text(kind: SourceKind, n: u64, out: &mut String) {
    use std::fmt::Write as _;
    let _ = match kind {
        SourceKind::Crm => write!(out, "{}", 100_000 + n),
        SourceKind::Webshop => write!(out, "{}", 7_000_000 + n),
        SourceKind::Loyalty => write!(out, "88{n:08}"),
        SourceKind::Erp => write!(out, "{}", 30_000_000 + n),
    };
}

/// The key as the typed cell its source stores.
pub(crate) fn key_cell(kind: SourceKind, n: u64) -> Cell {
    match kind {
        SourceKind::Webshop => Cell::Int(7_000_000 + n as i64),
        SourceKind::Erp => Cell::Int(30_000_000 + n as i64),
        _ => {
            let mut s = String::new();
            key_text(kind, n, &mut s);
            Cell::Str(s)
        }
    }
}

/// Streams the records of a data set. Create with [`generate`]. Yields the
/// records in file order (per source); [`Records::next_batch`] gives a
/// whole wave at once, and every entity's records are inside one batch.
pub struct Records {
    opts: SynthOptions,
    plan: Plan,
    next_chunk: u64,
    n_chunks: u64,
    next_key: [u64; SourceKind::ALL.len()],
    buf: std::vec::IntoIter<SynthRecord>,
    /// Hashes of the email addresses handed out so far.
    mailboxes: Mailboxes,
}

/// Starts generating the data set described by `opts`.
pub fn generate(opts: &SynthOptions) -> Result<Records, Error> {
    opts.validate()?;
    Ok(Records {
        opts: opts.clone(),
        plan: Plan::new(opts),
        next_chunk: 0,
        n_chunks: opts.entities.div_ceil(CHUNK),
        next_key: [0; SourceKind::ALL.len()],
        buf: Vec::new().into_iter(),
        mailboxes: mailbox_registry(opts.entities),
    })
}

/// One generated wave: chunks in generation order plus the file order as
/// (chunk, row) pairs.
pub(crate) struct Wave {
    pub chunks: Vec<Chunk>,
    pub order: Vec<(u32, u32)>,
}

impl Wave {
    /// Rows in file order.
    pub fn rows(&self) -> impl Iterator<Item = (&Chunk, &RowMeta)> + '_ {
        self.order.iter().map(|&(c, r)| {
            let chunk = &self.chunks[c as usize];
            (chunk, &chunk.rows[r as usize])
        })
    }
}

impl Records {
    /// The next wave of records (up to `CHUNK * WAVE_CHUNKS` entities,
    /// shuffled across sources, in file order), or `None` when done. Every
    /// entity's records are in the same batch.
    pub fn next_batch(&mut self) -> Option<Vec<SynthRecord>> {
        let rest: Vec<SynthRecord> = std::mem::take(&mut self.buf).collect();
        if !rest.is_empty() {
            return Some(rest);
        }
        let wave = self.next_wave()?;
        Some(wave.rows().map(|(c, r)| c.record(r)).collect())
    }

    pub(crate) fn next_wave(&mut self) -> Option<Wave> {
        if self.next_chunk >= self.n_chunks {
            return None;
        }
        let first = self.next_chunk;
        let last = (first + WAVE_CHUNKS).min(self.n_chunks);
        self.next_chunk = last;
        let wave = first / WAVE_CHUNKS;
        let (opts, plan) = (&self.opts, &self.plan);
        let mut ids: Vec<Vec<Identity>> = (first..last)
            .into_par_iter()
            .map(|c| chunk_identities(opts, c))
            .collect();
        for chunk in &mut ids {
            claim_mailboxes(opts, &mut self.mailboxes, chunk);
        }
        let mut chunks: Vec<Chunk> = ids
            .par_iter()
            .map(|chunk| render_chunk(opts, plan, chunk))
            .collect();
        let mut order: Vec<(u32, u32)> = chunks
            .iter()
            .enumerate()
            .flat_map(|(c, ch)| (0..ch.rows.len() as u32).map(move |r| (c as u32, r)))
            .collect();
        let mut rng = Rng::new(self.opts.seed, stream::WAVE, wave);
        rng.shuffle(&mut order);
        for &(c, r) in &order {
            let row = &mut chunks[c as usize].rows[r as usize];
            let k = &mut self.next_key[row.source.index()];
            *k += 1 + if rng.below(8) == 0 { rng.below(4) } else { 0 };
            row.key = *k;
        }
        Some(Wave { chunks, order })
    }

    /// The options being generated.
    pub fn options(&self) -> &SynthOptions {
        &self.opts
    }
}

impl Iterator for Records {
    type Item = SynthRecord;

    fn next(&mut self) -> Option<SynthRecord> {
        loop {
            if let Some(r) = self.buf.next() {
                return Some(r);
            }
            let batch = self.next_batch()?;
            self.buf = batch.into_iter();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_suffixes_are_the_draws_used_before_widening() {
        // Data sets small enough never to widen must stay byte-identical to
        // those generated before widening existed.
        let mut a = Rng::new(5, stream::MAILBOX, 77);
        let mut b = a.clone();
        for draw in 0..DRAWS_PER_WIDTH {
            assert_eq!(mailbox_suffix(&mut a, draw), u64::from(b.range(1, 999)));
        }
        for draw in DRAWS_PER_WIDTH..2 * DRAWS_PER_WIDTH {
            assert!((1000..=9999).contains(&mailbox_suffix(&mut a, draw)));
        }
        let widest = mailbox_suffix(&mut a, u32::MAX);
        assert!((10u64.pow(17)..10u64.pow(18)).contains(&widest));
    }

    #[test]
    fn mailboxes_stay_unique_when_all_short_suffixes_are_taken() {
        // Three times as many john.smith@gmail.com as there are 1-3 digit
        // suffixes: the search used to loop forever here.
        let opts = SynthOptions {
            entities: 3 * CHUNK,
            ..SynthOptions::default()
        };
        let mut ids: Vec<Identity> = (0..3).flat_map(|c| chunk_identities(&opts, c)).collect();
        for id in &mut ids {
            id.email.local = "john.smith".into();
            id.email.domain = "gmail.com";
        }
        let mut taken = mailbox_registry(opts.entities);
        claim_mailboxes(&opts, &mut taken, &mut ids);
        assert_eq!(ids[0].email.local, "john.smith");
        let mut suffixes: Vec<u64> = ids[1..]
            .iter()
            .map(|id| id.email.local["john.smith".len()..].parse().unwrap())
            .collect();
        suffixes.sort_unstable();
        suffixes.dedup();
        assert_eq!(suffixes.len(), ids.len() - 1, "mailboxes must be unique");
        let short = suffixes.iter().filter(|&&s| s < 1000).count();
        assert!((900..=999).contains(&short), "{short} short suffixes");
        assert_eq!(taken.len(), ids.len());
    }

    #[test]
    fn the_first_claim_keeps_an_address_and_later_ones_get_digits() {
        let opts = SynthOptions {
            entities: 4 * CHUNK,
            ..SynthOptions::default()
        };
        let mut ids: Vec<Identity> = (0..4).flat_map(|c| chunk_identities(&opts, c)).collect();
        let wanted: Vec<String> = ids.iter().map(|id| id.email.local.clone()).collect();
        let mut taken = mailbox_registry(opts.entities);
        claim_mailboxes(&opts, &mut taken, &mut ids);
        let mut handed_out = HashSet::new();
        let mut suffixed = 0;
        for (id, wanted) in ids.iter().zip(&wanted) {
            let got = &id.email.local;
            if handed_out.contains(&(wanted.as_str(), id.email.domain)) {
                let digits = got.strip_prefix(wanted.as_str()).unwrap_or_default();
                assert!(!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()));
                suffixed += 1;
            } else {
                assert_eq!(got, wanted);
            }
            assert!(handed_out.insert((got.as_str(), id.email.domain)));
        }
        // Common names collide even among a few thousand customers.
        assert!(suffixed > 0);
    }
}
