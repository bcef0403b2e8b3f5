//! Creating and editing a member from the pages (`/ui/members/new`, `/ui/members/{id}/edit`):
//! attributes, the tenant's custom fields and identifiers; a valid form redirects to the
//! member's page, an invalid one comes back with each error beside its field.

use std::collections::BTreeMap;

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::Response;
use quanzi_core::CoreError;
use quanzi_core::members;
use quanzi_domain::MemberId;
use quanzi_domain::member::{
    CustomFieldDef, CustomFieldKind, Gender, LifecycleStage, MemberInput, SpendingTier,
};
use serde::Deserialize;

use super::super::form::{FormErrors, label, refusal, refused, see_other, unprocessable};
use super::super::{Layout, UiUser, render, server_error};
use super::not_found;
use crate::AppState;
use crate::api::IdPath;

/// The fields the form shows by name (custom fields are shown as `custom.<key>`).
const FIELDS: [&str; 10] = [
    "name",
    "gender",
    "district",
    "interests",
    "spending_tier",
    "lifecycle_stage",
    "source_channel",
    "phone",
    "external_userid",
    "unionid",
];

/// The form as sent and as shown again: every value a string, custom fields as
/// `custom.<key>`.
#[derive(Debug, Default, Deserialize)]
pub struct MemberForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(flatten)]
    values: BTreeMap<String, String>,
}

impl MemberForm {
    fn get(&self, field: &str) -> &str {
        self.values.get(field).map_or("", String::as_str)
    }

    /// The form of a stored member, to edit.
    fn of(m: &quanzi_core::read::member::Member) -> MemberForm {
        let mut values = BTreeMap::new();
        let mut put = |k: &str, v: Option<&str>| {
            values.insert(k.to_string(), v.unwrap_or_default().to_string());
        };
        put("name", Some(&m.name));
        put("gender", Some(&m.gender));
        put("district", m.district.as_deref());
        put("interests", Some(&m.interests.join("、")));
        put("spending_tier", Some(&m.spending_tier));
        put("lifecycle_stage", Some(&m.lifecycle_stage));
        put("source_channel", m.source_channel.as_deref());
        put("phone", m.phone.as_deref());
        put("external_userid", m.external_userid.as_deref());
        put("unionid", m.unionid.as_deref());
        if let Some(custom) = m.custom.as_object() {
            for (k, v) in custom {
                let text = match v {
                    serde_json::Value::String(s) => s.clone(),
                    serde_json::Value::Bool(b) => if *b { "on" } else { "" }.to_string(),
                    serde_json::Value::Null => String::new(),
                    other => other.to_string(),
                };
                values.insert(format!("custom.{k}"), text);
            }
        }
        MemberForm {
            csrf: String::new(),
            values,
        }
    }

    /// The use-case's input: a field the form did not send is left as it is, a blank one is
    /// cleared (a blank choice keeps its default), interests split on 、 , ， and spaces,
    /// custom values typed by their definition (a number that does not parse is sent as text,
    /// so the rule names it).
    fn input(&self, defs: &[CustomFieldDef]) -> MemberInput {
        let s = |f: &str| self.values.get(f).cloned();
        let choice = |f: &str| s(f).filter(|v| !v.trim().is_empty());
        let interests = self
            .get("interests")
            .split(['、', ',', '，', ' ', '\u{3000}'])
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
            .collect();
        let custom = defs
            .iter()
            .map(|d| {
                let raw = self.get(&format!("custom.{}", d.key)).trim();
                let v = match d.kind {
                    CustomFieldKind::Bool => serde_json::Value::Bool(!raw.is_empty()),
                    _ if raw.is_empty() => serde_json::Value::Null,
                    CustomFieldKind::Number => raw
                        .parse::<f64>()
                        .ok()
                        .and_then(serde_json::Number::from_f64)
                        .map_or_else(|| raw.into(), serde_json::Value::Number),
                    _ => raw.into(),
                };
                (d.key.clone(), v)
            })
            .collect();
        MemberInput {
            name: s("name"),
            gender: choice("gender"),
            district: s("district"),
            interests: self.values.contains_key("interests").then_some(interests),
            spending_tier: choice("spending_tier"),
            lifecycle_stage: choice("lifecycle_stage"),
            source_channel: s("source_channel"),
            external_userid: s("external_userid"),
            unionid: s("unionid"),
            phone: s("phone"),
            custom: Some(custom),
        }
    }
}

/// One custom field as the form shows it.
struct CustomField {
    name: String,
    label: String,
    kind: &'static str,
    value: String,
}

