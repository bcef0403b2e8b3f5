//! Small seeded pseudo-random generators: SplitMix64 for seeding, xoshiro256++ for sampling.
//!
//! Every randomised graph algorithm in this crate takes a `u64` seed and derives its streams
//! with [`Rng::stream`], so a result depends on the seed only — never on the thread count or
//! on timing.

use std::ops::Range;

/// SplitMix64 step: a bijective mixer used to expand seeds into generator state.
#[must_use]
pub fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The xoshiro256++ generator (Blackman and Vigna): fast, 256 bits of state, good quality.
#[derive(Debug, Clone)]
pub struct Rng {
    s: [u64; 4],
}

impl Rng {
    /// A generator seeded from one `u64` through SplitMix64.
    #[must_use]
    pub fn new(seed: u64) -> Self {
        let mut sm = seed;
        let s = [
            splitmix64(&mut sm),
            splitmix64(&mut sm),
            splitmix64(&mut sm),
            splitmix64(&mut sm),
        ];
        Self { s }
    }

    /// An independent generator for sub-stream `index` of `seed` (e.g. one Monte Carlo run or
    /// one batch of samples), so work can be split across threads reproducibly.
    #[must_use]
    pub fn stream(seed: u64, index: u64) -> Self {
        let mut sm = seed ^ 0x5851_F42D_4C95_7F2D;
        let a = splitmix64(&mut sm);
        let mut sm2 = index.wrapping_mul(0xD134_2543_DE82_EF95) ^ a;
        Self::new(splitmix64(&mut sm2))
    }

    /// The next 64 random bits.
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        let s = &mut self.s;
        let result = s[0].wrapping_add(s[3]).rotate_left(23).wrapping_add(s[0]);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// The next 32 random bits (the high half, the better bits).
    #[inline]
    pub fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }

    /// A uniform float in `[0, 1)` with 53 random bits.
    #[inline]
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// A uniform integer in `[0, n)` (Lemire's multiply-shift; bias below 2^-32 for n < 2^32).
    #[inline]
    pub fn below(&mut self, n: u32) -> u32 {
        ((u64::from(self.next_u32()) * u64::from(n)) >> 32) as u32
    }

    /// The number of failures before the first success of independent trials with success
    /// probability `p` (geometric distribution); `u64::MAX` when `p <= 0`.
    #[inline]
    pub fn geometric(&mut self, ln_one_minus_p: f64) -> u64 {
        if ln_one_minus_p >= 0.0 {
            return u64::MAX;
        }
        // 1 - U lies in (0, 1], so the logarithm is finite.
        let u = 1.0 - self.next_f64();
        let k = (u.ln() / ln_one_minus_p).floor();
        if k >= 1.8e19 { u64::MAX } else { k as u64 }
    }

    /// The trials in `range` that succeed, ascending, when each succeeds independently with
    /// probability `p` (`ln_one_minus_p` = `ln(1 − p)`): geometric skips, so one draw per
    /// success (and one to finish) instead of one per trial.
    pub(crate) fn successes(&mut self, ln_one_minus_p: f64, range: Range<usize>) -> Successes<'_> {
        Successes {
            rng: self,
            ln_q: ln_one_minus_p,
            next: range.start as u64,
            end: range.end as u64,
            done: false,
        }
    }
}

/// The iterator of [`Rng::successes`].
pub(crate) struct Successes<'r> {
    rng: &'r mut Rng,
    ln_q: f64,
    next: u64,
    end: u64,
    done: bool,
}

impl Iterator for Successes<'_> {
    type Item = usize;

    #[inline]
    fn next(&mut self) -> Option<usize> {
        if self.done {
            return None;
        }
        let i = self.next.saturating_add(self.rng.geometric(self.ln_q));
        if i >= self.end {
            self.done = true;
            return None;
        }
        self.next = i + 1;
        Some(i as usize)
    }
}

/// A probability as a 32-bit threshold: an event of probability `p` happens when a random
/// `u32` is below it. Probabilities at or above 1 saturate at `u32::MAX` (error 2^-32).
#[must_use]
pub fn threshold(p: f64) -> u32 {
    if p.is_nan() || p <= 0.0 {
        0
    } else if p >= 1.0 {
        u32::MAX
    } else {
        (p * 4_294_967_296.0) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_stream_and_streams_differ() {
        let a: Vec<u64> = (0..8).map(|_| Rng::new(7).next_u64()).collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        let mut x = Rng::stream(7, 0);
        let mut y = Rng::stream(7, 1);
        assert_ne!(x.next_u64(), y.next_u64());
    }

    #[test]
    fn uniform_floats_have_mean_one_half() {
        let mut r = Rng::new(1);
        let n = 100_000;
        let mean: f64 = (0..n).map(|_| r.next_f64()).sum::<f64>() / f64::from(n);
        assert!((mean - 0.5).abs() < 0.01, "{mean}");
    }

    #[test]
    fn geometric_skips_have_the_right_mean() {
        let mut r = Rng::new(3);
        let p: f64 = 0.1;
        let lp = (1.0 - p).ln();
        let n = 50_000;
        let mean = (0..n).map(|_| r.geometric(lp) as f64).sum::<f64>() / f64::from(n);
        // E = (1 - p) / p = 9
        assert!((mean - 9.0).abs() < 0.3, "{mean}");
    }
}
