//! Behavioural events: the store of record for what members do, and the rules of a batch.

use serde::{Deserialize, Serialize};

use crate::error::{FieldError, Invalid};
use crate::ids::{GroupId, MemberId};
use crate::text;

/// The most events one `POST /api/v1/events` may carry.
pub const MAX_BATCH: usize = 10_000;
/// The largest `properties` object, serialized, in bytes.
pub const MAX_PROPERTIES_BYTES: usize = 8 * 1024;
/// Events may be dated at most this far in the future (clock skew), in ms.
pub const MAX_FUTURE_SKEW_MS: i64 = 24 * 3600 * 1000;
/// Events before 2000-01-01 are refused as mistakes (seconds sent as ms and the like).
pub const MIN_OCCURRED_AT_MS: i64 = 946_684_800_000;

mod kind;
mod links;
pub mod row_key;

pub use kind::{BUILTIN_KINDS, Builtin, MONEY_KINDS, activity_sql, gmv_sql, is_activity};
pub use links::{MEMBER_LINKS, MEMBER_LIST_LINK, linked_members, map_linked_members};

/// An event kind: one of [`BUILTIN_KINDS`] or a tenant-defined name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct EventKind(String);

impl EventKind {
    /// The kind's name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True for the built-in kinds.
    pub fn is_builtin(&self) -> bool {
        BUILTIN_KINDS.contains(&self.0.as_str())
    }

    /// The built-in kind, if it is one.
    pub fn as_builtin(&self) -> Option<Builtin> {
        Builtin::parse(&self.0)
    }

    /// A join changes group membership.
    pub fn is_join(&self) -> bool {
        self.as_builtin() == Some(Builtin::Join)
    }

    /// A leave changes group membership.
    pub fn is_leave(&self) -> bool {
        self.as_builtin() == Some(Builtin::Leave)
    }

    /// Kinds that carry money ([`MONEY_KINDS`]).
    pub fn needs_amount(&self) -> bool {
        MONEY_KINDS.contains(&self.0.as_str())
    }

    /// A built-in kind.
    pub fn of(kind: Builtin) -> Self {
        EventKind(kind.as_str().to_string())
    }

    /// Built-in kind by name (for code that creates events itself).
    pub fn builtin(name: &str) -> Option<Self> {
        BUILTIN_KINDS
            .contains(&name)
            .then(|| EventKind(name.to_string()))
    }
}

/// Why `amount` (fen) does not fit an event of kind `kind`, if it does not: order and refund
/// need a positive amount within [`crate::money::MAX_AMOUNT_FEN`]; no other kind carries money. The one
/// rule for the JSON API, file imports and WeCom-derived events.
pub fn amount_problem(kind: &str, amount: Option<i64>) -> Option<String> {
    let needs = MONEY_KINDS.contains(&kind);
    match amount {
        None if needs => Some("is required for order and refund".into()),
        Some(_) if !needs => Some(format!(
            "is only accepted on {} events",
            MONEY_KINDS.join(" and ")
        )),
        Some(a) if a <= 0 => Some("must be a positive number of fen".into()),
        Some(a) => crate::money::out_of_bound(a),
        None => None,
    }
}

/// Checks a proposed custom kind name: snake_case letters and digits, not a built-in.
pub fn parse_custom_kind(name: &str) -> Result<EventKind, Invalid> {
    let ok = !name.is_empty()
        && name.len() <= 32
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !ok {
        return Err(Invalid::one(
            "name",
            "must be 1-32 lowercase letters, digits or _, starting with a letter",
        ));
    }
    if BUILTIN_KINDS.contains(&name) {
        return Err(Invalid::one("name", "is a built-in kind"));
    }
    Ok(EventKind(name.to_string()))
}

/// An event as a client sends it.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EventInput {
    /// Unique per tenant; a retried event with the same key is stored once.
    pub idempotency_key: String,
    /// A built-in kind (join, leave, message, reaction, share, click, visit, order, refund,
    /// referral) or one of the tenant's custom kinds.
    pub kind: String,
    /// The member who acted.
    pub member_id: i64,
    /// The group it happened in; required for join and leave.
    #[serde(default)]
    pub group_id: Option<i64>,
    /// When it happened, unix ms.
    pub occurred_at_ms: i64,
    /// Money in fen: required on order and refund, positive and at most 100000000000
    /// (`MAX_AMOUNT_FEN`, ¥1,000,000,000); refused (422) on every other kind.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(minimum = 1, maximum = 100_000_000_000_i64)
    )]
    pub amount_fen: Option<i64>,
    /// Product id or SKU.
    #[serde(default)]
    pub product: Option<String>,
    /// Share token, campaign or other reference.
    #[serde(default)]
    pub reference: Option<String>,
    /// Free-form properties (at most 8 KiB); for join: `join_scene`, `inviter_member_id`.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub properties: Option<serde_json::Map<String, serde_json::Value>>,
}

