//! Money as integer fen (1/100 yuan); never floating point.

use serde::{Deserialize, Serialize};

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
