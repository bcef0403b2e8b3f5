//! `/api/v1/kpi`: community KPIs from the analytics index — overview, groups, retention,
//! funnel, products, store visits — and the index's own state (stats, rebuild).

use axum::Json;
use axum::extract::State;
use quanzi_core::kpi::{
    self, FunnelReport, GroupsReport, IndexStats, KpiQuery, Overview, Params, ProductsReport,
    RetentionReport, VisitsReport,
};
use quanzi_domain::TenantId;
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, AppQuery, ErrorBody, int_param};

/// The range, groups and segment every KPI takes.
#[derive(Debug, Default, Clone, Deserialize, Serialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct KpiParams {
    /// First day, YYYY-MM-DD in the tenant's time zone (default: 29 days before `to`).
    #[param(schema_with = super::params::date)]
    pub from: Option<String>,
    /// Last day, inclusive (default: today).
    #[param(schema_with = super::params::date)]
    pub to: Option<String>,
    /// Group ids separated by commas (default: all groups).
    #[param(schema_with = super::params::id_list)]
    pub groups: Option<String>,
    /// Segment: members with this tag.
    #[param(schema_with = super::params::id)]
    pub tag_id: Option<String>,
    /// Segment: lifecycle stage.
    #[param(schema_with = super::params::lifecycle_stage)]
    pub lifecycle_stage: Option<String>,
    /// Segment: spending tier.
    #[param(schema_with = super::params::spending_tier)]
    pub spending_tier: Option<String>,
    /// Segment: source channel.
    pub source_channel: Option<String>,
    /// Days without a message that make a group dead, 1-365 (default 14).
    #[param(schema_with = super::params::threshold_days)]
    pub dead_days: Option<String>,
    /// Days without a message or reaction that make a member a lurker, 1-365 (default 14).
    #[param(schema_with = super::params::threshold_days)]
    pub lurker_days: Option<String>,
    /// Retention only: `week` (default) or `month` (30-day periods).
    #[param(schema_with = super::params::period)]
    pub period: Option<String>,
    /// Products only: rows to return, 1-1000 (default 100).
    #[param(schema_with = super::params::products_limit)]
    pub limit: Option<String>,
}

impl KpiParams {
    /// Validates every parameter against the tenant's current day and stored groups and tags.
    pub async fn resolve(&self, s: &AppState, t: TenantId) -> Result<Params, ApiError> {
        // Every report takes the same parameters, so each is checked whichever report reads it.
        self.monthly()?;
        self.limit()?;
        let q = KpiQuery {
            from: self.from.clone(),
            to: self.to.clone(),
            groups: self.groups.clone(),
            tag_id: int_param(&self.tag_id, "tag_id")?,
            lifecycle_stage: self.lifecycle_stage.clone(),
            spending_tier: self.spending_tier.clone(),
            source_channel: self.source_channel.clone(),
            dead_days: int_param(&self.dead_days, "dead_days")?,
            lurker_days: int_param(&self.lurker_days, "lurker_days")?,
        };
        Ok(kpi::resolve(&s.db, t, &q).await?)
    }

    /// `period=month` (else weeks); anything but week or month is refused.
    pub fn monthly(&self) -> Result<bool, ApiError> {
        match self.period.as_deref().map(str::trim) {
            None | Some("") | Some("week") => Ok(false),
            Some("month") => Ok(true),
            Some(_) => Err(ApiError::field("period", "must be week or month")),
        }
    }

    /// The products `limit`, 1-1000 (default 100).
    pub fn limit(&self) -> Result<usize, ApiError> {
        match int_param(&self.limit, "limit")? {
            None => Ok(100),
            Some(n) if (1..=1000).contains(&n) => Ok(n as usize),
            Some(_) => Err(ApiError::field("limit", "must be between 1 and 1000")),
        }
    }
}

/// KPI cards (with the previous period) and the daily DAU/WAU/MAU, joins, leaves and GMV.
#[utoipa::path(get, path = "/api/v1/kpi/overview", tag = "kpi", params(KpiParams),
    responses((status = 200, body = Overview), (status = 422, body = ErrorBody)))]
pub async fn overview(
    State(s): State<AppState>,
    c: Caller,
    AppQuery(q): AppQuery<KpiParams>,
) -> Result<Json<Overview>, ApiError> {
    let p = q.resolve(&s, c.tenant).await?;
    Ok(Json(
        kpi::overview(&s.analytics, &s.db, c.tenant, &p).await?,
    ))
}

