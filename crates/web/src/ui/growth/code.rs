//! A live code's page (`/ui/growth/codes/{id}`): its QR image and public URL, its funnel, its
//! groups with their fill and their own QR image's expiry (a new image uploaded per group),
//! and archiving it or bringing it back.

use askama::Template;
use axum::Form;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use quanzi_core::views::{Funnel, LiveCode};
use quanzi_core::{CoreError, gifts, live_codes};
use quanzi_domain::GroupId;
use quanzi_domain::live_code::GROUP_QR_ALERT_MS;
use serde::Deserialize;

use super::super::form::{refusal, refused, see_other, unprocessable};
use super::super::format::thousands;
use super::super::{Layout, UiUser, render, server_error};
use super::{not_found, pct, upload};
use crate::AppState;
use crate::api::IdPath;
use crate::client::{origin, page_url};

/// Pixels per module of the QR image shown and downloaded.
const QR_SCALE: u32 = 8;

/// A group of the code's pool.
struct PoolRow {
    id: i64,
    name: String,
    size: i64,
    advised: i64,
    hard: i64,
    pct: i64,
    /// `expired`, `soon`, `ok` or `none`.
    qr_state: &'static str,
    qr_until: String,
    /// Why the last upload for this group was refused.
    error: String,
}

#[derive(Template)]
#[template(path = "growth_code.html")]
struct CodePage {
    l: Layout,
    c: LiveCode,
    kind: String,
    url: String,
    /// Scans, visitors, seated, joined: (label, count, % of scans).
    funnel: Vec<(&'static str, String, i64)>,
    pool: Vec<PoolRow>,
    /// Rules as sentences: (conditions, groups).
    rules: Vec<(String, String)>,
    template: String,
    gift: String,
    tags: String,
    /// Staff as `userid · limit · hours`.
    staff: Vec<String>,
    can_write: bool,
}

/// GET /ui/growth/codes/{id}.
pub async fn page(
    State(s): State<AppState>,
    u: UiUser,
    headers: HeaderMap,
    IdPath(id): IdPath,
) -> Response {
    show(&s, &u, &headers, id, None).await
}

/// The code's page; `refused` is a group's upload that was refused, with why.
async fn show(
    s: &AppState,
    u: &UiUser,
    headers: &HeaderMap,
    id: i64,
    refused: Option<(i64, String)>,
) -> Response {
    let t = u.tenant();
    let c = match live_codes::get(&s.db, t, id).await {
        Ok(c) => c,
        Err(CoreError::NotFound(_)) => return not_found(),
        Err(e) => return server_error(e),
    };
    let loaded = tokio::try_join!(
        live_codes::funnel_of(&s.db, t, id),
        live_codes::qr_expiries(&s.db, t),
        async { Ok(quanzi_core::read::group::list(&s.db, t, None, None, 1000).await?) },
        async { Ok(quanzi_core::read::tenant::get(&s.db, t).await?) },
    );
    let (f, expiries, groups, tenant) = match loaded {
        Ok(v) => v,
        Err(e) => return server_error(e),
    };
    let gift = match c.gift_id {
        Some(g) => gifts::get(&s.db, t, g)
            .await
            .map(|g| g.name)
            .unwrap_or_default(),
        None => String::new(),
    };
    let l = u.layout("growth");
    let name_of = |g: &GroupId| {
        groups
            .iter()
            .find(|x| x.group_id == *g)
            .map_or_else(|| format!("#{g}"), |x| x.name.clone())
    };
    let now = quanzi_core::read::now_ms();
    let pool = c
        .group_ids
        .iter()
        .filter_map(|g| groups.iter().find(|x| x.group_id == *g))
        .map(|g| {
            let until = expiries.iter().find(|(x, _)| *x == g.group_id).map(|e| e.1);
            let qr_state = match until {
                None => "none",
                Some(e) if e <= now => "expired",
                Some(e) if e <= now + GROUP_QR_ALERT_MS => "soon",
                Some(_) => "ok",
            };
            PoolRow {
                id: g.group_id.0,
                name: g.name.clone(),
                size: g.size,
                advised: g.capacity_advised,
                hard: g.capacity_hard,
                pct: pct(g.size, g.capacity_hard),
                qr_state,
                qr_until: until.map(|e| u.fmt_ms(e)).unwrap_or_default(),
                error: refused
                    .as_ref()
                    .filter(|r| r.0 == g.group_id.0)
                    .map(|r| r.1.clone())
                    .unwrap_or_default(),
            }
        })
        .collect();
    let rules = c
        .rules
        .iter()
        .map(|r| {
            let mut when: Vec<String> = Vec::new();
            when.extend(r.district.clone());
            when.extend(r.interest.clone());
            when.extend(
                r.tier
                    .as_ref()
                    .map(|t| l.t(&format!("tier.{t}")).to_string()),
            );
            let groups: Vec<String> = r.group_ids.iter().map(name_of).collect();
            (when.join(" + "), groups.join("、"))
        })
        .collect();
    let staff = c
        .staff
        .iter()
        .map(|st| {
            let mut s = st.userid.clone();
            if let Some(n) = st.daily_limit {
                s.push_str(&format!(
                    " · {}",
                    l.t("growth.code.per_day").replace("{n}", &n.to_string())
                ));
            }
            if let (Some(a), Some(b)) = (st.from_hour, st.to_hour) {
                s.push_str(&format!(" · {a:02}:00–{b:02}:00"));
            }
            s
        })
        .collect();
    let slug = tenant.map(|t| t.slug).unwrap_or_default();
    let url = page_url(
        &origin(headers, &u.client, s.secure_cookies),
        &slug,
        "c",
        &c.slug,
    );
    let page = render(CodePage {
        kind: l.code("lc_kind", &c.kind),
        url,
        funnel: funnel(&f),
        pool,
        rules,
        template: c
            .template_group_id
            .as_ref()
            .map(name_of)
            .unwrap_or_default(),
        gift,
        tags: c.auto_tags.join("、"),
        staff,
        can_write: u.perms().write,
        c,
        l,
    });
    if refused.is_some() {
        unprocessable(page)
    } else {
        page
    }
}

/// The funnel's stages with their share of the scans.
fn funnel(f: &Funnel) -> Vec<(&'static str, String, i64)> {
    [
        ("growth.funnel.scans", f.scans),
        ("growth.funnel.visitors", f.visitors),
        ("growth.funnel.seated", f.seated),
        ("growth.funnel.joined", f.joined),
    ]
    .into_iter()
    .map(|(k, n)| (k, thousands(n), pct(n, f.scans)))
    .collect()
}

/// GET /ui/growth/codes/{id}/qr.png: the code's public URL as a QR image.
pub async fn qr_png(
    State(s): State<AppState>,
    u: UiUser,
    headers: HeaderMap,
    IdPath(id): IdPath,
) -> Response {
    let t = u.tenant();
    let (c, tenant) = match tokio::try_join!(live_codes::get(&s.db, t, id), async {
        Ok(quanzi_core::read::tenant::get(&s.db, t).await?)
    },)
    {
        Ok(v) => v,
        Err(CoreError::NotFound(_)) => return not_found(),
        Err(e) => return server_error(e),
    };
    let slug = tenant.map(|t| t.slug).unwrap_or_default();
    let url = page_url(
        &origin(&headers, &u.client, s.secure_cookies),
        &slug,
        "c",
        &c.slug,
    );
    match live_codes::qr_image::png(&url, QR_SCALE) {
        Ok(png) => (
            [
                (header::CONTENT_TYPE, "image/png".to_string()),
                (header::CACHE_CONTROL, "private, max-age=300".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("inline; filename=\"{}.png\"", c.slug),
                ),
            ],
            png,
        )
            .into_response(),
        Err(e) => server_error(e),
    }
}

/// The archive form: archive (`archived=1`) or bring back (`archived=0`).
#[derive(Debug, Deserialize)]
pub struct ArchiveForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    archived: String,
}

