//! WeCom (企业微信) in: the tenant's connection settings and the callback accepted (verified,
//! decrypted, stored raw with its job in one transaction); [`crate::wecom_apply`] is the job
//! that maps each event onto members, groups, membership, events and the outbox.

pub use crate::wecom_apply::{apply, run_event_job};

use quanzi_channels::wecom::{self, AesKey, CallbackError, WecomEvent};
use quanzi_domain::{Invalid, TenantId};
use quanzi_store::jobs::{self, NewJob};
use quanzi_store::wecom::{self as repo, WecomConnection};
use quanzi_store::{Db, StoreError, inbound, now_ms};
use sha2::{Digest, Sha256};

use crate::server::ServerSettings;
use crate::{CoreError, Result};

/// Source name of WeCom callbacks in `inbound_event`.
pub const SOURCE: &str = "wecom";
/// Job that applies one stored callback.
pub const EVENT_JOB: &str = "wecom.event";
/// Job that pulls one customer group again (after a member-version gap).
pub const RESYNC_JOB: &str = "wecom.resync_group";
/// Job that pulls every customer, group and tag.
pub const SYNC_JOB: &str = "wecom.sync";

/// Registers the WeCom jobs with the worker: callbacks applied, groups and the whole
/// directory pulled.
pub fn register(registry: &mut crate::jobs::JobRegistry) {
    registry
        .add(EVENT_JOB, |ctx, c| Box::pin(run_event_job(ctx, c)))
        .add(RESYNC_JOB, |ctx, c| {
            Box::pin(crate::wecom_sync::run_resync_group(ctx, c))
        })
        .add(SYNC_JOB, |ctx, c| {
            Box::pin(crate::wecom_sync::run_full_sync(ctx, c))
        });
}
/// Name of the nightly sync schedule.
pub const NIGHTLY: &str = "wecom.nightly_sync";
/// When the nightly sync runs (Asia/Shanghai).
pub const NIGHTLY_CRON: &str = "0 3 * * *";
/// Event kind recorded when a customer deletes their WeCom contact (`del_follow_user`).
pub const CHURN_KIND: &str = "churn";
/// Event kind recorded when a staff member deletes a customer (`del_external_contact`).
pub const CONTACT_REMOVED_KIND: &str = "contact_removed";
/// Event kind recorded when a customer handover fails (`transfer_fail`).
pub const TRANSFER_FAILED_KIND: &str = "transfer_failed";
/// The custom event kinds WeCom callbacks record (each added to the tenant when first used).
pub const RECORDED_KINDS: [&str; 3] = [CHURN_KIND, CONTACT_REMOVED_KIND, TRANSFER_FAILED_KIND];

/// Why a callback was refused or could not be stored.
#[derive(Debug, thiserror::Error)]
pub enum WecomError {
    /// The tenant has no WeCom connection (or no such tenant).
    #[error("no WeCom connection for this tenant")]
    NotConfigured,
    /// Signature, key, padding, ReceiveId or envelope wrong: nothing stored.
    #[error(transparent)]
    Callback(#[from] CallbackError),
    /// The URL verification's echostr did not verify.
    #[error("url verification: {0}")]
    Verify(#[from] wecom::CryptoError),
    /// The `timestamp` is not a number of seconds within the server's window of now: an
    /// old callback replayed (or a clock far off). Nothing stored.
    #[error("timestamp is outside the accepted window of ±{0} s")]
    Stale(i64),
    /// The stored secrets do not open with the server key: not acknowledged, WeCom retries.
    #[error("{0}")]
    ServerKey(String),
    /// The store failed: the callback is not acknowledged, WeCom retries it.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Query parameters WeCom signs a callback with.
#[derive(Debug, Clone, Default)]
pub struct CallbackParams {
    /// `msg_signature`.
    pub msg_signature: String,
    /// `timestamp`.
    pub timestamp: String,
    /// `nonce`.
    pub nonce: String,
    /// `echostr` (URL verification only).
    pub echostr: String,
}

/// What the settings page shows of a connection: never the secrets in full.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ConnectionView {
    /// 企业ID.
    pub corp_id: String,
    /// The token's first and last characters.
    pub token_hint: String,
    /// The key's first and last characters.
    pub key_hint: String,
    /// An API secret is stored (for the sync).
    pub has_api_secret: bool,
}

/// `abc…xyz`, or `…` for short values.
pub fn hint(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    if chars.len() < 10 {
        return "…".into();
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 3..].iter().collect();
    format!("{head}…{tail}")
}

/// The connection as the settings page may show it.
pub async fn connection(
    db: &Db,
    srv: &ServerSettings,
    t: TenantId,
) -> Result<Option<ConnectionView>> {
    let Some(c) = repo::connection(db, t).await? else {
        return Ok(None);
    };
    let open = |v: &str| {
        srv.sealer
            .open(v)
            .map_err(|e| CoreError::ServerKey(e.to_string()))
    };
    Ok(Some(ConnectionView {
        token_hint: hint(&open(&c.token)?),
        key_hint: hint(&open(&c.encoding_aes_key)?),
        has_api_secret: c.api_secret.is_some(),
        corp_id: c.corp_id,
    }))
}

/// The settings form. Blank secret fields keep the stored values, so they never need to be
/// shown again. Its `Debug` shows the corp id only.
#[derive(Clone, Default, serde::Deserialize)]
pub struct ConnectionInput {
    /// 企业ID.
    pub corp_id: String,
    /// Callback Token (3–32 letters and digits).
    #[serde(default)]
    pub token: String,
    /// Callback EncodingAESKey (43 characters).
    #[serde(default)]
    pub encoding_aes_key: String,
    /// Customer-contact API secret (for the sync), optional.
    #[serde(default)]
    pub api_secret: String,
}

impl std::fmt::Debug for ConnectionInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectionInput")
            .field("corp_id", &self.corp_id)
            .finish_non_exhaustive()
    }
}

