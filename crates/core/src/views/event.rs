//! Events, their voids, the daily counts and the import records as the API and the pages show them.

use quanzi_domain::{EventId, EventLoadId, GroupId, MemberId};
use serde::Serialize;

/// A stored event as served.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Event {
    /// Id.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub event_id: EventId,
    /// Idempotency key.
    pub idempotency_key: String,
    /// Kind.
    pub kind: String,
    /// Member.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub member_id: MemberId,
    /// Group.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub group_id: Option<GroupId>,
    /// When it happened.
    pub occurred_at_ms: i64,
    /// Money in fen.
    pub amount_fen: Option<i64>,
    /// Product.
    pub product: Option<String>,
    /// Reference.
    pub reference: Option<String>,
    /// Properties, a JSON object as text.
    pub properties: String,
    /// Set when the event was voided: kept, but left out of every count and KPI.
    pub void: Option<EventVoid>,
}

impl From<quanzi_store::event::Event> for Event {
    fn from(row: quanzi_store::event::Event) -> Self {
        let quanzi_store::event::Event {
            event_id,
            idempotency_key,
            kind,
            member_id,
            group_id,
            occurred_at_ms,
            amount_fen,
            product,
            reference,
            properties,
            void,
        } = row;
        Event {
            event_id: EventId(event_id),
            idempotency_key,
            kind,
            member_id: MemberId(member_id),
            group_id: group_id.map(GroupId),
            occurred_at_ms,
            amount_fen,
            product,
            reference,
            properties,
            void: void.map(Into::into),
        }
    }
}

/// One bulk load of a tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventLoad {
    /// Id, increasing in commit order.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub event_load_id: EventLoadId,
    /// The lowest event id the load may have taken (none when it stored none).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub first_event_id: Option<EventId>,
    /// The highest.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub last_event_id: Option<EventId>,
    /// Events stored.
    pub events: i64,
    /// Events skipped as already stored.
    pub duplicates: i64,
    /// Members created.
    pub members_created: i64,
    /// Groups created.
    pub groups_created: i64,
    /// When, unix ms.
    pub loaded_at_ms: i64,
}

from_row!(quanzi_store::event::loads::EventLoad => EventLoad {
    events, duplicates, members_created, groups_created, loaded_at_ms;
    event_load_id: EventLoadId;
    first_event_id: EventId, last_event_id: EventId
});

/// Activity of one day: events by kind.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DayCount {
    /// Day number since the epoch in the tenant's zone.
    pub day: i64,
    /// Event kind.
    pub kind: String,
    /// Events.
    pub events: i64,
    /// Distinct members.
    pub members: i64,
}

from_row!(quanzi_store::totals::DayCount => DayCount {
    day, kind, events, members;
    ;
});

/// The mark on a voided event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventVoid {
    /// The voided event.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub event_id: EventId,
    /// Why it was voided.
    pub reason: String,
    /// Who voided it: `operator:<id>` or `api_key:<id>`.
    pub voided_by: String,
    /// When, unix ms.
    pub voided_at_ms: i64,
}

from_row!(quanzi_store::void::EventVoid => EventVoid {
    reason, voided_by, voided_at_ms;
    event_id: EventId;
});

/// Totals of a tenant's events since a time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Totals {
    /// Interactions (every event but joins and leaves).
    pub events: i64,
    /// Distinct members with an interaction.
    pub active_members: i64,
    /// Orders.
    pub orders: i64,
    /// Order amounts, fen (summed in 128 bits, saturating at the `i64` ends).
    pub gmv_fen: i64,
}

from_row!(quanzi_store::totals::Totals => Totals {
    events, active_members, orders, gmv_fen;
    ;
});
