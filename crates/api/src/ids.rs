//! Typed identifiers: a `TicketId` cannot be passed where a `CustomerId` is meant.
//! On the wire each is the UUID string it wraps.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

macro_rules! ids {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(transparent)]
        #[cfg_attr(feature = "sqlx", derive(sqlx::Type), sqlx(transparent))]
        pub struct $name(pub Uuid);

        impl $name {
            /// The UUID it wraps.
            #[must_use]
            pub const fn uuid(self) -> Uuid {
                self.0
            }
        }

        impl From<Uuid> for $name {
            fn from(id: Uuid) -> Self {
                Self(id)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Self {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    )*};
}

ids! {
    /// A ticket.
    TicketId,
    /// A customer (a company with a support contract).
    CustomerId,
    /// A client or a staff member.
    UserId,
    /// A team of a customer's clients.
    TeamId,
    /// A support contract.
    ContractId,
    /// A file attached to a ticket.
    AttachmentId,
    /// A message of a ticket's conversation.
    MessageId,
    /// An entry of a ticket's history.
    EventId,
    /// A key contact's escalation of an overdue ticket.
    EscalationId,
    /// An API token (the record, never the secret).
    ApiTokenId,
    /// A certificate of prepaid professional-services hours.
    CertificateId,
    /// A row of a certificate's ledger.
    LedgerEntryId,
    /// Staff's estimate of an order.
    EstimateId,
    /// An interval of work logged on an order.
    WorkLogId,
    /// Hours of specialists booked for a month.
    BookingId,
    /// A mail the intake did not process (R-CH-2).
    RejectedMailId,
    /// A webhook subscription (R-INT-2).
    WebhookId,
    /// One event queued for one webhook subscription; its `webhook-id` header.
    WebhookDeliveryId,
    /// Something a person was told (R-NTF).
    NotificationId,
    /// A dated change to the duty roster (R-NTF-3).
    DutyOverrideId,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_is_its_uuid_on_the_wire() -> Result<(), Box<dyn std::error::Error>> {
        let uuid = Uuid::parse_str("0190f0e4-7a6b-7c3d-9e1f-2a3b4c5d6e7f")?;
        let id = TicketId(uuid);
        assert_eq!(serde_json::to_string(&id)?, "\"0190f0e4-7a6b-7c3d-9e1f-2a3b4c5d6e7f\"");
        assert_eq!(
            serde_json::from_str::<TicketId>("\"0190f0e4-7a6b-7c3d-9e1f-2a3b4c5d6e7f\"")?,
            id
        );
        assert_eq!(id.to_string().parse::<TicketId>()?, id);
        Ok(())
    }
}
