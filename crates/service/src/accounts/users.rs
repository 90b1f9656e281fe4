//! Users: clients registered by staff (R-ACC-1, R-ACL-4) and staff accounts.

use reglament_api as api;
use reglament_api::CreatedUser;
use reglament_api::ErrorCode;
use reglament_api::ids::*;
use reglament_api::{CustomerId, UserId};
use reglament_domain::{Actor, StaffRole, UserKind, check_contact_limit};
use reglament_store::{
    Page, PageRequest, Tx, User, auth as store_auth, customers as store_customers, teams as store_teams, users as store,
};
use uuid::Uuid;
use validator::Validate as _;

use super::Accounts;
use crate::accounts::passwords::{check_password_strength, hash_password};
use crate::accounts::principal::Principal;
use crate::directory::customers::{governing_tier, require_directory_manager};
use crate::input::{NewClient, NewStaff, ProfilePatch, UserPatch};
use crate::{Result, ServiceError};
use reglament_api::Scope;

const LOCALES: [&str; 2] = ["ru", "en"];

/// The change that brings back a client removed earlier (R-ACC-2) with the values a list
/// row or an `add_user` request gives; the password stays.
pub(crate) fn reenable_client(
    full_name: &str,
    team_id: Option<reglament_api::TeamId>,
    is_key_contact: bool,
    telegram_username: Option<String>,
) -> UserPatch {
    UserPatch {
        full_name: Some(full_name.trim().to_owned()),
        team_id: Some(team_id),
        is_key_contact: Some(is_key_contact),
        telegram_username: telegram_username.map(Some),
        active: Some(true),
        ..UserPatch::default()
    }
}

/// A new active user with the defaults every account starts with (Russian, Moscow time).
pub(crate) fn new_user(
    kind: UserKind,
    email: &str,
    full_name: &str,
    telegram: Option<String>,
    has_password: bool,
    now: chrono::DateTime<chrono::Utc>,
) -> User {
    User {
        id: UserId(Uuid::now_v7()),
        kind,
        email: store::normalize_email(email),
        full_name: full_name.trim().to_owned(),
        role: None,
        customer_id: None,
        team_id: None,
        is_key_contact: false,
        telegram_username: telegram.map(|t| t.trim().trim_start_matches('@').to_owned()),
        active: true,
        locale: "ru".to_owned(),
        time_zone: "Europe/Moscow".to_owned(),
        has_password,
        created_at: now,
        updated_at: now,
    }
}

fn check_locale(locale: &str) -> Result<()> {
    if LOCALES.contains(&locale) {
        Ok(())
    } else {
        Err(ServiceError::invalid("locale", "must be ru or en"))
    }
}

fn check_time_zone(zone: &str) -> Result<()> {
    zone.parse::<chrono_tz::Tz>()
        .map(|_| ())
        .map_err(|_| ServiceError::invalid("time_zone", "unknown IANA time zone"))
}

fn email_taken(err: reglament_store::StoreError) -> ServiceError {
    match err {
        reglament_store::StoreError::Conflict(_) => ServiceError::Refused {
            code: ErrorCode::EmailTaken,
            detail: "a user with this email exists".to_owned(),
        },
        other => other.into(),
    }
}

/// Filters of the user list, as the caller gives them.
#[derive(Debug, Clone, Default)]
pub struct UserQuery {
    pub kind: Option<UserKind>,
    pub customer_id: Option<Uuid>,
    pub team_id: Option<Uuid>,
    pub active: Option<bool>,
    pub search: Option<String>,
}

