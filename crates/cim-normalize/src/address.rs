//! Addresses, postcodes, countries, cities and regions.

use cim_schema::FieldStatus;

use crate::options::NormalizeOptions;
use crate::tables::{ADDRESS_ABBREVIATION, COUNTRY, country_lookup_form};
use crate::text::{ascii_upper, clean_cow, fold, fold_into, present, upper_owned};
use crate::{FieldNorm, reason};

/// Both address lines of a record, normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressNorm {
    /// `address_line1` display and status (`key` unused).
    pub line1: FieldNorm,
    /// `address_line2` display and status (`key` unused).
    pub line2: FieldNorm,
    /// `key_address`: both lines folded, abbreviations canonicalised.
    pub key: Option<String>,
    /// `key_house_number`: the house number (`12`, `12a`, `88`).
    pub house_number: Option<String>,
}

fn simple(display: Option<String>) -> FieldNorm {
    match display {
        None => FieldNorm::missing(),
        Some(d) => FieldNorm {
            display: Some(d),
            key: None,
            status: FieldStatus::Valid,
            issue: None,
        },
    }
}

/// Canonical form of one folded address token: abbreviation table, and
/// German compounds ending in `strasse`/`str` (`hauptstrasse` = `hauptstr.`).
/// Pushed onto `out` rather than returned: one per address token.
fn push_canonical_token(tok: &str, out: &mut String) {
    if let Some(c) = ADDRESS_ABBREVIATION.get(tok) {
        out.push_str(c);
        return;
    }
    for suffix in ["strasse", "str"] {
        if let Some(stem) = tok.strip_suffix(suffix)
            && stem.len() >= 3
            && stem.bytes().all(|b| b.is_ascii_lowercase())
        {
            out.push_str(stem);
            out.push_str("st");
            return;
        }
    }
    out.push_str(tok);
}

/// Address match key of a text: folded, each token canonicalised
/// (`12 Main Street, Apt 4` and `12 main st apt 4` agree).
pub fn address_key(text: &str, opts: &NormalizeOptions) -> String {
    let folded = fold(text, opts.strip_accents);
    let mut out = String::with_capacity(folded.len());
    for tok in folded.split(' ').filter(|t| !t.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        push_canonical_token(tok, &mut out);
    }
    out
}

/// Tokens after which a number is a unit, not the house number.
const UNIT_WORDS: &[&str] = &[
    "apt",
    "apartment",
    "unit",
    "flat",
    "suite",
    "ste",
    "room",
    "rm",
    "floor",
    "fl",
    "level",
    "lvl",
    "box",
    "bldg",
    "building",
    "lot",
    "shop",
    "tower",
    "block",
];

/// Parses a house-number token: digits with an optional letter (`12`,
/// `12a`), the street part of `5/12` (`12`), the start of a range `12-14`.
fn house_token(tok: &str) -> Option<String> {
    let tok = tok.trim_matches(|c: char| c == ',' || c == '.' || c == ';');
    let tok = match tok.rsplit_once('/') {
        Some((unit, num)) if unit.bytes().any(|b| b.is_ascii_digit()) => num,
        _ => tok,
    };
    let tok = tok.split('-').next().unwrap_or(tok);
    let digits = tok.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits > 6 {
        return None;
    }
    let rest = &tok[digits..];
    match rest.len() {
        0 => Some(tok.to_string()),
        1 if rest.bytes().all(|b| b.is_ascii_alphabetic()) => Some(tok.to_ascii_lowercase()),
        _ => None, // "5th", "1990s", "12abc"
    }
}

/// Extracts the house number from an address line: `88` from
/// `建国路88号`, `12a` from `12A High St`, `12` from `Unit 5/12 Smith St`
/// or `Apt 4B, 123 Main Street` (unit numbers are skipped), `5` from
/// `Hauptstraße 5`.
pub fn house_number(line: &str) -> Option<String> {
    let s = clean_cow(line);
    // Han addresses: digits followed by 号/號.
    if let Some(pos) = s.find(['号', '號']) {
        let before = &s[..pos];
        let digits: String = before
            .chars()
            .rev()
            .take_while(char::is_ascii_digit)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        if !digits.is_empty() && digits.len() <= 6 {
            return Some(digits);
        }
    }
    let tokens = s.split([' ', ',']).filter(|t| !t.is_empty());
    let mut skip_next = false;
    // One buffer for every token's folded form.
    let mut folded = String::new();
    for tok in tokens {
        fold_into(tok, true, &mut folded);
        if skip_next {
            skip_next = false;
            // "Unit 5/12": the part after the slash is the street number.
            if !tok.contains('/') {
                continue;
            }
        }
        if UNIT_WORDS.contains(&folded.as_str()) {
            skip_next = true;
            continue;
        }
        if tok.starts_with('#') {
            continue;
        }
        let tok = tok.strip_prefix("No.").unwrap_or(tok);
        if let Some(n) = house_token(tok) {
            return Some(n);
        }
    }
    None
}

