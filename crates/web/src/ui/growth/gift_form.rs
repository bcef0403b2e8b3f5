//! Creating and editing a lead gift (`/ui/growth/gifts/new`, `/ui/growth/gifts/{id}/edit`):
//! name, cost typed in yuan (stored in fen), stock and days a code stays valid.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::Response;
use quanzi_core::views::Gift;
use quanzi_core::{CoreError, gifts};
use quanzi_domain::gift::{GiftInput, TARGET_COST_FEN};
use serde::Deserialize;

use super::super::form::{FormErrors, label, refusal, refused, see_other, sentence, unprocessable};
use super::super::format::yuan;
use super::super::{Layout, UiUser, render, server_error};
use super::{fen, not_found, whole, yuan_field};
use crate::AppState;
use crate::api::IdPath;

/// The label prefix of the form's fields in the locale files.
const PREFIX: &str = "gift_form";

/// The fields the form shows.
const FIELDS: [&str; 4] = ["name", "cost", "stock", "valid_days"];

/// The form as sent and as shown again: every value a string.
#[derive(Debug, Default, Deserialize)]
pub struct GiftForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    cost: String,
    #[serde(default)]
    stock: String,
    #[serde(default)]
    valid_days: String,
}

impl GiftForm {
    fn of(g: &Gift) -> GiftForm {
        GiftForm {
            csrf: String::new(),
            name: g.name.clone(),
            cost: yuan_field(g.cost_fen),
            stock: g.stock.map(|s| s.to_string()).unwrap_or_default(),
            valid_days: g.valid_days.to_string(),
        }
    }

    /// The use-case's input; the cost in yuan becomes fen.
    fn input(&self, l: &Layout, errs: &mut FormErrors) -> GiftInput {
        let labels = |f: &str| label(l, PREFIX, f);
        GiftInput {
            name: Some(self.name.clone()),
            cost_fen: fen(l, errs, &labels, "cost", &self.cost),
            stock: whole(l, errs, &labels, "stock", &self.stock),
            valid_days: whole(l, errs, &labels, "valid_days", &self.valid_days),
        }
    }
}

#[derive(Template)]
#[template(path = "growth_gift_form.html")]
struct GiftFormPage {
    l: Layout,
    title: String,
    f: GiftForm,
    errs: FormErrors,
    others: Vec<String>,
    target: String,
}

fn page(u: &UiUser, gift_id: Option<i64>, f: GiftForm, errs: FormErrors) -> Response {
    let l = u.layout("growth");
    let title = match gift_id {
        None => l.t("growth.gift.new").to_string(),
        Some(_) => format!("{} · {}", l.t("growth.edit"), f.name),
    };
    render(GiftFormPage {
        title,
        others: errs.others(&FIELDS),
        f,
        errs,
        target: yuan(TARGET_COST_FEN),
        l,
    })
}

/// GET /ui/growth/gifts/new: an empty form (codes valid 30 days).
pub async fn new_form(u: UiUser) -> Response {
    if !u.perms().write {
        return refused("correct.forbidden");
    }
    let f = GiftForm {
        valid_days: "30".into(),
        ..GiftForm::default()
    };
    page(&u, None, f, FormErrors::default())
}

/// GET /ui/growth/gifts/{id}/edit: the gift's form.
pub async fn edit_form(State(s): State<AppState>, u: UiUser, IdPath(id): IdPath) -> Response {
    if !u.perms().write {
        return refused("correct.forbidden");
    }
    match gifts::get(&s.db, u.tenant(), id).await {
        Ok(g) => page(&u, Some(id), GiftForm::of(&g), FormErrors::default()),
        Err(CoreError::NotFound(_)) => not_found(),
        Err(e) => server_error(e),
    }
}

/// POST /ui/growth/gifts/new: creates the gift and opens the overview's gifts.
pub async fn create(State(s): State<AppState>, u: UiUser, Form(f): Form<GiftForm>) -> Response {
    save(&s, &u, None, f).await
}

/// POST /ui/growth/gifts/{id}/edit: saves the gift and opens the overview's gifts.
pub async fn update(
    State(s): State<AppState>,
    u: UiUser,
    IdPath(id): IdPath,
    Form(f): Form<GiftForm>,
) -> Response {
    save(&s, &u, Some(id), f).await
}

async fn save(s: &AppState, u: &UiUser, id: Option<i64>, f: GiftForm) -> Response {
    if let Some(why) = refusal(u, &f.csrf, u.perms().write, "correct.forbidden") {
        return refused(why);
    }
    let t = u.tenant();
    let l = u.layout("growth");
    let mut errs = FormErrors::default();
    let input = f.input(&l, &mut errs);
    if !errs.is_empty() {
        // A number that is not one: the other rules are shown with it, and nothing is stored.
        if let Err(inv) = input.into_new() {
            file_errors(&l, &mut errs, &inv);
        }
        return unprocessable(page(u, id, f, errs));
    }
    let done = match id {
        None => gifts::create(&s.db, t, input).await,
        Some(id) => gifts::update(&s.db, t, id, input).await,
    };
    match done {
        Ok(_) => return see_other("/ui/growth#gifts"),
        Err(CoreError::Invalid(inv)) => file_errors(&l, &mut errs, &inv),
        Err(CoreError::NotFound(_)) => return not_found(),
        Err(e) => return server_error(e),
    }
    unprocessable(page(u, id, f, errs))
}

/// Files the use-case's errors beside the form's fields (the cost is typed in yuan).
fn file_errors(l: &Layout, errs: &mut FormErrors, inv: &quanzi_domain::Invalid) {
    let field = |f: &str| {
        if f == "cost_fen" {
            "cost".to_string()
        } else {
            f.to_string()
        }
    };
    for e in &inv.0 {
        errs.push(
            &field(&e.field),
            sentence(l, |f| label(l, PREFIX, &field(f)), e),
        );
    }
}
