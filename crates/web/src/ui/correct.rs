//! Correcting data from the operator UI: the void button on a member's timeline
//! (`POST /ui/events/{id}/void`, operators and above) and the erase button on a member's page
//! (`POST /ui/members/{id}/erase`, admins).

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use quanzi_core::CoreError;
use quanzi_domain::{EventId, MemberId};
use serde::Deserialize;

use super::{Layout, UiUser, render, server_error};
use crate::AppState;
use crate::api::IdPath;

#[derive(Template)]
#[template(path = "correct_notice.html")]
struct Notice {
    l: Layout,
    title: String,
    body: String,
    back: String,
}

/// A page saying why the correction did not happen, in the operator's language.
fn notice(u: &UiUser, status: StatusCode, body: String, back: String) -> Response {
    let l = u.layout("members");
    let page = Notice {
        title: l.t("correct.refused").to_string(),
        body,
        back,
        l,
    };
    let mut r = render(page);
    *r.status_mut() = status;
    r
}

/// The void form: CSRF token, reason, and the member page to return to.
#[derive(Debug, Deserialize)]
pub struct VoidForm {
    #[serde(rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    member_id: i64,
}

/// POST /ui/events/{id}/void: voids the event, back to the member's timeline.
pub async fn void_event(
    State(s): State<AppState>,
    u: UiUser,
    IdPath(id): IdPath<EventId>,
    Form(f): Form<VoidForm>,
) -> Response {
    let back = format!("/ui/members/{}", f.member_id.max(0));
    if let Some(refusal) = guard(&u, &f.csrf, u.perms().write, "correct.forbidden", &back) {
        return refusal;
    }
    let actor = quanzi_domain::access::Actor::Operator(u.session.operator_id);
    match quanzi_core::correct::void_event(&s.db, u.tenant(), id, &f.reason, actor).await {
        Ok(_) => {
            s.analytics.appended(&s.db, u.tenant());
            Redirect::to(&back).into_response()
        }
        Err(e) => refused(&u, e, back),
    }
}

/// The 403 page of a correction form sent without the session's CSRF token, or by an
/// operator whose role is not `allowed` (explained by the message `denied`); `None` to go on.
fn guard(
    u: &UiUser,
    csrf: &str,
    allowed: bool,
    denied: &'static str,
    back: &str,
) -> Option<Response> {
    let why = super::form::refusal(u, csrf, allowed, denied)?;
    Some(notice(
        u,
        StatusCode::FORBIDDEN,
        u.lang.t(why).into(),
        back.to_string(),
    ))
}

/// The erase form: CSRF token only.
#[derive(Debug, Deserialize)]
pub struct EraseForm {
    #[serde(rename = "_csrf")]
    csrf: String,
}

/// POST /ui/members/{id}/erase: erases the member's personal data (admins), back to the page.
pub async fn erase_member(
    State(s): State<AppState>,
    u: UiUser,
    IdPath(id): IdPath,
    Form(f): Form<EraseForm>,
) -> Response {
    let back = format!("/ui/members/{id}");
    if let Some(refusal) = guard(&u, &f.csrf, u.perms().admin, "correct.admin_only", &back) {
        return refusal;
    }
    let actor = quanzi_domain::access::Actor::Operator(u.session.operator_id);
    match quanzi_core::correct::erase_member(&s.db, u.tenant(), MemberId(id), actor).await {
        Ok(_) => Redirect::to(&back).into_response(),
        Err(e) => refused(&u, e, back),
    }
}

/// The page for a refused correction: bad input and missing objects are explained, store
/// failures are a 500.
fn refused(u: &UiUser, e: CoreError, back: String) -> Response {
    match e {
        CoreError::Invalid(i) => {
            let body =
                i.0.iter()
                    .map(|f| format!("{}: {}", f.field, f.reason))
                    .collect::<Vec<_>>()
                    .join("; ");
            notice(u, StatusCode::UNPROCESSABLE_ENTITY, body, back)
        }
        CoreError::NotFound(_) => notice(
            u,
            StatusCode::NOT_FOUND,
            u.lang.t("correct.missing").into(),
            back,
        ),
        other => server_error(other),
    }
}
