//! The bundled data tables (`data/*.tsv`), parsed once on first use.
//! See `data/README.md` for their content, sources and licences.

use std::hash::BuildHasherDefault;
use std::sync::LazyLock;

use xxhash_rust::xxh3::Xxh3Default;

use crate::text::fold;

const NICKNAMES: &str = include_str!("../data/nicknames.tsv");
const HONORIFICS: &str = include_str!("../data/honorifics.tsv");
const HAN_SURNAMES: &str = include_str!("../data/han_surnames.tsv");
const ADDRESS_ABBREVIATIONS: &str = include_str!("../data/address_abbreviations.tsv");
const EMAIL_DOMAIN_TYPOS: &str = include_str!("../data/email_domain_typos.tsv");
const EMAIL_PROVIDERS: &str = include_str!("../data/email_providers.tsv");
const COUNTRIES: &str = include_str!("../data/countries.tsv");
const COMPANY_LEGAL_FORMS: &str = include_str!("../data/company_legal_forms.tsv");

/// The tables are looked up several times per row with short keys: xxh3
/// hashes those several times faster than the default SipHash (the keys are
/// our own data, nothing to defend against). Nothing iterates them in an
/// order that reaches an output.
type Hasher = BuildHasherDefault<Xxh3Default>;
pub(crate) type HashMap<K, V> = std::collections::HashMap<K, V, Hasher>;
pub(crate) type HashSet<K> = std::collections::HashSet<K, Hasher>;

/// Data lines of a bundled table, split on TAB (comments and blanks skipped).
fn rows(text: &'static str) -> impl Iterator<Item = Vec<&'static str>> {
    text.lines()
        .map(str::trim_end)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.split('\t').collect())
}

/// Nickname (folded) -> canonical given name (folded).
pub(crate) static NICKNAME: LazyLock<HashMap<&'static str, &'static str>> =
    LazyLock::new(|| rows(NICKNAMES).map(|r| (r[0], r[1])).collect());

/// Name affixes by kind.
pub(crate) struct Honorifics {
    pub titles: HashSet<&'static str>,
    pub suffixes: HashSet<&'static str>,
    /// Han honorifics, longest first.
    pub han: Vec<&'static str>,
}

pub(crate) static HONORIFIC: LazyLock<Honorifics> = LazyLock::new(|| {
    let mut h = Honorifics {
        titles: HashSet::default(),
        suffixes: HashSet::default(),
        han: Vec::new(),
    };
    for r in rows(HONORIFICS) {
        match r[0] {
            "title" => {
                h.titles.insert(r[1]);
            }
            "suffix" => {
                h.suffixes.insert(r[1]);
            }
            _ => h.han.push(r[1]),
        }
    }
    h.han.sort_by_key(|s| std::cmp::Reverse(s.chars().count()));
    h
});

/// Han surname -> surname pinyin.
pub(crate) static HAN_SURNAME: LazyLock<HashMap<&'static str, &'static str>> =
    LazyLock::new(|| rows(HAN_SURNAMES).map(|r| (r[0], r[1])).collect());

/// Address word (folded) -> canonical token.
pub(crate) static ADDRESS_ABBREVIATION: LazyLock<HashMap<&'static str, &'static str>> =
    LazyLock::new(|| rows(ADDRESS_ABBREVIATIONS).map(|r| (r[0], r[1])).collect());

/// Mistyped email domain -> intended domain.
pub(crate) static EMAIL_TYPO: LazyLock<HashMap<&'static str, &'static str>> =
    LazyLock::new(|| rows(EMAIL_DOMAIN_TYPOS).map(|r| (r[0], r[1])).collect());

/// Mail-provider key rules.
#[derive(Clone, Copy)]
pub(crate) struct Provider {
    pub canonical: &'static str,
    pub ignore_dots: bool,
    pub plus_tags: bool,
}

pub(crate) static EMAIL_PROVIDER: LazyLock<HashMap<&'static str, Provider>> = LazyLock::new(|| {
    rows(EMAIL_PROVIDERS)
        .map(|r| {
            let rules = r.get(2).copied().unwrap_or("");
            (
                r[0],
                Provider {
                    canonical: r[1],
                    ignore_dots: rules.split(',').any(|x| x == "dots"),
                    plus_tags: rules.split(',').any(|x| x == "plus"),
                },
            )
        })
        .collect()
});

