//! R-NTF-7: staff answer by mail. Mail from an active staff address to the support mailbox
//! that names a ticket — `[#N]` in the subject, or In-Reply-To/References of a ticket's
//! mail — becomes a public staff message on it, as if written in the portal: it answers
//! the running cycle and is mailed to the participants as usual. Staff mail that names no
//! existing ticket goes to the rejected-mail list (`unknown_ticket`) with the reason.

use reglament_api::{MailOutcome, MailProcessed, MessageInput, MessageKind, RejectReason, TicketId};
use reglament_store::User;
use reglament_store::channels as store;

use super::Channels;
use super::mail::Target;
use crate::accounts::principal::Principal;
use crate::channels::mail_in::{self, InboundMail};
use crate::{Result, ServiceError};

impl Channels<'_> {
    pub(super) async fn staff_mail(&self, mail: &InboundMail, key: &str, user: User) -> Result<MailProcessed> {
        let p = Principal::from_user(user.clone(), None)
            .ok_or_else(|| ServiceError::Internal("a member of staff without a role".into()))?;
        let ticket_id = match self.mail_target(&p, mail).await? {
            Target::Reply(id) => TicketId(id),
            Target::New => {
                let detail = match mail_in::subject_number(&mail.subject) {
                    Some(number) => format!("there is no ticket №{number}"),
                    None => {
                        "staff mail must name a ticket: [#N] in the subject or a reply to a ticket's mail".to_owned()
                    }
                };
                return self.reject(mail, key, RejectReason::UnknownTicket, &detail).await;
            }
        };
        let text = mail_in::strip_quoted(&mail.text);
        let (files, refused) = self.accept_files(&mail.attachments);
        let mut body = if text.is_empty() {
            "(пустое письмо)".to_owned()
        } else {
            text
        };
        mail_in::name_refused(&mut body, &refused);
        let input = MessageInput {
            kind: MessageKind::Message,
            body,
        };
        let posted = self
            .tickets()
            .post_message_received(&p, ticket_id, input, Some(key.to_owned()))
            .await;
        let outcome = match posted {
            Ok(outcome) => outcome,
            Err(err) => return self.refuse_for(mail, key, &user, err).await,
        };
        for file in files {
            self.attach_received(&p, ticket_id, file, false).await?;
        }
        let mut tx = self.store.begin().await?;
        store::forget_rejected(&mut tx, key).await?;
        tx.commit().await?;
        tracing::info!(from = %mail.from, ticket = outcome.ticket.ticket.number, "staff answered by mail (R-NTF-7)");
        Ok(MailProcessed {
            outcome: MailOutcome::ReplyAdded,
            ticket_id: Some(ticket_id),
            ticket_number: Some(outcome.ticket.ticket.number),
            rejected: None,
        })
    }
}
