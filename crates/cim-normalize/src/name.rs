//! Person names: honorifics, splitting, Han names and pinyin, nicknames,
//! phonetic keys.
//!
//! Display values keep the name as written (cleaned, titles dropped); keys
//! are folded tokens. Han names are keyed by pinyin so that `张伟` agrees
//! with `Zhang Wei`, `Wei Zhang` and `ZHANG Wei` on the order-free full-name
//! key (`wei zhang`).

use std::borrow::Cow;
use std::sync::LazyLock;

use cim_schema::FieldStatus;
use pinyin::ToPinyin;
use rphonetic::{DoubleMetaphone, Encoder};

use crate::options::NormalizeOptions;
use crate::tables::{HAN_SURNAME, HONORIFIC, NICKNAME};
use crate::text::{clean_cow, fold, has_han, is_han, present, with_fold};
use crate::{FieldNorm, reason};

/// Family-name particles: a family name starts at the first of these that
/// is neither the first nor the last token (`Ludwig van Beethoven`).
const PARTICLES: &[&str] = &[
    "van", "von", "de", "der", "den", "del", "della", "da", "di", "du", "dos", "das", "la", "le",
    "ter", "ten", "bin", "binti", "ibn", "al", "el",
];

/// Separators of transliterated foreign names written in Han (`约翰·史密斯`).
const HAN_NAME_DOTS: &[char] = &['·', '•', '・', '‧', '･'];

static DOUBLE_METAPHONE: LazyLock<DoubleMetaphone> = LazyLock::new(DoubleMetaphone::default);

/// A full name split into its parts (display forms, as written).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NameParts {
    /// The cleaned full name for display: titles and Han honorifics dropped,
    /// `FAMILY, Given` reordered to `Given FAMILY`, spaces between Han
    /// characters removed; generational suffixes kept.
    pub display: String,
    /// Given (first) name.
    pub given: Option<String>,
    /// Middle name(s).
    pub middle: Option<String>,
    /// Family name.
    pub family: Option<String>,
    /// Generational or post-nominal suffix (`Jr`, `III`, `PhD`).
    pub suffix: Option<String>,
    /// Whether the name was read as a Han-script name (family first).
    pub han: bool,
}

fn is_title(token: &str) -> bool {
    with_fold(token, true, |f| HONORIFIC.titles.contains(f))
}

fn is_suffix(token: &str) -> bool {
    with_fold(token, true, |f| HONORIFIC.suffixes.contains(f))
}

fn join(tokens: &[&str]) -> Option<String> {
    if tokens.is_empty() {
        None
    } else {
        Some(tokens.join(" "))
    }
}

/// Upper-case token of two or more letters (`ZHANG`, `VAN`), used to spot
/// the family name in `ZHANG Wei` / `Jean DUPONT`.
fn is_caps(token: &str) -> bool {
    let mut letters = 0;
    for c in token.chars() {
        if c.is_alphabetic() {
            if !c.is_uppercase() {
                return false;
            }
            letters += 1;
        }
    }
    letters >= 2
}

/// Splits a full name into given, middle and family parts.
///
/// * Han names (any Han character): family first, compound surnames from the
///   bundled table (`欧阳娜娜` -> 欧阳 + 娜娜), honorifics such as 先生/女士
///   dropped, `·`-separated transliterations read as given·family.
/// * `FAMILY, Given [Middle]` forms.
/// * Otherwise Western order (`Given [Middle] Family`), with a family name
///   starting at a particle (`van`, `de`, ...), except that a token written
///   in capitals while the others are not is the family name (`ZHANG Wei`).
///
/// A single Latin token is a given name, or a family name after a title
/// (`Mr Smith`).
pub fn split_full_name(raw: &str) -> NameParts {
    let cleaned = clean_cow(raw);
    if has_han(&cleaned) {
        split_han(&cleaned)
    } else {
        split_latin(&cleaned)
    }
}

