use super::*;

#[test]
fn genders() {
    let cases: &[(&str, Option<&str>, FieldStatus)] = &[
        ("F", Some("f"), FieldStatus::Valid),
        ("female", Some("f"), FieldStatus::Valid),
        ("Woman", Some("f"), FieldStatus::Valid),
        ("女", Some("f"), FieldStatus::Valid),
        ("M", Some("m"), FieldStatus::Valid),
        ("Male ", Some("m"), FieldStatus::Valid),
        ("男", Some("m"), FieldStatus::Valid),
        ("男性", Some("m"), FieldStatus::Valid),
        ("non-binary", Some("x"), FieldStatus::Valid),
        ("X", Some("x"), FieldStatus::Valid),
        ("unknown", None, FieldStatus::Missing),
        ("U", None, FieldStatus::Missing),
        ("", None, FieldStatus::Missing),
        ("banana", Some("banana"), FieldStatus::Invalid),
    ];
    for (raw, display, status) in cases {
        let g = gender(raw);
        assert_eq!(g.display.as_deref(), *display, "{raw}");
        assert_eq!(g.status, *status, "{raw}");
    }
    assert_eq!(gender("banana").issue, Some(reason::UNKNOWN_GENDER));
}

#[test]
fn national_ids() {
    type Case = (
        &'static str,
        Option<&'static str>,
        Option<&'static str>,
        Option<&'static str>,
    );
    let cases: &[Case] = &[
        ("123-45-6789", None, Some("123456789"), None),
        (" ab 12 34 56 c ", None, Some("AB123456C"), None),
        (
            "11010519491231002x",
            Some("CN"),
            Some("11010519491231002X"),
            None,
        ),
        (
            "110105194912310021",
            Some("CN"),
            None,
            Some(reason::CHECKSUM),
        ),
        ("110105194912310021", None, Some("110105194912310021"), None),
        ("666-12-3456", Some("US"), None, Some(reason::INVALID_SSN)),
        ("000000000", None, None, Some(reason::PLACEHOLDER)),
        ("12", None, None, Some(reason::TOO_SHORT)),
    ];
    for (raw, country, key, issue) in cases {
        let n = national_id(raw, *country);
        assert_eq!(n.key.as_deref(), *key, "{raw}");
        assert_eq!(n.issue, *issue, "{raw}");
    }
    assert_eq!(national_id("N/A", None).status, FieldStatus::Missing);
    assert_eq!(
        national_id("ab-123456c", None).display.as_deref(),
        Some("AB-123456C")
    );
}

#[test]
fn source_keys_are_only_trimmed() {
    assert_eq!(source_key("  C-0001 ").display.as_deref(), Some("C-0001"));
    assert_eq!(source_key("N/A").display.as_deref(), Some("N/A"));
    assert_eq!(source_key("  ").status, FieldStatus::Missing);
}
