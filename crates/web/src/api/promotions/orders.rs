//! `/api/v1/orders`: an order taken in a flash sale — read it, mark it paid when the payment
//! tool confirms (it becomes an `order` event), or cancel it (its units go back to stock).

use axum::Json;
use axum::extract::State;
use quanzi_core::flash_sales;
use quanzi_core::views::FlashOrder;
use quanzi_domain::OrderId;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::IdPath;
use crate::auth::Caller;
use crate::error::{ApiError, AppJson, ErrorBody};

/// Get an order.
#[utoipa::path(get, path = "/api/v1/orders/{id}", tag = "flash_sales", params(("id" = i64, Path, description = "Order id")),
    responses((status = 200, body = FlashOrder), (status = 404, body = ErrorBody)))]
pub async fn get_one(
    State(s): State<AppState>,
    c: Caller,
    IdPath(id): IdPath<OrderId>,
) -> Result<Json<FlashOrder>, ApiError> {
    Ok(Json(flash_sales::order(&s.db, c.tenant, id).await?))
}

/// The payment tool's confirmation.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PayInput {
    /// The payment's reference in the payment tool (up to 128 characters).
    pub payment_ref: Option<String>,
}

/// Mark a held order paid: it is recorded as an `order` event referencing the sale
/// (`order.created` to the webhooks). Paying a paid order again answers it unchanged; 409
/// when the hold expired or the order was cancelled (its units went back to stock).
#[utoipa::path(post, path = "/api/v1/orders/{id}/pay", tag = "flash_sales", params(("id" = i64, Path, description = "Order id")),
    request_body = PayInput,
    responses((status = 200, body = FlashOrder), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn pay(
    State(s): State<AppState>,
    c: Caller,
    IdPath(id): IdPath<OrderId>,
    AppJson(i): AppJson<PayInput>,
) -> Result<Json<FlashOrder>, ApiError> {
    Ok(Json(
        flash_sales::pay(&s.db, c.write()?, id, i.payment_ref.as_deref()).await?,
    ))
}

/// Cancel a held order: its units go back to stock. 409 when it was paid or expired.
#[utoipa::path(post, path = "/api/v1/orders/{id}/cancel", tag = "flash_sales", params(("id" = i64, Path, description = "Order id")),
    responses((status = 200, body = FlashOrder), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn cancel(
    State(s): State<AppState>,
    c: Caller,
    IdPath(id): IdPath<OrderId>,
) -> Result<Json<FlashOrder>, ApiError> {
    Ok(Json(flash_sales::cancel(&s.db, c.write()?, id).await?))
}

/// Routes of this module, each with its OpenAPI path.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        .routes(routes!(get_one))
        .routes(routes!(pay))
        .routes(routes!(cancel))
}
