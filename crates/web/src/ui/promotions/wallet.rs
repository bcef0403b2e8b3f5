//! The wallets page (`/ui/campaigns/wallets`): the top-up plan (充100送20) the till applies,
//! and the till itself — find a member by phone or id, see their balances and history, top
//! up or spend, once per form (its key rides in the form, so a double click writes once).

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::Response;
use quanzi_core::views::{Member, WalletView};
use quanzi_core::wallets::{self, Moved, Request};
use quanzi_core::{CoreError, Result, members};
use quanzi_domain::query::MemberFilter;
use quanzi_domain::wallet::{TopUpPlanInput, TopUpTierInput, WalletOp};
use quanzi_domain::{Fen, MemberId};
use serde::Deserialize;

use super::super::form::{FormErrors, refusal, refused, see_other, sentences, unprocessable};
use super::super::growth::{Pairs, fen, whole, yuan_field};
use super::super::{Layout, UiUser, render, server_error, urlencode};
use crate::AppState;
use crate::error::AppQuery;

/// Tier rows the plan form shows.
const TIER_ROWS: usize = 4;

/// A tier row of the plan form: its two fields' names and what they hold.
struct TierRow {
    pay_name: String,
    pay: String,
    bonus_name: String,
    bonus: String,
}

/// An entry of the history.
struct EntryRow {
    id: i64,
    op: String,
    principal: String,
    bonus: String,
    note: String,
    when: String,
}

#[derive(Template)]
#[template(path = "promo_wallet.html")]
struct WalletPage {
    l: Layout,
    tiers: Vec<TierRow>,
    days: String,
    plan_errors: FormErrors,
    who: String,
    member: Option<Member>,
    /// Total, principal, bonus in yuan.
    balance: Option<(String, String, String)>,
    entries: Vec<EntryRow>,
    lookup_error: String,
    till_error: String,
    key: String,
    done: Option<String>,
    can_write: bool,
}

/// The page's query: the member looked up, and what the till just did.
#[derive(Debug, Default, Deserialize)]
pub struct WalletQuery {
    who: Option<String>,
    done: Option<String>,
}

async fn find(s: &AppState, u: &UiUser, who: &str) -> Result<Option<Member>> {
    let who = who.trim();
    if who.is_empty() {
        return Ok(None);
    }
    if let Ok(id) = who.trim_start_matches('#').parse::<i64>()
        && id > 0
        && who.len() < 11
    {
        return match members::get(&s.db, u.tenant(), MemberId(id)).await {
            Ok(m) => Ok(Some(m)),
            Err(CoreError::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        };
    }
    let f = MemberFilter {
        q: Some(who.to_string()),
        limit: 2,
        ..Default::default()
    };
    Ok(members::list(&s.db, u.tenant(), f)
        .await?
        .items
        .into_iter()
        .next())
}

async fn show(
    s: &AppState,
    u: &UiUser,
    q: WalletQuery,
    plan_errors: FormErrors,
    plan_form: Option<(Vec<(String, String)>, String)>,
    till_error: String,
) -> Result<Response> {
    let l = u.layout("campaigns");
    let plan = wallets::top_up_plan(&s.db, u.tenant()).await?;
    let (mut tiers, days) = plan_form.unwrap_or_else(|| {
        (
            plan.tiers
                .iter()
                .map(|t| (yuan_field(t.min_top_up_fen), yuan_field(t.bonus_fen)))
                .collect(),
            plan.bonus_valid_days.to_string(),
        )
    });
    tiers.resize(TIER_ROWS.max(tiers.len()), (String::new(), String::new()));
    let who = q.who.unwrap_or_default();
    let member = find(s, u, &who).await?;
    let wallet: Option<WalletView> = match &member {
        Some(m) => Some(wallets::wallet(&s.db, u.tenant(), m.member_id, 20).await?),
        None => None,
    };
    let yuan = |f: i64| Fen(f).yuan_string();
    let balance = wallet
        .as_ref()
        .map(|w| (yuan(w.total_fen), yuan(w.principal_fen), yuan(w.bonus_fen)));
    let entries = wallet
        .iter()
        .flat_map(|w| &w.entries)
        .map(|e| EntryRow {
            id: e.entry_id,
            op: l.code("wallet_op", &e.op),
            principal: signed(e.principal_fen),
            bonus: signed(e.bonus_fen),
            note: e.note.clone().unwrap_or_default(),
            when: l.fmt_ms(e.at_ms),
        })
        .collect();
    let tiers = tiers
        .into_iter()
        .enumerate()
        .map(|(i, (pay, bonus))| TierRow {
            pay_name: format!("tier{i}_pay"),
            pay,
            bonus_name: format!("tier{i}_bonus"),
            bonus,
        })
        .collect();
    let lookup_error = if !who.trim().is_empty() && member.is_none() {
        l.t("wallet_page.not_found").to_string()
    } else {
        String::new()
    };
    let mut raw = [0u8; 12];
    let key = getrandom::fill(&mut raw)
        .map(|_| format!("till-{}", hex::encode(raw)))
        .unwrap_or_default();
    let done = q
        .done
        .map(|d| l.t(&format!("wallet_page.done.{d}")).to_string())
        .filter(|d| !d.starts_with("wallet_page."));
    let page = render(WalletPage {
        tiers,
        days,
        plan_errors,
        who,
        member,
        balance,
        entries,
        lookup_error,
        key,
        done,
        can_write: u.perms().write,
        till_error: till_error.clone(),
        l,
    });
    Ok(if till_error.is_empty() {
        page
    } else {
        unprocessable(page)
    })
}

/// GET /ui/campaigns/wallets: the plan and the till.
pub async fn page(
    State(s): State<AppState>,
    u: UiUser,
    AppQuery(q): AppQuery<WalletQuery>,
) -> Response {
    show(&s, &u, q, FormErrors::default(), None, String::new())
        .await
        .unwrap_or_else(server_error)
}

/// POST /ui/campaigns/wallets/plan: saves the top-up plan.
pub async fn save_plan(
    State(s): State<AppState>,
    u: UiUser,
    Form(p): Form<Vec<(String, String)>>,
) -> Response {
    let p = Pairs::from(p);
    if let Some(why) = refusal(&u, p.get("_csrf"), u.perms().write, "correct.forbidden") {
        return refused(why);
    }
    let l = u.layout("campaigns");
    let mut errs = FormErrors::default();
    let labels = |f: &str| {
        l.t(&format!(
            "wallet_page.{}",
            f.split('_').next_back().unwrap_or(f)
        ))
        .to_string()
    };
    let mut typed = Vec::new();
    let mut tiers = Vec::new();
    for i in 0..TIER_ROWS {
        let (pay, bonus) = (
            p.get(&format!("tier{i}_pay")).to_string(),
            p.get(&format!("tier{i}_bonus")).to_string(),
        );
        typed.push((pay.clone(), bonus.clone()));
        if pay.is_empty() && bonus.is_empty() {
            continue;
        }
        tiers.push(TopUpTierInput {
            min_top_up_fen: fen(&l, &mut errs, &labels, &format!("tier{i}_pay"), &pay),
            bonus_fen: fen(&l, &mut errs, &labels, &format!("tier{i}_bonus"), &bonus),
        });
    }
    let days = p.get("bonus_valid_days").to_string();
    let input = TopUpPlanInput {
        tiers: Some(tiers),
        bonus_valid_days: whole(&l, &mut errs, &labels, "bonus_valid_days", &days),
    };
    if errs.is_empty() {
        match wallets::set_top_up_plan(&s.db, u.tenant(), input).await {
            Ok(_) => return see_other("/ui/campaigns/wallets?done=plan"),
            Err(CoreError::Invalid(inv)) => {
                let text = sentences(
                    &l,
                    |f| {
                        l.t(&format!(
                            "wallet_page.{}",
                            f.rsplit('.').next().unwrap_or(f)
                        ))
                        .to_string()
                    },
                    &inv.0,
                );
                errs.push("plan", text);
            }
            Err(e) => return server_error(e),
        }
    }
    match show(
        &s,
        &u,
        WalletQuery::default(),
        errs,
        Some((typed, days)),
        String::new(),
    )
    .await
    {
        Ok(r) => unprocessable(r),
        Err(e) => server_error(e),
    }
}

/// The till's form.
#[derive(Debug, Default, Deserialize)]
pub struct TillForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    member_id: String,
    #[serde(default)]
    op: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    key: String,
    #[serde(default)]
    note: String,
}

