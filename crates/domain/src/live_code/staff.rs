//! Staff codes (渠道活码): one contact QR spread over several staff, round-robin within each
//! one's hours and daily limit, with a backup when nobody is free.

use serde::{Deserialize, Serialize};

use crate::error::Invalid;
use crate::text;

/// Staff a code may spread over at most.
pub const MAX_STAFF: usize = 100;

/// One staff member behind a staff code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffSlot {
    /// The staff member's WeCom userid.
    pub userid: String,
    /// New contacts a day at most; none means no limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub daily_limit: Option<i64>,
    /// First hour of the day (0–23, tenant time) they take contacts; none means all day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_hour: Option<u8>,
    /// The hour (1–24) they stop.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_hour: Option<u8>,
}

impl StaffSlot {
    /// Checks the slot's values.
    pub fn check(&self, e: &mut Invalid, at: usize) {
        let field = |f: &str| format!("staff[{at}].{f}");
        text::key(e, &field("userid"), &self.userid, 64);
        if self
            .daily_limit
            .is_some_and(|l| !(1..=100_000).contains(&l))
        {
            e.push(field("daily_limit"), "must be between 1 and 100000");
        }
        match (self.from_hour, self.to_hour) {
            (None, None) => {}
            (Some(f), Some(t)) if f < 24 && t <= 24 && f < t => {}
            _ => e.push(
                field("from_hour"),
                "from_hour and to_hour go together, 0 ≤ from_hour < to_hour ≤ 24",
            ),
        }
    }

    fn on_duty(&self, hour: u8) -> bool {
        match (self.from_hour, self.to_hour) {
            (Some(f), Some(t)) => (f..t).contains(&hour),
            _ => true,
        }
    }
}

/// Who takes the next contact: among the staff on duty at `hour` and under their daily
/// limit, the one who took fewest today (`served[i]` for `slots[i]`), the first in order on a
/// tie; else the backup; `None` when there is neither.
pub fn pick<'a>(
    slots: &'a [StaffSlot],
    served: &[i64],
    hour: u8,
    backup: Option<&'a str>,
) -> Option<&'a str> {
    slots
        .iter()
        .zip(served.iter().copied().chain(std::iter::repeat(0)))
        .filter(|(s, n)| s.on_duty(hour) && s.daily_limit.is_none_or(|l| *n < l))
        .min_by_key(|(_, n)| *n)
        .map(|(s, _)| s.userid.as_str())
        .or(backup)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot(id: &str, limit: Option<i64>, hours: Option<(u8, u8)>) -> StaffSlot {
        StaffSlot {
            userid: id.into(),
            daily_limit: limit,
            from_hour: hours.map(|h| h.0),
            to_hour: hours.map(|h| h.1),
        }
    }

    #[test]
    fn contacts_go_round_robin_to_whoever_took_fewest() {
        let s = [slot("a", None, None), slot("b", None, None)];
        assert_eq!(pick(&s, &[0, 0], 10, None), Some("a"));
        assert_eq!(pick(&s, &[1, 0], 10, None), Some("b"));
        assert_eq!(pick(&s, &[1, 1], 10, None), Some("a"));
    }

    #[test]
    fn a_full_or_off_duty_staff_is_skipped_and_the_backup_takes_the_rest() {
        let s = [slot("a", Some(2), None), slot("b", None, Some((9, 18)))];
        assert_eq!(pick(&s, &[2, 5], 10, Some("z")), Some("b"));
        assert_eq!(pick(&s, &[2, 0], 20, Some("z")), Some("z"));
        assert_eq!(pick(&s, &[2, 0], 20, None), None);
    }

    #[test]
    fn bad_slots_name_their_field() {
        let mut e = Invalid::default();
        slot("a b", Some(0), Some((20, 8))).check(&mut e, 1);
        let fields: Vec<_> = e.0.iter().map(|f| f.field.clone()).collect();
        assert!(
            fields.contains(&"staff[1].userid".to_string()),
            "{fields:?}"
        );
        assert!(fields.contains(&"staff[1].daily_limit".to_string()));
        assert!(fields.contains(&"staff[1].from_hour".to_string()));
    }
}
