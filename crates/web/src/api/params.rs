//! The OpenAPI schemas of query parameters: the rules the handlers check, written where
//! clients and schema-driven tools can read them (integers with their bounds, closed lists of
//! names). Parameters stay strings in Rust so that a bad value gets our own error naming it.

use utoipa::openapi::KnownFormat;
use utoipa::openapi::schema::{
    AnyOfBuilder, Object, ObjectBuilder, Schema, SchemaFormat, SchemaType, Type,
};

/// An integer in `min..=max` (or up to `i64::MAX`), or blank for the default.
pub(crate) fn integer(min: i64, max: Option<i64>) -> Schema {
    let n = ObjectBuilder::new()
        .schema_type(SchemaType::Type(Type::Integer))
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
        .minimum(Some(min as f64))
        .maximum(Some(max.unwrap_or(i64::MAX) as f64));
    AnyOfBuilder::new()
        .item(n)
        .item(blank())
        .description(Some("blank means the default"))
        .into()
}

/// The empty string, which every optional parameter takes as "not given".
fn blank() -> Object {
    ObjectBuilder::new()
        .schema_type(SchemaType::Type(Type::String))
        .enum_values(Some([""]))
        .build()
}

/// An object id: a positive integer.
pub fn id() -> Schema {
    integer(1, None)
}

/// A page size, 1-200.
pub fn page_limit() -> Schema {
    integer(1, Some(quanzi_core::MAX_PAGE))
}

/// A product list size, 1-1000.
pub fn products_limit() -> Schema {
    integer(1, Some(1000))
}

/// A run list size, 1-100.
pub fn runs_limit() -> Schema {
    integer(1, Some(100))
}

/// A KOL list size, 1-200.
pub fn kol_limit() -> Schema {
    integer(1, Some(200))
}

/// A threshold in days, 1-365.
pub fn threshold_days() -> Schema {
    integer(1, Some(365))
}

/// A look-back in days, 1-366.
pub fn lookback_days() -> Schema {
    integer(1, Some(366))
}

/// A day as `YYYY-MM-DD`, or blank for the default.
pub fn date() -> Schema {
    let d = ObjectBuilder::new()
        .schema_type(SchemaType::Type(Type::String))
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)));
    AnyOfBuilder::new().item(d).item(blank()).into()
}

/// The `next_cursor` of a previous page, or blank for the first page. Opaque: integers joined
/// by `.`, a listing's sort key; only a cursor the same listing returned is accepted (422 on
/// `cursor` otherwise).
pub fn cursor() -> Object {
    ObjectBuilder::new()
        .schema_type(SchemaType::Type(Type::String))
        .pattern(Some("^(-?[0-9]{1,18}(\\.-?[0-9]{1,18}){0,2})?$"))
        .description(Some(
            "`next_cursor` of the previous page of the same listing (opaque; any other is refused)",
        ))
        .build()
}

/// Up to 1000 positive ids separated by commas, or blank for all.
pub fn id_list() -> Object {
    ObjectBuilder::new()
        .schema_type(SchemaType::Type(Type::String))
        .pattern(Some("^([1-9][0-9]{0,17}(,[1-9][0-9]{0,17}){0,999})?$"))
        .build()
}

/// One of `names` (a domain type's `expected()` list, comma-separated); blank means any.
fn one_of(names: &str) -> Object {
    let values: Vec<&str> = std::iter::once("")
        .chain(names.split(", ").filter(|n| !n.is_empty()))
        .collect();
    ObjectBuilder::new()
        .schema_type(SchemaType::Type(Type::String))
        .enum_values(Some(values))
        .build()
}

/// A gender, or blank.
pub fn gender() -> Object {
    one_of(&quanzi_domain::member::Gender::expected())
}

/// A spending tier, or blank.
pub fn spending_tier() -> Object {
    one_of(&quanzi_domain::member::SpendingTier::expected())
}

/// A lifecycle stage, or blank.
pub fn lifecycle_stage() -> Object {
    one_of(&quanzi_domain::member::LifecycleStage::expected())
}

/// A retention period, or blank for weeks.
pub fn period() -> Object {
    one_of("week, month")
}

/// A KOL role, or blank for `influencer`.
pub fn role() -> Object {
    one_of(&quanzi_core::influence::ROLES.map(|r| r.1).join(", "))
}

/// An influence run kind, or blank for all.
pub fn run_kind() -> Object {
    one_of("scores, seeds, simulate")
}

/// A group dimension, or blank for all.
pub fn dimension() -> Object {
    one_of(&quanzi_domain::group::GroupDimension::expected())
}
