//! Creating a lottery (`/ui/campaigns/lotteries/new`): name, window typed in the tenant's
//! time zone, draws and wins per member, the prize budget in yuan, and rows of prize tiers
//! (cost in yuan, stock, odds typed as a percentage, everyone-wins, a paid upgrade to another
//! row). Blank rows are dropped. Saving publishes the commitment, so there is no edit form.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::Response;
use quanzi_core::CoreError;
use quanzi_core::lotteries::{self, LotteryRequest};
use quanzi_domain::Invalid;
use quanzi_domain::lottery::{
    LotteryInput, MAX_TIERS, ODDS_SCALE, PrizeTierInput, odds_from_percent,
};

use super::super::form::{FormErrors, label, refusal, refused, see_other, sentence, unprocessable};
use super::super::growth::{Pairs, fen, whole};
use super::super::{Layout, UiUser, render, server_error};
use super::{local_value, parse_local};
use crate::AppState;

/// The label prefix of the form's fields in the locale files.
const PREFIX: &str = "lottery_form";

/// Tier rows the new form starts with (一等奖, 二等奖, 三等奖 as placeholders).
const FIRST_ROWS: usize = 3;

/// Blank rows shown after the last filled one, to add tiers without a script.
const SPARE_ROWS: usize = 2;

/// The fields a tier row shows, as named after `tier{i}_`.
const TIER_FIELDS: [&str; 7] = [
    "name",
    "cost",
    "stock",
    "odds",
    "everyone",
    "upgrade_to",
    "upgrade_price",
];

/// One row of tiers as typed.
#[derive(Debug, Default, Clone)]
struct TierRow {
    name: String,
    cost: String,
    stock: String,
    odds: String,
    everyone: bool,
    /// The row (from 1) it upgrades to, "" for none.
    upgrade_to: String,
    upgrade_price: String,
}

impl TierRow {
    fn read(p: &Pairs, i: usize) -> TierRow {
        let get = |f: &str| p.get(&format!("tier{i}_{f}")).to_string();
        TierRow {
            name: get("name"),
            cost: get("cost"),
            stock: get("stock"),
            odds: get("odds"),
            everyone: !get("everyone").is_empty(),
            upgrade_to: get("upgrade_to"),
            upgrade_price: get("upgrade_price"),
        }
    }

    /// Nothing typed: the row is dropped (a ticked box or a chosen upgrade alone is not a tier).
    fn is_blank(&self) -> bool {
        [
            &self.name,
            &self.cost,
            &self.stock,
            &self.odds,
            &self.upgrade_price,
        ]
        .iter()
        .all(|v| v.is_empty())
    }
}

/// The form as sent and as shown again: every value a string.
#[derive(Debug, Default)]
struct LotteryForm {
    csrf: String,
    name: String,
    starts_at: String,
    ends_at: String,
    draws_per_member: String,
    wins_per_member: String,
    budget: String,
    tiers: Vec<TierRow>,
}

impl LotteryForm {
    fn from_pairs(p: &Pairs) -> LotteryForm {
        let mut tiers: Vec<TierRow> = (0..MAX_TIERS).map(|i| TierRow::read(p, i)).collect();
        while tiers.last().is_some_and(TierRow::is_blank) {
            tiers.pop();
        }
        LotteryForm {
            csrf: p.get("_csrf").to_string(),
            name: p.get("name").to_string(),
            starts_at: p.get("starts_at").to_string(),
            ends_at: p.get("ends_at").to_string(),
            draws_per_member: p.get("draws_per_member").to_string(),
            wins_per_member: p.get("wins_per_member").to_string(),
            budget: p.get("budget").to_string(),
            tiers,
        }
    }

    /// The rows that are tiers, by their row index: a tier's position is its place here.
    fn kept(&self) -> Vec<usize> {
        (0..self.tiers.len())
            .filter(|i| !self.tiers[*i].is_blank())
            .collect()
    }

