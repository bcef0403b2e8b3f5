//! Acting on a selection of members (`POST /ui/members/selection`): the members ticked in a
//! list, or every member its filters keep ("select all N matching"); tag or untag them, add
//! them to a group, or export them. Lists that offer it (the member list, the KOL list, a seed
//! choice) send the same form; a write answers 303 back to the list with what was done.

use axum::Form;
use axum::extract::State;
use axum::response::Response;
use quanzi_core::read::member::{self, MemberFilter};
use quanzi_core::{CoreError, groups, members};
use quanzi_domain::query::MAX_SELECTION;
use quanzi_domain::tag::TagInput;
use quanzi_domain::{GroupId, MemberId};

use super::super::form::refused;
use super::super::form::{refusal, see_other};
use super::super::{Layout, UiUser, server_error, urlencode};
use super::MemberPageQuery;
use crate::AppState;
use serde::Deserialize;

/// What the last action on a selection did, as the redirect after it says
/// (the redirect of [`act`]).
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
        // A count into a sentence, or nothing when the count is none or 0.
        let count = |key: &str, n: Option<u64>| match n.unwrap_or(0) {
            0 => String::new(),
            n => l.t(key).replace("{n}", &n.to_string()),
        };
        let tagged = |key: &str| {
            l.t(key)
                .replace("{n}", &self.n.unwrap_or(0).to_string())
                .replace("{c}", &self.c.unwrap_or(0).to_string())
                .replace("{tag}", self.tag.as_deref().unwrap_or_default())
        };
        let text = match self.done.as_deref()? {
            "tagged" => tagged("sel.done.tagged"),
            "untagged" => tagged("sel.done.untagged"),
            "added" => {
                let group = groups
                    .iter()
                    .find(|g| Some(g.0) == self.group)
                    .map_or("", |g| g.1.as_str());
                let added = l
                    .t("sel.done.added")
                    .replace("{n}", &self.n.unwrap_or(0).to_string())
                    .replace("{group}", group);
                added
                    + &count("sel.done.already", self.already)
                    + &count("sel.done.full", self.full)
            }
            _ => return None,
        };
        Some((text, false))
    }
}

/// The selection bar a list shows above its rows (`selection_bar.html`): the tenant's groups
/// and tag groups to choose from, the list's filters to carry, and where to come back to.
pub struct SelectionBar {
    /// `(id, name)` of the tenant's groups, by name.
    pub groups: Vec<(i64, String)>,
    /// The names of the tenant's tag groups.
    pub tag_groups: Vec<String>,
    /// The member list's filters (`f.<name>` fields), for "all matching".
    pub filters: Vec<(&'static str, String)>,
    /// How many members the filters keep, when "all matching" is offered.
    pub total: Option<i64>,
    /// The list to come back to.
    pub back: String,
    /// May tag and add to groups (everyone may export).
    pub can_write: bool,
}

impl SelectionBar {
    /// The bar for the list at `back`, its choices read from the store.
    pub async fn load(
        s: &AppState,
        u: &UiUser,
        back: &str,
    ) -> Result<SelectionBar, quanzi_core::read::StoreError> {
        let t = u.tenant();
        let tags = quanzi_core::read::tag::list(&s.db, t).await?;
        let groups = quanzi_core::read::group::names(&s.db, t).await?;
        Ok(SelectionBar::of(u, back, &tags, groups))
    }

    /// The bar for the list at `back`, from the tenant's tags and group names already read.
    pub fn of(
        u: &UiUser,
        back: &str,
        tags: &[quanzi_core::read::tag::Tag],
        groups: std::collections::HashMap<i64, String>,
    ) -> SelectionBar {
        let mut tag_groups: Vec<String> = tags.iter().map(|g| g.group_name.clone()).collect();
        tag_groups.sort();
        tag_groups.dedup();
        let mut groups: Vec<(i64, String)> = groups.into_iter().collect();
        groups.sort_by(|a, b| a.1.cmp(&b.1));
        SelectionBar {
            groups,
            tag_groups,
            filters: Vec::new(),
            total: None,
            back: back.to_string(),
            can_write: u.perms().write,
        }
    }
}

/// What the operator asked for, from the form's `action`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Tag,
    Untag,
    AddToGroup,
    Export { csv: bool },
}

impl Action {
    fn parse(v: &str) -> Option<Action> {
        Some(match v {
            "tag" => Action::Tag,
            "untag" => Action::Untag,
            "add_to_group" => Action::AddToGroup,
            "export_csv" => Action::Export { csv: true },
            "export_xlsx" => Action::Export { csv: false },
            _ => return None,
        })
    }
}

/// The form as sent: repeated `member_id`s, the list's filters as `f.<name>`, and the
/// action's own fields.
struct SelectionForm {
    csrf: String,
    action: Option<Action>,
    ids: Vec<MemberId>,
    all_matching: bool,
    filters: MemberPageQuery,
    tag_group: String,
    tag_name: String,
    target_group: Option<GroupId>,
    /// The list to come back to (a path under `/ui/`).
    back: String,
}

