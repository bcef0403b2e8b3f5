//! Group buys (拼团): the operator's group buys, teams opened by members and joined through
//! a shared link (each member a hold on one unit at the team price), the team that fills
//! turned into `order` events at once (see [`team`]), and teams short at their deadline
//! failed with their holds released, by a job every minute and on the way whenever a team is
//! read or joined (see [`deadline`]).

pub mod deadline;
pub mod team;

use quanzi_domain::group_buy::{GroupBuyInput, TeamState};
use quanzi_domain::{GroupBuyId, MemberId, TeamId, TenantId};
use quanzi_store::group_buy::{self as repo, Team as TeamRow};
use quanzi_store::{Db, now_ms};

use crate::views::{self, GroupBuy, Team, TeamDetail};
use crate::{CoreError, Result};

/// Creates a group buy and schedules the settling of its teams at their deadlines.
pub async fn create(db: &Db, t: TenantId, input: GroupBuyInput) -> Result<GroupBuy> {
    let g = input.into_new()?;
    let now = now_ms();
    let mut tx = db.begin().await?;
    let row = repo::create(&mut tx, t, &g, now).await?;
    deadline::schedule(&mut tx, t, now).await?;
    tx.commit().await?;
    Ok(row.into())
}

/// A group buy as stored, or not found.
pub(crate) async fn row(db: &Db, t: TenantId, id: GroupBuyId) -> Result<repo::GroupBuy> {
    repo::get(db, t, id)
        .await?
        .ok_or(CoreError::NotFound("group buy"))
}

/// Closes a group buy: no new team (those open run to their deadline).
pub async fn close(db: &Db, t: TenantId, id: GroupBuyId) -> Result<GroupBuy> {
    if !repo::close(db, t, id, now_ms()).await? {
        return Err(CoreError::NotFound("group buy"));
    }
    get(db, t, id).await
}

/// A group buy.
pub async fn get(db: &Db, t: TenantId, id: GroupBuyId) -> Result<GroupBuy> {
    Ok(row(db, t, id).await?.into())
}

/// Every group buy, newest first.
pub async fn list(db: &Db, t: TenantId) -> Result<Vec<GroupBuy>> {
    Ok(views::all(repo::list(db, t).await?))
}

/// A team as stored, or not found.
pub(crate) async fn team_row(db: &Db, t: TenantId, id: TeamId) -> Result<TeamRow> {
    repo::team(db, t, id)
        .await?
        .ok_or(CoreError::NotFound("team"))
}

/// The team, failed first when it is open past its deadline (the job may not have come by
/// yet); answers it as it is now.
pub(crate) async fn settle_if_due(
    db: &Db,
    t: TenantId,
    team: TeamRow,
    now: i64,
) -> Result<TeamRow> {
    if team.state != TeamState::Open.as_str() || now < team.deadline_at_ms {
        return Ok(team);
    }
    let id = TeamId(team.team_id);
    let mut tx = db.begin().await?;
    team::fail(&mut tx, t, id, now).await?;
    tx.commit().await?;
    team_row(db, t, id).await
}

/// The detail of a stored team: its group buy and members.
pub(crate) async fn detail(db: &Db, t: TenantId, team: TeamRow) -> Result<TeamDetail> {
    let id = TeamId(team.team_id);
    let group_buy = get(db, t, GroupBuyId(team.group_buy_id)).await?;
    Ok(TeamDetail {
        team: team.into(),
        group_buy,
        members: views::all(repo::members(db, t, id).await?),
    })
}

/// A team with its group buy and members; one open past its deadline is failed on the way.
pub async fn team(db: &Db, t: TenantId, id: TeamId) -> Result<TeamDetail> {
    let row = settle_if_due(db, t, team_row(db, t, id).await?, now_ms()).await?;
    detail(db, t, row).await
}

/// A group buy's teams, newest first, a page at a time (their state as stored: the deadline
/// job settles the ones past due within a minute).
pub async fn teams(
    db: &Db,
    t: TenantId,
    id: GroupBuyId,
    limit: Option<i64>,
    cursor: Option<&str>,
) -> Result<crate::Page<Team>> {
    row(db, t, id).await?;
    let (limit, before) = crate::page_args(limit, cursor)?;
    let rows: Vec<Team> = views::all(repo::teams(db, t, id, before, limit).await?);
    Ok(crate::page_of(rows, limit, |x| x.team_id.0))
}

/// The teams of a group buy member `m` is in, newest first.
pub async fn teams_of(db: &Db, t: TenantId, id: GroupBuyId, m: MemberId) -> Result<Vec<Team>> {
    Ok(views::all(repo::teams_of_member(db, t, id, m).await?))
}

/// A group buy's teams counted by state: (state, teams, real members).
pub async fn tally(db: &Db, t: TenantId, id: GroupBuyId) -> Result<Vec<(TeamState, i64, i64)>> {
    Ok(repo::figures(db, t, id)
        .await?
        .into_iter()
        .filter_map(|(state, teams, members)| Some((TeamState::parse(&state)?, teams, members)))
        .collect())
}

/// The names of members `ids`, for the member pages of teams and bargains (which show them
/// masked).
pub async fn member_names(
    db: &Db,
    t: TenantId,
    ids: &[MemberId],
) -> Result<std::collections::HashMap<MemberId, String>> {
    let raw: Vec<i64> = ids.iter().map(|m| m.0).collect();
    Ok(quanzi_store::member::names(db, t, &raw)
        .await?
        .into_iter()
        .map(|(id, name)| (MemberId(id), name))
        .collect())
}
