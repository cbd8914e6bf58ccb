//! One test per rule, validity-awareness, tie-breaks and units.

use std::collections::BTreeMap;

use cim_merge::{Rule, SurvivorshipOptions};
use cim_schema::{CanonicalField as F, MatchKey};

use crate::helper::{Rec, cell, lineage, merge_groups, rec};

fn opts_with(field: F, rule: Rule) -> SurvivorshipOptions {
    let mut o = SurvivorshipOptions {
        source_priority: vec!["web".into(), "crm".into(), "shop".into()],
        ..Default::default()
    };
    o.fields.insert(field, rule);
    o
}

/// Seven records of one customer with competing company names. Each rule
/// picks a different one; the invalid one (newest, longest, first in record
/// order of its source, on the most trusted source) must never win.
fn companies() -> Vec<Rec> {
    vec![
        rec("crm", "1", 20)
            .v(F::Company, "Acme")
            .at("2024-01-01T00:00:00Z"),
        rec("web", "1", 2)
            .v(F::Company, "Bolt")
            .at("2023-06-01T00:00:00Z"),
        rec("shop", "1", 5)
            .v(F::Company, "Zenith")
            .at("2024-06-01T00:00:00Z"),
        rec("shop", "2", 6)
            .v(F::Company, "ACME")
            .at("2022-01-01T00:00:00Z"),
        rec("crm", "2", 9)
            .v(F::Company, "Consolidated Widgets")
            .at("2021-01-01T00:00:00Z"),
        rec("crm", "3", 3)
            .v(F::Company, "Delta")
            .at("2020-01-01T00:00:00Z"),
        rec("web", "0", 1)
            .bad(F::Company, "Xylophone Flagged Company Name Longest")
            .at("2025-01-01T00:00:00Z"),
    ]
}

#[test]
fn every_scalar_rule_picks_its_value_and_never_an_invalid_one() {
    let table = [
        (Rule::MostRecent, "Zenith", "shop:1"),
        (Rule::MostFrequent, "Acme", "crm:1"),
        (Rule::SourcePriority, "Bolt", "web:1"),
        (Rule::Longest, "Consolidated Widgets", "crm:2"),
        (Rule::FirstValid, "Delta", "crm:3"),
        (Rule::Max, "Zenith", "shop:1"),
        (Rule::Min, "ACME", "shop:2"),
    ];
    for (rule, value, from) in table {
        let out = merge_groups(&[companies()], &opts_with(F::Company, rule));
        assert_eq!(cell(&out, "company", 0).as_deref(), Some(value), "{rule:?}");
        assert_eq!(
            lineage(&out, "company", 0).as_deref(),
            Some(from),
            "{rule:?}"
        );
    }
}

#[test]
fn collect_all_lists_distinct_valid_values_best_first() {
    let out = merge_groups(&[companies()], &opts_with(F::Company, Rule::CollectAll));
    // acme (2 records, by key) first, shown as its most recent spelling; then
    // by recency; the invalid value is left out because valid ones exist.
    assert_eq!(
        cell(&out, "company", 0).as_deref(),
        Some("Acme|Zenith|Bolt|Consolidated Widgets|Delta")
    );
    assert_eq!(lineage(&out, "company", 0).as_deref(), Some("crm:1"));
}

#[test]
fn invalid_values_survive_only_when_nothing_valid_exists() {
    let recs = vec![
        rec("crm", "1", 1)
            .bad(F::Company, "???")
            .at("2024-01-01T00:00:00Z"),
        rec("web", "1", 1)
            .bad(F::Company, "!!!")
            .at("2023-01-01T00:00:00Z"),
        rec("shop", "1", 1).at("2025-01-01T00:00:00Z"),
    ];
    for (rule, want) in [(Rule::MostRecent, "???"), (Rule::CollectAll, "???|!!!")] {
        let out = merge_groups(std::slice::from_ref(&recs), &opts_with(F::Company, rule));
        // Missing values never win: the newest record has no company at all.
        assert_eq!(cell(&out, "company", 0).as_deref(), Some(want), "{rule:?}");
        assert_eq!(lineage(&out, "company", 0).as_deref(), Some("crm:1"));
    }
}

