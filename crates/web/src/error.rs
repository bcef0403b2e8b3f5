//! The API's one error type, its table of stable codes, and extractors that turn rejected
//! input into that error (never a 5xx for bad input).

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use quanzi_core::CoreError;
use quanzi_domain::{FieldError, Invalid};
use serde::Serialize;
use serde::de::DeserializeOwned;

mod code;
pub mod lang;

pub use code::Code;

/// An API error: a stable code, a message and, for validation, the fields.
#[derive(Debug)]
pub struct ApiError {
    /// Its stable code.
    pub code: Code,
    /// Human-readable message.
    pub message: String,
    /// Field errors (validation only).
    pub fields: Vec<FieldError>,
}

#[derive(Serialize, utoipa::ToSchema)]
/// The error body: `{"error": {...}}`.
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
/// The error's details.
pub struct ErrorDetail {
    /// Stable snake_case code (see the table in the API docs).
    #[schema(schema_with = code_schema)]
    pub code: Code,
    /// Human-readable message.
    pub message: String,
    /// For `validation_failed`: every bad field.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
}

/// The schema of [`ErrorDetail::code`]: a string, one of the [`Code`] table's names.
fn code_schema() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .description(Some(
            "Stable snake_case code (see the table in the API docs).",
        ))
        .enum_values(Some(Code::ALL.iter().map(|c| c.name())))
        .build()
}

impl ApiError {
    /// An error with a code and message.
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
            fields: Vec::new(),
        }
    }

    /// A validation error on one field.
    pub fn field(field: &str, reason: impl Into<String>) -> Self {
        ApiError::from(Invalid::one(field, reason))
    }

    /// The HTTP status of the code.
    pub fn status(&self) -> StatusCode {
        self.code.status()
    }

    /// 401.
    pub fn unauthorized() -> Self {
        ApiError::new(Code::Unauthorized, "authentication required")
    }

    /// 403.
    pub fn forbidden() -> Self {
        ApiError::new(Code::Forbidden, "not allowed for this key or role")
    }

    /// 404.
    pub fn not_found(what: &str) -> Self {
        ApiError::new(Code::NotFound, format!("{what} not found"))
    }
}

impl From<Invalid> for ApiError {
    fn from(e: Invalid) -> Self {
        ApiError {
            code: Code::ValidationFailed,
            message: e.to_string(),
            fields: e.0,
        }
    }
}

impl From<CoreError> for ApiError {
    fn from(e: CoreError) -> Self {
        match e {
            CoreError::Invalid(i) => i.into(),
            CoreError::NotFound(w) => ApiError::not_found(w),
            CoreError::Conflict(f) => ApiError {
                code: Code::Conflict,
                message: format!("{f} already exists"),
                fields: vec![FieldError::new(f, "already belongs to another object")],
            },
            CoreError::BadCredentials => {
                ApiError::new(Code::BadCredentials, "wrong email or password")
            }
            CoreError::Forbidden => ApiError::forbidden(),
            CoreError::Store(quanzi_core::read::StoreError::Timeout) => ApiError::new(
                Code::Unavailable,
                "the request took too long; narrow it or retry",
            ),
            CoreError::Store(e) => {
                tracing::error!(error = %e, "store error");
                ApiError::new(Code::Internal, "internal error")
            }
            CoreError::ServerKey(e) => {
                tracing::error!(error = %e, "server key");
                ApiError::new(
                    Code::Unavailable,
                    "stored secrets cannot be read; see the server log",
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code,
                message: self.message,
                fields: self.fields,
            },
        };
        (status, axum::Json(body)).into_response()
    }
}

/// Splits a serde path like `events[3].member_id` into (3, "member_id").
fn split_path(path: &str) -> (Option<usize>, String) {
    if let Some(rest) = path.strip_prefix("events[")
        && let Some((idx, field)) = rest.split_once(']')
        && let Ok(i) = idx.parse::<usize>()
    {
        return (Some(i), field.trim_start_matches('.').to_string());
    }
    (None, path.to_string())
}

fn serde_reason(msg: &str) -> String {
    // serde messages end with " at line 1 column 42"; the position is noise for a client.
    msg.split(" at line ").next().unwrap_or(msg).to_string()
}

/// JSON body extractor whose rejections are [`ApiError`]s naming the field.
pub struct AppJson<T>(pub T);

impl<S, T> FromRequest<S> for AppJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let ct = req
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !ct.starts_with("application/json") {
            return Err(ApiError::new(
                Code::UnsupportedMediaType,
                "send Content-Type: application/json",
            ));
        }
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|_| ApiError::new(Code::PayloadTooLarge, "the body is too large"))?;
        // PostgreSQL text cannot hold NUL; refuse it here rather than fail in the store.
        if has_escaped_nul(&bytes) {
            return Err(ApiError::field(
                "body",
                "strings must not contain NUL (\\u0000) characters",
            ));
        }
        // Every body the API takes is an object; serde would also read a struct from an array
        // of its fields in order (`[null, null]`), which no client means.
        let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
        if first.is_some_and(|b| *b == b'[') {
            return Err(ApiError::field("body", "must be a JSON object"));
        }
        // The plain parse is the fast path; the path-tracking one runs again only to say
        // where a bad body went wrong.
        if let Ok(v) = serde_json::from_slice::<T>(&bytes) {
            return Ok(AppJson(v));
        }
        let de = &mut serde_json::Deserializer::from_slice(&bytes);
        match serde_path_to_error::deserialize::<_, T>(de) {
            Ok(v) => Ok(AppJson(v)),
            Err(e) => {
                let inner = e.inner();
                if inner.is_syntax() || inner.is_eof() {
                    return Err(ApiError::new(
                        Code::BadRequest,
                        format!("malformed JSON: {}", serde_reason(&inner.to_string())),
                    ));
                }
                let path = e.path().to_string();
                let (index, field) = split_path(if path == "." { "body" } else { &path });
                let mut fe = FieldError::new(field, serde_reason(&inner.to_string()));
                fe.index = index;
                Err(ApiError {
                    code: Code::ValidationFailed,
                    message: format!("{path}: {}", serde_reason(&inner.to_string())),
                    fields: vec![fe],
                })
            }
        }
    }
}

