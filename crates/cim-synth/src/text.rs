//! Character-level corruptions: keyboard typos, OCR confusions, phonetic
//! respellings, Han input-method slips. Each function either returns a
//! string that differs from its input or says it cannot apply.

use crate::data;
use crate::rng::Rng;

/// The five kinds of keyboard typo.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TypoKind {
    /// An extra character (a doubled key or a neighbouring key).
    Insertion,
    /// A character dropped.
    Deletion,
    /// A character replaced by an arbitrary letter.
    Substitution,
    /// Two neighbouring characters swapped.
    Transposition,
    /// A character replaced by a QWERTY neighbour.
    KeyboardAdjacent,
}

const KINDS: [TypoKind; 5] = [
    TypoKind::Insertion,
    TypoKind::Deletion,
    TypoKind::Substitution,
    TypoKind::Transposition,
    TypoKind::KeyboardAdjacent,
];

fn with_case(c: char, like: char) -> char {
    if like.is_uppercase() {
        c.to_ascii_uppercase()
    } else {
        c.to_ascii_lowercase()
    }
}

fn random_letter(rng: &mut Rng, not: char) -> char {
    loop {
        let c = char::from(b'a' + rng.below(26) as u8);
        if c != not.to_ascii_lowercase() {
            return c;
        }
    }
}

/// One keyboard typo of a random kind. Returns `s` unchanged only when it is
/// empty. Han text is left to [`han_slip`].
pub(crate) fn typo(rng: &mut Rng, s: &str) -> String {
    let kind = rng.choose(&KINDS);
    typo_of_kind(rng, s, kind)
}

/// One keyboard typo of the given kind, falling back to an insertion when
/// the kind cannot change `s` (a one-letter string cannot be transposed).
pub(crate) fn typo_of_kind(rng: &mut Rng, s: &str, kind: TypoKind) -> String {
    let mut cs: Vec<char> = s.chars().collect();
    if cs.is_empty() {
        return String::new();
    }
    let letters: Vec<usize> = (0..cs.len()).filter(|&i| cs[i].is_alphabetic()).collect();
    match kind {
        TypoKind::Deletion if cs.len() >= 3 => {
            let i = rng.index(cs.len());
            cs.remove(i);
        }
        TypoKind::Substitution if !letters.is_empty() => {
            let i = rng.choose(&letters);
            cs[i] = with_case(random_letter(rng, cs[i]), cs[i]);
        }
        TypoKind::Transposition => {
            let sites: Vec<usize> = (0..cs.len() - 1)
                .filter(|&i| {
                    cs[i] != cs[i + 1] && !cs[i].is_whitespace() && !cs[i + 1].is_whitespace()
                })
                .collect();
            if sites.is_empty() {
                return typo_of_kind(rng, s, TypoKind::Insertion);
            }
            let i = rng.choose(&sites);
            cs.swap(i, i + 1);
        }
        TypoKind::KeyboardAdjacent => {
            let sites: Vec<usize> = letters
                .iter()
                .copied()
                .filter(|&i| !data::keyboard_neighbours(cs[i]).is_empty())
                .collect();
            if sites.is_empty() {
                return typo_of_kind(rng, s, TypoKind::Insertion);
            }
            let i = rng.choose(&sites);
            let nb: Vec<char> = data::keyboard_neighbours(cs[i]).chars().collect();
            cs[i] = with_case(rng.choose(&nb), cs[i]);
        }
        _ => {
            // Insertion (also the fallback): a doubled key or a neighbour of
            // the previous key, as fingers actually slip.
            let i = rng.index(cs.len());
            let prev = cs[i];
            let nb: Vec<char> = data::keyboard_neighbours(prev).chars().collect();
            let c = if nb.is_empty() || rng.chance(0.5) {
                if prev.is_alphabetic() {
                    prev.to_ascii_lowercase()
                } else {
                    random_letter(rng, ' ')
                }
            } else {
                rng.choose(&nb)
            };
            cs.insert(i + 1, c);
        }
    }
    cs.into_iter().collect()
}

/// OCR confusions (`0`/`O`, `1`/`l`, `rn`/`m`, ...): (from, to).
const OCR: &[(&str, &str)] = &[
    ("rn", "m"),
    ("m", "rn"),
    ("0", "O"),
    ("O", "0"),
    ("o", "0"),
    ("1", "l"),
    ("l", "1"),
    ("I", "l"),
    ("l", "I"),
    ("5", "S"),
    ("S", "5"),
    ("8", "B"),
    ("B", "8"),
    ("cl", "d"),
    ("vv", "w"),
    ("nn", "m"),
    ("e", "c"),
];

