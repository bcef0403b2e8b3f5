//! `change_external_tag`: a customer tag or tag group created, updated, deleted or reordered.

use serde::Serialize;

use super::{EventError, Fields};

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

/// The typed `ChangeType`, if known.
pub(super) fn change(change_type: &str) -> Option<TagChange> {
    Some(match change_type {
        "create" => TagChange::Create,
        "update" => TagChange::Update,
        "delete" => TagChange::Delete,
        "shuffle" => TagChange::Shuffle,
        _ => return None,
    })
}

/// Reads a tag event; `Id` is required except for a `shuffle`.
pub(super) fn read(f: &Fields<'_, '_>, change: TagChange) -> Result<ExternalTagEvent, EventError> {
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
