//! The operator UI under `/ui`: askama pages, htmx partials, ECharts charts, zh-CN and en.

mod correct;
mod error_page;
mod form;
mod format;
mod growth;
pub mod i18n;
mod influence;
mod kpi;
mod member_export;
mod pages;
mod promotions;
pub(crate) mod session;
mod settings;

use askama::Template;
use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use quanzi_core::read::access::SessionView;
use quanzi_domain::TenantId;

use crate::AppState;
use crate::auth::{SESSION_COOKIE, cookie};
pub use error_page::{ErrorPage, error_pages};
use i18n::Lang;
use quanzi_domain::date::civil_from_days;

/// What every page's frame needs: language, who is logged in, CSRF token, active nav item.
pub struct Layout {
    /// UI language.
    pub lang: Lang,
    /// Operator's display name.
    pub user: String,
    /// Tenant's name.
    pub tenant: String,
    /// CSRF token for forms.
    pub csrf: String,
    /// Active navigation item.
    pub nav: &'static str,
    /// Current path with query, for the language switch to come back to.
    pub path: String,
    /// Seconds east of UTC of the tenant's zone, for the times shown.
    pub zone_offset_secs: i64,
}

impl Layout {
    /// Formats unix ms as `YYYY-MM-DD HH:MM` in the tenant's zone.
    pub fn fmt_ms(&self, ms: i64) -> String {
        fmt_ms_in(ms, self.zone_offset_secs)
    }

    /// Translates `key` into the page's language.
    pub fn t<'a>(&self, key: &'a str) -> &'a str {
        self.lang.t(key)
    }

    /// The display name of a stored code (`code.<kind>.<code>` in the locale files): a
    /// channel, a scope, a state, a job kind. A code the files do not know (a WeCom `State`
    /// a merchant made up) is shown as it is.
    pub fn code(&self, kind: &str, code: &str) -> String {
        let key = format!("code.{kind}.{code}");
        match self.t(&key) {
            t if t == key => code.to_string(),
            t => t.to_string(),
        }
    }
}

/// The UI language of a request (cookie `lang`, default zh-CN).
pub fn lang_of(parts: &Parts) -> Lang {
    lang_from(&parts.headers)
}

/// The UI language from request headers: the `lang` cookie, else `Accept-Language` when its
/// first choice is English, else zh-CN.
pub fn lang_from(headers: &axum::http::HeaderMap) -> Lang {
    if let Some(c) = cookie(headers, "lang") {
        return Lang::from_code(Some(&c));
    }
    Lang::from_code(first_language(headers).as_deref())
}

/// The caller's first choice in `Accept-Language`, lower-cased (`zh-cn`, `en-us`), if any.
pub fn first_language(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get(axum::http::header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(|v| v.trim().to_ascii_lowercase())
}

/// A logged-in operator; pages that need one redirect to the login otherwise.
pub struct UiUser {
    /// The session.
    pub session: SessionView,
    /// UI language.
    pub lang: Lang,
    /// Path and query of the request.
    pub path: String,
    /// Who is calling, as far as the trusted proxies let us know.
    pub client: crate::client::Client,
}

impl UiUser {
    /// The tenant.
    pub fn tenant(&self) -> TenantId {
        self.session.tenant_id
    }

    /// What the operator may do, from their role.
    pub fn perms(&self) -> quanzi_domain::access::Permissions {
        quanzi_domain::access::OperatorRole::parse(&self.session.role)
            .unwrap_or(quanzi_domain::access::OperatorRole::Viewer)
            .into()
    }

    /// A phone number as this operator may see it: whole for operators and above, masked
    /// (`138****5678`) for viewers.
    pub fn phone(&self, phone: &str) -> String {
        if self.perms().sees_full_phone() {
            phone.to_string()
        } else {
            quanzi_domain::member::mask_phone(phone)
        }
    }

    /// Formats unix ms as `YYYY-MM-DD HH:MM` in the tenant's zone.
    pub fn fmt_ms(&self, ms: i64) -> String {
        fmt_ms_in(ms, self.zone_offset_secs())
    }

    /// Seconds east of UTC of the tenant's zone.
    pub fn zone_offset_secs(&self) -> i64 {
        quanzi_domain::zone::tenant_offset_secs(&self.session.tenant_time_zone)
    }

    /// The page frame for nav item `nav`.
    pub fn layout(&self, nav: &'static str) -> Layout {
        Layout {
            lang: self.lang,
            user: self.session.display_name.clone(),
            tenant: self.session.tenant_name.clone(),
            csrf: self.session.csrf_token.clone(),
            nav,
            path: self.path.clone(),
            zone_offset_secs: self.zone_offset_secs(),
        }
    }
}

impl FromRequestParts<AppState> for UiUser {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let path = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|| "/ui".into());
        let to_login =
            || Redirect::to(&format!("/ui/login?next={}", urlencode(&path))).into_response();
        let Some(token) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(to_login());
        };
        let session = match quanzi_core::access::session(&state.db, &token).await {
            Ok(Some(s)) => s,
            Ok(None) => return Err(to_login()),
            Err(e) => return Err(server_error(e)),
        };
        Ok(UiUser {
            session,
            lang: lang_of(parts),
            path,
            client: crate::client::Client::of(parts, &state.trusted_proxies),
        })
    }
}

