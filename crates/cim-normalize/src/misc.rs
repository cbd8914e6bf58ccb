//! Small fields: gender, national id, source key.

use cim_schema::FieldStatus;

use crate::text::{ascii_upper, fold, present, upper_owned};
use crate::{FieldNorm, reason};

/// Normalises gender to `f`, `m` or `x` (female/male/女/男/F/M/W/woman/
/// non-binary/diverse/...). Unrecognised values are invalid
/// (`unknown_gender`); placeholders such as `unknown`, `U` or `N/A` are
/// missing. No match key.
pub fn gender(raw: &str) -> FieldNorm {
    let Some(c) = present(Some(raw), false) else {
        return FieldNorm::missing();
    };
    let code = match fold(&c, true).as_str() {
        "f" | "female" | "woman" | "w" | "girl" | "fem" | "femme" | "weiblich" | "mujer"
        | "femenino" | "feminin" | "女" | "女性" | "女士" => Some("f"),
        "m" | "male" | "man" | "boy" | "mann" | "mannlich" | "masculino" | "hombre" | "homme"
        | "masculin" | "男" | "男性" | "男士" => Some("m"),
        "x" | "other" | "diverse" | "divers" | "d" | "non binary" | "nonbinary" | "nb" | "enby"
        | "intersex" | "其他" => Some("x"),
        "u" | "unknown" | "unspecified" | "prefer not to say" | "not stated" | "保密" => {
            return FieldNorm::missing();
        }
        _ => None,
    };
    match code {
        Some(code) => FieldNorm {
            display: Some(code.to_string()),
            key: None,
            status: FieldStatus::Valid,
            issue: None,
        },
        None => FieldNorm {
            display: Some(c),
            key: None,
            status: FieldStatus::Invalid,
            issue: Some(reason::UNKNOWN_GENDER),
        },
    }
}

/// Weights of the ISO 7064 MOD 11-2 check digit of Chinese resident ids.
const CN_ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

fn cn_id_checksum_ok(id: &str) -> bool {
    let b = id.as_bytes();
    let sum: u32 = b[..17]
        .iter()
        .zip(CN_ID_WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    let check = b"10X98765432"[(sum % 11) as usize];
    b[17] == check
}

/// Normalises a national identifier. Display: cleaned, upper case. Key:
/// upper-case ASCII alphanumerics only (`123-45-6789` -> `123456789`).
/// Invalid: fewer than 4 alphanumerics (`too_short`), one repeated
/// character (`placeholder`), a Chinese 18-character resident id with a
/// wrong check digit (`checksum`, when the country is CN), a US SSN with an
/// impossible area (000, 666, 9xx: `invalid_ssn`, when the country is US).
pub fn national_id(raw: &str, country: Option<&str>) -> FieldNorm {
    let Some(c) = present(Some(raw), false) else {
        return FieldNorm::missing();
    };
    let display = upper_owned(c);
    let key: String = display
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    let invalid = |issue| FieldNorm {
        display: Some(display.clone()),
        key: None,
        status: FieldStatus::Invalid,
        issue: Some(issue),
    };
    if key.len() < 4 {
        return invalid(reason::TOO_SHORT);
    }
    let first = key.as_bytes()[0];
    if key.bytes().all(|b| b == first) {
        return invalid(reason::PLACEHOLDER);
    }
    match country.map(ascii_upper).as_deref() {
        Some("CN")
            if key.len() == 18
                && key[..17].bytes().all(|b| b.is_ascii_digit())
                && !cn_id_checksum_ok(&key) =>
        {
            return invalid(reason::CHECKSUM);
        }
        Some("US")
            if key.len() == 9
                && key.bytes().all(|b| b.is_ascii_digit())
                && (key.starts_with("000") || key.starts_with("666") || key.starts_with('9')) =>
        {
            return invalid(reason::INVALID_SSN);
        }
        _ => {}
    }
    FieldNorm {
        display: Some(display),
        key: Some(key),
        status: FieldStatus::Valid,
        issue: None,
    }
}

/// Normalises the source's own key: trimmed (whitespace only, no other
/// change: keys are identifiers), missing when empty.
pub fn source_key(raw: &str) -> FieldNorm {
    let t = raw.trim();
    if t.is_empty() {
        return FieldNorm::missing();
    }
    FieldNorm {
        display: Some(t.to_string()),
        key: None,
        status: FieldStatus::Valid,
        issue: None,
    }
}

#[cfg(test)]
mod tests;
