//! Ticket creation in batches: every channel's new tickets go through a few intake
//! workers, each of which takes whatever creations are waiting (up to
//! [`MAX_BATCH`]) and writes them in one transaction. Under load this turns many
//! small transactions into few larger ones (one commit, one lock statement, one
//! insert for the batch); with a single creation waiting, a batch is just that one,
//! so a lone request waits for nothing.
//!
//! The open-ticket limit holds as before (R-LIM-1, R-LIM-4): the batch locks its
//! customers' rows in id order (two batches never deadlock), counts their tickets in
//! work once, and admits the batch's tickets in arrival order against that count.

use reglament_api::ids::*;
use std::collections::HashMap;
use std::sync::Arc;

use reglament_api::{ErrorCode, TicketView};
use reglament_domain::tickets::admission;
use reglament_domain::{Category, CloseReason, ContractState, Status, contract_state};
use reglament_store::tickets::{self as store, Ticket};
use reglament_store::{Tx, customers as store_customers, tiers as store_tiers};
use serde_json::json;
use tokio::sync::{Mutex, mpsc, oneshot};
use uuid::Uuid;

use crate::directory::customers::governing_tier;
use crate::{App, Result, ServiceError};

use super::Tickets;
use super::intake_queue::*;
use super::shared::*;

impl Intake {
    fn sender(&self, app: &App) -> mpsc::Sender<Waiting> {
        self.sender
            .get_or_init(|| {
                let (tx, rx) = mpsc::channel::<Waiting>(MAX_BATCH * 32);
                let rx = Arc::new(Mutex::new(rx));
                let workers = match app.store.backend() {
                    // While one worker waits for its commit to reach the disk, the others
                    // gather and write theirs.
                    reglament_store::Backend::Postgres => app.config.intake_workers.max(1),
                    // SQLite has one writer at a time anyway: one worker writes every batch.
                    reglament_store::Backend::Sqlite => 1,
                };
                for _ in 0..workers {
                    let (app, rx) = (app.clone(), Arc::clone(&rx));
                    tokio::spawn(async move {
                        loop {
                            let batch = {
                                let mut rx = rx.lock().await;
                                let Some(first) = rx.recv().await else { break };
                                let mut batch = vec![first];
                                while batch.len() < MAX_BATCH {
                                    match rx.try_recv() {
                                        Ok(next) => batch.push(next),
                                        Err(_) => break,
                                    }
                                }
                                batch
                            };
                            app.tickets().create_batch(batch).await;
                        }
                    });
                }
                tx
            })
            .clone()
    }

    /// Queues one creation and waits for its batch to be written.
    pub(crate) async fn submit(&self, app: &App, request: Request) -> Result<TicketView> {
        let (reply, answer) = oneshot::channel();
        self.sender(app)
            .send((request, reply))
            .await
            .map_err(|_| ServiceError::Internal("the ticket intake has stopped".into()))?;
        answer
            .await
            .map_err(|_| ServiceError::Internal("the ticket intake dropped a creation".into()))?
    }
}

