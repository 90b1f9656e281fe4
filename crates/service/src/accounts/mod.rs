//! Accounts: sign-in, sessions and API tokens, users, registration import, account requests, access after a contract ends.

pub mod access;
pub mod account_requests;
pub mod api_tokens;
pub mod cache;
pub mod import;
pub mod passwords;
pub mod principal;
pub mod sessions;
pub mod stream_tickets;
pub mod users;

crate::capability!(
    /// Accounts: sign-in, sessions and API tokens, users, registration import, account requests, access after a contract ends: `app.accounts()`.
    Accounts,
    accounts
);
