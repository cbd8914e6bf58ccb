//! Text primitives every field normaliser builds on: display cleaning,
//! key folding, placeholder detection and script tests.

use std::borrow::Cow;

use unicode_normalization::char::{decompose_canonical, is_combining_mark};
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfkc_quick};

/// Cleans a value for display: Unicode NFKC (so full-width `Ｚｈａｎｇ` and
/// `１３８` become `Zhang` and `138`, and the ideographic space a space),
/// invisible format characters (zero-width spaces, BOM, soft hyphen,
/// direction marks) removed, control characters and whitespace runs collapsed
/// to one space, ends trimmed. Case, accents and punctuation are kept.
///
/// Idempotent: `clean(&clean(s)) == clean(s)`.
pub fn clean(raw: &str) -> String {
    clean_cow(raw).into_owned()
}

/// [`clean`], borrowing `raw` when it is already clean ASCII (most values):
/// for callers that only read the cleaned text.
pub(crate) fn clean_cow(raw: &str) -> Cow<'_, str> {
    if raw.is_ascii() {
        if is_clean_ascii(raw.as_bytes()) {
            return Cow::Borrowed(raw);
        }
        return Cow::Owned(collapse(raw.chars()));
    }
    // Format characters go before NFKC: removing them afterwards could put
    // a base letter next to a combining mark and make the result non-NFKC.
    // They are rare, so the filtered copy is made only when there are some.
    let filtered: Cow<'_, str> = if raw.chars().any(is_format) {
        Cow::Owned(raw.chars().filter(|c| !is_format(*c)).collect())
    } else {
        Cow::Borrowed(raw)
    };
    Cow::Owned(if is_nfkc_yes(&filtered) {
        // Most Han, Cyrillic, accented Latin text is already NFKC.
        collapse(filtered.chars())
    } else {
        collapse(filtered.nfkc())
    })
}

/// `is_nfkc_quick(s) == Yes`, answered without the Unicode tables for text
/// of ASCII and CJK unified ideographs (U+4E00-U+9FFF: NFKC quick check
/// Yes, combining class 0, tested exhaustively), most non-ASCII values here.
fn is_nfkc_yes(s: &str) -> bool {
    s.chars()
        .all(|c| c.is_ascii() || ('\u{4E00}'..='\u{9FFF}').contains(&c))
        || is_nfkc_quick(s.chars()) == IsNormalized::Yes
}

/// ASCII text [`collapse`] would return unchanged: no control characters,
/// no whitespace but single spaces between words.
fn is_clean_ascii(b: &[u8]) -> bool {
    b.first() != Some(&b' ')
        && b.last() != Some(&b' ')
        && b.iter().all(|&c| (0x20..0x7f).contains(&c))
        && !b.windows(2).any(|w| w == b"  ")
}

fn collapse(chars: impl Iterator<Item = char>) -> String {
    let mut out = String::with_capacity(chars.size_hint().0);
    let mut space = false;
    for c in chars {
        if c.is_whitespace() || c.is_control() {
            space = !out.is_empty();
        } else {
            if space {
                out.push(' ');
                space = false;
            }
            out.push(c);
        }
    }
    out
}

/// Upper-cases a cleaned value for display, staying NFKC (case mapping can
/// decompose: `ῒ` upper-cases to `Ϊ` + combining grave).
pub(crate) fn upper(cleaned: &str) -> String {
    recase(cleaned, str::to_uppercase)
}

/// [`upper`] of an owned value: ASCII is upper-cased in place (the same
/// result, no copy).
pub(crate) fn upper_owned(mut cleaned: String) -> String {
    if cleaned.is_ascii() {
        cleaned.make_ascii_uppercase();
        cleaned
    } else {
        upper(&cleaned)
    }
}

/// `s.to_ascii_uppercase()`, borrowed when it changes nothing (country
/// codes come upper-case from the country table).
pub(crate) fn ascii_upper(s: &str) -> Cow<'_, str> {
    if s.bytes().any(|b| b.is_ascii_lowercase()) {
        Cow::Owned(s.to_ascii_uppercase())
    } else {
        Cow::Borrowed(s)
    }
}

/// Lower-cases a cleaned value for display, staying NFKC.
pub(crate) fn lower(cleaned: &str) -> String {
    recase(cleaned, str::to_lowercase)
}

fn recase(cleaned: &str, map: fn(&str) -> String) -> String {
    let mut s = map(cleaned);
    if s.is_ascii() {
        return s;
    }
    // Case mapping and NFKC alternate until stable, so that cleaning and
    // re-casing the result changes nothing (bounded for hostile input).
    for _ in 0..4 {
        let next = clean(&map(&clean(&s)));
        if next == s {
            break;
        }
        s = next;
    }
    s
}

/// Invisible formatting characters that carry no content in customer data.
pub(crate) fn is_format(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{FEFF}'
    )
}

