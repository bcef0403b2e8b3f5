//! The group list (`/ui/groups`) and the group page (`/ui/groups/{id}`).

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use quanzi_core::read::group;
use quanzi_core::read::group::Group;
use quanzi_domain::GroupId;
use serde::Deserialize;
use serde_json::json;

use super::super::{Layout, UiUser, render, server_error};
use super::{GroupRow, activity_chart, dead_groups, history_cursor, not_found};
use crate::AppState;
use crate::api::IdPath;
use crate::error::AppQuery;

#[derive(Template)]
#[template(path = "groups.html")]
struct GroupsPage {
    l: Layout,
    rows: Vec<GroupRow>,
    /// The archived groups are listed (instead of the others).
    archived: bool,
    /// How many groups are archived.
    n_archived: usize,
    /// May create groups.
    can_write: bool,
    /// The dead groups' ids.
    dead: Vec<i64>,
}

/// The group list's query: archived groups are listed only when asked for.
#[derive(Debug, Default, Deserialize)]
pub struct GroupsQuery {
    archived: Option<String>,
}

/// GET /ui/groups[?archived=1].
pub async fn groups(
    State(s): State<AppState>,
    u: UiUser,
    AppQuery(q): AppQuery<GroupsQuery>,
) -> Response {
    let all = try_ui!(group::list(&s.db, u.tenant(), None, None, 1000).await);
    let archived = q.archived.as_deref() == Some("1");
    let n_archived = all.iter().filter(|g| g.archived_at_ms.is_some()).count();
    let groups: Vec<_> = all
        .into_iter()
        .filter(|g| g.archived_at_ms.is_some() == archived)
        .collect();
    render(GroupsPage {
        archived,
        n_archived,
        l: u.layout("groups"),
        rows: groups.iter().map(GroupRow::from).collect(),
        can_write: u.perms().write,
        dead: try_ui!(dead_groups(&s, u.tenant()).await),
    })
}

#[derive(Template)]
#[template(path = "group.html")]
struct GroupPage {
    l: Layout,
    g: Group,
    dimension_key: String,
    theme: String,
    rules: String,
    pct: i64,
    chart: String,
    roles_chart: String,
    history: Vec<(String, i64, String, String, String)>,
    history_next: Option<String>,
    /// `(id, name, role label key, joined, scene, role)`.
    members: Vec<(i64, String, String, String, String, String)>,
    /// May edit the group.
    can_write: bool,
    /// Nobody wrote in it for the dead-group threshold.
    dead: bool,
    /// Where the next page of members starts (the last member id shown).
    members_next: Option<i64>,
    /// The members page starts after a member (a link back to the first page is shown).
    members_paged: bool,
    /// `(code, label)` of the roles a member can have.
    roles: Vec<(&'static str, String)>,
    /// What the last change of membership did, and whether it was refused.
    notice: Option<(String, bool)>,
}

/// Members shown per page of a group.
const MEMBERS_PAGE: i64 = 50;

/// The group page's query: where its history resumes.
#[derive(Debug, Default, Deserialize)]
pub struct GroupQuery {
    history_cursor: Option<String>,
    /// The member id the members page starts after.
    members_after: Option<String>,
    /// The outcome of a membership change (`done.add`, `err.full`, …) and its member.
    gm: Option<String>,
    m: Option<i64>,
}

/// GET /ui/groups/{id}[?history_cursor=…]: its history page by page.
pub async fn group(
    State(s): State<AppState>,
    u: UiUser,
    IdPath(id): IdPath<GroupId>,
    AppQuery(q): AppQuery<GroupQuery>,
) -> Response {
    let t = u.tenant();
    let Some(g) = try_ui!(group::get(&s.db, t, id).await) else {
        return not_found();
    };
    let today = try_ui!(quanzi_core::zone::today(&s.db, t).await);
    let from = today - 29;
    let daily = try_ui!(quanzi_core::events::daily(&s.db, t, Some(id), from).await);
    let roles = try_ui!(group::role_counts(&s.db, t, id).await);
    let cursor = history_cursor(q.history_cursor);
    let history = try_ui!(quanzi_core::groups::history(&s.db, t, id, cursor.as_deref(), 30).await);
    let (history, history_next) = (history.items, history.next_cursor);
    let after = q
        .members_after
        .as_deref()
        .and_then(|v| v.parse::<i64>().ok())
        .filter(|v| *v > 0);
    let mut members = try_ui!(
        group::members(
            &s.db,
            t,
            id,
            after.map(quanzi_domain::MemberId),
            MEMBERS_PAGE + 1
        )
        .await
    );
    let members_next = (members.len() as i64 > MEMBERS_PAGE).then(|| {
        members.truncate(MEMBERS_PAGE as usize);
        members.last().map(|m| m.member_id.0)
    });
    let l = u.layout("groups");
    let chart = activity_chart(&l, &daily, from, today);
    let roles_chart = json!({
        "tooltip": {"trigger": "item"},
        "series": [{"type": "pie", "radius": ["40%", "70%"], "data": roles.iter().map(|(r, n)| json!({"name": l.t(&format!("role.{r}")).to_string(), "value": n})).collect::<Vec<_>>()}]
    })
    .to_string();
    let dead = try_ui!(dead_groups(&s, t).await).contains(&id.0);
    let notice =
        q.gm.as_deref()
            .filter(|k| k.starts_with("done.") || k.starts_with("err."))
            .map(|k| {
                let text = l
                    .t(&format!("gm.{k}"))
                    .replace("{m}", &q.m.unwrap_or_default().to_string());
                (text, k.starts_with("err."))
            });
    let roles = quanzi_domain::group::GroupRole::ALL
        .iter()
        .map(|r| (r.as_str(), l.t(&format!("role.{}", r.as_str())).to_string()))
        .collect();
    render(GroupPage {
        dead,
        members_next: members_next.flatten(),
        members_paged: after.is_some(),
        roles,
        notice,
        can_write: u.perms().write,
        dimension_key: format!("dim.{}", g.dimension),
        theme: g.theme.clone().unwrap_or_default(),
        rules: g.rules.clone().unwrap_or_default(),
        pct: (g.size * 100 / g.capacity_hard.max(1)).min(100),
        chart,
        roles_chart,
        history_next,
        history: history
            .into_iter()
            .map(|h| {
                (
                    u.fmt_ms(h.at_ms),
                    h.member_id.0,
                    h.member_name,
                    format!("change.{}", h.change),
                    h.join_scene.unwrap_or_default(),
                )
            })
            .collect(),
        members: members
            .into_iter()
            .map(|m| {
                (
                    m.member_id.0,
                    m.name,
                    format!("role.{}", m.role),
                    u.fmt_ms(m.joined_at_ms),
                    m.join_scene.unwrap_or_default(),
                    m.role,
                )
            })
            .collect(),
        g,
        l,
    })
}
