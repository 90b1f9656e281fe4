//! Outgoing webhooks (R-INT-2): admins subscribe a URL to events; each event is queued
//! in the durable outbox in the same transaction as the change, delivered with the
//! Standard Webhooks signature, retried with exponential backoff for about a day, and a
//! subscription whose delivery still fails is paused and the admins told by mail.

use std::time::Instant;

use base64::Engine as _;
use chrono::{DateTime, TimeDelta, Utc};
use hmac::{Hmac, Mac as _};
use rand::RngCore as _;
use reglament_api::{
    DeliveryStatus, ErrorCode, NewWebhook, Scope, Webhook, WebhookDelivery, WebhookDeliveryId, WebhookEvent, WebhookId,
    WebhookPatch,
};
use reglament_domain::{StaffRole, Status};
use reglament_store::{Page, PageRequest, Tx, mail as outbox, tickets as store_tickets, webhooks as store};
use serde_json::{Value, json};
use sha2::Sha256;
use uuid::Uuid;
use validator::Validate as _;

use crate::auth::Principal;
use crate::{App, Result, ServiceError};

/// The waits after each failed attempt: 5 s, 30 s, 2 min, 10 min, 30 min, 1 h, 2 h, 4 h,
/// 8 h, 8 h, about 24 hours in all. After the last one the delivery fails for good.
pub const RETRY_DELAYS_SECS: [i64; 10] = [5, 30, 120, 600, 1800, 3600, 7200, 14_400, 28_800, 28_800];
/// An attempt that takes longer counts as failed.
pub const ATTEMPT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);
/// Days a finished delivery stays in the log.
pub const LOG_DAYS: i64 = 30;
/// Deliveries sent at once in one round.
const ROUND: i64 = 50;
const SECRET_PREFIX: &str = "whsec_";

/// The signature header of Standard Webhooks: `v1,` and the base64 HMAC-SHA256 of
/// `id.timestamp.body`, keyed with the bytes of the secret after `whsec_`.
///
/// # Errors
/// `Internal` when the secret is not `whsec_` and base64.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &str) -> Result<String> {
    let key = base64::engine::general_purpose::STANDARD
        .decode(secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret))
        .map_err(|e| ServiceError::Internal(Box::new(e)))?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).map_err(|e| ServiceError::Internal(e.to_string().into()))?;
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    Ok(format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    ))
}

