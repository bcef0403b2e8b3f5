//! Correcting data: `POST /api/v1/events/{id}/void`, `POST /api/v1/members/{id}/erase` and
//! the erasure log `GET /api/v1/member-erasures`.

use axum::Json;
use axum::extract::State;
use quanzi_core::correct;
use quanzi_core::read::correct::EventVoid;
use quanzi_core::read::correct::MemberErasure;
use quanzi_domain::{EventId, MemberId};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{IdPath, PageQuery, page};
use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, AppJson, AppQuery, ErrorBody};

page!(ErasurePage, MemberErasure);

/// Why an event is voided.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VoidInput {
    /// 1-500 characters, kept with the void.
    #[schema(
        min_length = 1,
        max_length = 500,
        pattern = r"^[^\x00-\x08\x0B-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x08\x0B-\x1F\x7F-\x9F]*$"
    )]
    pub reason: String,
}

/// Void a mistaken event (write scope). The event stays stored and listed, marked `void`
/// with who, when and why; every KPI, count and daily total leaves it out from then on.
/// Voiding a voided event answers the first void.
#[utoipa::path(post, path = "/api/v1/events/{id}/void", tag = "events",
    params(("id" = i64, Path, description = "Event id")), request_body = VoidInput,
    responses((status = 200, body = EventVoid), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn void_event(
    State(s): State<AppState>,
    c: Caller,
    IdPath(id): IdPath<EventId>,
    AppJson(i): AppJson<VoidInput>,
) -> Result<Json<EventVoid>, ApiError> {
    let t = c.write()?;
    let v = correct::void_event(&s.db, t, id, &i.reason, c.actor).await?;
    s.analytics.appended(&s.db, t);
    Ok(Json(v))
}

/// Erase a member on request (PIPL; admins only): name, identifiers (external_userid,
/// unionid, phone), profile, tags, custom fields and their events' properties and references
/// are removed; the member id, their events and memberships stay, so totals do not change.
/// Logged (who, when, which id); a repeat answers the first log entry.
#[utoipa::path(post, path = "/api/v1/members/{id}/erase", tag = "members",
    params(("id" = i64, Path, description = "Member id")),
    responses((status = 200, body = MemberErasure), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn erase_member(
    State(s): State<AppState>,
    c: Caller,
    IdPath(id): IdPath<MemberId>,
) -> Result<Json<MemberErasure>, ApiError> {
    let t = c.admin()?;
    Ok(Json(correct::erase_member(&s.db, t, id, c.actor).await?))
}

/// The erasure log, newest first (admins only): who erased which member id, and when.
#[utoipa::path(get, path = "/api/v1/member-erasures", tag = "members", params(PageQuery),
    responses((status = 200, body = ErasurePage), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn erasures(
    State(s): State<AppState>,
    c: Caller,
    AppQuery(q): AppQuery<PageQuery>,
) -> Result<Json<ErasurePage>, ApiError> {
    let t = c.admin()?;
    let (limit, before) = q.args()?;
    let p = correct::erasures(&s.db, t, before, limit).await?;
    Ok(Json(ErasurePage {
        items: p.items,
        next_cursor: p.next_cursor,
    }))
}

/// Routes of this module, each with its OpenAPI path.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        .routes(routes!(void_event))
        .routes(routes!(erase_member))
        .routes(routes!(erasures))
}
