//! The CSV/XLSX export of a KPI page's tables, and [`download`], which other UI pages use to
//! send a table as a file.

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use quanzi_channels::export::{self, Table};

use super::{page_of, view};
use crate::AppState;
use crate::api::kpi::KpiParams;
use crate::error::{ApiError, AppQuery};
use crate::ui::{UiUser, server_error};

/// GET /ui/kpi/{page}/export?format=csv|xlsx&table=N: one of the page's tables as a file.
pub async fn export_table(
    State(s): State<AppState>,
    u: UiUser,
    Path(name): Path<String>,
    AppQuery(q): AppQuery<ExportParams>,
) -> Response {
    let Some(page) = page_of(&name) else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    let csv = match q.format.as_deref() {
        Some("csv") | None => true,
        Some("xlsx") => false,
        Some(_) => return ApiError::field("format", "must be csv or xlsx").into_response(),
    };
    let index = match q.table.as_deref().map(str::parse::<usize>) {
        None => 0,
        Some(Ok(n)) => n,
        Some(Err(_)) => return ApiError::field("table", "must be a table number").into_response(),
    };
    let l = u.layout("kpi");
    let v = match view(&s, &u, &l, page, &q.kpi).await {
        Ok(v) => v,
        Err(e) => return e.into_response(),
    };
    let Some(t) = v.tables.into_iter().nth(index) else {
        return ApiError::field("table", "this page has no such table").into_response();
    };
    let table = Table {
        name: t.title.clone(),
        headers: t.headers,
        rows: t
            .rows
            .into_iter()
            .map(|r| r.into_iter().map(|c| c.raw).collect())
            .collect(),
    };
    // The file says what it holds: the page, the table and the range.
    let range = match q.kpi.resolve(&s, u.tenant()).await {
        Ok(p) => format!(
            "-{}_{}",
            quanzi_core::kpi::format_date(p.from_day),
            quanzi_core::kpi::format_date(p.to_day)
        ),
        Err(_) => String::new(),
    };
    download(&table, csv, &format!("quanzi-{page}-{index}{range}"))
}

/// `table` as a CSV or XLSX attachment named `file` (without extension).
pub(in crate::ui) fn download(table: &Table, csv: bool, file: &str) -> Response {
    let (bytes, mime, ext) = if csv {
        (export::to_csv(table), "text/csv; charset=utf-8", "csv")
    } else {
        match export::to_xlsx(table) {
            Ok(b) => (
                b,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "xlsx",
            ),
            Err(e) => return server_error(e),
        }
    };
    (
        [
            (header::CONTENT_TYPE, mime.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}.{ext}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// The export's own parameters beside the report's.
#[derive(Debug, Default, serde::Deserialize)]
pub struct ExportParams {
    /// csv (default) or xlsx.
    format: Option<String>,
    /// Which of the page's tables (0-based, default 0).
    table: Option<String>,
    #[serde(flatten)]
    kpi: KpiParams,
}
