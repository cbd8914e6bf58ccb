//! Throughput of cim-normalize's field normalisers and of `normalize_batch`
//! on realistic, mixed-script inputs (generated deterministically here, no
//! files read). Each bench normalises a whole input set per iteration and
//! counts items, so divan reports values per second.
//!
//! Run from the repository root: `cargo bench -p cim-bench --bench normalize`

use std::hint::black_box;
use std::sync::Arc;

use arrow::array::{ArrayRef, StringArray, UInt64Array};
use arrow::record_batch::RecordBatch;
use cim_normalize::{DateOrder, NormalizeOptions, SourceHints};
use cim_schema::{CanonicalField, raw_schema};
use divan::Bencher;
use divan::counter::ItemsCount;

fn main() {
    divan::main();
}

const N: usize = 2_000;

/// Tiny deterministic generator so inputs are the same on every run.
struct Lcg(u64);

impl Lcg {
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        xs[(self.0 >> 33) as usize % xs.len()]
    }
    fn num(&mut self, lo: u64, hi: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        lo + (self.0 >> 33) % (hi - lo)
    }
}

const GIVEN: &[&str] = &[
    "Robert",
    "Bob",
    "Elizabeth",
    "Liz",
    "William",
    "Peggy",
    "José",
    "Jean-Luc",
    "Mary Ann",
    "Wei",
    "Xiaoming",
    "Aoife",
    "Søren",
    "Mohammed",
];
const FAMILY: &[&str] = &[
    "Smith",
    "O'Brien",
    "García",
    "van der Berg",
    "Müller",
    "Zhang",
    "Wang",
    "Nguyen",
    "Ouyang",
    "MacDonald",
];
const HAN: &[&str] = &[
    "张伟",
    "王小明",
    "欧阳娜娜",
    "李娜女士",
    "陈大文",
    "司马相如",
    "刘洋先生",
    "黄丽",
    "诸葛亮",
    "張 偉",
];

fn full_names(rng: &mut Lcg, n: usize) -> Vec<String> {
    (0..n)
        .map(|i| match i % 6 {
            0 => format!("{} {}", rng.pick(GIVEN), rng.pick(FAMILY)),
            1 => format!("{}, {}", rng.pick(FAMILY).to_uppercase(), rng.pick(GIVEN)),
            2 => format!("Dr. {} {} Jr.", rng.pick(GIVEN), rng.pick(FAMILY)),
            3 | 4 => rng.pick(HAN).to_string(),
            _ => format!("ＺＨＡＮＧ {}", rng.pick(GIVEN)),
        })
        .collect()
}

fn emails(rng: &mut Lcg, n: usize) -> Vec<String> {
    let locals = [
        "john.smith",
        "j.o.h.n+news",
        "zhangwei",
        "Wei.Zhang",
        "liz_2001",
        "bob",
    ];
    let domains = [
        "gmail.com",
        "googlemail.com",
        "gmial.com",
        "qq.com",
        "163.con",
        "outlook.com",
        "acme.co.uk",
        "hotmail.com",
        "example.com",
    ];
    (0..n)
        .map(|i| {
            let e = format!("{}{}@{}", rng.pick(&locals), i % 97, rng.pick(&domains));
            if i % 5 == 0 {
                format!("  {} ", e.to_uppercase())
            } else {
                e
            }
        })
        .collect()
}

fn phones(rng: &mut Lcg, n: usize) -> Vec<(String, &'static str)> {
    (0..n)
        .map(|i| match i % 5 {
            0 => (
                format!("138 {:04} {:04}", rng.num(0, 9999), rng.num(0, 9999)),
                "CN",
            ),
            1 => (
                format!("+86 139-{:04}-{:04}", rng.num(0, 9999), rng.num(0, 9999)),
                "CN",
            ),
            2 => (format!("020 7946 {:04}", rng.num(0, 9999)), "GB"),
            3 => (format!("(202) 555-{:04} x12", rng.num(100, 9999)), "US"),
            _ => (format!("１３８００１３{:04}", rng.num(0, 9999)), "CN"),
        })
        .collect()
}