impl Accounts<'_> {
    /// R-ACL-4 for one more active client of `customer_id`.
    pub(crate) async fn check_contact_slot(&self, tx: &mut Tx, customer_id: CustomerId) -> Result<()> {
        let (tier, _) = governing_tier(tx, customer_id, self.today()).await?;
        let active = store::count_active_clients(tx, customer_id).await?;
        check_contact_limit(&tier, active).map_err(|e| ServiceError::Refused {
            code: ErrorCode::ContactLimitReached,
            detail: e.to_string(),
        })
    }

    pub(crate) async fn check_team_of(tx: &mut Tx, team_id: TeamId, customer_id: CustomerId) -> Result<()> {
        let team = store_teams::get_team(tx, team_id)
            .await
            .map_err(|_| ServiceError::invalid("team_id", "no such team"))?;
        if team.customer_id != customer_id {
            return Err(ServiceError::invalid("team_id", "the team belongs to another customer"));
        }
        Ok(())
    }

    /// Creates the password hash, or the invitation when there is no password.
    pub(crate) async fn finish_new_user(
        &self,
        tx: &mut Tx,
        user: &User,
        password: Option<String>,
    ) -> Result<Option<String>> {
        let hash = match password {
            Some(password) => {
                check_password_strength(&password)?;
                Some(hash_password(password).await?)
            }
            None => None,
        };
        store::insert(tx, user, hash.as_deref()).await.map_err(email_taken)?;
        if hash.is_some() {
            return Ok(None);
        }
        let token = crate::accounts::passwords::new_secret();
        store_auth::insert_invitation(
            tx,
            user.id,
            &crate::accounts::passwords::token_hash(&token),
            self.now() + self.config.invitation_ttl,
            self.now(),
        )
        .await?;
        self.channels().queue_invitation(tx, user, &token).await?;
        Ok(Some(self.channels().invitation_link(&token)))
    }

    /// Registers a client of a customer (R-ACC-1) within the tier's contact count (R-ACL-4).
    ///
    /// # Errors
    /// `contact_limit_reached` (422), `no_contract` (422), `email_taken` (409), `validation_failed`.
    pub async fn create_client(&self, p: &Principal, customer_id: CustomerId, input: NewClient) -> Result<CreatedUser> {
        p.require_scope(Scope::DirectoryWrite)?;
        require_directory_manager(p)?;
        let mut tx = self.store.begin().await?;
        let (user, invitation_url) = self.register_client_in(&mut tx, customer_id, input).await?;
        tx.commit().await?;
        tracing::info!(user_id = %user.id, customer_id = %customer_id, by = %p.user.id, "client registered");
        Ok(CreatedUser {
            user: user.into(),
            invitation_url,
        })
    }

    /// Registers a client in the caller's transaction, under the customer's lock: the team
    /// is the customer's, and the tier's contact count is kept (R-ACL-4). Answers the user
    /// and the invitation link when no password was given.
    pub(crate) async fn register_client_in(
        &self,
        tx: &mut Tx,
        customer_id: CustomerId,
        input: NewClient,
    ) -> Result<(User, Option<String>)> {
        input.validate()?;
        let now = self.now();
        let user = User {
            customer_id: Some(customer_id),
            team_id: input.team_id,
            is_key_contact: input.is_key_contact,
            ..new_user(
                UserKind::Client,
                &input.email,
                &input.full_name,
                input.telegram_username,
                input.password.is_some(),
                now,
            )
        };
        // Serialises concurrent registrations for one customer: the last free slot is taken once.
        store_customers::lock_customer(tx, customer_id)
            .await
            .map_err(ServiceError::from_store("customer"))?;
        if let Some(team_id) = user.team_id {
            Self::check_team_of(tx, team_id, customer_id).await?;
        }
        self.check_contact_slot(tx, customer_id).await?;
        let invitation_url = self.finish_new_user(tx, &user, input.password).await?;
        Ok((user, invitation_url))
    }

    /// Creates a staff account; admins only.
    ///
    /// # Errors
    /// `forbidden`, `email_taken` (409), `validation_failed`.
    pub async fn create_staff(&self, p: &Principal, input: NewStaff) -> Result<CreatedUser> {
        p.require_scope(Scope::DirectoryWrite)?;
        p.require_role(&[StaffRole::Admin])?;
        input.validate()?;
        let now = self.now();
        let user = User {
            role: Some(input.role),
            ..new_user(
                UserKind::Staff,
                &input.email,
                &input.full_name,
                input.telegram_username,
                input.password.is_some(),
                now,
            )
        };
        let mut tx = self.store.begin().await?;
        let invitation_url = self.finish_new_user(&mut tx, &user, input.password).await?;
        tx.commit().await?;
        tracing::info!(user_id = %user.id, role = ?user.role, by = %p.user.id, "staff account created");
        Ok(CreatedUser {
            user: user.into(),
            invitation_url,
        })
    }

    /// Staff list anyone; a client lists the clients of their own customer.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn list_users(&self, p: &Principal, query: UserQuery, page: PageRequest) -> Result<Page<api::User>> {
        p.require_scope(Scope::DirectoryRead)?;
        let mut filter = store::UserFilter {
            kind: query.kind,
            customer_id: query.customer_id,
            team_id: query.team_id,
            active: query.active,
            search: query.search.filter(|s| !s.trim().is_empty()),
        };
        if let Actor::Client { customer_id, .. } = p.actor {
            if filter.customer_id.is_some_and(|c| c != customer_id.0) || filter.kind == Some(UserKind::Staff) {
                return Ok(page.page(Vec::new(), 0));
            }
            filter.customer_id = Some(customer_id.0);
            filter.kind = Some(UserKind::Client);
        }
        let mut tx = self.store.read().await?;
        let list = store::list(&mut tx, &filter, page).await?;
        tx.commit().await?;
        Ok(list.map(Into::into))
    }

    /// # Errors
    /// `not_found` for an unknown user, and for anyone a client may not see (R-ACL-2).
    pub async fn get_user(&self, p: &Principal, id: UserId) -> Result<api::User> {
        p.require_scope(Scope::DirectoryRead)?;
        let mut tx = self.store.read().await?;
        let user = store::get(&mut tx, id)
            .await
            .map_err(ServiceError::from_store("user"))?;
        tx.commit().await?;
        let visible = p.actor.is_staff() || user.customer_id.is_some_and(|c| p.actor.can_see_customer(c));
        if !visible {
            return Err(ServiceError::not_found("user"));
        }
        Ok(user.into())
    }

    /// Changes a user. Clients are managed by admins and account managers, staff by
    /// admins. Reactivating a client takes a contact slot (R-ACL-4); deactivating
    /// signs the user out everywhere.
    ///
    /// # Errors
    /// `forbidden`, `not_found`, `contact_limit_reached`, `email_taken`, `validation_failed`.
    pub async fn update_user(&self, p: &Principal, id: UserId, patch: UserPatch) -> Result<api::User> {
        p.require_scope(Scope::DirectoryWrite)?;
        require_directory_manager(p)?;
        let mut tx = self.store.begin().await?;
        let user = self.patch_user_in(&mut tx, p, id, patch).await?;
        self.changed_everywhere(&mut tx, crate::Cached::Users).await?;
        tx.commit().await?;
        self.users.clear();
        Ok(user.into())
    }

    /// Changes a user in the caller's transaction, under the same rules as
    /// [`App::update_user`]; the caller clears the user cache after committing.
    pub(crate) async fn patch_user_in(&self, tx: &mut Tx, p: &Principal, id: UserId, patch: UserPatch) -> Result<User> {
        patch.validate()?;
        let now = self.now();
        let mut user = store::get(tx, id).await.map_err(ServiceError::from_store("user"))?;
        if user.kind == UserKind::Staff {
            p.require_role(&[StaffRole::Admin])?;
        }
        if let Some(customer_id) = user.customer_id {
            store_customers::lock_customer(tx, customer_id).await?;
        }
        let was_active = user.active;
        let was_key_contact = user.active && user.is_key_contact;
        let new_key_contact = patch.new_key_contact_id;
        if new_key_contact.is_some() && user.kind != UserKind::Client {
            return Err(ServiceError::invalid(
                "new_key_contact_id",
                "only a client's change names a key contact",
            ));
        }
        apply_patch(&mut user, patch)?;
        if let Some(customer_id) = user.customer_id {
            if let Some(team_id) = user.team_id {
                Self::check_team_of(tx, team_id, customer_id).await?;
            }
            if user.active && !was_active {
                self.check_contact_slot(tx, customer_id).await?;
            }
            if let Some(named) = new_key_contact {
                self.make_key_contact(tx, customer_id, user.id, named, now).await?;
            }
            if was_key_contact && !(user.active && user.is_key_contact) {
                self.keep_a_key_contact(tx, customer_id, user.id).await?;
            }
        }
        if user.id == p.user.id && (!user.active || user.role != p.user.role) {
            return Err(ServiceError::Refused {
                code: ErrorCode::CannotChangeSelf,
                detail: "you cannot disable yourself or change your own role".to_owned(),
            });
        }
        user.updated_at = now;
        store::update(tx, &user).await.map_err(email_taken)?;
        if was_active && !user.active {
            store_auth::revoke_user_refresh_tokens(tx, user.id, now).await?;
        }
        Ok(user)
    }

    /// Makes `named`, an active client of the customer other than `changed`, a key contact
    /// (R-CON-4: the new one a change names).
    async fn make_key_contact(
        &self,
        tx: &mut Tx,
        customer_id: CustomerId,
        changed: UserId,
        named: UserId,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<()> {
        let invalid = || ServiceError::invalid("new_key_contact_id", "name another active client of the same customer");
        if named == changed {
            return Err(invalid());
        }
        let mut other = store::get(tx, named).await.map_err(|_| invalid())?;
        if other.kind != UserKind::Client || other.customer_id != Some(customer_id) || !other.active {
            return Err(invalid());
        }
        if !other.is_key_contact {
            other.is_key_contact = true;
            other.updated_at = now;
            store::update(tx, &other).await?;
        }
        Ok(())
    }

    /// R-CON-4: a customer with a contract in force keeps an active key contact besides
    /// `leaving`, who stops being one in this change. Called under the customer's lock.
    pub(crate) async fn keep_a_key_contact(&self, tx: &mut Tx, customer_id: CustomerId, leaving: UserId) -> Result<()> {
        let today = reglament_domain::moscow::date(self.now());
        if !crate::directory::customers::contract_in_force(tx, customer_id, today).await? {
            return Ok(());
        }
        let others = store_customers::key_contact_ids(tx, customer_id).await?;
        if others.iter().any(|id| *id != leaving) {
            return Ok(());
        }
        Err(ServiceError::Refused {
            code: ErrorCode::LastKeyContact,
            detail: "this is the customer's last key contact while its contract is in force: \
                     name the new one in the same request (new_key_contact_id)"
                .to_owned(),
        })
    }

    /// What a user may change of their own account: name, language, time zone.
    ///
    /// # Errors
    /// `validation_failed`.
    pub async fn update_profile(&self, p: &Principal, patch: ProfilePatch) -> Result<api::User> {
        patch.validate()?;
        let mut tx = self.store.begin().await?;
        let mut user = store::get(&mut tx, p.user.id).await?;
        apply_patch(
            &mut user,
            UserPatch {
                full_name: patch.full_name,
                locale: patch.locale,
                time_zone: patch.time_zone,
                ..UserPatch::default()
            },
        )?;
        user.updated_at = self.now();
        store::update(&mut tx, &user).await?;
        self.changed_everywhere(&mut tx, crate::Cached::Users).await?;
        tx.commit().await?;
        self.users.clear();
        Ok(user.into())
    }
}

