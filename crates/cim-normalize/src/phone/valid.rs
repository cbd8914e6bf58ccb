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
//! metadata (the tables of [`super::meta`], generated from
//! `phonenumber::metadata::DATABASE`), with each pattern compiled into a
//! plain `regex::Regex` with the crate's options (`ignore_whitespace`) once
//! per process, on first use. The decision is the same boolean; tests
//! compare it with the crate on a varied table and on random inputs.

use super::meta::{self, Desc, Region};

impl Desc {
    /// `Descriptor::is_match`.
    pub(super) fn is_match(&self, value: &str) -> bool {
        if !self.possible_length.is_empty() && !self.possible_length.contains(&(value.len() as u16))
        {
            return false;
        }
        self.pattern.local().is_match(value)
    }
}

impl Region {
    /// `validator::number_type(meta, national) != Type::Unknown`.
    fn has_type(&self, national: &str) -> bool {
        self.general.is_match(national) && self.types.iter().any(|d| d.is_match(national))
    }
}

/// The metadata `validator::source_for` picks for a number.
pub(super) fn source_for(code: u16, national: &str) -> Option<&'static Region> {
    let mut regions = meta::by_code(code);
    if regions.len() == 1 {
        // A single region, or a non-geographic "001" entity: taken without
        // looking at the number. (The crate also drops a region id that is
        // not a `country::Id`; build.rs checks that every id is one.)
        return regions.next();
    }
    // The crate looks each id up with `by_id`, which gives the same entry
    // (build.rs checks that ids are unique), and parses the id into a
    // `country::Id`, panicking if that fails: ids all parse.
    regions.find(|r| match r.leading_digits {
        Some(re) => re.local().is_match(national),
        None => r.has_type(national),
    })
}

/// Whether the number with calling code `code` and national significant
/// number `national` (as `NationalNumber`'s `Display` writes it) is valid:
/// the same answer as `phonenumber::is_valid`.
pub(super) fn is_valid(code: u16, national: &str) -> bool {
    source_for(code, national).is_some_and(|r| r.has_type(national))
}

#[cfg(test)]
mod tests;
