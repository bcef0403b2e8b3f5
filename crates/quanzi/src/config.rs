//! Layered configuration: defaults ← `quanzi.toml` ← `QUANZI_*` environment ← flags.

mod edge;

use std::path::Path;

use serde::{Deserialize, Serialize};

/// The effective configuration.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// `sqlite://./data/quanzi.db` (default) or `postgres://…`.
    pub database_url: String,
    /// Address to listen on.
    pub listen: String,
    /// Mark cookies `Secure` (set when served behind HTTPS).
    pub secure_cookies: bool,
    /// Log filter, e.g. `info` or `quanzi=debug`.
    pub log: String,
    // Hostile clients: proxies believed, login throttling, connection limits (see edge.rs).
    /// Proxies (CIDRs or addresses) whose `X-Forwarded-For` / `X-Forwarded-Proto` are believed.
    pub trusted_proxies: Vec<String>,
    /// Wrong passwords for one account from one address before any wait.
    pub login_free_failures: i64,
    /// Wrong passwords from one address (any accounts) before any wait.
    pub login_address_free_failures: i64,
    /// The first wait after the free failures, seconds; each further failure doubles it.
    pub login_base_delay_secs: i64,
    /// The longest wait, seconds.
    pub login_max_delay_secs: i64,
    /// Seconds from a request's first byte to the end of its head.
    pub header_read_timeout_secs: u64,
    /// Seconds from the end of a request's head to the end of its body.
    pub body_read_timeout_secs: u64,
    /// Seconds a connection may stay open with no request and no byte either way.
    pub idle_timeout_secs: u64,
    /// Open connections at most; 0 means the descriptor limit minus 256.
    pub max_connections: usize,
    // Secrets and outbound requests: the server key, the egress policy, WeCom's API and window.
    /// File of the server key that seals stored secrets (64 hex digits); empty: `server.key`
    /// beside the SQLite file (`./data` for PostgreSQL), generated with mode 0600 at first start.
    pub server_key_file: String,
    /// Let webhooks and the WeCom API use plain http and private, loopback or link-local
    /// addresses (local development and tests only; never a tenant's choice).
    pub allow_private_targets: bool,
    /// Base URL of the WeCom server API (the corp secrets are sent there).
    pub wecom_api_base: String,
    /// WeCom callbacks whose `timestamp` is further than this from now are refused, seconds.
    pub wecom_callback_window_secs: i64,
    /// Base URL of WeChat's web authorization page (the member pages' sign-in).
    pub wechat_open_base: String,
    /// Base URL of WeChat's official-account API (the app secrets are sent there).
    pub wechat_api_base: String,
    /// Heavy-request and statement limits (`[limits]`); a TOML table, so it stays the last
    /// field (plain values must come before tables when the config is shown).
    pub limits: Limits,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            database_url: "sqlite://./data/quanzi.db".into(),
            listen: "127.0.0.1:8080".into(),
            secure_cookies: false,
            log: "info".into(),
            trusted_proxies: Vec::new(),
            login_free_failures: 5,
            login_address_free_failures: 20,
            login_base_delay_secs: 1,
            login_max_delay_secs: 900,
            header_read_timeout_secs: 10,
            body_read_timeout_secs: 30,
            idle_timeout_secs: 60,
            max_connections: 0,
            server_key_file: String::new(),
            allow_private_targets: false,
            wecom_api_base: "https://qyapi.weixin.qq.com".into(),
            wecom_callback_window_secs: 600,
            wechat_open_base: "https://open.weixin.qq.com".into(),
            wechat_api_base: "https://api.weixin.qq.com".into(),
            limits: Limits::default(),
        }
    }
}

