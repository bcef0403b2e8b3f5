//! `GET /ui/members/export?format=csv|xlsx`: the filtered member list as a file, through
//! `quanzi_channels::export`; phone numbers masked (`138****5678`) for viewers, as on screen.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use quanzi_channels::export::{Cell, Table};
use quanzi_core::read::member::{self, MemberFilter};
use serde::Deserialize;

use super::pages::MemberPageQuery;
use super::{UiUser, server_error};
use crate::AppState;
use crate::error::{ApiError, AppQuery};

/// The most members one export holds.
pub const MAX_EXPORT_ROWS: usize = 50_000;

/// The file format asked for.
#[derive(Debug, Default, Deserialize)]
pub struct ExportQuery {
    /// `csv` (default) or `xlsx`.
    format: Option<String>,
}

/// GET /ui/members/export: the members the page's filters keep, at most [`MAX_EXPORT_ROWS`].
pub async fn export_members(
    State(s): State<AppState>,
    u: UiUser,
    AppQuery(fmt): AppQuery<ExportQuery>,
    AppQuery(q): AppQuery<MemberPageQuery>,
) -> Response {
    let csv = match fmt.format.as_deref().unwrap_or("csv") {
        "csv" => true,
        "xlsx" => false,
        _ => return ApiError::field("format", "must be csv or xlsx").into_response(),
    };
    export(&s, &u, q.filter(), csv).await
}

/// The members `f` keeps (at most [`MAX_EXPORT_ROWS`]) as a CSV or XLSX download, in the
/// operator's language, phones as the operator may see them.
pub(in crate::ui) async fn export(
    s: &AppState,
    u: &UiUser,
    mut f: MemberFilter,
    csv: bool,
) -> Response {
    let l = u.layout("members");
    let headers = [
        "col.id",
        "col.name",
        "col.gender",
        "col.district",
        "col.tier",
        "col.stage",
        "col.source",
        "col.phone",
    ]
    .iter()
    .map(|k| l.t(k).to_string())
    .collect();
    f.limit = 500;
    let mut rows = Vec::new();
    while rows.len() < MAX_EXPORT_ROWS {
        let page = match member::list(&s.db, u.tenant(), &f).await {
            Ok(p) => p,
            Err(e) => return server_error(e),
        };
        let full = page.len() as i64 == f.limit;
        f.after = page.last().map(|m| m.member_id.0);
        for m in page {
            let text = |v: &Option<String>| Cell::Text(v.clone().unwrap_or_default());
            rows.push(vec![
                Cell::Int(m.member_id.0),
                Cell::Text(m.name.clone()),
                Cell::Text(l.t(&format!("gender.{}", m.gender)).to_string()),
                text(&m.district),
                Cell::Text(l.t(&format!("tier.{}", m.spending_tier)).to_string()),
                Cell::Text(l.t(&format!("stage.{}", m.lifecycle_stage)).to_string()),
                Cell::Text(
                    m.source_channel
                        .as_deref()
                        .map(|c| l.code("channel", c))
                        .unwrap_or_default(),
                ),
                Cell::Text(m.phone.as_deref().map(|p| u.phone(p)).unwrap_or_default()),
            ]);
        }
        if !full {
            break;
        }
    }
    rows.truncate(MAX_EXPORT_ROWS);
    let table = Table {
        name: l.t("nav.members").to_string(),
        headers,
        rows,
    };
    super::kpi::download(&table, csv, "quanzi-members")
}
