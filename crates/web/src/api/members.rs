//! `/api/v1/members`, `/api/v1/tags`, `/api/v1/custom-fields`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use quanzi_core::members;
use quanzi_core::read::event::{Event, EventFilter};
use quanzi_core::read::group::MemberGroup;
use quanzi_core::read::member::{Member, MemberFilter};
use quanzi_core::read::tag::Tag;
use quanzi_domain::MemberId;
use quanzi_domain::member::{CustomFieldDef, MemberInput};
use quanzi_domain::tag::TagInput;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{IdPath, PageQuery, page};
use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, AppJson, AppQuery, Code, ErrorBody, id_param, int_param, nonblank};

page!(MemberPage, Member);
page!(EventPage, Event);

/// Filters and paging of the member list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MemberQuery {
    /// Search in name, phone, external_userid and unionid.
    pub q: Option<String>,
    /// Exact district.
    pub district: Option<String>,
    /// unknown, female or male.
    #[param(schema_with = super::params::gender)]
    pub gender: Option<String>,
    /// none, low, mid, high or vip.
    #[param(schema_with = super::params::spending_tier)]
    pub spending_tier: Option<String>,
    /// Lifecycle stage.
    #[param(schema_with = super::params::lifecycle_stage)]
    pub lifecycle_stage: Option<String>,
    /// Source channel.
    pub source_channel: Option<String>,
    /// Carries this tag id.
    #[param(schema_with = super::params::id)]
    pub tag_id: Option<String>,
    /// Currently in this group id.
    #[param(schema_with = super::params::id)]
    pub group_id: Option<String>,
    /// Page size, 1-200 (default 50).
    #[param(schema_with = super::params::page_limit)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    #[param(schema_with = super::params::cursor)]
    pub cursor: Option<String>,
}

impl MemberQuery {
    /// The store filter, validated.
    pub fn filter(&self) -> Result<MemberFilter, ApiError> {
        let (limit, after) = super::page_params(&self.limit, &self.cursor)?;
        if let Some(v) = nonblank(&self.gender)
            && quanzi_domain::member::Gender::parse(&v).is_none()
        {
            return Err(ApiError::field(
                "gender",
                format!(
                    "must be one of: {}",
                    quanzi_domain::member::Gender::expected()
                ),
            ));
        }
        if let Some(v) = nonblank(&self.spending_tier)
            && quanzi_domain::member::SpendingTier::parse(&v).is_none()
        {
            return Err(ApiError::field(
                "spending_tier",
                format!(
                    "must be one of: {}",
                    quanzi_domain::member::SpendingTier::expected()
                ),
            ));
        }
        if let Some(v) = nonblank(&self.lifecycle_stage)
            && quanzi_domain::member::LifecycleStage::parse(&v).is_none()
        {
            return Err(ApiError::field(
                "lifecycle_stage",
                format!(
                    "must be one of: {}",
                    quanzi_domain::member::LifecycleStage::expected()
                ),
            ));
        }
        Ok(MemberFilter {
            q: nonblank(&self.q).map(|q| q.chars().take(64).collect()),
            district: nonblank(&self.district),
            gender: nonblank(&self.gender),
            spending_tier: nonblank(&self.spending_tier),
            lifecycle_stage: nonblank(&self.lifecycle_stage),
            source_channel: nonblank(&self.source_channel),
            tag_id: id_param(&self.tag_id, "tag_id")?.map(quanzi_domain::TagId),
            group_id: id_param(&self.group_id, "group_id")?.map(quanzi_domain::GroupId),
            ids: None,
            after,
            before: None,
            limit,
        })
    }
}

/// List members with search, filters and cursor pagination.
#[utoipa::path(get, path = "/api/v1/members", tag = "members", params(MemberQuery),
    responses((status = 200, body = MemberPage), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(s): State<AppState>,
    c: Caller,
    AppQuery(q): AppQuery<MemberQuery>,
) -> Result<Json<MemberPage>, ApiError> {
    let mut p = members::list(&s.db, c.tenant, q.filter()?).await?;
    for m in &mut p.items {
        mask_for(&c, m);
    }
    Ok(Json(MemberPage {
        items: p.items,
        next_cursor: p.next_cursor,
    }))
}

/// Masks the member's phone (`138****5678`) unless the caller sees full numbers (operators
/// and above, write keys); viewers and read keys do not.
pub fn mask_for(c: &Caller, m: &mut Member) {
    if !c.perms.sees_full_phone()
        && let Some(p) = &m.phone
    {
        m.phone = Some(quanzi_domain::member::mask_phone(p));
    }
}

