//! What a client may do under the customer's contract (R-ACL-5, R-ACL-6), and the portal
//! settings that go with it.

use reglament_api::{PortalAccess, PortalSettings, Scope};
use reglament_domain::{StaffRole, contract_state};
use reglament_store::{Tx, calendar as store_settings, customers as store_customers};
use validator::Validate as _;

use super::Accounts;
use crate::accounts::principal::Principal;
use crate::{Result, ServiceError};

const COMMUNITY_URL_SETTING: &str = "community_url";
/// The community portal until an admin names another.
pub const DEFAULT_COMMUNITY_URL: &str = "https://community.monq.ru";

impl Accounts<'_> {
    /// The community portal address (R-ACL-6).
    ///
    /// # Errors
    /// On a database failure.
    pub(crate) async fn community_url(&self, tx: &mut Tx) -> Result<String> {
        Ok(store_settings::get_setting(tx, COMMUNITY_URL_SETTING)
            .await?
            .unwrap_or_else(|| DEFAULT_COMMUNITY_URL.to_owned()))
    }

    /// The caller's contract, whether they may open tickets, and when access ends.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn portal_access(&self, p: &Principal) -> Result<PortalAccess> {
        let today = self.today();
        let mut tx = self.store.read().await?;
        let community_url = self.community_url(&mut tx).await?;
        let contract = match p.user.customer_id.filter(|_| !p.actor.is_staff()) {
            Some(customer_id) => store_customers::governing_contract(&mut tx, customer_id, today).await?,
            None => None,
        };
        let access_ends_at = self.access_ends_at(&mut tx, &p.user).await?;
        tx.commit().await?;
        let state = contract.as_ref().map(|c| contract_state(c.starts_on, c.ends_on, today));
        Ok(PortalAccess {
            can_open_tickets: p.actor.is_staff() || state == Some(reglament_domain::ContractState::Active),
            contract: contract.map(Into::into),
            contract_state: state,
            access_ends_at,
            community_url,
        })
    }

    /// # Errors
    /// On a database failure.
    pub async fn portal_settings(&self) -> Result<PortalSettings> {
        let mut tx = self.store.read().await?;
        let community_url = self.community_url(&mut tx).await?;
        tx.commit().await?;
        Ok(PortalSettings { community_url })
    }

    /// # Errors
    /// `forbidden` for anyone but admins, `validation_failed` on an address that is not
    /// `http(s)`.
    pub async fn put_portal_settings(&self, p: &Principal, input: PortalSettings) -> Result<PortalSettings> {
        p.require_scope(Scope::DirectoryWrite)?;
        p.require_role(&[StaffRole::Admin])?;
        input.validate()?;
        let url = input.community_url.trim();
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(ServiceError::invalid(
                "community_url",
                "must be an http or https address",
            ));
        }
        let mut tx = self.store.begin().await?;
        store_settings::put_setting(&mut tx, COMMUNITY_URL_SETTING, url, self.now()).await?;
        tx.commit().await?;
        tracing::info!(by = %p.user.id, community_url = url, "portal settings saved");
        Ok(PortalSettings {
            community_url: url.to_owned(),
        })
    }
}
