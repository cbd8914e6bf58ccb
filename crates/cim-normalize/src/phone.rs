//! Phone numbers: E.164 via the `phonenumber` crate (a libphonenumber port).

use cim_schema::FieldStatus;

use phonenumber::{ParseError, country};

use crate::reason;
use crate::text::{clean, is_placeholder};

mod fast;
mod meta;
mod valid;

/// A normalised phone number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneNorm {
    /// E.164 (`+8613800138000`), followed by ` ext. 123` when an extension
    /// was given, for valid numbers; the cleaned input otherwise. `None`
    /// when missing.
    pub display: Option<String>,
    /// `key_phone`: E.164 without extension when valid; the digits only
    /// (extension excluded) when the number fails validation; `None` for
    /// missing and placeholder values.
    pub key: Option<String>,
    /// Extension digits (`x123`, `ext. 123`, `转123`), never part of the key.
    pub extension: Option<String>,
    /// Validity.
    pub status: FieldStatus,
    /// Reason code when invalid: `placeholder`, `not_a_number`, `no_region`,
    /// `invalid_country_code`, `too_short`, `too_long`, `invalid_number`.
    pub issue: Option<&'static str>,
}

/// Extension markers, tried case-insensitively; longest first.
const EXT_MARKERS: &[&str] = &[
    "extension",
    "ext.",
    "ext",
    "分机",
    "分機",
    "转",
    "轉",
    "x.",
    "x",
    "#",
];

fn starts_with_ci(s: &str, prefix: &str) -> bool {
    s.len() >= prefix.len()
        && s.is_char_boundary(prefix.len())
        && s[..prefix.len()].eq_ignore_ascii_case(prefix)
}

/// Splits `main ext` at an extension marker followed only by 1-7 digits,
/// when at least 5 digits precede it.
fn split_extension(s: &str) -> (&str, Option<String>) {
    let mut digits_before = 0;
    for (i, c) in s.char_indices() {
        if c.is_ascii_digit() {
            digits_before += 1;
            continue;
        }
        if digits_before < 5 {
            continue;
        }
        for m in EXT_MARKERS {
            if starts_with_ci(&s[i..], m) {
                let rest = s[i + m.len()..].trim_start_matches([' ', ':', '.', '-', '=']);
                let rest = rest.trim_end();
                if (1..=7).contains(&rest.len()) && rest.bytes().all(|b| b.is_ascii_digit()) {
                    return (s[..i].trim_end(), Some(rest.to_string()));
                }
            }
        }
    }
    (s, None)
}

/// Whether a digit string is an obvious fake: one repeated digit or a
/// counting sequence.
pub fn is_placeholder_digits(digits: &str) -> bool {
    let b = digits.as_bytes();
    if b.len() >= 4 && b.iter().all(|d| *d == b[0]) {
        return true;
    }
    b.len() >= 6 && ("01234567890123".contains(digits) || "98765432109876".contains(digits))
}

fn region_id(region: Option<&str>) -> Option<country::Id> {
    let r = region?.trim();
    if r.len() != 2 {
        return None;
    }
    if let [a, b] = r.as_bytes()
        && a.is_ascii_alphabetic()
        && b.is_ascii_alphabetic()
    {
        // Once per phone value: the crate's `FromStr` compares against
        // every region name, so two letters index a table of its answers.
        let i = usize::from(a.to_ascii_uppercase() - b'A') * 26
            + usize::from(b.to_ascii_uppercase() - b'A');
        return REGION_IDS[i];
    }
    parse_region(r)
}

fn parse_region(r: &str) -> Option<country::Id> {
    r.to_ascii_uppercase().parse().ok()
}

/// [`parse_region`] of every two-letter code `AA`..`ZZ`.
static REGION_IDS: std::sync::LazyLock<[Option<country::Id>; 26 * 26]> =
    std::sync::LazyLock::new(|| {
        std::array::from_fn(|i| {
            let code = [b'A' + (i / 26) as u8, b'A' + (i % 26) as u8];
            std::str::from_utf8(&code).ok().and_then(parse_region)
        })
    });

