use super::*;

#[test]
fn valid_numbers_become_e164() {
    // raw, region, display, key
    let cases: &[(&str, Option<&str>, &str, &str)] = &[
        (
            "138 0013 8000",
            Some("CN"),
            "+8613800138000",
            "+8613800138000",
        ),
        (
            "13800138000",
            Some("cn"),
            "+8613800138000",
            "+8613800138000",
        ),
        (
            "１３８－００１３－８０００",
            Some("CN"),
            "+8613800138000",
            "+8613800138000",
        ),
        (
            "+86 138 0013 8000",
            None,
            "+8613800138000",
            "+8613800138000",
        ),
        (
            "0086 138 0013 8000",
            None,
            "+8613800138000",
            "+8613800138000",
        ),
        (
            "+86 138 0013 8000",
            Some("GB"),
            "+8613800138000",
            "+8613800138000",
        ),
        (
            "(010) 6552 9988",
            Some("CN"),
            "+861065529988",
            "+861065529988",
        ),
        (
            "020 7946 0958",
            Some("GB"),
            "+442079460958",
            "+442079460958",
        ),
        (
            "+44 (0)20 7946 0958",
            None,
            "+442079460958",
            "+442079460958",
        ),
        (
            "0044 20 7946 0958",
            Some("GB"),
            "+442079460958",
            "+442079460958",
        ),
        ("(202) 555-0123", Some("US"), "+12025550123", "+12025550123"),
        (
            "202.555.0123 x123",
            Some("US"),
            "+12025550123 ext. 123",
            "+12025550123",
        ),
        (
            "202-555-0123 ext. 45",
            Some("US"),
            "+12025550123 ext. 45",
            "+12025550123",
        ),
        (
            "+1 202 555 0123 Ext 7",
            None,
            "+12025550123 ext. 7",
            "+12025550123",
        ),
        (
            "010-65529988转808",
            Some("CN"),
            "+861065529988 ext. 808",
            "+861065529988",
        ),
        ("0412 345 678", Some("AU"), "+61412345678", "+61412345678"),
        ("030 1234567", Some("DE"), "+49301234567", "+49301234567"),
        (
            "13800138000; 13900139000",
            Some("CN"),
            "+8613800138000",
            "+8613800138000",
        ),
    ];
    for (raw, region, display, key) in cases {
        let p = phone(raw, *region);
        assert_eq!(
            p.status,
            FieldStatus::Valid,
            "{raw} ({region:?}): {:?}",
            p.issue
        );
        assert_eq!(p.display.as_deref(), Some(*display), "display of {raw}");
        assert_eq!(p.key.as_deref(), Some(*key), "key of {raw}");
    }
    assert_eq!(
        phone("202.555.0123 x123", Some("US")).extension.as_deref(),
        Some("123")
    );
}

#[test]
fn invalid_numbers_keep_digits() {
    // raw, region, issue, key
    let cases: &[(&str, Option<&str>, &str, Option<&str>)] = &[
        (
            "138 0013 8000",
            None,
            reason::NO_REGION,
            Some("13800138000"),
        ),
        ("12345", Some("CN"), reason::TOO_SHORT, Some("12345")),
        (
            "(123) 555-0199",
            Some("US"),
            reason::INVALID_NUMBER,
            Some("1235550199"),
        ),
        ("1234", Some("GB"), reason::TOO_SHORT, Some("1234")),
        (
            "+999 1234 5678",
            None,
            reason::INVALID_COUNTRY_CODE,
            Some("99912345678"),
        ),
        (
            "1380013800012345678",
            Some("CN"),
            reason::TOO_LONG,
            Some("1380013800012345678"),
        ),
        ("0000000000", Some("GB"), reason::PLACEHOLDER, None),
        ("888-888-8888", Some("US"), reason::PLACEHOLDER, None),
        ("1234567890", Some("US"), reason::PLACEHOLDER, None),
        ("call me", Some("US"), reason::NOT_A_NUMBER, None),
        (
            "+1 555 0100",
            None,
            reason::INVALID_NUMBER,
            Some("15550100"),
        ),
    ];
    for (raw, region, issue, key) in cases {
        let p = phone(raw, *region);
        assert_eq!(p.status, FieldStatus::Invalid, "{raw}");
        assert_eq!(p.issue, Some(*issue), "issue of {raw}");
        assert_eq!(p.key.as_deref(), *key, "key of {raw}");
        assert_eq!(
            p.display.as_deref(),
            Some(clean(raw).as_str()),
            "display of {raw}"
        );
    }
    for raw in ["", "N/A", "-", "none"] {
        let p = phone(raw, Some("US"));
        assert_eq!(p.status, FieldStatus::Missing);
        assert_eq!(p.key, None);
    }
}

