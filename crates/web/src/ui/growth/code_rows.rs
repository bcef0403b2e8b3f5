//! The repeated blocks of the live-code form: routing rules (district, interest, tier and
//! their groups) and staff (userid, daily limit, hours), read from and shown as rows.

use quanzi_domain::GroupId;
use quanzi_domain::live_code::RouteRule;
use quanzi_domain::live_code::staff::StaffSlot;

use super::super::Layout;
use super::super::form::FormErrors;
use super::{Pairs, whole};

/// Empty rows shown under the filled ones, to add rules or staff without a script.
pub const SPARE_ROWS: usize = 3;

/// A routing rule as typed.
#[derive(Debug, Default, Clone)]
pub struct RuleRow {
    /// District.
    pub district: String,
    /// Interest.
    pub interest: String,
    /// Value tier.
    pub tier: String,
    /// Its groups, in the order ticked.
    pub groups: Vec<i64>,
}

impl RuleRow {
    /// The rows sent (`rule{i}_district`, `rule{i}_interest`, `rule{i}_tier`,
    /// `rule{i}_groups`), the empty ones dropped.
    pub fn read(p: &Pairs) -> Vec<RuleRow> {
        (0..p.rows("rule"))
            .map(|i| RuleRow {
                district: p.get(&format!("rule{i}_district")).to_string(),
                interest: p.get(&format!("rule{i}_interest")).to_string(),
                tier: p.get(&format!("rule{i}_tier")).to_string(),
                groups: p.ids(&format!("rule{i}_groups")),
            })
            .filter(|r| {
                !(r.district.is_empty()
                    && r.interest.is_empty()
                    && r.tier.is_empty()
                    && r.groups.is_empty())
            })
            .collect()
    }

    /// A stored rule as a row.
    pub fn of(r: &RouteRule) -> RuleRow {
        RuleRow {
            district: r.district.clone().unwrap_or_default(),
            interest: r.interest.clone().unwrap_or_default(),
            tier: r.tier.clone().unwrap_or_default(),
            groups: r.group_ids.iter().map(|g| g.0).collect(),
        }
    }

    /// The use-case's rule.
    pub fn input(&self) -> RouteRule {
        let some = |v: &str| Some(v.to_string()).filter(|v| !v.is_empty());
        RouteRule {
            district: some(&self.district),
            interest: some(&self.interest),
            tier: some(&self.tier),
            group_ids: self.groups.iter().copied().map(GroupId).collect(),
        }
    }
}

/// A staff member as typed.
#[derive(Debug, Default, Clone)]
pub struct StaffRow {
    /// WeCom userid.
    pub userid: String,
    /// New contacts a day at most.
    pub daily_limit: String,
    /// First hour.
    pub from_hour: String,
    /// Hour they stop.
    pub to_hour: String,
}

impl StaffRow {
    /// The rows sent (`staff{i}_userid`, `staff{i}_limit`, `staff{i}_from`, `staff{i}_to`),
    /// the empty ones dropped.
    pub fn read(p: &Pairs) -> Vec<StaffRow> {
        (0..p.rows("staff"))
            .map(|i| StaffRow {
                userid: p.get(&format!("staff{i}_userid")).to_string(),
                daily_limit: p.get(&format!("staff{i}_limit")).to_string(),
                from_hour: p.get(&format!("staff{i}_from")).to_string(),
                to_hour: p.get(&format!("staff{i}_to")).to_string(),
            })
            .filter(|s| {
                !(s.userid.is_empty()
                    && s.daily_limit.is_empty()
                    && s.from_hour.is_empty()
                    && s.to_hour.is_empty())
            })
            .collect()
    }

    /// A stored staff member as a row.
    pub fn of(s: &StaffSlot) -> StaffRow {
        let text = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
        StaffRow {
            userid: s.userid.clone(),
            daily_limit: text(s.daily_limit),
            from_hour: text(s.from_hour.map(i64::from)),
            to_hour: text(s.to_hour.map(i64::from)),
        }
    }

    /// The use-case's staff slot; a number that is not one is an error on row `at`.
    pub fn input(&self, l: &Layout, errs: &mut FormErrors, at: usize) -> StaffSlot {
        let field = format!("staff{at}");
        let labels = |_: &str| {
            l.t("code_form.staff_n")
                .replace("{n}", &(at + 1).to_string())
        };
        let mut num = |v: &str| whole(l, errs, &labels, &field, v);
        // An hour outside 0–255 is refused by the domain's rule with the others.
        let hour = |v: Option<i64>| v.map(|h| u8::try_from(h).unwrap_or(u8::MAX));
        let daily_limit = num(&self.daily_limit);
        let from_hour = hour(num(&self.from_hour));
        let to_hour = hour(num(&self.to_hour));
        StaffSlot {
            userid: self.userid.clone(),
            daily_limit,
            from_hour,
            to_hour,
        }
    }
}

/// A rule row as the form shows it: its values and every group with whether it is ticked.
pub struct RuleView {
    /// The row.
    pub row: RuleRow,
    /// (group id, name, ticked).
    pub choices: Vec<(i64, String, bool)>,
}

/// The rows to show: the filled ones, then [`SPARE_ROWS`] empty ones, each with the groups.
pub fn rule_views(rows: &[RuleRow], groups: &[(i64, String)]) -> Vec<RuleView> {
    rows.iter()
        .cloned()
        .chain(std::iter::repeat_n(RuleRow::default(), SPARE_ROWS))
        .map(|row| RuleView {
            choices: groups
                .iter()
                .map(|(id, name)| (*id, name.clone(), row.groups.contains(id)))
                .collect(),
            row,
        })
        .collect()
}

/// The staff rows to show: the filled ones, then [`SPARE_ROWS`] empty ones.
pub fn staff_views(rows: &[StaffRow]) -> Vec<StaffRow> {
    rows.iter()
        .cloned()
        .chain(std::iter::repeat_n(StaffRow::default(), SPARE_ROWS))
        .collect()
}

/// The form field of a use-case's field: a rule's or a staff member's error goes to its row
/// (`rules[1].tier` → `rule1`), a list item's to its list (`auto_tags[2]` → `auto_tags`).
pub fn form_field(field: &str) -> String {
    let row = |prefix: &str, name: &str| {
        let rest = field.strip_prefix(prefix)?;
        let i: usize = rest.split(']').next()?.parse().ok()?;
        Some(format!("{name}{i}"))
    };
    row("rules[", "rule")
        .or_else(|| row("staff[", "staff"))
        .unwrap_or_else(|| field.split('[').next().unwrap_or(field).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_of_a_rule_or_a_staff_member_go_to_its_row() {
        assert_eq!(form_field("rules[1].tier"), "rule1");
        assert_eq!(form_field("staff[0].from_hour"), "staff0");
        assert_eq!(form_field("auto_tags[2]"), "auto_tags");
        assert_eq!(form_field("slug"), "slug");
    }

    #[test]
    fn empty_rows_are_dropped_and_spare_ones_shown() {
        let p = Pairs::from(vec![
            ("rule0_district".to_string(), String::new()),
            ("rule1_interest".to_string(), "烘焙".to_string()),
            ("rule1_groups".to_string(), "3".to_string()),
        ]);
        let rows = RuleRow::read(&p);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].input().group_ids, vec![GroupId(3)]);
        assert_eq!(rows[0].input().district, None);
        let views = rule_views(&rows, &[(3, "群".into()), (4, "群2".into())]);
        assert_eq!(views.len(), 1 + SPARE_ROWS);
        assert!(views[0].choices[0].2 && !views[0].choices[1].2);
    }
}
