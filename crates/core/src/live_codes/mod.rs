//! Live codes (活码): create and change them, their pools and funnels, their QR images, and
//! groups' own QR images with WeChat's 7-day expiry. A scan's routing is in [`scan`].

use quanzi_domain::live_code::{GROUP_QR_VALID_MS, LiveCodeInput, NewLiveCode};
use quanzi_domain::{GroupId, Invalid, TenantId};
use quanzi_store::on::On;
use quanzi_store::{Db, gift, group, live_code as repo, live_code_funnel as funnel, now_ms};

use crate::views::{self, Funnel, LiveCode};
use crate::{CoreError, Result, ResultExt};

mod hints;
pub mod lane;
pub mod qr_expiry;
pub mod qr_image;
pub mod scan;
pub mod wecom;

fn on_slug<T>(r: std::result::Result<T, quanzi_store::StoreError>) -> Result<T> {
    r.on_constraint(quanzi_store::unique::LIVE_CODE_SLUG, |_| {
        CoreError::conflict("slug")
    })
}

/// Checks that every group and the gift the code names are the tenant's.
async fn check_refs(db: &Db, t: TenantId, c: &NewLiveCode) -> Result<()> {
    let mut e = Invalid::default();
    for g in c.groups_named() {
        if group::get(db, t, g).await?.is_none() {
            e.push("group_ids", format!("no group {g}"));
        }
    }
    if let Some(gift_id) = c.gift_id
        && gift::get(db, t, gift_id).await?.is_none()
    {
        e.push("gift_id", "no such gift");
    }
    Ok(e.or_ok(())?)
}

async fn view(db: &Db, t: TenantId, row: repo::LiveCode) -> Result<LiveCode> {
    let pool = repo::pool(db, t, row.live_code_id).await?;
    Ok(LiveCode::of(row, pool.into_iter().map(|p| p.0).collect()))
}

/// Creates a live code.
pub async fn create(db: &Db, t: TenantId, input: LiveCodeInput) -> Result<LiveCode> {
    let c = input.into_new()?;
    check_refs(db, t, &c).await?;
    let mut tx = db.begin().await?;
    let row = on_slug(repo::create(&mut tx, t, &c, now_ms()).await)?;
    wecom::request_way(&mut On::Tx(&mut tx), t, row.live_code_id).await?;
    tx.commit().await?;
    view(db, t, row).await
}

/// Replaces a live code's settings (the input is sent whole).
pub async fn update(db: &Db, t: TenantId, id: i64, input: LiveCodeInput) -> Result<LiveCode> {
    let c = input.into_new()?;
    check_refs(db, t, &c).await?;
    let mut tx = db.begin().await?;
    let row = on_slug(repo::update(&mut tx, t, id, &c, now_ms()).await)?
        .ok_or(CoreError::NotFound("live code"))?;
    wecom::request_way(&mut On::Tx(&mut tx), t, id).await?;
    tx.commit().await?;
    view(db, t, row).await
}

/// Archives a code (its page then says it has ended) or brings it back.
pub async fn set_archived(db: &Db, t: TenantId, id: i64, archived: bool) -> Result<LiveCode> {
    let now = now_ms();
    let mut tx = db.begin().await?;
    if !repo::set_archived(&mut tx, t, id, archived.then_some(now), now).await? {
        return Err(CoreError::NotFound("live code"));
    }
    tx.commit().await?;
    get(db, t, id).await
}

/// A code.
pub async fn get(db: &Db, t: TenantId, id: i64) -> Result<LiveCode> {
    let row = repo::get(db, t, id)
        .await?
        .ok_or(CoreError::NotFound("live code"))?;
    view(db, t, row).await
}

/// A code by its slug.
pub async fn by_slug(db: &Db, t: TenantId, slug: &str) -> Result<LiveCode> {
    let row = repo::by_slug(db, t, slug)
        .await?
        .ok_or(CoreError::NotFound("live code"))?;
    view(db, t, row).await
}