fn apply_patch(user: &mut User, patch: UserPatch) -> Result<()> {
    let is_client = user.kind == UserKind::Client;
    if is_client && patch.role.is_some() {
        return Err(ServiceError::invalid("role", "clients have no staff role"));
    }
    if !is_client && (patch.team_id.is_some() || patch.is_key_contact.is_some()) {
        return Err(ServiceError::invalid(
            "team_id",
            "staff belong to no team and are no key contact",
        ));
    }
    if let Some(email) = patch.email {
        user.email = store::normalize_email(&email);
    }
    if let Some(name) = patch.full_name {
        user.full_name = name.trim().to_owned();
    }
    if let Some(role) = patch.role {
        user.role = Some(role);
    }
    if let Some(team_id) = patch.team_id {
        user.team_id = team_id;
    }
    if let Some(key) = patch.is_key_contact {
        user.is_key_contact = key;
    }
    if let Some(telegram) = patch.telegram_username {
        user.telegram_username = telegram
            .map(|t| t.trim().trim_start_matches('@').to_owned())
            .filter(|t| !t.is_empty());
    }
    if let Some(active) = patch.active {
        user.active = active;
    }
    if let Some(locale) = patch.locale {
        check_locale(&locale)?;
        user.locale = locale;
    }
    if let Some(zone) = patch.time_zone {
        check_time_zone(&zone)?;
        user.time_zone = zone;
    }
    Ok(())
}
