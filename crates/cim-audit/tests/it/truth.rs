//! Truth format detection and errors.

use cim_audit::{Error, TruthFormat, parse_truth};

/// CSV text, expected format, records, entities, and one record's entity.
type Case = (
    &'static str,
    TruthFormat,
    usize,
    usize,
    (&'static str, Option<&'static str>),
);

#[test]
fn detects_each_format_by_header() {
    let cases: [Case; 5] = [
        (
            "record_id,entity_id\ncrm:1,E1\ncrm:2,E1\nweb:9,E2\n",
            TruthFormat::RecordEntity,
            3,
            2,
            ("crm:2", Some("E1")),
        ),
        // BOM, spaces, upper case and an extra column are tolerated.
        (
            "\u{feff} Entity_ID , note, RECORD_ID\nE1,x,crm:1\nE2,y,crm:2\n",
            TruthFormat::RecordEntity,
            2,
            2,
            ("crm:2", Some("E2")),
        ),
        (
            "source,source_key,entity_id\ncrm,1,E1\nweb,A-7,E1\n",
            TruthFormat::SourceKeyEntity,
            2,
            1,
            ("web:A-7", Some("E1")),
        ),
        // Pairs: not closed (a-b, b-c) still gives one entity {a,b,c}.
        (
            "record_id_l,record_id_r\na,b\nb,c\nd,e\n",
            TruthFormat::Pairs,
            5,
            2,
            ("c", Some("a")),
        ),
        (
            "record_id_l,record_id_r\n",
            TruthFormat::Pairs,
            0,
            0,
            ("a", None),
        ),
    ];
    for (csv, format, records, entities, (rid, entity)) in cases {
        let t = parse_truth(csv.as_bytes(), "truth.csv").unwrap_or_else(|e| panic!("{csv}: {e}"));
        assert_eq!(t.format(), format, "{csv}");
        assert_eq!((t.records(), t.entities()), (records, entities), "{csv}");
        assert_eq!(t.entity_of(rid), entity, "{csv}");
    }
}

#[test]
fn bad_header_names_file_and_expected_headers() {
    let err = parse_truth("id,cluster\n1,2\n".as_bytes(), "/data/truth.csv").unwrap_err();
    assert!(matches!(err, Error::TruthHeader { .. }));
    let msg = err.to_string();
    for needle in [
        "/data/truth.csv",
        "[id,cluster]",
        "record_id,entity_id",
        "source,source_key,entity_id",
        "record_id_l,record_id_r",
    ] {
        assert!(msg.contains(needle), "missing {needle}: {msg}");
    }
    // An empty file has no header either.
    assert!(matches!(
        parse_truth("".as_bytes(), "t.csv").unwrap_err(),
        Error::TruthHeader { .. }
    ));
}

#[test]
fn bad_rows_name_the_line() {
    let err = parse_truth("record_id,entity_id\na,1\na,2\n".as_bytes(), "t.csv").unwrap_err();
    assert_eq!(
        err.to_string(),
        "t.csv, line 3: record `a` is assigned to two different entities"
    );
    let err = parse_truth("record_id,entity_id\na,1\n,2\n".as_bytes(), "t.csv").unwrap_err();
    assert_eq!(err.to_string(), "t.csv, line 3: empty `record_id`");
    let err = parse_truth("record_id,entity_id\na,1,extra\n".as_bytes(), "t.csv").unwrap_err();
    assert!(
        matches!(err, Error::TruthCsv { .. }) && err.to_string().starts_with("t.csv: "),
        "{err}"
    );
    // Repeating a row with the same entity is fine.
    let t = parse_truth("record_id,entity_id\na,1\na,1\n".as_bytes(), "t.csv").unwrap();
    assert_eq!(t.records(), 1);
}

#[test]
fn reads_a_dev_set_shaped_truth() {
    // febrl-style ids with quoting.
    let csv = "record_id,entity_id\n\"febrl:rec-1-org\",rec-1\n\"febrl:rec-1-dup-0\",rec-1\nfebrl:rec-2-org,rec-2\n";
    let t = parse_truth(csv.as_bytes(), "t.csv").unwrap();
    assert_eq!(t.entity_of("febrl:rec-1-dup-0"), Some("rec-1"));
    assert_eq!(t.entities(), 2);
}
