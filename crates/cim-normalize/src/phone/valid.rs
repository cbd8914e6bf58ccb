//! Lock-free phone validation with the `phonenumber` crate's own metadata.
//!
//! Why not `PhoneNumber::is_valid`: the crate keeps every metadata regex as
//! a `regex_cache::CachedRegex`, i.e. a pattern *source* looked up in one
//! process-wide 100-entry LRU (`Database::cache`) behind a single `Mutex`.
//! Each use locks that mutex, SipHashes the pattern source (often hundreds
//! of bytes) and runs the match while still holding the lock, so threads
//! serialise. Worse, validating one number touches up to eleven type
//! descriptors of its region (plus, for shared calling codes such as +1 or
//! +44, the descriptors of every candidate region), so as soon as a few
//! regions are in play the working set exceeds 100 patterns and nearly
//! every use is a miss: the regex is recompiled and its lazy DFA rebuilt
//! from scratch (`regex_automata` `determinize` in profiles).
//!
//! This module re-implements the crate's `is_valid_with` /
//! `validator::source_for` / `validator::number_type` decision over the same
//! metadata (`phonenumber::metadata::DATABASE`), with each pattern compiled
//! into a plain `regex::Regex` with the crate's options
//! (`ignore_whitespace`) once per process, on first use. The decision is
//! the same boolean; tests compare it with the crate on a varied table and
//! on random inputs.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, OnceLock};

use phonenumber::metadata::{DATABASE, Descriptor, Metadata};
use regex::{Regex, RegexBuilder};

/// A metadata pattern, compiled when first matched: a number of one region
/// touches a few of its region's dozen patterns, and a compiled pattern
/// costs far more than a match.
pub(super) struct Pattern {
    source: &'static str,
    anchored: bool,
    re: OnceLock<Regex>,
}

impl Pattern {
    fn new(source: &'static str, anchored: bool) -> Self {
        Self {
            source,
            anchored,
            re: OnceLock::new(),
        }
    }

    pub(super) fn get(&self) -> &Regex {
        self.re.get_or_init(|| {
            if self.anchored {
                anchored(self.source)
            } else {
                compiled(self.source)
            }
        })
    }
}

/// A descriptor's national-number pattern anchored at the start (the
/// crate's `Descriptor::is_match` accepts a match that starts at 0, which
/// exists exactly when the anchored pattern matches) and its lengths.
pub(super) struct Desc {
    re: Pattern,
    pub(super) possible_length: &'static [u16],
}

impl Desc {
    fn new(d: &'static Descriptor) -> Self {
        Self {
            re: Pattern::new(d.national_number().as_str(), true),
            possible_length: d.possible_length(),
        }
    }

    /// `Descriptor::is_match`.
    pub(super) fn is_match(&self, value: &str) -> bool {
        if !self.possible_length.is_empty() && !self.possible_length.contains(&(value.len() as u16))
        {
            return false;
        }
        self.re.get().is_match(value)
    }
}

/// One region's compiled patterns.
pub(super) struct Region {
    /// `leading_digits`, anchored.
    leading_digits: Option<Pattern>,
    pub(super) general: Desc,
    /// Every type descriptor `validator::number_type` tries after the
    /// general one (premium rate, toll free, shared cost, VoIP, personal,
    /// pager, UAN, voicemail, fixed line, mobile): a number is valid when
    /// the general descriptor and any of these match.
    types: Vec<Desc>,
    /// What parsing reads (see `super::fast`).
    pub(super) parsing: Parsing,
}

/// The metadata the crate's parser reads, with its patterns compiled as the
/// crate compiles them and *not* anchored: the parser uses `find` and then
/// checks the start, and where a match ends matters (the prefix it strips).
pub(super) struct Parsing {
    pub(super) country_code: u16,
    /// `international_prefix` (IDD).
    pub(super) idd: Option<Pattern>,
    pub(super) national_prefix: Option<&'static str>,
    pub(super) national_prefix_for_parsing: Option<Pattern>,
    pub(super) transform_rule: Option<&'static str>,
    /// The general descriptor's possible local lengths (`validator::length`).
    pub(super) general_local_length: &'static [u16],
}