/// Every group's size, activity, sales, lurkers and dead flag.
#[utoipa::path(get, path = "/api/v1/kpi/groups", tag = "kpi", params(KpiParams),
    responses((status = 200, body = GroupsReport), (status = 422, body = ErrorBody)))]
pub async fn groups(
    State(s): State<AppState>,
    c: Caller,
    AppQuery(q): AppQuery<KpiParams>,
) -> Result<Json<GroupsReport>, ApiError> {
    let p = q.resolve(&s, c.tenant).await?;
    Ok(Json(kpi::groups(&s.analytics, &s.db, c.tenant, &p).await?))
}

/// Retention cohorts by join week or month, with lifetime value per member.
#[utoipa::path(get, path = "/api/v1/kpi/retention", tag = "kpi", params(KpiParams),
    responses((status = 200, body = RetentionReport), (status = 422, body = ErrorBody)))]
pub async fn retention(
    State(s): State<AppState>,
    c: Caller,
    AppQuery(q): AppQuery<KpiParams>,
) -> Result<Json<RetentionReport>, ApiError> {
    let monthly = q.monthly()?;
    let p = q.resolve(&s, c.tenant).await?;
    Ok(Json(
        kpi::retention(&s.analytics, &s.db, c.tenant, &p, monthly).await?,
    ))
}

/// The funnel attracted → joined → active → ordered → repurchased → referred.
#[utoipa::path(get, path = "/api/v1/kpi/funnel", tag = "kpi", params(KpiParams),
    responses((status = 200, body = FunnelReport), (status = 422, body = ErrorBody)))]
pub async fn funnel(
    State(s): State<AppState>,
    c: Caller,
    AppQuery(q): AppQuery<KpiParams>,
) -> Result<Json<FunnelReport>, ApiError> {
    let p = q.resolve(&s, c.tenant).await?;
    Ok(Json(kpi::funnel(&s.analytics, &s.db, c.tenant, &p).await?))
}

/// Products by revenue, their concentration (top 1%, 2%, 20%) and repurchase class.
#[utoipa::path(get, path = "/api/v1/kpi/products", tag = "kpi", params(KpiParams),
    responses((status = 200, body = ProductsReport), (status = 422, body = ErrorBody)))]
pub async fn products(
    State(s): State<AppState>,
    c: Caller,
    AppQuery(q): AppQuery<KpiParams>,
) -> Result<Json<ProductsReport>, ApiError> {
    let limit = q.limit()?;
    let p = q.resolve(&s, c.tenant).await?;
    Ok(Json(
        kpi::products(&s.analytics, &s.db, c.tenant, &p, limit).await?,
    ))
}

/// Store visits per member beside their community activity (店+社群).
#[utoipa::path(get, path = "/api/v1/kpi/visits", tag = "kpi", params(KpiParams),
    responses((status = 200, body = VisitsReport), (status = 422, body = ErrorBody)))]
pub async fn visits(
    State(s): State<AppState>,
    c: Caller,
    AppQuery(q): AppQuery<KpiParams>,
) -> Result<Json<VisitsReport>, ApiError> {
    let p = q.resolve(&s, c.tenant).await?;
    Ok(Json(kpi::visits(&s.analytics, &s.db, c.tenant, &p).await?))
}

/// The analytics index of the tenant: size, memory, last event taken in.
#[utoipa::path(get, path = "/api/v1/kpi/index", tag = "kpi",
    responses((status = 200, body = IndexStats)))]
pub async fn index(State(s): State<AppState>, c: Caller) -> Result<Json<IndexStats>, ApiError> {
    let e = s.analytics.fresh(&s.db, c.tenant).await?;
    Ok(Json(e.stats()))
}

/// Rebuilds the tenant's analytics index from the store (it is a cache of it).
#[utoipa::path(post, path = "/api/v1/kpi/index/rebuild", tag = "kpi",
    responses((status = 200, body = IndexStats), (status = 403, body = ErrorBody)))]
pub async fn rebuild(State(s): State<AppState>, c: Caller) -> Result<Json<IndexStats>, ApiError> {
    let t = c.write()?;
    Ok(Json(s.analytics.rebuild(&s.db, t).await?))
}

/// Routes of this module, each with its OpenAPI path.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        .routes(routes!(overview))
        .routes(routes!(groups))
        .routes(routes!(retention))
        .routes(routes!(funnel))
        .routes(routes!(products))
        .routes(routes!(visits))
        .routes(routes!(index))
        .routes(routes!(rebuild))
}
