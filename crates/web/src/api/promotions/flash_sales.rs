//! `/api/v1/flash-sales`: flash sales (限时抢购) — create, watch, close, their orders and
//! results, and a buy on a member's behalf (for a shop's own app or mini-program).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use quanzi_core::flash_sales::{self, buy::Bought, buy::BuyInput};
use quanzi_core::views::{FlashOrder, FlashSale, OrderTally};
use quanzi_domain::flash_sale::{FlashSaleInput, Refusal};
use quanzi_domain::{FieldError, FlashSaleId, MemberId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::{IdPath, PageQuery, page};
use crate::auth::Caller;
use crate::error::{ApiError, AppJson, AppQuery, Code, ErrorBody};

page!(FlashOrderPage, FlashOrder);

/// Every flash sale, newest first, with its status now.
#[utoipa::path(get, path = "/api/v1/flash-sales", tag = "flash_sales", responses((status = 200, body = Vec<FlashSale>)))]
pub async fn list(State(s): State<AppState>, c: Caller) -> Result<Json<Vec<FlashSale>>, ApiError> {
    Ok(Json(flash_sales::list(&s.db, c.tenant).await?))
}

/// Create a flash sale.
#[utoipa::path(post, path = "/api/v1/flash-sales", tag = "flash_sales", request_body = FlashSaleInput,
    responses((status = 201, body = FlashSale), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(s): State<AppState>,
    c: Caller,
    AppJson(i): AppJson<FlashSaleInput>,
) -> Result<(StatusCode, Json<FlashSale>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(flash_sales::create(&s.db, c.write()?, i).await?),
    ))
}

/// Get a flash sale.
#[utoipa::path(get, path = "/api/v1/flash-sales/{id}", tag = "flash_sales", params(("id" = i64, Path, description = "Flash sale id")),
    responses((status = 200, body = FlashSale), (status = 404, body = ErrorBody)))]
pub async fn get_one(
    State(s): State<AppState>,
    c: Caller,
    IdPath(id): IdPath<FlashSaleId>,
) -> Result<Json<FlashSale>, ApiError> {
    Ok(Json(flash_sales::get(&s.db, c.tenant, id).await?))
}

/// Replace a flash sale's settings (sent whole); its stock cannot fall below the units held
/// or paid.
#[utoipa::path(put, path = "/api/v1/flash-sales/{id}", tag = "flash_sales", params(("id" = i64, Path, description = "Flash sale id")),
    request_body = FlashSaleInput,
    responses((status = 200, body = FlashSale), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(s): State<AppState>,
    c: Caller,
    IdPath(id): IdPath<FlashSaleId>,
    AppJson(i): AppJson<FlashSaleInput>,
) -> Result<Json<FlashSale>, ApiError> {
    Ok(Json(flash_sales::update(&s.db, c.write()?, id, i).await?))
}

/// Close a flash sale now: no more buys; held units may still be paid.
#[utoipa::path(post, path = "/api/v1/flash-sales/{id}/close", tag = "flash_sales", params(("id" = i64, Path, description = "Flash sale id")),
    responses((status = 200, body = FlashSale), (status = 404, body = ErrorBody)))]
pub async fn close(
    State(s): State<AppState>,
    c: Caller,
    IdPath(id): IdPath<FlashSaleId>,
) -> Result<Json<FlashSale>, ApiError> {
    Ok(Json(flash_sales::close(&s.db, c.write()?, id).await?))
}

/// A sale with its orders counted by state.
#[derive(Debug, Serialize, ToSchema)]
pub struct SaleResults {
    /// The sale now.
    pub sale: FlashSale,
    /// Its orders by state.
    pub orders: Vec<OrderTally>,
}

/// A sale's results: units left, orders held, paid, expired and cancelled, paid amount.
#[utoipa::path(get, path = "/api/v1/flash-sales/{id}/results", tag = "flash_sales", params(("id" = i64, Path, description = "Flash sale id")),
    responses((status = 200, body = SaleResults), (status = 404, body = ErrorBody)))]
