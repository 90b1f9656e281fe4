//! Opening a ticket (R-LIM-1…4): by a client, or by staff on a client's behalf, under the open-ticket limit with its queue.

use reglament_api::ids::*;
use reglament_api::{NewTicket, Scope, TicketView};
use reglament_domain::{Actor, Category, Channel};
use validator::Validate;

use crate::accounts::principal::Principal;
use crate::{Result, ServiceError};

use super::Tickets;

impl Tickets<'_> {
    /// A client opens a ticket, or staff open one on a client's behalf (`author_id`, with
    /// the channel it came by). Over the tier's limit it is accepted as `queued` with its
    /// position (R-LIM-1, R-LIM-3); concurrent creations never pass the limit (R-LIM-4).
    ///
    /// # Errors
    /// `validation_failed` (also for staff without a client to open it for),
    /// `no_active_contract` (422, R-ACL-6).
    pub async fn create_ticket(&self, p: &Principal, input: NewTicket, channel: Channel) -> Result<TicketView> {
        self.create_ticket_linked(p, input, channel, None).await
    }

    /// [`App::create_ticket`], continuing the closed ticket `parent` when given (R-TKT-7).
    pub(crate) async fn create_ticket_linked(
        &self,
        p: &Principal,
        input: NewTicket,
        channel: Channel,
        parent: Option<TicketId>,
    ) -> Result<TicketView> {
        p.require_scope(Scope::TicketsWrite)?;
        let (author, channel) = match p.actor {
            Actor::Client { id, .. } => {
                if input.author_id.is_some_and(|a| a != id) {
                    return Err(ServiceError::invalid(
                        "author_id",
                        "only staff open tickets on behalf of another client",
                    ));
                }
                if input.channel.is_some_and(|c| c != channel) {
                    return Err(ServiceError::invalid(
                        "channel",
                        "a client's ticket records the channel it comes by",
                    ));
                }
                (p.user.clone(), channel)
            }
            Actor::Staff { .. } => {
                let Some(author_id) = input.author_id else {
                    return Err(ServiceError::invalid(
                        "author_id",
                        "staff open a ticket on behalf of a client: name the client",
                    ));
                };
                let mut tx = self.store.read().await?;
                let author = reglament_store::users::get(&mut tx, author_id)
                    .await
                    .map_err(ServiceError::from_store("user"))?;
                tx.commit().await?;
                if author.customer_id.is_none() || !author.active {
                    return Err(ServiceError::invalid(
                        "author_id",
                        "the author must be an active client of a customer",
                    ));
                }
                (author, input.channel.unwrap_or(channel))
            }
        };
        self.open_ticket(&author, input, channel, parent, p.user.id, None).await
    }

    /// Opens `author`'s ticket through the intake, whoever asked for it: the author in the
    /// portal, staff on their behalf, or a channel (`receipt` keys the message it came from).
    pub(crate) async fn open_ticket(
        &self,
        author: &reglament_store::User,
        input: NewTicket,
        channel: Channel,
        parent: Option<TicketId>,
        opened_by: UserId,
        receipt: Option<String>,
    ) -> Result<TicketView> {
        let Some(customer_id) = author.customer_id else {
            return Err(ServiceError::invalid("author_id", "the author must be a client"));
        };
        input.validate()?;
        if input.category == Category::Bug && input.product_version.is_none() {
            return Err(ServiceError::invalid(
                "product_version",
                "a bug report names the product version (R-TKT-4)",
            ));
        }
        if input.is_critical && input.category != Category::Bug {
            return Err(ServiceError::invalid(
                "is_critical",
                "only a bug can be critical (R-TKT-3)",
            ));
        }
        if input.is_critical
            && input
                .critical_justification
                .as_deref()
                .is_none_or(|j| j.trim().is_empty())
        {
            return Err(ServiceError::invalid(
                "critical_justification",
                "a critical bug needs a justification (R-TKT-3)",
            ));
        }
        if let Some(version) = input.product_version.as_deref() {
            let mut tx = self.store.read().await?;
            self.directory().check_reported_version(&mut tx, version.trim()).await?;
            tx.commit().await?;
        }
        if let Some(request) = &input.account_request {
            if input.category != Category::AccountManagement {
                return Err(ServiceError::invalid(
                    "account_request",
                    "only an account_management ticket carries an account request (R-ACC-2)",
                ));
            }
            let mut tx = self.store.read().await?;
            self.accounts()
                .check_account_request(&mut tx, customer_id, request)
                .await?;
            tx.commit().await?;
        }
        self.intake
            .submit(
                self,
                super::intake_queue::Request {
                    author_id: author.id.0,
                    customer_id: customer_id.0,
                    is_key_contact: author.is_key_contact,
                    input,
                    channel,
                    parent: parent.map(|id| id.0),
                    opened_by: opened_by.0,
                    receipt,
                },
            )
            .await
    }
}
