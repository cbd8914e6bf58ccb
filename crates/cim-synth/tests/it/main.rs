//! Integration tests: determinism, truth consistency, corruption rates,
//! encodings, phone validity, hard cases and the committed demo fixture.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fs::File;
use std::path::{Path, PathBuf};

use arrow::array::{Array, AsArray};
use arrow::datatypes::Int64Type;
use cim_synth::{
    Cell, CorruptionRates, DuplicateProfile, FileFormat, HardCases, SourceKind, SourceSpec,
    SynthOptions, SynthRecord, generate, write_dataset, write_demo,
};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

fn opts(seed: u64, entities: u64) -> SynthOptions {
    SynthOptions {
        seed,
        entities,
        ..SynthOptions::default()
    }
}

fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect()
}

fn in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(f)
}

#[test]
fn same_seed_gives_byte_identical_files_whatever_the_thread_count() {
    let o = opts(7, 3000).with_erp();
    let (a, b, c) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    in_pool(1, || write_dataset(a.path(), &o)).unwrap();
    in_pool(3, || write_dataset(b.path(), &o)).unwrap();
    let fa = files(a.path());
    assert_eq!(
        fa.keys().cloned().collect::<Vec<_>>(),
        [
            "crm.csv",
            "dataset.json",
            "erp.parquet",
            "loyalty_gbk.csv",
            "truth.csv",
            "webshop.jsonl"
        ]
    );
    assert_eq!(fa, files(b.path()));
    write_dataset(c.path(), &opts(8, 3000).with_erp()).unwrap();
    let fc = files(c.path());
    for name in [
        "crm.csv",
        "webshop.jsonl",
        "loyalty_gbk.csv",
        "truth.csv",
        "erp.parquet",
    ] {
        assert_ne!(fa[name], fc[name], "{name} should differ between seeds");
    }
}

/// Keys of every row of every source file, read the way a consumer would.
fn read_source_keys(dir: &Path) -> Vec<(String, String)> {
    let mut keys = Vec::new();
    let crm = std::fs::read(dir.join("crm.csv")).unwrap();
    assert!(
        crm.starts_with("\u{feff}".as_bytes()),
        "crm has an Excel BOM"
    );
    let mut rd = csv::Reader::from_reader(&crm[3..]);
    assert_eq!(rd.headers().unwrap().get(0), Some("CustomerID"));
    for r in rd.records() {
        let r = r.unwrap();
        assert_eq!(r.len(), 12);
        keys.push(("crm".to_string(), r[0].to_string()));
    }
    for line in std::fs::read_to_string(dir.join("webshop.jsonl"))
        .unwrap()
        .lines()
    {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        keys.push(("webshop".to_string(), v["id"].as_i64().unwrap().to_string()));
    }
    let raw = std::fs::read(dir.join("loyalty_gbk.csv")).unwrap();
    let text = encoding_rs::GBK
        .decode_without_bom_handling_and_without_replacement(&raw)
        .expect("valid GBK");
    let mut rd = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(rd.headers().unwrap().get(0), Some("会员编号"));
    for r in rd.records() {
        keys.push(("loyalty".to_string(), r.unwrap()[0].to_string()));
    }
    let erp = dir.join("erp.parquet");
    if erp.exists() {
        let reader = ParquetRecordBatchReaderBuilder::try_new(File::open(erp).unwrap())
            .unwrap()
            .build()
            .unwrap();
        for batch in reader {
            let batch = batch.unwrap();
            let col = batch
                .column_by_name("partner_no")
                .unwrap()
                .as_primitive::<Int64Type>();
            assert_eq!(col.null_count(), 0);
            keys.extend(
                col.values()
                    .iter()
                    .map(|v| ("erp".to_string(), v.to_string())),
            );
        }
    }
    keys
}

fn read_truth(dir: &Path) -> Vec<(String, String, u64)> {
    let mut rd = csv::Reader::from_path(dir.join("truth.csv")).unwrap();
    assert_eq!(
        rd.headers().unwrap(),
        vec!["source", "source_key", "entity_id"]
    );
    rd.records()
        .map(|r| {
            let r = r.unwrap();
            (r[0].to_string(), r[1].to_string(), r[2].parse().unwrap())
        })
        .collect()
}