impl Region {
    fn new(meta: &'static Metadata) -> Self {
        let d = meta.descriptors();
        let types = [
            d.premium_rate(),
            d.toll_free(),
            d.shared_cost(),
            d.voip(),
            d.personal_number(),
            d.pager(),
            d.uan(),
            d.voicemail(),
            d.fixed_line(),
            d.mobile(),
        ]
        .into_iter()
        .flatten()
        .map(Desc::new)
        .collect();
        Self {
            leading_digits: meta
                .leading_digits()
                .map(|r| Pattern::new(r.as_str(), true)),
            general: Desc::new(d.general()),
            types,
            parsing: Parsing {
                country_code: meta.country_code(),
                idd: meta
                    .international_prefix()
                    .map(|r| Pattern::new(r.as_str(), false)),
                national_prefix: meta.national_prefix(),
                national_prefix_for_parsing: meta
                    .national_prefix_for_parsing()
                    .map(|r| Pattern::new(r.as_str(), false)),
                transform_rule: meta.national_prefix_transform_rule(),
                general_local_length: d.general().possible_local_length(),
            },
        }
    }

    /// `validator::number_type(meta, national) != Type::Unknown`.
    fn has_type(&self, national: &str) -> bool {
        self.general.is_match(national) && self.types.iter().any(|d| d.is_match(national))
    }
}

/// Compiles a metadata pattern as the crate does (`ignore_whitespace`,
/// other options at their defaults), anchored at the start. The newline
/// ends a possible `#` comment of the verbose syntax before the group closes.
fn anchored(source: &str) -> Regex {
    compiled(&format!("^(?:{source}\n)"))
}

/// Compiles a metadata pattern as the crate does
/// (`CachedRegexBuilder::new(..).ignore_whitespace(true)`), except that
/// `\d` is ASCII: every haystack here is ASCII digits, on which both modes
/// match alike, and the Unicode digit class makes compiling several times
/// dearer. The patterns use only digits, `\d`, classes, groups,
/// alternation and repetition (a test compiles them all).
fn compiled(source: &str) -> Regex {
    RegexBuilder::new(source)
        .ignore_whitespace(true)
        .unicode(false)
        .build()
        // The crate compiled the same source when it loaded its metadata;
        // an invalid pattern would be a broken crate build.
        .expect("phonenumber metadata pattern compiles")
}

/// Regions of the process, by the address of their metadata in the
/// crate's static `DATABASE` (one entry per region, never moved): ids alone
/// are ambiguous for non-geographic entities (all `001`), and an address
/// needs no allocation to look up. Shared so that each pattern is compiled
/// once, not once per thread.
static SHARED: LazyLock<Mutex<HashMap<usize, Arc<Region>>>> = LazyLock::new(Mutex::default);

thread_local! {
    /// This thread's copy of the entries of [`SHARED`] it used: a lookup
    /// per number then takes no lock.
    static REGIONS: RefCell<HashMap<usize, Arc<Region>>> = RefCell::new(HashMap::new());
}

pub(super) fn region(meta: &'static Metadata) -> Arc<Region> {
    let key = std::ptr::from_ref(meta) as usize;
    REGIONS.with(|cell| {
        let mut map = cell.borrow_mut();
        map.entry(key)
            .or_insert_with(|| {
                let mut shared = SHARED.lock().unwrap_or_else(|e| e.into_inner());
                shared
                    .entry(key)
                    .or_insert_with(|| Arc::new(Region::new(meta)))
                    .clone()
            })
            .clone()
    })
}

/// The metadata `validator::source_for` picks for a number, with its
/// compiled patterns.
pub(super) fn source_for(code: u16, national: &str) -> Option<Arc<Region>> {
    let regions = DATABASE.region(&code)?;
    if regions.len() == 1 {
        let meta = if regions[0] == "001" {
            DATABASE.by_code(&code)?.into_iter().next()?
        } else {
            regions[0].parse::<phonenumber::country::Id>().ok()?;
            DATABASE.by_id(regions[0])?
        };
        return Some(region(meta));
    }
    for id in regions {
        let meta = DATABASE.by_id(id)?;
        let r = region(meta);
        let chosen = match &r.leading_digits {
            Some(re) => re.get().is_match(national),
            None => r.has_type(national),
        };
        if chosen {
            // The crate parses the id into a `country::Id` here and
            // panics if that fails; ids of multi-region codes all parse.
            return Some(r);
        }
    }
    None
}

/// Whether the number with calling code `code` and national significant
/// number `national` (as `NationalNumber`'s `Display` writes it) is valid:
/// the same answer as `phonenumber::is_valid`.
pub(super) fn is_valid(code: u16, national: &str) -> bool {
    source_for(code, national).is_some_and(|r| r.has_type(national))
}

#[cfg(test)]
mod tests;
