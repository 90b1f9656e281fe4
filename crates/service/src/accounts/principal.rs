//! The authenticated caller of a use case and what it may do.

use reglament_api::ErrorCode;
use reglament_api::Scope;
use reglament_domain::{Actor, StaffRole, UserKind};
use reglament_store::{Scopes, User};

use crate::{Result, ServiceError};

/// The authenticated caller of a use case.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user: User,
    pub actor: Actor,
    /// `None` for a signed-in session; the token's scopes for an API token.
    pub token_scopes: Option<Scopes>,
}

impl Principal {
    /// # Errors
    /// `insufficient_scope` when an API token lacks the scope.
    pub fn require_scope(&self, scope: Scope) -> Result<()> {
        match &self.token_scopes {
            Some(scopes) if !scopes.contains(scope.as_str()) => Err(ServiceError::Refused {
                code: ErrorCode::InsufficientScope,
                detail: format!("the API token lacks the scope {}", scope.as_str()),
            }),
            _ => Ok(()),
        }
    }

    /// # Errors
    /// `forbidden` unless the caller is staff with one of `roles`.
    pub fn require_role(&self, roles: &[StaffRole]) -> Result<()> {
        if self.actor.has_role(roles) {
            Ok(())
        } else {
            Err(ServiceError::forbidden())
        }
    }

    /// # Errors
    /// `forbidden` unless the caller is staff.
    pub fn require_staff(&self) -> Result<()> {
        if self.actor.is_staff() {
            Ok(())
        } else {
            Err(ServiceError::forbidden())
        }
    }

    #[must_use]
    pub fn from_user(user: User, token_scopes: Option<Scopes>) -> Option<Self> {
        let actor = match (user.kind, user.role, user.customer_id) {
            (UserKind::Staff, Some(role), _) => Actor::Staff { id: user.id, role },
            (UserKind::Client, _, Some(customer_id)) => Actor::Client {
                id: user.id,
                customer_id,
                team_id: user.team_id,
                is_key_contact: user.is_key_contact,
            },
            _ => return None,
        };
        Some(Self {
            user,
            actor,
            token_scopes,
        })
    }
}
