//! The growth loop's operator pages (`/ui/growth`, `/ui/redeem`): live codes with their
//! funnels and QR images, lead gifts and what they cost, referral programmes with their
//! ledgers, the review queue of held rewards, and the store staff's redeem page.

mod code;
mod code_form;
mod code_rows;
mod gift_form;
mod overview;
mod program;
mod program_fields;
mod program_form;
mod program_rules;
mod redeem;
mod review;
mod upload;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use super::form::FormErrors;
use super::{ErrorPage, Layout};
use crate::AppState;

/// The largest upload a page takes: a group's QR image (2 MiB) or a payment file, with the
/// form's own bytes around it.
const UPLOAD_LIMIT: usize = 3 * 1024 * 1024;

/// The growth pages' routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/ui/growth", get(overview::page))
        .route("/ui/growth/review", get(review::page))
        .route("/ui/growth/rewards/{id}/decide", post(review::decide))
        .route(
            "/ui/growth/codes/new",
            get(code_form::new_form).post(code_form::create),
        )
        .route("/ui/growth/codes/{id}", get(code::page))
        .route(
            "/ui/growth/codes/{id}/edit",
            get(code_form::edit_form).post(code_form::update),
        )
        .route("/ui/growth/codes/{id}/qr.png", get(code::qr_png))
        .route("/ui/growth/codes/{id}/archive", post(code::archive))
        .route(
            "/ui/growth/groups/{id}/qr",
            post(code::upload_qr).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route(
            "/ui/growth/gifts/new",
            get(gift_form::new_form).post(gift_form::create),
        )
        .route(
            "/ui/growth/gifts/{id}/edit",
            get(gift_form::edit_form).post(gift_form::update),
        )
        .route(
            "/ui/growth/programs/new",
            get(program_form::new_form).post(program_form::create),
        )
        .route("/ui/growth/programs/{id}", get(program::page))
        .route(
            "/ui/growth/programs/{id}/edit",
            get(program_form::edit_form).post(program_form::update),
        )
        .route("/ui/growth/programs/{id}/cash.csv", get(program::cash_csv))
        .route(
            "/ui/growth/programs/{id}/paid",
            post(program::paid).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route("/ui/redeem", get(redeem::page).post(redeem::redeem))
}

/// The page of something that is not there (or not this tenant's).
fn not_found() -> Response {
    ErrorPage::new(StatusCode::NOT_FOUND, "error.404.body").into_response()
}

/// A form sent as name–value pairs, for forms whose fields repeat (checkboxes, rows).
#[derive(Debug, Default)]
pub struct Pairs(Vec<(String, String)>);

impl Pairs {
    /// The first value of `name`, trimmed ("" when absent).
    pub(in crate::ui) fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map_or("", |(_, v)| v.trim())
    }

    /// The first value of `name` as sent (a text area keeps its spaces).
    fn raw(&self, name: &str) -> String {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map_or_else(String::new, |(_, v)| v.clone())
    }

    /// Every value of `name` that is an id (ticked checkboxes).
    pub(in crate::ui) fn ids(&self, name: &str) -> Vec<i64> {
        self.0
            .iter()
            .filter(|(n, _)| n == name)
            .filter_map(|(_, v)| v.trim().parse().ok())
            .collect()
    }

    /// The rows sent under `prefix{i}_…`: how many there are (the highest index plus one).
    fn rows(&self, prefix: &str) -> usize {
        self.0
            .iter()
            .filter_map(|(n, _)| n.strip_prefix(prefix)?.split('_').next()?.parse().ok())
            .map(|i: usize| i + 1)
            .max()
            .unwrap_or(0)
            .min(200)
    }
}

impl From<Vec<(String, String)>> for Pairs {
    fn from(v: Vec<(String, String)>) -> Self {
        Pairs(v)
    }
}

/// A form's field labels: the label of a field by its name.
pub(in crate::ui) type Labels<'a> = &'a dyn Fn(&str) -> String;

/// A whole number typed in `field`; blank is `None`, anything else not a number is an error
/// beside the field, with its label from `labels`.
pub(in crate::ui) fn whole(
    l: &Layout,
    errs: &mut FormErrors,
    labels: Labels,
    field: &str,
    v: &str,
) -> Option<i64> {
    let v = v.trim();
    if v.is_empty() {
        return None;
    }
    v.parse::<i64>()
        .map_err(|_| {
            let text = l.lang.labelled(&labels(field), l.t("reason.whole_number"));
            errs.push(field, text);
        })
        .ok()
}

/// An amount typed in yuan (`2.5`, `¥12.34`) in `field`, as fen; blank is `None`, anything
/// else not an amount is an error beside the field, with its label from `labels`.
pub(in crate::ui) fn fen(
    l: &Layout,
    errs: &mut FormErrors,
    labels: Labels,
    field: &str,
    v: &str,
) -> Option<i64> {
    let v = v.trim();
    if v.is_empty() {
        return None;
    }
    quanzi_channels::convert::yuan_to_fen(v)
        .map_err(|reason| {
            let text = l.lang.labelled(&labels(field), &l.lang.reason(&reason));
            errs.push(field, text);
        })
        .ok()
}

/// Fen shown in a form field as yuan (`250` → `2.50`).
pub(in crate::ui) fn yuan_field(fen: i64) -> String {
    quanzi_domain::Fen(fen).yuan_string()
}

/// `part` as a whole percentage of `whole` (0 when there is no whole), at most 100.
fn pct(part: i64, whole: i64) -> i64 {
    if whole <= 0 {
        0
    } else {
        (part.max(0) * 100 / whole).min(100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_counted_from_their_highest_index_and_ids_skip_junk() {
        let p = Pairs::from(vec![
            ("rule0_district".to_string(), "南山".to_string()),
            ("rule2_groups".to_string(), "7".to_string()),
            ("rule2_groups".to_string(), "x".to_string()),
            ("name".to_string(), "  海报 ".to_string()),
        ]);
        assert_eq!(p.rows("rule"), 3);
        assert_eq!(p.rows("staff"), 0);
        assert_eq!(p.ids("rule2_groups"), vec![7]);
        assert_eq!(p.get("name"), "海报");
        assert_eq!(p.get("nothing"), "");
    }

    #[test]
    fn percentages_never_divide_by_zero_nor_pass_a_hundred() {
        assert_eq!(pct(1, 0), 0);
        assert_eq!(pct(1, 3), 33);
        assert_eq!(pct(5, 3), 100);
        assert_eq!(yuan_field(250), "2.50");
    }
}
