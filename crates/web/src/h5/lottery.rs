//! A lottery's member page: the prizes and their odds, the member's draws, the draw button,
//! the paid upgrade of a won prize (加 ¥X 升级, offered only while the core would take it) and
//! what an upgraded prize still owes, the commitment published before the first
//! draw and, once the lottery ended, the seed and a check anyone can run — on the page or
//! with `quanzi verify-draw` on the record's JSON.

use askama::Template;
use axum::extract::{Form, Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Json, Redirect, Response};
use quanzi_core::CoreError;
use quanzi_core::lotteries::draw::{Drawn, draw, upgradable, upgrade};
use quanzi_core::lotteries::record::{Checked, check, record};
use quanzi_core::views::Lottery;
use quanzi_domain::lottery::Refusal;
use quanzi_domain::{Fen, LotteryId, MemberId};
use serde::Deserialize;

use super::landing::with_cookies;
use super::sale::SaleQuery;
use super::team::notice;
use super::{Chrome, Visit, page_html, text};
use crate::AppState;

/// A prize tier as the member reads it.
pub struct PrizeLine {
    /// Name.
    pub name: String,
    /// Chance, e.g. "10%" or "人人有份".
    pub odds: String,
    /// Left.
    pub left: i64,
    /// None left: the page says 已抽完 instead of the odds.
    pub gone: bool,
}

/// One of the member's draws.
pub struct MyDraw {
    /// Draw number.
    pub no: i64,
    /// What it got, in words.
    pub got: String,
    /// Whether it won something.
    pub won: bool,
    /// The upgrade on offer (its label) while the lottery is open and the core would take it.
    pub upgrade: Option<String>,
    /// Of an upgraded prize: what is paid when collecting it, in words.
    pub owed: Option<String>,
}

#[derive(Template)]
#[template(path = "h5_lottery.html")]
struct LotteryPage {
    p: Chrome,
    l: Lottery,
    prizes: Vec<PrizeLine>,
    mine: Vec<MyDraw>,
    left: i64,
    base: String,
    /// The last action's result and whether it went well (green) or not (amber).
    notice: Option<(bool, String)>,
    ends: String,
    verdict: Option<(bool, String)>,
}

async fn lottery_of(s: &AppState, v: &Visit, id: i64) -> Result<Lottery, Response> {
    match quanzi_core::lotteries::get(&s.db, &s.server, v.tenant, LotteryId(id)).await {
        Ok(l) => Ok(l),
        Err(CoreError::NotFound(_)) => Err(super::not_found(v.lang, &v.shop)),
        Err(e) => Err(crate::ui::server_error(e)),
    }
}

fn base(v: &Visit, id: i64) -> String {
    format!("/h/{}/l/{id}", v.slug)
}

/// GET /h/{tenant}/l/{id}: the lottery's page.
pub async fn page(
    State(s): State<AppState>,
    Path((_, id)): Path<(String, i64)>,
    axum::extract::Query(q): axum::extract::Query<SaleQuery>,
    headers: HeaderMap,
    v: Visit,
) -> Response {
    let l = match lottery_of(&s, &v, id).await {
        Ok(l) => l,
        Err(r) => return r,
    };
    let (member, cookies) = match super::participant(&s, &v, &headers, q.m.as_deref()).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    match render(&s, &v, l, member, q.r.as_deref()).await {
        Ok(r) => with_cookies(r, cookies),
        Err(e) => crate::ui::server_error(e),
    }
}

async fn render(
    s: &AppState,
    v: &Visit,
    l: Lottery,
    member: Option<MemberId>,
    result: Option<&str>,
) -> quanzi_core::Result<Response> {
    let t = |k: &str| text::t(v.lang, k);
    let offset = quanzi_core::zone::offset_secs(&s.db, v.tenant).await?;
    let open = l.status == "open";
    let events = match member {
        Some(m) => quanzi_core::lotteries::events_of(&s.db, v.tenant, l.lottery_id, m).await?,
        None => Vec::new(),
    };
    // The draws upgraded, with the price paid when collecting.
    let upgraded: Vec<(i64, Option<i64>)> = events
        .iter()
        .filter(|e| e.kind == "upgrade")
        .map(|e| (e.draw_no, e.price_fen))
        .collect();
    let mut mine = Vec::new();
    for e in events.iter().filter(|e| e.kind == "draw") {
        let now_tier = events
            .iter()
            .rev()
            .find(|x| x.draw_no == e.draw_no)
            .and_then(|x| x.tier)
            .and_then(|x| usize::try_from(x).ok());
        let tier = now_tier.and_then(|i| l.tiers.get(i));
        let done = upgraded.iter().find(|(no, _)| *no == e.draw_no);
        // Offered only when the core would take it now: the better tier has stock left and
        // the budget takes the extra cost — so a refused upgrade is not offered again.
        let offer = tier
            .filter(|_| open && done.is_none())
            .and_then(|x| Some((upgradable(&l, x.tier).ok()?, x.upgrade_price_fen?)))
            .and_then(|(to, price)| {
                let target = l.tiers.get(to)?;
                Some(
                    t("lottery.upgrade_offer")
                        .replace("{price}", &Fen(price).yuan_string())
                        .replace("{prize}", &target.name),
                )
            });
        let owed = done
            .and_then(|(_, price)| *price)
            .map(|p| t("lottery.upgraded_owed").replace("{price}", &Fen(p).yuan_string()));
        mine.push(MyDraw {
            no: e.draw_no,
            got: tier.map_or_else(|| t("lottery.nothing").to_string(), |x| x.name.clone()),
            won: tier.is_some(),
            upgrade: offer,
            owed,
        });
    }
    let drawn = mine.len() as i64;
    let prizes = l
        .tiers
        .iter()
        .map(|x| PrizeLine {
            name: x.name.clone(),
            odds: if x.everyone_wins {
                t("lottery.everyone").to_string()
            } else {
                format!("{}%", f64::from(x.odds_ppm) / 10_000.0)
            },
            left: x.stock_left,
            gone: x.stock_left <= 0,
        })
        .collect();
    let verdict = if l.seed.is_some() {
        let r = record(&s.db, &s.server, v.tenant, l.lottery_id).await?;
        Some(match check(&r) {
            Checked::Fair { draws, .. } => {
                (true, t("lottery.fair").replace("{n}", &draws.to_string()))
            }
            Checked::Unfair(why) => (false, format!("{} {why}", t("lottery.unfair"))),
            Checked::NotRevealed => (false, t("lottery.not_revealed").to_string()),
        })
    } else {
        None
    };
    // Green for a prize and an upgrade; amber for a refusal and for no prize.
    let notice = notice(v, "lottery", result, &["won", "everyone", "upgraded"]);
    let page = LotteryPage {
        p: v.chrome(&l.name),
        base: base(v, l.lottery_id.0),
        prizes,
        mine,
        left: (i64::from(l.draws_per_member) - drawn).max(0),
        notice,
        ends: crate::ui::fmt_ms_in(l.ends_at_ms, offset),
        verdict,
        l,
    };
    Ok(page_html(page))
}