#[test]
fn placeholder_digit_runs() {
    assert!(is_placeholder_digits("0000000"));
    assert!(is_placeholder_digits("123456789"));
    assert!(is_placeholder_digits("9876543210"));
    assert!(!is_placeholder_digits("13800138000"));
    assert!(!is_placeholder_digits("123"));
}

#[test]
fn the_memo_changes_nothing() {
    let inputs = [
        ("138 0013 8000", Some("CN")),
        ("13800138000", Some("CN")),
        ("+86 138 0013 8000", Some("CN")),
        ("138 0013 8000", Some("GB")),
        ("020 7946 0958", Some("GB")),
        ("020 7946 0958", Some("CN")),
        ("(123) 555-0199", Some("US")),
        ("+44 20 7946 0958", None),
        ("0044 20 7946 0958", None),
        ("20 7946 0958", None),
    ];
    // Twice: the second round is served from the memo.
    for _ in 0..2 {
        for (raw, region) in inputs {
            let uncached = phone_with(raw, region, |r, c| parse_uncached(r, &c));
            assert_eq!(phone(raw, region), uncached, "{raw} {region:?}");
        }
    }
}

#[test]
fn region_table_matches_parsing() {
    let mut n = 0;
    for a in 'A'..='Z' {
        for b in 'A'..='Z' {
            for code in [
                format!("{a}{b}"),
                format!("{}{b}", a.to_ascii_lowercase()),
                format!(" {a}{} ", b.to_ascii_lowercase()),
            ] {
                let want = parse_region(code.trim());
                assert_eq!(region_id(Some(&code)), want, "{code:?}");
                n += usize::from(want.is_some());
            }
        }
    }
    assert!(n > 3 * 200, "most ISO regions parse: {n}");
    for odd in ["G", "GBR", "1A", "é", "", "G1"] {
        assert_eq!(region_id(Some(odd)), None, "{odd:?}");
    }
    assert_eq!(region_id(None), None);
}

#[test]
fn an_e164_that_does_not_read_back_is_invalid() {
    // Found by the idempotence property: the parser accepts "+91 011 ..."
    // (a national prefix after the country code) as +911120000000, and
    // rejects +911120000000 itself. Both are invalid now, with one key.
    for raw in ["+9101120000000", "+911120000000", "009101120000000"] {
        let n = phone(raw, Some("CN"));
        assert_eq!(n.status, FieldStatus::Invalid, "{raw:?}");
        assert_eq!(n.display.as_deref(), Some(raw));
    }
    // A trunk zero that reads back stays valid: +44 (0)20 ... and +44 020 ...
    for raw in ["+44 (0)20 7946 0018", "+44 020 7946 0018"] {
        let n = phone(raw, None);
        assert_eq!(n.key.as_deref(), Some("+442079460018"), "{raw:?}");
        assert_eq!(n.status, FieldStatus::Valid, "{raw:?}");
    }
}

#[test]
fn a_panic_in_the_parser_is_caught() {
    assert_eq!(without_panicking(|| 7), Some(7));
    let caught: Option<u8> = without_panicking(|| panic!("parser bug"));
    assert_eq!(caught, None);
}

/// Random punctuation, letters, full-width digits and `+` signs in every
/// position, with and without a region: every input gives a status, and a
/// valid number's key is E.164.
#[test]
fn garbage_never_panics_and_valid_keys_are_e164() {
    let regions = [
        None,
        Some("CN"),
        Some("GB"),
        Some("US"),
        Some("DE"),
        Some("CH"),
        Some("IN"),
    ];
    let chars: Vec<char> = "0123456789+-() .#x;:tel/*,extEXT０１２３４５６７８９＋a转"
        .chars()
        .collect();
    let mut x: u64 = 0x1234_5678;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut valid = 0;
    for _ in 0..20_000 {
        let len = 1 + (next() % 26) as usize;
        let raw: String = (0..len)
            .map(|_| chars[(next() % chars.len() as u64) as usize])
            .collect();
        let region = regions[(next() % regions.len() as u64) as usize];
        let p = phone(&raw, region);
        if p.status == FieldStatus::Valid {
            valid += 1;
            let key = p.key.expect("a valid number has a key");
            assert!(
                key.starts_with('+') && key[1..].bytes().all(|b| b.is_ascii_digit()),
                "{key}"
            );
        }
    }
    // Some of the random strings are real numbers: the check above ran.
    assert!(valid > 0);
}
