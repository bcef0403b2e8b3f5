//! The member list (`/ui/members`, its htmx rows) and the member page (`/ui/members/{id}`).

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use quanzi_core::read::event::EventFilter;
use quanzi_core::read::member::{Member, MemberFilter};
use quanzi_core::read::tag::Tag;
use quanzi_core::read::{group, member, tag};
use quanzi_domain::member::{LifecycleStage, SpendingTier};
use quanzi_domain::{GroupId, MemberId, TagId};
use serde::Deserialize;

use super::super::{Layout, UiUser, render, server_error, urlencode};
use super::selection::SelectionBar;
use super::{history_cursor, not_found};
use crate::AppState;
use crate::api::IdPath;
use crate::error::AppQuery;

/// Filters of the member page (strings; unknown values are ignored).
#[derive(Debug, Default, Deserialize)]
pub struct MemberPageQuery {
    q: Option<String>,
    district: Option<String>,
    lifecycle_stage: Option<String>,
    spending_tier: Option<String>,
    tag_id: Option<String>,
    group_id: Option<String>,
    cursor: Option<String>,
    /// The page just before this member id (the link back).
    before: Option<String>,
}

impl MemberPageQuery {
    /// The store filter these page filters stand for (also used by the member export).
    pub(in crate::ui) fn filter(&self) -> MemberFilter {
        let clean = crate::error::nonblank;
        MemberFilter {
            q: clean(&self.q).map(|q| q.chars().take(64).collect()),
            district: clean(&self.district),
            lifecycle_stage: clean(&self.lifecycle_stage)
                .filter(|v| LifecycleStage::parse(v).is_some()),
            spending_tier: clean(&self.spending_tier).filter(|v| SpendingTier::parse(v).is_some()),
            tag_id: clean(&self.tag_id).and_then(|v| v.parse().ok()).map(TagId),
            group_id: clean(&self.group_id)
                .and_then(|v| v.parse().ok())
                .map(GroupId),
            after: self.cursor.as_deref().and_then(|c| c.parse().ok()),
            before: self.before.as_deref().and_then(|c| c.parse().ok()),
            limit: 50,
            ..Default::default()
        }
    }

    /// The filters as they are named here, those set only.
    pub(in crate::ui) fn pairs(&self) -> Vec<(&'static str, &str)> {
        [
            ("q", &self.q),
            ("district", &self.district),
            ("lifecycle_stage", &self.lifecycle_stage),
            ("spending_tier", &self.spending_tier),
            ("tag_id", &self.tag_id),
            ("group_id", &self.group_id),
        ]
        .into_iter()
        .filter_map(|(k, v)| Some((k, v.as_deref().filter(|v| !v.trim().is_empty())?)))
        .collect()
    }

    /// The filters as a query string (no cursor).
    pub(in crate::ui) fn query(&self) -> String {
        self.pairs()
            .iter()
            .map(|(k, v)| format!("{k}={}", urlencode(v)))
            .collect::<Vec<_>>()
            .join("&")
    }

    /// The query of the page after (`cursor`) or before (`before`) member `id`.
    fn page_query(&self, key: &str, id: i64) -> String {
        let q = self.query();
        let sep = if q.is_empty() { "" } else { "&" };
        format!("{key}={id}{sep}{q}")
    }
}

struct MemberRowView {
    member_id: i64,
    name: String,
    gender: String,
    district: String,
    interests: String,
    tier: String,
    stage: String,
    source: String,
    phone: String,
}

impl From<&Member> for MemberRowView {
    fn from(m: &Member) -> Self {
        MemberRowView {
            member_id: m.member_id.0,
            name: m.name.clone(),
            gender: format!("gender.{}", m.gender),
            district: m.district.clone().unwrap_or_default(),
            interests: m.interests.join("、"),
            tier: format!("tier.{}", m.spending_tier),
            stage: format!("stage.{}", m.lifecycle_stage),
            source: m.source_channel.clone().unwrap_or_default(),
            phone: m.phone.clone().unwrap_or_default(),
        }
    }
}

/// What the last action on a selection did, as the redirect after it says
/// ([`super::selection`]).
#[derive(Debug, Default, Deserialize)]
pub(in crate::ui) struct Outcome {
    done: Option<String>,
    err: Option<String>,
    n: Option<u64>,
    c: Option<u64>,
    tag: Option<String>,
    already: Option<u64>,
    full: Option<u64>,
    group: Option<i64>,
}

impl Outcome {
    /// The sentence shown above the list, in the operator's language, and whether it is an
    /// error; none when nothing was done.
    pub(in crate::ui) fn notice(
        &self,
        l: &Layout,
        groups: &[(i64, String)],
    ) -> Option<(String, bool)> {
        if let Some(key) = self.err.as_deref().filter(|k| k.starts_with("sel.err.")) {
            return Some((l.t(key).to_string(), true));
        }
        let n = self.n.unwrap_or(0).to_string();
        let text = match self.done.as_deref()? {
            "tagged" | "untagged" => l
                .t(if self.done.as_deref() == Some("tagged") {
                    "sel.done.tagged"
                } else {
                    "sel.done.untagged"
                })
                .replace("{n}", &n)
                .replace("{c}", &self.c.unwrap_or(0).to_string())
                .replace("{tag}", self.tag.as_deref().unwrap_or_default()),
            "added" => {
                let group = groups
                    .iter()
                    .find(|g| Some(g.0) == self.group)
                    .map_or("", |g| g.1.as_str());
                let mut t = l
                    .t("sel.done.added")
                    .replace("{n}", &n)
                    .replace("{group}", group);
                if self.already.unwrap_or(0) > 0 {
                    t.push_str(
                        &l.t("sel.done.already")
                            .replace("{n}", &self.already.unwrap_or(0).to_string()),
                    );
                }
                if self.full.unwrap_or(0) > 0 {
                    t.push_str(
                        &l.t("sel.done.full")
                            .replace("{n}", &self.full.unwrap_or(0).to_string()),
                    );
                }
                t
            }
            _ => return None,
        };
        Some((text, false))
    }
}