impl SelectionForm {
    fn of(pairs: Vec<(String, String)>) -> SelectionForm {
        let mut f = SelectionForm {
            csrf: String::new(),
            action: None,
            ids: Vec::new(),
            all_matching: false,
            filters: MemberPageQuery::default(),
            tag_group: String::new(),
            tag_name: String::new(),
            target_group: None,
            back: "/ui/members".into(),
        };
        let mut filters = Vec::new();
        for (k, v) in pairs {
            match k.as_str() {
                "_csrf" => f.csrf = v,
                "action" => f.action = Action::parse(&v),
                "member_id" => f.ids.extend(v.trim().parse().ok().map(MemberId)),
                "all_matching" => f.all_matching = !v.is_empty(),
                "tag_group" => f.tag_group = v,
                "tag_name" => f.tag_name = v,
                "target_group_id" => f.target_group = v.trim().parse().ok().map(GroupId),
                "back" if v.starts_with("/ui/") && !v.starts_with("//") => f.back = v,
                _ => {
                    if let Some(name) = k.strip_prefix("f.") {
                        filters.push((name.to_string(), v));
                    }
                }
            }
        }
        f.filters = serde_urlencoded::to_string(&filters)
            .ok()
            .and_then(|q| serde_urlencoded::from_str(&q).ok())
            .unwrap_or_default();
        f.ids.sort_unstable_by_key(|m| m.0);
        f.ids.dedup();
        f
    }

    /// The list page again, its filters kept, with `outcome` (`done=…&n=…` or `err=…`).
    fn back_to(&self, outcome: &str) -> String {
        let sep = if self.back.contains('?') { '&' } else { '?' };
        let query = self.filters.query();
        let query = if query.is_empty() || self.back.contains('?') {
            String::new()
        } else {
            format!("{query}&")
        };
        format!("{}{sep}{query}{outcome}", self.back)
    }
}

/// POST /ui/members/selection.
pub async fn act(
    State(s): State<AppState>,
    u: UiUser,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let f = SelectionForm::of(pairs);
    let Some(action) = f.action else {
        return see_other(&f.back_to("err=sel.err.action"));
    };
    let writes = !matches!(action, Action::Export { .. });
    if let Some(why) = refusal(&u, &f.csrf, !writes || u.perms().write, "correct.forbidden") {
        return refused(why);
    }
    let t = u.tenant();
    let ids = if f.all_matching {
        let filter = MemberFilter {
            after: None,
            before: None,
            ..f.filters.filter()
        };
        match member::ids(&s.db, t, &filter).await {
            Ok(ids) => ids.into_iter().map(MemberId).collect(),
            Err(e) => return server_error(e),
        }
    } else {
        f.ids.clone()
    };
    if ids.is_empty() {
        return see_other(&f.back_to("err=sel.err.none"));
    }
    if ids.len() > MAX_SELECTION {
        return see_other(&f.back_to("err=sel.err.too_many"));
    }
    let n = ids.len();
    match action {
        Action::Export { csv } => {
            let filter = MemberFilter {
                ids: Some(ids),
                ..MemberFilter::default()
            };
            super::super::member_export::export(&s, &u, filter, csv).await
        }
        Action::Tag | Action::Untag => {
            let input = TagInput {
                group: f.tag_group.trim().to_string(),
                name: f.tag_name.trim().to_string(),
            };
            let remove = action == Action::Untag;
            match members::bulk_tag(&s.db, t, input, &ids, remove).await {
                Ok(r) => {
                    let done = if remove { "untagged" } else { "tagged" };
                    let tag = urlencode(&format!("{}: {}", r.tag.group_name, r.tag.name));
                    see_other(&f.back_to(&format!("done={done}&n={n}&c={}&tag={tag}", r.changed)))
                }
                Err(CoreError::Invalid(_)) => see_other(&f.back_to("err=sel.err.tag")),
                Err(e) => server_error(e),
            }
        }
        Action::AddToGroup => {
            let Some(g) = f.target_group else {
                return see_other(&f.back_to("err=sel.err.group"));
            };
            match groups::add_members(&s.db, t, g, &ids).await {
                Ok(a) => {
                    s.analytics.appended(&s.db, t);
                    see_other(&f.back_to(&format!(
                        "done=added&n={}&already={}&full={}&group={}",
                        a.added, a.already, a.full, g.0
                    )))
                }
                Err(CoreError::NotFound(_)) => see_other(&f.back_to("err=sel.err.group")),
                Err(CoreError::Invalid(_)) => see_other(&f.back_to("err=sel.err.archived")),
                Err(e) => server_error(e),
            }
        }
    }
}