/// Percent-encodes a value for a query string.
pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Logs an internal error and answers 500 (rendered as a page by [`error_pages`]).
pub fn server_error(e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "ui error");
    (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
}

/// Renders a template or answers 500.
pub fn render<T: Template>(t: T) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => server_error(e),
    }
}

/// Formats unix ms as `YYYY-MM-DD HH:MM` in the zone `offset_secs` east of UTC (pages use
/// [`UiUser::fmt_ms`], the tenant's zone).
pub fn fmt_ms_in(ms: i64, offset_secs: i64) -> String {
    let local = ms + offset_secs * 1000;
    let days = local.div_euclid(86_400_000);
    let rem = local.rem_euclid(86_400_000) / 60_000;
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}", rem / 60, rem % 60)
}

/// Formats a day number (days since 1970-01-01) as `MM-DD`.
pub fn fmt_day(day: i64) -> String {
    let (_, m, d) = civil_from_days(day);
    format!("{m:02}-{d:02}")
}

/// All UI routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/ui/login", get(session::login_form).post(session::login))
        .route("/ui/logout", post(session::logout))
        .route("/ui/lang/{lang}", get(session::set_lang))
        .route("/ui", get(pages::dashboard))
        .route("/ui/members", get(pages::members))
        .route("/ui/members/export", get(member_export::export_members))
        .route("/ui/members/selection", post(pages::act_on_selection))
        .route(
            "/ui/members/new",
            get(pages::new_member_form).post(pages::create_member),
        )
        .route("/ui/members/{id}", get(pages::member))
        .route(
            "/ui/members/{id}/edit",
            get(pages::edit_member_form).post(pages::update_member),
        )
        .route("/ui/members/{id}/erase", post(correct::erase_member))
        .route(
            "/ui/members/{id}/merge",
            get(pages::merge_page).post(pages::confirm_merge),
        )
        .route("/ui/events/{id}/void", post(correct::void_event))
        .route("/ui/groups", get(pages::groups))
        .route(
            "/ui/groups/new",
            get(pages::new_group_form).post(pages::create_group),
        )
        .route("/ui/groups/{id}", get(pages::group))
        .route("/ui/groups/{id}/members", post(pages::change_group_members))
        .route("/ui/groups/{id}/archive", post(pages::archive_group))
        .route(
            "/ui/groups/{id}/edit",
            get(pages::edit_group_form).post(pages::update_group),
        )
        .route("/ui/kpi", get(kpi::index))
        .route("/ui/kpi/{page}", get(kpi::page))
        .route("/ui/kpi/{page}/body", get(kpi::body))
        .route("/ui/kpi/{page}/export", get(kpi::export_table))
        .route("/ui/settings", get(settings::settings))
        .route("/ui/settings/api-keys", post(settings::create_key))
        .route("/ui/settings/custom-fields", post(settings::fields::define))
        .merge(settings::channels::router())
        .merge(influence::router())
        .merge(growth::router())
        .merge(promotions::router())
        .route(
            "/ui/{*rest}",
            axum::routing::any(|| async {
                ErrorPage::new(StatusCode::NOT_FOUND, "error.404.body")
            }),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_shown_in_the_zone_asked_for() {
        assert_eq!(fmt_ms_in(0, 8 * 3600), "1970-01-01 08:00");
        assert_eq!(fmt_ms_in(1_731_254_400_000, 8 * 3600), "2024-11-11 00:00");
        assert_eq!(fmt_ms_in(1_731_254_400_000, 0), "2024-11-10 16:00");
        assert_eq!(fmt_day(20_038), "11-11");
    }
}
