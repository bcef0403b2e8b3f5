//! QR images: a live code's QR (PNG or SVG) of its public page, and the upload of a group's
//! own WeChat QR image, which WeChat keeps valid for 7 days.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use quanzi_core::live_codes;
use quanzi_domain::GroupId;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use super::params::{self, PngImage, QrUpload, SvgImage, bounded};
use crate::AppState;
use crate::api::IdPath;
use crate::auth::Caller;
use crate::client::Client;
use crate::error::{ApiError, AppQuery, Code, ErrorBody, int_param};

/// The size of a QR PNG.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PngQuery {
    /// Pixels per module, 1-32 (default 8); lowered when the side would pass 4096 pixels.
    #[param(schema_with = params::scale)]
    pub scale: Option<String>,
}

/// The size of a QR SVG.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SvgQuery {
    /// Pixels per side, 64-4096 (default 512).
    #[param(schema_with = params::px)]
    pub px: Option<String>,
}

/// When a group's QR image was taken.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// When WeChat made the image, unix ms (default now); it expires 7 days after.
    #[param(schema_with = params::uploaded_at_ms)]
    pub uploaded_at_ms: Option<String>,
}

/// A group's QR image as stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupQrUploaded {
    /// The group.
    pub group_id: i64,
    /// When WeChat stops taking the image, unix ms; it is not shown after.
    pub expires_at_ms: i64,
}

/// The public URL of live code `id` as the caller reaches this server, and its slug.
async fn code_url(
    s: &AppState,
    c: &Caller,
    id: i64,
    headers: &HeaderMap,
    client: &Client,
) -> Result<(String, String), ApiError> {
    let code = live_codes::get(&s.db, c.tenant, id).await?;
    let tenant = super::tenant_slug(&s.db, c.tenant).await?;
    let origin = super::origin(headers, client, s.secure_cookies);
    Ok((
        super::page_url(&origin, &tenant, "c", &code.slug),
        code.slug,
    ))
}

/// An image answer, named `file` for a download.
fn image(content_type: &'static str, file: String, body: impl IntoResponse) -> Response {
    let disposition = HeaderValue::from_str(&format!("inline; filename=\"{file}\""))
        .unwrap_or(HeaderValue::from_static("inline"));
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response()
}

