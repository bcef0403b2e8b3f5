//! Settings: API keys (create, shown once), operators, custom fields, event kinds, and the
//! channels' sections (in [`channels`]).

pub mod channels;
pub mod fields;

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use quanzi_domain::access::{ApiScope, OperatorRole};
use serde::Deserialize;

use super::{Layout, UiUser, render, server_error};
use crate::AppState;

#[derive(Template)]
#[template(path = "settings.html")]
struct SettingsPage {
    l: Layout,
    admin: bool,
    /// A secret shown once, in the card it belongs to: `(card, secret)`.
    new_secret: Option<(&'static str, String)>,
    /// Why the last form was refused, in the card of that form: `(card, text)`.
    error: Option<(&'static str, String)>,
    /// What was typed into the WeCom form when it was refused.
    wecom_typed: Option<quanzi_core::wecom::ConnectionInput>,
    keys: Vec<(i64, String, String, String, String, bool)>,
    operators: Vec<(String, String, String)>,
    fields: Vec<(String, String, String)>,
    kinds: Vec<String>,
    ch: channels::ChannelsView,
}

/// What the settings page shows besides its data: a secret to show once, a refusal, and
/// what was typed into a refused WeCom form; each in the card of its form.
#[derive(Default)]
pub struct Flash {
    /// `(card, secret)`.
    pub secret: Option<(&'static str, String)>,
    /// `(card, why)`.
    pub error: Option<(&'static str, String)>,
    /// The refused WeCom form's values.
    pub wecom: Option<quanzi_core::wecom::ConnectionInput>,
}

impl Flash {
    /// A refusal shown in `card`.
    pub fn error(card: &'static str, text: String) -> Flash {
        Flash {
            error: Some((card, text)),
            ..Flash::default()
        }
    }
}

/// The cards a secret can be shown in after the redirect (the cookie names the card).
const SECRET_CARDS: [&str; 2] = ["keys", "webhooks"];

/// The answer to a form that made a secret: 303 back to its card, the secret carried by a
/// short-lived cookie that the next settings page shows once and clears. A reload of the
/// page the browser lands on sends nothing again.
pub fn secret_made(s: &AppState, u: &UiUser, card: &'static str, secret: &str) -> Response {
    let mut r = super::form::see_other(&format!("/ui/settings#{card}"));
    let value = format!("{card}.{secret}");
    let c = super::session::cookie_header(s, u.client, NEW_SECRET_COOKIE, &value, Some(120));
    r.headers_mut().append(axum::http::header::SET_COOKIE, c);
    r
}

pub(super) async fn page(s: &AppState, u: &UiUser, headers: &HeaderMap, flash: Flash) -> Response {
    let Flash {
        secret: new_secret,
        error,
        wecom: wecom_typed,
    } = flash;
    let t = u.tenant();
    let admin = OperatorRole::parse(&u.session.role).is_some_and(|r| r.can_admin());
    let keys = match quanzi_core::read::access::api_keys(&s.db, t).await {
        Ok(k) => k,
        Err(e) => return server_error(e),
    };
    let operators = match quanzi_core::read::access::operators(&s.db, t).await {
        Ok(o) => o,
        Err(e) => return server_error(e),
    };
    let fields = match quanzi_core::read::tenant::custom_fields(&s.db, t).await {
        Ok(f) => f,
        Err(e) => return server_error(e),
    };
    let kinds = match quanzi_core::events::kinds(&s.db, t).await {
        Ok(k) => k,
        Err(e) => return server_error(e),
    };
    let ch = match channels::load(
        s,
        u,
        &crate::client::origin(headers, &u.client, s.secure_cookies),
    )
    .await
    {
        Ok(c) => c,
        Err(e) => return server_error(e),
    };
    let error = error.or_else(|| ch.problem.clone().map(|p| ("wecom", p)));
    let l = u.layout("settings");
    // Built-in kinds by their name in the operator's language; the tenant's own as defined.
    let kinds = kinds.into_iter().map(|k| l.lang.kind(&k)).collect();
    render(SettingsPage {
        admin,
        new_secret,
        error,
        wecom_typed,
        keys: keys
            .into_iter()
            .map(|k| {
                (
                    k.api_key_id.0,
                    k.name,
                    k.prefix,
                    k.scope,
                    u.fmt_ms(k.created_at_ms),
                    k.revoked_at_ms.is_some(),
                )
            })
            .collect(),
        operators: operators
            .into_iter()
            .map(|o| (o.display_name, o.email, l.code("oprole", &o.role)))
            .collect(),
        fields: fields
            .into_iter()
            .map(|f| (f.key, f.label, l.code("field", f.kind.as_str())))
            .collect(),
        kinds,
        ch,
        l,
    })
}

/// The cookie that carries a new secret (`<card>.<secret>`) across the redirect after it was
/// made, to be shown once: the next settings page shows it and clears it.
const NEW_SECRET_COOKIE: &str = "qz_new_secret";

/// Renders the settings page with `flash` and answers `status`: a refused form.
pub(super) async fn refuse(
    s: &AppState,
    u: &UiUser,
    h: &HeaderMap,
    status: StatusCode,
    flash: Flash,
) -> Response {
    let mut r = page(s, u, h, flash).await;
    *r.status_mut() = status;
    r
}

/// GET /ui/settings: a secret made just before is shown once, in its card (and its cookie
/// cleared).
pub async fn settings(State(s): State<AppState>, u: UiUser, h: HeaderMap) -> Response {
    let secret = crate::auth::cookie(&h, NEW_SECRET_COOKIE).and_then(|v| {
        let (card, secret) = v.split_once('.')?;
        let card = SECRET_CARDS.into_iter().find(|c| *c == card)?;
        Some((card, secret.to_string()))
    });
    let shown = secret.is_some();
    let flash = Flash {
        secret,
        ..Flash::default()
    };
    let mut r = page(&s, &u, &h, flash).await;
    if shown {
        let clear = super::session::cookie_header(&s, u.client, NEW_SECRET_COOKIE, "", Some(0));
        r.headers_mut()
            .append(axum::http::header::SET_COOKIE, clear);
    }
    r
}

/// The new-key form.
#[derive(Deserialize)]
pub struct NewKeyForm {
    name: String,
    scope: String,
    #[serde(rename = "_csrf")]
    csrf: String,
}

/// POST /ui/settings/api-keys: creates a key and shows its secret once.
pub async fn create_key(
    State(s): State<AppState>,
    u: UiUser,
    h: HeaderMap,
    Form(f): Form<NewKeyForm>,
) -> Response {
    if let Some(why) = super::form::refusal(&u, &f.csrf, u.perms().admin, "settings.admin_only") {
        let flash = Flash::error("keys", u.lang.t(why).into());
        return refuse(&s, &u, &h, StatusCode::FORBIDDEN, flash).await;
    }
    let Some(scope) = ApiScope::parse(&f.scope) else {
        let why = u.lang.labelled(
            u.lang.t("settings.scope"),
            &u.lang
                .reason(&format!("must be one of: {}", ApiScope::expected())),
        );
        return page(&s, &u, &h, Flash::error("keys", why)).await;
    };
    match quanzi_core::access::create_api_key(&s.db, u.tenant(), &f.name, scope).await {
        // Redirect after the POST, so a reload never creates a second key.
        Ok(k) => secret_made(&s, &u, "keys", &k.secret),
        Err(quanzi_core::CoreError::Invalid(e)) => {
            let l = u.layout("settings");
            let text = super::form::sentences(&l, |_| l.t("settings.key_name").into(), &e.0);
            refuse(
                &s,
                &u,
                &h,
                StatusCode::UNPROCESSABLE_ENTITY,
                Flash::error("keys", text),
            )
            .await
        }
        Err(e) => server_error(e),
    }
}
