//! `change_external_contact`: a customer added, edited, deleted or handed over.

use serde::Serialize;

use super::{EventError, Fields};

/// A `change_external_contact` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExternalContactEvent {
    /// `ChangeType`.
    pub change: ContactChange,
    /// `UserID`: the corp member (staff) on the relation.
    pub user_id: String,
    /// `ExternalUserID`: the customer.
    pub external_user_id: String,
    /// `State`: the `state` of the 「联系我」 way the customer came through: the acquisition
    /// channel (add and edit only).
    pub state: Option<String>,
    /// `WelcomeCode`: the code to send a welcome message with (add only; valid 20 seconds).
    pub welcome_code: Option<String>,
    /// `Source` of a deletion: `DELETE_BY_TRANSFER` when removed by a handover.
    pub source: Option<String>,
    /// `FailReason` of a failed handover: `customer_refused` or `customer_limit_exceed`.
    pub fail_reason: Option<String>,
}

/// The `ChangeType`s of `change_external_contact`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactChange {
    /// `add_external_contact`: a member added a customer (or was added by one).
    AddExternalContact,
    /// `add_half_external_contact`: a customer added a member without verification yet.
    AddHalfExternalContact,
    /// `edit_external_contact`: a member edited the customer's remarks or tags.
    EditExternalContact,
    /// `del_external_contact`: the member deleted the customer.
    DelExternalContact,
    /// `del_follow_user`: the customer deleted the member — the churn signal.
    DelFollowUser,
    /// `transfer_fail`: handing the customer over to another member failed.
    TransferFail,
}

impl ContactChange {
    /// Reads a `ChangeType`.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "add_external_contact" => Self::AddExternalContact,
            "add_half_external_contact" => Self::AddHalfExternalContact,
            "edit_external_contact" => Self::EditExternalContact,
            "del_external_contact" => Self::DelExternalContact,
            "del_follow_user" => Self::DelFollowUser,
            "transfer_fail" => Self::TransferFail,
            _ => return None,
        })
    }
}

/// Reads a customer event of a known `ChangeType`.
pub(super) fn read(
    f: &Fields<'_, '_>,
    change: ContactChange,
) -> Result<ExternalContactEvent, EventError> {
    Ok(ExternalContactEvent {
        change,
        user_id: f.req("UserID")?,
        external_user_id: f.req("ExternalUserID")?,
        state: f.opt("State")?,
        welcome_code: f.opt("WelcomeCode")?,
        source: f.opt("Source")?,
        fail_reason: f.opt("FailReason")?,
    })
}
