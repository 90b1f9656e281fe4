//! The closed sets of values the API speaks: each one's wire text is written once, here.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A text that names no value of the set it was read as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownValue(pub String);

impl fmt::Display for UnknownValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown value {:?}", self.0)
    }
}

impl std::error::Error for UnknownValue {}

/// An enum with its wire text per variant, `ALL`, `as_str`, `FromStr`, `TryFrom<String>`
/// (the store reads them from text columns) and `Display`.
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        $name:ident { $( $(#[$vmeta:meta])* $variant:ident = $text:tt ),* $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $text)] $variant, )*
        }

        impl $name {
            /// Every value, in the order of the declaration.
            pub const ALL: [Self; [$($text),*].len()] = [$(Self::$variant),*];

            /// The value as the API and the database write it.
            #[must_use]
            pub const fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),* }
            }
        }

        impl FromStr for $name {
            type Err = UnknownValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s { $($text => Ok(Self::$variant),)* other => Err(UnknownValue(other.to_owned())) }
            }
        }

        impl TryFrom<String> for $name {
            type Error = UnknownValue;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                s.parse()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use wire_enum;

wire_enum! {
    /// Ticket categories (SPEC section 5).
    Category {
        Consultation = "consultation",
        Bug = "bug",
        Improvement = "improvement",
        AccountManagement = "account_management",
        LicensingBilling = "licensing_billing",
        ServiceRequest = "service_request",
    }
}

impl Category {
    /// The category's name in the regulation (section 1.4).
    #[must_use]
    pub const fn name_ru(self) -> &'static str {
        match self {
            Self::Consultation => "Консультация",
            Self::Bug => "Ошибка (баг)",
            Self::Improvement => "Улучшение (доработка)",
            Self::AccountManagement => "Управление учётными записями",
            Self::LicensingBilling => "Лицензирование и выставление счетов",
            Self::ServiceRequest => "Запрос на оказание профессионального сервиса",
        }
    }

    /// The category's name in English (R-NTF-6).
    #[must_use]
    pub const fn name_en(self) -> &'static str {
        match self {
            Self::Consultation => "Consultation",
            Self::Bug => "Bug",
            Self::Improvement => "Improvement",
            Self::AccountManagement => "Account management",
            Self::LicensingBilling => "Licensing and billing",
            Self::ServiceRequest => "Professional service request",
        }
    }
}

wire_enum! {
    /// Where a ticket is in its life (R-TKT-*, R-LIM-3).
    Status {
        /// Over the limit: waits for a slot, with no due time (R-LIM-3, R-SLA-3).
        Queued = "queued",
        /// In work.
        Open = "open",
        /// Staff proposed a solution or asked for information (R-TKT-6).
        WaitingForCustomer = "waiting_for_customer",
        Closed = "closed",
    }
}

impl Status {
    /// The status as the regulation's clients read it.
    #[must_use]
    pub const fn name_ru(self) -> &'static str {
        match self {
            Self::Queued => "в очереди",
            Self::Open => "в работе",
            Self::WaitingForCustomer => "ожидает ответа клиента",
            Self::Closed => "закрыто",
        }
    }

    /// The status in English (R-NTF-6).
    #[must_use]
    pub const fn name_en(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Open => "in progress",
            Self::WaitingForCustomer => "waiting for your answer",
            Self::Closed => "closed",
        }
    }
}

wire_enum! {
    /// Why a ticket was closed (R-TKT-8).
    CloseReason {
        Resolved = "resolved",
        ClosedByCustomer = "closed_by_customer",
        NoCustomerResponse = "no_customer_response",
        ThirdParty = "third_party",
        UnsupportedVersion = "unsupported_version",
        NotKeyContact = "not_key_contact",
        Declined = "declined",
        Duplicate = "duplicate",
        /// A queued ticket of a customer whose contract ended and whose clients' access
        /// ended after it (R-CON-3).
        ContractEnded = "contract_ended",
    }
}

