//! Two members merged into one: what the merge rule reads of each, and every table that
//! follows the person moved to the kept member in one transaction.

use quanzi_domain::{MemberId, TenantId};

use super::{Member, get_tx, update};
use crate::timeline::{self, Axis};
use crate::{Result, StoreError, Tx, on_tx};

impl Member {
    /// What the merge rule reads of this member.
    pub fn merge_side(&self) -> quanzi_domain::member::MergeSide {
        quanzi_domain::member::MergeSide {
            district: self.district.clone(),
            interests: self.interests.clone(),
            source_channel: self.source_channel.clone(),
            external_userid: self.external_userid.clone(),
            unionid: self.unionid.clone(),
            phone: self.phone.clone(),
            custom: self
                .custom
                .as_object()
                .map(|o| o.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default(),
        }
    }
}

/// Merges `source` into `target`: events, memberships and tags move to the target, external
/// ids the target lacks are taken over, custom values the target lacks are copied, and the
/// source is marked `merged_into`. Returns the merged target.
pub async fn merge(
    tx: &mut Tx,
    tenant: TenantId,
    target: MemberId,
    source: MemberId,
) -> Result<Option<Member>> {
    let (Some(t), Some(s)) = (
        get_tx(tx, tenant, target).await?,
        get_tx(tx, tenant, source).await?,
    ) else {
        return Ok(None);
    };
    if s.merged_into.is_some() || t.merged_into.is_some() {
        return Err(StoreError::AlreadyMerged);
    }
    let tn = tenant.0;
    // The events first, found on the merged member's timeline; then the timeline itself.
    let events = format!(
        "update event set member_id = $2 where tenant_id = $1 and event_id in ({})",
        timeline::ids(tx.is_sqlite(), Axis::Member, "$1", "$3", "")
    );
    on_tx!(tx, c => sqlx::query(sqlx::AssertSqlSafe(events)).bind(tn).bind(target.0).bind(source.0).execute(c).await.map(|r| r.rows_affected()))?;
    timeline::move_member(tx, tn, source.0, target.0).await?;
    let stmts: [&str; 25] = [
        "update membership_change set member_id = $2 where tenant_id = $1 and member_id = $3",
        "insert into group_membership (tenant_id, group_id, member_id, role, joined_at_ms, join_scene, inviter_member_id, left_at_ms)
           select tenant_id, group_id, $2, role, joined_at_ms, join_scene, inviter_member_id, left_at_ms from group_membership
           where tenant_id = $1 and member_id = $3 on conflict do nothing",
        "delete from group_membership where tenant_id = $1 and member_id = $3 and $2 = $2",
        "insert into member_tag (tenant_id, member_id, tag_id) select tenant_id, $2, tag_id from member_tag
           where tenant_id = $1 and member_id = $3 on conflict do nothing",
        "delete from member_tag where tenant_id = $1 and member_id = $3 and $2 = $2",
        "update group_membership set inviter_member_id = $2 where tenant_id = $1 and inviter_member_id = $3",
        // The member pages know the kept member by the merged one's identities from now on.
        "update member_identity set member_id = $2 where tenant_id = $1 and member_id = $3",
        // A place held for the merged member is freed; the kept member's own seats stay.
        "delete from live_code_seat where tenant_id = $1 and member_id = $3 and $2 = $2",
        // Gift codes and rewards move unless the kept member has the same one (theirs stays).
        "update redemption set member_id = $2 where tenant_id = $1 and member_id = $3 and not exists
           (select 1 from redemption k where k.tenant_id = $1 and k.member_id = $2 and k.gift_id = redemption.gift_id)",
        "update reward set member_id = $2 where tenant_id = $1 and member_id = $3 and not exists
           (select 1 from reward k where k.tenant_id = $1 and k.member_id = $2 and k.program_id = reward.program_id and k.cause = reward.cause)",
        "update reward set invitee_member_id = $2 where tenant_id = $1 and invitee_member_id = $3",
        // Flash-sale orders and the units counted against the limit follow the person.
        "update flash_order set member_id = $2 where tenant_id = $1 and member_id = $3",
        "insert into flash_buyer (tenant_id, flash_sale_id, member_id, taken)
           select tenant_id, flash_sale_id, $2, taken from flash_buyer where tenant_id = $1 and member_id = $3
           on conflict (tenant_id, flash_sale_id, member_id) do update set taken = flash_buyer.taken + excluded.taken",
        "delete from flash_buyer where tenant_id = $1 and member_id = $3 and $2 = $2",
        // The wallet follows the person: balances added to the kept member's, entries moved.
        "insert into wallet (tenant_id, member_id, principal_fen, bonus_fen, updated_at_ms)
           select tenant_id, $2, 0, 0, updated_at_ms from wallet where tenant_id = $1 and member_id = $3
           on conflict (tenant_id, member_id) do nothing",
        "update wallet set
           principal_fen = principal_fen + (select w.principal_fen from wallet w where w.tenant_id = $1 and w.member_id = $3),
           bonus_fen = bonus_fen + (select w.bonus_fen from wallet w where w.tenant_id = $1 and w.member_id = $3)
         where tenant_id = $1 and member_id = $2
           and exists (select 1 from wallet w where w.tenant_id = $1 and w.member_id = $3)",
        "update wallet_entry set member_id = $2 where tenant_id = $1 and member_id = $3",
        "delete from wallet where tenant_id = $1 and member_id = $3 and $2 = $2",
        // Red-envelope shares follow the person, unless the kept member has one of that send.
        "update red_envelope_share set member_id = $2 where tenant_id = $1 and member_id = $3 and not exists
           (select 1 from red_envelope_share k where k.tenant_id = $1 and k.member_id = $2
              and k.red_envelope_send_id = red_envelope_share.red_envelope_send_id)",
        // Offers applied and coupons held follow the person.
        "update offer_grant set member_id = $2 where tenant_id = $1 and member_id = $3",
        // Group-buy places and bargains follow the person where the kept member has none.
        "update team_member set member_id = $2 where tenant_id = $1 and member_id = $3 and not exists
           (select 1 from team_member k where k.tenant_id = $1 and k.team_id = team_member.team_id and k.member_id = $2)",
        "update team set leader_member_id = $2 where tenant_id = $1 and leader_member_id = $3 and not exists
           (select 1 from team k where k.tenant_id = $1 and k.group_buy_id = team.group_buy_id
              and k.leader_member_id = $2 and k.state = 'open')",
        "update bargain_run set member_id = $2 where tenant_id = $1 and member_id = $3 and not exists
           (select 1 from bargain_run k where k.tenant_id = $1 and k.bargain_id = bargain_run.bargain_id and k.member_id = $2)",
        "update bargain_cut set member_id = $2 where tenant_id = $1 and member_id = $3 and not exists
           (select 1 from bargain_cut k where k.tenant_id = $1 and k.bargain_run_id = bargain_cut.bargain_run_id and k.member_id = $2)",
        "update member set merged_into = $2, external_userid = null, unionid = null, phone = null where tenant_id = $1 and member_id = $3",
    ];
    for sql in stmts {
        on_tx!(tx, c => sqlx::query(sql).bind(tn).bind(target.0).bind(source.0).execute(c).await.map(|r| r.rows_affected()))?;
    }
    let patch = quanzi_domain::member::merge_patch(&t.merge_side(), &s.merge_side());
    update(tx, tenant, target, &patch).await
}
