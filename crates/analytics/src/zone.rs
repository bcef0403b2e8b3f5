//! Time zones the tenant's days are bucketed in: the domain's ([`quanzi_domain::zone`]).

pub use quanzi_domain::date::{civil_from_days, days_from_civil, format_date, parse_date};
pub use quanzi_domain::zone::{offset_secs, tenant_offset_secs};