#[test]
fn valid_phone_beats_more_frequent_invalid_ones() {
    let recs = vec![
        rec("crm", "1", 1).bad(F::Phone, "12345").at("2024-05-01"),
        rec("web", "1", 1).bad(F::Phone, "12345").at("2024-06-01"),
        rec("shop", "1", 1)
            .v(F::Phone, "+14155550100")
            .key(MatchKey::Phone, "+14155550100")
            .at("2019-01-01"),
        rec("shop", "2", 2)
            .v(F::Phone, "(415) 555-0100")
            .key(MatchKey::Phone, "+14155550100")
            .at("2018-01-01"),
    ];
    // Default options: phone is collect_all; the two spellings of the valid
    // number share a match key and appear once, the newer spelling first.
    let out = merge_groups(std::slice::from_ref(&recs), &SurvivorshipOptions::default());
    assert_eq!(cell(&out, "phone", 0).as_deref(), Some("+14155550100"));
    assert_eq!(lineage(&out, "phone", 0).as_deref(), Some("shop:1"));
    for rule in [Rule::MostFrequent, Rule::MostRecent, Rule::SourcePriority] {
        let out = merge_groups(std::slice::from_ref(&recs), &opts_with(F::Phone, rule));
        assert_eq!(
            cell(&out, "phone", 0).as_deref(),
            Some("+14155550100"),
            "{rule:?}"
        );
    }
}

#[test]
fn plausible_birth_date_beats_flagged_placeholder() {
    let recs = vec![
        rec("crm", "1", 1).bad(F::DateOfBirth, "1900-01-01"),
        rec("web", "1", 1).bad(F::DateOfBirth, "1900-01-01"),
        rec("shop", "1", 1).v(F::DateOfBirth, "1985-03-02"),
    ];
    let out = merge_groups(std::slice::from_ref(&recs), &SurvivorshipOptions::default());
    assert_eq!(
        cell(&out, "date_of_birth", 0).as_deref(),
        Some("1985-03-02")
    );
    assert_eq!(lineage(&out, "date_of_birth", 0).as_deref(), Some("shop:1"));
    // Min would pick 1900 without validity-awareness.
    let out = merge_groups(&[recs], &opts_with(F::DateOfBirth, Rule::Min));
    assert_eq!(
        cell(&out, "date_of_birth", 0).as_deref(),
        Some("1985-03-02")
    );
}

#[test]
fn max_and_min_compare_dates_and_numbers_by_value() {
    let recs = vec![
        rec("crm", "1", 1)
            .v(F::DateOfBirth, "1985-03-02")
            .v(F::Region, "9"),
        rec("web", "1", 1)
            .v(F::DateOfBirth, "1985-12-30")
            .v(F::Region, "10"),
        rec("shop", "1", 1)
            .v(F::DateOfBirth, "1979-07-14")
            .v(F::Region, "100"),
    ];
    let mut o = opts_with(F::DateOfBirth, Rule::Max);
    o.keep_address_together = false;
    o.fields.insert(F::Region, Rule::Max);
    let out = merge_groups(std::slice::from_ref(&recs), &o);
    assert_eq!(
        cell(&out, "date_of_birth", 0).as_deref(),
        Some("1985-12-30")
    );
    assert_eq!(cell(&out, "region", 0).as_deref(), Some("100")); // not "9" as text would
    o.fields.insert(F::DateOfBirth, Rule::Min);
    o.fields.insert(F::Region, Rule::Min);
    let out = merge_groups(&[recs], &o);
    assert_eq!(
        cell(&out, "date_of_birth", 0).as_deref(),
        Some("1979-07-14")
    );
    assert_eq!(cell(&out, "region", 0).as_deref(), Some("9"));
}

#[test]
fn ties_break_by_frequency_recency_priority_record_order_then_record_id() {
    let mr = opts_with(F::Company, Rule::MostFrequent);
    // (records, expected winner): each case removes the previous criterion.
    let cases: Vec<(Vec<Rec>, &str)> = vec![
        // Equal frequency (2 v 2): the most recent record's group wins.
        (
            vec![
                rec("crm", "1", 1).v(F::Company, "Alpha").at("2024-01-01"),
                rec("crm", "2", 2).v(F::Company, "Alpha").at("2020-01-01"),
                rec("web", "1", 1).v(F::Company, "Beta").at("2024-02-01"),
                rec("web", "2", 2).v(F::Company, "Beta").at("2020-01-01"),
            ],
            "web:1",
        ),
        // Same recency: source priority (web before crm).
        (
            vec![
                rec("crm", "1", 1).v(F::Company, "Alpha").at("2024-01-01"),
                rec("web", "1", 1).v(F::Company, "Beta").at("2024-01-01"),
            ],
            "web:1",
        ),
        // Same source, no dates: record order (line).
        (
            vec![
                rec("shop", "1", 7).v(F::Company, "Alpha"),
                rec("shop", "2", 3).v(F::Company, "Beta"),
            ],
            "shop:2",
        ),
        // Same source and line, different files: file order.
        (
            vec![
                rec("shop", "1", 3).file("b.csv").v(F::Company, "Alpha"),
                rec("shop", "2", 3).file("a.csv").v(F::Company, "Beta"),
            ],
            "shop:2",
        ),
        // Everything equal: smallest record id.
        (
            vec![
                rec("shop", "9", 3).v(F::Company, "Alpha"),
                rec("shop", "10", 3).v(F::Company, "Beta"),
            ],
            "shop:10",
        ),
    ];
    for (i, (recs, want)) in cases.into_iter().enumerate() {
        let out = merge_groups(&[recs], &mr);
        assert_eq!(
            lineage(&out, "company", 0).as_deref(),
            Some(want),
            "case {i}"
        );
    }
}

