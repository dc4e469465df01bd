//! The generator's pseudo-random numbers: SplitMix64, written out here on purpose.
//!
//! Benchmark inputs must never change: a feed generated from seed 42 today has to be byte for
//! byte the feed generated next year, or figures measured months apart compare different inputs.
//! A PRNG crate is free to change its algorithm or its range-reduction in a minor release (`rand`
//! has done both), so the generator owns its PRNG. SplitMix64 (Steele, Lea and Flood, "Fast
//! splittable pseudorandom number generators", OOPSLA 2014; the seeding generator of
//! xoshiro/xoroshiro) is ten lines, passes BigCrush, and is fast; its statistical quality is far
//! beyond what synthetic feed data needs.
//!
//! Every stream is derived from the user's seed and a fixed "purpose" tuple
//! ([`SplitMix64::derive`]), so the attributes of product 1234 do not depend on how many random
//! numbers the records before it consumed. Floats appear only in [`SplitMix64::unit`] (53 exact
//! bits) and in the Zipf table, whose arithmetic is IEEE-754 and therefore identical everywhere.

/// SplitMix64's additive constant: 2^64 divided by the golden ratio, rounded to odd.
const GOLDEN_GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// SplitMix64 (the reference algorithm, unchanged).
#[derive(Debug, Clone)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    pub const fn new(seed: u64) -> SplitMix64 {
        SplitMix64 { state: seed }
    }

    /// A stream for one purpose: `parts` (a stream tag, a product number, …) are folded into the
    /// seed through the mixing function, so neighbouring tuples give unrelated streams.
    pub fn derive(seed: u64, parts: &[u64]) -> SplitMix64 {
        let mut state = mix(seed);
        for part in parts {
            state = mix(state ^ mix(part.wrapping_add(GOLDEN_GAMMA)));
        }
        SplitMix64::new(state)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GOLDEN_GAMMA);
        mix(self.state)
    }

    /// A number in `0..n` (0 when `n` is 0), by Lemire's multiply-shift: no division, and a bias
    /// below n / 2^64, invisible for the small ranges used here.
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// A number in `low..=high`.
    pub fn range(&mut self, low: u64, high: u64) -> u64 {
        low + self.below(high.saturating_sub(low) + 1)
    }

    /// A float in `[0, 1)` with 53 random bits.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// One element of a non-empty static table.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// SplitMix64's output function (a variant of MurmurHash3's 64-bit finalizer).
pub fn mix(value: u64) -> u64 {
    let mut z = value;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A Zipf law over ranks `0..n`: rank k is drawn with weight 1 / (k + 1)^s. Brand popularity in
/// real catalogues is about Zipf with s ≈ 1: a handful of brands carry most offers.
#[derive(Debug, Clone)]
pub struct Zipf {
    /// Cumulative probabilities, the last one exactly 1.0.
    cdf: Vec<f64>,
}

impl Zipf {
    pub fn new(n: usize, exponent: f64) -> Zipf {
        Zipf::shifted(n, exponent, 0.0)
    }

    /// Rank k drawn with weight 1 / (k + 1 + shift)^s: a shift flattens the head of the law
    /// (the benchmarks' word vocabulary uses one, so that its top words are as frequent as the
    /// top content words of real product text, not as stop words).
    pub fn shifted(n: usize, exponent: f64, shift: f64) -> Zipf {
        let weights: Vec<f64> = (1..=n)
            .map(|k| (k as f64 + shift).powf(-exponent))
            .collect();
        let total: f64 = weights.iter().sum();
        let mut running = 0.0;
        let mut cdf: Vec<f64> = weights
            .iter()
            .map(|w| {
                running += w / total;
                running
            })
            .collect();
        if let Some(last) = cdf.last_mut() {
            *last = 1.0;
        }
        Zipf { cdf }
    }

    pub fn sample(&self, rng: &mut SplitMix64) -> usize {
        let u = rng.unit();
        self.cdf
            .partition_point(|c| *c <= u)
            .min(self.cdf.len().saturating_sub(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shift_flattens_the_head_of_the_zipf_law() {
        let share_of_top = |zipf: &Zipf| {
            let mut rng = SplitMix64::new(9);
            (0..20_000).filter(|_| zipf.sample(&mut rng) == 0).count() as f64 / 20_000.0
        };
        let (plain, shifted) = (Zipf::new(1000, 1.0), Zipf::shifted(1000, 1.0, 9.0));
        // 1 / H(1000) ≈ 13 % for the plain law; 1/10 over the shifted sum ≈ 2.3 %.
        assert!(share_of_top(&plain) > 0.11, "{}", share_of_top(&plain));
        assert!(share_of_top(&shifted) < 0.035, "{}", share_of_top(&shifted));
        assert_eq!(Zipf::shifted(50, 1.0, 0.0).cdf, Zipf::new(50, 1.0).cdf);
    }

    #[test]
    fn matches_the_reference_splitmix64() {
        // The published test vector for seed 1234567 (Rosetta Code, "Pseudo-random numbers/
        // Splitmix64"), also what Vigna's public-domain C code prints.
        let mut rng = SplitMix64::new(1_234_567);
        let want = [
            6_457_827_717_110_365_317,
            3_203_168_211_198_807_973,
            9_817_491_932_198_370_423,
            4_593_380_528_125_082_431,
            16_408_922_859_458_223_821,
        ];
        for expected in want {
            assert_eq!(rng.next_u64(), expected);
        }
    }

    #[test]
    fn ranges_stay_in_bounds() {
        let mut rng = SplitMix64::new(7);
        for _ in 0..10_000 {
            assert!(rng.below(7) < 7);
            assert!((2..=8).contains(&rng.range(2, 8)));
            assert!((0.0..1.0).contains(&rng.unit()));
        }
        assert_eq!(rng.below(0), 0);
    }

    #[test]
    fn zipf_favours_low_ranks() {
        let zipf = Zipf::new(50, 1.0);
        let mut rng = SplitMix64::new(1);
        let mut counts = [0u32; 50];
        for _ in 0..100_000 {
            counts[zipf.sample(&mut rng)] += 1;
        }
        assert!(counts[0] * 2 > counts[1] * 3);
        assert!(counts[1] > counts[9]);
        assert!(counts.iter().all(|c| *c > 0));
    }

    #[test]
    fn derived_streams_differ() {
        let a = SplitMix64::derive(42, &[1, 2]).next_u64();
        let b = SplitMix64::derive(42, &[1, 3]).next_u64();
        let c = SplitMix64::derive(43, &[1, 2]).next_u64();
        assert_ne!(a, b);
        assert_ne!(a, c);
        assert_eq!(a, SplitMix64::derive(42, &[1, 2]).next_u64());
    }
}