/// What parsing and validating a canonical number (`+` and digits, or
/// digits) in a region gives: its E.164 form or a reason code.
type Parsed = Result<String, &'static str>;

/// Process-wide memo shared by every batch and thread, for the numbers
/// [`fast::parse`] leaves to the crate: the crate's parser runs its regexes
/// behind one global mutex (see [`valid`]), and the same customer's number
/// recurs across batches and sources. The memo only ever holds what the
/// crate itself returned, so results are identical with or without it; it
/// stops growing at [`MEMO_CAP`](memo::MEMO_CAP) entries.
mod memo {
    use std::hash::{BuildHasher, BuildHasherDefault};
    use std::sync::{LazyLock, Mutex};

    use std::collections::HashMap;
    use xxhash_rust::xxh3::Xxh3Default;

    /// Entries per memo (all shards together) before it stops growing:
    /// bounds memory (~100 bytes an entry) on very large inputs.
    pub(super) const MEMO_CAP: usize = 2_000_000;
    const SHARDS: usize = 16;

    /// Keys are short digit strings: xxh3 hashes them several times faster
    /// than the default SipHash, and nothing here is attacker-sensitive
    /// beyond a slower memo.
    type Hasher = BuildHasherDefault<Xxh3Default>;

    /// A sharded map so two threads rarely wait on the same lock. Keys are
    /// text so that a lookup borrows the caller's buffer (no allocation
    /// unless the key is new).
    pub(super) struct Memo<V> {
        shards: [Mutex<HashMap<Box<str>, V, Hasher>>; SHARDS],
    }

    impl<V: Clone> Memo<V> {
        fn new() -> Self {
            Self {
                shards: std::array::from_fn(|_| Mutex::new(HashMap::default())),
            }
        }

        /// The memoised value of `key`, computing it outside the lock on
        /// a miss (two threads may both compute it: same result).
        pub(super) fn get_or(&self, key: &str, compute: impl FnOnce() -> V) -> V {
            let h = Hasher::default().hash_one(key);
            // The map itself uses the low bits; the shard the high ones.
            let shard = &self.shards[(h >> 60) as usize % SHARDS];
            if let Some(v) = shard.lock().unwrap_or_else(|e| e.into_inner()).get(key) {
                return v.clone();
            }
            let v = compute();
            let mut map = shard.lock().unwrap_or_else(|e| e.into_inner());
            if map.len() < MEMO_CAP / SHARDS {
                map.insert(key.into(), v.clone());
            }
            v
        }
    }

    /// Parse outcome per region and canonical input (see
    /// [`super::parse_canonical`] for the key).
    pub(super) static PARSED: LazyLock<Memo<super::Parsed>> = LazyLock::new(Memo::new);
}

fn parse_canonical(region: Option<country::Id>, canonical: &str) -> Parsed {
    // Most numbers take the fast path, which costs less than a memo lookup
    // does once the memo holds hundreds of thousands of numbers (cache
    // misses, a key and a value allocated per number, memory that grows
    // to the cap); only the crate's path is memoised.
    if let Some(parsed) = fast::parse(region, canonical) {
        return parsed;
    }
    // Key: the region's two letters (or "-") then the canonical input,
    // which starts with a digit or "+": no two (region, input) pairs share
    // a key.
    let mut key = String::with_capacity(canonical.len() + 3);
    match region {
        Some(r) => key.push_str(r.as_ref()),
        None => key.push('-'),
    }
    key.push(':');
    key.push_str(canonical);
    memo::PARSED.get_or(&key, || crate_parse(region, canonical))
}

/// Patterns the crate's shared regex cache may hold (it ships with 100).
/// Parsing a number touches a handful of its region's patterns (IDD,
/// national prefix, general descriptor, leading digits); with a few dozen
/// regions in the input a 100-entry LRU evicts them, and every miss
/// recompiles a regex from scratch. A few hundred compiled metadata regexes
/// are a few MiB.
const CRATE_REGEX_CACHE: usize = 1024;

/// [`parse_canonical`] without the memo.
#[cfg(test)]
fn parse_uncached(region: Option<country::Id>, canonical: &str) -> Parsed {
    if let Some(parsed) = fast::parse(region, canonical) {
        return parsed;
    }
    crate_parse(region, canonical)
}