    /// The use-case's request; yuan become fen, percentages parts per million, local times
    /// unix ms, rows tiers. What is not a number or a time is an error beside its field.
    fn request(&self, l: &Layout, errs: &mut FormErrors) -> LotteryRequest {
        let labels = |f: &str| field_label(l, f);
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
        let kept = self.kept();
        let mut odds_sum = Some(0);
        let tiers: Vec<PrizeTierInput> = kept
            .iter()
            .map(|&i| {
                let row = &self.tiers[i];
                let f = |sub: &str| format!("tier{i}_{sub}");
                let odds_ppm = odds(l, errs, &f("odds"), &row.odds);
                if !row.odds.is_empty() {
                    odds_sum = odds_sum.zip(odds_ppm).map(|(a, b)| a + b);
                }
                // A row names the row it upgrades to by its number; its tier is that row's
                // place among the rows kept (past them when that row is blank).
                let upgrade_to = row
                    .upgrade_to
                    .parse::<usize>()
                    .ok()
                    .map(|to| kept.iter().position(|k| k + 1 == to).unwrap_or(kept.len()));
                PrizeTierInput {
                    name: Some(row.name.clone()),
                    cost_fen: fen(l, errs, &labels, &f("cost"), &row.cost),
                    stock: whole(l, errs, &labels, &f("stock"), &row.stock),
                    odds_ppm,
                    everyone_wins: Some(row.everyone),
                    upgrade_to,
                    upgrade_price_fen: fen(
                        l,
                        errs,
                        &labels,
                        &f("upgrade_price"),
                        &row.upgrade_price,
                    ),
                }
            })
            .collect();
        if let Some(sum) = odds_sum.filter(|s| *s > i64::from(ODDS_SCALE)) {
            let pct = super::lottery::percent(u32::try_from(sum).unwrap_or(u32::MAX));
            let reason = l.t("lottery_form.odds_sum").replace("{sum}", &pct);
            errs.push("tiers", l.lang.labelled(&labels("tiers"), &reason));
        }
        LotteryRequest {
            name: Some(self.name.clone()),
            tiers: Some(tiers),
            draws_per_member: whole(l, errs, &labels, "draws_per_member", &self.draws_per_member),
            wins_per_member: whole(l, errs, &labels, "wins_per_member", &self.wins_per_member),
            budget_fen: fen(l, errs, &labels, "budget", &self.budget),
            starts_at_ms,
            ends_at_ms,
        }
    }
}

/// A percentage typed in `field` (`10`, `0.5`, `2.25%`) as parts per million; blank is
/// `None`, anything but 0–100 with at most 4 decimals is an error beside the field.
fn odds(l: &Layout, errs: &mut FormErrors, field: &str, v: &str) -> Option<i64> {
    if v.is_empty() {
        return None;
    }
    let ppm = odds_from_percent(v);
    if ppm.is_none() {
        let text = l
            .lang
            .labelled(&field_label(l, field), l.t("lottery_form.odds_invalid"));
        errs.push(field, text);
    }
    ppm
}

/// The label of a field; a row's field (`tier2_odds`) has its column's label.
fn field_label(l: &Layout, field: &str) -> String {
    let column = field
        .strip_prefix("tier")
        .and_then(|rest| rest.split_once('_'))
        .filter(|(i, _)| i.parse::<usize>().is_ok())
        .map(|(_, sub)| format!("tier_{sub}"));
    label(l, PREFIX, column.as_deref().unwrap_or(field))
}

/// A row of the form as shown: its index, the row typed, and the placeholders of a first row.
struct RowView {
    i: usize,
    row: TierRow,
    /// Placeholders: name, cost, stock, odds, upgrade price.
    ph: [String; 5],
}

#[derive(Template)]
#[template(path = "promo_lottery_form.html")]
struct LotteryFormPage {
    l: Layout,
    f: LotteryForm,
    rows: Vec<RowView>,
    errs: FormErrors,
    others: Vec<String>,
}

fn page(u: &UiUser, f: LotteryForm, errs: FormErrors) -> Response {
    let l = u.layout("campaigns");
    let count = (f.tiers.len() + SPARE_ROWS).clamp(FIRST_ROWS + SPARE_ROWS, MAX_TIERS);
    // Examples, not values: shown in grey with "e.g." so no one takes them for typed ones.
    let eg = |v: &str| format!("{} {v}", l.t("lottery_form.eg"));
    let ph = |i: usize| -> [String; 5] {
        let name = |k: &str| eg(l.t(k));
        match i {
            0 => [
                name("lottery_form.ph_first"),
                eg("20.00"),
                eg("5"),
                eg("1"),
                String::new(),
            ],
            1 => [
                name("lottery_form.ph_second"),
                eg("5.00"),
                eg("50"),
                eg("10"),
                String::new(),
            ],
            2 => [
                name("lottery_form.ph_third"),
                eg("1.00"),
                eg("1000"),
                l.t("lottery_form.ph_rest").to_string(),
                eg("29.90"),
            ],
            _ => Default::default(),
        }
    };
    let rows = (0..count)
        .map(|i| RowView {
            i,
            row: f.tiers.get(i).cloned().unwrap_or_default(),
            ph: ph(i),
        })
        .collect();
    let names: Vec<String> = (0..MAX_TIERS)
        .flat_map(|i| TIER_FIELDS.iter().map(move |sub| format!("tier{i}_{sub}")))
        .collect();
    let mut shown = vec![
        "name",
        "starts_at",
        "ends_at",
        "draws_per_member",
        "wins_per_member",
        "budget",
        "tiers",
    ];
    shown.extend(names.iter().map(String::as_str));
    render(LotteryFormPage {
        others: errs.others(&shown),
        f,
        rows,
        errs,
        l,
    })
}

