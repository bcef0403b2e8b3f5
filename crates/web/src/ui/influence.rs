//! The influence pages under `/ui/influence`: the KOL list by role with its recompute button
//! (here), seed choice ([`seeds`]), a run's progress and result ([`runs`]), and the influence
//! section of a member's page ([`member`]).
//!
//! Runs are computed by the background worker; a page showing a pending or running run polls
//! its progress (`/ui/influence/runs/{id}/progress`) and reloads when it is over.

mod explain;
mod member;
mod result;
mod runs;
mod seeds;

use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use quanzi_core::CoreError;
use quanzi_core::influence::{self, Run, RunRequest};
use quanzi_domain::GroupId;
use quanzi_domain::access::OperatorRole;
use serde::Deserialize;

use super::i18n::Lang;
use super::pages::{Outcome, SelectionBar};
use super::{Layout, UiUser, render, server_error, urlencode};
use crate::AppState;
use crate::auth::constant_time_eq;

/// Rows of the KOL list.
const KOL_ROWS: i64 = 50;

/// The influence routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/ui/influence", get(index))
        .route("/ui/influence/kol", get(kol_rows))
        .route("/ui/influence/recompute", post(recompute))
        .route("/ui/influence/seeds", get(seeds::form).post(seeds::submit))
        .route("/ui/influence/runs/{id}", get(runs::page))
        .route("/ui/influence/runs/{id}/progress", get(runs::progress))
        .route("/ui/influence/runs/{id}/simulate", post(runs::simulate))
        .route("/ui/members/{id}/influence", get(member::section))
}

/// A form that carries only the CSRF token.
#[derive(Debug, Default, Deserialize)]
pub struct CsrfForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

/// A run still being computed, as its progress bar shows it.
pub struct ProgressView {
    run_id: i64,
    pct: u32,
    label: String,
}

impl ProgressView {
    /// The progress of `run`, when it is pending or running.
    fn of(l: &Layout, run: &Run) -> Option<ProgressView> {
        under_way(run).then(|| ProgressView {
            run_id: run.run_id.0,
            pct: (run.progress.clamp(0.0, 1.0) * 100.0).round() as u32,
            label: stage_label(l.lang, run),
        })
    }
}

/// True while the worker has yet to finish `run`.
fn under_way(run: &Run) -> bool {
    matches!(run.state.as_str(), "pending" | "running")
}

/// The run's state ("Computing", "Done"…) in `lang`.
fn state_label(lang: Lang, run: &Run) -> String {
    lang.t(&format!("inf.state.{}", run.state)).to_string()
}

/// The run's kind ("Seed choice", "Spread simulation"…) in `lang`.
fn kind_label(lang: Lang, run: &Run) -> String {
    lang.t(&format!("inf.kind.{}", run.kind)).to_string()
}

/// "Computing · Building the graph", in the UI language.
fn stage_label(lang: Lang, run: &Run) -> String {
    let stage = match (run.state.as_str(), run.stage.as_deref()) {
        ("pending", _) | (_, None) => "inf.stage.wait".to_string(),
        (_, Some(s)) => format!("inf.stage.{s}"),
    };
    format!("{} · {}", state_label(lang, run), lang.t(&stage))
}

/// A short page saying why nothing is shown (not found, not allowed), with its status.
#[derive(Template)]
#[template(path = "influence_notice.html")]
struct NoticePage {
    l: Layout,
    title: String,
    body: String,
}

fn notice(u: &UiUser, status: StatusCode, title: &str, body: &str) -> Response {
    notice_text(u, status, title, u.lang.t(body).to_string())
}

/// [`notice`] with a body that is already text.
fn notice_text(u: &UiUser, status: StatusCode, title: &str, body: String) -> Response {
    let l = u.layout("influence");
    let page = NoticePage {
        title: l.t(title).to_string(),
        body,
        l,
    };
    let mut r = render(page);
    *r.status_mut() = status;
    r
}

/// The 404 page of a run or member that is not the tenant's (or not a number).
fn not_found(u: &UiUser) -> Response {
    notice(u, StatusCode::NOT_FOUND, "inf.missing", "inf.missing.body")
}

/// A positive numeric id from a path segment.
fn parse_id(raw: &str) -> Option<i64> {
    raw.trim().parse::<i64>().ok().filter(|v| *v > 0)
}

/// True when the operator may start runs.
fn can_write(u: &UiUser) -> bool {
    OperatorRole::parse(&u.session.role).is_some_and(|r| r.can_write())
}

/// Refuses a write with a wrong CSRF token or from a read-only operator (403).
fn guard(u: &UiUser, csrf: &str) -> Option<Response> {
    if !constant_time_eq(csrf.as_bytes(), u.session.csrf_token.as_bytes()) {
        return Some(notice(
            u,
            StatusCode::FORBIDDEN,
            "inf.forbidden",
            "inf.csrf",
        ));
    }
    (!can_write(u)).then(|| notice(u, StatusCode::FORBIDDEN, "inf.forbidden", "inf.read_only"))
}