/// The live code's QR as a PNG: it encodes the code's page, `{origin}/h/{tenant}/c/{slug}`.
#[utoipa::path(get, path = "/api/v1/live-codes/{id}/qr.png", tag = "live_codes",
    params(("id" = i64, Path, description = "Live code id"), PngQuery),
    responses((status = 200, description = "The QR code, black on white", content_type = "image/png", body = PngImage),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn png(
    State(s): State<AppState>,
    c: Caller,
    IdPath(id): IdPath,
    AppQuery(q): AppQuery<PngQuery>,
    headers: HeaderMap,
    client: Client,
) -> Result<Response, ApiError> {
    let scale = bounded(&q.scale, "scale", params::SCALE)?;
    let (url, slug) = code_url(&s, &c, id, &headers, &client).await?;
    let png = live_codes::qr_image::png(&url, u32::try_from(scale).unwrap_or(8))
        .map_err(|e| ApiError::field("url", e))?;
    Ok(image("image/png", format!("{slug}.png"), png))
}

/// The live code's QR as an SVG document of the same URL.
#[utoipa::path(get, path = "/api/v1/live-codes/{id}/qr.svg", tag = "live_codes",
    params(("id" = i64, Path, description = "Live code id"), SvgQuery),
    responses((status = 200, description = "The QR code, black on white", content_type = "image/svg+xml", body = SvgImage),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn svg(
    State(s): State<AppState>,
    c: Caller,
    IdPath(id): IdPath,
    AppQuery(q): AppQuery<SvgQuery>,
    headers: HeaderMap,
    client: Client,
) -> Result<Response, ApiError> {
    let px = bounded(&q.px, "px", params::PX)?;
    let (url, slug) = code_url(&s, &c, id, &headers, &client).await?;
    let svg = live_codes::qr_image::svg(&url, u32::try_from(px).unwrap_or(512))
        .map_err(|e| ApiError::field("url", e))?;
    Ok(image("image/svg+xml", format!("{slug}.svg"), svg))
}

/// The image type the bytes are, by their signature.
fn sniff(b: &[u8]) -> Option<&'static str> {
    if b.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if b.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if b.len() >= 12 && b.starts_with(b"RIFF") && &b[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

/// The type to store the image as: its sniffed type when sent as `application/octet-stream`,
/// else the declared one, which must be what the bytes are.
fn image_type<'a>(declared: &'a str, bytes: &[u8]) -> Result<&'a str, ApiError> {
    let declared = declared.split(';').next().unwrap_or("").trim();
    let sniffed = sniff(bytes);
    match (declared, sniffed) {
        ("application/octet-stream", Some(t)) => Ok(t),
        ("application/octet-stream", None) => Err(ApiError::field(
            "image",
            "must be a PNG, JPEG or WebP image",
        )),
        (d, Some(t)) if d != t && d.starts_with("image/") => Err(ApiError::field(
            "image",
            format!("is {t}, not the {d} its Content-Type says"),
        )),
        (d, None) if matches!(d, "image/png" | "image/jpeg" | "image/webp") => Err(
            ApiError::field("image", format!("is not a readable {d} image")),
        ),
        // The use-case names any other type.
        (d, _) => Ok(d),
    }
}

/// Store a group's own WeChat QR image (the raw image as the body, `image/png`, `image/jpeg`
/// or `image/webp`, or `application/octet-stream` for any of them; at most 2 MiB). WeChat
/// keeps it valid 7 days from `uploaded_at_ms`; the member pages never show it after.
#[utoipa::path(put, path = "/api/v1/groups/{id}/qr", tag = "groups",
    params(("id" = i64, Path, description = "Group id"), UploadQuery),
    request_body(content(
        (QrUpload = "image/png"), (QrUpload = "image/jpeg"), (QrUpload = "image/webp"),
        (QrUpload = "application/octet-stream"))),
    responses((status = 200, body = GroupQrUploaded), (status = 404, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn upload_group_qr(
    State(s): State<AppState>,
    c: Caller,
    IdPath(id): IdPath<GroupId>,
    AppQuery(q): AppQuery<UploadQuery>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<GroupQrUploaded>, ApiError> {
    let t = c.write()?;
    let at = int_param(&q.uploaded_at_ms, "uploaded_at_ms")?;
    let body = body.map_err(|_| {
        ApiError::new(
            Code::PayloadTooLarge,
            "the image is larger than 2 MiB or was not read whole",
        )
    })?;
    let declared = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let ct = image_type(declared, &body)?;
    let expires = live_codes::upload_group_qr(&s.db, t, id, &body, ct, at).await?;
    Ok(Json(GroupQrUploaded {
        group_id: id.0,
        expires_at_ms: expires,
    }))
}

/// Routes of this module, each with its OpenAPI path.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        .routes(routes!(png))
        .routes(routes!(svg))
        .routes(routes!(upload_group_qr).layer(DefaultBodyLimit::max(live_codes::QR_MAX_BYTES)))
}

#[cfg(test)]
mod tests {
    use super::{image_type, sniff};

    #[test]
    fn an_image_is_known_by_its_signature() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\nrest"), Some("image/png"));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(sniff(b"GIF89a"), None);
    }

    #[test]
    fn a_declared_image_type_must_be_what_the_bytes_are() {
        let png = b"\x89PNG\r\n\x1a\n";
        assert_eq!(
            image_type("application/octet-stream", png).ok(),
            Some("image/png")
        );
        assert_eq!(image_type("image/png; q=1", png).ok(), Some("image/png"));
        assert!(image_type("image/jpeg", png).is_err());
        assert!(image_type("image/png", b"not an image").is_err());
        assert!(image_type("application/octet-stream", b"x").is_err());
        // Left to the use-case, which names the allowed types.
        assert_eq!(image_type("text/plain", png).ok(), Some("text/plain"));
    }
}