/// GET /ui/campaigns/lotteries/new: a form opening in an hour for a week, one draw and one
/// win per member, three tier rows to fill.
pub async fn new_form(u: UiUser) -> Response {
    if !u.perms().write {
        return refused("correct.forbidden");
    }
    let offset = u.zone_offset_secs();
    let hour = 3_600_000;
    let start = (quanzi_core::read::now_ms() / hour + 1) * hour;
    let f = LotteryForm {
        draws_per_member: "1".into(),
        wins_per_member: "1".into(),
        starts_at: local_value(start, offset),
        ends_at: local_value(start + 7 * 24 * hour, offset),
        ..LotteryForm::default()
    };
    page(&u, f, FormErrors::default())
}

/// POST /ui/campaigns/lotteries/new: creates the lottery (its commitment published) and
/// opens its page; a refused form comes back with each error beside its field, nothing
/// stored.
pub async fn create(
    State(s): State<AppState>,
    u: UiUser,
    Form(p): Form<Vec<(String, String)>>,
) -> Response {
    let f = LotteryForm::from_pairs(&p.into());
    if let Some(why) = refusal(&u, &f.csrf, u.perms().write, "correct.forbidden") {
        return refused(why);
    }
    let l = u.layout("campaigns");
    let mut errs = FormErrors::default();
    let request = f.request(&l, &mut errs);
    if !errs.is_empty() {
        // A number, percentage or time that is not one: the rules' other errors come with it.
        let rules = LotteryInput {
            name: request.name,
            tiers: request.tiers,
            draws_per_member: request.draws_per_member,
            wins_per_member: request.wins_per_member,
            budget_fen: request.budget_fen,
        };
        if let Err(inv) = rules.into_new() {
            file_errors(&l, &mut errs, &inv, &f.kept());
        }
        return unprocessable(page(&u, f, errs));
    }
    match lotteries::create(&s.db, &s.server, u.tenant(), request).await {
        Ok(x) => see_other(&format!("/ui/campaigns/lotteries/{}", x.lottery_id.0)),
        Err(CoreError::Invalid(inv)) => {
            file_errors(&l, &mut errs, &inv, &f.kept());
            unprocessable(page(&u, f, errs))
        }
        Err(e) => server_error(e),
    }
}

/// The form's field of a use-case's field: `tiers[1].odds_ppm` is the odds of the second row
/// kept (`kept[1]`), money and times drop their unit.
fn form_field(field: &str, kept: &[usize]) -> String {
    let plain = |f: &str| {
        match f {
            "budget_fen" => "budget",
            "starts_at_ms" => "starts_at",
            "ends_at_ms" => "ends_at",
            "cost_fen" => "cost",
            "odds_ppm" => "odds",
            "everyone_wins" => "everyone",
            "upgrade_price_fen" => "upgrade_price",
            other => other,
        }
        .to_string()
    };
    let row = field
        .strip_prefix("tiers[")
        .and_then(|rest| rest.split_once("]."))
        .and_then(|(k, sub)| Some((*kept.get(k.parse::<usize>().ok()?)?, sub)));
    match row {
        Some((i, sub)) => format!("tier{i}_{}", plain(sub)),
        None => plain(field),
    }
}

/// Files the use-case's errors beside the form's fields, in the operator's language.
fn file_errors(l: &Layout, errs: &mut FormErrors, inv: &Invalid, kept: &[usize]) {
    for e in &inv.0 {
        let field = form_field(&e.field, kept);
        let text = sentence(l, |_| field_label(l, &field), e);
        errs.push(&field, text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tiers_error_is_filed_beside_the_row_it_came_from() {
        // Rows 0 and 2 were filled, row 1 left blank.
        let kept = [0, 2];
        assert_eq!(form_field("tiers[1].odds_ppm", &kept), "tier2_odds");
        assert_eq!(
            form_field("tiers[0].upgrade_price_fen", &kept),
            "tier0_upgrade_price"
        );
        assert_eq!(form_field("tiers[0].name", &kept), "tier0_name");
        assert_eq!(form_field("tiers", &kept), "tiers");
        assert_eq!(form_field("budget_fen", &kept), "budget");
        assert_eq!(form_field("ends_at_ms", &kept), "ends_at");
        assert_eq!(form_field("tiers[7].stock", &kept), "tiers[7].stock");
    }
}
