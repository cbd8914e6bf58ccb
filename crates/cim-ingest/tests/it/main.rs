//! Integration tests of cim-ingest against the committed fixtures in
//! `fixtures/ingest/` (see its README) and generated Parquet/Arrow files.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, BinaryArray, Date32Array, Float64Array, Int64Array, ListBuilder, StringArray,
    StringBuilder, StructArray,
};
use arrow::datatypes::{DataType, Field, Schema};
use arrow::record_batch::RecordBatch;
use cim_ingest::{
    ColumnSource, DuplicateKeyPolicy, Error, Format, SourceOptions, SourceReport, open_source,
    profile_source, render_profile, resolve_duplicate_keys,
};
use cim_schema::batch::{str_col, u64_col};
use cim_schema::{CanonicalField as F, QuarantineReason as R, QuarantineRow, raw_schema};

mod limits;

fn fx(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/ingest")
        .join(name)
}

/// Options for the `id,name,phone,city` layout most fixtures share.
fn basic(path: PathBuf) -> SourceOptions {
    let mut o = SourceOptions::from_path(path);
    o.name = "crm".into();
    for (f, c) in [
        (F::SourceKey, "id"),
        (F::FullName, "name"),
        (F::Phone, "phone"),
        (F::City, "city"),
    ] {
        o.columns.insert(f, c.into());
    }
    o
}

struct Read {
    batches: Vec<RecordBatch>,
    quarantine: Vec<QuarantineRow>,
    report: SourceReport,
}

fn read(opts: &SourceOptions, batch_rows: usize) -> Result<Read, Error> {
    let mut reader = open_source(opts, batch_rows)?;
    let mut batches = Vec::new();
    let mut quarantine = Vec::new();
    for chunk in reader.by_ref() {
        let chunk = chunk?;
        assert_eq!(chunk.batch.schema(), raw_schema(), "raw schema exactly");
        let read_in_chunk = chunk.batch.num_rows() + chunk.quarantine.len();
        assert!(read_in_chunk > 0, "no empty chunks");
        assert!(
            read_in_chunk <= batch_rows.max(1),
            "chunk holds {read_in_chunk} > {batch_rows} rows"
        );
        batches.push(chunk.batch);
        quarantine.extend(chunk.quarantine);
    }
    let r = Read {
        batches,
        quarantine,
        report: reader.report().clone(),
    };
    assert_conserved(&r);
    Ok(r)
}

fn assert_conserved(r: &Read) {
    let rep = &r.report;
    for f in &rep.files {
        assert_eq!(f.rows_read, f.accepted + f.quarantined, "file {}", f.file);
        assert_eq!(
            f.quarantined,
            f.quarantined_by_reason.values().sum::<u64>(),
            "file {}",
            f.file
        );
    }
    assert_eq!(rep.rows_read, rep.accepted + rep.quarantined);
    assert_eq!(
        rep.rows_read,
        rep.files.iter().map(|f| f.rows_read).sum::<u64>()
    );
    assert_eq!(
        rep.accepted,
        r.batches.iter().map(|b| b.num_rows() as u64).sum::<u64>()
    );
    assert_eq!(rep.quarantined, r.quarantine.len() as u64);
}

fn col(r: &Read, name: &str) -> Vec<Option<String>> {
    r.batches
        .iter()
        .flat_map(|b| {
            let a = str_col(b, name).unwrap();
            (0..a.len())
                .map(|i| (!a.is_null(i)).then(|| a.value(i).to_owned()))
                .collect::<Vec<_>>()
        })
        .collect()
}

fn lines(r: &Read) -> Vec<u64> {
    r.batches
        .iter()
        .flat_map(|b| u64_col(b, "line").unwrap().values().to_vec())
        .collect()
}

fn q(r: &Read) -> Vec<(u64, R)> {
    r.quarantine
        .iter()
        .map(|q| (q.line.unwrap(), q.reason))
        .collect()
}

fn s(v: &str) -> Option<String> {
    Some(v.to_owned())
}