/// A validated event, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    /// Idempotency key.
    pub idempotency_key: String,
    /// Kind.
    pub kind: EventKind,
    /// Member.
    pub member_id: MemberId,
    /// Group.
    pub group_id: Option<GroupId>,
    /// Unix ms.
    pub occurred_at_ms: i64,
    /// Money in fen.
    pub amount_fen: Option<i64>,
    /// Product.
    pub product: Option<String>,
    /// Reference.
    pub reference: Option<String>,
    /// Properties as a JSON object string (`{}` when none).
    pub properties: String,
}

impl NewEvent {
    /// For a join: the scene (poster, partner_shop, referral, qr, invite…), if given.
    pub fn join_scene(&self) -> Option<String> {
        let v: serde_json::Value = serde_json::from_str(&self.properties).ok()?;
        v.get("join_scene")?.as_str().map(str::to_string)
    }

    /// For a join: the member who invited, if given.
    pub fn inviter(&self) -> Option<MemberId> {
        let v: serde_json::Value = serde_json::from_str(&self.properties).ok()?;
        v.get("inviter_member_id")?.as_i64().map(MemberId)
    }
}

/// What a batch is checked against besides its own content.
pub struct BatchContext<'a> {
    /// The tenant's custom kinds.
    pub custom_kinds: &'a [String],
    /// Now, unix ms.
    pub now_ms: i64,
}

impl EventInput {
    /// Validates one event; errors carry `index`.
    pub fn parse(self, index: usize, ctx: &BatchContext<'_>) -> Result<NewEvent, Vec<FieldError>> {
        let mut e = Invalid::default();
        let key = text::key(&mut e, "idempotency_key", &self.idempotency_key, 128);
        let kind = if BUILTIN_KINDS.contains(&self.kind.as_str())
            || ctx.custom_kinds.contains(&self.kind)
        {
            Some(EventKind(self.kind.clone()))
        } else {
            e.push(
                "kind",
                format!(
                    "unknown kind; built-in kinds are {}",
                    BUILTIN_KINDS.join(", ")
                ),
            );
            None
        };
        if self.member_id <= 0 {
            e.push("member_id", "must be a positive member id");
        }
        if matches!(self.group_id, Some(g) if g <= 0) {
            e.push("group_id", "must be a positive group id");
        }
        if self.occurred_at_ms < MIN_OCCURRED_AT_MS {
            e.push(
                "occurred_at_ms",
                "must be unix milliseconds after 2000-01-01",
            );
        } else if self.occurred_at_ms > ctx.now_ms.saturating_add(MAX_FUTURE_SKEW_MS) {
            e.push(
                "occurred_at_ms",
                "must not be more than a day in the future",
            );
        }
        if let Some(k) = &kind {
            if (k.is_join() || k.is_leave()) && self.group_id.is_none() {
                e.push("group_id", "is required for join and leave");
            }
            if let Some(reason) = amount_problem(k.as_str(), self.amount_fen) {
                e.push("amount_fen", reason);
            }
        }
        let product = text::optional(&mut e, "product", self.product.as_deref(), 128);
        let reference = text::optional(&mut e, "reference", self.reference.as_deref(), 128);
        let properties = match &self.properties {
            None => "{}".to_string(),
            Some(p) => {
                let s = serde_json::Value::Object(p.clone()).to_string();
                if s.len() > MAX_PROPERTIES_BYTES {
                    e.push(
                        "properties",
                        format!("must be at most {MAX_PROPERTIES_BYTES} bytes"),
                    );
                }
                if let Some(v) = p.get("inviter_member_id")
                    && v.as_i64().is_none_or(|i| i <= 0)
                {
                    e.push(
                        "properties.inviter_member_id",
                        "must be a positive member id",
                    );
                }
                s
            }
        };
        if !e.is_empty() {
            return Err(e.0.into_iter().map(|f| f.at(index)).collect());
        }
        match (key, kind) {
            (Some(idempotency_key), Some(kind)) => Ok(NewEvent {
                idempotency_key,
                kind,
                member_id: MemberId(self.member_id),
                group_id: self.group_id.map(GroupId),
                occurred_at_ms: self.occurred_at_ms,
                amount_fen: self.amount_fen,
                product,
                reference,
                properties,
            }),
            _ => Err(vec![
                FieldError::new("idempotency_key", "is invalid").at(index),
            ]),
        }
    }
}

