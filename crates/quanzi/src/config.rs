//! Layered configuration: defaults ← `quanzi.toml` ← `QUANZI_*` environment ← flags.

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
        if cfg.listen.parse::<std::net::SocketAddr>().is_err() {
            anyhow::bail!(
                "listen: {:?} is not an address like 127.0.0.1:8080",
                cfg.listen
            );
        }
        cfg.limits.check()?;
        Ok((cfg, warnings))
    }

    /// The config as TOML with the database password masked.
    pub fn show(&self) -> String {
        let mut c = self.clone();
        c.database_url = mask_url(&c.database_url);
        toml::to_string(&c).unwrap_or_default()
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
