//! Paying the claimed shares, outside Quanzi: the instruction file for the payment tool (one
//! line per claimed, unpaid share) and the tool's file back, which marks the shares it says
//! were paid — each once, whatever runs beside or however often the file is sent.

use std::collections::HashMap;

use quanzi_channels::export::{Cell, Table, to_csv};
use quanzi_channels::import::RowReader;
use quanzi_domain::{Fen, Invalid, RedEnvelopePlanId, TenantId};
use quanzi_store::red_envelope as repo;
use quanzi_store::{Db, now_ms};
use serde::Serialize;

use crate::Result;

/// The instruction file's columns, in order.
pub const PAYOUT_COLUMNS: [&str; 7] = [
    "share_id",
    "member_id",
    "name",
    "phone",
    "unionid",
    "amount_yuan",
    "remark",
];

/// The statuses of a paid line, as payment tools write them (compared without case).
const PAID: &[&str] = &[
    "paid",
    "success",
    "succeeded",
    "successful",
    "成功",
    "已支付",
    "已到账",
    "转账成功",
];

/// The claimed, unpaid shares of a plan as CSV for the payment tool (UTF-8 with a BOM):
/// `share_id,member_id,name,phone,unionid,amount_yuan,remark`, full phone numbers included.
pub async fn payouts_csv(db: &Db, t: TenantId, plan: RedEnvelopePlanId) -> Result<Vec<u8>> {
    let p = super::plan(db, t, plan).await?;
    let due = repo::unpaid(db, t, plan).await?;
    let mut members = HashMap::new();
    for m in due.iter().filter_map(|s| s.member_id) {
        if let std::collections::hash_map::Entry::Vacant(e) = members.entry(m) {
            let row = quanzi_store::member::get(db, t, quanzi_domain::MemberId(m)).await?;
            e.insert(row);
        }
    }
    let text = |s: Option<&String>| Cell::Text(s.cloned().unwrap_or_default());
    let remark = format!("{} 红包", p.name);
    let rows = due
        .iter()
        .map(|s| {
            let m = s
                .member_id
                .and_then(|m| members.get(&m))
                .and_then(Option::as_ref);
            vec![
                Cell::Int(s.red_envelope_share_id),
                Cell::Int(s.member_id.unwrap_or_default()),
                text(m.map(|m| &m.name)),
                text(m.and_then(|m| m.phone.as_ref())),
                text(m.and_then(|m| m.unionid.as_ref())),
                Cell::Text(Fen(s.amount_fen).yuan_string()),
                Cell::Text(remark.clone()),
            ]
        })
        .collect();
    Ok(to_csv(&Table {
        name: format!("red-envelope-plan-{}", plan.0),
        headers: PAYOUT_COLUMNS.iter().map(|h| h.to_string()).collect(),
        rows,
    }))
}

/// One line of the payment tool's file and what came of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PayoutLine {
    /// The line of the file (1 is the header).
    pub line: usize,
    /// The share it names, when it names one.
    pub share_id: Option<i64>,
    /// Marked paid by this file.
    pub paid: bool,
    /// Why it was skipped.
    pub reason: Option<String>,
}

/// What the payment tool's file did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PayoutReport {
    /// Shares marked paid.
    pub paid: usize,
    /// Lines skipped.
    pub skipped: usize,
    /// Every line, in file order.
    pub lines: Vec<PayoutLine>,
}

/// What one line asks: a share marked paid (with the tool's reference), or why not.
fn read_line(
    row: &quanzi_channels::import::Row,
) -> std::result::Result<(i64, Option<String>), (Option<i64>, String)> {
    let cell = |h: &str| row.get(h).map(str::trim).unwrap_or_default();
    let id = cell("share_id").parse::<i64>().ok().filter(|id| *id > 0);
    if let Some(d) = &row.defect {
        return Err((id, d.reason.clone()));
    }
    let Some(id) = id else {
        return Err((None, "share_id is not a share's id".into()));
    };
    let status = cell("status");
    if !PAID.iter().any(|p| p.eq_ignore_ascii_case(status)) {
        return Err((
            Some(id),
            format!("status is \"{status}\", not paid or success"),
        ));
    }
    let payment_ref = ["payment_ref", "transaction_id"]
        .iter()
        .map(|h| cell(h))
        .find(|r| !r.is_empty())
        .map(|r| r.chars().take(128).collect());
    Ok((id, payment_ref))
}

/// Marks paid the shares of `plan` that the payment tool's file (CSV with a header naming a
/// `share_id` and a `status` column; `payment_ref` or `transaction_id` kept when present)
/// says were paid (`paid`, `success`, `成功`…). A line naming a share not claimed, paid
/// already, of another plan or unknown, or with another status is skipped with its reason:
/// sent again, the file pays nothing twice.
pub async fn mark_paid(
    db: &Db,
    t: TenantId,
    plan: RedEnvelopePlanId,
    file: &str,
) -> Result<PayoutReport> {
    super::plan(db, t, plan).await?;
    let bytes = file.as_bytes().to_vec();
    let mut reader = RowReader::from_csv(std::io::Cursor::new(bytes))
        .map_err(|e| Invalid::one("body", e.to_string()))?;
    let headers = reader.headers();
    if !headers.iter().any(|h| h == "share_id") || !headers.iter().any(|h| h == "status") {
        return Err(Invalid::one(
            "body",
            "the header must name a share_id and a status column",
        )
        .into());
    }
    let mut rows = Vec::new();
    while let Some(row) = reader
        .next_row()
        .map_err(|e| Invalid::one("body", e.to_string()))?
    {
        rows.push(row);
    }
    let now = now_ms();
    let mut lines = Vec::with_capacity(rows.len());
    let mut tx = db.begin().await?;
    for row in &rows {
        let (id, payment_ref) = match read_line(row) {
            Ok(x) => x,
            Err((share_id, reason)) => {
                lines.push(PayoutLine {
                    line: row.line,
                    share_id,
                    paid: false,
                    reason: Some(reason),
                });
                continue;
            }
        };
        let paid = repo::mark_paid(&mut tx, t, plan, id, payment_ref.as_deref(), now).await?;
        let reason = match paid {
            Some(_) => None,
            None => Some(
                match repo::share_in_plan_tx(&mut tx, t, plan, id).await? {
                    None => "not a share of this plan",
                    Some(s) if s.member_id.is_none() => "not claimed",
                    Some(_) => "paid already",
                }
                .to_string(),
            ),
        };
        lines.push(PayoutLine {
            line: row.line,
            share_id: Some(id),
            paid: reason.is_none(),
            reason,
        });
    }
    tx.commit().await?;
    let paid = lines.iter().filter(|l| l.paid).count();
    Ok(PayoutReport {
        paid,
        skipped: lines.len() - paid,
        lines,
    })
}
