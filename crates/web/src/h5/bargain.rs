//! A bargain's member pages: the offer (its start price and floor, the 发起砍价 button, or
//! the link to the member's own bargain) and a member's bargain (the price now and the floor
//! with a progress bar, the time left ticking, 帮TA砍一刀 for a friend who has not cut, 已砍过
//! for one who has, the friends' cuts, and 以当前价购买 and the link to share for the owner).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use quanzi_core::bargains::cut::{self, Bought, Cut};
use quanzi_core::bargains::{self, BargainRunId, Opened};
use quanzi_core::read::now_ms;
use quanzi_core::views::{Bargain, BargainRunDetail};
use quanzi_domain::{BargainId, Fen, MemberId};

use super::landing::with_cookies;
use super::sale::SaleQuery;
use super::team::{masked, missing, notice};
use super::{Chrome, Visit, page_html, text};
use crate::AppState;

/// A friend's cut as the page lists it.
pub struct CutLine {
    /// The friend's masked name.
    pub name: String,
    /// Taken off, yuan.
    pub amount: String,
    /// Whether it is the visitor's own cut.
    pub mine: bool,
}

#[derive(Template)]
#[template(path = "h5_bargain.html")]
struct BargainPage {
    p: Chrome,
    b: Bargain,
    /// `offer` (the offer's page) or `run` (a member's bargain).
    mode: &'static str,
    start: String,
    floor: String,
    rule: String,
    sold_out: bool,
    open_action: String,
    my_run: Option<String>,
    now_price: String,
    progress: String,
    cut_pct: i64,
    countdown_s: i64,
    expires: String,
    /// `open`, `expired`, `at_floor` or `bought`.
    status: &'static str,
    /// `owner`, `cut` (a friend who cut) or `friend`.
    role: &'static str,
    cut_action: String,
    buy_action: String,
    bought: String,
    share_url: String,
    cuts: Vec<CutLine>,
    offer_href: String,
    notice: Option<(bool, String)>,
}

fn offer_path(v: &Visit, id: i64) -> String {
    format!("/h/{}/bg/{id}", v.slug)
}

fn run_path(v: &Visit, id: i64) -> String {
    format!("/h/{}/bk/{id}", v.slug)
}

impl BargainPage {
    /// The page of offer `b`, the parts of a member's bargain left empty.
    fn new(v: &Visit, b: Bargain, mode: &'static str) -> BargainPage {
        let rule = text::t(v.lang, "bargain.rule")
            .replace("{n}", &b.cuts_to_floor.to_string())
            .replace("{h}", &b.hours.to_string());
        BargainPage {
            p: v.chrome(&b.product_name),
            mode,
            start: Fen(b.start_price_fen).yuan_string(),
            floor: Fen(b.floor_price_fen).yuan_string(),
            rule,
            sold_out: b.left == Some(0),
            open_action: format!("{}/open", offer_path(v, b.bargain_id.0)),
            my_run: None,
            now_price: String::new(),
            progress: String::new(),
            cut_pct: 0,
            countdown_s: 0,
            expires: String::new(),
            status: "open",
            role: "friend",
            cut_action: String::new(),
            buy_action: String::new(),
            bought: String::new(),
            share_url: String::new(),
            cuts: Vec::new(),
            offer_href: offer_path(v, b.bargain_id.0),
            notice: None,
            b,
        }
    }
}

/// GET /h/{tenant}/bg/{id}: the bargain offer's page.
pub async fn offer(
    State(s): State<AppState>,
    Path((_, id)): Path<(String, i64)>,
    axum::extract::Query(q): axum::extract::Query<SaleQuery>,
    headers: HeaderMap,
    v: Visit,
) -> Response {
    let b = match bargains::get(&s.db, v.tenant, BargainId(id)).await {
        Ok(b) => b,
        Err(e) => return missing(&v, e),
    };
    let (member, cookies) = match super::participant(&s, &v, &headers, q.m.as_deref()).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let mine = match member {
        Some(m) => bargains::run_of(&s.db, v.tenant, b.bargain_id, m).await,
        None => Ok(None),
    };
    let mine = match mine {
        Ok(r) => r,
        Err(e) => return crate::ui::server_error(e),
    };
    let mut page = BargainPage::new(&v, b, "offer");
    page.my_run = mine.map(|r| run_path(&v, r.bargain_run_id.0));
    page.notice = notice(&v, "bargain", q.r.as_deref(), &[]);
    with_cookies(page_html(page), cookies)
}

/// POST /h/{tenant}/bg/{id}/open: opens the visitor's bargain (or finds it), then on to it.
pub async fn open(
    State(s): State<AppState>,
    Path((_, id)): Path<(String, i64)>,
    headers: HeaderMap,
    v: Visit,
) -> Response {
    let back = offer_path(&v, id);
    let m = match super::landing::taker(&s, &v, &headers, "bargain", &back).await {
        Ok(m) => m,
        Err(r) => return r,
    };
    match bargains::open(&s.db, v.tenant, BargainId(id), m).await {
        Ok(Opened::New(r)) => {
            let to = run_path(&v, r.bargain_run_id.0);
            Redirect::to(&format!("{to}?r=opened")).into_response()
        }
        Ok(Opened::Again(r)) => Redirect::to(&run_path(&v, r.bargain_run_id.0)).into_response(),
        Ok(Opened::SoldOut) => Redirect::to(&format!("{back}?r=sold_out")).into_response(),
        Ok(Opened::Closed) => Redirect::to(&format!("{back}?r=closed")).into_response(),
        Err(e) => missing(&v, e),
    }
}

