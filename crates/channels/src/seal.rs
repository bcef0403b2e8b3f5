//! Secrets at rest: AES-256-GCM sealing with the server key, as `v1:<key id>:<base64>` text.
//!
//! A sealed value names the key that sealed it, so a wrong key fails with a clear error
//! (never a panic, never garbage), and a [`Sealer`] can hold older keys during a rotation.
//! Values without the `v1:` prefix are plaintext from before sealing and read as they are.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};

/// The prefix of a sealed value (its format version).
pub const PREFIX: &str = "v1:";
const NONCE_LEN: usize = 12;

/// Why a key could not be made or a value opened. Never carries key material or plaintext.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    /// The value was sealed with a key this server does not hold.
    #[error(
        "a stored secret was sealed with server key {found}, but this server holds {held}: \
         start it with the key file that sealed it"
    )]
    UnknownKey {
        /// Id of the key that sealed the value.
        found: String,
        /// Ids of the keys held.
        held: String,
    },
    /// The value is not a well-formed sealed value, or was altered.
    #[error("a stored secret is damaged (it does not open with its key)")]
    Damaged,
    /// A key file's text is not 64 hex digits.
    #[error("a server key must be 64 hex digits (32 bytes)")]
    BadKey,
    /// The operating system gave no randomness.
    #[error("no randomness from the operating system")]
    NoRandomness,
}

/// A 256-bit server key. Its `Debug` shows only its id.
#[derive(Clone, PartialEq, Eq)]
pub struct ServerKey([u8; 32]);

impl std::fmt::Debug for ServerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ServerKey({})", self.id())
    }
}

impl ServerKey {
    /// A new random key.
    pub fn generate() -> Result<ServerKey, SealError> {
        let mut b = [0u8; 32];
        getrandom::fill(&mut b).map_err(|_| SealError::NoRandomness)?;
        Ok(ServerKey(b))
    }

    /// Reads a key file's text: 64 hex digits, surrounding whitespace ignored.
    pub fn from_hex(text: &str) -> Result<ServerKey, SealError> {
        let bytes = hex::decode(text.trim()).map_err(|_| SealError::BadKey)?;
        let key: [u8; 32] = bytes.try_into().map_err(|_| SealError::BadKey)?;
        Ok(ServerKey(key))
    }

    /// The key as a key file holds it (64 hex digits and a newline).
    pub fn to_hex(&self) -> String {
        format!("{}\n", hex::encode(self.0))
    }

    /// A short public id of the key (8 hex digits of a hash), safe to show and log.
    pub fn id(&self) -> String {
        let mut h = Sha256::new();
        h.update(b"quanzi-server-key-id");
        h.update(self.0);
        hex::encode(&h.finalize()[..4])
    }
}

/// Seals with the current key; opens with the current key or an older one.
#[derive(Debug, Clone)]
pub struct Sealer {
    current: ServerKey,
    older: Vec<ServerKey>,
}

/// True when `value` is sealed (not plaintext from before sealing).
pub fn is_sealed(value: &str) -> bool {
    value.starts_with(PREFIX)
}

impl Sealer {
    /// A sealer over one key.
    pub fn new(current: ServerKey) -> Sealer {
        Sealer {
            current,
            older: Vec::new(),
        }
    }

    /// Also opens values sealed with `key` (during a rotation).
    pub fn with_older(mut self, key: ServerKey) -> Sealer {
        if key != self.current && !self.older.contains(&key) {
            self.older.push(key);
        }
        self
    }

    /// Also opens everything `other` opens (a rotation from `other` to this key).
    pub fn with_older_ring(self, other: &Sealer) -> Sealer {
        std::iter::once(&other.current)
            .chain(&other.older)
            .fold(self, |s, k| s.with_older(k.clone()))
    }

    /// The id of the key new values are sealed with.
    pub fn current_id(&self) -> String {
        self.current.id()
    }

