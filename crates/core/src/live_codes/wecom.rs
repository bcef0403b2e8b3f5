//! Live codes through WeCom, when the tenant connected it: a staff code becomes a 「联系我」
//! way spread over its staff, a group code a 「加入群聊」 way over its groups that opens new
//! ones by itself (`auto_create_room`); both carry the state `lc-{id}`. A customer who adds
//! a staff member through it is attributed to the code, tagged with its tags and greeted
//! with its welcome message.

use quanzi_domain::job::NewJob;
use quanzi_domain::live_code::LiveCodeKind;
use quanzi_domain::tag::{TagInput, TagName};
use quanzi_domain::{GroupId, MemberId, TenantId};
use quanzi_store::live_code::{self as repo, Seat};
use quanzi_store::on::On;
use quanzi_store::{Tx, group, jobs, now_ms, tag};
use serde_json::json;

use crate::Result;
use crate::jobs::{Claimed, JobContext, JobError};
use crate::wecom_api::{ContactWay, JoinWay};

/// The job that makes or updates a code's WeCom way.
pub const WAY_JOB: &str = "live_code.wecom_way";
/// The job that greets a customer who added a staff member through a code.
pub const WELCOME_JOB: &str = "live_code.welcome";
/// The prefix of the `State` of Quanzi's ways.
pub const STATE_PREFIX: &str = "lc-";

/// Registers the jobs' handlers.
pub fn register(registry: &mut crate::jobs::JobRegistry) {
    registry
        .add(WAY_JOB, |ctx, c| Box::pin(run_way(ctx, c)))
        .add(WELCOME_JOB, |ctx, c| Box::pin(run_welcome(ctx, c)));
}

/// The code a WeCom `State` names, if it is one of Quanzi's.
pub fn code_of_state(state: &str) -> Option<i64> {
    state.strip_prefix(STATE_PREFIX)?.parse().ok()
}

/// An auto tag as written on a code: `组:标签`, or a bare name in the group 活码.
pub fn tag_name(written: &str) -> std::result::Result<TagName, quanzi_domain::Invalid> {
    let (group, name) = written.split_once([':', '：']).unwrap_or(("活码", written));
    TagInput {
        group: group.trim().to_string(),
        name: name.trim().to_string(),
    }
    .parse()
}

/// Asks for the code's WeCom way to be made or updated (once per code at a time).
pub(crate) async fn request_way(on: &mut On<'_>, t: TenantId, code: i64) -> Result<()> {
    let mut job = NewJob::new(WAY_JOB, json!({ "live_code_id": code }), now_ms());
    job.singleton_key = Some(format!("{WAY_JOB}:{code}"));
    jobs::enqueue_on(on, t, &job, now_ms()).await?;
    Ok(())
}

fn code_id(c: &Claimed) -> std::result::Result<i64, JobError> {
    c.payload()?["live_code_id"]
        .as_i64()
        .ok_or_else(|| JobError::Fatal("no live_code_id".into()))
}