/// Environment variables we read; any other `QUANZI_*` gets a warning (a typo is not silent).
pub const ENV_KEYS: &[&str] = &[
    "QUANZI_DATABASE_URL",
    "QUANZI_LISTEN",
    "QUANZI_SECURE_COOKIES",
    "QUANZI_LOG",
    "QUANZI_CONFIG",
    "QUANZI_SERVER_KEY_FILE",
    "QUANZI_ALLOW_PRIVATE_TARGETS",
    "QUANZI_WECOM_API_BASE",
    "QUANZI_WECOM_CALLBACK_WINDOW_SECS",
    "QUANZI_WECHAT_OPEN_BASE",
    "QUANZI_WECHAT_API_BASE",
    "QUANZI_HEAVY_REQUESTS_PER_TENANT",
    "QUANZI_STATEMENT_TIMEOUT_MS",
];

/// Overrides given on the command line.
#[derive(Debug, Default, Clone)]
pub struct Flags {
    /// `--database-url`.
    pub database_url: Option<String>,
    /// `--listen`.
    pub listen: Option<String>,
}

impl Config {
    /// Builds the effective config from the file (if present), the environment and flags.
    /// Returns it with warnings to print.
    pub fn load(
        file: Option<&Path>,
        env: &[(String, String)],
        flags: &Flags,
    ) -> anyhow::Result<(Config, Vec<String>)> {
        let mut warnings = Vec::new();
        let explicit = file.is_some();
        let path = file
            .map(Path::to_path_buf)
            .unwrap_or_else(|| "quanzi.toml".into());
        let mut cfg = if path.exists() {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
            toml::from_str::<Config>(&text)
                .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?
        } else if explicit {
            anyhow::bail!("config file {} does not exist", path.display());
        } else {
            Config::default()
        };
        for (k, v) in env {
            match k.as_str() {
                "QUANZI_DATABASE_URL" => cfg.database_url = v.clone(),
                "QUANZI_LISTEN" => cfg.listen = v.clone(),
                "QUANZI_LOG" => cfg.log = v.clone(),
                "QUANZI_SECURE_COOKIES" => {
                    cfg.secure_cookies = match v.as_str() {
                        "1" | "true" | "yes" => true,
                        "0" | "false" | "no" | "" => false,
                        _ => {
                            anyhow::bail!("QUANZI_SECURE_COOKIES must be true or false, not {v:?}")
                        }
                    }
                }
                k if edge::ENV_KEYS.contains(&k) => cfg.apply_edge_env(k, v)?,
                "QUANZI_SERVER_KEY_FILE" => cfg.server_key_file = v.clone(),
                "QUANZI_ALLOW_PRIVATE_TARGETS" => {
                    cfg.allow_private_targets = parse_bool("QUANZI_ALLOW_PRIVATE_TARGETS", v)?
                }
                "QUANZI_WECOM_API_BASE" => cfg.wecom_api_base = v.clone(),
                "QUANZI_WECHAT_OPEN_BASE" => cfg.wechat_open_base = v.clone(),
                "QUANZI_WECHAT_API_BASE" => cfg.wechat_api_base = v.clone(),
                "QUANZI_WECOM_CALLBACK_WINDOW_SECS" => {
                    cfg.wecom_callback_window_secs = v.parse().map_err(|_| {
                        anyhow::anyhow!("QUANZI_WECOM_CALLBACK_WINDOW_SECS must be whole seconds")
                    })?
                }
                k if Limits::ENV.contains(&k) => cfg.limits.set_env(k, v)?,
                k if k.starts_with("QUANZI_") && !ENV_KEYS.contains(&k) => warnings.push(format!(
                    "unknown environment variable {k} ignored (known: {})",
                    ENV_KEYS.join(", ")
                )),
                _ => {}
            }
        }
        if let Some(u) = &flags.database_url {
            cfg.database_url = u.clone();
        }
        if let Some(l) = &flags.listen {
            cfg.listen = l.clone();
        }
        cfg.check_edge()?;
        if cfg.listen.parse::<std::net::SocketAddr>().is_err() {
            anyhow::bail!(
                "listen: {:?} is not an address like 127.0.0.1:8080",
                cfg.listen
            );
        }
        cfg.check_outbound()?;
        cfg.limits.check()?;
        Ok((cfg, warnings))
    }

