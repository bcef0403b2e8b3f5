//! WeCom (企业微信): the callback crypto, the callback XML and the typed events it carries.
//! Pure like the rest of the crate: the HTTP endpoint, the store and the jobs live elsewhere.
//!
//! A POSTed callback goes: [`open_callback`] (envelope XML → signature → AES → ReceiveId) to
//! the decrypted XML, which is stored as received, then [`WecomEvent::parse`] in the job that
//! processes it. A GET URL verification is [`crypto::verify_url`].

pub mod crypto;
pub mod event;
pub mod xml;

/// The outbound webhook signer's former path, kept so `wecom::webhook::…` still compiles; it
/// lives in [`crate::webhook_sign`] because nothing in it is WeCom's.
pub use crate::webhook_sign as webhook;

pub use crypto::{
    AesKey, CryptoError, EncryptedMessage, decrypt_message, encrypt_message, verify_url,
};
pub use event::{EventError, EventKind, WecomEvent};
pub use xml::{CallbackEnvelope, XmlError};

/// Why a POSTed callback was refused before anything was stored; every variant is a 4xx.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallbackError {
    /// The body is not a callback envelope.
    #[error("callback body: {0}")]
    Xml(#[from] XmlError),
    /// The signature, key, padding, lengths or ReceiveId are wrong.
    #[error("callback crypto: {0}")]
    Crypto(#[from] CryptoError),
}

impl CallbackError {
    /// A stable machine-readable code for the API's error table.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Xml(_) => "wecom_bad_xml",
            Self::Crypto(e) => e.code(),
        }
    }
}

/// Opens a POSTed callback: reads the envelope `body`, checks `msg_signature` over its
/// `Encrypt`, decrypts it, checks the ReceiveId is `corp_id`, and returns the event XML.
pub fn open_callback(
    token: &str,
    key: &AesKey,
    corp_id: &str,
    msg_signature: &str,
    timestamp: &str,
    nonce: &str,
    body: &str,
) -> Result<String, CallbackError> {
    let envelope = CallbackEnvelope::parse(body)?;
    Ok(decrypt_message(
        token,
        key,
        corp_id,
        msg_signature,
        timestamp,
        nonce,
        &envelope.encrypt,
    )?)
}

#[cfg(test)]
mod tests;
