//! Times `cim_dedupe::dedupe` alone on a run's normalised records:
//! `cargo run --release -p cim-dedupe --example dedupe_bench -- out/records.parquet`
//! (`output.records = true` writes that file). Prints the report's timings.

#![allow(clippy::print_stdout)] // a command-line benchmark reports on stdout

use std::fs::File;
use std::time::Instant;

use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

fn main() {
    let path = std::env::args()
        .nth(1)
        .expect("usage: dedupe_bench <records.parquet>");
    let file = File::open(&path).expect("cannot open the records file");
    let batches: Vec<_> = ParquetRecordBatchReaderBuilder::try_new(file)
        .expect("not a Parquet file")
        .with_batch_size(65_536)
        .build()
        .expect("cannot read")
        .collect::<Result<_, _>>()
        .expect("cannot read a batch");
    let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
    let opts = cim_dedupe::DedupeOptions::default();
    let t = Instant::now();
    let result = cim_dedupe::dedupe(&batches, &opts, None).expect("dedupe failed");
    let ms = t.elapsed().as_millis();
    let r = serde_json::to_value(&result.report).expect("report serialises");
    println!("{rows} records, dedupe {ms} ms");
    println!("timings {}", r["timings"]);
    // Fingerprints of the decisions, to check that a speed-up changed nothing.
    let clusters: Vec<u8> = result
        .cluster_of_row
        .iter()
        .flat_map(|c| c.to_le_bytes())
        .collect();
    let model = serde_json::to_string(&result.model).expect("model serialises");
    let report = r.as_object().map(|o| {
        let mut o = o.clone();
        o.remove("timings");
        serde_json::Value::Object(o).to_string()
    });
    println!(
        "clusters {:016x} model {:016x} report {:016x} kept pairs {}",
        xxhash_rust::xxh3::xxh3_64(&clusters),
        xxhash_rust::xxh3::xxh3_64(model.as_bytes()),
        xxhash_rust::xxh3::xxh3_64(report.unwrap_or_default().as_bytes()),
        result.pairs.len()
    );
    // The kept pairs themselves: every column, bit for bit.
    let pairs = serde_json::to_string(&result.pairs).expect("pairs serialise");
    println!(
        "pairs {:016x}",
        xxhash_rust::xxh3::xxh3_64(pairs.as_bytes())
    );
}
