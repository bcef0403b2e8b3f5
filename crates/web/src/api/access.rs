//! `/api/v1/me` and `/api/v1/api-keys`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use quanzi_core::read::access::ApiKey;
use quanzi_core::read::tenant::Tenant;
use quanzi_domain::ApiKeyId;
use quanzi_domain::access::ApiScope;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::IdPath;
use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, AppJson, ErrorBody};

/// Who the caller is.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    /// The caller's tenant.
    pub tenant: Tenant,
    /// May write.
    pub write: bool,
    /// May administer.
    pub admin: bool,
}

/// The caller's tenant and permissions.
#[utoipa::path(get, path = "/api/v1/me", tag = "access", responses((status = 200, body = Me), (status = 401, body = ErrorBody)))]
pub async fn me(State(s): State<AppState>, c: Caller) -> Result<Json<Me>, ApiError> {
    let tenant = quanzi_core::read::tenant::get(&s.db, c.tenant)
        .await
        .map_err(quanzi_core::CoreError::from)?
        .ok_or_else(ApiError::unauthorized)?;
    Ok(Json(Me {
        tenant,
        write: c.perms.write,
        admin: c.perms.admin,
    }))
}

/// A new API key.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewKeyInput {
    /// What the key is for.
    pub name: String,
    /// read or write.
    pub scope: String,
}

/// A created key with its secret, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedKey {
    /// The stored key.
    pub key: ApiKey,
    /// The secret; send as `Authorization: Bearer <secret>`. It cannot be shown again.
    pub secret: String,
}

/// The tenant's API keys (operators with admin rights only).
#[utoipa::path(get, path = "/api/v1/api-keys", tag = "access", responses((status = 200, body = Vec<ApiKey>), (status = 403, body = ErrorBody)))]
pub async fn list(State(s): State<AppState>, c: Caller) -> Result<Json<Vec<ApiKey>>, ApiError> {
    Ok(Json(
        quanzi_core::read::access::api_keys(&s.db, c.admin()?)
            .await
            .map_err(quanzi_core::CoreError::from)?,
    ))
}

/// Create an API key (operators with admin rights only); the secret is in the answer only.
#[utoipa::path(post, path = "/api/v1/api-keys", tag = "access", request_body = NewKeyInput,
    responses((status = 201, body = CreatedKey), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(s): State<AppState>,
    c: Caller,
    AppJson(i): AppJson<NewKeyInput>,
) -> Result<(StatusCode, Json<CreatedKey>), ApiError> {
    let t = c.admin()?;
    let scope = ApiScope::parse(&i.scope).ok_or_else(|| {
        ApiError::field("scope", format!("must be one of: {}", ApiScope::expected()))
    })?;
    let k = quanzi_core::access::create_api_key(&s.db, t, &i.name, scope).await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedKey {
            key: k.key,
            secret: k.secret,
        }),
    ))
}

/// Revoke an API key.
#[utoipa::path(delete, path = "/api/v1/api-keys/{id}", tag = "access", params(("id" = i64, Path, description = "Key id")),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn revoke(
    State(s): State<AppState>,
    c: Caller,
    IdPath(id): IdPath<ApiKeyId>,
) -> Result<StatusCode, ApiError> {
    let ok = quanzi_core::read::access::revoke_api_key(&s.db, c.admin()?, id)
        .await
        .map_err(quanzi_core::CoreError::from)?;
    s.keys.clear();
    if ok {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found("api key"))
    }
}

/// Routes of this module, each with its OpenAPI path.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        .routes(routes!(me))
        .routes(routes!(list, create))
        .routes(routes!(revoke))
}