/// POST /ui/campaigns/wallets/till: tops up or spends, then back to the member's wallet.
pub async fn till(State(s): State<AppState>, u: UiUser, Form(f): Form<TillForm>) -> Response {
    if let Some(why) = refusal(&u, &f.csrf, u.perms().write, "correct.forbidden") {
        return refused(why);
    }
    let l = u.layout("campaigns");
    let Some(m) = f
        .member_id
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|v| *v > 0)
        .map(MemberId)
    else {
        return super::not_found();
    };
    let op = match f.op.as_str() {
        "top_up" => WalletOp::TopUp,
        "spend" => WalletOp::Spend,
        _ => return refused("growth.rv.bad_action"),
    };
    let back = WalletQuery {
        who: Some(m.0.to_string()),
        done: None,
    };
    let mut errs = FormErrors::default();
    let amount = fen(
        &l,
        &mut errs,
        &|_| l.t("wallet_page.amount").to_string(),
        "amount",
        &f.amount,
    );
    let why = if !errs.is_empty() {
        errs.get("amount").to_string()
    } else {
        let r = Request {
            op,
            amount_fen: amount,
            refund_of: None,
            key: f.key.clone(),
            note: Some(f.note.trim().to_string()).filter(|n| !n.is_empty()),
        };
        match wallets::apply(&s.db, u.tenant(), m, r).await {
            Ok(Moved::Done(..) | Moved::Again(..)) => {
                return see_other(&format!(
                    "/ui/campaigns/wallets?who={}&done={}",
                    m.0,
                    urlencode(op.as_str())
                ));
            }
            Ok(Moved::Refused(_)) => l.t("wallet_page.short").to_string(),
            Err(CoreError::Invalid(inv)) => {
                sentences(&l, |f| l.t(&format!("wallet_page.{f}")).to_string(), &inv.0)
            }
            Err(CoreError::NotFound(_)) => return super::not_found(),
            Err(CoreError::Conflict(_)) => l.t("wallet_page.key_used").to_string(),
            Err(e) => return server_error(e),
        }
    };
    show(&s, &u, back, FormErrors::default(), None, why)
        .await
        .unwrap_or_else(server_error)
}

/// Fen as yuan with its sign, for the history.
pub(super) fn signed(fen: i64) -> String {
    format!(
        "{}{}",
        if fen > 0 { "+" } else { "" },
        Fen(fen).yuan_string()
    )
}