fn new_secret() -> String {
    let mut bytes = [0_u8; 24];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!(
        "{SECRET_PREFIX}{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

fn check_url(url: &str) -> Result<String> {
    let url = url.trim();
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| ServiceError::invalid("url", "must be an http or https address"))?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if host.is_empty() || host.contains(char::is_whitespace) || url.contains(char::is_control) {
        return Err(ServiceError::invalid("url", "must name a host"));
    }
    Ok(url.to_owned())
}

fn check_events(events: &[WebhookEvent]) -> Result<String> {
    let mut list: Vec<&str> = events
        .iter()
        .filter(|e| **e != WebhookEvent::Test)
        .map(|e| e.as_str())
        .collect();
    list.sort_unstable();
    list.dedup();
    if list.is_empty() {
        return Err(ServiceError::invalid("events", "name at least one event"));
    }
    Ok(list.join(","))
}

/// Who receives which events, read from the database at most every few seconds, so that
/// a change without subscribers costs no query.
#[derive(Default)]
pub(crate) struct Subscribers {
    cached: std::sync::Mutex<Option<(Instant, SubscriberList)>>,
}

/// (subscription, its comma-separated events) of every subscription not paused.
type SubscriberList = Vec<(Uuid, String)>;

impl Subscribers {
    const TTL: std::time::Duration = std::time::Duration::from_secs(5);

    fn get(&self) -> Option<SubscriberList> {
        let cached = self.cached.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        cached
            .as_ref()
            .filter(|(at, _)| at.elapsed() < Self::TTL)
            .map(|(_, subs)| subs.clone())
    }

    fn put(&self, subs: SubscriberList) {
        *self.cached.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some((Instant::now(), subs));
    }

    pub(crate) fn forget(&self) {
        *self.cached.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = None;
    }
}

/// The body of a delivery: `{"type", "timestamp", "data"}`.
fn envelope(event: WebhookEvent, now: DateTime<Utc>, data: &Value) -> String {
    json!({"type": event.as_str(), "timestamp": now, "data": data}).to_string()
}

fn require_admin(p: &Principal) -> Result<()> {
    p.require_role(&[StaffRole::Admin])
}

impl App {
    async fn subscribers(&self, tx: &mut Tx) -> Result<SubscriberList> {
        if let Some(subs) = self.webhooks.get() {
            return Ok(subs);
        }
        let subs = store::active(tx).await?;
        self.webhooks.put(subs.clone());
        Ok(subs)
    }

    /// Queues `event` for every subscription that wants it, in the caller's transaction.
    ///
    /// # Errors
    /// On a database failure.
    pub(crate) async fn emit(&self, tx: &mut Tx, event: WebhookEvent, data: Value) -> Result<()> {
        let subs = self.subscribers(tx).await?;
        let targets: Vec<Uuid> = subs
            .iter()
            .filter(|(_, events)| events.split(',').any(|e| e == event.as_str()))
            .map(|(id, _)| *id)
            .collect();
        if targets.is_empty() {
            return Ok(());
        }
        let now = self.now();
        store::enqueue(tx, &targets, event.as_str(), &envelope(event, now, &data), now).await?;
        Ok(())
    }

    /// Whether anyone subscribes to `event` (so that a payload is built only then).
    pub(crate) async fn wants(&self, tx: &mut Tx, event: WebhookEvent) -> Result<bool> {
        let subs = self.subscribers(tx).await?;
        Ok(subs
            .iter()
            .any(|(_, events)| events.split(',').any(|e| e == event.as_str())))
    }

    /// Queues a ticket event: the ticket as it is now, what happened, and its details.
    ///
    /// # Errors
    /// On a database failure.
    pub(crate) async fn emit_ticket(
        &self,
        tx: &mut Tx,
        event: WebhookEvent,
        ticket_id: Uuid,
        change: &str,
        details: &Value,
    ) -> Result<()> {
        if !self.wants(tx, event).await? {
            return Ok(());
        }
        let t = store_tickets::get(tx, ticket_id).await?;
        let data = json!({
            "ticket": {
                "id": t.id,
                "number": t.number,
                "customer_id": t.customer_id,
                "author_id": t.author_id,
                "category": t.category.as_str(),
                "status": t.status.as_str(),
                "subject": t.subject,
                "channel": t.channel.as_str(),
                "response_due_at": t.response_due_at,
            },
            "change": change,
            "details": details,
        });
        self.emit(tx, event, data).await
    }

    /// The webhook events a ticket history entry stands for: a message posted, a status
    /// change (`status` before and after), an SLA breach, an escalation.
    ///
    /// # Errors
    /// On a database failure.
    pub(crate) async fn emit_for_history(
        &self,
        tx: &mut Tx,
        ticket_id: Uuid,
        kind: &str,
        data: &Value,
        status: (Status, Status),
    ) -> Result<()> {
        if matches!(kind, "message" | "reopened") {
            self.emit_ticket(tx, WebhookEvent::MessagePosted, ticket_id, kind, data)
                .await?;
        }
        if status.0 != status.1 {
            let mut details = data.clone();
            details["status"] = json!({"before": status.0.as_str(), "after": status.1.as_str()});
            self.emit_ticket(tx, WebhookEvent::TicketStatusChanged, ticket_id, kind, &details)
                .await?;
        }
        let event = match kind {
            "breached" => WebhookEvent::SlaBreached,
            "escalated" => WebhookEvent::EscalationRaised,
            _ => return Ok(()),
        };
        self.emit_ticket(tx, event, ticket_id, kind, data).await
    }

    /// # Errors
    /// `forbidden` for anyone but admins.
    pub async fn list_webhooks(&self, p: &Principal, page: PageRequest) -> Result<Page<Webhook>> {
        p.require_scope(Scope::DirectoryRead)?;
        require_admin(p)?;
        let mut tx = self.store.read().await?;
        let list = store::list(&mut tx, page).await?;
        tx.commit().await?;
        Ok(list.map(Into::into))
    }

    /// # Errors
    /// `forbidden`, `not_found`.
    pub async fn get_webhook(&self, p: &Principal, id: WebhookId) -> Result<Webhook> {
        p.require_scope(Scope::DirectoryRead)?;
        require_admin(p)?;
        let mut tx = self.store.read().await?;
        let w = store::get(&mut tx, id.uuid())
            .await
            .map_err(ServiceError::from_store("webhook"))?;
        tx.commit().await?;
        Ok(w.into())
    }

    /// Subscribes a URL to events; the answer carries the signing secret.
    ///
    /// # Errors
    /// `forbidden`, `validation_failed` (a URL that is not http(s), no events).
    pub async fn create_webhook(&self, p: &Principal, input: NewWebhook) -> Result<Webhook> {
        p.require_scope(Scope::DirectoryWrite)?;
        require_admin(p)?;
        input.validate()?;
        let now = self.now();
        let w = store::Webhook {
            id: Uuid::now_v7(),
            url: check_url(&input.url)?,
            description: input.description.trim().to_owned(),
            events: check_events(&input.events)?,
            secret: new_secret(),
            paused_at: None,
            pause_reason: None,
            created_by: Some(p.user.id),
            created_at: now,
            updated_at: now,
            backlog: 0,
        };
        let mut tx = self.store.begin().await?;
        store::insert(&mut tx, &w).await?;
        tx.commit().await?;
        self.webhooks.forget();
        tracing::info!(webhook_id = %w.id, url = w.url, events = w.events, by = %p.user.id, "webhook subscribed");
        Ok(w.into())
    }

    /// Changes a subscription; `paused: false` resumes it and its waiting deliveries.
    ///
    /// # Errors
    /// `forbidden`, `not_found`, `validation_failed`.
    pub async fn update_webhook(&self, p: &Principal, id: WebhookId, patch: WebhookPatch) -> Result<Webhook> {
        p.require_scope(Scope::DirectoryWrite)?;
        require_admin(p)?;
        patch.validate()?;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let mut w = store::get(&mut tx, id.uuid())
            .await
            .map_err(ServiceError::from_store("webhook"))?;
        if let Some(url) = &patch.url {
            w.url = check_url(url)?;
        }
        if let Some(description) = &patch.description {
            description.trim().clone_into(&mut w.description);
        }
        if let Some(events) = &patch.events {
            w.events = check_events(events)?;
        }
        match patch.paused {
            Some(true) if w.paused_at.is_none() => {
                w.paused_at = Some(now);
                w.pause_reason = Some("paused by an admin".to_owned());
            }
            Some(false) => {
                w.paused_at = None;
                w.pause_reason = None;
            }
            _ => {}
        }
        w.updated_at = now;
        store::update(&mut tx, &w).await?;
        let w = store::get(&mut tx, w.id).await?;
        tx.commit().await?;
        self.webhooks.forget();
        Ok(w.into())
    }

    /// # Errors
    /// `forbidden`, `not_found`.
    pub async fn delete_webhook(&self, p: &Principal, id: WebhookId) -> Result<()> {
        p.require_scope(Scope::DirectoryWrite)?;
        require_admin(p)?;
        let mut tx = self.store.begin().await?;
        store::delete(&mut tx, id.uuid())
            .await
            .map_err(ServiceError::from_store("webhook"))?;
        tx.commit().await?;
        self.webhooks.forget();
        Ok(())
    }

    /// The delivery log of a subscription, newest first.
    ///
    /// # Errors
    /// `forbidden`, `not_found`.
    pub async fn webhook_deliveries(
        &self,
        p: &Principal,
        id: WebhookId,
        status: Option<DeliveryStatus>,
        page: PageRequest,
    ) -> Result<Page<WebhookDelivery>> {
        p.require_scope(Scope::DirectoryRead)?;
        require_admin(p)?;
        let mut tx = self.store.read().await?;
        store::get(&mut tx, id.uuid())
            .await
            .map_err(ServiceError::from_store("webhook"))?;
        let list = store::deliveries(&mut tx, id.uuid(), status.map(DeliveryStatus::as_str), page).await?;
        tx.commit().await?;
        Ok(list.map(Into::into))
    }

    /// "Send test event": queues a `webhook.test` delivery for this subscription alone.
    ///
    /// # Errors
    /// `forbidden`, `not_found`, `webhook_paused` (409).
    pub async fn send_test_event(&self, p: &Principal, id: WebhookId) -> Result<WebhookDelivery> {
        p.require_scope(Scope::DirectoryWrite)?;
        require_admin(p)?;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let w = unpaused(&mut tx, id, "resume it to send events").await?;
        let body = envelope(
            WebhookEvent::Test,
            now,
            &json!({"webhook_id": w.id, "sent_by": p.user.id, "message": "Reglament test event"}),
        );
        let ids = store::enqueue(&mut tx, &[w.id], WebhookEvent::Test.as_str(), &body, now).await?;
        let delivery = store::delivery(&mut tx, ids[0]).await?;
        tx.commit().await?;
        Ok(delivery.into())
    }

    /// Sends a failed delivery again (after the receiver is fixed and the subscription
    /// resumed): it becomes pending with a fresh count of attempts and keeps its id, so a
    /// receiver that did get it can drop the repeat.
    ///
    /// # Errors
    /// `forbidden`, `not_found`, `webhook_paused` (409), `delivery_not_failed` (409).
    pub async fn retry_delivery(
        &self,
        p: &Principal,
        id: WebhookId,
        delivery: WebhookDeliveryId,
    ) -> Result<WebhookDelivery> {
        p.require_scope(Scope::DirectoryWrite)?;
        require_admin(p)?;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let found = store::delivery(&mut tx, delivery.uuid())
            .await
            .ok()
            .filter(|d| d.webhook_id == id.uuid())
            .ok_or_else(|| ServiceError::not_found("delivery"))?;
        let w = unpaused(&mut tx, id, "resume it, then send the delivery again").await?;
        if !store::retry_failed(&mut tx, found.id, now).await? {
            return Err(ServiceError::Refused {
                code: ErrorCode::DeliveryNotFailed,
                detail: format!("the delivery is {}; only a failed one is sent again", found.status),
            });
        }
        let again = store::delivery(&mut tx, found.id).await?;
        tx.commit().await?;
        tracing::info!(delivery = %found.id, webhook = %w.id, by = %p.user.id, "webhook delivery sent again by hand");
        Ok(again.into())
    }

    /// One round of delivery: due deliveries of subscriptions that are not paused are
    /// sent at once, each attempt recorded. Answers how many were delivered.
    ///
    /// # Errors
    /// On a database failure (a failed attempt is recorded, not returned).
    pub async fn deliver_webhooks_once(&self, http: &reqwest::Client) -> Result<usize> {
        let now = self.now();
        let lease = now + TimeDelta::seconds(60);
        let mut tx = self.store.begin().await?;
        let due = store::claim_due(&mut tx, now, lease, ROUND).await?;
        tx.commit().await?;
        if due.is_empty() {
            return Ok(0);
        }
        let mut sends = tokio::task::JoinSet::new();
        for d in due {
            let http = http.clone();
            let timestamp = self.now().timestamp();
            let signature = sign(&d.secret, &d.id.to_string(), timestamp, &d.payload)?;
            sends.spawn(async move {
                let started = Instant::now();
                let sent = http
                    .post(&d.url)
                    .timeout(ATTEMPT_TIMEOUT)
                    .header("content-type", "application/json")
                    .header("user-agent", "Reglament-Webhooks/1")
                    .header("webhook-id", d.id.to_string())
                    .header("webhook-timestamp", timestamp.to_string())
                    .header("webhook-signature", signature)
                    .body(d.payload.clone())
                    .send()
                    .await;
                let response_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
                let attempt = match sent {
                    Ok(res) if res.status().is_success() => store::Attempt {
                        status: Some(i32::from(res.status().as_u16())),
                        response_ms,
                        error: None,
                    },
                    Ok(res) => store::Attempt {
                        status: Some(i32::from(res.status().as_u16())),
                        response_ms,
                        error: Some(format!("the receiver answered {}", res.status())),
                    },
                    Err(err) => store::Attempt {
                        status: None,
                        response_ms,
                        error: Some(if err.is_timeout() {
                            format!("no answer within {} s", ATTEMPT_TIMEOUT.as_secs())
                        } else {
                            format!("not delivered: {err}")
                        }),
                    },
                };
                (d, attempt)
            });
        }
        let mut delivered = 0;
        while let Some(joined) = sends.join_next().await {
            let Ok((d, attempt)) = joined else { continue };
            let now = self.now();
            let mut tx = self.store.begin().await?;
            let retry_at = attempt.error.as_ref().and_then(|_| {
                usize::try_from(d.attempts - 1)
                    .ok()
                    .and_then(|i| RETRY_DELAYS_SECS.get(i))
                    .map(|secs| now + TimeDelta::seconds(*secs))
            });
            store::record_attempt(&mut tx, d.id, &attempt, retry_at, now).await?;
            match (&attempt.error, retry_at) {
                (None, _) => {
                    delivered += 1;
                    tracing::info!(delivery = %d.id, webhook = %d.webhook_id, ms = attempt.response_ms, "webhook delivered");
                }
                (Some(error), Some(at)) => {
                    tracing::warn!(delivery = %d.id, webhook = %d.webhook_id, attempts = d.attempts, retry_at = %at, error, "webhook not delivered");
                }
                (Some(error), None) => {
                    self.pause_failing(&mut tx, &d, error, now).await?;
                }
            }
            tx.commit().await?;
        }
        Ok(delivered)
    }

    /// A delivery failed for a day: its subscription is paused and the admins told.
    async fn pause_failing(&self, tx: &mut Tx, d: &store::Due, error: &str, now: DateTime<Utc>) -> Result<()> {
        let reason = format!(
            "a delivery failed for a day ({} attempts); last error: {error}",
            d.attempts
        );
        if !store::pause(tx, d.webhook_id, &reason, now).await? {
            return Ok(());
        }
        self.webhooks.forget();
        tracing::error!(webhook = %d.webhook_id, url = d.url, error, "webhook paused: deliveries keep failing");
        let subject = "Вебхук приостановлен: доставка не удается".to_owned();
        let body = format!(
            "Подписка на вебхуки {url} приостановлена: событие не удалось доставить за сутки ({attempts} попыток).\n\
             Последняя ошибка: {error}\n\n\
             Новые события этой подписке не отправляются. Проверьте получателя и возобновите подписку: {public}/admin/webhooks\n",
            url = d.url,
            attempts = d.attempts,
            public = self.config.public_url.trim_end_matches('/'),
        );
        for admin in store::admin_emails(tx).await? {
            outbox::enqueue(tx, &admin, &subject, &body, now).await?;
        }
        Ok(())
    }

    /// The delivery log keeps 30 days; pending deliveries stay until they finish.
    pub(crate) async fn purge_webhook_log(&self) -> Result<u64> {
        let mut tx = self.store.begin().await?;
        let purged = store::purge_finished(&mut tx, self.now() - TimeDelta::days(LOG_DAYS)).await?;
        tx.commit().await?;
        Ok(purged)
    }

    /// Runs [`App::deliver_webhooks_once`] every `every` until the process ends; a full
    /// round is followed by the next at once.
    pub async fn run_webhooks_forever(self, every: std::time::Duration) {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        let mut interval = tokio::time::interval(every);
        loop {
            interval.tick().await;
            match self.deliver_webhooks_once(&http).await {
                Ok(n) if n > 0 => tracing::debug!(delivered = n, "webhook round"),
                Ok(_) => {}
                Err(err) => tracing::warn!(error = %err, "webhook round failed"),
            }
        }
    }
}

/// The subscription, or `webhook_paused` (409) with what to do when it is paused.
async fn unpaused(tx: &mut Tx, id: WebhookId, then: &str) -> Result<store::Webhook> {
    let w = store::get(tx, id.uuid())
        .await
        .map_err(ServiceError::from_store("webhook"))?;
    if w.paused_at.is_some() {
        return Err(ServiceError::Refused {
            code: ErrorCode::WebhookPaused,
            detail: format!("the subscription is paused; {then}"),
        });
    }
    Ok(w)
}
