//! The product versions registry (R-TKT-4): admins mark which are supported and which is the latest.

use reglament_api::{ProductVersion, VersionInput};
use reglament_domain::StaffRole;
use reglament_store::versions as store;

use super::Directory;
use crate::accounts::principal::Principal;
use crate::{Result, ServiceError};
use reglament_api::Scope;

impl Directory<'_> {
    /// # Errors
    /// On a database failure.
    pub async fn list_versions(&self, p: &Principal) -> Result<Vec<ProductVersion>> {
        p.require_scope(Scope::DirectoryRead)?;
        let mut tx = self.store.read().await?;
        let list = store::list(&mut tx).await?;
        tx.commit().await?;
        Ok(list.into_iter().map(Into::into).collect())
    }

    /// Adds or changes a version (admins); the latest one is always supported.
    ///
    /// # Errors
    /// `forbidden`, `validation_failed`.
    pub async fn put_version(&self, p: &Principal, version: &str, input: VersionInput) -> Result<ProductVersion> {
        p.require_scope(Scope::DirectoryWrite)?;
        p.require_role(&[StaffRole::Admin])?;
        let version = version.trim();
        if version.is_empty() || version.len() > 100 {
            return Err(ServiceError::invalid("version", "1 to 100 characters"));
        }
        if input.latest && !input.supported {
            return Err(ServiceError::invalid("supported", "the latest version is supported"));
        }
        let record = store::ProductVersion {
            version: version.to_owned(),
            supported: input.supported,
            latest: input.latest,
            released_on: input.released_on,
            updated_at: self.now(),
        };
        let mut tx = self.store.begin().await?;
        store::put(&mut tx, &record).await?;
        tx.commit().await?;
        Ok(record.into())
    }

    /// R-TKT-4: a bug names a version the registry knows (when the registry has any).
    pub(crate) async fn check_reported_version(&self, tx: &mut reglament_store::Tx, version: &str) -> Result<()> {
        let known = store::list(tx).await?;
        if known.is_empty() || known.iter().any(|v| v.version == version) {
            return Ok(());
        }
        let names: Vec<&str> = known.iter().map(|v| v.version.as_str()).collect();
        Err(ServiceError::invalid(
            "product_version",
            format!("unknown version; known: {}", names.join(", ")),
        ))
    }
}
