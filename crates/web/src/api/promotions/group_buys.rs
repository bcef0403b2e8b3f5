//! `/api/v1/group-buys` and `/api/v1/teams`: group buys (拼团) — create and watch them, open
//! a team for a member, let members join it (each a hold on one unit at the team price; the
//! join that fills the team turns every hold into an `order` event), and complete a short
//! team with virtual members when the group buy allows it.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use quanzi_core::group_buys::{
    self,
    team::{self, Outcome, Refusal},
};
use quanzi_core::views::{GroupBuy, Team, TeamDetail};
use quanzi_domain::group_buy::GroupBuyInput;
use quanzi_domain::{FieldError, GroupBuyId, MemberId, TeamId};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::{IdPath, PageQuery, page};
use crate::auth::Caller;
use crate::error::{ApiError, AppJson, AppQuery, Code, ErrorBody};

page!(TeamPage, Team);

/// Every group buy, newest first.
#[utoipa::path(get, path = "/api/v1/group-buys", tag = "group_buys", responses((status = 200, body = Vec<GroupBuy>)))]
pub async fn list(State(s): State<AppState>, c: Caller) -> Result<Json<Vec<GroupBuy>>, ApiError> {
    Ok(Json(group_buys::list(&s.db, c.tenant).await?))
}

/// Create a group buy.
#[utoipa::path(post, path = "/api/v1/group-buys", tag = "group_buys", request_body = GroupBuyInput,
    responses((status = 201, body = GroupBuy), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(s): State<AppState>,
    c: Caller,
    AppJson(i): AppJson<GroupBuyInput>,
) -> Result<(StatusCode, Json<GroupBuy>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(group_buys::create(&s.db, c.write()?, i).await?),
    ))
}

/// Get a group buy.
#[utoipa::path(get, path = "/api/v1/group-buys/{id}", tag = "group_buys", params(("id" = i64, Path, description = "Group buy id")),
    responses((status = 200, body = GroupBuy), (status = 404, body = ErrorBody)))]
pub async fn get_one(
    State(s): State<AppState>,
    c: Caller,
    IdPath(id): IdPath<GroupBuyId>,
) -> Result<Json<GroupBuy>, ApiError> {
    Ok(Json(group_buys::get(&s.db, c.tenant, id).await?))
}

/// Close a group buy: no member opens a new team (409 `closed`); teams open run to their
/// deadline, and may still be joined and completed.
#[utoipa::path(post, path = "/api/v1/group-buys/{id}/close", tag = "group_buys", params(("id" = i64, Path, description = "Group buy id")),
    responses((status = 200, body = GroupBuy), (status = 404, body = ErrorBody)))]
pub async fn close(
    State(s): State<AppState>,
    c: Caller,
    IdPath(id): IdPath<GroupBuyId>,
) -> Result<Json<GroupBuy>, ApiError> {
    Ok(Json(group_buys::close(&s.db, c.write()?, id).await?))
}

/// A group buy's teams, newest first (teams past their deadline are settled within a
/// minute; reading one settles it at once).
#[utoipa::path(get, path = "/api/v1/group-buys/{id}/teams", tag = "group_buys", params(("id" = i64, Path, description = "Group buy id"), PageQuery),
    responses((status = 200, body = TeamPage), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn teams(
    State(s): State<AppState>,
    c: Caller,
    IdPath(id): IdPath<GroupBuyId>,
    AppQuery(q): AppQuery<PageQuery>,
) -> Result<Json<TeamPage>, ApiError> {
    let limit = crate::error::int_param(&q.limit, "limit")?;
    let p = group_buys::teams(&s.db, c.tenant, id, limit, q.cursor.as_deref()).await?;
    Ok(Json(TeamPage {
        items: p.items,
        next_cursor: p.next_cursor,
    }))
}

/// A member, on whose behalf a team is opened or joined.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamMemberRequest {
    /// The member.
    #[schema(value_type = i64)]
    pub member_id: MemberId,
}

