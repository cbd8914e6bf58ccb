//! A small deterministic PRNG (xoshiro256**, seeded through splitmix64).
//!
//! Self-written rather than `rand`: a dozen lines, no compile cost, and the
//! stream is fixed forever, so committed fixtures stay reproducible across
//! dependency upgrades.

/// Stream ids keep independent decisions on independent random streams, so
/// that changing a corruption rate does not change who the customers are.
pub(crate) mod stream {
    /// Household structure and base identities of one chunk.
    pub const HOUSEHOLDS: u64 = 1;
    /// Record count and source of each record of one entity.
    pub const RECORDS: u64 = 2;
    /// Corruption of the records of one entity.
    pub const NOISE: u64 = 3;
    /// Shuffling and key assignment of one wave.
    pub const WAVE: u64 = 4;
    /// Digits that make a taken email address unique.
    pub const MAILBOX: u64 = 5;
}

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// xoshiro256** generator.
#[derive(Clone, Debug)]
pub(crate) struct Rng {
    s: [u64; 4],
}

impl Rng {
    /// A generator for (`seed`, `stream`, `index`): distinct triples give
    /// statistically independent streams.
    pub fn new(seed: u64, stream: u64, index: u64) -> Self {
        let mut st = seed;
        let a = splitmix64(&mut st);
        let mut st = a ^ stream.wrapping_mul(0xD1B5_4A32_D192_ED03);
        let b = splitmix64(&mut st);
        let mut st = b ^ index.wrapping_mul(0x8CB9_2BA7_2F3D_8DD7);
        let s = [
            splitmix64(&mut st),
            splitmix64(&mut st),
            splitmix64(&mut st),
            splitmix64(&mut st),
        ];
        Rng { s }
    }

    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// Uniform in `0..n` (`n > 0`), by multiply-shift (bias < 2^-40 here).
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform index into a slice of length `n`.
    pub fn index(&mut self, n: usize) -> usize {
        self.below(n as u64) as usize
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: u32, hi: u32) -> u32 {
        lo + self.below(u64::from(hi - lo) + 1) as u32
    }

    /// Uniform in `[0, 1)`.
    pub fn f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// True with probability `p`. Always draws, so the stream position does
    /// not depend on `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.f64() < p
    }

    /// A uniformly chosen element.
    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.index(xs.len())]
    }

    /// A copy of a uniformly chosen element.
    pub fn choose<T: Copy>(&mut self, xs: &[T]) -> T {
        *self.pick(xs)
    }

    /// A copy of an element chosen by [`Rng::skewed`].
    pub fn choose_skewed<T: Copy>(&mut self, xs: &[T], k: f64) -> T {
        *self.skewed(xs, k)
    }

    /// An element chosen with a heavy head: index `floor(n * u^k)`, so the
    /// first elements (the most frequent names) dominate as in real data.
    pub fn skewed<'a, T>(&mut self, xs: &'a [T], k: f64) -> &'a T {
        let i = (xs.len() as f64 * self.f64().powf(k)) as usize;
        &xs[i.min(xs.len() - 1)]
    }

    /// Index chosen with probability proportional to `weights`
    /// (which must not all be zero).
    pub fn weighted(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        let mut x = self.f64() * total;
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        weights.iter().rposition(|w| *w > 0.0).unwrap_or(0)
    }

    /// Fisher-Yates shuffle.
    pub fn shuffle<T>(&mut self, xs: &mut [T]) {
        for i in (1..xs.len()).rev() {
            let j = self.index(i + 1);
            xs.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a: Vec<u64> = (0..4).map(|_| Rng::new(7, 1, 2).next_u64()).collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        let mut x = Rng::new(7, 1, 2);
        let mut y = Rng::new(7, 1, 3);
        let mut z = Rng::new(7, 2, 2);
        let (xs, ys, zs): (Vec<_>, Vec<_>, Vec<_>) = (0..8)
            .map(|_| (x.next_u64(), y.next_u64(), z.next_u64()))
            .fold((vec![], vec![], vec![]), |mut acc, (a, b, c)| {
                acc.0.push(a);
                acc.1.push(b);
                acc.2.push(c);
                acc
            });
        assert_ne!(xs, ys);
        assert_ne!(xs, zs);
    }

    #[test]
    fn below_and_weighted_stay_in_range() {
        let mut r = Rng::new(1, 0, 0);
        let mut seen = [0u32; 3];
        for _ in 0..30_000 {
            assert!(r.below(10) < 10);
            seen[r.weighted(&[1.0, 0.0, 3.0])] += 1;
        }
        assert_eq!(seen[1], 0);
        let ratio = f64::from(seen[2]) / f64::from(seen[0]);
        assert!((2.6..3.4).contains(&ratio), "ratio {ratio}");
    }

    #[test]
    fn skewed_favours_the_head() {
        let mut r = Rng::new(3, 0, 0);
        let xs: Vec<usize> = (0..100).collect();
        let mut head = 0;
        for _ in 0..10_000 {
            if *r.skewed(&xs, 1.6) < 10 {
                head += 1;
            }
        }
        // Uniform would give 10%; u^1.6 < 0.1 has probability 0.1^(1/1.6) = 24%.
        assert!((2000..2800).contains(&head), "head {head}");
    }
}
