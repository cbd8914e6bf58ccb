//! Shared by the reader targets: write the input to a file, read it as a
//! source, check that every row read is accepted or quarantined.

use std::collections::BTreeMap;

use cim_ingest::{ColumnSource, Format, SourceOptions};
use cim_schema::CanonicalField;

pub fn read_all(name: &str, format: Format, bytes: &[u8], columns: &[(CanonicalField, &str)]) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).expect("write input");
    let opts = SourceOptions {
        name: "src".into(),
        path,
        format,
        columns: columns
            .iter()
            .map(|(f, c)| (*f, ColumnSource::from(*c)))
            .collect::<BTreeMap<_, _>>(),
        max_field_bytes: 64,
        ..SourceOptions::default()
    };
    let Ok(mut reader) = cim_ingest::open_source(&opts, 7) else {
        return;
    };
    let (mut accepted, mut quarantined) = (0u64, 0u64);
    for chunk in reader.by_ref() {
        let Ok(chunk) = chunk else { return };
        accepted += chunk.batch.num_rows() as u64;
        quarantined += chunk.quarantine.len() as u64;
    }
    let r = reader.report();
    assert_eq!(r.accepted, accepted);
    assert_eq!(r.quarantined, quarantined);
    assert_eq!(r.rows_read, r.accepted + r.quarantined, "row conservation");
}
