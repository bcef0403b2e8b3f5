//! Who may open a member page: signed member links (made, revoked) and the tenant's WeChat
//! official account for web OAuth.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use quanzi_core::visitors;
use quanzi_domain::{FieldError, Invalid, MemberId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::params;
use crate::AppState;
use crate::api::IdPath;
use crate::auth::Caller;
use crate::client::Client;
use crate::error::{ApiError, AppJson, ErrorBody};

/// How long a member link stays valid: 1-365 days.
fn link_days() -> utoipa::openapi::Object {
    let (min, max, _) = params::LINK_DAYS;
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::Integer, Type::Null]))
        .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
            utoipa::openapi::KnownFormat::Int64,
        )))
        .minimum(Some(min as f64))
        .maximum(Some(max as f64))
        .description(Some("Days the link stays valid, 1-365 (default 30)."))
        .build()
}

/// A member link to make.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberLinkInput {
    /// Days the link stays valid, 1-365 (default 30).
    #[schema(schema_with = link_days)]
    pub days: Option<i64>,
}

/// A signed link that opens the member's own page.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberLink {
    /// The signed token.
    pub token: String,
    /// The page it opens: `{origin}/h/{tenant}/m/{token}`.
    pub url: String,
}

/// Make a signed link to the member's page (to send them in a message). Anyone holding it
/// opens the page as the member until it expires or the member's links are revoked.
#[utoipa::path(post, path = "/api/v1/members/{id}/link", tag = "members",
    params(("id" = i64, Path, description = "Member id")), request_body = MemberLinkInput,
    responses((status = 201, body = MemberLink), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(s): State<AppState>,
    c: Caller,
    IdPath(id): IdPath<MemberId>,
    headers: HeaderMap,
    client: Client,
    AppJson(i): AppJson<MemberLinkInput>,
) -> Result<(StatusCode, Json<MemberLink>), ApiError> {
    let t = c.write()?;
    let (min, max, default) = params::LINK_DAYS;
    let days = i.days.unwrap_or(default);
    if !(min..=max).contains(&days) {
        return Err(ApiError::field(
            "days",
            format!("must be between {min} and {max}"),
        ));
    }
    let token = visitors::link(&s.db, &s.server, t, id, days).await?;
    let tenant = super::tenant_slug(&s.db, t).await?;
    let origin = super::origin(&headers, &client, s.secure_cookies);
    let url = super::page_url(&origin, &tenant, "m", &token);
    Ok((StatusCode::CREATED, Json(MemberLink { token, url })))
}

/// Revoke every link and page session of the member made until now.
#[utoipa::path(post, path = "/api/v1/members/{id}/link/revoke", tag = "members",
    params(("id" = i64, Path, description = "Member id")),
    responses((status = 204, description = "Revoked"), (status = 404, body = ErrorBody)))]
pub async fn revoke(
    State(s): State<AppState>,
    c: Caller,
    IdPath(id): IdPath<MemberId>,
) -> Result<StatusCode, ApiError> {
    visitors::revoke(&s.db, c.write()?, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What members are asked for when they sign in.
fn oauth_scope() -> utoipa::openapi::Object {
    ObjectBuilder::new()
        .schema_type(SchemaType::Type(Type::String))
        .enum_values(Some(["snsapi_base", "snsapi_userinfo"]))
        .description(Some(
            "`snsapi_base` (the openid only, no consent page) or `snsapi_userinfo` (the profile too).",
        ))
        .build()
}

/// The tenant's WeChat official account for the member pages' sign-in.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WechatOAuthInput {
    /// The official account's appid.
    pub appid: String,
    /// Its appsecret; sealed at rest, never shown again.
    pub secret: String,
    /// `snsapi_base` (the openid only, no consent page) or `snsapi_userinfo` (the profile too).
    #[schema(schema_with = oauth_scope)]
    pub scope: String,
}

/// The use-case names the stored columns (`oauth_appid`…); the API's fields are this body's.
fn body_fields(e: ApiError) -> ApiError {
    let fields: Vec<FieldError> = e
        .fields
        .into_iter()
        .map(|mut f| {
            if let Some(name) = f.field.strip_prefix("oauth_") {
                f.field = name.to_string();
            }
            f
        })
        .collect();
    if fields.is_empty() {
        return ApiError { fields, ..e };
    }
    ApiError::from(Invalid(fields))
}

/// Set the official account the member pages sign members in with (WeChat web OAuth).
#[utoipa::path(put, path = "/api/v1/settings/wechat-oauth", tag = "member_pages", request_body = WechatOAuthInput,
    responses((status = 204, description = "Set"), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_oauth(
    State(s): State<AppState>,
    c: Caller,
    AppJson(i): AppJson<WechatOAuthInput>,
) -> Result<StatusCode, ApiError> {
    let t = c.admin()?;
    visitors::set_oauth(&s.db, &s.server, t, Some((&i.appid, &i.secret, &i.scope)))
        .await
        .map_err(|e| body_fields(e.into()))?;
    s.oauth.forget(&t.0);
    Ok(StatusCode::NO_CONTENT)
}

/// Clear the official account: the member pages then sign members in by link only.
#[utoipa::path(delete, path = "/api/v1/settings/wechat-oauth", tag = "member_pages",
    responses((status = 204, description = "Cleared"), (status = 403, body = ErrorBody)))]
pub async fn clear_oauth(State(s): State<AppState>, c: Caller) -> Result<StatusCode, ApiError> {
    let t = c.admin()?;
    visitors::set_oauth(&s.db, &s.server, t, None).await?;
    s.oauth.forget(&t.0);
    Ok(StatusCode::NO_CONTENT)
}

/// Routes of this module, each with its OpenAPI path.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        .routes(routes!(create))
        .routes(routes!(revoke))
        .routes(routes!(set_oauth, clear_oauth))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_account_names_the_fields_of_the_body() {
        let mut bad = Invalid::default();
        bad.push("oauth_appid", "is required");
        bad.push("oauth_scope", "must be snsapi_base or snsapi_userinfo");
        let e = body_fields(ApiError::from(bad));
        let names: Vec<&str> = e.fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(names, ["appid", "scope"]);
        assert!(e.message.contains("appid"), "{}", e.message);
    }
}
