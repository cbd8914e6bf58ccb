//! Property tests of cim-normalize: normalisation is idempotent on display
//! values and never panics, whatever the input.

use std::sync::Arc;

use arrow::array::{ArrayRef, StringArray, UInt64Array};
use arrow::record_batch::RecordBatch;
use cim_normalize::{
    DateOrder, NormalizeOptions, SourceHints, email, normalize_batch, person_name, phone, postcode,
};
use cim_schema::{CanonicalField, normalized_schema, raw_schema};
use proptest::prelude::*;

fn opts() -> NormalizeOptions {
    NormalizeOptions {
        reference_date: chrono::NaiveDate::from_ymd_opt(2024, 6, 30),
        ..NormalizeOptions::default()
    }
}

/// Realistic-looking and hostile name strings.
fn name_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        "(Mr\\.? |Dr |Mrs |Prof\\. )?[A-Z][a-zé]{1,8}( [A-Z]\\.)?( (van|de|O')?[A-Z][a-zü]{1,10})?(, (Jr\\.|III|PhD))?",
        "[A-Z]{2,8}, [A-Z][a-z]{1,8}( [A-Z][a-z]{1,8})?",
        "[张王李陈欧阳司马诸葛上官][伟小明娜丽国强]{1,2}(先生|女士|小姐)?",
        "[张王李] ?[伟小明]{1,2}",
        "[Ａ-Ｚａ-ｚ　]{1,12}",
        "[\\PC]{0,24}",
        any::<String>(),
    ]
}

fn email_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        " ?[A-Za-z0-9._+-]{1,12}@(gmail|googlemail|gmial|qq|163|hotmail|acme|outlook)\\.(com|con|cn|co\\.uk|cm) ?",
        "(mailto:)?[a-z]{1,6}@[a-z]{1,6}\\.[a-z]{2,3}",
        "[A-Z][a-z]{1,6} <[a-z.]{1,8}@[a-z]{1,6}\\.com>",
        "[\\PC]{0,24}",
        any::<String>(),
    ]
}

fn phone_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        "(\\+|00)?[0-9]{1,3}[ -]?\\(?[0-9]{2,4}\\)?[ .-]?[0-9]{3,4}[ .-]?[0-9]{3,4}( (x|ext\\.|转) ?[0-9]{1,4})?",
        "1[3-9][0-9] ?[0-9]{4} ?[0-9]{4}",
        "[０-９－ ]{5,16}",
        "[\\PC]{0,24}",
        any::<String>(),
    ]
}

fn postcode_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Za-z]{1,2}[0-9][0-9A-Za-z]? ?[0-9][A-Za-z]{2}",
        "[0-9]{4,9}(-[0-9]{4})?",
        "[A-Za-z][0-9][A-Za-z] ?[0-9][A-Za-z][0-9]",
        "[\\PC]{0,12}",
        any::<String>(),
    ]
}