#[test]
fn every_row_has_exactly_one_truth_row_and_counts_add_up() {
    let dir = tempfile::tempdir().unwrap();
    let summary = write_dataset(dir.path(), &opts(3, 4000).with_erp()).unwrap();
    let keys = read_source_keys(dir.path());
    let truth = read_truth(dir.path());
    assert_eq!(keys.len(), truth.len());
    assert_eq!(summary.records, truth.len() as u64);
    let mut by_key: HashMap<(String, String), u64> = HashMap::new();
    for (s, k, e) in &truth {
        assert!(
            by_key.insert((s.clone(), k.clone()), *e).is_none(),
            "duplicate truth row {s} {k}"
        );
    }
    let key_set: BTreeSet<_> = keys.iter().cloned().collect();
    assert_eq!(
        key_set.len(),
        keys.len(),
        "source keys are unique per source"
    );
    assert!(keys.iter().all(|k| by_key.contains_key(k)));

    // The summary agrees with the files.
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("dataset.json")).unwrap()).unwrap();
    for s in json["sources"].as_array().unwrap() {
        let n = keys
            .iter()
            .filter(|(src, _)| src == s["name"].as_str().unwrap())
            .count();
        assert_eq!(s["rows"].as_u64().unwrap(), n as u64, "{}", s["name"]);
    }
    let mut per_entity: HashMap<u64, Vec<&str>> = HashMap::new();
    for (s, _, e) in &truth {
        per_entity.entry(*e).or_default().push(s);
    }
    assert_eq!(
        per_entity.len() as u64,
        4000,
        "every entity has at least one record"
    );
    let pairs: u64 = per_entity
        .values()
        .map(|v| (v.len() * (v.len() - 1) / 2) as u64)
        .sum();
    assert_eq!(summary.true_pairs, pairs);
    assert_eq!(json["true_pairs"].as_u64(), Some(pairs));
    let within: u64 = per_entity
        .values()
        .map(|v| {
            let mut c: HashMap<&str, u64> = HashMap::new();
            v.iter().for_each(|s| *c.entry(s).or_default() += 1);
            c.values().map(|n| n * (n - 1) / 2).sum::<u64>()
        })
        .sum();
    assert_eq!(summary.true_pairs_within_source, within);
    assert!(within > 0 && summary.true_pairs_cross_source > 0);
}

#[test]
fn mailboxes_stay_unique_and_thread_independent_once_short_suffixes_run_out() {
    // Every customer a single US John/Mary Smith, Michael Brown, ... with one
    // webshop record (whose email is never missing): about 3% of them want
    // john.smith@gmail.com, more than the 999 suffixes of 1 to 3 digits.
    let o = SynthOptions {
        chinese_share: 0.0,
        uk_share: 0.0,
        rates: CorruptionRates::none(),
        hard_cases: HardCases {
            common_name: 1.0,
            family: 0.0,
            twins: 0.0,
        },
        duplicates: DuplicateProfile {
            two: 0.0,
            three: 0.0,
            many: 0.0,
            ..DuplicateProfile::default()
        },
        sources: vec![SourceSpec::new(SourceKind::Webshop)],
        ..opts(3, 50_000)
    };
    let records = |threads| in_pool(threads, || generate(&o).unwrap().collect::<Vec<_>>());
    let one = records(1);
    assert!(one == records(2), "records differ between 1 and 2 threads");
    assert_eq!(one.len(), 50_000);
    let email_col = SourceKind::Webshop
        .columns()
        .iter()
        .position(|c| c.name == "email")
        .unwrap();
    let mut seen = HashSet::new();
    let mut widened = 0;
    for r in &one {
        let Cell::Str(email) = &r.cells[email_col] else {
            panic!("entity {} has no email", r.entity_id);
        };
        assert!(seen.insert(email.clone()), "{email} handed out twice");
        let digits = email
            .strip_prefix("john.smith")
            .and_then(|rest| rest.strip_suffix("@gmail.com"))
            .unwrap_or_default();
        if digits.len() >= 4 && digits.bytes().all(|b| b.is_ascii_digit()) {
            widened += 1;
        }
    }
    assert!(widened > 0, "short suffixes never ran out");
}

