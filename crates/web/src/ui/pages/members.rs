//! The member list (`/ui/members`): search, filters, keyset pages both ways, and the
//! selection bar.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use quanzi_core::read::member::{Member, MemberFilter};
use quanzi_core::read::{group, member, tag};
use quanzi_domain::member::{LifecycleStage, SpendingTier};
use quanzi_domain::{GroupId, TagId};
use serde::Deserialize;

use super::super::{Layout, UiUser, render, server_error, urlencode};
use super::selection::{Outcome, SelectionBar};
use crate::AppState;
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
    // The tenant's tags and groups serve both the filters and the selection bar.
    let all_tags = try_ui!(tag::list(&s.db, t).await);
    let names = try_ui!(group::names(&s.db, t).await);
    let mut sel = SelectionBar::of(&u, "/ui/members", &all_tags, names);
    let tags: Vec<(i64, String)> = all_tags
        .iter()
        .map(|g| (g.tag_id.0, format!("{} · {}", g.group_name, g.name)))
        .collect();
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