/// Validates and saves the connection (its secrets sealed with the server key), and
/// schedules the nightly sync.
pub async fn save_connection(
    db: &Db,
    srv: &ServerSettings,
    t: TenantId,
    input: ConnectionInput,
) -> Result<()> {
    let old = repo::connection(db, t).await?;
    let mut inv = Invalid(Vec::new());
    let corp_id = input.corp_id.trim().to_string();
    if corp_id.is_empty()
        || corp_id.len() > 64
        || !corp_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        inv.push("corp_id", "must be 1–64 letters, digits, - or _ (企业ID)");
    }
    let token = match (input.token.trim(), &old) {
        ("", Some(o)) => o.token.clone(),
        (tk, _) => {
            if !(3..=32).contains(&tk.len()) || !tk.chars().all(|c| c.is_ascii_alphanumeric()) {
                inv.push("token", "must be 3–32 letters or digits");
            }
            tk.to_string()
        }
    };
    let key = match (input.encoding_aes_key.trim(), &old) {
        ("", Some(o)) => o.encoding_aes_key.clone(),
        (k, _) => {
            if AesKey::from_encoding_aes_key(k).is_err() {
                inv.push(
                    "encoding_aes_key",
                    "must be the 43-character EncodingAESKey",
                );
            }
            k.to_string()
        }
    };
    // (value, typed now): a typed secret is sealed as it is, even if it looks sealed.
    let api_secret = match (input.api_secret.trim(), &old) {
        ("", Some(o)) => o.api_secret.clone().map(|s| (s, false)),
        ("", None) => None,
        (s, _) if s.len() > 128 || s.chars().any(char::is_whitespace) => {
            inv.push(
                "api_secret",
                "must be at most 128 characters without spaces",
            );
            None
        }
        (s, _) => Some((s.to_string(), true)),
    };
    if !inv.is_empty() {
        return Err(inv.into());
    }
    // Kept values are re-sealed too, so a value from before sealing is sealed on rewrite.
    let seal = |v: &str| {
        srv.sealer
            .reseal(v)
            .map_err(|e| CoreError::ServerKey(e.to_string()))
    };
    let (token, key) = (seal(&token)?, seal(&key)?);
    let api_secret = match api_secret {
        Some((s, true)) => Some(
            srv.sealer
                .seal(&s)
                .map_err(|e| CoreError::ServerKey(e.to_string()))?,
        ),
        Some((s, false)) => Some(seal(&s)?),
        None => None,
    };
    let now = now_ms();
    let mut tx = db.begin().await?;
    repo::put_connection(
        &mut tx,
        &WecomConnection {
            tenant_id: t.0,
            corp_id,
            token,
            encoding_aes_key: key,
            api_secret,
            updated_at_ms: now,
        },
    )
    .await?;
    let next = crate::schedule::next_after(NIGHTLY_CRON, now).unwrap_or(now + 86_400_000);
    let payload = serde_json::json!({});
    jobs::put_schedule(&mut tx, t, NIGHTLY, NIGHTLY_CRON, SYNC_JOB, &payload, next).await?;
    tx.commit().await?;
    Ok(())
}

