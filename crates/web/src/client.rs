//! Who is on the other end: the client's address and whether it came over HTTPS, believing
//! `X-Forwarded-For` / `X-Forwarded-Proto` only from the configured trusted proxies.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use ipnet::IpNet;

use crate::AppState;

/// The proxies (CIDRs) whose forwarding headers are believed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Parses CIDRs (`10.0.0.0/8`) or single addresses (`127.0.0.1`); the error names the
    /// entry that is neither.
    pub fn parse<S: AsRef<str>>(entries: &[S]) -> Result<TrustedProxies, String> {
        entries
            .iter()
            .map(|e| {
                let e = e.as_ref().trim();
                e.parse::<IpNet>()
                    .or_else(|_| e.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("{e:?} is not a CIDR like 10.0.0.0/8 or an address"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(TrustedProxies)
    }

    /// True when `ip` is one of the trusted proxies.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|n| n.contains(&ip))
    }

    /// The client's address: the peer, or, when the peer is trusted, the rightmost address of
    /// `X-Forwarded-For` that is not itself a trusted proxy (a client can prepend anything; only
    /// what our own proxies appended is believed).
    pub fn client_ip(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let mut ip = canonical(peer);
        if !self.contains(ip) {
            return ip;
        }
        let hops = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .collect::<Vec<_>>();
        for hop in hops.into_iter().rev() {
            match parse_hop(hop) {
                Some(h) => {
                    ip = h;
                    if !self.contains(h) {
                        break;
                    }
                }
                // Garbage where an address should be: stop at the last proxy we believe.
                None => break,
            }
        }
        ip
    }

    /// True when the request came over HTTPS: said by a trusted proxy's `X-Forwarded-Proto`.
    pub fn forwarded_https(&self, peer: IpAddr, headers: &HeaderMap) -> bool {
        self.contains(peer)
            && headers
                .get_all("x-forwarded-proto")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .next_back()
                .is_some_and(|p| p.trim().eq_ignore_ascii_case("https"))
    }
}

/// An IPv4-mapped IPv6 address as the IPv4 address it is.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

/// One `X-Forwarded-For` entry: `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1` or `[2001:db8::1]:5678`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    hop.parse::<IpAddr>()
        .or_else(|_| hop.parse::<SocketAddr>().map(|s| s.ip()))
        .ok()
        .map(canonical)
}

/// The client of a request, as far as the trusted proxies let us know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Client {
    /// The client's address.
    pub ip: IpAddr,
    /// The request came over HTTPS (to us or to a trusted proxy).
    pub https: bool,
    /// The request came through a trusted proxy, whose `X-Forwarded-*` headers are believed.
    pub proxied: bool,
}

impl Client {
    /// The client of a request with these parts.
    pub fn of(parts: &Parts, proxies: &TrustedProxies) -> Client {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())
            .unwrap_or(IpAddr::from([0, 0, 0, 0]));
        Client {
            ip: proxies.client_ip(peer, &parts.headers),
            https: parts.uri.scheme_str() == Some("https")
                || proxies.forwarded_https(peer, &parts.headers),
            proxied: proxies.contains(peer),
        }
    }
}

impl FromRequestParts<AppState> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Client::of(parts, &state.trusted_proxies))
    }
}

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

/// The public URL of a member page: `{origin}/h/{tenant}/{kind}/{last}`.
pub fn page_url(origin: &str, tenant: &str, kind: &str, last: &str) -> String {
    format!("{origin}/h/{tenant}/{kind}/{last}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn xff(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            "x-forwarded-for",
            v.parse().unwrap_or_else(|e| panic!("{e}")),
        );
        h
    }

    #[test]
    fn x_forwarded_for_is_believed_only_from_a_trusted_proxy() {
        let p =
            TrustedProxies::parse(&["10.0.0.0/8", "192.168.1.1"]).unwrap_or_else(|e| panic!("{e}"));
        let h = xff("6.6.6.6, 203.0.113.5, 10.1.1.1");
        assert_eq!(p.client_ip(ip("10.0.0.2"), &h), ip("203.0.113.5"));
        assert_eq!(p.client_ip(ip("192.168.1.1"), &h), ip("203.0.113.5"));
        assert_eq!(p.client_ip(ip("198.51.100.1"), &h), ip("198.51.100.1"));
        assert_eq!(
            p.client_ip(ip("10.0.0.2"), &xff("garbage, 10.9.9.9")),
            ip("10.9.9.9")
        );
        assert_eq!(
            p.client_ip(ip("::ffff:10.0.0.2"), &xff("[2001:db8::1]:443")),
            ip("2001:db8::1")
        );
        assert_eq!(
            p.client_ip(ip("10.0.0.2"), &HeaderMap::new()),
            ip("10.0.0.2")
        );
    }

    #[test]
    fn a_bad_proxy_entry_is_named() {
        let e = TrustedProxies::parse(&["10.0.0.0/8", "nope"]).err();
        assert!(e.is_some_and(|e| e.contains("nope")));
    }

    // The origin of absolute URLs.

    fn caller(https: bool, proxied: bool) -> Client {
        Client {
            ip: std::net::IpAddr::from([127, 0, 0, 1]),
            https,
            proxied,
        }
    }

    fn header_map(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap_or_else(|e| panic!("{e}")));
        }
        h
    }

    #[test]
    fn the_origin_is_the_host_asked_for_and_a_forwarded_host_only_from_a_proxy() {
        let h = header_map(&[
            ("host", "shop.example:8443"),
            ("x-forwarded-host", "evil.example"),
        ]);
        assert_eq!(
            origin(&h, &caller(false, false), false),
            "http://shop.example:8443"
        );
        assert_eq!(
            origin(&h, &caller(true, true), false),
            "https://evil.example"
        );
        assert_eq!(
            origin(&h, &caller(false, false), true),
            "https://shop.example:8443"
        );
    }

    #[test]
    fn a_host_header_that_is_no_host_is_not_echoed_into_a_url() {
        let h = header_map(&[("host", "a.example/<script>")]);
        assert_eq!(
            origin(&h, &caller(false, false), false),
            "http://127.0.0.1:8080"
        );
    }
}
