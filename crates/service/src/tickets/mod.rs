//! Tickets: creation under the open-ticket limit and its queue, the conversation,
//! transitions and close, attachments, SLA counts and reports.

pub mod attachments;
pub mod confidential;
pub mod conversation;
pub mod create;
pub mod intake;
pub mod intake_queue;
pub mod queries;
pub mod queue;
pub mod reports;
pub mod shared;
pub mod sla;
pub mod transitions;

crate::capability!(
    /// Tickets: creation under the open-ticket limit and its queue, the conversation,
    /// transitions and close, attachments, SLA counts and reports: `app.tickets()`.
    Tickets,
    tickets
);
