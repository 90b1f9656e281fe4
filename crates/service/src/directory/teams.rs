//! Teams of a customer's clients (R-ACL-3).

use reglament_api as api;
use reglament_api::ErrorCode;
use reglament_api::{CustomerId, TeamId};
use reglament_domain::check_team_allowed;
use reglament_store::{Page, PageRequest, Team, customers as store_customers, teams as store};
use uuid::Uuid;
use validator::Validate as _;

use super::Directory;
use crate::accounts::principal::Principal;
use crate::directory::customers::{governing_tier, name_taken, require_directory_manager};
use crate::input::TeamInput;
use crate::{Result, ServiceError};
use reglament_api::Scope;

impl Directory<'_> {
    /// A customer's teams; a client sees their own customer's.
    ///
    /// # Errors
    /// `not_found` for an unknown or foreign customer (R-ACL-2).
    pub async fn list_teams(
        &self,
        p: &Principal,
        customer_id: CustomerId,
        page: PageRequest,
    ) -> Result<Page<api::Team>> {
        p.require_scope(Scope::DirectoryRead)?;
        if !p.actor.can_see_customer(customer_id) {
            return Err(ServiceError::not_found("customer"));
        }
        let mut tx = self.store.read().await?;
        store_customers::get_customer(&mut tx, customer_id)
            .await
            .map_err(ServiceError::from_store("customer"))?;
        let list = store::list_teams(&mut tx, customer_id, page).await?;
        tx.commit().await?;
        Ok(list.map(Into::into))
    }

    /// # Errors
    /// `not_found` for an unknown team or another customer's (R-ACL-2).
    pub async fn get_team(&self, p: &Principal, id: TeamId) -> Result<api::Team> {
        p.require_scope(Scope::DirectoryRead)?;
        let mut tx = self.store.read().await?;
        let team = store::get_team(&mut tx, id)
            .await
            .map_err(ServiceError::from_store("team"))?;
        tx.commit().await?;
        if !p.actor.can_see_customer(team.customer_id) {
            return Err(ServiceError::not_found("team"));
        }
        Ok(team.into())
    }

    /// Adds a team. R-ACL-3: a second team only where the customer's tier allows several.
    ///
    /// # Errors
    /// `several_teams_not_allowed` (422), `no_contract` (422), `already_exists` (409).
    pub async fn create_team(&self, p: &Principal, customer_id: CustomerId, input: TeamInput) -> Result<api::Team> {
        p.require_scope(Scope::DirectoryWrite)?;
        require_directory_manager(p)?;
        input.validate()?;
        let mut tx = self.store.begin().await?;
        // Two requests at once must not both see "no team yet".
        store_customers::lock_customer(&mut tx, customer_id)
            .await
            .map_err(ServiceError::from_store("customer"))?;
        let (tier, _) = governing_tier(&mut tx, customer_id, self.today()).await?;
        let existing = store::count_teams(&mut tx, customer_id).await?;
        check_team_allowed(&tier, existing).map_err(|e| ServiceError::Refused {
            code: ErrorCode::SeveralTeamsNotAllowed,
            detail: e.to_string(),
        })?;
        let team = Team {
            id: TeamId(Uuid::now_v7()),
            customer_id,
            name: input.name.trim().to_owned(),
            created_at: self.now(),
        };
        store::insert_team(&mut tx, &team).await.map_err(name_taken("team"))?;
        tx.commit().await?;
        Ok(team.into())
    }

    /// # Errors
    /// `not_found`, `already_exists`.
    pub async fn rename_team(&self, p: &Principal, id: TeamId, input: TeamInput) -> Result<api::Team> {
        p.require_scope(Scope::DirectoryWrite)?;
        require_directory_manager(p)?;
        input.validate()?;
        let mut tx = self.store.begin().await?;
        store::rename_team(&mut tx, id, input.name.trim())
            .await
            .map_err(name_taken("team"))?;
        let team = store::get_team(&mut tx, id).await?;
        tx.commit().await?;
        Ok(team.into())
    }

    /// Deletes a team; its members stay with the customer, without a team.
    ///
    /// # Errors
    /// `not_found`.
    pub async fn delete_team(&self, p: &Principal, id: TeamId) -> Result<()> {
        p.require_scope(Scope::DirectoryWrite)?;
        require_directory_manager(p)?;
        let mut tx = self.store.begin().await?;
        store::get_team(&mut tx, id)
            .await
            .map_err(ServiceError::from_store("team"))?;
        store::delete_team(&mut tx, id).await?;
        self.changed_everywhere(&mut tx, crate::Cached::Users).await?;
        tx.commit().await?;
        self.users.clear();
        Ok(())
    }
}
