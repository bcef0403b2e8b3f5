//! The JSON API under `/api/v1`, its OpenAPI 3.1 document and the offline docs page.

pub mod access;
pub mod correct;
pub mod events;
pub mod groups;
pub mod influence;
pub mod kpi;
pub mod members;
pub mod openapi;
pub mod params;

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use axum::{Json, Router};
use utoipa::OpenApi;

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

/// A numeric `{id}` path segment; anything else is a 404 (no such object can exist).
pub struct IdPath(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for IdPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(raw): Path<String> = Path::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::not_found("object"))?;
        raw.parse::<i64>()
            .ok()
            .filter(|v| *v > 0)
            .map(IdPath)
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

/// The OpenAPI document of the API.
#[derive(OpenApi)]
#[openapi(
    info(title = "Quanzi API", version = "1"),
    paths(
        members::list, members::create, members::get_one, members::update, members::merge, members::events, members::history,
        members::tags, members::bulk_tag, members::custom_fields, members::define_custom_field,
        groups::list, groups::create, groups::get_one, groups::update, groups::members, groups::add_member, groups::remove_member,
        groups::history, groups::activity,
        events::ingest, events::list, events::kinds, events::define_kind,
        correct::void_event, correct::erase_member, correct::erasures,
        access::me, access::list, access::create, access::revoke,
        kpi::overview, kpi::groups, kpi::retention, kpi::funnel, kpi::products, kpi::visits, kpi::index, kpi::rebuild,
        influence::create, influence::list, influence::get_one, influence::kol, influence::member, influence::graph,
    ),
    components(schemas(crate::error::ErrorBody, crate::error::ErrorDetail, quanzi_domain::FieldError)),
    modifiers(&Security, &EdgeAnswers, &FieldRules),
    tags((name = "members"), (name = "groups"), (name = "events"), (name = "access"), (name = "kpi"), (name = "influence"))
)]
pub struct ApiDoc;

async fn openapi_json() -> impl IntoResponse {
    Json(ApiDoc::openapi())
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

/// All API routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(members::router())
        .merge(groups::router())
        .merge(events::router())
        .merge(correct::router())
        .merge(access::router())
        .merge(kpi::router())
        .merge(influence::router())
        .route("/api/openapi.json", get(openapi_json))
        .route("/api/docs", get(docs))
        .route("/api/{*rest}", axum::routing::any(api_not_found))
        .method_not_allowed_fallback(method_not_allowed)
}