fn split_latin(s: &str) -> NameParts {
    let mut suffixes: Vec<&str> = Vec::new();
    let mut parts: Vec<Vec<&str>> = Vec::new();
    for part in s.split(',') {
        // Tokens without a letter or digit ("-", "&") carry nothing.
        let toks: Vec<&str> = part
            .split_whitespace()
            .filter(|t| t.chars().any(char::is_alphanumeric))
            .collect();
        if toks.is_empty() {
            continue;
        }
        if !parts.is_empty() && toks.iter().all(|t| is_suffix(t) || is_title(t)) {
            suffixes.extend(toks.iter().filter(|t| is_suffix(t)));
        } else {
            parts.push(toks);
        }
    }
    let mut out = NameParts::default();
    if parts.len() >= 2 {
        // FAMILY, Given [Middle]
        let mut family = parts[0].clone();
        while family.len() > 1 && is_suffix(family[family.len() - 1]) {
            suffixes.insert(0, family.pop().unwrap_or_default());
        }
        while family.len() > 1 && is_title(family[0]) {
            family.remove(0);
        }
        let mut given: Vec<&str> = parts[1..].concat();
        while given.len() > 1 && is_title(given[0]) {
            given.remove(0);
        }
        while given.len() > 1 && is_suffix(given[given.len() - 1]) {
            suffixes.insert(0, given.pop().unwrap_or_default());
        }
        out.given = join(&given[..1]);
        out.middle = join(&given[1..]);
        out.family = join(&family);
        out.suffix = join(&suffixes);
        let mut all = given.clone();
        all.extend(&family);
        all.extend(&suffixes);
        out.display = all.join(" ");
        return out;
    }
    let mut toks = parts.pop().unwrap_or_default();
    let mut had_title = false;
    // A title goes only when a name (not just a suffix) is left after it:
    // "Mme Jr." keeps "Mme", as "Mme, Jr." does.
    while toks.len() > 1 && is_title(toks[0]) && toks[1..].iter().any(|t| !is_suffix(t)) {
        toks.remove(0);
        had_title = true;
    }
    let mut display_toks = toks.clone();
    display_toks.extend(&suffixes);
    out.display = display_toks.join(" ");
    while toks.len() > 1 && is_suffix(toks[toks.len() - 1]) {
        suffixes.insert(0, toks.pop().unwrap_or_default());
    }
    out.suffix = join(&suffixes);
    match toks.len() {
        0 => {}
        1 if had_title => out.family = join(&toks),
        1 => out.given = join(&toks),
        n => {
            let caps: Vec<bool> = toks.iter().map(|t| is_caps(t)).collect();
            let n_caps = caps.iter().filter(|c| **c).count();
            let lead = caps.iter().take_while(|c| **c).count();
            let trail = caps.iter().rev().take_while(|c| **c).count();
            if n_caps > 0 && n_caps < n && (lead == n_caps || trail == n_caps) {
                let (family, rest) = if lead == n_caps {
                    (&toks[..lead], &toks[lead..])
                } else {
                    (&toks[n - trail..], &toks[..n - trail])
                };
                out.family = join(family);
                out.given = join(&rest[..1]);
                out.middle = join(&rest[1..]);
            } else {
                let start = (1..n - 1)
                    .find(|&i| with_fold(toks[i], true, |f| PARTICLES.contains(&f)))
                    .unwrap_or(n - 1);
                out.given = join(&toks[..1]);
                out.middle = join(&toks[1..start]);
                out.family = join(&toks[start..]);
            }
        }
    }
    out
}

/// Removes trailing Han honorifics (先生, 女士, ...) unless no Han is left.
fn strip_han_honorific(mut s: &str) -> &str {
    'again: loop {
        for h in &HONORIFIC.han {
            if let Some(rest) = s.strip_suffix(h)
                && rest.chars().any(is_han)
            {
                s = rest.trim_end();
                continue 'again;
            }
        }
        return s;
    }
}

/// Drops spaces that sit between two Han characters (`张 伟` -> `张伟`).
fn join_han_spaces(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    for (i, &c) in chars.iter().enumerate() {
        if c == ' ' && i > 0 && i + 1 < chars.len() && is_han(chars[i - 1]) && is_han(chars[i + 1])
        {
            continue;
        }
        out.push(c);
    }
    out
}