/// Countries: lookup form of every name, alias and code -> alpha-2.
pub(crate) struct Countries {
    pub by_name: HashMap<String, &'static str>,
    pub alpha2: HashSet<&'static str>,
    /// Aliases that were claimed by two codes (must stay empty; tested).
    pub conflicts: Vec<String>,
}

/// The form country names are compared in: folded, a leading "the" dropped,
/// spaces removed.
pub(crate) fn country_lookup_form(raw: &str) -> String {
    // In place: one allocation per value.
    let mut f = fold(raw, true);
    if f.starts_with("the ") {
        f.drain(..4);
    }
    f.retain(|c| c != ' ');
    f
}

pub(crate) static COUNTRY: LazyLock<Countries> = LazyLock::new(|| {
    let mut c = Countries {
        by_name: HashMap::default(),
        alpha2: HashSet::default(),
        conflicts: Vec::new(),
    };
    for r in rows(COUNTRIES) {
        let code = r[0];
        c.alpha2.insert(code);
        let names = std::iter::once(code)
            .chain(std::iter::once(r[1]))
            .chain(r[2].split('|'));
        for name in names {
            let key = country_lookup_form(name);
            if let Some(prev) = c.by_name.insert(key.clone(), code)
                && prev != code
            {
                c.conflicts.push(key);
            }
        }
    }
    c
});

/// Company legal forms, as token sequences of the company key.
pub(crate) struct LegalForms {
    /// Latin suffixes as folded token lists, longest first.
    pub suffixes: Vec<Vec<String>>,
    /// Han suffixes (no spaces), longest first.
    pub han_suffixes: Vec<&'static str>,
    /// Prefixes (Han, no spaces).
    pub han_prefixes: Vec<&'static str>,
}

pub(crate) static LEGAL_FORM: LazyLock<LegalForms> = LazyLock::new(|| {
    let mut l = LegalForms {
        suffixes: Vec::new(),
        han_suffixes: Vec::new(),
        han_prefixes: Vec::new(),
    };
    for r in rows(COMPANY_LEGAL_FORMS) {
        let form = r[0];
        if let Some(p) = form.strip_prefix("prefix:") {
            l.han_prefixes.push(p);
        } else if crate::text::has_han(form) {
            l.han_suffixes.push(form);
        } else {
            l.suffixes.push(crate::company::company_tokens(form));
        }
    }
    l.suffixes
        .sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    l.suffixes.dedup();
    l.han_suffixes
        .sort_by_key(|s| std::cmp::Reverse(s.chars().count()));
    l
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_parse_and_are_consistent() {
        assert!(NICKNAME.len() >= 300, "nickname table too small");
        for (nick, canon) in NICKNAME.iter() {
            assert!(
                !NICKNAME.contains_key(canon),
                "nickname chain {nick} -> {canon}"
            );
            assert_eq!(*nick, fold(nick, true), "nickname not in folded form");
        }
        assert!(HONORIFIC.titles.contains("dr") && HONORIFIC.suffixes.contains("iii"));
        assert!(HONORIFIC.han.contains(&"先生"));
        assert_eq!(HAN_SURNAME.get("欧阳"), Some(&"ouyang"));
        assert_eq!(HAN_SURNAME.get("单"), Some(&"shan"));
        assert_eq!(ADDRESS_ABBREVIATION.get("street"), Some(&"st"));
        assert_eq!(EMAIL_TYPO.get("gmial.com"), Some(&"gmail.com"));
        assert!(EMAIL_PROVIDER["googlemail.com"].ignore_dots);
        assert_eq!(COUNTRY.alpha2.len(), 249);
        assert!(COUNTRY.conflicts.is_empty(), "{:?}", COUNTRY.conflicts);
        assert!(LEGAL_FORM.suffixes.iter().any(|s| s == &["pty", "ltd"]));
        assert!(LEGAL_FORM.han_suffixes.contains(&"股份有限公司"));
        // Longest first, so "股份有限公司" is tried before "有限公司".
        let pos = |s: &str| LEGAL_FORM.han_suffixes.iter().position(|x| *x == s);
        assert!(pos("股份有限公司") < pos("有限公司"));
    }
}
