//! Parameter estimation: u from random pairs, m and the match proportion by
//! expectation-maximisation over the table of distinct comparison patterns.
//!
//! Candidate pairs with the same level in every comparison are
//! indistinguishable to the model, so EM iterates over the distinct
//! patterns with their counts (as fastLink and Splink do): a few thousand
//! rows instead of millions of pairs, and training takes milliseconds.
//!
//! EM is kept from collapsing onto a degenerate solution: m starts high on
//! the strongest level of each comparison, u is fixed from random sampling
//! (random pairs are almost all non-matches), the starting match proportion
//! comes from a deterministic estimate (pairs agreeing exactly on most of
//! their comparable fields), m gets a one-pair pseudo-count per level, and
//! every probability is clamped into `[1e-6, 1 - 1e-6]`. Each session
//! reports whether it converged or hit the iteration cap.

use std::collections::HashMap;

use rayon::prelude::*;

use crate::blocking::eligible;
use crate::compare::Compiled;
use crate::options::LinkType;
use crate::table::Table;

/// Lower bound of every probability.
pub(crate) const P_MIN: f64 = 1e-6;
/// Upper bound of every probability.
pub(crate) const P_MAX: f64 = 1.0 - 1e-6;

#[inline]
pub(crate) fn clamp_p(p: f64) -> f64 {
    if p.is_nan() {
        P_MIN
    } else {
        p.clamp(P_MIN, P_MAX)
    }
}

/// SplitMix64: tiny, seedable, good enough for sampling pairs.
#[derive(Debug, Clone)]
pub(crate) struct SplitMix64(u64);

impl SplitMix64 {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0), without modulo bias worth caring about.
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }
}

/// Levels of every comparison for the pair `(a, b)` into `out`.
#[inline]
pub(crate) fn levels_into(table: &Table, comps: &[Compiled], a: usize, b: usize, out: &mut [u8]) {
    for (o, c) in out.iter_mut().zip(comps) {
        *o = c.level(table, a, b);
    }
}

/// Below this many pairs in all, u is computed from every pair whatever the
/// sample size: exact, and cheap (a thousand-odd records).
pub(crate) const EXACT_U_MAX_PAIRS: u64 = 1_000_000;

/// Level counts per comparison over random eligible pairs: all pairs when
/// there are at most `max_pairs` (or [`EXACT_U_MAX_PAIRS`]) of them,
/// otherwise `max_pairs` pairs drawn with a seeded generator (chunked so
/// the result does not depend on the thread count). Returns the counts and
/// the number of pairs compared.
pub(crate) fn sample_u_counts(
    table: &Table,
    comps: &[Compiled],
    link: LinkType,
    max_pairs: usize,
    seed: u64,
) -> (Vec<Vec<u64>>, u64) {
    let n = table.n_rows;
    let source = table.source_ids();
    let zero = || -> Vec<Vec<u64>> { comps.iter().map(|c| vec![0u64; c.n_levels()]).collect() };
    let add = |mut x: Vec<Vec<u64>>, y: Vec<Vec<u64>>| {
        for (a, b) in x.iter_mut().zip(y) {
            for (p, q) in a.iter_mut().zip(b) {
                *p += q;
            }
        }
        x
    };
    if n < 2 {
        return (zero(), 0);
    }
    let all_pairs = (n as u64) * (n as u64 - 1) / 2;
    if all_pairs <= EXACT_U_MAX_PAIRS.max(max_pairs as u64) {
        let (counts, pairs) = (0..n)
            .into_par_iter()
            .fold(
                || (zero(), 0u64),
                |(mut acc, mut k), a| {
                    let mut lv = vec![0u8; comps.len()];
                    for b in a + 1..n {
                        if !eligible(link, source[a], source[b]) {
                            continue;
                        }
                        levels_into(table, comps, a, b, &mut lv);
                        for (c, &l) in acc.iter_mut().zip(&lv) {
                            c[l as usize] += 1;
                        }
                        k += 1;
                    }
                    (acc, k)
                },
            )
            .reduce(|| (zero(), 0), |x, y| (add(x.0, y.0), x.1 + y.1));
        return (counts, pairs);
    }
    const CHUNK: usize = 1 << 14;
    let chunks = max_pairs.div_ceil(CHUNK);
    // Draw every pair first, then compare them in row order: random rows
    // are cache misses (ids, then each value), and in row order the first
    // record of each pair is read almost sequentially. Counts are sums, so
    // the order changes nothing but speed.
    let mut sample: Vec<(u32, u32)> = (0..chunks)
        .into_par_iter()
        .flat_map_iter(|ci| {
            let mut rng = SplitMix64::new(seed ^ (ci as u64).wrapping_mul(0xA24B_AED4_963E_E407));
            let want = CHUNK.min(max_pairs - ci * CHUNK);
            let mut drawn = Vec::with_capacity(want);
            let mut tries = 0usize;
            while drawn.len() < want && tries < want * 20 {
                tries += 1;
                let a = rng.below(n as u64) as usize;
                let b = rng.below(n as u64) as usize;
                if a == b || !eligible(link, source[a], source[b]) {
                    continue;
                }
                drawn.push((a.min(b) as u32, a.max(b) as u32));
            }
            drawn
        })
        .collect();
    sample.par_sort_unstable();
    let counts = sample
        .par_chunks(CHUNK)
        .map(|pairs| {
            let mut acc = zero();
            let mut lv = vec![0u8; comps.len()];
            for (j, &(a, b)) in pairs.iter().enumerate() {
                // `a` ascends; `b` is random.
                table.prefetch_ahead(|k| pairs.get(j + k).map(|p| p.1 as usize));
                levels_into(table, comps, a as usize, b as usize, &mut lv);
                for (c, &l) in acc.iter_mut().zip(&lv) {
                    c[l as usize] += 1;
                }
            }
            acc
        })
        .reduce(zero, add);
    (counts, sample.len() as u64)
}