/// Create a member.
#[utoipa::path(post, path = "/api/v1/members", tag = "members", request_body = MemberInput,
    responses((status = 201, body = Member), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(s): State<AppState>,
    c: Caller,
    AppJson(input): AppJson<MemberInput>,
) -> Result<(StatusCode, Json<Member>), ApiError> {
    let m = members::create(&s.db, c.write()?, input).await?;
    Ok((StatusCode::CREATED, Json(m)))
}

/// A member with their tags and current groups.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberDetail {
    /// The member.
    #[serde(flatten)]
    pub member: Member,
    /// Tags carried.
    pub tags: Vec<Tag>,
    /// Current groups.
    pub groups: Vec<MemberGroup>,
}

/// Get a member with tags and groups.
#[utoipa::path(get, path = "/api/v1/members/{id}", tag = "members", params(("id" = i64, Path, description = "Member id")),
    responses((status = 200, body = MemberDetail), (status = 404, body = ErrorBody)))]
pub async fn get_one(
    State(s): State<AppState>,
    c: Caller,
    IdPath(id): IdPath,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    let json = [(axum::http::header::CONTENT_TYPE, "application/json")];
    // The cache holds what operators see; viewers get a masked copy made afresh.
    let full = c.perms.sees_full_phone();
    if full && let Some(body) = s.cache.member(c.tenant.0, id) {
        return Ok((json, body).into_response());
    }
    let token = s.cache.token(c.tenant.0);
    let mut member = members::get(&s.db, c.tenant, MemberId(id)).await?;
    mask_for(&c, &mut member);
    let (tags, groups) = tokio::join!(
        quanzi_core::read::tag::of_member(&s.db, c.tenant, MemberId(id)),
        quanzi_core::read::group::groups_of_member(&s.db, c.tenant, MemberId(id)),
    );
    let tags = tags.map_err(quanzi_core::CoreError::from)?;
    let groups = groups.map_err(quanzi_core::CoreError::from)?;
    let body = serde_json::to_vec(&MemberDetail {
        member,
        tags,
        groups,
    })
    .map_err(|e| ApiError::new(Code::Internal, e.to_string()))?;
    let body = axum::body::Bytes::from(body);
    if full {
        s.cache.put_member(c.tenant.0, id, token, body.clone());
    }
    Ok((json, body).into_response())
}

/// Update a member (only the fields sent; an empty string clears an optional field).
#[utoipa::path(patch, path = "/api/v1/members/{id}", tag = "members", params(("id" = i64, Path, description = "Member id")), request_body = MemberInput,
    responses((status = 200, body = Member), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(s): State<AppState>,
    c: Caller,
    IdPath(id): IdPath<MemberId>,
    AppJson(input): AppJson<MemberInput>,
) -> Result<Json<Member>, ApiError> {
    Ok(Json(members::update(&s.db, c.write()?, id, input).await?))
}

/// Which member to merge into this one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeInput {
    /// The duplicate, merged into the member of the path and then hidden.
    pub source_member_id: i64,
}

/// Merge a duplicate member into this one (events, groups, tags and missing ids move over).
#[utoipa::path(post, path = "/api/v1/members/{id}/merge", tag = "members", params(("id" = i64, Path, description = "Target member id")), request_body = MergeInput,
    responses((status = 200, body = Member), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn merge(
    State(s): State<AppState>,
    c: Caller,
    IdPath(id): IdPath<MemberId>,
    AppJson(input): AppJson<MergeInput>,
) -> Result<Json<Member>, ApiError> {
    Ok(Json(
        members::merge(&s.db, c.write()?, id, MemberId(input.source_member_id)).await?,
    ))
}

/// A member's events, newest first.
#[utoipa::path(get, path = "/api/v1/members/{id}/events", tag = "members", params(("id" = i64, Path, description = "Member id"), PageQuery),
    responses((status = 200, body = EventPage), (status = 404, body = ErrorBody)))]
pub async fn events(
    State(s): State<AppState>,
    c: Caller,
    IdPath(id): IdPath<MemberId>,
    AppQuery(q): AppQuery<PageQuery>,
) -> Result<Json<EventPage>, ApiError> {
    members::get(&s.db, c.tenant, id).await?;
    let f = EventFilter {
        member_id: Some(id),
        limit: quanzi_core::page_limit(crate::error::int_param(&q.limit, "limit")?)?,
        ..Default::default()
    };
    let p = quanzi_core::events::list(&s.db, c.tenant, f, q.cursor.as_deref()).await?;
    Ok(Json(EventPage {
        items: p.items,
        next_cursor: p.next_cursor,
    }))
}

