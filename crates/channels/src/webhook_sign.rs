//! Signatures of Quanzi's outbound webhooks, in Stripe's style: the header
//! `Quanzi-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`, with one
//! `v1` per active secret while a secret is being rotated, and the check a receiver runs.

use hmac::digest::{Key, KeyInit};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The HTTP header that carries the signature.
pub const SIGNATURE_HEADER: &str = "Quanzi-Signature";
/// How far a receiver lets the signed time be from its clock by default (5 minutes).
pub const DEFAULT_TOLERANCE_SECS: u64 = 300;
/// The longest header [`verify`] reads.
const MAX_HEADER_LEN: usize = 4096;
/// The most `v1` entries [`verify`] compares.
const MAX_SIGNATURES: usize = 8;
/// A `v1` entry: hex of a 32-byte HMAC-SHA256.
const SIGNATURE_HEX_LEN: usize = 64;

/// Why a webhook signature was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    /// The header is not `t=<unix>,v1=<hex>[,v1=<hex>…]`.
    #[error("malformed {SIGNATURE_HEADER} header: {0}")]
    MalformedHeader(&'static str),
    /// The receiver has no secret to check with.
    #[error("no webhook secret is configured")]
    NoSecrets,
    /// The signed time is too far from now: a replay, or a clock far off.
    #[error(
        "the signature's timestamp {timestamp} is more than {tolerance_secs} s from now ({now})"
    )]
    OutsideTolerance {
        /// The signed time.
        timestamp: i64,
        /// The receiver's time.
        now: i64,
        /// The tolerance used.
        tolerance_secs: u64,
    },
    /// No `v1` matches any of the secrets: a wrong secret or an altered body.
    #[error("no signature matches (wrong secret, or the body was altered)")]
    NoMatch,
}

/// The hex HMAC-SHA256 of `"<timestamp>.<body>"` under `secret`.
pub fn sign(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    hex::encode(mac(secret, timestamp, body))
}

/// The header value for a delivery: `t=<timestamp>` and one `v1=` per secret (the new secret
/// first, then the old one until its overlap window ends).
pub fn signature_header<S: AsRef<[u8]>>(secrets: &[S], timestamp: i64, body: &[u8]) -> String {
    let mut header = format!("t={timestamp}");
    for secret in secrets {
        header.push_str(",v1=");
        header.push_str(&sign(secret.as_ref(), timestamp, body));
    }
    header
}

/// Checks a header against the body as received, for a receiver holding `secrets` (several
/// during a rotation): the timestamp must be within `tolerance_secs` of `now` (Unix seconds)
/// and one `v1` must match one secret (compared in constant time). Returns the signed time.
pub fn verify<S: AsRef<[u8]>>(
    header: &str,
    body: &[u8],
    secrets: &[S],
    now: i64,
    tolerance_secs: u64,
) -> Result<i64, WebhookError> {
    let (timestamp, signatures) = parse_header(header)?;
    if secrets.is_empty() {
        return Err(WebhookError::NoSecrets);
    }
    if now.abs_diff(timestamp) > tolerance_secs {
        return Err(WebhookError::OutsideTolerance {
            timestamp,
            now,
            tolerance_secs,
        });
    }
    for secret in secrets {
        let expected = mac(secret.as_ref(), timestamp, body);
        if signatures
            .iter()
            .any(|given| bool::from(given.ct_eq(&expected)))
        {
            return Ok(timestamp);
        }
    }
    Err(WebhookError::NoMatch)
}

/// Reads `t=` (exactly once) and the `v1=` entries; other schemes are ignored as Stripe does.
fn parse_header(header: &str) -> Result<(i64, Vec<[u8; 32]>), WebhookError> {
    if header.len() > MAX_HEADER_LEN {
        return Err(WebhookError::MalformedHeader("too long"));
    }
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for item in header.split(',') {
        let Some((k, v)) = item.trim().split_once('=') else {
            return Err(WebhookError::MalformedHeader("an entry is not key=value"));
        };
        match k.trim() {
            "t" => {
                if timestamp.is_some() {
                    return Err(WebhookError::MalformedHeader("more than one t="));
                }
                let t = v
                    .trim()
                    .parse::<i64>()
                    .map_err(|_| WebhookError::MalformedHeader("t= is not Unix seconds"))?;
                timestamp = Some(t);
            }
            "v1" => {
                let v = v.trim();
                let mut sig = [0u8; 32];
                if v.len() != SIGNATURE_HEX_LEN || hex::decode_to_slice(v, &mut sig).is_err() {
                    return Err(WebhookError::MalformedHeader("v1= is not 64 hex digits"));
                }
                if signatures.len() == MAX_SIGNATURES {
                    return Err(WebhookError::MalformedHeader("too many v1= entries"));
                }
                signatures.push(sig);
            }
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(WebhookError::MalformedHeader("no t="))?;
    if signatures.is_empty() {
        return Err(WebhookError::MalformedHeader("no v1="));
    }
    Ok((timestamp, signatures))
}

/// HMAC-SHA256 over `"<timestamp>.<body>"`.
fn mac(secret: &[u8], timestamp: i64, body: &[u8]) -> [u8; 32] {
    let mut mac = keyed(secret);
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.finalize().into_bytes().into()
}

/// HMAC keyed as RFC 2104 says (a key longer than the 64-byte block is hashed first, a
/// shorter one zero-padded), built from the block-sized key so that no fallible constructor
/// is needed.
fn keyed(secret: &[u8]) -> Hmac<Sha256> {
    let mut key = Key::<Hmac<Sha256>>::default();
    if secret.len() > key.len() {
        let digest = Sha256::digest(secret);
        key[..digest.len()].copy_from_slice(&digest);
    } else {
        key[..secret.len()].copy_from_slice(secret);
    }
    <Hmac<Sha256> as KeyInit>::new(&key)
}

#[cfg(test)]
mod tests;
