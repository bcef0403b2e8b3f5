//! The columns of an events file (the API's names and the benchmark's `ts`, `amount`,
//! `product_id`), and a row mapped to the domain's event input and validated.

use quanzi_domain::event::{BatchContext, EventInput, NewEvent};

use super::cells::property_value;
use super::errors::{defect, field_errors};
use super::header::{Col, Header, check_required};
use super::row_key::derived_row_key;
use crate::convert::{parse_int, parse_occurred_at, parse_unix_seconds, yuan_to_fen};
use crate::import::{Row, RowError};
use quanzi_domain::event::row_key::RowKey;

/// What a column of an events file can feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EventField {
    IdempotencyKey,
    Kind,
    MemberId,
    GroupId,
    /// `occurred_at` / `occurred_at_ms`: unix ms or a date-time.
    OccurredAt,
    /// The benchmark's `ts`: unix seconds (or a date-time).
    Ts,
    AmountFen,
    AmountYuan,
    /// The benchmark's `amount`: yuan, 0 meaning none.
    Amount,
    Product,
    /// The benchmark's `product_id`: 0 meaning none.
    ProductId,
    Reference,
    /// A JSON object of properties.
    Properties,
    TenantId,
}

/// The columns an events file may have, for the unknown-column error.
const EVENT_COLUMNS: &str = "idempotency_key, kind, member_id, group_id, occurred_at (or \
     occurred_at_ms, or ts in unix seconds), amount_fen (or amount_yuan, or amount), product \
     (or product_id), reference, properties, properties.<key> and tenant_id";

/// The field a lowercased header names.
fn event_field(h: &str) -> Option<EventField> {
    use EventField::*;
    Some(match h {
        "idempotency_key" => IdempotencyKey,
        "kind" => Kind,
        "member_id" => MemberId,
        "group_id" => GroupId,
        "occurred_at" | "occurred_at_ms" => OccurredAt,
        "ts" => Ts,
        "amount_fen" => AmountFen,
        "amount_yuan" => AmountYuan,
        "amount" => Amount,
        "product" => Product,
        "product_id" => ProductId,
        "reference" => Reference,
        "properties" => Properties,
        "tenant_id" => TenantId,
        _ => return None,
    })
}

/// One events row, mapped.
#[derive(Debug, Clone)]
pub struct EventRow {
    /// The event as the API takes it (with a derived idempotency key when the file has none).
    pub input: EventInput,
    /// The row's `tenant_id` cell (benchmark files), for the caller to check or filter.
    pub tenant_id: Option<i64>,
    /// When the file gave the row no idempotency key: the key derived from the row, whose
    /// reader's form is the input's key.
    pub derived: Option<RowKey>,
}

/// One events row, validated.
#[derive(Debug, Clone)]
pub struct ParsedEvent {
    /// The event, ready to store.
    pub event: NewEvent,
    /// The row's `tenant_id` cell, if any.
    pub tenant_id: Option<i64>,
    /// When the file gave the row no idempotency key: the key derived from the row.
    pub derived: Option<RowKey>,
}

impl ParsedEvent {
    /// True when the idempotency key came from the file.
    pub fn explicit_key(&self) -> bool {
        self.derived.is_none()
    }
}

/// The columns of an events file.
#[derive(Debug, Clone)]
pub struct EventColumns {
    h: Header<EventField>,
}

impl EventColumns {
    /// Resolves the header: `kind`, `member_id` and one of `occurred_at`/`occurred_at_ms`/`ts`
    /// are required; of the alternatives for time, amount and product at most one may appear.
    pub fn new(headers: &[String], header_line: usize) -> Result<Self, Vec<RowError>> {
        let keyed = |h: &str| {
            let key = h.strip_prefix("properties.")?;
            Some(if key.is_empty() {
                Err("names no property".to_string())
            } else {
                Ok((key.to_string(), None))
            })
        };
        let h = Header::resolve(headers, header_line, event_field, keyed, EVENT_COLUMNS)?;
        use EventField::*;
        check_required(
            &h,
            header_line,
            &[
                (&[Kind], "kind"),
                (&[MemberId], "member_id"),
                (&[OccurredAt, Ts], "occurred_at"),
            ],
        )?;
        let mut errors = Vec::new();
        for group in [
            &[OccurredAt, Ts][..],
            &[AmountFen, AmountYuan, Amount][..],
            &[Product, ProductId][..],
        ] {
            let present: Vec<&str> = h
                .cols
                .iter()
                .zip(&h.names)
                .filter(|(c, _)| group.iter().any(|f| **c == Col::Field(*f)))
                .map(|(_, n)| n.as_str())
                .collect();
            if present.len() > 1 {
                errors.push(RowError::new(
                    header_line,
                    present[1],
                    format!("give only one of {}", present.join(", ")),
                ));
            }
        }
        if errors.is_empty() {
            Ok(Self { h })
        } else {
            Err(errors)
        }
    }

    /// True when the file carries its own idempotency keys.
    pub fn has_keys(&self) -> bool {
        self.h.has(EventField::IdempotencyKey)
    }

