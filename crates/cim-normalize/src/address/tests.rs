use super::*;

fn opts() -> NormalizeOptions {
    NormalizeOptions::default()
}

#[test]
fn address_keys_canonicalise_abbreviations() {
    let same: &[(&str, &str)] = &[
        ("12 Main Street", "12 main st"),
        ("12 MAIN ST.", "12 main st"),
        ("45 Queen's Road North", "45 queens rd n"),
        ("45 Queens Rd N", "45 queens rd n"),
        ("7 Park Avenue, Apartment 3B", "7 pk ave apt 3b"),
        ("7 Park Ave Apt 3B", "7 pk ave apt 3b"),
        ("3 Mulberry Crescent", "3 mulberry cres"),
        ("3 Mulberry Cres.", "3 mulberry cres"),
        ("9 Church Place", "9 church pl"),
        ("22 Ocean Drive", "22 ocean dr"),
        ("22 Ocean Dr", "22 ocean dr"),
        ("1 St Kilda Road", "1 st kilda rd"),
        ("1 Saint Kilda Rd", "1 st kilda rd"),
        ("Hauptstraße 5", "hauptst 5"),
        ("Hauptstr. 5", "hauptst 5"),
        ("Rue de l'Église 4", "rue de leglise 4"),
        ("北京市朝阳区建国路８８号", "北京市朝阳区建国路88号"),
    ];
    for (raw, want) in same {
        assert_eq!(address_key(raw, &opts()), *want, "{raw}");
    }
}

#[test]
fn house_numbers() {
    let cases: &[(&str, Option<&str>)] = &[
        ("12 Main Street", Some("12")),
        ("12A High St", Some("12a")),
        ("Unit 5/12 Smith St", Some("12")),
        ("5/12 Smith St", Some("12")),
        ("Apt 4B, 123 Main Street", Some("123")),
        ("Flat 2, 10 Downing Street", Some("10")),
        ("12-14 Wharf Rd", Some("12")),
        ("Hauptstraße 5", Some("5")),
        ("建国路88号", Some("88")),
        ("北京市朝阳区建国路８８号院3号楼", Some("88")),
        ("123 5th Avenue", Some("123")),
        ("5th Avenue", None),
        ("#12 Orchard Road", None),
        ("PO Box 123", None),
        ("Rose Cottage", None),
        ("No. 7 Wall St", Some("7")),
    ];
    for (raw, want) in cases {
        assert_eq!(house_number(raw).as_deref(), *want, "{raw}");
    }
}

#[test]
fn address_lines_together() {
    let a = address(Some("  12 Main Street "), Some("Apartment 4"), &opts());
    assert_eq!(a.line1.display.as_deref(), Some("12 Main Street"));
    assert_eq!(a.line2.display.as_deref(), Some("Apartment 4"));
    assert_eq!(a.key.as_deref(), Some("12 main st apt 4"));
    assert_eq!(a.house_number.as_deref(), Some("12"));
    let a = address(Some("N/A"), None, &opts());
    assert_eq!(a.line1.status, FieldStatus::Missing);
    assert_eq!(a.key, None);
    let a = address(Some("Rose Cottage"), Some("7 Mill Lane"), &opts());
    assert_eq!(a.house_number.as_deref(), Some("7"));
}

