//! The configuration of the edge against hostile clients: trusted proxies, login throttling
//! and connection limits, from the file or `QUANZI_*` variables, checked, and turned into the
//! web crate's types.

use std::time::Duration;

use quanzi_core::login_throttle::ThrottlePolicy;
use quanzi_web::client::TrustedProxies;
use quanzi_web::server::{FD_MARGIN, ServerLimits, default_max_connections, descriptor_limit};

use super::Config;

/// The environment variables of this part of the configuration.
pub const ENV_KEYS: &[&str] = &[
    "QUANZI_TRUSTED_PROXIES",
    "QUANZI_LOGIN_FREE_FAILURES",
    "QUANZI_LOGIN_ADDRESS_FREE_FAILURES",
    "QUANZI_LOGIN_BASE_DELAY_SECS",
    "QUANZI_LOGIN_MAX_DELAY_SECS",
    "QUANZI_HEADER_READ_TIMEOUT_SECS",
    "QUANZI_BODY_READ_TIMEOUT_SECS",
    "QUANZI_IDLE_TIMEOUT_SECS",
    "QUANZI_MAX_CONNECTIONS",
];

fn number<T: std::str::FromStr>(key: &str, v: &str) -> anyhow::Result<T> {
    v.trim()
        .parse()
        .map_err(|_| anyhow::anyhow!("{key} must be a whole number, not {v:?}"))
}

impl Config {
    /// Applies one of [`ENV_KEYS`]; `QUANZI_TRUSTED_PROXIES` is a comma-separated list.
    pub(super) fn apply_edge_env(&mut self, key: &str, v: &str) -> anyhow::Result<()> {
        match key {
            "QUANZI_TRUSTED_PROXIES" => {
                self.trusted_proxies = v
                    .split(',')
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .map(str::to_string)
                    .collect();
            }
            "QUANZI_LOGIN_FREE_FAILURES" => self.login_free_failures = number(key, v)?,
            "QUANZI_LOGIN_ADDRESS_FREE_FAILURES" => {
                self.login_address_free_failures = number(key, v)?
            }
            "QUANZI_LOGIN_BASE_DELAY_SECS" => self.login_base_delay_secs = number(key, v)?,
            "QUANZI_LOGIN_MAX_DELAY_SECS" => self.login_max_delay_secs = number(key, v)?,
            "QUANZI_HEADER_READ_TIMEOUT_SECS" => self.header_read_timeout_secs = number(key, v)?,
            "QUANZI_BODY_READ_TIMEOUT_SECS" => self.body_read_timeout_secs = number(key, v)?,
            "QUANZI_IDLE_TIMEOUT_SECS" => self.idle_timeout_secs = number(key, v)?,
            "QUANZI_MAX_CONNECTIONS" => self.max_connections = number(key, v)?,
            _ => {}
        }
        Ok(())
    }

    /// Checks this part of the configuration; the error names the key.
    pub(super) fn check_edge(&self) -> anyhow::Result<()> {
        TrustedProxies::parse(&self.trusted_proxies)
            .map_err(|e| anyhow::anyhow!("trusted_proxies: {e}"))?;
        for (key, v) in [
            ("login_free_failures", self.login_free_failures),
            (
                "login_address_free_failures",
                self.login_address_free_failures,
            ),
            ("login_base_delay_secs", self.login_base_delay_secs),
            ("login_max_delay_secs", self.login_max_delay_secs),
        ] {
            if !(1..=1_000_000).contains(&v) {
                anyhow::bail!("{key} must be between 1 and 1000000, not {v}");
            }
        }
        for (key, v) in [
            ("header_read_timeout_secs", self.header_read_timeout_secs),
            ("body_read_timeout_secs", self.body_read_timeout_secs),
            ("idle_timeout_secs", self.idle_timeout_secs),
        ] {
            if !(1..=86_400).contains(&v) {
                anyhow::bail!("{key} must be between 1 and 86400 seconds, not {v}");
            }
        }
        let limit = descriptor_limit();
        if self.max_connections >= limit {
            anyhow::bail!(
                "max_connections must be below this process's open-file limit ({limit}), not {}; \
                 0 picks the limit minus {FD_MARGIN}",
                self.max_connections
            );
        }
        Ok(())
    }

    /// The trusted proxies (checked by [`Config::load`]).
    pub fn trusted_proxies(&self) -> anyhow::Result<TrustedProxies> {
        TrustedProxies::parse(&self.trusted_proxies)
            .map_err(|e| anyhow::anyhow!("trusted_proxies: {e}"))
    }

    /// The login throttling policy.
    pub fn throttle_policy(&self) -> ThrottlePolicy {
        ThrottlePolicy {
            free_failures: self.login_free_failures,
            address_free_failures: self.login_address_free_failures,
            base_delay_ms: self.login_base_delay_secs.saturating_mul(1_000),
            max_delay_ms: self.login_max_delay_secs.saturating_mul(1_000),
            ..ThrottlePolicy::default()
        }
    }

    /// The server's timeouts and connection cap (0: the descriptor limit minus a margin).
    pub fn server_limits(&self) -> ServerLimits {
        ServerLimits {
            header_read_timeout: Duration::from_secs(self.header_read_timeout_secs),
            body_read_timeout: Duration::from_secs(self.body_read_timeout_secs),
            idle_timeout: Duration::from_secs(self.idle_timeout_secs),
            max_connections: match self.max_connections {
                0 => default_max_connections(),
                n => n,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Config, Flags};

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn proxies_and_limits_come_from_the_environment() {
        let (c, w) = Config::load(
            None,
            &env(&[
                ("QUANZI_TRUSTED_PROXIES", "10.0.0.0/8, 127.0.0.1"),
                ("QUANZI_MAX_CONNECTIONS", "500"),
                ("QUANZI_IDLE_TIMEOUT_SECS", "5"),
            ]),
            &Flags::default(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(c.trusted_proxies, vec!["10.0.0.0/8", "127.0.0.1"]);
        assert_eq!(c.server_limits().max_connections, 500);
        assert_eq!(c.server_limits().idle_timeout.as_secs(), 5);
        assert!(Config::default().server_limits().max_connections >= 64);
    }

    #[test]
    fn a_bad_proxy_or_timeout_is_an_error_naming_the_key() {
        let bad = |k: &str, v: &str| {
            Config::load(None, &env(&[(k, v)]), &Flags::default())
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        };
        assert!(bad("QUANZI_TRUSTED_PROXIES", "10.0.0.0/33").contains("trusted_proxies"));
        assert!(bad("QUANZI_IDLE_TIMEOUT_SECS", "0").contains("idle_timeout_secs"));
        assert!(bad("QUANZI_MAX_CONNECTIONS", "many").contains("QUANZI_MAX_CONNECTIONS"));
        assert!(bad("QUANZI_MAX_CONNECTIONS", "100000000").contains("max_connections"));
    }
}
