//! Creating and editing a flash sale (`/ui/campaigns/sales/new`, `…/{id}/edit`): product,
//! prices typed in yuan (stored in fen), stock, the limit per member, the window typed in
//! the tenant's time zone, the hold and the target groups.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::Response;
use quanzi_core::views::{FlashSale, Group};
use quanzi_core::{CoreError, flash_sales};
use quanzi_domain::flash_sale::FlashSaleInput;
use quanzi_domain::{FlashSaleId, GroupId};

use super::super::form::{FormErrors, label, refusal, refused, see_other, sentence, unprocessable};
use super::super::growth::{Pairs, fen, whole, yuan_field};
use super::super::{Layout, UiUser, render, server_error};
use super::{local_value, not_found, parse_local};
use crate::AppState;
use crate::api::IdPath;

/// The label prefix of the form's fields in the locale files.
const PREFIX: &str = "sale_form";

/// The fields the form shows.
const FIELDS: [&str; 10] = [
    "product",
    "description",
    "price",
    "original_price",
    "stock",
    "per_member_limit",
    "starts_at",
    "ends_at",
    "hold_minutes",
    "group_ids",
];

/// The form as sent and as shown again: every value a string.
#[derive(Debug, Default)]
struct SaleForm {
    csrf: String,
    product: String,
    description: String,
    price: String,
    original_price: String,
    stock: String,
    per_member_limit: String,
    starts_at: String,
    ends_at: String,
    hold_minutes: String,
    group_ids: Vec<i64>,
}

impl SaleForm {
    fn of(s: &FlashSale, offset: i64) -> SaleForm {
        SaleForm {
            csrf: String::new(),
            product: s.product.clone(),
            description: s.description.clone(),
            price: yuan_field(s.price_fen),
            original_price: s.original_price_fen.map(yuan_field).unwrap_or_default(),
            stock: s.stock.to_string(),
            per_member_limit: s.per_member_limit.to_string(),
            starts_at: local_value(s.starts_at_ms, offset),
            ends_at: local_value(s.ends_at_ms, offset),
            hold_minutes: s.hold_minutes.to_string(),
            group_ids: s.group_ids.iter().map(|g| g.0).collect(),
        }
    }

    fn from_pairs(p: &Pairs) -> SaleForm {
        SaleForm {
            csrf: p.get("_csrf").to_string(),
            product: p.get("product").to_string(),
            description: p.get("description").to_string(),
            price: p.get("price").to_string(),
            original_price: p.get("original_price").to_string(),
            stock: p.get("stock").to_string(),
            per_member_limit: p.get("per_member_limit").to_string(),
            starts_at: p.get("starts_at").to_string(),
            ends_at: p.get("ends_at").to_string(),
            hold_minutes: p.get("hold_minutes").to_string(),
            group_ids: p.ids("group_ids"),
        }
    }

    /// The use-case's input; prices in yuan become fen, local times unix ms.
    fn input(&self, l: &Layout, errs: &mut FormErrors) -> FlashSaleInput {
        let labels = |f: &str| label(l, PREFIX, f);
        let mut time = |field: &str, v: &str| {
            if v.trim().is_empty() {
                return None;
            }
            let at = parse_local(v, l.zone_offset_secs);
            if at.is_none() {
                let text = l.lang.labelled(&labels(field), l.t("reason.local_time"));
                errs.push(field, text);
            }
            at
        };
        let starts_at_ms = time("starts_at", &self.starts_at);
        let ends_at_ms = time("ends_at", &self.ends_at);
        FlashSaleInput {
            product: Some(self.product.clone()),
            description: Some(self.description.clone()),
            price_fen: fen(l, errs, &labels, "price", &self.price),
            original_price_fen: fen(l, errs, &labels, "original_price", &self.original_price),
            stock: whole(l, errs, &labels, "stock", &self.stock),
            per_member_limit: whole(l, errs, &labels, "per_member_limit", &self.per_member_limit),
            starts_at_ms,
            ends_at_ms,
            hold_minutes: whole(l, errs, &labels, "hold_minutes", &self.hold_minutes),
            group_ids: Some(self.group_ids.iter().map(|g| GroupId(*g)).collect()),
        }
    }
}

#[derive(Template)]
#[template(path = "promo_sale_form.html")]
struct SaleFormPage {
    l: Layout,
    title: String,
    f: SaleForm,
    errs: FormErrors,
    others: Vec<String>,
    groups: Vec<Group>,
}

