//! Webhook subscriptions (R-INT-2): admins subscribe a URL to events, read the delivery log, send a test event or a failed delivery again.

use base64::Engine as _;
use rand::RngCore as _;
use reglament_api::{
    DeliveryStatus, ErrorCode, NewWebhook, Scope, Webhook, WebhookDelivery, WebhookDeliveryId, WebhookEvent, WebhookId,
    WebhookPatch,
};
use reglament_domain::StaffRole;
use reglament_store::{Page, PageRequest, Tx, webhooks as store};
use serde_json::json;
use uuid::Uuid;
use validator::Validate as _;

use super::Integrations;
use super::delivery::SECRET_PREFIX;
use super::events::envelope;
use crate::accounts::principal::Principal;
use crate::{Result, ServiceError};

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
fn require_admin(p: &Principal) -> Result<()> {
    p.require_role(&[StaffRole::Admin])
}
impl Integrations<'_> {
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
        let w = store::get(&mut tx, id)
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
            created_by: Some(p.user.id.0),
            created_at: now,
            updated_at: now,
            backlog: 0,
        };
        let mut tx = self.store.begin().await?;
        store::insert(&mut tx, &w).await?;
        self.changed_everywhere(&mut tx, crate::Cached::Webhooks).await?;
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
        let mut w = store::get(&mut tx, id)
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
        let w = store::get(&mut tx, WebhookId(w.id)).await?;
        self.changed_everywhere(&mut tx, crate::Cached::Webhooks).await?;
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
        store::delete(&mut tx, id)
            .await
            .map_err(ServiceError::from_store("webhook"))?;
        self.changed_everywhere(&mut tx, crate::Cached::Webhooks).await?;
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
        store::get(&mut tx, id)
            .await
            .map_err(ServiceError::from_store("webhook"))?;
        let list = store::deliveries(&mut tx, id, status.map(DeliveryStatus::as_str), page).await?;
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
        let delivery = store::delivery(&mut tx, WebhookDeliveryId(ids[0])).await?;
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
        let found = store::delivery(&mut tx, delivery)
            .await
            .ok()
            .filter(|d| d.webhook_id == id)
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
}

/// The subscription, or `webhook_paused` (409) with what to do when it is paused.
async fn unpaused(tx: &mut Tx, id: WebhookId, then: &str) -> Result<store::Webhook> {
    let w = store::get(tx, id).await.map_err(ServiceError::from_store("webhook"))?;
    if w.paused_at.is_some() {
        return Err(ServiceError::Refused {
            code: ErrorCode::WebhookPaused,
            detail: format!("the subscription is paused; {then}"),
        });
    }
    Ok(w)
}
