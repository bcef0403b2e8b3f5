//! A live code's landing page: who the visitor is, the two-question form when the code asks,
//! the scan routed to a group (its QR image) or a staff member, the lead gift's code, and the
//! "I have joined" confirmation.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use quanzi_core::CoreError;
use quanzi_core::live_codes::{self, scan};
use quanzi_core::visitors;
use quanzi_domain::live_code::Traits;
use quanzi_domain::{GroupId, MemberId};
use serde::Deserialize;

use super::{Chrome, REFERRAL_COOKIE, VISITOR_COOKIE, Visit, page_html, random_key, text};
use crate::AppState;

/// The landing page's query.
#[derive(Debug, Default, Deserialize)]
pub struct LandingQuery {
    /// A signed member link.
    m: Option<String>,
    /// District (from the poster's link or the form).
    d: Option<String>,
    /// Interest.
    i: Option<String>,
    /// The form was answered or skipped.
    asked: Option<String>,
}

#[derive(Template)]
#[template(path = "h5_ask.html")]
struct AskPage {
    p: Chrome,
    action: String,
    districts: Vec<String>,
}

/// A gift's code as the page shows it.
pub struct GiftCode {
    /// Gift name.
    pub name: String,
    /// The code.
    pub code: String,
    /// Redeemable until (local time).
    pub until: String,
    /// Redeemed already.
    pub redeemed: bool,
}

#[derive(Template)]
#[template(path = "h5_landing.html")]
struct LandingPage {
    p: Chrome,
    code_name: String,
    group: Option<quanzi_core::views::Group>,
    qr_src: Option<String>,
    opened: bool,
    joined: bool,
    joined_action: String,
    held_until: String,
    staff: Option<String>,
    staff_qr: Option<String>,
    welcome: Option<String>,
    gift: Option<GiftCode>,
    me_href: String,
}

/// Who is on the page: a member (by a signed link, the page session or WeChat OAuth), or a
/// browser's visitor key (a prospect is recorded for it with its first scan).
pub(super) enum Visitor {
    Member(MemberId),
    Key(String),
}

/// Works out who is on the page. `Err` is the answer to give instead (a refusal page or the
/// OAuth redirect); the cookies to set come with the visitor.
pub(super) async fn identify(
    s: &AppState,
    v: &Visit,
    headers: &HeaderMap,
    link: Option<&str>,
) -> Result<(Visitor, Vec<axum::http::HeaderValue>), Response> {
    if let Some(token) = link {
        return match visitors::open_link(&s.db, &s.server, v.tenant, token).await {
            Ok(Ok(m)) => Ok((Visitor::Member(m), vec![v.session_cookie(s, m).await?])),
            Ok(Err(r)) => Err(v.refused(&r)),
            Err(e) => Err(crate::ui::server_error(e)),
        };
    }
    if let Some(m) = v.session(s, headers).await? {
        return Ok((Visitor::Member(m), Vec::new()));
    }
    let oauth = match s.oauth.get(&v.tenant.0) {
        Some(o) => o,
        None => {
            let o = visitors::oauth_config(&s.db, &s.server, v.tenant)
                .await
                .map_err(crate::ui::server_error)?;
            s.oauth.put(v.tenant.0, o.clone());
            o
        }
    };
    if let Some(config) = oauth {
        let back = v.absolute(s, headers, &format!("/h/{}/oauth", v.slug));
        let (url, nonce) =
            visitors::begin_oauth(&s.db, &s.server, v.tenant, &config, &back, &v.path)
                .await
                .map_err(crate::ui::server_error)?;
        let mut r = Redirect::to(&url).into_response();
        r.headers_mut().append(
            header::SET_COOKIE,
            v.cookie(s, super::OAUTH_COOKIE, &nonce, 600),
        );
        return Err(r);
    }
    match crate::auth::cookie(headers, VISITOR_COOKIE)
        .filter(|k| k.len() == 32 && k.bytes().all(|b| b.is_ascii_hexdigit()))
    {
        Some(k) => Ok((Visitor::Key(k), Vec::new())),
        None => {
            let key = random_key().ok_or_else(|| crate::ui::server_error("no randomness"))?;
            let cookie = v.cookie(s, VISITOR_COOKIE, &key, 400 * 86_400);
            Ok((Visitor::Key(key), vec![cookie]))
        }
    }
}