impl Tickets<'_> {
    /// Writes one batch and answers every creation in it.
    async fn create_batch(&self, batch: Vec<Waiting>) {
        let size = batch.len();
        metrics::histogram!("reglament_intake_batch_size").record(size as f64);
        let (requests, replies): (Vec<Request>, Vec<_>) = batch.into_iter().unzip();
        match self.write_batch(requests).await {
            Ok(outcomes) => {
                for view in outcomes.iter().flatten() {
                    tracing::info!(ticket = view.ticket.number, customer_id = %view.ticket.customer_id,
                        status = view.ticket.status.as_str(), "ticket created");
                }
                for (reply, outcome) in replies.into_iter().zip(outcomes) {
                    let _ = reply.send(outcome);
                }
            }
            Err(err) => {
                tracing::error!(error = %err, size, "a batch of ticket creations failed");
                let detail = err.to_string();
                for reply in replies {
                    let _ = reply.send(Err(ServiceError::Internal(detail.clone().into())));
                }
            }
        }
    }

    /// The batch's transaction; the outer error fails every creation in it, an inner
    /// one only its own.
    async fn write_batch(&self, requests: Vec<Request>) -> Result<Vec<Result<TicketView>>> {
        // One instant for the whole batch: the contracts in force and the clocks started.
        let now = self.now();
        let today = reglament_domain::moscow::date(now);
        let customer_ids: Vec<Uuid> = requests.iter().map(|r| r.customer_id).collect();
        let receipts = requests.iter().any(|r| r.receipt.is_some());
        if self.store.backend() == reglament_store::Backend::Postgres && !receipts {
            // Customers on unlimited tiers need no count of tickets in work and so no lock
            // (R-LIM-1): their batch is two statements on an autocommit connection, the
            // insert atomic by itself.
            let mut conn = self.store.read().await?;
            let governing = store_tiers::lock_governing_many(&mut conn, &customer_ids, today, false).await?;
            let unlimited = customer_ids.iter().all(|id| {
                governing
                    .get(id)
                    .is_some_and(|(_, tier)| tier.max_open_tickets.is_none())
            });
            if unlimited {
                let outcomes = self.admit(&mut conn, requests, &governing, HashMap::new(), now).await?;
                conn.commit().await?;
                return Ok(outcomes);
            }
        }
        let mut tx = self.store.begin().await?;
        // One creation at a time per customer: the counts below stay true until commit (R-LIM-4).
        let governing = store_tiers::lock_governing_many(&mut tx, &customer_ids, today, true).await?;
        // Only limited tiers need the count of tickets in work (R-LIM-1).
        let limited: Vec<Uuid> = governing
            .iter()
            .filter(|(_, (_, tier))| tier.max_open_tickets.is_some())
            .map(|(id, _)| *id)
            .collect();
        let counts = if limited.is_empty() {
            HashMap::new()
        } else {
            store::count_taking_slots_many(&mut tx, &limited).await?
        };
        let outcomes = self.admit(&mut tx, requests, &governing, counts, now).await?;
        tx.commit().await?;
        Ok(outcomes)
    }

    /// Admits a batch's creations in arrival order against the customers' counts of
    /// tickets in work, and writes the tickets.
    async fn admit(
        &self,
        tx: &mut Tx,
        requests: Vec<Request>,
        governing: &HashMap<Uuid, (reglament_store::Contract, reglament_domain::Tier)>,
        mut counts: HashMap<Uuid, i64>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<Result<TicketView>>> {
        let today = reglament_domain::moscow::date(now);
        let mut outcomes: Vec<Result<usize>> = Vec::with_capacity(requests.len());
        let mut tickets = Vec::with_capacity(requests.len());
        let mut receipts = Vec::with_capacity(requests.len());
        let mut account_requests = Vec::new();
        for r in requests {
            let Some((contract, tier)) = governing.get(&r.customer_id) else {
                outcomes.push(Err(ungoverned(tx, CustomerId(r.customer_id), today).await));
                continue;
            };
            if contract_state(contract.starts_on, contract.ends_on, today) != ContractState::Active {
                let community = self.accounts().community_url(tx).await?;
                outcomes.push(Err(ServiceError::Refused {
                    code: ErrorCode::NoActiveContract,
                    detail: format!(
                        "only customers with an active support contract open tickets; \
                         without one, ask the community portal: {community}"
                    ),
                }));
                continue;
            }
            // R-ACC-2: account requests come from key contacts only; others are closed at once.
            let refused_account_request = r.input.category == Category::AccountManagement && !r.is_key_contact;
            let in_work = counts.entry(r.customer_id).or_insert(0);
            let status = if refused_account_request {
                Status::Closed
            } else {
                admission(tier, r.input.category, *in_work)
            };
            let input = r.input;
            let account_request = input.account_request.as_ref().map(serde_json::to_string).transpose();
            let mut ticket = Ticket {
                id: TicketId(Uuid::now_v7()),
                number: 0,
                customer_id: CustomerId(r.customer_id),
                author_id: UserId(r.author_id),
                assignee_id: None,
                category: input.category,
                subject: input.subject.trim().to_owned(),
                body: input.body,
                product_version: input.product_version.map(|v| v.trim().to_owned()),
                channel: r.channel,
                status: Status::Queued,
                close_reason: None,
                is_critical: input.is_critical,
                critical_justification: input.critical_justification,
                bug_confirmed: false,
                takes_slot: false,
                response_started_at: None,
                response_due_at: None,
                response_tier: None,
                response_schedule: None,
                awaiting_response: false,
                response_breached: false,
                closed_at: None,
                fix_due_at: None,
                waiting_since: None,
                parent_ticket_id: r.parent.map(TicketId),
                bug_resolution: None,
                created_at: now,
                updated_at: now,
            };
            match status {
                Status::Closed => ticket.close(CloseReason::NotKeyContact, now),
                Status::Open => match new_cycle(self, tier, ticket.category, now) {
                    Ok(cycle) => ticket.open(status, Some(&cycle), now),
                    Err(err) => {
                        outcomes.push(Err(err));
                        continue;
                    }
                },
                Status::Queued | Status::WaitingForCustomer => ticket.open(status, None, now),
            }
            if ticket.takes_slot {
                *in_work += 1;
            }
            let mut data = json!({"status": status.as_str(), "category": ticket.category.as_str(),
                "channel": ticket.channel.as_str(), "close_reason": ticket.close_reason,
                "parent_ticket_id": ticket.parent_ticket_id});
            if r.opened_by != r.author_id {
                data["on_behalf_of"] = json!(r.author_id);
            }
            if let Some(request) = account_request.map_err(|e| ServiceError::Internal(Box::new(e)))? {
                account_requests.push((ticket.id, request));
            }
            outcomes.push(Ok(tickets.len()));
            receipts.push(r.receipt);
            tickets.push((ticket, Some(r.opened_by), data));
        }
        store::insert_many(tx, &mut tickets).await?;
        for ((ticket, _, _), receipt) in tickets.iter().zip(receipts) {
            if let Some(key) = receipt {
                reglament_store::channels::insert_receipt(tx, &key, "ticket_created", Some(ticket.id), now).await?;
            }
        }
        for (ticket_id, request) in &account_requests {
            reglament_store::account_requests::insert(tx, *ticket_id, request).await?;
        }
        // R-INT-2: in the tickets' transaction, so that no ticket goes untold.
        if self
            .integrations()
            .wants(tx, reglament_api::WebhookEvent::TicketCreated)
            .await?
        {
            for (ticket, _, data) in &tickets {
                self.integrations()
                    .emit_ticket(
                        tx,
                        reglament_api::WebhookEvent::TicketCreated,
                        ticket.id,
                        "created",
                        data,
                    )
                    .await?;
            }
        }
        // R-NTF-1: staff are told of the new tickets, in the same transaction.
        let opened: Vec<&Ticket> = tickets.iter().map(|(ticket, _, _)| ticket).collect();
        self.notifications().tickets_opened(tx, &opened).await?;
        // One query for the names (and one per customer with a queue) for the whole batch.
        let mut views: Vec<Option<TicketView>> = self
            .views(tx, tickets.into_iter().map(|(ticket, _, _)| ticket).collect())
            .await?
            .into_iter()
            .map(Some)
            .collect();
        Ok(outcomes
            .into_iter()
            .map(|o| o.map(|i| views[i].take().expect("each ticket is answered once")))
            .collect())
    }
}

/// Why a customer in a batch has no governing contract: no such customer, or no contract.
async fn ungoverned(tx: &mut Tx, customer_id: CustomerId, today: chrono::NaiveDate) -> ServiceError {
    match store_customers::lock_customer(tx, customer_id).await {
        Err(reglament_store::StoreError::NotFound) => ServiceError::not_found("customer"),
        Err(err) => err.into(),
        Ok(()) => match governing_tier(tx, customer_id, today).await {
            Err(err) => err,
            Ok(_) => ServiceError::Internal("the customer's contract changed during the batch".into()),
        },
    }
}
