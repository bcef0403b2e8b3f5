//! Members (customers) and their persona attributes, external ids and custom fields.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::Invalid;
use crate::name_enum;
use crate::text;

name_enum! {
    /// A member's gender as the operator knows it.
    Gender { Unknown = "unknown", Female = "female", Male = "male" }
}

name_enum! {
    /// How much a member spends, relative to the tenant's customers.
    SpendingTier { None = "none", Low = "low", Mid = "mid", High = "high", Vip = "vip" }
}

name_enum! {
    /// Where a member is in the funnel 引流 → 拉群 → 促活 → 转化 → 复购.
    LifecycleStage {
        /// Attracted, not yet in a group.
        Prospect = "prospect",
        /// Joined recently.
        New = "new",
        /// Interacts regularly.
        Active = "active",
        /// Has bought.
        Customer = "customer",
        /// Buys again and again.
        Loyal = "loyal",
        /// Went quiet.
        Dormant = "dormant",
        /// Left or deleted the contact.
        Churned = "churned",
    }
}

name_enum! {
    /// The type a tenant-defined custom field holds.
    CustomFieldKind { Text = "text", Number = "number", Bool = "bool", Date = "date" }
}

/// A tenant-defined field a member can carry, e.g. `birthday: date`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomFieldDef {
    /// Machine key, e.g. `birthday`.
    pub key: String,
    /// Label shown to operators.
    pub label: String,
    /// The value type.
    pub kind: CustomFieldKind,
}

/// The identities a member is known by outside Quanzi; each is unique per tenant.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ExternalIds {
    /// WeCom `external_userid`.
    pub external_userid: Option<String>,
    /// WeChat `unionid`.
    pub unionid: Option<String>,
    /// Mobile phone, normalized to 11 digits.
    pub phone: Option<String>,
}

/// A member as a client sends it; every field optional so one type serves create and patch.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MemberInput {
    /// Display name (required on create).
    pub name: Option<String>,
    /// `unknown`, `female` or `male`.
    pub gender: Option<String>,
    /// District (区), e.g. 南山区.
    pub district: Option<String>,
    /// Interests, e.g. ["宝妈", "养生"].
    pub interests: Option<Vec<String>>,
    /// `none`, `low`, `mid`, `high` or `vip`.
    pub spending_tier: Option<String>,
    /// `prospect`, `new`, `active`, `customer`, `loyal`, `dormant` or `churned`.
    pub lifecycle_stage: Option<String>,
    /// Acquisition channel, e.g. `poster`, `partner_shop`, `referral` or a WeCom State.
    pub source_channel: Option<String>,
    /// WeCom external_userid.
    pub external_userid: Option<String>,
    /// WeChat unionid.
    pub unionid: Option<String>,
    /// Mobile phone (11 digits, optional +86).
    pub phone: Option<String>,
    /// Values of the tenant's custom fields, by key.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub custom: Option<BTreeMap<String, serde_json::Value>>,
}

/// A validated new member.
#[derive(Debug, Clone, PartialEq)]
pub struct NewMember {
    /// Display name.
    pub name: String,
    /// Gender.
    pub gender: Gender,
    /// District.
    pub district: Option<String>,
    /// Interests, deduplicated.
    pub interests: Vec<String>,
    /// Spending tier.
    pub spending_tier: SpendingTier,
    /// Lifecycle stage.
    pub lifecycle_stage: LifecycleStage,
    /// Acquisition channel.
    pub source_channel: Option<String>,
    /// External identities.
    pub external: ExternalIds,
    /// Custom field values.
    pub custom: BTreeMap<String, serde_json::Value>,
}

/// A validated partial update: `None` leaves a field as it is; `Some(None)` clears it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MemberPatch {
    /// New name.
    pub name: Option<String>,
    /// New gender.
    pub gender: Option<Gender>,
    /// New district (or cleared).
    pub district: Option<Option<String>>,
    /// New interests.
    pub interests: Option<Vec<String>>,
    /// New spending tier.
    pub spending_tier: Option<SpendingTier>,
    /// New lifecycle stage.
    pub lifecycle_stage: Option<LifecycleStage>,
    /// New source channel (or cleared).
    pub source_channel: Option<Option<String>>,
    /// New external_userid (or cleared).
    pub external_userid: Option<Option<String>>,
    /// New unionid (or cleared).
    pub unionid: Option<Option<String>>,
    /// New phone (or cleared).
    pub phone: Option<Option<String>>,
    /// Custom values to set (merged into the existing ones; JSON null removes a key).
    pub custom: Option<BTreeMap<String, serde_json::Value>>,
}

