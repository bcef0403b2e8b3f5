//! Typed WeCom events read from a decrypted callback: customer (`change_external_contact`),
//! customer group (`change_external_chat`) and customer tag (`change_external_tag`) changes,
//! anything else kept as [`EventKind::Other`], each with a stable key to drop duplicates.

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::xml::{self, Element, XmlError};

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

/// A `change_external_contact` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExternalContactEvent {
    /// `ChangeType`.
    pub change: ContactChange,
    /// `UserID`: the corp member (staff) on the relation.
    pub user_id: String,
    /// `ExternalUserID`: the customer.
    pub external_user_id: String,
    /// `State`: the `state` of the 「联系我」 way the customer came through: the acquisition
    /// channel (add and edit only).
    pub state: Option<String>,
    /// `WelcomeCode`: the code to send a welcome message with (add only; valid 20 seconds).
    pub welcome_code: Option<String>,
    /// `Source` of a deletion: `DELETE_BY_TRANSFER` when removed by a handover.
    pub source: Option<String>,
    /// `FailReason` of a failed handover: `customer_refused` or `customer_limit_exceed`.
    pub fail_reason: Option<String>,
}

/// The `ChangeType`s of `change_external_contact`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactChange {
    /// `add_external_contact`: a member added a customer (or was added by one).
    AddExternalContact,
    /// `add_half_external_contact`: a customer added a member without verification yet.
    AddHalfExternalContact,
    /// `edit_external_contact`: a member edited the customer's remarks or tags.
    EditExternalContact,
    /// `del_external_contact`: the member deleted the customer.
    DelExternalContact,
    /// `del_follow_user`: the customer deleted the member — the churn signal.
    DelFollowUser,
    /// `transfer_fail`: handing the customer over to another member failed.
    TransferFail,
}

impl ContactChange {
    /// Reads a `ChangeType`.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "add_external_contact" => Self::AddExternalContact,
            "add_half_external_contact" => Self::AddHalfExternalContact,
            "edit_external_contact" => Self::EditExternalContact,
            "del_external_contact" => Self::DelExternalContact,
            "del_follow_user" => Self::DelFollowUser,
            "transfer_fail" => Self::TransferFail,
            _ => return None,
        })
    }
}

/// A `change_external_chat` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExternalChatEvent {
    /// `ChatId`: the customer group.
    pub chat_id: String,
    /// `ChangeType` and its details.
    pub change: ChatChange,
}

/// The `ChangeType`s of `change_external_chat`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "change_type", rename_all = "snake_case")]
pub enum ChatChange {
    /// `create`: the group was created.
    Create,
    /// `update`: members, owner, name or notice changed.
    Update(ChatUpdate),
    /// `dismiss`: the group was dismissed.
    Dismiss,
}

/// The details of a `change_external_chat` `update`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChatUpdate {
    /// `UpdateDetail`.
    pub detail: UpdateDetail,
    /// `JoinScene`, for `add_member` only.
    pub join_scene: Option<JoinScene>,
    /// `QuitScene`, for `del_member` only.
    pub quit_scene: Option<QuitScene>,
    /// `MemChangeCnt`: how many members joined or left.
    pub mem_change_cnt: Option<u32>,
    /// `MemChangeList`'s `Item`s: the user ids (staff or customers) that joined or left.
    pub mem_change_list: Vec<String>,
    /// `LastMemVer`: the group's member version before this change.
    pub last_mem_ver: Option<String>,
    /// `CurMemVer`: the group's member version after this change.
    pub cur_mem_ver: Option<String>,
}

impl ChatUpdate {
    /// Whether the group's members must be pulled again instead of applying this change:
    /// the version held (`None` = never synced) is not this change's `LastMemVer` (a callback
    /// was lost or came out of order), or the member list is shorter than `MemChangeCnt`.
    pub fn needs_resync(&self, held_mem_ver: Option<&str>) -> bool {
        let gap = match (&self.last_mem_ver, held_mem_ver) {
            (Some(last), Some(held)) => last != held,
            (Some(_), None) => true,
            (None, _) => false,
        };
        let truncated = self
            .mem_change_cnt
            .is_some_and(|n| usize::try_from(n).map_or(true, |n| n > self.mem_change_list.len()));
        gap || truncated
    }
}

/// The `UpdateDetail`s of a customer group `update`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UpdateDetail {
    /// `add_member`: members joined.
    AddMember,
    /// `del_member`: members left or were removed.
    DelMember,
    /// `change_owner`: the owner changed.
    ChangeOwner,
    /// `change_name`: the name changed.
    ChangeName,
    /// `change_notice`: the notice (群公告) changed.
    ChangeNotice,
    /// A detail this version does not know.
    Other(String),
}

/// How members joined (`JoinScene`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JoinScene {
    /// 0: invited directly by a member.
    DirectInvite,
    /// 1: invited by a member through an invitation link.
    InviteLink,
    /// 3: scanned the group's QR code (a live code ends here).
    QrCode,
    /// Another value.
    Other(u32),
}