/// POST /ui/growth/codes/{id}/archive: archives the code or brings it back, then opens it.
pub async fn archive(
    State(s): State<AppState>,
    u: UiUser,
    IdPath(id): IdPath,
    Form(f): Form<ArchiveForm>,
) -> Response {
    if let Some(why) = refusal(&u, &f.csrf, u.perms().write, "correct.forbidden") {
        return refused(why);
    }
    match live_codes::set_archived(&s.db, u.tenant(), id, f.archived == "1").await {
        Ok(_) => {
            s.scanner.codes_changed(u.tenant());
            see_other(&format!("/ui/growth/codes/{id}"))
        }
        Err(CoreError::NotFound(_)) => not_found(),
        Err(e) => server_error(e),
    }
}

/// POST /ui/growth/groups/{id}/qr (multipart: `_csrf`, `code`, `image`): stores the group's
/// own QR image and goes back to the code's page, where a refused image is explained beside
/// its group.
pub async fn upload_qr(
    State(s): State<AppState>,
    u: UiUser,
    headers: HeaderMap,
    IdPath(group): IdPath,
    body: Bytes,
) -> Response {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let parts = upload::parts(content_type, &body).unwrap_or_default();
    let csrf = upload::text(&parts, "_csrf");
    if let Some(why) = refusal(&u, csrf, u.perms().write, "correct.forbidden") {
        return refused(why);
    }
    let code = upload::text(&parts, "code").trim().parse::<i64>().ok();
    let back = |c: Option<i64>| match c {
        Some(c) => format!("/ui/growth/codes/{c}#groups"),
        None => format!("/ui/groups/{group}"),
    };
    let l = u.layout("growth");
    let why = match upload::file(&parts, "image") {
        None => l.t("growth.qr.choose").to_string(),
        Some(f) => {
            let at = live_codes::upload_group_qr(
                &s.db,
                u.tenant(),
                GroupId(group),
                f.data,
                &f.content_type,
                None,
            )
            .await;
            match at {
                Ok(_) => return see_other(&back(code)),
                Err(CoreError::NotFound(_)) => return not_found(),
                Err(CoreError::Invalid(inv)) => super::super::form::sentences(
                    &l,
                    |_| l.t("growth.qr.image").to_string(),
                    &inv.0,
                ),
                Err(e) => return server_error(e),
            }
        }
    };
    match code {
        Some(c) => show(&s, &u, &headers, c, Some((group, why))).await,
        None => see_other(&back(None)),
    }
}
