//! Quanzi's channels: how data comes in and goes out. Operators' files: CSV and XLSX imports of
//! members, groups and events, and CSV/XLSX exports of the dashboard's tables; WeCom callbacks
//! (crypto, XML, events), the signing of outbound webhooks ([`webhook_sign`]), and secrets sealed
//! at rest. For member pages: WeChat web OAuth URLs and answers ([`wechat_oauth`]), signed short
//! tokens ([`signed`]) and QR code images ([`qr`]).
//!
//! Pure: no async and no database. [`import::RowReader`] reads rows (CSV streamed, so a
//! 10-million-row file is never held whole), [`mapping`] turns them into the domain's inputs
//! with errors that name the line and the column, and [`import::RejectWriter`] writes the bad
//! rows back out with their reasons.

pub mod convert;
pub mod export;
pub mod import;
pub mod mapping;
pub mod qr;
mod records;
pub mod seal;
pub mod signed;
pub mod webhook_sign;
pub mod wechat_oauth;
pub mod wecom;

pub use import::{ImportError, ImportKind, RejectWriter, Row, RowError, RowReader};
pub use mapping::{EventColumns, GroupColumns, MemberColumns};
