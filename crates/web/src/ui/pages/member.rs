//! The member page (`/ui/members/{id}`): profile, tags, groups, history, influence and the
//! timeline, narrowed to a kind and paged.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use quanzi_core::read::event::EventFilter;
use quanzi_core::read::member::Member;
use quanzi_core::read::tag::Tag;
use quanzi_core::read::{group, member, tag};
use quanzi_domain::MemberId;
use serde::Deserialize;

use super::super::{Layout, UiUser, render, server_error};
use super::{history_cursor, not_found};
use crate::AppState;
use crate::api::IdPath;
use crate::error::AppQuery;

struct EventView {
    event_id: i64,
    /// The void's reason when the event was voided (shown struck through).
    void: Option<String>,
    time: String,
    kind: String,
    kind_label: String,
    group: String,
    amount: String,
    product: String,
    reference: String,
}

#[derive(Template)]
#[template(path = "member.html")]
struct MemberPage {
    l: Layout,
    m: Member,
    merged_into: Option<i64>,
    gender: String,
    district: String,
    interests: String,
    tier: String,
    stage: String,
    source: String,
    phone: String,
    external: String,
    unionid: String,
    created: String,
    custom: Vec<(String, String)>,
    tags: Vec<Tag>,
    groups: Vec<(i64, String, String, String)>,
    history: Vec<(String, String, String, String)>,
    history_next: Option<String>,
    timeline: Vec<EventView>,
    /// May void events.
    can_write: bool,
    /// May erase the member.
    can_admin: bool,
    /// The member was erased on request.
    erased: bool,
    timeline_next: Option<String>,
    /// The timeline's kind filter (`""` for all) and the kinds to choose from, labelled.
    kind: String,
    kinds: Vec<(String, String)>,
    /// The timeline starts from a cursor (a link back to its first page is shown).
    timeline_paged: bool,
}

/// The member page's query: where its timeline resumes.
#[derive(Debug, Default, Deserialize)]
pub struct MemberQuery {
    events_cursor: Option<String>,
    history_cursor: Option<String>,
    /// Only events of this kind on the timeline.
    kind: Option<String>,
}

/// GET /ui/members/{id}[?events_cursor=…]: the timeline page by page.
pub async fn member(
    State(s): State<AppState>,
    u: UiUser,
    IdPath(id): IdPath<MemberId>,
    AppQuery(q): AppQuery<MemberQuery>,
) -> Response {
    let t = u.tenant();
    let Some(mut m) = try_ui!(member::get(&s.db, t, id).await) else {
        return not_found();
    };
    m.phone = m.phone.map(|p| u.phone(&p));
    let tags = try_ui!(tag::of_member(&s.db, t, id).await);
    let groups = try_ui!(group::groups_of_member(&s.db, t, id).await);
    let cursor = history_cursor(q.history_cursor);
    let history =
        try_ui!(quanzi_core::groups::member_history(&s.db, t, id, cursor.as_deref(), 50).await);
    let (history, history_next) = (history.items, history.next_cursor);
    // A cursor this page did not make starts the timeline again rather than failing.
    let cursor = q
        .events_cursor
        .filter(|c| quanzi_core::parse_keyset::<2>(Some(c)).is_ok());
    let cursor_given = cursor.is_some();
    // The kinds the timeline can be narrowed to: the built-in ones and the tenant's.
    let kinds = try_ui!(quanzi_core::events::kinds(&s.db, t).await);
    let kind = q.kind.filter(|k| kinds.contains(k));
    let f = EventFilter {
        member_id: Some(id),
        kind: kind.clone(),
        limit: 100,
        ..Default::default()
    };
    let page = try_ui!(quanzi_core::events::list(&s.db, t, f, cursor.as_deref()).await);
    let (events, timeline_next) = (page.items, page.next_cursor);
    let names = try_ui!(group::names(&s.db, t).await);
    let erased = try_ui!(quanzi_core::read::correct::is_erased(&s.db, t, id).await);
    let o = |v: &Option<String>| v.clone().unwrap_or_else(|| "—".into());
    let custom = m
        .custom
        .as_object()
        .map(|c| {
            c.iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v.as_str()
                            .map(str::to_string)
                            .unwrap_or_else(|| v.to_string()),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    render(MemberPage {
        l: u.layout("members"),
        merged_into: m.merged_into.map(|x| x.0),
        gender: format!("gender.{}", m.gender),
        district: o(&m.district),
        interests: m.interests.join("、"),
        tier: format!("tier.{}", m.spending_tier),
        stage: format!("stage.{}", m.lifecycle_stage),
        source: o(&m.source_channel),
        phone: o(&m.phone),
        external: o(&m.external_userid),
        unionid: o(&m.unionid),
        created: u.fmt_ms(m.created_at_ms),
        custom,
        tags,
        groups: groups
            .into_iter()
            .map(|g| {
                (
                    g.group_id.0,
                    g.name,
                    format!("role.{}", g.role),
                    u.fmt_ms(g.joined_at_ms),
                )
            })
            .collect(),
        history: history
            .into_iter()
            .map(|h| {
                (
                    u.fmt_ms(h.at_ms),
                    format!("change.{}", h.change),
                    h.group_name,
                    h.join_scene.unwrap_or_default(),
                )
            })
            .collect(),
        timeline_paged: cursor_given,
        kinds: kinds.iter().map(|k| (k.clone(), u.lang.kind(k))).collect(),
        kind: kind.unwrap_or_default(),
        timeline_next,
        history_next,
        timeline: events
            .into_iter()
            .map(|e| EventView {
                event_id: e.event_id.0,
                void: e.void.map(|v| v.reason),
                time: u.fmt_ms(e.occurred_at_ms),
                kind_label: u.lang.kind(&e.kind),
                kind: e.kind,
                group: e
                    .group_id
                    .and_then(|g| names.get(&g.0).cloned())
                    .unwrap_or_default(),
                amount: e
                    .amount_fen
                    .map(crate::ui::format::yuan)
                    .unwrap_or_default(),
                product: e.product.unwrap_or_default(),
                reference: e.reference.unwrap_or_default(),
            })
            .collect(),
        can_write: u.perms().write,
        can_admin: u.perms().admin,
        erased,
        m,
    })
}
