//! The rules of SPEC.md as pure code: no I/O, no async, no database.
//!
//! Every decision the service layer takes is asked of this crate first, so that
//! the rules can be tested fast and in isolation.

pub mod access;
pub mod calendar;
#[doc(hidden)]
pub mod calendar_oracle;
pub mod contract;
pub mod duty;
pub mod moscow;
pub mod roles;
pub mod services;
pub mod sla;
pub mod tickets;
pub mod tier;

pub use access::{AccessError, check_contact_limit, check_team_allowed};
pub use calendar::{BusinessCalendar, CalendarError, CalendarSettings, CalendarYear, DayKind, YearRules};
pub use contract::{ACCESS_GRACE_WORKING_DAYS, ContractState, access_ends_at, contract_state};
pub use roles::{Actor, StaffRole, UserKind};
pub use sla::{Category, ResponseCycle};
pub use tickets::{Channel, CloseReason, Status};
pub use tier::{Schedule, Tier, TierCode, UnknownValue, appendix_1};