/// Validates a whole batch: every item is checked, and all errors are returned together.
/// Duplicate keys inside the batch are refused (a retry of the batch is fine; a batch that
/// contradicts itself is not).
pub fn parse_batch(
    items: Vec<EventInput>,
    ctx: &BatchContext<'_>,
) -> Result<Vec<NewEvent>, Vec<FieldError>> {
    let mut errors = Vec::new();
    if items.is_empty() {
        return Err(vec![FieldError::new(
            "events",
            "must contain at least one event",
        )]);
    }
    if items.len() > MAX_BATCH {
        return Err(vec![FieldError::new(
            "events",
            format!("must contain at most {MAX_BATCH} events"),
        )]);
    }
    let mut seen = std::collections::HashMap::with_capacity(items.len());
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        if let Some(first) = seen.insert(item.idempotency_key.clone(), i) {
            errors.push(
                FieldError::new(
                    "idempotency_key",
                    format!("repeats the key of item {first}"),
                )
                .at(i),
            );
            continue;
        }
        match item.parse(i, ctx) {
            Ok(ev) => out.push(ev),
            Err(mut es) => errors.append(&mut es),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::MAX_AMOUNT_FEN;

    fn ev(key: &str, kind: &str) -> EventInput {
        EventInput {
            idempotency_key: key.into(),
            kind: kind.into(),
            member_id: 1,
            group_id: Some(2),
            occurred_at_ms: 1_700_000_000_000,
            amount_fen: None,
            product: None,
            reference: None,
            properties: None,
        }
    }

    const CTX: BatchContext<'static> = BatchContext {
        custom_kinds: &[],
        now_ms: 1_800_000_000_000,
    };

    #[test]
    fn every_bad_item_is_reported_with_its_index_and_field() {
        let mut bad_time = ev("b", "message");
        bad_time.occurred_at_ms = 1_700_000_000;
        let errs = parse_batch(
            vec![
                ev("a", "message"),
                bad_time,
                ev("c", "order"),
                ev("d", "dance"),
            ],
            &CTX,
        )
        .err()
        .unwrap_or_default();
        let got: Vec<(Option<usize>, &str)> =
            errs.iter().map(|e| (e.index, e.field.as_str())).collect();
        assert_eq!(
            got,
            vec![
                (Some(1), "occurred_at_ms"),
                (Some(2), "amount_fen"),
                (Some(3), "kind")
            ]
        );
    }

    #[test]
    fn a_key_repeated_inside_a_batch_is_refused() {
        let errs = parse_batch(vec![ev("a", "message"), ev("a", "message")], &CTX)
            .err()
            .unwrap_or_default();
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].index, Some(1));
    }

    #[test]
    fn custom_kinds_are_accepted_once_defined() {
        let kinds = vec!["live_watch".to_string()];
        let ctx = BatchContext {
            custom_kinds: &kinds,
            now_ms: CTX.now_ms,
        };
        assert!(parse_batch(vec![ev("a", "live_watch")], &ctx).is_ok());
        assert!(parse_batch(vec![ev("a", "live_watch")], &CTX).is_err());
    }

    #[test]
    fn join_without_group_is_refused() {
        let mut j = ev("a", "join");
        j.group_id = None;
        let errs = parse_batch(vec![j], &CTX).err().unwrap_or_default();
        assert_eq!(errs[0].field, "group_id");
    }

    #[test]
    fn money_is_refused_on_kinds_that_carry_none_and_beyond_the_bound() {
        let mut msg = ev("a", "message");
        msg.amount_fen = Some(100);
        let mut big = ev("b", "order");
        big.amount_fen = Some(MAX_AMOUNT_FEN + 1);
        let mut top = ev("c", "refund");
        top.amount_fen = Some(MAX_AMOUNT_FEN);
        let errs = parse_batch(vec![msg, big, top], &CTX)
            .err()
            .unwrap_or_default();
        let got: Vec<(Option<usize>, &str)> =
            errs.iter().map(|e| (e.index, e.field.as_str())).collect();
        assert_eq!(got, vec![(Some(0), "amount_fen"), (Some(1), "amount_fen")]);
    }

    #[test]
    fn custom_kind_names_must_not_shadow_builtins() {
        assert!(parse_custom_kind("order").is_err());
        assert!(parse_custom_kind("Live").is_err());
        assert!(parse_custom_kind("live_watch").is_ok());
    }
}