fn split_han(s: &str) -> NameParts {
    let pure = s
        .chars()
        .all(|c| is_han(c) || c == ' ' || HAN_NAME_DOTS.contains(&c));
    // Only the Han part of a mixed name ("Zhang Wei 张伟") is split.
    let han_text: String = s
        .chars()
        .filter(|c| is_han(*c) || *c == ' ' || HAN_NAME_DOTS.contains(c))
        .collect();
    let han_text = han_text.trim();
    let han_text = strip_han_honorific(han_text);
    let mut out = NameParts {
        han: true,
        ..NameParts::default()
    };
    out.display = if pure {
        join_han_spaces(han_text)
    } else {
        s.to_string()
    };
    if han_text.contains(HAN_NAME_DOTS) {
        let parts: Vec<&str> = han_text
            .split(HAN_NAME_DOTS)
            .map(|p| p.trim())
            .filter(|p| !p.is_empty())
            .collect();
        out.han = false;
        match parts.len() {
            0 => {}
            1 => out.given = Some(parts[0].replace(' ', "")),
            n => {
                out.given = Some(parts[0].replace(' ', ""));
                out.middle = join(&parts[1..n - 1]);
                out.family = Some(parts[n - 1].replace(' ', ""));
            }
        }
        return out;
    }
    let chunks: Vec<&str> = han_text.split_whitespace().collect();
    if chunks.len() >= 2 {
        out.family = Some(chunks[0].to_string());
        out.given = Some(chunks[1..].concat());
        return out;
    }
    let name: Vec<char> = han_text.chars().filter(|c| *c != ' ').collect();
    let family_len = if name.len() >= 3 {
        let two: String = name[..2].iter().collect();
        if HAN_SURNAME.contains_key(two.as_str()) {
            2
        } else {
            1
        }
    } else {
        1.min(name.len())
    };
    out.family = Some(name[..family_len].iter().collect()).filter(|s: &String| !s.is_empty());
    out.given = Some(name[family_len..].iter().collect()).filter(|s: &String| !s.is_empty());
    out
}

/// Pinyin of Han characters, concatenated (`小明` -> `xiaoming`); other
/// characters are folded and kept.
pub fn pinyin_of(han: &str) -> String {
    let mut out = String::new();
    for (c, p) in han.chars().zip(han.to_pinyin()) {
        match p {
            Some(p) => out.push_str(p.plain()),
            None if c.is_alphanumeric() => out.push(c),
            None => {}
        }
    }
    fold(&out, true).replace(' ', "")
}

/// Pinyin of a Han family name, using the surname reading
/// (`单` -> `shan`, `欧阳` -> `ouyang`).
pub fn surname_pinyin(han: &str) -> String {
    if let Some(p) = HAN_SURNAME.get(han) {
        return (*p).to_string();
    }
    let mut chars = han.chars();
    match chars.next() {
        Some(first) => {
            let mut buf = [0u8; 4];
            let first_s: &str = first.encode_utf8(&mut buf);
            match HAN_SURNAME.get(first_s) {
                Some(p) => format!("{p}{}", pinyin_of(chars.as_str())),
                None => pinyin_of(han),
            }
        }
        None => String::new(),
    }
}

/// Key tokens of a name part. Han text becomes one pinyin token; Latin text
/// is folded, stripped of titles and suffixes.
fn part_tokens(part: &str, family: bool, strip_accents: bool) -> Vec<String> {
    if has_han(part) {
        let han: String = part.chars().filter(|c| is_han(*c)).collect();
        let han = strip_han_honorific(&han);
        let p = if family {
            surname_pinyin(han)
        } else {
            pinyin_of(han)
        };
        return if p.is_empty() { Vec::new() } else { vec![p] };
    }
    let folded = fold(part, strip_accents);
    let mut toks: Vec<&str> = folded.split(' ').filter(|t| !t.is_empty()).collect();
    while toks.len() > 1 && HONORIFIC.titles.contains(toks[0]) {
        toks.remove(0);
    }
    while toks.len() > 1 && HONORIFIC.suffixes.contains(toks[toks.len() - 1]) {
        toks.pop();
    }
    toks.into_iter().map(str::to_string).collect()
}

/// Given-name key tokens, the first one nickname-canonical.
fn given_tokens(part: &str, opts: &NormalizeOptions) -> Vec<String> {
    let mut toks = part_tokens(part, false, opts.strip_accents);
    if opts.nicknames
        && let Some(first) = toks.first_mut()
        && let Some(canon) = NICKNAME.get(first.as_str())
    {
        *first = (*canon).to_string();
    }
    toks
}

/// Canonical given name of a single folded token (`bob` -> `robert`);
/// the token itself when it is no known nickname.
pub fn canonical_given(token: &str) -> &str {
    NICKNAME.get(token).copied().unwrap_or(token)
}

