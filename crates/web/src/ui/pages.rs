//! The dashboard, member and group pages.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use quanzi_domain::member::{LifecycleStage, SpendingTier};
use quanzi_domain::{Fen, GroupId, MemberId};
use quanzi_store::event::{DayCount, EventFilter};
use quanzi_store::group::Group;
use quanzi_store::member::{Member, MemberFilter};
use quanzi_store::tag::Tag;
use quanzi_store::{event, group, member, now_ms, tag};
use serde::Deserialize;
use serde_json::json;

use super::{Layout, UiUser, fmt_day, fmt_ms, render, server_error, urlencode};
use crate::AppState;
use crate::api::IdPath;
use crate::error::AppQuery;

const DAY_MS: i64 = 86_400_000;

macro_rules! try_ui {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(e) => return server_error(e),
        }
    };
}

fn not_found() -> Response {
    (axum::http::StatusCode::NOT_FOUND, "not found").into_response()
}

/// An ECharts option: interactions as a line and orders as bars, per day.
fn activity_chart(l: &Layout, days: &[DayCount], from_day: i64, to_day: i64) -> String {
    let n = (to_day - from_day + 1).max(1) as usize;
    let mut inter = vec![0i64; n];
    let mut orders = vec![0i64; n];
    let mut joins = vec![0i64; n];
    for d in days {
        let Some(i) = usize::try_from(d.day - from_day).ok().filter(|i| *i < n) else {
            continue;
        };
        match d.kind.as_str() {
            "order" => orders[i] += d.events,
            "join" => joins[i] += d.events,
            "leave" | "refund" => {}
            _ => inter[i] += d.events,
        }
    }
    let labels: Vec<String> = (from_day..=to_day).map(fmt_day).collect();
    json!({
        "tooltip": {"trigger": "axis"},
        "legend": {"data": [l.t("chart.interactions"), l.t("kind.order"), l.t("kind.join")]},
        "grid": {"left": 50, "right": 50, "top": 40, "bottom": 30},
        "xAxis": {"type": "category", "data": labels},
        "yAxis": [{"type": "value"}, {"type": "value"}],
        "series": [
            {"name": l.t("chart.interactions"), "type": "line", "smooth": true, "areaStyle": {"opacity": 0.15}, "data": inter},
            {"name": l.t("kind.order"), "type": "bar", "yAxisIndex": 1, "data": orders},
            {"name": l.t("kind.join"), "type": "bar", "yAxisIndex": 1, "data": joins},
        ]
    })
    .to_string()
}

fn day_of(ms: i64) -> i64 {
    (ms + event::SHANGHAI_OFFSET_MS).div_euclid(DAY_MS)
}

struct GroupRow {
    group_id: i64,
    name: String,
    dimension_key: String,
    theme: String,
    size: i64,
    advised: i64,
    hard: i64,
    pct: i64,
}

impl From<&Group> for GroupRow {
    fn from(g: &Group) -> Self {
        GroupRow {
            group_id: g.group_id,
            name: g.name.clone(),
            dimension_key: format!("dim.{}", g.dimension),
            theme: g.theme.clone().unwrap_or_default(),
            size: g.size,
            advised: g.capacity_advised,
            hard: g.capacity_hard,
            pct: (g.size * 100 / g.capacity_hard.max(1)).min(100),
        }
    }
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    l: Layout,
    members: i64,
    groups: usize,
    active7: i64,
    events30: i64,
    orders30: i64,
    gmv30: String,
    chart: String,
    top_groups: Vec<GroupRow>,
}

/// GET /ui.
pub async fn dashboard(State(s): State<AppState>, u: UiUser) -> Response {
    let t = u.tenant();
    let now = now_ms();
    let members = try_ui!(member::count(&s.db, t).await);
    let mut groups = try_ui!(group::list(&s.db, t, None, None, 1000).await);
    let t7 = try_ui!(event::totals_since(&s.db, t, now - 7 * DAY_MS).await);
    let t30 = try_ui!(event::totals_since(&s.db, t, now - 30 * DAY_MS).await);
    let from = day_of(now) - 29;
    let daily =
        try_ui!(event::daily(&s.db, t, None, from * DAY_MS - event::SHANGHAI_OFFSET_MS).await);
    let l = u.layout("dashboard");
    let chart = activity_chart(&l, &daily, from, day_of(now));
    groups.sort_by_key(|g| std::cmp::Reverse(g.size));
    let top_groups = groups.iter().take(8).map(GroupRow::from).collect();
    render(DashboardPage {
        members,
        groups: groups.len(),
        active7: t7.active_members,
        events30: t30.events,
        orders30: t30.orders,
        gmv30: Fen(t30.gmv_fen).yuan_string(),
        chart,
        top_groups,
        l,
    })
}