/// Columns that legitimately differ between two exports of one customer.
fn volatile(kind: SourceKind, col: usize) -> bool {
    let name = kind.columns()[col].name;
    col == 0
        || [
            "LastModified",
            "updated_at",
            "newsletter",
            "orders",
            "更新时间",
            "created_at",
            "status",
        ]
        .contains(&name)
}

fn stable_cells(r: &SynthRecord) -> Vec<Cell> {
    r.cells
        .iter()
        .enumerate()
        .filter(|(i, _)| !volatile(r.source, *i))
        .map(|(_, c)| c.clone())
        .collect()
}

#[test]
fn with_all_rates_zero_duplicates_are_exact_copies_per_source() {
    let o = SynthOptions {
        rates: CorruptionRates::none(),
        ..opts(11, 6000)
    };
    let mut groups: HashMap<(u64, SourceKind), Vec<Vec<Cell>>> = HashMap::new();
    for r in generate(&o).unwrap() {
        groups
            .entry((r.entity_id, r.source))
            .or_default()
            .push(stable_cells(&r));
    }
    let mut checked = 0;
    for ((entity, source), rows) in &groups {
        for row in &rows[1..] {
            assert_eq!(row, &rows[0], "entity {entity} in {source:?}");
            checked += 1;
        }
    }
    assert!(
        checked > 300,
        "only {checked} within-source duplicates compared"
    );
}

fn name_cells(r: &SynthRecord) -> Vec<Cell> {
    match r.source {
        SourceKind::Crm => r.cells[1..3].to_vec(),
        _ => vec![r.cells[1].clone()],
    }
}

#[test]
fn typo_rate_one_changes_every_name_and_nickname_rate_one_replaces_formal_names() {
    let clean = SynthOptions {
        rates: CorruptionRates::none(),
        ..opts(5, 3000).with_erp()
    };
    let typo = SynthOptions {
        rates: CorruptionRates {
            typo: 1.0,
            ..CorruptionRates::none()
        },
        ..clean.clone()
    };
    let a: Vec<SynthRecord> = generate(&clean).unwrap().collect();
    let b: Vec<SynthRecord> = generate(&typo).unwrap().collect();
    assert_eq!(
        a.len(),
        b.len(),
        "rates do not change who has which records"
    );
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(
            (x.source, &x.source_key, x.entity_id),
            (y.source, &y.source_key, y.entity_id)
        );
        let (nx, ny) = (name_cells(x), name_cells(y));
        for (cx, cy) in nx.iter().zip(&ny) {
            assert_ne!(
                cx, cy,
                "{:?} {} name unchanged at typo rate 1",
                x.source, x.source_key
            );
        }
    }

    let nick = SynthOptions {
        rates: CorruptionRates {
            nickname: 1.0,
            ..CorruptionRates::none()
        },
        ..clean
    };
    let firsts: BTreeSet<String> = generate(&nick)
        .unwrap()
        .filter(|r| r.source == SourceKind::Crm)
        .filter_map(|r| {
            if let Cell::Str(s) = &r.cells[1] {
                Some(s.clone())
            } else {
                None
            }
        })
        .collect();
    for formal in ["Robert", "Elizabeth", "William", "Margaret"] {
        assert!(
            !firsts.contains(formal),
            "{formal} should have become a nickname"
        );
    }
    assert!(
        [
            "Bob", "Rob", "Bobby", "Liz", "Beth", "Bill", "Will", "Maggie", "Peggy"
        ]
        .iter()
        .any(|n| firsts.contains(*n))
    );
}