/// A refusal as the API's error: 409 `conflict`, the field saying what stood in the way.
fn refused(why: Refusal) -> ApiError {
    let (field, message) = match why {
        Refusal::Full => ("team_id", "the team is full"),
        Refusal::AlreadyIn => ("member_id", "the member is in the team already"),
        Refusal::Closed => ("team_id", "the team failed or its deadline passed"),
        Refusal::Ended => ("group_buy_id", "the group buy is closed: no new team"),
        Refusal::SoldOut => ("group_buy_id", "the group buy's stock is all held or sold"),
        Refusal::NoVirtual => (
            "allow_virtual",
            "the group buy does not allow virtual members",
        ),
    };
    ApiError {
        code: Code::Conflict,
        fields: vec![FieldError::new(field, why.as_str())],
        message: message.into(),
    }
}

/// 201 for a change, 200 for the same answer as before, 409 for a refusal.
fn answer(o: Outcome) -> Result<(StatusCode, Json<TeamDetail>), ApiError> {
    match o {
        Outcome::Joined(d) | Outcome::Completed(d) => Ok((StatusCode::CREATED, Json(d))),
        Outcome::Again(d) => Ok((StatusCode::OK, Json(d))),
        Outcome::Refused(why) => Err(refused(why)),
    }
}

/// Open a team for a member, who holds its first place at the team price and shares it:
/// 201 with the team, 200 with the member's open team of this group buy when they lead one
/// already, 409 naming `group_buy_id` when the stock is all held or sold.
#[utoipa::path(post, path = "/api/v1/group-buys/{id}/teams", tag = "group_buys", params(("id" = i64, Path, description = "Group buy id")),
    request_body = TeamMemberRequest,
    responses((status = 201, body = TeamDetail), (status = 200, body = TeamDetail), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn open(
    State(s): State<AppState>,
    c: Caller,
    IdPath(id): IdPath<GroupBuyId>,
    AppJson(r): AppJson<TeamMemberRequest>,
) -> Result<(StatusCode, Json<TeamDetail>), ApiError> {
    answer(team::open(&s.db, c.write()?, id, r.member_id).await?)
}

/// Get a team with its group buy and members (one open past its deadline is failed first).
#[utoipa::path(get, path = "/api/v1/teams/{id}", tag = "group_buys", params(("id" = i64, Path, description = "Team id")),
    responses((status = 200, body = TeamDetail), (status = 404, body = ErrorBody)))]
pub async fn get_team(
    State(s): State<AppState>,
    c: Caller,
    IdPath(id): IdPath<TeamId>,
) -> Result<Json<TeamDetail>, ApiError> {
    Ok(Json(group_buys::team(&s.db, c.tenant, id).await?))
}

/// A member joins a team: 201 with the team (`succeeded` when this join filled it: every
/// member's hold became an `order` event at the team price); 409 naming `team_id` (full,
/// closed), `member_id` (in the team already) or `group_buy_id` (sold out). A race for the
/// last place fills the team exactly.
#[utoipa::path(post, path = "/api/v1/teams/{id}/members", tag = "group_buys", params(("id" = i64, Path, description = "Team id")),
    request_body = TeamMemberRequest,
    responses((status = 201, body = TeamDetail), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn join(
    State(s): State<AppState>,
    c: Caller,
    IdPath(id): IdPath<TeamId>,
    AppJson(r): AppJson<TeamMemberRequest>,
) -> Result<(StatusCode, Json<TeamDetail>), ApiError> {
    answer(team::join(&s.db, c.write()?, id, r.member_id).await?)
}

/// Complete an open team now with virtual members in its empty places (模拟成团): its real
/// members' holds become orders. 201 with the team, 200 when it succeeded already; 409 naming
/// `allow_virtual` when the group buy does not allow it, `team_id` when the team failed.
#[utoipa::path(post, path = "/api/v1/teams/{id}/complete", tag = "group_buys", params(("id" = i64, Path, description = "Team id")),
    responses((status = 201, body = TeamDetail), (status = 200, body = TeamDetail), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn complete(
    State(s): State<AppState>,
    c: Caller,
    IdPath(id): IdPath<TeamId>,
) -> Result<(StatusCode, Json<TeamDetail>), ApiError> {
    answer(team::complete(&s.db, c.write()?, id).await?)
}

/// Routes of this module, each with its OpenAPI path.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        .routes(routes!(list, create))
        .routes(routes!(get_one))
        .routes(routes!(close))
        .routes(routes!(teams, open))
        .routes(routes!(get_team))
        .routes(routes!(join))
        .routes(routes!(complete))
}
