//! Login throttling: failures counted per account *and* client address, and per address, in
//! the store; after a few free failures each one doubles the wait, up to a cap.
//!
//! An account's counter is keyed by the address too, so someone failing against an account
//! from one address never delays its owner logging in from another. An address's own counter
//! (with more free failures, since many people can share one address) slows one address trying
//! many accounts. A correct password clears the account's counter from that address only: an
//! address cannot wipe its own record by logging into an account it holds.

use std::net::IpAddr;

use quanzi_store::Db;
use quanzi_store::login_throttle as repo;

use crate::Result;
use crate::access::{self, Login, sha256_hex};

/// How fast the wait grows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// Failures of an account from one address before any wait.
    pub free_failures: i64,
    /// Failures of one address (any accounts) before any wait.
    pub address_free_failures: i64,
    /// The first wait, ms; each further failure doubles it.
    pub base_delay_ms: i64,
    /// The longest wait, ms.
    pub max_delay_ms: i64,
    /// A counter whose last failure is older than this starts over, ms.
    pub forget_after_ms: i64,
}

impl Default for ThrottlePolicy {
    /// 5 free failures per account and address (20 per address), then 1 s doubling up to
    /// 15 minutes; counters forgotten a day after their last failure.
    fn default() -> Self {
        ThrottlePolicy {
            free_failures: 5,
            address_free_failures: 20,
            base_delay_ms: 1_000,
            max_delay_ms: 15 * 60 * 1_000,
            forget_after_ms: 24 * 3_600 * 1_000,
        }
    }
}

impl ThrottlePolicy {
    /// The wait after the `failures`-th failure when `free` are allowed without one.
    pub fn delay_ms(&self, failures: i64, free: i64) -> i64 {
        if failures < free.max(1) {
            return 0;
        }
        let doublings = (failures - free.max(1)).clamp(0, 40) as u32;
        self.base_delay_ms
            .max(0)
            .saturating_mul(1_i64 << doublings)
            .min(self.max_delay_ms.max(0))
    }
}

/// What became of a login attempt.
pub enum LoginOutcome {
    /// Correct: a new session.
    LoggedIn(Box<Login>),
    /// Wrong email or password (counted).
    WrongPassword,
    /// Not tried: this account from this address, or this address, must wait.
    Refused {
        /// Seconds to wait before trying again (at least 1).
        retry_after_secs: u64,
    },
}

impl std::fmt::Debug for LoginOutcome {
    // By hand, so the session token never reaches a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoginOutcome::LoggedIn(l) => write!(f, "LoggedIn(operator {})", l.session.operator_id),
            LoginOutcome::WrongPassword => write!(f, "WrongPassword"),
            LoginOutcome::Refused { retry_after_secs } => {
                write!(f, "Refused {{ retry_after_secs: {retry_after_secs} }}")
            }
        }
    }
}

/// The address as counted: IPv4 whole, IPv6 by its /64 (one subscriber's whole network).
pub fn address_of(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

fn account_key(email: &str, ip: IpAddr) -> String {
    let email = email.trim().to_lowercase();
    format!("account:{}@{}", sha256_hex(&email), address_of(ip))
}

fn address_key(ip: IpAddr) -> String {
    format!("address:{}", address_of(ip))
}

/// The lock of `key`'s attempts in this process (forgotten when no attempt holds it).
fn in_turn(key: &str) -> std::sync::Arc<tokio::sync::Mutex<()>> {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex, OnceLock};
    static TURNS: OnceLock<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>> = OnceLock::new();
    let mut turns = TURNS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    turns.retain(|_, t| Arc::strong_count(t) > 1);
    turns.entry(key.to_string()).or_default().clone()
}

/// Seconds until `email` may try again from `ip` (`None`: now).
pub async fn wait(db: &Db, email: &str, ip: IpAddr, now_ms: i64) -> Result<Option<u64>> {
    let (account, address) = (account_key(email, ip), address_key(ip));
    let rows = repo::get(db, &[&account, &address]).await?;
    let until = rows.iter().map(|r| r.blocked_until_ms).max().unwrap_or(0);
    Ok((until > now_ms).then(|| ((until - now_ms) as u64).div_ceil(1_000).max(1)))
}

/// Logs `email` in from `ip` unless it must wait; counts a wrong password against the account
/// from this address and against the address, and clears the former on success.
#[tracing::instrument(skip(db, policy, password), fields(address = %address_of(ip)))]
pub async fn login(
    db: &Db,
    policy: &ThrottlePolicy,
    email: &str,
    password: &str,
    ip: IpAddr,
    now_ms: i64,
) -> Result<LoginOutcome> {
    let (account, address) = (account_key(email, ip), address_key(ip));
    // Attempts on one account from one address run one at a time, so guesses sent at once
    // each see the failures recorded before them instead of all passing the check together.
    let turn = in_turn(&account);
    let _turn = turn.lock().await;
    if let Some(retry_after_secs) = wait(db, email, ip, now_ms).await? {
        return Ok(LoginOutcome::Refused { retry_after_secs });
    }
    match access::login(db, email, password).await {
        Ok(l) => {
            repo::clear(db, &account).await?;
            Ok(LoginOutcome::LoggedIn(Box::new(l)))
        }
        Err(crate::CoreError::BadCredentials) => {
            let forget = now_ms - policy.forget_after_ms;
            for (key, free) in [
                (&account, policy.free_failures),
                (&address, policy.address_free_failures),
            ] {
                repo::record_failure(db, key, now_ms, forget, |n| {
                    now_ms + policy.delay_ms(n, free)
                })
                .await?;
            }
            // Old counters go now and then, so the table stays the size of recent trouble.
            if now_ms % 64 == 0 {
                repo::sweep(db, forget).await?;
            }
            tracing::info!("login failed");
            Ok(LoginOutcome::WrongPassword)
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_start_after_the_free_failures_double_and_stop_at_the_cap() {
        let p = ThrottlePolicy::default();
        let d: Vec<i64> = (1..=16).map(|n| p.delay_ms(n, 5)).collect();
        assert_eq!(&d[..4], &[0, 0, 0, 0]);
        assert_eq!(&d[4..8], &[1_000, 2_000, 4_000, 8_000]);
        assert_eq!(d[15], 900_000);
        assert_eq!(p.delay_ms(i64::MAX, 5), 900_000);
    }

    #[test]
    fn an_ipv6_address_counts_by_its_64_network() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1"
            .parse()
            .unwrap_or_else(|e| panic!("{e}"));
        let b: IpAddr = "2001:db8:1:2:bbbb::9"
            .parse()
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(address_of(a), address_of(b));
        let v4: IpAddr = "::ffff:10.1.2.3".parse().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(address_of(v4), "10.1.2.3");
    }
}
