//! The store staff's redeem page (`/ui/redeem`), phone first: type the member's 8-character
//! code, look it up (the gift and the member), then redeem it once; a code redeemed already
//! says when and by whom, an expired one says so, an unknown one too.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::Response;
use quanzi_core::gifts::{self, NotRedeemed};
use quanzi_core::views::Redemption;
use quanzi_core::{CoreError, Result};
use quanzi_domain::gift::normalize_code;
use serde::Deserialize;

use super::super::form::{refusal, refused, see_other, unprocessable};
use super::super::{Layout, UiUser, render, server_error, urlencode};
use crate::AppState;
use crate::error::AppQuery;

/// A code that was found.
struct Found {
    gift: String,
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
    match show(&s, &u, code, error, done).await {
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
    let error = match gifts::redeem(&s.db, u.tenant(), &code, &by).await {
        Ok(Ok((r, _))) => {
            return see_other(&format!("/ui/redeem?code={}&done=1", urlencode(&r.code)));
        }
        // Already redeemed, expired or unknown: the look-up below says which.
        Ok(Err(NotRedeemed::Unknown | NotRedeemed::Already(..) | NotRedeemed::Expired(_))) => {
            String::new()
        }
        Err(CoreError::Invalid(_)) => u.lang.t("growth.rd.bad_code").to_string(),
        Err(e) => return server_error(e),
    };
    match show(&s, &u, code, error, false).await {
        Ok(r) => unprocessable(r),
        Err(e) => server_error(e),
    }
}

/// The page for `code` (none looked up when empty or refused for its shape).
async fn show(
    s: &AppState,
    u: &UiUser,
    code: String,
    error: String,
    done: bool,
) -> Result<Response> {
    let looked = if code.is_empty() || !error.is_empty() {
        None
    } else {
        Some(gifts::look_up(&s.db, u.tenant(), &code).await?)
    };
    let unknown = matches!(looked, Some(None));
    let (code, found) = match looked.flatten() {
        None => (code, None),
        Some((r, g)) => {
            let member = quanzi_core::read::member::get(&s.db, u.tenant(), r.member_id)
                .await?
                .map(|m| m.name)
                .unwrap_or_default();
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
        member_id: r.member_id.0,
        member,
        issued: u.fmt_ms(r.issued_at_ms),
        state,
        says,
    }
}
