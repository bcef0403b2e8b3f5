//! Signed short tokens of the member pages (OAuth `state`, member links, visitor cookies):
//! `<base64url(payload)>.<base64url(HMAC-SHA256(secret, purpose || 0x00 || payload))>`, no
//! padding. The purpose separates the uses, so a token made for one is refused by another.
//!
//! Tokens are signed, not encrypted: anyone holding one can read its payload.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::digest::{Key, KeyInit};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// The longest token [`open`] reads (a cookie's worth); longer ones are malformed.
const MAX_TOKEN_LEN: usize = 4096;

/// Why a token was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignedError {
    /// Not `<base64url>.<base64url of 32 bytes>`, or too long.
    #[error("malformed signed token")]
    Malformed,
    /// Well formed, but not signed with this secret for this purpose (or altered since).
    #[error("the token's signature does not match")]
    Forged,
}

/// Signs `payload` for `purpose` (domain separation, e.g. "member-link", "oauth-state") →
/// `"<base64url(payload)>.<base64url(mac)>"` where mac = HMAC(secret, purpose || 0x00 ||
/// payload). No padding.
///
/// Any UTF-8 payload works, '.' included (base64url never produces one). `purpose` must not
/// contain NUL, which separates it from the payload; purposes are constants of the callers.
/// [`open`] reads tokens of up to 4096 bytes: keep payloads under about 3,000 bytes.
pub fn sign(secret: &[u8], purpose: &str, payload: &str) -> String {
    let tag = mac(secret, purpose, payload.as_bytes())
        .finalize()
        .into_bytes();
    format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(payload),
        URL_SAFE_NO_PAD.encode(tag)
    )
}

/// The payload of a token signed by [`sign`] with the same secret and purpose; the MAC is
/// compared in constant time. [`SignedError::Malformed`] for what is not a token at all,
/// [`SignedError::Forged`] for a token of another secret or purpose, or an altered one.
pub fn open(secret: &[u8], purpose: &str, token: &str) -> Result<String, SignedError> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(SignedError::Malformed);
    }
    let (payload, tag) = token.split_once('.').ok_or(SignedError::Malformed)?;
    let payload = URL_SAFE_NO_PAD
        .decode(payload)
        .map_err(|_| SignedError::Malformed)?;
    let tag = URL_SAFE_NO_PAD
        .decode(tag)
        .map_err(|_| SignedError::Malformed)?;
    if tag.len() != 32 {
        return Err(SignedError::Malformed);
    }
    mac(secret, purpose, &payload)
        .verify_slice(&tag)
        .map_err(|_| SignedError::Forged)?;
    // Only `sign` makes a matching MAC, and it signs UTF-8.
    String::from_utf8(payload).map_err(|_| SignedError::Malformed)
}

/// The MAC over `purpose || 0x00 || payload`, before finalizing.
fn mac(secret: &[u8], purpose: &str, payload: &[u8]) -> Hmac<Sha256> {
    let mut mac = keyed(secret);
    mac.update(purpose.as_bytes());
    mac.update(&[0]);
    mac.update(payload);
    mac
}

/// HMAC keyed as RFC 2104 says (a key longer than the 64-byte block is hashed first, a
/// shorter one zero-padded), built from the block-sized key so that no fallible constructor
/// is needed (as in `webhook_sign`).
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
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use proptest::prelude::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    /// The token with byte `i` of its decoded part `part` (0 payload, 1 MAC) flipped.
    fn flipped(token: &str, part: usize, i: usize) -> String {
        let mut parts: Vec<Vec<u8>> = token
            .split('.')
            .map(|p| URL_SAFE_NO_PAD.decode(p).unwrap())
            .collect();
        parts[part][i] ^= 0x01;
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(&parts[0]),
            URL_SAFE_NO_PAD.encode(&parts[1])
        )
    }

    #[test]
    fn a_signed_payload_opens_with_the_same_secret_and_purpose() {
        let token = sign(SECRET, "member-link", "42:7:1700000000000");
        assert_eq!(
            open(SECRET, "member-link", &token).unwrap(),
            "42:7:1700000000000"
        );
        assert_eq!(token.matches('.').count(), 1, "{token}");
        assert!(!token.contains('='), "no padding: {token}");
    }

    #[test]
    fn the_token_is_the_payload_and_the_documented_mac_in_base64url() {
        let token = sign(SECRET, "p", "hi");
        let mut expected = <Hmac<Sha256> as KeyInit>::new_from_slice(SECRET).unwrap();
        expected.update(b"p\0hi");
        let tag = URL_SAFE_NO_PAD.encode(expected.finalize().into_bytes());
        assert_eq!(token, format!("aGk.{tag}"));
    }

    #[test]
    fn a_long_secret_signs_as_its_digest_does_in_rfc_2104() {
        let long = [7u8; 100];
        let token = sign(&long, "p", "x");
        let mut expected = <Hmac<Sha256> as KeyInit>::new_from_slice(&long).unwrap();
        expected.update(b"p\0x");
        let tag = URL_SAFE_NO_PAD.encode(expected.finalize().into_bytes());
        assert_eq!(token.split('.').nth(1).unwrap(), tag);
    }

    #[test]
    fn a_flipped_byte_another_purpose_or_another_secret_is_forged() {
        let token = sign(SECRET, "oauth-state", "1:abc:/h5/t/acme");
        assert_eq!(
            open(SECRET, "oauth-state", &flipped(&token, 0, 0)),
            Err(SignedError::Forged)
        );
        assert_eq!(
            open(SECRET, "oauth-state", &flipped(&token, 1, 31)),
            Err(SignedError::Forged)
        );
        assert_eq!(
            open(SECRET, "member-link", &token),
            Err(SignedError::Forged)
        );
        assert_eq!(
            open(b"another secret", "oauth-state", &token),
            Err(SignedError::Forged)
        );
    }

    #[test]
    fn the_purpose_and_the_payload_cannot_trade_bytes() {
        // Without the NUL between them, ("ab", "c") and ("a", "bc") would sign the same bytes.
        let token = sign(SECRET, "ab", "c");
        let moved = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode("bc"),
            token.split('.').nth(1).unwrap()
        );
        assert_eq!(open(SECRET, "a", &moved), Err(SignedError::Forged));
    }

    #[test]
    fn garbage_is_malformed() {
        for garbage in [
            "",
            "no-dot",
            "a.b.c",
            "!!!.???",
            "aGk.c2hvcnQ",
            &"a".repeat(5000),
        ] {
            assert_eq!(
                open(SECRET, "p", garbage),
                Err(SignedError::Malformed),
                "{garbage:.20}"
            );
        }
    }

    proptest! {
        #[test]
        fn what_is_signed_opens_to_itself(payload in "[^.]{0,200}", purpose in "[a-z-]{1,20}") {
            let token = sign(SECRET, &purpose, &payload);
            prop_assert_eq!(open(SECRET, &purpose, &token), Ok(payload));
        }

        #[test]
        fn any_payload_opens_to_itself_dots_included(payload in any::<String>()) {
            let token = sign(SECRET, "p", &payload);
            prop_assert_eq!(open(SECRET, "p", &token), Ok(payload));
        }
    }
}