#[test]
fn postcodes_per_country() {
    // raw, country, display, key
    let cases: &[(&str, Option<&str>, &str, &str)] = &[
        ("sw1a1aa", Some("GB"), "SW1A 1AA", "SW1A1AA"),
        ("SW1A 1AA", Some("GB"), "SW1A 1AA", "SW1A1AA"),
        ("ec1a 1bb", Some("gb"), "EC1A 1BB", "EC1A1BB"),
        ("M1 1AE", Some("GB"), "M1 1AE", "M11AE"),
        ("b338th", Some("GB"), "B33 8TH", "B338TH"),
        ("12345-6789", Some("US"), "12345-6789", "12345"),
        ("123456789", Some("US"), "12345-6789", "12345"),
        ("12345", Some("US"), "12345", "12345"),
        ("2134", Some("US"), "02134", "02134"),
        ("100020", Some("CN"), "100020", "100020"),
        ("１０００２０", Some("CN"), "100020", "100020"),
        ("2000", Some("AU"), "2000", "2000"),
        ("10115", Some("DE"), "10115", "10115"),
        ("k1a0b1", Some("CA"), "K1A 0B1", "K1A0B1"),
        ("1012ab", Some("NL"), "1012 AB", "1012AB"),
        ("1000001", Some("JP"), "100-0001", "1000001"),
        ("sw1a 1aa", None, "SW1A 1AA", "SW1A1AA"),
        ("75008", None, "75008", "75008"),
        ("d02 x285", Some("IE"), "D02 X285", "D02X285"),
    ];
    for (raw, country, display, key) in cases {
        let p = postcode(raw, *country);
        assert_eq!(p.status, FieldStatus::Valid, "{raw} {country:?}");
        assert_eq!(p.display.as_deref(), Some(*display), "display of {raw}");
        assert_eq!(p.key.as_deref(), Some(*key), "key of {raw}");
    }
    let invalid: &[(&str, Option<&str>)] = &[
        ("12345", Some("GB")),
        ("1234", Some("CN")),
        ("ABCDE", Some("DE")),
        ("123", Some("US")),
        ("12", None),
    ];
    for (raw, country) in invalid {
        let p = postcode(raw, *country);
        assert_eq!(p.status, FieldStatus::Invalid, "{raw} {country:?}");
        assert_eq!(p.issue, Some(reason::INVALID_POSTCODE));
    }
    assert_eq!(
        postcode("12345", Some("GB")).key.as_deref(),
        Some("12345"),
        "generic key kept"
    );
    assert_eq!(postcode("N/A", Some("GB")).status, FieldStatus::Missing);
}

#[test]
fn countries_to_alpha2() {
    let cases: &[(&str, &str)] = &[
        ("China", "CN"),
        ("中国", "CN"),
        ("中华人民共和国", "CN"),
        ("P.R. China", "CN"),
        ("CHN", "CN"),
        ("cn", "CN"),
        ("UK", "GB"),
        ("United Kingdom", "GB"),
        ("Great Britain", "GB"),
        ("England", "GB"),
        ("英国", "GB"),
        ("USA", "US"),
        ("U.S.A.", "US"),
        ("United States of America", "US"),
        ("the United States", "US"),
        ("美国", "US"),
        ("Deutschland", "DE"),
        ("Côte d'Ivoire", "CI"),
        ("Cote d’Ivoire", "CI"),
        ("The Netherlands", "NL"),
        ("Holland", "NL"),
        ("香港", "HK"),
        ("Australia", "AU"),
        ("澳大利亚", "AU"),
        ("ＪＰ", "JP"),
    ];
    for (raw, code) in cases {
        let c = country(raw);
        assert_eq!(c.status, FieldStatus::Valid, "{raw}");
        assert_eq!(c.key.as_deref(), Some(*code), "{raw}");
        assert_eq!(c.display.as_deref(), Some(*code), "{raw}");
    }
    let c = country("Atlantis");
    assert_eq!(c.status, FieldStatus::Invalid);
    assert_eq!(c.issue, Some(reason::UNKNOWN_COUNTRY));
    assert_eq!(c.display.as_deref(), Some("Atlantis"));
    assert_eq!(country("").status, FieldStatus::Missing);
    assert_eq!(country_code("Deutschland"), Some("DE"));
}

#[test]
fn cities_and_regions() {
    let cases: &[(&str, &str, &str)] = &[
        ("  São   Paulo ", "São Paulo", "sao paulo"),
        ("St. Louis", "St. Louis", "st louis"),
        ("Saint Louis", "Saint Louis", "st louis"),
        ("Mount Isa", "Mount Isa", "mt isa"),
        ("北京市", "北京市", "北京"),
        ("北京", "北京", "北京"),
        ("Zürich", "Zürich", "zurich"),
        ("ＳＨＡＮＧＨＡＩ", "SHANGHAI", "shanghai"),
    ];
    for (raw, display, key) in cases {
        let c = city(raw, &opts());
        assert_eq!(c.display.as_deref(), Some(*display), "{raw}");
        assert_eq!(c.key.as_deref(), Some(*key), "{raw}");
    }
    assert_eq!(city("12345", &opts()).issue, Some(reason::NO_LETTERS));
    let r = region(" New  South Wales ");
    assert_eq!(r.display.as_deref(), Some("New South Wales"));
    assert_eq!(r.key, None);
    assert_eq!(region("-").status, FieldStatus::Missing);
}
