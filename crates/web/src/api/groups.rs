//! `/api/v1/groups`: groups, their members and roles, history and daily activity.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use quanzi_core::groups;
use quanzi_core::read::event::DayCount;
use quanzi_core::read::group::{Group, GroupMember, MembershipChange};
use quanzi_domain::group::GroupInput;
use quanzi_domain::{GroupId, MemberId};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{IdPath, IdPath2, PageQuery, page};
use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, AppJson, AppQuery, ErrorBody, int_param};

page!(GroupPage, Group);
page!(GroupMemberPage, GroupMember);
page!(HistoryPage, MembershipChange);

/// Filters and paging of the group list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GroupQuery {
    /// district, interest, value_tier, vip, seed or other.
    #[param(schema_with = super::params::dimension)]
    pub dimension: Option<String>,
    /// Page size, 1-200 (default 50).
    #[param(schema_with = super::params::page_limit)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    #[param(schema_with = super::params::cursor)]
    pub cursor: Option<String>,
}

/// List groups with their current size.
#[utoipa::path(get, path = "/api/v1/groups", tag = "groups", params(GroupQuery),
    responses((status = 200, body = GroupPage), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(s): State<AppState>,
    c: Caller,
    AppQuery(q): AppQuery<GroupQuery>,
) -> Result<Json<GroupPage>, ApiError> {
    let (limit, after) = super::page_params(&q.limit, &q.cursor)?;
    let dim = q.dimension.as_deref().filter(|d| !d.is_empty());
    let p = groups::list(&s.db, c.tenant, dim, after, limit).await?;
    Ok(Json(GroupPage {
        items: p.items,
        next_cursor: p.next_cursor,
    }))
}

/// Create a group (capacity: hard ≤ 500, advised default 200).
#[utoipa::path(post, path = "/api/v1/groups", tag = "groups", request_body = GroupInput,
    responses((status = 201, body = Group), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(s): State<AppState>,
    c: Caller,
    AppJson(i): AppJson<GroupInput>,
) -> Result<(StatusCode, Json<Group>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(groups::create(&s.db, c.write()?, i).await?),
    ))
}

/// Get a group.
#[utoipa::path(get, path = "/api/v1/groups/{id}", tag = "groups", params(("id" = i64, Path, description = "Group id")),
    responses((status = 200, body = Group), (status = 404, body = ErrorBody)))]
pub async fn get_one(
    State(s): State<AppState>,
    c: Caller,
    IdPath(id): IdPath<GroupId>,
) -> Result<Json<Group>, ApiError> {
    Ok(Json(groups::get(&s.db, c.tenant, id).await?))
}

/// Update a group.
#[utoipa::path(patch, path = "/api/v1/groups/{id}", tag = "groups", params(("id" = i64, Path, description = "Group id")), request_body = GroupInput,
    responses((status = 200, body = Group), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(s): State<AppState>,
    c: Caller,
    IdPath(id): IdPath<GroupId>,
    AppJson(i): AppJson<GroupInput>,
) -> Result<Json<Group>, ApiError> {
    Ok(Json(groups::update(&s.db, c.write()?, id, i).await?))
}

/// Current members of a group with their roles.
#[utoipa::path(get, path = "/api/v1/groups/{id}/members", tag = "groups", params(("id" = i64, Path, description = "Group id"), PageQuery),
    responses((status = 200, body = GroupMemberPage), (status = 404, body = ErrorBody)))]
pub async fn members(
    State(s): State<AppState>,
    c: Caller,
    IdPath(id): IdPath<GroupId>,
    AppQuery(q): AppQuery<PageQuery>,
) -> Result<Json<GroupMemberPage>, ApiError> {
    let (limit, after) = q.args()?;
    let p = groups::members(&s.db, c.tenant, id, after, limit).await?;
    Ok(Json(GroupMemberPage {
        items: p.items,
        next_cursor: p.next_cursor,
    }))
}

/// Adding a member to a group.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddMemberInput {
    /// The member.
    pub member_id: i64,
    /// owner, admin, kol, seed or member (default member); for a current member, changes the role.
    pub role: Option<String>,
    /// How they joined (poster, partner_shop, referral, qr, invite…).
    pub join_scene: Option<String>,
    /// Who invited them.
    pub inviter_member_id: Option<i64>,
}

