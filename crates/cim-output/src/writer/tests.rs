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

/// Customers with a nullable string, a list of strings, a struct and a
/// dictionary column: every leaf kind the run's files have.
fn nested(rows: std::ops::Range<usize>) -> RecordBatch {
    use arrow::array::{
        Array, DictionaryArray, ListBuilder, StringArray, StringBuilder, StructArray, UInt8Array,
    };
    use arrow::datatypes::UInt8Type;
    let n = rows.len();
    let names = StringArray::from_iter(
        rows.clone()
            .map(|i| (i % 7 != 0).then(|| format!("customer {}", i * 7919 % 1000))),
    );
    let mut emails = ListBuilder::new(StringBuilder::new());
    for i in rows.clone() {
        for k in 0..i % 3 {
            emails
                .values()
                .append_value(format!("c{i}.{k}@example.org"));
        }
        emails.append(i % 11 != 0);
    }
    let emails = emails.finish();
    let lineage = StructArray::from(vec![
        (
            Arc::new(Field::new("name", DataType::Utf8, true)),
            Arc::new(StringArray::from_iter(
                rows.clone()
                    .map(|i| (i % 5 != 0).then(|| format!("crm:{i}"))),
            )) as ArrayRef,
        ),
        (
            Arc::new(Field::new("city", DataType::Utf8, true)),
            Arc::new(StringArray::from_iter_values(
                rows.clone().map(|i| format!("webshop:{}", i % 13)),
            )) as ArrayRef,
        ),
    ]);
    let level = DictionaryArray::<UInt8Type>::try_new(
        UInt8Array::from_iter_values(rows.clone().map(|i| (i % 3) as u8)),
        Arc::new(StringArray::from(vec!["exact", "fuzzy", "else"])),
    )
    .unwrap();
    let ids = Int32Array::from_iter_values(rows.map(|i| i as i32));
    let schema = Arc::new(Schema::new(vec![
        Field::new("id", DataType::Int32, false),
        Field::new("name", DataType::Utf8, true),
        Field::new("email", emails.data_type().clone(), true),
        Field::new("lineage", lineage.data_type().clone(), false),
        Field::new("level", level.data_type().clone(), false),
    ]));
    let columns: Vec<ArrayRef> = vec![
        Arc::new(ids),
        Arc::new(names),
        Arc::new(emails),
        Arc::new(lineage),
        Arc::new(level),
    ];
    let batch = RecordBatch::try_new(schema, columns).unwrap();
    assert_eq!(batch.num_rows(), n);
    batch
}

#[test]
fn staged_parquet_is_the_bytes_arrow_writer_makes_on_any_pool() {
    // Uneven batches across row groups of 2,500 rows: batches are split at
    // group boundaries, pages cut per write call.
    let batches = vec![nested(0..3000), nested(3000..3001), nested(3001..7300)];
    let schema = batches[0].schema();
    let opts = ParquetOptions {
        max_row_group_rows: 2500,
        ..ParquetOptions::default()
    };
    let builder = WriterProperties::builder()
        .set_compression(opts.compression)
        .set_max_row_group_row_count(Some(opts.max_row_group_rows));
    // The same per-column dictionary choice, made from the first batch.
    let props = crate::dictionary::plain_for_unique_columns(builder, &schema, &batches[0]).build();
    let mut expected = Vec::new();
    let mut w = ArrowWriter::try_new(&mut expected, schema.clone(), Some(props)).unwrap();
    for b in &batches {
        w.write(b).unwrap();
    }
    w.close().unwrap();

    let tmp = tempfile::tempdir().unwrap();
    let w = OutputWriter::begin(&tmp.path().join("out")).unwrap();
    let staged = |name: &str| {
        let file = w
            .stage_parquet(name, schema.clone(), &batches, &opts)
            .unwrap();
        assert_eq!(file.rows, 7300);
        fs::read(w.staging.join(name)).unwrap()
    };
    assert!(staged("outside.parquet") == expected, "outside a pool");
    for threads in [1, 2, 3] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let bytes = pool.install(|| staged("pool.parquet"));
        assert!(bytes == expected, "on {threads} threads");
    }
    // Staged files are not listed until recorded.
    assert!(w.written().is_empty());
    let (read_schema, read) = read_parquet(&w.staging.join("pool.parquet")).unwrap();
    assert_eq!(read_schema.fields(), schema.fields());
    let rows: usize = read.iter().map(|b| b.num_rows()).sum();
    assert_eq!(rows, 7300);
    let all = arrow::compute::concat_batches(&schema, &batches).unwrap();
    let back = arrow::compute::concat_batches(&read_schema, &read).unwrap();
    assert_eq!(back.columns(), all.columns());
}

#[test]
fn recorded_files_are_listed_in_recording_order() {
    let tmp = tempfile::tempdir().unwrap();
    let mut w = OutputWriter::begin(&tmp.path().join("out")).unwrap();
    let (a, b) = (batch(&[1, 2]), batch(&[3]));
    let opts = ParquetOptions::default();
    let fb = w
        .stage_parquet("b.parquet", b.schema(), std::slice::from_ref(&b), &opts)
        .unwrap();
    let fa = w
        .stage_parquet("a.parquet", a.schema(), &[a], &opts)
        .unwrap();
    w.record(fa);
    w.record(fb);
    let names: Vec<_> = w
        .written()
        .iter()
        .map(|f| (f.name.as_str(), f.rows))
        .collect();
    assert_eq!(names, [("a.parquet", 2), ("b.parquet", 1)]);
    w.commit().unwrap();
    let (_, read) = read_parquet(&tmp.path().join("out/b.parquet")).unwrap();
    assert_eq!(read, [b]);
}

