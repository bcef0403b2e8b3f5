//! `/api/v1/referral-programs`: referral programmes (裂变), their leaderboards, and the cash
//! rewards' round trip through the payment tool (export, then the paid file back).

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use quanzi_core::referrals;
use quanzi_core::views::Program;
use quanzi_domain::referral::ProgramInput;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::params::{CashExport, PaidFile};
use crate::AppState;
use crate::api::IdPath;
use crate::auth::Caller;
use crate::error::{ApiError, AppJson, ErrorBody};

/// Every programme, newest first.
#[utoipa::path(get, path = "/api/v1/referral-programs", tag = "referrals",
    responses((status = 200, body = Vec<Program>)))]
pub async fn list(State(s): State<AppState>, c: Caller) -> Result<Json<Vec<Program>>, ApiError> {
    Ok(Json(referrals::list(&s.db, c.tenant).await?))
}

/// Create a programme; its slug is unique in the tenant (409 naming `slug`), its landing live
/// code must be the tenant's.
#[utoipa::path(post, path = "/api/v1/referral-programs", tag = "referrals", request_body = ProgramInput,
    responses((status = 201, body = Program), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(s): State<AppState>,
    c: Caller,
    AppJson(i): AppJson<ProgramInput>,
) -> Result<(StatusCode, Json<Program>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(referrals::create(&s.db, c.write()?, i).await?),
    ))
}

/// Get a programme.
#[utoipa::path(get, path = "/api/v1/referral-programs/{id}", tag = "referrals",
    params(("id" = i64, Path, description = "Programme id")),
    responses((status = 200, body = Program), (status = 404, body = ErrorBody)))]
pub async fn get_one(
    State(s): State<AppState>,
    c: Caller,
    IdPath(id): IdPath,
) -> Result<Json<Program>, ApiError> {
    Ok(Json(referrals::get(&s.db, c.tenant, id).await?))
}

/// Replace a programme's settings (sent whole); the budget cannot fall below what was spent.
#[utoipa::path(put, path = "/api/v1/referral-programs/{id}", tag = "referrals",
    params(("id" = i64, Path, description = "Programme id")), request_body = ProgramInput,
    responses((status = 200, body = Program), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(s): State<AppState>,
    c: Caller,
    IdPath(id): IdPath,
    AppJson(i): AppJson<ProgramInput>,
) -> Result<Json<Program>, ApiError> {
    Ok(Json(referrals::update(&s.db, c.write()?, id, i).await?))
}

/// One member's place on a programme's leaderboard.
#[derive(Debug, Serialize, ToSchema)]
pub struct LeaderboardEntry {
    /// The member.
    pub member_id: i64,
    /// Their name.
    pub name: String,
    /// Friends who joined through them.
    pub friends: i64,
    /// What their rewards that count are worth, fen.
    pub earned_fen: i64,
}

/// The programme's 50 best inviters, best first.
#[utoipa::path(get, path = "/api/v1/referral-programs/{id}/leaderboard", tag = "referrals",
    params(("id" = i64, Path, description = "Programme id")),
    responses((status = 200, body = Vec<LeaderboardEntry>), (status = 404, body = ErrorBody)))]
pub async fn leaderboard(
    State(s): State<AppState>,
    c: Caller,
    IdPath(id): IdPath,
) -> Result<Json<Vec<LeaderboardEntry>>, ApiError> {
    let rows = referrals::leaderboard(&s.db, c.tenant, id).await?;
    Ok(Json(
        rows.into_iter()
            .map(|(m, name, friends, earned_fen)| LeaderboardEntry {
                member_id: m.0,
                name,
                friends,
                earned_fen,
            })
            .collect(),
    ))
}

/// The approved cash rewards as CSV for the payment tool
/// (`reward_id,member_id,name,phone,amount_fen,cause`). It holds full phone numbers, so it
/// needs a key that may write.
#[utoipa::path(get, path = "/api/v1/referral-programs/{id}/cash-export", tag = "referrals",
    params(("id" = i64, Path, description = "Programme id")),
    responses((status = 200, description = "The rewards to pay, one a line after a header", content_type = "text/csv", body = CashExport),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn cash_export(
    State(s): State<AppState>,
    c: Caller,
    IdPath(id): IdPath,
) -> Result<Response, ApiError> {
    let t = c.write()?;
    // The export lists a programme's rewards without looking the programme up.
    referrals::get(&s.db, t, id).await?;
    let csv = referrals::cash_export(&s.db, t, id).await?;
    let file = format!("attachment; filename=\"programme-{id}-cash.csv\"");
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, file),
        ],
        csv,
    )
        .into_response())
}

/// Lines a paid file may have.
const MAX_PAID_LINES: usize = 5_000;

/// What the paid file did.
#[derive(Debug, Serialize, ToSchema)]
pub struct PaidReport {
    /// Rewards marked paid.
    pub paid: usize,
    /// Lines skipped: a reward not approved, of another programme, or unknown.
    pub skipped: usize,
}

/// Mark paid the rewards the payment tool's file lists by `reward_id` (its first column, as
/// the export has it; a header line is skipped). Sent again, it pays nothing twice.
#[utoipa::path(post, path = "/api/v1/referral-programs/{id}/paid", tag = "referrals",
    params(("id" = i64, Path, description = "Programme id")),
    request_body(content((PaidFile = "text/csv"), (PaidFile = "text/plain"))),
    responses((status = 200, body = PaidReport), (status = 404, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn paid(
    State(s): State<AppState>,
    c: Caller,
    IdPath(id): IdPath,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<PaidReport>, ApiError> {
    let t = c.write()?;
    let file = crate::api::csv_text(&headers, body, MAX_PAID_LINES)?;
    let file = file.as_str();
    let (paid, skipped) = referrals::mark_paid(&s.db, t, id, file, &c.actor.to_string()).await?;
    Ok(Json(PaidReport { paid, skipped }))
}

/// Routes of this module, each with its OpenAPI path.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        .routes(routes!(list, create))
        .routes(routes!(get_one, update))
        .routes(routes!(leaderboard))
        .routes(routes!(cash_export))
        .routes(routes!(paid))
}
