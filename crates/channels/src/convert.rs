//! Cell conversions without floating point or date libraries: integers, yuan to fen,
//! timestamps (unix ms or seconds, RFC 3339, `YYYY-MM-DD HH:MM:SS` in Asia/Shanghai) and
//! Excel serial dates.

/// Offset of Asia/Shanghai from UTC in ms (no daylight saving since 1991).
pub const SHANGHAI_OFFSET_MS: i64 = 8 * 3600 * 1000;

const DAY_MS: i64 = 86_400_000;

/// `s.trim()`, without the Unicode tables when the ends are plain ASCII (a cell's usual
/// case): an end byte above space and below 0x80 is no whitespace.
pub fn trim_cell(s: &str) -> &str {
    let plain = |b: Option<&u8>| b.is_some_and(|b| (0x21..0x80).contains(b));
    let b = s.as_bytes();
    if plain(b.first()) && plain(b.last()) {
        s
    } else {
        s.trim()
    }
}

/// Digits alone, few enough not to overflow: their value (the common case, without the
/// general parse).
fn plain_digits(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.is_empty() || b.len() > 18 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0i64, |n, d| n * 10 + i64::from(d - b'0')))
}

/// Parses a whole number; `12.0` and `12.00` (as spreadsheets and pandas write integers) are
/// accepted, `12.5` is not.
pub fn parse_int(raw: &str) -> Result<i64, String> {
    let s = trim_cell(raw);
    if let Some(n) = plain_digits(s) {
        return Ok(n);
    }
    let digits = match s.split_once('.') {
        Some((int, frac)) if !frac.is_empty() && frac.bytes().all(|b| b == b'0') => int,
        Some(_) => return Err("must be a whole number".into()),
        None => s,
    };
    let body = digits.strip_prefix('-').unwrap_or(digits);
    if body.is_empty() || !body.bytes().all(|b| b.is_ascii_digit()) {
        return Err("must be a whole number".into());
    }
    digits
        .parse::<i64>()
        .map_err(|_| "is too large a number".into())
}

/// Converts yuan written as a decimal (`12.34`, `12.3`, `12`, `¥12.34`, `0.50`) to fen exactly.
/// More than two decimals are refused unless they are zeros (`12.340`); exponents are refused.
pub fn yuan_to_fen(raw: &str) -> Result<i64, String> {
    const HINT: &str = "must be an amount in yuan with at most 2 decimals, e.g. 12.34";
    let s = trim_cell(raw);
    if let Some(yuan) = plain_digits(s).filter(|y| *y < i64::MAX / 100) {
        return Ok(yuan * 100);
    }
    let s = s
        .strip_prefix('¥')
        .or_else(|| s.strip_prefix('￥'))
        .unwrap_or(s)
        .trim();
    let (neg, s) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    let all_digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if (int.is_empty() && frac.is_empty()) || !all_digits(int) || !all_digits(frac) {
        return Err(HINT.into());
    }
    let (kept, rest) = frac.split_at(frac.len().min(2));
    if !rest.bytes().all(|b| b == b'0') {
        return Err(HINT.into());
    }
    let yuan: i64 = if int.is_empty() {
        0
    } else {
        int.parse()
            .map_err(|_| "is too large an amount".to_string())?
    };
    let mut cents: i64 = kept.parse().unwrap_or(0);
    if kept.len() == 1 {
        cents *= 10;
    }
    let fen = yuan
        .checked_mul(100)
        .and_then(|v| v.checked_add(cents))
        .ok_or_else(|| "is too large an amount".to_string())?;
    Ok(if neg { -fen } else { fen })
}

pub use quanzi_domain::date::{civil_from_days, days_from_civil};

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

const DATETIME_HINT: &str = "must be unix milliseconds or a date-time like 2025-01-31 08:30:00 \
     (Asia/Shanghai) or 2025-01-31T00:30:00Z";

/// Parses when an event happened: all digits are unix milliseconds; otherwise a date-time
/// (see [`parse_datetime_ms`]).
pub fn parse_occurred_at(raw: &str) -> Result<i64, String> {
    let s = raw.trim();
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse().map_err(|_| DATETIME_HINT.to_string());
    }
    parse_datetime_ms(s)
}

/// Like [`parse_occurred_at`] but all digits are unix seconds (the benchmark's `ts`).
pub fn parse_unix_seconds(raw: &str) -> Result<i64, String> {
    let s = trim_cell(raw);
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return s
            .parse::<i64>()
            .ok()
            .and_then(|v| v.checked_mul(1000))
            .ok_or_else(|| "must be unix seconds or a date-time".to_string());
    }
    parse_datetime_ms(s)
}