#[derive(Template)]
#[template(path = "member_form.html")]
struct MemberFormPage {
    l: Layout,
    /// The member edited, or none for a new one.
    member_id: Option<i64>,
    title: String,
    f: MemberForm,
    errs: FormErrors,
    others: Vec<String>,
    genders: Vec<(&'static str, String)>,
    tiers: Vec<(&'static str, String)>,
    stages: Vec<(&'static str, String)>,
    custom: Vec<CustomField>,
}

impl MemberFormPage {
    fn v(&self, field: &str) -> &str {
        self.f.get(field)
    }
}

fn page(
    u: &UiUser,
    member_id: Option<i64>,
    title: String,
    f: MemberForm,
    errs: FormErrors,
    defs: &[CustomFieldDef],
) -> Response {
    let l = u.layout("members");
    let options = |all: &mut dyn Iterator<Item = &'static str>, prefix: &str| {
        all.map(|c| (c, l.t(&format!("{prefix}.{c}")).to_string()))
            .collect::<Vec<_>>()
    };
    let genders = options(&mut Gender::ALL.iter().map(|g| g.as_str()), "gender");
    let tiers = options(&mut SpendingTier::ALL.iter().map(|g| g.as_str()), "tier");
    let stages = options(&mut LifecycleStage::ALL.iter().map(|g| g.as_str()), "stage");
    let custom: Vec<CustomField> = defs
        .iter()
        .map(|d| {
            let name = format!("custom.{}", d.key);
            CustomField {
                value: f.get(&name).to_string(),
                name,
                label: d.label.clone(),
                kind: d.kind.as_str(),
            }
        })
        .collect();
    let mut shown: Vec<&str> = FIELDS.to_vec();
    shown.extend(custom.iter().map(|c| c.name.as_str()));
    let others = errs.others(&shown);
    render(MemberFormPage {
        l,
        member_id,
        title,
        f,
        errs,
        others,
        genders,
        tiers,
        stages,
        custom,
    })
}

/// GET /ui/members/new: an empty form (operators and above).
pub async fn new_form(State(s): State<AppState>, u: UiUser) -> Response {
    if !u.perms().write {
        return refused("correct.forbidden");
    }
    let defs = try_ui!(members::custom_fields(&s.db, u.tenant()).await);
    let mut f = MemberForm::default();
    f.values.insert("lifecycle_stage".into(), "new".into());
    let title = u.lang.t("mf.new").to_string();
    page(&u, None, title, f, FormErrors::default(), &defs)
}

/// GET /ui/members/{id}/edit: the member's form.
pub async fn edit_form(
    State(s): State<AppState>,
    u: UiUser,
    IdPath(id): IdPath<MemberId>,
) -> Response {
    if !u.perms().write {
        return refused("correct.forbidden");
    }
    let m = match members::get(&s.db, u.tenant(), id).await {
        Ok(m) => m,
        Err(CoreError::NotFound(_)) => return not_found(),
        Err(e) => return server_error(e),
    };
    let defs = try_ui!(members::custom_fields(&s.db, u.tenant()).await);
    let title = format!("{} · {}", u.lang.t("mf.edit"), m.name);
    page(
        &u,
        Some(id.0),
        title,
        MemberForm::of(&m),
        FormErrors::default(),
        &defs,
    )
}

/// POST /ui/members/new: creates the member and opens its page.
pub async fn create(State(s): State<AppState>, u: UiUser, Form(f): Form<MemberForm>) -> Response {
    save(&s, &u, None, f).await
}

/// POST /ui/members/{id}/edit: saves the member and opens its page.
pub async fn update(
    State(s): State<AppState>,
    u: UiUser,
    IdPath(id): IdPath<MemberId>,
    Form(f): Form<MemberForm>,
) -> Response {
    save(&s, &u, Some(id), f).await
}

async fn save(s: &AppState, u: &UiUser, id: Option<MemberId>, f: MemberForm) -> Response {
    if let Some(why) = refusal(u, &f.csrf, u.perms().write, "correct.forbidden") {
        return refused(why);
    }
    let t = u.tenant();
    let defs = try_ui!(members::custom_fields(&s.db, t).await);
    let input = f.input(&defs);
    let done = match id {
        None => members::create(&s.db, t, input).await,
        Some(id) => members::update(&s.db, t, id, input).await,
    };
    let l = u.layout("members");
    let mut errs = FormErrors::default();
    match done {
        Ok(m) => return see_other(&format!("/ui/members/{}", m.member_id)),
        Err(CoreError::Invalid(inv)) => {
            let label_of = |field: &str| match field.strip_prefix("custom.") {
                Some(k) => defs
                    .iter()
                    .find(|d| d.key == k)
                    .map_or_else(|| k.to_string(), |d| d.label.clone()),
                None => label(&l, "mf", field),
            };
            errs.extend(&l, label_of, &inv.0);
        }
        Err(CoreError::Conflict(field)) => {
            let text = l
                .lang
                .labelled(&label(&l, "mf", &field), l.t("reason.taken_member"));
            errs.push(&field, text);
        }
        Err(CoreError::NotFound(_)) => return not_found(),
        Err(e) => return server_error(e),
    }
    let title = match id {
        None => l.t("mf.new").to_string(),
        Some(_) => format!("{} · {}", l.t("mf.edit"), f.get("name")),
    };
    unprocessable(page(u, id.map(|i| i.0), title, f, errs, &defs))
}
