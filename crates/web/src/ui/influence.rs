//! The influence pages under `/ui/influence`: the KOL list by role with its recompute button
//! ([`kol`]), seed choice ([`seeds`]), a run's progress and result ([`runs`]), and the influence
//! section of a member's page ([`member`]).
//!
//! Runs are computed by the background worker; a page showing a pending or running run polls
//! its progress (`/ui/influence/runs/{id}/progress`) and reloads when it is over.

mod explain;
mod kol;
mod member;
mod result;
mod runs;
mod seeds;

use askama::Template;
use axum::Router;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use quanzi_core::influence::{self, Run};
use quanzi_domain::access::OperatorRole;
use serde::Deserialize;

use super::i18n::Lang;
use super::{Layout, UiUser, render};
use crate::AppState;
use crate::auth::constant_time_eq;

/// The influence routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/ui/influence", get(kol::index))
        .route("/ui/influence/kol", get(kol::kol_rows))
        .route("/ui/influence/recompute", post(kol::recompute))
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

/// When a run finished (when it was asked for, if it has not).
fn finished_text(l: &Layout, run: &Run) -> String {
    l.fmt_ms(run.finished_at_ms.unwrap_or(run.created_at_ms))
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
