//! WeCom callback crypto (企业微信回调加解密): the SHA-1 `msg_signature`, the AES key from the
//! EncodingAESKey, AES-256-CBC with WeCom's 32-byte PKCS#7 padding, and the
//! `random(16) + length(4) + message + ReceiveId` plaintext layout.
//!
//! The signature is always checked before anything is decrypted, so an unauthenticated caller
//! never learns whether a padding or a length was wrong (no padding oracle).

use std::fmt;

use aes::Aes256;
use base64::Engine as _;
use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use cbc::cipher::block_padding::NoPadding;
use cbc::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use sha1::{Digest, Sha1};
use subtle::ConstantTimeEq;

/// WeCom pads the plaintext to a multiple of this many bytes (not AES's 16).
const PAD_BLOCK: usize = 32;
/// The random prefix of every plaintext.
const RANDOM_LEN: usize = 16;
/// The prefix before the message: random bytes and the 4-byte big-endian message length.
const HEADER_LEN: usize = RANDOM_LEN + 4;
/// The length of an EncodingAESKey.
const ENCODING_AES_KEY_LEN: usize = 43;
/// How much of a foreign ReceiveId an error message repeats.
const SHOWN_RECEIVE_ID_CHARS: usize = 64;

/// The EncodingAESKey is 43 Base64 characters whose last one carries 2 unused bits that WeCom
/// fills at random, so its decoding must allow non-zero trailing bits.
const KEY_ENGINE: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true),
);

/// Why a WeCom callback could not be verified, decrypted or encrypted. The HTTP layer answers
/// every variant with a 4xx (see [`CryptoError::code`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// `msg_signature` is not the SHA-1 of the sorted token, timestamp, nonce and ciphertext:
    /// a wrong token, or a forged or altered request.
    #[error("msg_signature does not match (wrong token, or the request was altered)")]
    BadSignature,
    /// The configured EncodingAESKey is unusable.
    #[error("EncodingAESKey {0}")]
    BadKey(&'static str),
    /// The ciphertext (`Encrypt` or `echostr`) is not Base64.
    #[error("the ciphertext is not valid Base64")]
    BadBase64,
    /// The decrypted padding is not WeCom's PKCS#7 (pad value 1..=32, all pad bytes equal):
    /// a wrong EncodingAESKey or an altered ciphertext.
    #[error("bad PKCS#7 padding after decryption (wrong EncodingAESKey, or altered ciphertext)")]
    BadPadding,
    /// A length does not add up: the ciphertext is not whole AES blocks, or the plaintext is
    /// shorter than its header or than the message length it announces.
    #[error("bad length: {0}")]
    BadLength(&'static str),
    /// The ReceiveId after the message is not the expected corp id: the callback was encrypted
    /// for another corp (or another app) with the same key.
    #[error("ReceiveId `{found}` is not the expected corp id")]
    WrongReceiveId {
        /// The ReceiveId found (at most 64 characters of it, lossily decoded).
        found: String,
    },
    /// The decrypted message is not UTF-8.
    #[error("the decrypted message is not UTF-8")]
    NotUtf8,
}

impl CryptoError {
    /// A stable machine-readable code for the API's error table.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadSignature => "wecom_bad_signature",
            Self::BadKey(_) => "wecom_bad_key",
            Self::BadBase64 => "wecom_bad_base64",
            Self::BadPadding => "wecom_bad_padding",
            Self::BadLength(_) => "wecom_bad_length",
            Self::WrongReceiveId { .. } => "wecom_wrong_receive_id",
            Self::NotUtf8 => "wecom_not_utf8",
        }
    }
}

/// The 32-byte AES key decoded from a tenant's EncodingAESKey. Its `Debug` never shows the key.
#[derive(Clone, PartialEq, Eq)]
pub struct AesKey([u8; 32]);

