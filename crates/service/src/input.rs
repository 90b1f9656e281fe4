//! What callers send: validated inputs shared by every channel.

use chrono::{DateTime, NaiveDate, Utc};
use reglament_domain::{Schedule, StaffRole};
use serde::{Deserialize, Deserializer};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use crate::auth::Scope;

/// Tells a field sent as `null` (`Some(None)`: clear it) from a field left out (`None`: keep it).
fn double_option<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginInput {
    #[validate(length(min = 1, max = 320))]
    pub email: String,
    #[validate(length(min = 1, max = 256))]
    pub password: String,
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshInput {
    #[validate(length(min = 1, max = 512))]
    pub refresh_token: String,
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptInvitationInput {
    #[validate(length(min = 1, max = 512))]
    pub token: String,
    pub password: String,
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewApiToken {
    /// What the token is for ("CI overdue check").
    #[validate(length(min = 1, max = 100))]
    pub name: String,
    pub scopes: Vec<Scope>,
    /// No expiry when absent.
    pub expires_at: Option<DateTime<Utc>>,
}

/// A tier as admins edit it (every column of Appendix 1 but the code).
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TierInput {
    #[validate(length(min = 1, max = 100))]
    pub name_ru: String,
    #[validate(length(min = 1, max = 100))]
    pub name_en: String,
    pub schedule: Schedule,
    /// Business minutes of `schedule`.
    #[validate(range(min = 1, max = 525_600))]
    pub response_target_minutes: i64,
    /// `null` is unlimited.
    #[validate(range(min = 1, max = 100_000))]
    pub max_open_tickets: Option<i64>,
    pub several_teams: bool,
    #[validate(range(min = 1, max = 100_000))]
    pub max_contacts: i64,
    pub telegram: bool,
    pub dedicated_manager: bool,
    pub monthly_video_meeting: bool,
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCustomer {
    #[validate(length(min = 1, max = 200))]
    pub name: String,
    pub account_manager_id: Option<Uuid>,
}

#[derive(Debug, Clone, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerPatch {
    #[validate(length(min = 1, max = 200))]
    pub name: Option<String>,
    /// `null` removes the manager.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub account_manager_id: Option<Option<Uuid>>,
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewContract {
    #[validate(length(min = 1, max = 50))]
    pub tier_code: String,
    #[validate(length(min = 1, max = 100))]
    pub number: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

#[derive(Debug, Clone, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContractPatch {
    #[validate(length(min = 1, max = 50))]
    pub tier_code: Option<String>,
    #[validate(length(min = 1, max = 100))]
    pub number: Option<String>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamInput {
    #[validate(length(min = 1, max = 200))]
    pub name: String,
}

/// A client of a customer, registered by staff (R-ACC-1).
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewClient {
    #[validate(email, length(max = 320))]
    pub email: String,
    #[validate(length(min = 1, max = 200))]
    pub full_name: String,
    pub team_id: Option<Uuid>,
    #[serde(default)]
    pub is_key_contact: bool,
    #[validate(length(min = 1, max = 64))]
    pub telegram_username: Option<String>,
    /// Set a password at once; without one the client gets an invitation to set it.
    pub password: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewStaff {
    #[validate(email, length(max = 320))]
    pub email: String,
    #[validate(length(min = 1, max = 200))]
    pub full_name: String,
    pub role: StaffRole,
    #[validate(length(min = 1, max = 64))]
    pub telegram_username: Option<String>,
    /// Set a password at once; without one the user gets an invitation to set it.
    pub password: Option<String>,
}

/// Changes to a user; fields left out stay as they are.
#[derive(Debug, Clone, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    #[validate(email, length(max = 320))]
    pub email: Option<String>,
    #[validate(length(min = 1, max = 200))]
    pub full_name: Option<String>,
    /// Staff only.
    pub role: Option<StaffRole>,
    /// Clients only; `null` takes the client out of their team.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub team_id: Option<Option<Uuid>>,
    pub is_key_contact: Option<bool>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub telegram_username: Option<Option<String>>,
    pub active: Option<bool>,
    /// `ru` or `en`.
    pub locale: Option<String>,
    /// An IANA time zone such as `Europe/Moscow`.
    pub time_zone: Option<String>,
}

/// What a user may change of their own account.
#[derive(Debug, Clone, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfilePatch {
    #[validate(length(min = 1, max = 200))]
    pub full_name: Option<String>,
    pub locale: Option<String>,
    pub time_zone: Option<String>,
}
