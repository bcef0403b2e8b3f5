//! Time zones the tenant's days are bucketed in: fixed offsets, no daylight saving rules.

pub use quanzi_domain::date::{civil_from_days, days_from_civil, format_date, parse_date};

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
