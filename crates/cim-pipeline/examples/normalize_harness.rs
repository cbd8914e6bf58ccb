//! Profiling harness for the normalise stage: reads every source of a
//! pipeline config into raw batches first, then normalises them serially on
//! this thread, so that a profiler sees normalisation alone, e.g.
//!
//! ```text
//! valgrind --tool=callgrind \
//!   --toggle-collect='cim_normalize::batch::normalize_batch*' \
//!   target/release/examples/normalize_harness /tmp/n100k/pipeline.toml 20000
//! ```
//!
//! The optional second argument caps the rows read per source. Prints the
//! rows normalised and an xxh3 digest of the normalised batches (Arrow IPC)
//! so that a change can be checked to leave the output unchanged.
#![allow(clippy::print_stdout)]

use std::path::PathBuf;

fn main() {
    let mut args = std::env::args().skip(1);
    let path = PathBuf::from(args.next().expect("usage: normalize_harness CONFIG [ROWS]"));
    let limit: usize = args.next().map_or(usize::MAX, |s| s.parse().expect("rows"));
    let loaded = cim_config::load(&path).expect("config");
    let cfg = loaded.config;

    let mut work = Vec::new();
    for source in &cfg.sources {
        let mut reader =
            cim_ingest::open_source(&source.ingest_options(), cfg.run.batch_rows).expect("open");
        let mut seen = 0;
        while seen < limit {
            let Some(chunk) = reader.next() else { break };
            let batch = chunk.expect("read").batch;
            let take = batch.num_rows().min(limit - seen);
            seen += take;
            work.push((batch.slice(0, take), source.normalize_hints()));
        }
    }

    let mut rows = 0;
    let mut digest = xxhash_rust::xxh3::Xxh3::new();
    for (raw, hints) in &work {
        let out = cim_normalize::normalize_batch(raw, hints, &cfg.normalize).expect("normalise");
        rows += out.num_rows();
        let mut buf = Vec::new();
        let mut w =
            arrow::ipc::writer::StreamWriter::try_new(&mut buf, &out.schema()).expect("ipc");
        w.write(&out).expect("ipc");
        w.finish().expect("ipc");
        drop(w);
        digest.update(&buf);
    }
    println!("rows {rows} digest {:016x}", digest.digest());
}
