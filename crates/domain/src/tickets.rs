//! Ticket rules (SPEC sections 5–6): statuses, close reasons, and the open-ticket
//! limit with its queue (R-LIM-1…4).

use serde::{Deserialize, Serialize};

use crate::sla::Category;
use crate::tier::{Tier, UnknownValue};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Over the limit: waits for a slot, with no due time (R-LIM-3, R-SLA-3).
    Queued,
    /// In work.
    Open,
    /// Staff proposed a solution or asked for information (R-TKT-6).
    WaitingForCustomer,
    Closed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CloseReason {
    Resolved,
    ClosedByCustomer,
    NoCustomerResponse,
    ThirdParty,
    UnsupportedVersion,
    NotKeyContact,
    Declined,
    Duplicate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Portal,
    Email,
    Telegram,
    Api,
}

macro_rules! text_enum {
    ($t:ty { $($v:ident => $s:literal),* $(,)? }) => {
        impl $t {
            #[must_use]
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$v => $s),* }
            }
        }
        impl std::str::FromStr for $t {
            type Err = UnknownValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s { $($s => Ok(Self::$v),)* other => Err(UnknownValue(other.to_owned())) }
            }
        }
        crate::tier::try_from_string!($t);
    };
}

text_enum!(Status { Queued => "queued", Open => "open", WaitingForCustomer => "waiting_for_customer", Closed => "closed" });
text_enum!(CloseReason {
    Resolved => "resolved", ClosedByCustomer => "closed_by_customer", NoCustomerResponse => "no_customer_response",
    ThirdParty => "third_party", UnsupportedVersion => "unsupported_version", NotKeyContact => "not_key_contact",
    Declined => "declined", Duplicate => "duplicate",
});
text_enum!(Channel { Portal => "portal", Email => "email", Telegram => "telegram", Api => "api" });

impl CloseReason {
    /// How a closed ticket's reason reads to a client.
    #[must_use]
    pub fn name_ru(self) -> &'static str {
        match self {
            Self::Resolved => "решено",
            Self::ClosedByCustomer => "закрыто клиентом",
            Self::NoCustomerResponse => "нет ответа клиента",
            Self::ThirdParty => "вопрос стороннего ПО",
            Self::UnsupportedVersion => "версия не поддерживается",
            Self::NotKeyContact => "запрос не от ключевого контактного лица",
            Self::Declined => "отклонено",
            Self::Duplicate => "дубликат",
        }
    }
}

impl Status {
    /// In work: counted against the limit when its category is (R-LIM-1).
    #[must_use]
    pub fn in_work(self) -> bool {
        matches!(self, Self::Open | Self::WaitingForCustomer)
    }
}

/// R-LIM-2: licensing and billing, improvements, account management, and bugs
/// confirmed by staff are not counted.
#[must_use]
pub fn category_counts(category: Category, bug_confirmed: bool) -> bool {
    match category {
        Category::LicensingBilling | Category::Improvement | Category::AccountManagement => false,
        Category::Bug => !bug_confirmed,
        Category::Consultation | Category::ServiceRequest => true,
    }
}

/// Whether a ticket takes one of the customer's slots now.
#[must_use]
pub fn takes_slot(status: Status, category: Category, bug_confirmed: bool) -> bool {
    status.in_work() && category_counts(category, bug_confirmed)
}

/// Where a new ticket goes (R-LIM-1, R-LIM-3): in work, or to the queue when the
/// customer's counted tickets in work have reached the tier's limit.
#[must_use]
pub fn admission(tier: &Tier, category: Category, counted_in_work: i64) -> Status {
    match tier.max_open_tickets {
        Some(limit) if category_counts(category, false) && counted_in_work >= limit => Status::Queued,
        _ => Status::Open,
    }
}

/// How many queued tickets may enter work now (R-LIM-3): the free slots, or all on an unlimited tier.
#[must_use]
pub fn free_slots(tier: &Tier, counted_in_work: i64) -> Option<i64> {
    tier.max_open_tickets.map(|limit| (limit - counted_in_work).max(0))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn tier(code: &str) -> Tier {
        Tier::appendix_1().into_iter().find(|t| t.code == code).unwrap()
    }

    // R-LIM-1, R-LIM-3: the last free slot is taken, the next counted ticket is queued.
    #[test]
    fn r_lim_1_admission_up_to_the_limit() {
        let basic = tier("basic");
        assert_eq!(admission(&basic, Category::Consultation, 4), Status::Open);
        assert_eq!(admission(&basic, Category::Consultation, 5), Status::Queued);
        assert_eq!(admission(&basic, Category::Bug, 5), Status::Queued);
        assert_eq!(
            admission(&tier("premium"), Category::Bug, 10_000),
            Status::Open,
            "unlimited"
        );
        assert_eq!(free_slots(&basic, 3), Some(2));
        assert_eq!(free_slots(&basic, 7), Some(0));
        assert_eq!(free_slots(&tier("premium_plus"), 7), None);
    }

    // R-LIM-2: exempt categories and confirmed bugs are neither counted nor queued.
    #[test]
    fn r_lim_2_exempt_categories() {
        let basic = tier("basic");
        for category in [
            Category::LicensingBilling,
            Category::Improvement,
            Category::AccountManagement,
        ] {
            assert!(!category_counts(category, false));
            assert_eq!(admission(&basic, category, 99), Status::Open);
        }
        assert!(category_counts(Category::Bug, false));
        assert!(!category_counts(Category::Bug, true));
        assert!(!takes_slot(Status::Open, Category::Bug, true));
        assert!(takes_slot(Status::WaitingForCustomer, Category::ServiceRequest, false));
        assert!(!takes_slot(Status::Queued, Category::Consultation, false));
        assert!(!takes_slot(Status::Closed, Category::Consultation, false));
    }

    #[test]
    fn text_round_trips() {
        for s in ["queued", "open", "waiting_for_customer", "closed"] {
            assert_eq!(s.parse::<Status>().unwrap().as_str(), s);
        }
        assert_eq!(
            "not_key_contact".parse::<CloseReason>().unwrap(),
            CloseReason::NotKeyContact
        );
        assert!("lost".parse::<CloseReason>().is_err());
    }
}
