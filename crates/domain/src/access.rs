//! Who may do what: operator roles and API key scopes.

use serde::{Deserialize, Serialize};

use crate::{ApiKeyId, OperatorId};

/// Declares a closed set of names stored and sent as snake_case strings.
#[macro_export]
macro_rules! name_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $s:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        #[allow(missing_docs)]
        pub enum $name { $($(#[$vdoc])* $variant),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// Every stored and wire name, in declaration order.
            pub const NAMES: &'static [&'static str] = &[$($s),+];

            /// The stored and wire name.
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $s),+ }
            }

            /// Parses the stored and wire name.
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($s => Some($name::$variant),)+ _ => None }
            }

            /// The accepted names, comma-separated, for error messages.
            pub fn expected() -> String {
                [$($s),+].join(", ")
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

name_enum! {
    /// An operator's role inside a tenant, from most to least powerful.
    OperatorRole {
        /// Owns the tenant: everything, including operators and keys.
        Owner = "owner",
        /// Manages operators, keys and settings.
        Admin = "admin",
        /// Runs the community: edits members, groups, events.
        Operator = "operator",
        /// Reads only.
        Viewer = "viewer",
    }
}

impl OperatorRole {
    /// May change members, groups and events.
    pub fn can_write(self) -> bool {
        !matches!(self, OperatorRole::Viewer)
    }

    /// May manage operators, API keys and settings.
    pub fn can_admin(self) -> bool {
        matches!(self, OperatorRole::Owner | OperatorRole::Admin)
    }
}

name_enum! {
    /// What an API key may do.
    ApiScope {
        /// GET requests only.
        Read = "read",
        /// Reads and writes.
        Write = "write",
    }
}

impl ApiScope {
    /// May change data.
    pub fn can_write(self) -> bool {
        matches!(self, ApiScope::Write)
    }
}

/// Who did something, for the audit columns of voids and erasures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Actor {
    /// An operator, by id.
    Operator(OperatorId),
    /// An API key, by id.
    ApiKey(ApiKeyId),
}

impl std::fmt::Display for Actor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Actor::Operator(id) => write!(f, "operator:{id}"),
            Actor::ApiKey(id) => write!(f, "api_key:{id}"),
        }
    }
}

/// What the caller of a request is allowed to do, whichever way they authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Permissions {
    /// May change members, groups, events.
    pub write: bool,
    /// May manage operators, keys, settings.
    pub admin: bool,
}

impl Permissions {
    /// Sees members' full phone numbers; viewers (and read-only keys, which read as viewers
    /// do) see them masked (`138****5678`).
    pub fn sees_full_phone(self) -> bool {
        self.write
    }
}

impl From<OperatorRole> for Permissions {
    fn from(r: OperatorRole) -> Self {
        Permissions {
            write: r.can_write(),
            admin: r.can_admin(),
        }
    }
}

impl From<ApiScope> for Permissions {
    fn from(s: ApiScope) -> Self {
        Permissions {
            write: s.can_write(),
            admin: false,
        }
    }
}
