//! `/api/v1/bargains` and `/api/v1/bargain-runs`: bargains (砍一刀) — the operator's offers,
//! a member's bargain opened on one (a *bargain run*), friends' cuts (once each, by the
//! domain's amounts, never below the floor, none after the run expires) and the owner's
//! purchase at the price reached, once, as an `order` event.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use quanzi_core::bargains::cut::{self, Bought, Cut, Refusal};
use quanzi_core::bargains::{self, BargainRunId, Opened};
use quanzi_core::views::{Bargain, BargainCut, BargainRun, BargainRunDetail};
use quanzi_domain::bargain::BargainInput;
use quanzi_domain::{BargainId, FieldError, MemberId};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::IdPath;
use crate::auth::Caller;
use crate::error::{ApiError, AppJson, Code, ErrorBody};

/// Every bargain offer, newest first.
#[utoipa::path(get, path = "/api/v1/bargains", tag = "bargains", responses((status = 200, body = Vec<Bargain>)))]
pub async fn list(State(s): State<AppState>, c: Caller) -> Result<Json<Vec<Bargain>>, ApiError> {
    Ok(Json(bargains::list(&s.db, c.tenant).await?))
}

/// Create a bargain offer.
#[utoipa::path(post, path = "/api/v1/bargains", tag = "bargains", request_body = BargainInput,
    responses((status = 201, body = Bargain), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(s): State<AppState>,
    c: Caller,
    AppJson(i): AppJson<BargainInput>,
) -> Result<(StatusCode, Json<Bargain>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(bargains::create(&s.db, c.write()?, i).await?),
    ))
}

/// Get a bargain offer.
#[utoipa::path(get, path = "/api/v1/bargains/{id}", tag = "bargains", params(("id" = i64, Path, description = "Bargain offer id")),
    responses((status = 200, body = Bargain), (status = 404, body = ErrorBody)))]
pub async fn get_one(
    State(s): State<AppState>,
    c: Caller,
    IdPath(id): IdPath<BargainId>,
) -> Result<Json<Bargain>, ApiError> {
    Ok(Json(bargains::get(&s.db, c.tenant, id).await?))
}

/// A member, on whose behalf a bargain is opened or cut.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BargainMemberRequest {
    /// The member.
    #[schema(value_type = i64)]
    pub member_id: MemberId,
}

/// A refusal as the API's error: 409 `conflict`, the field saying what stood in the way.
fn refused(why: Refusal) -> ApiError {
    let (field, message) = match why {
        Refusal::AlreadyCut => ("member_id", "the member cut this bargain already"),
        Refusal::OwnBargain => ("member_id", "the member cannot cut their own bargain"),
        Refusal::Expired => ("bargain_run_id", "the bargain's time is over"),
        Refusal::AtFloor => ("bargain_run_id", "the price is at its floor"),
        Refusal::Bought => ("bargain_run_id", "the bargain was bought already"),
        Refusal::SoldOut => ("bargain_id", "the offer's stock is sold"),
    };
    ApiError {
        code: Code::Conflict,
        fields: vec![FieldError::new(field, why.as_str())],
        message: message.into(),
    }
}

/// Open a member's bargain on the offer, at its start price: 201 with it, 200 with the one
/// the member opened before (one per member and offer), 409 naming `bargain_id` when the
/// offer's stock is sold.
#[utoipa::path(post, path = "/api/v1/bargains/{id}/open", tag = "bargains", params(("id" = i64, Path, description = "Bargain offer id")),
    request_body = BargainMemberRequest,
    responses((status = 201, body = BargainRun), (status = 200, body = BargainRun), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn open(
    State(s): State<AppState>,
    c: Caller,
    IdPath(id): IdPath<BargainId>,
    AppJson(r): AppJson<BargainMemberRequest>,
) -> Result<(StatusCode, Json<BargainRun>), ApiError> {
    match bargains::open(&s.db, c.write()?, id, r.member_id).await? {
        Opened::New(run) => Ok((StatusCode::CREATED, Json(run))),
        Opened::Again(run) => Ok((StatusCode::OK, Json(run))),
        Opened::SoldOut => Err(refused(Refusal::SoldOut)),
        Opened::Closed => Err(ApiError {
            code: Code::Conflict,
            fields: vec![FieldError::new("bargain_id", "closed")],
            message: "the offer is closed".into(),
        }),
    }
}

/// Close an offer: no member opens a new bargain (409 naming `bargain_id`); those open run
/// to their expiry and may still be cut and bought.
#[utoipa::path(post, path = "/api/v1/bargains/{id}/close", tag = "bargains", params(("id" = i64, Path, description = "Bargain offer id")),
    responses((status = 200, body = Bargain), (status = 404, body = ErrorBody)))]
