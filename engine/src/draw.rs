//! Counter-based random draws: the draw for a given (seed, purpose, id, month) is a pure function
//! of those four numbers, so it is the same on any thread, in any order, on any machine. The id
//! is a household's or person's draw key (`crate::ids::key`: the id itself when it is a number,
//! a fixed hash of its text otherwise).
//!
//! Used where behaviour is simulated on top of a population: who applies for assistance
//! (take-up), whose job ends or starts in a month, in which month a household claims a benefit.
//! Each draw is SplitMix64's finaliser over the mixed inputs (Steele, Lea and Flood 2014; the
//! `splitmix64` generator of Java and of `rand_xoshiro`'s seeding), which passes BigCrush as a
//! counter-based generator.

/// Draws are compared with rates in millionths.
pub const MILLION: u32 = 1_000_000;

/// What a draw is for: separate streams, so a household's take-up draw and a person's job draw
/// are unrelated even when their ids are equal.
#[derive(Clone, Copy, Debug)]
#[repr(u64)]
pub enum Purpose {
    TakeUp = 1,
    JobLoss = 2,
    JobFound = 3,
    /// Where in its renewal cycle a household is in January.
    Cycle = 4,
    /// The month a household claims an on-claim benefit (`schema::Payment::OnClaim`); the
    /// draw's counter is the benefit's index in the schema, not a month, so each benefit has
    /// a month of its own.
    Claim = 5,
    /// Whether a household reconsiders applying in a month (a new take-up draw).
    Reconsider = 6,
    /// An uncertainty band's perturbation of a council's take-up in a replicate
    /// (`crate::bands`); keyed by replicate and council, not by household.
    Band = 7,
    /// An uncertainty band's draw of a named assumption in a replicate (`crate::bands`).
    Assumption = 8,
}

/// SplitMix64's step: the golden ratio in 64 bits.
const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

#[inline]
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(GOLDEN);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A draw in `0..MILLION`, uniform up to a bias below 10⁻¹³.
#[inline]
pub fn millionths(seed: u64, purpose: Purpose, id: u64, month: u8) -> u32 {
    let z = mix(mix(mix(seed ^ (purpose as u64) << 56) ^ id) ^ month as u64);
    (((z >> 32) * MILLION as u64) >> 32) as u32
}

/// A draw in `0..MILLION` keyed by any number of keys (a replicate, a council's hash, the
/// index of a draw), each mixed in turn: for draws that are not per household and month.
#[inline]
pub fn millionths_of(seed: u64, purpose: Purpose, keys: &[u64]) -> u32 {
    let z = keys
        .iter()
        .fold(mix(seed ^ (purpose as u64) << 56), |z, &k| mix(z ^ k));
    (((z >> 32) * MILLION as u64) >> 32) as u32
}

/// SplitMix64 as a plain sequential generator, for data made up for examples and benchmarks
/// (`engine/examples/make_sample.rs`, `benches/lib.rs`), where one stream is enough. Its numbers
/// are the reference SplitMix64's for the same seed.
#[derive(Clone, Debug)]
pub struct SplitMix64(pub u64);

impl SplitMix64 {
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        let z = mix(self.0);
        self.0 = self.0.wrapping_add(GOLDEN);
        z
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reference SplitMix64 (Vigna's `splitmix64.c`) seeded with 0 starts with these.
    #[test]
    fn the_sequential_generator_is_splitmix64() {
        let mut g = SplitMix64(0);
        assert_eq!(g.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(g.next_u64(), 0x6E78_9E6A_A1B9_65F4);
        assert_eq!(g.next_u64(), 0x06C4_5D18_8009_454F);
    }

    #[test]
    fn draws_are_pure_and_spread_evenly() {
        assert_eq!(
            millionths(7, Purpose::TakeUp, 42, 3),
            millionths(7, Purpose::TakeUp, 42, 3)
        );
        assert_ne!(
            millionths(7, Purpose::TakeUp, 42, 3),
            millionths(7, Purpose::JobLoss, 42, 3)
        );
        // 100 000 draws: each tenth of the range gets 10 % ± 0.5 percentage points.
        let mut deciles = [0u32; 10];
        for id in 0..100_000 {
            let d = millionths(2025, Purpose::TakeUp, id, 0);
            assert!(d < MILLION);
            deciles[(d / 100_000) as usize] += 1;
        }
        for d in deciles {
            assert!((9_500..=10_500).contains(&d), "{deciles:?}");
        }
    }
}