#[test]
fn a_batch_of_another_schema_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let w = OutputWriter::begin(&tmp.path().join("out")).unwrap();
    let ints = batch(&[1]);
    let strings = RecordBatch::try_from_iter([(
        "x",
        Arc::new(arrow::array::StringArray::from(vec!["1"])) as ArrayRef,
    )])
    .unwrap();
    let err = w
        .stage_parquet(
            "x.parquet",
            ints.schema(),
            &[ints, strings],
            &ParquetOptions::default(),
        )
        .unwrap_err();
    assert!(err.to_string().contains("x.parquet"), "{err}");
}

#[test]
fn batches_made_on_demand_are_written_in_order_and_a_failed_one_fails_the_file() {
    let opts = ParquetOptions {
        max_row_group_rows: 1000,
        ..ParquetOptions::default()
    };
    let schema = nested(0..1).schema();
    let tmp = tempfile::tempdir().unwrap();
    let w = OutputWriter::begin(&tmp.path().join("out")).unwrap();
    let built = std::cell::Cell::new(0);
    let slices = (0..4500).step_by(1000).map(|s| {
        built.set(built.get() + 1);
        Ok::<_, std::io::Error>(nested(s..(s + 1000).min(4500)))
    });
    let file = w
        .stage_parquet_from("lazy.parquet", schema.clone(), slices, &opts)
        .unwrap();
    assert_eq!((file.rows, built.get()), (4500, 5));
    let (_, read) = read_parquet(&w.staging.join("lazy.parquet")).unwrap();
    let back = arrow::compute::concat_batches(&schema, &read).unwrap();
    assert_eq!(back, nested(0..4500));

    // The third slice fails: the file fails with its reason, and no slice
    // after it is made.
    built.set(0);
    let failing = (0..4500).step_by(1000).map(|s| {
        built.set(built.get() + 1);
        if s == 2000 {
            Err(std::io::Error::other("slice 3 could not be built"))
        } else {
            Ok(nested(s..(s + 1000).min(4500)))
        }
    });
    let err = w
        .stage_parquet_from("failing.parquet", schema, failing, &opts)
        .unwrap_err();
    assert!(
        err.to_string().contains("slice 3 could not be built"),
        "{err}"
    );
    assert_eq!(built.get(), 3);
}

#[test]
fn reading_named_columns_decodes_only_those_in_file_order() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let schema = Arc::new(Schema::new(
        ["a", "b", "c"]
            .map(|n| Field::new(n, DataType::Int32, false))
            .to_vec(),
    ));
    let cols: Vec<ArrayRef> = [[1, 2], [3, 4], [5, 6]]
        .iter()
        .map(|v| Arc::new(Int32Array::from(v.to_vec())) as ArrayRef)
        .collect();
    let b = RecordBatch::try_new(schema.clone(), cols).unwrap();
    let mut w = OutputWriter::begin(&out).unwrap();
    w.write_parquet(
        "t.parquet",
        schema,
        std::slice::from_ref(&b),
        &ParquetOptions::default(),
    )
    .unwrap();
    w.commit().unwrap();

    let read = read_parquet_columns(&out.join("t.parquet"), &["c", "a", "missing"]).unwrap();
    let names: Vec<&str> = read[0]
        .schema_ref()
        .fields()
        .iter()
        .map(|f| f.name().as_str())
        .collect();
    assert_eq!(names, ["a", "c"]);
    assert_eq!(read[0].column(0), b.column(0));
    assert_eq!(read[0].column(1), b.column(2));
}

#[test]
fn a_staged_file_reads_back_whole_in_order_and_a_discarded_one_is_not_published() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let values: Vec<i32> = (0..1000).map(|i| i * 7 % 1013).collect();
    let input: Vec<RecordBatch> = values.chunks(333).map(batch).collect();
    let opts = ParquetOptions {
        max_row_group_rows: 100,
        ..ParquetOptions::default()
    };
    let w = OutputWriter::begin(&out).unwrap();
    w.stage_parquet("spill.parquet", input[0].schema(), &input, &opts)
        .unwrap();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(3)
        .build()
        .unwrap();
    let read = pool
        .install(|| w.read_staged("spill.parquet", None))
        .unwrap();
    // One batch per row group, in file order.
    assert_eq!(read.len(), 10);
    let got: Vec<i32> = read
        .iter()
        .flat_map(|b| {
            let a = b.column(0).as_any().downcast_ref::<Int32Array>().unwrap();
            a.values().to_vec()
        })
        .collect();
    assert_eq!(got, values);

    // Only the named columns, in file order, whatever they nest.
    let wide = [nested(0..450), nested(450..1000)];
    w.stage_parquet("wide.parquet", wide[0].schema(), &wide, &opts)
        .unwrap();
    let some = pool
        .install(|| w.read_staged("wide.parquet", Some(&["level", "id", "email", "absent"])))
        .unwrap();
    assert_eq!(some.len(), 10);
    let names: Vec<&str> = some[0]
        .schema_ref()
        .fields()
        .iter()
        .map(|f| f.name().as_str())
        .collect();
    assert_eq!(names, ["id", "email", "level"]);
    let whole = arrow::compute::concat_batches(&some[0].schema(), &some).unwrap();
    let expected = arrow::compute::concat_batches(&wide[0].schema(), &wide).unwrap();
    for name in names {
        assert_eq!(
            whole.column_by_name(name).unwrap().as_ref(),
            expected.column_by_name(name).unwrap().as_ref(),
            "{name}"
        );
    }
    w.discard("wide.parquet").unwrap();

    w.discard("spill.parquet").unwrap();
    assert!(w.read_staged("spill.parquet", None).is_err());
    w.commit().unwrap();
    assert!(!out.join("spill.parquet").exists());
}
