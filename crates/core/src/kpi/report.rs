//! The report types the dashboard and the API show: cards, series, and the overview, groups,
//! retention, funnel, products and store-visit reports.

use serde::Serialize;

/// A KPI with its value over the previous period of the same length.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Card {
    /// Stable key: members, joins, leaves, net_growth, dau, wau, mau, stickiness, active_rate,
    /// dead_groups, lurkers, gmv_fen, orders, buyers, conversion_rate, average_order_fen,
    /// repurchase_rate.
    pub key: &'static str,
    /// This period.
    pub value: f64,
    /// The period before.
    pub previous: f64,
    /// Relative change, absent when the previous value is 0.
    pub change: Option<f64>,
}

/// The date range a report covers.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Range {
    /// First day, YYYY-MM-DD.
    pub from: String,
    /// Last day, inclusive.
    pub to: String,
}

/// Day-by-day figures.
#[derive(Debug, Clone, Serialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DailySeries {
    /// Days, YYYY-MM-DD.
    pub days: Vec<String>,
    /// Daily active members.
    pub dau: Vec<u32>,
    /// Active members over the 7 days ending that day.
    pub wau: Vec<u32>,
    /// Active members over the 30 days ending that day.
    pub mau: Vec<u32>,
    /// Joins.
    pub joins: Vec<u32>,
    /// Leaves.
    pub leaves: Vec<u32>,
    /// Orders.
    pub orders: Vec<u32>,
    /// GMV, fen.
    pub gmv_fen: Vec<i64>,
}

/// The overview: KPI cards and the daily series.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Overview {
    /// The range.
    pub range: Range,
    /// The cards, in display order.
    pub cards: Vec<Card>,
    /// Day by day.
    pub series: DailySeries,
}

/// One group's activity and sales over the range.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GroupKpi {
    /// Group id.
    pub group_id: i64,
    /// Name.
    pub name: String,
    /// Members at the end of the range (joins minus leaves seen in events).
    pub members: u32,
    /// Members active in the range.
    pub active_members: u32,
    /// Active members over members.
    pub active_rate: f64,
    /// Average daily active members.
    pub avg_dau: f64,
    /// Messages in the range.
    pub messages: u64,
    /// GMV, fen.
    pub gmv_fen: i64,
    /// Orders.
    pub orders: u32,
    /// Buyers.
    pub buyers: u32,
    /// Buyers with two orders or more over buyers.
    pub repurchase_rate: f64,
    /// Members with no message or reaction in the last `lurker_days`.
    pub lurkers: u32,
    /// No message in the last `dead_days` of the range.
    pub dead: bool,
    /// Last day anyone wrote, YYYY-MM-DD.
    pub last_message: Option<String>,
}

/// The groups table.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GroupsReport {
    /// The range.
    pub range: Range,
    /// Dead-group threshold used, days.
    pub dead_days: i32,
    /// Lurker threshold used, days.
    pub lurker_days: i32,
    /// One row per group (with events or not), most active first.
    pub groups: Vec<GroupKpi>,
}

/// One cohort of the retention matrix.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CohortRow {
    /// First day of the cohort, YYYY-MM-DD.
    pub start: String,
    /// Members who joined in it.
    pub size: u32,
    /// Active members in each period after joining (period 0 is the joining period).
    pub active: Vec<u32>,
    /// `active` over `size`.
    pub rates: Vec<f64>,
    /// Average cumulative GMV per member by the end of each period, fen.
    pub value_per_member_fen: Vec<f64>,
    /// True when the last period listed had not ended by the end of the range: its figures
    /// cover only the days lived so far (shown as partial, never as a drop).
    pub last_partial: bool,
}

/// Retention cohorts and lifetime value.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RetentionReport {
    /// The range.
    pub range: Range,
    /// `week` (7 days) or `month` (30 days).
    pub period: &'static str,
    /// Cohorts, oldest first.
    pub cohorts: Vec<CohortRow>,
}

/// One funnel stage.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Stage {
    /// attracted, joined, active, ordered, repurchased or referred.
    pub key: &'static str,
    /// Members at this stage.
    pub members: u32,
    /// Over the stage before.
    pub rate_from_previous: f64,
    /// Over the first stage.
    pub rate_from_top: f64,
}

/// The funnel.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FunnelReport {
    /// The range.
    pub range: Range,
    /// Stages in order.
    pub stages: Vec<Stage>,
}

/// A product's sales.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductRow {
    /// Rank by revenue (1 = best).
    pub rank: usize,
    /// Product id or SKU.
    pub product: String,
    /// Revenue, fen.
    pub revenue_fen: i64,
    /// Share of all revenue.
    pub share: f64,
    /// Share of revenue of this product and every one ranked above it.
    pub cumulative_share: f64,
    /// Orders.
    pub orders: u32,
    /// Buyers.
    pub buyers: u32,
    /// Buyers who bought it twice or more.
    pub repeat_buyers: u32,
    /// The median days between one member's purchases of it on different days, if anyone
    /// bought it on two days in the range.
    pub repurchase_interval_days: Option<u32>,
    /// high (bought again within the shop's repurchase horizon, `typical_interval_days`), low
    /// (later, or too rarely to tell its interval) or unknown (under 5 buyers).
    pub repurchase_class: &'static str,
    /// What to do with it.
    pub hint: &'static str,
}

/// Revenue share of the top fraction of products.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConcentrationRow {
    /// Fraction of products, e.g. 0.02.
    pub fraction: f64,
    /// How many products that is.
    pub products: usize,
    /// Their share of revenue.
    pub share: f64,
}

/// Products, their concentration (2:80) and repurchase classes.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductsReport {
    /// The range.
    pub range: Range,
    /// Products with revenue.
    pub products: usize,
    /// The shop's repurchase horizon, days: the interval within which 90% of its repurchases
    /// happen (each product's median interval weighted by its repurchases; products with at
    /// least 3 repurchases on another day). Products bought again within it are classed high.
    pub typical_interval_days: Option<u32>,
    /// All revenue, fen.
    pub revenue_fen: i64,
    /// Top 1%, 2% and 20%.
    pub concentration: Vec<ConcentrationRow>,
    /// The best products (at most `limit`).
    pub rows: Vec<ProductRow>,
}

/// Members bucketed by store visits, with their activity (店+社群).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VisitRow {
    /// Bucket label: 0, 1, 2-3, 4-7, 8+.
    pub visits: String,
    /// Members in it.
    pub members: u32,
    /// Messages and reactions per member.
    pub messages_per_member: f64,
    /// Orders per member.
    pub orders_per_member: f64,
    /// GMV per member, fen.
    pub gmv_per_member_fen: f64,
}

/// Store visits beside community activity.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VisitsReport {
    /// The range.
    pub range: Range,
    /// Buckets by visits in the range.
    pub buckets: Vec<VisitRow>,
}