/// Double Metaphone primary code of a key (ASCII letters only), `None` when
/// the key has none.
pub fn phonetic(key: &str) -> Option<String> {
    // Most keys are letters only: borrowed then, not copied.
    let letters: Cow<'_, str> = if key.bytes().all(|b| b.is_ascii_alphabetic()) {
        Cow::Borrowed(key)
    } else {
        Cow::Owned(key.chars().filter(char::is_ascii_alphabetic).collect())
    };
    if letters.is_empty() {
        return None;
    }
    // Names repeat a lot (a few thousand distinct tokens cover most
    // records) and Double Metaphone is dozens of string tests per letter:
    // memoise per thread. The function is pure, so results are the same.
    PHONETIC_MEMO.with_borrow_mut(|memo| {
        if let Some(code) = memo.get(&*letters) {
            return code.clone();
        }
        let code = DOUBLE_METAPHONE.encode(&letters);
        let code = if code.is_empty() { None } else { Some(code) };
        if memo.len() < PHONETIC_MEMO_CAP {
            memo.insert(letters.into_owned().into_boxed_str(), code.clone());
        }
        code
    })
}

/// Entries per thread in [`PHONETIC_MEMO`] before it stops growing.
const PHONETIC_MEMO_CAP: usize = 200_000;

thread_local! {
    static PHONETIC_MEMO: std::cell::RefCell<
        std::collections::HashMap<
            Box<str>,
            Option<String>,
            std::hash::BuildHasherDefault<xxhash_rust::xxh3::Xxh3Default>,
        >,
    > = std::cell::RefCell::default();
}

/// All normalised name fields of one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonNameNorm {
    /// `full_name` display and status; `key` is the `key_full_name` key.
    pub full_name: FieldNorm,
    /// `given_name`; `key` is `key_given_name`.
    pub given_name: FieldNorm,
    /// `middle_name`; `key` is always `None` (no middle-name match key).
    pub middle_name: FieldNorm,
    /// `family_name`; `key` is `key_family_name`.
    pub family_name: FieldNorm,
    /// `key_given_phonetic`: Double Metaphone of the first given-name token.
    pub given_phonetic: Option<String>,
    /// `key_family_phonetic`: Double Metaphone of the family-name key.
    pub family_phonetic: Option<String>,
    /// `key_given_initial`: first letter of the given-name key.
    pub given_initial: Option<String>,
    /// `key_han_name`: Han characters of the name, family first, no spaces.
    pub han_name: Option<String>,
}

/// A name display value's validity: digits make it invalid.
fn name_field(display: Option<String>) -> FieldNorm {
    match display {
        None => FieldNorm::missing(),
        Some(d) if d.chars().any(|c| c.is_numeric()) => FieldNorm {
            display: Some(d),
            key: None,
            status: FieldStatus::Invalid,
            issue: Some(reason::CONTAINS_DIGITS),
        },
        Some(d) => FieldNorm {
            display: Some(d),
            key: None,
            status: FieldStatus::Valid,
            issue: None,
        },
    }
}

fn han_only(s: &str) -> String {
    s.chars().filter(|c| is_han(*c)).collect()
}