async fn page(
    s: &AppState,
    u: &UiUser,
    id: Option<i64>,
    f: SaleForm,
    errs: FormErrors,
) -> Response {
    let l = u.layout("campaigns");
    let title = match id {
        None => l.t("promo.sale.new").to_string(),
        Some(_) => format!("{} · {}", l.t("growth.edit"), f.product),
    };
    let groups = match quanzi_core::groups::all(&s.db, u.tenant()).await {
        Ok(g) => g,
        Err(e) => return server_error(e),
    };
    render(SaleFormPage {
        title,
        others: errs.others(&FIELDS),
        f,
        errs,
        groups,
        l,
    })
}

/// GET /ui/campaigns/sales/new: a form opening in an hour, for a day, 15-minute holds.
pub async fn new_form(State(s): State<AppState>, u: UiUser) -> Response {
    if !u.perms().write {
        return refused("correct.forbidden");
    }
    let offset = u.zone_offset_secs();
    let hour = 3_600_000;
    let start = (quanzi_core::read::now_ms() / hour + 1) * hour;
    let f = SaleForm {
        per_member_limit: "1".into(),
        hold_minutes: "15".into(),
        starts_at: local_value(start, offset),
        ends_at: local_value(start + 24 * hour, offset),
        ..SaleForm::default()
    };
    page(&s, &u, None, f, FormErrors::default()).await
}

/// GET /ui/campaigns/sales/{id}/edit: the sale's form.
pub async fn edit_form(State(s): State<AppState>, u: UiUser, IdPath(id): IdPath) -> Response {
    if !u.perms().write {
        return refused("correct.forbidden");
    }
    match flash_sales::get(&s.db, u.tenant(), FlashSaleId(id)).await {
        Ok(sale) => {
            let f = SaleForm::of(&sale, u.zone_offset_secs());
            page(&s, &u, Some(id), f, FormErrors::default()).await
        }
        Err(CoreError::NotFound(_)) => not_found(),
        Err(e) => server_error(e),
    }
}

/// POST /ui/campaigns/sales/new: creates the sale and opens its page.
pub async fn create(
    State(s): State<AppState>,
    u: UiUser,
    Form(p): Form<Vec<(String, String)>>,
) -> Response {
    save(&s, &u, None, SaleForm::from_pairs(&p.into())).await
}

/// POST /ui/campaigns/sales/{id}/edit: saves the sale and opens its page.
pub async fn update(
    State(s): State<AppState>,
    u: UiUser,
    IdPath(id): IdPath,
    Form(p): Form<Vec<(String, String)>>,
) -> Response {
    save(&s, &u, Some(id), SaleForm::from_pairs(&p.into())).await
}

async fn save(s: &AppState, u: &UiUser, id: Option<i64>, f: SaleForm) -> Response {
    if let Some(why) = refusal(u, &f.csrf, u.perms().write, "correct.forbidden") {
        return refused(why);
    }
    let t = u.tenant();
    let l = u.layout("campaigns");
    let mut errs = FormErrors::default();
    let input = f.input(&l, &mut errs);
    if !errs.is_empty() {
        // A number or time that is not one: the other rules are shown with it, nothing stored.
        if let Err(inv) = input.into_new() {
            file_errors(&l, &mut errs, &inv);
        }
        return unprocessable(page(s, u, id, f, errs).await);
    }
    let done = match id {
        None => flash_sales::create(&s.db, t, input).await,
        Some(id) => flash_sales::update(&s.db, t, FlashSaleId(id), input).await,
    };
    match done {
        Ok(sale) => return see_other(&format!("/ui/campaigns/sales/{}", sale.flash_sale_id.0)),
        Err(CoreError::Invalid(inv)) => file_errors(&l, &mut errs, &inv),
        Err(CoreError::NotFound(_)) => return not_found(),
        Err(e) => return server_error(e),
    }
    unprocessable(page(s, u, id, f, errs).await)
}

/// Files the use-case's errors beside the form's fields (prices typed in yuan, times local).
fn file_errors(l: &Layout, errs: &mut FormErrors, inv: &quanzi_domain::Invalid) {
    let field = |f: &str| {
        match f {
            "price_fen" => "price",
            "original_price_fen" => "original_price",
            "starts_at_ms" => "starts_at",
            "ends_at_ms" => "ends_at",
            other => other,
        }
        .to_string()
    };
    for e in &inv.0 {
        errs.push(
            &field(&e.field),
            sentence(l, |f| label(l, PREFIX, &field(f)), e),
        );
    }
}