impl CloseReason {
    /// How a closed ticket's reason reads to a client.
    #[must_use]
    pub const fn name_ru(self) -> &'static str {
        match self {
            Self::Resolved => "решено",
            Self::ClosedByCustomer => "закрыто клиентом",
            Self::NoCustomerResponse => "нет ответа клиента",
            Self::ThirdParty => "вопрос стороннего ПО",
            Self::UnsupportedVersion => "версия не поддерживается",
            Self::NotKeyContact => "запрос не от ключевого контактного лица",
            Self::Declined => "отклонено",
            Self::Duplicate => "дубликат",
            Self::ContractEnded => "договор поддержки закончился",
        }
    }
}

wire_enum! {
    /// How a ticket came in.
    Channel {
        Portal = "portal",
        Email = "email",
        Telegram = "telegram",
        Api = "api",
    }
}

wire_enum! {
    /// The working schedule a tier's clocks run on (R-CAL-1, R-CAL-2).
    Schedule {
        /// Monday–Friday 09:00–18:00 Europe/Moscow on working days of the production calendar.
        EightByFive = "8x5",
        /// Every minute counts, holidays included.
        TwentyFourSeven = "24x7",
    }
}

wire_enum! {
    /// The four tier codes of Appendix 1. Tiers are data (admins may edit them), so the
    /// API carries a tier's code as text; these are the ones the regulation names.
    TierCode {
        Basic = "basic",
        BasicPlus = "basic_plus",
        Premium = "premium",
        PremiumPlus = "premium_plus",
    }
}

wire_enum! {
    /// A client of a customer, or the vendor's staff.
    UserKind {
        Staff = "staff",
        Client = "client",
    }
}

wire_enum! {
    /// What a staff member may do (SPEC section 1).
    StaffRole {
        Admin = "admin",
        SupportLead = "support_lead",
        Agent = "agent",
        AccountManager = "account_manager",
        Specialist = "specialist",
    }
}

wire_enum! {
    /// A contract on a Moscow calendar day.
    ContractState {
        /// Starts later than today.
        Future = "future",
        /// `starts_on <= today <= ends_on`.
        Active = "active",
        /// Ended before today.
        Ended = "ended",
    }
}

wire_enum! {
    /// What one Moscow calendar day is on the `8x5` schedule.
    DayKind {
        Working = "working",
        Shortened = "shortened",
        Weekend = "weekend",
        Holiday = "holiday",
        DayOff = "day_off",
    }
}

wire_enum! {
    /// What a message is.
    #[derive(Default)]
    MessageKind {
        /// A public message.
        #[default]
        Message = "message",
        /// An internal note of staff, never shown to clients (R-TKT-5).
        Note = "note",
        /// Staff propose a solution: the ticket waits for the client (R-TKT-6).
        Solution = "solution",
        /// Staff ask for information: the ticket waits for the client (R-TKT-6).
        InfoRequest = "info_request",
    }
}

wire_enum! {
    /// How a bug is resolved (R-TKT-9).
    BugResolution {
        Workaround = "workaround",
        FixRelease = "fix_release",
        EndOfSupport = "end_of_support",
    }
}

wire_enum! {
    /// What an API token may be used for. A signed-in session may do whatever the
    /// user's role allows; a token only what its scopes also allow.
    Scope {
        DirectoryRead = "directory:read",
        DirectoryWrite = "directory:write",
        TicketsRead = "tickets:read",
        TicketsWrite = "tickets:write",
        SlaRead = "sla:read",
        ServicesRead = "services:read",
        ServicesWrite = "services:write",
    }
}

wire_enum! {
    /// The order of the ticket list.
    TicketSort {
        /// Newest first (the default).
        Created = "created",
        /// Response due time, soonest first; tickets without one last.
        Due = "due",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_round_trips_through_its_text() -> Result<(), Box<dyn std::error::Error>> {
        for s in Status::ALL {
            assert_eq!(s.as_str().parse::<Status>()?, s);
            assert_eq!(serde_json::to_string(&s)?, format!("\"{s}\""));
        }
        for c in Category::ALL {
            assert_eq!(serde_json::from_str::<Category>(&format!("\"{c}\""))?, c);
        }
        assert_eq!("24x7".parse::<Schedule>()?, Schedule::TwentyFourSeven);
        assert_eq!(serde_json::to_string(&Scope::SlaRead)?, "\"sla:read\"");
        assert_eq!("not_key_contact".parse::<CloseReason>()?, CloseReason::NotKeyContact);
        assert!("lost".parse::<CloseReason>().is_err());
        Ok(())
    }
}