/// Replaces each `{name}` in a translated template.
fn fill(template: &str, vars: &[(&str, String)]) -> String {
    vars.iter().fold(template.to_string(), |s, (k, v)| {
        s.replace(&format!("{{{k}}}"), v)
    })
}

/// Members in the graph of a scores run (0 when unknown).
fn graph_nodes(run: &Run) -> u64 {
    run.result
        .as_ref()
        .and_then(|r| r["graph"]["nodes"].as_u64())
        .unwrap_or(0)
}

/// A scores run's graph size and scored members, as sentences in the UI language.
fn scores_summary(l: &Layout, run: &Run) -> (String, String) {
    let r = run.result.clone().unwrap_or_default();
    let n = |v: &serde_json::Value| v.as_u64().unwrap_or(0).to_string();
    let graph = fill(
        l.t("inf.graph_size"),
        &[
            ("nodes", n(&r["graph"]["nodes"])),
            ("edges", n(&r["graph"]["edges"])),
            ("events", n(&r["graph"]["events"])),
        ],
    );
    (graph, fill(l.t("inf.scored"), &[("n", n(&r["scored"]))]))
}

/// The role named in a query, or the influencer.
fn role_of(name: Option<&str>) -> &'static str {
    name.and_then(influence::role_by_name)
        .map_or("influencer", |(_, n, _)| n)
}

/// Filters of the KOL list (strings, so a bad value is shown rather than refused).
#[derive(Debug, Default, Deserialize)]
pub struct KolQuery {
    role: Option<String>,
    group_id: Option<String>,
}

impl KolQuery {
    /// The filters of a query string; an unreadable one is ignored.
    fn parse(raw: Option<&str>) -> KolQuery {
        serde_urlencoded::from_str(raw.unwrap_or("")).unwrap_or_default()
    }

    /// The group filter as typed, when there is one.
    fn group_raw(&self) -> Option<&str> {
        self.group_id
            .as_deref()
            .map(str::trim)
            .filter(|g| !g.is_empty())
    }

    fn group(&self) -> Option<Result<i64, ()>> {
        Some(self.group_raw()?.parse::<i64>().map_err(|_| ()))
    }
}

/// The latest finished scores run, as the page's header says it.
struct LatestView {
    at: String,
    graph: String,
    scored: String,
}

fn latest_view(l: &Layout, run: &Run) -> LatestView {
    let (graph, scored) = scores_summary(l, run);
    LatestView {
        at: finished_text(l, run),
        graph,
        scored,
    }
}

/// When a run finished (when it was asked for, if it has not).
fn finished_text(l: &Layout, run: &Run) -> String {
    l.fmt_ms(run.finished_at_ms.unwrap_or(run.created_at_ms))
}

