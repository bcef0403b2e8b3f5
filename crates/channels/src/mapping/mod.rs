//! From a file's columns and rows to the domain's inputs: the header is resolved once (unknown,
//! repeated or missing columns are reported on the header's line), then each row is mapped
//! and validated with errors naming the line and the column as the file spells it.
//!
//! `header` resolves the columns; `member`, `group` and `event` map the rows of each kind of
//! file with the parsers in `cells`; `errors` names the file's columns in the domain's errors;
//! `row_key` derives the idempotency key of an events row that has none.

mod cells;
mod errors;
mod event;
mod group;
mod header;
mod member;
mod row_key;

pub use crate::convert::trim_cell;
pub use cells::{INTEREST_SEPARATORS, split_interests};
pub use event::{EventColumns, EventRow, ParsedEvent};
pub use group::GroupColumns;
pub use member::MemberColumns;
pub use row_key::derived_key;

#[cfg(test)]
mod tests;
