//! Time in the demo: China local days (UTC+8), weekdays, the shopping calendar and the
//! rhythm of a day.

use super::rng::{Rng, Table};
use quanzi_domain::date::{civil_from_days, days_from_civil};

/// A day in ms.
pub const DAY: i64 = 24 * 3600 * 1000;
/// An hour in ms.
pub const HOUR: i64 = 3600 * 1000;
/// A minute in ms.
pub const MINUTE: i64 = 60 * 1000;
/// China Standard Time offset (the tenant's time zone, Asia/Shanghai, has no DST).
const CST: i64 = 8 * HOUR;

/// Local midnight (UTC+8) at or before `ms`.
pub fn local_midnight(ms: i64) -> i64 {
    (ms + CST).div_euclid(DAY) * DAY - CST
}

/// Day of week of the local day containing `ms`: 0 = Monday … 6 = Sunday.
pub fn weekday(ms: i64) -> i64 {
    // 1970-01-01 was a Thursday (3 when Monday is 0).
    ((ms + CST).div_euclid(DAY) + 3).rem_euclid(7)
}

/// True on Saturday and Sunday.
pub fn is_weekend(ms: i64) -> bool {
    weekday(ms) >= 5
}

/// The civil date (year, month, day) of the local day containing `ms`.
pub fn ymd(ms: i64) -> (i64, i64, i64) {
    let (y, m, d) = civil_from_days((ms + CST).div_euclid(DAY));
    (y, i64::from(m), i64::from(d))
}

fn year_of(ms: i64) -> i64 {
    ymd(ms).0
}

/// Local midnight of 11 November (双十一) inside `[start, end)`, if one is.
pub fn double_eleven_in(start: i64, end: i64) -> Option<i64> {
    let y0 = year_of(start);
    (y0..=year_of(end)).find_map(|y| {
        let t = days_from_civil(y, 11, 11) * DAY - CST;
        (t >= start && t + DAY <= end).then_some(t)
    })
}

/// The demo's window and its special days.
#[derive(Debug, Clone)]
pub struct Calendar {
    /// First local midnight of the window.
    pub start: i64,
    /// End of the window (exclusive), a local midnight.
    pub end: i64,
    /// Number of days.
    pub days: i64,
    /// Midnight of the flash-sale day (about three weeks before the end).
    pub flash_day: i64,
    /// Midnight of the big promotion: 双十一 when inside the window, else 14 days before the end.
    pub big_day: i64,
    /// The big promotion's campaign reference.
    pub big_ref: &'static str,
    hours: Table,
    order_hours: Table,
}

/// Relative activity by local hour: quiet nights, a morning bump, lunch, a strong evening.
const HOUR_WEIGHTS: [f64; 24] = [
    0.6, 0.25, 0.1, 0.05, 0.05, 0.15, 0.6, 1.6, 2.2, 1.8, 1.6, 1.7, 2.2, 1.8, 1.3, 1.2, 1.3, 1.6,
    2.0, 2.8, 3.4, 3.6, 2.9, 1.6,
];
/// When orders are placed: morning shopping for the day, lunch, and the evening peak.
const ORDER_HOUR_WEIGHTS: [f64; 24] = [
    0.3, 0.1, 0.05, 0.02, 0.02, 0.1, 0.5, 1.8, 2.4, 2.0, 1.5, 1.4, 1.6, 1.0, 0.8, 0.8, 1.0, 1.4,
    1.8, 2.4, 3.0, 3.2, 2.2, 0.9,
];

impl Calendar {
    /// The window of `days` local days ending at `end` (a local midnight).
    pub fn new(end: i64, days: i64) -> Self {
        let end = local_midnight(end);
        let days = days.max(7);
        let start = end - days * DAY;
        let flash_day = end - 21.min(days - 2) * DAY;
        let (big_day, big_ref) = match double_eleven_in(start, end) {
            Some(d) if d != flash_day => (d, "double-11"),
            _ => (end - 14.min(days - 1) * DAY, "mega-sale-1"),
        };
        Calendar {
            start,
            end,
            days,
            flash_day,
            big_day,
            big_ref,
            hours: Table::new(&HOUR_WEIGHTS),
            order_hours: Table::new(&ORDER_HOUR_WEIGHTS),
        }
    }

    /// Midnight of day `d` of the window.
    pub fn day(&self, d: i64) -> i64 {
        self.start + d * DAY
    }

    /// The window day index of `ms`.
    pub fn day_index(&self, ms: i64) -> i64 {
        (ms - self.start).div_euclid(DAY)
    }

    /// A moment of the day starting at `midnight`, following the daily rhythm.
    pub fn moment(&self, rng: &mut Rng, midnight: i64) -> i64 {
        let h = self.hours.draw(rng) as i64;
        midnight + h * HOUR + rng.range(0, HOUR)
    }

    /// A moment for an order on the day starting at `midnight`.
    pub fn order_moment(&self, rng: &mut Rng, midnight: i64) -> i64 {
        let h = self.order_hours.draw(rng) as i64;
        midnight + h * HOUR + rng.range(0, HOUR)
    }

    /// Activity multiplier of a day: weekends a little busier, campaign days much busier,
    /// the days before the big promotion warming up.
    pub fn activity_factor(&self, midnight: i64) -> f64 {
        let mut f = if is_weekend(midnight) { 1.15 } else { 1.0 };
        if midnight == self.flash_day || midnight == self.big_day {
            f *= 2.2;
        } else if (1..=3).contains(&((self.big_day - midnight) / DAY)) {
            f *= 1.4;
        }
        f
    }

    /// Order multiplier of a day: weekends bring more orders (family shopping).
    pub fn order_factor(&self, midnight: i64) -> f64 {
        if is_weekend(midnight) { 1.7 } else { 0.85 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_and_weekdays() {
        // 2024-11-11 00:00 +08:00 = 2024-11-10T16:00:00Z.
        let d = days_from_civil(2024, 11, 11) * DAY - CST;
        assert_eq!(d, 1_731_254_400_000);
        assert_eq!(weekday(d), 0); // a Monday
        assert_eq!(year_of(d), 2024);
        assert_eq!(ymd(d), (2024, 11, 11));
        assert_eq!(ymd(d - 11 * DAY), (2024, 10, 31));
        assert_eq!(local_midnight(d + 5 * HOUR), d);
        assert_eq!(double_eleven_in(d - 10 * DAY, d + 10 * DAY), Some(d));
        assert_eq!(double_eleven_in(d + DAY, d + 100 * DAY), None);
    }
}
