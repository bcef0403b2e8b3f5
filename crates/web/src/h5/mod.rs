//! The member pages (H5) under `/h/{tenant}/…`: phone-first, server-rendered, no framework
//! (a flash sale's countdown ticks with a few lines of inline script; without it the page
//! still says when).
//! Who the visitor is comes from a signed member link, the page session cookie, WeChat web
//! OAuth when the tenant configured it, or else a visitor key recorded as a prospect.

mod bargain;
mod happening;
mod landing;
mod lottery;
mod me;
mod offer;
mod red_envelope;
mod sale;
mod team;
pub mod text;
mod text_offer;
mod text_promo;
mod text_red;
mod text_team;
mod wallet;

use askama::Template;
use axum::Router;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use quanzi_core::visitors::Refusal;
use quanzi_domain::{MemberId, TenantId};

use crate::AppState;
use crate::client::Client;
use crate::ui::i18n::Lang;

/// The page session cookie.
const SESSION_COOKIE: &str = "qzm";
/// The visitor key cookie.
const VISITOR_COOKIE: &str = "qzv";
/// The referral share cookie.
const REFERRAL_COOKIE: &str = "qzr";
/// The nonce of the sign-in this browser started (WeChat OAuth).
const OAUTH_COOKIE: &str = "qzo";

/// The member pages' routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/h/{tenant}/c/{slug}", get(landing::landing))
        .route("/h/{tenant}/c/{slug}/joined", post(landing::joined))
        .route("/h/{tenant}/g/{group}/qr", get(landing::group_qr))
        .route("/h/{tenant}/m/{token}", get(me::open_link))
        .route("/h/{tenant}/me", get(me::me))
        .route("/h/{tenant}/r/{program}/{token}", get(me::shared))
        .route("/h/{tenant}/oauth", get(me::oauth_back))
        .route("/h/{tenant}/s/{id}", get(sale::page))
        .route("/h/{tenant}/w", get(wallet::page))
        .route(
            "/h/{tenant}/s/{id}/orders/{order}/wallet",
            post(wallet::pay_order),
        )
        .route("/h/{tenant}/gb/{id}", get(team::offer))
        .route("/h/{tenant}/gb/{id}/open", post(team::open))
        .route("/h/{tenant}/t/{id}", get(team::page))
        .route("/h/{tenant}/t/{id}/join", post(team::join))
        .route("/h/{tenant}/bg/{id}", get(bargain::offer))
        .route("/h/{tenant}/bg/{id}/open", post(bargain::open))
        .route("/h/{tenant}/bk/{id}", get(bargain::page))
        .route("/h/{tenant}/bk/{id}/cut", post(bargain::cut_now))
        .route("/h/{tenant}/bk/{id}/buy", post(bargain::buy))
        .route("/h/{tenant}/l/{id}", get(lottery::page))
        .route("/h/{tenant}/l/{id}/draw", post(lottery::draw_now))
        .route("/h/{tenant}/l/{id}/upgrade", post(lottery::upgrade_now))
        .route("/h/{tenant}/l/{id}/record.json", get(lottery::record_json))
        .route("/h/{tenant}/o/{id}", get(offer::page))
        .route("/h/{tenant}/o/{id}/claim", post(offer::claim_now))
        .route("/h/{tenant}/re/{id}", get(red_envelope::page))
        .route("/h/{tenant}/re/{id}/claim", post(red_envelope::claim_now))
        .route("/h/{tenant}/s/{id}/buy", post(sale::buy))
        .route(
            "/h/{tenant}/s/{id}/orders/{order}/cancel",
            post(sale::cancel),
        )
}

/// What every member page shows around its body.
pub struct Chrome {
    /// Language.
    pub lang: Lang,
    /// Title.
    pub title: String,
    /// The merchant's name.
    pub shop: String,
    /// The same page in the other language.
    pub switch_href: String,
}

impl Chrome {
    /// A string of the page's language.
    pub fn t(&self, key: &str) -> &'static str {
        text::t(self.lang, key)
    }
}

#[derive(Template)]
#[template(path = "h5_message.html")]
struct MessagePage {
    p: Chrome,
    heading: String,
    body: String,
}

/// A request's tenant, language and identity inputs.
pub struct Visit {
    /// Tenant.
    pub tenant: TenantId,
    /// Its slug.
    pub slug: String,
    /// The merchant's name.
    pub shop: String,
    /// Language: `?lang=en`, the `lang` cookie or `Accept-Language`.
    pub lang: Lang,
    /// The request's path and query.
    pub path: String,
    /// Who is calling.
    pub client: Client,
}

