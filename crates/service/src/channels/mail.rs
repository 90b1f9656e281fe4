//! The email channel (R-CH-2, R-CONF-1): a received mail becomes a ticket or a reply
//! through the same intake as the portal's, mail from unknown addresses goes to the
//! rejected-mail list unanswered, and mail about a ticket threads with it.

use reglament_api::ids::*;
use reglament_api::{
    ErrorCode, MailOutcome, MailProcessed, MessageInput, MessageKind, NewTicket, RejectReason, RejectedMail,
    RejectedMailId, Scope,
};
use reglament_domain::{Category, Channel, StaffRole, UserKind};
use reglament_store::channels as store;
use reglament_store::mail::Thread;
use reglament_store::tickets::Ticket;
use reglament_store::{Page, PageRequest, Tx, User};
use sha2::Digest as _;
use uuid::Uuid;

use super::Channels;
use crate::accounts::principal::Principal;
use crate::channels::mail_in::{self, InboundFile, InboundMail};
use crate::notifications::client_notices::{Notice, NoticeKind};
use crate::tickets::attachments::{CONFIDENTIAL_DAYS, Upload};
use crate::{Result, ServiceError};

const ADMINS: [StaffRole; 2] = [StaffRole::Admin, StaffRole::SupportLead];

/// The thread root every mail about a ticket references, so that replies find it.
fn thread_root(ticket_id: TicketId) -> String {
    format!("ticket-{ticket_id}@reglament")
}

fn bracket(id: &str) -> String {
    format!("<{id}>")
}

/// What the intake decided before touching a ticket.
pub(super) enum Target {
    New,
    Reply(Uuid),
}