#[test]
fn name_parts_come_from_one_person_name() {
    let recs = vec![
        // Newest, but a different spelling of the name, seen once.
        rec("crm", "1", 1)
            .v(F::FullName, "Jon Smith")
            .v(F::GivenName, "Jon")
            .v(F::FamilyName, "Smith")
            .at("2024-06-01"),
        // The majority name; the newer of the two lacks the middle name.
        rec("web", "1", 1)
            .v(F::FullName, "Jonathan Smith")
            .v(F::GivenName, "Jonathan")
            .v(F::FamilyName, "Smith")
            .at("2024-01-01"),
        rec("shop", "1", 1)
            .v(F::FullName, "Jonathan Q Smith")
            .key(MatchKey::FullName, "jonathan smith")
            .v(F::GivenName, "Jonathan")
            .v(F::MiddleName, "Q")
            .v(F::FamilyName, "Smith")
            .at("2020-01-01"),
        // Longest given name, but no full name: not a name candidate.
        rec("shop", "2", 2)
            .v(F::GivenName, "Johnathan-Paul")
            .at("2025-01-01"),
    ];
    let out = merge_groups(std::slice::from_ref(&recs), &SurvivorshipOptions::default());
    assert_eq!(
        cell(&out, "full_name", 0).as_deref(),
        Some("Jonathan Smith")
    );
    assert_eq!(cell(&out, "given_name", 0).as_deref(), Some("Jonathan"));
    assert_eq!(cell(&out, "middle_name", 0).as_deref(), Some("Q"));
    assert_eq!(cell(&out, "family_name", 0).as_deref(), Some("Smith"));
    assert_eq!(lineage(&out, "full_name", 0).as_deref(), Some("web:1"));
    assert_eq!(lineage(&out, "given_name", 0).as_deref(), Some("web:1"));
    assert_eq!(lineage(&out, "middle_name", 0).as_deref(), Some("shop:1"));

    // Field by field, the parts would mix records.
    let mut o = SurvivorshipOptions {
        keep_name_together: false,
        ..Default::default()
    };
    o.fields.insert(F::GivenName, Rule::Longest);
    o.fields.insert(F::FullName, Rule::MostRecent);
    let out = merge_groups(&[recs], &o);
    assert_eq!(cell(&out, "full_name", 0).as_deref(), Some("Jon Smith"));
    assert_eq!(
        cell(&out, "given_name", 0).as_deref(),
        Some("Johnathan-Paul")
    );
}

#[test]
fn a_record_with_an_invalid_name_part_loses_the_name() {
    let recs = vec![
        rec("crm", "1", 1)
            .v(F::FullName, "Ann Lee")
            .v(F::GivenName, "Ann")
            .bad(F::FamilyName, "L33")
            .at("2024-06-01"),
        rec("web", "1", 1)
            .v(F::FullName, "Anne Lee")
            .v(F::GivenName, "Anne")
            .v(F::FamilyName, "Lee")
            .at("2020-01-01"),
    ];
    let mut o = SurvivorshipOptions::default();
    o.fields.insert(F::FullName, Rule::MostRecent);
    let out = merge_groups(&[recs], &o);
    assert_eq!(cell(&out, "full_name", 0).as_deref(), Some("Anne Lee"));
    assert_eq!(lineage(&out, "family_name", 0).as_deref(), Some("web:1"));
}

