//! What an import file holds: events, members or groups, as the command line and the API
//! name them.

use std::fmt;

use serde::Serialize;

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportKind {
    /// Behavioural events (also the benchmark's `tenant_id,member_id,group_id,kind,ts,amount,product_id`).
    Events,
    /// Members (customers).
    Members,
    /// Chat groups.
    Groups,
}

impl ImportKind {
    /// Parses `events`, `members` or `groups`.
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "events" => Some(Self::Events),
            "members" => Some(Self::Members),
            "groups" => Some(Self::Groups),
            _ => None,
        }
    }

    /// The name used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Events => "events",
            Self::Members => "members",
            Self::Groups => "groups",
        }
    }
}

impl std::str::FromStr for ImportKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s).ok_or_else(|| format!("`{s}` is not one of: events, members, groups"))
    }
}

impl fmt::Display for ImportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