impl AesKey {
    /// Decodes an EncodingAESKey: exactly 43 Base64 characters, `Base64(key + "=")` = 32 bytes.
    pub fn from_encoding_aes_key(encoding_aes_key: &str) -> Result<Self, CryptoError> {
        let trimmed = encoding_aes_key.trim();
        if trimmed.len() != ENCODING_AES_KEY_LEN {
            return Err(CryptoError::BadKey("must be exactly 43 characters"));
        }
        let mut padded = String::with_capacity(ENCODING_AES_KEY_LEN + 1);
        padded.push_str(trimmed);
        padded.push('=');
        let bytes = KEY_ENGINE
            .decode(padded.as_bytes())
            .map_err(|_| CryptoError::BadKey("is not valid Base64 (A-Z, a-z, 0-9, + and /)"))?;
        let key: [u8; 32] = bytes
            .try_into()
            .map_err(|_| CryptoError::BadKey("does not decode to 32 bytes"))?;
        Ok(Self(key))
    }

    /// The IV: WeCom uses the key's first 16 bytes.
    fn iv(&self) -> &[u8] {
        &self.0[..16]
    }
}

impl fmt::Debug for AesKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AesKey(<redacted>)")
    }
}

/// A message encrypted for WeCom: the Base64 ciphertext and its `msg_signature`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncryptedMessage {
    /// The Base64 ciphertext (the `Encrypt` element).
    pub encrypt: String,
    /// The hex SHA-1 signature over token, timestamp, nonce and `encrypt`.
    pub msg_signature: String,
}

/// The `msg_signature` of a request: hex(SHA-1(the four strings sorted and concatenated)).
pub fn signature(token: &str, timestamp: &str, nonce: &str, encrypt: &str) -> String {
    let mut parts = [token, timestamp, nonce, encrypt];
    parts.sort_unstable();
    let mut sha = Sha1::new();
    for part in parts {
        sha.update(part.as_bytes());
    }
    hex::encode(sha.finalize())
}

/// Checks `msg_signature` in constant time (ASCII case of the hex digits ignored).
pub fn verify_signature(
    token: &str,
    timestamp: &str,
    nonce: &str,
    encrypt: &str,
    msg_signature: &str,
) -> Result<(), CryptoError> {
    let expected = signature(token, timestamp, nonce, encrypt);
    let given = msg_signature.trim().to_ascii_lowercase();
    if bool::from(expected.as_bytes().ct_eq(given.as_bytes())) {
        Ok(())
    } else {
        Err(CryptoError::BadSignature)
    }
}

/// Answers WeCom's URL verification (the GET when the callback URL is saved): checks the
/// signature over `echostr`, decrypts it and returns the plaintext to send back as the body.
pub fn verify_url(
    token: &str,
    key: &AesKey,
    corp_id: &str,
    msg_signature: &str,
    timestamp: &str,
    nonce: &str,
    echostr: &str,
) -> Result<String, CryptoError> {
    verify_signature(token, timestamp, nonce, echostr, msg_signature)?;
    decrypt(key, corp_id, echostr)
}

/// Opens a POSTed callback: checks the signature over the envelope's `Encrypt`, decrypts it
/// and returns the event XML.
pub fn decrypt_message(
    token: &str,
    key: &AesKey,
    corp_id: &str,
    msg_signature: &str,
    timestamp: &str,
    nonce: &str,
    encrypt: &str,
) -> Result<String, CryptoError> {
    verify_signature(token, timestamp, nonce, encrypt, msg_signature)?;
    decrypt(key, corp_id, encrypt)
}

