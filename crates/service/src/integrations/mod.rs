//! Integrations: outgoing webhooks and metrics.

pub mod delivery;
pub mod events;
pub mod metrics;
pub mod subscribers;
pub mod subscriptions;

crate::capability!(
    /// Integrations: outgoing webhooks and metrics: `app.integrations()`.
    Integrations,
    integrations
);