/// Replace one randomly chosen site of any applicable rule; `None` when no
/// rule applies anywhere in `s`.
fn replace_one_site(rng: &mut Rng, s: &str, rules: &[(&str, &str)]) -> Option<String> {
    let mut sites: Vec<(usize, usize)> = Vec::new();
    for (r, (from, _)) in rules.iter().enumerate() {
        for (at, _) in s.match_indices(from) {
            sites.push((at, r));
        }
    }
    if sites.is_empty() {
        return None;
    }
    let (at, r) = rng.choose(&sites);
    let (from, to) = rules[r];
    let mut out = String::with_capacity(s.len() + 2);
    out.push_str(&s[..at]);
    out.push_str(to);
    out.push_str(&s[at + from.len()..]);
    Some(out)
}

/// One OCR-like confusion, or `None` if `s` has no confusable glyph.
pub(crate) fn ocr(rng: &mut Rng, s: &str) -> Option<String> {
    replace_one_site(rng, s, OCR)
}

/// Respellings that sound the same (or nearly): (from, to, where).
#[derive(Clone, Copy, PartialEq, Eq)]
enum At {
    Any,
    Start,
    End,
}

const PHONETIC: &[(&str, &str, At)] = &[
    ("ph", "f", At::Any),
    ("Ph", "F", At::Start),
    ("ie", "y", At::End),
    ("y", "ie", At::End),
    ("ey", "y", At::End),
    ("ck", "k", At::Any),
    ("C", "K", At::Start),
    ("K", "C", At::Start),
    ("th", "t", At::Any),
    ("Th", "T", At::Start),
    ("mps", "ms", At::Any),
    ("ms", "mps", At::Any),
    ("ei", "ie", At::Any),
    ("son", "sen", At::End),
    ("sen", "son", At::End),
    ("ith", "yth", At::Any),
    ("yn", "in", At::Any),
    ("isa", "iza", At::Any),
    ("z", "s", At::Any),
    ("Mac", "Mc", At::Start),
    ("Mc", "Mac", At::Start),
    ("ou", "ow", At::Any),
    ("ae", "e", At::Any),
    ("ee", "ea", At::Any),
    ("ch", "tch", At::End),
];

/// One phonetic respelling (`ph`/`f`, `ie`/`y`, doubled or collapsed
/// letters, ...), or `None` if nothing applies.
pub(crate) fn phonetic(rng: &mut Rng, s: &str) -> Option<String> {
    let cs: Vec<char> = s.chars().collect();
    // Candidate edits as (byte start, byte end, replacement).
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    for (from, to, at) in PHONETIC {
        for (i, _) in s.match_indices(from) {
            let end = i + from.len();
            let ok = match at {
                At::Any => true,
                At::Start => i == 0,
                At::End => end == s.len(),
            };
            if ok {
                edits.push((i, end, (*to).to_string()));
            }
        }
    }
    // f -> ph when not part of "ff".
    let bytes = s.as_bytes();
    for i in 1..bytes.len() {
        if bytes[i] == b'f' && bytes[i - 1] != b'f' && bytes.get(i + 1) != Some(&b'f') {
            edits.push((i, i + 1, "ph".into()));
        }
    }
    // Doubled letters collapse (Phillip -> Philip), single consonants
    // between vowels double (Philip -> Phillip).
    let is_vowel = |c: char| "aeiouy".contains(c.to_ascii_lowercase());
    let mut byte = 0;
    for i in 0..cs.len() {
        let w = cs[i].len_utf8();
        if i + 1 < cs.len() && cs[i] == cs[i + 1] && cs[i].is_ascii_lowercase() {
            edits.push((byte, byte + w, String::new()));
        } else if i > 0
            && i + 1 < cs.len()
            && "lnrtsp".contains(cs[i])
            && is_vowel(cs[i - 1])
            && is_vowel(cs[i + 1])
        {
            edits.push((byte, byte + w, format!("{0}{0}", cs[i])));
        }
        byte += w;
    }
    if edits.is_empty() {
        return None;
    }
    let (a, b, to) = rng.pick(&edits).clone();
    let out = format!("{}{}{}", &s[..a], to, &s[b..]);
    (out != s).then_some(out)
}

/// A pinyin input-method slip: one character replaced by a homophone.
/// `None` when no character of `s` has a known homophone.
pub(crate) fn han_slip(rng: &mut Rng, s: &str) -> Option<String> {
    let cs: Vec<char> = s.chars().collect();
    let sites: Vec<usize> = (0..cs.len())
        .filter(|&i| data::han_homophones(cs[i]).is_some())
        .collect();
    if sites.is_empty() {
        return None;
    }
    let i = rng.choose(&sites);
    let alts: Vec<char> = data::han_homophones(cs[i])
        .unwrap_or_default()
        .chars()
        .collect();
    let mut out = cs;
    out[i] = rng.choose(&alts);
    Some(out.into_iter().collect())
}