pub(super) fn with_cookies(mut r: Response, cookies: Vec<axum::http::HeaderValue>) -> Response {
    for c in cookies {
        r.headers_mut().append(header::SET_COOKIE, c);
    }
    r
}

/// GET /h/{tenant}/c/{slug}: the landing page of a live code.
pub async fn landing(
    State(s): State<AppState>,
    Path((_, slug)): Path<(String, String)>,
    Query(q): Query<LandingQuery>,
    headers: HeaderMap,
    v: Visit,
) -> Response {
    let code = match s.scanner.code(v.tenant, &slug).await {
        Ok(c) => c,
        Err(CoreError::NotFound(_)) => return super::not_found(v.lang, &v.shop),
        Err(e) => return crate::ui::server_error(e),
    };
    if code.archived_at_ms.is_some() {
        let (h, b) = (
            text::t(v.lang, "ended.title"),
            text::t(v.lang, "ended.body"),
        );
        return v.message(StatusCode::GONE, h, b);
    }
    let (who, cookies) = match identify(&s, &v, &headers, q.m.as_deref()).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let action = format!("/h/{}/c/{}", v.slug, code.slug);
    if code.ask && q.asked.is_none() && q.d.is_none() {
        let districts = quanzi_core::read::member::districts(&s.db, v.tenant)
            .await
            .unwrap_or_default();
        let page = AskPage {
            p: v.chrome(text::t(v.lang, "ask.title")),
            action,
            districts,
        };
        return with_cookies(page_html(page), cookies);
    }
    let referral = match crate::auth::cookie(&headers, REFERRAL_COOKIE) {
        Some(token) => match visitors::secret(&s.db, &s.server, v.tenant).await {
            Ok(key) => visitors::open_referral(&key, v.tenant, &token),
            Err(e) => return crate::ui::server_error(e),
        },
        None => None,
    };
    let clean = |x: Option<String>| {
        x.map(|s| s.trim().chars().take(32).collect::<String>())
            .filter(|s| !s.is_empty())
    };
    let (member, visitor) = match who {
        Visitor::Member(m) => (Some(m), None),
        Visitor::Key(k) => (None, Some(k)),
    };
    let input = scan::ScanInput {
        member,
        visitor,
        traits: Traits {
            district: clean(q.d),
            interests: clean(q.i).into_iter().collect(),
            tier: None,
        },
        referral,
        ip: Some(v.client.ip.to_string()),
    };
    let name = code.name.clone();
    let landing = match s.scanner.scan_code(v.tenant, code, input).await {
        Ok(l) => l,
        Err(CoreError::Invalid(e)) => return with_cookies(v.invalid(&name, &e), cookies),
        // Removed since the page read it a moment ago (with its tenant).
        Err(CoreError::NotFound(_)) => return super::not_found(v.lang, &v.shop),
        Err(e) => return crate::ui::server_error(e),
    };
    let offset = landing.offset_secs;
    let qr_src = match (&landing.group, landing.group_qr_until) {
        (Some(g), Some(_)) => Some(format!("/h/{}/g/{}/qr", v.slug, g.group_id)),
        _ => None,
    };
    let gift = landing.redemption.as_ref().map(|(r, g)| GiftCode {
        name: g.name.clone(),
        code: r.code.clone(),
        until: crate::ui::fmt_ms_in(r.expires_at_ms, offset),
        redeemed: r.redeemed_at_ms.is_some(),
    });
    let held = quanzi_core::read::now_ms() + quanzi_domain::live_code::SEAT_HOLD_MS;
    let page = LandingPage {
        p: v.chrome(&name),
        code_name: name,
        qr_src,
        opened: landing.opened,
        joined: landing.joined,
        joined_action: format!("{action}/joined"),
        held_until: crate::ui::fmt_ms_in(held, offset),
        staff: landing.staff.clone(),
        staff_qr: landing.code.wecom_qr_url.clone(),
        welcome: landing.code.welcome.clone(),
        gift,
        me_href: format!("/h/{}/me", v.slug),
        group: landing.group,
    };
    with_cookies(page_html(page), cookies)
}

