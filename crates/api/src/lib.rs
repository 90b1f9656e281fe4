//! The contract of `/api/v1`, written once and used by the server, the web app and the
//! black-box tests: every request and response type, typed IDs, the enums, and the
//! error codes with their HTTP statuses.
//!
//! Wasm-safe: serde, chrono, uuid and validator only. The OpenAPI schemas are derived
//! with the `openapi` feature, which the server turns on and the web app leaves off.

pub mod auth;
pub mod calendar;
pub mod channels;
pub mod directory;
pub mod enums;
pub mod error;
pub mod ids;
pub mod notifications;
pub mod paging;
pub mod paths;
pub mod services;
pub mod sla;
pub mod tickets;
pub mod webhooks;

pub use auth::*;
pub use calendar::*;
pub use channels::*;
pub use directory::*;
pub use enums::*;
pub use error::*;
pub use ids::*;
pub use notifications::*;
pub use paging::*;
pub use services::*;
pub use sla::*;
pub use tickets::*;
pub use webhooks::*;

use serde::{Deserialize, Deserializer};

/// Tells a field sent as `null` (`Some(None)`: clear it) from a field left out (`None`: keep it).
///
/// # Errors
/// When the value is not a `T` or `null`.
pub fn double_option<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}
