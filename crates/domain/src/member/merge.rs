//! Merging two records of one person: what the kept member (the target) takes from the one
//! merged into it (the source). One rule, used by the store's merge and by the preview the
//! operator sees before confirming.

use std::collections::BTreeMap;

use super::MemberPatch;

/// The attributes of one side of a merge that the rule reads.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MergeSide {
    /// District.
    pub district: Option<String>,
    /// Interests, in order.
    pub interests: Vec<String>,
    /// Acquisition channel.
    pub source_channel: Option<String>,
    /// WeCom external_userid.
    pub external_userid: Option<String>,
    /// WeChat unionid.
    pub unionid: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Custom values by key.
    pub custom: BTreeMap<String, serde_json::Value>,
}

/// The most interests a member keeps (as the input rules allow).
pub const MAX_INTERESTS: usize = 20;

/// The change to the target: every value the target lacks is taken from the source
/// (district, channel, the three identities, custom values); interests are the union, the
/// target's first, at most [`MAX_INTERESTS`]. What the target has is never overwritten.
pub fn merge_patch(target: &MergeSide, source: &MergeSide) -> MemberPatch {
    let fill = |t: &Option<String>, s: &Option<String>| match (t, s) {
        (None, Some(v)) => Some(Some(v.clone())),
        _ => None,
    };
    let mut interests = target.interests.clone();
    for i in &source.interests {
        if interests.len() < MAX_INTERESTS && !interests.contains(i) {
            interests.push(i.clone());
        }
    }
    let mut custom = source.custom.clone();
    custom.extend(target.custom.clone());
    MemberPatch {
        district: fill(&target.district, &source.district),
        interests: (interests != target.interests).then_some(interests),
        source_channel: fill(&target.source_channel, &source.source_channel),
        external_userid: fill(&target.external_userid, &source.external_userid),
        unionid: fill(&target.unionid, &source.unionid),
        phone: fill(&target.phone, &source.phone),
        custom: (custom != target.custom).then_some(custom),
        ..MemberPatch::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn side(district: Option<&str>, interests: &[&str], channel: Option<&str>) -> MergeSide {
        MergeSide {
            district: district.map(str::to_string),
            interests: interests.iter().map(|s| s.to_string()).collect(),
            source_channel: channel.map(str::to_string),
            ..MergeSide::default()
        }
    }

    #[test]
    fn the_target_keeps_what_it_has_and_takes_what_it_lacks() {
        let t = side(Some("南山区"), &["宝妈", "养生"], None);
        let s = side(Some("福田区"), &["养生", "烘焙"], Some("poster"));
        let p = merge_patch(&t, &s);
        assert_eq!(p.district, None, "the target's district stays");
        assert_eq!(p.source_channel, Some(Some("poster".into())));
        assert_eq!(
            p.interests,
            Some(vec!["宝妈".into(), "养生".into(), "烘焙".into()])
        );
    }

    #[test]
    fn nothing_to_take_is_an_empty_patch_and_interests_are_capped() {
        let t = side(Some("南山区"), &["a"], Some("store_qr"));
        assert_eq!(merge_patch(&t, &t.clone()), MemberPatch::default());
        let many: Vec<String> = (0..30).map(|i| i.to_string()).collect();
        let s = MergeSide {
            interests: many,
            ..MergeSide::default()
        };
        let p = merge_patch(&t, &s);
        assert_eq!(p.interests.map(|i| i.len()), Some(MAX_INTERESTS));
    }
}
