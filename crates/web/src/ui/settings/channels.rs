//! Settings for the channels: the WeCom connection (with the callback URL to paste), webhook
//! subscriptions (secrets shown once, rotation), deliveries (replay) and the job queue (retry).

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use axum::{Form, Router};
use quanzi_core::CoreError;
use quanzi_core::read::jobs::Job;
use quanzi_core::read::webhook::{Delivery, Subscription};
use quanzi_core::wecom::{ConnectionInput, ConnectionView};
use quanzi_domain::{JobId, WebhookDeliveryId, WebhookSubscriptionId};
use serde::Deserialize;

use super::super::{UiUser, server_error};
use super::{Flash, refuse, secret_made};
use crate::AppState;

/// What the settings page shows of the channels.
pub struct ChannelsView {
    /// The URL to paste into WeCom's callback settings.
    pub callback_url: String,
    /// The WeCom connection, secrets hinted only.
    pub wecom: Option<ConnectionView>,
    /// Webhook subscriptions.
    pub subscriptions: Vec<Subscription>,
    /// Latest deliveries (below `?deliveries_before=`).
    pub deliveries: Vec<Delivery>,
    /// The cursor of the next, older page of deliveries.
    pub deliveries_next: Option<i64>,
    /// Jobs per state.
    pub job_counts: Vec<(String, i64)>,
    /// Latest jobs (below `?jobs_before=`).
    pub jobs: Vec<Job>,
    /// The cursor of the next, older page of jobs.
    pub jobs_next: Option<i64>,
    /// Event types a subscription may name.
    pub event_types: String,
    /// Why part of the section cannot be shown (the stored secrets do not open with the
    /// server key), in the user's language.
    pub problem: Option<String>,
}

/// Loads the channels' part of the page.
pub async fn load(s: &AppState, u: &UiUser, origin: &str) -> Result<ChannelsView, CoreError> {
    let t = u.tenant();
    let slug = quanzi_core::read::tenant::get(&s.db, t)
        .await?
        .map(|t| t.slug)
        .unwrap_or_default();
    let (wecom, problem) = match quanzi_core::wecom::connection(&s.db, &s.server, t).await {
        Ok(w) => (w, None),
        Err(CoreError::ServerKey(e)) => {
            tracing::error!(error = %e, "server key");
            (None, Some(u.lang.t("settings.server_key").to_string()))
        }
        Err(e) => return Err(e),
    };
    // Each table pages on its own keyset cursor, carried in the page's query.
    let deliveries_before = before_of(&u.path, "deliveries_before");
    let deliveries = quanzi_core::webhooks::deliveries_before(
        &s.db,
        t,
        deliveries_before.map(WebhookDeliveryId),
        PAGE,
    )
    .await?;
    let jobs_before = before_of(&u.path, "jobs_before");
    let jobs =
        quanzi_core::read::jobs::list_before(&s.db, t, None, jobs_before.map(JobId), PAGE).await?;
    Ok(ChannelsView {
        callback_url: format!("{origin}/hooks/wecom/{slug}"),
        wecom,
        problem,
        subscriptions: quanzi_core::webhooks::subscriptions(&s.db, t).await?,
        deliveries_next: next_of(&deliveries, |d| d.webhook_delivery_id.0),
        deliveries,
        job_counts: quanzi_core::read::jobs::counts(&s.db, t).await?,
        jobs_next: next_of(&jobs, |j| j.job_id.0),
        jobs,
        event_types: quanzi_core::webhooks::EVENT_TYPES.join(", "),
    })
}

/// Rows per page of the deliveries and jobs tables.
const PAGE: i64 = 20;

/// The id cursor `name` in the query of `path`, if any (anything else: the first page).
fn before_of(path: &str, name: &str) -> Option<i64> {
    let query = path.split_once('?')?.1;
    query.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == name).then(|| v.parse::<i64>().ok()).flatten()
    })
}