/// A member's joins and leaves, latest first, page by page.
#[utoipa::path(get, path = "/api/v1/members/{id}/history", tag = "members", params(("id" = i64, Path, description = "Member id"), PageQuery),
    responses((status = 200, body = super::groups::HistoryPage), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn history(
    State(s): State<AppState>,
    c: Caller,
    IdPath(id): IdPath<MemberId>,
    AppQuery(q): AppQuery<PageQuery>,
) -> Result<Json<super::groups::HistoryPage>, ApiError> {
    members::get(&s.db, c.tenant, id).await?;
    let limit = quanzi_core::page_limit(int_param(&q.limit, "limit")?)?;
    let p = quanzi_core::groups::member_history(&s.db, c.tenant, id, q.cursor.as_deref(), limit)
        .await?;
    Ok(Json(super::groups::HistoryPage {
        items: p.items,
        next_cursor: p.next_cursor,
    }))
}

/// One tag put on (or taken off) many members.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkTagInput {
    /// The tag group's name (created if missing).
    pub group: String,
    /// The tag's name (created if missing).
    pub name: String,
    /// The members (1-10000), all of this tenant.
    #[schema(value_type = Vec<i64>)]
    pub member_ids: Vec<MemberId>,
    /// Remove instead of add.
    #[serde(default)]
    pub remove: bool,
}

/// Result of a bulk tagging.
#[derive(Debug, Serialize, ToSchema)]
pub struct BulkTagOutput {
    /// The tag.
    pub tag: Tag,
    /// Taggings added or removed.
    pub changed: u64,
}

/// Tag (or untag) many members at once; all or nothing.
#[utoipa::path(post, path = "/api/v1/tags/bulk", tag = "members", request_body = BulkTagInput,
    responses((status = 200, body = BulkTagOutput), (status = 422, body = ErrorBody)))]
pub async fn bulk_tag(
    State(s): State<AppState>,
    c: Caller,
    AppJson(i): AppJson<BulkTagInput>,
) -> Result<Json<BulkTagOutput>, ApiError> {
    let r = members::bulk_tag(
        &s.db,
        c.write()?,
        TagInput {
            group: i.group,
            name: i.name,
        },
        &i.member_ids,
        i.remove,
    )
    .await?;
    Ok(Json(BulkTagOutput {
        tag: r.tag,
        changed: r.changed,
    }))
}

/// All tags of the tenant.
#[utoipa::path(get, path = "/api/v1/tags", tag = "members", responses((status = 200, body = Vec<Tag>)))]
pub async fn tags(State(s): State<AppState>, c: Caller) -> Result<Json<Vec<Tag>>, ApiError> {
    Ok(Json(members::tags(&s.db, c.tenant).await?))
}

/// A custom member field.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomFieldIo {
    /// Machine key (letters, digits, _-.:).
    pub key: String,
    /// Label for operators.
    pub label: String,
    /// text, number, bool or date.
    pub kind: String,
}

impl From<CustomFieldDef> for CustomFieldIo {
    fn from(d: CustomFieldDef) -> Self {
        CustomFieldIo {
            key: d.key,
            label: d.label,
            kind: d.kind.as_str().to_string(),
        }
    }
}

/// The tenant's custom member fields.
#[utoipa::path(get, path = "/api/v1/custom-fields", tag = "members", responses((status = 200, body = Vec<CustomFieldIo>)))]
pub async fn custom_fields(
    State(s): State<AppState>,
    c: Caller,
) -> Result<Json<Vec<CustomFieldIo>>, ApiError> {
    Ok(Json(
        members::custom_fields(&s.db, c.tenant)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

/// Define (or redefine) a custom member field.
#[utoipa::path(post, path = "/api/v1/custom-fields", tag = "members", request_body = CustomFieldIo,
    responses((status = 200, body = CustomFieldIo), (status = 422, body = ErrorBody)))]
pub async fn define_custom_field(
    State(s): State<AppState>,
    c: Caller,
    AppJson(i): AppJson<CustomFieldIo>,
) -> Result<Json<CustomFieldIo>, ApiError> {
    Ok(Json(
        members::define_custom_field(&s.db, c.write()?, &i.key, &i.label, &i.kind)
            .await?
            .into(),
    ))
}

/// Routes of this module, each with its OpenAPI path.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        .routes(routes!(list, create))
        .routes(routes!(get_one, update))
        .routes(routes!(merge))
        .routes(routes!(events))
        .routes(routes!(history))
        .routes(routes!(tags))
        .routes(routes!(bulk_tag))
        .routes(routes!(custom_fields, define_custom_field))
}