impl Channels<'_> {
    /// The thread headers of a ticket's mail (R-CH-2): a client's reply finds the ticket.
    pub(crate) async fn ticket_thread(&self, tx: &mut Tx, ticket: &Ticket) -> Result<Thread> {
        let root = thread_root(ticket.id);
        let opening = store::opening_mail(tx, ticket.id).await?;
        Ok(Thread {
            ticket_id: Some(ticket.id.0),
            in_reply_to: Some(bracket(opening.as_deref().unwrap_or(&root))),
            references: Some(match &opening {
                Some(first) => format!("{} {}", bracket(&root), bracket(first)),
                None => bracket(&root),
            }),
            unsubscribe_url: None,
        })
    }

    /// Processes one received mail, once: a re-fetch of the same Message-ID does nothing
    /// (its receipt is written with the ticket or the reply it made).
    ///
    /// # Errors
    /// On a database failure; everything about the mail itself is an outcome.
    pub async fn receive_mail(&self, mail: InboundMail) -> Result<MailProcessed> {
        let done = self.receive_mail_once(mail).await?;
        metrics::counter!("reglament_mail_received_total", "outcome" => done.outcome.as_str()).increment(1);
        Ok(done)
    }

    async fn receive_mail_once(&self, mail: InboundMail) -> Result<MailProcessed> {
        let key = format!("mail:{}", mail.message_id);
        let mut tx = self.store.read().await?;
        let seen = store::receipt(&mut tx, &key).await?;
        tx.commit().await?;
        if let Some(seen) = seen {
            let number = self.number_of(seen.ticket_id.map(TicketId)).await?;
            return Ok(outcome(MailOutcome::Duplicate, seen.ticket_id.map(TicketId), number));
        }
        if mail.automatic {
            let mut tx = self.store.begin().await?;
            store::insert_receipt(&mut tx, &key, "ignored", None, self.now()).await?;
            tx.commit().await?;
            tracing::info!(from = %mail.from, subject = %mail.subject, "auto-reply or bounce ignored");
            return Ok(outcome(MailOutcome::Ignored, None, None));
        }
        let mut tx = self.store.read().await?;
        let sender = match store::user_by_email(&mut tx, &mail.from).await? {
            Some(id) => Some(reglament_store::users::get(&mut tx, UserId(id)).await?),
            None => None,
        };
        tx.commit().await?;
        let user = match sender {
            None => {
                return self
                    .reject(&mail, &key, RejectReason::UnknownSender, "no user has this address")
                    .await;
            }
            Some(u) if !u.active => {
                return self
                    .reject(&mail, &key, RejectReason::InactiveSender, "the account is disabled")
                    .await;
            }
            Some(u) if u.kind == UserKind::Staff => return self.staff_mail(&mail, &key, u).await,
            Some(u) => u,
        };
        let p = Principal::from_user(user.clone(), None)
            .ok_or_else(|| ServiceError::Internal("a client without a customer".into()))?;
        let confidential = self.is_to_private_address(&mail);
        let (files, refused) = self.accept_files(&mail.attachments);
        let target = self.mail_target(&p, &mail).await?;
        let text = match target {
            Target::Reply(_) => mail_in::strip_quoted(&mail.text),
            Target::New => mail.text.trim().to_owned(),
        };
        let mut body = if confidential {
            "Конфиденциальное письмо (R-CONF-1): его текст во вложении «письмо.txt», \
             оно удаляется через 30 дней после получения."
                .to_owned()
        } else if text.is_empty() {
            "(пустое письмо)".to_owned()
        } else {
            text.clone()
        };
        mail_in::name_refused(&mut body, &refused);
        let result = match target {
            Target::Reply(ticket_id) => self
                .tickets()
                .post_message_received(
                    &p,
                    TicketId(ticket_id),
                    MessageInput {
                        kind: MessageKind::Message,
                        body,
                    },
                    Some(key.clone()),
                )
                .await
                .map(|o| (MailOutcome::ReplyAdded, o.ticket)),
            Target::New => {
                let (category, subject) = mail_in::subject_category(&mail.subject);
                let subject = if subject.is_empty() {
                    "(без темы)".to_owned()
                } else {
                    subject.chars().take(300).collect()
                };
                let input = NewTicket {
                    category,
                    subject,
                    product_version: (category == Category::Bug)
                        .then(|| mail_in::text_version(&mail.text))
                        .flatten(),
                    body,
                    is_critical: false,
                    critical_justification: None,
                    author_id: None,
                    channel: None,
                    account_request: None,
                };
                self.tickets()
                    .open_ticket(&user, input, Channel::Email, None, user.id, Some(key.clone()))
                    .await
                    .map(|view| (MailOutcome::TicketCreated, view))
            }
        };
        let (what, view) = match result {
            Ok(done) => done,
            Err(err) => return self.refuse_for(&mail, &key, &user, err).await,
        };
        let ticket_id = view.ticket.id.0;
        if confidential {
            let letter = InboundFile {
                name: "письмо.txt".to_owned(),
                content_type: "text/plain".to_owned(),
                bytes: format!("Тема: {}\nОт: {}\n\n{text}\n", mail.subject, mail.from).into_bytes(),
            };
            self.attach_received(&p, TicketId(ticket_id), &letter, true).await?;
        }
        for file in files {
            self.attach_received(&p, TicketId(ticket_id), file, confidential)
                .await?;
        }
        let mut tx = self.store.begin().await?;
        // A mail processed after its sender was registered leaves the rejected list.
        store::forget_rejected(&mut tx, &key).await?;
        if what == MailOutcome::TicketCreated && !self.over_reply_limit(&mut tx, &mail.from).await? {
            let ticket = reglament_store::tickets::get(&mut tx, TicketId(ticket_id)).await?;
            self.confirm_by_mail(&mut tx, &ticket, &view).await?;
        }
        tx.commit().await?;
        tracing::info!(from = %mail.from, ticket = view.ticket.number, outcome = what.as_str(), confidential,
            "mail processed");
        Ok(outcome(what, Some(TicketId(ticket_id)), Some(view.ticket.number)))
    }

    /// Whether the mail went to the private address (R-CONF-1): confidential.
    #[must_use]
    pub fn is_to_private_address(&self, mail: &InboundMail) -> bool {
        self.config
            .private_address
            .as_deref()
            .is_some_and(|private| mail.recipients.iter().any(|r| r.eq_ignore_ascii_case(private)))
    }

    /// A reply goes to the ticket named by `[#number]` in the subject or by the thread
    /// headers, when the sender may see it; anything else opens a new ticket.
    pub(super) async fn mail_target(&self, p: &Principal, mail: &InboundMail) -> Result<Target> {
        let mut tx = self.store.read().await?;
        let mut candidates = Vec::new();
        if let Some(number) = mail_in::subject_number(&mail.subject) {
            candidates.extend(store::ticket_by_number(&mut tx, number).await?);
        }
        let mut sent = Vec::new();
        let mut received = Vec::new();
        for id in &mail.thread {
            let (local, domain) = id.split_once('@').unwrap_or((id, ""));
            if domain == "reglament" {
                if let Some(ticket) = local.strip_prefix("ticket-").and_then(|u| Uuid::parse_str(u).ok()) {
                    candidates.push(ticket);
                } else if let Ok(mail_id) = Uuid::parse_str(local) {
                    sent.push(mail_id);
                }
            }
            received.push(format!("mail:{id}"));
        }
        candidates.extend(store::ticket_of_sent_mail(&mut tx, &sent).await?);
        candidates.extend(store::ticket_of_receipts(&mut tx, &received).await?);
        for id in candidates {
            if self.tickets().visible_ticket(&mut tx, p, TicketId(id)).await.is_ok() {
                tx.commit().await?;
                return Ok(Target::Reply(id));
            }
        }
        tx.commit().await?;
        Ok(Target::New)
    }

    /// The attachments a ticket accepts (the uploads' allow-list and size limit), and
    /// the names of the others with the reason.
    pub(super) fn accept_files<'a>(&self, files: &'a [InboundFile]) -> (Vec<&'a InboundFile>, Vec<(String, String)>) {
        let mut accepted = Vec::new();
        let mut refused = Vec::new();
        for file in files {
            let size = u64::try_from(file.bytes.len()).unwrap_or(u64::MAX);
            let content_type = crate::tickets::attachments::file_type(&file.content_type, &file.name);
            match crate::tickets::attachments::check_file(
                &content_type,
                &file.bytes,
                size,
                self.tickets().max_attachment_bytes(),
            ) {
                Ok(()) => accepted.push(file),
                Err((_, why)) => refused.push((file.name.clone(), why)),
            }
        }
        (accepted, refused)
    }

    pub(super) async fn attach_received(
        &self,
        p: &Principal,
        ticket_id: TicketId,
        file: &InboundFile,
        confidential: bool,
    ) -> Result<()> {
        let temp_path = self
            .tickets()
            .attachments_dir()
            .join(format!("incoming-{}", Uuid::now_v7()));
        tokio::fs::create_dir_all(self.tickets().attachments_dir())
            .await
            .map_err(|e| ServiceError::Internal(Box::new(e)))?;
        tokio::fs::write(&temp_path, &file.bytes)
            .await
            .map_err(|e| ServiceError::Internal(Box::new(e)))?;
        let upload = Upload {
            temp_path,
            file_name: file.name.clone(),
            content_type: file.content_type.clone(),
            size: u64::try_from(file.bytes.len()).unwrap_or(u64::MAX),
            sha256: hex::encode(sha2::Sha256::digest(&file.bytes)),
            head: file.bytes.iter().take(64).copied().collect(),
            confidential,
        };
        self.tickets().attach(p, ticket_id, upload).await?;
        Ok(())
    }

    /// Tells the client who mailed that the ticket is registered: its number (to reply
    /// with), its status or queue place, and the promised time.
    async fn confirm_by_mail(&self, tx: &mut Tx, ticket: &Ticket, view: &reglament_api::TicketView) -> Result<()> {
        let state = match view.queue_position {
            Some(place) => format!(
                "Статус: в очереди, место {place} (лимит открытых обращений уровня поддержки). \
                 / Status: queued, place {place} (the tier's limit of open tickets)."
            ),
            None => format!(
                "Статус: {}. / Status: {}.",
                ticket.status.name_ru(),
                ticket.status.as_str()
            ),
        };
        let notice = Notice {
            kind: NoticeKind::Answer,
            what: ("ваше письмо зарегистрировано", "your mail is registered"),
            text: &state,
            at: ticket
                .response_due_at
                .map(|due| (due, "Срок первого ответа", "First response due")),
            once: None,
        };
        self.notifications().tell_clients(tx, ticket, &notice).await?;
        Ok(())
    }

    /// Keeps a mail that is not processed; nobody is answered (R-CH-2).
    pub(super) async fn reject(
        &self,
        mail: &InboundMail,
        key: &str,
        reason: RejectReason,
        detail: &str,
    ) -> Result<MailProcessed> {
        let mut tx = self.store.begin().await?;
        let rejected = self.put_rejected(&mut tx, mail, key, reason, detail).await?;
        tx.commit().await?;
        tracing::info!(from = %mail.from, subject = %mail.subject, reason = reason.as_str(), "mail rejected");
        Ok(MailProcessed {
            outcome: MailOutcome::Rejected,
            ticket_id: None,
            ticket_number: None,
            rejected: Some(rejected),
        })
    }

    /// A refusal of the service (a limit, a rule, bad input) for a registered sender's
    /// mail: kept as rejected and told by mail; any other failure is the caller's.
    pub(super) async fn refuse_for(
        &self,
        mail: &InboundMail,
        key: &str,
        user: &User,
        err: ServiceError,
    ) -> Result<MailProcessed> {
        match err {
            ServiceError::Refused { code, detail } => self.refuse(mail, key, user, code.as_str(), &detail).await,
            ServiceError::Validation { errors, .. } => {
                let detail = errors
                    .iter()
                    .map(|e| format!("{}: {}", e.field, e.message))
                    .collect::<Vec<_>>()
                    .join("; ");
                self.refuse(mail, key, user, "validation_failed", &detail).await
            }
            other => Err(other),
        }
    }

    /// A registered client's mail that could not become a ticket: kept as rejected, and
    /// the client is told why (a registered address is answered).
    async fn refuse(
        &self,
        mail: &InboundMail,
        key: &str,
        user: &User,
        code: &str,
        detail: &str,
    ) -> Result<MailProcessed> {
        let mut tx = self.store.begin().await?;
        let rejected = self
            .put_rejected(&mut tx, mail, key, RejectReason::Refused, &format!("{code}: {detail}"))
            .await?;
        if !self.over_reply_limit(&mut tx, &mail.from).await? {
            self.tell_refused(&mut tx, mail, user, detail).await?;
        }
        tx.commit().await?;
        tracing::info!(from = %mail.from, code, detail, "mail refused");
        Ok(MailProcessed {
            outcome: MailOutcome::Rejected,
            ticket_id: None,
            ticket_number: None,
            rejected: Some(rejected),
        })
    }

    /// Tells a registered sender why their mail was not registered.
    async fn tell_refused(&self, tx: &mut Tx, mail: &InboundMail, user: &User, detail: &str) -> Result<()> {
        let body = format!(
            "Здравствуйте, {}!\n\nВаше письмо «{}» не зарегистрировано как обращение: {detail}.\n\n\
             Откройте обращение на портале: {}/tickets/new\n",
            user.full_name,
            mail.subject,
            self.config.public_url.trim_end_matches('/'),
        );
        let thread = Thread {
            ticket_id: None,
            in_reply_to: Some(bracket(&mail.message_id)),
            references: Some(bracket(&mail.message_id)),
            unsubscribe_url: None,
        };
        let subject = format!("Письмо не зарегистрировано: {}", mail.subject);
        reglament_store::mail::enqueue_in_thread(tx, &user.email, &subject, &body, &thread, self.now()).await?;
        Ok(())
    }

    async fn put_rejected(
        &self,
        tx: &mut Tx,
        mail: &InboundMail,
        key: &str,
        reason: RejectReason,
        detail: &str,
    ) -> Result<RejectedMail> {
        let confidential = self.is_to_private_address(mail);
        let row = store::RejectedMail {
            id: Uuid::now_v7(),
            receipt_key: key.to_owned(),
            sender: mail.from.clone(),
            subject: mail.subject.chars().take(1000).collect(),
            received_at: self.now(),
            reason: reason.as_str().to_owned(),
            detail: detail.to_owned(),
            confidential,
            processable: true,
        };
        store::put_rejected(tx, &row, &mail.raw).await?;
        store::insert_receipt(tx, key, "rejected", None, self.now()).await?;
        Ok(store::rejected_by_key(tx, key).await?.into())
    }

    async fn number_of(&self, ticket_id: Option<TicketId>) -> Result<Option<i64>> {
        let Some(id) = ticket_id else { return Ok(None) };
        let mut tx = self.store.read().await?;
        let number = reglament_store::tickets::get(&mut tx, id).await.ok().map(|t| t.number);
        tx.commit().await?;
        Ok(number)
    }

    /// The rejected-mail list, newest first.
    ///
    /// # Errors
    /// `forbidden` unless admin or support lead.
    pub async fn list_rejected_mail(&self, p: &Principal, page: PageRequest) -> Result<Page<RejectedMail>> {
        p.require_scope(Scope::TicketsRead)?;
        p.require_role(&ADMINS)?;
        let mut tx = self.store.read().await?;
        let list = store::list_rejected(&mut tx, page).await?;
        tx.commit().await?;
        Ok(list.map(Into::into))
    }

    /// Deletes a rejected mail; its receipt stays, so a re-fetch does not bring it back.
    ///
    /// # Errors
    /// `forbidden`, `not_found`.
    pub async fn delete_rejected_mail(&self, p: &Principal, id: RejectedMailId) -> Result<()> {
        p.require_scope(Scope::TicketsWrite)?;
        p.require_role(&ADMINS)?;
        let mut tx = self.store.begin().await?;
        store::delete_rejected(&mut tx, id)
            .await
            .map_err(ServiceError::from_store("rejected mail"))?;
        tx.commit().await?;
        tracing::info!(%id, by = %p.user.id, "rejected mail deleted");
        Ok(())
    }

    /// Processes a rejected mail again (after its sender was registered, say). It leaves
    /// the list when it becomes a ticket or a reply; otherwise its reason is updated.
    ///
    /// # Errors
    /// `forbidden`, `not_found`, `mail_not_processable` (its content was purged).
    pub async fn process_rejected_mail(&self, p: &Principal, id: RejectedMailId) -> Result<MailProcessed> {
        p.require_scope(Scope::TicketsWrite)?;
        p.require_role(&ADMINS)?;
        let mut tx = self.store.begin().await?;
        let (row, raw) = store::get_rejected(&mut tx, id)
            .await
            .map_err(ServiceError::from_store("rejected mail"))?;
        let mail = raw.as_deref().and_then(mail_in::parse).ok_or_else(|| {
            ServiceError::refused(
                ErrorCode::MailNotProcessable,
                "the mail's content was purged (R-CONF-1) or does not parse",
            )
        })?;
        store::delete_receipt(&mut tx, &row.receipt_key).await?;
        tx.commit().await?;
        tracing::info!(%id, by = %p.user.id, from = %row.sender, "processing a rejected mail again");
        self.receive_mail(mail).await
    }

    /// Drops the content of confidential rejected mail 30 days after receipt (R-CONF-1).
    pub(crate) async fn purge_rejected_mail(&self) -> Result<u64> {
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let n = store::purge_rejected(&mut tx, now - chrono::TimeDelta::days(CONFIDENTIAL_DAYS), now).await?;
        tx.commit().await?;
        if n > 0 {
            tracing::info!(purged = n, "confidential rejected mail purged");
        }
        Ok(n)
    }
}

fn outcome(outcome: MailOutcome, ticket_id: Option<TicketId>, number: Option<i64>) -> MailProcessed {
    MailProcessed {
        outcome,
        ticket_id,
        ticket_number: number,
        rejected: None,
    }
}