    /// Seals `plain` with the current key and a fresh random nonce.
    pub fn seal(&self, plain: &str) -> Result<String, SealError> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).map_err(|_| SealError::NoRandomness)?;
        let cipher = Aes256Gcm::new((&self.current.0).into());
        let sealed = cipher
            .encrypt(Nonce::from_slice(&nonce), plain.as_bytes())
            .map_err(|_| SealError::Damaged)?;
        let mut body = nonce.to_vec();
        body.extend_from_slice(&sealed);
        Ok(format!(
            "{PREFIX}{}:{}",
            self.current.id(),
            STANDARD.encode(body)
        ))
    }

    /// Opens a stored value: a sealed one with the key it names, plaintext as it is.
    pub fn open(&self, stored: &str) -> Result<String, SealError> {
        let Some(rest) = stored.strip_prefix(PREFIX) else {
            return Ok(stored.to_string());
        };
        let (id, b64) = rest.split_once(':').ok_or(SealError::Damaged)?;
        let key = std::iter::once(&self.current)
            .chain(&self.older)
            .find(|k| k.id() == id)
            .ok_or_else(|| SealError::UnknownKey {
                found: id.to_string(),
                held: std::iter::once(&self.current)
                    .chain(&self.older)
                    .map(ServerKey::id)
                    .collect::<Vec<_>>()
                    .join(", "),
            })?;
        let body = STANDARD.decode(b64).map_err(|_| SealError::Damaged)?;
        if body.len() < NONCE_LEN {
            return Err(SealError::Damaged);
        }
        let (nonce, sealed) = body.split_at(NONCE_LEN);
        let plain = Aes256Gcm::new((&key.0).into())
            .decrypt(Nonce::from_slice(nonce), sealed)
            .map_err(|_| SealError::Damaged)?;
        String::from_utf8(plain).map_err(|_| SealError::Damaged)
    }

    /// Opens an optional stored value.
    pub fn open_opt(&self, stored: Option<&str>) -> Result<Option<String>, SealError> {
        stored.map(|s| self.open(s)).transpose()
    }

    /// The stored value sealed with the current key (opened first when sealed otherwise).
    pub fn reseal(&self, stored: &str) -> Result<String, SealError> {
        self.seal(&self.open(stored)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> ServerKey {
        ServerKey::generate().unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_sealed_value_opens_with_its_key_and_never_shows_the_plaintext() {
        let s = Sealer::new(key());
        let sealed = s.seal("corp-secret-123").unwrap_or_else(|e| panic!("{e}"));
        assert!(sealed.starts_with(PREFIX));
        assert!(!sealed.contains("corp-secret-123"));
        assert_ne!(sealed, s.seal("corp-secret-123").unwrap_or_default());
        assert_eq!(s.open(&sealed).unwrap_or_default(), "corp-secret-123");
        assert_eq!(s.open("plain-old").unwrap_or_default(), "plain-old");
    }

    #[test]
    fn a_wrong_key_or_an_altered_value_fails_clearly() {
        let a = Sealer::new(key());
        let b = Sealer::new(key());
        let sealed = a.seal("x").unwrap_or_else(|e| panic!("{e}"));
        let e = b.open(&sealed).err();
        assert!(matches!(e, Some(SealError::UnknownKey { .. })), "{e:?}");
        let mut altered = sealed.clone();
        altered.pop();
        altered.push(if sealed.ends_with('A') { 'B' } else { 'A' });
        assert!(a.open(&altered).is_err());
        assert_eq!(a.open("v1:nope").err(), Some(SealError::Damaged));
        // After a rotation, the old key still opens what it sealed.
        let old = key();
        let sealed = Sealer::new(old.clone()).seal("y").unwrap_or_default();
        let ring = Sealer::new(key()).with_older(old);
        assert_eq!(ring.open(&sealed).unwrap_or_default(), "y");
    }

    #[test]
    fn a_key_file_round_trips_and_bad_text_is_refused() {
        let k = key();
        assert_eq!(ServerKey::from_hex(&k.to_hex()).ok(), Some(k.clone()));
        assert_eq!(ServerKey::from_hex("abc").err(), Some(SealError::BadKey));
        assert!(!format!("{k:?}").contains(&k.to_hex()[..16]));
    }
}
