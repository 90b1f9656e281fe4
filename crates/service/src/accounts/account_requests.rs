//! Structured account management requests (R-ACC-2, R-ACC-3): a key contact chooses the
//! change in the form of an `account_management` ticket; staff carry it out in one
//! action that applies it under the same rules as any other change (contact count,
//! teams, tier), records it in the ticket's history and closes the ticket `resolved`.

use reglament_api::ids::*;
use reglament_api::{AccountRequest, AccountRequestView, ErrorCode, NewClient, Scope, TicketId, UserPatch};
use reglament_domain::{CloseReason, Status, UserKind};
use reglament_store::{Tx, account_requests as store, users as store_users};
use serde_json::json;
use uuid::Uuid;
use validator::{Validate as _, ValidateEmail as _};

use super::Accounts;
use crate::accounts::principal::Principal;
use crate::directory::customers::require_directory_manager;
use crate::notifications::client_notices::{Notice, NoticeKind};
use crate::tickets::shared::Event;
use crate::{Result, ServiceError};

fn invalid(message: &str) -> ServiceError {
    ServiceError::invalid("account_request", message)
}

fn new_client(request: &AccountRequest) -> Option<NewClient> {
    match request {
        AccountRequest::AddUser {
            full_name,
            email,
            telegram_username,
            team_id,
            is_key_contact,
        } => Some(NewClient {
            email: email.clone(),
            full_name: full_name.clone(),
            team_id: *team_id,
            is_key_contact: *is_key_contact,
            telegram_username: telegram_username.clone(),
            password: None,
        }),
        _ => None,
    }
}

fn target(request: &AccountRequest) -> Option<UserId> {
    match request {
        AccountRequest::AddUser { .. } => None,
        AccountRequest::RemoveUser { user_id, .. }
        | AccountRequest::ChangeUser { user_id, .. }
        | AccountRequest::AddToTelegram { user_id, .. }
        | AccountRequest::RemoveFromTelegram { user_id } => Some(*user_id),
    }
}