/// Normalises the two address lines of a record.
pub fn address(line1: Option<&str>, line2: Option<&str>, opts: &NormalizeOptions) -> AddressNorm {
    let l1 = simple(present(line1, false));
    let l2 = simple(present(line2, false));
    // Folding treats the joining space as any other separator, so with one
    // line present the line itself is the text (no joined copy).
    let key = match (l1.display.as_deref(), l2.display.as_deref()) {
        (Some(a), Some(b)) => address_key(&format!("{a} {b}"), opts),
        (Some(a), None) | (None, Some(a)) => address_key(a, opts),
        (None, None) => address_key("", opts),
    };
    let house = l1
        .display
        .as_deref()
        .and_then(house_number)
        .or_else(|| l2.display.as_deref().and_then(house_number));
    AddressNorm {
        line1: l1,
        line2: l2,
        key: (!key.is_empty()).then_some(key),
        house_number: house,
    }
}

/// ISO 3166-1 alpha-2 code of a country name, alias or code
/// (`中华人民共和国`, `Great Britain`, `U.S.A.`, `deu`, `de` ...).
pub fn country_code(raw: &str) -> Option<&'static str> {
    COUNTRY.by_name.get(&country_lookup_form(raw)).copied()
}

/// Normalises a country: display and key are the ISO 3166-1 alpha-2 code
/// when recognised (so every spelling displays alike); an unrecognised
/// value keeps its cleaned display, no key, status invalid
/// (`unknown_country`).
pub fn country(raw: &str) -> FieldNorm {
    let Some(c) = present(Some(raw), false) else {
        return FieldNorm::missing();
    };
    match country_code(&c) {
        Some(code) => FieldNorm {
            display: Some(code.to_string()),
            key: Some(code.to_string()),
            status: FieldStatus::Valid,
            issue: None,
        },
        None => FieldNorm {
            display: Some(c),
            key: None,
            status: FieldStatus::Invalid,
            issue: Some(reason::UNKNOWN_COUNTRY),
        },
    }
}

/// Whether a compact upper-case postcode is a UK postcode
/// (outward `A9`, `A99`, `AA9`, `AA99`, `A9A`, `AA9A` + inward `9AA`).
fn is_uk(p: &[u8]) -> bool {
    let n = p.len();
    if !(5..=7).contains(&n) {
        return false;
    }
    let (out, inw) = p.split_at(n - 3);
    let a = |b: &u8| b.is_ascii_uppercase();
    let d = |b: &u8| b.is_ascii_digit();
    let inward = d(&inw[0]) && a(&inw[1]) && a(&inw[2]);
    let outward = match out {
        [x, y] => a(x) && d(y),
        [x, y, z] => a(x) && ((d(y) && (d(z) || a(z))) || (a(y) && d(z))),
        [w, x, y, z] => a(w) && a(x) && d(y) && (d(z) || a(z)),
        _ => false,
    };
    inward && outward
}

fn is_ca(p: &[u8]) -> bool {
    p.len() == 6
        && p.iter().enumerate().all(|(i, b)| {
            if i % 2 == 0 {
                b.is_ascii_uppercase()
            } else {
                b.is_ascii_digit()
            }
        })
}