    /// Maps a row to the API's event input.
    pub fn map(&self, row: &Row) -> Result<EventRow, Vec<RowError>> {
        use EventField::*;
        defect(row)?;
        let line = row.line;
        let mut errors = Vec::new();
        let (mut key, mut kind, mut member, mut group, mut at) = (None, None, None, None, None);
        let (mut amount, mut product, mut reference, mut tenant) = (None, None, None, None);
        let mut props = serde_json::Map::new();
        let mut json_props: Option<serde_json::Map<String, serde_json::Value>> = None;
        let id = |v: &str, what: &str| {
            parse_int(v).map_err(|_| format!("must be a {what} id (a whole number)"))
        };
        for (col, header, v) in self.h.cells(row, &mut errors) {
            let done: Result<(), String> = match col {
                Col::Field(IdempotencyKey) => {
                    key = Some(v.to_string());
                    Ok(())
                }
                Col::Field(Kind) => {
                    kind = Some(v.to_string());
                    Ok(())
                }
                Col::Field(MemberId) => id(v, "member").map(|n| member = Some(n)),
                Col::Field(GroupId) => id(v, "group").map(|n| group = Some(n)),
                Col::Field(TenantId) => id(v, "tenant").map(|n| tenant = Some(n)),
                Col::Field(OccurredAt) => parse_occurred_at(v).map(|ms| at = Some(ms)),
                Col::Field(Ts) => parse_unix_seconds(v).map(|ms| at = Some(ms)),
                Col::Field(AmountFen) => parse_int(v)
                    .map(|n| amount = Some(n))
                    .map_err(|_| "must be a whole number of fen".to_string()),
                Col::Field(AmountYuan) => yuan_to_fen(v).map(|n| amount = Some(n)),
                // The benchmark writes 0 for "no amount".
                Col::Field(Amount) => yuan_to_fen(v).map(|n| amount = (n != 0).then_some(n)),
                Col::Field(Product) => {
                    product = Some(v.to_string());
                    Ok(())
                }
                // The benchmark writes 0 for "no product".
                Col::Field(ProductId) => {
                    product = (v != "0").then(|| v.to_string());
                    Ok(())
                }
                Col::Field(Reference) => {
                    reference = Some(v.to_string());
                    Ok(())
                }
                Col::Field(Properties) => match serde_json::from_str(v) {
                    Ok(serde_json::Value::Object(m)) => {
                        json_props = Some(m);
                        Ok(())
                    }
                    _ => Err("must be a JSON object, e.g. {\"join_scene\":\"poster\"}".into()),
                },
                Col::Keyed(k, _) => {
                    props.insert(k.clone(), property_value(v));
                    Ok(())
                }
                Col::Unnamed | Col::Ignored => Ok(()),
            };
            if let Err(reason) = done {
                errors.push(RowError::new(line, header, reason));
            }
        }
        let mut required = |v: bool, f: &[EventField], fallback: &str| {
            if !v {
                let name = f
                    .iter()
                    .find_map(|f| self.h.name_of(*f))
                    .unwrap_or(fallback);
                if !errors.iter().any(|e| e.field == name) {
                    errors.push(RowError::new(line, name, "is required"));
                }
            }
        };
        required(kind.is_some(), &[Kind], "kind");
        required(member.is_some(), &[MemberId], "member_id");
        required(at.is_some(), &[OccurredAt, Ts], "occurred_at");
        let (Some(kind), Some(member_id), Some(occurred_at_ms), true) =
            (kind, member, at, errors.is_empty())
        else {
            return Err(errors);
        };
        let (idempotency_key, derived) = match key {
            Some(k) => (k, None),
            None => {
                let d = derived_row_key(row);
                (d.file_form(), Some(d))
            }
        };
        let properties = match (json_props, props.is_empty()) {
            (None, true) => None,
            (None, false) => Some(props),
            (Some(mut j), _) => {
                j.extend(props);
                Some(j)
            }
        };
        Ok(EventRow {
            input: EventInput {
                idempotency_key,
                kind,
                member_id,
                group_id: group,
                occurred_at_ms,
                amount_fen: amount,
                product,
                reference,
                properties,
            },
            tenant_id: tenant,
            derived,
        })
    }

    /// Maps and validates a row against the tenant's kinds and the clock.
    pub fn parse(&self, row: &Row, ctx: &BatchContext<'_>) -> Result<ParsedEvent, Vec<RowError>> {
        let mapped = self.map(row)?;
        let event = mapped
            .input
            .parse(0, ctx)
            .map_err(|errs| field_errors(row.line, errs, |f| self.column_name(f)))?;
        Ok(ParsedEvent {
            event,
            tenant_id: mapped.tenant_id,
            derived: mapped.derived,
        })
    }

    /// The file's name for a field the domain names.
    pub fn column_name(&self, canonical: &str) -> String {
        use EventField::*;
        let candidates: &[EventField] = match canonical {
            "idempotency_key" => &[IdempotencyKey],
            "kind" => &[Kind],
            "member_id" => &[MemberId],
            "group_id" => &[GroupId],
            "occurred_at_ms" => &[OccurredAt, Ts],
            "amount_fen" => &[AmountFen, AmountYuan, Amount],
            "product" => &[Product, ProductId],
            "reference" => &[Reference],
            "tenant_id" => &[TenantId],
            _ => &[],
        };
        candidates
            .iter()
            .find_map(|f| self.h.name_of(*f))
            .unwrap_or(canonical)
            .to_string()
    }
}