/// The cursor of the page after `rows`: the last id when the page is full.
fn next_of<T>(rows: &[T], id: impl Fn(&T) -> i64) -> Option<i64> {
    (rows.len() as i64 == PAGE)
        .then(|| rows.last().map(id))
        .flatten()
}

/// The routes of these sections.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/ui/settings/wecom", post(save_wecom))
        .route("/ui/settings/wecom/sync", post(sync_wecom))
        .route("/ui/settings/webhooks", post(subscribe))
        .route("/ui/settings/webhooks/{id}/rotate", post(rotate))
        .route("/ui/settings/webhooks/{id}/toggle", post(toggle))
        .route("/ui/settings/deliveries/{id}/replay", post(replay))
        .route("/ui/settings/jobs/{id}/retry", post(retry))
}

/// A form with only the CSRF token.
#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(rename = "_csrf")]
    csrf: String,
}

/// The CSRF and role checks every write here passes first.
async fn guard(
    s: &AppState,
    u: &UiUser,
    h: &HeaderMap,
    csrf: &str,
    card: &'static str,
) -> Option<Response> {
    let why = crate::ui::form::refusal(u, csrf, u.perms().admin, "settings.admin_only")?;
    let flash = Flash::error(card, u.lang.t(why).to_string());
    Some(refuse(s, u, h, StatusCode::FORBIDDEN, flash).await)
}

/// Maps a use-case's outcome: done → back to the section; bad input or unknown id → the page
/// with the reason.
async fn done(
    s: &AppState,
    u: &UiUser,
    h: &HeaderMap,
    r: Result<(), CoreError>,
    anchor: &'static str,
) -> Response {
    done_with(s, u, h, r, anchor, None).await
}

/// [`done`], keeping what was typed into the WeCom form when it is refused.
async fn done_with(
    s: &AppState,
    u: &UiUser,
    h: &HeaderMap,
    r: Result<(), CoreError>,
    anchor: &'static str,
    typed: Option<ConnectionInput>,
) -> Response {
    let (status, text) = match r {
        Ok(()) => return Redirect::to(&format!("/ui/settings#{anchor}")).into_response(),
        Err(CoreError::Invalid(e)) => {
            let l = u.layout("settings");
            let text =
                crate::ui::form::sentences(&l, |f| crate::ui::form::label(&l, "chf", f), &e.0);
            (StatusCode::UNPROCESSABLE_ENTITY, text)
        }
        Err(CoreError::ServerKey(e)) => {
            tracing::error!(error = %e, "server key");
            let text = u.lang.t("settings.server_key").to_string();
            (StatusCode::SERVICE_UNAVAILABLE, text)
        }
        Err(CoreError::NotFound(_)) => (
            StatusCode::NOT_FOUND,
            u.lang.t("error.404.body").to_string(),
        ),
        Err(e) => return server_error(e),
    };
    let flash = Flash {
        error: Some((anchor, text)),
        wecom: typed,
        ..Flash::default()
    };
    refuse(s, u, h, status, flash).await
}

/// The WeCom connection form.
#[derive(Deserialize)]
pub struct WecomForm {
    #[serde(rename = "_csrf")]
    csrf: String,
    #[serde(flatten)]
    input: ConnectionInput,
}

async fn save_wecom(
    State(s): State<AppState>,
    u: UiUser,
    h: HeaderMap,
    Form(f): Form<WecomForm>,
) -> Response {
    if let Some(r) = guard(&s, &u, &h, &f.csrf, "wecom").await {
        return r;
    }
    let typed = f.input.clone();
    let r = quanzi_core::wecom::save_connection(&s.db, &s.server, u.tenant(), f.input).await;
    done_with(&s, &u, &h, r, "wecom", Some(typed)).await
}