/// Add a member to a group now (or change their role); refused when the group is full.
#[utoipa::path(post, path = "/api/v1/groups/{id}/members", tag = "groups", params(("id" = i64, Path, description = "Group id")), request_body = AddMemberInput,
    responses((status = 200, body = Group), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_member(
    State(s): State<AppState>,
    c: Caller,
    IdPath(id): IdPath<GroupId>,
    AppJson(i): AppJson<AddMemberInput>,
) -> Result<Json<Group>, ApiError> {
    let scene = i
        .join_scene
        .map(|s| s.trim().chars().take(64).collect::<String>())
        .filter(|s| !s.is_empty());
    Ok(Json(
        groups::add_member(
            &s.db,
            c.write()?,
            id,
            MemberId(i.member_id),
            i.role.as_deref(),
            scene,
            i.inviter_member_id.map(MemberId),
        )
        .await?,
    ))
}

/// Remove a member from a group now.
#[utoipa::path(delete, path = "/api/v1/groups/{id}/members/{member_id}", tag = "groups",
    params(("id" = i64, Path, description = "Group id"), ("member_id" = i64, Path, description = "Member id")),
    responses((status = 200, body = Group), (status = 404, body = ErrorBody)))]
pub async fn remove_member(
    State(s): State<AppState>,
    c: Caller,
    IdPath2(id, member): IdPath2,
) -> Result<Json<Group>, ApiError> {
    Ok(Json(
        groups::remove_member(&s.db, c.write()?, GroupId(id), MemberId(member)).await?,
    ))
}

/// The joins, leaves and role changes of a group, latest first, page by page.
#[utoipa::path(get, path = "/api/v1/groups/{id}/history", tag = "groups", params(("id" = i64, Path, description = "Group id"), PageQuery),
    responses((status = 200, body = HistoryPage), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn history(
    State(s): State<AppState>,
    c: Caller,
    IdPath(id): IdPath<GroupId>,
    AppQuery(q): AppQuery<PageQuery>,
) -> Result<Json<HistoryPage>, ApiError> {
    let limit = quanzi_core::page_limit(int_param(&q.limit, "limit")?)?;
    let p = groups::history(&s.db, c.tenant, id, q.cursor.as_deref(), limit).await?;
    Ok(Json(HistoryPage {
        items: p.items,
        next_cursor: p.next_cursor,
    }))
}

/// How many days of activity.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ActivityQuery {
    /// Days back from now, 1-366 (default 30).
    #[param(schema_with = super::params::lookback_days)]
    pub days: Option<String>,
}

/// Daily events by kind in a group (days in the tenant's zone).
#[utoipa::path(get, path = "/api/v1/groups/{id}/activity", tag = "groups", params(("id" = i64, Path, description = "Group id"), ActivityQuery),
    responses((status = 200, body = Vec<DayCount>), (status = 404, body = ErrorBody)))]
pub async fn activity(
    State(s): State<AppState>,
    c: Caller,
    IdPath(id): IdPath<GroupId>,
    AppQuery(q): AppQuery<ActivityQuery>,
) -> Result<Json<Vec<DayCount>>, ApiError> {
    let days = int_param(&q.days, "days")?.unwrap_or(30);
    if !(1..=366).contains(&days) {
        return Err(ApiError::field("days", "must be between 1 and 366"));
    }
    groups::get(&s.db, c.tenant, id).await?;
    let today = quanzi_core::zone::today(&s.db, c.tenant).await?;
    let from = today - days + 1;
    Ok(Json(
        quanzi_core::events::daily(&s.db, c.tenant, Some(id), from).await?,
    ))
}

/// Whether the group is archived.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArchiveInput {
    /// True to archive the group (kept with its history, hidden from the lists, closed to
    /// joins), false to bring it back.
    pub archived: bool,
}

/// Archive a group, or bring it back.
#[utoipa::path(post, path = "/api/v1/groups/{id}/archive", tag = "groups", params(("id" = i64, Path, description = "Group id")), request_body = ArchiveInput,
    responses((status = 200, body = Group), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn archive(
    State(s): State<AppState>,
    c: Caller,
    IdPath(id): IdPath<GroupId>,
    AppJson(i): AppJson<ArchiveInput>,
) -> Result<Json<Group>, ApiError> {
    Ok(Json(
        groups::set_archived(&s.db, c.write()?, id, i.archived).await?,
    ))
}

/// Routes of this module, each with its OpenAPI path.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        .routes(routes!(list, create))
        .routes(routes!(get_one, update))
        .routes(routes!(members, add_member))
        .routes(routes!(remove_member))
        .routes(routes!(history))
        .routes(routes!(activity))
        .routes(routes!(archive))
}
