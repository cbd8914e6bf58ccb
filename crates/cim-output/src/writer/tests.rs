use std::sync::Arc;

use arrow::array::{ArrayRef, Int32Array};
use arrow::datatypes::{DataType, Field, Schema};
use arrow::record_batch::RecordBatch;

use super::*;

fn batch(values: &[i32]) -> RecordBatch {
    let schema = Arc::new(Schema::new(vec![Field::new("x", DataType::Int32, false)]));
    let col: ArrayRef = Arc::new(Int32Array::from(values.to_vec()));
    RecordBatch::try_new(schema, vec![col]).unwrap()
}

fn write_generation(dir: &Path, values: &[i32], note: &str) {
    let mut w = OutputWriter::begin(dir).unwrap();
    let b = batch(values);
    w.write_parquet("data.parquet", b.schema(), &[b], &ParquetOptions::default())
        .unwrap();
    w.write_json("run.json", &serde_json::json!({ "note": note }))
        .unwrap();
    w.commit().unwrap();
}

#[test]
fn commit_publishes_and_replaces_whole_generation() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    write_generation(&out, &[1, 2, 3], "first");
    let (_, batches) = read_parquet(&out.join("data.parquet")).unwrap();
    assert_eq!(batches[0].num_rows(), 3);

    // A second generation that does not write run.json must not leave the
    // old one behind: the directory is replaced as a whole.
    let mut w = OutputWriter::begin(&out).unwrap();
    let b = batch(&[7]);
    w.write_parquet("data.parquet", b.schema(), &[b], &ParquetOptions::default())
        .unwrap();
    w.commit().unwrap();
    let (_, batches) = read_parquet(&out.join("data.parquet")).unwrap();
    assert_eq!(batches[0].num_rows(), 1);
    assert!(!out.join("run.json").exists());
    // No staging leftovers.
    let leftovers: Vec<_> = fs::read_dir(tmp.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("staging"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn dropped_writer_leaves_previous_outputs_intact() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    write_generation(&out, &[1, 2], "first");
    {
        let mut w = OutputWriter::begin(&out).unwrap();
        let b = batch(&[9, 9, 9, 9]);
        w.write_parquet("data.parquet", b.schema(), &[b], &ParquetOptions::default())
            .unwrap();
        // No commit: simulates a run that failed after writing.
    }
    let (_, batches) = read_parquet(&out.join("data.parquet")).unwrap();
    assert_eq!(batches[0].num_rows(), 2);
    let run = fs::read_to_string(out.join("run.json")).unwrap();
    assert!(run.contains("first"));
}

#[test]
fn second_writer_is_refused_while_first_holds_the_lock() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let _first = OutputWriter::begin(&out).unwrap();
    let err = OutputWriter::begin(&out).unwrap_err();
    assert!(matches!(err, Error::Locked { .. }), "{err}");
    assert!(err.to_string().contains("locked by another cim run"));
    assert!(err.to_string().contains("pid"));
}

#[test]
fn refuses_to_replace_a_foreign_non_empty_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("home");
    fs::create_dir(&out).unwrap();
    fs::write(out.join("precious.txt"), "do not delete").unwrap();
    let w = OutputWriter::begin(&out).unwrap();
    let err = w.commit().unwrap_err();
    assert!(err.to_string().contains("not written by cim"), "{err}");
    assert!(out.join("precious.txt").exists());
}

#[test]
fn rejects_names_that_escape_the_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let mut w = OutputWriter::begin(&tmp.path().join("out")).unwrap();
    for bad in ["../x.json", "a/b.json", ".hidden", ""] {
        assert!(w.write_bytes(bad, b"x").is_err(), "{bad}");
    }
}

#[test]
fn parquet_output_is_byte_identical_for_identical_input() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a");
    let b = tmp.path().join("b");
    write_generation(&a, &[5, 4, 3], "x");
    write_generation(&b, &[5, 4, 3], "x");
    assert_eq!(
        fs::read(a.join("data.parquet")).unwrap(),
        fs::read(b.join("data.parquet")).unwrap()
    );
}
