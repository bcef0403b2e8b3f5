//! `/api/v1/wallet-plan` and `/api/v1/members/{id}/wallet`: the tenant's top-up plan
//! (充100送20) and each member's wallet (储值) — balances, entries, top-ups, spends and refunds,
//! each once per idempotency key and never below zero.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use quanzi_core::views::{WalletEntry, WalletView};
use quanzi_core::wallets::{self, Moved, Request};
use quanzi_domain::wallet::{NewTopUpPlan, TopUpPlanInput, TopUpTierInput, WalletOp};
use quanzi_domain::{FieldError, MemberId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::IdPath;
use crate::auth::Caller;
use crate::error::{ApiError, AppJson, Code, ErrorBody};

/// The top-up plan as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct TopUpPlanView {
    /// Tiers: a top-up of at least `min_top_up_fen` earns `bonus_fen` (the best one applies).
    pub tiers: Vec<TopUpTierInput>,
    /// Days a top-up's bonus stays spendable.
    pub bonus_valid_days: u32,
}

fn plan_view(p: &NewTopUpPlan) -> TopUpPlanView {
    TopUpPlanView {
        tiers: wallets::tier_inputs(p),
        bonus_valid_days: p.bonus_valid_days,
    }
}

/// The tenant's top-up plan.
#[utoipa::path(get, path = "/api/v1/wallet-plan", tag = "wallets", responses((status = 200, body = TopUpPlanView)))]
pub async fn get_plan(
    State(s): State<AppState>,
    c: Caller,
) -> Result<Json<TopUpPlanView>, ApiError> {
    Ok(Json(plan_view(
        &wallets::top_up_plan(&s.db, c.tenant).await?,
    )))
}

/// Replace the tenant's top-up plan (sent whole). Top-ups already made keep their bonus.
#[utoipa::path(put, path = "/api/v1/wallet-plan", tag = "wallets", request_body = TopUpPlanInput,
    responses((status = 200, body = TopUpPlanView), (status = 422, body = ErrorBody)))]
pub async fn put_plan(
    State(s): State<AppState>,
    c: Caller,
    AppJson(i): AppJson<TopUpPlanInput>,
) -> Result<Json<TopUpPlanView>, ApiError> {
    Ok(Json(plan_view(
        &wallets::set_top_up_plan(&s.db, c.write()?, i).await?,
    )))
}

/// A member's wallet: balances and the latest 50 entries.
#[utoipa::path(get, path = "/api/v1/members/{id}/wallet", tag = "wallets", params(("id" = i64, Path, description = "Member id")),
    responses((status = 200, body = WalletView), (status = 404, body = ErrorBody)))]
pub async fn get_wallet(
    State(s): State<AppState>,
    c: Caller,
    IdPath(id): IdPath<MemberId>,
) -> Result<Json<WalletView>, ApiError> {
    Ok(Json(wallets::wallet(&s.db, c.tenant, id, 50).await?))
}

/// A top-up or a spend.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoneyRequest {
    /// Fen, 1 to 100,000,000.
    pub amount_fen: i64,
    /// The client's idempotency key (1-64 printable ASCII, unique in the tenant): a retry
    /// with the same key answers the first entry.
    pub key: String,
    /// What it was for (up to 200 characters).
    pub note: Option<String>,
}

/// The refund of a spend.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundRequest {
    /// The spend's entry.
    pub entry_id: i64,
    /// The client's idempotency key.
    pub key: String,
    /// Why.
    pub note: Option<String>,
}

/// An entry written, with the balances after it.
#[derive(Debug, Serialize, ToSchema)]
pub struct WalletMoved {
    /// The entry.
    pub entry: WalletEntry,
    /// The principal after it, fen.
    pub principal_fen: i64,
    /// The bonus after it, fen.
    pub bonus_fen: i64,
}

fn answer(m: Moved) -> Result<(StatusCode, Json<WalletMoved>), ApiError> {
    let (status, e, b) = match m {
        Moved::Done(e, b) => (StatusCode::CREATED, e, b),
        Moved::Again(e, b) => (StatusCode::OK, e, b),
        Moved::Refused(why) => {
            return Err(ApiError {
                code: Code::Conflict,
                fields: vec![FieldError::new("amount_fen", why.to_string())],
                message: "the wallet cannot take this request".into(),
            });
        }
    };
    Ok((
        status,
        Json(WalletMoved {
            entry: e,
            principal_fen: b.principal_fen,
            bonus_fen: b.bonus_fen,
        }),
    ))
}

async fn money(
    s: &AppState,
    c: &Caller,
    m: MemberId,
    op: WalletOp,
    i: MoneyRequest,
) -> Result<(StatusCode, Json<WalletMoved>), ApiError> {
    let r = Request {
        op,
        amount_fen: Some(i.amount_fen),
        refund_of: None,
        key: i.key,
        note: i.note,
    };
    answer(wallets::apply(&s.db, c.write()?, m, r).await?)
}

/// Top up a member's wallet (the payment was taken at the till): 201 with the entry (the
/// plan's bonus added), 200 with the first one when the key was used before.
#[utoipa::path(post, path = "/api/v1/members/{id}/wallet/top-ups", tag = "wallets", params(("id" = i64, Path, description = "Member id")),
    request_body = MoneyRequest,
    responses((status = 201, body = WalletMoved), (status = 200, body = WalletMoved), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn top_up(
    State(s): State<AppState>,
    c: Caller,
    IdPath(id): IdPath<MemberId>,
    AppJson(i): AppJson<MoneyRequest>,
) -> Result<(StatusCode, Json<WalletMoved>), ApiError> {
    money(&s, &c, id, WalletOp::TopUp, i).await
}

/// Spend from a member's wallet (principal and bonus in proportion): 201, 200 for a key used
/// before, 409 naming `amount_fen` when the wallet does not hold enough.
#[utoipa::path(post, path = "/api/v1/members/{id}/wallet/spends", tag = "wallets", params(("id" = i64, Path, description = "Member id")),
    request_body = MoneyRequest,
    responses((status = 201, body = WalletMoved), (status = 200, body = WalletMoved), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn spend(
    State(s): State<AppState>,
    c: Caller,
    IdPath(id): IdPath<MemberId>,
    AppJson(i): AppJson<MoneyRequest>,
) -> Result<(StatusCode, Json<WalletMoved>), ApiError> {
    money(&s, &c, id, WalletOp::Spend, i).await
}

/// Refund a spend (exactly what it took from each account), once: 409 when it was refunded
/// already, 422 naming `refund_of` when it is not a spend of this member.
#[utoipa::path(post, path = "/api/v1/members/{id}/wallet/refunds", tag = "wallets", params(("id" = i64, Path, description = "Member id")),
    request_body = RefundRequest,
    responses((status = 201, body = WalletMoved), (status = 200, body = WalletMoved), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn refund(
    State(s): State<AppState>,
    c: Caller,
    IdPath(id): IdPath<MemberId>,
    AppJson(i): AppJson<RefundRequest>,
) -> Result<(StatusCode, Json<WalletMoved>), ApiError> {
    let r = Request {
        op: WalletOp::Refund,
        amount_fen: None,
        refund_of: Some(i.entry_id),
        key: i.key,
        note: i.note,
    };
    answer(wallets::apply(&s.db, c.write()?, id, r).await?)
}

/// Routes of this module, each with its OpenAPI path.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        .routes(routes!(get_plan, put_plan))
        .routes(routes!(get_wallet))
        .routes(routes!(top_up))
        .routes(routes!(spend))
        .routes(routes!(refund))
}
