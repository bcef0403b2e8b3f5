//! Time zones the tenant's days are bucketed in: fixed offsets, no daylight saving rules.

/// Seconds east of UTC for a zone name: the IANA names of zones without daylight saving that
/// Quanzi's merchants use (Asia/Shanghai and its neighbours), `UTC`, or an offset such as
/// `+08:00` / `UTC+8`. `None` for anything else.
pub fn offset_secs(name: &str) -> Option<i64> {
    let n = name.trim();
    let hours = match n {
        "UTC" | "Etc/UTC" | "GMT" | "Z" => Some(0),
        "Asia/Shanghai" | "Asia/Chongqing" | "Asia/Harbin" | "PRC" | "Asia/Hong_Kong"
        | "Asia/Macau" | "Asia/Taipei" | "Asia/Singapore" | "Asia/Kuala_Lumpur" | "Asia/Manila" => {
            Some(8)
        }
        "Asia/Tokyo" | "Asia/Seoul" => Some(9),
        "Asia/Bangkok" | "Asia/Ho_Chi_Minh" | "Asia/Jakarta" => Some(7),
        _ => None,
    };
    if let Some(h) = hours {
        return Some(h * 3600);
    }
    let rest = n
        .strip_prefix("UTC")
        .or_else(|| n.strip_prefix("GMT"))
        .unwrap_or(n);
    let (sign, rest) = match rest.as_bytes().first() {
        Some(b'+') => (1, &rest[1..]),
        Some(b'-') => (-1, &rest[1..]),
        _ => return None,
    };
    let (h, m) = match rest.split_once(':') {
        Some((h, m)) => (h.parse::<i64>().ok()?, m.parse::<i64>().ok()?),
        None => (rest.parse::<i64>().ok()?, 0),
    };
    (h <= 14 && m < 60).then_some(sign * (h * 3600 + m * 60))
}

#[cfg(test)]
mod tests {
    use super::offset_secs;

    #[test]
    fn names_and_offsets() {
        assert_eq!(offset_secs("Asia/Shanghai"), Some(28_800));
        assert_eq!(offset_secs("UTC"), Some(0));
        assert_eq!(offset_secs("+05:30"), Some(19_800));
        assert_eq!(offset_secs("UTC-3"), Some(-10_800));
        assert_eq!(offset_secs("Europe/Paris"), None);
        assert_eq!(offset_secs("+99"), None);
    }
}

/// Days since 1970-01-01 of a civil date (proleptic Gregorian; Howard Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date (year, month, day) of a day number since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

/// Parses `YYYY-MM-DD` into a day number since 1970-01-01; `None` unless it is a real date.
pub fn parse_date(s: &str) -> Option<i64> {
    let mut it = s.trim().splitn(3, '-');
    let y: i64 = it.next()?.parse().ok()?;
    let m: u32 = it.next()?.parse().ok()?;
    let d: u32 = it.next()?.parse().ok()?;
    if !(1970..=2135).contains(&y) || !(1..=12).contains(&m) || d == 0 || d > 31 {
        return None;
    }
    let day = days_from_civil(y, m, d);
    (civil_from_days(day) == (y, m, d)).then_some(day)
}

/// `YYYY-MM-DD` of a day number since 1970-01-01.
pub fn format_date(day: i64) -> String {
    let (y, m, d) = civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod date_tests {
    use super::*;

    #[test]
    fn dates_round_trip_and_bad_dates_are_refused() {
        assert_eq!(parse_date("2025-01-01"), Some(20_089));
        assert_eq!(format_date(20_089), "2025-01-01");
        assert_eq!(
            parse_date("2024-02-29").map(format_date).as_deref(),
            Some("2024-02-29")
        );
        assert_eq!(parse_date("2025-02-29"), None);
        assert_eq!(parse_date("2025-13-01"), None);
        assert_eq!(parse_date("yesterday"), None);
        for day in [0, 10_957, 20_089, 60_000] {
            assert_eq!(parse_date(&format_date(day)), Some(day));
        }
    }
}
