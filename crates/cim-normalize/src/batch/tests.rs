use super::*;
use arrow::array::UInt64Array;
use cim_schema::batch::{str_col, u8_col};
use cim_schema::{raw_schema, status_column};

type RawRow<'a> = &'a [(CanonicalField, &'a str)];

/// A raw batch with the given canonical values (others null).
fn raw_batch(rows: &[RawRow]) -> RecordBatch {
    let n = rows.len();
    let mut columns: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from_iter_values(
            (0..n).map(|i| format!("crm:{i}")),
        )),
        Arc::new(StringArray::from_iter_values((0..n).map(|_| "crm"))),
        Arc::new(StringArray::from_iter_values((0..n).map(|_| "crm.csv"))),
        Arc::new(UInt64Array::from_iter_values((0..n as u64).map(|i| i + 2))),
        Arc::new(StringArray::from_iter_values(
            (0..n).map(|i| format!("{i:016x}")),
        )),
        Arc::new(StringArray::from_iter(
            (0..n).map(|i| (i == 0).then_some(r#"{"vip":"yes"}"#)),
        )),
    ];
    for f in CanonicalField::ALL {
        columns.push(Arc::new(StringArray::from_iter(
            rows.iter()
                .map(|r| r.iter().find(|(g, _)| *g == f).map(|(_, v)| *v)),
        )));
    }
    RecordBatch::try_new(raw_schema(), columns).unwrap()
}

fn hints() -> SourceHints {
    SourceHints {
        phone_region: Some("CN".into()),
        default_country: Some("CN".into()),
        ..SourceHints::default()
    }
}

fn opts() -> NormalizeOptions {
    NormalizeOptions {
        reference_date: chrono::NaiveDate::from_ymd_opt(2024, 6, 30),
        ..NormalizeOptions::default()
    }
}

fn text(batch: &RecordBatch, col: &str, row: usize) -> Option<String> {
    opt_str(str_col(batch, col).unwrap(), row).map(str::to_string)
}

fn status(batch: &RecordBatch, f: CanonicalField, row: usize) -> FieldStatus {
    FieldStatus::from_code(u8_col(batch, &status_column(f)).unwrap().value(row))
}

fn key(batch: &RecordBatch, k: MatchKey, row: usize) -> Option<String> {
    text(batch, &k.column_name(), row)
}

#[test]
fn output_has_exactly_the_normalized_schema_and_passes_provenance() {
    use CanonicalField as F;
    let raw = raw_batch(&[&[(F::FullName, "张伟")], &[(F::Email, "x@y.com")]]);
    let out = normalize_batch(&raw, &hints(), &opts()).unwrap();
    assert_eq!(out.schema(), normalized_schema());
    assert_eq!(out.num_rows(), 2);
    for name in col::PROVENANCE {
        assert_eq!(
            out.column_by_name(name).unwrap().as_ref(),
            raw.column_by_name(name).unwrap().as_ref(),
            "{name} passes through"
        );
    }
    let empty = raw_batch(&[]);
    let out = normalize_batch(&empty, &hints(), &opts()).unwrap();
    assert_eq!(out.num_rows(), 0);
    assert_eq!(out.schema(), normalized_schema());
}

#[test]
fn a_chinese_and_a_western_record_match_on_keys() {
    use CanonicalField as F;
    use MatchKey as K;
    let raw = raw_batch(&[
        &[
            (F::SourceKey, " C001 "),
            (F::FullName, "张伟先生"),
            (F::Phone, "138 0013 8000"),
            (F::Email, "ZhangWei@QQ.con"),
            (F::DateOfBirth, "1990年1月2日"),
            (F::Gender, "男"),
            (F::AddressLine1, "北京市朝阳区建国路88号"),
            (F::City, "北京市"),
            (F::Postcode, "１０００２０"),
            (F::Company, "华为技术有限公司"),
            (F::NationalId, "11010519491231002x"),
            (F::UpdatedAt, "2024-03-01T10:20:30+08:00"),
        ],
        &[
            (F::GivenName, "Wei"),
            (F::FamilyName, "ZHANG"),
            (F::Phone, "+86 138-0013-8000 ext. 12"),
            (F::Email, "zhangwei@qq.com"),
            (F::DateOfBirth, "1990-01-02"),
            (F::Country, "China"),
            (F::City, "Beijing"),
            (F::Company, "Huawei Technologies Co., Ltd."),
            (F::UpdatedAt, "2024-03-01 02:20:30"),
        ],
    ]);
    let out = normalize_batch(&raw, &hints(), &opts()).unwrap();
    // Row 0: displays.
    assert_eq!(text(&out, "source_key", 0).as_deref(), Some("C001"));
    assert_eq!(text(&out, "full_name", 0).as_deref(), Some("张伟"));
    assert_eq!(text(&out, "given_name", 0).as_deref(), Some("伟"));
    assert_eq!(text(&out, "family_name", 0).as_deref(), Some("张"));
    assert_eq!(text(&out, "phone", 0).as_deref(), Some("+8613800138000"));
    assert_eq!(text(&out, "email", 0).as_deref(), Some("zhangwei@qq.com"));
    assert_eq!(
        text(&out, "date_of_birth", 0).as_deref(),
        Some("1990-01-02")
    );
    assert_eq!(text(&out, "gender", 0).as_deref(), Some("m"));
    assert_eq!(text(&out, "postcode", 0).as_deref(), Some("100020"));
    assert_eq!(text(&out, "country", 0), None, "display stays missing");
    assert_eq!(
        key(&out, K::Country, 0).as_deref(),
        Some("CN"),
        "default country keys it"
    );
    assert_eq!(
        text(&out, "updated_at", 0).as_deref(),
        Some("2024-03-01T02:20:30")
    );
    assert_eq!(text(&out, col::QUALITY_ISSUES, 0), None);
    assert_eq!(status(&out, F::Country, 0), FieldStatus::Missing);
    assert_eq!(status(&out, F::Phone, 0), FieldStatus::Valid);
    assert_eq!(status(&out, F::GivenName, 0), FieldStatus::Valid);
    assert_eq!(key(&out, K::HanName, 0).as_deref(), Some("张伟"));
    assert_eq!(key(&out, K::HouseNumber, 0).as_deref(), Some("88"));
    assert_eq!(
        key(&out, K::NationalId, 0).as_deref(),
        Some("11010519491231002X")
    );
    // Row 1: full name filled Latin-style.
    assert_eq!(text(&out, "full_name", 1).as_deref(), Some("Wei ZHANG"));
    assert_eq!(
        text(&out, "phone", 1).as_deref(),
        Some("+8613800138000 ext. 12")
    );
    assert_eq!(text(&out, "country", 1).as_deref(), Some("CN"));
    // Shared keys.
    for k in [
        K::FullName,
        K::GivenName,
        K::FamilyName,
        K::GivenPhonetic,
        K::FamilyPhonetic,
        K::GivenInitial,
        K::Email,
        K::EmailLocal,
        K::Phone,
        K::Dob,
        K::BirthYear,
        K::Country,
    ] {
        let a = key(&out, k, 0);
        assert!(a.is_some(), "{k} derived for row 0");
        assert_eq!(a, key(&out, k, 1), "{k} agrees");
    }
    assert_eq!(key(&out, K::FullName, 0).as_deref(), Some("wei zhang"));
    assert_eq!(key(&out, K::Phone, 0).as_deref(), Some("+8613800138000"));
    assert_eq!(key(&out, K::BirthYear, 0).as_deref(), Some("1990"));
    assert_eq!(text(&out, "updated_at", 0), text(&out, "updated_at", 1));
    assert_eq!(key(&out, K::Company, 0).as_deref(), Some("华为技术"));
    assert_eq!(
        key(&out, K::Company, 1).as_deref(),
        Some("huawei technologies")
    );
    assert_eq!(key(&out, K::City, 0).as_deref(), Some("北京"));
    assert_eq!(key(&out, K::HanName, 1), None);
}

#[test]
fn quality_issues_list_invalid_fields_in_schema_order() {
    use CanonicalField as F;
    use MatchKey as K;
    let raw = raw_batch(&[
        &[
            (F::FullName, "J0hn Smith"),
            (F::Email, "john.smith@"),
            (F::Phone, "12345"),
            (F::DateOfBirth, "03/04/1990"),
            (F::Country, "Atlantis"),
        ],
        &[
            (F::Email, "N/A"),
            (F::Phone, "  "),
            (F::DateOfBirth, "1970-01-01"),
            (F::Postcode, "sw1a1aa"),
            (F::Country, "UK"),
            (F::Phone, "-"),
        ],
        &[(F::Phone, "0000000000"), (F::Email, "test@test.com")],
    ]);
    let out = normalize_batch(&raw, &hints(), &opts()).unwrap();
    assert_eq!(
        text(&out, col::QUALITY_ISSUES, 0).as_deref(),
        Some(
            "full_name:contains_digits;email:syntax;phone:too_short;\
             date_of_birth:ambiguous_date_order;country:unknown_country"
        )
    );
    // The invalid phone keeps its digits as key, the invalid email none.
    assert_eq!(key(&out, K::Phone, 0).as_deref(), Some("12345"));
    assert_eq!(key(&out, K::Email, 0), None);
    assert_eq!(status(&out, F::Email, 0), FieldStatus::Invalid);
    assert_eq!(text(&out, "email", 0).as_deref(), Some("john.smith@"));
    // Missing values are not issues; placeholders dates are.
    assert_eq!(status(&out, F::Email, 1), FieldStatus::Missing);
    assert_eq!(text(&out, "email", 1), None);
    assert_eq!(status(&out, F::Phone, 1), FieldStatus::Missing);
    assert_eq!(
        text(&out, col::QUALITY_ISSUES, 1).as_deref(),
        Some("date_of_birth:placeholder_date")
    );
    assert_eq!(key(&out, K::Dob, 1), None);
    // The row's own country (GB) decides the postcode format.
    assert_eq!(text(&out, "postcode", 1).as_deref(), Some("SW1A 1AA"));
    assert_eq!(key(&out, K::Country, 1).as_deref(), Some("GB"));
    assert_eq!(
        text(&out, col::QUALITY_ISSUES, 2).as_deref(),
        Some("email:placeholder;phone:placeholder")
    );
    assert_eq!(key(&out, K::Phone, 2), None);
}

#[test]
fn source_hints_drive_dates_and_phones() {
    use CanonicalField as F;
    use MatchKey as K;
    let raw = raw_batch(&[&[(F::DateOfBirth, "03/04/1990"), (F::Phone, "020 7946 0958")]]);
    let uk = SourceHints {
        phone_region: Some("United Kingdom".into()),
        date_order: crate::DateOrder::Dmy,
        ..SourceHints::default()
    };
    let out = normalize_batch(&raw, &uk, &opts()).unwrap();
    assert_eq!(key(&out, K::Dob, 0).as_deref(), Some("1990-04-03"));
    assert_eq!(key(&out, K::Phone, 0).as_deref(), Some("+442079460958"));
    let us = SourceHints {
        phone_region: Some("US".into()),
        date_order: crate::DateOrder::Mdy,
        ..SourceHints::default()
    };
    let out = normalize_batch(&raw, &us, &opts()).unwrap();
    assert_eq!(key(&out, K::Dob, 0).as_deref(), Some("1990-03-04"));
    assert_eq!(status(&out, F::Phone, 0), FieldStatus::Invalid);
    let none = SourceHints::default();
    let out = normalize_batch(&raw, &none, &opts()).unwrap();
    assert_eq!(status(&out, F::DateOfBirth, 0), FieldStatus::Invalid);
    assert_eq!(
        text(&out, col::QUALITY_ISSUES, 0).as_deref(),
        Some("phone:no_region;date_of_birth:ambiguous_date_order")
    );
}

#[test]
fn malformed_input_is_an_error() {
    let raw = raw_batch(&[]);
    let without_email = raw
        .project(
            &(0..raw.num_columns())
                .filter(|i| raw.schema().field(*i).name() != "email")
                .collect::<Vec<_>>(),
        )
        .unwrap();
    let err = normalize_batch(&without_email, &hints(), &opts()).unwrap_err();
    assert!(
        matches!(err, Error::MissingColumn(ref c) if c == "email"),
        "{err}"
    );
    assert!(err.to_string().contains("email"));
}