/// A tiny cursor over ASCII bytes.
struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    /// `min..=max` digits as a number.
    fn num(&mut self, min: usize, max: usize) -> Option<u32> {
        let start = self.i;
        while self.i - start < max && self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        if self.i - start < min {
            return None;
        }
        self.b[start..self.i].iter().try_fold(0u32, |acc, d| {
            acc.checked_mul(10)?.checked_add(u32::from(d - b'0'))
        })
    }

    fn done(&self) -> bool {
        self.i == self.b.len()
    }
}

/// Parses `YYYY-MM-DD[( |T)HH:MM[:SS[.fff]]][Z|±HH[:MM]]` (also with `/` between date parts
/// and 1-digit month, day or hour, as spreadsheets write them) to unix ms. Without a zone the
/// time is in Asia/Shanghai (UTC+8).
pub fn parse_datetime_ms(raw: &str) -> Result<i64, String> {
    parse_datetime_inner(raw.trim()).ok_or_else(|| DATETIME_HINT.to_string())
}

fn parse_datetime_inner(s: &str) -> Option<i64> {
    let mut c = Cursor {
        b: s.as_bytes(),
        i: 0,
    };
    let year = i64::from(c.num(4, 4)?);
    let sep = c.peek().filter(|&x| x == b'-' || x == b'/')?;
    c.i += 1;
    let month = c.num(1, 2)?;
    if !c.eat(sep) {
        return None;
    }
    let day = c.num(1, 2)?;
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    let (mut hour, mut minute, mut second, mut milli) = (0u32, 0u32, 0u32, 0u32);
    let mut offset_ms = SHANGHAI_OFFSET_MS;
    if !c.done() {
        let t = c.eat(b'T') || c.eat(b't');
        if !t {
            if !c.eat(b' ') {
                return None;
            }
            while c.eat(b' ') {}
        }
        hour = c.num(1, 2)?;
        if !c.eat(b':') {
            return None;
        }
        minute = c.num(2, 2)?;
        if c.eat(b':') {
            second = c.num(2, 2)?;
            if c.eat(b'.') || c.eat(b',') {
                let start = c.i;
                let frac = c.num(1, 9)?;
                let digits = (c.i - start) as u32;
                milli = match digits {
                    1..=3 => frac * 10u32.pow(3 - digits),
                    _ => frac / 10u32.pow(digits - 3),
                };
            }
        }
        if hour > 23 || minute > 59 || second > 59 {
            return None;
        }
        while c.eat(b' ') {}
        if c.eat(b'Z') || c.eat(b'z') {
            offset_ms = 0;
        } else if let Some(sign) = c.peek().filter(|&x| x == b'+' || x == b'-') {
            c.i += 1;
            let oh = c.num(2, 2)?;
            c.eat(b':');
            let om = if c.done() { 0 } else { c.num(2, 2)? };
            if oh > 14 || om > 59 {
                return None;
            }
            let off = (i64::from(oh) * 60 + i64::from(om)) * 60_000;
            offset_ms = if sign == b'-' { -off } else { off };
        }
    }
    if !c.done() {
        return None;
    }
    let local = days_from_civil(year, month, day) * DAY_MS
        + i64::from(hour) * 3_600_000
        + i64::from(minute) * 60_000
        + i64::from(second) * 1000
        + i64::from(milli);
    Some(local - offset_ms)
}

/// Formats an Excel serial date-time (days since 1899-12-30, 1900 date system) as
/// `YYYY-MM-DD HH:MM:SS` (with `.mmm` when there are milliseconds), the wall-clock time the
/// spreadsheet shows.
pub fn excel_serial_to_text(serial: f64) -> String {
    // Excel's serial 60 is the nonexistent 1900-02-29; earlier serials are one day off.
    let serial = if serial < 60.0 { serial + 1.0 } else { serial };
    let ms = (serial * DAY_MS as f64).round() as i64;
    let epoch = days_from_civil(1899, 12, 30);
    let days = epoch + ms.div_euclid(DAY_MS);
    let rem = ms.rem_euclid(DAY_MS);
    let (y, m, d) = civil_from_days(days);
    let (h, mi, s, milli) = (
        rem / 3_600_000,
        rem / 60_000 % 60,
        rem / 1000 % 60,
        rem % 1000,
    );
    if milli == 0 {
        format!("{y:04}-{m:02}-{d:02} {h:02}:{mi:02}:{s:02}")
    } else {
        format!("{y:04}-{m:02}-{d:02} {h:02}:{mi:02}:{s:02}.{milli:03}")
    }
}

