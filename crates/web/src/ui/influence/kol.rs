//! The KOL list under `/ui/influence`: the members by role from the newest scores, filtered by
//! role and group, and the button that asks for the scores again.

use askama::Template;
use axum::Form;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Redirect, Response};
use quanzi_core::CoreError;
use quanzi_core::influence::{self, Run, RunRequest};
use quanzi_domain::GroupId;
use serde::Deserialize;

use super::super::pages::{Outcome, SelectionBar};
use super::super::{Layout, UiUser, render, server_error, urlencode};
use super::{
    CsrfForm, ProgressView, can_write, explain, finished_text, graph_nodes, guard, role_of,
    scores_summary, under_way,
};
use crate::AppState;

/// Rows of the KOL list.
const KOL_ROWS: i64 = 50;

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
