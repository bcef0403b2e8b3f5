//! The store staff's redeem page (`/ui/redeem`), phone first: type the member's 8-character
//! code — a lead gift's or a coupon's — look it up (the gift or the coupon, and the member),
//! then redeem it once (a coupon on an order of the amount typed, at least its threshold); a
//! code redeemed already says when and by whom, an expired one says so, an unknown one too.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::Response;
use quanzi_core::gifts::{self, NotRedeemed};
use quanzi_core::offers::till::{self, NotUsed};
use quanzi_core::views::{Offer, OfferGrant, Redemption};
use quanzi_core::{CoreError, Result};
use quanzi_domain::Fen;
use quanzi_domain::gift::normalize_code;
use quanzi_domain::wallet::OfferReward;
use serde::Deserialize;

use super::super::form::{refusal, refused, see_other, unprocessable};
use super::super::{Layout, UiUser, render, server_error, urlencode};
use crate::AppState;
use crate::error::AppQuery;

/// A code that was found.
struct Found {
    /// The gift, or the coupon with what it gives.
    gift: String,
    /// A coupon: its threshold in words when it has one (the order's amount is asked).
    coupon: Option<String>,
    /// A used coupon's order: its amount, yuan.
    order: String,
    member_id: i64,
    member: String,
    issued: String,
    /// `valid`, `redeemed` or `expired`.
    state: &'static str,
    /// What the state means, as a sentence with its time (and who redeemed it).
    says: String,
}

#[derive(Template)]
#[template(path = "growth_redeem.html")]
struct RedeemPage {
    l: Layout,
    /// The code as typed.
    code: String,
    /// The code was looked up and is not one of this merchant's.
    unknown: bool,
    found: Option<Found>,
    /// Why the code cannot be a code (beside the field).
    error: String,
    /// It was just redeemed.
    done: bool,
    /// The order's amount as typed, and why it cannot be taken.
    amount: (String, String),
}

/// The page's query: the code to look up, and whether it was just redeemed.
#[derive(Debug, Default, Deserialize)]
pub struct RedeemQuery {
    code: Option<String>,
    done: Option<String>,
}

/// The redeem form.
#[derive(Debug, Default, Deserialize)]
pub struct RedeemForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    code: String,
    /// A coupon's order amount, yuan.
    #[serde(default)]
    amount: String,
}

/// GET /ui/redeem[?code=…]: the code's input, and what the code is when one was typed.
pub async fn page(
    State(s): State<AppState>,
    u: UiUser,
    AppQuery(q): AppQuery<RedeemQuery>,
) -> Response {
    if !u.perms().write {
        return refused("correct.forbidden");
    }
    let code = q.code.unwrap_or_default().trim().to_string();
    let done = q.done.as_deref() == Some("1");
    let error = if !code.is_empty() && normalize_code(&code).is_none() {
        u.lang.t("growth.rd.bad_code").to_string()
    } else {
        String::new()
    };
    match show(&s, &u, code, error, done, Default::default()).await {
        Ok(r) => r,
        Err(e) => server_error(e),
    }
}

/// POST /ui/redeem: redeems the code as the operator, then shows it redeemed; a code that
/// cannot be redeemed is shown again with why (422).
pub async fn redeem(State(s): State<AppState>, u: UiUser, Form(f): Form<RedeemForm>) -> Response {
    if let Some(why) = refusal(&u, &f.csrf, u.perms().write, "correct.forbidden") {
        return refused(why);
    }
    let code = f.code.trim().to_string();
    let by = u.session.display_name.clone();
    let mut amount_error = String::new();
    let error = match gifts::redeem(&s.db, u.tenant(), &code, &by).await {
        Ok(Ok((r, _))) => {
            return see_other(&format!("/ui/redeem?code={}&done=1", urlencode(&r.code)));
        }
        Ok(Err(NotRedeemed::Unknown)) => match use_coupon(&s, &u, &code, &f.amount, &by).await {
            Ok(Some(done)) => return done,
            Ok(None) => String::new(),
            Err(Refused::Amount(why)) => {
                amount_error = why;
                String::new()
            }
            Err(Refused::Failed(e)) => return server_error(e),
        },
        // Already redeemed or expired: the look-up below says which.
        Ok(Err(NotRedeemed::Already(..) | NotRedeemed::Expired(_))) => String::new(),
        Err(CoreError::Invalid(_)) => u.lang.t("growth.rd.bad_code").to_string(),
        Err(e) => return server_error(e),
    };
    let amount = (f.amount.trim().to_string(), amount_error);
    match show(&s, &u, code, error, false, amount).await {
        Ok(r) => unprocessable(r),
        Err(e) => server_error(e),
    }
}

/// Why a coupon was not used, when the page says it beside the amount (or cannot say it).
enum Refused {
    Amount(String),
    Failed(CoreError),
}