#[derive(Template)]
#[template(path = "members.html")]
struct MembersPage {
    l: Layout,
    total: i64,
    q: String,
    district: String,
    stage: String,
    tier: String,
    tag_id: String,
    group_id: String,
    /// The tenant's tags and groups, to filter by.
    tags: Vec<(i64, String)>,
    groups: Vec<(i64, String)>,
    /// The selection bar.
    sel: SelectionBar,
    notice: Option<(String, bool)>,
    districts: Vec<String>,
    stages: Vec<(String, String)>,
    tiers: Vec<(String, String)>,
    rows: Vec<MemberRowView>,
    pager: Pager,
    /// May create members.
    can_write: bool,
}

/// A page of the member list and the queries of the pages before and after it (keyset on
/// the member id both ways; one row more than shown tells whether there is more).
async fn member_rows_of(
    s: &AppState,
    u: &UiUser,
    q: &MemberPageQuery,
) -> Result<(Vec<MemberRowView>, Pager), quanzi_core::read::StoreError> {
    let mut f = q.filter();
    let limit = f.limit as usize;
    f.limit += 1;
    let mut items = member::list(&s.db, u.tenant(), &f).await?;
    let backwards = f.before.is_some();
    let more = items.len() > limit;
    if more && backwards {
        items.remove(0);
    } else if more {
        items.truncate(limit);
    }
    let (has_prev, has_next) = if backwards {
        (more, true)
    } else {
        (f.after.is_some(), more)
    };
    let page = |key: &str, m: Option<&Member>| m.map(|m| q.page_query(key, m.member_id.0));
    let pager = Pager {
        prev: has_prev.then(|| page("before", items.first())).flatten(),
        next: has_next.then(|| page("cursor", items.last())).flatten(),
    };
    let mut rows: Vec<MemberRowView> = items.iter().map(MemberRowView::from).collect();
    rows.iter_mut().for_each(|r| r.phone = u.phone(&r.phone));
    Ok((rows, pager))
}

/// The queries of the pages before and after the one shown.
#[derive(Debug, Default)]
pub(in crate::ui) struct Pager {
    prev: Option<String>,
    next: Option<String>,
}

/// GET /ui/members.
pub async fn members(
    State(s): State<AppState>,
    u: UiUser,
    AppQuery(q): AppQuery<MemberPageQuery>,
    AppQuery(outcome): AppQuery<Outcome>,
) -> Response {
    let t = u.tenant();
    let (rows, pager) = try_ui!(member_rows_of(&s, &u, &q).await);
    let total = try_ui!(member::count_matching(&s.db, t, &q.filter()).await);
    let districts = try_ui!(member::districts(&s.db, t).await);
    let tags: Vec<(i64, String)> = try_ui!(tag::list(&s.db, t).await)
        .into_iter()
        .map(|g| (g.tag_id.0, format!("{} · {}", g.group_name, g.name)))
        .collect();
    let mut sel = try_ui!(SelectionBar::load(&s, &u, "/ui/members").await);
    sel.filters = q
        .pairs()
        .into_iter()
        .map(|(k, v)| (k, v.to_string()))
        .collect();
    sel.total = Some(total);
    let groups = sel.groups.clone();
    let v = |o: &Option<String>| o.clone().unwrap_or_default();
    let l = u.layout("members");
    render(MembersPage {
        notice: outcome.notice(&l, &groups),
        l,
        total,
        q: v(&q.q),
        district: v(&q.district),
        stage: v(&q.lifecycle_stage),
        tier: v(&q.spending_tier),
        tag_id: v(&q.tag_id),
        group_id: v(&q.group_id),
        tags,
        groups,
        sel,
        districts,
        stages: LifecycleStage::ALL
            .iter()
            .map(|s| (s.as_str().to_string(), format!("stage.{s}")))
            .collect(),
        tiers: SpendingTier::ALL
            .iter()
            .map(|s| (s.as_str().to_string(), format!("tier.{s}")))
            .collect(),
        rows,
        pager,
        can_write: u.perms().write,
    })
}

struct EventView {
    event_id: i64,
    /// The void's reason when the event was voided (shown struck through).
    void: Option<String>,
    time: String,
    kind: String,
    kind_key: String,
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
        kinds: kinds
            .iter()
            .map(|k| {
                let label = match quanzi_domain::event::BUILTIN_KINDS.contains(&k.as_str()) {
                    true => u.lang.t(&format!("kind.{k}")).to_string(),
                    false => k.clone(),
                };
                (k.clone(), label)
            })
            .collect(),
        kind: kind.unwrap_or_default(),
        timeline_next,
        history_next,
        timeline: events
            .into_iter()
            .map(|e| EventView {
                event_id: e.event_id.0,
                void: e.void.map(|v| v.reason),
                time: u.fmt_ms(e.occurred_at_ms),
                kind_key: if quanzi_domain::event::BUILTIN_KINDS.contains(&e.kind.as_str()) {
                    format!("kind.{}", e.kind)
                } else {
                    e.kind.clone()
                },
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