impl Accounts<'_> {
    /// Checks a request when the ticket is opened: its fields, and that the client it
    /// names is one of the customer's.
    ///
    /// # Errors
    /// `validation_failed`.
    pub(crate) async fn check_account_request(
        &self,
        tx: &mut Tx,
        customer_id: CustomerId,
        request: &AccountRequest,
    ) -> Result<()> {
        if let Some(client) = new_client(request) {
            client.validate()?;
            if let Some(team_id) = client.team_id {
                Self::check_team_of(tx, team_id, customer_id).await?;
            }
            return Ok(());
        }
        match request {
            AccountRequest::ChangeUser { full_name, email, .. } => {
                if full_name.is_none() && email.is_none() {
                    return Err(invalid("name the new full name or email"));
                }
                if full_name
                    .as_deref()
                    .is_some_and(|n| n.trim().is_empty() || n.chars().count() > 200)
                {
                    return Err(invalid("the full name is 1 to 200 characters"));
                }
                if email.as_deref().is_some_and(|e| !e.validate_email() || e.len() > 320) {
                    return Err(invalid("the email address is not valid"));
                }
            }
            AccountRequest::AddToTelegram { telegram_username, .. } => {
                let name = telegram_username.trim().trim_start_matches('@');
                if name.is_empty() || name.chars().count() > 64 {
                    return Err(invalid("the Telegram username is 1 to 64 characters"));
                }
            }
            _ => {}
        }
        if let Some(id) = target(request) {
            let user = store_users::get(tx, id).await.ok();
            if !user.is_some_and(|u| u.kind == UserKind::Client && u.customer_id == Some(customer_id)) {
                return Err(invalid("the user is not a client of this customer"));
            }
        }
        // R-CON-4: a request that would switch off the last key contact is refused when it
        // is filed, not only when staff carry it out.
        if let AccountRequest::RemoveUser {
            user_id,
            new_key_contact_id,
        } = request
        {
            match new_key_contact_id {
                Some(named) => {
                    let other = store_users::get(tx, *named).await.ok();
                    if named == user_id
                        || !other.is_some_and(|u| {
                            u.kind == UserKind::Client && u.customer_id == Some(customer_id) && u.active
                        })
                    {
                        return Err(invalid(
                            "the new key contact is not another active client of this customer",
                        ));
                    }
                }
                None => {
                    let user = store_users::get(tx, *user_id).await?;
                    if user.active && user.is_key_contact {
                        self.keep_a_key_contact(tx, customer_id, *user_id).await?;
                    }
                }
            }
        }
        Ok(())
    }

    /// The request of an `account_management` ticket, as whoever may see the ticket sees it.
    ///
    /// # Errors
    /// `not_found` for a ticket without a request or one the caller may not see.
    pub async fn account_request(&self, p: &Principal, id: TicketId) -> Result<AccountRequestView> {
        p.require_scope(Scope::TicketsRead)?;
        let mut tx = self.store.read().await?;
        self.tickets().visible_ticket(&mut tx, p, id).await?;
        let row = store::get(&mut tx, id)
            .await?
            .ok_or_else(|| ServiceError::not_found("account request"))?;
        tx.commit().await?;
        view(&row)
    }

    /// Carries out the request of an `account_management` ticket (R-ACC-3): the change,
    /// its record in the ticket's history, and the ticket closed `resolved`, in one
    /// transaction. Refused as a whole when any rule refuses the change.
    ///
    /// # Errors
    /// `forbidden` (not an admin or account manager), `not_found`, `ticket_closed`,
    /// `already_applied`, and what the change itself may meet: `contact_limit_reached`,
    /// `email_taken`, `telegram_not_in_tier`, `validation_failed`.
    pub async fn apply_account_request(&self, p: &Principal, id: TicketId) -> Result<reglament_api::TicketView> {
        p.require_scope(Scope::DirectoryWrite)?;
        require_directory_manager(p)?;
        let now = self.now();
        let view = self
            .tickets().change_ticket(p, id, true, async |tx, ticket| {
                let row = store::get(tx, id)
                    .await?
                    .ok_or_else(|| ServiceError::not_found("account request"))?;
                if row.applied_at.is_some() {
                    return Err(ServiceError::Refused {
                        code: ErrorCode::AlreadyApplied,
                        detail: "this request was carried out already".to_owned(),
                    });
                }
                if ticket.status == Status::Closed {
                    return Err(ServiceError::Refused {
                        code: ErrorCode::TicketClosed,
                        detail: "the ticket is closed; a request closed as not from a key contact is not carried out"
                            .to_owned(),
                    });
                }
                let request: AccountRequest =
                    serde_json::from_str(&row.request).map_err(|e| ServiceError::Internal(Box::new(e)))?;
                let customer_id = ticket.customer_id;
                self.check_account_request(tx, customer_id, &request).await?;
                let (user_id, summary) = self.carry_out(tx, p, customer_id, &request).await?;
                store::mark_applied(tx, id, p.user.id, Some(UserId(user_id)), now).await?;
                self.changed_everywhere(tx, crate::Cached::Users).await?;
                let before = ticket.status;
                ticket.close(CloseReason::Resolved, now);
                let notice = Notice {
                    kind: NoticeKind::Status,
                    what: ("запрос выполнен", "the request is carried out"),
                    text: &summary,
                    at: None,
                    once: None,
                };
                self.tickets().notify_author(tx, ticket, &notice).await?;
                Ok(Event::new(
                    "account_request_applied",
                    json!({"request": request, "user_id": user_id, "summary": summary,
                        "status": {"before": before.as_str(), "after": ticket.status.as_str()}, "close_reason": "resolved"}),
                ))
            })
            .await?;
        self.users.clear();
        tracing::info!(ticket = view.ticket.number, by = %p.user.id, "account request carried out");
        Ok(view)
    }

    /// The change itself; answers the client it concerns and a line for the history.
    async fn carry_out(
        &self,
        tx: &mut Tx,
        p: &Principal,
        customer_id: CustomerId,
        request: &AccountRequest,
    ) -> Result<(Uuid, String)> {
        let patch = |f: &dyn Fn(&mut UserPatch)| {
            let mut patch = UserPatch::default();
            f(&mut patch);
            patch
        };
        let (user_id, patch, summary) = match request {
            AccountRequest::AddUser { .. } => {
                let client = new_client(request).ok_or_else(|| invalid("not an add_user request"))?;
                // A client removed earlier comes back: the account is enabled again.
                let email = store_users::normalize_email(&client.email);
                let removed = store_users::holders_of(tx, std::slice::from_ref(&email))
                    .await?
                    .into_iter()
                    .find(|h| h.kind == UserKind::Client && h.customer_id == Some(customer_id.0) && !h.active);
                if let Some(holder) = removed {
                    let patch = crate::accounts::users::reenable_client(
                        &client.full_name,
                        client.team_id,
                        client.is_key_contact,
                        client.telegram_username.clone(),
                    );
                    let user = self.patch_user_in(tx, p, UserId(holder.id), patch).await?;
                    let summary = format!(
                        "Учетная запись {} <{}> снова включена; прежний пароль действует.",
                        user.full_name, user.email
                    );
                    return Ok((user.id.0, summary));
                }
                let (user, _) = self.register_client_in(tx, customer_id, client).await?;
                let summary = format!(
                    "Зарегистрирован пользователь {} <{}>; ему отправлено приглашение.",
                    user.full_name, user.email
                );
                return Ok((user.id.0, summary));
            }
            AccountRequest::RemoveUser {
                user_id,
                new_key_contact_id,
            } => (
                *user_id,
                patch(&|p| {
                    p.active = Some(false);
                    p.new_key_contact_id = *new_key_contact_id;
                }),
                "Учетная запись отключена.".to_owned(),
            ),
            AccountRequest::ChangeUser {
                user_id,
                full_name,
                email,
            } => (
                *user_id,
                patch(&|p| {
                    p.full_name.clone_from(full_name);
                    p.email.clone_from(email);
                }),
                "Данные пользователя изменены.".to_owned(),
            ),
            AccountRequest::AddToTelegram {
                user_id,
                telegram_username,
            } => {
                if !self.channels().tier_has_telegram(tx, customer_id).await? {
                    return Err(ServiceError::Refused {
                        code: ErrorCode::TelegramNotInTier,
                        detail: "the customer's tier does not include a Telegram chat".to_owned(),
                    });
                }
                let name = telegram_username.trim().trim_start_matches('@').to_owned();
                (
                    *user_id,
                    patch(&|p| p.telegram_username = Some(Some(name.clone()))),
                    format!("Пользователь добавлен в Telegram-чат как @{name}."),
                )
            }
            AccountRequest::RemoveFromTelegram { user_id } => (
                *user_id,
                patch(&|p| p.telegram_username = Some(None)),
                "Пользователь удален из Telegram-чата.".to_owned(),
            ),
        };
        let user = self.patch_user_in(tx, p, user_id, patch).await?;
        Ok((user.id.0, format!("{} ({} <{}>)", summary, user.full_name, user.email)))
    }
}

fn view(row: &store::AccountRequestRow) -> Result<AccountRequestView> {
    Ok(AccountRequestView {
        ticket_id: row.ticket_id.into(),
        request: serde_json::from_str(&row.request).map_err(|e| ServiceError::Internal(Box::new(e)))?,
        applied_at: row.applied_at,
        applied_by: row.applied_by.map(Into::into),
        user_id: row.user_id.map(Into::into),
    })
}
