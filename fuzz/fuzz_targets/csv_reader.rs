//! Arbitrary bytes after a CSV header: no panic, rows conserved.
#![no_main]

mod common;

use cim_ingest::Format;
use cim_schema::CanonicalField;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut bytes = b"id,email,name\n".to_vec();
    bytes.extend_from_slice(data);
    common::read_all(
        "in.csv",
        Format::Csv,
        &bytes,
        &[
            (CanonicalField::SourceKey, "id"),
            (CanonicalField::Email, "email"),
            (CanonicalField::FullName, "name"),
        ],
    );
    // Without a header too: the first line becomes the header.
    common::read_all(
        "raw.csv",
        Format::Csv,
        data,
        &[(CanonicalField::Email, "email")],
    );
});
