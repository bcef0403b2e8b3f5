//! Typed WeCom events read from a decrypted callback: customer (`change_external_contact`),
//! customer group (`change_external_chat`) and customer tag (`change_external_tag`) changes,
//! anything else kept as [`EventKind::Other`], each with a stable key to drop duplicates.

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::xml::{self, Element, XmlError};

mod chat;
mod contact;
mod tag;

pub use chat::{ChatChange, ChatUpdate, ExternalChatEvent, JoinScene, QuitScene, UpdateDetail};
pub use contact::{ContactChange, ExternalContactEvent};
pub use tag::{ExternalTagEvent, TagChange, TagType};

/// Why a decrypted callback could not be read as an event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    /// The XML itself was refused.
    #[error(transparent)]
    Xml(#[from] XmlError),
    /// A field the event needs is missing or empty.
    #[error("<{0}> is missing or empty")]
    Missing(&'static str),
    /// A field has a value of the wrong shape.
    #[error("<{field}> is not {expected}: `{value}`")]
    Invalid {
        /// The element.
        field: &'static str,
        /// What it should have been.
        expected: &'static str,
        /// The value found (at most 64 characters of it).
        value: String,
    },
}

/// One WeCom event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WecomEvent {
    /// `ToUserName`: the corp id the event is for (`AuthCorpId` for a third-party app).
    pub to_user_name: String,
    /// `FromUserName`: `sys` for these system events (empty when absent).
    pub from_user_name: String,
    /// `CreateTime` (`TimeStamp` for a third-party app), in Unix seconds.
    pub create_time: i64,
    /// 64 hex characters that are the same for every delivery of the same event (WeCom's
    /// retries, duplicates) and differ between events: the SHA-256 of the decrypted XML's
    /// elements (names and texts; top-level order and formatting ignored).
    pub dedupe_key: String,
    /// What happened.
    pub kind: EventKind,
}

/// What a [`WecomEvent`] reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventKind {
    /// `change_external_contact`: a customer added, edited or removed.
    ExternalContact(ExternalContactEvent),
    /// `change_external_chat`: a customer group created, changed or dismissed.
    ExternalChat(ExternalChatEvent),
    /// `change_external_tag`: a customer tag or tag group changed.
    ExternalTag(ExternalTagEvent),
    /// Any other event or change type, kept so that it can be stored and skipped.
    Other {
        /// `Event` (or `InfoType`), or `MsgType` for a plain message.
        event: String,
        /// `ChangeType`, when present.
        change_type: Option<String>,
    },
}

impl WecomEvent {
    /// Reads a decrypted callback. Unknown events and change types become
    /// [`EventKind::Other`]; a known one missing a field it needs is an error.
    pub fn parse(decrypted_xml: &str) -> Result<Self, EventError> {
        let root = xml::parse_wecom(decrypted_xml)?;
        let f = Fields(&root);
        let to_user_name = f
            .first_of(&["ToUserName", "AuthCorpId"])?
            .unwrap_or_default();
        let from_user_name = f.opt("FromUserName")?.unwrap_or_default();
        let create_time = match f.first_of(&["CreateTime", "TimeStamp"])? {
            Some(v) => parse_number::<i64>("CreateTime", &v)?,
            None => return Err(EventError::Missing("CreateTime")),
        };
        let event = match f.first_of(&["Event", "InfoType"])? {
            Some(e) => e,
            None => f.req("MsgType")?,
        };
        let change_type = f.opt("ChangeType")?;
        let kind = match (event.as_str(), change_type.as_deref()) {
            ("change_external_contact", Some(ct)) => match ContactChange::parse(ct) {
                Some(change) => EventKind::ExternalContact(contact::read(&f, change)?),
                None => other(event, change_type),
            },
            ("change_external_chat", Some(ct)) => match chat::read(&f, ct)? {
                Some(change) => EventKind::ExternalChat(ExternalChatEvent {
                    chat_id: f.req("ChatId")?,
                    change,
                }),
                None => other(event, change_type),
            },
            ("change_external_tag", Some(ct)) => match tag::change(ct) {
                Some(change) => EventKind::ExternalTag(tag::read(&f, change)?),
                None => other(event, change_type),
            },
            _ => other(event, change_type),
        };
        Ok(Self {
            to_user_name,
            from_user_name,
            create_time,
            dedupe_key: dedupe_key(&root),
            kind,
        })
    }
}

fn other(event: String, change_type: Option<String>) -> EventKind {
    EventKind::Other { event, change_type }
}

/// Field access on the root: unique children, trimmed, empty = absent.
struct Fields<'r, 'a>(&'r Element<'a>);

impl Fields<'_, '_> {
    fn opt(&self, name: &str) -> Result<Option<String>, EventError> {
        Ok(self
            .0
            .child_text(name)?
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned))
    }

    fn req(&self, name: &'static str) -> Result<String, EventError> {
        self.opt(name)?.ok_or(EventError::Missing(name))
    }

    fn first_of(&self, names: &[&str]) -> Result<Option<String>, EventError> {
        for name in names {
            if let Some(v) = self.opt(name)? {
                return Ok(Some(v));
            }
        }
        Ok(None)
    }

    fn number<T: std::str::FromStr>(&self, name: &'static str) -> Result<Option<T>, EventError> {
        self.opt(name)?.map(|v| parse_number(name, &v)).transpose()
    }
}

fn parse_number<T: std::str::FromStr>(field: &'static str, value: &str) -> Result<T, EventError> {
    value.parse().map_err(|_| EventError::Invalid {
        field,
        expected: "a number",
        value: value.chars().take(64).collect(),
    })
}

/// SHA-256 over the elements' names and texts, length-prefixed so no two documents collide by
/// concatenation; top-level elements sorted by name so their order does not matter.
fn dedupe_key(root: &Element<'_>) -> String {
    let mut top: Vec<&Element<'_>> = root.children.iter().collect();
    top.sort_by(|a, b| a.name.cmp(b.name));
    let mut sha = Sha256::new();
    sha.update(b"wecom-event-v1");
    for element in top {
        feed(&mut sha, element);
    }
    hex::encode(sha.finalize())
}

fn feed(sha: &mut Sha256, element: &Element<'_>) {
    for part in [element.name, element.text.trim()] {
        sha.update((part.len() as u64).to_be_bytes());
        sha.update(part.as_bytes());
    }
    sha.update((element.children.len() as u64).to_be_bytes());
    for child in &element.children {
        feed(sha, child);
    }
}

#[cfg(test)]
mod tests;
