//! The `phonenumber` crate's `parse` for cim's canonical input (`+` and
//! ASCII digits, or ASCII digits), without the crate's locked regex cache.
//!
//! `phonenumber::parse` runs every metadata pattern through one process-wide
//! LRU of compiled regexes behind a `Mutex` (see [`super::valid`]), which
//! serialises threads and, with a few dozen regions in play, recompiles
//! patterns it has evicted. This module follows the crate's own steps
//! (`parser::parse_with`, `helper::country_code`,
//! `helper::international_prefix`, `helper::national_number`,
//! `validator::length`) line by line over the same metadata (the tables of
//! [`super::meta`]), with the patterns compiled once per process with the
//! crate's options (but an ASCII `\d`, see `meta::compiled`) and used the
//! same way (`find`, then a check that the match starts at 0). Its quirks
//! are kept on purpose: the answer must be the crate's, not
//! libphonenumber's.
//!
//! Anything outside the shapes it follows returns `None` and goes to the
//! crate. Tests compare it with the crate on a table, on every region's
//! example numbers written several ways, and on random digits.

use std::borrow::Cow;

use phonenumber::country;

use super::meta::{self, Region};
use super::{Parsed, reason, valid};

/// `MIN_LENGTH_FOR_NSN` and `MAX_LENGTH_FOR_NSN` of the crate.
const MIN_NSN: usize = 2;
const MAX_NSN: usize = 17;

/// `validator::length(meta, number, Type::Unknown)`, reduced to what the
/// parser asks of it.
#[derive(Debug, PartialEq, Eq)]
enum Length {
    Possible,
    TooShort,
    Other,
}

fn length(r: &Region, len: usize) -> Length {
    // The crate reads the general descriptor's lengths (its `possible`
    // fallback picks them in both branches) and its first and last entry.
    let possible = &r.general.possible_length;
    let Some((&min, &max)) = possible.first().zip(possible.last()) else {
        return Length::Other;
    };
    let len = len as u16;
    if r.general_local_length.contains(&len) || len == min {
        Length::Possible
    } else if len < min {
        Length::TooShort
    } else if len > max {
        Length::Other
    } else if possible.contains(&len) {
        Length::Possible
    } else {
        Length::Other
    }
}

/// `helper::national_number`: strips the national prefix (and carrier
/// code) the region's patterns find, or applies its transform rule. `None`
/// where the crate would panic (a transform without a first group).
fn national_number<'a>(r: &Region, national: &'a str) -> Option<Cow<'a, str>> {
    let Some(parsing) = r.national_prefix_for_parsing else {
        if let Some(prefix) = r.national_prefix
            && let Some(rest) = national.strip_prefix(prefix)
        {
            return Some(Cow::Borrowed(rest));
        }
        return Some(Cow::Borrowed(national));
    };
    let parsing = parsing.local();
    let Some(m) = parsing.find(national) else {
        return Some(Cow::Borrowed(national));
    };
    if m.start() != 0 {
        return Some(Cow::Borrowed(national));
    }
    let end = m.end();
    let viable = r.general.is_match(national);
    let caps = parsing.captures(national)?;
    let first = caps.get(1).is_some();
    let last = caps.get(caps.len() - 1).is_some();
    match r.transform_rule {
        Some(rule) if last => {
            let transformed = parsing.replace(national, rule);
            if viable && !r.general.is_match(&transformed) {
                return Some(Cow::Borrowed(national));
            }
            if !first {
                return None;
            }
            Some(Cow::Owned(transformed.into_owned()))
        }
        // The crate re-checks the general pattern against the number it
        // already checked (`national[start..]` with `start == 0`), so the
        // prefix is always stripped here.
        _ => Some(Cow::Borrowed(&national[end..])),
    }
}

/// Where the region's IDD pattern matches at the start of `s`, its end.
fn idd_end(r: Option<&Region>, s: &str) -> Option<usize> {
    let m = r?.idd?.local().find(s)?;
    (m.start() == 0).then_some(m.end())
}

