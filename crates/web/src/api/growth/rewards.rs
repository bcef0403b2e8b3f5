//! `/api/v1/rewards`: the reward ledger of the referral programmes, each reward's decisions,
//! and the operator's review (approve, reject, pay, reverse).

use axum::Json;
use axum::extract::State;
use quanzi_core::CoreError;
use quanzi_core::referrals;
use quanzi_core::views::{Decision, Reward};
use quanzi_domain::{FieldError, MemberId};
use serde::{Deserialize, Serialize};
use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::params::{self, bounded};
use crate::AppState;
use crate::api::IdPath;
use crate::auth::Caller;
use crate::error::{ApiError, AppJson, AppQuery, Code, ErrorBody, id_param, nonblank};

/// Filters of the rewards list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RewardQuery {
    /// Only this programme's.
    #[param(schema_with = crate::api::params::id)]
    pub program_id: Option<String>,
    /// Only rewards in this state.
    #[param(schema_with = params::reward_state)]
    pub state: Option<String>,
    /// Only this member's.
    #[param(schema_with = crate::api::params::id)]
    pub member_id: Option<String>,
    /// How many, 1-1000 (default 100).
    #[param(schema_with = params::rewards_limit)]
    pub limit: Option<String>,
}

/// Rewards, newest first, by programme, state or member.
#[utoipa::path(get, path = "/api/v1/rewards", tag = "referrals", params(RewardQuery),
    responses((status = 200, body = Vec<Reward>), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(s): State<AppState>,
    c: Caller,
    AppQuery(q): AppQuery<RewardQuery>,
) -> Result<Json<Vec<Reward>>, ApiError> {
    let program = id_param(&q.program_id, "program_id")?;
    let member = id_param(&q.member_id, "member_id")?.map(MemberId);
    let limit = bounded(&q.limit, "limit", params::REWARDS)?;
    let state = nonblank(&q.state);
    Ok(Json(
        referrals::rewards(&s.db, c.tenant, program, state.as_deref(), member, limit).await?,
    ))
}

/// A reward with every decision made on it.
#[derive(Debug, Serialize, ToSchema)]
pub struct RewardDetail {
    /// The reward.
    #[serde(flatten)]
    pub reward: Reward,
    /// Its changes of state, oldest first.
    pub decisions: Vec<Decision>,
}

/// Get a reward with its decisions.
#[utoipa::path(get, path = "/api/v1/rewards/{id}", tag = "referrals",
    params(("id" = i64, Path, description = "Reward id")),
    responses((status = 200, body = RewardDetail), (status = 404, body = ErrorBody)))]
pub async fn get_one(
    State(s): State<AppState>,
    c: Caller,
    IdPath(id): IdPath,
) -> Result<Json<RewardDetail>, ApiError> {
    let (reward, decisions) = referrals::reward(&s.db, c.tenant, id).await?;
    Ok(Json(RewardDetail { reward, decisions }))
}

/// The actions an operator may take on a reward.
fn action() -> utoipa::openapi::Object {
    ObjectBuilder::new()
        .schema_type(SchemaType::Type(Type::String))
        .enum_values(Some(["approve", "reject", "pay", "reverse"]))
        .description(Some(
            "`approve` or `reject` a pending or held reward, `pay` an approved one, `reverse` one \
             whose cause was undone.",
        ))
        .build()
}

/// An operator's decision on a reward.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionInput {
    /// `approve` or `reject` a pending or held reward, `pay` an approved one, `reverse` one
    /// whose cause was undone.
    #[schema(schema_with = action)]
    pub action: String,
    /// Why, up to 500 characters.
    pub note: Option<String>,
}

/// A move the reward's state does not allow, as a conflict naming `state`.
fn refused_move(e: CoreError) -> ApiError {
    match e {
        CoreError::Conflict(m) => match m.strip_prefix("state: ") {
            Some(why) => ApiError {
                code: Code::Conflict,
                message: why.to_string(),
                fields: vec![FieldError::new("state", why)],
            },
            None => CoreError::Conflict(m).into(),
        },
        e => e.into(),
    }
}

/// Decide on a reward; the decision is kept with the API key as its actor. 409 naming `state`
/// when the reward's state does not allow the action (a paid reward cannot be approved).
#[utoipa::path(post, path = "/api/v1/rewards/{id}/decision", tag = "referrals",
    params(("id" = i64, Path, description = "Reward id")), request_body = DecisionInput,
    responses((status = 200, body = Reward), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn decide(
    State(s): State<AppState>,
    c: Caller,
    IdPath(id): IdPath,
    AppJson(i): AppJson<DecisionInput>,
) -> Result<Json<Reward>, ApiError> {
    let t = c.write()?;
    let actor = c.actor.to_string();
    Ok(Json(
        referrals::decide(&s.db, t, id, &i.action, &actor, i.note.as_deref())
            .await
            .map_err(refused_move)?,
    ))
}

/// Routes of this module, each with its OpenAPI path.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        .routes(routes!(list))
        .routes(routes!(get_one))
        .routes(routes!(decide))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_move_the_state_refuses_is_a_conflict_naming_state() {
        let e = refused_move(CoreError::Conflict(
            "state: a paid reward cannot approve".into(),
        ));
        assert_eq!(e.code, Code::Conflict);
        assert_eq!(e.message, "a paid reward cannot approve");
        assert_eq!(e.fields[0].field, "state");
        assert_eq!(
            refused_move(CoreError::NotFound("reward")).code,
            Code::NotFound
        );
    }
}