/// u per level from counts: the share among non-null levels, a level never
/// seen counting as half a pair (so its u reflects the sample size instead
/// of collapsing to the clamp), clamped.
pub(crate) fn u_from_counts(counts: &[u64]) -> Vec<f64> {
    let seen: u64 = counts.iter().skip(1).sum();
    let k = counts.len().saturating_sub(1).max(1);
    let total: f64 = counts.iter().skip(1).map(|&c| (c as f64).max(0.5)).sum();
    counts
        .iter()
        .enumerate()
        .map(|(l, &c)| {
            if l == 0 {
                1.0
            } else if seen == 0 {
                clamp_p(1.0 / k as f64)
            } else {
                clamp_p((c as f64).max(0.5) / total)
            }
        })
        .collect()
}

/// Distinct patterns with their counts, split by the set of rules that
/// produce them. `pattern` packs one level per 4 bits.
#[derive(Debug, Clone, Default)]
pub(crate) struct PatternTable {
    /// `(pattern, rule mask, count)`, sorted by pattern then mask.
    pub rows: Vec<(u128, u64, u64)>,
}

#[inline]
pub(crate) fn pack(levels: &[u8]) -> u128 {
    levels
        .iter()
        .enumerate()
        .fold(0u128, |p, (i, &l)| p | (u128::from(l) << (4 * i)))
}

#[inline]
pub(crate) fn unpack(p: u128, c: usize) -> u8 {
    ((p >> (4 * c)) & 0xF) as u8
}

impl PatternTable {
    /// Counts `(pattern, mask)` over all pairs; `mask_of(i)` is pair `i`'s
    /// rule mask.
    pub(crate) fn build(
        levels: &[u8],
        n_comps: usize,
        mask_of: &(dyn Fn(usize) -> u64 + Sync),
    ) -> Self {
        let n_pairs = levels.len().checked_div(n_comps).unwrap_or(0);
        const CHUNK: usize = 1 << 16;
        type Map = HashMap<(u128, u64), u64, xxhash_rust::xxh3::Xxh3DefaultBuilder>;
        let maps: Vec<Map> = (0..n_pairs.div_ceil(CHUNK))
            .into_par_iter()
            .map(|ci| {
                let mut m = Map::default();
                for i in ci * CHUNK..((ci + 1) * CHUNK).min(n_pairs) {
                    let p = pack(&levels[i * n_comps..(i + 1) * n_comps]);
                    *m.entry((p, mask_of(i))).or_insert(0) += 1;
                }
                m
            })
            .collect();
        let mut all = Map::default();
        for m in maps {
            for (k, v) in m {
                *all.entry(k).or_insert(0) += v;
            }
        }
        let mut rows: Vec<(u128, u64, u64)> =
            all.into_iter().map(|((p, m), c)| (p, m, c)).collect();
        rows.sort_unstable();
        Self { rows }
    }

