//! The dashboard page (`/ui`): the analytics page's default 30 days (the same cards, from the
//! same index), what needs attention today with links, the activity chart and the largest
//! groups with their dead flags.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use quanzi_core::kpi::{self, Attention};
use serde_json::json;

use super::super::kpi::{CardView, card_views, mark_today};
use super::super::{Layout, UiUser, render, server_error};
use super::GroupRow;
use crate::AppState;

/// The cards the dashboard shows, of the analytics overview's.
const CARDS: [&str; 6] = [
    "members",
    "active_rate",
    "mau",
    "orders",
    "gmv_fen",
    "dead_groups",
];

/// One line of the attention list: what, and where to look.
struct AttentionView {
    kind: &'static str,
    text: String,
    href: String,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    l: Layout,
    cards: Vec<CardView>,
    range: String,
    attention: Vec<AttentionView>,
    chart: String,
    top_groups: Vec<(GroupRow, bool)>,
}

fn attention_view(l: &Layout, a: &Attention) -> AttentionView {
    let pct = |v: f64| format!("{:.1}%", v * 100.0);
    match a {
        Attention::DeadGroup {
            group_id,
            name,
            members,
            last_message,
        } => AttentionView {
            kind: "dead",
            text: l
                .t("dash.att.dead")
                .replace("{group}", name)
                .replace("{n}", &members.to_string())
                .replace(
                    "{last}",
                    last_message.as_deref().unwrap_or(l.t("dash.att.never")),
                ),
            href: format!("/ui/groups/{group_id}"),
        },
        Attention::OverAdvised {
            group_id,
            name,
            size,
            advised,
            hard,
        } => AttentionView {
            kind: if size >= hard { "full" } else { "over" },
            text: l
                .t(if size >= hard {
                    "dash.att.full"
                } else {
                    "dash.att.over"
                })
                .replace("{group}", name)
                .replace("{size}", &size.to_string())
                .replace("{advised}", &advised.to_string())
                .replace("{hard}", &hard.to_string()),
            href: format!("/ui/groups/{group_id}"),
        },
        Attention::Churn { leaves, joins } => AttentionView {
            kind: "churn",
            text: l
                .t("dash.att.churn")
                .replace("{leaves}", &leaves.to_string())
                .replace("{joins}", &joins.to_string()),
            href: "/ui/kpi/overview".into(),
        },
        Attention::GroupQr {
            group_id,
            name,
            expires_at_ms,
        } => AttentionView {
            kind: "qr",
            text: match expires_at_ms {
                Some(e) => l
                    .t("dash.att.qr_expiring")
                    .replace("{group}", name)
                    .replace("{at}", &l.fmt_ms(*e)),
                None => l.t("dash.att.qr_missing").replace("{group}", name),
            },
            href: format!("/ui/groups/{group_id}"),
        },
        Attention::RewardsHeld { count } => AttentionView {
            kind: "held",
            text: l
                .t("dash.att.rewards_held")
                .replace("{n}", &count.to_string()),
            href: "/ui/growth/review".into(),
        },
        Attention::LurkersRising { share, previous } => AttentionView {
            kind: "lurkers",
            text: l
                .t("dash.att.lurkers")
                .replace("{share}", &pct(*share))
                .replace("{previous}", &pct(*previous)),
            href: "/ui/kpi/groups".into(),
        },
    }
}

/// GET /ui.
pub async fn dashboard(State(s): State<AppState>, u: UiUser) -> Response {
    let t = u.tenant();
    let d = try_ui!(kpi::dashboard(&s.analytics, &s.db, t).await);
    let l = u.layout("dashboard");
    let o = &d.overview;
    let picked: Vec<kpi::Card> = CARDS
        .iter()
        .filter_map(|k| o.cards.iter().find(|c| c.key == *k).cloned())
        .collect();
    let (dau, orders, joins) = (
        l.t("kpi.card.dau"),
        l.t("kpi.card.orders"),
        l.t("kpi.card.joins"),
    );
    let mut chart = json!({
        "tooltip": {"trigger": "axis"},
        "legend": {"data": [dau, orders, joins]},
        "grid": {"left": 50, "right": 50, "top": 40, "bottom": 30, "containLabel": true},
        "xAxis": {"type": "category", "data": o.series.days.iter().map(|d| d.get(5..).unwrap_or(d)).collect::<Vec<_>>()},
        "yAxis": [{"type": "value"}, {"type": "value"}],
        "series": [
            {"name": dau, "type": "line", "smooth": true, "areaStyle": {"opacity": 0.15}, "data": o.series.dau},
            {"name": orders, "type": "bar", "yAxisIndex": 1, "data": o.series.orders},
            {"name": joins, "type": "bar", "yAxisIndex": 1, "data": o.series.joins},
        ]
    });
    mark_today(&l, &mut chart);
    let mut groups = d.all.clone();
    groups.sort_by_key(|g| std::cmp::Reverse(g.size));
    let dead: Vec<i64> = d
        .groups
        .iter()
        .filter(|g| g.dead && g.members > 0)
        .map(|g| g.group_id)
        .collect();
    let top_groups = groups
        .iter()
        .take(8)
        .map(|g| (GroupRow::from(g), dead.contains(&g.group_id.0)))
        .collect();
    render(DashboardPage {
        cards: card_views(&l, &picked),
        range: format!("{} – {}", o.range.from, o.range.to),
        attention: d.attention.iter().map(|a| attention_view(&l, a)).collect(),
        chart: chart.to_string(),
        top_groups,
        l,
    })
}
