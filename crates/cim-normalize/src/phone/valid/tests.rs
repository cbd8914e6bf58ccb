use super::super::{crate_reference as slow, phone, phone_with};
use super::*;
use phonenumber::country;
use phonenumber::metadata::DATABASE;
use proptest::prelude::*;

/// Fast and slow validity of one parsed number, or `None` when the crate
/// does not parse it.
fn both(region: Option<country::Id>, input: &str) -> Option<(bool, bool)> {
    let n = phonenumber::parse(region, input).ok()?;
    let fast = is_valid(n.code().value(), &n.national().to_string());
    Some((fast, n.is_valid()))
}

#[test]
fn phone_matches_the_crate_on_a_varied_table() {
    // raw, region hint, expected key (None: not valid)
    let cases: &[(&str, Option<&str>, Option<&str>)] = &[
        // CN mobiles and fixed lines, several spellings.
        ("138 0013 8000", Some("CN"), Some("+8613800138000")),
        ("+86 139-1234-5678", Some("CN"), Some("+8613912345678")),
        ("0086 186 1234 5678", None, Some("+8618612345678")),
        ("+86 (0)10 6552 9988", None, Some("+861065529988")),
        ("１３８００１３８０００", Some("CN"), Some("+8613800138000")),
        (
            "１３８－００１３－８０００ 转 12",
            Some("CN"),
            Some("+8613800138000"),
        ),
        ("12345678901", Some("CN"), None),
        ("+86 138 0013 800", None, None),
        // UK.
        ("020 7946 0958", Some("GB"), Some("+442079460958")),
        ("+44 (0)20 7946 0958", None, Some("+442079460958")),
        // Ofcom's drama ranges are not valid numbers for libphonenumber.
        ("07700 900123", Some("GB"), None),
        ("01632 960 001", Some("GB"), None),
        ("07777 363601", Some("GB"), Some("+447777363601")),
        ("+44 7911 123456 ext. 45", None, Some("+447911123456")),
        ("07700 90012", Some("GB"), None),
        // US / NANP (a shared calling code: +1 picks its region by number).
        ("(202) 555-0143", Some("US"), Some("+12025550143")),
        ("(650) 253-0000 x12", Some("US"), Some("+16502530000")),
        ("+1 650 253 0000", None, Some("+16502530000")),
        ("+1 416 555 0199", None, Some("+14165550199")),
        ("+1 876 555 0123", None, Some("+18765550123")),
        ("+1 253 0000", None, None),
        ("555-0143", Some("US"), None),
        // Germany.
        ("030 901820", Some("DE"), Some("+4930901820")),
        ("+49 30 901820", None, Some("+4930901820")),
        ("0151 23456789", Some("DE"), Some("+4915123456789")),
        ("+49 (0) 89 1234567", None, Some("+49891234567")),
        ("+49 1", None, None),
        // Elsewhere.
        ("+33 6 12 34 56 78", None, Some("+33612345678")),
        ("+39 02 3661 8300", None, Some("+390236618300")),
        ("+61 2 9374 4000", None, Some("+61293744000")),
        ("+800 1234 5678", None, Some("+80012345678")),
        ("+979 123456789", None, Some("+979123456789")),
        // Garbage.
        ("+999 1234 5678", None, None),
        ("+0 1234 5678", None, None),
        ("call me maybe 12345", Some("GB"), None),
        ("12345678901234567", Some("US"), None),
        ("+44 20 7946 0958 0958 0958", None, None),
    ];
    let mut wrong = Vec::new();
    for (raw, hint, want) in cases {
        let fast = phone(raw, *hint);
        let slow = phone_with(raw, *hint, |r, c| slow(r, &c));
        assert_eq!(fast, slow, "{raw:?} in {hint:?}");
        let got = (fast.status == cim_schema::FieldStatus::Valid).then_some(fast.key);
        if got.as_ref().map(|k| k.as_deref()) != want.map(Some) {
            wrong.push(format!("{raw:?} in {hint:?}: {got:?} ({:?})", fast.issue));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn validity_matches_the_crate_for_every_region() {
    // Every region's example numbers, plus near misses around them (a
    // digit changed, one missing, one extra, a different leading digit),
    // through the crate's parser so the national number is what it gives.
    let mut metas: Vec<&phonenumber::Metadata> = DATABASE.iter().collect();
    metas.sort_by_key(|m| (m.country_code(), m.id().to_owned()));
    let mut checked = 0;
    let mut valid = 0;
    for meta in metas {
        let d = meta.descriptors();
        let examples = [d.general(), d.fixed_line().unwrap_or(d.general())]
            .into_iter()
            .chain(d.mobile())
            .chain(d.toll_free())
            .chain(d.voip())
            .filter_map(|x| x.example());
        for ex in examples {
            let mut variants = vec![ex.to_owned(), format!("{ex}7"), format!("9{ex}")];
            if ex.len() > 2 {
                variants.push(ex[..ex.len() - 1].to_owned());
                let last = ex.as_bytes()[ex.len() - 1];
                let flipped = if last == b'9' {
                    '0'
                } else {
                    (last + 1) as char
                };
                variants.push(format!("{}{flipped}", &ex[..ex.len() - 1]));
            }
            for v in variants {
                let input = format!("+{}{v}", meta.country_code());
                if let Some((fast, slow)) = both(None, &input) {
                    assert_eq!(fast, slow, "{} {input}", meta.id());
                    checked += 1;
                    valid += usize::from(slow);
                }
            }
        }
    }
    // Hundreds of regions: the sweep must have run over both outcomes.
    assert!(checked > 1_000, "{checked}");
    assert!(valid > 300 && valid < checked, "{valid} of {checked}");
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 400,
        // Fixed, so every run (and CI) tries the same cases; explore others
        // with PROPTEST_RNG_SEED=<n> PROPTEST_CASES=<k> (docs/TESTING.md).
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x5EED),
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_digits_agree_with_the_crate(
        region in prop::sample::select(vec!["CN", "GB", "US", "DE", "FR", "AU", "CA", "JE", "IT", "IN"]),
        international in any::<bool>(),
        code in prop::sample::select(vec![1u16, 7, 33, 39, 44, 49, 61, 86, 91, 262, 358, 599, 800]),
        digits in "[0-9]{4,14}",
    ) {
        let region: country::Id = region.parse().unwrap();
        let input = if international { format!("+{code}{digits}") } else { digits.clone() };
        if let Some((fast, slow)) = both(Some(region), &input) {
            prop_assert_eq!(fast, slow, "{:?} {}", region, input);
        }
    }
}