    /// Patterns and counts of the pairs whose mask satisfies `keep`.
    pub(crate) fn select(&self, keep: impl Fn(u64) -> bool) -> (Vec<u128>, Vec<f64>) {
        let mut pats: Vec<u128> = Vec::new();
        let mut counts: Vec<f64> = Vec::new();
        for &(p, m, c) in &self.rows {
            if !keep(m) {
                continue;
            }
            if pats.last() == Some(&p) {
                *counts.last_mut().expect("parallel vecs") += c as f64;
            } else {
                pats.push(p);
                counts.push(c as f64);
            }
        }
        (pats, counts)
    }
}

/// Inputs of one EM session.
pub(crate) struct EmProblem<'a> {
    pub patterns: &'a [u128],
    pub counts: &'a [f64],
    /// Levels per comparison (null included).
    pub n_levels: &'a [usize],
    /// u per comparison and level (fixed during EM).
    pub u: &'a [Vec<f64>],
    /// Comparisons that take part (E-step) and are estimated (M-step).
    pub active: &'a [bool],
    /// Levels whose m is pinned.
    pub m_fixed: &'a [Vec<bool>],
    pub max_iterations: u32,
    pub tolerance: f64,
    /// Whether λ is re-estimated (false: only m).
    pub estimate_lambda: bool,
    /// Whether m is re-estimated (false: only λ).
    pub estimate_m: bool,
    /// Whether the non-match distribution is re-estimated inside the
    /// session, starting from `u`. Blocked pairs are not random pairs: two
    /// different people who share a rare name also tend to share a city or
    /// an email local part. With `u` fixed at its random-pair value that
    /// excess agreement can only be explained by the match class, which
    /// then absorbs look-alike non-matches and inflates every `else` level's
    /// m. Freeing the non-match side lets it absorb them; the random-pair
    /// `u` is still what scores pairs.
    pub estimate_u: bool,
}

/// Result of one EM session.
#[derive(Debug, Clone)]
pub(crate) struct EmResult {
    pub m: Vec<Vec<f64>>,
    pub lambda: f64,
    pub iterations: u32,
    pub converged: bool,
    /// Expected number of matches among the session's pairs.
    pub expected_matches: f64,
}

/// Pseudo-count added to every non-null level's expected match count.
const M_PSEUDO_COUNT: f64 = 1.0;

/// Posterior match probability of a pattern under `(m, u, λ)`, using the
/// active comparisons only.
#[inline]
pub(crate) fn posterior(logit_prior: f64, pattern: u128, llr: &[Vec<f64>], active: &[bool]) -> f64 {
    let mut s = logit_prior;
    for (c, l) in llr.iter().enumerate() {
        if active[c] {
            s += l[unpack(pattern, c) as usize];
        }
    }
    1.0 / (1.0 + (-s).exp())
}