/// A phone number as a viewer sees it: the first three and last four characters kept, the
/// middle starred (`13812345678` → `138****5678`); a short value is starred whole.
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    if chars.len() < 8 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 7))
}

/// The placeholder name an erased member keeps (no personal data; the id stays).
pub fn erased_name(member_id: i64) -> String {
    format!("erased-{member_id}")
}

/// Normalizes a mainland mobile number to 11 digits; `None` when it is not one.
pub fn normalize_phone(raw: &str) -> Option<String> {
    let digits: String = raw.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    let digits = digits
        .strip_prefix("+86")
        .or_else(|| digits.strip_prefix("0086"))
        .unwrap_or(&digits);
    let ok =
        digits.len() == 11 && digits.starts_with('1') && digits.chars().all(|c| c.is_ascii_digit());
    ok.then(|| digits.to_string())
}

fn parse_enum<T>(
    errors: &mut Invalid,
    field: &str,
    raw: Option<&str>,
    parse: fn(&str) -> Option<T>,
    expected: fn() -> String,
) -> Option<T> {
    let raw = raw?;
    let v = parse(raw.trim());
    if v.is_none() {
        errors.push(field, format!("must be one of: {}", expected()));
    }
    v
}

fn parse_interests(errors: &mut Invalid, raw: &[String]) -> Vec<String> {
    if raw.len() > 20 {
        errors.push("interests", "at most 20 interests");
        return Vec::new();
    }
    let mut out: Vec<String> = Vec::new();
    for (i, s) in raw.iter().enumerate() {
        if let Some(v) = text::required(errors, &format!("interests[{i}]"), s, 32)
            && !out.contains(&v)
        {
            out.push(v);
        }
    }
    out
}

fn parse_external(errors: &mut Invalid, field: &str, raw: Option<&str>) -> Option<Option<String>> {
    let raw = raw?;
    if raw.trim().is_empty() {
        return Some(None);
    }
    Some(text::optional(errors, field, Some(raw), 128))
}

fn parse_phone(errors: &mut Invalid, raw: Option<&str>) -> Option<Option<String>> {
    let raw = raw?;
    if raw.trim().is_empty() {
        return Some(None);
    }
    match normalize_phone(raw) {
        Some(p) => Some(Some(p)),
        None => {
            errors.push("phone", "must be an 11-digit mainland mobile number");
            None
        }
    }
}

/// Checks custom values against the tenant's definitions; JSON null is allowed (removes).
pub fn check_custom(
    errors: &mut Invalid,
    defs: &[CustomFieldDef],
    values: &BTreeMap<String, serde_json::Value>,
) {
    for (k, v) in values {
        let field = format!("custom.{k}");
        let Some(def) = defs.iter().find(|d| &d.key == k) else {
            errors.push(field, "is not a custom field of this tenant");
            continue;
        };
        let ok = match (def.kind, v) {
            (_, serde_json::Value::Null) => true,
            (CustomFieldKind::Text, serde_json::Value::String(s)) => {
                s.chars().count() <= 500 && !s.contains('\0')
            }
            (CustomFieldKind::Number, serde_json::Value::Number(_)) => true,
            (CustomFieldKind::Bool, serde_json::Value::Bool(_)) => true,
            (CustomFieldKind::Date, serde_json::Value::String(s)) => is_iso_date(s),
            _ => false,
        };
        if !ok {
            errors.push(field, format!("must be a {}", def.kind));
        }
    }
}

/// True for `YYYY-MM-DD` with a plausible month and day.
pub fn is_iso_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| s.get(r).and_then(|x| x.parse::<u32>().ok());
    matches!((num(0..4), num(5..7), num(8..10)), (Some(_), Some(m), Some(d)) if (1..=12).contains(&m) && (1..=31).contains(&d))
}

