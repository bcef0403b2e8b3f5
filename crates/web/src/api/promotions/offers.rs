//! `/api/v1/offers` and `/api/v1/coupons`: offers (买满送 spend-get offers and coupon
//! batches) with what they gave; a spend-get offer applied to an order once per order key; a
//! coupon handed to a member once per key; a coupon's code used at the till once.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use quanzi_core::offers::till::{self, NotUsed};
use quanzi_core::offers::{self, Given};
use quanzi_core::views::{Offer, OfferGrant};
use quanzi_domain::wallet::OfferInput;
use quanzi_domain::{FieldError, MemberId, OfferId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::IdPath;
use crate::api::growth::gifts::when;
use crate::auth::Caller;
use crate::error::{ApiError, AppJson, Code, ErrorBody};

/// Every offer, newest first, with what it gave.
#[utoipa::path(get, path = "/api/v1/offers", tag = "offers", responses((status = 200, body = Vec<Offer>)))]
pub async fn list(State(s): State<AppState>, c: Caller) -> Result<Json<Vec<Offer>>, ApiError> {
    Ok(Json(offers::list(&s.db, c.tenant).await?))
}

/// Create an offer: `spend_get` (满X送Y / 满X减Y, applied to an order) or `coupon` (claimed by
/// members, used at the till).
#[utoipa::path(post, path = "/api/v1/offers", tag = "offers", request_body = OfferInput,
    responses((status = 201, body = Offer), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(s): State<AppState>,
    c: Caller,
    AppJson(i): AppJson<OfferInput>,
) -> Result<(StatusCode, Json<Offer>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(offers::create(&s.db, c.write()?, i).await?),
    ))
}

/// An offer with what it gave.
#[utoipa::path(get, path = "/api/v1/offers/{id}", tag = "offers", params(("id" = i64, Path, description = "Offer id")),
    responses((status = 200, body = Offer), (status = 404, body = ErrorBody)))]
pub async fn get_one(
    State(s): State<AppState>,
    c: Caller,
    IdPath(id): IdPath<OfferId>,
) -> Result<Json<Offer>, ApiError> {
    Ok(Json(offers::get(&s.db, c.tenant, id).await?))
}

/// Close an offer: nothing more is given; coupons held stay usable until their window ends.
#[utoipa::path(post, path = "/api/v1/offers/{id}/close", tag = "offers", params(("id" = i64, Path, description = "Offer id")),
    responses((status = 200, body = Offer), (status = 404, body = ErrorBody)))]
pub async fn close(
    State(s): State<AppState>,
    c: Caller,
    IdPath(id): IdPath<OfferId>,
) -> Result<Json<Offer>, ApiError> {
    Ok(Json(offers::close(&s.db, c.write()?, id).await?))
}

/// An offer's latest 200 grants: orders it was applied to, coupons handed out.
#[utoipa::path(get, path = "/api/v1/offers/{id}/grants", tag = "offers", params(("id" = i64, Path, description = "Offer id")),
    responses((status = 200, body = Vec<OfferGrant>), (status = 404, body = ErrorBody)))]
pub async fn grants(
    State(s): State<AppState>,
    c: Caller,
    IdPath(id): IdPath<OfferId>,
) -> Result<Json<Vec<OfferGrant>>, ApiError> {
    Ok(Json(offers::grants(&s.db, c.tenant, id, 200).await?))
}

/// A member's order, for a spend-get offer.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplyInput {
    /// The member who orders.
    #[schema(value_type = i64)]
    pub member_id: MemberId,
    /// The order's amount, fen (1 to 100,000,000).
    pub order_fen: i64,
    /// The order's key (1-64 printable ASCII): the offer is applied once per key.
    pub key: String,
}

/// A coupon to hand to a member.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimInput {
    /// The member.
    #[schema(value_type = i64)]
    pub member_id: MemberId,
    /// The client's key (1-64 printable ASCII): one coupon per key.
    pub key: String,
}

/// What an offer gave as the API's answer: 201 written, 200 the key's earlier grant, 409
/// naming `offer_id` (or `order_fen`) with why nothing was given.
fn given(g: Given) -> Result<(StatusCode, Json<OfferGrant>), ApiError> {
    match g {
        Given::Done(g) => Ok((StatusCode::CREATED, Json(g))),
        Given::Again(g) => Ok((StatusCode::OK, Json(g))),
        Given::Refused(why) => {
            let field = match why {
                offers::OfferRefusal::BelowThreshold => "order_fen",
                _ => "offer_id",
            };
            Err(ApiError {
                code: Code::Conflict,
                fields: vec![FieldError::new(field, why.to_string())],
                message: "the offer gives nothing to this request".into(),
            })
        }
    }
}