/// Runs EM from `m0`, `lambda0`.
pub(crate) fn run_em(p: &EmProblem<'_>, m0: Vec<Vec<f64>>, lambda0: f64) -> EmResult {
    let mut m = m0;
    let mut u: Vec<Vec<f64>> = p.u.to_vec();
    let mut lambda = clamp_p(lambda0);
    let total: f64 = p.counts.iter().sum();
    let mut iterations = 0;
    let mut converged = false;
    let mut expected = 0.0;
    if total <= 0.0 {
        return EmResult {
            m,
            lambda,
            iterations,
            converged: true,
            expected_matches: 0.0,
        };
    }
    while iterations < p.max_iterations {
        iterations += 1;
        let llr: Vec<Vec<f64>> = m
            .iter()
            .zip(&u)
            .map(|(mc, uc)| {
                mc.iter()
                    .zip(uc)
                    .enumerate()
                    .map(|(l, (&mm, &uu))| if l == 0 { 0.0 } else { (mm / uu).ln() })
                    .collect()
            })
            .collect();
        let logit = (lambda / (1.0 - lambda)).ln();
        let mut acc: Vec<Vec<f64>> = p.n_levels.iter().map(|&k| vec![0.0; k]).collect();
        let mut acc_u: Vec<Vec<f64>> = p.n_levels.iter().map(|&k| vec![0.0; k]).collect();
        let mut matches = 0.0;
        for (&pat, &n) in p.patterns.iter().zip(p.counts) {
            let post = posterior(logit, pat, &llr, p.active);
            let w = post * n;
            matches += w;
            for c in 0..acc.len() {
                if p.active[c] {
                    let l = unpack(pat, c) as usize;
                    acc[c][l] += w;
                    acc_u[c][l] += (1.0 - post) * n;
                }
            }
        }
        expected = matches;
        let mut delta: f64 = 0.0;
        if p.estimate_m {
            for c in 0..m.len() {
                if !p.active[c] {
                    continue;
                }
                let k = p.n_levels[c];
                let fixed_mass: f64 = (1..k).filter(|&l| p.m_fixed[c][l]).map(|l| m[c][l]).sum();
                let free: Vec<usize> = (1..k).filter(|&l| !p.m_fixed[c][l]).collect();
                let denom: f64 = free
                    .iter()
                    .map(|&l| acc[c][l] + M_PSEUDO_COUNT)
                    .sum::<f64>();
                for &l in &free {
                    let new = clamp_p(
                        (acc[c][l] + M_PSEUDO_COUNT) / denom * (1.0 - fixed_mass).max(P_MIN),
                    );
                    delta = delta.max((new - m[c][l]).abs());
                    m[c][l] = new;
                }
            }
        }
        if p.estimate_u {
            for c in 0..u.len() {
                if !p.active[c] {
                    continue;
                }
                let k = p.n_levels[c];
                let denom: f64 = (1..k).map(|l| acc_u[c][l] + M_PSEUDO_COUNT).sum();
                for l in 1..k {
                    let new = clamp_p((acc_u[c][l] + M_PSEUDO_COUNT) / denom);
                    delta = delta.max((new - u[c][l]).abs());
                    u[c][l] = new;
                }
            }
        }
        if p.estimate_lambda {
            let new = clamp_p(matches / total);
            delta = delta.max((new - lambda).abs());
            lambda = new;
        }
        if delta < p.tolerance {
            converged = true;
            break;
        }
    }
    EmResult {
        m,
        lambda,
        iterations,
        converged,
        expected_matches: expected,
    }
}

/// Starting m: most of the mass on the strongest non-null level, halving
/// down the ladder, the remainder on `else`.
pub(crate) fn initial_m(n_levels: usize) -> Vec<f64> {
    let mut m = vec![1.0; n_levels];
    if n_levels < 2 {
        return m;
    }
    let non_null = n_levels - 1;
    if non_null == 1 {
        m[1] = P_MAX;
        return m;
    }
    let mut rest = 1.0;
    let mut share = 0.7;
    for item in m.iter_mut().take(n_levels - 1).skip(1) {
        *item = rest * share;
        rest -= *item;
        share = 0.5;
    }
    m[n_levels - 1] = rest;
    m.iter_mut().skip(1).for_each(|x| *x = clamp_p(*x));
    m
}

