//! Quanzi's domain: the names, values and rules of community marketing, free of IO.
//!
//! Every other crate speaks these types. Inputs from the outside world (`*Input`) are parsed
//! into validated values (`New*`, `*Patch`) here, so a bad request is rejected with the field
//! that is wrong before anything touches the store.

pub mod access;
pub mod bargain;
pub mod date;
pub mod error;
pub mod event;
pub mod flash_sale;
pub mod gift;
pub mod group;
pub mod group_buy;
pub mod ids;
pub mod influence;
pub mod job;
pub mod live_code;
pub mod lottery;
pub mod member;
pub mod membership;
pub mod money;
pub mod query;
pub mod red_envelope;
pub mod referral;
pub mod tag;
pub mod text;
pub mod wallet;
pub mod zone;

pub use error::{FieldError, Invalid};
pub use ids::*;
pub use money::Fen;