fn dates(rng: &mut Lcg, n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            let (y, m, d) = (rng.num(1930, 2005), rng.num(1, 13), rng.num(1, 29));
            match i % 6 {
                0 => format!("{y}-{m:02}-{d:02}"),
                1 => format!("{d:02}/{m:02}/{y}"),
                2 => format!("{y}{m:02}{d:02}"),
                3 => format!("{y}年{m}月{d}日"),
                4 => format!("{d} {} {y}", ["Jan", "Mar", "July", "Sept", "Dec"][i % 5]),
                _ => format!("{y}-{m:02}-{d:02}T10:20:30+08:00"),
            }
        })
        .collect()
}

fn addresses(rng: &mut Lcg, n: usize) -> Vec<String> {
    let streets = [
        "Main Street",
        "High St.",
        "Queen's Road North",
        "Park Avenue",
        "Ocean Dr",
    ];
    (0..n)
        .map(|i| match i % 4 {
            0 => format!("{} {}", rng.num(1, 300), rng.pick(&streets)),
            1 => format!(
                "Unit {}/{} {}",
                rng.num(1, 20),
                rng.num(1, 99),
                rng.pick(&streets)
            ),
            2 => format!("北京市朝阳区建国路{}号", rng.num(1, 200)),
            _ => format!("Hauptstraße {}", rng.num(1, 99)),
        })
        .collect()
}

fn postcodes(rng: &mut Lcg, n: usize) -> Vec<(String, &'static str)> {
    (0..n)
        .map(|i| match i % 4 {
            0 => ("sw1a1aa".to_string(), "GB"),
            1 => (
                format!("{:05}-{:04}", rng.num(10000, 99999), rng.num(0, 9999)),
                "US",
            ),
            2 => (format!("{:06}", rng.num(100000, 999999)), "CN"),
            _ => (format!("{:04}", rng.num(2000, 7999)), "AU"),
        })
        .collect()
}

fn companies(rng: &mut Lcg, n: usize) -> Vec<String> {
    let names = [
        "Acme Holdings Pty. Ltd.",
        "Huawei Technologies Co., Ltd.",
        "华为技术有限公司",
        "Robert Bosch GmbH",
        "Nestlé S.A.",
        "The Boots Company PLC",
        "阿里巴巴集团",
    ];
    (0..n).map(|_| rng.pick(&names).to_string()).collect()
}

fn countries(rng: &mut Lcg, n: usize) -> Vec<String> {
    let names = [
        "China",
        "中国",
        "UK",
        "United States",
        "U.S.A.",
        "Deutschland",
        "AU",
        "中华人民共和国",
    ];
    (0..n).map(|_| rng.pick(&names).to_string()).collect()
}

fn opts() -> NormalizeOptions {
    // Reference date "today": plausibility checks cost the same either way.
    NormalizeOptions::default()
}

#[divan::bench]
fn person_name_full(bencher: Bencher) {
    let input = full_names(&mut Lcg(1), N);
    let o = opts();
    bencher.counter(ItemsCount::new(input.len())).bench(|| {
        for v in &input {
            black_box(cim_normalize::person_name(Some(v), None, None, None, &o));
        }
    });
}

#[divan::bench]
fn person_name_parts(bencher: Bencher) {
    let mut rng = Lcg(2);
    let input: Vec<(&str, &str)> = (0..N)
        .map(|_| (rng.pick(GIVEN), rng.pick(FAMILY)))
        .collect();
    let o = opts();
    bencher.counter(ItemsCount::new(input.len())).bench(|| {
        for (g, f) in &input {
            black_box(cim_normalize::person_name(None, Some(g), None, Some(f), &o));
        }
    });
}

#[divan::bench]
fn email(bencher: Bencher) {
    let input = emails(&mut Lcg(3), N);
    let o = opts();
    bencher.counter(ItemsCount::new(input.len())).bench(|| {
        for v in &input {
            black_box(cim_normalize::email(v, &o));
        }
    });
}

