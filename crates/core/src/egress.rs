//! Where the server may send requests: https URLs without credentials that resolve only to
//! public addresses, checked when a URL is saved and again at every connection (a resolver
//! that drops non-public addresses, against DNS rebinding; no redirects). Only the server's
//! own configuration (`allow_private_targets`), never a tenant, allows http and private hosts.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use quanzi_domain::Invalid;
use reqwest::Url;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Reason: not an https URL.
pub const NOT_HTTPS: &str = "must be an https:// URL with a host";
/// Reason: `user:pass@` in the URL.
pub const HAS_CREDENTIALS: &str = "must not contain a user name or password";
/// Reason: a private, loopback or link-local address (or a name resolving to one).
pub const NOT_PUBLIC: &str = "must be a public address (not private, loopback or link-local)";
/// Reason: the host name does not resolve.
pub const NO_ADDRESS: &str = "names a host that does not resolve";
/// Reason: too long or with spaces.
pub const MALFORMED: &str = "must be a URL of at most 2000 characters without spaces";

/// The server's policy for outbound requests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Egress {
    /// Allow plain http and private, loopback and link-local targets (local development,
    /// tests' stubs). Off by default.
    pub allow_private: bool,
}

/// True for an address on the public internet: not loopback, private, link-local, shared
/// (CGNAT), documentation, benchmarking, multicast, reserved or unspecified.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public_v4(v4);
            }
            let s = v6.segments();
            // NAT64 (64:ff9b::/96) carries an IPv4 address in its last 32 bits, 6to4
            // (2002::/16) in the 32 bits after the prefix.
            let embedded = |hi: u16, lo: u16| {
                let [a, b] = hi.to_be_bytes();
                let [c, d] = lo.to_be_bytes();
                is_public_v4(Ipv4Addr::new(a, b, c, d))
            };
            if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
                return embedded(s[6], s[7]);
            }
            if s[0] == 0x2002 && !embedded(s[1], s[2]) {
                return false;
            }
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00 // unique local fc00::/7
                || (s[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
                || (s[0] & 0xffc0) == 0xfec0 // site-local fec0::/10
                || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
                || (s[0] == 0x2001 && s[1] == 0) // Teredo 2001::/32, tunnels to IPv4
                || (s[0] == 0x64 && s[1] == 0xff9b && s[2] == 1) // local-use NAT64 64:ff9b:1::/48
                || s[..4] == [0x100, 0, 0, 0] // discard-only 100::/64
                || s[..6] == [0, 0, 0, 0, 0xffff, 0] // IPv4-translated ::ffff:0:a.b.c.d
                || s[..6] == [0, 0, 0, 0, 0, 0]) // IPv4-compatible, deprecated
        }
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // shared address space (CGNAT)
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (18..20).contains(&b)) // benchmarking
        || a >= 240) // reserved
}

/// The URL without credentials, query or fragment: what errors and logs may show of it.
pub fn redact_url(url: &str) -> String {
    match Url::parse(url) {
        Ok(mut u) => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.set_query(None);
            u.set_fragment(None);
            u.to_string()
        }
        Err(_) => "(a malformed URL)".to_string(),
    }
}

/// A reqwest error as text that never holds the URL's query or credentials.
pub fn describe(e: reqwest::Error) -> String {
    let url = e.url().map(|u| redact_url(u.as_str()));
    let mut text = e.without_url().to_string();
    if let Some(u) = url {
        text.push_str(&format!(" ({u})"));
    }
    text
}

impl Egress {
    /// Checks the parts of `url` that need no DNS: scheme, credentials, an IP literal. Run
    /// again right before each request, as an IP literal never reaches the resolver.
    pub fn check_static(&self, url: &str) -> Result<Url, &'static str> {
        let url = url.trim();
        if url.len() > 2_000 || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(MALFORMED);
        }
        let u = Url::parse(url).map_err(|_| NOT_HTTPS)?;
        let scheme_ok = u.scheme() == "https" || (self.allow_private && u.scheme() == "http");
        if !scheme_ok || u.host_str().is_none_or(str::is_empty) {
            return Err(NOT_HTTPS);
        }
        if !u.username().is_empty() || u.password().is_some() {
            return Err(HAS_CREDENTIALS);
        }
        if !self.allow_private {
            let ip = match u.host() {
                Some(url::Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
                Some(url::Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
                _ => None,
            };
            let local_name = u
                .host_str()
                .is_some_and(|h| h == "localhost" || h.ends_with(".localhost"));
            if ip.is_some_and(|ip| !is_public(ip)) || local_name {
                return Err(NOT_PUBLIC);
            }
        }
        Ok(u)
    }

    /// Checks a URL a tenant saves (webhook receiver): the static checks, then that its host
    /// resolves, and only to public addresses. Returns the URL as it is stored.
    pub async fn check_url(&self, url: &str, field: &str) -> Result<String, Invalid> {
        let u = self
            .check_static(url)
            .map_err(|reason| Invalid::one(field, reason))?;
        if !self.allow_private
            && let Some(url::Host::Domain(host)) = u.host()
        {
            let port = u.port_or_known_default().unwrap_or(443);
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
                .await
                .map_err(|_| Invalid::one(field, NO_ADDRESS))?
                .collect();
            if addrs.is_empty() {
                return Err(Invalid::one(field, NO_ADDRESS));
            }
            if addrs.iter().any(|a| !is_public(a.ip())) {
                return Err(Invalid::one(field, NOT_PUBLIC));
            }
        }
        Ok(url.trim().to_string())
    }

    /// The HTTP client for outbound requests under this policy: no redirects, no proxy from
    /// the environment, and (unless private targets are allowed) a resolver that keeps only
    /// public addresses, so a name that resolves privately at connect time is never reached.
    pub fn client(&self, timeout: Duration) -> reqwest::Client {
        let mut b = reqwest::Client::builder()
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy();
        if !self.allow_private {
            b = b.dns_resolver(Arc::new(PublicOnly));
        }
        // Never fall back to a default client: it would follow redirects, use the
        // environment's proxies and resolve to private addresses.
        b.build().unwrap_or_else(|e| {
            tracing::error!(error = %e, "egress client cannot be built; outbound requests refused");
            reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .no_proxy()
                .dns_resolver(Arc::new(Nowhere))
                .build()
                .unwrap_or_default()
        })
    }
}