/// Apply a spend-get offer to a member's order: once per order key, inside its window, at or
/// above its threshold, within its stock and the member's limit.
#[utoipa::path(post, path = "/api/v1/offers/{id}/apply", tag = "offers", params(("id" = i64, Path, description = "Offer id")),
    request_body = ApplyInput,
    responses((status = 201, body = OfferGrant), (status = 200, body = OfferGrant), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn apply(
    State(s): State<AppState>,
    c: Caller,
    IdPath(id): IdPath<OfferId>,
    AppJson(i): AppJson<ApplyInput>,
) -> Result<(StatusCode, Json<OfferGrant>), ApiError> {
    given(offers::apply(&s.db, c.write()?, id, i.member_id, i.order_fen, &i.key).await?)
}

/// Hand a member a coupon of the offer: once per key, within its stock and the member's limit.
#[utoipa::path(post, path = "/api/v1/offers/{id}/coupons", tag = "offers", params(("id" = i64, Path, description = "Offer id")),
    request_body = ClaimInput,
    responses((status = 201, body = OfferGrant), (status = 200, body = OfferGrant), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn hand_out(
    State(s): State<AppState>,
    c: Caller,
    IdPath(id): IdPath<OfferId>,
    AppJson(i): AppJson<ClaimInput>,
) -> Result<(StatusCode, Json<OfferGrant>), ApiError> {
    given(offers::claim(&s.db, c.write()?, id, i.member_id, Some(&i.key)).await?)
}

/// A coupon's code as the till types it, on an order.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UseInput {
    /// The 8 characters on the member's page (case, spaces and look-alikes are forgiven).
    pub code: String,
    /// The order's amount, fen (0 to 100,000,000): it must reach the offer's threshold.
    pub order_fen: i64,
    /// The order's key (1-64 printable ASCII).
    pub order_key: String,
    /// Who takes the coupon (staff name), 1-64 characters.
    pub by: String,
}

/// A coupon used, and its offer (what to give).
#[derive(Debug, Serialize, ToSchema)]
pub struct CouponUsed {
    /// The coupon, now used.
    pub coupon: OfferGrant,
    /// Its offer.
    pub offer: Offer,
}

/// Why a coupon was not used, as the API's error: 404 for a code that is not the tenant's,
/// 409 naming `code` (or `order_fen`) otherwise.
fn not_used(why: NotUsed) -> ApiError {
    let conflict = |field: &str, message: String| ApiError {
        code: Code::Conflict,
        fields: vec![FieldError::new(field, message.clone())],
        message,
    };
    match why {
        NotUsed::Unknown => ApiError::not_found("coupon"),
        NotUsed::Already(at, by) => conflict(
            "code",
            format!(
                "the coupon was used already, at {} by {}",
                when(at),
                by.as_deref().unwrap_or("someone")
            ),
        ),
        NotUsed::NotStarted(at) => {
            conflict("code", format!("the coupon is valid from {}", when(at)))
        }
        NotUsed::Expired(at) => conflict("code", format!("the coupon expired at {}", when(at))),
        NotUsed::BelowThreshold(fen) => conflict(
            "order_fen",
            format!("the order must reach {fen} fen for this coupon"),
        ),
    }
}

/// Use a member's coupon on an order: once, even when two tills try at the same moment.
#[utoipa::path(post, path = "/api/v1/coupons/use", tag = "offers", request_body = UseInput,
    responses((status = 200, body = CouponUsed), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn use_coupon(
    State(s): State<AppState>,
    c: Caller,
    AppJson(i): AppJson<UseInput>,
) -> Result<Json<CouponUsed>, ApiError> {
    let (coupon, offer) =
        till::redeem(&s.db, c.write()?, &i.code, i.order_fen, &i.order_key, &i.by)
            .await?
            .map_err(not_used)?;
    Ok(Json(CouponUsed { coupon, offer }))
}

/// A member's coupons and the offers applied to their orders, newest first.
#[utoipa::path(get, path = "/api/v1/members/{id}/offers", tag = "offers", params(("id" = i64, Path, description = "Member id")),
    responses((status = 200, body = Vec<OfferGrant>), (status = 404, body = ErrorBody)))]
pub async fn of_member(
    State(s): State<AppState>,
    c: Caller,
    IdPath(id): IdPath<MemberId>,
) -> Result<Json<Vec<OfferGrant>>, ApiError> {
    Ok(Json(offers::of_member(&s.db, c.tenant, id).await?))
}

/// Routes of this module, each with its OpenAPI path.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        .routes(routes!(list, create))
        .routes(routes!(get_one))
        .routes(routes!(close))
        .routes(routes!(grants))
        .routes(routes!(apply))
        .routes(routes!(hand_out))
        .routes(routes!(use_coupon))
        .routes(routes!(of_member))
}