fn is_apostrophe(c: char) -> bool {
    matches!(
        c,
        '\'' | '\u{2019}' | '\u{2018}' | '`' | '\u{00B4}' | '\u{02BC}' | '\u{02BB}'
    )
}

/// Folds text into match-key form: NFKC, lower case (with `ß` -> `ss`),
/// accents stripped when `strip_accents` (`José` -> `jose`, `Ø` -> `o`,
/// `Æ` -> `ae`), apostrophes deleted (`O'Brien` -> `obrien`), every other
/// punctuation or symbol turned into a single space, ends trimmed. Han and
/// other scripts' letters and digits are kept.
pub fn fold(raw: &str, strip_accents: bool) -> String {
    let mut out = String::with_capacity(raw.len());
    fold_into(raw, strip_accents, &mut out);
    out
}

/// [`fold`] into `out` (cleared first), so that a caller folding many
/// short tokens reuses one buffer.
pub(crate) fn fold_into(raw: &str, strip_accents: bool, out: &mut String) {
    out.clear();
    let mut folder = Folder {
        out: std::mem::take(out),
        space: false,
        keep_marks: !strip_accents,
    };
    if raw.is_ascii() {
        for c in raw.chars() {
            folder.ascii(c);
        }
    } else if is_nfkc_yes(raw) {
        folder.chars(raw.chars(), strip_accents);
    } else {
        folder.chars(raw.nfkc(), strip_accents);
    }
    *out = folder.out;
}

impl Folder {
    /// The general (non-ASCII) path of [`fold`].
    fn chars(&mut self, chars: impl Iterator<Item = char>, strip_accents: bool) {
        let out = self;
        for c in chars {
            if is_format(c) || is_apostrophe(c) {
                continue;
            }
            if c.is_ascii() {
                out.ascii(c);
            } else if strip_accents && !('\u{AC00}'..='\u{D7A3}').contains(&c) {
                decompose_canonical(c, |d| {
                    if !is_combining_mark(d) {
                        out.unicode(d, true);
                    }
                });
            } else {
                out.unicode(c, strip_accents);
            }
        }
    }
}

