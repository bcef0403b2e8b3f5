//! A red envelope's member page (抢红包): the envelope of the shop, the claim button while it is
//! open, what the member got ("你抢到 ¥1.23") and who got what, the best luck marked (手气最佳);
//! or why there is nothing to take: not open yet, all taken, not in the envelope's group.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use quanzi_core::CoreError;
use quanzi_core::red_envelopes::claim::{Claimed, claim};
use quanzi_core::views::{OpenedEnvelope, SendStatus};
use quanzi_domain::Fen;
use quanzi_domain::red_envelope::Split;

use super::landing::with_cookies;
use super::sale::SaleQuery;
use super::{Chrome, Visit, page_html, text};
use crate::AppState;

/// One claimed share as the group sees it.
pub struct ClaimLine {
    /// Who.
    pub name: String,
    /// When, local time.
    pub when: String,
    /// Yuan.
    pub amount: String,
    /// 手气最佳.
    pub best: bool,
    /// The visitor's own.
    pub mine: bool,
}

#[derive(Template)]
#[template(path = "h5_red_envelope.html")]
struct EnvelopePage {
    p: Chrome,
    name: String,
    kind: &'static str,
    from: String,
    /// `got`, `cancelled`, `not_open`, `all_claimed`, `not_in_group` or `open`.
    state: &'static str,
    /// "你抢到 ¥1.23", when the visitor holds a share.
    got: Option<String>,
    paid: bool,
    opens: String,
    claim_action: String,
    summary: String,
    claims: Vec<ClaimLine>,
    show_claims: bool,
}

fn base(v: &Visit, id: i64) -> String {
    format!("/h/{}/re/{id}", v.slug)
}

/// GET /h/{tenant}/re/{id}: the envelope as the visitor opens it.
pub async fn page(
    State(s): State<AppState>,
    Path((_, id)): Path<(String, i64)>,
    axum::extract::Query(q): axum::extract::Query<SaleQuery>,
    headers: HeaderMap,
    v: Visit,
) -> Response {
    let (member, cookies) = match super::participant(&s, &v, &headers, q.m.as_deref()).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    match quanzi_core::red_envelopes::opened(&s.db, v.tenant, id, member).await {
        Ok(e) => match render(&s, &v, e, q.r.as_deref()).await {
            Ok(r) => with_cookies(r, cookies),
            Err(e) => crate::ui::server_error(e),
        },
        Err(CoreError::NotFound(_)) => super::not_found(v.lang, &v.shop),
        Err(e) => crate::ui::server_error(e),
    }
}

async fn render(
    s: &AppState,
    v: &Visit,
    e: OpenedEnvelope,
    result: Option<&str>,
) -> quanzi_core::Result<Response> {
    let t = |k: &str| text::t(v.lang, k);
    let offset = quanzi_core::zone::offset_secs(&s.db, v.tenant).await?;
    let send = &e.send;
    // A refusal just answered is said even to a visitor the page did not know before.
    let state = if e.mine.is_some() {
        "got"
    } else if send.status == SendStatus::Cancelled {
        "cancelled"
    } else if send.status == SendStatus::Scheduled {
        "not_open"
    } else if send.status == SendStatus::AllClaimed {
        "all_claimed"
    } else if e.in_group == Some(false) || result == Some("not_in_group") {
        "not_in_group"
    } else {
        "open"
    };
    let got = e
        .mine
        .as_ref()
        .map(|m| t("re.got").replace("{amount}", &Fen(m.amount_fen).yuan_string()));
    let mine_id = e.mine.as_ref().map(|m| m.red_envelope_share_id);
    let mut shown: Vec<_> = send.shares.iter().collect();
    shown.sort_by_key(|x| (x.claimed_at_ms, x.seq));
    let claims = shown
        .into_iter()
        .map(|x| ClaimLine {
            name: x.member_name.clone().unwrap_or_default(),
            when: x
                .claimed_at_ms
                .map(|at| crate::ui::fmt_ms_in(at, offset))
                .unwrap_or_default(),
            amount: Fen(x.amount_fen).yuan_string(),
            best: x.best_luck,
            mine: Some(x.red_envelope_share_id) == mine_id,
        })
        .collect();
    let summary = t("re.summary")
        .replace("{n}", &send.claimed.to_string())
        .replace("{count}", &send.count.to_string())
        .replace("{claimed}", &Fen(send.claimed_fen).yuan_string())
        .replace("{total}", &Fen(send.total_fen).yuan_string());
    let page = EnvelopePage {
        p: v.chrome(&e.name),
        kind: if send.split == Split::Equal {
            t("re.kind.equal")
        } else {
            t("re.kind.random")
        },
        from: t("re.from").replace("{shop}", &v.shop),
        state,
        paid: e.mine.as_ref().is_some_and(|m| m.paid_at_ms.is_some()),
        got,
        opens: crate::ui::fmt_ms_in(send.at_ms, offset),
        claim_action: format!("{}/claim", base(v, send.red_envelope_send_id)),
        summary,
        show_claims: e.in_group == Some(true) || e.mine.is_some(),
        claims,
        name: e.name,
    };
    Ok(page_html(page))
}

/// POST /h/{tenant}/re/{id}/claim: the visitor claims a share (a new visitor becomes a
/// prospect first), then back to the envelope saying what came of it.
pub async fn claim_now(
    State(s): State<AppState>,
    Path((_, id)): Path<(String, i64)>,
    headers: HeaderMap,
    v: Visit,
) -> Response {
    let back = base(&v, id);
    let m = match super::landing::taker(&s, &v, &headers, "red_envelope", &back).await {
        Ok(m) => m,
        Err(r) => return r,
    };
    let r = match claim(&s.db, v.tenant, id, m).await {
        Ok(Claimed::Got(_) | Claimed::Again(_)) => "got",
        Ok(Claimed::Refused(why)) => why.as_str(),
        // The member's own claim in another tab won the race: the page shows it.
        Err(CoreError::Conflict(_)) => return Redirect::to(&back).into_response(),
        Err(CoreError::NotFound(_)) => return super::not_found(v.lang, &v.shop),
        Err(e) => return crate::ui::server_error(e),
    };
    Redirect::to(&format!("{back}?r={r}")).into_response()
}
