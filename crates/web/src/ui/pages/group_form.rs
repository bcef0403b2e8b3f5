//! Creating and editing a group from the pages (`/ui/groups/new`, `/ui/groups/{id}/edit`):
//! name, dimension, theme, rules and capacities; a valid form redirects to the group's page,
//! an invalid one comes back with each error beside its field in the operator's language.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::Response;
use quanzi_core::{CoreError, groups};
use quanzi_domain::GroupId;
use quanzi_domain::group::{
    ADVISED_CAPACITY_DEFAULT, GroupDimension, GroupInput, HARD_CAPACITY_MAX,
};
use serde::Deserialize;

use super::super::form::refused;
use super::super::form::{FormErrors, label, refusal, see_other, unprocessable};
use super::super::{Layout, UiUser, render, server_error};
use super::not_found;
use crate::AppState;
use crate::api::IdPath;
use crate::error::AppQuery;

/// The fields the form shows.
const FIELDS: [&str; 7] = [
    "name",
    "dimension",
    "theme",
    "rules",
    "capacity_hard",
    "capacity_advised",
    "external_chat_id",
];

/// The form as sent and as shown again: every value a string.
#[derive(Debug, Default, Deserialize)]
pub struct GroupForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    dimension: String,
    #[serde(default)]
    theme: String,
    #[serde(default)]
    rules: String,
    #[serde(default)]
    capacity_hard: String,
    #[serde(default)]
    capacity_advised: String,
    #[serde(default)]
    external_chat_id: String,
}

impl GroupForm {
    fn of(g: &quanzi_core::read::group::Group) -> GroupForm {
        GroupForm {
            csrf: String::new(),
            name: g.name.clone(),
            dimension: g.dimension.clone(),
            theme: g.theme.clone().unwrap_or_default(),
            rules: g.rules.clone().unwrap_or_default(),
            capacity_hard: g.capacity_hard.to_string(),
            capacity_advised: g.capacity_advised.to_string(),
            external_chat_id: g.external_chat_id.clone().unwrap_or_default(),
        }
    }

    /// The use-case's input; a capacity that is not a whole number is an error of its own.
    fn input(&self, l: &Layout, errs: &mut FormErrors) -> GroupInput {
        let mut int = |field: &str, v: &str| {
            let v = v.trim();
            if v.is_empty() {
                return None;
            }
            v.parse::<i64>()
                .map_err(|_| {
                    let text = l
                        .lang
                        .labelled(&label(l, "gf", field), l.t("reason.whole_number"));
                    errs.push(field, text);
                })
                .ok()
        };
        let capacity_hard = int("capacity_hard", &self.capacity_hard);
        let capacity_advised = int("capacity_advised", &self.capacity_advised);
        GroupInput {
            name: Some(self.name.clone()),
            dimension: Some(self.dimension.clone()).filter(|d| !d.trim().is_empty()),
            theme: Some(self.theme.clone()),
            rules: Some(self.rules.clone()),
            capacity_hard,
            capacity_advised,
            external_chat_id: Some(self.external_chat_id.clone()),
        }
    }
}

