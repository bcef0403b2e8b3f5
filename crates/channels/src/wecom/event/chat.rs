//! `change_external_chat`: a customer group created, dismissed, or its members, owner, name
//! or notice changed, with the member versions that reveal a lost callback.

use serde::Serialize;

use super::{EventError, Fields};

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

/// Reads a group event; `None` for a `ChangeType` this version does not know.
pub(super) fn read(
    f: &Fields<'_, '_>,
    change_type: &str,
) -> Result<Option<ChatChange>, EventError> {
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