/// Decrypts a Base64 ciphertext WITHOUT checking any signature (callers outside tests and
/// fuzzing want [`decrypt_message`] or [`verify_url`]); rejects a ReceiveId other than `corp_id`.
pub fn decrypt(key: &AesKey, corp_id: &str, encrypt: &str) -> Result<String, CryptoError> {
    let mut buf = STANDARD
        .decode(encrypt.trim().as_bytes())
        .map_err(|_| CryptoError::BadBase64)?;
    if buf.is_empty() || buf.len() % 16 != 0 {
        return Err(CryptoError::BadLength(
            "the ciphertext is not a whole number of AES blocks",
        ));
    }
    let decryptor = cbc::Decryptor::<Aes256>::new_from_slices(&key.0, key.iv())
        .map_err(|_| CryptoError::BadKey("does not decode to 32 bytes"))?;
    let plain = decryptor
        .decrypt_padded_mut::<NoPadding>(&mut buf)
        .map_err(|_| {
            CryptoError::BadLength("the ciphertext is not a whole number of AES blocks")
        })?;
    let content = unpad(plain)?;
    let (message, receive_id) = split_plaintext(content)?;
    if receive_id != corp_id.as_bytes() {
        let found: String = String::from_utf8_lossy(receive_id)
            .chars()
            .take(SHOWN_RECEIVE_ID_CHARS)
            .collect();
        return Err(CryptoError::WrongReceiveId { found });
    }
    String::from_utf8(message.to_vec()).map_err(|_| CryptoError::NotUtf8)
}

/// Encrypts `message` for `corp_id` with the caller's 16 random bytes and signs it: for a
/// passive reply, and for tests that build callbacks as WeCom would.
pub fn encrypt_message(
    token: &str,
    key: &AesKey,
    corp_id: &str,
    random: [u8; 16],
    message: &str,
    timestamp: &str,
    nonce: &str,
) -> Result<EncryptedMessage, CryptoError> {
    let message_len = u32::try_from(message.len())
        .map_err(|_| CryptoError::BadLength("the message is longer than 4 GiB"))?;
    let content_len = HEADER_LEN + message.len() + corp_id.len();
    let pad = PAD_BLOCK - content_len % PAD_BLOCK;
    let mut buf = Vec::with_capacity(content_len + pad);
    buf.extend_from_slice(&random);
    buf.extend_from_slice(&message_len.to_be_bytes());
    buf.extend_from_slice(message.as_bytes());
    buf.extend_from_slice(corp_id.as_bytes());
    // `pad` is 1..=32, so it fits a byte.
    buf.resize(content_len + pad, pad as u8);
    let encryptor = cbc::Encryptor::<Aes256>::new_from_slices(&key.0, key.iv())
        .map_err(|_| CryptoError::BadKey("does not decode to 32 bytes"))?;
    let total = buf.len();
    let cipher = encryptor
        .encrypt_padded_mut::<NoPadding>(&mut buf, total)
        .map_err(|_| CryptoError::BadLength("the padded plaintext is not whole AES blocks"))?;
    let encrypt = STANDARD.encode(cipher);
    let msg_signature = signature(token, timestamp, nonce, &encrypt);
    Ok(EncryptedMessage {
        encrypt,
        msg_signature,
    })
}

/// Strips WeCom's PKCS#7 padding (value 1..=32, every pad byte equal to it).
fn unpad(plain: &[u8]) -> Result<&[u8], CryptoError> {
    let Some(&last) = plain.last() else {
        return Err(CryptoError::BadPadding);
    };
    let pad = usize::from(last);
    if pad == 0 || pad > PAD_BLOCK || pad > plain.len() {
        return Err(CryptoError::BadPadding);
    }
    let (content, padding) = plain.split_at(plain.len() - pad);
    if padding.iter().any(|&b| b != last) {
        return Err(CryptoError::BadPadding);
    }
    Ok(content)
}

/// Splits `random(16) + length(4, BE) + message + receive_id` into message and receive id.
fn split_plaintext(content: &[u8]) -> Result<(&[u8], &[u8]), CryptoError> {
    let Some((header, rest)) = content.split_at_checked(HEADER_LEN) else {
        return Err(CryptoError::BadLength(
            "the plaintext is shorter than its 20-byte header",
        ));
    };
    let mut len_bytes = [0u8; 4];
    len_bytes.copy_from_slice(&header[RANDOM_LEN..]);
    let message_len = usize::try_from(u32::from_be_bytes(len_bytes))
        .map_err(|_| CryptoError::BadLength("the message length does not fit memory"))?;
    rest.split_at_checked(message_len)
        .ok_or(CryptoError::BadLength(
            "the message length exceeds the plaintext",
        ))
}

#[cfg(test)]
mod tests;
