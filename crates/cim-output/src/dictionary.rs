//! Which columns of a file get Parquet dictionary encoding.
//!
//! A dictionary pays when values repeat (source, country, city, levels).
//! For near-unique columns (record ids, row hashes, emails, phones,
//! weights) every value is a dictionary miss: the writer hashes it, grows
//! its table and copies it, only to fall back to plain encoding once the
//! dictionary page is full, or, in row groups too small to fill it, to
//! store each value once in the dictionary plus an index, which is no
//! smaller than plain. At 100k records that interning was 10% of a run's
//! CPU. So the first batch is sampled and columns whose sample is nearly
//! all distinct are written plain. The decision depends on the data only,
//! so output stays byte-identical for the same input.

use std::collections::HashSet;

use arrow::array::{Array, ArrayRef, AsArray, GenericListArray, OffsetSizeTrait};
use arrow::datatypes::{DataType, Schema};
use arrow::record_batch::RecordBatch;
use parquet::arrow::ArrowSchemaConverter;
use parquet::file::properties::WriterPropertiesBuilder;
use parquet::schema::types::ColumnPath;

/// Values sampled per leaf column.
const SAMPLE: usize = 4096;
/// Fewer non-null values than this in the sample say too little: keep the
/// dictionary (the default).
const MIN_SAMPLE: usize = 64;
/// Distinct share of the sample from which a column counts as near-unique.
/// For a 16-byte string with a 17-bit index the dictionary stops saving
/// bytes at about 0.9 distinct; a small sample also overstates the share of
/// long-tailed columns (family names), so this errs towards dictionaries.
const NEAR_UNIQUE: f64 = 0.9;

/// Turns dictionary encoding off for every leaf column of `schema` whose
/// values in `first` are near-unique. Leaves the builder unchanged when the
/// schema's leaves cannot be matched to arrays (an unexpected nested type).
pub(crate) fn plain_for_unique_columns(
    mut props: WriterPropertiesBuilder,
    schema: &Schema,
    first: &RecordBatch,
) -> WriterPropertiesBuilder {
    let Ok(descr) = ArrowSchemaConverter::new().convert(schema) else {
        return props;
    };
    let mut leaves = Vec::new();
    for column in first.columns() {
        if !leaf_arrays(column, &mut leaves) {
            return props;
        }
    }
    if leaves.len() != descr.num_columns() {
        return props;
    }
    for (i, leaf) in leaves.iter().enumerate() {
        if leaf.as_ref().is_some_and(|a| near_unique(a.as_ref())) {
            let path = ColumnPath::new(descr.column(i).path().parts().to_vec());
            props = props.set_column_dictionary_enabled(path, false);
        }
    }
    props
}

/// Pushes the arrays of `array`'s Parquet leaf columns, depth first as the
/// Parquet schema orders them (`None` for a leaf that is not sampled).
/// Returns false for a type whose leaves are not known here.
fn leaf_arrays(array: &ArrayRef, out: &mut Vec<Option<ArrayRef>>) -> bool {
    match array.data_type() {
        DataType::Struct(_) => array
            .as_struct()
            .columns()
            .iter()
            .all(|c| leaf_arrays(c, out)),
        DataType::List(_) => list_leaves(array.as_list::<i32>(), out),
        DataType::LargeList(_) => list_leaves(array.as_list::<i64>(), out),
        DataType::Map(..)
        | DataType::FixedSizeList(..)
        | DataType::ListView(_)
        | DataType::LargeListView(_)
        | DataType::Union(..)
        | DataType::RunEndEncoded(..) => false,
        _ => {
            out.push(Some(array.clone()));
            true
        }
    }
}

/// The leaves of a list's values, as far as the (maybe sliced) list reaches.
fn list_leaves<O: OffsetSizeTrait>(
    list: &GenericListArray<O>,
    out: &mut Vec<Option<ArrayRef>>,
) -> bool {
    let offsets = list.value_offsets();
    let (start, end) = (offsets[0].as_usize(), offsets[list.len()].as_usize());
    leaf_arrays(&list.values().slice(start, end - start), out)
}

/// Whether the first [`SAMPLE`] values of `array` are nearly all distinct.
fn near_unique(array: &dyn Array) -> bool {
    match array.data_type() {
        DataType::Utf8 => {
            let a = array.as_string::<i32>();
            mostly_distinct(array, |i| Some(a.value(i).as_bytes()))
        }
        DataType::LargeUtf8 => {
            let a = array.as_string::<i64>();
            mostly_distinct(array, |i| Some(a.value(i).as_bytes()))
        }
        DataType::Binary => {
            let a = array.as_binary::<i32>();
            mostly_distinct(array, |i| Some(a.value(i)))
        }
        DataType::LargeBinary => {
            let a = array.as_binary::<i64>();
            mostly_distinct(array, |i| Some(a.value(i)))
        }
        dt if dt.is_primitive() => {
            let data = array.to_data();
            let (Some(width), Some(buffer)) = (dt.primitive_width(), data.buffers().first()) else {
                return false;
            };
            let (bytes, offset) = (buffer.as_slice(), data.offset());
            mostly_distinct(array, |i| {
                bytes.get((offset + i) * width..(offset + i + 1) * width)
            })
        }
        _ => false,
    }
}

/// [`near_unique`] over the bytes `value` gives for each present row
/// (`None`: past the buffer, not sampled at all).
fn mostly_distinct<'a>(array: &dyn Array, value: impl Fn(usize) -> Option<&'a [u8]>) -> bool {
    let n = array.len().min(SAMPLE);
    let mut seen: HashSet<&[u8]> = HashSet::with_capacity(n);
    let mut count = 0usize;
    for i in (0..n).filter(|&i| array.is_valid(i)) {
        let Some(v) = value(i) else {
            return false;
        };
        seen.insert(v);
        count += 1;
    }
    count >= MIN_SAMPLE && seen.len() as f64 >= NEAR_UNIQUE * count as f64
}

#[cfg(test)]
mod tests;
