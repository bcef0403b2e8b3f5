//! Tags in tag groups (标签组), as WeCom organizes them.

use serde::Deserialize;

use crate::error::Invalid;
use crate::text;

/// A tag as a client sends it: its group's name and its own.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TagInput {
    /// The tag group's name, e.g. 兴趣; created when missing.
    pub group: String,
    /// The tag's name, e.g. 宝妈.
    pub name: String,
}

/// A validated tag reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagName {
    /// The tag group's name.
    pub group: String,
    /// The tag's name.
    pub name: String,
}

impl TagInput {
    /// Validates the names.
    pub fn parse(self) -> Result<TagName, Invalid> {
        let mut e = Invalid::default();
        let group = text::required(&mut e, "group", &self.group, 32);
        let name = text::required(&mut e, "name", &self.name, 32);
        match (group, name) {
            (Some(group), Some(name)) if e.is_empty() => Ok(TagName { group, name }),
            _ => Err(e),
        }
    }
}