/// The member of a page request that carries no link: the session, else the visitor key.
pub(super) async fn known(
    s: &AppState,
    v: &Visit,
    headers: &HeaderMap,
) -> Result<Option<MemberId>, Response> {
    if let Some(m) = v.session(s, headers).await? {
        return Ok(Some(m));
    }
    let Some(key) = crate::auth::cookie(headers, VISITOR_COOKIE) else {
        return Ok(None);
    };
    quanzi_core::visitors::known_visitor(&s.db, v.tenant, &key)
        .await
        .map_err(crate::ui::server_error)
}

/// The member taking part from a page request: the session, else the visitor key's member,
/// recorded as a prospect from `source` the first time. `None` without either (a browser
/// that refuses cookies).
pub(super) async fn taking_part(
    s: &AppState,
    v: &Visit,
    headers: &HeaderMap,
    source: &str,
) -> Result<Option<MemberId>, Response> {
    if let Some(m) = v.session(s, headers).await? {
        return Ok(Some(m));
    }
    let Some(key) = crate::auth::cookie(headers, VISITOR_COOKIE)
        .filter(|k| k.len() == 32 && k.bytes().all(|b| b.is_ascii_hexdigit()))
    else {
        return Ok(None);
    };
    quanzi_core::visitors::visitor(&s.db, v.tenant, &key, source)
        .await
        .map(Some)
        .map_err(crate::ui::server_error)
}

/// The member taking part in a page's action ([`taking_part`]), or the answer to give
/// instead: back to `back` for a visitor the page does not know yet.
pub(super) async fn taker(
    s: &AppState,
    v: &Visit,
    headers: &HeaderMap,
    source: &str,
    back: &str,
) -> Result<MemberId, Response> {
    match taking_part(s, v, headers, source).await? {
        Some(m) => Ok(m),
        None => Err(Redirect::to(back).into_response()),
    }
}

/// POST /h/{tenant}/c/{slug}/joined: the member says they joined the group shown.
pub async fn joined(
    State(s): State<AppState>,
    Path((_, slug)): Path<(String, String)>,
    headers: HeaderMap,
    v: Visit,
) -> Response {
    let back = format!("/h/{}/c/{}", v.slug, slug);
    let m = match known(&s, &v, &headers).await {
        Ok(Some(m)) => m,
        Ok(None) => return Redirect::to(&back).into_response(),
        Err(r) => return r,
    };
    let code = match s.scanner.code(v.tenant, &slug).await {
        Ok(c) => c,
        Err(CoreError::NotFound(_)) => return super::not_found(v.lang, &v.shop),
        Err(e) => return crate::ui::server_error(e),
    };
    match scan::confirm_join(&s.db, v.tenant, code.live_code_id, m).await {
        Ok(_) => Redirect::to(&format!("{back}?asked=1")).into_response(),
        Err(CoreError::Invalid(e)) => v.invalid(&code.name, &e),
        Err(e) => crate::ui::server_error(e),
    }
}

/// GET /h/{tenant}/g/{group}/qr: a group's own QR image, to members of the tenant's pages,
/// only while it has not expired.
pub async fn group_qr(
    State(s): State<AppState>,
    Path((_, group)): Path<(String, String)>,
    headers: HeaderMap,
    v: Visit,
) -> Response {
    let Ok(g) = group.parse::<i64>() else {
        return super::not_found(v.lang, &v.shop);
    };
    let m = match known(&s, &v, &headers).await {
        Ok(Some(m)) => m,
        Ok(None) => return StatusCode::FORBIDDEN.into_response(),
        Err(r) => return r,
    };
    // Only the group a code sent this visitor to: no way around routing and capacity.
    match live_codes::group_qr_for(&s.db, v.tenant, GroupId(g), m).await {
        Ok(Some((image, ct, _))) => (
            [
                (header::CONTENT_TYPE, ct),
                (header::CACHE_CONTROL, "private, max-age=300".into()),
            ],
            image,
        )
            .into_response(),
        Ok(None) | Err(CoreError::NotFound(_)) => super::not_found(v.lang, &v.shop),
        Err(e) => crate::ui::server_error(e),
    }
}
