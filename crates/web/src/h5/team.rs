//! A group buy's member pages: the offer (its team price, its rule, the member's teams and
//! the 开团 button) and a team (its places as a bar, the time left ticking, the 参团 button for
//! a visitor not in it, the link to share, and its success or failure). A visitor without a
//! member link may open or join a team: the first tap records them as a prospect.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use quanzi_core::CoreError;
use quanzi_core::group_buys::{self, team};
use quanzi_core::read::now_ms;
use quanzi_core::views::{GroupBuy, TeamDetail};
use quanzi_domain::group_buy::TeamState;
use quanzi_domain::{Fen, GroupBuyId, MemberId, TeamId};

use super::landing::with_cookies;
use super::sale::SaleQuery;
use super::{Chrome, Visit, page_html, text};
use crate::AppState;

/// One of the member's teams, as the offer page lists it.
pub struct TeamLine {
    /// The team's page.
    pub href: String,
    /// Where it stands, in words.
    pub state: String,
    /// Members, e.g. `2/3`.
    pub count: String,
}

#[derive(Template)]
#[template(path = "h5_group_buy.html")]
struct OfferPage {
    p: Chrome,
    gb: GroupBuy,
    price: String,
    team_price: String,
    rule: String,
    sold_out: bool,
    open_action: String,
    mine: Vec<TeamLine>,
    notice: Option<(bool, String)>,
}

/// A place of a team as the page draws it.
pub struct Seat {
    /// What the place says: the member's masked name, `?` when empty.
    pub label: String,
    /// `leader`, `in`, `virtual` or `empty`.
    pub class: &'static str,
}

#[derive(Template)]
#[template(path = "h5_team.html")]
struct TeamPage {
    p: Chrome,
    d: TeamDetail,
    price: String,
    team_price: String,
    state: &'static str,
    state_label: &'static str,
    need: String,
    filled_pct: i64,
    countdown_s: i64,
    deadline: String,
    seats: Vec<Seat>,
    in_team: bool,
    join_action: String,
    share_url: String,
    offer_href: String,
    succeeded: String,
    notice: Option<(bool, String)>,
}

fn offer_path(v: &Visit, id: i64) -> String {
    format!("/h/{}/gb/{id}", v.slug)
}

fn team_path(v: &Visit, id: i64) -> String {
    format!("/h/{}/t/{id}", v.slug)
}

/// A masked name: its first character and two stars.
pub(super) fn masked(name: &str) -> String {
    let first: String = name.chars().take(1).collect();
    format!("{first}**")
}

/// The notice of the last action's result `r` under the key prefix `prefix`, and whether it
/// went well (`good` lists the results that did).
pub(super) fn notice(
    v: &Visit,
    prefix: &str,
    r: Option<&str>,
    good: &[&str],
) -> Option<(bool, String)> {
    let r = r?;
    let said = text::t(v.lang, &format!("{prefix}.result.{r}"));
    (!said.is_empty()).then(|| (good.contains(&r), said.to_string()))
}

/// Answers the not-found page for a missing object, the 500 page otherwise.
pub(super) fn missing(v: &Visit, e: CoreError) -> Response {
    match e {
        CoreError::NotFound(_) => super::not_found(v.lang, &v.shop),
        e => crate::ui::server_error(e),
    }
}

/// GET /h/{tenant}/gb/{id}: the group buy's page.
pub async fn offer(
    State(s): State<AppState>,
    Path((_, id)): Path<(String, i64)>,
    axum::extract::Query(q): axum::extract::Query<SaleQuery>,
    headers: HeaderMap,
    v: Visit,
) -> Response {
    let gb = match group_buys::get(&s.db, v.tenant, GroupBuyId(id)).await {
        Ok(gb) => gb,
        Err(e) => return missing(&v, e),
    };
    let (member, cookies) = match super::participant(&s, &v, &headers, q.m.as_deref()).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    match render_offer(&s, &v, gb, member, q.r.as_deref()).await {
        Ok(r) => with_cookies(r, cookies),
        Err(e) => crate::ui::server_error(e),
    }
}

async fn render_offer(
    s: &AppState,
    v: &Visit,
    gb: GroupBuy,
    member: Option<MemberId>,
    result: Option<&str>,
) -> quanzi_core::Result<Response> {
    let t = |k: &str| text::t(v.lang, k);
    let mine = match member {
        Some(m) => group_buys::teams_of(&s.db, v.tenant, gb.group_buy_id, m).await?,
        None => Vec::new(),
    };
    let mine = mine
        .iter()
        .map(|x| TeamLine {
            href: team_path(v, x.team_id.0),
            state: t(&format!("team.state.{}", x.state.as_str())).to_string(),
            count: format!("{}/{}", x.member_count + x.virtual_members, x.team_size),
        })
        .collect();
    let rule = t("gb.rule")
        .replace("{n}", &gb.team_size.to_string())
        .replace("{h}", &gb.hours.to_string());
    let page = OfferPage {
        p: v.chrome(&gb.product_name),
        price: Fen(gb.price_fen).yuan_string(),
        team_price: Fen(gb.team_price_fen).yuan_string(),
        rule,
        sold_out: gb.left == Some(0),
        open_action: format!("{}/open", offer_path(v, gb.group_buy_id.0)),
        mine,
        notice: notice(v, "team", result, &[]),
        gb,
    };
    Ok(page_html(page))
}

