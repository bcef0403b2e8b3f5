//! What merging one member into another would do, shown to the operator before they confirm:
//! both sides, the kept member as it would be after (the domain's merge rule), and what moves
//! (events, groups, tags).

use quanzi_domain::member::{MergeSide, merge_patch};
use quanzi_domain::{Invalid, MemberId, TenantId};
use quanzi_store::member as repo;
use quanzi_store::{Db, group, tag};

use crate::views::Member;
use crate::{CoreError, Result};

/// A merge not yet made.
#[derive(Debug, Clone)]
pub struct MergePreview {
    /// The member kept.
    pub target: Member,
    /// The member merged into it.
    pub source: Member,
    /// The kept member's attributes after the merge.
    pub after: MergeSide,
    /// Events that move to the kept member.
    pub events: i64,
    /// Groups the merged member is in and the kept one is not (they move).
    pub groups: Vec<String>,
    /// Tags the merged member has and the kept one lacks (they move).
    pub tags: Vec<String>,
}

/// Previews merging `source` into `target`, refusing what [`super::merge`] would refuse.
pub async fn merge_preview(
    db: &Db,
    t: TenantId,
    target: MemberId,
    source: MemberId,
) -> Result<MergePreview> {
    if target == source {
        return Err(Invalid::one("source_member_id", "must differ from the target").into());
    }
    let (Some(tm), Some(sm)) = (
        repo::get(db, t, target).await?,
        repo::get(db, t, source).await?,
    ) else {
        return Err(CoreError::NotFound("member"));
    };
    if tm.merged_into.is_some() || sm.merged_into.is_some() {
        return Err(Invalid::one(
            "source_member_id",
            "one of the two members was already merged",
        )
        .into());
    }
    let (ts, ss) = (tm.merge_side(), sm.merge_side());
    let patch = merge_patch(&ts, &ss);
    let mut after = ts.clone();
    let take = |v: Option<Option<String>>, into: &mut Option<String>| {
        if let Some(v) = v {
            *into = v;
        }
    };
    take(patch.district, &mut after.district);
    take(patch.source_channel, &mut after.source_channel);
    take(patch.external_userid, &mut after.external_userid);
    take(patch.unionid, &mut after.unionid);
    take(patch.phone, &mut after.phone);
    if let Some(i) = patch.interests {
        after.interests = i;
    }
    if let Some(c) = patch.custom {
        after.custom = c;
    }
    let kept_groups = group::groups_of_member(db, t, target).await?;
    let groups = group::groups_of_member(db, t, source)
        .await?
        .into_iter()
        .filter(|g| !kept_groups.iter().any(|k| k.group_id == g.group_id))
        .map(|g| g.name)
        .collect();
    let kept_tags = tag::of_member(db, t, target).await?;
    let tags = tag::of_member(db, t, source)
        .await?
        .into_iter()
        .filter(|g| !kept_tags.iter().any(|k| k.tag_id == g.tag_id))
        .map(|g| format!("{} · {}", g.group_name, g.name))
        .collect();
    Ok(MergePreview {
        events: repo::event_count(db, t, source).await?,
        target: tm.into(),
        source: sm.into(),
        after,
        groups,
        tags,
    })
}
