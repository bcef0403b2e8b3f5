//! Quanzi's use-cases: each module is one feature, each function one thing a user does.
//!
//! Use-cases take the store first, then the tenant, then their input; they validate with the
//! domain's rules, write in one transaction, and return the stored result or a [`CoreError`].

pub mod access;
pub mod bargains;
pub mod correct;
pub mod demo;
pub mod egress;
pub mod error;
pub mod events;
pub mod features;
pub mod flash_sales;
pub mod gifts;
pub mod group_buys;
pub mod groups;
pub mod import;
pub mod influence;
pub mod jobs;
pub mod kpi;
pub(crate) mod lane;
pub mod live_codes;
pub mod login_throttle;
pub mod lotteries;
pub mod members;
pub mod offers;
pub mod read;
pub mod recent;
pub mod red_envelopes;
pub mod referrals;
pub mod schedule;
pub mod server;
pub mod server_key;
pub mod views;
pub mod visitors;
pub mod wallets;
pub mod webhooks;
pub mod wecom;
pub mod wecom_api;
pub mod wecom_apply;
pub mod wecom_sync;
pub mod zone;

pub use cursor::{keyset_cursor, page_limit, parse_keyset};
pub use error::{CoreError, Result, ResultExt};
/// The store handle every use-case takes first (SQLite or PostgreSQL).
pub use quanzi_store::Db;

mod cursor;

/// A page of results with the cursor for the next one.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Page sizes accepted by list endpoints.
pub const MAX_PAGE: i64 = 200;

/// Parses a page size (default 50, 1..=200) and an id cursor: the one-number keyset of
/// [`parse_keyset`], never negative (ids are not).
pub fn page_args(limit: Option<i64>, cursor: Option<&str>) -> Result<(i64, Option<i64>)> {
    let limit = page_limit(limit)?;
    match parse_keyset::<1>(cursor)? {
        Some([id]) if id < 0 => Err(CoreError::Invalid(quanzi_domain::Invalid::one(
            "cursor",
            "is not a cursor this API returned",
        ))),
        key => Ok((limit, key.map(|[id]| id))),
    }
}

/// Builds a page from `limit + 1`-style results: the cursor is the last item's id when the
/// page is full.
pub fn page_of<T>(items: Vec<T>, limit: i64, id: impl Fn(&T) -> i64) -> Page<T> {
    let next_cursor = (items.len() as i64 == limit)
        .then(|| items.last().map(|i| id(i).to_string()))
        .flatten();
    Page { items, next_cursor }
}
