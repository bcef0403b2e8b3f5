//! Wallets as the API and the pages show them: a member's balances and their entries.

use quanzi_domain::MemberId;
use serde::Serialize;

/// One request on a wallet, with what it moved on the member's two accounts.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WalletEntry {
    /// Id.
    pub entry_id: i64,
    /// `top_up`, `spend`, `refund` or `expire`.
    pub op: String,
    /// The amount asked for, fen (of a refund: the spend's).
    pub amount_fen: i64,
    /// What it moved on the principal (本金), fen, signed.
    pub principal_fen: i64,
    /// What it moved on the bonus (赠送金), fen, signed.
    pub bonus_fen: i64,
    /// A refund's spend.
    pub refund_of: Option<i64>,
    /// What it was for.
    pub note: Option<String>,
    /// A top-up's bonus lapses at, unix ms.
    pub bonus_expires_at_ms: Option<i64>,
    /// The client's idempotency key.
    pub idempotency_key: String,
    /// When, unix ms.
    pub at_ms: i64,
}

impl WalletEntry {
    /// The view of a stored entry with its principal and bonus moves.
    pub fn of(
        e: quanzi_store::wallet::WalletEntry,
        principal_fen: i64,
        bonus_fen: i64,
    ) -> WalletEntry {
        WalletEntry {
            entry_id: e.entry_id,
            op: e.op,
            amount_fen: e.amount_fen,
            principal_fen,
            bonus_fen,
            refund_of: e.refund_of,
            note: e.note,
            bonus_expires_at_ms: e.bonus_expires_at_ms,
            idempotency_key: e.idempotency_key,
            at_ms: e.at_ms,
        }
    }
}

/// A member's wallet.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WalletView {
    /// The member.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub member_id: MemberId,
    /// The member's own money (本金), fen.
    pub principal_fen: i64,
    /// The bonus (赠送金), fen.
    pub bonus_fen: i64,
    /// Both, fen.
    pub total_fen: i64,
    /// The latest entries, newest first.
    pub entries: Vec<WalletEntry>,
}
