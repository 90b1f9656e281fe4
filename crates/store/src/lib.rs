//! Persistence for Reglament: one API over PostgreSQL and SQLite.
//!
//! Queries are written once in the SQL both dialects accept (`$n` placeholders,
//! `RETURNING`, `ON CONFLICT`) and run on either backend through [`run!`]; the
//! few places where the dialects differ (row locks) branch explicitly.

pub mod channels;
mod db;
pub mod duty;
mod error;
pub mod leases;
pub mod live;
pub mod mail;
pub mod metrics;
pub mod notifications;
pub mod overdue;
pub mod records;
pub mod reports;
pub mod services;
pub mod testing;

pub mod account_requests;
pub mod attachments;
pub mod auth;
pub mod calendar;
pub mod customers;
pub mod teams;
pub mod telegram;
pub mod tickets;
pub mod tiers;
pub mod users;
pub mod versions;
pub mod webhooks;
mod wire;

pub use db::{Backend, Store, Tx};
pub use error::StoreError;
pub use records::*;

/// Truncates an instant to microseconds: PostgreSQL keeps microseconds and
/// SQLite would keep nanoseconds, and both backends must agree.
#[must_use]
pub fn micros(t: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
    use chrono::{DurationRound, TimeDelta};
    t.duration_trunc(TimeDelta::microseconds(1)).unwrap_or(t)
}

/// Paging of a list: `limit` rows after skipping `offset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: i64,
    pub offset: i64,
}

impl PageRequest {
    pub const DEFAULT_LIMIT: i64 = 50;
    pub const MAX_LIMIT: i64 = 200;

    /// The page of `items` out of `total` rows that this request asked for.
    #[must_use]
    pub fn page<T>(self, items: Vec<T>, total: i64) -> Page<T> {
        Page {
            items,
            total,
            limit: self.limit,
            offset: self.offset,
        }
    }
}

impl Default for PageRequest {
    fn default() -> Self {
        Self {
            limit: Self::DEFAULT_LIMIT,
            offset: 0,
        }
    }
}

pub use reglament_api::Page;