/// Normalises a postcode for a country (ISO alpha-2, the row's country or
/// the source default):
///
/// | country | display | key |
/// |---|---|---|
/// | GB | `SW1A 1AA` | `SW1A1AA` |
/// | US | `12345` or `12345-6789` (4 digits get their lost leading zero) | `12345` |
/// | CA | `K1A 0B1` | `K1A0B1` |
/// | NL | `1234 AB` | `1234AB` |
/// | JP | `123-4567` | `1234567` |
/// | CN, IN, SG, RU | 6 digits | same |
/// | AU, NZ, AT, BE, CH, DK, NO, HU, PH, ZA | 4 digits | same |
/// | DE, FR, IT, ES, FI, MX, MY, TH, ID, KR, TW(3/5) ... | 5 digits | same |
///
/// Other or unknown countries: upper case, single spaces (display),
/// alphanumerics only (key); a UK- or Canadian-shaped code is formatted as
/// such. A value that breaks its country's rule is invalid
/// (`invalid_postcode`) but keeps the generic key, since the country itself
/// may be what is wrong.
pub fn postcode(raw: &str, country: Option<&str>) -> FieldNorm {
    let Some(c) = present(Some(raw), false) else {
        return FieldNorm::missing();
    };
    let upper = upper_owned(c);
    let compact: String = upper.chars().filter(|ch| ch.is_alphanumeric()).collect();
    // Copied only by the branches that display it.
    let generic_display = &upper;
    let b = compact.as_bytes();
    let all_digits = !b.is_empty() && b.iter().all(u8::is_ascii_digit);
    let valid = |display: String, key: String| FieldNorm {
        display: Some(display),
        key: Some(key),
        status: FieldStatus::Valid,
        issue: None,
    };
    let invalid = || FieldNorm {
        display: Some(generic_display.clone()),
        key: (!compact.is_empty()).then(|| compact.clone()),
        status: FieldStatus::Invalid,
        issue: Some(reason::INVALID_POSTCODE),
    };
    let digits_only = |n: usize| {
        if all_digits && b.len() == n {
            valid(compact.clone(), compact.clone())
        } else {
            invalid()
        }
    };
    let country = country.map(ascii_upper);
    match country.as_deref() {
        Some("GB" | "GG" | "JE" | "IM") => {
            if is_uk(b) {
                let (o, i) = compact.split_at(compact.len() - 3);
                valid(format!("{o} {i}"), compact.clone())
            } else {
                invalid()
            }
        }
        Some("US" | "PR" | "GU" | "VI" | "AS" | "MP") => {
            if all_digits && b.len() == 4 {
                // Spreadsheets drop the leading zero of New England ZIPs.
                let z = format!("0{compact}");
                valid(z.clone(), z)
            } else if all_digits && b.len() == 5 {
                valid(compact.clone(), compact.clone())
            } else if all_digits && b.len() == 9 {
                valid(
                    format!("{}-{}", &compact[..5], &compact[5..]),
                    compact[..5].to_string(),
                )
            } else {
                invalid()
            }
        }
        Some("CA") => {
            if is_ca(b) {
                valid(
                    format!("{} {}", &compact[..3], &compact[3..]),
                    compact.clone(),
                )
            } else {
                invalid()
            }
        }
        Some("NL") => {
            if b.len() == 6
                && b[..4].iter().all(u8::is_ascii_digit)
                && b[4..].iter().all(u8::is_ascii_uppercase)
            {
                valid(
                    format!("{} {}", &compact[..4], &compact[4..]),
                    compact.clone(),
                )
            } else {
                invalid()
            }
        }
        Some("JP") => {
            if all_digits && b.len() == 7 {
                valid(
                    format!("{}-{}", &compact[..3], &compact[3..]),
                    compact.clone(),
                )
            } else {
                invalid()
            }
        }
        Some("CN" | "IN" | "SG" | "RU" | "BY" | "KZ" | "VN" | "RO" | "CO" | "EC") => digits_only(6),
        Some(
            "AU" | "NZ" | "AT" | "BE" | "CH" | "DK" | "NO" | "HU" | "PH" | "ZA" | "LU" | "BG"
            | "CY" | "GE" | "AM",
        ) => digits_only(4),
        Some(
            "DE" | "FR" | "IT" | "ES" | "FI" | "MX" | "MY" | "TH" | "ID" | "KR" | "HR" | "EE"
            | "GT" | "DZ" | "MA" | "SA" | "EG" | "UA" | "TR" | "PK" | "LK" | "KW" | "JO" | "ME"
            | "RS" | "BA",
        ) => digits_only(5),
        _ => {
            if is_uk(b) {
                let (o, i) = compact.split_at(compact.len() - 3);
                valid(format!("{o} {i}"), compact.clone())
            } else if is_ca(b) {
                valid(
                    format!("{} {}", &compact[..3], &compact[3..]),
                    compact.clone(),
                )
            } else if (3..=10).contains(&compact.chars().count())
                && compact.bytes().any(|x| x.is_ascii_digit())
            {
                valid(generic_display.clone(), compact.clone())
            } else {
                invalid()
            }
        }
    }
}

/// Normalises a city: cleaned display; key folded with accents stripped,
/// `Saint`/`St`, `Mount`/`Mt`, `Fort`/`Ft` canonicalised, and a trailing
/// 市 dropped (`北京市` = `北京`). A city without any letter is invalid
/// (`no_letters`).
pub fn city(raw: &str, opts: &NormalizeOptions) -> FieldNorm {
    let Some(c) = present(Some(raw), false) else {
        return FieldNorm::missing();
    };
    if !c.chars().any(char::is_alphabetic) {
        return FieldNorm {
            display: Some(c),
            key: None,
            status: FieldStatus::Invalid,
            issue: Some(reason::NO_LETTERS),
        };
    }
    let folded = fold(&c, opts.strip_accents);
    // Built in one buffer, as `join(" ")` of the mapped tokens would.
    let mut key = String::with_capacity(folded.len());
    for (i, t) in folded.split(' ').enumerate() {
        if i > 0 {
            key.push(' ');
        }
        key.push_str(match t {
            "saint" | "st" | "ste" | "sainte" => "st",
            "mount" | "mt" => "mt",
            "fort" | "ft" => "ft",
            t => t,
        });
    }
    if let Some(stem) = key.strip_suffix('市')
        && stem.chars().count() >= 2
    {
        key.truncate(stem.len());
    }
    FieldNorm {
        display: Some(c),
        key: Some(key),
        status: FieldStatus::Valid,
        issue: None,
    }
}

/// Normalises a region (state, province): cleaned display, no key.
pub fn region(raw: &str) -> FieldNorm {
    simple(present(Some(raw), false))
}

#[cfg(test)]
mod tests;
