//! The webhook channel's sender: one signed delivery posted over HTTP (R-INT-2). The
//! round that claims, signs, records and retries runs in the service on its clock.

use reglament_service::integrations::delivery::{ATTEMPT_TIMEOUT, SignedRequest, WebhookSender};

/// Posts deliveries with reqwest; redirects are not followed (a receiver that moved
/// answers 3xx, recorded as a failure).
#[derive(Clone)]
pub struct HttpSender {
    client: reqwest::Client,
}

impl HttpSender {
    #[must_use]
    pub fn new() -> Self {
        Self {
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap_or_default(),
        }
    }
}

impl Default for HttpSender {
    fn default() -> Self {
        Self::new()
    }
}

impl WebhookSender for HttpSender {
    async fn send(&self, request: SignedRequest) -> Result<u16, String> {
        let sent = self
            .client
            .post(&request.url)
            .timeout(ATTEMPT_TIMEOUT)
            .header("content-type", "application/json")
            .header("user-agent", "Reglament-Webhooks/1")
            .header("webhook-id", request.id)
            .header("webhook-timestamp", request.timestamp.to_string())
            .header("webhook-signature", request.signature)
            .body(request.body)
            .send()
            .await;
        match sent {
            Ok(res) => Ok(res.status().as_u16()),
            Err(err) if err.is_timeout() => Err(format!("no answer within {} s", ATTEMPT_TIMEOUT.as_secs())),
            Err(err) => Err(format!("not delivered: {err}")),
        }
    }
}
