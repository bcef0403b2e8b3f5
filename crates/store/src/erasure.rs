//! Erasing a member on request (PIPL): the profile, identifiers, tags and custom fields and
//! the personal fields of their events are removed in one transaction; the member id, their
//! events and memberships stay, so aggregates hold. Each erasure is logged by id only.

use quanzi_domain::member::erased_name;
use quanzi_domain::{MemberId, TenantId};

use crate::{Db, Result, Tx, now_ms, on_pool, on_tx};

/// One logged erasure: who erased which member id, and when; no personal data.
#[derive(Debug, Clone, sqlx::FromRow, PartialEq, Eq)]
pub struct MemberErasure {
    /// The erased member's (pseudonymous) id.
    pub member_id: i64,
    /// Who erased it: `operator:<id>` or `api_key:<id>`.
    pub erased_by: String,
    /// When, unix ms.
    pub erased_at_ms: i64,
}

/// Erases member `id` (which must exist in the tenant): identifiers cleared, the name a
/// placeholder, profile fields reset, tags removed, their events' properties and references
/// and the bodies of processed WeCom callbacks naming them emptied; logged once. A repeat erases again (nothing is left to remove) and answers the
/// first log entry.
pub async fn erase(tx: &mut Tx, tenant: TenantId, id: MemberId, by: &str) -> Result<MemberErasure> {
    let t = tenant.0;
    // Processed WeCom callbacks that name the member's external id are kept as receipts
    // (their dedupe key) without their body; pending ones still need theirs to be applied.
    let ext: Option<Option<String>> = on_tx!(tx, c => sqlx::query_scalar(
        "select external_userid from member where tenant_id = $1 and member_id = $2")
        .bind(t).bind(id.0).fetch_optional(c).await)?;
    if let Some(ext) = ext.flatten().filter(|e| !e.is_empty()) {
        let pattern = format!(
            "%{}%",
            ext.replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        on_tx!(tx, c => sqlx::query(
            "update inbound_event set body = '' where tenant_id = $1 and processed_at_ms is not null
             and body like $2 escape '\\'")
            .bind(t).bind(pattern).execute(c).await.map(|r| r.rows_affected()))?;
    }
    on_tx!(tx, c => sqlx::query(
        "update member set name = $3, gender = 'unknown', district = null, interests = '[]',
            source_channel = null, external_userid = null, unionid = null, phone = null,
            custom = '{}', updated_at_ms = $4
         where tenant_id = $1 and member_id = $2")
        .bind(t).bind(id.0).bind(erased_name(id.0)).bind(now_ms()).execute(c).await.map(|r| r.rows_affected()))?;
    for sql in [
        "delete from member_tag where tenant_id = $1 and member_id = $2",
        // The member pages forget how they knew them; their networks are dropped.
        "delete from member_identity where tenant_id = $1 and member_id = $2",
        "update live_code_seat set network = null where tenant_id = $1 and member_id = $2",
        "update reward set network = null where tenant_id = $1 and (member_id = $2 or invitee_member_id = $2)",
    ] {
        on_tx!(tx, c => sqlx::query(sql).bind(t).bind(id.0).execute(c).await.map(|r| r.rows_affected()))?;
    }
    // The member's events, found on their timeline.
    let events = format!(
        "update event set properties = '{{}}', reference = null
           where tenant_id = $1 and event_id in ({}) and (properties <> '{{}}' or reference is not null)",
        crate::timeline::ids(tx.is_sqlite(), crate::timeline::Axis::Member, "$1", "$2", "")
    );
    on_tx!(tx, c => sqlx::query(sqlx::AssertSqlSafe(events)).bind(t).bind(id.0).execute(c).await.map(|r| r.rows_affected()))?;
    redact_outbox(tx, t, id.0).await?;
    // Links and page sessions made until now no longer open the member's page.
    crate::identity::revoke(tx, tenant, id, now_ms()).await?;
    on_tx!(tx, c => sqlx::query(
        "insert into member_erasure (tenant_id, member_id, erased_by, erased_at_ms)
         values ($1, $2, $3, $4) on conflict (tenant_id, member_id) do nothing")
        .bind(t).bind(id.0).bind(by).bind(now_ms()).execute(c).await.map(|r| r.rows_affected()))?;
    on_tx!(tx, c => sqlx::query_as::<_, MemberErasure>(
        "select member_id, erased_by, erased_at_ms from member_erasure where tenant_id = $1 and member_id = $2")
        .bind(t).bind(id.0).fetch_one(c).await.map_err(Into::into))
}

/// The tenant's erasures, newest first, at most `limit`, before log id `before` if given.
pub async fn list(
    db: &Db,
    tenant: TenantId,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<(i64, MemberErasure)>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        member_erasure_id: i64,
        member_id: i64,
        erased_by: String,
        erased_at_ms: i64,
    }
    let rows: Vec<Row> = on_pool!(db, p => sqlx::query_as(
        "select member_erasure_id, member_id, erased_by, erased_at_ms from member_erasure
         where tenant_id = $1 and member_erasure_id < $2 order by member_erasure_id desc limit $3")
        .bind(tenant.0).bind(before.unwrap_or(i64::MAX)).bind(limit).fetch_all(p).await)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                r.member_erasure_id,
                MemberErasure {
                    member_id: r.member_id,
                    erased_by: r.erased_by,
                    erased_at_ms: r.erased_at_ms,
                },
            )
        })
        .collect())
}

/// Whether member `id` was erased.
pub async fn is_erased(db: &Db, tenant: TenantId, id: MemberId) -> Result<bool> {
    let v: Option<i64> = on_pool!(db, p => sqlx::query_scalar(
        "select member_id from member_erasure where tenant_id = $1 and member_id = $2")
        .bind(tenant.0).bind(id.0).fetch_optional(p).await)?;
    Ok(v.is_some())
}

/// Empties the free-form fields (`properties`, `reference`) of the member's events in the
/// webhook outbox, so a delivery still to be sent (or retried) carries none of them.
async fn redact_outbox(tx: &mut Tx, t: i64, member: i64) -> Result<()> {
    // A LIKE narrows the rows (`_` matches itself too); the JSON decides.
    let pattern = format!("%\"member_id\":{member}%");
    let rows: Vec<(i64, String)> = on_tx!(tx, c => sqlx::query_as(
        "select webhook_outbox_id, payload from webhook_outbox where tenant_id = $1 and payload like $2")
        .bind(t).bind(pattern).fetch_all(c).await)?;
    for (id, payload) in rows {
        let Ok(mut v) = serde_json::from_str::<serde_json::Value>(&payload) else {
            continue;
        };
        if v["data"]["member_id"].as_i64() != Some(member) {
            continue;
        }
        if let Some(data) = v.get_mut("data").and_then(|d| d.as_object_mut()) {
            data.insert("properties".into(), serde_json::json!({}));
            data.insert("reference".into(), serde_json::Value::Null);
        }
        on_tx!(tx, c => sqlx::query(
            "update webhook_outbox set payload = $3 where tenant_id = $1 and webhook_outbox_id = $2")
            .bind(t).bind(id).bind(v.to_string()).execute(c).await.map(|r| r.rows_affected()))?;
    }
    Ok(())
}
