//! R-NTF-1: staff are told at once of work that is theirs — a new ticket (every agent and
//! support lead), a client's message on a ticket assigned to them (unassigned: as a new
//! ticket), an assignment to them, a customer's escalation (the support leads and the
//! assignee), an estimate approved or declined (the customer's account manager and the
//! estimate's author); outside the 8x5 hours a 24x7 ticket's alerts go to the person on
//! duty instead of the assignee or the queue (R-NTF-3). Written in the transaction of the
//! change; in the app, and by mail or a digest as each person chose (R-NTF-5).

use reglament_api::UserId;
use reglament_domain::tickets::Ticket;
use reglament_store::Tx;
use reglament_store::notifications as store;

use super::Notifications;
use super::inbox::{Reader, Told};
use crate::Result;

impl Notifications<'_> {
    /// Agents and support leads: the ones who take unassigned work.
    async fn queue_watchers(&self, tx: &mut Tx) -> Result<Vec<UserId>> {
        let mut people = store::staff_with_role(tx, "agent").await?;
        people.extend(store::staff_with_role(tx, "support_lead").await?);
        Ok(people)
    }

    async fn tell_about(
        &self,
        tx: &mut Tx,
        recipients: &[UserId],
        ticket: &Ticket,
        kind: &str,
        title: impl Fn(&Reader<'_>) -> String + Sync,
    ) -> Result<()> {
        let text = |r: &Reader<'_>| {
            let body = if r.en {
                format!("Ticket #{} “{}”.", ticket.number, ticket.subject)
            } else {
                format!("Обращение №{} «{}».", ticket.number, ticket.subject)
            };
            (title(r), body)
        };
        let told = Told {
            kind,
            ticket_id: Some(ticket.id),
            text: &text,
            once: None,
        };
        self.tell(tx, recipients, &told).await?;
        Ok(())
    }

    /// New tickets, told to those who take unassigned work (one query for the batch).
    pub(crate) async fn tickets_opened(&self, tx: &mut Tx, tickets: &[&Ticket]) -> Result<()> {
        let mut watchers = None;
        for ticket in tickets.iter().copied() {
            if watchers.is_none() {
                watchers = Some(self.queue_watchers(tx).await?);
            }
            let duty = self.off_hours_duty(tx, ticket.response_schedule).await?;
            let people = match &duty {
                Some(person) => std::slice::from_ref(person),
                None => watchers.as_deref().unwrap_or_default(),
            };
            let title = |r: &Reader<'_>| {
                if r.en {
                    format!("New ticket #{}: {}", ticket.number, ticket.category.name_en())
                } else {
                    format!("Новое обращение №{}: {}", ticket.number, ticket.category.name_ru())
                }
            };
            self.tell_about(tx, people, ticket, "ticket_created", title).await?;
        }
        Ok(())
    }

    /// A client wrote on a ticket: its assignee, or, unassigned, as a new ticket.
    pub(crate) async fn client_wrote(&self, tx: &mut Tx, ticket: &Ticket) -> Result<()> {
        let people = match (
            self.off_hours_duty(tx, ticket.response_schedule).await?,
            ticket.assignee_id,
        ) {
            (Some(duty), _) => vec![duty],
            (None, Some(assignee)) => vec![assignee],
            (None, None) => self.queue_watchers(tx).await?,
        };
        let n = ticket.number;
        let title = |r: &Reader<'_>| {
            r.say("Клиент написал по обращению №", "A client wrote on ticket #")
                .to_owned()
                + &n.to_string()
        };
        self.tell_about(tx, &people, ticket, "client_message", title).await
    }

    /// A ticket assigned to someone by someone else.
    pub(crate) async fn assigned(&self, tx: &mut Tx, ticket: &Ticket, by: UserId) -> Result<()> {
        match ticket.assignee_id {
            Some(assignee) if assignee != by => {
                let n = ticket.number;
                let title = |r: &Reader<'_>| {
                    r.say("Вам назначено обращение №", "Ticket assigned to you: #")
                        .to_owned()
                        + &n.to_string()
                };
                self.tell_about(tx, &[assignee], ticket, "assigned", title).await
            }
            _ => Ok(()),
        }
    }

    /// A customer's escalation (R-ESC-2): the support leads and the assignee.
    pub(crate) async fn escalated(&self, tx: &mut Tx, ticket: &Ticket) -> Result<()> {
        let mut people = store::staff_with_role(tx, "support_lead").await?;
        match self.off_hours_duty(tx, ticket.response_schedule).await? {
            Some(duty) => people.push(duty),
            None => people.extend(ticket.assignee_id),
        }
        let n = ticket.number;
        let title =
            |r: &Reader<'_>| r.say("Эскалация по обращению №", "Escalation on ticket #").to_owned() + &n.to_string();
        self.tell_about(tx, &people, ticket, "escalation", title).await
    }

    /// An estimate decided by the key contact: the account manager and the estimate's
    /// author (the specialist who proposed it).
    pub(crate) async fn estimate_decided(
        &self,
        tx: &mut Tx,
        ticket: &Ticket,
        author: UserId,
        approved: bool,
    ) -> Result<()> {
        let mut people = vec![author];
        let customer = reglament_store::customers::get_customer(tx, ticket.customer_id).await?;
        people.extend(customer.account_manager_id);
        let n = ticket.number;
        let title = |r: &Reader<'_>| match (r.en, approved) {
            (false, true) => format!("Оценка по обращению №{n} согласована"),
            (false, false) => format!("Оценка по обращению №{n} отклонена"),
            (true, true) => format!("Estimate on ticket #{n} approved"),
            (true, false) => format!("Estimate on ticket #{n} declined"),
        };
        self.tell_about(tx, &people, ticket, "estimate_decided", title).await
    }
}
