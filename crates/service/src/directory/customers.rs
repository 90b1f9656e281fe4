//! Customers and their contracts.

use chrono::NaiveDate;
use reglament_api as api;
use reglament_api::CustomerView;
use reglament_api::ErrorCode;
use reglament_api::ids::*;
use reglament_api::{ContractId, CustomerId};
use reglament_domain::{StaffRole, Tier, UserKind, contract_state};
use reglament_store::{
    Contract, Customer, Page, PageRequest, Tx, customers as store, tiers as store_tiers, users as store_users,
};
use uuid::Uuid;
use validator::Validate as _;

use super::Directory;
use crate::accounts::principal::Principal;
use crate::input::{ContractPatch, CustomerPatch, NewContract, NewCustomer};
use crate::{Result, ServiceError};
use reglament_api::Scope;

/// The tier that governs a customer today, and the state of its contract.
///
/// # Errors
/// `no_contract` (422) when the customer has never had a contract.
pub(crate) async fn governing_tier(tx: &mut Tx, customer_id: CustomerId, today: NaiveDate) -> Result<(Tier, Contract)> {
    let contract = store::governing_contract(tx, customer_id, today)
        .await?
        .ok_or_else(|| ServiceError::Refused {
            code: ErrorCode::NoContract,
            detail: "the customer has no contract; add one first".to_owned(),
        })?;
    let tier = store_tiers::get(tx, &contract.tier_code).await?;
    Ok((tier, contract))
}

/// Whether a contract of the customer is in force on `today` (not before its start, not
/// after its end): the grace after the end is not (R-CON-3, R-CON-4).
///
/// # Errors
/// On a database failure.
pub(crate) async fn contract_in_force(tx: &mut Tx, customer_id: CustomerId, today: NaiveDate) -> Result<bool> {
    Ok(store::governing_contract(tx, customer_id, today)
        .await?
        .is_some_and(|c| in_force(&c, today)))
}

/// Whether `contract` is in force on `today`.
pub(crate) fn in_force(contract: &Contract, today: NaiveDate) -> bool {
    reglament_domain::contract_state(contract.starts_on, contract.ends_on, today)
        == reglament_domain::ContractState::Active
}

fn check_dates(starts_on: NaiveDate, ends_on: NaiveDate) -> Result<()> {
    if ends_on < starts_on {
        return Err(ServiceError::invalid("ends_on", "must not be before starts_on"));
    }
    Ok(())
}