impl Visit {
    /// Finds the tenant of the path, or answers the not-found page.
    pub async fn of(
        s: &AppState,
        slug: &str,
        headers: &HeaderMap,
        uri: &axum::http::Uri,
        client: Client,
    ) -> Result<Visit, Response> {
        let query_lang = uri
            .query()
            .and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("lang=")));
        let lang = match query_lang {
            Some(l) => Lang::from_code(Some(l)),
            None => crate::ui::lang_from(headers),
        };
        let path = uri
            .path_and_query()
            .map_or_else(|| uri.path().to_string(), |p| p.as_str().to_string());
        // A tenant renamed shows its new name on the member pages within a couple of seconds.
        let tenant = match s.tenants.get(&slug.to_string()) {
            Some(t) => t,
            None => match quanzi_core::access::tenant_by_slug(&s.db, slug).await {
                Ok(Some(t)) => {
                    s.tenants.put(slug.to_string(), t.clone());
                    t
                }
                Ok(None) => return Err(not_found(lang, "")),
                Err(e) => return Err(crate::ui::server_error(e)),
            },
        };
        Ok(Visit {
            tenant: tenant.tenant_id,
            slug: slug.to_string(),
            shop: tenant.name,
            lang,
            path,
            client,
        })
    }

    /// The page naming the first field error of a refused request (422).
    pub fn invalid(&self, title: &str, e: &quanzi_domain::Invalid) -> Response {
        let msg =
            e.0.first()
                .map(|f| self.lang.reason(&f.reason))
                .unwrap_or_default();
        self.message(StatusCode::UNPROCESSABLE_ENTITY, title, &msg)
    }

    /// The page chrome with `title`.
    pub fn chrome(&self, title: &str) -> Chrome {
        let base = self.path.split('?').next().unwrap_or("/");
        let other = if self.lang == Lang::En { "zh-CN" } else { "en" };
        Chrome {
            lang: self.lang,
            title: title.to_string(),
            shop: self.shop.clone(),
            switch_href: format!("{base}?lang={other}"),
        }
    }

    /// The absolute URL of `path` on this server, as the visitor reached it.
    pub fn absolute(&self, s: &AppState, headers: &HeaderMap, path: &str) -> String {
        let origin = crate::client::origin(headers, &self.client, s.secure_cookies);
        format!("{origin}{path}")
    }

    /// A message page with `status`.
    pub fn message(&self, status: StatusCode, heading: &str, body: &str) -> Response {
        let page = MessagePage {
            p: self.chrome(heading),
            heading: heading.to_string(),
            body: body.to_string(),
        };
        (status, page_html(page)).into_response()
    }

    /// The page telling why a link or a sign-in was refused (nothing was written).
    pub fn refused(&self, r: &Refusal) -> Response {
        let (status, key) = match r {
            Refusal::Forged => (StatusCode::BAD_REQUEST, "refused.forged"),
            Refusal::Expired => (StatusCode::GONE, "refused.expired"),
            Refusal::Revoked => (StatusCode::GONE, "refused.revoked"),
            Refusal::OtherTenant => (StatusCode::FORBIDDEN, "refused.other_tenant"),
            Refusal::BadState => (StatusCode::BAD_REQUEST, "refused.bad_state"),
            Refusal::WeChat(_) => (StatusCode::BAD_GATEWAY, "refused.wechat"),
        };
        let heading = text::t(self.lang, "refused.title");
        self.message(status, heading, text::t(self.lang, key))
    }

    /// The member of the page session cookie, if valid for this tenant.
    pub async fn session(
        &self,
        s: &AppState,
        headers: &HeaderMap,
    ) -> Result<Option<MemberId>, Response> {
        let Some(token) = crate::auth::cookie(headers, SESSION_COOKIE) else {
            return Ok(None);
        };
        let key = quanzi_core::visitors::secret(&s.db, &s.server, self.tenant)
            .await
            .map_err(crate::ui::server_error)?;
        quanzi_core::visitors::open_session(&s.db, &key, self.tenant, &token)
            .await
            .map_err(crate::ui::server_error)
    }

    /// The `Set-Cookie` of a page session for `m`, scoped to this tenant's pages.
    pub async fn session_cookie(&self, s: &AppState, m: MemberId) -> Result<HeaderValue, Response> {
        let key = quanzi_core::visitors::secret(&s.db, &s.server, self.tenant)
            .await
            .map_err(crate::ui::server_error)?;
        let token = quanzi_core::visitors::session(&key, self.tenant, m);
        let max_age = quanzi_core::visitors::SESSION_MS / 1000;
        Ok(self.cookie(s, SESSION_COOKIE, &token, max_age))
    }

    /// A cookie for this tenant's member pages.
    pub fn cookie(&self, s: &AppState, name: &str, value: &str, max_age: i64) -> HeaderValue {
        let path = format!("/h/{}", self.slug);
        crate::ui::session::cookie_header_at(s, self.client, &path, name, value, Some(max_age))
    }
}

/// Every member page knows its tenant from the path's first segment after `/h/`; an
/// unknown tenant is the not-found page.
impl axum::extract::FromRequestParts<AppState> for Visit {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        s: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let slug = parts
            .uri
            .path()
            .strip_prefix("/h/")
            .and_then(|p| p.split('/').next())
            .unwrap_or_default()
            .to_string();
        let client = Client::of(parts, &s.trusted_proxies);
        Visit::of(s, &slug, &parts.headers, &parts.uri, client).await
    }
}

/// The member on a page (by the `?m=` signed link, the page session, WeChat OAuth or a known
/// visitor key), if known, with the cookies to set; `Err` is the answer to give instead (a
/// refused link, or the redirect to WeChat's sign-in).
pub(super) async fn participant(
    s: &AppState,
    v: &Visit,
    headers: &HeaderMap,
    link: Option<&str>,
) -> Result<(Option<MemberId>, Vec<HeaderValue>), Response> {
    let (visitor, cookies) = landing::identify(s, v, headers, link).await?;
    Ok((sale::member_of(s, v, &visitor).await?, cookies))
}

/// Renders a page's HTML, or the 500 page.
pub fn page_html<T: Template>(t: T) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => crate::ui::server_error(e),
    }
}

/// The not-found page.
pub fn not_found(lang: Lang, shop: &str) -> Response {
    let v = Chrome {
        lang,
        title: text::t(lang, "not_found.title").to_string(),
        shop: shop.to_string(),
        switch_href: "?lang=en".into(),
    };
    let page = MessagePage {
        heading: v.t("not_found.title").to_string(),
        body: v.t("not_found.body").to_string(),
        p: v,
    };
    (StatusCode::NOT_FOUND, page_html(page)).into_response()
}

/// A fresh random hex key of 16 bytes.
fn random_key() -> Option<String> {
    let mut raw = [0u8; 16];
    getrandom::fill(&mut raw).ok()?;
    Some(hex::encode(raw))
}