pub async fn close(
    State(s): State<AppState>,
    c: Caller,
    IdPath(id): IdPath<BargainId>,
) -> Result<Json<Bargain>, ApiError> {
    Ok(Json(bargains::close(&s.db, c.write()?, id).await?))
}

/// Get a member's bargain with its offer and its cuts in order.
#[utoipa::path(get, path = "/api/v1/bargain-runs/{id}", tag = "bargains", params(("id" = i64, Path, description = "Bargain run id")),
    responses((status = 200, body = BargainRunDetail), (status = 404, body = ErrorBody)))]
pub async fn get_run(
    State(s): State<AppState>,
    c: Caller,
    IdPath(id): IdPath<BargainRunId>,
) -> Result<Json<BargainRunDetail>, ApiError> {
    Ok(Json(bargains::run(&s.db, c.tenant, id).await?))
}

/// A friend cuts a member's bargain, once: 201 with the cut. Its amount is
/// `quanzi_domain::bargain::cut` seeded with the first 8 bytes (big-endian) of SHA-256 of
/// `quanzi-bargain:{run id}:{cut number}`: the price reaches the floor exactly on the
/// offer's `cuts_to_floor`-th cut, never below. 409 naming `member_id` (cut already, or the
/// owner) or `bargain_run_id` (expired, at the floor, bought).
#[utoipa::path(post, path = "/api/v1/bargain-runs/{id}/cuts", tag = "bargains", params(("id" = i64, Path, description = "Bargain run id")),
    request_body = BargainMemberRequest,
    responses((status = 201, body = BargainCut), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn cuts(
    State(s): State<AppState>,
    c: Caller,
    IdPath(id): IdPath<BargainRunId>,
    AppJson(r): AppJson<BargainMemberRequest>,
) -> Result<(StatusCode, Json<BargainCut>), ApiError> {
    match cut::cut(&s.db, c.write()?, id, r.member_id).await? {
        Cut::Done(x) => Ok((StatusCode::CREATED, Json(x))),
        Cut::Refused(why) => Err(refused(why)),
    }
}

/// The owner buys their bargain at its price now, once: an `order` event referencing the
/// offer (`bg:{id}`; `order.created` to the webhooks). 409 naming `bargain_run_id` when it
/// was bought already, `bargain_id` when the offer's stock is sold.
#[utoipa::path(post, path = "/api/v1/bargain-runs/{id}/buy", tag = "bargains", params(("id" = i64, Path, description = "Bargain run id")),
    responses((status = 200, body = BargainRun), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn buy(
    State(s): State<AppState>,
    c: Caller,
    IdPath(id): IdPath<BargainRunId>,
) -> Result<Json<BargainRun>, ApiError> {
    match cut::buy(&s.db, c.write()?, id).await? {
        Bought::Done(run) => Ok(Json(run)),
        Bought::Refused(why) => Err(refused(why)),
    }
}

/// Routes of this module, each with its OpenAPI path.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        .routes(routes!(list, create))
        .routes(routes!(get_one))
        .routes(routes!(open))
        .routes(routes!(close))
        .routes(routes!(get_run))
        .routes(routes!(cuts))
        .routes(routes!(buy))
}