/// Normalises the four name fields of a record together.
///
/// * A present `full_name` is split ([`split_full_name`]); its parts fill
///   missing `given_name`, `middle_name` and `family_name` display values.
/// * Present given and family names fill a missing `full_name` display:
///   `Given [Middle] Family` for Latin, `FamilyGiven` without space when both
///   are Han.
/// * Keys come from the separate columns when present and valid, else from
///   the split. `key_full_name` is the sorted set of given (nickname
///   canonical), middle and family tokens; Han names contribute pinyin.
/// * Values with digits are invalid (`contains_digits`) and give no keys.
pub fn person_name(
    full: Option<&str>,
    given: Option<&str>,
    middle: Option<&str>,
    family: Option<&str>,
    opts: &NormalizeOptions,
) -> PersonNameNorm {
    let full_clean = present(full, true);
    let mut split = full_clean.as_deref().map(split_full_name);
    // The split's display is not read again: moved, not copied.
    let mut full_f = name_field(split.as_mut().map(|p| std::mem::take(&mut p.display)));
    let mut given_f = name_field(present(given, true));
    let mut middle_f = name_field(present(middle, true));
    let mut family_f = name_field(present(family, true));
    let full_valid = full_f.status == FieldStatus::Valid;

    // Fill missing parts from a valid full name. A part passes the same
    // placeholder test as a separate column would ("ୟ無" splits off "無",
    // "none"), so a part reads back the same whichever way it came in.
    if full_valid && let Some(p) = &split {
        let part = |s: &Option<String>| present(s.as_deref(), true);
        if given_f.status == FieldStatus::Missing && p.given.is_some() {
            given_f = name_field(part(&p.given));
        }
        if middle_f.status == FieldStatus::Missing && p.middle.is_some() {
            middle_f = name_field(part(&p.middle));
        }
        if family_f.status == FieldStatus::Missing && p.family.is_some() {
            family_f = name_field(part(&p.family));
        }
    }
    // Borrowed field by field (not copied), so that the keys can be set
    // below.
    let g = (given_f.status == FieldStatus::Valid)
        .then_some(given_f.display.as_deref())
        .flatten();
    let m = (middle_f.status == FieldStatus::Valid)
        .then_some(middle_f.display.as_deref())
        .flatten();
    let fam = (family_f.status == FieldStatus::Valid)
        .then_some(family_f.display.as_deref())
        .flatten();

    // Fill a missing full name from the parts.
    if full_f.status == FieldStatus::Missing && (g.is_some() || fam.is_some()) {
        let both_han = g.is_none_or(has_han) && fam.is_none_or(has_han);
        let display = if both_han {
            format!("{}{}", fam.unwrap_or(""), g.unwrap_or(""))
        } else {
            [g, m, fam]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ")
        };
        full_f = name_field(Some(display));
    }

    let given_toks = g.map(|s| given_tokens(s, opts)).unwrap_or_default();
    let middle_toks = m
        .map(|s| part_tokens(s, false, opts.strip_accents))
        .unwrap_or_default();
    let family_toks = fam
        .map(|s| part_tokens(s, true, opts.strip_accents))
        .unwrap_or_default();

    given_f.key = (!given_toks.is_empty()).then(|| given_toks.join(" "));
    family_f.key = (!family_toks.is_empty()).then(|| family_toks.join(" "));
    let given_phonetic = given_toks.first().and_then(|t| phonetic(t));
    let family_phonetic = family_f.key.as_deref().and_then(phonetic);

    // The full key: from the full name's own split when it is valid, so a
    // record's full key does not depend on which part columns it has. A
    // split part equal to the part used above has the same tokens (the
    // tokenisers are pure): those are reused, not recomputed.
    let mut full_toks: Vec<String> = match (&split, full_valid) {
        (Some(p), true) => {
            let mut t = if p.given.as_deref() == g {
                given_toks
            } else {
                p.given
                    .as_deref()
                    .map(|s| given_tokens(s, opts))
                    .unwrap_or_default()
            };
            if p.middle.as_deref() == m {
                t.extend(middle_toks);
            } else if let Some(mid) = &p.middle {
                t.extend(part_tokens(mid, false, opts.strip_accents));
            }
            if p.family.as_deref() == fam {
                t.extend(family_toks);
            } else if let Some(f) = &p.family {
                t.extend(part_tokens(f, true, opts.strip_accents));
            }
            t
        }
        _ => {
            let mut t = given_toks;
            t.extend(middle_toks);
            t.extend(family_toks);
            t
        }
    };
    full_toks.sort_unstable();
    full_f.key = if full_toks.is_empty() || full_f.status == FieldStatus::Invalid {
        None
    } else {
        Some(full_toks.join(" "))
    };
    let given_initial = given_f
        .key
        .as_deref()
        .and_then(|k| k.chars().next())
        .map(String::from);

    let han_name = match (&split, full_valid) {
        (Some(p), true) if p.han => {
            let h = format!(
                "{}{}",
                han_only(p.family.as_deref().unwrap_or("")),
                han_only(p.given.as_deref().unwrap_or(""))
            );
            (!h.is_empty()).then_some(h)
        }
        _ => {
            let gh = g.is_none_or(|s| has_han(s) && !s.chars().any(|c| c.is_ascii_alphabetic()));
            let fh = fam.is_some_and(|s| has_han(s) && !s.chars().any(|c| c.is_ascii_alphabetic()));
            if gh && fh {
                let f = han_only(strip_han_honorific(fam.unwrap_or("")));
                Some(format!("{f}{}", han_only(g.unwrap_or(""))))
            } else {
                None
            }
        }
    };

    PersonNameNorm {
        full_name: full_f,
        given_name: given_f,
        middle_name: middle_f,
        family_name: family_f,
        given_phonetic,
        family_phonetic,
        given_initial,
        han_name,
    }
}

#[cfg(test)]
mod tests;
