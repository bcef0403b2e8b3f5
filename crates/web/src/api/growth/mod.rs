//! `/api/v1` of the growth loop: live codes and their QR images, groups' own QR images, lead
//! gifts and their redemption, referral programmes and the reward ledger, member links and
//! the WeChat OAuth setting of the member pages.

pub mod gifts;
pub mod live_codes;
pub mod members_link;
pub mod params;
pub mod qr;
pub mod referrals;
pub mod rewards;

use axum::http::HeaderMap;
use quanzi_core::read::Db;
use quanzi_domain::TenantId;
use utoipa_axum::router::OpenApiRouter;

use crate::AppState;
use crate::client::Client;
use crate::error::ApiError;

/// The origin the caller reached us at, for the absolute URLs the API hands out (a live
/// code's page, a member link): the `Host` asked for, over https when the request came over
/// HTTPS (or `secure_cookies` says the server is behind it); a forwarded host only from a
/// trusted proxy. A host that is not a host name or address (with a port) is not echoed.
pub fn origin(headers: &HeaderMap, client: &Client, secure: bool) -> String {
    let h = |n: &str| {
        headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| is_host(v))
            .map(str::to_string)
    };
    let scheme = if client.https || secure {
        "https"
    } else {
        "http"
    };
    let host = h("x-forwarded-host")
        .filter(|_| client.proxied)
        .or_else(|| h("host"))
        .unwrap_or_else(|| "127.0.0.1:8080".into());
    format!("{scheme}://{host}")
}

/// A host name or address with an optional port: what may go into a URL we print.
fn is_host(v: &str) -> bool {
    !v.is_empty()
        && v.len() <= 255
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'))
}

/// The tenant's slug, the first segment of its member pages' paths.
pub async fn tenant_slug(db: &Db, t: TenantId) -> Result<String, ApiError> {
    Ok(quanzi_core::read::tenant::get(db, t)
        .await
        .map_err(quanzi_core::CoreError::from)?
        .ok_or_else(|| ApiError::not_found("tenant"))?
        .slug)
}

/// The public URL of a member page: `{origin}/h/{tenant}/{kind}/{last}`.
pub fn page_url(origin: &str, tenant: &str, kind: &str, last: &str) -> String {
    format!("{origin}/h/{tenant}/{kind}/{last}")
}

/// Routes of the growth loop, each with its OpenAPI path.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        .merge(live_codes::router())
        .merge(qr::router())
        .merge(gifts::router())
        .merge(referrals::router())
        .merge(rewards::router())
        .merge(members_link::router())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(https: bool, proxied: bool) -> Client {
        Client {
            ip: std::net::IpAddr::from([127, 0, 0, 1]),
            https,
            proxied,
        }
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap_or_else(|e| panic!("{e}")));
        }
        h
    }

    #[test]
    fn the_origin_is_the_host_asked_for_and_a_forwarded_host_only_from_a_proxy() {
        let h = headers(&[
            ("host", "shop.example:8443"),
            ("x-forwarded-host", "evil.example"),
        ]);
        assert_eq!(
            origin(&h, &client(false, false), false),
            "http://shop.example:8443"
        );
        assert_eq!(
            origin(&h, &client(true, true), false),
            "https://evil.example"
        );
        assert_eq!(
            origin(&h, &client(false, false), true),
            "https://shop.example:8443"
        );
    }

    #[test]
    fn a_host_header_that_is_no_host_is_not_echoed_into_a_url() {
        let h = headers(&[("host", "a.example/<script>")]);
        assert_eq!(
            origin(&h, &client(false, false), false),
            "http://127.0.0.1:8080"
        );
    }
}
