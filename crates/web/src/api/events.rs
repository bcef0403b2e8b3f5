//! `/api/v1/events` (idempotent batches) and `/api/v1/event-kinds`.

use axum::Json;
use axum::extract::{DefaultBodyLimit, State};
use quanzi_core::events::{self, IngestReport};
use quanzi_core::read::event::EventFilter;
use quanzi_domain::event::EventInput;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use super::members::EventPage;
use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, AppJson, AppQuery, ErrorBody, id_param, int_param};

/// A batch of events.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventBatch {
    /// 1 to 10,000 events; each with an idempotency key unique per tenant.
    pub events: Vec<EventInput>,
}

/// Store a batch of events. Every item is validated before any is written; a bad batch
/// answers 422 with each bad item's index, field and reason. Keys already stored are skipped,
/// so a retried batch is stored once.
#[utoipa::path(post, path = "/api/v1/events", tag = "events", request_body = EventBatch,
    responses((status = 200, body = IngestReport), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn ingest(
    State(s): State<AppState>,
    c: Caller,
    AppJson(b): AppJson<EventBatch>,
) -> Result<Json<IngestReport>, ApiError> {
    let t = c.write()?;
    let report = events::ingest(&s.db, t, b.events).await?;
    if report.stored > 0 {
        s.analytics.appended(&s.db, t);
    }
    Ok(Json(report))
}

/// Filters and paging of the event list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventQuery {
    /// Only this member's.
    #[param(schema_with = super::params::id)]
    pub member_id: Option<String>,
    /// Only this group's.
    #[param(schema_with = super::params::id)]
    pub group_id: Option<String>,
    /// Only this kind.
    pub kind: Option<String>,
    /// Page size, 1-200 (default 50).
    #[param(schema_with = super::params::page_limit)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    #[param(schema_with = super::params::cursor)]
    pub cursor: Option<String>,
}

/// List events, newest first.
#[utoipa::path(get, path = "/api/v1/events", tag = "events", params(EventQuery),
    responses((status = 200, body = EventPage), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(s): State<AppState>,
    c: Caller,
    AppQuery(q): AppQuery<EventQuery>,
) -> Result<Json<EventPage>, ApiError> {
    let f = EventFilter {
        member_id: id_param(&q.member_id, "member_id")?.map(quanzi_domain::MemberId),
        group_id: id_param(&q.group_id, "group_id")?.map(quanzi_domain::GroupId),
        kind: q.kind.filter(|k| !k.is_empty()),
        limit: quanzi_core::page_limit(int_param(&q.limit, "limit")?)?,
        ..Default::default()
    };
    let p = events::list(&s.db, c.tenant, f, q.cursor.as_deref()).await?;
    Ok(Json(EventPage {
        items: p.items,
        next_cursor: p.next_cursor,
    }))
}

/// A custom event kind.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KindInput {
    /// 1-32 lowercase letters, digits or _, starting with a letter; not a built-in kind.
    pub name: String,
}

/// The tenant's event kinds, built-in first.
#[utoipa::path(get, path = "/api/v1/event-kinds", tag = "events", responses((status = 200, body = Vec<String>)))]
pub async fn kinds(State(s): State<AppState>, c: Caller) -> Result<Json<Vec<String>>, ApiError> {
    Ok(Json(events::kinds(&s.db, c.tenant).await?))
}

/// Add a custom event kind.
#[utoipa::path(post, path = "/api/v1/event-kinds", tag = "events", request_body = KindInput,
    responses((status = 200, body = KindInput), (status = 422, body = ErrorBody)))]
pub async fn define_kind(
    State(s): State<AppState>,
    c: Caller,
    AppJson(i): AppJson<KindInput>,
) -> Result<Json<KindInput>, ApiError> {
    Ok(Json(KindInput {
        name: events::define_kind(&s.db, c.write()?, &i.name).await?,
    }))
}

/// Routes of this module, each with its OpenAPI path; event batches may be up to 32 MiB.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        .routes(routes!(list, ingest).layer(DefaultBodyLimit::max(32 * 1024 * 1024)))
        .routes(routes!(kinds, define_kind))
}