#[divan::bench]
fn phone(bencher: Bencher) {
    let input = phones(&mut Lcg(4), N);
    bencher.counter(ItemsCount::new(input.len())).bench(|| {
        for (v, region) in &input {
            black_box(cim_normalize::phone(v, Some(region)));
        }
    });
}

/// Numbers never seen before in this process (the phone memo is
/// process-wide, so `phone` above mostly measures memo hits after its first
/// sample): each sample gets fresh subscriber digits. Mixed regions, as in
/// a multi-country CRM export.
#[divan::bench]
fn phone_distinct(bencher: Bencher) {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    bencher
        .counter(ItemsCount::new(N))
        .with_inputs(|| {
            let base = NEXT.fetch_add(N as u64, Ordering::Relaxed);
            (0..N as u64)
                .map(|i| {
                    let k = base + i;
                    match k % 6 {
                        0 => (
                            format!("139 {:04} {:04}", k / 10_000 % 10_000, k % 10_000),
                            "CN",
                        ),
                        1 => (
                            format!("+86 186-{:04}-{:04}", k / 10_000 % 10_000, k % 10_000),
                            "CN",
                        ),
                        2 => (format!("07911 {:06}", k % 1_000_000), "GB"),
                        3 => (
                            format!("020 7{:03} {:04}", k / 10_000 % 1_000, k % 10_000),
                            "GB",
                        ),
                        4 => (
                            format!("(650) 2{:02}-{:04} x12", k / 10_000 % 100, k % 10_000),
                            "US",
                        ),
                        _ => (format!("+49 151 {:08}", k % 100_000_000), "DE"),
                    }
                })
                .collect::<Vec<_>>()
        })
        .bench_local_refs(|input| {
            for (v, region) in input.iter() {
                black_box(cim_normalize::phone(v, Some(region)));
            }
        });
}

#[divan::bench]
fn date_of_birth(bencher: Bencher) {
    let input = dates(&mut Lcg(5), N);
    let o = opts();
    bencher.counter(ItemsCount::new(input.len())).bench(|| {
        for v in &input {
            black_box(cim_normalize::date(v, DateOrder::Dmy, false, &o));
        }
    });
}

#[divan::bench]
fn updated_at(bencher: Bencher) {
    let input = dates(&mut Lcg(6), N);
    bencher.counter(ItemsCount::new(input.len())).bench(|| {
        for v in &input {
            black_box(cim_normalize::datetime(v, DateOrder::Dmy));
        }
    });
}

#[divan::bench]
fn address(bencher: Bencher) {
    let input = addresses(&mut Lcg(7), N);
    let o = opts();
    bencher.counter(ItemsCount::new(input.len())).bench(|| {
        for v in &input {
            black_box(cim_normalize::address(Some(v), Some("Apartment 4"), &o));
        }
    });
}

#[divan::bench]
fn postcode(bencher: Bencher) {
    let input = postcodes(&mut Lcg(8), N);
    bencher.counter(ItemsCount::new(input.len())).bench(|| {
        for (v, c) in &input {
            black_box(cim_normalize::postcode(v, Some(c)));
        }
    });
}

#[divan::bench]
fn country(bencher: Bencher) {
    let input = countries(&mut Lcg(9), N);
    bencher.counter(ItemsCount::new(input.len())).bench(|| {
        for v in &input {
            black_box(cim_normalize::country(v));
        }
    });
}

#[divan::bench]
fn company(bencher: Bencher) {
    let input = companies(&mut Lcg(10), N);
    let o = opts();
    bencher.counter(ItemsCount::new(input.len())).bench(|| {
        for v in &input {
            black_box(cim_normalize::company(v, &o));
        }
    });
}

