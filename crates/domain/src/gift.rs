//! Lead gifts (引流礼品): a small gift for joining, each new member's redemption code, and
//! the code's alphabet that survives being read aloud and typed on a phone.

use serde::{Deserialize, Serialize};

use crate::error::Invalid;
use crate::text;

/// The seed's target: a lead gift should cost under ¥3 (成本控制在3元内).
pub const TARGET_COST_FEN: i64 = 300;
/// Characters of a redemption code.
pub const CODE_LEN: usize = 8;
/// Crockford's base32: no I, L, O or U to misread.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A gift as a client sends it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct GiftInput {
    /// Name shown to members (e.g. "试吃装一份").
    pub name: Option<String>,
    /// What one costs the merchant, fen.
    pub cost_fen: Option<i64>,
    /// How many may be given; none means no limit.
    pub stock: Option<i64>,
    /// Days a member's code stays redeemable (1–365, default 30).
    pub valid_days: Option<i64>,
}

/// A validated gift.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewGift {
    /// Name.
    pub name: String,
    /// Cost, fen.
    pub cost_fen: i64,
    /// Stock, none for no limit.
    pub stock: Option<i64>,
    /// Validity, days.
    pub valid_days: i64,
}

impl GiftInput {
    /// Validates the input.
    pub fn into_new(self) -> Result<NewGift, Invalid> {
        let mut e = Invalid::default();
        let name = text::present(&mut e, "name", self.name.as_deref(), 64);
        let cost_fen = self.cost_fen.unwrap_or(0);
        if !(0..=10_000_000).contains(&cost_fen) {
            e.push("cost_fen", "must be between 0 and 10000000");
        }
        if self.stock.is_some_and(|s| !(0..=100_000_000).contains(&s)) {
            e.push("stock", "must be between 0 and 100000000");
        }
        let valid_days = self.valid_days.unwrap_or(30);
        if !(1..=365).contains(&valid_days) {
            e.push("valid_days", "must be between 1 and 365");
        }
        e.or_ok(NewGift {
            name: name.unwrap_or_default(),
            cost_fen,
            stock: self.stock,
            valid_days,
        })
    }
}

/// A redemption code from 40 random bits: 8 characters of Crockford's base32.
pub fn redemption_code(random: u64) -> String {
    (0..CODE_LEN)
        .map(|i| ALPHABET[((random >> (5 * (CODE_LEN - 1 - i))) & 31) as usize] as char)
        .collect()
}

/// A code as staff typed it, made canonical: upper case, spaces and dashes dropped, O read as
/// 0 and I or L as 1; `None` when it cannot be a code.
pub fn normalize_code(typed: &str) -> Option<String> {
    let code: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        })
        .collect();
    (code.len() == CODE_LEN && code.bytes().all(|b| ALPHABET.contains(&b))).then_some(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_use_the_alphabet_and_survive_typing() {
        let c = redemption_code(0xAB_CDEF_0123);
        assert_eq!(c.len(), CODE_LEN);
        assert_eq!(normalize_code(&c), Some(c.clone()));
        let typed = format!("{}-{} ", &c[..4].to_lowercase(), &c[4..]);
        assert_eq!(normalize_code(&typed), Some(c));
        assert_eq!(normalize_code("OIL00000"), Some("01100000".into()));
        assert_eq!(normalize_code("short"), None);
        assert_eq!(normalize_code("UUUUUUUU"), None);
    }

    #[test]
    fn bad_gifts_name_their_field() {
        let g = GiftInput {
            name: None,
            cost_fen: Some(-1),
            stock: Some(-5),
            valid_days: Some(0),
        };
        let e = g.into_new().err().unwrap_or_default();
        let fields: Vec<_> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["name", "cost_fen", "stock", "valid_days"]);
    }
}
