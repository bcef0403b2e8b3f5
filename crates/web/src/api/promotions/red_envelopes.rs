//! `/api/v1/red-envelope-plans`: red-envelope plans (红包) — create one (its groups, times,
//! amount, split and budget), the record of who received what, and the shares' round trip
//! through the payment tool (the instruction file, then the tool's file back).

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use quanzi_core::red_envelopes::{self, payout};
use quanzi_core::views::{RedEnvelopePlan, RedEnvelopePlanDetail};
use quanzi_domain::RedEnvelopePlanId;
use quanzi_domain::red_envelope::RedEnvelopePlanInput;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::IdPath;
use crate::api::growth::params::PaidFile;
use crate::auth::Caller;
use crate::error::{ApiError, AppJson, ErrorBody};

/// Every plan, newest first, with what it gave and paid so far.
#[utoipa::path(get, path = "/api/v1/red-envelope-plans", tag = "red_envelopes",
    responses((status = 200, body = Vec<RedEnvelopePlan>)))]
pub async fn list(
    State(s): State<AppState>,
    c: Caller,
) -> Result<Json<Vec<RedEnvelopePlan>>, ApiError> {
    Ok(Json(red_envelopes::list(&s.db, c.tenant).await?))
}

/// Create a plan: one envelope to each group at each time, each split into `count` shares
/// (equal, or WeChat's random double mean) when the plan is created. The groups must be the
/// tenant's (422 naming `group_ids`); the budget must cover every envelope (422 naming
/// `budget_fen`); count × groups × times is at most 50,000 shares (422 naming `count`).
#[utoipa::path(post, path = "/api/v1/red-envelope-plans", tag = "red_envelopes", request_body = RedEnvelopePlanInput,
    responses((status = 201, body = RedEnvelopePlanDetail), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(s): State<AppState>,
    c: Caller,
    AppJson(i): AppJson<RedEnvelopePlanInput>,
) -> Result<(StatusCode, Json<RedEnvelopePlanDetail>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(red_envelopes::create(&s.db, c.write()?, i).await?),
    ))
}

/// A plan with every envelope and each share: its amount, who claimed it and when, and when
/// it was paid.
#[utoipa::path(get, path = "/api/v1/red-envelope-plans/{id}", tag = "red_envelopes",
    params(("id" = i64, Path, description = "Plan id")),
    responses((status = 200, body = RedEnvelopePlanDetail), (status = 404, body = ErrorBody)))]
pub async fn get_one(
    State(s): State<AppState>,
    c: Caller,
    IdPath(id): IdPath<RedEnvelopePlanId>,
) -> Result<Json<RedEnvelopePlanDetail>, ApiError> {
    Ok(Json(red_envelopes::get(&s.db, c.tenant, id).await?))
}

/// The instruction file: the header
/// `share_id,member_id,name,phone,unionid,amount_yuan,remark`, then one claimed, unpaid share
/// a line.
#[derive(ToSchema)]
#[schema(content_media_type = "text/csv")]
pub struct PayoutFile(pub String);

/// The claimed shares not paid yet, as CSV for the payment tool. It holds full phone numbers,
/// so it needs a key that may write.
#[utoipa::path(get, path = "/api/v1/red-envelope-plans/{id}/payouts.csv", tag = "red_envelopes",
    params(("id" = i64, Path, description = "Plan id")),
    responses((status = 200, description = "The shares to pay, one a line after a header", content_type = "text/csv", body = PayoutFile),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn payouts(
    State(s): State<AppState>,
    c: Caller,
    IdPath(id): IdPath<RedEnvelopePlanId>,
) -> Result<Response, ApiError> {
    let csv = payout::payouts_csv(&s.db, c.write()?, id).await?;
    let file = format!(
        "attachment; filename=\"red-envelope-plan-{}-payouts.csv\"",
        id.0
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, file),
        ],
        csv,
    )
        .into_response())
}

/// Lines a paid file may have: every share a plan can hold, and the header.
const MAX_PAID_LINES: usize = red_envelopes::MAX_SHARES as usize + 1;

/// Mark paid the shares the payment tool's file says were paid: CSV whose header names a
/// `share_id` and a `status` column (`paid`, `success`, `成功`… mark the share; a
/// `payment_ref` or `transaction_id` column is kept). Each line is reported, paid or skipped
/// with its reason; sent again, the file pays nothing twice.
#[utoipa::path(post, path = "/api/v1/red-envelope-plans/{id}/paid", tag = "red_envelopes",
    params(("id" = i64, Path, description = "Plan id")),
    request_body(content((PaidFile = "text/csv"), (PaidFile = "text/plain"))),
    responses((status = 200, body = payout::PayoutReport), (status = 404, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn paid(
    State(s): State<AppState>,
    c: Caller,
    IdPath(id): IdPath<RedEnvelopePlanId>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<payout::PayoutReport>, ApiError> {
    let t = c.write()?;
    let file = crate::api::csv_text(&headers, body, MAX_PAID_LINES)?;
    let file = file.as_str();
    Ok(Json(payout::mark_paid(&s.db, t, id, file).await?))
}

/// Close a plan: its envelopes not open yet never open (their pages say 已取消 and a claim is
/// refused); envelopes open already stay to be grabbed and paid.
#[utoipa::path(post, path = "/api/v1/red-envelope-plans/{id}/close", tag = "red_envelopes",
    params(("id" = i64, Path, description = "Plan id")),
    responses((status = 200, body = RedEnvelopePlanDetail), (status = 404, body = ErrorBody)))]
pub async fn close(
    State(s): State<AppState>,
    c: Caller,
    IdPath(id): IdPath<RedEnvelopePlanId>,
) -> Result<Json<RedEnvelopePlanDetail>, ApiError> {
    Ok(Json(red_envelopes::close(&s.db, c.write()?, id).await?))
}

/// Routes of this module, each with its OpenAPI path.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        .routes(routes!(list, create))
        .routes(routes!(get_one))
        .routes(routes!(close))
        .routes(routes!(payouts))
        .routes(routes!(paid))
}