/// Deterministic starting estimate of the match proportion among the
/// selected patterns: the share of pairs whose comparable fields agree at
/// the strongest level for at least half of them (at least two).
#[allow(clippy::needless_range_loop)]
pub(crate) fn initial_lambda(
    patterns: &[u128],
    counts: &[f64],
    n_comps: usize,
    active: &[bool],
) -> f64 {
    let total: f64 = counts.iter().sum();
    if total <= 0.0 {
        return 0.1;
    }
    let mut hit = 0.0;
    for (&p, &n) in patterns.iter().zip(counts) {
        let mut comparable: usize = 0;
        let mut top = 0;
        for c in 0..n_comps {
            if !active[c] {
                continue;
            }
            let l = unpack(p, c);
            if l != 0 {
                comparable += 1;
                if l == 1 {
                    top += 1;
                }
            }
        }
        if comparable > 0 && top >= 2.max(comparable.div_ceil(2)).min(comparable) {
            hit += n;
        }
    }
    (hit / total).clamp(1e-3, 0.5)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Simulates comparison vectors from known m, u, λ and checks EM
    /// recovers them.
    #[test]
    #[allow(clippy::needless_range_loop)]
    fn em_recovers_known_parameters() {
        let m_true = [
            vec![1.0, 0.85, 0.10, 0.05],
            vec![1.0, 0.90, 0.07, 0.03],
            vec![1.0, 0.70, 0.20, 0.10],
            vec![1.0, 0.95, 0.05],
        ];
        let u_true = [
            vec![1.0, 0.01, 0.04, 0.95],
            vec![1.0, 0.002, 0.018, 0.98],
            vec![1.0, 0.05, 0.15, 0.80],
            vec![1.0, 0.10, 0.90],
        ];
        let lambda_true = 0.2;
        let null_rate = 0.1;
        let n = 200_000;
        let mut rng = SplitMix64::new(7);
        let mut unit = move || (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        let draw = |p: &[f64], x: f64| {
            let mut acc = 0.0;
            for (l, &q) in p.iter().enumerate().skip(1) {
                acc += q;
                if x < acc {
                    return l as u8;
                }
            }
            (p.len() - 1) as u8
        };
        let mut levels = Vec::with_capacity(n * 4);
        for _ in 0..n {
            let is_match = unit() < lambda_true;
            for c in 0..4 {
                if unit() < null_rate {
                    levels.push(0);
                    continue;
                }
                let p = if is_match { &m_true[c] } else { &u_true[c] };
                levels.push(draw(p, unit()));
            }
        }
        let table = PatternTable::build(&levels, 4, &|_| 1);
        let (pats, counts) = table.select(|_| true);
        assert!(pats.len() < 4 * 4 * 4 * 3 + 1);
        let n_levels: Vec<usize> = m_true.iter().map(Vec::len).collect();
        let u: Vec<Vec<f64>> = u_true.to_vec();
        let active = vec![true; 4];
        let m_fixed: Vec<Vec<bool>> = n_levels.iter().map(|&k| vec![false; k]).collect();
        let prob = EmProblem {
            patterns: &pats,
            counts: &counts,
            n_levels: &n_levels,
            u: &u,
            active: &active,
            m_fixed: &m_fixed,
            max_iterations: 500,
            tolerance: 1e-7,
            estimate_lambda: true,
            estimate_m: true,
            estimate_u: false,
        };
        let m0: Vec<Vec<f64>> = n_levels.iter().map(|&k| initial_m(k)).collect();
        let lambda0 = initial_lambda(&pats, &counts, 4, &active);
        let r = run_em(&prob, m0, lambda0);
        assert!(
            r.converged,
            "EM did not converge in {} iterations",
            r.iterations
        );
        assert!((r.lambda - lambda_true).abs() < 0.01, "lambda {}", r.lambda);
        for c in 0..4 {
            for l in 1..n_levels[c] {
                let err = (r.m[c][l] - m_true[c][l]).abs();
                assert!(
                    err < 0.02,
                    "m[{c}][{l}] = {} vs {}",
                    r.m[c][l],
                    m_true[c][l]
                );
            }
        }
    }

    #[test]
    fn em_reports_iteration_cap() {
        let pats = vec![pack(&[1, 1]), pack(&[2, 2]), pack(&[1, 2])];
        let counts = vec![100.0, 1000.0, 30.0];
        let n_levels = vec![3, 3];
        let u = vec![vec![1.0, 0.1, 0.9], vec![1.0, 0.1, 0.9]];
        let active = vec![true, true];
        let m_fixed = vec![vec![false; 3], vec![false; 3]];
        let prob = EmProblem {
            patterns: &pats,
            counts: &counts,
            n_levels: &n_levels,
            u: &u,
            active: &active,
            m_fixed: &m_fixed,
            max_iterations: 1,
            tolerance: 1e-12,
            estimate_lambda: true,
            estimate_m: true,
            estimate_u: false,
        };
        let r = run_em(&prob, vec![initial_m(3), initial_m(3)], 0.1);
        assert_eq!(r.iterations, 1);
        assert!(!r.converged);
    }

    #[test]
    fn u_counts_are_shares_of_non_null() {
        let u = u_from_counts(&[50, 10, 30, 60]);
        assert_eq!(u[0], 1.0);
        assert!((u[1] - 0.1).abs() < 1e-12);
        assert!((u[3] - 0.6).abs() < 1e-12);
        assert!((u.iter().skip(1).sum::<f64>() - 1.0).abs() < 1e-12);
        let u = u_from_counts(&[5, 0, 100]);
        assert!((u[1] - 0.5 / 100.5).abs() < 1e-12);
    }

    #[test]
    fn rng_is_deterministic() {
        let mut a = SplitMix64::new(1);
        let mut b = SplitMix64::new(1);
        for _ in 0..10 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
        assert!(SplitMix64::new(3).below(10) < 10);
    }
}
