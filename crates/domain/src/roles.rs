//! Who acts: clients of customers and the vendor's staff (SPEC section 1).

use reglament_api::{CustomerId, TeamId, UserId};
pub use reglament_api::{StaffRole, UserKind};

/// The one who asks for something, as the rules see them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    Staff {
        id: UserId,
        role: StaffRole,
    },
    Client {
        id: UserId,
        customer_id: CustomerId,
        team_id: Option<TeamId>,
        is_key_contact: bool,
    },
}

impl Actor {
    #[must_use]
    pub fn id(&self) -> UserId {
        match self {
            Self::Staff { id, .. } | Self::Client { id, .. } => *id,
        }
    }

    #[must_use]
    pub fn is_staff(&self) -> bool {
        matches!(self, Self::Staff { .. })
    }

    #[must_use]
    pub fn has_role(&self, roles: &[StaffRole]) -> bool {
        matches!(self, Self::Staff { role, .. } if roles.contains(role))
    }

    /// R-ACL-2: a client sees only the objects of their own customer; staff see all.
    #[must_use]
    pub fn can_see_customer(&self, customer: CustomerId) -> bool {
        match self {
            Self::Staff { .. } => true,
            Self::Client { customer_id, .. } => *customer_id == customer,
        }
    }

    /// Directory changes (customers, contracts, teams, clients) are made by admins and
    /// account managers; staff accounts only by admins.
    #[must_use]
    pub fn can_manage_directory(&self) -> bool {
        self.has_role(&[StaffRole::Admin, StaffRole::AccountManager])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // R-ACL-2
    #[test]
    fn a_client_sees_only_their_customer() {
        let id = |n: u128| uuid::Uuid::from_u128(n);
        let client = Actor::Client {
            id: UserId(id(1)),
            customer_id: CustomerId(id(10)),
            team_id: None,
            is_key_contact: true,
        };
        assert!(client.can_see_customer(CustomerId(id(10))));
        assert!(!client.can_see_customer(CustomerId(id(11))));
        let agent = Actor::Staff {
            id: UserId(id(2)),
            role: StaffRole::Agent,
        };
        assert!(agent.can_see_customer(CustomerId(id(11))));
        assert!(!agent.can_manage_directory());
        assert!(!client.can_manage_directory());
        assert!(
            Actor::Staff {
                id: UserId(id(3)),
                role: StaffRole::AccountManager
            }
            .can_manage_directory()
        );
    }

    #[test]
    fn roles_round_trip() {
        for role in StaffRole::ALL {
            assert_eq!(role.as_str().parse::<StaffRole>(), Ok(role));
        }
        assert!("root".parse::<StaffRole>().is_err());
    }
}
