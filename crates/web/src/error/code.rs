//! The API's error codes: one table of wire name, HTTP status and meaning, from which the
//! [`Code`] enum, its status, the error bodies and the OpenAPI document's code table all come.

use axum::http::StatusCode;

/// Declares [`Code`] from one table: `Variant => "wire_name", STATUS, "what it means";`.
///
/// Modelled on meilisearch's `make_error_codes!`: a code that is not in the table does not
/// compile, and its status and description cannot drift from its name.
macro_rules! make_error_codes {
    ($($variant:ident => $name:literal, $status:ident, $doc:literal;)*) => {
        /// Every error code the API answers with (`{"error": {"code": …}}`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Code {
            $(
                #[doc = $doc]
                $variant,
            )*
        }

        impl Code {
            /// Every code, in the table's order (the order of the API docs).
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The stable snake_case name sent on the wire.
            pub const fn name(self) -> &'static str {
                match self {
                    $(Code::$variant => $name,)*
                }
            }

            /// The HTTP status every answer with this code has.
            pub const fn status(self) -> StatusCode {
                match self {
                    $(Code::$variant => StatusCode::$status,)*
                }
            }

            /// One line on what the code means and what the client can do about it.
            pub const fn description(self) -> &'static str {
                match self {
                    $(Code::$variant => $doc,)*
                }
            }
        }
    };
}

make_error_codes! {
    BadRequest => "bad_request", BAD_REQUEST,
        "The body is not valid JSON or the request is malformed.";
    Unauthorized => "unauthorized", UNAUTHORIZED,
        "No valid API key or session; log in or send `Authorization: Bearer qz_…`.";
    BadCredentials => "bad_credentials", UNAUTHORIZED,
        "Wrong email or password.";
    Forbidden => "forbidden", FORBIDDEN,
        "Authenticated, but the key's scope or the operator's role does not allow this.";
    CsrfFailed => "csrf_failed", FORBIDDEN,
        "A cookie-authenticated write without the session's CSRF token.";
    NotFound => "not_found", NOT_FOUND,
        "No such object in this tenant (objects of other tenants are never revealed).";
    MethodNotAllowed => "method_not_allowed", METHOD_NOT_ALLOWED,
        "The path exists but not with this method.";
    Conflict => "conflict", CONFLICT,
        "A unique field (phone, external_userid, email…) already belongs to another object.";
    PayloadTooLarge => "payload_too_large", PAYLOAD_TOO_LARGE,
        "The body is larger than the endpoint accepts.";
    UnsupportedMediaType => "unsupported_media_type", UNSUPPORTED_MEDIA_TYPE,
        "Send `Content-Type: application/json`.";
    ValidationFailed => "validation_failed", UNPROCESSABLE_ENTITY,
        "The input broke a rule; `fields` lists each field (and batch index) and why.";
    RateLimited => "rate_limited", TOO_MANY_REQUESTS,
        "Too many attempts; wait and retry.";
    Internal => "internal", INTERNAL_SERVER_ERROR,
        "An error on our side; it is logged. Retrying may help.";
    Unavailable => "unavailable", SERVICE_UNAVAILABLE,
        "The store is not reachable, the request ran past its time limit, or the server cannot read its stored secrets.";
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl serde::Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl Code {
    /// The Markdown table of every code (`| code | status | meaning |`), for the API docs.
    pub fn markdown_table() -> String {
        let rows: String = Code::ALL
            .iter()
            .map(|c| {
                format!(
                    "| `{}` | {} | {} |\n",
                    c.name(),
                    c.status().as_u16(),
                    c.description()
                )
            })
            .collect();
        format!("| code | status | meaning |\n|---|---|---|\n{rows}")
    }
}

#[cfg(test)]
mod tests {
    use super::Code;

    #[test]
    fn every_code_has_a_unique_snake_case_name_and_an_error_status() {
        let mut seen = std::collections::HashSet::new();
        for c in Code::ALL {
            assert!(seen.insert(c.name()), "duplicate {c}");
            assert!(
                c.name()
                    .chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch == '_'),
                "{c}"
            );
            assert!(
                c.status().is_client_error() || c.status().is_server_error(),
                "{c}"
            );
            assert!(!c.description().is_empty(), "{c}");
        }
    }

    #[test]
    fn a_code_serializes_as_its_wire_name() {
        let v = serde_json::to_value(Code::ValidationFailed).unwrap_or_default();
        assert_eq!(v, "validation_failed");
        assert_eq!(Code::ValidationFailed.status().as_u16(), 422);
    }
}
