//! `/api/v1/lotteries`: lotteries (抽奖) — create (the seed's SHA-256 is published at once),
//! watch, close (the seed is revealed), the published record, and draws and paid upgrades on
//! a member's behalf.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use quanzi_core::lotteries::draw::{Drawn, draw, upgrade};
use quanzi_core::lotteries::record::{LotteryRecord, record};
use quanzi_core::lotteries::{self, LotteryRequest};
use quanzi_core::views::{Lottery, LotteryDraw};
use quanzi_domain::lottery::Refusal;
use quanzi_domain::{FieldError, LotteryId, MemberId};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::IdPath;
use crate::auth::Caller;
use crate::error::{ApiError, AppJson, Code, ErrorBody};

/// Every lottery, newest first.
#[utoipa::path(get, path = "/api/v1/lotteries", tag = "lotteries", responses((status = 200, body = Vec<Lottery>)))]
pub async fn list(State(s): State<AppState>, c: Caller) -> Result<Json<Vec<Lottery>>, ApiError> {
    Ok(Json(lotteries::list(&s.db, &s.server, c.tenant).await?))
}

/// Create a lottery. Its rules cannot change afterwards: the commitment to its seed is
/// published at once.
#[utoipa::path(post, path = "/api/v1/lotteries", tag = "lotteries", request_body = LotteryRequest,
    responses((status = 201, body = Lottery), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(s): State<AppState>,
    c: Caller,
    AppJson(r): AppJson<LotteryRequest>,
) -> Result<(StatusCode, Json<Lottery>), ApiError> {
    let l = lotteries::create(&s.db, &s.server, c.write()?, r).await?;
    Ok((StatusCode::CREATED, Json(l)))
}

/// Get a lottery (its seed once it ended).
#[utoipa::path(get, path = "/api/v1/lotteries/{id}", tag = "lotteries", params(("id" = i64, Path, description = "Lottery id")),
    responses((status = 200, body = Lottery), (status = 404, body = ErrorBody)))]
pub async fn get_one(
    State(s): State<AppState>,
    c: Caller,
    IdPath(id): IdPath<LotteryId>,
) -> Result<Json<Lottery>, ApiError> {
    Ok(Json(lotteries::get(&s.db, &s.server, c.tenant, id).await?))
}

/// End a lottery now and reveal its seed.
#[utoipa::path(post, path = "/api/v1/lotteries/{id}/close", tag = "lotteries", params(("id" = i64, Path, description = "Lottery id")),
    responses((status = 200, body = Lottery), (status = 404, body = ErrorBody)))]
pub async fn close(
    State(s): State<AppState>,
    c: Caller,
    IdPath(id): IdPath<LotteryId>,
) -> Result<Json<Lottery>, ApiError> {
    Ok(Json(
        lotteries::close(&s.db, &s.server, c.write()?, id).await?,
    ))
}

/// The published record: rules, commitment, seed (after the end) and every draw and upgrade
/// in order — what `quanzi verify-draw` checks.
#[utoipa::path(get, path = "/api/v1/lotteries/{id}/record", tag = "lotteries", params(("id" = i64, Path, description = "Lottery id")),
    responses((status = 200, body = LotteryRecord), (status = 404, body = ErrorBody)))]
pub async fn get_record(
    State(s): State<AppState>,
    c: Caller,
    IdPath(id): IdPath<LotteryId>,
) -> Result<Json<LotteryRecord>, ApiError> {
    Ok(Json(record(&s.db, &s.server, c.tenant, id).await?))
}

/// A draw on a member's behalf.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DrawRequest {
    /// The member.
    #[schema(value_type = i64)]
    pub member_id: MemberId,
}

/// An upgrade on a member's behalf.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpgradeRequest {
    /// The member.
    #[schema(value_type = i64)]
    pub member_id: MemberId,
    /// The draw whose prize is upgraded.
    pub draw_no: i64,
}

/// A refused draw or upgrade as the API's error: 409 `conflict`, naming the field.
fn refused(why: Option<Refusal>) -> ApiError {
    let (field, reason, message) = match why {
        None => (
            "lottery_id",
            "not_open",
            "the lottery is not open".to_string(),
        ),
        Some(Refusal::NoDrawsLeft) => (
            "member_id",
            "no_draws_left",
            Refusal::NoDrawsLeft.to_string(),
        ),
        Some(r @ (Refusal::NothingToUpgrade | Refusal::NoUpgrade | Refusal::UnknownTier)) => {
            ("draw_no", "nothing_to_upgrade", r.to_string())
        }
        Some(r @ Refusal::NoStock) => ("draw_no", "no_stock", r.to_string()),
        Some(r @ Refusal::OverBudget) => ("draw_no", "over_budget", r.to_string()),
        Some(r) => ("lottery_id", "refused", r.to_string()),
    };
    ApiError {
        code: Code::Conflict,
        fields: vec![FieldError::new(field, reason)],
        message,
    }
}

fn answer(d: Drawn) -> Result<(StatusCode, Json<LotteryDraw>), ApiError> {
    match d {
        Drawn::Done(d) => Ok((StatusCode::CREATED, Json(d))),
        Drawn::NotOpen => Err(refused(None)),
        Drawn::Refused(r) => Err(refused(Some(r))),
    }
}

/// Make a member's next draw: 201 with its outcome (a prize, or none); 409 naming
/// `member_id` when the member has no draws left, `lottery_id` when it is not open.
#[utoipa::path(post, path = "/api/v1/lotteries/{id}/draws", tag = "lotteries", params(("id" = i64, Path, description = "Lottery id")),
    request_body = DrawRequest,
    responses((status = 201, body = LotteryDraw), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn draws(
    State(s): State<AppState>,
    c: Caller,
    IdPath(id): IdPath<LotteryId>,
    AppJson(r): AppJson<DrawRequest>,
) -> Result<(StatusCode, Json<LotteryDraw>), ApiError> {
    answer(draw(&s.db, &s.server, c.write()?, id, r.member_id).await?)
}

/// Upgrade the prize of a member's draw to its better tier (paid when collected), once: 201
/// with the upgrade; 409 naming `draw_no` when there is nothing to upgrade, no stock left in
/// the better tier or no budget for it.
#[utoipa::path(post, path = "/api/v1/lotteries/{id}/upgrades", tag = "lotteries", params(("id" = i64, Path, description = "Lottery id")),
    request_body = UpgradeRequest,
    responses((status = 201, body = LotteryDraw), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn upgrades(
    State(s): State<AppState>,
    c: Caller,
    IdPath(id): IdPath<LotteryId>,
    AppJson(r): AppJson<UpgradeRequest>,
) -> Result<(StatusCode, Json<LotteryDraw>), ApiError> {
    answer(upgrade(&s.db, &s.server, c.write()?, id, r.member_id, r.draw_no).await?)
}

/// Routes of this module, each with its OpenAPI path.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        .routes(routes!(list, create))
        .routes(routes!(get_one))
        .routes(routes!(close))
        .routes(routes!(get_record))
        .routes(routes!(draws))
        .routes(routes!(upgrades))
}