/// Filters of the member page (strings; unknown values are ignored).
#[derive(Debug, Default, Deserialize)]
pub struct MemberPageQuery {
    q: Option<String>,
    district: Option<String>,
    lifecycle_stage: Option<String>,
    spending_tier: Option<String>,
    cursor: Option<String>,
}

impl MemberPageQuery {
    pub(super) fn filter(&self) -> MemberFilter {
        let clean = crate::error::nonblank;
        MemberFilter {
            q: clean(&self.q).map(|q| q.chars().take(64).collect()),
            district: clean(&self.district),
            lifecycle_stage: clean(&self.lifecycle_stage)
                .filter(|v| LifecycleStage::parse(v).is_some()),
            spending_tier: clean(&self.spending_tier).filter(|v| SpendingTier::parse(v).is_some()),
            after: self.cursor.as_deref().and_then(|c| c.parse().ok()),
            limit: 50,
            ..Default::default()
        }
    }

    fn next_query(&self, cursor: &str) -> String {
        let mut q = format!("cursor={}", urlencode(cursor));
        for (k, v) in [
            ("q", &self.q),
            ("district", &self.district),
            ("lifecycle_stage", &self.lifecycle_stage),
            ("spending_tier", &self.spending_tier),
        ] {
            if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
                q.push_str(&format!("&{k}={}", urlencode(v)));
            }
        }
        q
    }
}

struct MemberRowView {
    member_id: i64,
    name: String,
    gender: String,
    district: String,
    interests: String,
    tier: String,
    stage: String,
    source: String,
    phone: String,
}

