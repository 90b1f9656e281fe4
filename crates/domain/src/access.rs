//! Directory rules of SPEC section 7: teams per tier (R-ACL-3) and the contact limit (R-ACL-4).

use crate::tier::Tier;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccessError {
    #[error("tier {tier} allows one team per customer, and the customer has {existing} already")]
    SeveralTeamsNotAllowed { tier: String, existing: i64 },
    #[error("tier {tier} allows {limit} active contacts, and the customer has {active} already")]
    ContactLimitReached { tier: String, limit: i64, active: i64 },
}

/// R-ACL-3: several teams only on tiers that allow them; other customers have one.
///
/// # Errors
/// `SeveralTeamsNotAllowed` when one more team would break the rule.
pub fn check_team_allowed(tier: &Tier, existing_teams: i64) -> Result<(), AccessError> {
    if tier.several_teams || existing_teams == 0 {
        Ok(())
    } else {
        Err(AccessError::SeveralTeamsNotAllowed {
            tier: tier.code.clone(),
            existing: existing_teams,
        })
    }
}

/// R-ACL-4: active clients of a customer ≤ the tier's contact count.
/// `active_contacts` is the number before the one being added or reactivated.
///
/// # Errors
/// `ContactLimitReached` when one more active client would exceed the limit.
pub fn check_contact_limit(tier: &Tier, active_contacts: i64) -> Result<(), AccessError> {
    if active_contacts < tier.max_contacts {
        Ok(())
    } else {
        Err(AccessError::ContactLimitReached {
            tier: tier.code.clone(),
            limit: tier.max_contacts,
            active: active_contacts,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tier(code: &str) -> Tier {
        crate::tier::appendix_1()
            .into_iter()
            .find(|t| t.code == code)
            .expect("seed tier")
    }

    // R-ACL-3
    #[test]
    fn one_team_on_basic_tiers_many_on_premium() {
        assert!(check_team_allowed(&tier("basic"), 0).is_ok());
        assert!(check_team_allowed(&tier("basic"), 1).is_err());
        assert!(check_team_allowed(&tier("basic_plus"), 1).is_err());
        assert!(check_team_allowed(&tier("premium"), 7).is_ok());
        assert!(check_team_allowed(&tier("premium_plus"), 1).is_ok());
    }

    // R-ACL-4: the last free slot is taken, the next one is refused.
    #[test]
    fn contact_limit_counts_to_the_last_slot() {
        let basic = tier("basic");
        assert!(check_contact_limit(&basic, 2).is_ok());
        assert_eq!(
            check_contact_limit(&basic, 3),
            Err(AccessError::ContactLimitReached {
                tier: "basic".into(),
                limit: 3,
                active: 3
            })
        );
        assert!(check_contact_limit(&tier("premium_plus"), 29).is_ok());
        assert!(check_contact_limit(&tier("premium_plus"), 30).is_err());
    }
}