/// Asks for a full sync now (the Settings button).
pub async fn request_sync(db: &Db, t: TenantId) -> Result<Option<i64>> {
    if repo::connection(db, t).await?.is_none() {
        return Err(CoreError::NotFound("wecom connection"));
    }
    let mut job = NewJob::new(SYNC_JOB, serde_json::json!({}), now_ms());
    job.singleton_key = Some(SYNC_JOB.into());
    crate::jobs::enqueue(db, t, &job).await
}

/// The connection with its secrets opened, and its AES key; refuses a stale `timestamp`.
async fn key_of(
    db: &Db,
    srv: &ServerSettings,
    t: TenantId,
    p: &CallbackParams,
) -> std::result::Result<(WecomConnection, AesKey), WecomError> {
    check_window(srv, &p.timestamp, now_ms())?;
    let mut c = repo::connection(db, t)
        .await?
        .ok_or(WecomError::NotConfigured)?;
    let open = |v: &str| {
        srv.sealer
            .open(v)
            .map_err(|e| WecomError::ServerKey(e.to_string()))
    };
    c.token = open(&c.token)?;
    c.encoding_aes_key = open(&c.encoding_aes_key)?;
    c.api_secret = None;
    let key = AesKey::from_encoding_aes_key(&c.encoding_aes_key).map_err(WecomError::Verify)?;
    Ok((c, key))
}

/// Refuses a callback whose `timestamp` (unix seconds) is not within the server's window of
/// `now_ms`, so a captured callback cannot be replayed later.
pub fn check_window(
    srv: &ServerSettings,
    timestamp: &str,
    now_ms: i64,
) -> std::result::Result<(), WecomError> {
    let window = srv.wecom_callback_window_secs;
    match timestamp.trim().parse::<i64>() {
        Ok(ts) if ts.saturating_sub(now_ms / 1000).saturating_abs() <= window => Ok(()),
        _ => Err(WecomError::Stale(window)),
    }
}

/// GET URL verification: checks the timestamp window and the signature over the echostr, decrypts it (checking the
/// ReceiveId) and returns the plaintext to answer.
pub async fn verify_url(
    db: &Db,
    srv: &ServerSettings,
    t: TenantId,
    p: &CallbackParams,
) -> std::result::Result<String, WecomError> {
    let (c, key) = key_of(db, srv, t, p).await?;
    Ok(wecom::verify_url(
        &c.token,
        &key,
        &c.corp_id,
        &p.msg_signature,
        &p.timestamp,
        &p.nonce,
        &p.echostr,
    )?)
}

/// POSTed callback: within the timestamp window, verified and decrypted, then stored with its job in one transaction.
/// Returns true when it was new, false for a redelivery (acknowledged, not enqueued again).
pub async fn receive(
    db: &Db,
    srv: &ServerSettings,
    t: TenantId,
    p: &CallbackParams,
    body: &str,
) -> std::result::Result<bool, WecomError> {
    let (c, key) = key_of(db, srv, t, p).await?;
    let xml = wecom::open_callback(
        &c.token,
        &key,
        &c.corp_id,
        &p.msg_signature,
        &p.timestamp,
        &p.nonce,
        body,
    )?;
    // An authentic event that does not parse is kept too; its job records why it failed.
    let dedupe = match WecomEvent::parse(&xml) {
        Ok(e) => e.dedupe_key,
        Err(_) => hex::encode(Sha256::digest(xml.as_bytes())),
    };
    let now = now_ms();
    let mut tx = db.begin().await?;
    let Some(id) = inbound::insert(&mut tx, t, SOURCE, &dedupe, &xml, now).await? else {
        return Ok(false);
    };
    let mut job = NewJob::new(
        EVENT_JOB,
        serde_json::json!({ "inbound_event_id": id }),
        now,
    );
    job.max_attempts = 10;
    jobs::enqueue(&mut tx, t, &job, now).await?;
    tx.commit().await?;
    Ok(true)
}
