//! Community KPIs: the per-tenant analytics index (built from the store on first use, caught
//! up with new events before every answer, rebuildable at any time) and the reports the
//! dashboard and the API show — overview, groups, retention, funnel, products, store visits.

mod build;
mod dashboard;
mod index;
mod overview;
mod query;
mod report;

/// `YYYY-MM-DD` of a day number since 1970-01-01.
pub use quanzi_analytics::zone::format_date;

pub use build::{funnel, groups, products, retention};
pub use dashboard::{Attention, Dashboard, dashboard};
pub use index::{Analytics, IndexStats, TenantIndex, build_index};
pub use overview::{overview, overview_and_visits, visits};
pub use query::{KpiQuery, MAX_RANGE_DAYS, Params, resolve};
pub use report::{
    Card, CohortRow, ConcentrationRow, DailySeries, FunnelReport, GroupKpi, GroupsReport, Overview,
    ProductRow, ProductsReport, Range, RetentionReport, Stage, VisitRow, VisitsReport,
};