/// A resolver that resolves nothing: the client of last resort reaches no host by name.
#[derive(Debug, Clone, Copy)]
struct Nowhere;

impl reqwest::dns::Resolve for Nowhere {
    fn resolve(&self, _: reqwest::dns::Name) -> reqwest::dns::Resolving {
        Box::pin(async {
            Err::<reqwest::dns::Addrs, Box<dyn std::error::Error + Send + Sync>>(
                "outbound requests are disabled".into(),
            )
        })
    }
}

/// The resolver of [`Egress::client`]: the system's answer without non-public addresses.
#[derive(Debug, Clone, Copy)]
pub struct PublicOnly;

/// Why [`PublicOnly`] refused a name.
#[derive(Debug, thiserror::Error)]
#[error("{0} resolves to no public address")]
pub struct NotPublic(String);

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_string();
        Box::pin(async move {
            let found = tokio::net::lookup_host((host.as_str(), 0)).await?;
            let public: Vec<SocketAddr> = found.filter(|a| is_public(a.ip())).collect();
            if public.is_empty() {
                return Err(Box::new(NotPublic(host)) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(public.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strict() -> Egress {
        Egress::default()
    }

    #[test]
    fn private_loopback_link_local_and_credential_urls_are_refused() {
        for (url, reason) in [
            ("http://example.com/hook", NOT_HTTPS),
            ("ftp://example.com/", NOT_HTTPS),
            ("https://127.0.0.1/", NOT_PUBLIC),
            ("https://10.1.2.3/", NOT_PUBLIC),
            ("https://172.16.0.1/", NOT_PUBLIC),
            ("https://192.168.1.1:8443/", NOT_PUBLIC),
            ("https://169.254.169.254/latest/meta-data", NOT_PUBLIC),
            ("https://100.64.0.1/", NOT_PUBLIC),
            ("https://[::1]/", NOT_PUBLIC),
            ("https://[fe80::1]/", NOT_PUBLIC),
            ("https://[fd00::1]/", NOT_PUBLIC),
            ("https://[::ffff:127.0.0.1]/", NOT_PUBLIC),
            ("https://[64:ff9b::10.0.0.1]/", NOT_PUBLIC),
            ("https://[2002:7f00:1::]/", NOT_PUBLIC),
            ("https://[64:ff9b:1::a00:1]/", NOT_PUBLIC),
            ("https://[::ffff:0:a00:1]/", NOT_PUBLIC),
            (
                "https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/",
                NOT_PUBLIC,
            ),
            ("https://[100::1]/", NOT_PUBLIC),
            ("https://0.0.0.0/", NOT_PUBLIC),
            ("https://localhost/", NOT_PUBLIC),
            ("https://user:pass@example.com/", HAS_CREDENTIALS),
            ("https://user@example.com/", HAS_CREDENTIALS),
        ] {
            assert_eq!(strict().check_static(url).err(), Some(reason), "{url}");
        }
        assert!(strict().check_static("https://8.8.8.8/x").is_ok());
        assert!(strict().check_static("https://[2001:4860::8888]/").is_ok());
    }

    #[test]
    fn only_the_servers_setting_allows_http_and_private_hosts() {
        let dev = Egress {
            allow_private: true,
        };
        assert!(dev.check_static("http://127.0.0.1:9000/hook").is_ok());
        assert_eq!(
            dev.check_static("http://u:p@127.0.0.1/").err(),
            Some(HAS_CREDENTIALS)
        );
    }

    #[test]
    fn redacted_urls_keep_neither_query_nor_credentials() {
        let r = redact_url("https://u:pw@qyapi.example/cgi-bin/gettoken?corpid=a&corpsecret=S3");
        assert_eq!(r, "https://qyapi.example/cgi-bin/gettoken");
    }

    #[tokio::test]
    async fn a_name_that_resolves_to_a_private_address_is_refused_at_connect_time() {
        // `localhost` resolves to loopback from the hosts file, with no network needed.
        let r = PublicOnly.resolve("localhost".parse().unwrap_or_else(|_| panic!("name")));
        let e = r.await.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains("no public address"), "{e}");
        // And a request through the client never reaches a listener there.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let port = listener.local_addr().map(|a| a.port()).unwrap_or(1);
        let client = strict().client(Duration::from_secs(5));
        let sent = client
            .get(format!("https://localhost:{port}/"))
            .send()
            .await;
        assert!(sent.is_err());
        // A connection made would be queued by now; one poll tells.
        let queued =
            std::future::poll_fn(|cx| std::task::Poll::Ready(listener.poll_accept(cx).is_ready()))
                .await;
        assert!(!queued, "the private listener was connected to");
    }
}
