//! The dashboard, member and group pages: shared helpers and re-exports of the handlers.

use axum::response::{IntoResponse, Response};
use quanzi_core::read::event::DayCount;
use quanzi_core::read::group::Group;
use quanzi_domain::event::Builtin;
use serde_json::json;

use super::{Layout, fmt_day};

macro_rules! try_ui {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(e) => return server_error(e),
        }
    };
}

mod dashboard;
mod group_form;
mod group_members;
mod groups;
mod member;
mod member_form;
mod members;
mod merge;
mod selection;

pub use dashboard::dashboard;
pub use group_form::{
    archive as archive_group, create as create_group, edit_form as edit_group_form,
    new_form as new_group_form, update as update_group,
};
pub use group_members::change as change_group_members;
pub use groups::{group, groups};
pub use member::member;
pub use member_form::{
    create as create_member, edit_form as edit_member_form, new_form as new_member_form,
    update as update_member,
};
pub use members::{MemberPageQuery, members};
pub use merge::{confirm as confirm_merge, page as merge_page};
pub(in crate::ui) use selection::Outcome;
pub(in crate::ui) use selection::SelectionBar;
pub use selection::act as act_on_selection;

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
        match Builtin::parse(&d.kind) {
            Some(Builtin::Order) => orders[i] += d.events,
            Some(Builtin::Join) => joins[i] += d.events,
            Some(Builtin::Leave | Builtin::Refund) => {}
            _ => inter[i] += d.events,
        }
    }
    let labels: Vec<String> = (from_day..=to_day).map(fmt_day).collect();
    let mut option = json!({
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
    });
    super::kpi::mark_today(l, &mut option);
    option.to_string()
}

/// The ids of the tenant's dead groups over the analytics page's default range (the same
/// flags as 数据分析 and the dashboard).
async fn dead_groups(
    s: &crate::AppState,
    t: quanzi_domain::TenantId,
) -> Result<Vec<i64>, quanzi_core::CoreError> {
    let p = quanzi_core::kpi::resolve(&s.db, t, &quanzi_core::kpi::KpiQuery::default()).await?;
    Ok(quanzi_core::kpi::groups(&s.analytics, &s.db, t, &p)
        .await?
        .groups
        .into_iter()
        .filter(|g| g.dead && g.members > 0)
        .map(|g| g.group_id)
        .collect())
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
            group_id: g.group_id.0,
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

/// A history cursor this UI made, or none (a foreign one starts the history again).
fn history_cursor(c: Option<String>) -> Option<String> {
    c.filter(|c| quanzi_core::parse_keyset::<2>(Some(c)).is_ok())
}
