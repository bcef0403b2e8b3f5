//! The OpenAPI schemas of the growth loop's query parameters and raw bodies: integers with
//! the bounds the handlers check, closed lists of names, and binary or CSV payloads.

use quanzi_domain::referral::ledger::RewardState;
use utoipa::ToSchema;

use crate::api::params::integer;
use utoipa::openapi::schema::{Object, ObjectBuilder, Schema, SchemaType, Type};

/// Pixels per module of a QR PNG, and its default.
pub const SCALE: (i64, i64, i64) = (1, 32, 8);
/// Pixels per side of a QR SVG, and its default.
pub const PX: (i64, i64, i64) = (64, 4096, 512);
/// Days a member link stays valid, and the default.
pub const LINK_DAYS: (i64, i64, i64) = (1, 365, quanzi_core::visitors::LINK_DAYS);
/// Rewards listed at most, and the default.
pub const REWARDS: (i64, i64, i64) = (1, 1000, 100);

/// A QR PNG's pixels per module.
pub fn scale() -> Schema {
    integer(SCALE.0, Some(SCALE.1))
}

/// A QR SVG's side in pixels.
pub fn px() -> Schema {
    integer(PX.0, Some(PX.1))
}

/// A rewards list size.
pub fn rewards_limit() -> Schema {
    integer(REWARDS.0, Some(REWARDS.1))
}

/// When a group QR image was taken, unix ms (not in the future; at most 7 days ago).
pub fn uploaded_at_ms() -> Schema {
    integer(0, Some(i64::MAX))
}

/// A reward state, or blank for any.
pub fn reward_state() -> Object {
    let names = std::iter::once("").chain(RewardState::NAMES.iter().copied());
    ObjectBuilder::new()
        .schema_type(SchemaType::Type(Type::String))
        .enum_values(Some(names))
        .build()
}

/// A PNG image.
#[derive(ToSchema)]
#[schema(content_media_type = "image/png")]
pub struct PngImage(pub String);

/// An SVG document.
#[derive(ToSchema)]
#[schema(content_media_type = "image/svg+xml")]
pub struct SvgImage(pub String);

/// A group's QR image: PNG, JPEG or WebP bytes, at most 2 MiB.
#[derive(ToSchema)]
#[schema(format = Binary)]
pub struct QrUpload(pub String);

/// A payment tool's file: CSV, one reward a line by its `reward_id` in the first column, as
/// the export has it. Any text is accepted: a line that does not start with an id is skipped.
// No type: over `text/plain` any generated value is text, so no body could be refused as
// "not a string", and a schema that promised it would be wrong.
#[derive(ToSchema)]
#[schema(value_type = Value)]
pub struct PaidFile(pub String);

/// The approved cash rewards as CSV: the header `reward_id,member_id,name,phone,amount_fen,cause`,
/// then one reward a line.
#[derive(ToSchema)]
#[schema(content_media_type = "text/csv")]
pub struct CashExport(pub String);

/// Reads an optional integer parameter within `(min, max, default)`, naming it on error.
pub fn bounded(
    value: &Option<String>,
    name: &str,
    (min, max, default): (i64, i64, i64),
) -> Result<i64, crate::error::ApiError> {
    let v = crate::error::int_param(value, name)?.unwrap_or(default);
    if (min..=max).contains(&v) {
        Ok(v)
    } else {
        Err(crate::error::ApiError::field(
            name,
            format!("must be between {min} and {max}"),
        ))
    }
}