#[derive(Template)]
#[template(path = "group_form.html")]
struct GroupFormPage {
    l: Layout,
    group_id: Option<i64>,
    title: String,
    f: GroupForm,
    errs: FormErrors,
    others: Vec<String>,
    dimensions: Vec<(&'static str, String)>,
    hard_max: i64,
}

fn page(u: &UiUser, group_id: Option<i64>, f: GroupForm, errs: FormErrors) -> Response {
    let l = u.layout("groups");
    let title = match group_id {
        None => l.t("gf.new").to_string(),
        Some(_) => format!("{} · {}", l.t("gf.edit"), f.name),
    };
    let dimensions = GroupDimension::ALL
        .iter()
        .map(|d| (d.as_str(), l.t(&format!("dim.{}", d.as_str())).to_string()))
        .collect();
    let others = errs.others(&FIELDS);
    render(GroupFormPage {
        l,
        group_id,
        title,
        f,
        errs,
        others,
        dimensions,
        hard_max: HARD_CAPACITY_MAX,
    })
}

/// The new-group form's query: the group to use as a template.
#[derive(Debug, Default, Deserialize)]
pub struct NewGroupQuery {
    from: Option<String>,
}

/// GET /ui/groups/new[?from={id}]: an empty form, or one filled from a group used as a
/// template (its dimension, theme, rules and capacities; the name numbered on).
pub async fn new_form(
    State(s): State<AppState>,
    u: UiUser,
    AppQuery(q): AppQuery<NewGroupQuery>,
) -> Response {
    if !u.perms().write {
        return refused("correct.forbidden");
    }
    let template = q.from.as_deref().and_then(|v| v.trim().parse::<i64>().ok());
    let f = match template {
        Some(id) => match groups::get(&s.db, u.tenant(), GroupId(id)).await {
            Ok(g) => GroupForm {
                name: format!("{} 2", g.name),
                external_chat_id: String::new(),
                ..GroupForm::of(&g)
            },
            Err(CoreError::NotFound(_)) => return not_found(),
            Err(e) => return server_error(e),
        },
        None => GroupForm {
            dimension: GroupDimension::Interest.as_str().into(),
            capacity_hard: HARD_CAPACITY_MAX.to_string(),
            capacity_advised: ADVISED_CAPACITY_DEFAULT.to_string(),
            ..GroupForm::default()
        },
    };
    page(&u, None, f, FormErrors::default())
}

/// GET /ui/groups/{id}/edit: the group's form.
pub async fn edit_form(
    State(s): State<AppState>,
    u: UiUser,
    IdPath(id): IdPath<GroupId>,
) -> Response {
    if !u.perms().write {
        return refused("correct.forbidden");
    }
    match groups::get(&s.db, u.tenant(), id).await {
        Ok(g) => page(&u, Some(id.0), GroupForm::of(&g), FormErrors::default()),
        Err(CoreError::NotFound(_)) => not_found(),
        Err(e) => server_error(e),
    }
}

/// POST /ui/groups/new: creates the group and opens its page.
pub async fn create(State(s): State<AppState>, u: UiUser, Form(f): Form<GroupForm>) -> Response {
    save(&s, &u, None, f).await
}

/// POST /ui/groups/{id}/edit: saves the group and opens its page.
pub async fn update(
    State(s): State<AppState>,
    u: UiUser,
    IdPath(id): IdPath<GroupId>,
    Form(f): Form<GroupForm>,
) -> Response {
    save(&s, &u, Some(id), f).await
}

async fn save(s: &AppState, u: &UiUser, id: Option<GroupId>, f: GroupForm) -> Response {
    if let Some(why) = refusal(u, &f.csrf, u.perms().write, "correct.forbidden") {
        return refused(why);
    }
    let t = u.tenant();
    let l = u.layout("groups");
    let mut errs = FormErrors::default();
    let input = f.input(&l, &mut errs);
    if !errs.is_empty() {
        // A capacity that is not a number: the other fields' rules are shown with it, and
        // nothing is stored.
        if let Err(inv) = input.into_new() {
            errs.extend(&l, |f| label(&l, "gf", f), &inv.0);
        }
        return unprocessable(page(u, id.map(|i| i.0), f, errs));
    }
    let done = match id {
        None => groups::create(&s.db, t, input).await,
        Some(id) => groups::update(&s.db, t, id, input).await,
    };
    match done {
        Ok(g) => return see_other(&format!("/ui/groups/{}", g.group_id)),
        Err(CoreError::Invalid(inv)) => errs.extend(&l, |f| label(&l, "gf", f), &inv.0),
        Err(CoreError::Conflict(field)) => {
            let text = l
                .lang
                .labelled(&label(&l, "gf", &field), l.t("reason.taken_group"));
            errs.push(&field, text);
        }
        Err(CoreError::NotFound(_)) => return not_found(),
        Err(e) => return server_error(e),
    }
    unprocessable(page(u, id.map(|i| i.0), f, errs))
}

/// The archive form: archive (`archived=1`) or bring back (`archived=0`).
#[derive(Debug, Deserialize)]
pub struct ArchiveForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    archived: String,
}

/// POST /ui/groups/{id}/archive: archives the group or brings it back, then opens it.
pub async fn archive(
    State(s): State<AppState>,
    u: UiUser,
    IdPath(id): IdPath<GroupId>,
    Form(f): Form<ArchiveForm>,
) -> Response {
    if let Some(why) = refusal(&u, &f.csrf, u.perms().write, "correct.forbidden") {
        return refused(why);
    }
    match groups::set_archived(&s.db, u.tenant(), id, f.archived == "1").await {
        Ok(_) => see_other(&format!("/ui/groups/{id}")),
        Err(CoreError::NotFound(_)) => not_found(),
        Err(e) => server_error(e),
    }
}
