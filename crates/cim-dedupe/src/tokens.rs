//! The tokens of every distinct value of a column, split once per run.
//!
//! Address and company comparisons score a pair by soft token similarity.
//! Splitting both values on every call cost about a third of that kernel
//! at a million records (millions of candidate pairs plus a million random
//! pairs for u, over a few hundred thousand distinct values). Here each
//! distinct value is split once, tokens are interned (equal tokens have
//! equal ids, so the common "same word" case is an integer compare) and
//! each token carries a character mask: two tokens with disjoint masks
//! share no character, so their Jaro-Winkler is exactly 0 and is not
//! computed. Results are identical to [`crate::soft_token_similarity`],
//! summed in the same order.

use crate::compare::{best_match_mean, jaro_winkler, split_tokens};
use crate::table::StrCol;

#[derive(Debug, Clone, Copy)]
struct Token {
    /// Interned token text: equal ids, equal text.
    id: u32,
    /// The token contains an ASCII digit (must match exactly).
    digit: bool,
    /// One bit per character (`char % 64`): disjoint masks, no common
    /// character.
    mask: u64,
}

/// Tokens of each distinct value of one interned column.
#[derive(Debug, Clone)]
pub(crate) struct TokenTable {
    /// Value id `v` has tokens `tokens[starts[v]..starts[v + 1]]`.
    starts: Vec<u32>,
    tokens: Vec<Token>,
    /// Token text by token id.
    text: StrCol,
}

impl TokenTable {
    pub(crate) fn new(values: &StrCol) -> Self {
        let mut starts = Vec::with_capacity(values.values().len() + 1);
        let mut words: Vec<(&str, bool)> = Vec::new();
        starts.push(0);
        for v in values.values() {
            let (split, n) = split_tokens(v);
            words.extend_from_slice(&split[..n]);
            starts.push(words.len() as u32);
        }
        // Interned like any column: equal ids, equal text.
        let (ids, text) = StrCol::from_values(words.iter().map(|&(w, _)| Some(w)), words.len());
        let tokens = words
            .iter()
            .zip(ids)
            .map(|(&(w, digit), id)| Token {
                id,
                digit,
                mask: w.chars().fold(0u64, |m, c| m | 1 << (c as u32 % 64)),
            })
            .collect();
        Self {
            starts,
            tokens,
            text,
        }
    }

    fn of(&self, value: u32) -> &[Token] {
        let v = value as usize;
        &self.tokens[self.starts[v] as usize..self.starts[v + 1] as usize]
    }

    /// [`crate::soft_token_similarity`] of two value ids of the column.
    #[cfg(test)]
    pub(crate) fn similarity(&self, a: u32, b: u32) -> f64 {
        self.similarity_min(a, b, 0.0)
    }

    /// [`crate::soft_token_similarity`] of two value ids when it can reach
    /// `min`, otherwise 0. A token whose every counterpart is a different
    /// number or shares no character scores 0, so when too few tokens can
    /// score at all (typical of two random addresses: different house
    /// numbers, different street names) no Jaro-Winkler is computed.
    pub(crate) fn similarity_min(&self, a: u32, b: u32, min: f64) -> f64 {
        let (ta, tb) = (self.of(a), self.of(b));
        let (na, nb) = (ta.len(), tb.len());
        if na == 0 || nb == 0 {
            return 0.0;
        }
        // Tokens that score 0 without Jaro-Winkler: different, and a number
        // or without a common character.
        let zero =
            |x: &Token, y: &Token| x.id != y.id && (x.digit || y.digit || x.mask & y.mask == 0);
        if min > 0.0 {
            let mut col_can = 0u32; // bit j: token j of b can score
            let mut row_can = 0usize;
            for x in ta {
                let mut any = false;
                for (j, y) in tb.iter().enumerate() {
                    if !zero(x, y) {
                        any = true;
                        col_can |= 1 << j;
                    }
                }
                row_can += usize::from(any);
            }
            // Each token scores at most 1.
            let bound = (row_can + col_can.count_ones() as usize) as f64 / (na + nb) as f64;
            if bound < min {
                return 0.0;
            }
        }
        best_match_mean(ta, tb, |x, y| {
            if x.id == y.id {
                1.0
            } else if zero(x, y) {
                0.0
            } else {
                jaro_winkler(self.text.value(x.id), self.text.value(y.id))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::soft_token_similarity;

    #[test]
    fn same_as_splitting_every_time() {
        let values = [
            "12 main street",
            "main street 12",
            "14 main street",
            "12 main streat",
            "flat 3 12 high road",
            "high rd",
            "acme trading ltd",
            "acme trading limited",
            "北京市 朝阳区 建国路 88号",
            "北京市 朝阳区 建国路 88号 a座",
            "ünter den linden 5",
            "unter den linden 5",
            "x",
            // More than the 16 tokens a value keeps.
            "a b c d e f g h i j k l m n o p q r s t",
            "a b c d e f g h i j k l m n o p q z",
            "   spaced\tout\r\nvalue  ",
            "a-very-long-single-token-well-over-sixty-four-bytes-of-text-for-strsim-path",
            "a-very-long-single-token-well-over-sixty-four-bytes-of-text-for-strsim-path!",
            "qqq zzz",
            "7 church lane",
            "7 church ln",
            "45 high street",
            "12 high street",
        ];
        let col = StrCol::from_parts(&[], std::iter::once("").chain(values));
        let table = TokenTable::new(&col);
        for (i, a) in values.iter().enumerate() {
            for (j, b) in values.iter().enumerate() {
                let want = soft_token_similarity(a, b);
                let got = table.similarity(i as u32 + 1, j as u32 + 1);
                assert_eq!(want.to_bits(), got.to_bits(), "{a:?} vs {b:?}");
                // With a floor: exact when reachable, else below the floor.
                for min in [0.5, 0.7, 0.9] {
                    let got = table.similarity_min(i as u32 + 1, j as u32 + 1, min);
                    if want >= min {
                        assert_eq!(want.to_bits(), got.to_bits(), "{a:?} vs {b:?} at {min}");
                    } else {
                        assert!(got < min, "{a:?} vs {b:?} at {min}: {got}");
                    }
                }
            }
        }
        // The empty value (id 0) has no tokens.
        assert_eq!(table.similarity(0, 1), 0.0);
    }
}