async fn sync_wecom(
    State(s): State<AppState>,
    u: UiUser,
    h: HeaderMap,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Some(r) = guard(&s, &u, &h, &f.csrf, "wecom").await {
        return r;
    }
    let r = quanzi_core::wecom::request_sync(&s.db, u.tenant())
        .await
        .map(|_| ());
    done(&s, &u, &h, r, "jobs").await
}

/// The new-subscription form.
#[derive(Deserialize)]
pub struct SubscribeForm {
    #[serde(rename = "_csrf")]
    csrf: String,
    url: String,
    event_types: String,
}

async fn subscribe(
    State(s): State<AppState>,
    u: UiUser,
    h: HeaderMap,
    Form(f): Form<SubscribeForm>,
) -> Response {
    if let Some(r) = guard(&s, &u, &h, &f.csrf, "webhooks").await {
        return r;
    }
    match quanzi_core::webhooks::subscribe(&s.db, &s.server, u.tenant(), &f.url, &f.event_types)
        .await
    {
        Ok((_, secret)) => secret_made(&s, &u, "webhooks", &secret),
        Err(e) => done(&s, &u, &h, Err(e), "webhooks").await,
    }
}

/// The rotation form.
#[derive(Deserialize)]
pub struct RotateForm {
    #[serde(rename = "_csrf")]
    csrf: String,
    overlap_hours: String,
}

async fn rotate(
    State(s): State<AppState>,
    u: UiUser,
    h: HeaderMap,
    Path(id): Path<i64>,
    Form(f): Form<RotateForm>,
) -> Response {
    if let Some(r) = guard(&s, &u, &h, &f.csrf, "webhooks").await {
        return r;
    }
    let Ok(hours) = f.overlap_hours.trim().parse::<i64>() else {
        let e = u.lang.labelled(
            u.lang.t("chf.overlap_hours"),
            u.lang.t("reason.whole_number"),
        );
        return refuse(
            &s,
            &u,
            &h,
            StatusCode::UNPROCESSABLE_ENTITY,
            Flash::error("webhooks", e),
        )
        .await;
    };
    match quanzi_core::webhooks::rotate(
        &s.db,
        &s.server,
        u.tenant(),
        WebhookSubscriptionId(id),
        hours,
    )
    .await
    {
        Ok(secret) => secret_made(&s, &u, "webhooks", &secret),
        Err(e) => done(&s, &u, &h, Err(e), "webhooks").await,
    }
}

async fn toggle(
    State(s): State<AppState>,
    u: UiUser,
    h: HeaderMap,
    Path(id): Path<i64>,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Some(r) = guard(&s, &u, &h, &f.csrf, "webhooks").await {
        return r;
    }
    let t = u.tenant();
    let r =
        match quanzi_core::read::webhook::subscription(&s.db, t, WebhookSubscriptionId(id)).await {
            Ok(Some(sub)) => {
                quanzi_core::webhooks::set_active(&s.db, t, WebhookSubscriptionId(id), !sub.active)
                    .await
            }
            Ok(None) => Err(CoreError::NotFound("subscription")),
            Err(e) => Err(e.into()),
        };
    done(&s, &u, &h, r, "webhooks").await
}

async fn replay(
    State(s): State<AppState>,
    u: UiUser,
    h: HeaderMap,
    Path(id): Path<i64>,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Some(r) = guard(&s, &u, &h, &f.csrf, "deliveries").await {
        return r;
    }
    let r = quanzi_core::webhooks::replay(&s.db, u.tenant(), WebhookDeliveryId(id)).await;
    done(&s, &u, &h, r, "deliveries").await
}

async fn retry(
    State(s): State<AppState>,
    u: UiUser,
    h: HeaderMap,
    Path(id): Path<i64>,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Some(r) = guard(&s, &u, &h, &f.csrf, "jobs").await {
        return r;
    }
    let r = quanzi_core::jobs::retry(&s.db, u.tenant(), JobId(id)).await;
    done(&s, &u, &h, r, "jobs").await
}