#[test]
fn loyalty_file_is_gbk_with_han_names() {
    let dir = tempfile::tempdir().unwrap();
    write_dataset(dir.path(), &opts(9, 2000)).unwrap();
    let raw = std::fs::read(dir.path().join("loyalty_gbk.csv")).unwrap();
    assert!(
        std::str::from_utf8(&raw).is_err(),
        "GBK bytes are not UTF-8"
    );
    let text = encoding_rs::GBK
        .decode_without_bom_handling_and_without_replacement(&raw)
        .expect("valid GBK");
    assert!(text.starts_with("会员编号,姓名,手机,邮箱,出生日期,地址,城市,邮编,更新时间\r\n"));
    let han = text
        .chars()
        .filter(|c| ('\u{4e00}'..='\u{9fff}').contains(c))
        .count();
    let rows = text.lines().count() - 1;
    assert!(
        rows > 100 && han > rows * 8,
        "{rows} rows, {han} Han characters"
    );
    assert!(!text.contains("&#"), "nothing fell back to HTML entities");
}

fn us_area_ok(area: &str) -> bool {
    [
        212, 646, 917, 213, 310, 323, 312, 773, 713, 832, 415, 628, 617, 857, 206, 215, 267, 303,
        720, 512, 737, 404, 678, 503, 971,
    ]
    .contains(&area.parse::<u16>().unwrap())
}

/// A plain-Rust check of the ranges libphonenumber accepts for the
/// numbers the generator draws (the lead validates with libphonenumber
/// itself end to end).
fn phone_ok(country: &str, s: &str) -> bool {
    let digits: String = s.chars().filter(char::is_ascii_digit).collect();
    let b = digits.as_bytes();
    match country {
        "United States" => {
            s.starts_with('(')
                && b.len() == 10
                && us_area_ok(&digits[..3])
                && b[3] >= b'2'
                && &digits[3..6] != "555"
                && &digits[4..6] != "11"
        }
        "United Kingdom" => {
            b.len() == 11
                && b[0] == b'0'
                && ((b[1] == b'7' && !digits.starts_with("07700") && !digits.starts_with("0760"))
                    || digits.starts_with("02079460")
                    || (digits.starts_with("01") && &digits[4..8] == "4960"))
        }
        "China" => b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]),
        _ => false,
    }
}

#[test]
fn base_identity_phones_are_in_valid_ranges() {
    let o = SynthOptions {
        rates: CorruptionRates::none(),
        ..opts(21, 5000)
    };
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for r in generate(&o).unwrap() {
        match r.source {
            SourceKind::Crm => {
                let (Cell::Str(phone), Cell::Str(country)) = (&r.cells[4], &r.cells[9]) else {
                    panic!("rates 0: phone and country present");
                };
                assert!(phone_ok(country, phone), "{country}: {phone}");
                *seen.entry(country.clone()).or_default() += 1;
            }
            SourceKind::Loyalty => {
                let Cell::Str(phone) = &r.cells[2] else {
                    panic!("loyalty phone present")
                };
                assert!(phone_ok("China", phone), "{phone}");
            }
            SourceKind::Webshop => {
                let Cell::Str(phone) = &r.cells[3] else {
                    panic!("webshop phone present")
                };
                let ok = (phone.starts_with("+1") && phone.len() == 12)
                    || (phone.starts_with("+44") && phone.len() == 13)
                    || (phone.starts_with("+86") && phone.len() == 14);
                assert!(ok, "{phone}");
            }
            SourceKind::Erp => unreachable!(),
        }
    }
    for c in ["United States", "United Kingdom", "China"] {
        assert!(seen.get(c).copied().unwrap_or(0) > 50, "{c}: {seen:?}");
    }
}