impl MemberInput {
    /// Validates a create request.
    pub fn into_new(self, defs: &[CustomFieldDef]) -> Result<NewMember, Invalid> {
        let mut e = Invalid::default();
        let name = match &self.name {
            Some(n) => text::required(&mut e, "name", n, 64),
            None => {
                e.push("name", "is required");
                None
            }
        };
        let patch = self.patch_parts(&mut e, defs);
        let m = NewMember {
            name: name.unwrap_or_default(),
            gender: patch.gender.unwrap_or(Gender::Unknown),
            district: patch.district.flatten(),
            interests: patch.interests.unwrap_or_default(),
            spending_tier: patch.spending_tier.unwrap_or(SpendingTier::None),
            lifecycle_stage: patch.lifecycle_stage.unwrap_or(LifecycleStage::New),
            source_channel: patch.source_channel.flatten(),
            external: ExternalIds {
                external_userid: patch.external_userid.flatten(),
                unionid: patch.unionid.flatten(),
                phone: patch.phone.flatten(),
            },
            custom: patch
                .custom
                .unwrap_or_default()
                .into_iter()
                .filter(|(_, v)| !v.is_null())
                .collect(),
        };
        e.or_ok(m)
    }

    /// Validates an update request.
    pub fn into_patch(self, defs: &[CustomFieldDef]) -> Result<MemberPatch, Invalid> {
        let mut e = Invalid::default();
        let name = self
            .name
            .as_deref()
            .and_then(|n| text::required(&mut e, "name", n, 64));
        let mut patch = self.patch_parts(&mut e, defs);
        patch.name = name;
        e.or_ok(patch)
    }

    fn patch_parts(&self, e: &mut Invalid, defs: &[CustomFieldDef]) -> MemberPatch {
        if let Some(c) = &self.custom {
            check_custom(e, defs, c);
        }
        MemberPatch {
            name: None,
            gender: parse_enum(
                e,
                "gender",
                self.gender.as_deref(),
                Gender::parse,
                Gender::expected,
            ),
            district: self
                .district
                .as_deref()
                .map(|d| text::optional(e, "district", Some(d), 32)),
            interests: self.interests.as_deref().map(|i| parse_interests(e, i)),
            spending_tier: parse_enum(
                e,
                "spending_tier",
                self.spending_tier.as_deref(),
                SpendingTier::parse,
                SpendingTier::expected,
            ),
            lifecycle_stage: parse_enum(
                e,
                "lifecycle_stage",
                self.lifecycle_stage.as_deref(),
                LifecycleStage::parse,
                LifecycleStage::expected,
            ),
            source_channel: self
                .source_channel
                .as_deref()
                .map(|s| text::optional(e, "source_channel", Some(s), 64)),
            external_userid: parse_external(e, "external_userid", self.external_userid.as_deref()),
            unionid: parse_external(e, "unionid", self.unionid.as_deref()),
            phone: parse_phone(e, self.phone.as_deref()),
            custom: self.custom.clone(),
        }
    }
}

mod merge;
pub use merge::{MAX_INTERESTS, MergeSide, merge_patch};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_masked_phone_keeps_only_its_ends() {
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_phone("12345"), "*****");
    }

    #[test]
    fn phone_numbers_are_normalized_to_eleven_digits() {
        assert_eq!(
            normalize_phone("+86 138-0013-8000").as_deref(),
            Some("13800138000")
        );
        assert_eq!(
            normalize_phone("13800138000").as_deref(),
            Some("13800138000")
        );
        assert_eq!(normalize_phone("2380013800"), None);
        assert_eq!(normalize_phone("abc"), None);
    }

    #[test]
    fn a_member_without_a_name_names_the_field() {
        let err = MemberInput::default()
            .into_new(&[])
            .err()
            .map(|e| e.0)
            .unwrap_or_default();
        assert_eq!(err[0].field, "name");
    }

    #[test]
    fn bad_enum_and_custom_values_are_each_reported() {
        let defs = vec![CustomFieldDef {
            key: "birthday".into(),
            label: "生日".into(),
            kind: CustomFieldKind::Date,
        }];
        let input = MemberInput {
            name: Some("王芳".into()),
            gender: Some("robot".into()),
            phone: Some("12".into()),
            custom: Some(
                [
                    ("birthday".to_string(), serde_json::json!("1990-13-01")),
                    ("shoe".to_string(), serde_json::json!(1)),
                ]
                .into(),
            ),
            ..Default::default()
        };
        let fields: Vec<String> = input
            .into_new(&defs)
            .err()
            .map(|e| e.0)
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            vec!["custom.birthday", "custom.shoe", "gender", "phone"]
        );
    }

    #[test]
    fn a_patch_can_clear_the_phone() {
        let p = MemberInput {
            phone: Some(String::new()),
            ..Default::default()
        }
        .into_patch(&[]);
        assert_eq!(p.map(|p| p.phone), Ok(Some(None)));
    }
}
