//! A live code as a client sends it, and the validated value the store keeps.

use serde::{Deserialize, Serialize};

use super::staff::{MAX_STAFF, StaffSlot};
use super::{LiveCodeKind, MAX_RULES, RouteRule, check_slug};
use crate::error::Invalid;
use crate::{GroupId, text};

/// A live code as a client sends it, for create and update (an update sends it whole).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LiveCodeInput {
    /// Name the operator knows it by (e.g. "南山店门口海报").
    pub name: Option<String>,
    /// The stable part of its URL, `/h/{tenant}/c/{slug}`: lower-case letters, digits, `-`.
    pub slug: Option<String>,
    /// `poster`, `partner`, `store` or `staff`.
    pub kind: Option<String>,
    /// The store it belongs to, for routing by store.
    pub store: Option<String>,
    /// The groups it fills when no rule matches, in order.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Vec<i64>>))]
    pub group_ids: Option<Vec<GroupId>>,
    /// Routing rules, the first match wins.
    pub rules: Option<Vec<RouteRule>>,
    /// The group copied when every group is full.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub template_group_id: Option<GroupId>,
    /// The lead gift every new member of the code gets.
    pub gift_id: Option<i64>,
    /// Ask the visitor's district and interest before routing (the two-question form).
    pub ask: Option<bool>,
    /// Staff codes: the staff it spreads contacts over.
    pub staff: Option<Vec<StaffSlot>>,
    /// Staff codes: who takes contacts when nobody else can.
    pub backup_staff: Option<String>,
    /// Staff codes: the welcome message for whoever adds through it.
    pub welcome: Option<String>,
    /// Tags given to whoever comes through it.
    pub auto_tags: Option<Vec<String>>,
}

/// A validated live code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLiveCode {
    /// Name.
    pub name: String,
    /// URL slug.
    pub slug: String,
    /// Where it is shown.
    pub kind: LiveCodeKind,
    /// Store.
    pub store: Option<String>,
    /// Default groups in order.
    pub group_ids: Vec<GroupId>,
    /// Routing rules.
    pub rules: Vec<RouteRule>,
    /// Template group.
    pub template_group_id: Option<GroupId>,
    /// Lead gift.
    pub gift_id: Option<i64>,
    /// Two-question form.
    pub ask: bool,
    /// Staff.
    pub staff: Vec<StaffSlot>,
    /// Backup staff.
    pub backup_staff: Option<String>,
    /// Welcome message.
    pub welcome: Option<String>,
    /// Auto tags.
    pub auto_tags: Vec<String>,
}

impl NewLiveCode {
    /// Every group the code names, in its pool, its rules or as its template.
    pub fn groups_named(&self) -> Vec<GroupId> {
        let mut all: Vec<GroupId> = self.group_ids.clone();
        all.extend(self.rules.iter().flat_map(|r| r.group_ids.iter().copied()));
        all.extend(self.template_group_id);
        all.sort_by_key(|g| g.0);
        all.dedup();
        all
    }
}

impl LiveCodeInput {
    /// Validates the input.
    pub fn into_new(self) -> Result<NewLiveCode, Invalid> {
        let mut e = Invalid::default();
        let name = text::present(&mut e, "name", self.name.as_deref(), 64);
        let slug = text::present(&mut e, "slug", self.slug.as_deref(), 40)
            .and_then(|s| check_slug(&mut e, "slug", s.trim()));
        let kind = match self.kind.as_deref().map(str::trim) {
            None => Some(LiveCodeKind::Poster),
            Some(k) => {
                let kind = LiveCodeKind::parse(k);
                if kind.is_none() {
                    e.push(
                        "kind",
                        format!("must be one of: {}", LiveCodeKind::expected()),
                    );
                }
                kind
            }
        };
        let rules = self.rules.unwrap_or_default();
        if rules.len() > MAX_RULES {
            e.push("rules", format!("at most {MAX_RULES} rules"));
        }
        for (i, r) in rules.iter().enumerate() {
            r.check(&mut e, i);
        }
        let staff = self.staff.unwrap_or_default();
        if staff.len() > MAX_STAFF {
            e.push("staff", format!("at most {MAX_STAFF} staff"));
        }
        for (i, s) in staff.iter().enumerate() {
            s.check(&mut e, i);
        }
        let group_ids = self.group_ids.unwrap_or_default();
        if group_ids.len() > 200 {
            e.push("group_ids", "at most 200 groups");
        }
        if kind == Some(LiveCodeKind::Staff) && staff.is_empty() {
            e.push("staff", "a staff code needs at least one staff member");
        }
        if kind.is_some_and(|k| k != LiveCodeKind::Staff)
            && group_ids.is_empty()
            && rules.is_empty()
            && self.template_group_id.is_none()
        {
            e.push(
                "group_ids",
                "name at least one group, a rule or a template group",
            );
        }
        let auto_tags = self.auto_tags.unwrap_or_default();
        for (i, t) in auto_tags.iter().enumerate() {
            text::required(&mut e, &format!("auto_tags[{i}]"), t, 64);
        }
        let backup_staff = self
            .backup_staff
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .and_then(|s| text::key(&mut e, "backup_staff", s, 64));
        let code = NewLiveCode {
            name: name.unwrap_or_default(),
            slug: slug.unwrap_or_default(),
            kind: kind.unwrap_or(LiveCodeKind::Poster),
            store: text::optional(&mut e, "store", self.store.as_deref(), 64),
            group_ids,
            rules,
            template_group_id: self.template_group_id,
            gift_id: self.gift_id,
            ask: self.ask.unwrap_or(false),
            staff,
            backup_staff,
            welcome: text::optional(&mut e, "welcome", self.welcome.as_deref(), 1000),
            auto_tags,
        };
        e.or_ok(code)
    }
}
