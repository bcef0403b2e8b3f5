//! WeCom (企业微信): the callback crypto, the callback XML and the typed events it carries.
//! Pure like the rest of the crate: the HTTP endpoint, the store and the jobs live elsewhere.

pub mod crypto;
pub mod xml;

pub use crypto::{AesKey, CryptoError, EncryptedMessage};
pub use xml::{CallbackEnvelope, XmlError};
