//! What callers send: validated inputs shared by every channel, defined in the API contract.

pub use reglament_api::{
    AcceptInvitationInput, ContractPatch, CustomerPatch, LoginInput, NewApiToken, NewClient, NewContract, NewCustomer,
    NewStaff, ProfilePatch, RefreshInput, TeamInput, TierInput, UserPatch,
};