/// The crate's own path end to end, for tests: parse, `is_valid` (locked
/// regex cache) and its E.164 formatter, mapped to reason codes as
/// `parse_uncached` does.
#[cfg(test)]
fn crate_reference(region: Option<country::Id>, canonical: &str) -> Parsed {
    use phonenumber::Mode;
    match phonenumber::parse(region, canonical) {
        Ok(n) if n.is_valid() => Ok(n.format().mode(Mode::E164).to_string()),
        Ok(_) => Err(reason::INVALID_NUMBER),
        Err(ParseError::InvalidCountryCode) => Err(reason::INVALID_COUNTRY_CODE),
        Err(ParseError::TooShortAfterIdd | ParseError::TooShortNsn) => Err(reason::TOO_SHORT),
        Err(ParseError::TooLong) => Err(reason::TOO_LONG),
        Err(_) => Err(reason::INVALID_NUMBER),
    }
}

/// Parsing and validating with the crate's parser (behind its locked regex
/// cache): what [`fast::parse`] must agree with, and the path for what it
/// does not follow. The only runtime path that loads the crate's
/// `DATABASE` (~0.6G instructions, once per process; see [`meta`]).
fn crate_parse(region: Option<country::Id>, canonical: &str) -> Parsed {
    static GROW_CACHE: std::sync::Once = std::sync::Once::new();
    GROW_CACHE.call_once(|| {
        let cache = phonenumber::metadata::DATABASE.cache();
        let mut cache = cache.lock().unwrap_or_else(|e| e.into_inner());
        if cache.capacity() < CRATE_REGEX_CACHE {
            cache.set_capacity(CRATE_REGEX_CACHE);
        }
    });
    // The crate has panicked on malformed input before (rust-phonenumber
    // issues #32 and #43, both fixed): a panic in it costs this number its
    // validity, not the run. Nothing found one in 0.3.10 (fuzzed with
    // 600k inputs), so this is a guard, not a workaround.
    let Some(parsed) = without_panicking(|| phonenumber::parse(region, canonical)) else {
        return Err(reason::INVALID_NUMBER);
    };
    match parsed {
        Ok(n) => {
            // E.164 is "+<code><national significant number>"; building it
            // directly skips the crate's pattern-driven formatter.
            let national = n.national().to_string();
            let code = n.code().value();
            if valid::is_valid(code, &national) {
                Ok(format!("+{code}{national}"))
            } else {
                Err(reason::INVALID_NUMBER)
            }
        }
        Err(ParseError::InvalidCountryCode) => Err(reason::INVALID_COUNTRY_CODE),
        Err(ParseError::TooShortAfterIdd | ParseError::TooShortNsn) => Err(reason::TOO_SHORT),
        Err(ParseError::TooLong) => Err(reason::TOO_LONG),
        Err(_) => Err(reason::INVALID_NUMBER),
    }
}

/// `f()`, or `None` when it panics. The default panic hook still prints
/// the panic's message and location (never the input: the callers pass
/// only closures over the crate's API).
fn without_panicking<T>(f: impl FnOnce() -> T + std::panic::UnwindSafe) -> Option<T> {
    std::panic::catch_unwind(f).ok()
}

/// Whether parsing may have dropped digits after a country code: the
/// input's digits do not end with the E.164's, and the number is another
/// country's or written with the region's own code. A national number of
/// the region with its trunk prefix ("020 7946 0018" in GB), the common
/// case, needs no second parse.
fn stripped_after_country_code(digits: &str, e164: &str, region: Option<country::Id>) -> bool {
    let e_digits = e164.strip_prefix('+').unwrap_or(e164);
    if digits.ends_with(e_digits) {
        return false;
    }
    let Some(meta) = region.and_then(meta::by_id) else {
        return true;
    };
    let code = meta.country_code.to_string();
    !e_digits.starts_with(&code) || digits.starts_with(&code)
}