/// GET /h/{tenant}/bk/{run}: a member's bargain.
pub async fn page(
    State(s): State<AppState>,
    Path((_, id)): Path<(String, i64)>,
    axum::extract::Query(q): axum::extract::Query<SaleQuery>,
    headers: HeaderMap,
    v: Visit,
) -> Response {
    let d = match bargains::run(&s.db, v.tenant, BargainRunId(id)).await {
        Ok(d) => d,
        Err(e) => return missing(&v, e),
    };
    let (member, cookies) = match super::participant(&s, &v, &headers, q.m.as_deref()).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    match render_run(&s, &v, &headers, d, member, q.r.as_deref()).await {
        Ok(r) => with_cookies(r, cookies),
        Err(e) => crate::ui::server_error(e),
    }
}

async fn render_run(
    s: &AppState,
    v: &Visit,
    headers: &HeaderMap,
    d: BargainRunDetail,
    member: Option<MemberId>,
    result: Option<&str>,
) -> quanzi_core::Result<Response> {
    let t = |k: &str| text::t(v.lang, k);
    let offset = quanzi_core::zone::offset_secs(&s.db, v.tenant).await?;
    let ids: Vec<MemberId> = d.cuts.iter().map(|c| c.member_id).collect();
    let names = quanzi_core::group_buys::member_names(&s.db, v.tenant, &ids).await?;
    let run = &d.run;
    let now = now_ms();
    let status = if run.bought_at_ms.is_some() {
        "bought"
    } else if run.price_fen <= run.floor_price_fen {
        "at_floor"
    } else if now >= run.expires_at_ms {
        "expired"
    } else {
        "open"
    };
    let role = match member {
        Some(m) if m == run.member_id => "owner",
        Some(m) if ids.contains(&m) => "cut",
        _ => "friend",
    };
    let span = (d.bargain.start_price_fen - run.floor_price_fen).max(1);
    let cut_so_far = d.bargain.start_price_fen - run.price_fen;
    let path = run_path(v, run.bargain_run_id.0);
    let mut page = BargainPage::new(v, d.bargain.clone(), "run");
    page.now_price = Fen(run.price_fen).yuan_string();
    page.progress = t("bargain.progress")
        .replace("{cut}", &Fen(cut_so_far).yuan_string())
        .replace(
            "{left}",
            &Fen(run.price_fen - run.floor_price_fen).yuan_string(),
        );
    page.cut_pct = (cut_so_far * 100 / span).clamp(0, 100);
    page.countdown_s = ((run.expires_at_ms - now) / 1000).max(0);
    page.expires = crate::ui::fmt_ms_in(run.expires_at_ms, offset);
    page.status = status;
    page.role = role;
    page.cut_action = format!("{path}/cut");
    page.buy_action = format!("{path}/buy");
    page.bought = t("bargain.bought").replace(
        "{paid}",
        &Fen(run.paid_fen.unwrap_or(run.price_fen)).yuan_string(),
    );
    page.share_url = v.absolute(s, headers, &path);
    page.cuts = d
        .cuts
        .iter()
        .map(|c| CutLine {
            name: masked(names.get(&c.member_id).map_or("?", String::as_str)),
            amount: Fen(c.amount_fen).yuan_string(),
            mine: Some(c.member_id) == member,
        })
        .collect();
    page.notice = notice(v, "bargain", result, &["opened", "cut", "purchased"]);
    Ok(page_html(page))
}

/// POST /h/{tenant}/bk/{run}/cut: the visitor cuts the bargain once, then back to it saying
/// what came of it.
pub async fn cut_now(
    State(s): State<AppState>,
    Path((_, id)): Path<(String, i64)>,
    headers: HeaderMap,
    v: Visit,
) -> Response {
    let back = run_path(&v, id);
    let m = match super::landing::taker(&s, &v, &headers, "bargain", &back).await {
        Ok(m) => m,
        Err(r) => return r,
    };
    let r = match cut::cut(&s.db, v.tenant, BargainRunId(id), m).await {
        Ok(Cut::Done(_)) => "cut",
        Ok(Cut::Refused(why)) => why.as_str(),
        Err(e) => return missing(&v, e),
    };
    Redirect::to(&format!("{back}?r={r}")).into_response()
}

/// POST /h/{tenant}/bk/{run}/buy: the owner buys at the price reached, once.
pub async fn buy(
    State(s): State<AppState>,
    Path((_, id)): Path<(String, i64)>,
    headers: HeaderMap,
    v: Visit,
) -> Response {
    let back = run_path(&v, id);
    let m = match super::landing::known(&s, &v, &headers).await {
        Ok(Some(m)) => m,
        Ok(None) => return Redirect::to(&back).into_response(),
        Err(r) => return r,
    };
    // Only the owner buys their bargain.
    match bargains::run(&s.db, v.tenant, BargainRunId(id)).await {
        Ok(d) if d.run.member_id == m => {}
        Ok(_) => return super::not_found(v.lang, &v.shop),
        Err(e) => return missing(&v, e),
    }
    let r = match cut::buy(&s.db, v.tenant, BargainRunId(id)).await {
        Ok(Bought::Done(_)) => "purchased",
        Ok(Bought::Refused(why)) => why.as_str(),
        Err(e) => return missing(&v, e),
    };
    Redirect::to(&format!("{back}?r={r}")).into_response()
}
