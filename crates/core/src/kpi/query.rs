//! Query and parameter validation: what a report is asked over ([`KpiQuery`]), its validated
//! form ([`Params`]) and [`resolve`], which checks it against the tenant.

use quanzi_analytics::zone;
use quanzi_domain::{Invalid, TenantId};
use quanzi_store::member::MemberFilter;
use quanzi_store::{Db, group};

use crate::{CoreError, Result};

/// What a report is asked over, as an operator or API client states it.
#[derive(Debug, Clone, Default)]
pub struct KpiQuery {
    /// First day, `YYYY-MM-DD` in the tenant's zone (default: 29 days before `to`).
    pub from: Option<String>,
    /// Last day, inclusive (default: today).
    pub to: Option<String>,
    /// Group ids, comma-separated (default: every group).
    pub groups: Option<String>,
    /// Segment: members carrying this tag.
    pub tag_id: Option<i64>,
    /// Segment: members in this lifecycle stage.
    pub lifecycle_stage: Option<String>,
    /// Segment: members in this spending tier.
    pub spending_tier: Option<String>,
    /// Segment: members from this source channel.
    pub source_channel: Option<String>,
    /// Days without a message that make a group dead (default 14).
    pub dead_days: Option<i64>,
    /// Days without a message or reaction that make a member a lurker (default 14).
    pub lurker_days: Option<i64>,
}

/// A validated [`KpiQuery`].
#[derive(Debug, Clone)]
pub struct Params {
    /// First day (days since 1970, tenant zone).
    pub from_day: i64,
    /// Last day, inclusive.
    pub to_day: i64,
    /// Groups to keep (store ids), if restricted.
    pub groups: Option<Vec<i64>>,
    /// The segment, if any.
    pub segment: Option<MemberFilter>,
    /// Dead-group threshold, days.
    pub dead_days: i32,
    /// Lurker threshold, days.
    pub lurker_days: i32,
}

/// Validates `q` against the tenant's current day and refuses group and tag ids the tenant
/// does not have, as the influence runs do: a misspelt id must not answer an empty report.
pub async fn resolve(db: &Db, t: TenantId, q: &KpiQuery) -> Result<Params> {
    let p = q.validate(crate::zone::today(db, t).await?)?;
    let mut bad = Invalid::default();
    if let Some(ids) = &p.groups {
        let known = group::existing(db, t, ids).await?;
        let missing: Vec<String> = ids
            .iter()
            .filter(|g| !known.contains(g))
            .map(i64::to_string)
            .collect();
        if !missing.is_empty() {
            bad.push("groups", format!("no such groups: {}", missing.join(", ")));
        }
    }
    if let Some(tag) = p.segment.as_ref().and_then(|s| s.tag_id)
        && quanzi_store::tag::get(db, t, tag).await?.is_none()
    {
        bad.push("tag_id", "no such tag");
    }
    if bad.is_empty() {
        Ok(p)
    } else {
        Err(CoreError::Invalid(bad))
    }
}

/// The longest range a report covers, days.
pub const MAX_RANGE_DAYS: i64 = 3 * 366;

impl KpiQuery {
    /// Checks every field; errors name the field. `today` is the tenant's current day.
    pub fn validate(&self, today: i64) -> Result<Params> {
        let mut inv = Invalid::default();
        let date = |inv: &mut Invalid, v: &Option<String>, field: &str| -> Option<i64> {
            let s = v.as_deref().map(str::trim).filter(|s| !s.is_empty())?;
            let d = zone::parse_date(s);
            if d.is_none() {
                inv.push(field, "must be a date as YYYY-MM-DD");
            }
            d
        };
        let to = date(&mut inv, &self.to, "to").unwrap_or(today);
        let from = date(&mut inv, &self.from, "from").unwrap_or(to - 29);
        if inv.is_empty() {
            if from > to {
                inv.push("from", "must not be after to");
            } else if to - from + 1 > MAX_RANGE_DAYS {
                inv.push(
                    "from",
                    format!("the range may span at most {MAX_RANGE_DAYS} days"),
                );
            }
        }
        let groups = match self
            .groups
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => None,
            Some(s) => {
                let ids: std::result::Result<Vec<i64>, _> =
                    s.split(',').map(|x| x.trim().parse::<i64>()).collect();
                match ids {
                    Ok(ids)
                        if !ids.is_empty() && ids.len() <= 1000 && ids.iter().all(|&i| i > 0) =>
                    {
                        Some(ids)
                    }
                    _ => {
                        inv.push("groups", "must be up to 1000 group ids separated by commas");
                        None
                    }
                }
            }
        };
        let days = |inv: &mut Invalid, v: Option<i64>, field: &str| -> i32 {
            match v {
                None => 14,
                Some(n) if (1..=365).contains(&n) => n as i32,
                Some(_) => {
                    inv.push(field, "must be between 1 and 365");
                    14
                }
            }
        };
        let dead_days = days(&mut inv, self.dead_days, "dead_days");
        let lurker_days = days(&mut inv, self.lurker_days, "lurker_days");
        let text = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let segment = MemberFilter {
            tag_id: self.tag_id.map(quanzi_domain::TagId),
            lifecycle_stage: text(&self.lifecycle_stage),
            spending_tier: text(&self.spending_tier),
            source_channel: text(&self.source_channel),
            ..MemberFilter::default()
        };
        if self.tag_id.is_some_and(|t| t <= 0) {
            inv.push("tag_id", "must be a tag id");
        }
        use quanzi_domain::member::{LifecycleStage, SpendingTier};
        if let Some(v) = &segment.lifecycle_stage
            && LifecycleStage::parse(v).is_none()
        {
            let expected = LifecycleStage::expected();
            inv.push("lifecycle_stage", format!("must be one of: {expected}"));
        }
        if let Some(v) = &segment.spending_tier
            && SpendingTier::parse(v).is_none()
        {
            let expected = SpendingTier::expected();
            inv.push("spending_tier", format!("must be one of: {expected}"));
        }
        let any_segment = segment.tag_id.is_some()
            || segment.lifecycle_stage.is_some()
            || segment.spending_tier.is_some()
            || segment.source_channel.is_some();
        if !inv.is_empty() {
            return Err(CoreError::Invalid(inv));
        }
        Ok(Params {
            from_day: from,
            to_day: to,
            groups,
            segment: any_segment.then_some(segment),
            dead_days,
            lurker_days,
        })
    }
}
