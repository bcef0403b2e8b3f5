//! `/api/v1/gifts`: lead gifts (引流礼品), what each cost per member it brought, and staff
//! redeeming a member's code (once, whoever is first).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use quanzi_core::gifts::{self, NotRedeemed};
use quanzi_core::views::{Gift, GiftCost, Redemption};
use quanzi_domain::FieldError;
use quanzi_domain::date::format_date;
use quanzi_domain::gift::GiftInput;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::IdPath;
use crate::auth::Caller;
use crate::error::{ApiError, AppJson, Code, ErrorBody};

/// Every gift, newest first.
#[utoipa::path(get, path = "/api/v1/gifts", tag = "gifts", responses((status = 200, body = Vec<Gift>)))]
pub async fn list(State(s): State<AppState>, c: Caller) -> Result<Json<Vec<Gift>>, ApiError> {
    Ok(Json(gifts::list(&s.db, c.tenant).await?))
}

/// Create a gift.
#[utoipa::path(post, path = "/api/v1/gifts", tag = "gifts", request_body = GiftInput,
    responses((status = 201, body = Gift), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(s): State<AppState>,
    c: Caller,
    AppJson(i): AppJson<GiftInput>,
) -> Result<(StatusCode, Json<Gift>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(gifts::create(&s.db, c.write()?, i).await?),
    ))
}

/// Get a gift.
#[utoipa::path(get, path = "/api/v1/gifts/{id}", tag = "gifts", params(("id" = i64, Path, description = "Gift id")),
    responses((status = 200, body = Gift), (status = 404, body = ErrorBody)))]
pub async fn get_one(
    State(s): State<AppState>,
    c: Caller,
    IdPath(id): IdPath,
) -> Result<Json<Gift>, ApiError> {
    Ok(Json(gifts::get(&s.db, c.tenant, id).await?))
}

/// Replace a gift's settings (sent whole); its stock cannot fall below the codes issued.
#[utoipa::path(put, path = "/api/v1/gifts/{id}", tag = "gifts", params(("id" = i64, Path, description = "Gift id")),
    request_body = GiftInput,
    responses((status = 200, body = Gift), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(s): State<AppState>,
    c: Caller,
    IdPath(id): IdPath,
    AppJson(i): AppJson<GiftInput>,
) -> Result<Json<Gift>, ApiError> {
    Ok(Json(gifts::update(&s.db, c.write()?, id, i).await?))
}

/// What each gift cost per member acquired and per member retained (still active after 30
/// days), per live code, against the ¥3 target.
#[utoipa::path(get, path = "/api/v1/gifts/costs", tag = "gifts", responses((status = 200, body = Vec<GiftCost>)))]
pub async fn costs(State(s): State<AppState>, c: Caller) -> Result<Json<Vec<GiftCost>>, ApiError> {
    Ok(Json(gifts::costs(&s.db, c.tenant).await?))
}

/// A member's code as staff type it, and who redeems it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RedeemInput {
    /// The 8 characters on the member's page (case, spaces and look-alikes are forgiven).
    pub code: String,
    /// Who hands the gift over (staff name), 1-64 characters.
    pub by: String,
}

/// A redeemed code and its gift.
#[derive(Debug, Serialize, ToSchema)]
pub struct Redeemed {
    /// The code, now redeemed.
    pub redemption: Redemption,
    /// The gift to hand over.
    pub gift: Gift,
}

/// `at_ms` as `YYYY-MM-DD HH:MM UTC`, for a message.
pub(crate) fn when(at_ms: i64) -> String {
    let mins = at_ms.div_euclid(60_000);
    let (day, min) = (mins.div_euclid(1440), mins.rem_euclid(1440));
    format!("{} {:02}:{:02} UTC", format_date(day), min / 60, min % 60)
}

/// Why a code was not redeemed, as the API's error: 404 for a code that is not the tenant's,
/// 409 `conflict` naming `code` when it was redeemed already or has expired.
fn refusal(why: NotRedeemed) -> ApiError {
    let conflict = |message: String| ApiError {
        code: Code::Conflict,
        fields: vec![FieldError::new("code", message.clone())],
        message,
    };
    match why {
        NotRedeemed::Unknown => ApiError::not_found("redemption code"),
        NotRedeemed::Already(at, by) => conflict(format!(
            "the code was redeemed already, at {} by {}",
            when(at),
            by.as_deref().unwrap_or("someone")
        )),
        NotRedeemed::Expired(at) => conflict(format!("the code expired at {}", when(at))),
    }
}

/// Redeem a member's code: once, even when two staff try at the same moment. 404 for an
/// unknown code; 409 naming `code` when it was redeemed already (saying when and by whom) or
/// has expired.
#[utoipa::path(post, path = "/api/v1/gifts/redeem", tag = "gifts", request_body = RedeemInput,
    responses((status = 200, body = Redeemed), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn redeem(
    State(s): State<AppState>,
    c: Caller,
    AppJson(i): AppJson<RedeemInput>,
) -> Result<Json<Redeemed>, ApiError> {
    let (redemption, gift) = gifts::redeem(&s.db, c.write()?, &i.code, &i.by)
        .await?
        .map_err(refusal)?;
    Ok(Json(Redeemed { redemption, gift }))
}

/// Routes of this module, each with its OpenAPI path.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        .routes(routes!(list, create))
        .routes(routes!(costs))
        .routes(routes!(redeem))
        .routes(routes!(get_one, update))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_code_says_when_and_by_whom() {
        let e = refusal(NotRedeemed::Already(
            86_400_000 + 61_000,
            Some("小王".into()),
        ));
        assert_eq!(e.code, Code::Conflict);
        assert_eq!(
            e.message,
            "the code was redeemed already, at 1970-01-02 00:01 UTC by 小王"
        );
        assert_eq!(e.fields[0].field, "code");
        assert_eq!(refusal(NotRedeemed::Unknown).code, Code::NotFound);
        assert_eq!(refusal(NotRedeemed::Expired(0)).code, Code::Conflict);
    }
}