/// POST /h/{tenant}/gb/{id}/open: opens a team for the visitor (or answers their open
/// team), then on to the team's page.
pub async fn open(
    State(s): State<AppState>,
    Path((_, id)): Path<(String, i64)>,
    headers: HeaderMap,
    v: Visit,
) -> Response {
    let back = offer_path(&v, id);
    let m = match super::landing::taker(&s, &v, &headers, "group_buy", &back).await {
        Ok(m) => m,
        Err(r) => return r,
    };
    match team::open(&s.db, v.tenant, GroupBuyId(id), m).await {
        Ok(team::Outcome::Refused(why)) => {
            Redirect::to(&format!("{back}?r={}", why.as_str())).into_response()
        }
        Ok(team::Outcome::Joined(d) | team::Outcome::Completed(d) | team::Outcome::Again(d)) => {
            let to = team_path(&v, d.team.team_id.0);
            Redirect::to(&format!("{to}?r=opened")).into_response()
        }
        Err(e) => missing(&v, e),
    }
}

/// GET /h/{tenant}/t/{team}: the team's page (one past its deadline is failed on the way).
pub async fn page(
    State(s): State<AppState>,
    Path((_, id)): Path<(String, i64)>,
    axum::extract::Query(q): axum::extract::Query<SaleQuery>,
    headers: HeaderMap,
    v: Visit,
) -> Response {
    let d = match group_buys::team(&s.db, v.tenant, TeamId(id)).await {
        Ok(d) => d,
        Err(e) => return missing(&v, e),
    };
    let (member, cookies) = match super::participant(&s, &v, &headers, q.m.as_deref()).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    match render_team(&s, &v, &headers, d, member, q.r.as_deref()).await {
        Ok(r) => with_cookies(r, cookies),
        Err(e) => crate::ui::server_error(e),
    }
}

async fn render_team(
    s: &AppState,
    v: &Visit,
    headers: &HeaderMap,
    d: TeamDetail,
    member: Option<MemberId>,
    result: Option<&str>,
) -> quanzi_core::Result<Response> {
    let t = |k: &str| text::t(v.lang, k);
    let offset = quanzi_core::zone::offset_secs(&s.db, v.tenant).await?;
    let ids: Vec<MemberId> = d.members.iter().map(|m| m.member_id).collect();
    let names = group_buys::member_names(&s.db, v.tenant, &ids).await?;
    let mut seats: Vec<Seat> = d
        .members
        .iter()
        .map(|m| Seat {
            label: if m.seq == 1 {
                t("team.leader").to_string()
            } else {
                masked(names.get(&m.member_id).map_or("?", String::as_str))
            },
            class: if m.seq == 1 { "leader" } else { "in" },
        })
        .collect();
    for _ in 0..d.team.virtual_members {
        seats.push(Seat {
            label: t("team.virtual").to_string(),
            class: "virtual",
        });
    }
    for _ in 0..d.team.places_left {
        seats.push(Seat {
            label: "?".into(),
            class: "empty",
        });
    }
    let team = &d.team;
    let filled = team.member_count + team.virtual_members;
    let in_team = member.is_some_and(|m| ids.contains(&m));
    let path = team_path(v, team.team_id.0);
    let page = TeamPage {
        p: v.chrome(&d.group_buy.product_name),
        price: Fen(d.group_buy.price_fen).yuan_string(),
        team_price: Fen(d.group_buy.team_price_fen).yuan_string(),
        state: team.state.as_str(),
        state_label: t(&format!("team.state.{}", team.state.as_str())),
        need: t("team.need").replace("{n}", &team.places_left.to_string()),
        filled_pct: (filled * 100 / team.team_size.max(1)).min(100),
        countdown_s: match team.state {
            TeamState::Open => ((team.deadline_at_ms - now_ms()) / 1000).max(0),
            _ => 0,
        },
        deadline: crate::ui::fmt_ms_in(team.deadline_at_ms, offset),
        seats,
        in_team,
        join_action: format!("{path}/join"),
        share_url: v.absolute(s, headers, &path),
        offer_href: offer_path(v, team.group_buy_id.0),
        succeeded: t("team.succeeded")
            .replace("{price}", &Fen(d.group_buy.team_price_fen).yuan_string()),
        notice: notice(v, "team", result, &["opened", "joined", "completed"]),
        d,
    };
    Ok(page_html(page))
}

/// POST /h/{tenant}/t/{team}/join: the visitor joins the team, then back to its page saying
/// what came of it.
pub async fn join(
    State(s): State<AppState>,
    Path((_, id)): Path<(String, i64)>,
    headers: HeaderMap,
    v: Visit,
) -> Response {
    let back = team_path(&v, id);
    let m = match super::landing::taker(&s, &v, &headers, "group_buy", &back).await {
        Ok(m) => m,
        Err(r) => return r,
    };
    let r = match team::join(&s.db, v.tenant, TeamId(id), m).await {
        Ok(team::Outcome::Joined(_) | team::Outcome::Again(_)) => "joined",
        Ok(team::Outcome::Completed(_)) => "completed",
        Ok(team::Outcome::Refused(why)) => why.as_str(),
        Err(e) => return missing(&v, e),
    };
    Redirect::to(&format!("{back}?r={r}")).into_response()
}
