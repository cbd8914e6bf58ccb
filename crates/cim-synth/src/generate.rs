//! Streaming generation. Entities are produced in fixed chunks of
//! [`CHUNK`] from per-chunk seeds, a wave of [`WAVE_CHUNKS`] chunks at a
//! time in parallel; each wave is shuffled and given source keys. Chunk and
//! wave sizes never depend on the thread count, so output is identical on
//! any machine.

use rayon::prelude::*;

use crate::error::Error;
use crate::identity::household;
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
        Plan { kinds, outside_china, in_china }
    }
}

/// A record before shuffling and key assignment.
struct RawRecord {
    source: SourceKind,
    entity: u64,
    cells: Vec<Cell>,
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

fn gen_chunk(opts: &SynthOptions, plan: &Plan, chunk: u64) -> Vec<RawRecord> {
    let start = chunk * CHUNK;
    let end = (start + CHUNK).min(opts.entities);
    let mut rng = Rng::new(opts.seed, stream::HOUSEHOLDS, chunk);
    let mut out = Vec::with_capacity(((end - start) as f64 * 1.7) as usize);
    let mut next = start;
    while next < end {
        for id in household(&mut rng, opts, next, (end - next) as usize) {
            next = id.entity + 1;
            let mut rr = Rng::new(opts.seed, stream::RECORDS, id.entity);
            let mut noise = Noise { rng: Rng::new(opts.seed, stream::NOISE, id.entity), r: &opts.rates };
            let weights = if id.in_china() { &plan.in_china } else { &plan.outside_china };
            for _ in 0..record_count(&mut rr, opts) {
                let source = plan.kinds[rr.weighted(weights)];
                let cells = render(source, &id, &mut noise);
                out.push(RawRecord { source, entity: id.entity, cells });
            }
        }
    }
    out
}

/// Source keys look like real exports: sequential with occasional gaps
/// (deleted rows), in file order, so they reveal nothing about entities.
fn key_cell(kind: SourceKind, n: u64) -> (Cell, String) {
    match kind {
        SourceKind::Crm => {
            let s = (100_000 + n).to_string();
            (Cell::Str(s.clone()), s)
        }
        SourceKind::Webshop => {
            let v = 7_000_000 + n as i64;
            (Cell::Int(v), v.to_string())
        }
        SourceKind::Loyalty => {
            let s = format!("88{n:08}");
            (Cell::Str(s.clone()), s)
        }
        SourceKind::Erp => {
            let v = 30_000_000 + n as i64;
            (Cell::Int(v), v.to_string())
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
    })
}

impl Records {
    /// The next wave of records (up to `CHUNK * WAVE_CHUNKS` entities,
    /// shuffled across sources), or `None` when done. Every entity's
    /// records are in the same batch.
    pub fn next_batch(&mut self) -> Option<Vec<SynthRecord>> {
        let rest: Vec<SynthRecord> = std::mem::take(&mut self.buf).collect();
        if !rest.is_empty() {
            return Some(rest);
        }
        if self.next_chunk >= self.n_chunks {
            return None;
        }
        let first = self.next_chunk;
        let last = (first + WAVE_CHUNKS).min(self.n_chunks);
        self.next_chunk = last;
        let wave = first / WAVE_CHUNKS;
        let (opts, plan) = (&self.opts, &self.plan);
        let parts: Vec<Vec<RawRecord>> = (first..last).into_par_iter().map(|c| gen_chunk(opts, plan, c)).collect();
        let mut raw: Vec<RawRecord> = parts.into_iter().flatten().collect();
        let mut rng = Rng::new(self.opts.seed, stream::WAVE, wave);
        rng.shuffle(&mut raw);
        let mut out = Vec::with_capacity(raw.len());
        for mut r in raw {
            let k = &mut self.next_key[r.source.index()];
            *k += 1 + if rng.below(8) == 0 { rng.below(4) } else { 0 };
            let (cell, key) = key_cell(r.source, *k);
            r.cells[0] = cell;
            out.push(SynthRecord { source: r.source, source_key: key, entity_id: r.entity, cells: r.cells });
        }
        Some(out)
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
