//! Ingest throughput: `cim_ingest::open_source` reading a generated CSV of
//! 200,000 realistic customer rows (13 columns, quoted fields, some Han
//! names; ~30 MB), written once to a temp dir. Three variants: UTF-8 (the
//! common case), GBK (per-record decoding) and UTF-16LE (stream
//! transcoding). Reported as bytes/s and rows/s of the input file.
//!
//! Run from the repository root: `cargo bench -p cim-bench --bench ingest`

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use cim_ingest::{SourceOptions, open_source};
use cim_schema::CanonicalField as F;
use divan::Bencher;
use divan::counter::{BytesCount, ItemsCount};

const ROWS: usize = 200_000;
const BATCH_ROWS: usize = 8192;

fn main() {
    divan::main();
}

struct Data {
    _dir: tempfile::TempDir,
    utf8: PathBuf,
    gbk: PathBuf,
    utf16: PathBuf,
}

/// xorshift64*: deterministic data without a rand dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[(self.next() % xs.len() as u64) as usize]
    }
    fn num(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo)
    }
}

fn generate() -> String {
    let given = [
        "James",
        "Mary",
        "Robert",
        "Patricia",
        "John",
        "Jennifer",
        "Michael",
        "Linda",
        "David",
        "Elizabeth",
        "José",
        "François",
        "Zoë",
        "Mohammed",
        "Aarav",
        "Olga",
        "伟",
        "芳",
        "娜",
        "敏",
    ];
    let family = [
        "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Müller",
        "O'Brien", "Nguyen", "Kowalski", "Rossi", "张", "王", "李", "刘",
    ];
    let streets = [
        "Main St",
        "High Street",
        "Oak Avenue",
        "Rue de la Paix",
        "Hauptstraße",
        "Elm Road",
        "人民路",
    ];
    let cities = [
        "London", "Paris", "Berlin", "New York", "Madrid", "Sydney", "北京", "上海", "Toronto",
        "Köln",
    ];
    let countries = ["GB", "FR", "DE", "US", "ES", "AU", "CN", "CA"];
    let companies = [
        "Acme Ltd",
        "Globex, Inc.",
        "Initech GmbH",
        "",
        "Umbrella Corp",
        "",
        "Stark Industries",
    ];
    let domains = [
        "gmail.com",
        "yahoo.co.uk",
        "example.org",
        "qq.com",
        "outlook.com",
    ];
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut s = String::with_capacity(ROWS * 160);
    s.push_str("customer_id,first_name,last_name,email,phone,birth_date,street,city,zip,country,company,last_modified,notes\n");
    for i in 0..ROWS {
        let g = rng.pick(&given);
        let f = rng.pick(&family);
        let company = rng.pick(&companies);
        let company = if company.contains(',') {
            format!("\"{company}\"")
        } else {
            company.to_owned()
        };
        let notes = match rng.num(0, 4) {
            0 => String::new(),
            1 => "\"VIP, prefers email\"".to_owned(),
            2 => "called twice".to_owned(),
            _ => format!("order #{}", rng.num(1000, 99999)),
        };
        s.push_str(&format!(
            "C{i:08},{g},{f},{}.{}{}@{},+{} {} {:04} {:04},{}-{:02}-{:02},{} {},{},{:05},{},{company},2024-{:02}-{:02}T{:02}:{:02}:00Z,{notes}\n",
            g.to_lowercase(),
            f.to_lowercase(),
            rng.num(1, 99),
            rng.pick(&domains),
            rng.num(1, 99),
            rng.num(100, 999),
            rng.num(0, 9999),
            rng.num(0, 9999),
            rng.num(1940, 2005),
            rng.num(1, 13),
            rng.num(1, 29),
            rng.num(1, 400),
            rng.pick(&streets),
            rng.pick(&cities),
            rng.num(1000, 99999),
            rng.pick(&countries),
            rng.num(1, 13),
            rng.num(1, 29),
            rng.num(0, 24),
            rng.num(0, 60),
        ));
    }
    s
}

static DATA: LazyLock<Data> = LazyLock::new(|| {
    let dir = tempfile::tempdir().expect("temp dir");
    let text = generate();
    let utf8 = dir.path().join("customers-utf8.csv");
    std::fs::write(&utf8, &text).expect("write utf8");
    let gbk = dir.path().join("customers-gbk.csv");
    // Latin letters GBK lacks (ö, ß, ç, Œ) become `&#NNN;` references:
    // still valid GBK, same row count.
    let (bytes, _, _) = encoding_rs::GBK.encode(&text);
    std::fs::write(&gbk, &bytes).expect("write gbk");
    let utf16 = dir.path().join("customers-utf16.csv");
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    std::fs::write(&utf16, &bytes).expect("write utf16");
    Data {
        _dir: dir,
        utf8,
        gbk,
        utf16,
    }
});

fn opts(path: &Path, encoding: &str) -> SourceOptions {
    let mut o = SourceOptions::from_path(path);
    o.name = "crm".into();
    o.encoding = encoding.into();
    for (f, c) in [
        (F::SourceKey, "customer_id"),
        (F::GivenName, "first_name"),
        (F::FamilyName, "last_name"),
        (F::Email, "email"),
        (F::Phone, "phone"),
        (F::DateOfBirth, "birth_date"),
        (F::AddressLine1, "street"),
        (F::City, "city"),
        (F::Postcode, "zip"),
        (F::Country, "country"),
        (F::Company, "company"),
        (F::UpdatedAt, "last_modified"),
    ] {
        o.columns.insert(f, c.into());
    }
    o
}

fn run(bencher: Bencher, path: &Path, encoding: &str) {
    let o = opts(path, encoding);
    let bytes = std::fs::metadata(path).expect("bench file").len();
    bencher
        .counter(BytesCount::new(bytes))
        .counter(ItemsCount::new(ROWS))
        .bench(|| {
            let mut reader = open_source(&o, BATCH_ROWS).expect("open");
            let mut rows = 0;
            for chunk in reader.by_ref() {
                rows += chunk.expect("chunk").batch.num_rows();
            }
            assert_eq!(rows, ROWS);
            assert_eq!(reader.report().quarantined, 0);
            rows
        });
}

#[divan::bench(sample_count = 10, sample_size = 1)]
fn csv_utf8(bencher: Bencher) {
    run(bencher, &DATA.utf8, "utf-8");
}

#[divan::bench(sample_count = 10, sample_size = 1)]
fn csv_gbk(bencher: Bencher) {
    run(bencher, &DATA.gbk, "gbk");
}

#[divan::bench(sample_count = 10, sample_size = 1)]
fn csv_utf16_stream(bencher: Bencher) {
    run(bencher, &DATA.utf16, "auto");
}