/// Every code of the tenant with its funnel, newest first.
pub async fn list(db: &Db, t: TenantId) -> Result<Vec<(LiveCode, Funnel)>> {
    let funnels: Vec<Funnel> = views::all(funnel::funnels(db, t, None).await?);
    Ok(all(db, t)
        .await?
        .into_iter()
        .map(|c| {
            let id = c.live_code_id;
            let f = funnels.iter().find(|f| f.live_code_id == id).cloned();
            (c, f.unwrap_or_default())
        })
        .collect())
}

/// Every code of the tenant, newest first, without their funnels (two reads in all).
pub async fn all(db: &Db, t: TenantId) -> Result<Vec<LiveCode>> {
    let pools = repo::pools(db, t).await?;
    Ok(repo::list(db, t)
        .await?
        .into_iter()
        .map(|row| {
            let id = row.live_code_id;
            let pool = pools.iter().filter(|p| p.0 == id).map(|p| p.1).collect();
            LiveCode::of(row, pool)
        })
        .collect())
}

/// A code's funnel.
pub async fn funnel_of(db: &Db, t: TenantId, id: i64) -> Result<Funnel> {
    Ok(funnel::funnels(db, t, Some(id))
        .await?
        .into_iter()
        .find(|f| f.live_code_id == id)
        .map(Funnel::from)
        .unwrap_or(Funnel {
            live_code_id: id,
            ..Funnel::default()
        }))
}

/// Image types a group QR may be uploaded as.
const QR_TYPES: &[&str] = &["image/png", "image/jpeg", "image/webp"];
/// The largest group QR image accepted, bytes.
pub const QR_MAX_BYTES: usize = 2 * 1024 * 1024;

/// Stores a group's own QR image (WeChat's, valid 7 days from `uploaded_at_ms`, or from now).
pub async fn upload_group_qr(
    db: &Db,
    t: TenantId,
    g: GroupId,
    image: &[u8],
    content_type: &str,
    uploaded_at_ms: Option<i64>,
) -> Result<i64> {
    group::get(db, t, g)
        .await?
        .ok_or(CoreError::NotFound("group"))?;
    let ct = content_type.split(';').next().unwrap_or("").trim();
    if !QR_TYPES.contains(&ct) {
        return Err(Invalid::one("image", "must be a PNG, JPEG or WebP image").into());
    }
    if image.is_empty() || image.len() > QR_MAX_BYTES {
        return Err(Invalid::one("image", "must be 1 byte to 2 MiB").into());
    }
    let now = now_ms();
    let at = uploaded_at_ms.unwrap_or(now).min(now);
    let expires = at + GROUP_QR_VALID_MS;
    if expires <= now {
        return Err(Invalid::one("uploaded_at_ms", "the image has expired already").into());
    }
    let mut tx = db.begin().await?;
    funnel::put_qr(&mut tx, t, g, image, ct, now, expires).await?;
    qr_expiry::schedule(&mut tx, t, now).await?;
    tx.commit().await?;
    Ok(expires)
}

/// A group's QR image for member `m`: only when a code sent them to that group (they hold a
/// place there), and only while the image has not expired.
pub async fn group_qr_for(
    db: &Db,
    t: TenantId,
    g: GroupId,
    m: quanzi_domain::MemberId,
) -> Result<Option<(Vec<u8>, String, i64)>> {
    let now = now_ms();
    if !funnel::has_place(db, t, m, g, now).await? {
        return Ok(None);
    }
    // An expired image is never shown.
    Ok(funnel::live_qr(db, t, g, now)
        .await?
        .map(|q| (q.image, q.content_type, q.expires_at_ms)))
}

/// Each group's QR expiry, for the operator's pages.
pub async fn qr_expiries(db: &Db, t: TenantId) -> Result<Vec<(GroupId, i64)>> {
    Ok(funnel::qr_expiries(db, t)
        .await?
        .into_iter()
        .map(|(g, e)| (GroupId(g), e))
        .collect())
}
