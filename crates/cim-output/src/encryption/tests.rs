use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use arrow::array::{ArrayRef, ListBuilder, StringArray, StringBuilder};
use arrow::datatypes::{DataType, Field, Schema};
use arrow::record_batch::RecordBatch;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::Compression;

use super::*;
use crate::{OutputWriter, ParquetOptions, read_parquet};

const KEY_HEX: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

fn customers() -> RecordBatch {
    let mut emails = ListBuilder::new(StringBuilder::new());
    for row in [
        &["alice.smith@example.com", "a.smith@work.example"][..],
        &[][..],
        &["bob.jones@example.org"][..],
    ] {
        for e in row {
            emails.values().append_value(e);
        }
        emails.append(true);
    }
    let ids: ArrayRef = Arc::new(StringArray::from(vec!["G01", "G02", "G03"]));
    let names: ArrayRef = Arc::new(StringArray::from(vec![
        Some("Alice Smith"),
        None,
        Some("Robert Jones"),
    ]));
    let cities: ArrayRef = Arc::new(StringArray::from(vec!["Leeds", "York", "Hull"]));
    let emails: ArrayRef = Arc::new(emails.finish());
    let schema = Arc::new(Schema::new(vec![
        Field::new("golden_id", DataType::Utf8, false),
        Field::new("full_name", DataType::Utf8, true),
        Field::new("email", emails.data_type().clone(), true),
        Field::new("city", DataType::Utf8, false),
    ]));
    RecordBatch::try_new(schema, vec![ids, names, emails, cities]).unwrap()
}

fn key_file(dir: &Path) -> KeySource {
    let path = dir.join("master.key");
    std::fs::write(&path, format!("{KEY_HEX}\n")).unwrap();
    KeySource::File(path)
}

fn encryption(source: KeySource, plaintext_footer: bool) -> ParquetEncryption {
    ParquetEncryption {
        key: source.load().unwrap(),
        columns: BTreeSet::from(["full_name".to_owned(), "email".to_owned()]),
        plaintext_footer,
    }
}

