//! Quanzi's channels: how data comes in from outside. For now, operators' files: CSV and XLSX
//! imports of members, groups and events (WeCom callbacks and webhooks will live here too).
//!
//! Pure: no async and no database. [`import::RowReader`] reads rows (CSV streamed, so a
//! 10-million-row file is never held whole), [`mapping`] turns them into the domain's inputs
//! with errors that name the line and the column, and [`import::RejectWriter`] writes the bad
//! rows back out with their reasons.

pub mod convert;
pub mod import;
pub mod mapping;
pub mod wecom;

pub use import::{ImportError, ImportKind, RejectWriter, Row, RowError, RowReader};
pub use mapping::{EventColumns, GroupColumns, MemberColumns};