impl Directory<'_> {
    async fn customer_view(&self, tx: &mut Tx, customer: Customer) -> Result<CustomerView> {
        let today = self.today();
        let contract = store::governing_contract(tx, customer.id, today).await?;
        let active_clients = store_users::count_active_clients(tx, customer.id).await?;
        Ok(CustomerView {
            contract_state: contract.as_ref().map(|c| contract_state(c.starts_on, c.ends_on, today)),
            contract: contract.map(Into::into),
            active_clients,
            customer: customer.into(),
        })
    }

    /// Checks that `id` names a staff user who may manage customers.
    async fn check_account_manager(tx: &mut Tx, id: UserId) -> Result<()> {
        let user = store_users::get(tx, id)
            .await
            .map_err(|_| ServiceError::invalid("account_manager_id", "no such staff user"))?;
        if user.kind != UserKind::Staff || !matches!(user.role, Some(StaffRole::AccountManager | StaffRole::Admin)) {
            return Err(ServiceError::invalid(
                "account_manager_id",
                "must be an account manager or an admin",
            ));
        }
        Ok(())
    }

    /// Staff see every customer; a client sees only their own (R-ACL-2).
    ///
    /// # Errors
    /// On a database failure.
    pub async fn list_customers(
        &self,
        p: &Principal,
        search: Option<&str>,
        page: PageRequest,
    ) -> Result<Page<CustomerView>> {
        p.require_scope(Scope::DirectoryRead)?;
        let only = match p.actor {
            reglament_domain::Actor::Client { customer_id, .. } => Some(customer_id),
            reglament_domain::Actor::Staff { .. } => None,
        };
        let mut tx = self.store.read().await?;
        let list = store::list_customers(
            &mut tx,
            only.map(|id| id.0),
            search.filter(|s| !s.trim().is_empty()),
            page,
        )
        .await?;
        let mut items = Vec::with_capacity(list.items.len());
        for customer in list.items {
            items.push(self.customer_view(&mut tx, customer).await?);
        }
        tx.commit().await?;
        Ok(page.page(items, list.total))
    }

    /// # Errors
    /// `not_found` for an unknown customer, and for another customer's client (R-ACL-2).
    pub async fn get_customer(&self, p: &Principal, id: CustomerId) -> Result<CustomerView> {
        p.require_scope(Scope::DirectoryRead)?;
        if !p.actor.can_see_customer(id) {
            return Err(ServiceError::not_found("customer"));
        }
        let mut tx = self.store.read().await?;
        let customer = store::get_customer(&mut tx, id)
            .await
            .map_err(ServiceError::from_store("customer"))?;
        let view = self.customer_view(&mut tx, customer).await?;
        tx.commit().await?;
        Ok(view)
    }

    /// # Errors
    /// `forbidden`, `validation_failed`, `already_exists` for a taken name.
    pub async fn create_customer(&self, p: &Principal, input: NewCustomer) -> Result<CustomerView> {
        p.require_scope(Scope::DirectoryWrite)?;
        require_directory_manager(p)?;
        input.validate()?;
        let now = self.now();
        let customer = Customer {
            id: CustomerId(Uuid::now_v7()),
            name: input.name.trim().to_owned(),
            account_manager_id: input.account_manager_id,
            created_at: now,
            updated_at: now,
        };
        let mut tx = self.store.begin().await?;
        if let Some(manager) = customer.account_manager_id {
            Self::check_account_manager(&mut tx, manager).await?;
        }
        store::insert_customer(&mut tx, &customer)
            .await
            .map_err(name_taken("customer"))?;
        let view = self.customer_view(&mut tx, customer).await?;
        tx.commit().await?;
        tracing::info!(customer_id = %view.customer.id, by = %p.user.id, "customer created");
        Ok(view)
    }

    /// # Errors
    /// `forbidden`, `not_found`, `validation_failed`, `already_exists`.
    pub async fn update_customer(&self, p: &Principal, id: CustomerId, patch: CustomerPatch) -> Result<CustomerView> {
        p.require_scope(Scope::DirectoryWrite)?;
        require_directory_manager(p)?;
        patch.validate()?;
        let mut tx = self.store.begin().await?;
        let mut customer = store::get_customer(&mut tx, id)
            .await
            .map_err(ServiceError::from_store("customer"))?;
        if let Some(name) = patch.name {
            customer.name = name.trim().to_owned();
        }
        if let Some(manager) = patch.account_manager_id {
            let manager = manager.map(Uuid::from);
            if let Some(manager) = manager {
                Self::check_account_manager(&mut tx, UserId(manager)).await?;
            }
            customer.account_manager_id = manager.map(UserId);
        }
        customer.updated_at = self.now();
        store::update_customer(&mut tx, &customer)
            .await
            .map_err(name_taken("customer"))?;
        let view = self.customer_view(&mut tx, customer).await?;
        tx.commit().await?;
        Ok(view)
    }

    /// A customer's contracts; a client sees their own customer's.
    ///
    /// # Errors
    /// `not_found` for an unknown or foreign customer.
    pub async fn list_contracts(
        &self,
        p: &Principal,
        customer_id: CustomerId,
        page: PageRequest,
    ) -> Result<Page<api::Contract>> {
        p.require_scope(Scope::DirectoryRead)?;
        if !p.actor.can_see_customer(customer_id) {
            return Err(ServiceError::not_found("customer"));
        }
        let mut tx = self.store.read().await?;
        store::get_customer(&mut tx, customer_id)
            .await
            .map_err(ServiceError::from_store("customer"))?;
        let list = store::list_contracts(&mut tx, customer_id, page).await?;
        tx.commit().await?;
        Ok(list.map(Into::into))
    }

    /// # Errors
    /// `not_found` for an unknown contract or one of another customer.
    pub async fn get_contract(&self, p: &Principal, id: ContractId) -> Result<api::Contract> {
        p.require_scope(Scope::DirectoryRead)?;
        let mut tx = self.store.read().await?;
        let contract = store::get_contract(&mut tx, id)
            .await
            .map_err(ServiceError::from_store("contract"))?;
        tx.commit().await?;
        if !p.actor.can_see_customer(contract.customer_id) {
            return Err(ServiceError::not_found("contract"));
        }
        Ok(contract.into())
    }

    /// Adds a contract; contracts of one customer never overlap.
    ///
    /// # Errors
    /// `unknown_tier`, `contract_overlap` (409), `validation_failed`.
    pub async fn create_contract(
        &self,
        p: &Principal,
        customer_id: CustomerId,
        input: NewContract,
    ) -> Result<api::Contract> {
        p.require_scope(Scope::DirectoryWrite)?;
        require_directory_manager(p)?;
        input.validate()?;
        check_dates(input.starts_on, input.ends_on)?;
        let now = self.now();
        let contract = Contract {
            id: ContractId(Uuid::now_v7()),
            customer_id,
            tier_code: input.tier_code,
            number: input.number.trim().to_owned(),
            starts_on: input.starts_on,
            ends_on: input.ends_on,
            created_at: now,
            updated_at: now,
        };
        let mut tx = self.store.begin().await?;
        store::lock_customer(&mut tx, customer_id)
            .await
            .map_err(ServiceError::from_store("customer"))?;
        self.save_contract(&mut tx, &contract, true).await?;
        self.tickets().promote_queue(&mut tx, customer_id, self.now()).await?;
        self.changed_everywhere(&mut tx, crate::Cached::Users).await?;
        tx.commit().await?;
        // A renewal restores access at once (R-ACL-5).
        self.users.clear();
        tracing::info!(customer_id = %customer_id, contract_id = %contract.id, tier = contract.tier_code, "contract added");
        Ok(contract.into())
    }

    async fn save_contract(&self, tx: &mut Tx, contract: &Contract, new: bool) -> Result<()> {
        store_tiers::get(tx, &contract.tier_code)
            .await
            .map_err(|_| ServiceError::Refused {
                code: ErrorCode::UnknownTier,
                detail: format!("there is no tier {:?}", contract.tier_code),
            })?;
        let except = (!new).then_some(contract.id);
        if store::contract_overlaps(
            tx,
            contract.customer_id,
            contract.starts_on,
            contract.ends_on,
            except.map(|id| id.0),
        )
        .await?
        {
            return Err(ServiceError::Refused {
                code: ErrorCode::ContractOverlap,
                detail: "another contract of this customer covers some of these days".to_owned(),
            });
        }
        if new {
            store::insert_contract(tx, contract).await?;
        } else {
            store::update_contract(tx, contract).await?;
        }
        Ok(())
    }

    /// Changes a contract (a renewal moves `ends_on`, an upgrade changes `tier_code`).
    ///
    /// # Errors
    /// As [`App::create_contract`], and `not_found`.
    pub async fn update_contract(&self, p: &Principal, id: ContractId, patch: ContractPatch) -> Result<api::Contract> {
        p.require_scope(Scope::DirectoryWrite)?;
        require_directory_manager(p)?;
        patch.validate()?;
        let mut tx = self.store.begin().await?;
        let mut contract = store::get_contract(&mut tx, id)
            .await
            .map_err(ServiceError::from_store("contract"))?;
        store::lock_customer(&mut tx, contract.customer_id).await?;
        if let Some(tier_code) = patch.tier_code {
            contract.tier_code = tier_code;
        }
        if let Some(number) = patch.number {
            contract.number = number.trim().to_owned();
        }
        contract.starts_on = patch.starts_on.unwrap_or(contract.starts_on);
        contract.ends_on = patch.ends_on.unwrap_or(contract.ends_on);
        check_dates(contract.starts_on, contract.ends_on)?;
        contract.updated_at = self.now();
        self.save_contract(&mut tx, &contract, false).await?;
        // An upgrade or a renewal may free slots for queued tickets (R-LIM-3).
        self.tickets()
            .promote_queue(&mut tx, contract.customer_id, self.now())
            .await?;
        self.changed_everywhere(&mut tx, crate::Cached::Users).await?;
        tx.commit().await?;
        self.users.clear();
        Ok(contract.into())
    }

    /// # Errors
    /// `forbidden`, `not_found`.
    pub async fn delete_contract(&self, p: &Principal, id: ContractId) -> Result<()> {
        p.require_scope(Scope::DirectoryWrite)?;
        require_directory_manager(p)?;
        let mut tx = self.store.begin().await?;
        store::get_contract(&mut tx, id)
            .await
            .map_err(ServiceError::from_store("contract"))?;
        store::delete_contract(&mut tx, id).await?;
        self.changed_everywhere(&mut tx, crate::Cached::Users).await?;
        tx.commit().await?;
        self.users.clear();
        Ok(())
    }
}

/// Customers, contracts, teams and clients are managed by admins and account managers.
pub(crate) fn require_directory_manager(p: &Principal) -> Result<()> {
    if p.actor.can_manage_directory() {
        Ok(())
    } else {
        Err(ServiceError::forbidden())
    }
}

/// A unique-name conflict, said in words.
pub(crate) fn name_taken(what: &'static str) -> impl Fn(reglament_store::StoreError) -> ServiceError {
    move |err| match err {
        reglament_store::StoreError::Conflict(_) => ServiceError::Refused {
            code: ErrorCode::AlreadyExists,
            detail: format!("a {what} with this name already exists"),
        },
        reglament_store::StoreError::NotFound => ServiceError::not_found(what),
        other => other.into(),
    }
}
