//! The JSON API under `/api/v1`, its OpenAPI 3.1 document and the offline docs page.

pub mod access;
pub mod correct;
pub mod events;
pub mod groups;
pub mod growth;
pub mod influence;
pub mod kpi;
pub mod members;
pub mod openapi;
pub mod params;
pub mod promotions;

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use axum::response::Html;
use axum::routing::get;
use axum::{Json, Router};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

use self::openapi::{EdgeAnswers, FieldRules, Security};

use crate::AppState;
use crate::error::{ApiError, Code};

/// Declares a page type `$name { items: Vec<$item>, next_cursor }` for the OpenAPI document.
macro_rules! page {
    ($name:ident, $item:ty) => {
        /// A page of results.
        #[derive(Debug, serde::Serialize, utoipa::ToSchema)]
        pub struct $name {
            /// The items.
            pub items: Vec<$item>,
            /// Pass as `cursor` for the next page; absent on the last.
            pub next_cursor: Option<String>,
        }
    };
}
pub(crate) use page;

/// Paging of a list: page size and cursor.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page size, 1-200 (default 50).
    #[param(schema_with = params::page_limit)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    #[param(schema_with = params::cursor)]
    pub cursor: Option<String>,
}

impl PageQuery {
    /// The validated page size and cursor.
    pub fn args(&self) -> Result<(i64, Option<i64>), ApiError> {
        page_params(&self.limit, &self.cursor)
    }
}

/// Validates the `limit` and `cursor` parameters of any list.
pub fn page_params(
    limit: &Option<String>,
    cursor: &Option<String>,
) -> Result<(i64, Option<i64>), ApiError> {
    Ok(quanzi_core::page_args(
        crate::error::int_param(limit, "limit")?,
        cursor.as_deref(),
    )?)
}

/// A numeric `{id}` path segment as the id it names (`IdPath<MemberId>`; a bare `i64` by
/// default); anything else is a 404 (no such object can exist).
pub struct IdPath<T = i64>(pub T);

impl<S: Send + Sync, T: From<i64>> FromRequestParts<S> for IdPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(raw): Path<String> = Path::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::not_found("object"))?;
        raw.parse::<i64>()
            .ok()
            .filter(|v| *v > 0)
            .map(|v| IdPath(T::from(v)))
            .ok_or_else(|| ApiError::not_found("object"))
    }
}

/// Two numeric path segments, e.g. `{id}/members/{member_id}`.
pub struct IdPath2(pub i64, pub i64);

impl<S: Send + Sync> FromRequestParts<S> for IdPath2 {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path((a, b)): Path<(String, String)> = Path::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::not_found("object"))?;
        match (a.parse::<i64>(), b.parse::<i64>()) {
            (Ok(a), Ok(b)) if a > 0 && b > 0 => Ok(IdPath2(a, b)),
            _ => Err(ApiError::not_found("object")),
        }
    }
}

/// The document's fixed parts: its title, the error schemas, the tags. The paths come from
/// the routes ([`routes`]), each handler's `#[utoipa::path]`, so none can be left out.
#[derive(OpenApi)]
#[openapi(
    info(title = "Quanzi API", version = "1"),
    components(schemas(crate::error::ErrorBody, crate::error::ErrorDetail, quanzi_domain::FieldError,
        quanzi_domain::live_code::RouteRule, quanzi_domain::live_code::staff::StaffSlot,
        quanzi_domain::referral::ReferralRules, quanzi_domain::referral::InviteRule,
        quanzi_domain::referral::Milestone, quanzi_domain::referral::FirstOrderRule,
        quanzi_domain::referral::RewardSpec, quanzi_domain::referral::RewardKind)),
    tags((name = "members"), (name = "groups"), (name = "events"), (name = "access"), (name = "kpi"), (name = "influence"),
        (name = "live_codes"), (name = "gifts"), (name = "referrals"), (name = "member_pages"), (name = "flash_sales"), (name = "lotteries"), (name = "wallets"),
        (name = "group_buys"), (name = "bargains"), (name = "red_envelopes"), (name = "offers"))
)]
pub struct ApiDoc;

/// Every documented route of the API, registered with its OpenAPI path.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(members::router())
        .merge(groups::router())
        .merge(events::router())
        .merge(correct::router())
        .merge(access::router())
        .merge(kpi::router())
        .merge(influence::router())
        .merge(growth::router())
        .merge(promotions::router())
}

/// The API's routes and its whole OpenAPI document: the paths collected from the routes,
/// completed with the security scheme, the edge answers and the field rules.
pub fn documented() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, mut doc) = routes().split_for_parts();
    for m in [&Security as &dyn Modify, &EdgeAnswers, &FieldRules] {
        m.modify(&mut doc);
    }
    (router, doc)
}

/// The OpenAPI document the API serves at `/api/openapi.json`.
pub fn document() -> utoipa::openapi::OpenApi {
    documented().1
}

async fn docs() -> Html<&'static str> {
    Html(include_str!("../../assets/api-docs.html"))
}

async fn api_not_found() -> ApiError {
    ApiError::not_found("endpoint")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(Code::MethodNotAllowed, "method not allowed on this path")
}

/// The routes under `/api` that are not operations of the API, so not in its document.
pub const UNDOCUMENTED: [&str; 3] = ["/api/openapi.json", "/api/docs", "/api/{*rest}"];

/// All API routes, and the document served from what they are.
pub fn router() -> Router<AppState> {
    let (router, doc) = documented();
    let doc = Json(doc);
    let [openapi_json, docs_page, rest] = UNDOCUMENTED;
    router
        .route(openapi_json, get(move || async move { doc.clone() }))
        .route(docs_page, get(docs))
        .route(rest, axum::routing::any(api_not_found))
        .method_not_allowed_fallback(method_not_allowed)
}

/// The text of a payment tool's file sent as `text/csv` (or `text/plain`): 415 for another
/// type, 413 when too large, 422 naming `body` when it is not UTF-8, holds a NUL or has more
/// than `max_lines` lines.
pub fn csv_text(
    headers: &axum::http::HeaderMap,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
    max_lines: usize,
) -> Result<String, ApiError> {
    let ct = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mime = ct.split(';').next().unwrap_or("").trim();
    if !matches!(mime, "text/csv" | "text/plain") {
        return Err(ApiError::new(
            Code::UnsupportedMediaType,
            "send the file as Content-Type: text/csv",
        ));
    }
    let body = body.map_err(|_| ApiError::new(Code::PayloadTooLarge, "the file is too large"))?;
    let file =
        String::from_utf8(body.to_vec()).map_err(|_| ApiError::field("body", "must be UTF-8"))?;
    if file.contains('\0') {
        return Err(ApiError::field("body", "must not contain NUL characters"));
    }
    if file.lines().count() > max_lines {
        return Err(ApiError::field(
            "body",
            format!("at most {max_lines} lines"),
        ));
    }
    Ok(file)
}
