//! `/api/v1/influence`: runs (member scores, seed selection, spread simulation) asked for and
//! followed, the KOL list by role, a member's scores and their neighbourhood graph.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use quanzi_core::influence::{self, KolEntry, MemberInfluence, Neighbourhood, Run, RunRequest};
use quanzi_domain::{GroupId, MemberId, RunId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::IdPath;
use crate::auth::Caller;
use crate::error::{ApiError, AppJson, AppQuery, ErrorBody, id_param, int_param};

/// Filters of the run list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RunsQuery {
    /// `scores`, `seeds` or `simulate` (default: all).
    #[param(schema_with = super::params::run_kind)]
    pub kind: Option<String>,
    /// Runs to return, 1-100 (default 20).
    #[param(schema_with = super::params::runs_limit)]
    pub limit: Option<String>,
}

/// Asks for a run; it is computed in the background (follow it at `/runs/{id}`).
#[utoipa::path(post, path = "/api/v1/influence/runs", tag = "influence", request_body = RunRequest,
    responses((status = 202, body = Run), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(s): State<AppState>,
    c: Caller,
    AppJson(req): AppJson<RunRequest>,
) -> Result<(StatusCode, Json<Run>), ApiError> {
    let t = c.write()?;
    Ok((
        StatusCode::ACCEPTED,
        Json(influence::request(&s.db, t, &req).await?),
    ))
}

/// The latest runs, newest first.
#[utoipa::path(get, path = "/api/v1/influence/runs", tag = "influence", params(RunsQuery),
    responses((status = 200, body = Vec<Run>), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(s): State<AppState>,
    c: Caller,
    AppQuery(q): AppQuery<RunsQuery>,
) -> Result<Json<Vec<Run>>, ApiError> {
    let limit = match int_param(&q.limit, "limit")? {
        None => 20,
        Some(n) if (1..=100).contains(&n) => n,
        Some(_) => return Err(ApiError::field("limit", "must be between 1 and 100")),
    };
    let kind = q.kind.as_deref().map(str::trim).filter(|k| !k.is_empty());
    Ok(Json(influence::list(&s.db, c.tenant, kind, limit).await?))
}

/// One run with its progress and, once done, its result.
#[utoipa::path(get, path = "/api/v1/influence/runs/{id}", tag = "influence",
    params(("id" = i64, Path, description = "Run id")),
    responses((status = 200, body = Run), (status = 404, body = ErrorBody)))]
pub async fn get_one(
    State(s): State<AppState>,
    c: Caller,
    IdPath(id): IdPath<RunId>,
) -> Result<Json<Run>, ApiError> {
    Ok(Json(influence::get(&s.db, c.tenant, id).await?))
}

/// Parameters of the KOL list.
#[derive(Debug, Default, Deserialize, Serialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct KolQuery {
    /// `influencer` (default), `connector`, `maven`, `salesman`, `engaged` or `core`.
    #[param(schema_with = super::params::role)]
    pub role: Option<String>,
    /// Only current members of this group.
    #[param(schema_with = super::params::id)]
    pub group_id: Option<String>,
    /// Entries, 1-200 (default 20).
    #[param(schema_with = super::params::kol_limit)]
    pub limit: Option<String>,
}

impl KolQuery {
    /// The validated role, group and limit.
    pub fn args(&self) -> Result<(String, Option<i64>, i64), ApiError> {
        let role = self
            .role
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .unwrap_or("influencer")
            .to_string();
        let group = id_param(&self.group_id, "group_id")?;
        let limit = int_param(&self.limit, "limit")?.unwrap_or(20);
        Ok((role, group, limit))
    }
}

/// A KOL list and the scores run it comes from.
#[derive(Debug, Serialize, ToSchema)]
pub struct KolList {
    /// The role ranked by.
    pub role: String,
    /// The scores run the list comes from (absent before the first one finished).
    pub run: Option<Run>,
    /// The members, best first.
    pub items: Vec<KolEntry>,
}

/// Members ranked by a role (influencer, connector, maven, salesman, engaged, core), each
/// with the line that explains the score.
#[utoipa::path(get, path = "/api/v1/influence/kol", tag = "influence", params(KolQuery),
    responses((status = 200, body = KolList), (status = 422, body = ErrorBody)))]
pub async fn kol(
    State(s): State<AppState>,
    c: Caller,
    AppQuery(q): AppQuery<KolQuery>,
) -> Result<Json<KolList>, ApiError> {
    let (role, group, limit) = q.args()?;
    let items = influence::kol(&s.db, c.tenant, &role, group.map(GroupId), limit).await?;
    let run = influence::latest_scores(&s.db, c.tenant).await?;
    Ok(Json(KolList { role, run, items }))
}

/// A member's influence scores, role badges, explanations and strongest ties.
#[utoipa::path(get, path = "/api/v1/influence/members/{id}", tag = "influence",
    params(("id" = i64, Path, description = "Member id")),
    responses((status = 200, body = MemberInfluence), (status = 404, body = ErrorBody)))]
pub async fn member(
    State(s): State<AppState>,
    c: Caller,
    IdPath(id): IdPath<MemberId>,
) -> Result<Json<MemberInfluence>, ApiError> {
    influence::member(&s.db, c.tenant, id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found("member scores"))
}

/// A member's neighbourhood: them, their strongest ties and the ties among those.
#[utoipa::path(get, path = "/api/v1/influence/members/{id}/graph", tag = "influence",
    params(("id" = i64, Path, description = "Member id")),
    responses((status = 200, body = Neighbourhood), (status = 404, body = ErrorBody)))]
pub async fn graph(
    State(s): State<AppState>,
    c: Caller,
    IdPath(id): IdPath<MemberId>,
) -> Result<Json<Neighbourhood>, ApiError> {
    Ok(Json(influence::neighbourhood(&s.db, c.tenant, id).await?))
}

/// Routes of this module, each with its OpenAPI path.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        .routes(routes!(list, create))
        .routes(routes!(get_one))
        .routes(routes!(kol))
        .routes(routes!(member))
        .routes(routes!(graph))
}
