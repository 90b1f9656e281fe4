//! Sign-in, tokens and the current user.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use validator::Validate;

use crate::enums::{Scope, StaffRole, UserKind};
use crate::ids::{ApiTokenId, CustomerId, TeamId, UserId};

#[derive(Debug, Clone, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LoginInput {
    #[validate(length(min = 1, max = 320))]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 320))]
    pub email: String,
    #[validate(length(min = 1, max = 256))]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 256))]
    pub password: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RefreshInput {
    #[validate(length(min = 1, max = 512))]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 512))]
    pub refresh_token: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AcceptInvitationInput {
    #[validate(length(min = 1, max = 512))]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 512))]
    pub token: String,
    /// 10 to 256 characters.
    #[cfg_attr(feature = "openapi", schema(min_length = 10, max_length = 256))]
    pub password: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewApiToken {
    /// What the token is for ("CI overdue check").
    #[validate(length(min = 1, max = 100))]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100))]
    pub name: String,
    pub scopes: Vec<Scope>,
    /// No expiry when absent.
    pub expires_at: Option<DateTime<Utc>>,
}

/// A client of a customer or a member of the vendor's staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    pub id: UserId,
    pub kind: UserKind,
    pub email: String,
    pub full_name: String,
    /// Staff only.
    pub role: Option<StaffRole>,
    /// Clients only.
    pub customer_id: Option<CustomerId>,
    pub team_id: Option<TeamId>,
    pub is_key_contact: bool,
    pub telegram_username: Option<String>,
    pub active: bool,
    /// `ru` or `en`.
    pub locale: String,
    /// An IANA time zone such as `Europe/Moscow`.
    pub time_zone: String,
    /// Whether the user has set a password (false until an invitation is accepted).
    pub has_password: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl User {
    #[must_use]
    pub fn is_staff(&self) -> bool {
        self.kind == UserKind::Staff
    }
}

/// What a successful sign-in or refresh answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenPair {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// One use only: each refresh returns a new one and revokes the old.
    pub refresh_token: String,
    pub refresh_expires_at: DateTime<Utc>,
    pub user: User,
}

/// A browser session (the web app): the access token, kept in memory only. The refresh
/// token travels in an `HttpOnly; Secure; SameSite=Strict` cookie scoped to
/// `/api/v1/auth/session` and is never readable by scripts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BrowserSession {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// When the refresh cookie expires.
    pub refresh_expires_at: DateTime<Utc>,
    pub user: User,
}

impl From<TokenPair> for BrowserSession {
    fn from(pair: TokenPair) -> Self {
        Self {
            access_token: pair.access_token,
            token_type: pair.token_type,
            expires_in: pair.expires_in,
            refresh_expires_at: pair.refresh_expires_at,
            user: pair.user,
        }
    }
}

/// An API token as listed: never the secret itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiToken {
    pub id: ApiTokenId,
    pub user_id: UserId,
    pub name: String,
    /// The first characters of the token, to recognise it in a list.
    pub token_prefix: String,
    pub scopes: Vec<Scope>,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A new API token; `token` is shown this once and never again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedApiToken {
    pub token: String,
    #[serde(flatten)]
    pub info: ApiToken,
}
