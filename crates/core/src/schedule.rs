//! Cron expressions of recurring jobs: validated with `croner`, evaluated in the tenant's
//! time zone (a fixed offset; Asia/Shanghai by default).

use chrono::{FixedOffset, TimeZone};
use croner::Cron;

/// China Standard Time, east of UTC.
const SHANGHAI_SECS: i32 = 8 * 3_600;

/// Parses a five-field cron expression (`minute hour day month weekday`).
pub fn parse(expr: &str) -> Result<Cron, String> {
    expr.trim()
        .parse::<Cron>()
        .map_err(|e| format!("not a cron expression: {e}"))
}

/// The first time strictly after `now_ms` that `expr` matches, in Asia/Shanghai, unix ms.
pub fn next_after(expr: &str, now_ms: i64) -> Option<i64> {
    next_after_in(expr, now_ms, SHANGHAI_SECS)
}

/// Like [`next_after`] at `offset_secs` east of UTC.
pub fn next_after_in(expr: &str, now_ms: i64, offset_secs: i32) -> Option<i64> {
    let cron = parse(expr).ok()?;
    let zone = FixedOffset::east_opt(offset_secs)?;
    let now = zone.timestamp_millis_opt(now_ms).single()?;
    cron.find_next_occurrence(&now, false)
        .ok()
        .map(|t| t.timestamp_millis())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nightly_at_three_runs_at_three_in_shanghai() {
        // 2026-11-23 12:00 UTC = 20:00 in Shanghai; the next 03:00 there is 2026-11-23 19:00 UTC.
        let now = 1_795_435_200_000;
        let next = next_after("0 3 * * *", now).unwrap();
        assert_eq!(next, 1_795_460_400_000);
    }

    #[test]
    fn a_bad_expression_is_refused() {
        assert!(parse("every night").is_err());
        assert!(next_after("61 * * * *", 0).is_none());
    }
}