/// Traditional forms for every character that has one (a name typed on a
/// Hong Kong or Taiwan keyboard). `None` when nothing changes.
pub(crate) fn han_traditional(s: &str) -> Option<String> {
    let out: String = s
        .chars()
        .map(|c| data::han_traditional(c).unwrap_or(c))
        .collect();
    (out != s).then_some(out)
}

/// Upper-cases the first letter of each word, lower-cases the rest.
pub(crate) fn title_case(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut start = true;
    for c in s.chars() {
        if start {
            out.extend(c.to_uppercase());
        } else {
            out.extend(c.to_lowercase());
        }
        start = !c.is_alphanumeric() && c != '\'';
    }
    out
}

/// ASCII letters and digits only, lower case: the part of a name that ends
/// up in an email local part (`O'Brien` -> `obrien`, `Müller` -> `muller`).
pub(crate) fn email_slug(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c {
            'á' | 'à' | 'ä' | 'â' => Some('a'),
            'é' | 'è' | 'ë' | 'ê' => Some('e'),
            'í' | 'ï' => Some('i'),
            'ó' | 'ö' | 'ô' => Some('o'),
            'ú' | 'ü' | 'û' => Some('u'),
            c if c.is_ascii_alphanumeric() => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_typo_kind_changes_the_string() {
        let mut rng = Rng::new(11, 0, 0);
        for word in [
            "Robert",
            "Li",
            "A",
            "Anna",
            "Smith-Jones",
            "O'Brien",
            "Zhang",
            "Müller",
        ] {
            for kind in KINDS {
                for _ in 0..50 {
                    let t = typo_of_kind(&mut rng, word, kind);
                    assert_ne!(t, word, "{kind:?} on {word}");
                }
            }
        }
    }

    #[test]
    fn typo_kinds_do_what_they_say() {
        let mut rng = Rng::new(12, 0, 0);
        for _ in 0..200 {
            let w = "Margaret";
            assert_eq!(
                typo_of_kind(&mut rng, w, TypoKind::Insertion).len(),
                w.len() + 1
            );
            assert_eq!(
                typo_of_kind(&mut rng, w, TypoKind::Deletion).len(),
                w.len() - 1
            );
            let t = typo_of_kind(&mut rng, w, TypoKind::Transposition);
            let mut a: Vec<char> = t.chars().collect();
            let mut b: Vec<char> = w.chars().collect();
            a.sort_unstable();
            b.sort_unstable();
            assert_eq!(a, b, "transposition keeps the letters: {t}");
            let k = typo_of_kind(&mut rng, "sss", TypoKind::KeyboardAdjacent);
            let changed: Vec<char> = k.chars().filter(|c| *c != 's').collect();
            assert_eq!(changed.len(), 1);
            assert!("weadzx".contains(changed[0]), "{k}");
        }
    }

    #[test]
    fn ocr_phonetic_and_han_tables() {
        let mut rng = Rng::new(13, 0, 0);
        assert_eq!(ocr(&mut rng, "zzz"), None);
        let cases = [
            ("Bernard", &["Bemard", "8ernard", "Bcrnard"][..]),
            ("10", &["l0", "1O"][..]),
        ];
        for (input, allowed) in cases {
            for _ in 0..50 {
                let out = ocr(&mut rng, input).expect("applies");
                assert!(allowed.contains(&out.as_str()), "{input} -> {out}");
            }
        }
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..400 {
            seen.insert(phonetic(&mut rng, "Stephanie").expect("applies"));
        }
        assert!(seen.contains("Stefanie"), "{seen:?}");
        assert!(seen.contains("Stephany"), "{seen:?}");
        assert!(!seen.contains("Stephanie"));
        assert_eq!(
            phonetic(&mut rng, "Philip").map(|s| s.len() >= 5),
            Some(true)
        );
        let slip = han_slip(&mut rng, "张伟").expect("applies");
        assert_ne!(slip, "张伟");
        assert_eq!(slip.chars().count(), 2);
        assert_eq!(han_traditional("张伟").as_deref(), Some("張偉"));
        assert_eq!(han_traditional("王"), None);
    }

    #[test]
    fn slugs_and_title_case() {
        assert_eq!(email_slug("O'Brien"), "obrien");
        assert_eq!(email_slug("Müller"), "muller");
        assert_eq!(title_case("SMITH-JONES"), "Smith-Jones");
        assert_eq!(title_case("o'brien"), "O'brien");
    }
}
