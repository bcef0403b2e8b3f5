//! The tenant's time zone, read once per question: the offset every day on a page, a KPI or
//! an export is bucketed by ([`quanzi_domain::zone`]).

use quanzi_domain::TenantId;
use quanzi_domain::zone::{DEFAULT_OFFSET_SECS, tenant_offset_secs};
use quanzi_store::{Db, tenant};

use crate::Result;

/// Seconds east of UTC of the tenant's zone.
pub async fn offset_secs(db: &Db, t: TenantId) -> Result<i64> {
    Ok(tenant::get(db, t)
        .await?
        .map_or(DEFAULT_OFFSET_SECS, |x| tenant_offset_secs(&x.time_zone)))
}

/// The tenant's current day, from the clock.
pub async fn today(db: &Db, t: TenantId) -> Result<i64> {
    let tz = offset_secs(db, t).await?;
    Ok(quanzi_domain::zone::day_of(quanzi_store::now_ms(), tz))
}