async fn run_way(ctx: &JobContext, c: &Claimed) -> std::result::Result<(), JobError> {
    let t = c.tenant();
    let id = code_id(c)?;
    let Some(client) = crate::wecom_sync::with_client(ctx, t).await? else {
        c.finish(&ctx.db).await?;
        return Ok(());
    };
    let Ok(code) = super::get(&ctx.db, t, id).await else {
        c.finish(&ctx.db).await?;
        return Ok(());
    };
    let state = format!("{STATE_PREFIX}{id}");
    let remark: String = code.name.chars().take(30).collect();
    let made = if LiveCodeKind::parse(&code.kind) == Some(LiveCodeKind::Staff) {
        let mut users: Vec<String> = code.staff.iter().map(|s| s.userid.clone()).collect();
        users.extend(code.backup_staff.clone());
        let way = ContactWay {
            state,
            users,
            remark,
        };
        match &code.wecom_config_id {
            Some(config) => {
                client.update_contact_way(config, &way).await?;
                None
            }
            None => {
                let added = client.add_contact_way(&way).await?;
                Some((added.config_id, added.qr_code))
            }
        }
    } else {
        let mut chat_ids = Vec::new();
        for g in &code.group_ids {
            if let Some(chat) = group::get(&ctx.db, t, *g)
                .await?
                .and_then(|g| g.external_chat_id)
            {
                chat_ids.push(chat);
            }
        }
        // WeCom takes five groups: the last five, where the room is.
        let chat_ids: Vec<String> = chat_ids.split_off(chat_ids.len().saturating_sub(5));
        if chat_ids.is_empty() {
            c.finish(&ctx.db).await?;
            return Ok(());
        }
        let base = match code.template_group_id.or(code.group_ids.last().copied()) {
            Some(g) => group::get(&ctx.db, t, g).await?.map(|g| g.name),
            None => None,
        }
        .unwrap_or_else(|| code.name.clone());
        let way = JoinWay {
            state,
            chat_ids,
            auto_create_room: true,
            room_base_name: base.chars().take(40).collect(),
            room_base_id: code.group_ids.len() as i64 + 1,
            remark,
        };
        let config = client.add_join_way(&way).await?;
        let qr = client.get_join_way(&config).await?;
        Some((config, qr))
    };
    let mut tx = ctx.db.begin().await?;
    if let Some((config, qr)) = made {
        repo::set_wecom(&mut tx, t, id, &config, Some(&qr)).await?;
    }
    c.finish_in(&mut tx).await?;
    tx.commit().await?;
    Ok(())
}

/// Where a customer came in through a code's WeCom way: a staff member (contact way) or a
/// group (join way).
pub(crate) enum Through<'a> {
    /// Added this staff member; the add event's welcome code, if any.
    Staff(&'a str, Option<&'a str>),
    /// Joined this group.
    Group(GroupId),
}

/// A customer came in through code `code`'s WeCom way: their seat is recorded as joined
/// (with the staff member or in the group), the code's tags put on them, the scan counted as
/// a visit, and a contact's welcome message queued.
pub(crate) async fn attribute(
    tx: &mut Tx,
    t: TenantId,
    code: i64,
    m: MemberId,
    through: Through<'_>,
) -> Result<()> {
    let Some(row) = repo::get_tx(tx, t, code).await? else {
        return Ok(());
    };
    let (staff, group, welcome_code) = match through {
        Through::Staff(s, w) => (Some(s.to_string()), None, w),
        Through::Group(g) => (None, Some(g.0), None),
    };
    if let Some(held) = repo::seat(&mut On::Tx(tx), t, code, m).await?
        && held.joined_at_ms.is_some()
        && held.group_id == group
        && (staff.is_none() || held.staff_userid == staff)
    {
        return Ok(()); // attributed already: a resync sees the same member again
    }
    let now = now_ms();
    let seat = Seat {
        group_id: group,
        staff_userid: staff,
        scanned_at_ms: now,
        expires_at_ms: now,
        joined_at_ms: Some(now),
        program_id: None,
        inviter_member_id: None,
        network: None,
    };
    repo::hold(&mut On::Tx(tx), t, code, m, &seat).await?;
    let tags: Vec<String> = serde_json::from_str(&row.auto_tags).unwrap_or_default();
    for name in tags {
        if let Ok(tn) = tag_name(&name) {
            let id = tag::ensure(tx, t, &tn).await?;
            tag::tag_members(tx, t, id, &[m]).await?;
        }
    }
    let view = crate::views::LiveCode::of(row, Vec::new());
    super::scan::record_visit(&mut On::Tx(tx), t, &view, m, &seat, now).await?;
    if let (Some(code_text), Some(text)) = (welcome_code, view.welcome.as_deref()) {
        let payload = json!({ "welcome_code": code_text, "text": text });
        jobs::enqueue(tx, t, &NewJob::new(WELCOME_JOB, payload, now), now).await?;
    }
    Ok(())
}

async fn run_welcome(ctx: &JobContext, c: &Claimed) -> std::result::Result<(), JobError> {
    let p = c.payload()?;
    let (Some(code), Some(text)) = (p["welcome_code"].as_str(), p["text"].as_str()) else {
        return Err(JobError::Fatal("no welcome_code or text".into()));
    };
    if let Some(client) = crate::wecom_sync::with_client(ctx, c.tenant()).await? {
        client.send_welcome(code, text).await?;
    }
    c.finish(&ctx.db).await?;
    Ok(())
}