/// POST /h/{tenant}/l/{id}/draw: the member's next draw, then back to the page saying what
/// it got.
pub async fn draw_now(
    State(s): State<AppState>,
    Path((_, id)): Path<(String, i64)>,
    headers: HeaderMap,
    v: Visit,
) -> Response {
    let back = base(&v, id);
    let m = match super::landing::taker(&s, &v, &headers, "lottery", &back).await {
        Ok(m) => m,
        Err(r) => return r,
    };
    let r = match draw(&s.db, &s.server, v.tenant, LotteryId(id), m).await {
        Ok(Drawn::Done(d)) if d.everyone_wins => "everyone",
        Ok(Drawn::Done(d)) if d.tier.is_some() => "won",
        Ok(Drawn::Done(_)) => "nothing",
        Ok(Drawn::NotOpen) => "not_open",
        Ok(Drawn::Refused(Refusal::NoDrawsLeft)) => "no_draws_left",
        Ok(Drawn::Refused(_)) => "refused",
        Err(CoreError::NotFound(_)) => return super::not_found(v.lang, &v.shop),
        Err(e) => return crate::ui::server_error(e),
    };
    Redirect::to(&format!("{back}?r={r}")).into_response()
}

/// The upgrade form.
#[derive(Debug, Deserialize)]
pub struct UpgradeForm {
    /// The draw whose prize is upgraded.
    pub draw_no: Option<String>,
}

/// POST /h/{tenant}/l/{id}/upgrade: upgrades a prize of the member's, once.
pub async fn upgrade_now(
    State(s): State<AppState>,
    Path((_, id)): Path<(String, i64)>,
    headers: HeaderMap,
    v: Visit,
    Form(f): Form<UpgradeForm>,
) -> Response {
    let back = base(&v, id);
    let m = match super::landing::known(&s, &v, &headers).await {
        Ok(Some(m)) => m,
        Ok(None) => return Redirect::to(&back).into_response(),
        Err(r) => return r,
    };
    let Some(no) = f
        .draw_no
        .as_deref()
        .and_then(|n| n.trim().parse::<i64>().ok())
    else {
        let e = quanzi_domain::Invalid::one("draw_no", "must be a whole number");
        return v.invalid(text::t(v.lang, "lottery.title"), &e);
    };
    let r = match upgrade(&s.db, &s.server, v.tenant, LotteryId(id), m, no).await {
        Ok(Drawn::Done(_)) => "upgraded",
        Ok(Drawn::NotOpen) => "not_open",
        // To the member a budget that cannot take the better prize is the same: none left.
        Ok(Drawn::Refused(Refusal::NoStock | Refusal::OverBudget)) => "no_stock",
        Ok(Drawn::Refused(_)) => "refused",
        Err(CoreError::NotFound(_)) => return super::not_found(v.lang, &v.shop),
        Err(e) => return crate::ui::server_error(e),
    };
    Redirect::to(&format!("{back}?r={r}")).into_response()
}

/// GET /h/{tenant}/l/{id}/record.json: the published record, for anyone to check.
pub async fn record_json(
    State(s): State<AppState>,
    Path((_, id)): Path<(String, i64)>,
    v: Visit,
) -> Response {
    match record(&s.db, &s.server, v.tenant, LotteryId(id)).await {
        Ok(r) => Json(r).into_response(),
        Err(CoreError::NotFound(_)) => super::not_found(v.lang, &v.shop),
        Err(e) => crate::ui::server_error(e),
    }
}