/// Parses and validates `canonical` in `region` as `super::crate_parse`
/// does with the crate, or `None` when this path does not follow the input
/// (it then goes to the crate).
pub(super) fn parse(region: Option<country::Id>, canonical: &str) -> Option<Parsed> {
    let (plus, digits) = match canonical.strip_prefix('+') {
        Some(d) => (true, d),
        None => (false, canonical),
    };
    // Fewer than three digits: the crate's viability check decides.
    if digits.len() < 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let home: Option<&Region> = match region {
        // A region without metadata: the crate unwraps it in places.
        Some(id) => Some(meta::by_id(id)?),
        None => None,
    };

    // `international_prefix`: after a `+` the IDD is stripped only when
    // it is there; without one it makes the number international.
    let mut national = digits;
    let mut international = plus;
    if let Some(end) = idd_end(home, national)
        && !national[end..].starts_with('0')
    {
        international = true;
        national = &national[end..];
    }

    // `country_code`.
    let code: u16;
    if international {
        if national.len() <= MIN_NSN {
            return Some(Err(reason::TOO_SHORT));
        }
        if national.starts_with('0') {
            return Some(Err(reason::INVALID_COUNTRY_CODE));
        }
        let found = (1..=3).find_map(|len| {
            let c: u16 = national[..len].parse().ok()?;
            meta::is_known_code(c).then_some((len, c))
        });
        let Some((len, c)) = found else {
            return Some(Err(reason::INVALID_COUNTRY_CODE));
        };
        national = &national[len..];
        code = c;
    } else {
        let Some(r) = home else {
            return Some(Err(reason::INVALID_COUNTRY_CODE));
        };
        code = r.country_code;
        let mut buf = [0u8; 5];
        let code_text = fmt_u16(&mut buf, code);
        if let Some(rest) = national.strip_prefix(code_text)
            && (!r.general.is_match(national) || length(r, national.len()) != Length::Possible)
        {
            national = rest;
        }
    }

    // The metadata that strips the national prefix: the given region's,
    // else the one the number belongs to.
    let meta: Option<&Region> = match home {
        Some(r) => Some(r),
        None => valid::source_for(code, national.trim_start_matches('0')),
    };
    let mut owned: Option<String> = None;
    if let Some(r) = meta {
        let potential = national_number(r, national)?;
        let mut potential: &str = &potential;
        // The crate strips the plain national prefix once more.
        if let Some(prefix) = r.national_prefix
            && let Some(rest) = potential.strip_prefix(prefix)
        {
            potential = rest;
        }
        if length(r, potential.len()) != Length::TooShort {
            owned = Some(potential.to_owned());
        }
    }
    let national: &str = owned.as_deref().unwrap_or(national);

    if national.len() < MIN_NSN {
        return Some(Err(reason::TOO_SHORT));
    }
    if national.len() > MAX_NSN {
        return Some(Err(reason::TOO_LONG));
    }
    // `NationalNumber::from_str`: leading zeros counted, the rest a u64
    // below 2^56; its `Display` gives back the same digits.
    if !national.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let rest = national.trim_start_matches('0');
    if rest.is_empty() {
        return Some(Err(reason::INVALID_NUMBER));
    }
    let value: u64 = rest.parse().ok()?;
    if value >= 1 << 56 {
        return Some(Err(reason::TOO_LONG));
    }
    Some(if valid::is_valid(code, national) {
        // Built directly: `format!` costs more than the rest of this step.
        let mut buf = [0u8; 5];
        let code = fmt_u16(&mut buf, code);
        let mut e164 = String::with_capacity(1 + code.len() + national.len());
        e164.push('+');
        e164.push_str(code);
        e164.push_str(national);
        Ok(e164)
    } else {
        Err(reason::INVALID_NUMBER)
    })
}

/// `code.to_string()` on the stack.
fn fmt_u16(buf: &mut [u8; 5], mut code: u16) -> &str {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (code % 10) as u8;
        code /= 10;
        if code == 0 {
            break;
        }
    }
    std::str::from_utf8(&buf[i..]).unwrap_or("")
}

#[cfg(test)]
mod tests;
