use reglament_domain::{StaffRole, Tier};
use reglament_store::tiers as store_tiers;
use validator::Validate as _;

use super::Directory;
use crate::accounts::principal::Principal;
use crate::input::TierInput;
use crate::{Result, ServiceError};
use reglament_api::Scope;

impl Directory<'_> {
    /// The support tiers (SPEC section 3), in Appendix 1's order. Any signed-in user may read them.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn list_tiers(&self, p: &Principal) -> Result<Vec<Tier>> {
        p.require_scope(Scope::DirectoryRead)?;
        let mut tx = self.store.read().await?;
        let tiers = store_tiers::list(&mut tx).await?;
        tx.commit().await?;
        Ok(tiers)
    }

    /// # Errors
    /// `not_found` for an unknown code.
    pub async fn get_tier(&self, p: &Principal, code: &str) -> Result<Tier> {
        p.require_scope(Scope::DirectoryRead)?;
        let mut tx = self.store.read().await?;
        let tier = store_tiers::get(&mut tx, code)
            .await
            .map_err(ServiceError::from_store("tier"))?;
        tx.commit().await?;
        Ok(tier)
    }

    /// Admins edit a tier; a new code adds one at the end of the list.
    ///
    /// # Errors
    /// `forbidden` for anyone but an admin, `validation_failed` on bad values.
    pub async fn put_tier(&self, p: &Principal, code: &str, input: TierInput) -> Result<Tier> {
        p.require_scope(Scope::DirectoryWrite)?;
        p.require_role(&[StaffRole::Admin])?;
        input.validate()?;
        if code.is_empty()
            || code.len() > 50
            || !code
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            return Err(ServiceError::invalid("code", "use 1 to 50 characters a-z, 0-9 and _"));
        }
        let tier = Tier {
            code: code.to_owned(),
            name_ru: input.name_ru.trim().to_owned(),
            name_en: input.name_en.trim().to_owned(),
            schedule: input.schedule,
            response_target_minutes: input.response_target_minutes,
            max_open_tickets: input.max_open_tickets,
            several_teams: input.several_teams,
            max_contacts: input.max_contacts,
            telegram: input.telegram,
            dedicated_manager: input.dedicated_manager,
            monthly_video_meeting: input.monthly_video_meeting,
            warn_percent: input
                .warn_percent
                .unwrap_or(reglament_domain::sla::DEFAULT_WARN_PERCENT),
        };
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let mut tier = tier;
        if input.warn_percent.is_none()
            && let Ok(stored) = store_tiers::get(&mut tx, code).await
        {
            tier.warn_percent = stored.warn_percent;
        }
        let position = match store_tiers::position(&mut tx, code).await? {
            Some(position) => position,
            None => i64::try_from(store_tiers::list(&mut tx).await?.len()).unwrap_or(i64::MAX),
        };
        store_tiers::upsert(&mut tx, &tier, position, now).await?;
        tx.commit().await?;
        tracing::info!(tier = code, by = %p.user.id, "tier saved");
        Ok(tier)
    }
}
