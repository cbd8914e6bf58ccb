//! Arbitrary bytes as JSON Lines: no panic, rows conserved.
#![no_main]

mod common;

use cim_ingest::Format;
use cim_schema::CanonicalField;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut bytes = b"{\"id\":1,\"email\":\"a@b.c\",\"address\":{\"city\":\"X\"}}\n".to_vec();
    bytes.extend_from_slice(data);
    common::read_all(
        "in.jsonl",
        Format::Jsonl,
        &bytes,
        &[
            (CanonicalField::SourceKey, "id"),
            (CanonicalField::Email, "email"),
            (CanonicalField::City, "address.city"),
        ],
    );
});