    /// Checks the WeCom API base against the egress policy and the callback window's range.
    fn check_outbound(&self) -> anyhow::Result<()> {
        let egress = quanzi_core::egress::Egress {
            allow_private: self.allow_private_targets,
        };
        for (key, url) in [
            ("wecom_api_base", &self.wecom_api_base),
            ("wechat_open_base", &self.wechat_open_base),
            ("wechat_api_base", &self.wechat_api_base),
        ] {
            if let Err(reason) = egress.check_static(url) {
                anyhow::bail!("{key}: {reason} (or set allow_private_targets)");
            }
        }
        if !(1..=86_400).contains(&self.wecom_callback_window_secs) {
            anyhow::bail!("wecom_callback_window_secs: must be between 1 and 86400");
        }
        Ok(())
    }

    /// Where the server key is: `server_key_file`, or `server.key` beside the data.
    pub fn server_key_path(&self) -> std::path::PathBuf {
        if self.server_key_file.is_empty() {
            quanzi_core::server_key::default_path(&self.database_url)
        } else {
            self.server_key_file.clone().into()
        }
    }

    /// The config as TOML with the database password masked, and where the server key is
    /// (never its value).
    pub fn show(&self) -> String {
        let mut c = self.clone();
        c.database_url = mask_url(&c.database_url);
        let mut text = toml::to_string(&c).unwrap_or_default();
        text.push_str(&format!(
            "# server key: {} (its value is never shown)\n",
            self.server_key_path().display()
        ));
        text
    }
}

fn parse_bool(name: &str, v: &str) -> anyhow::Result<bool> {
    match v {
        "1" | "true" | "yes" => Ok(true),
        "0" | "false" | "no" | "" => Ok(false),
        _ => anyhow::bail!("{name} must be true or false, not {v:?}"),
    }
}

/// Replaces the password of a URL (`scheme://user:pass@host`) with `****`.
pub fn mask_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let Some((creds, host)) = rest.split_once('@') else {
        return url.to_string();
    };
    match creds.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:****@{host}"),
        None => url.to_string(),
    }
}

/// Limits that keep one tenant from starving the others: how many heavy requests (listings,
/// KPI and influence reads, exports, the pages built on them) a tenant may run at once — one
/// more answers 429 with `Retry-After` — and how long a statement (PostgreSQL) or a heavy
/// request (both stores) may run before it answers 503.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Concurrent heavy requests per tenant (`QUANZI_HEAVY_REQUESTS_PER_TENANT`), 1-1000;
    /// by default half the machine's cores, at least 1.
    pub heavy_requests_per_tenant: usize,
    /// Statement / heavy-request time limit in ms (`QUANZI_STATEMENT_TIMEOUT_MS`), 100-3600000.
    pub statement_timeout_ms: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            heavy_requests_per_tenant: std::thread::available_parallelism()
                .map(|n| n.get() / 2)
                .unwrap_or(1)
                .max(1),
            statement_timeout_ms: 30_000,
        }
    }
}

impl Limits {
    /// The environment variables of the limits.
    pub const ENV: &[&str] = &[
        "QUANZI_HEAVY_REQUESTS_PER_TENANT",
        "QUANZI_STATEMENT_TIMEOUT_MS",
    ];

    /// Sets the limit of environment variable `k` (one of [`Limits::ENV`]) to `v`.
    fn set_env(&mut self, k: &str, v: &str) -> anyhow::Result<()> {
        let n: u64 = v
            .trim()
            .parse()
            .map_err(|_| anyhow::anyhow!("{k} must be a whole number, not {v:?}"))?;
        match k {
            "QUANZI_HEAVY_REQUESTS_PER_TENANT" => self.heavy_requests_per_tenant = n as usize,
            _ => self.statement_timeout_ms = n,
        }
        Ok(())
    }

