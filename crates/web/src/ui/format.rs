//! How the UI writes money and counts, the same on every page, table, export and sentence:
//! money as `¥1,234.56`, counts as `1,234`.

use quanzi_domain::Fen;

/// Fen as yuan with a comma every three digits, `¥1,234.56` (`¥-0.50` below zero); the
/// digits are [`Fen::yuan_string`]'s, so no amount is ever rounded.
pub(crate) fn yuan(fen: i64) -> String {
    let s = Fen(fen).yuan_string();
    let (int, frac) = s.split_once('.').unwrap_or((&s, "00"));
    let (sign, digits) = int.strip_prefix('-').map_or(("", int), |d| ("-", d));
    format!("¥{sign}{}.{frac}", group_digits(digits))
}

/// An integer with thousands separators, e.g. `-1,234,567`.
pub(crate) fn thousands(v: i64) -> String {
    let digits = group_digits(&v.unsigned_abs().to_string());
    if v < 0 { format!("-{digits}") } else { digits }
}

/// Digits with a comma every three from the right.
fn group_digits(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{thousands, yuan};

    #[test]
    fn money_is_yuan_with_two_decimals_grouped_by_thousands() {
        assert_eq!(yuan(0), "¥0.00");
        assert_eq!(yuan(5), "¥0.05");
        assert_eq!(yuan(1234), "¥12.34");
        assert_eq!(yuan(99_999), "¥999.99");
        assert_eq!(yuan(100_000), "¥1,000.00");
        assert_eq!(yuan(1_128_790), "¥11,287.90");
        assert_eq!(yuan(123_456_789), "¥1,234,567.89");
        assert_eq!(yuan(-50), "¥-0.50");
        assert_eq!(yuan(-123_456_789), "¥-1,234,567.89");
        assert_eq!(yuan(i64::MIN), "¥-92,233,720,368,547,758.08");
    }

    #[test]
    fn counts_are_grouped_by_thousands() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(-1_000_000), "-1,000,000");
        assert_eq!(thousands(i64::MIN), "-9,223,372,036,854,775,808");
    }
}
