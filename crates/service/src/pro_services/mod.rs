//! Professional services: certificates and their ledger, estimates, work logs.

pub mod certificates;
pub mod orders;

crate::capability!(
    /// Professional services: certificates and their ledger, estimates, work logs: `app.pro_services()`.
    ProServices,
    pro_services
);