/// Writes `batch` as `out/<name>` (uncompressed, so plaintext would show in
/// the bytes) and returns the file's path.
fn write(out: &Path, name: &str, batch: &RecordBatch, enc: Option<ParquetEncryption>) -> PathBuf {
    let mut w = OutputWriter::begin(out).unwrap();
    let opts = ParquetOptions {
        compression: Compression::UNCOMPRESSED,
        encryption: enc,
        ..ParquetOptions::default()
    };
    w.write_parquet(name, batch.schema(), std::slice::from_ref(batch), &opts)
        .unwrap();
    w.commit().unwrap();
    out.join(name)
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[test]
fn encrypted_columns_round_trip_and_hide_their_values() {
    let tmp = tempfile::tempdir().unwrap();
    let source = key_file(tmp.path());
    let batch = customers();

    let plain = write(&tmp.path().join("plain"), "m.parquet", &batch, None);
    let bytes = std::fs::read(&plain).unwrap();
    assert!(
        contains(&bytes, "alice.smith@example.com"),
        "control: plain file shows values"
    );

    for plaintext_footer in [true, false] {
        let out = tmp.path().join(format!("enc-{plaintext_footer}"));
        let path = write(
            &out,
            "m.parquet",
            &batch,
            Some(encryption(source.clone(), plaintext_footer)),
        );
        let bytes = std::fs::read(&path).unwrap();
        for secret in [
            "alice.smith@example.com",
            "bob.jones@example.org",
            "Robert Jones",
        ] {
            assert!(
                !contains(&bytes, secret),
                "`{secret}` in clear (footer plain: {plaintext_footer})"
            );
        }
        // Unencrypted columns stay in clear; the key is never written.
        assert!(contains(&bytes, "Leeds"));
        assert!(!contains(&bytes, KEY_HEX));
        assert_eq!(
            &bytes[bytes.len() - 4..],
            if plaintext_footer { b"PAR1" } else { b"PARE" }
        );

        let (_, back) = read_parquet(&path).unwrap();
        assert_eq!(
            back,
            vec![batch.clone()],
            "decrypted content equals the input"
        );

        let recovered = parquet_encryption(&path).unwrap().expect("encrypted file");
        assert_eq!(recovered.columns, encryption(source.clone(), true).columns);
        assert_eq!(recovered.plaintext_footer, plaintext_footer);
        assert_eq!(recovered.key.source(), &source);
    }
}

#[test]
fn reading_without_the_key_fails_naming_the_key_source_only() {
    let tmp = tempfile::tempdir().unwrap();
    let source = key_file(tmp.path());
    let batch = customers();
    let with_plain_footer = write(
        &tmp.path().join("a"),
        "m.parquet",
        &batch,
        Some(encryption(source.clone(), true)),
    );
    let with_enc_footer = write(
        &tmp.path().join("b"),
        "m.parquet",
        &batch,
        Some(encryption(source.clone(), false)),
    );
    let KeySource::File(key_path) = &source else {
        unreachable!()
    };
    std::fs::remove_file(key_path).unwrap();

    for path in [&with_plain_footer, &with_enc_footer] {
        let err = read_parquet(path).unwrap_err().to_string();
        assert!(err.contains(&source.id()), "{err}");
        assert!(err.contains("cannot read key file"), "{err}");
        assert!(!err.contains(KEY_HEX), "{err}");
    }

    // A wrong key does not decrypt either.
    std::fs::write(key_path, "ffeeddccbbaa99887766554433221100").unwrap();
    assert!(read_parquet(&with_enc_footer).is_err());
    assert!(read_parquet(&with_plain_footer).is_err());

    // Without decryption properties a plaintext footer still gives the
    // schema and the unencrypted columns; an encrypted footer gives nothing.
    let file = std::fs::File::open(&with_plain_footer).unwrap();
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
    assert_eq!(builder.schema().fields().len(), 4);
    let mask = ProjectionMask::roots(builder.parquet_schema(), [0, 3]);
    let rows: Vec<RecordBatch> = builder
        .with_projection(mask)
        .build()
        .unwrap()
        .collect::<std::result::Result<_, _>>()
        .unwrap();
    assert_eq!(rows[0].num_rows(), 3);
    assert_eq!(rows[0].num_columns(), 2);
    let file = std::fs::File::open(&with_enc_footer).unwrap();
    assert!(ParquetRecordBatchReaderBuilder::try_new(file).is_err());
}

#[test]
fn files_without_listed_columns_are_written_plain() {
    let tmp = tempfile::tempdir().unwrap();
    let source = key_file(tmp.path());
    let batch = customers().project(&[0, 3]).unwrap();
    let path = write(
        &tmp.path().join("o"),
        "x.parquet",
        &batch,
        Some(encryption(source, false)),
    );
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(&bytes[bytes.len() - 4..], b"PAR1");
    assert!(parquet_encryption(&path).unwrap().is_none());
    let file = std::fs::File::open(&path).unwrap();
    assert!(ParquetRecordBatchReaderBuilder::try_new(file).is_ok());
}

#[test]
fn keys_decode_from_hex_or_base64_with_clear_errors() {
    use base64::Engine as _;
    let b64 = |n: usize| base64::engine::general_purpose::STANDARD.encode(vec![7u8; n]);
    for (text, ok_len) in [
        ("00112233445566778899aabbccddeeff".to_owned(), Some(16)),
        (
            "00112233445566778899AABBCCDDEEFF0011223344556677".to_owned(),
            Some(24),
        ),
        (KEY_HEX.to_owned(), Some(32)),
        (b64(16), Some(16)),
        (b64(32), Some(32)),
        (b64(20), None),
        ("0011".to_owned(), None),
        ("not a key!".to_owned(), None),
        (String::new(), None),
    ] {
        match (decode_key(&text), ok_len) {
            (Ok(k), Some(n)) => assert_eq!(k.len(), n, "{text}"),
            (Err(e), None) => {
                assert!(e.contains("expected 32, 48 or 64 hex digits"), "{e}");
                if !text.is_empty() {
                    assert!(!e.contains(&text), "the key text leaks: {e}");
                }
            }
            (r, _) => panic!("`{text}`: unexpected {r:?}"),
        }
    }
    let err = KeySource::Env("CIM_TEST_KEY_THAT_IS_NEVER_SET".into())
        .load()
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "encryption key `env:CIM_TEST_KEY_THAT_IS_NEVER_SET`: environment variable \
         `CIM_TEST_KEY_THAT_IS_NEVER_SET` is not set"
    );
    let tmp = tempfile::tempdir().unwrap();
    let short = tmp.path().join("short.key");
    std::fs::write(&short, "abcd").unwrap();
    let err = KeySource::File(short).load().unwrap_err().to_string();
    assert!(err.contains("decodes to 2 bytes"), "{err}");
    assert!(!err.contains("abcd"), "{err}");
    assert!(EncryptionKey::new(vec![0; 15], KeySource::Env("K".into())).is_err());
    let k = EncryptionKey::new(vec![0xab; 16], KeySource::Env("K".into())).unwrap();
    assert_eq!(format!("{k:?}"), "EncryptionKey(env:K, 16 bytes)");
}

#[test]
fn key_metadata_is_pyarrow_key_material() {
    let v: serde_json::Value = serde_json::from_slice(&key_material("env:K", true)).unwrap();
    assert_eq!(v["keyMaterialType"], "PKMT1");
    assert_eq!(v["internalStorage"], true);
    assert_eq!(v["isFooterKey"], true);
    assert_eq!(v["kmsInstanceID"], "DEFAULT");
    assert_eq!(v["masterKeyID"], "env:K");
    assert_eq!(v["wrappedDEK"], DIRECT_KEY);
    assert_eq!(v["doubleWrapping"], false);
    let c: serde_json::Value = serde_json::from_slice(&key_material("file:/k", false)).unwrap();
    assert_eq!(c["isFooterKey"], false);
    assert!(c.get("kmsInstanceID").is_none());
    assert_eq!(
        KeySource::from_id("file:/k"),
        Some(KeySource::File("/k".into()))
    );
    assert_eq!(KeySource::from_id("vault:x"), None);
}
