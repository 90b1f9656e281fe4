//! The directory: customers and contracts, teams, tiers, product versions.

pub mod customers;
pub mod teams;
pub mod tiers;
pub mod versions;

crate::capability!(
    /// The directory: customers and contracts, teams, tiers, product versions: `app.directory()`.
    Directory,
    directory
);
