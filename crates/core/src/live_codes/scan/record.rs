//! What a scan records besides the seat: the `visit` event with its webhook, and the lead
//! gift's code for a new member — in the scan's transaction ([`On`]).

use quanzi_domain::MemberId;
use quanzi_domain::TenantId;
use quanzi_domain::event::{Builtin, EventKind, NewEvent};
use quanzi_store::live_code::Seat;
use quanzi_store::on::On;
use quanzi_store::{gift, webhook};
use serde_json::json;

use crate::views::LiveCode;
use crate::{CoreError, Result};

/// Records a scan as a `visit` event referencing the code, and tells the webhooks.
pub(crate) async fn record_visit(
    on: &mut On<'_>,
    t: TenantId,
    code: &LiveCode,
    m: MemberId,
    seat: &Seat,
    now: i64,
) -> Result<()> {
    let mut nonce = [0u8; 8];
    getrandom::fill(&mut nonce).map_err(|e| CoreError::ServerKey(e.to_string()))?;
    let props = json!({
        "live_code": code.slug,
        "group_id": seat.group_id,
        "staff": seat.staff_userid,
        "inviter_member_id": seat.inviter_member_id,
    });
    let ev = NewEvent {
        idempotency_key: format!(
            "scan-{}-{}-{now}-{}",
            code.live_code_id,
            m.0,
            hex::encode(nonce)
        ),
        kind: EventKind::of(Builtin::Visit),
        member_id: m,
        group_id: None,
        occurred_at_ms: now,
        amount_fen: None,
        product: None,
        reference: Some(format!("lc:{}", code.live_code_id)),
        properties: props.to_string(),
    };
    let events = [ev];
    let outbox = crate::webhooks::outbox_items(&events);
    quanzi_store::event::insert_on(on, t, &events, &outbox).await?;
    let payload = json!({
        "live_code_id": code.live_code_id,
        "live_code": code.slug,
        "member_id": m.0,
        "group_id": seat.group_id,
        "staff": seat.staff_userid,
        "at_ms": now,
    });
    webhook::emit_on(on, t, "live_code.scanned", &payload, now).await?;
    Ok(())
}

/// Issues the member the code's lead gift, when it has stock; a random code, retried on the
/// rare collision.
pub(super) async fn issue_gift(
    on: &mut On<'_>,
    t: TenantId,
    gift_id: i64,
    m: MemberId,
    code: i64,
    now: i64,
) -> Result<Option<gift::Redemption>> {
    let mut tries = 0;
    loop {
        tries += 1;
        let mut raw = [0u8; 8];
        getrandom::fill(&mut raw).map_err(|e| CoreError::ServerKey(e.to_string()))?;
        let text = quanzi_domain::gift::redemption_code(u64::from_le_bytes(raw));
        on.savepoint().await?;
        match gift::issue_on(on, t, gift_id, m, Some(code), &text, now).await {
            Ok(r) => {
                on.release().await?;
                return Ok(r);
            }
            // Another member holds this code (one chance in a trillion): draw again.
            Err(quanzi_store::StoreError::Conflict { .. }) if tries < 4 => {
                on.rollback_to().await?;
            }
            Err(e) => {
                on.rollback_to().await?;
                return Err(e.into());
            }
        }
    }
}
