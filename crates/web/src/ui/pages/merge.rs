//! Merging two members from the pages (`/ui/members/{id}/merge`): find the duplicate by name,
//! phone or id, see what the merge would do (both sides, the kept member after, what moves),
//! then confirm; the confirmed merge redirects (303) to the kept member.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::Response;
use quanzi_core::CoreError;
use quanzi_core::members::{self, MergePreview};
use quanzi_core::read::member::{self, MemberFilter};
use quanzi_domain::MemberId;
use serde::Deserialize;

use super::super::form::refused;
use super::super::form::{refusal, see_other, unprocessable};
use super::super::{Layout, UiUser, render, server_error};
use super::not_found;
use crate::AppState;
use crate::api::IdPath;
use crate::error::AppQuery;

/// The merge page's query: a search for the duplicate, or the one chosen.
#[derive(Debug, Default, Deserialize)]
pub struct MergeQuery {
    q: Option<String>,
    source: Option<String>,
}

/// One line of the comparison: the field's label, the kept member's value, the merged one's,
/// and the kept member's after the merge.
struct Line {
    label: String,
    kept: String,
    merged: String,
    after: String,
}

#[derive(Template)]
#[template(path = "merge.html")]
struct MergePage {
    l: Layout,
    member_id: i64,
    name: String,
    q: String,
    candidates: Vec<(i64, String, String, String)>,
    preview: Option<Preview>,
    error: String,
}

/// The preview as the page shows it.
struct Preview {
    source_id: i64,
    source_name: String,
    lines: Vec<Line>,
    events: i64,
    groups: String,
    tags: String,
}

fn preview_of(u: &UiUser, p: MergePreview) -> Preview {
    let l = u.layout("members");
    let o = |v: &Option<String>| v.clone().unwrap_or_else(|| "—".into());
    let channel = |v: &Option<String>| {
        v.as_deref()
            .map_or_else(|| "—".into(), |c| l.code("channel", c))
    };
    let phone = |v: &Option<String>| v.as_deref().map_or_else(|| "—".into(), |p| u.phone(p));
    let list = |v: &[String]| {
        if v.is_empty() {
            "—".to_string()
        } else {
            v.join("、")
        }
    };
    let (t, s, a) = (&p.target, &p.source, &p.after);
    let line = |key: &str, kept: String, merged: String, after: String| Line {
        label: l.t(key).to_string(),
        kept,
        merged,
        after,
    };
    let lines = vec![
        line("mf.name", t.name.clone(), s.name.clone(), t.name.clone()),
        line(
            "mf.district",
            o(&t.district),
            o(&s.district),
            o(&a.district),
        ),
        line(
            "mf.interests",
            list(&t.interests),
            list(&s.interests),
            list(&a.interests),
        ),
        line(
            "mf.source_channel",
            channel(&t.source_channel),
            channel(&s.source_channel),
            channel(&a.source_channel),
        ),
        line(
            "mf.phone",
            phone(&t.phone),
            phone(&s.phone),
            phone(&a.phone),
        ),
        line(
            "mf.external_userid",
            o(&t.external_userid),
            o(&s.external_userid),
            o(&a.external_userid),
        ),
        line("mf.unionid", o(&t.unionid), o(&s.unionid), o(&a.unionid)),
    ];
    Preview {
        source_id: s.member_id.0,
        source_name: s.name.clone(),
        lines,
        events: p.events,
        groups: list(&p.groups),
        tags: list(&p.tags),
    }
}

/// GET /ui/members/{id}/merge[?q=…|?source=…].
pub async fn page(
    State(s): State<AppState>,
    u: UiUser,
    IdPath(id): IdPath<MemberId>,
    AppQuery(q): AppQuery<MergeQuery>,
) -> Response {
    if !u.perms().write {
        return refused("correct.forbidden");
    }
    let t = u.tenant();
    let Some(m) = try_ui!(member::get(&s.db, t, id).await) else {
        return not_found();
    };
    let search = crate::error::nonblank(&q.q).unwrap_or_default();
    let mut candidates = Vec::new();
    if !search.is_empty() {
        let f = MemberFilter {
            q: Some(search.chars().take(64).collect()),
            limit: 10,
            ..MemberFilter::default()
        };
        let mut found = try_ui!(member::list(&s.db, t, &f).await);
        if let Ok(n) = search.trim().parse::<i64>()
            && let Some(byid) = try_ui!(member::get(&s.db, t, MemberId(n)).await)
            && byid.merged_into.is_none()
        {
            found.insert(0, byid);
        }
        candidates = found
            .into_iter()
            .filter(|c| c.member_id != id)
            .map(|c| {
                let phone = c.phone.as_deref().map(|p| u.phone(p)).unwrap_or_default();
                (c.member_id.0, c.name, c.district.unwrap_or_default(), phone)
            })
            .collect();
    }
    let mut error = String::new();
    let preview = match q
        .source
        .as_deref()
        .and_then(|v| v.trim().parse::<i64>().ok())
    {
        None => None,
        Some(src) => match members::merge_preview(&s.db, t, id, MemberId(src)).await {
            Ok(p) => Some(preview_of(&u, p)),
            Err(CoreError::Invalid(inv)) => {
                error = inv
                    .0
                    .first()
                    .map(|e| u.lang.reason(&e.reason))
                    .unwrap_or_default();
                None
            }
            Err(CoreError::NotFound(_)) => {
                error = u.lang.t("merge.no_such").to_string();
                None
            }
            Err(e) => return server_error(e),
        },
    };
    let r = render(MergePage {
        l: u.layout("members"),
        member_id: id.0,
        name: m.name,
        q: search,
        candidates,
        preview,
        error: error.clone(),
    });
    if error.is_empty() {
        r
    } else {
        unprocessable(r)
    }
}

/// The confirmation: the member merged into this one.
#[derive(Debug, Deserialize)]
pub struct MergeForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    source: String,
}

/// POST /ui/members/{id}/merge: merges `source` into the member, then opens it.
pub async fn confirm(
    State(s): State<AppState>,
    u: UiUser,
    IdPath(id): IdPath<MemberId>,
    Form(f): Form<MergeForm>,
) -> Response {
    if let Some(why) = refusal(&u, &f.csrf, u.perms().write, "correct.forbidden") {
        return refused(why);
    }
    let Ok(source) = f.source.trim().parse::<i64>() else {
        return see_other(&format!("/ui/members/{id}/merge"));
    };
    match members::merge(&s.db, u.tenant(), id, MemberId(source)).await {
        Ok(_) => {
            s.analytics.appended(&s.db, u.tenant());
            see_other(&format!("/ui/members/{id}"))
        }
        // Refused (already merged, the same member): the preview says why.
        Err(CoreError::Invalid(_) | CoreError::NotFound(_)) => {
            see_other(&format!("/ui/members/{id}/merge?source={source}"))
        }
        Err(e) => server_error(e),
    }
}