#[test]
fn duplicates_are_skewed_and_hard_cases_are_present() {
    let o = SynthOptions {
        rates: CorruptionRates::none(),
        ..opts(13, 20_000)
    };
    let recs: Vec<SynthRecord> = generate(&o).unwrap().collect();
    let mut per_entity: HashMap<u64, Vec<SourceKind>> = HashMap::new();
    recs.iter()
        .for_each(|r| per_entity.entry(r.entity_id).or_default().push(r.source));
    let mut hist: BTreeMap<usize, usize> = BTreeMap::new();
    per_entity
        .values()
        .for_each(|v| *hist.entry(v.len()).or_default() += 1);
    let many: usize = hist.range(4..).map(|(_, n)| n).sum();
    assert!(
        hist[&1] > hist[&2] && hist[&2] > hist[&3] && hist[&3] > many / 2 && many > 100,
        "{hist:?}"
    );
    let ratio = recs.len() as f64 / 20_000.0;
    assert!(
        (ratio - o.expected_records_per_entity()).abs() < 0.05,
        "{ratio}"
    );
    let cross = per_entity
        .values()
        .filter(|v| v.iter().collect::<BTreeSet<_>>().len() > 1)
        .count();
    let within = per_entity
        .values()
        .filter(|v| v.len() > v.iter().collect::<BTreeSet<_>>().len())
        .count();
    assert!(
        cross > 1000 && within > 500,
        "cross {cross} within {within}"
    );

    let text = |c: &Cell| {
        if let Cell::Str(s) = c {
            s.clone()
        } else {
            String::new()
        }
    };
    // Many distinct John Smiths with different birth dates.
    let smiths: BTreeMap<u64, String> = recs
        .iter()
        .filter(|r| {
            r.source == SourceKind::Crm
                && text(&r.cells[1]) == "John"
                && text(&r.cells[2]) == "Smith"
        })
        .map(|r| (r.entity_id, text(&r.cells[5])))
        .collect();
    assert!(smiths.len() >= 10, "{} John Smiths", smiths.len());
    assert!(smiths.values().collect::<BTreeSet<_>>().len() >= smiths.len() - 1);
    let zhang_wei: BTreeSet<u64> = recs
        .iter()
        .filter(|r| r.source == SourceKind::Loyalty && text(&r.cells[1]) == "张伟")
        .map(|r| r.entity_id)
        .collect();
    assert!(zhang_wei.len() >= 5, "{} 张伟", zhang_wei.len());

    // Families and twins in crm: same address and family name, different
    // people; twins also share the birth date.
    let mut by_home: HashMap<(String, String), BTreeMap<u64, (String, String)>> = HashMap::new();
    for r in recs.iter().filter(|r| r.source == SourceKind::Crm) {
        by_home
            .entry((text(&r.cells[6]), text(&r.cells[2])))
            .or_default()
            .insert(r.entity_id, (text(&r.cells[1]), text(&r.cells[5])));
    }
    let shared: Vec<_> = by_home.values().filter(|m| m.len() > 1).collect();
    assert!(shared.len() > 50, "{} shared homes", shared.len());
    let twins = shared
        .iter()
        .filter(|m| {
            let v: Vec<_> = m.values().collect();
            v.iter()
                .enumerate()
                .any(|(i, a)| v[i + 1..].iter().any(|b| a.1 == b.1 && a.0 != b.0))
        })
        .count();
    assert!(twins >= 5, "{twins} twin pairs");
}

#[test]
fn formats_can_be_overridden_per_source() {
    let dir = tempfile::tempdir().unwrap();
    let mut o = opts(4, 800);
    o.sources = vec![
        SourceSpec {
            format: Some(FileFormat::Parquet),
            ..SourceSpec::new(SourceKind::Crm)
        },
        SourceSpec {
            format: Some(FileFormat::Csv),
            ..SourceSpec::new(SourceKind::Webshop)
        },
        SourceSpec {
            format: Some(FileFormat::Jsonl),
            ..SourceSpec::new(SourceKind::Loyalty)
        },
    ];
    let s = write_dataset(dir.path(), &o).unwrap();
    let names: Vec<&str> = s.sources.iter().map(|s| s.file.as_str()).collect();
    assert_eq!(names, ["crm.parquet", "webshop.csv", "loyalty.jsonl"]);
    let web = std::fs::read_to_string(dir.path().join("webshop.csv")).unwrap();
    assert!(web.starts_with("id,name,email,phone,birthday,address.line1,address.line2,"));
    assert_eq!(web.lines().count() as u64, s.sources[1].rows + 1);
    let loyalty = std::fs::read_to_string(dir.path().join("loyalty.jsonl")).unwrap();
    for line in loyalty.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(v["姓名"].is_string());
    }
    let reader = ParquetRecordBatchReaderBuilder::try_new(
        File::open(dir.path().join("crm.parquet")).unwrap(),
    )
    .unwrap();
    assert_eq!(reader.schema().field(1).name(), "First Name");
    let rows: usize = reader.build().unwrap().map(|b| b.unwrap().num_rows()).sum();
    assert_eq!(rows as u64, s.sources[0].rows);
}

