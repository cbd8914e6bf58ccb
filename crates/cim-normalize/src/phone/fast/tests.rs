use super::super::{crate_parse, crate_reference as slow, phone, phone_with};
use super::*;
use phonenumber::metadata::DATABASE;
use proptest::prelude::*;

/// Checks one input: the fast path, when it answers, gives the crate's
/// answer (both the full crate path and cim's crate-parse path). Returns
/// whether the fast path answered.
fn check(region: Option<country::Id>, canonical: &str) -> bool {
    let Some(fast) = parse(region, canonical) else {
        return false;
    };
    assert_eq!(fast, slow(region, canonical), "{region:?} {canonical}");
    assert_eq!(
        fast,
        crate_parse(region, canonical),
        "{region:?} {canonical}"
    );
    true
}

fn id(s: &str) -> country::Id {
    s.parse().unwrap()
}

#[test]
fn a_varied_table_agrees_with_the_crate() {
    let cases: &[(Option<&str>, &str)] = &[
        (Some("CN"), "13800138000"),
        (Some("CN"), "+8613800138000"),
        (None, "+8613800138000"),
        (Some("GB"), "+8613800138000"),
        (Some("CN"), "01065529988"),
        (Some("CN"), "1065529988"),
        (Some("CN"), "008613800138000"),
        (Some("CN"), "+008613800138000"),
        (Some("CN"), "0013800138000"),
        (Some("CN"), "8613800138000"),
        (Some("CN"), "12345"),
        (Some("CN"), "12345678901"),
        (Some("CN"), "1380013800012345"),
        (Some("GB"), "02079460958"),
        (Some("GB"), "2079460958"),
        (Some("GB"), "442079460958"),
        (Some("GB"), "00442079460958"),
        (Some("GB"), "07777363601"),
        (Some("GB"), "07700900123"),
        (None, "+442079460958"),
        (None, "+4402079460958"),
        (Some("US"), "2025550123"),
        (Some("US"), "12025550123"),
        (Some("US"), "1235550199"),
        (Some("US"), "0114420794609580"),
        (Some("US"), "011442079460958"),
        (None, "+12025550123"),
        (None, "+14165550199"),
        (None, "+18765550123"),
        (None, "+15550100"),
        (Some("DE"), "030901820"),
        (Some("DE"), "015123456789"),
        (None, "+49891234567"),
        (Some("AU"), "0412345678"),
        (Some("FR"), "0612345678"),
        (Some("IT"), "0236618300"),
        (None, "+390236618300"),
        (Some("BR"), "011987654321"),
        (Some("BR"), "01511987654321"),
        (Some("AR"), "01115123456"),
        (Some("MX"), "0445512345678"),
        (None, "+80012345678"),
        (None, "+979123456789"),
        (None, "+99912345678"),
        (None, "+012345678"),
        (None, "+123"),
        (None, "+000000000"),
        (Some("GB"), "+440000000"),
        (Some("CN"), "00000000000"),
        (Some("CN"), "99999999999999999"),
        (None, "+86999999999999999"),
        (None, "+442079460958095809"),
    ];
    let mut answered = 0;
    for (region, canonical) in cases {
        answered += usize::from(check(region.map(id), canonical));
    }
    assert!(answered + 2 >= cases.len(), "{answered} of {}", cases.len());
}

/// Regions the crate knows by a two-letter id, sorted.
fn regions() -> Vec<&'static phonenumber::Metadata> {
    let mut metas: Vec<&phonenumber::Metadata> = DATABASE.iter().collect();
    metas.sort_by_key(|m| (m.country_code(), m.id().to_owned()));
    metas
}