/// True when the JSON text holds an escaped NUL (`\u0000`; an escaped backslash followed
/// by `u0000` is text, not a NUL).
fn has_escaped_nul(bytes: &[u8]) -> bool {
    let mut i = 0;
    while let Some(off) = bytes[i..].iter().position(|b| *b == b'\\') {
        let at = i + off;
        if bytes
            .get(at + 1..at + 6)
            .is_some_and(|w| w.eq_ignore_ascii_case(b"u0000"))
        {
            return true;
        }
        i = at + 2; // skip the escaped character, a backslash included
        if i >= bytes.len() {
            return false;
        }
    }
    false
}

/// Query-string extractor. Query structs hold strings; numbers are parsed with
/// [`int_param`] so a bad value names its parameter.
pub struct AppQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for AppQuery<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let q = parts.uri.query().unwrap_or("");
        if q.to_ascii_lowercase().contains("%00") {
            return Err(ApiError::field(
                "query",
                "parameters must not contain NUL characters",
            ));
        }
        serde_urlencoded::from_str::<T>(q)
            .map(AppQuery)
            .map_err(|e| ApiError::field("query", e.to_string()))
    }
}

/// An optional text parameter, trimmed; blank counts as absent.
pub fn nonblank(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// Parses an optional integer query parameter, naming it on error; empty is "not given",
/// anything else must be the integer itself (no spaces), as the OpenAPI document says.
pub fn int_param(value: &Option<String>, name: &str) -> Result<Option<i64>, ApiError> {
    match value.as_deref() {
        None | Some("") => Ok(None),
        Some(v) => v
            .parse::<i64>()
            .map(Some)
            .map_err(|_| ApiError::field(name, "must be an integer")),
    }
}

/// Reads an optional id parameter: blank is `None`, anything but a positive integer is a 422
/// naming the parameter.
pub fn id_param(value: &Option<String>, name: &str) -> Result<Option<i64>, ApiError> {
    match int_param(value, name)? {
        Some(v) if v <= 0 => Err(ApiError::field(name, "must be a positive id")),
        v => Ok(v),
    }
}

#[cfg(test)]
mod tests {
    use super::has_escaped_nul;

    #[test]
    fn only_an_escaped_nul_is_refused() {
        assert!(has_escaped_nul(br#"{"a":"x\u0000"}"#));
        assert!(has_escaped_nul(br#"{"a":"\U0000"}"#));
        assert!(
            !has_escaped_nul(br#"{"a":"\\u0000"}"#),
            "a backslash, then text"
        );
        assert!(has_escaped_nul(br#"{"a":"\\\u0000"}"#));
        assert!(!has_escaped_nul(br#"{"a":"\n", "b": "u0000\\"}"#));
        assert!(!has_escaped_nul(br#"\"#));
    }
}
