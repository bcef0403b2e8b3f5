//! What every operator form shares: the CSRF and role check before a write, field errors
//! shown beside their fields in the operator's language (label and reason translated), and
//! the redirect after a successful POST (303, so a reload never sends the form again).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use quanzi_domain::FieldError;

use super::{Layout, UiUser};
use crate::auth::constant_time_eq;

/// The answer to a form that worked: 303 See Other to the page that shows the result.
pub fn see_other(path: &str) -> Response {
    Redirect::to(path).into_response()
}

/// Why a write form may not be sent: the locale key of the reason, or `None` to go on. The
/// CSRF token must be the session's, and the operator's role must allow the write.
pub fn refusal(
    u: &UiUser,
    csrf: &str,
    allowed: bool,
    denied: &'static str,
) -> Option<&'static str> {
    if !constant_time_eq(csrf.as_bytes(), u.session.csrf_token.as_bytes()) {
        Some("correct.csrf")
    } else if !allowed {
        Some(denied)
    } else {
        None
    }
}

/// Field errors of one form, each in the operator's language, kept in the order found.
#[derive(Debug, Default)]
pub struct FormErrors(Vec<(String, String)>);

impl FormErrors {
    /// The error beside `field` ("" when none).
    pub fn get(&self, field: &str) -> &str {
        self.0
            .iter()
            .find(|(f, _)| f == field)
            .map_or("", |(_, m)| m.as_str())
    }

    /// `" invalid"` when `field` has an error: the class that marks the field red.
    pub fn class(&self, field: &str) -> &'static str {
        if self.get(field).is_empty() {
            ""
        } else {
            " invalid"
        }
    }

    /// Errors on fields the form does not show (`shown`), with the field's label: listed
    /// above the form.
    pub fn others(&self, shown: &[&str]) -> Vec<String> {
        self.0
            .iter()
            .filter(|(f, _)| !shown.contains(&f.as_str()))
            .map(|(_, m)| m.clone())
            .collect()
    }

    /// True when nothing was wrong.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Adds one error on `field`, already in the operator's language.
    pub fn push(&mut self, field: &str, text: String) {
        if self.get(field).is_empty() {
            self.0.push((field.to_string(), text));
        }
    }

    /// Adds each field's first error: the reason in the operator's language, prefixed by the
    /// field's label (`label(field)`). An item of a list field (`interests[2]`) is filed
    /// under the list (`interests`).
    pub fn extend<'a>(
        &mut self,
        l: &Layout,
        label: impl Fn(&str) -> String,
        errors: impl IntoIterator<Item = &'a FieldError>,
    ) {
        for e in errors {
            let field = e.field.split('[').next().unwrap_or(&e.field);
            self.push(field, sentence(l, &label, e));
        }
    }
}

/// A field error as the operator reads it: the field's label (`label(field)`) and the reason,
/// both in the operator's language.
pub fn sentence(l: &Layout, label: impl Fn(&str) -> String, e: &FieldError) -> String {
    let field = e.field.split('[').next().unwrap_or(&e.field);
    l.lang.labelled(&label(field), &l.lang.reason(&e.reason))
}

/// Every error of a refused form as one line, the errors joined by `; `.
pub fn sentences(l: &Layout, label: impl Fn(&str) -> String, errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| sentence(l, &label, e))
        .collect::<Vec<_>>()
        .join("; ")
}

/// A page that refuses a form: a 403 saying why (`why`, a locale key), in the operator's
/// language.
pub fn refused(why: &'static str) -> Response {
    super::ErrorPage::new(StatusCode::FORBIDDEN, why).into_response()
}

/// The label of `field` under `prefix` in the locale files (`{prefix}.{field}`), or the
/// field's name when there is none.
pub fn label(l: &Layout, prefix: &str, field: &str) -> String {
    let key = format!("{prefix}.{field}");
    match l.t(&key) {
        t if t == key => field.to_string(),
        t => t.to_string(),
    }
}

/// Sets the status of a page that shows a form again with its errors: 422.
pub fn unprocessable(mut r: Response) -> Response {
    if r.status() == StatusCode::OK {
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    r
}