#[test]
fn every_regions_examples_agree_with_the_crate_written_several_ways() {
    let mut checked = 0;
    let mut answered = 0;
    let mut valid = 0;
    let others = [None, Some(id("CN")), Some(id("US")), Some(id("GB"))];
    for meta in regions() {
        let home = meta.id().parse::<country::Id>().ok();
        let d = meta.descriptors();
        let examples = [d.general(), d.fixed_line().unwrap_or(d.general())]
            .into_iter()
            .chain(d.mobile())
            .chain(d.toll_free())
            .chain(d.voip())
            .chain(d.premium_rate())
            .chain(d.uan())
            .filter_map(|x| x.example());
        let cc = meta.country_code();
        let np = meta.national_prefix().unwrap_or("");
        for ex in examples {
            let mut variants = vec![ex.to_owned(), format!("{ex}7"), format!("9{ex}")];
            if ex.len() > 2 {
                variants.push(ex[..ex.len() - 1].to_owned());
            }
            for v in variants {
                let mut inputs: Vec<(Option<country::Id>, String)> = vec![];
                for r in others {
                    inputs.push((r, format!("+{cc}{v}")));
                    inputs.push((r, format!("+{cc}0{v}")));
                }
                if home.is_some() {
                    inputs.push((home, v.clone()));
                    inputs.push((home, format!("{np}{v}")));
                    inputs.push((home, format!("{cc}{v}")));
                    inputs.push((home, format!("00{cc}{v}")));
                    inputs.push((home, format!("011{cc}{v}")));
                    inputs.push((home, format!("+{cc}{v}")));
                    inputs.push((home, format!("0{v}")));
                }
                for (r, input) in inputs {
                    checked += 1;
                    if check(r, &input) {
                        answered += 1;
                        valid += usize::from(parse(r, &input).is_some_and(|p| p.is_ok()));
                    }
                }
            }
        }
    }
    // The sweep must be large, nearly all of it on the fast path, and
    // cover both outcomes.
    assert!(checked > 20_000, "{checked}");
    assert!(answered * 100 >= checked * 99, "{answered} of {checked}");
    assert!(valid > 2_000 && valid < answered, "{valid} of {answered}");
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 2000,
        // Fixed, so every run (and CI) tries the same cases; explore others
        // with PROPTEST_RNG_SEED=<n> PROPTEST_CASES=<k> (docs/TESTING.md).
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x5EED),
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_digits_agree_with_the_crate(
        region in prop::sample::select(vec![
            "", "CN", "GB", "US", "DE", "FR", "AU", "CA", "JE", "IT", "IN", "BR", "AR", "MX",
            "RU", "JP", "KR", "HK", "TW", "SG", "NZ", "ZA", "NG", "ES", "NL", "CH", "SE", "IE",
        ]),
        prefix in prop::sample::select(vec!["", "+", "00", "0", "011", "+00", "+0"]),
        code in prop::sample::select(vec![
            "", "1", "7", "33", "39", "44", "49", "52", "54", "55", "61", "86", "91", "262",
            "358", "599", "800", "999", "0",
        ]),
        digits in "[0-9]{1,15}",
    ) {
        let region = (!region.is_empty()).then(|| id(region));
        let input = format!("{prefix}{code}{digits}");
        check(region, &input);
    }
}

#[test]
fn phone_matches_the_crate_path() {
    // Through `phone` (memo and fast path) against `phone_with` and the
    // crate: separators, full-width digits, `00`, `(0)`, extensions.
    let cases: &[(&str, Option<&str>)] = &[
        ("138 0013 8000", Some("CN")),
        ("１３８－００１３－８０００", Some("CN")),
        ("+86 (0)10 6552 9988", None),
        ("0086 186 1234 5678", None),
        ("0044 20 7946 0958", Some("GB")),
        ("(202) 555-0143 x12", Some("US")),
        ("+1 416 555 0199", None),
        ("030 901820", Some("DE")),
        ("+49 (0) 89 1234567", None),
        ("+999 1234 5678", None),
        ("12345678901234567", Some("US")),
    ];
    for (raw, region) in cases {
        let want = phone_with(raw, *region, |r, c| slow(r, &c));
        assert_eq!(phone(raw, *region), want, "{raw} {region:?}");
    }
}

#[test]
fn code_text_is_to_string() {
    for code in [0u16, 1, 9, 10, 44, 86, 100, 599, 999, 1000, 65535] {
        let mut buf = [0u8; 5];
        assert_eq!(fmt_u16(&mut buf, code), code.to_string());
    }
}
