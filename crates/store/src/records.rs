//! Rows as the rest of the application sees them.

use chrono::{DateTime, NaiveDate, Utc};
use reglament_api::{ApiTokenId, ContractId, CustomerId, TeamId, UserId};
use reglament_domain::{StaffRole, UserKind};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Customer {
    pub id: CustomerId,
    pub name: String,
    /// The dedicated manager (premium tiers), a staff user.
    pub account_manager_id: Option<UserId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
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

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Team {
    pub id: TeamId,
    pub customer_id: CustomerId,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
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
    pub locale: String,
    pub time_zone: String,
    /// Whether the user has set a password (false until an invitation is accepted).
    pub has_password: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RefreshToken {
    pub id: Uuid,
    pub user_id: UserId,
    pub family_id: Uuid,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ApiToken {
    pub id: ApiTokenId,
    pub user_id: UserId,
    pub name: String,
    /// The first characters of the token, to recognise it in a list.
    pub token_prefix: String,
    /// Space-separated scopes.
    #[sqlx(try_from = "String")]
    pub scopes: Scopes,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A set of scope names, stored space-separated.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Scopes(pub Vec<String>);

impl Scopes {
    #[must_use]
    pub fn joined(&self) -> String {
        self.0.join(" ")
    }

    #[must_use]
    pub fn contains(&self, scope: &str) -> bool {
        self.0.iter().any(|s| s == scope)
    }
}

impl From<String> for Scopes {
    fn from(s: String) -> Self {
        Self(s.split_whitespace().map(str::to_owned).collect())
    }
}