fn region_strategy() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        Just(Some("CN".to_string())),
        Just(Some("GB".to_string())),
        Just(Some("US".to_string())),
        Just(Some("AU".to_string())),
        Just(Some("DE".to_string())),
        Just(Some("XX".to_string())),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 512,
        // Fixed, so every run (and CI) tries the same cases; explore others
        // with PROPTEST_RNG_SEED=<n> PROPTEST_CASES=<k> (docs/TESTING.md).
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x5EED),
        ..ProptestConfig::default()
    })]

    #[test]
    fn names_are_idempotent(raw in name_strategy()) {
        let o = opts();
        let first = person_name(Some(&raw), None, None, None, &o);
        if let Some(d) = &first.full_name.display {
            let again = person_name(Some(d), None, None, None, &o);
            prop_assert_eq!(again.full_name.display.as_deref(), Some(d.as_str()));
        }
        for part in [&first.given_name, &first.family_name] {
            if let Some(d) = &part.display {
                let again = person_name(None, Some(d), None, None, &o);
                prop_assert_eq!(again.given_name.display.as_deref(), Some(d.as_str()));
            }
        }
    }

    #[test]
    fn emails_are_idempotent(raw in email_strategy()) {
        let o = opts();
        let first = email(&raw, &o);
        if let Some(d) = &first.display {
            let again = email(d, &o);
            prop_assert_eq!(again.display.as_deref(), Some(d.as_str()));
            prop_assert_eq!(again.status, first.status);
            prop_assert_eq!(again.key, first.key);
        }
    }

    #[test]
    fn phones_are_idempotent(raw in phone_strategy(), region in region_strategy()) {
        let first = phone(&raw, region.as_deref());
        if let Some(d) = &first.display {
            let again = phone(d, region.as_deref());
            prop_assert_eq!(again.display.as_deref(), Some(d.as_str()));
            prop_assert_eq!(again.key, first.key);
        }
    }

    #[test]
    fn postcodes_are_idempotent(raw in postcode_strategy(), country in region_strategy()) {
        let first = postcode(&raw, country.as_deref());
        if let Some(d) = &first.display {
            let again = postcode(d, country.as_deref());
            prop_assert_eq!(again.display.as_deref(), Some(d.as_str()));
            prop_assert_eq!(again.key, first.key);
        }
    }

    #[test]
    fn scalar_normalisers_never_panic(raw in any::<String>(), region in region_strategy()) {
        let o = opts();
        let r = region.as_deref();
        let _ = cim_normalize::clean(&raw);
        let _ = cim_normalize::fold(&raw, true);
        let _ = cim_normalize::fold(&raw, false);
        let _ = person_name(Some(&raw), Some(&raw), Some(&raw), Some(&raw), &o);
        let _ = email(&raw, &o);
        let _ = phone(&raw, r);
        let _ = cim_normalize::date(&raw, DateOrder::Ymd, true, &o);
        let _ = cim_normalize::date(&raw, DateOrder::Dmy, false, &o);
        let _ = cim_normalize::datetime(&raw, DateOrder::Mdy);
        let _ = cim_normalize::address(Some(&raw), Some(&raw), &o);
        let _ = postcode(&raw, r);
        let _ = cim_normalize::country(&raw);
        let _ = cim_normalize::city(&raw, &o);
        let _ = cim_normalize::company(&raw, &o);
        let _ = cim_normalize::gender(&raw);
        let _ = cim_normalize::national_id(&raw, r);
        for f in CanonicalField::ALL {
            let _ = cim_normalize::mask(f, &raw);
        }
    }

    #[test]
    fn normalize_batch_never_panics(
        rows in prop::collection::vec(
            prop::collection::vec(prop::option::of(any::<String>()), CanonicalField::ALL.len()),
            0..8,
        ),
        region in region_strategy(),
        order in prop_oneof![Just(DateOrder::Ymd), Just(DateOrder::Dmy), Just(DateOrder::Mdy)],
    ) {
        let batch = raw_batch(&rows);
        let hints = SourceHints {
            phone_region: region.clone(),
            date_order: order,
            default_country: region,
            excel_dates: true,
        };
        let out = normalize_batch(&batch, &hints, &opts()).unwrap();
        prop_assert_eq!(out.schema(), normalized_schema());
        prop_assert_eq!(out.num_rows(), rows.len());
    }
}

fn raw_batch(rows: &[Vec<Option<String>>]) -> RecordBatch {
    let n = rows.len();
    let mut columns: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from_iter_values(
            (0..n).map(|i| format!("s:{i}")),
        )),
        Arc::new(StringArray::from_iter_values((0..n).map(|_| "s"))),
        Arc::new(StringArray::from_iter_values((0..n).map(|_| "s.csv"))),
        Arc::new(UInt64Array::from_iter_values(0..n as u64)),
        Arc::new(StringArray::from_iter_values(
            (0..n).map(|i| format!("{i:016x}")),
        )),
        Arc::new(StringArray::from_iter((0..n).map(|_| None::<&str>))),
    ];
    for f in 0..CanonicalField::ALL.len() {
        columns.push(Arc::new(StringArray::from_iter(
            rows.iter().map(|r| r[f].as_deref()),
        )));
    }
    RecordBatch::try_new(raw_schema(), columns).unwrap()
}