pub async fn results(
    State(s): State<AppState>,
    c: Caller,
    IdPath(id): IdPath<FlashSaleId>,
) -> Result<Json<SaleResults>, ApiError> {
    let sale = flash_sales::get(&s.db, c.tenant, id).await?;
    let orders = flash_sales::tally(&s.db, c.tenant, id).await?;
    Ok(Json(SaleResults { sale, orders }))
}

/// A sale's orders, newest first.
#[utoipa::path(get, path = "/api/v1/flash-sales/{id}/orders", tag = "flash_sales", params(("id" = i64, Path, description = "Flash sale id"), PageQuery),
    responses((status = 200, body = FlashOrderPage), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn orders(
    State(s): State<AppState>,
    c: Caller,
    IdPath(id): IdPath<FlashSaleId>,
    AppQuery(q): AppQuery<PageQuery>,
) -> Result<Json<FlashOrderPage>, ApiError> {
    let limit = crate::error::int_param(&q.limit, "limit")?;
    let p = flash_sales::orders(&s.db, c.tenant, id, limit, q.cursor.as_deref()).await?;
    Ok(Json(FlashOrderPage {
        items: p.items,
        next_cursor: p.next_cursor,
    }))
}

/// A buy on a member's behalf.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BuyRequest {
    /// The buyer.
    #[schema(value_type = i64)]
    pub member_id: MemberId,
    /// Units, 1 to the sale's per-member limit (default 1).
    pub quantity: Option<i64>,
    /// The client's idempotency key (1-64 printable ASCII): a retry with the same key
    /// answers the first order instead of buying again.
    pub key: String,
}

/// A refused buy as the API's error: 409 `conflict`, the field saying what stood in the way.
fn refused(why: Refusal) -> ApiError {
    let (field, message) = match why {
        Refusal::NotOpen => ("flash_sale_id", "the sale has not opened yet"),
        Refusal::Ended => ("flash_sale_id", "the sale is over"),
        Refusal::SoldOut => ("quantity", "not enough units left"),
        Refusal::OverLimit => ("quantity", "the member would pass the per-member limit"),
        Refusal::NotInvited => ("member_id", "the member is in none of the sale's groups"),
    };
    ApiError {
        code: Code::Conflict,
        fields: vec![FieldError::new(field, why.as_str())],
        message: message.into(),
    }
}

/// Buy for a member: 201 with the held order (pay it before `hold_until_ms`), 200 with the
/// first order when the key was used before, 409 naming `quantity` (sold out, over the
/// limit), `flash_sale_id` (not open, over) or `member_id` (not in the sale's groups).
/// Never oversold, never over a member's limit, whatever the rush.
#[utoipa::path(post, path = "/api/v1/flash-sales/{id}/orders", tag = "flash_sales", params(("id" = i64, Path, description = "Flash sale id")),
    request_body = BuyRequest,
    responses((status = 201, body = FlashOrder), (status = 200, body = FlashOrder), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn buy(
    State(s): State<AppState>,
    c: Caller,
    IdPath(id): IdPath<FlashSaleId>,
    AppJson(i): AppJson<BuyRequest>,
) -> Result<(StatusCode, Json<FlashOrder>), ApiError> {
    let input = BuyInput {
        quantity: i.quantity.unwrap_or(1),
        key: i.key,
    };
    match s.buyer.buy_id(c.write()?, id, i.member_id, input).await? {
        Bought::Held(o) => Ok((StatusCode::CREATED, Json(o))),
        Bought::Again(o) => Ok((StatusCode::OK, Json(o))),
        Bought::Refused(why) => Err(refused(why)),
    }
}

/// Routes of this module, each with its OpenAPI path.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        .routes(routes!(list, create))
        .routes(routes!(get_one, update))
        .routes(routes!(close))
        .routes(routes!(results))
        .routes(routes!(orders, buy))
}