#[test]
fn clean_csv_with_bom_crlf_quotes_comments() {
    let mut o = basic(fx("clean_bom_crlf.csv"));
    o.csv.comment = Some('#');
    let r = read(&o, 100).unwrap();
    assert!(r.quarantine.is_empty(), "{:?}", r.quarantine);
    assert_eq!(col(&r, "source_key"), vec![s("1"), s("2"), s("3")]);
    assert_eq!(
        col(&r, "full_name"),
        vec![s("Alice Martin"), s("Bob Stone"), s("Zoë Ålund")]
    );
    assert_eq!(
        col(&r, "city"),
        vec![s("Paris"), s("New\r\nYork"), s("Malmö")]
    );
    assert_eq!(col(&r, "phone")[2], None, "empty field is null");
    // Header line 1, comment on 3, a record spanning 4-5, a blank line 6.
    assert_eq!(lines(&r), vec![2, 4, 7]);
    assert_eq!(
        col(&r, "extra"),
        vec![
            s(r#"{"notes":"likes \"quotes\", commas"}"#),
            None,
            s(r#"{"notes":"plain"}"#)
        ]
    );
    assert_eq!(
        col(&r, "record_id"),
        vec![s("crm:1"), s("crm:2"), s("crm:3")]
    );
    assert_eq!(col(&r, "source"), vec![s("crm"); 3]);
    // row_hash covers the source row's values in column order.
    let h = cim_schema::ids::row_hash(
        [
            "1",
            "Alice Martin",
            "+33 6 12 34 56 78",
            "Paris",
            "likes \"quotes\", commas",
        ]
        .map(Some),
    );
    assert_eq!(col(&r, "row_hash")[0], Some(format!("{h:016x}")));
    let f = &r.report.files[0];
    assert_eq!((f.format.as_str(), f.encoding.as_str()), ("csv", "UTF-8"));

    // Without the comment option the comment line is a 1-field record.
    let r = read(&basic(fx("clean_bom_crlf.csv")), 100).unwrap();
    assert_eq!(q(&r), vec![(3, R::WrongFieldCount)]);
}

#[test]
fn ragged_rows_are_quarantined_with_counts() {
    let r = read(&basic(fx("ragged.csv")), 100).unwrap();
    assert_eq!(col(&r, "source_key"), vec![s("1"), s("4")]);
    assert_eq!(
        q(&r),
        vec![(3, R::WrongFieldCount), (4, R::WrongFieldCount)]
    );
    assert_eq!(r.quarantine[0].detail, "expected 4 fields, found 6");
    assert_eq!(r.quarantine[1].detail, "expected 4 fields, found 2");
    assert_eq!(r.quarantine[0].raw, "2,Ben Ray,555-0002,York,extra,more");
    assert_eq!(r.quarantine[0].file, fx("ragged.csv").display().to_string());
    assert_eq!(r.report.quarantined_by_reason["wrong_field_count"], 2);
}

#[test]
fn unterminated_quote_quarantines_its_line_and_resumes() {
    let r = read(&basic(fx("unterminated_quote.csv")), 100).unwrap();
    assert_eq!(col(&r, "source_key"), vec![s("1"), s("3"), s("4")]);
    assert_eq!(lines(&r), vec![2, 4, 5]);
    assert_eq!(
        q(&r),
        vec![(3, R::UnterminatedQuote), (6, R::UnterminatedQuote)]
    );
    assert_eq!(r.quarantine[0].raw, "2,\"Ben Ray,555-0002,York");
    assert!(
        r.quarantine[0].detail.contains("line 3"),
        "{}",
        r.quarantine[0].detail
    );
    assert_eq!(r.quarantine[1].raw, "5,Eve Kim,555-0005,\"Wells");
    assert!(
        r.quarantine[1].detail.contains("never closed"),
        "{}",
        r.quarantine[1].detail
    );
}

#[test]
fn legit_multiline_fields_stay_and_wrong_width_multiline_records_are_split() {
    let dir = tempfile::tempdir().unwrap();
    // Line 2-3: a legit quoted newline. Line 4: a stray quote closed by the
    // quote on line 6, swallowing line 5: the record has the wrong width.
    let p = write(
        dir.path(),
        "m.csv",
        "id,name,phone,city\n1,\"Ann\nLee\",555,Leeds\n2,\"Ben,555,York\n3,Cat,555,Bath\n4,Dan,555,\"Hull\"\n",
    );
    let r = read(&basic(p), 10).unwrap();
    assert_eq!(col(&r, "source_key"), vec![s("1"), s("3"), s("4")]);
    assert_eq!(col(&r, "full_name")[0], s("Ann\nLee"));
    assert_eq!(q(&r), vec![(4, R::UnterminatedQuote)]);
    assert!(
        r.quarantine[0]
            .detail
            .contains("has 2 fields, expected 4; resumed on line 5"),
        "{}",
        r.quarantine[0].detail
    );
    assert_eq!(r.quarantine[0].raw, "2,\"Ben,555,York");
    assert_eq!(lines(&r), vec![2, 5, 6]);
}

#[test]
fn invalid_utf8_is_quarantined_replaced_or_decoded_by_fallback() {
    let r = read(&basic(fx("invalid_utf8.csv")), 100).unwrap();
    assert_eq!(col(&r, "source_key"), vec![s("1"), s("3")]);
    assert_eq!(q(&r), vec![(3, R::InvalidEncoding)]);
    let bad = &r.quarantine[0];
    assert_eq!(bad.raw, "2,Ren\\xe9 Caf\\xff,555-0002,Lyon");
    assert!(
        bad.detail.contains("column 2 (`name`)") && bad.detail.contains("UTF-8"),
        "{}",
        bad.detail
    );
    assert!(!bad.detail.contains("Ren"), "no customer values in details");

    let mut o = basic(fx("invalid_utf8.csv"));
    o.replace_invalid = true;
    let r = read(&o, 100).unwrap();
    assert_eq!(col(&r, "full_name")[1], s("Ren\u{FFFD} Caf\u{FFFD}"));

    let mut o = basic(fx("invalid_utf8.csv"));
    o.fallback_encoding = Some("windows-1252".into());
    let r = read(&o, 100).unwrap();
    assert!(r.quarantine.is_empty());
    assert_eq!(col(&r, "full_name")[1], s("René Cafÿ"));
    assert_eq!(r.report.fallback_decoded, 1);

    // Declared UTF-8 (not auto): the fallback does not apply.
    let mut o = basic(fx("invalid_utf8.csv"));
    o.encoding = "utf-8".into();
    o.fallback_encoding = Some("windows-1252".into());
    assert_eq!(q(&read(&o, 100).unwrap()), vec![(3, R::InvalidEncoding)]);
}

#[test]
fn every_encoding_decodes_real_rows() {
    let cn = ["张伟", "王芳", "李娜"];
    let eu = ["François Müller", "José Nuñez", "Œdipe Straße"];
    /// (fixture, declared encoding, escape, expected names, encoding used)
    type Case<'a> = (&'a str, &'a str, Option<char>, &'a [&'a str], &'a str);
    let table: &[Case<'_>] = &[
        ("gbk.csv", "gbk", None, &cn, "GBK"),
        ("gbk.csv", "gb18030", None, &cn, "gb18030"),
        ("gb18030.csv", "gb18030", None, &["𠮷田"], "gb18030"),
        ("big5.csv", "big5", None, &["陳志明", "林淑芬"], "Big5"),
        (
            "shift_jis.csv",
            "shift_jis",
            None,
            &["山田太郎", "ソニー表"],
            "Shift_JIS",
        ),
        // A `\` escape collides with Shift_JIS trail bytes: stream decoding.
        (
            "shift_jis.csv",
            "shift_jis",
            Some('\\'),
            &["山田太郎", "ソニー表"],
            "Shift_JIS",
        ),
        (
            "euc_kr.csv",
            "euc-kr",
            None,
            &["김민준", "이서연"],
            "EUC-KR",
        ),
        ("windows1252.csv", "windows-1252", None, &eu, "windows-1252"),
        ("windows1252.csv", "latin1", None, &eu, "windows-1252"),
        (
            "utf16le_bom.csv",
            "auto",
            None,
            &[
                "张伟",
                "王芳",
                "李娜",
                "François Müller",
                "José Nuñez",
                "Œdipe Straße",
            ],
            "UTF-16LE",
        ),
        // A BOM wins over a wrong declaration.
        (
            "utf16le_bom.csv",
            "gbk",
            None,
            &[
                "张伟",
                "王芳",
                "李娜",
                "François Müller",
                "José Nuñez",
                "Œdipe Straße",
            ],
            "UTF-16LE",
        ),
    ];
    for (file, enc, escape, names, used) in table {
        let mut o = basic(fx(file));
        o.encoding = (*enc).into();
        o.csv.escape = *escape;
        let r = read(&o, 100).unwrap_or_else(|e| panic!("{file} as {enc}: {e}"));
        assert!(
            r.quarantine.is_empty(),
            "{file} as {enc}: {:?}",
            r.quarantine
        );
        let got = col(&r, "full_name");
        let want: Vec<Option<String>> = names.iter().map(|n| s(n)).collect();
        assert_eq!(got, want, "{file} as {enc}");
        assert_eq!(r.report.files[0].encoding, *used, "{file} as {enc}");
        assert_eq!(
            lines(&r),
            (2..2 + names.len() as u64).collect::<Vec<_>>(),
            "{file}"
        );
    }
    let r = read(
        &{
            let mut o = basic(fx("gbk.csv"));
            o.encoding = "gbk".into();
            o
        },
        100,
    )
    .unwrap();
    assert_eq!(col(&r, "phone")[0], s("138-1234-5678"));
    assert_eq!(col(&r, "city"), vec![s("北京"), s("上海"), s("广州")]);

    // Read as UTF-8, the GBK rows are quarantined, never garbled.
    let r = read(&basic(fx("gbk.csv")), 100).unwrap();
    assert_eq!(r.report.quarantined_by_reason["invalid_encoding"], 3);
    assert_eq!(r.report.accepted, 0);
    // ...unless GBK is the configured fallback.
    let mut o = basic(fx("gbk.csv"));
    o.fallback_encoding = Some("gbk".into());
    let r = read(&o, 100).unwrap();
    assert_eq!(
        col(&r, "full_name"),
        cn.iter().map(|n| s(n)).collect::<Vec<_>>()
    );
}

#[test]
fn utf16_invalid_sequence_quarantines_only_its_row() {
    let r = read(&basic(fx("utf16le_invalid.csv")), 100).unwrap();
    assert_eq!(col(&r, "source_key"), vec![s("1"), s("3")]);
    assert_eq!(lines(&r), vec![2, 4]);
    assert_eq!(q(&r), vec![(3, R::InvalidEncoding)]);
    assert!(
        r.quarantine[0].detail.contains("UTF-16LE"),
        "{}",
        r.quarantine[0].detail
    );
    let mut o = basic(fx("utf16le_invalid.csv"));
    o.replace_invalid = true;
    let r = read(&o, 100).unwrap();
    assert_eq!(col(&r, "full_name")[1], s("B\u{FFFD}b"));
}

#[test]
fn nul_bytes_and_oversized_fields() {
    let r = read(&basic(fx("nul_byte.csv")), 100).unwrap();
    assert_eq!(q(&r), vec![(2, R::NulByte)]);
    assert_eq!(r.quarantine[0].raw, "1,Ann\\x00Lee,555-0001,Leeds");
    assert!(r.quarantine[0].detail.contains("column 2 (`name`)"));

    let mut o = basic(fx("field_too_large.csv"));
    o.max_field_bytes = 64;
    let r = read(&o, 100).unwrap();
    assert_eq!(q(&r), vec![(3, R::FieldTooLarge)]);
    assert_eq!(
        r.quarantine[0].detail,
        "column 2 (`name`) has 100 bytes, limit 64"
    );
    assert_eq!(col(&r, "source_key"), vec![s("1"), s("3")]);
    // Default limit (64 KiB): accepted.
    assert_eq!(
        read(&basic(fx("field_too_large.csv")), 100)
            .unwrap()
            .report
            .accepted,
        3
    );
}

fn err_of(o: &SourceOptions) -> String {
    match open_source(o, 100) {
        Ok(_) => panic!("expected an error for {}", o.path.display()),
        Err(e) => e.to_string(),
    }
}

#[test]
fn unusable_sources_are_errors_naming_source_file_column() {
    let cases: &[(&str, &str)] = &[
        ("empty.csv", "is empty (0 bytes)"),
        ("header_only.csv", "has no data rows"),
        ("header_only_blank_lines.csv", "has no data rows"),
        (
            "duplicate_columns.csv",
            "duplicate column `name` (positions 2 and 4)",
        ),
        ("does_not_exist.csv", "not found"),
        ("glob/nothing-*.csv", "no file matches"),
    ];
    for (file, want) in cases {
        let msg = err_of(&basic(fx(file)));
        assert!(msg.contains(want), "{file}: {msg}");
        assert!(msg.contains("source `crm`"), "{file}: {msg}");
        assert!(
            msg.contains(file.trim_end_matches("nothing-*.csv")),
            "{file}: {msg}"
        );
    }
    let mut o = basic(fx("ragged.csv"));
    o.columns.insert(F::Email, "e_mail".into());
    let msg = err_of(&o);
    assert!(
        msg.contains("no column `e_mail` (mapped to `email`)") && msg.contains("ragged.csv"),
        "{msg}"
    );
    let mut o = basic(fx("ragged.csv"));
    o.required = vec![F::Email];
    assert!(err_of(&o).contains("required field `email` is not mapped"));
    let mut o = basic(fx("ragged.csv"));
    o.encoding = "klingon".into();
    assert!(err_of(&o).contains("unknown encoding `klingon`"));
    // Duplicate names can be renamed.
    let mut o = basic(fx("duplicate_columns.csv"));
    o.csv.column_names = Some(vec![
        "id".into(),
        "name".into(),
        "phone".into(),
        "alias".into(),
    ]);
    o.columns.remove(&F::City);
    let r = read(&o, 10).unwrap();
    assert_eq!(col(&r, "extra"), vec![s(r#"{"alias":"Ann B"}"#)]);
}

#[test]
fn delimiter_sniffing_headerless_and_case_insensitive_mapping() {
    let mut o = basic(fx("semicolon.csv"));
    o.columns.insert(F::FullName, " NAME ".into());
    let r = read(&o, 10).unwrap();
    assert_eq!(col(&r, "full_name"), vec![s("Anna Weiß"), s("Jan Kühn")]);

    let mut o = SourceOptions::from_path(fx("headerless.tsv"));
    o.csv.has_header = false;
    o.columns.insert(F::FullName, "column_2".into());
    let r = read(&o, 10).unwrap();
    assert_eq!(col(&r, "full_name"), vec![s("Ann Lee"), s("Ben Ray")]);
    assert_eq!(lines(&r), vec![1, 2]);
    assert_eq!(col(&r, "source"), vec![s("headerless"); 2]);

    let mut o = basic(fx("headerless.tsv"));
    o.csv.has_header = false;
    o.csv.column_names = Some(["id", "name", "phone", "city"].map(String::from).to_vec());
    let r = read(&o, 10).unwrap();
    assert_eq!(col(&r, "city"), vec![s("Leeds"), s("York")]);
}

#[test]
fn joined_columns_and_extra_like_febrl() {
    let mut o = SourceOptions::from_path(fx("febrl_like.csv"));
    o.name = "febrl".into();
    o.columns.insert(F::SourceKey, "rec_id".into());
    o.columns.insert(F::GivenName, "given_name".into());
    o.columns.insert(
        F::AddressLine1,
        ColumnSource::Many(vec!["street_number".into(), "address_1".into()]),
    );
    o.columns.insert(F::City, "suburb".into());
    let r = read(&o, 10).unwrap();
    assert_eq!(
        col(&r, "address_line1"),
        vec![s("69 giblin street"), s("goldfinch circuit")]
    );
    assert_eq!(
        col(&r, "extra"),
        vec![
            s(r#"{"postcode":"4814","surname":"berry"}"#),
            s(r#"{"postcode":"2541","surname":"sondergeld"}"#)
        ]
    );
    o.keep_extra = false;
    assert_eq!(col(&read(&o, 10).unwrap(), "extra"), vec![None, None]);
}

fn dup_opts(policy: DuplicateKeyPolicy) -> SourceOptions {
    let mut o = SourceOptions::from_path(fx("required_and_dups.csv"));
    o.name = "shop".into();
    o.columns.insert(F::SourceKey, "id".into());
    o.columns.insert(F::FullName, "name".into());
    o.columns.insert(F::Email, "email".into());
    o.columns.insert(F::UpdatedAt, "updated".into());
    o.duplicate_keys = policy;
    o
}

#[test]
fn required_fields_and_record_ids_per_policy() {
    let mut o = dup_opts(DuplicateKeyPolicy::KeepLatest);
    o.required = vec![F::Email];
    let r = read(&o, 10).unwrap();
    assert_eq!(q(&r), vec![(3, R::MissingRequired)]);
    assert_eq!(
        r.quarantine[0].detail,
        "required field `email` (column `email`) is empty"
    );
    assert_eq!(col(&r, "record_id"), vec![s("shop:a1"), s("shop:a1")]);

    let r = read(&dup_opts(DuplicateKeyPolicy::KeepAll), 10).unwrap();
    assert_eq!(
        col(&r, "record_id"),
        vec![s("shop:a1"), s("shop:a2"), s("shop:a1~1")]
    );
}

#[test]
fn duplicate_keys_policies() {
    let r = read(&dup_opts(DuplicateKeyPolicy::KeepLatest), 2).unwrap();
    assert_eq!(r.batches.len(), 2);
    let res = resolve_duplicate_keys(&r.batches, DuplicateKeyPolicy::KeepLatest).unwrap();
    let masks: Vec<Vec<bool>> = res
        .keep
        .iter()
        .map(|m| m.iter().map(|v| v.unwrap()).collect())
        .collect();
    assert_eq!(masks, vec![vec![false, true], vec![true]]);
    assert_eq!((res.duplicate_keys, res.duplicate_rows), (1, 2));
    assert_eq!(res.quarantine.len(), 1);
    assert_eq!(
        (res.quarantine[0].line, res.quarantine[0].reason),
        (Some(2), R::SupersededDuplicate)
    );
    assert!(
        res.quarantine[0].detail.contains("line 4"),
        "{}",
        res.quarantine[0].detail
    );
    assert!(res.quarantine[0].raw.contains("ann@example.com"));

    // Order of the batches does not matter.
    let rev: Vec<RecordBatch> = r.batches.iter().rev().cloned().collect();
    let res2 = resolve_duplicate_keys(&rev, DuplicateKeyPolicy::KeepLatest).unwrap();
    assert_eq!(res2.keep[1], res.keep[0]);
    assert_eq!(res2.quarantine, res.quarantine);

    let res = resolve_duplicate_keys(&r.batches, DuplicateKeyPolicy::Quarantine).unwrap();
    let masks: Vec<Vec<bool>> = res
        .keep
        .iter()
        .map(|m| m.iter().map(|v| v.unwrap()).collect())
        .collect();
    assert_eq!(masks, vec![vec![true, true], vec![false]]);
    assert_eq!(
        (res.quarantine[0].line, res.quarantine[0].reason),
        (Some(4), R::DuplicateKey)
    );

    let res = resolve_duplicate_keys(&r.batches, DuplicateKeyPolicy::KeepAll).unwrap();
    assert!(res.keep.iter().all(|m| m.true_count() == m.len()));
    assert!(res.quarantine.is_empty());
    assert_eq!(res.duplicate_keys, 1);
}

/// A normalised-like batch: only the columns the resolver needs.
fn dup_batch(rows: &[(&str, &str, u64, Option<&str>)]) -> RecordBatch {
    let sa = |v: Vec<Option<&str>>| Arc::new(StringArray::from(v)) as ArrayRef;
    RecordBatch::try_from_iter(vec![
        ("record_id", sa(rows.iter().map(|r| Some(r.0)).collect())),
        ("source", sa(rows.iter().map(|_| Some("s")).collect())),
        ("file", sa(rows.iter().map(|r| Some(r.1)).collect())),
        (
            "line",
            Arc::new(arrow::array::UInt64Array::from(
                rows.iter().map(|r| r.2).collect::<Vec<_>>(),
            )) as ArrayRef,
        ),
        ("source_key", sa(rows.iter().map(|_| Some("k")).collect())),
        ("updated_at", sa(rows.iter().map(|r| r.3).collect())),
    ])
    .unwrap()
}

#[test]
fn keep_latest_tie_breaks() {
    let keep = |rows: &[(&str, &str, u64, Option<&str>)]| -> Vec<bool> {
        let res =
            resolve_duplicate_keys(&[dup_batch(rows)], DuplicateKeyPolicy::KeepLatest).unwrap();
        res.keep[0].iter().map(|v| v.unwrap()).collect()
    };
    // Equal timestamps: later line wins.
    assert_eq!(
        keep(&[
            ("a", "f", 2, Some("2024-01-01")),
            ("b", "f", 9, Some("2024-01-01"))
        ]),
        [false, true]
    );
    // Missing timestamp loses to any timestamp, whatever the line.
    assert_eq!(
        keep(&[("a", "f", 2, Some("2020-01-01")), ("b", "f", 9, None)]),
        [true, false]
    );
    // Both missing: later line wins; later file beats earlier file.
    assert_eq!(
        keep(&[("a", "f", 9, None), ("b", "f", 2, None)]),
        [true, false]
    );
    assert_eq!(
        keep(&[("a", "x/b.csv", 1, None), ("b", "x/a.csv", 5, None)]),
        [true, false]
    );
    // Newer timestamp wins regardless of position.
    assert_eq!(
        keep(&[
            ("a", "f", 1, Some("2024-05-01T10:00:00")),
            ("b", "f", 2, Some("2024-05-01T09:00:00"))
        ]),
        [true, false]
    );
    let bad = RecordBatch::try_from_iter(vec![(
        "record_id",
        Arc::new(StringArray::from(vec!["a"])) as ArrayRef,
    )])
    .unwrap();
    assert!(
        resolve_duplicate_keys(&[bad], DuplicateKeyPolicy::KeepLatest)
            .unwrap_err()
            .to_string()
            .contains("missing column")
    );
}

#[test]
fn jsonl_nested_paths_and_extra() {
    let mut o = SourceOptions::from_path(fx("nested.jsonl"));
    o.name = "app".into();
    o.columns.insert(F::SourceKey, "id".into());
    o.columns.insert(F::GivenName, "name.given".into());
    o.columns.insert(F::FamilyName, "name.family".into());
    o.columns.insert(F::City, "address.city".into());
    let r = read(&o, 10).unwrap();
    assert!(r.quarantine.is_empty(), "{:?}", r.quarantine);
    assert_eq!(lines(&r), vec![1, 3, 4]);
    assert_eq!(col(&r, "given_name"), vec![s("Ann"), s("Ben"), s("Cat")]);
    assert_eq!(col(&r, "family_name"), vec![s("Lee"), s("Ray"), None]);
    assert_eq!(col(&r, "city"), vec![s("Leeds"), None, None]);
    assert_eq!(
        col(&r, "record_id"),
        vec![s("app:1"), s("app:2"), s("app:3")]
    );
    assert_eq!(
        col(&r, "extra"),
        vec![
            s(r#"{"address.zip":"LS1","age":"41","tags":"[\"vip\"]"}"#),
            s(r#"{"score":"1.5"}"#),
            s(r#"{"address":"unknown"}"#)
        ]
    );
    assert_eq!(r.report.files[0].format, "jsonl");

    // Mapping a path that holds an object quarantines that row only.
    o.columns.insert(F::City, "address".into());
    let r = read(&o, 10).unwrap();
    assert_eq!(
        q(&r),
        vec![(1, R::UnparseableValue), (3, R::UnparseableValue)]
    );
    assert!(
        r.quarantine[0]
            .detail
            .contains("`address` (mapped to `city`) holds an object")
    );
    assert_eq!(col(&r, "city"), vec![s("unknown")]);
}

#[test]
fn jsonl_bad_lines() {
    let mut o = SourceOptions::from_path(fx("bad_lines.jsonl"));
    o.columns.insert(F::SourceKey, "id".into());
    o.columns.insert(F::FullName, "name".into());
    let r = read(&o, 10).unwrap();
    assert_eq!(col(&r, "full_name"), vec![s("Ann"), s("Fay")]);
    assert_eq!(
        q(&r),
        vec![
            (2, R::NotAnObject),
            (3, R::NotAnObject),
            (4, R::InvalidJson),
            (5, R::UnparseableValue)
        ]
    );
    assert_eq!(
        r.quarantine[0].detail,
        "JSON line is an array, not an object"
    );
    assert!(
        r.quarantine[2]
            .detail
            .starts_with("invalid JSON (truncated)"),
        "{}",
        r.quarantine[2].detail
    );
    assert!(
        !r.quarantine
            .iter()
            .any(|q| q.detail.contains("Dan") || q.detail.contains("Eve"))
    );
}

#[test]
fn glob_reads_all_matches_in_order() {
    let o = basic(fx("glob/crm-*.csv"));
    let r = read(&o, 100).unwrap();
    assert_eq!(col(&r, "source_key"), vec![s("1"), s("2"), s("3")]);
    let files: Vec<String> = r.report.files.iter().map(|f| f.file.clone()).collect();
    assert_eq!(
        files,
        vec![
            fx("glob/crm-a.csv").display().to_string(),
            fx("glob/crm-b.csv").display().to_string()
        ]
    );
    assert_eq!(
        col(&r, "file"),
        vec![s(&files[0]), s(&files[0]), s(&files[1])]
    );
    assert_eq!(lines(&r), vec![2, 3, 2]);
    assert_eq!(
        r.report
            .files
            .iter()
            .map(|f| f.rows_read)
            .collect::<Vec<_>>(),
        vec![2, 1]
    );
}

#[test]
fn conservation_on_every_malformed_fixture() {
    let mut cases: Vec<SourceOptions> = [
        "ragged.csv",
        "unterminated_quote.csv",
        "invalid_utf8.csv",
        "utf16le_invalid.csv",
        "nul_byte.csv",
        "clean_bom_crlf.csv",
        "gbk.csv",
    ]
    .iter()
    .map(|f| basic(fx(f)))
    .collect();
    let mut big = basic(fx("field_too_large.csv"));
    big.max_field_bytes = 64;
    cases.push(big);
    let mut req = dup_opts(DuplicateKeyPolicy::KeepLatest);
    req.required = vec![F::Email];
    cases.push(req);
    for f in ["bad_lines.jsonl", "nested.jsonl"] {
        let mut o = SourceOptions::from_path(fx(f));
        o.columns.insert(F::FullName, "name".into());
        cases.push(o);
    }
    for o in &cases {
        for batch_rows in [1, 2, 1000] {
            let r = read(o, batch_rows).unwrap_or_else(|e| panic!("{}: {e}", o.path.display()));
            assert!(r.report.rows_read > 0);
            assert!(
                r.quarantine
                    .iter()
                    .all(|q| q.source == o.name && q.line.is_some()),
                "{}",
                o.path.display()
            );
        }
    }
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn streams_large_files_in_bounded_chunks_and_recovers_from_a_stray_quote() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("id,name,phone,city\n");
    for i in 0..40_000 {
        if i == 10 {
            // A stray quote: without recovery it would swallow the file.
            text.push_str(&format!("{i},\"Broken Name,555-{i:04},Leeds\n"));
        } else {
            text.push_str(&format!(
                "{i},Name {i} with some padding,555-{i:04},City {}\n",
                i % 97
            ));
        }
    }
    let p = write(dir.path(), "big.csv", &text);
    assert!(text.len() > 1 << 20, "larger than the record limit");
    let r = read(&basic(p), 1000).unwrap();
    assert_eq!(r.report.rows_read, 40_000);
    assert_eq!(q(&r), vec![(12, R::UnterminatedQuote)]);
    // Found when the open quote passed the record size limit, not at EOF.
    assert!(
        r.quarantine[0].detail.contains("resumed on line 13"),
        "{}",
        r.quarantine[0].detail
    );
    assert_eq!(r.report.accepted, 39_999);
    assert_eq!(lines(&r).last(), Some(&40_001));
    assert_eq!(r.batches.len(), 40);
}

#[test]
fn keyless_identical_rows_get_occurrence_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "k.csv",
        "name,city\nAnn,Leeds\nBob,York\nAnn,Leeds\n",
    );
    let mut o = SourceOptions::from_path(p);
    o.columns.insert(F::FullName, "name".into());
    let r = read(&o, 10).unwrap();
    let h = cim_schema::ids::row_hash([Some("Ann"), Some("Leeds")]);
    let ids = col(&r, "record_id");
    assert_eq!(ids[0], s(&format!("k:#{h:016x}")));
    assert_eq!(ids[2], s(&format!("k:#{h:016x}~1")));
    assert_ne!(ids[1], ids[0]);
    // Deterministic across runs.
    assert_eq!(col(&read(&o, 1).unwrap(), "record_id"), ids);
}

fn columnar_batches() -> Vec<RecordBatch> {
    let city = Field::new("city", DataType::Utf8, true);
    let zip = Field::new("zip", DataType::Utf8, true);
    let tags = Field::new(
        "tags",
        DataType::List(Arc::new(Field::new_list_field(DataType::Utf8, true))),
        true,
    );
    let schema = Arc::new(Schema::new(vec![
        Field::new("id", DataType::Int64, false),
        Field::new("name", DataType::Utf8, true),
        Field::new("dob", DataType::Date32, true),
        Field::new("balance", DataType::Float64, true),
        Field::new(
            "address",
            DataType::Struct(vec![city.clone(), zip.clone()].into()),
            true,
        ),
        tags,
        Field::new("legacy", DataType::Binary, true),
    ]));
    let mk = |ids: Vec<i64>,
              names: Vec<Option<&str>>,
              dobs: Vec<Option<i32>>,
              cities: Vec<Option<&str>>,
              addr_nulls: Vec<bool>| {
        let n = ids.len();
        let address = StructArray::try_new(
            vec![city.clone(), zip.clone()].into(),
            vec![
                Arc::new(StringArray::from(cities)) as ArrayRef,
                Arc::new(StringArray::from(vec![Some("Z1"); n])) as ArrayRef,
            ],
            Some(addr_nulls.into()),
        )
        .unwrap();
        let mut lb = ListBuilder::new(StringBuilder::new());
        for i in 0..n {
            lb.values().append_value("vip");
            lb.values().append_value(format!("t{i}"));
            lb.append(true);
        }
        RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(Int64Array::from(ids)),
                Arc::new(StringArray::from(names)),
                Arc::new(Date32Array::from(dobs)),
                Arc::new(Float64Array::from(vec![Some(12.5); n])),
                Arc::new(address),
                Arc::new(lb.finish()),
                Arc::new(BinaryArray::from(vec![Some(&b"Caf\xe9"[..]); n])),
            ],
        )
        .unwrap()
    };
    vec![
        mk(
            vec![1, 2],
            vec![Some("Ann Lee"), Some("张伟")],
            vec![Some(0), Some(7000)],
            vec![Some("Leeds"), Some("Ignored")],
            vec![true, false],
        ),
        mk(
            vec![3],
            vec![None],
            vec![None],
            vec![Some("北京")],
            vec![true],
        ),
        mk(
            vec![4, 5],
            vec![Some("Dan"), Some("Eve")],
            vec![Some(-1), Some(19000)],
            vec![None, Some("York")],
            vec![true, true],
        ),
    ]
}

fn columnar_opts(path: PathBuf) -> SourceOptions {
    let mut o = SourceOptions::from_path(path);
    o.name = "erp".into();
    o.encoding = "windows-1252".into();
    o.columns.insert(F::SourceKey, "id".into());
    o.columns.insert(F::FullName, "name".into());
    o.columns.insert(F::DateOfBirth, "dob".into());
    o.columns.insert(F::City, "address.city".into());
    o
}

fn check_columnar(r: &Read) {
    assert!(r.quarantine.is_empty(), "{:?}", r.quarantine);
    assert_eq!(
        col(r, "source_key"),
        vec![s("1"), s("2"), s("3"), s("4"), s("5")]
    );
    assert_eq!(
        col(r, "full_name"),
        vec![s("Ann Lee"), s("张伟"), None, s("Dan"), s("Eve")]
    );
    assert_eq!(
        col(r, "date_of_birth"),
        vec![
            s("1970-01-01"),
            s("1989-03-02"),
            None,
            s("1969-12-31"),
            s("2022-01-08")
        ]
    );
    // Row 2's address struct is null, so its city is too.
    assert_eq!(
        col(r, "city"),
        vec![s("Leeds"), None, s("北京"), None, s("York")]
    );
    assert_eq!(lines(r), vec![1, 2, 3, 4, 5]);
    let extra = col(r, "extra");
    assert_eq!(
        extra[0],
        s(r#"{"address.zip":"Z1","balance":"12.5","legacy":"Café","tags":"[vip, t0]"}"#)
    );
}

#[test]
fn parquet_with_several_row_groups() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("erp.parquet");
    let batches = columnar_batches();
    {
        let f = std::fs::File::create(&p).unwrap();
        let mut w = parquet::arrow::ArrowWriter::try_new(f, batches[0].schema(), None).unwrap();
        for b in &batches {
            w.write(b).unwrap();
            w.flush().unwrap();
        }
        w.close().unwrap();
    }
    let meta = parquet::file::reader::FileReader::metadata(
        &parquet::file::serialized_reader::SerializedFileReader::new(
            std::fs::File::open(&p).unwrap(),
        )
        .unwrap(),
    )
    .num_row_groups();
    assert_eq!(meta, 3);
    let r = read(&columnar_opts(p.clone()), 2).unwrap();
    check_columnar(&r);
    assert_eq!(r.report.files[0].format, "parquet");

    let mut o = columnar_opts(p.clone());
    o.columns.insert(F::Phone, "tags".into());
    assert!(
        err_of(&o).contains("column `tags`: type List"),
        "{}",
        err_of(&o)
    );
    let mut o = columnar_opts(p.clone());
    o.columns.insert(F::AddressLine1, "address".into());
    assert!(
        err_of(&o).contains("is a struct; map its fields (e.g. `address.city`)"),
        "{}",
        err_of(&o)
    );
    // Binary text invalid in the declared encoding is quarantined.
    let mut o = columnar_opts(p);
    o.encoding = "utf-8".into();
    let r = read(&o, 10).unwrap();
    assert_eq!(r.report.quarantined_by_reason["invalid_encoding"], 5);
    assert!(r.quarantine[0].detail.contains("column `legacy`"));
}

#[test]
fn arrow_ipc_file_and_stream() {
    let dir = tempfile::tempdir().unwrap();
    let batches = columnar_batches();
    let file = dir.path().join("erp.arrow");
    let stream = dir.path().join("erp.arrows");
    {
        let mut w = arrow::ipc::writer::FileWriter::try_new(
            std::fs::File::create(&file).unwrap(),
            &batches[0].schema(),
        )
        .unwrap();
        for b in &batches {
            w.write(b).unwrap();
        }
        w.finish().unwrap();
        let mut w = arrow::ipc::writer::StreamWriter::try_new(
            std::fs::File::create(&stream).unwrap(),
            &batches[0].schema(),
        )
        .unwrap();
        for b in &batches {
            w.write(b).unwrap();
        }
        w.finish().unwrap();
    }
    for p in [&file, &stream] {
        for batch_rows in [1, 100] {
            let r = read(&columnar_opts(p.clone()), batch_rows).unwrap();
            check_columnar(&r);
            assert_eq!(r.report.files[0].format, "arrow_ipc");
        }
    }
    // Format sniffed from content when the extension says nothing.
    let odd = dir.path().join("erp.bin");
    std::fs::copy(&stream, &odd).unwrap();
    let r = read(&columnar_opts(odd), 100).unwrap();
    check_columnar(&r);
    let mut o = columnar_opts(file);
    o.format = Format::Parquet;
    assert!(err_of(&o).contains("not a readable Parquet file"));
}

#[test]
fn profile_reports_shapes_and_masks_values() {
    let mut o = basic(fx("gbk.csv"));
    o.encoding = "gbk".into();
    let p = profile_source(&o, None).unwrap();
    assert_eq!(p.report.rows_read, 3);
    let phone = p.columns.iter().find(|c| c.name == "phone").unwrap();
    assert_eq!(phone.mapped_to, vec![F::Phone]);
    assert_eq!(phone.top_shapes[0].value, "999-9999-9999");
    assert_eq!(phone.top_shapes[0].count, 3);
    assert_eq!(
        (
            phone.distinct,
            phone.distinct_approximate,
            phone.completeness
        ),
        (3, false, 1.0)
    );
    let name = p.columns.iter().find(|c| c.name == "name").unwrap();
    assert_eq!(name.top_shapes[0].value, "HH");
    assert_eq!(name.max_length, 2);
    let text = render_profile(&p, false);
    assert!(text.contains("张***") && !text.contains("张伟"), "{text}");
    assert!(text.contains("999-9999-9999 (3)"), "{text}");
    assert!(render_profile(&p, true).contains("张伟"));
    let json = serde_json::to_string(&p).unwrap();
    assert!(json.contains("\"top_shapes\""));

    // Encoding problems are counted per column.
    let p = profile_source(&SourceOptions::from_path(fx("invalid_utf8.csv")), None).unwrap();
    assert_eq!(p.source, "invalid_utf8");
    assert_eq!(p.report.quarantined_by_reason["invalid_encoding"], 1);
    assert_eq!(
        p.columns
            .iter()
            .find(|c| c.name == "name")
            .unwrap()
            .encoding_errors,
        1
    );
    assert!(render_profile(&p, false).contains("encoding errors: 1"));

    // JSON paths, absent keys count against completeness.
    let p = profile_source(&SourceOptions::from_path(fx("nested.jsonl")), Some(2)).unwrap();
    assert!(p.truncated);
    let fam = p.columns.iter().find(|c| c.name == "name.family").unwrap();
    assert_eq!((fam.rows, fam.non_empty), (2, 2));
    let zip = p.columns.iter().find(|c| c.name == "address.zip").unwrap();
    assert_eq!((zip.rows, zip.non_empty), (2, 1));
}

#[test]
fn profile_distinct_switches_to_estimate_past_the_cap() {
    let dir = tempfile::tempdir().unwrap();
    let n = cim_ingest::DISTINCT_CAP + 10_000;
    let mut text = String::from("id,country\n");
    for i in 0..n {
        text.push_str(&format!("C{i:07},{}\n", ["FR", "DE", "FR", "CN"][i % 4]));
    }
    let p = write(dir.path(), "many.csv", &text);
    let prof = profile_source(&SourceOptions::from_path(p), None).unwrap();
    let id = &prof.columns[0];
    assert!(id.distinct_approximate);
    let err = (id.distinct as f64 - n as f64).abs() / n as f64;
    assert!(err < 0.05, "estimate {} for {n}", id.distinct);
    let country = &prof.columns[1];
    assert!(!country.distinct_approximate);
    assert_eq!(country.distinct, 3);
    assert_eq!(country.top_values[0].value, "FR");
    assert_eq!(id.top_shapes[0].value, "A9999999");
}

#[test]
fn a_giant_line_is_skipped_without_loading_it() {
    let dir = tempfile::tempdir().unwrap();
    let giant = "x".repeat(3 << 20);
    let text = format!("id,name,phone,city\n1,Ann,555,Leeds\n2,{giant},555,York\n3,Cat,555,Bath\n");
    let p = write(dir.path(), "giant.csv", &text);
    let r = read(&basic(p), 10).unwrap();
    assert_eq!(col(&r, "source_key"), vec![s("1"), s("3")]);
    assert_eq!(lines(&r), vec![2, 4]);
    assert_eq!(q(&r), vec![(3, R::FieldTooLarge)]);
    assert!(r.quarantine[0].raw.len() <= 64 * 1024, "raw kept short");
    assert!(
        r.quarantine[0].detail.starts_with("record longer than"),
        "{}",
        r.quarantine[0].detail
    );
}

#[test]
fn readers_can_move_to_worker_threads() {
    fn assert_send<T: Send>() {}
    assert_send::<cim_ingest::SourceReader>();
    assert_send::<cim_ingest::RawChunk>();
    assert_send::<Error>();
    let o = basic(fx("glob/crm-*.csv"));
    let rows = std::thread::spawn(move || read(&o, 10).unwrap().report.accepted)
        .join()
        .unwrap();
    assert_eq!(rows, 3);
}