#[divan::bench]
fn city(bencher: Bencher) {
    let mut rng = Lcg(11);
    let names = [
        "São Paulo",
        "St. Louis",
        "北京市",
        "Zürich",
        "London",
        "Mount Isa",
    ];
    let input: Vec<&str> = (0..N).map(|_| rng.pick(&names)).collect();
    let o = opts();
    bencher.counter(ItemsCount::new(input.len())).bench(|| {
        for v in &input {
            black_box(cim_normalize::city(v, &o));
        }
    });
}

#[divan::bench]
fn gender_and_national_id(bencher: Bencher) {
    let mut rng = Lcg(12);
    let genders = ["F", "male", "女", "男", "x", "unknown"];
    let input: Vec<(&str, String)> = (0..N)
        .map(|_| {
            (
                rng.pick(&genders),
                format!(
                    "{:03}-{:02}-{:04}",
                    rng.num(1, 899),
                    rng.num(1, 99),
                    rng.num(1, 9999)
                ),
            )
        })
        .collect();
    bencher.counter(ItemsCount::new(input.len())).bench(|| {
        for (g, id) in &input {
            black_box(cim_normalize::gender(g));
            black_box(cim_normalize::national_id(id, Some("US")));
        }
    });
}

/// A raw batch of `n` rows with every field populated in mixed formats.
fn raw_batch(n: usize) -> RecordBatch {
    let mut rng = Lcg(42);
    let full = full_names(&mut rng, n);
    let email = emails(&mut rng, n);
    let phone = phones(&mut rng, n);
    let dob = dates(&mut rng, n);
    let addr = addresses(&mut rng, n);
    let pc = postcodes(&mut rng, n);
    let comp = companies(&mut rng, n);
    let ctry = countries(&mut rng, n);
    let col = |f: &dyn Fn(usize) -> Option<String>| -> ArrayRef {
        Arc::new(StringArray::from_iter((0..n).map(f)))
    };
    let mut columns: Vec<ArrayRef> = vec![
        col(&|i| Some(format!("bench:{i}"))),
        col(&|_| Some("bench".into())),
        col(&|_| Some("bench.csv".into())),
        Arc::new(UInt64Array::from_iter_values(0..n as u64)),
        col(&|i| Some(format!("{i:016x}"))),
        col(&|_| None),
    ];
    for f in CanonicalField::ALL {
        use CanonicalField as F;
        let values: ArrayRef = match f {
            F::SourceKey => col(&|i| Some(format!("K{i}"))),
            F::FullName => col(&|i| Some(full[i].clone())),
            F::Email => col(&|i| Some(email[i].clone())),
            F::Phone => col(&|i| Some(phone[i].0.clone())),
            F::DateOfBirth => col(&|i| Some(dob[i].clone())),
            F::Gender => col(&|i| Some(["F", "M", "女", "男"][i % 4].into())),
            F::AddressLine1 => col(&|i| Some(addr[i].clone())),
            F::City => col(&|i| Some(["London", "北京市", "Sydney", "Berlin"][i % 4].into())),
            F::Postcode => col(&|i| Some(pc[i].0.clone())),
            F::Country => col(&|i| Some(ctry[i].clone())),
            F::Company => col(&|i| Some(comp[i].clone())),
            F::NationalId => col(&|i| Some(format!("ID{:08}", i * 7919 % 99_999_999))),
            F::UpdatedAt => col(&|i| Some(format!("2024-03-{:02}T10:20:30Z", i % 28 + 1))),
            _ => col(&|_| None),
        };
        columns.push(values);
    }
    RecordBatch::try_new(raw_schema(), columns).expect("raw batch")
}

/// Whole rows (every field plus keys and issues) per second.
#[divan::bench(sample_count = 20)]
fn normalize_batch_rows(bencher: Bencher) {
    let batch = raw_batch(8_192);
    let hints = SourceHints {
        phone_region: Some("CN".into()),
        date_order: DateOrder::Dmy,
        default_country: Some("CN".into()),
        excel_dates: false,
    };
    let o = opts();
    bencher
        .counter(ItemsCount::new(batch.num_rows()))
        .bench(|| black_box(cim_normalize::normalize_batch(&batch, &hints, &o).expect("batch")));
}