    /// Refuses limits out of range, naming the key.
    fn check(&self) -> anyhow::Result<()> {
        if !(1..=1000).contains(&self.heavy_requests_per_tenant) {
            anyhow::bail!("limits.heavy_requests_per_tenant must be between 1 and 1000");
        }
        if !(100..=3_600_000).contains(&self.statement_timeout_ms) {
            anyhow::bail!("limits.statement_timeout_ms must be between 100 and 3600000");
        }
        Ok(())
    }

    /// The statement / heavy-request time limit.
    pub fn statement_timeout(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.statement_timeout_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn layers_apply_in_order_file_env_flags() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let f = dir.path().join("quanzi.toml");
        std::fs::write(
            &f,
            "listen = \"127.0.0.1:9000\"\ndatabase_url = \"sqlite://file.db\"\nlog = \"debug\"\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let (c, w) = Config::load(
            Some(&f),
            &env(&[
                ("QUANZI_DATABASE_URL", "postgres://u:p@h/db"),
                ("QUANZI_LISTNE", "x"),
            ]),
            &Flags {
                listen: Some("127.0.0.1:7000".into()),
                ..Default::default()
            },
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.listen, "127.0.0.1:7000");
        assert_eq!(c.database_url, "postgres://u:p@h/db");
        assert_eq!(c.log, "debug");
        assert_eq!(w.len(), 1, "a misspelt variable is reported");
        assert!(c.show().contains("postgres://u:****@h/db"));
        assert!(!c.show().contains(":p@"));
    }

    #[test]
    fn the_wecom_api_base_must_be_public_https_unless_the_server_allows_private_targets() {
        let base = |v: &str, private: &str| {
            Config::load(
                None,
                &env(&[
                    ("QUANZI_WECOM_API_BASE", v),
                    ("QUANZI_ALLOW_PRIVATE_TARGETS", private),
                ]),
                &Flags::default(),
            )
        };
        assert!(base("http://127.0.0.1:9000", "false").is_err());
        assert!(base("https://user:pw@qyapi.weixin.qq.com", "false").is_err());
        assert!(base("https://10.0.0.8", "false").is_err());
        assert!(base("http://127.0.0.1:9000", "true").is_ok());
        let (c, _) = base("https://qyapi.weixin.qq.com", "").unwrap_or_else(|e| panic!("{e}"));
        let shown = c.show();
        assert!(shown.contains("# server key: ./data/server.key"), "{shown}");
    }

    #[test]
    fn limits_come_from_the_file_or_the_environment_and_out_of_range_is_an_error() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let f = dir.path().join("quanzi.toml");
        std::fs::write(&f, "[limits]\nheavy_requests_per_tenant = 2\n")
            .unwrap_or_else(|e| panic!("{e}"));
        let vars = env(&[("QUANZI_STATEMENT_TIMEOUT_MS", "5000")]);
        let (c, w) =
            Config::load(Some(&f), &vars, &Flags::default()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            c.limits,
            Limits {
                heavy_requests_per_tenant: 2,
                statement_timeout_ms: 5000
            }
        );
        assert!(w.is_empty(), "{w:?}");
        for bad in [
            ("QUANZI_HEAVY_REQUESTS_PER_TENANT", "0"),
            ("QUANZI_STATEMENT_TIMEOUT_MS", "x"),
        ] {
            let e = Config::load(None, &env(&[bad]), &Flags::default()).err();
            assert!(e.is_some(), "{bad:?}");
        }
    }

    #[test]
    fn unknown_file_keys_and_bad_addresses_are_errors() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let f = dir.path().join("q.toml");
        std::fs::write(&f, "listn = \"x\"\n").unwrap_or_else(|e| panic!("{e}"));
        assert!(Config::load(Some(&f), &[], &Flags::default()).is_err());
        assert!(
            Config::load(
                None,
                &[],
                &Flags {
                    listen: Some("nope".into()),
                    ..Default::default()
                }
            )
            .is_err()
        );
    }
}
