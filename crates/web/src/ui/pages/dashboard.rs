//! The dashboard page (`/ui`): headline totals, the 30-day activity chart and the largest groups.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use quanzi_core::read::{event, group, member, now_ms};

use super::super::{Layout, UiUser, render, server_error};
use super::{DAY_MS, GroupRow, activity_chart};
use crate::AppState;

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
    let today = try_ui!(quanzi_core::zone::today(&s.db, t).await);
    let from = today - 29;
    let daily = try_ui!(quanzi_core::events::daily(&s.db, t, None, from).await);
    let l = u.layout("dashboard");
    let chart = activity_chart(&l, &daily, from, today);
    groups.sort_by_key(|g| std::cmp::Reverse(g.size));
    let top_groups = groups.iter().take(8).map(GroupRow::from).collect();
    render(DashboardPage {
        members,
        groups: groups.len(),
        active7: t7.active_members,
        events30: t30.events,
        orders30: t30.orders,
        gmv30: crate::ui::format::yuan(t30.gmv_fen),
        chart,
        top_groups,
        l,
    })
}
