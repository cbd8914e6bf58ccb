use std::collections::HashMap;
use std::sync::Arc;

use arrow::array::{ArrayRef, Float64Array, Int64Array, ListArray, StringArray, StructArray};
use arrow::buffer::OffsetBuffer;
use arrow::datatypes::{Field, Fields};
use parquet::file::reader::{FileReader, SerializedFileReader};

use super::*;
use crate::{OutputWriter, ParquetOptions};

/// Writes `batch` through [`OutputWriter`] and returns, per leaf column
/// path (`a.b`), whether its first row group has a dictionary page.
fn dictionary_pages(batch: RecordBatch) -> HashMap<String, bool> {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let mut w = OutputWriter::begin(&out).unwrap();
    w.write_parquet(
        "t.parquet",
        batch.schema(),
        &[batch],
        &ParquetOptions::default(),
    )
    .unwrap();
    w.commit().unwrap();
    let file = std::fs::File::open(out.join("t.parquet")).unwrap();
    let reader = SerializedFileReader::new(file).unwrap();
    let group = reader.metadata().row_group(0);
    group
        .columns()
        .iter()
        .map(|c| {
            (
                c.column_path().string(),
                c.dictionary_page_offset().is_some(),
            )
        })
        .collect()
}

fn strings(values: impl IntoIterator<Item = String>) -> ArrayRef {
    Arc::new(StringArray::from_iter_values(values))
}

#[test]
fn near_unique_columns_are_written_plain_and_repeating_ones_with_a_dictionary() {
    let n = 1000;
    let ids = strings((0..n).map(|i| format!("crm:{i:06}")));
    let countries = strings((0..n).map(|i| ["GB", "CN", "DE"][i % 3].to_owned()));
    // 60% distinct: repeats enough for a dictionary to pay.
    let cities = strings((0..n).map(|i| format!("city{}", i % 600)));
    let lines: ArrayRef = Arc::new(Int64Array::from_iter_values(0..n as i64));
    let weights: ArrayRef = Arc::new(Float64Array::from_iter_values(
        (0..n).map(|i| [1.5, -2.0][i % 2]),
    ));
    let schema = Arc::new(Schema::new(vec![
        Field::new("record_id", DataType::Utf8, false),
        Field::new("country", DataType::Utf8, false),
        Field::new("city", DataType::Utf8, false),
        Field::new("line", DataType::Int64, false),
        Field::new("weight", DataType::Float64, false),
    ]));
    let batch = RecordBatch::try_new(schema, vec![ids, countries, cities, lines, weights]).unwrap();
    let dict = dictionary_pages(batch);
    assert!(!dict["record_id"], "{dict:?}");
    assert!(!dict["line"], "{dict:?}");
    assert!(dict["country"], "{dict:?}");
    assert!(dict["city"], "{dict:?}");
    assert!(dict["weight"], "{dict:?}");
}

#[test]
fn nested_leaves_are_judged_one_by_one() {
    let n = 500;
    // Like the master's lineage: one near-unique child, one repeating child.
    let lineage = StructArray::new(
        Fields::from(vec![
            Field::new("email", DataType::Utf8, false),
            Field::new("source", DataType::Utf8, false),
        ]),
        vec![
            strings((0..n).map(|i| format!("crm:{i}"))),
            strings((0..n).map(|i| ["crm", "webshop"][i % 2].to_owned())),
        ],
        None,
    );
    // A list of two distinct phones per row.
    let item = Arc::new(Field::new("item", DataType::Utf8, true));
    let phones = ListArray::new(
        Arc::clone(&item),
        OffsetBuffer::from_lengths(std::iter::repeat_n(2, n)),
        strings((0..2 * n).map(|i| format!("+4477009{i:05}"))),
        None,
    );
    let schema = Arc::new(Schema::new(vec![
        Field::new("lineage", lineage.data_type().clone(), false),
        Field::new("phone", DataType::List(item), false),
    ]));
    let batch = RecordBatch::try_new(schema, vec![Arc::new(lineage), Arc::new(phones)]).unwrap();
    let dict = dictionary_pages(batch);
    assert!(!dict["lineage.email"], "{dict:?}");
    assert!(dict["lineage.source"], "{dict:?}");
    assert!(!dict["phone.list.item"], "{dict:?}");
}

#[test]
fn small_samples_keep_the_dictionary() {
    let ids = strings((0..10).map(|i| format!("id{i}")));
    let schema = Arc::new(Schema::new(vec![Field::new("id", DataType::Utf8, false)]));
    let dict = dictionary_pages(RecordBatch::try_new(schema, vec![ids]).unwrap());
    assert!(dict["id"], "{dict:?}");
}