impl From<&Member> for MemberRowView {
    fn from(m: &Member) -> Self {
        MemberRowView {
            member_id: m.member_id,
            name: m.name.clone(),
            gender: format!("gender.{}", m.gender),
            district: m.district.clone().unwrap_or_default(),
            interests: m.interests.join("、"),
            tier: format!("tier.{}", m.spending_tier),
            stage: format!("stage.{}", m.lifecycle_stage),
            source: m.source_channel.clone().unwrap_or_default(),
            phone: m.phone.clone().unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "members.html")]
struct MembersPage {
    l: Layout,
    total: i64,
    q: String,
    district: String,
    stage: String,
    tier: String,
    districts: Vec<String>,
    stages: Vec<(String, String)>,
    tiers: Vec<(String, String)>,
    rows: Vec<MemberRowView>,
    next: Option<String>,
}

#[derive(Template)]
#[template(path = "members_partial.html")]
struct MemberRowsPartial {
    l: Layout,
    rows: Vec<MemberRowView>,
    next: Option<String>,
}

async fn member_rows_of(
    s: &AppState,
    u: &UiUser,
    q: &MemberPageQuery,
) -> Result<(Vec<MemberRowView>, Option<String>), quanzi_store::StoreError> {
    let f = q.filter();
    let items = member::list(&s.db, u.tenant(), &f).await?;
    let next = (items.len() as i64 == f.limit)
        .then(|| items.last().map(|m| q.next_query(&m.member_id.to_string())))
        .flatten();
    let mut rows: Vec<MemberRowView> = items.iter().map(MemberRowView::from).collect();
    rows.iter_mut().for_each(|r| r.phone = u.phone(&r.phone));
    Ok((rows, next))
}

/// GET /ui/members.
pub async fn members(
    State(s): State<AppState>,
    u: UiUser,
    AppQuery(q): AppQuery<MemberPageQuery>,
) -> Response {
    let (rows, next) = try_ui!(member_rows_of(&s, &u, &q).await);
    let total = try_ui!(member::count(&s.db, u.tenant()).await);
    let districts = try_ui!(member::districts(&s.db, u.tenant()).await);
    let v = |o: &Option<String>| o.clone().unwrap_or_default();
    render(MembersPage {
        l: u.layout("members"),
        total,
        q: v(&q.q),
        district: v(&q.district),
        stage: v(&q.lifecycle_stage),
        tier: v(&q.spending_tier),
        districts,
        stages: LifecycleStage::ALL
            .iter()
            .map(|s| (s.as_str().to_string(), format!("stage.{s}")))
            .collect(),
        tiers: SpendingTier::ALL
            .iter()
            .map(|s| (s.as_str().to_string(), format!("tier.{s}")))
            .collect(),
        rows,
        next,
    })
}

/// GET /ui/members/rows: the table body only (htmx search and paging).
pub async fn member_rows(
    State(s): State<AppState>,
    u: UiUser,
    AppQuery(q): AppQuery<MemberPageQuery>,
) -> Response {
    let (rows, next) = try_ui!(member_rows_of(&s, &u, &q).await);
    render(MemberRowsPartial {
        l: u.layout("members"),
        rows,
        next,
    })
}

struct EventView {
    event_id: i64,
    /// The void's reason when the event was voided (shown struck through).
    void: Option<String>,
    time: String,
    kind: String,
    kind_key: String,
    group: String,
    amount: String,
    product: String,
    reference: String,
}

#[derive(Template)]
#[template(path = "member.html")]
struct MemberPage {
    l: Layout,
    m: Member,
    merged_into: Option<i64>,
    gender: String,
    district: String,
    interests: String,
    tier: String,
    stage: String,
    source: String,
    phone: String,
    external: String,
    unionid: String,
    created: String,
    custom: Vec<(String, String)>,
    tags: Vec<Tag>,
    groups: Vec<(i64, String, String, String)>,
    history: Vec<(String, String, String, String)>,
    history_next: Option<String>,
    timeline: Vec<EventView>,
    /// May void events.
    can_write: bool,
    /// May erase the member.
    can_admin: bool,
    /// The member was erased on request.
    erased: bool,
    timeline_next: Option<String>,
}

/// The member page's query: where its timeline resumes.
#[derive(Debug, Default, Deserialize)]
pub struct MemberQuery {
    events_cursor: Option<String>,
    history_cursor: Option<String>,
}

/// A history cursor this UI made, or none (a foreign one starts the history again).
fn history_cursor(c: Option<String>) -> Option<String> {
    c.filter(|c| quanzi_core::parse_keyset::<3>(Some(c)).is_ok())
}

/// GET /ui/members/{id}[?events_cursor=…]: the timeline page by page.
pub async fn member(
    State(s): State<AppState>,
    u: UiUser,
    IdPath(id): IdPath,
    AppQuery(q): AppQuery<MemberQuery>,
) -> Response {
    let t = u.tenant();
    let Some(mut m) = try_ui!(member::get(&s.db, t, MemberId(id)).await) else {
        return not_found();
    };
    m.phone = m.phone.map(|p| u.phone(&p));
    let tags = try_ui!(tag::of_member(&s.db, t, MemberId(id)).await);
    let groups = try_ui!(group::groups_of_member(&s.db, t, MemberId(id)).await);
    let cursor = history_cursor(q.history_cursor);
    let history = try_ui!(
        quanzi_core::groups::member_history(&s.db, t, MemberId(id), cursor.as_deref(), 50).await
    );
    let (history, history_next) = (history.items, history.next_cursor);
    // A cursor this page did not make starts the timeline again rather than failing.
    let cursor = q
        .events_cursor
        .filter(|c| quanzi_core::parse_keyset::<2>(Some(c)).is_ok());
    let f = EventFilter {
        member_id: Some(id),
        limit: 100,
        ..Default::default()
    };
    let page = try_ui!(quanzi_core::events::list(&s.db, t, f, cursor.as_deref()).await);
    let (events, timeline_next) = (page.items, page.next_cursor);
    let mut events = events;
    if let Err(e) = quanzi_core::correct::mark_voids(&s.db, t, &mut events).await {
        return server_error(e);
    }
    let names = try_ui!(group::names(&s.db, t).await);
    let erased = try_ui!(quanzi_store::erasure::is_erased(&s.db, t, MemberId(id)).await);
    let o = |v: &Option<String>| v.clone().unwrap_or_else(|| "—".into());
    let custom = m
        .custom
        .as_object()
        .map(|c| {
            c.iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v.as_str()
                            .map(str::to_string)
                            .unwrap_or_else(|| v.to_string()),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    render(MemberPage {
        l: u.layout("members"),
        merged_into: m.merged_into,
        gender: format!("gender.{}", m.gender),
        district: o(&m.district),
        interests: m.interests.join("、"),
        tier: format!("tier.{}", m.spending_tier),
        stage: format!("stage.{}", m.lifecycle_stage),
        source: o(&m.source_channel),
        phone: o(&m.phone),
        external: o(&m.external_userid),
        unionid: o(&m.unionid),
        created: fmt_ms(m.created_at_ms),
        custom,
        tags,
        groups: groups
            .into_iter()
            .map(|g| {
                (
                    g.group_id,
                    g.name,
                    format!("role.{}", g.role),
                    fmt_ms(g.joined_at_ms),
                )
            })
            .collect(),
        history: history
            .into_iter()
            .map(|h| {
                (
                    fmt_ms(h.at_ms),
                    format!("change.{}", h.change),
                    h.group_name,
                    h.join_scene.unwrap_or_default(),
                )
            })
            .collect(),
        timeline_next,
        history_next,
        timeline: events
            .into_iter()
            .map(|e| EventView {
                event_id: e.event_id,
                void: e.void.map(|v| v.reason),
                time: fmt_ms(e.occurred_at_ms),
                kind_key: if quanzi_domain::event::BUILTIN_KINDS.contains(&e.kind.as_str()) {
                    format!("kind.{}", e.kind)
                } else {
                    e.kind.clone()
                },
                kind: e.kind,
                group: e
                    .group_id
                    .and_then(|g| names.get(&g).cloned())
                    .unwrap_or_default(),
                amount: e
                    .amount_fen
                    .map(|a| format!("¥{}", Fen(a).yuan_string()))
                    .unwrap_or_default(),
                product: e.product.unwrap_or_default(),
                reference: e.reference.unwrap_or_default(),
            })
            .collect(),
        can_write: u.perms().write,
        can_admin: u.perms().admin,
        erased,
        m,
    })
}

#[derive(Template)]
#[template(path = "groups.html")]
struct GroupsPage {
    l: Layout,
    rows: Vec<GroupRow>,
}

/// GET /ui/groups.
pub async fn groups(State(s): State<AppState>, u: UiUser) -> Response {
    let groups = try_ui!(group::list(&s.db, u.tenant(), None, None, 1000).await);
    render(GroupsPage {
        l: u.layout("groups"),
        rows: groups.iter().map(GroupRow::from).collect(),
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
    members: Vec<(i64, String, String, String, String)>,
}

/// The group page's query: where its history resumes.
#[derive(Debug, Default, Deserialize)]
pub struct GroupQuery {
    history_cursor: Option<String>,
}

/// GET /ui/groups/{id}[?history_cursor=…]: its history page by page.
pub async fn group(
    State(s): State<AppState>,
    u: UiUser,
    IdPath(id): IdPath,
    AppQuery(q): AppQuery<GroupQuery>,
) -> Response {
    let t = u.tenant();
    let Some(g) = try_ui!(group::get(&s.db, t, GroupId(id)).await) else {
        return not_found();
    };
    let now = now_ms();
    let from = day_of(now) - 29;
    let daily = try_ui!(
        event::daily(
            &s.db,
            t,
            Some(GroupId(id)),
            from * DAY_MS - event::SHANGHAI_OFFSET_MS
        )
        .await
    );
    let roles = try_ui!(group::role_counts(&s.db, t, GroupId(id)).await);
    let cursor = history_cursor(q.history_cursor);
    let history =
        try_ui!(quanzi_core::groups::history(&s.db, t, GroupId(id), cursor.as_deref(), 30).await);
    let (history, history_next) = (history.items, history.next_cursor);
    let members = try_ui!(group::members(&s.db, t, GroupId(id), None, 100).await);
    let l = u.layout("groups");
    let chart = activity_chart(&l, &daily, from, day_of(now));
    let roles_chart = json!({
        "tooltip": {"trigger": "item"},
        "series": [{"type": "pie", "radius": ["40%", "70%"], "data": roles.iter().map(|(r, n)| json!({"name": l.t(&format!("role.{r}")).to_string(), "value": n})).collect::<Vec<_>>()}]
    })
    .to_string();
    render(GroupPage {
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
                    fmt_ms(h.at_ms),
                    h.member_id,
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
                    m.member_id,
                    m.name,
                    format!("role.{}", m.role),
                    fmt_ms(m.joined_at_ms),
                    m.join_scene.unwrap_or_default(),
                )
            })
            .collect(),
        g,
        l,
    })
}

#[derive(Template)]
#[template(path = "coming.html")]
struct ComingPage {
    l: Layout,
    title_key: &'static str,
    body_key: &'static str,
}

/// GET /ui/campaigns.
pub async fn campaigns(u: UiUser) -> Response {
    render(ComingPage {
        l: u.layout("campaigns"),
        title_key: "nav.campaigns",
        body_key: "coming.campaigns",
    })
}

/// GET /ui/growth.
pub async fn growth(u: UiUser) -> Response {
    render(ComingPage {
        l: u.layout("growth"),
        title_key: "nav.growth",
        body_key: "coming.growth",
    })
}
