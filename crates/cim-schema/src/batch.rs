//! Small helpers for reading and building the string-heavy batches that
//! stages exchange, so each stage does not re-implement column lookup.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, StringArray, StringBuilder, UInt8Array, UInt64Array};
use arrow::datatypes::SchemaRef;
use arrow::error::ArrowError;
use arrow::record_batch::RecordBatch;

/// The `Utf8` column `name` of `batch`, or an error naming the column.
pub fn str_col<'a>(batch: &'a RecordBatch, name: &str) -> Result<&'a StringArray, ArrowError> {
    batch
        .column_by_name(name)
        .ok_or_else(|| ArrowError::SchemaError(format!("missing column `{name}`")))?
        .as_any()
        .downcast_ref::<StringArray>()
        .ok_or_else(|| ArrowError::SchemaError(format!("column `{name}` is not Utf8")))
}

/// The `UInt8` column `name` of `batch` (status codes).
pub fn u8_col<'a>(batch: &'a RecordBatch, name: &str) -> Result<&'a UInt8Array, ArrowError> {
    batch
        .column_by_name(name)
        .ok_or_else(|| ArrowError::SchemaError(format!("missing column `{name}`")))?
        .as_any()
        .downcast_ref::<UInt8Array>()
        .ok_or_else(|| ArrowError::SchemaError(format!("column `{name}` is not UInt8")))
}

/// The `UInt64` column `name` of `batch` (line numbers).
pub fn u64_col<'a>(batch: &'a RecordBatch, name: &str) -> Result<&'a UInt64Array, ArrowError> {
    batch
        .column_by_name(name)
        .ok_or_else(|| ArrowError::SchemaError(format!("missing column `{name}`")))?
        .as_any()
        .downcast_ref::<UInt64Array>()
        .ok_or_else(|| ArrowError::SchemaError(format!("column `{name}` is not UInt64")))
}

/// Value at `row` of a string array, `None` when null.
#[inline]
pub fn opt_str(array: &StringArray, row: usize) -> Option<&str> {
    if array.is_null(row) {
        None
    } else {
        Some(array.value(row))
    }
}

/// Builds a `Utf8` array from optional strings.
pub fn string_array<S: AsRef<str>>(values: impl IntoIterator<Item = Option<S>>) -> ArrayRef {
    let mut b = StringBuilder::new();
    for v in values {
        b.append_option(v);
    }
    Arc::new(b.finish())
}

/// Builds a batch, with columns given in schema order.
pub fn batch(schema: SchemaRef, columns: Vec<ArrayRef>) -> Result<RecordBatch, ArrowError> {
    RecordBatch::try_new(schema, columns)
}