/// Whether `code` is a country calling code the crate has metadata for
/// (`DATABASE.by_code(&code).is_some()`, without loading `DATABASE`).
pub(crate) fn is_calling_code(code: u16) -> bool {
    meta::is_known_code(code)
}

/// Normalises a phone number. `region` is the ISO 3166-1 alpha-2 region
/// assumed for numbers written without a country code (the source's
/// `phone_region` hint, else the row's country).
///
/// Full-width digits, `00`/`+` international prefixes, `(0)` trunk
/// prefixes after a country code and extensions are handled. A number that
/// fails parsing or validation keeps its cleaned display and a digits-only
/// key, with status invalid and a reason code. Letters (vanity numbers) are
/// ignored.
pub fn phone(raw: &str, region: Option<&str>) -> PhoneNorm {
    phone_with(raw, region, |region, canonical| {
        parse_canonical(region, &canonical)
    })
}

/// [`phone`] with the parse-and-validate step of the canonical input
/// supplied by the caller (memoised, or the crate's own path in tests).
fn phone_with(
    raw: &str,
    region: Option<&str>,
    parse: impl Fn(Option<country::Id>, String) -> Parsed,
) -> PhoneNorm {
    let cleaned = clean(raw);
    if is_placeholder(&cleaned, false) {
        return PhoneNorm {
            display: None,
            key: None,
            extension: None,
            status: FieldStatus::Missing,
            issue: None,
        };
    }
    // Several numbers in one field: the first one counts.
    let first = cleaned
        .split([';', ','])
        .map(str::trim)
        .find(|s| s.bytes().any(|b| b.is_ascii_digit()))
        .unwrap_or(&cleaned);
    let (main, extension) = split_extension(first);
    let digits: String = main.chars().filter(char::is_ascii_digit).collect();
    let invalid = |key: Option<String>, issue: &'static str| PhoneNorm {
        display: Some(cleaned.clone()),
        key,
        extension: extension.clone(),
        status: FieldStatus::Invalid,
        issue: Some(issue),
    };
    if digits.is_empty() {
        return invalid(None, reason::NOT_A_NUMBER);
    }
    if is_placeholder_digits(&digits) {
        return invalid(None, reason::PLACEHOLDER);
    }
    let region = region_id(region);
    let trimmed = main.trim_start_matches(|c: char| !c.is_ascii_digit() && c != '+');
    let plus = trimmed.starts_with('+');
    let international = plus || (region.is_none() && trimmed.starts_with("00"));
    if !international && region.is_none() {
        return invalid(Some(digits), reason::NO_REGION);
    }
    if digits.len() < 5 {
        return invalid(Some(digits), reason::TOO_SHORT);
    }
    if digits.len() > 17 {
        return invalid(Some(digits), reason::TOO_LONG);
    }
    // Canonical input: "+" and digits for international numbers (without
    // the "00" prefix and a "(0)" trunk marker), the digits otherwise.
    let canonical = if international {
        let body = if plus { trimmed } else { &trimmed[2..] };
        let body = body.replacen("(0)", "", 1);
        let mut c = String::with_capacity(body.len() + 1);
        c.push('+');
        c.extend(body.chars().filter(char::is_ascii_digit));
        c
    } else {
        digits.clone()
    };
    let parsed = match parse(region, canonical) {
        Ok(e164) if stripped_after_country_code(&digits, &e164, region) => {
            // The parser strips a national prefix written after a country
            // code ("+91 011 2000 0000" -> +911120000000), yet may then
            // judge that very E.164 invalid. Keep such a number only when
            // its E.164 reads back as itself, so a display normalises to
            // itself.
            match parse(region, e164.clone()) {
                Ok(again) if again == e164 => Ok(e164),
                Ok(_) | Err(_) => Err(reason::INVALID_NUMBER),
            }
        }
        other => other,
    };
    match parsed {
        Ok(e164) => PhoneNorm {
            display: Some(match &extension {
                Some(x) => format!("{e164} ext. {x}"),
                None => e164.clone(),
            }),
            key: Some(e164),
            extension,
            status: FieldStatus::Valid,
            issue: None,
        },
        Err(issue) => invalid(Some(digits), issue),
    }
}

#[cfg(test)]
mod tests;
