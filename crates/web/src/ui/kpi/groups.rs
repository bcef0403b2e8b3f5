//! The groups report: one row per group with its activity, sales and alive/lurking/dead status.

use quanzi_core::kpi;

use super::format::{
    badge_cell, int_cell, link_cell, money_cell, num, num_cell, pct_cell, text_cell,
};
use super::{CardView, TableView, View};
use crate::ui::Layout;

/// The groups page body.
pub(super) fn groups_view(l: &Layout, r: &kpi::GroupsReport) -> View {
    let headers = [
        "kpi.c.group",
        "kpi.c.members",
        "kpi.c.active",
        "kpi.card.active_rate",
        "kpi.card.dau",
        "kpi.c.messages",
        "kpi.card.gmv_fen",
        "kpi.card.orders",
        "kpi.card.buyers",
        "kpi.card.repurchase_rate",
        "kpi.card.lurkers",
        "kpi.c.status",
        "kpi.c.last_message",
    ]
    .iter()
    .map(|k| l.t(k).to_string())
    .collect();
    let rows = r
        .groups
        .iter()
        .map(|g| {
            vec![
                link_cell(g.name.clone(), format!("/ui/groups/{}", g.group_id)),
                int_cell(i64::from(g.members)),
                int_cell(i64::from(g.active_members)),
                pct_cell(g.active_rate),
                num_cell(g.avg_dau),
                int_cell(g.messages as i64),
                money_cell(g.gmv_fen),
                int_cell(i64::from(g.orders)),
                int_cell(i64::from(g.buyers)),
                pct_cell(g.repurchase_rate),
                int_cell(i64::from(g.lurkers)),
                if g.dead {
                    badge_cell(l.t("kpi.dead"), "badge red")
                } else if g.members > 0 && f64::from(g.lurkers) > 0.8 * f64::from(g.members) {
                    badge_cell(l.t("kpi.lurking"), "badge warn")
                } else {
                    badge_cell(l.t("kpi.alive"), "badge ok")
                },
                text_cell(g.last_message.clone().unwrap_or_default()),
            ]
        })
        .collect();
    let dead = r.groups.iter().filter(|g| g.dead).count();
    View {
        cards: vec![
            CardView::plain(
                l.t("kpi.c.groups").into(),
                num(r.groups.len() as f64),
                l.t("kpi.def.groups").into(),
            ),
            CardView::plain(
                l.t("kpi.card.dead_groups").into(),
                num(dead as f64),
                l.t("kpi.def.dead_groups").into(),
            ),
        ],
        tables: vec![TableView {
            title: l.t("kpi.tab.groups").into(),
            headers,
            rows,
        }],
        notes: vec![format!(
            "{} {} · {} {}",
            l.t("kpi.note.dead"),
            r.dead_days,
            l.t("kpi.note.lurker"),
            r.lurker_days
        )],
        ..View::default()
    }
}
