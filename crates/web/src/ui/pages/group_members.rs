//! A group's members managed from its page: add a member (a join now), remove one (a leave
//! now), change a member's role. Each form redirects (303) back to the group's members with
//! what was done, or why not, in the operator's language.

use axum::Form;
use axum::extract::State;
use axum::response::Response;
use quanzi_core::{CoreError, groups};
use quanzi_domain::{GroupId, MemberId};
use serde::Deserialize;

use super::super::form::refused;
use super::super::form::{refusal, see_other};
use super::super::{UiUser, server_error, urlencode};
use crate::AppState;
use crate::api::IdPath;

/// The membership form: which member, what to do, and the role to set.
#[derive(Debug, Deserialize)]
pub struct MembershipForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    member_id: String,
    /// `add`, `remove` or `role`.
    #[serde(default)]
    action: String,
    #[serde(default)]
    role: String,
}

/// POST /ui/groups/{id}/members.
pub async fn change(
    State(s): State<AppState>,
    u: UiUser,
    IdPath(id): IdPath<GroupId>,
    Form(f): Form<MembershipForm>,
) -> Response {
    if let Some(why) = refusal(&u, &f.csrf, u.perms().write, "correct.forbidden") {
        return refused(why);
    }
    let back = |outcome: &str| see_other(&format!("/ui/groups/{id}?{outcome}#members"));
    let Some(m) = f
        .member_id
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|m| *m > 0)
        .map(MemberId)
    else {
        return back("gm=err.member");
    };
    let t = u.tenant();
    let role = Some(f.role.trim()).filter(|r| !r.is_empty());
    let r = match f.action.as_str() {
        "add" => groups::add_member(&s.db, t, id, m, role, Some("operator".into()), None).await,
        "remove" => groups::remove_member(&s.db, t, id, m).await,
        "role" if role.is_some() => groups::add_member(&s.db, t, id, m, role, None, None).await,
        _ => return back("gm=err.action"),
    };
    match r {
        Ok(_) => {
            s.analytics.appended(&s.db, t);
            back(&format!("gm=done.{}&m={}", urlencode(&f.action), m.0))
        }
        Err(CoreError::Invalid(inv)) => {
            let on_group = inv.0.iter().find(|e| e.field == "group_id");
            back(match on_group {
                Some(e) if e.reason.contains("archived") => "gm=err.archived",
                Some(_) => "gm=err.full",
                None => "gm=err.role",
            })
        }
        Err(CoreError::NotFound("membership")) => back("gm=err.not_in"),
        Err(CoreError::NotFound("group")) => super::not_found(),
        Err(CoreError::NotFound(_)) => back("gm=err.member"),
        Err(e) => server_error(e),
    }
}