thread_local! {
    /// [`with_fold`]'s buffer.
    static FOLD_BUF: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

/// Calls `f` with [`fold`] of `raw`, folded into a per-thread buffer: for
/// the many tokens that are folded only to be looked up.
pub(crate) fn with_fold<R>(raw: &str, strip_accents: bool, f: impl FnOnce(&str) -> R) -> R {
    FOLD_BUF.with(|buf| match buf.try_borrow_mut() {
        Ok(mut buf) => {
            fold_into(raw, strip_accents, &mut buf);
            f(&buf)
        }
        // Only if `f` itself folds this way: correct, just not reused.
        Err(_) => f(&fold(raw, strip_accents)),
    })
}

struct Folder {
    out: String,
    space: bool,
    keep_marks: bool,
}

impl Folder {
    #[inline]
    fn flush(&mut self) {
        if self.space {
            self.out.push(' ');
            self.space = false;
        }
    }

    #[inline]
    fn ascii(&mut self, c: char) {
        if c.is_ascii_alphanumeric() {
            self.flush();
            self.out.push(c.to_ascii_lowercase());
        } else if c != '\'' && c != '`' {
            self.space = !self.out.is_empty();
        }
    }

    fn unicode(&mut self, c: char, transliterate: bool) {
        if c.is_alphanumeric() {
            self.flush();
            let special = match c {
                'ß' | 'ẞ' => Some("ss"),
                'æ' | 'Æ' if transliterate => Some("ae"),
                'œ' | 'Œ' if transliterate => Some("oe"),
                'ø' | 'Ø' if transliterate => Some("o"),
                'đ' | 'Đ' | 'ð' | 'Ð' if transliterate => Some("d"),
                'ł' | 'Ł' if transliterate => Some("l"),
                'ħ' | 'Ħ' if transliterate => Some("h"),
                'ı' if transliterate => Some("i"),
                'þ' | 'Þ' if transliterate => Some("th"),
                _ => None,
            };
            match special {
                Some(s) => self.out.push_str(s),
                None => self.out.extend(c.to_lowercase()),
            }
        } else if self.keep_marks && is_combining_mark(c) && !self.out.is_empty() && !self.space {
            self.out.push(c);
        } else {
            self.space = !self.out.is_empty();
        }
    }
}

/// Whether `c` is a CJK unified ideograph (Han character).
pub fn is_han(c: char) -> bool {
    matches!(
        c,
        '\u{4E00}'..='\u{9FFF}'
            | '\u{3400}'..='\u{4DBF}'
            | '\u{F900}'..='\u{FAFF}'
            | '\u{20000}'..='\u{2A6DF}'
            | '\u{2A700}'..='\u{2EBEF}'
            | '\u{30000}'..='\u{3134F}'
            | '\u{3007}'
    )
}

/// Whether the text contains at least one Han character.
pub fn has_han(s: &str) -> bool {
    !s.is_ascii() && s.chars().any(is_han)
}

/// Generic "no value" spellings, compared lower-cased after [`clean`].
const PLACEHOLDERS: &[&str] = &[
    "n/a",
    "n.a.",
    "n.a",
    "n/k",
    "na",
    "null",
    "nil",
    "none",
    "nan",
    "#n/a",
    "(null)",
    "<null>",
    "[null]",
    "(none)",
    "<none>",
    "unknown",
    "unk",
    "not known",
    "not available",
    "not applicable",
    "not provided",
    "not specified",
    "undefined",
    "blank",
    "empty",
    "无",
    "無",
    "不详",
    "不詳",
    "未知",
    "空",
    "暂无",
    "暫無",
];

/// Whether a cleaned value means "no value": empty, a known placeholder
/// (`N/A`, `NULL`, `none`, `-`, `unknown`, `未知` ...) or without any letter
/// or digit at all (`-`, `--`, `?`, `...`).
///
/// `na_is_value` keeps `NA`/`Na` as a value (it is a real surname).
pub fn is_placeholder(cleaned: &str, na_is_value: bool) -> bool {
    if cleaned.is_ascii() {
        return is_placeholder_ascii(cleaned.as_bytes(), na_is_value);
    }
    is_placeholder_any(cleaned, na_is_value)
}

/// [`is_placeholder`] of ASCII text, lower-cased on the stack: it runs
/// for nearly every value of every row, and the general path allocates.
fn is_placeholder_ascii(b: &[u8], na_is_value: bool) -> bool {
    if !b.iter().any(u8::is_ascii_alphanumeric) {
        return true;
    }
    if b.len() > 16 {
        return false;
    }
    let mut buf = [0u8; 16];
    let lower = &mut buf[..b.len()];
    lower.copy_from_slice(b);
    lower.make_ascii_lowercase();
    let lower: &[u8] = lower;
    if na_is_value && lower == b"na" {
        return false;
    }
    let start = lower.iter().position(u8::is_ascii_alphanumeric);
    let end = lower.iter().rposition(u8::is_ascii_alphanumeric);
    let trimmed = match (start, end) {
        (Some(s), Some(e)) => &lower[s..=e],
        _ => &[],
    };
    is_ascii_placeholder_word(lower) || is_ascii_placeholder_word(trimmed)
}

/// The ASCII entries of [`PLACEHOLDERS`] (a test keeps the two in step):
/// a `match` tests the length first, where `PLACEHOLDERS.contains` compares
/// every entry, and this runs for nearly every value.
fn is_ascii_placeholder_word(lower: &[u8]) -> bool {
    matches!(
        lower,
        b"n/a"
            | b"n.a."
            | b"n.a"
            | b"n/k"
            | b"na"
            | b"null"
            | b"nil"
            | b"none"
            | b"nan"
            | b"#n/a"
            | b"(null)"
            | b"<null>"
            | b"[null]"
            | b"(none)"
            | b"<none>"
            | b"unknown"
            | b"unk"
            | b"not known"
            | b"not available"
            | b"not applicable"
            | b"not provided"
            | b"not specified"
            | b"undefined"
            | b"blank"
            | b"empty"
    )
}

fn is_placeholder_any(cleaned: &str, na_is_value: bool) -> bool {
    if !cleaned.chars().any(char::is_alphanumeric) {
        return true;
    }
    if cleaned.len() > 16 {
        return false;
    }
    // Han and most other text has no case: no lower-cased copy then (the
    // per-char test is exact; `to_lowercase` only adds final-sigma context,
    // and `Σ` fails it).
    let lower: Cow<'_, str> = if cleaned.chars().all(|c| {
        let mut l = c.to_lowercase();
        l.next() == Some(c) && l.next().is_none()
    }) {
        Cow::Borrowed(cleaned)
    } else {
        Cow::Owned(cleaned.to_lowercase())
    };
    if na_is_value && lower == "na" {
        return false;
    }
    // Trimmed too: `空¡` must be a placeholder like the `空` that the name
    // normaliser would keep of it, or normalising is not idempotent.
    let trimmed = lower.trim_matches(|c: char| !c.is_alphanumeric());
    PLACEHOLDERS.contains(&&*lower) || PLACEHOLDERS.contains(&trimmed)
}

/// Cleans a raw value and reports `None` when it is missing (null, empty,
/// whitespace or a placeholder).
pub(crate) fn present(raw: Option<&str>, na_is_value: bool) -> Option<String> {
    let c = clean(raw?);
    if is_placeholder(&c, na_is_value) {
        None
    } else {
        Some(c)
    }
}

#[cfg(test)]
mod tests;
