//! Custom member fields defined from the settings page (`POST /ui/settings/custom-fields`,
//! admins): key, label and type; the member forms then show the field. A valid form redirects
//! to the fields' card; a refused one says why there, in the operator's language.

use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use quanzi_core::CoreError;
use serde::Deserialize;

use super::super::form::{label, refusal, see_other, sentences};
use super::super::{UiUser, server_error};
use super::{Flash, refuse};
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
    if let Some(why) = refusal(&u, &f.csrf, u.perms().admin, "settings.admin_only") {
        let flash = Flash::error("fields", u.lang.t(why).into());
        return refuse(&s, &u, &h, StatusCode::FORBIDDEN, flash).await;
    }
    let t = u.tenant();
    match quanzi_core::members::define_custom_field(&s.db, t, &f.key, &f.label, &f.kind).await {
        Ok(_) => see_other("/ui/settings#fields"),
        Err(CoreError::Invalid(e)) => {
            let l = u.layout("settings");
            let text = sentences(&l, |f| label(&l, "cf", f), &e.0);
            let flash = Flash::error("fields", text);
            refuse(&s, &u, &h, StatusCode::UNPROCESSABLE_ENTITY, flash).await
        }
        Err(e) => server_error(e),
    }
}