/// Formats a number read from a spreadsheet: integral values without `.0` (so phone numbers
/// and ids stay digits), others in the shortest form that reads back the same.
pub fn number_to_text(v: f64) -> String {
    if v.is_finite() && v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// 64-bit FNV-1a: a small hash that is the same on every machine and every Rust version.
pub fn fnv1a64(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for &b in *p {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn a_cell_trims_as_str_trim(s in "[ \\t\\x0b\\x0c\\r\\n\\u{a0}\\u{3000}a-z0-9é]{0,8}") {
            proptest::prop_assert_eq!(trim_cell(&s), s.trim());
        }
    }

    #[test]
    fn integers_accept_spreadsheet_style_zeros_only() {
        assert_eq!(parse_int(" 42 "), Ok(42));
        assert_eq!(parse_int("42.00"), Ok(42));
        assert_eq!(parse_int("-3"), Ok(-3));
        assert!(parse_int("4.5").is_err());
        assert!(parse_int("abc").is_err());
        assert!(parse_int("").is_err());
        assert!(parse_int("99999999999999999999").is_err());
    }

    #[test]
    fn yuan_is_converted_to_fen_exactly() {
        assert_eq!(yuan_to_fen("12.34"), Ok(1234));
        assert_eq!(yuan_to_fen("12.3"), Ok(1230));
        assert_eq!(yuan_to_fen("12"), Ok(1200));
        assert_eq!(yuan_to_fen("0.07"), Ok(7));
        assert_eq!(yuan_to_fen(".5"), Ok(50));
        assert_eq!(yuan_to_fen("¥1.10"), Ok(110));
        assert_eq!(yuan_to_fen("12.340"), Ok(1234));
        assert_eq!(yuan_to_fen("-2.5"), Ok(-250));
        // 0.1 + 0.2 in floating point would not survive this.
        assert_eq!(yuan_to_fen("19.99"), Ok(1999));
        assert!(yuan_to_fen("12.345").is_err());
        assert!(yuan_to_fen("1e3").is_err());
        assert!(yuan_to_fen("1,000").is_err());
        assert!(yuan_to_fen(".").is_err());
        assert!(yuan_to_fen("92233720368547758.08").is_err());
    }

    #[test]
    fn civil_days_round_trip() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        for d in [-800_000, -1, 0, 1, 11_016, 20_000, 2_932_896] {
            let (y, m, dd) = civil_from_days(d);
            assert_eq!(days_from_civil(y, m, dd), d);
        }
    }

    #[test]
    fn datetimes_default_to_shanghai() {
        // 2025-01-01T00:00:00Z is 1735689600 s (the benchmark's T0).
        let t0 = 1_735_689_600_000;
        assert_eq!(parse_occurred_at("2025-01-01 08:00:00"), Ok(t0));
        assert_eq!(parse_occurred_at("2025-01-01T08:00:00+08:00"), Ok(t0));
        assert_eq!(parse_occurred_at("2025-01-01T00:00:00Z"), Ok(t0));
        assert_eq!(parse_occurred_at("2025-01-01T00:00:00.250Z"), Ok(t0 + 250));
        assert_eq!(parse_occurred_at("2024-12-31T19:00:00-05:00"), Ok(t0));
        assert_eq!(parse_occurred_at("2025/1/1 8:00"), Ok(t0));
        assert_eq!(parse_occurred_at("2025-01-01"), Ok(t0 - SHANGHAI_OFFSET_MS));
        assert_eq!(parse_occurred_at("1735689600000"), Ok(t0));
        assert_eq!(parse_unix_seconds("1735689600"), Ok(t0));
        assert_eq!(parse_unix_seconds("2025-01-01 08:00:00"), Ok(t0));
        assert!(parse_occurred_at("2024-02-29 00:00:00").is_ok());
        for bad in [
            "2025-02-29 00:00:00",
            "2025-13-01",
            "2025-01-01 24:00:00",
            "2025-01-01 08:00:00 CST",
            "yesterday",
            "",
            "2025-01-01T",
        ] {
            assert!(parse_occurred_at(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn excel_serials_become_wall_clock_text() {
        assert_eq!(excel_serial_to_text(45658.0), "2025-01-01 00:00:00");
        assert_eq!(excel_serial_to_text(45658.5), "2025-01-01 12:00:00");
        assert_eq!(excel_serial_to_text(61.0), "1900-03-01 00:00:00");
        assert_eq!(number_to_text(13_800_138_000.0), "13800138000");
        assert_eq!(number_to_text(12.34), "12.34");
    }

    #[test]
    fn fnv_is_stable() {
        assert_eq!(fnv1a64(&[b""]), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(&[b"a"]), 0xaf63_dc4c_8601_ec8c);
    }
}
