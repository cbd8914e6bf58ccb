//! Hand-built normalised batches for tests and benchmarks.
//!
//! This is **not** the normaliser (`cim-normalize` is): keys are derived
//! crudely (lower case, collapsed spaces, Soundex as the phonetic code, no
//! nicknames, no pinyin), which is enough to exercise dedupe on realistic
//! data without depending on another stage.

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow::array::{ArrayRef, UInt8Array, UInt64Array};
use arrow::record_batch::RecordBatch;
use cim_schema::batch::string_array;
use cim_schema::{CanonicalField, FieldStatus, MatchKey, normalized_schema};

/// One record: display values per field, optional explicit keys.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TestRecord {
    /// Value of the `record_id` column.
    pub record_id: String,
    /// Value of the `source` column.
    pub source: String,
    /// Display values.
    pub fields: BTreeMap<CanonicalField, String>,
    /// Keys that override the derived ones (an empty string makes the key
    /// null).
    pub keys: BTreeMap<MatchKey, String>,
}

impl TestRecord {
    /// A record without values.
    pub fn new(record_id: impl Into<String>, source: impl Into<String>) -> Self {
        Self {
            record_id: record_id.into(),
            source: source.into(),
            ..Default::default()
        }
    }

    /// Sets a display value (empty or blank values are ignored).
    pub fn field(mut self, f: CanonicalField, v: impl Into<String>) -> Self {
        let v = v.into();
        if !v.trim().is_empty() {
            self.fields.insert(f, v.trim().to_string());
        }
        self
    }

    /// Overrides a derived key.
    pub fn key(mut self, k: MatchKey, v: impl Into<String>) -> Self {
        self.keys.insert(k, v.into());
        self
    }
}

/// Lower case, alphanumerics and single spaces only.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for w in s
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(w.chars().flat_map(char::to_lowercase));
    }
    out
}

/// American Soundex of the ASCII letters of `s` (`robert` -> `R163`);
/// empty when there are none.
pub fn soundex(s: &str) -> String {
    let code = |c: char| match c {
        'b' | 'f' | 'p' | 'v' => '1',
        'c' | 'g' | 'j' | 'k' | 'q' | 's' | 'x' | 'z' => '2',
        'd' | 't' => '3',
        'l' => '4',
        'm' | 'n' => '5',
        'r' => '6',
        'h' | 'w' => '-',
        _ => '0',
    };
    let letters: Vec<char> = s
        .chars()
        .flat_map(char::to_lowercase)
        .filter(char::is_ascii_lowercase)
        .collect();
    let Some(&first) = letters.first() else {
        return String::new();
    };
    let mut out = String::from(first.to_ascii_uppercase());
    let mut last = code(first);
    for &c in &letters[1..] {
        let k = code(c);
        if k == '-' {
            continue;
        }
        if k != '0' && k != last {
            out.push(k);
            if out.len() == 4 {
                break;
            }
        }
        last = k;
    }
    while out.len() < 4 {
        out.push('0');
    }
    out
}

/// `yyyymmdd`, `yyyy-mm-dd`, `yyyy/mm/dd` or `dd/mm/yyyy` as `yyyy-mm-dd`.
pub fn iso_date(s: &str) -> Option<String> {
    let digits: String = s.chars().filter(char::is_ascii_digit).collect();
    if digits.len() != 8 {
        return None;
    }
    let t = s.trim();
    let (y, m, d) = if t.len() == 10 && (t.as_bytes()[2] == b'/' || t.as_bytes()[2] == b'.') {
        (&digits[4..8], &digits[2..4], &digits[0..2])
    } else {
        (&digits[0..4], &digits[4..6], &digits[6..8])
    };
    Some(format!("{y}-{m}-{d}"))
}