#[derive(Template)]
#[template(path = "influence.html")]
struct KolPage {
    l: Layout,
    role: &'static str,
    tabs: Vec<(&'static str, String)>,
    hint: String,
    groups: Vec<(i64, String, bool)>,
    latest: Option<LatestView>,
    progress: Option<ProgressView>,
    failed: Option<String>,
    write: bool,
    query: String,
    group_q: String,
    /// What the last action on a selection of the list did.
    notice: Option<(String, bool)>,
}

/// GET /ui/influence: the KOL list's frame (role tabs, group filter, latest run, recompute);
/// the rows come from [`kol_rows`].
pub async fn index(State(s): State<AppState>, u: UiUser, RawQuery(raw): RawQuery) -> Response {
    let q = KolQuery::parse(raw.as_deref());
    let outcome: Outcome =
        serde_urlencoded::from_str(raw.as_deref().unwrap_or("")).unwrap_or_default();
    let t = u.tenant();
    let l = u.layout("influence");
    let role = role_of(q.role.as_deref());
    let newest = match newest_scores(&s, &u).await {
        Ok(r) => r,
        Err(e) => return server_error(e),
    };
    // The latest finished run is the newest one when that is done (both go by run id).
    let latest = match &newest {
        None => None,
        Some(r) if r.state == "done" => Some(r.clone()),
        Some(_) => match influence::latest_scores(&s.db, t).await {
            Ok(r) => r,
            Err(e) => return server_error(e),
        },
    };
    let groups = match quanzi_core::groups::all(&s.db, t).await {
        Ok(g) => g,
        Err(e) => return server_error(e),
    };
    let chosen = q.group().and_then(Result::ok);
    let group_q = q
        .group_raw()
        .map(|g| format!("&group_id={}", urlencode(g)))
        .unwrap_or_default();
    let query = format!("role={role}{group_q}");
    let names: Vec<(i64, String)> = groups
        .iter()
        .map(|g| (g.group_id.0, g.name.clone()))
        .collect();
    render(KolPage {
        notice: outcome.notice(&l, &names),
        role,
        tabs: influence::ROLES
            .iter()
            .map(|(_, n, _)| (*n, l.t(&format!("inf.role.{n}")).to_string()))
            .collect(),
        hint: l.t(&format!("inf.hint.{role}")).to_string(),
        groups: groups
            .into_iter()
            .map(|g| (g.group_id.0, g.name, Some(g.group_id.0) == chosen))
            .collect(),
        latest: latest.as_ref().map(|r| latest_view(&l, r)),
        progress: newest.as_ref().and_then(|r| ProgressView::of(&l, r)),
        failed: newest
            .filter(|r| r.state == "failed")
            .map(|r| r.error.unwrap_or_default()),
        write: can_write(&u),
        query,
        group_q,
        l,
    })
}

/// One line of the KOL list as shown.
struct KolRowView {
    rank: usize,
    member_id: i64,
    name: String,
    score: String,
    badges: Vec<(String, String)>,
    why: String,
}

#[derive(Template)]
#[template(path = "influence_kol_partial.html")]
struct KolRows {
    l: Layout,
    rows: Vec<KolRowView>,
    error: Option<String>,
    /// The selection bar over the rows (none with an error).
    sel: Option<SelectionBar>,
}

/// GET /ui/influence/kol: the KOL list's rows for a role and group (htmx partial).
pub async fn kol_rows(State(s): State<AppState>, u: UiUser, RawQuery(q): RawQuery) -> Response {
    let q = KolQuery::parse(q.as_deref());
    let t = u.tenant();
    let l = u.layout("influence");
    let role = role_of(q.role.as_deref());
    let group = match q.group() {
        None => None,
        Some(Ok(g)) => Some(g),
        Some(Err(())) => return kol_error(l, "inf.err.group_id"),
    };
    let n = match influence::latest_scores(&s.db, t).await {
        Ok(Some(run)) => graph_nodes(&run),
        Ok(None) => 0,
        Err(e) => return server_error(e),
    };
    let entries = match influence::kol(&s.db, t, role, group.map(GroupId), KOL_ROWS).await {
        Ok(e) => e,
        Err(CoreError::Invalid(_)) => return kol_error(l, "inf.err.group_id"),
        Err(e) => return server_error(e),
    };
    let rows = entries
        .iter()
        .map(|e| KolRowView {
            rank: e.rank,
            member_id: e.member.member_id,
            name: e.name.clone(),
            score: explain::score_text(role, &e.member, n),
            badges: explain::badges(l.lang, &e.member.roles),
            why: explain::why(l.lang, role, &e.member, n),
        })
        .collect();
    let back = format!(
        "/ui/influence?role={role}{}",
        q.group_raw()
            .map(|g| format!("&group_id={}", urlencode(g)))
            .unwrap_or_default()
    );
    let sel = match SelectionBar::load(&s, &u, &back).await {
        Ok(b) => b,
        Err(e) => return server_error(e),
    };
    render(KolRows {
        l,
        rows,
        error: None,
        sel: Some(sel),
    })
}

/// The tenant's newest scores run, whatever its state.
async fn newest_scores(s: &AppState, u: &UiUser) -> Result<Option<Run>, CoreError> {
    Ok(influence::list(&s.db, u.tenant(), Some("scores"), 1)
        .await?
        .into_iter()
        .next())
}

fn kol_error(l: Layout, key: &str) -> Response {
    let error = Some(l.t(key).to_string());
    render(KolRows {
        l,
        sel: None,
        rows: Vec::new(),
        error,
    })
}

/// POST /ui/influence/recompute: starts a scores run (unless one is under way) and goes back
/// to the KOL list, which follows its progress.
pub async fn recompute(State(s): State<AppState>, u: UiUser, Form(f): Form<CsrfForm>) -> Response {
    if let Some(r) = guard(&u, &f.csrf) {
        return r;
    }
    let busy = match newest_scores(&s, &u).await {
        Ok(r) => r.as_ref().is_some_and(under_way),
        Err(e) => return server_error(e),
    };
    if !busy {
        let req = RunRequest {
            kind: "scores".into(),
            ..RunRequest::default()
        };
        if let Err(e) = influence::request(&s.db, u.tenant(), &req).await {
            return server_error(e);
        }
    }
    Redirect::to("/ui/influence").into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_are_filled_by_name_and_unknown_roles_fall_back_to_influencer() {
        assert_eq!(
            fill("{a} of {b}, {a}", &[("a", "1".into()), ("b", "2".into())]),
            "1 of 2, 1"
        );
        assert_eq!(role_of(Some("maven")), "maven");
        assert_eq!(role_of(Some("nope")), "influencer");
        assert_eq!(role_of(None), "influencer");
        assert_eq!(parse_id("12"), Some(12));
        assert_eq!(parse_id("-1"), None);
        assert_eq!(parse_id("x"), None);
    }
}