/// Uses coupon `code` on an order of `amount` yuan: the redirect once used, `None` when the
/// look-up will say why not (unknown, used, out of its window).
async fn use_coupon(
    s: &AppState,
    u: &UiUser,
    code: &str,
    amount: &str,
    by: &str,
) -> std::result::Result<Option<Response>, Refused> {
    let amount = amount.trim();
    let fen = if amount.is_empty() {
        0
    } else {
        match quanzi_channels::convert::yuan_to_fen(amount) {
            Ok(f) if f >= 0 => f,
            _ => {
                return Err(Refused::Amount(
                    u.lang.t("growth.rd.bad_amount").to_string(),
                ));
            }
        }
    };
    let key = format!("till-{}", normalize_code(code).unwrap_or_default());
    match till::redeem(&s.db, u.tenant(), code, fen, &key, by).await {
        Ok(Ok((g, _))) => {
            let c = g.code.unwrap_or_default();
            Ok(Some(see_other(&format!(
                "/ui/redeem?code={}&done=1",
                urlencode(&c)
            ))))
        }
        Ok(Err(NotUsed::BelowThreshold(min))) => Err(Refused::Amount(
            u.lang
                .t("growth.rd.below")
                .replace("{yuan}", &Fen(min).yuan_string()),
        )),
        Ok(Err(_)) => Ok(None),
        Err(CoreError::Invalid(_)) => Err(Refused::Amount(
            u.lang.t("growth.rd.bad_amount").to_string(),
        )),
        Err(e) => Err(Refused::Failed(e)),
    }
}

/// The page for `code` (none looked up when empty or refused for its shape).
async fn show(
    s: &AppState,
    u: &UiUser,
    code: String,
    error: String,
    done: bool,
    amount: (String, String),
) -> Result<Response> {
    let looked = if code.is_empty() || !error.is_empty() {
        None
    } else {
        Some(gifts::look_up(&s.db, u.tenant(), &code).await?)
    };
    let mut unknown = matches!(looked, Some(None));
    let (code, found) = match looked.flatten() {
        None if unknown => match till::look_up(&s.db, u.tenant(), &code).await? {
            None => (code, None),
            Some((g, o)) => {
                unknown = false;
                let member = member_name(s, u, g.member_id).await?;
                let c = g.code.clone().unwrap_or_default();
                (c, Some(coupon_found(u, &g, &o, member)))
            }
        },
        None => (code, None),
        Some((r, g)) => {
            let member = member_name(s, u, r.member_id).await?;
            (r.code.clone(), Some(found(u, &r, g.name, member)))
        }
    };
    Ok(render(RedeemPage {
        l: u.layout("redeem"),
        code,
        unknown,
        found,
        error,
        done,
        amount,
    }))
}

/// What a found code is: redeemed (when, by whom), expired (when) or valid (until when).
fn found(u: &UiUser, r: &Redemption, gift: String, member: String) -> Found {
    let t = |key: &str, at: i64| u.lang.t(key).replace("{at}", &u.fmt_ms(at));
    let (state, says) = match r.redeemed_at_ms {
        Some(at) => (
            "redeemed",
            t("growth.rd.redeemed", at).replace("{by}", r.redeemed_by.as_deref().unwrap_or("—")),
        ),
        None if r.expires_at_ms <= quanzi_core::read::now_ms() => {
            ("expired", t("growth.rd.expired", r.expires_at_ms))
        }
        None => ("valid", t("growth.rd.valid", r.expires_at_ms)),
    };
    Found {
        gift,
        coupon: None,
        order: String::new(),
        member_id: r.member_id.0,
        member,
        issued: u.fmt_ms(r.issued_at_ms),
        state,
        says,
    }
}

async fn member_name(s: &AppState, u: &UiUser, id: quanzi_domain::MemberId) -> Result<String> {
    Ok(quanzi_core::read::member::get(&s.db, u.tenant(), id)
        .await?
        .map(|m| m.name)
        .unwrap_or_default())
}

/// What a found coupon is: used (when, by whom), not yet or no longer valid, or valid.
fn coupon_found(u: &UiUser, g: &OfferGrant, o: &Offer, member: String) -> Found {
    let t = |key: &str, at: i64| u.lang.t(key).replace("{at}", &u.fmt_ms(at));
    let now = quanzi_core::read::now_ms();
    let (state, says) = match g.used_at_ms {
        Some(at) => (
            "redeemed",
            t("growth.rd.redeemed", at).replace("{by}", g.used_by.as_deref().unwrap_or("—")),
        ),
        None if o.valid_until_ms <= now => ("expired", t("growth.rd.expired", o.valid_until_ms)),
        None if now < o.valid_from_ms => ("expired", t("growth.rd.from", o.valid_from_ms)),
        None => ("valid", t("growth.rd.valid", o.valid_until_ms)),
    };
    let gives = match &o.reward {
        OfferReward::Discount(fen) => u
            .lang
            .t("growth.rd.off")
            .replace("{yuan}", &Fen(*fen).yuan_string()),
        OfferReward::Gift(name) => name.clone(),
    };
    let threshold = (o.threshold_fen > 0).then(|| {
        u.lang
            .t("growth.rd.threshold")
            .replace("{yuan}", &Fen(o.threshold_fen).yuan_string())
    });
    Found {
        gift: format!("{} · {gives}", o.name),
        coupon: Some(threshold.unwrap_or_default()),
        order: g
            .order_fen
            .map(|f| format!("¥{}", Fen(f).yuan_string()))
            .unwrap_or_default(),
        member_id: g.member_id.0,
        member,
        issued: u.fmt_ms(g.granted_at_ms),
        state,
        says,
    }
}