#[test]
fn options_validate_and_deserialize_with_defaults() {
    let mut o = opts(1, 10);
    o.rates.typo = 1.5;
    assert!(generate(&o).is_err());
    let mut o = opts(1, 10);
    o.sources.push(SourceSpec::new(SourceKind::Crm));
    assert!(write_dataset(Path::new("/nonexistent/never"), &o).is_err());
    let parsed: SynthOptions = serde_json::from_str(
        r#"{"seed": 5, "rates": {"typo": 0.5}, "sources": [{"kind": "erp"}]}"#,
    )
    .unwrap();
    assert_eq!(parsed.seed, 5);
    assert_eq!(parsed.rates.typo, 0.5);
    assert_eq!(parsed.rates.ocr, CorruptionRates::default().ocr);
    assert_eq!(parsed.entities, 1000);
    assert_eq!(parsed.sources[0].effective_format(), FileFormat::Parquet);
    assert!(serde_json::from_str::<SynthOptions>(r#"{"sed": 5}"#).is_err());
    let big = SynthOptions::for_records(1_000_000);
    assert!((big.entities as f64 * big.expected_records_per_entity() - 1e6).abs() < 1e3);
}

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/demo")
}

#[test]
fn committed_demo_fixture_is_current() {
    let dir = tempfile::tempdir().unwrap();
    let summary = write_demo(dir.path()).unwrap();
    let fresh = files(dir.path());
    let committed = fixture_dir();
    for (name, bytes) in &fresh {
        let old = std::fs::read(committed.join(name)).unwrap_or_else(|_| {
            panic!("fixtures/demo/{name} missing: cargo run -p cim-synth --example make-demo")
        });
        assert!(
            &old == bytes,
            "fixtures/demo/{name} is stale: cargo run -p cim-synth --example make-demo"
        );
    }
    assert!(
        (400..=520).contains(&summary.records),
        "{}",
        summary.records
    );
    assert_eq!(summary.malformed.len(), 5);
    assert_eq!(read_truth(dir.path()).len() as u64, summary.records);

    // The malformed lines are exactly where the summary says.
    for m in &summary.malformed {
        let raw = &fresh[&m.file];
        let line = raw.split(|b| *b == b'\n').nth(m.line as usize - 1).unwrap();
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        match m.source {
            "crm" => {
                let n = std::str::from_utf8(line).unwrap().split(',').count();
                assert_ne!(n, 12, "crm line {}", m.line);
            }
            "webshop" => {
                let v = serde_json::from_slice::<serde_json::Value>(line);
                assert!(!v.is_ok_and(|v| v.is_object()), "webshop line {}", m.line);
            }
            _ => {
                assert!(
                    encoding_rs::GBK
                        .decode_without_bom_handling_and_without_replacement(line)
                        .is_none()
                );
            }
        }
    }
    // All other lines are well formed.
    let web = String::from_utf8(fresh["webshop.jsonl"].clone()).unwrap();
    let bad_web: Vec<usize> = web
        .lines()
        .enumerate()
        .filter(|(_, l)| !serde_json::from_str::<serde_json::Value>(l).is_ok_and(|v| v.is_object()))
        .map(|(i, _)| i + 1)
        .collect();
    assert_eq!(bad_web, [58, 150]);
    let mut rd = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(&fresh["crm.csv"][3..]);
    // No field spans lines, so record i (0-based) is physical line i + 2.
    // (The csv crate's own line count is off by one with CRLF.)
    let ragged: Vec<usize> = rd
        .records()
        .enumerate()
        .filter(|(_, r)| r.as_ref().unwrap().len() != 12)
        .map(|(i, _)| i + 2)
        .collect();
    assert_eq!(ragged, [41, 97]);
}
