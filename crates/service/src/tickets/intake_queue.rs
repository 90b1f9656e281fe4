//! The queue in front of the intake workers (see [`super::intake`]): what a creation carries while it waits for its batch.

use std::sync::OnceLock;

use reglament_api::{NewTicket, TicketView};
use reglament_domain::Channel;
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

/// The most creations written in one transaction.
pub const MAX_BATCH: usize = 64;

/// A validated creation waiting for its batch.
pub(crate) struct Request {
    pub author_id: Uuid,
    pub customer_id: Uuid,
    pub is_key_contact: bool,
    pub input: NewTicket,
    pub channel: Channel,
    /// The closed ticket this one continues (R-TKT-7).
    pub parent: Option<Uuid>,
    /// Who opened it: the author, or staff on the author's behalf.
    pub opened_by: Uuid,
    /// The channel's key of the message it comes from (`mail:<Message-ID>`…), written in
    /// the ticket's transaction so that the message never opens a second ticket.
    pub receipt: Option<String>,
}

pub(crate) type Waiting = (
    Request,
    oneshot::Sender<std::result::Result<TicketView, crate::error::ServiceError>>,
);

/// The queue in front of the intake workers; started on the first creation.
#[derive(Default)]
pub(crate) struct Intake {
    pub(crate) sender: OnceLock<mpsc::Sender<Waiting>>,
}
