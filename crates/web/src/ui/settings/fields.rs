//! Custom member fields defined from the settings page (`POST /ui/settings/custom-fields`,
//! admins): key, label and type; the member forms then show the field. A valid form redirects
//! to the fields' card; a refused one says why there, in the operator's language.

use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use quanzi_core::CoreError;
use serde::Deserialize;

use super::super::form::{label, refusal, see_other};
use super::super::{UiUser, server_error};
use super::{Flash, page};
use crate::AppState;

/// The new-field form.
#[derive(Debug, Deserialize)]
pub struct FieldForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    key: String,
    #[serde(default)]
    label: String,
    #[serde(default)]
    kind: String,
}

/// POST /ui/settings/custom-fields: defines (or relabels) a field, back to its card.
pub async fn define(
    State(s): State<AppState>,
    u: UiUser,
    h: HeaderMap,
    Form(f): Form<FieldForm>,
) -> Response {
    let admin = u.perms().admin;
    if let Some(why) = refusal(&u, &f.csrf, admin, "settings.admin_only") {
        let mut r = page(&s, &u, &h, Flash::error("fields", u.lang.t(why).into())).await;
        *r.status_mut() = StatusCode::FORBIDDEN;
        return r;
    }
    let t = u.tenant();
    match quanzi_core::members::define_custom_field(&s.db, t, &f.key, &f.label, &f.kind).await {
        Ok(_) => see_other("/ui/settings#fields"),
        Err(CoreError::Invalid(e)) => {
            let l = u.layout("settings");
            let text =
                e.0.iter()
                    .map(|x| {
                        l.lang
                            .labelled(&label(&l, "cf", &x.field), &l.lang.reason(&x.reason))
                    })
                    .collect::<Vec<_>>()
                    .join("; ");
            let mut r = page(&s, &u, &h, Flash::error("fields", text)).await;
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            r
        }
        Err(e) => server_error(e),
    }
}
