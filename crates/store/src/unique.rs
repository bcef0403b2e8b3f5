//! The schema's unique keys by the names PostgreSQL gives them, and the one place that names
//! the key an SQLite write broke (SQLite's message lists the key's columns instead).
//!
//! A caller that knows which key its write may break maps [`crate::StoreError::Conflict`]
//! for that name to its own answer (core's `ResultExt::on_constraint`); no caller reads a
//! database message.

/// `member (tenant_id, phone)`.
pub const MEMBER_PHONE: &str = "member_phone";
/// `member (tenant_id, unionid)`.
pub const MEMBER_UNIONID: &str = "member_unionid";
/// `member (tenant_id, external_userid)`.
pub const MEMBER_EXTERNAL_USERID: &str = "member_external_userid";
/// `chat_group (tenant_id, external_chat_id)`.
pub const CHAT_GROUP_EXTERNAL: &str = "chat_group_external";
/// `event (tenant_id, idempotency_key)`.
pub const EVENT_IDEMPOTENCY: &str = "event_idempotency";
/// `tenant (slug)`.
pub const TENANT_SLUG: &str = "tenant_slug_key";
/// `operator (email)`.
pub const OPERATOR_EMAIL: &str = "operator_email_key";
/// `api_key (key_hash)`.
pub const API_KEY_HASH: &str = "api_key_key_hash_key";
/// `tag_group (tenant_id, name)`.
pub const TAG_GROUP_NAME: &str = "tag_group_tenant_id_name_key";
/// `tag (tenant_id, tag_group_id, name)`.
pub const TAG_NAME: &str = "tag_tenant_id_tag_group_id_name_key";
/// `job_schedule (tenant_id, name)`.
pub const JOB_SCHEDULE_NAME: &str = "job_schedule_tenant_id_name_key";
/// `inbound_event (tenant_id, source, dedupe_key)`.
pub const INBOUND_EVENT_DEDUPE: &str = "inbound_event_dedupe";
/// `event_void (tenant_id, event_id)`.
pub const EVENT_VOID_EVENT: &str = "event_void_tenant_id_event_id_key";
/// `member_erasure (tenant_id, member_id)`.
pub const MEMBER_ERASURE_MEMBER: &str = "member_erasure_tenant_id_member_id_key";

/// `live_code (tenant_id, slug)`.
pub const LIVE_CODE_SLUG: &str = "live_code_tenant_id_slug_key";
/// `referral_program (tenant_id, slug)`.
pub const REFERRAL_PROGRAM_SLUG: &str = "referral_program_tenant_id_slug_key";

/// `wallet_entry (tenant_id, idempotency_key)`.
pub const WALLET_ENTRY_KEY: &str = "wallet_entry_tenant_id_idempotency_key_key";
/// `offer_grant (tenant_id, code)`.
pub const OFFER_GRANT_CODE: &str = "offer_grant_tenant_id_code_key";

/// Every unique key: its name, its table and its columns in the order SQLite lists them.
pub const KEYS: [(&str, &str, &[&str]); 18] = [
    (MEMBER_PHONE, "member", &["tenant_id", "phone"]),
    (MEMBER_UNIONID, "member", &["tenant_id", "unionid"]),
    (
        MEMBER_EXTERNAL_USERID,
        "member",
        &["tenant_id", "external_userid"],
    ),
    (
        CHAT_GROUP_EXTERNAL,
        "chat_group",
        &["tenant_id", "external_chat_id"],
    ),
    (
        EVENT_IDEMPOTENCY,
        "event",
        &["tenant_id", "idempotency_key"],
    ),
    (TENANT_SLUG, "tenant", &["slug"]),
    (
        WALLET_ENTRY_KEY,
        "wallet_entry",
        &["tenant_id", "idempotency_key"],
    ),
    (OFFER_GRANT_CODE, "offer_grant", &["tenant_id", "code"]),
    (OPERATOR_EMAIL, "operator", &["email"]),
    (API_KEY_HASH, "api_key", &["key_hash"]),
    (TAG_GROUP_NAME, "tag_group", &["tenant_id", "name"]),
    (TAG_NAME, "tag", &["tenant_id", "tag_group_id", "name"]),
    (JOB_SCHEDULE_NAME, "job_schedule", &["tenant_id", "name"]),
    (
        INBOUND_EVENT_DEDUPE,
        "inbound_event",
        &["tenant_id", "source", "dedupe_key"],
    ),
    (EVENT_VOID_EVENT, "event_void", &["tenant_id", "event_id"]),
    (
        MEMBER_ERASURE_MEMBER,
        "member_erasure",
        &["tenant_id", "member_id"],
    ),
    (LIVE_CODE_SLUG, "live_code", &["tenant_id", "slug"]),
    (
        REFERRAL_PROGRAM_SLUG,
        "referral_program",
        &["tenant_id", "slug"],
    ),
];

/// The key SQLite's message names by its columns
/// (`UNIQUE constraint failed: member.tenant_id, member.phone`); a key not in [`KEYS`] (a
/// primary key) keeps the message's column list as its name.
pub(crate) fn from_sqlite(message: &str) -> String {
    let columns = message
        .strip_prefix("UNIQUE constraint failed: ")
        .unwrap_or(message);
    KEYS.iter()
        .find(|(_, table, cols)| {
            let listed = cols.iter().map(|c| format!("{table}.{c}"));
            listed.eq(columns.split(", ").map(str::to_string))
        })
        .map_or_else(|| columns.to_string(), |(name, ..)| name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_sqlite_message_names_the_key_postgresql_would() {
        let m = "UNIQUE constraint failed: member.tenant_id, member.phone";
        assert_eq!(from_sqlite(m), MEMBER_PHONE);
        assert_eq!(
            from_sqlite("UNIQUE constraint failed: tenant.slug"),
            TENANT_SLUG
        );
        assert_eq!(
            from_sqlite("UNIQUE constraint failed: session.session_hash"),
            "session.session_hash"
        );
    }
}
