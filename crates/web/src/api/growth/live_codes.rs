//! `/api/v1/live-codes`: live codes (活码) with their funnels; create, replace, archive.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use quanzi_core::live_codes;
use quanzi_core::views::{Funnel, LiveCode};
use quanzi_domain::live_code::LiveCodeInput;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::IdPath;
use crate::auth::Caller;
use crate::error::{ApiError, AppJson, ErrorBody};

/// A live code with what it did.
#[derive(Debug, Serialize, ToSchema)]
pub struct LiveCodeItem {
    /// The code.
    #[serde(flatten)]
    pub code: LiveCode,
    /// Its scans, visitors, seats and joins.
    pub funnel: Funnel,
}

/// Whether a live code is archived.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LiveCodeArchiveInput {
    /// True to archive the code (its page then says it has ended), false to bring it back.
    pub archived: bool,
}

/// Every live code with its funnel, newest first.
#[utoipa::path(get, path = "/api/v1/live-codes", tag = "live_codes",
    responses((status = 200, body = Vec<LiveCodeItem>)))]
pub async fn list(
    State(s): State<AppState>,
    c: Caller,
) -> Result<Json<Vec<LiveCodeItem>>, ApiError> {
    let all = live_codes::list(&s.db, c.tenant).await?;
    Ok(Json(
        all.into_iter()
            .map(|(code, funnel)| LiveCodeItem { code, funnel })
            .collect(),
    ))
}

/// Create a live code. Its groups, template group and gift must be the tenant's; its slug is
/// unique in the tenant (409 naming `slug`).
#[utoipa::path(post, path = "/api/v1/live-codes", tag = "live_codes", request_body = LiveCodeInput,
    responses((status = 201, body = LiveCode), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(s): State<AppState>,
    c: Caller,
    AppJson(i): AppJson<LiveCodeInput>,
) -> Result<(StatusCode, Json<LiveCode>), ApiError> {
    let t = c.write()?;
    let code = live_codes::create(&s.db, t, i).await?;
    s.scanner.codes_changed(t);
    Ok((StatusCode::CREATED, Json(code)))
}

/// Get a live code with its funnel.
#[utoipa::path(get, path = "/api/v1/live-codes/{id}", tag = "live_codes",
    params(("id" = i64, Path, description = "Live code id")),
    responses((status = 200, body = LiveCodeItem), (status = 404, body = ErrorBody)))]
pub async fn get_one(
    State(s): State<AppState>,
    c: Caller,
    IdPath(id): IdPath,
) -> Result<Json<LiveCodeItem>, ApiError> {
    let code = live_codes::get(&s.db, c.tenant, id).await?;
    let funnel = live_codes::funnel_of(&s.db, c.tenant, id).await?;
    Ok(Json(LiveCodeItem { code, funnel }))
}

/// Replace a live code's settings: the input is sent whole, as on create.
#[utoipa::path(put, path = "/api/v1/live-codes/{id}", tag = "live_codes",
    params(("id" = i64, Path, description = "Live code id")), request_body = LiveCodeInput,
    responses((status = 200, body = LiveCode), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(s): State<AppState>,
    c: Caller,
    IdPath(id): IdPath,
    AppJson(i): AppJson<LiveCodeInput>,
) -> Result<Json<LiveCode>, ApiError> {
    let t = c.write()?;
    let code = live_codes::update(&s.db, t, id, i).await?;
    s.scanner.codes_changed(t);
    Ok(Json(code))
}

/// Archive a live code, or bring it back.
#[utoipa::path(post, path = "/api/v1/live-codes/{id}/archive", tag = "live_codes",
    params(("id" = i64, Path, description = "Live code id")), request_body = LiveCodeArchiveInput,
    responses((status = 200, body = LiveCode), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn archive(
    State(s): State<AppState>,
    c: Caller,
    IdPath(id): IdPath,
    AppJson(i): AppJson<LiveCodeArchiveInput>,
) -> Result<Json<LiveCode>, ApiError> {
    let t = c.write()?;
    let code = live_codes::set_archived(&s.db, t, id, i.archived).await?;
    s.scanner.codes_changed(t);
    Ok(Json(code))
}

/// Routes of this module, each with its OpenAPI path.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        .routes(routes!(list, create))
        .routes(routes!(get_one, update))
        .routes(routes!(archive))
}
