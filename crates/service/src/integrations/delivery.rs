//! Webhook delivery (R-INT-2): the Standard Webhooks signature, retries with backoff for about a day, then the subscription is paused and the admins told by mail.

use reglament_api::ids::*;
use std::time::Instant;

use base64::Engine as _;
use chrono::{DateTime, TimeDelta, Utc};
use hmac::{Hmac, Mac as _};
use reglament_store::{Tx, mail as outbox, webhooks as store};
use sha2::Sha256;

use super::Integrations;
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
pub(crate) const SECRET_PREFIX: &str = "whsec_";

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
/// One signed delivery as it goes out (Standard Webhooks headers: `webhook-id`,
/// `webhook-timestamp`, `webhook-signature`; the body is JSON).
#[derive(Debug, Clone)]
pub struct SignedRequest {
    pub url: String,
    pub id: String,
    pub timestamp: i64,
    pub signature: String,
    pub body: String,
}

/// The webhook channel's sender (HTTP in production): posts one signed delivery within
/// [`ATTEMPT_TIMEOUT`] and answers the receiver's status, or why nothing was answered.
/// The round that drives it runs on the service's clock, like the mail outbox's.
pub trait WebhookSender: Send + Sync {
    /// # Errors
    /// Why no answer came (a refused connection, a timeout…), as it is logged.
    fn send(&self, request: SignedRequest) -> impl std::future::Future<Output = Result<u16, String>> + Send;
}

impl Integrations<'_> {
    /// One round of delivery: due deliveries of subscriptions that are not paused are
    /// sent at once, and each attempt is recorded as soon as its answer comes, so that an
    /// instance that dies mid-round repeats only the deliveries whose answer had come and
    /// whose record had not committed yet (the same `webhook-id`, which receivers dedupe
    /// on, as Standard Webhooks say). Answers how many were delivered.
    ///
    /// # Errors
    /// On a database failure (a failed attempt is recorded, not returned).
    pub async fn deliver_webhooks_once<S: WebhookSender + Clone + 'static>(&self, sender: &S) -> Result<usize> {
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
            let sender = sender.clone();
            let app = self.app.clone();
            let timestamp = self.now().timestamp();
            let signature = sign(&d.secret, &d.id.to_string(), timestamp, &d.payload)?;
            sends.spawn(async move {
                let request = SignedRequest {
                    url: d.url.clone(),
                    id: d.id.to_string(),
                    timestamp,
                    signature,
                    body: d.payload.clone(),
                };
                let started = Instant::now();
                let sent = sender.send(request).await;
                let response_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
                app.integrations().record(&d, attempt_of(sent, response_ms)).await
            });
        }
        let mut delivered = 0;
        let mut failed = None;
        while let Some(joined) = sends.join_next().await {
            match joined {
                Ok(Ok(true)) => delivered += 1,
                Ok(Ok(false)) => {}
                Ok(Err(err)) => failed = Some(err),
                Err(err) => failed = Some(ServiceError::Internal(Box::new(err))),
            }
        }
        failed.map_or(Ok(delivered), Err)
    }

    /// Records one attempt in its own transaction: delivered, to be retried, or (after a
    /// day) failed for good with the subscription paused. True when it was delivered.
    async fn record(&self, d: &store::Due, attempt: store::Attempt) -> Result<bool> {
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
                tracing::info!(delivery = %d.id, webhook = %d.webhook_id, ms = attempt.response_ms, "webhook delivered");
            }
            (Some(error), Some(at)) => {
                tracing::warn!(delivery = %d.id, webhook = %d.webhook_id, attempts = d.attempts, retry_at = %at, error, "webhook not delivered");
            }
            (Some(error), None) => {
                self.pause_failing(&mut tx, d, error, now).await?;
            }
        }
        tx.commit().await?;
        Ok(attempt.error.is_none())
    }

    /// A delivery failed for a day: its subscription is paused and the admins told.
    async fn pause_failing(&self, tx: &mut Tx, d: &store::Due, error: &str, now: DateTime<Utc>) -> Result<()> {
        let reason = format!(
            "a delivery failed for a day ({} attempts); last error: {error}",
            d.attempts
        );
        if !store::pause(tx, WebhookId(d.webhook_id), &reason, now).await? {
            return Ok(());
        }
        self.changed_everywhere(tx, crate::Cached::Webhooks).await?;
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
}

/// What the receiver's answer (or its absence) makes of one attempt: a 2xx is delivered,
/// anything else an error to retry.
fn attempt_of(sent: std::result::Result<u16, String>, response_ms: i64) -> store::Attempt {
    match sent {
        Ok(status) if (200..300).contains(&status) => store::Attempt {
            status: Some(i32::from(status)),
            response_ms,
            error: None,
        },
        Ok(status) => store::Attempt {
            status: Some(i32::from(status)),
            response_ms,
            error: Some(format!("the receiver answered {status}")),
        },
        Err(error) => store::Attempt {
            status: None,
            response_ms,
            error: Some(error),
        },
    }
}

/// Runs [`Integrations::deliver_webhooks_once`] every `every` until the process ends; a full
/// round is followed by the next at once.
pub async fn run_webhooks_forever(app: App, sender: impl WebhookSender + Clone + 'static, every: std::time::Duration) {
    let mut interval = tokio::time::interval(every);
    loop {
        interval.tick().await;
        let Some(_round) = app.instances().round().await else {
            return;
        };
        match app.integrations().deliver_webhooks_once(&sender).await {
            Ok(n) if n > 0 => tracing::debug!(delivered = n, "webhook round"),
            Ok(_) => {}
            Err(err) => tracing::warn!(error = %err, "webhook round failed"),
        }
    }
}
