//! Customers, contracts, teams, users, tiers and product versions.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use validator::Validate;

use crate::auth::User;
use crate::double_option;
use crate::enums::UnknownValue;
use crate::enums::{ContractState, Schedule, StaffRole, UserKind};
use crate::ids::{ContractId, CustomerId, TeamId, UserId};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Customer {
    pub id: CustomerId,
    pub name: String,
    /// The dedicated manager (premium tiers), a staff user.
    pub account_manager_id: Option<UserId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Contract {
    pub id: ContractId,
    pub customer_id: CustomerId,
    pub tier_code: String,
    pub number: String,
    /// First day in force (Moscow calendar day, inclusive).
    pub starts_on: NaiveDate,
    /// Last day in force (inclusive).
    pub ends_on: NaiveDate,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A customer with what governs it today.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CustomerView {
    #[serde(flatten)]
    pub customer: Customer,
    /// The contract in force today, else the next to start, else the last that ended.
    pub contract: Option<Contract>,
    /// The state of that contract today (Moscow calendar day).
    pub contract_state: Option<ContractState>,
    pub active_clients: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Team {
    pub id: TeamId,
    pub customer_id: CustomerId,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewCustomer {
    #[validate(length(min = 1, max = 200))]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 200))]
    pub name: String,
    pub account_manager_id: Option<UserId>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CustomerPatch {
    #[validate(length(min = 1, max = 200))]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 200))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `null` removes the manager.
    #[serde(default, deserialize_with = "double_option", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<UserId>))]
    pub account_manager_id: Option<Option<UserId>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewContract {
    #[validate(length(min = 1, max = 50))]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 50))]
    pub tier_code: String,
    #[validate(length(min = 1, max = 100))]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100))]
    pub number: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ContractPatch {
    #[validate(length(min = 1, max = 50))]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 50))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tier_code: Option<String>,
    #[validate(length(min = 1, max = 100))]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub starts_on: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ends_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TeamInput {
    #[validate(length(min = 1, max = 200))]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 200))]
    pub name: String,
}

/// A client of a customer, registered by staff (R-ACC-1).
#[derive(Debug, Clone, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewClient {
    #[validate(email, length(max = 320))]
    #[cfg_attr(feature = "openapi", schema(format = Email, max_length = 320))]
    pub email: String,
    #[validate(length(min = 1, max = 200))]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 200))]
    pub full_name: String,
    pub team_id: Option<TeamId>,
    #[serde(default)]
    pub is_key_contact: bool,
    #[validate(length(min = 1, max = 64))]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 64))]
    pub telegram_username: Option<String>,
    /// Set a password at once (10 to 256 characters); without one the client gets an
    /// invitation to set it.
    #[cfg_attr(feature = "openapi", schema(min_length = 10, max_length = 256))]
    pub password: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewStaff {
    #[validate(email, length(max = 320))]
    #[cfg_attr(feature = "openapi", schema(format = Email, max_length = 320))]
    pub email: String,
    #[validate(length(min = 1, max = 200))]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 200))]
    pub full_name: String,
    pub role: StaffRole,
    #[validate(length(min = 1, max = 64))]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 64))]
    pub telegram_username: Option<String>,
    /// Set a password at once (10 to 256 characters); without one the user gets an
    /// invitation to set it.
    #[cfg_attr(feature = "openapi", schema(min_length = 10, max_length = 256))]
    pub password: Option<String>,
}

/// Changes to a user; fields left out stay as they are.
#[derive(Debug, Clone, Default, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    #[validate(email, length(max = 320))]
    #[cfg_attr(feature = "openapi", schema(format = Email, max_length = 320))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[validate(length(min = 1, max = 200))]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 200))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub full_name: Option<String>,
    /// Staff only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<StaffRole>,
    /// Clients only; `null` takes the client out of their team.
    #[serde(default, deserialize_with = "double_option", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<TeamId>))]
    pub team_id: Option<Option<TeamId>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_key_contact: Option<bool>,
    #[serde(default, deserialize_with = "double_option", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, min_length = 1, max_length = 64))]
    pub telegram_username: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    /// Clients only: another active client of the same customer who becomes a key contact
    /// in the same change. Needed when the change disables or demotes the customer's last
    /// key contact while its contract is in force (R-CON-4), else `last_key_contact`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_key_contact_id: Option<UserId>,
    /// `ru` or `en`.
    #[cfg_attr(feature = "openapi", schema(pattern = "^(ru|en)$"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// An IANA time zone such as `Europe/Moscow`.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 64))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
}

/// What a user may change of their own account.
#[derive(Debug, Clone, Default, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ProfilePatch {
    #[validate(length(min = 1, max = 200))]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 200))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub full_name: Option<String>,
    /// `ru` or `en`.
    #[cfg_attr(feature = "openapi", schema(pattern = "^(ru|en)$"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// An IANA time zone such as `Europe/Moscow`.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 64))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
}

/// A user just created. When no password was set, `invitation_url` is the one-time
/// link that was also mailed to the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedUser {
    #[serde(flatten)]
    pub user: User,
    pub invitation_url: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct CustomerQuery {
    /// A part of the name.
    #[cfg_attr(feature = "openapi", param(max_length = 200))]
    pub q: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct UsersQuery {
    pub kind: Option<UserKind>,
    pub customer_id: Option<CustomerId>,
    pub team_id: Option<TeamId>,
    pub active: Option<bool>,
    /// A part of the name or the email.
    #[cfg_attr(feature = "openapi", param(max_length = 200))]
    pub q: Option<String>,
}

/// One row of Appendix 1: a support tier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Tier {
    pub code: String,
    pub name_ru: String,
    pub name_en: String,
    pub schedule: Schedule,
    /// The guaranteed response time in business minutes of `schedule`
    /// ("1 business day" is 9 business hours, R-CAL-3).
    pub response_target_minutes: i64,
    /// `None` is unlimited.
    pub max_open_tickets: Option<i64>,
    pub several_teams: bool,
    pub max_contacts: i64,
    pub telegram: bool,
    pub dedicated_manager: bool,
    pub monthly_video_meeting: bool,
    /// R-NTF-2: the share of the response budget (in business time) after which the
    /// responsible person is warned, in percent.
    pub warn_percent: i32,
}

/// A tier as admins edit it (every column of Appendix 1 but the code).
#[derive(Debug, Clone, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TierInput {
    #[validate(length(min = 1, max = 100))]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100))]
    pub name_ru: String,
    #[validate(length(min = 1, max = 100))]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100))]
    pub name_en: String,
    pub schedule: Schedule,
    /// Business minutes of `schedule`.
    #[validate(range(min = 1, max = 525_600))]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 525_600))]
    pub response_target_minutes: i64,
    /// `null` is unlimited.
    #[validate(range(min = 1, max = 100_000))]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 100_000))]
    pub max_open_tickets: Option<i64>,
    pub several_teams: bool,
    #[validate(range(min = 1, max = 100_000))]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 100_000))]
    pub max_contacts: i64,
    pub telegram: bool,
    pub dedicated_manager: bool,
    pub monthly_video_meeting: bool,
    /// R-NTF-2: warn at this share of the response budget, in percent (1–99); absent keeps
    /// the tier's (75 for a new tier).
    #[serde(default)]
    #[validate(range(min = 1, max = 99))]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 99))]
    pub warn_percent: Option<i32>,
}

/// A version of the product (R-TKT-4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductVersion {
    pub version: String,
    /// Bug reports about it are accepted.
    pub supported: bool,
    /// Fixes are made only for the latest version; exactly one is latest.
    pub latest: bool,
    pub released_on: Option<NaiveDate>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct VersionInput {
    pub supported: bool,
    #[serde(default)]
    pub latest: bool,
    pub released_on: Option<NaiveDate>,
}

/// What the caller may do under the customer's contract (R-ACL-5, R-ACL-6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PortalAccess {
    /// The client's customer's contract in force today, else the next to start, else the
    /// last that ended; `null` for staff and for a customer without contracts.
    pub contract: Option<Contract>,
    pub contract_state: Option<ContractState>,
    /// Whether the caller may open tickets today (R-ACL-6): staff always (on a client's
    /// behalf), clients while their customer has a contract in force.
    pub can_open_tickets: bool,
    /// When the clients lose access: 10 working days after the customer's last contract
    /// ends (R-ACL-5); `null` for staff and for a customer without contracts.
    pub access_ends_at: Option<DateTime<Utc>>,
    /// Where those without an active contract ask their questions (a setting).
    pub community_url: String,
}

/// Portal settings (admins).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PortalSettings {
    /// The community portal shown to customers without an active contract (R-ACL-6):
    /// an `http` or `https` address.
    #[validate(url, length(max = 500))]
    #[cfg_attr(feature = "openapi", schema(max_length = 500))]
    pub community_url: String,
}

crate::enums::wire_enum! {
    /// What the registration import does (or would do) with a row (R-ACC-1).
    ImportOutcome {
        /// A new client: registered and invited.
        New = "new",
        /// An active client of this customer with this email exists already: the row is skipped.
        Exists = "exists",
        /// A disabled client of this customer (removed earlier) with this email: enabled
        /// again with the row's name, team, key-contact flag and Telegram username, within
        /// the tier's contact count. The client's password stays.
        Reactivated = "reactivated",
        /// The row cannot be imported; `problem` says why. One such row stops the real run.
        Refused = "error",
    }
}

crate::enums::wire_enum! {
    /// Why a row of the registration import cannot be imported.
    ImportProblem {
        BadEmail = "bad_email",
        MissingName = "missing_name",
        /// A value that is too long, or a key-contact flag that is not yes/no.
        BadValue = "bad_value",
        /// No team of the customer has this name.
        UnknownTeam = "unknown_team",
        /// The tier's contact count would be exceeded (R-ACL-4).
        ContactLimit = "contact_limit",
        /// The email appears earlier in the same list.
        DuplicateInFile = "duplicate_in_file",
        /// The email belongs to staff or to another customer's client.
        EmailTaken = "email_taken",
    }
}

/// One row of a registration list in JSON (CSV has the same columns in its header:
/// `key_contact`, `full_name`, `email`, `telegram`, `team`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ImportClientRow {
    #[serde(default)]
    pub key_contact: bool,
    pub full_name: String,
    pub email: String,
    #[serde(default, alias = "telegram")]
    pub telegram_username: Option<String>,
    /// The name of one of the customer's teams.
    #[serde(default)]
    pub team: Option<String>,
}

/// A registration list in JSON: `{"rows": [...]}` (a bare array of rows is read too).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ImportClientList {
    pub rows: Vec<ImportClientRow>,
}

/// A row's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportRow {
    /// The row's line in the file (CSV: the header is line 1), or its 1-based place in JSON.
    pub line: i64,
    pub email: String,
    pub full_name: String,
    pub outcome: ImportOutcome,
    pub problem: Option<ImportProblem>,
    pub detail: Option<String>,
    /// The registered (or enabled again) client, after a real run.
    pub user_id: Option<UserId>,
}

/// What a registration import did (or, in a dry run, would do).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportReport {
    pub dry_run: bool,
    /// Whether the clients were written (a real run without errors).
    pub applied: bool,
    pub total: i64,
    pub new: i64,
    pub existing: i64,
    /// Disabled clients enabled again.
    pub reactivated: i64,
    pub errors: i64,
    pub rows: Vec<ImportRow>,
}

/// `?dry_run=true` checks the list and writes nothing.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct ImportQuery {
    pub dry_run: Option<bool>,
}