#[test]
fn address_fields_are_not_mixed_across_addresses() {
    let recs = vec![
        rec("crm", "1", 1)
            .v(F::AddressLine1, "12 High St")
            .v(F::City, "Bristol")
            .at("2024-06-01"),
        rec("web", "1", 1)
            .v(F::AddressLine1, "12 High Street")
            .key(MatchKey::Address, "12 high st")
            .v(F::City, "Bristol")
            .v(F::Postcode, "BS1 4DJ")
            .at("2023-01-01"),
        rec("shop", "1", 1)
            .v(F::AddressLine1, "4 Old Rd")
            .v(F::City, "Leeds")
            .v(F::Region, "West Yorkshire")
            .v(F::Postcode, "LS1 1AA")
            .at("2019-01-01"),
    ];
    let out = merge_groups(&[recs], &SurvivorshipOptions::default());
    assert_eq!(
        cell(&out, "address_line1", 0).as_deref(),
        Some("12 High St")
    );
    assert_eq!(cell(&out, "city", 0).as_deref(), Some("Bristol"));
    assert_eq!(cell(&out, "postcode", 0).as_deref(), Some("BS1 4DJ"));
    assert_eq!(lineage(&out, "postcode", 0).as_deref(), Some("web:1"));
    // The region belongs to another address: left empty, not borrowed.
    assert_eq!(cell(&out, "region", 0), None);
    assert_eq!(lineage(&out, "region", 0), None);
}

#[test]
fn record_level_columns() {
    let recs = vec![
        rec("crm", "1", 1)
            .v(F::FullName, "Ann Lee")
            .v(F::Email, "ann@example.com")
            .bad(F::Phone, "123")
            .at("2024-03-01T10:00:00Z")
            .extra(r#"{"tier":"gold","note":null}"#),
        rec("web", "1", 1)
            .v(F::City, "Oslo")
            .at("2023-01-01T00:00:00Z")
            .extra(r#"{"tier":"silver","vip":true}"#),
        rec("web", "2", 2).bad(F::UpdatedAt, "2999-01-01"),
    ];
    let out = merge_groups(&[recs], &SurvivorshipOptions::default());
    let m = &out.master;
    assert_eq!(
        cell(&out, "extra", 0).as_deref(),
        Some(r#"{"tier":"gold","vip":true}"#)
    );
    assert_eq!(cell(&out, "sources", 0).as_deref(), Some("crm|web"));
    use arrow::array::AsArray;
    use arrow::datatypes::{Float32Type, TimestampMillisecondType, UInt32Type};
    assert_eq!(
        m.column_by_name("member_count")
            .unwrap()
            .as_primitive::<UInt32Type>()
            .value(0),
        3
    );
    // The flagged far-future updated_at does not count.
    let ts = m
        .column_by_name("last_updated")
        .unwrap()
        .as_primitive::<TimestampMillisecondType>();
    assert_eq!(ts.value(0), 1_709_287_200_000);
    assert_eq!(lineage(&out, "last_updated", 0).as_deref(), Some("crm:1"));
    // full_name valid, email valid, phone invalid, city valid; dob, address,
    // postcode, country missing: (1 + 1 + 0.5 + 1) / 8.
    let q = m
        .column_by_name("quality_score")
        .unwrap()
        .as_primitive::<Float32Type>();
    assert_eq!(q.value(0), 3.5 / 8.0);
    assert_eq!(cell(&out, "first_seen", 0).as_deref(), Some("2024-01-01"));
    assert_eq!(m.schema(), cim_merge::master_schema());
}

#[test]
fn options_merge_over_defaults_and_reject_contradictions() {
    let o: SurvivorshipOptions =
        serde_json::from_str(r#"{"fields": {"city": "source_priority", "email": "most_recent"}}"#)
            .unwrap();
    assert_eq!(o.fields.get(&F::Phone), Some(&Rule::CollectAll));
    assert_eq!(o.fields.get(&F::Email), Some(&Rule::MostRecent));
    assert_eq!(o.default_rule, Rule::MostRecent);
    assert!(o.keep_name_together);
    // keep_address_together is on: city may not have its own rule.
    assert!(o.validate().is_err());
    let schema = cim_merge::master_schema_for(&o);
    assert_eq!(
        schema.field_with_name("email").unwrap().data_type(),
        &arrow::datatypes::DataType::Utf8
    );
    assert!(serde_json::from_str::<SurvivorshipOptions>(r#"{"rules": {}}"#).is_err());
    let mut bad = SurvivorshipOptions::default();
    bad.fields.insert(F::FullName, Rule::CollectAll);
    assert!(bad.validate().is_err());
    let mut bad = SurvivorshipOptions::default();
    bad.fields.insert(F::UpdatedAt, Rule::Max);
    assert!(bad.validate().is_err());
    assert!(SurvivorshipOptions::default().validate().is_ok());
    let all: BTreeMap<_, _> = SurvivorshipOptions::default().fields;
    assert_eq!(all.get(&F::Email), Some(&Rule::CollectAll));
}
