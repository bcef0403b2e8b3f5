//! Time zones: the tenant's zone (`tenant.time_zone`) decides which day an event falls on, on
//! every page and in every KPI. Fixed offsets, no daylight-saving rules.

/// The zone of a new tenant, and of any whose stored zone is not understood.
pub const DEFAULT_TIME_ZONE: &str = "Asia/Shanghai";

/// Seconds east of UTC of [`DEFAULT_TIME_ZONE`].
pub const DEFAULT_OFFSET_SECS: i64 = 8 * 3600;

/// Seconds east of UTC of a tenant's stored zone, [`DEFAULT_OFFSET_SECS`] when it is not one
/// [`offset_secs`] understands.
pub fn tenant_offset_secs(time_zone: &str) -> i64 {
    offset_secs(time_zone).unwrap_or(DEFAULT_OFFSET_SECS)
}

/// The day (days since 1970-01-01 in the zone `offset_secs` east of UTC) of unix ms `ms`.
pub fn day_of(ms: i64, offset_secs: i64) -> i64 {
    (ms + offset_secs * 1000).div_euclid(86_400_000)
}

/// The unix ms at which day `day` begins in the zone `offset_secs` east of UTC.
pub fn day_start_ms(day: i64, offset_secs: i64) -> i64 {
    day * 86_400_000 - offset_secs * 1000
}

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
    use super::*;

    #[test]
    fn names_and_offsets() {
        assert_eq!(offset_secs("Asia/Shanghai"), Some(28_800));
        assert_eq!(offset_secs("UTC"), Some(0));
        assert_eq!(offset_secs("+05:30"), Some(19_800));
        assert_eq!(offset_secs("UTC-3"), Some(-10_800));
        assert_eq!(offset_secs("Europe/Paris"), None);
        assert_eq!(offset_secs("+99"), None);
        assert_eq!(tenant_offset_secs("Mars/Base"), DEFAULT_OFFSET_SECS);
    }

    #[test]
    fn a_day_starts_at_local_midnight() {
        let tz = DEFAULT_OFFSET_SECS;
        let day = day_of(1_735_660_800_000, tz); // 2025-01-01 00:00 in Shanghai
        assert_eq!(day_start_ms(day, tz), 1_735_660_800_000);
        assert_eq!(day_of(1_735_660_800_000 - 1, tz), day - 1);
    }
}
