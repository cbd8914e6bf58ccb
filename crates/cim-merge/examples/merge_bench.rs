//! Times [`cim_merge::merge`] on the outputs of an earlier run, without the
//! rest of the pipeline.
//!
//! ```text
//! cargo run --release -p cim-merge --example merge_bench -- OUT_DIR [RUN_ID] [AS_OF] [DUMP_DIR]
//! ```
//!
//! `OUT_DIR` holds `records.parquet` (the normalised records, exactly what
//! the merge stage receives) and `crosswalk.parquet` (record -> golden id:
//! records sharing a golden id form one cluster). The merge runs as a first
//! run (no previous state) with the default survivorship options, i.e. the
//! demo config. With `DUMP_DIR` the master, crosswalk and id changes are
//! written there as Arrow IPC files, to compare two builds byte for byte.

use std::collections::HashMap;
use std::fs::File;
use std::time::Instant;

use arrow::array::{AsArray, RecordBatch};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

fn read(path: &std::path::Path) -> Vec<RecordBatch> {
    let f = File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    ParquetRecordBatchReaderBuilder::try_new(f)
        .expect("parquet")
        .with_batch_size(65536)
        .build()
        .expect("reader")
        .collect::<Result<_, _>>()
        .expect("batches")
}

/// User and system CPU time of the process so far, in ms (`/proc/self/stat`).
fn cpu_ms() -> (u64, u64) {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<u64> = rest
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0))
        .collect();
    // Fields 14 and 15 of stat (utime, stime) in clock ticks of 10 ms.
    (
        f.get(11).copied().unwrap_or(0) * 10,
        f.get(12).copied().unwrap_or(0) * 10,
    )
}

/// Peak RSS in MiB since the last reset (`VmHWM`).
fn peak_mib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb / 1024)
}

/// Current RSS in MiB (`VmRSS`).
fn rss_mib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb / 1024)
}

#[allow(clippy::print_stderr)] // a command-line tool reporting its timings
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = std::path::PathBuf::from(args.get(1).expect("usage: merge_bench OUT_DIR"));
    let run_id = args.get(2).cloned().unwrap_or_else(|| "bench".to_owned());
    let as_of = args
        .get(3)
        .map(|s| s.parse().expect("AS_OF as YYYY-MM-DD"))
        .unwrap_or_else(|| chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap());
    let dump = args.get(4).map(std::path::PathBuf::from);

    let t = Instant::now();
    let records = read(&dir.join("records.parquet"));
    let crosswalk = read(&dir.join("crosswalk.parquet"));
    let mut golden_of: HashMap<String, String> = HashMap::new();
    for b in &crosswalk {
        let rid = b.column_by_name("record_id").unwrap().as_string::<i32>();
        let gid = b.column_by_name("golden_id").unwrap().as_string::<i32>();
        for i in 0..b.num_rows() {
            golden_of.insert(rid.value(i).to_owned(), gid.value(i).to_owned());
        }
    }
    drop(crosswalk);
    let mut dense: HashMap<String, u32> = HashMap::new();
    let mut cluster_of_row = Vec::new();
    for b in &records {
        let rid = b.column_by_name("record_id").unwrap().as_string::<i32>();
        for i in 0..b.num_rows() {
            let g = golden_of[rid.value(i)].clone();
            let next = dense.len() as u32;
            cluster_of_row.push(*dense.entry(g).or_insert(next));
        }
    }
    drop(golden_of);
    drop(dense);
    eprintln!(
        "loaded {} records in {} batches, {} ms",
        cluster_of_row.len(),
        records.len(),
        t.elapsed().as_millis()
    );

    let opts = cim_merge::SurvivorshipOptions::default();
    let sources = ["crm", "webshop", "loyalty"].map(str::to_owned);
    let run = cim_merge::RunInfo { run_id, as_of };
    let reps: usize = std::env::var("REPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let mut out = None;
    for _ in 0..reps {
        // Reset the peak RSS so that it measures this merge only.
        let _ = std::fs::write("/proc/self/clear_refs", "5");
        let before = rss_mib();
        let (u0, s0) = cpu_ms();
        let t = Instant::now();
        let o = cim_merge::merge(&records, &cluster_of_row, &opts, &sources, None, &run)
            .expect("merge");
        let wall = t.elapsed().as_millis();
        let (u1, s1) = cpu_ms();
        eprintln!(
            "merge: {wall} ms wall, cpu user {} ms sys {} ms, rss before {before} MiB peak {} MiB after {} MiB ({} golden records)",
            u1 - u0,
            s1 - s0,
            peak_mib(),
            rss_mib(),
            o.stats.golden_records
        );
        out = Some(o);
    }
    let out = out.expect("at least one rep");
    if let Some(dump) = dump {
        std::fs::create_dir_all(&dump).expect("dump dir");
        for (name, batch) in [
            ("master", &out.master),
            ("crosswalk", &out.crosswalk),
            ("id_changes", &out.id_changes),
        ] {
            let f = File::create(dump.join(format!("{name}.arrow"))).expect("create");
            let mut w =
                arrow::ipc::writer::FileWriter::try_new(f, &batch.schema()).expect("ipc writer");
            w.write(batch).expect("write");
            w.finish().expect("finish");
        }
    }
}
