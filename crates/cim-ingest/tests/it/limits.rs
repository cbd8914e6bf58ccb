//! `max_columns`: the record-width limit, per format.

use std::sync::Arc;

use arrow::array::{ArrayRef, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use arrow::record_batch::RecordBatch;
use cim_ingest::{DEFAULT_MAX_COLUMNS, SourceOptions};
use cim_schema::{CanonicalField as F, QuarantineReason as R};

use crate::{err_of, q, read};

fn opts(path: std::path::PathBuf, max_columns: usize) -> SourceOptions {
    let mut o = SourceOptions::from_path(path);
    o.name = "wide".into();
    o.columns.insert(F::SourceKey, "id".into());
    o.max_columns = max_columns;
    o
}

/// A CSV with `id` and `n - 1` further columns, two rows.
fn wide_csv(n: usize) -> String {
    let header: Vec<String> = std::iter::once("id".to_owned())
        .chain((1..n).map(|i| format!("c{i}")))
        .collect();
    let row = |k: usize| {
        std::iter::once(k.to_string())
            .chain((1..n).map(|i| format!("v{i}")))
            .collect::<Vec<_>>()
            .join(",")
    };
    format!("{}\n{}\n{}\n", header.join(","), row(1), row(2))
}

#[test]
fn csv_wider_than_max_columns_is_refused_naming_the_limit() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("wide.csv");
    std::fs::write(&path, wide_csv(40)).unwrap();

    let err = err_of(&opts(path.clone(), 39));
    assert!(
        err.contains("40 columns, more than `max_columns` = 39"),
        "{err}"
    );
    assert!(
        err.contains("wide") && err.contains("wide.csv"),
        "names source and file: {err}"
    );

    let r = read(&opts(path.clone(), 40), 100).unwrap();
    assert_eq!(r.report.accepted, 2, "exactly at the limit is fine");

    // Headerless: the first record's width counts.
    let mut o = opts(path, 10);
    o.csv.has_header = false;
    o.columns.clear();
    o.columns.insert(F::SourceKey, "column_1".into());
    let err = err_of(&o);
    assert!(
        err.contains("40 columns, more than `max_columns` = 10"),
        "{err}"
    );
    assert_eq!(DEFAULT_MAX_COLUMNS, SourceOptions::default().max_columns);
}

#[test]
fn jsonl_lines_wider_than_max_columns_are_quarantined() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("wide.jsonl");
    let wide: Vec<String> = (0..30).map(|i| format!("\"k{i}\":{i}")).collect();
    let nested: Vec<String> = (0..30).map(|i| format!("\"n{i}\":\"x\"")).collect();
    std::fs::write(
        &path,
        format!(
            "{{\"id\":1,\"a\":\"x\"}}\n{{\"id\":2,{}}}\n{{\"id\":3,\"deep\":{{{}}}}}\n{{\"id\":4}}\n",
            wide.join(","),
            nested.join(",")
        ),
    )
    .unwrap();
    let r = read(&opts(path.clone(), 20), 100).unwrap();
    assert_eq!(
        q(&r),
        vec![(2, R::WrongFieldCount), (3, R::WrongFieldCount)]
    );
    assert_eq!(
        r.quarantine[0].detail,
        "31 fields, more than `max_columns` = 20"
    );
    assert_eq!(
        r.quarantine[1].detail,
        "31 fields, more than `max_columns` = 20"
    );
    assert_eq!(r.report.accepted, 2);

    let r = read(&opts(path, 31), 100).unwrap();
    assert!(r.quarantine.is_empty(), "{:?}", r.quarantine);
}

#[test]
fn parquet_wider_than_max_columns_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("wide.parquet");
    let fields: Vec<Field> = std::iter::once("id".to_owned())
        .chain((1..12).map(|i| format!("c{i}")))
        .map(|n| Field::new(n, DataType::Utf8, true))
        .collect();
    let cols: Vec<ArrayRef> = (0..12)
        .map(|i| Arc::new(StringArray::from(vec![format!("{i}")])) as ArrayRef)
        .collect();
    let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), cols).unwrap();
    let mut w = parquet::arrow::ArrowWriter::try_new(
        std::fs::File::create(&path).unwrap(),
        batch.schema(),
        None,
    )
    .unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();

    let err = err_of(&opts(path.clone(), 11));
    assert!(
        err.contains("12 columns, more than `max_columns` = 11"),
        "{err}"
    );
    assert_eq!(read(&opts(path, 12), 100).unwrap().report.accepted, 1);
}