fn is_han(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

/// Crude keys from display values.
pub fn simple_keys(fields: &BTreeMap<CanonicalField, String>) -> BTreeMap<MatchKey, String> {
    use CanonicalField as F;
    use MatchKey as K;
    let get = |f: F| fields.get(&f).map(String::as_str).unwrap_or("");
    let mut k = BTreeMap::new();
    let mut put = |key: K, v: String| {
        if !v.is_empty() {
            k.insert(key, v);
        }
    };
    let given = fold(get(F::GivenName));
    let family = fold(get(F::FamilyName));
    let full = if fields.contains_key(&F::FullName) {
        fold(get(F::FullName))
    } else {
        fold(&format!("{given} {family}"))
    };
    let mut tokens: Vec<&str> = full.split(' ').filter(|t| !t.is_empty()).collect();
    tokens.sort_unstable();
    put(K::FullName, tokens.join(" "));
    put(K::GivenPhonetic, soundex(&given));
    put(K::FamilyPhonetic, soundex(&family));
    put(
        K::GivenInitial,
        given.chars().next().map(String::from).unwrap_or_default(),
    );
    let han: String = [get(F::FamilyName), get(F::GivenName), get(F::FullName)]
        .concat()
        .chars()
        .filter(|&c| is_han(c))
        .collect();
    put(K::HanName, han);
    put(K::GivenName, given);
    put(K::FamilyName, family);
    let email = get(F::Email).trim().to_lowercase();
    put(
        K::EmailLocal,
        email.split('@').next().unwrap_or("").to_string(),
    );
    put(K::Email, email);
    put(
        K::Phone,
        get(F::Phone).chars().filter(char::is_ascii_digit).collect(),
    );
    if let Some(d) = iso_date(get(F::DateOfBirth)) {
        put(K::BirthYear, d[..4].to_string());
        put(K::Dob, d);
    }
    let line1 = fold(get(F::AddressLine1));
    put(
        K::HouseNumber,
        line1
            .split(' ')
            .find(|t| t.chars().any(|c| c.is_ascii_digit()))
            .unwrap_or("")
            .to_string(),
    );
    put(
        K::Address,
        fold(&format!("{line1} {}", get(F::AddressLine2))),
    );
    put(K::City, fold(get(F::City)));
    put(K::Postcode, fold(get(F::Postcode)).replace(' ', ""));
    put(K::Country, fold(get(F::Country)));
    put(K::Company, fold(get(F::Company)));
    put(
        K::NationalId,
        get(F::NationalId)
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_uppercase())
            .collect(),
    );
    k
}

/// A batch in [`normalized_schema`] holding `records`, keys derived by
/// [`simple_keys`] unless overridden.
pub fn batch(records: &[TestRecord]) -> RecordBatch {
    let keys: Vec<BTreeMap<MatchKey, String>> = records
        .iter()
        .map(|r| {
            let mut k = simple_keys(&r.fields);
            for (key, v) in &r.keys {
                if v.is_empty() {
                    k.remove(key);
                } else {
                    k.insert(*key, v.clone());
                }
            }
            k
        })
        .collect();
    let n = records.len();
    let mut cols: Vec<ArrayRef> = vec![
        string_array(records.iter().map(|r| Some(r.record_id.as_str()))),
        string_array(records.iter().map(|r| Some(r.source.as_str()))),
        string_array((0..n).map(|_| Some("test"))),
        Arc::new(UInt64Array::from_iter_values(1..=n as u64)),
        string_array((0..n).map(|_| Some("0000000000000000"))),
        string_array((0..n).map(|_| None::<&str>)),
    ];
    for f in CanonicalField::ALL {
        cols.push(string_array(
            records.iter().map(|r| r.fields.get(&f).map(String::as_str)),
        ));
        cols.push(Arc::new(UInt8Array::from_iter_values(records.iter().map(
            |r| {
                if r.fields.contains_key(&f) {
                    FieldStatus::Valid.code()
                } else {
                    FieldStatus::Missing.code()
                }
            },
        ))));
    }
    for k in MatchKey::ALL {
        cols.push(string_array(
            keys.iter().map(|m| m.get(&k).map(String::as_str)),
        ));
    }
    cols.push(string_array((0..n).map(|_| None::<&str>)));
    RecordBatch::try_new(normalized_schema(), cols).expect("columns follow normalized_schema")
}

