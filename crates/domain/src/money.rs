//! Money as integer fen (1/100 yuan); never floating point.

use serde::{Deserialize, Serialize};

/// The largest amount one event (or any other single money field) may carry, either sign:
/// ¥1,000,000,000 (10⁹ yuan) = 100,000,000,000 fen. With it, the sum of 92 million events at
/// the bound still fits an `i64`; sums are taken in `i128` anyway.
pub const MAX_AMOUNT_FEN: i64 = 100_000_000_000;

/// The reason an amount is outside ±[`MAX_AMOUNT_FEN`], if it is.
pub fn out_of_bound(fen: i64) -> Option<String> {
    (fen.unsigned_abs() > MAX_AMOUNT_FEN.unsigned_abs())
        .then(|| format!("must be at most {MAX_AMOUNT_FEN} fen (¥1,000,000,000) either way"))
}

/// Sums amounts in 128 bits, so no number of `i64` terms can overflow it.
pub fn sum_i128(amounts: impl IntoIterator<Item = i64>) -> i128 {
    amounts.into_iter().map(i128::from).sum()
}

/// Narrows a 128-bit sum to `i64`, saturating at the ends (reached only past 92 million
/// events at the bound).
pub fn saturate(sum: i128) -> i64 {
    i64::try_from(sum).unwrap_or(if sum < 0 { i64::MIN } else { i64::MAX })
}

/// An amount of money in fen. ¥12.34 is `Fen(1234)`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Fen(pub i64);

impl Fen {
    /// Adds two amounts, `None` on overflow.
    pub fn checked_add(self, other: Fen) -> Option<Fen> {
        self.0.checked_add(other.0).map(Fen)
    }

    /// The amount as yuan with two decimals, e.g. `12.34`.
    pub fn yuan_string(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        format!("{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

impl std::fmt::Display for Fen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "¥{}", self.yuan_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn yuan_string_keeps_two_decimals_and_sign() {
        assert_eq!(Fen(1234).yuan_string(), "12.34");
        assert_eq!(Fen(5).yuan_string(), "0.05");
        assert_eq!(Fen(-250).yuan_string(), "-2.50");
        assert_eq!(Fen(i64::MIN).yuan_string(), "-92233720368547758.08");
    }

    #[test]
    fn the_bound_admits_its_ends_and_refuses_one_fen_more() {
        assert_eq!(out_of_bound(MAX_AMOUNT_FEN), None);
        assert_eq!(out_of_bound(-MAX_AMOUNT_FEN), None);
        assert!(out_of_bound(MAX_AMOUNT_FEN + 1).is_some());
        assert!(out_of_bound(i64::MIN).is_some());
    }

    #[test]
    fn sums_past_i64_saturate_instead_of_wrapping() {
        assert_eq!(sum_i128([i64::MAX, i64::MAX]), 2 * i64::MAX as i128);
        assert_eq!(saturate(sum_i128([i64::MAX, 1])), i64::MAX);
        assert_eq!(saturate(sum_i128([i64::MIN, -1])), i64::MIN);
        assert_eq!(saturate(sum_i128([MAX_AMOUNT_FEN; 3])), 3 * MAX_AMOUNT_FEN);
    }

    proptest! {
        #[test]
        fn yuan_string_round_trips_to_the_same_fen(v in any::<i64>()) {
            let s = Fen(v).yuan_string();
            let neg = s.starts_with('-');
            let digits: String = s.chars().filter(|c| c.is_ascii_digit()).collect();
            let abs: i128 = digits.parse().unwrap_or(-1);
            let back = if neg { -abs } else { abs };
            prop_assert_eq!(back, v as i128);
        }
    }
}
