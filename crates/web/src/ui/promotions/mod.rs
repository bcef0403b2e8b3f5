//! The promotions' operator pages (`/ui/campaigns`): flash sales with their stock and
//! results, a sale's live page with its orders (mark paid, cancel, close), and its form;
//! lotteries with their tiers, commitment and checked record, and the form that creates one;
//! the forms that create group buys, bargains, red-envelope plans and offers, and the
//! offers' figures.

mod bargain_form;
mod campaign_form;
mod group_buy_form;
mod lottery;
mod lottery_form;
mod offer_form;
mod offers;
mod overview;
mod red_envelope_form;
mod sale;
mod sale_form;
mod teams;
mod wallet;

use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use super::ErrorPage;
use crate::AppState;
use bargain_form::BargainForm;
use campaign_form::{create, new_form};
use group_buy_form::GroupBuyForm;
use offer_form::OfferForm;
use red_envelope_form::RedEnvelopeForm;

/// The promotions pages' routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/ui/campaigns", get(overview::page))
        .route(
            "/ui/campaigns/sales/new",
            get(sale_form::new_form).post(sale_form::create),
        )
        .route("/ui/campaigns/sales/{id}", get(sale::page))
        .route(
            "/ui/campaigns/sales/{id}/edit",
            get(sale_form::edit_form).post(sale_form::update),
        )
        .route("/ui/campaigns/sales/{id}/close", post(sale::close))
        .route("/ui/campaigns/sales/{id}/qr.png", get(sale::qr_png))
        .route("/ui/campaigns/wallets", get(wallet::page))
        .route("/ui/campaigns/wallets/plan", post(wallet::save_plan))
        .route("/ui/campaigns/wallets/till", post(wallet::till))
        .route("/ui/campaigns/orders/{id}/{action}", post(sale::settle))
        .route(
            "/ui/campaigns/group-buys/new",
            get(new_form::<GroupBuyForm>).post(create::<GroupBuyForm>),
        )
        .route(
            "/ui/campaigns/bargains/new",
            get(new_form::<BargainForm>).post(create::<BargainForm>),
        )
        .route(
            "/ui/campaigns/offers/new",
            get(new_form::<OfferForm>).post(create::<OfferForm>),
        )
        .route("/ui/campaigns/offers/{id}/close", post(offers::close))
        .route(
            "/ui/campaigns/group-buys/{id}/close",
            post(teams::close_group_buy),
        )
        .route(
            "/ui/campaigns/bargains/{id}/close",
            post(teams::close_bargain),
        )
        .route(
            "/ui/campaigns/red-envelopes/{id}/close",
            post(teams::close_plan),
        )
        .route(
            "/ui/campaigns/red-envelopes/new",
            get(new_form::<RedEnvelopeForm>).post(create::<RedEnvelopeForm>),
        )
        .route(
            "/ui/campaigns/lotteries/new",
            get(lottery_form::new_form).post(lottery_form::create),
        )
        .route("/ui/campaigns/lotteries/{id}", get(lottery::page))
        .route("/ui/campaigns/lotteries/{id}/close", post(lottery::close))
}

/// A write form with only its CSRF token (a close button, a settle button).
#[derive(Debug, Default, serde::Deserialize)]
pub struct CsrfForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

/// Closes something for an operator who may write (`close`), then on to `to`; the refusal,
/// or the not-found page for something that is not the tenant's.
async fn closing<F: std::future::Future<Output = quanzi_core::Result<()>>>(
    u: &super::UiUser,
    f: &CsrfForm,
    to: &str,
    close: F,
) -> Response {
    if let Some(why) = super::form::refusal(u, &f.csrf, u.perms().write, "correct.forbidden") {
        return super::form::refused(why);
    }
    match close.await {
        Ok(()) => super::form::see_other(to),
        Err(quanzi_core::CoreError::NotFound(_)) => not_found(),
        Err(e) => super::server_error(e),
    }
}

/// The page of something that is not there (or not this tenant's).
fn not_found() -> Response {
    ErrorPage::new(StatusCode::NOT_FOUND, "error.404.body").into_response()
}

/// `local` typed in a `datetime-local` field (`2026-12-03T14:30`, seconds optional) in a zone
/// `offset_secs` east of UTC, as unix ms; `None` when it is not such a time.
fn parse_local(local: &str, offset_secs: i64) -> Option<i64> {
    let (date, time) = local.trim().split_once(['T', ' '])?;
    let mut d = date.splitn(3, '-').map(str::parse::<i64>);
    let (y, m, day) = (d.next()?.ok()?, d.next()?.ok()?, d.next()?.ok()?);
    let mut t = time.split(':').map(str::parse::<i64>);
    let (h, min) = (t.next()?.ok()?, t.next()?.ok()?);
    let sec = t.next().map(|s| s.ok()).unwrap_or(Some(0))?;
    let ok = (1970..=9999).contains(&y)
        && (1..=12).contains(&m)
        && (1..=31).contains(&day)
        && (0..24).contains(&h)
        && (0..60).contains(&min)
        && (0..60).contains(&sec);
    if !ok {
        return None;
    }
    let days = quanzi_domain::date::days_from_civil(y, m as u32, day as u32);
    let (cy, cm, cd) = quanzi_domain::date::civil_from_days(days);
    if (cy, cm as i64, cd as i64) != (y, m, day) {
        return None;
    }
    Some(((days * 86_400 + h * 3600 + min * 60 + sec) - offset_secs) * 1000)
}

/// Unix ms as a `datetime-local` value in a zone `offset_secs` east of UTC.
fn local_value(ms: i64, offset_secs: i64) -> String {
    super::fmt_ms_in(ms, offset_secs).replacen(' ', "T", 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_times_read_back_as_they_were_typed_in_the_tenants_zone() {
        let shanghai = 8 * 3600;
        let ms = parse_local("2026-12-03T14:30", shanghai).unwrap_or_default();
        assert_eq!(ms, 1_796_279_400_000);
        assert_eq!(local_value(ms, shanghai), "2026-12-03T14:30");
        assert_eq!(
            parse_local("2026-12-03 14:30:15", 0),
            Some(1_796_308_215_000)
        );
        assert_eq!(parse_local("2026-02-30T10:00", 0), None);
        assert_eq!(parse_local("tomorrow", 0), None);
        assert_eq!(parse_local("2026-12-03T24:00", 0), None);
    }
}
