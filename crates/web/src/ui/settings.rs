//! Settings: API keys (create, shown once), operators, custom fields, event kinds, and the
//! channels' sections (in [`channels`]).

pub mod channels;

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use quanzi_domain::access::{ApiScope, OperatorRole};
use serde::Deserialize;

use super::{Layout, UiUser, render, server_error};
use crate::AppState;
use crate::auth::constant_time_eq;

#[derive(Template)]
#[template(path = "settings.html")]
struct SettingsPage {
    l: Layout,
    admin: bool,
    new_secret: Option<String>,
    error: Option<String>,
    keys: Vec<(i64, String, String, String, String, bool)>,
    operators: Vec<(String, String, String)>,
    fields: Vec<(String, String, String)>,
    kinds: Vec<String>,
    ch: channels::ChannelsView,
}

async fn page(
    s: &AppState,
    u: &UiUser,
    headers: &HeaderMap,
    new_secret: Option<String>,
    error: Option<String>,
) -> Response {
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
        &channels::origin(headers, &u.client, s.secure_cookies),
    )
    .await
    {
        Ok(c) => c,
        Err(e) => return server_error(e),
    };
    let error = error.or_else(|| ch.problem.clone());
    let l = u.layout("settings");
    // Built-in kinds by their name in the operator's language; the tenant's own as defined.
    let kinds = kinds
        .into_iter()
        .map(
            |k| match quanzi_domain::event::BUILTIN_KINDS.contains(&k.as_str()) {
                true => l.t(&format!("kind.{k}")).to_string(),
                false => k,
            },
        )
        .collect();
    render(SettingsPage {
        admin,
        new_secret,
        error,
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

/// GET /ui/settings.
pub async fn settings(State(s): State<AppState>, u: UiUser, h: HeaderMap) -> Response {
    page(&s, &u, &h, None, None).await
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
    if !constant_time_eq(f.csrf.as_bytes(), u.session.csrf_token.as_bytes()) {
        let mut r = page(
            &s,
            &u,
            &h,
            None,
            Some("CSRF check failed; reload the page.".into()),
        )
        .await;
        *r.status_mut() = axum::http::StatusCode::FORBIDDEN;
        return r;
    }
    if !OperatorRole::parse(&u.session.role).is_some_and(|r| r.can_admin()) {
        let mut r = page(
            &s,
            &u,
            &h,
            None,
            Some(u.lang.t("settings.admin_only").to_string()),
        )
        .await;
        *r.status_mut() = axum::http::StatusCode::FORBIDDEN;
        return r;
    }
    let Some(scope) = ApiScope::parse(&f.scope) else {
        return page(
            &s,
            &u,
            &h,
            None,
            Some(format!("scope: must be one of {}", ApiScope::expected())),
        )
        .await;
    };
    match quanzi_core::access::create_api_key(&s.db, u.tenant(), &f.name, scope).await {
        Ok(k) => page(&s, &u, &h, Some(k.secret), None).await,
        Err(quanzi_core::CoreError::Invalid(e)) => {
            page(&s, &u, &h, None, Some(e.to_string())).await
        }
        Err(e) => server_error(e),
    }
}