/// How members left (`QuitScene`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum QuitScene {
    /// 0: left by themselves.
    Left,
    /// 1: removed by the owner or an admin.
    Removed,
    /// Another value.
    Other(u32),
}

/// A `change_external_tag` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExternalTagEvent {
    /// `ChangeType`.
    pub change: TagChange,
    /// `Id`: the tag or tag group (for `shuffle`, the group reordered; `None` = all).
    pub id: Option<String>,
    /// `TagType`: `tag` or `tag_group`.
    pub tag_type: Option<TagType>,
    /// `StrategyId`: the rule group (规则组) of the tag, when it has one.
    pub strategy_id: Option<u64>,
}

/// The `ChangeType`s of `change_external_tag`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TagChange {
    /// `create`.
    Create,
    /// `update` (renamed, or its order changed).
    Update,
    /// `delete`.
    Delete,
    /// `shuffle`: the tags were reordered.
    Shuffle,
}

/// What a tag event's `Id` names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TagType {
    /// `tag`.
    Tag,
    /// `tag_group`.
    TagGroup,
    /// Another value.
    Other(String),
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
                Some(change) => EventKind::ExternalContact(contact(&f, change)?),
                None => other(event, change_type),
            },
            ("change_external_chat", Some(ct)) => match chat_change(&f, ct)? {
                Some(change) => EventKind::ExternalChat(ExternalChatEvent {
                    chat_id: f.req("ChatId")?,
                    change,
                }),
                None => other(event, change_type),
            },
            ("change_external_tag", Some(ct)) => match tag_change(ct) {
                Some(change) => EventKind::ExternalTag(tag(&f, change)?),
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

fn contact(f: &Fields<'_, '_>, change: ContactChange) -> Result<ExternalContactEvent, EventError> {
    Ok(ExternalContactEvent {
        change,
        user_id: f.req("UserID")?,
        external_user_id: f.req("ExternalUserID")?,
        state: f.opt("State")?,
        welcome_code: f.opt("WelcomeCode")?,
        source: f.opt("Source")?,
        fail_reason: f.opt("FailReason")?,
    })
}

fn chat_change(f: &Fields<'_, '_>, change_type: &str) -> Result<Option<ChatChange>, EventError> {
    Ok(Some(match change_type {
        "create" => ChatChange::Create,
        "dismiss" => ChatChange::Dismiss,
        "update" => {
            let detail = match f.req("UpdateDetail")?.as_str() {
                "add_member" => UpdateDetail::AddMember,
                "del_member" => UpdateDetail::DelMember,
                "change_owner" => UpdateDetail::ChangeOwner,
                "change_name" => UpdateDetail::ChangeName,
                "change_notice" => UpdateDetail::ChangeNotice,
                other => UpdateDetail::Other(other.to_owned()),
            };
            let join_scene = match detail {
                UpdateDetail::AddMember => f.number::<u32>("JoinScene")?.map(|n| match n {
                    0 => JoinScene::DirectInvite,
                    1 => JoinScene::InviteLink,
                    3 => JoinScene::QrCode,
                    n => JoinScene::Other(n),
                }),
                _ => None,
            };
            let quit_scene = match detail {
                UpdateDetail::DelMember => f.number::<u32>("QuitScene")?.map(|n| match n {
                    0 => QuitScene::Left,
                    1 => QuitScene::Removed,
                    n => QuitScene::Other(n),
                }),
                _ => None,
            };
            let mem_change_list = match f.0.child("MemChangeList")? {
                Some(list) => list
                    .texts_of("Item")
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect(),
                None => Vec::new(),
            };
            ChatChange::Update(ChatUpdate {
                detail,
                join_scene,
                quit_scene,
                mem_change_cnt: f.number("MemChangeCnt")?,
                mem_change_list,
                last_mem_ver: f.opt("LastMemVer")?,
                cur_mem_ver: f.opt("CurMemVer")?,
            })
        }
        _ => return Ok(None),
    }))
}

fn tag_change(change_type: &str) -> Option<TagChange> {
    Some(match change_type {
        "create" => TagChange::Create,
        "update" => TagChange::Update,
        "delete" => TagChange::Delete,
        "shuffle" => TagChange::Shuffle,
        _ => return None,
    })
}

fn tag(f: &Fields<'_, '_>, change: TagChange) -> Result<ExternalTagEvent, EventError> {
    let id = match change {
        TagChange::Shuffle => f.opt("Id")?,
        _ => Some(f.req("Id")?),
    };
    let tag_type = f.opt("TagType")?.map(|t| match t.as_str() {
        "tag" => TagType::Tag,
        "tag_group" => TagType::TagGroup,
        _ => TagType::Other(t),
    });
    Ok(ExternalTagEvent {
        change,
        id,
        tag_type,
        strategy_id: f.number("StrategyId")?,
    })
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
