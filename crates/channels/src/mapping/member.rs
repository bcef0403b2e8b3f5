//! The columns of a members file: their names (English and Chinese), and a row mapped to the
//! domain's member input and validated.

use std::collections::BTreeMap;

use quanzi_domain::member::{CustomFieldDef, CustomFieldKind, MemberInput, NewMember};

use super::cells::{custom_value, gender_value, split_interests};
use super::errors::{defect, field_errors};
use super::header::{Col, Header, check_required};
use crate::import::{Row, RowError};

/// What a column of a members file can feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MemberField {
    Name,
    Gender,
    District,
    Interests,
    SpendingTier,
    LifecycleStage,
    SourceChannel,
    ExternalUserid,
    Unionid,
    Phone,
}

/// The columns a members file may have, for the unknown-column error.
const MEMBER_COLUMNS: &str = "name, gender, district, interests, spending_tier, lifecycle_stage, \
     source_channel, external_userid, unionid, phone and custom.<key>";

/// The field a lowercased header names, in English or Chinese.
fn member_field(h: &str) -> Option<MemberField> {
    use MemberField::*;
    Some(match h {
        "name" | "姓名" | "昵称" => Name,
        "gender" | "性别" => Gender,
        "district" | "区" | "区域" | "地区" => District,
        "interests" | "兴趣" => Interests,
        "spending_tier" | "消费等级" => SpendingTier,
        "lifecycle_stage" | "生命周期" => LifecycleStage,
        "source_channel" | "来源" | "来源渠道" => SourceChannel,
        "external_userid" => ExternalUserid,
        "unionid" => Unionid,
        "phone" | "手机" | "手机号" => Phone,
        _ => return None,
    })
}

/// The domain's name of a field.
fn member_canonical(f: MemberField) -> &'static str {
    use MemberField::*;
    match f {
        Name => "name",
        Gender => "gender",
        District => "district",
        Interests => "interests",
        SpendingTier => "spending_tier",
        LifecycleStage => "lifecycle_stage",
        SourceChannel => "source_channel",
        ExternalUserid => "external_userid",
        Unionid => "unionid",
        Phone => "phone",
    }
}

/// The columns of a members file.
#[derive(Debug, Clone)]
pub struct MemberColumns {
    h: Header<MemberField>,
    defs: Vec<CustomFieldDef>,
}

impl MemberColumns {
    /// Resolves the header against the tenant's custom fields; `header_line` is where errors
    /// about columns are reported. A `name` (or `姓名`) column is required.
    pub fn new(
        headers: &[String],
        header_line: usize,
        defs: &[CustomFieldDef],
    ) -> Result<Self, Vec<RowError>> {
        let keyed = |h: &str| {
            let key = h.strip_prefix("custom.")?;
            Some(match defs.iter().find(|d| d.key == key) {
                Some(d) => Ok((d.key.clone(), Some(d.kind))),
                None => Err(format!("`{key}` is not a custom field of this tenant")),
            })
        };
        let h = Header::resolve(headers, header_line, member_field, keyed, MEMBER_COLUMNS)?;
        check_required(&h, header_line, &[(&[MemberField::Name], "name")])?;
        Ok(Self {
            h,
            defs: defs.to_vec(),
        })
    }

    /// Maps a row to the API's member input (values are not validated beyond their type).
    pub fn map(&self, row: &Row) -> Result<MemberInput, Vec<RowError>> {
        defect(row)?;
        let mut errors = Vec::new();
        let mut m = MemberInput::default();
        let mut custom = BTreeMap::new();
        for (col, header, v) in self.h.cells(row, &mut errors) {
            use MemberField::*;
            let s = Some(v.to_string());
            match col {
                Col::Field(Name) => m.name = s,
                Col::Field(Gender) => m.gender = Some(gender_value(v)),
                Col::Field(District) => m.district = s,
                Col::Field(Interests) => m.interests = Some(split_interests(v)),
                Col::Field(SpendingTier) => m.spending_tier = Some(v.to_lowercase()),
                Col::Field(LifecycleStage) => m.lifecycle_stage = Some(v.to_lowercase()),
                Col::Field(SourceChannel) => m.source_channel = s,
                Col::Field(ExternalUserid) => m.external_userid = s,
                Col::Field(Unionid) => m.unionid = s,
                Col::Field(Phone) => m.phone = s,
                Col::Keyed(key, kind) => {
                    match custom_value(kind.unwrap_or(CustomFieldKind::Text), v) {
                        Ok(j) => {
                            custom.insert(key.clone(), j);
                        }
                        Err(reason) => errors.push(RowError::new(row.line, header, reason)),
                    }
                }
                Col::Unnamed | Col::Ignored => {}
            }
        }
        if !custom.is_empty() {
            m.custom = Some(custom);
        }
        if errors.is_empty() {
            Ok(m)
        } else {
            Err(errors)
        }
    }

    /// Maps and validates a row into a new member.
    pub fn parse(&self, row: &Row) -> Result<NewMember, Vec<RowError>> {
        let input = self.map(row)?;
        input
            .into_new(&self.defs)
            .map_err(|e| field_errors(row.line, e.0, |f| self.column_name(f)))
    }

    /// The file's name for a field the domain names (e.g. `phone` may be `手机号`).
    pub fn column_name(&self, canonical: &str) -> String {
        let known = [
            MemberField::Name,
            MemberField::Gender,
            MemberField::District,
            MemberField::Interests,
            MemberField::SpendingTier,
            MemberField::LifecycleStage,
            MemberField::SourceChannel,
            MemberField::ExternalUserid,
            MemberField::Unionid,
            MemberField::Phone,
        ];
        known
            .iter()
            .find(|f| member_canonical(**f) == canonical)
            .and_then(|f| self.h.name_of(*f))
            .unwrap_or(canonical)
            .to_string()
    }
}
