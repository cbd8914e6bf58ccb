use super::*;
use phonenumber::metadata::{DATABASE, Descriptor, Metadata};

/// A pattern's source, checking how it is compiled.
fn source(p: Option<Pat>, anchored: bool) -> Option<&'static str> {
    p.map(|p| {
        let (source, a) = p.source();
        assert_eq!(a, anchored, "{source:?}");
        source
    })
}

fn assert_same_desc(ours: &Desc, theirs: &Descriptor, what: &str) {
    assert_eq!(
        source(Some(ours.pattern), true),
        Some(theirs.national_number().as_str()),
        "{what}"
    );
    assert_eq!(ours.possible_length, theirs.possible_length(), "{what}");
}

fn assert_same(ours: &Region, theirs: &Metadata) {
    let what = format!("{} +{}", theirs.id(), theirs.country_code());
    assert_eq!(ours.id, theirs.id(), "{what}");
    assert_eq!(ours.country_code, theirs.country_code(), "{what}");
    assert_eq!(
        source(ours.leading_digits, true),
        theirs.leading_digits().map(|r| r.as_str()),
        "{what} leading digits"
    );
    let d = theirs.descriptors();
    assert_same_desc(&ours.general, d.general(), &what);
    assert_eq!(
        ours.general_local_length,
        d.general().possible_local_length(),
        "{what}"
    );
    let types: Vec<&Descriptor> = [
        d.premium_rate(),
        d.toll_free(),
        d.shared_cost(),
        d.voip(),
        d.personal_number(),
        d.pager(),
        d.uan(),
        d.voicemail(),
        d.fixed_line(),
        d.mobile(),
    ]
    .into_iter()
    .flatten()
    .collect();
    assert_eq!(ours.types.len(), types.len(), "{what} types");
    for (o, t) in ours.types.iter().zip(types) {
        assert_same_desc(o, t, &what);
    }
    assert_eq!(
        source(ours.idd, false),
        theirs.international_prefix().map(|r| r.as_str()),
        "{what} IDD"
    );
    assert_eq!(ours.national_prefix, theirs.national_prefix(), "{what}");
    assert_eq!(
        source(ours.national_prefix_for_parsing, false),
        theirs.national_prefix_for_parsing().map(|r| r.as_str()),
        "{what} national prefix for parsing"
    );
    assert_eq!(
        ours.transform_rule,
        theirs.national_prefix_transform_rule(),
        "{what}"
    );
}

#[test]
fn tables_hold_what_the_crates_database_holds() {
    // By calling code, which reaches every entry (`DATABASE.iter()` yields
    // one per id, so one of the many "001" entities).
    let mut entries = 0;
    for code in 0..=u16::MAX {
        let theirs = DATABASE.by_code(&code).unwrap_or_default();
        let ours: Vec<&Region> = by_code(code).collect();
        assert_eq!(is_known_code(code), !theirs.is_empty(), "+{code}");
        assert_eq!(ours.len(), theirs.len(), "+{code}");
        let ids: Vec<&str> = ours.iter().map(|r| r.id).collect();
        assert_eq!(DATABASE.region(&code).unwrap_or_default(), ids, "+{code}");
        for (o, t) in ours.iter().zip(theirs) {
            assert_same(o, t);
        }
        entries += ours.len();
    }
    assert_eq!(entries, REGIONS.len());
    assert!(entries > 200, "{entries}");

    // By id, for every id `country::Id` knows.
    let mut found = 0;
    for i in 0..26 * 26 {
        let code = [b'A' + (i / 26) as u8, b'A' + (i % 26) as u8];
        let code = std::str::from_utf8(&code).unwrap();
        let Ok(id) = code.parse::<country::Id>() else {
            continue;
        };
        match (by_id(id), DATABASE.by_id(code)) {
            (Some(o), Some(t)) => {
                assert_same(o, t);
                found += 1;
            }
            (None, None) => {}
            (o, t) => panic!("{code}: {:?} vs {:?}", o.map(|r| r.id), t.map(|m| m.id())),
        }
    }
    assert!(found > 200, "{found}");
}

#[test]
fn every_metadata_pattern_compiles_with_an_ascii_digit_class() {
    // `compiled` turns Unicode off, which rejects a pattern that could
    // match non-ASCII text (`.`, a negated class): none may.
    for i in 0..PATTERN_COUNT {
        Pat(i as u16).get();
    }
}

/// Runs this test alone in a child process (a fresh `DATABASE`), and there
/// checks that numbers the fast path follows never load the crate's
/// database: its ~0.6G-instruction load is what the tables avoid.
#[test]
fn fast_path_numbers_never_load_the_crates_database() {
    const CHILD: &str = "CIM_PHONE_DATABASE_CHILD";
    if std::env::var_os(CHILD).is_none() {
        let name = concat!(
            module_path!(),
            "::fast_path_numbers_never_load_the_crates_database"
        );
        let name = name.split_once("::").map_or(name, |(_, rest)| rest);
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args([name, "--exact", "--test-threads=1"])
            .env(CHILD, "1")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{stdout}");
        // The filter must have matched (a renamed test would run nothing).
        assert!(stdout.contains("1 passed"), "{stdout}");
        return;
    }
    let cases: &[(&str, Option<&str>)] = &[
        ("138 0013 8000", Some("CN")),
        ("+86 (0)10 6552 9988", None),
        ("0086 186 1234 5678", None),
        ("020 7946 0958", Some("GB")),
        ("+44 7911 123456 ext. 45", None),
        ("07700 900123", Some("GB")),
        ("(202) 555-0143", Some("US")),
        ("+1 416 555 0199", None),
        ("+1 876 555 0123", None),
        ("030 901820", Some("DE")),
        ("+49 (0) 89 1234567", None),
        ("+800 1234 5678", None),
        ("+999 1234 5678", None),
        ("12345678901234567", Some("US")),
    ];
    for (raw, region) in cases {
        super::super::phone(raw, *region);
    }
    crate::mask(cim_schema::CanonicalField::Phone, "+86 138 0013 8000");
    assert!(once_cell::sync::Lazy::get(&DATABASE).is_none());
}