/// Synthetic people for benchmarks: `n` records, about `dup_share` of
/// them noisy duplicates (typos, swapped names, missing or changed fields)
/// of earlier ones. Deterministic for a seed. Returns the records and the
/// true entity of each.
pub fn synthetic(n: usize, dup_share: f64, seed: u64) -> (Vec<TestRecord>, Vec<u32>) {
    const GIVEN: &[&str] = &[
        "james",
        "mary",
        "robert",
        "patricia",
        "john",
        "jennifer",
        "michael",
        "linda",
        "david",
        "elizabeth",
        "william",
        "barbara",
        "richard",
        "susan",
        "joseph",
        "jessica",
        "thomas",
        "sarah",
        "charles",
        "karen",
        "olivia",
        "noah",
        "amelia",
        "oliver",
        "isla",
        "jack",
        "ava",
        "harry",
        "mia",
        "george",
        "wei",
        "li",
        "fang",
        "min",
        "hui",
        "lucas",
        "emma",
        "liam",
    ];
    const FAMILY: &[&str] = &[
        "smith",
        "johnson",
        "williams",
        "brown",
        "jones",
        "garcia",
        "miller",
        "davis",
        "rodriguez",
        "martinez",
        "hernandez",
        "lopez",
        "wilson",
        "anderson",
        "thomas",
        "taylor",
        "moore",
        "jackson",
        "martin",
        "lee",
        "thompson",
        "white",
        "harris",
        "clark",
        "lewis",
        "walker",
        "hall",
        "young",
        "allen",
        "king",
        "wright",
        "scott",
        "green",
        "baker",
        "adams",
        "nelson",
        "zhang",
        "wang",
        "chen",
        "liu",
        "yang",
        "huang",
        "zhao",
        "wu",
        "zhou",
        "xu",
        "sun",
    ];
    const CITY: &[&str] = &[
        "london",
        "leeds",
        "york",
        "bath",
        "hull",
        "bristol",
        "derby",
        "exeter",
        "oxford",
        "cambridge",
        "norwich",
        "durham",
        "chester",
        "lincoln",
        "carlisle",
        "preston",
    ];
    let mut state = seed ^ 0x5DEE_CE66_D1CE_4E5B;
    let mut next = move || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let mut pick = |k: usize| (next() % k as u64) as usize;
    let typo = |s: &str, at: usize| -> String {
        let mut c: Vec<char> = s.chars().collect();
        if c.len() > 2 {
            let i = 1 + at % (c.len() - 1);
            c.swap(i - 1, i);
        }
        c.into_iter().collect()
    };
    let mut recs: Vec<TestRecord> = Vec::with_capacity(n);
    let mut truth: Vec<u32> = Vec::with_capacity(n);
    let mut entities = 0u32;
    for i in 0..n {
        let dup = i > 0 && (pick(10_000) as f64) < dup_share * 10_000.0;
        if dup {
            let j = pick(i);
            let mut r = recs[j].clone();
            r.record_id = format!("syn:{i}");
            r.source = format!("s{}", pick(2));
            match pick(5) {
                0 => {
                    let g = r
                        .fields
                        .get(&CanonicalField::GivenName)
                        .cloned()
                        .unwrap_or_default();
                    r.fields
                        .insert(CanonicalField::GivenName, typo(&g, pick(8)));
                }
                1 => {
                    let f = r
                        .fields
                        .get(&CanonicalField::FamilyName)
                        .cloned()
                        .unwrap_or_default();
                    r.fields
                        .insert(CanonicalField::FamilyName, typo(&f, pick(8)));
                }
                2 => {
                    r.fields.remove(&CanonicalField::Email);
                }
                3 => {
                    r.fields
                        .insert(CanonicalField::City, CITY[pick(CITY.len())].into());
                }
                _ => {
                    let g = r.fields.remove(&CanonicalField::GivenName);
                    let f = r.fields.remove(&CanonicalField::FamilyName);
                    if let (Some(g), Some(f)) = (g, f) {
                        r.fields.insert(CanonicalField::GivenName, f);
                        r.fields.insert(CanonicalField::FamilyName, g);
                    }
                }
            }
            recs.push(r);
            truth.push(truth[j]);
        } else {
            let g = GIVEN[pick(GIVEN.len())];
            let f = FAMILY[pick(FAMILY.len())];
            let dob = format!(
                "{}-{:02}-{:02}",
                1930 + pick(80),
                1 + pick(12),
                1 + pick(28)
            );
            recs.push(
                TestRecord::new(format!("syn:{i}"), format!("s{}", pick(2)))
                    .field(CanonicalField::GivenName, g)
                    .field(CanonicalField::FamilyName, f)
                    .field(CanonicalField::DateOfBirth, dob)
                    .field(CanonicalField::City, CITY[pick(CITY.len())])
                    .field(
                        CanonicalField::Email,
                        format!("{g}.{f}{}@mail.example", pick(1000)),
                    )
                    .field(
                        CanonicalField::Postcode,
                        format!("{}{}", ["ab", "cd", "ef", "gh"][pick(4)], pick(100)),
                    ),
            );
            truth.push(entities);
            entities += 1;
        }
    }
    (recs, truth)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn soundex_codes() {
        assert_eq!(soundex("Robert"), "R163");
        assert_eq!(soundex("Rupert"), "R163");
        assert_eq!(soundex("Ashcraft"), "A261");
        assert_eq!(soundex("Tymczak"), "T522");
        assert_eq!(soundex("Pfister"), "P236");
        assert_eq!(soundex(""), "");
    }

    #[test]
    fn batch_follows_schema() {
        let b = batch(&[TestRecord::new("s:1", "s")
            .field(CanonicalField::GivenName, "Wei")
            .field(CanonicalField::FamilyName, "Zhang")
            .field(CanonicalField::DateOfBirth, "19800102")]);
        assert_eq!(b.schema(), normalized_schema());
        let k = simple_keys(
            &TestRecord::new("x", "s")
                .field(CanonicalField::DateOfBirth, "02/01/1980")
                .fields,
        );
        assert_eq!(k[&MatchKey::Dob], "1980-01-02");
    }
}
