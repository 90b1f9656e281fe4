//! Outgoing webhooks (R-INT-2) against a local receiver that checks every signature with
//! its own HMAC-SHA256 (RFC 2104 written out here over `sha2`, not the server's `hmac`),
//! goes down, and comes back; and a subscription that fails for a day is paused.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use actix_web::{App as Web, HttpRequest, HttpResponse, HttpServer, web};
use base64::Engine as _;
use common::{ADMIN_EMAIL, ADMIN_PASSWORD, assert_problem, typed};
use reglament_api::{DeliveryStatus, Page, Webhook, WebhookDelivery};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

/// HMAC-SHA256 as RFC 2104 defines it: H((K ⊕ opad) ‖ H((K ⊕ ipad) ‖ m)).
fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut block = [0_u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let inner: Vec<u8> = block.iter().map(|b| b ^ 0x36).chain(message.iter().copied()).collect();
    let inner = Sha256::digest(&inner);
    let outer: Vec<u8> = block.iter().map(|b| b ^ 0x5c).chain(inner.iter().copied()).collect();
    Sha256::digest(&outer).to_vec()
}

#[test]
fn the_test_hmac_is_rfc_4231() {
    // RFC 4231, test case 2.
    let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
    assert_eq!(
        mac.iter().map(|b| format!("{b:02x}")).collect::<String>(),
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
}

#[derive(Default)]
struct Receiver {
    up: AtomicBool,
    /// (webhook-id, timestamp, signature valid, body) of every request, down or up.
    got: Mutex<Vec<(String, i64, bool, Value)>>,
    secret: Mutex<String>,
}

impl Receiver {
    fn accepted(&self) -> Vec<Value> {
        self.got.lock().expect("lock").iter().map(|g| g.3.clone()).collect()
    }
}

async fn receive(rx: web::Data<Arc<Receiver>>, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let (id, timestamp, signature) = (
        header("webhook-id"),
        header("webhook-timestamp"),
        header("webhook-signature"),
    );
    let secret = rx.secret.lock().expect("lock").clone();
    let key = base64::engine::general_purpose::STANDARD
        .decode(secret.trim_start_matches("whsec_"))
        .expect("the secret is base64");
    let signed = format!("{id}.{timestamp}.{}", String::from_utf8_lossy(&body));
    let expected = format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(hmac_sha256(&key, signed.as_bytes()))
    );
    let valid = signature.split(' ').any(|s| s == expected);
    let value: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    rx.got
        .lock()
        .expect("lock")
        .push((id, timestamp.parse().unwrap_or(0), valid, value));
    if rx.up.load(Ordering::SeqCst) && valid {
        HttpResponse::NoContent().finish()
    } else {
        HttpResponse::ServiceUnavailable().finish()
    }
}

fn receiver() -> (Arc<Receiver>, String) {
    let rx = Arc::new(Receiver::default());
    let data = web::Data::new(Arc::clone(&rx));
    let server = HttpServer::new(move || {
        Web::new()
            .app_data(data.clone())
            .route("/hook", web::post().to(receive))
    })
    .workers(1)
    .bind("127.0.0.1:0")
    .expect("bind");
    let port = server.addrs()[0].port();
    tokio::spawn(server.run());
    (rx, format!("http://127.0.0.1:{port}/hook"))
}

async fn deliveries(srv: &common::TestServer, token: &str, id: &str) -> Vec<WebhookDelivery> {
    let (status, body) = srv.get(&format!("/api/v1/webhooks/{id}/deliveries"), token).await;
    assert_eq!(status, 200, "{body}");
    typed::<Page<WebhookDelivery>>(&body).items
}

async fn round(srv: &common::TestServer) -> usize {
    srv.app
        .integrations()
        .deliver_webhooks_once(&reglament_channels::webhooks::HttpSender::new())
        .await
        .expect("delivery round")
}

// R-INT-2: a ticket event is queued with the ticket, signed the Standard Webhooks way,
// retried after the receiver was down with the same webhook-id, and logged; staff
// answers post message and status events; the test event goes out on demand.
both_backends!(r_int_2_webhooks_are_signed_retried_and_logged, |srv| {
    let (rx, url) = receiver();
    assert_problem(
        &srv.post(
            "/api/v1/webhooks",
            &srv.admin,
            json!({"url": "ftp://example.test", "events": ["ticket.created"]}),
        )
        .await,
        400,
        "validation_failed",
    );
    assert_problem(
        &srv.post("/api/v1/webhooks", &srv.admin, json!({"url": url, "events": []}))
            .await,
        400,
        "validation_failed",
    );
    let (status, hook) = srv
        .post(
            "/api/v1/webhooks",
            &srv.admin,
            json!({"url": url, "description": "CRM", "events": ["ticket.created", "message.posted", "ticket.status_changed"]}),
        )
        .await;
    assert_eq!(status, 201, "{hook}");
    let hook: Webhook = typed(&hook);
    assert!(hook.secret.starts_with("whsec_"), "{hook:?}");
    *rx.secret.lock().expect("lock") = hook.secret.clone();
    let id = hook.id.to_string();

    let customer = srv.customer("Вебхук", "premium").await;
    let (_, client) = srv.client(&customer, "hook@client.test", json!({})).await;
    assert_problem(&srv.get("/api/v1/webhooks", &client).await, 403, "forbidden");
    let ticket = srv.consultation(&client, "событие для CRM").await;
    // Queued with the ticket, before any attempt.
    let log = deliveries(srv, &srv.admin, &id).await;
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!((log[0].status, log[0].attempts), (DeliveryStatus::Pending, 0));

    // The receiver is down: the attempt is logged and retried 5 seconds later.
    assert_eq!(round(srv).await, 0);
    let log = deliveries(srv, &srv.admin, &id).await;
    assert_eq!(
        (log[0].status, log[0].attempts, log[0].last_status),
        (DeliveryStatus::Pending, 1, Some(503))
    );
    assert!(
        log[0].last_error.as_deref().unwrap_or_default().contains("503"),
        "{log:?}"
    );
    assert!(log[0].last_response_ms.is_some());
    let wait = log[0].next_attempt_at.expect("retried") - srv.app.now();
    assert!(
        wait > chrono::TimeDelta::seconds(4) && wait <= chrono::TimeDelta::seconds(5),
        "{wait}"
    );
    assert_eq!(round(srv).await, 0, "not due yet");

    // It comes back.
    rx.up.store(true, Ordering::SeqCst);
    srv.clock.set(srv.app.now() + chrono::TimeDelta::seconds(6));
    assert_eq!(round(srv).await, 1);
    let log = deliveries(srv, &srv.admin, &id).await;
    assert_eq!(
        (log[0].status, log[0].attempts, log[0].last_status),
        (DeliveryStatus::Delivered, 2, Some(204))
    );
    {
        let got = rx.got.lock().expect("lock");
        assert_eq!(got.len(), 2);
        assert!(got.iter().all(|g| g.2), "every signature verifies");
        assert_eq!(got[0].0, got[1].0, "a retry keeps its webhook-id");
        assert_eq!(got[0].0, log[0].id.to_string());
        let body = &got[1].3;
        assert_eq!(body["type"], "ticket.created");
        assert_eq!(body["data"]["ticket"]["id"], json!(ticket));
        assert_eq!(body["data"]["ticket"]["status"], "open");
        assert!((got[1].1 - srv.app.now().timestamp()).abs() <= 1);
    }

    // A staff answer: a message posted and a status change, each told once.
    let (status, answer) = srv
        .post(
            &format!("/api/v1/tickets/{ticket}/messages"),
            &srv.admin,
            json!({"kind": "info_request", "body": "Уточните версию"}),
        )
        .await;
    assert_eq!(status, 201, "{answer}");
    assert_eq!(round(srv).await, 2);
    let kinds: Vec<String> = rx.accepted()[2..]
        .iter()
        .map(|b| b["type"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(kinds.contains(&"message.posted".to_owned()), "{kinds:?}");
    let change = rx
        .accepted()
        .into_iter()
        .find(|b| b["type"] == "ticket.status_changed")
        .expect("status change told");
    assert_eq!(
        change["data"]["details"]["status"]["after"], "waiting_for_customer",
        "{change}"
    );

    // The test event, on demand.
    let (status, test) = srv
        .post(&format!("/api/v1/webhooks/{id}/test"), &srv.admin, json!({}))
        .await;
    assert_eq!(status, 202, "{test}");
    assert_eq!(round(srv).await, 1);
    assert_eq!(rx.accepted().last().expect("test event")["type"], "webhook.test");
    let hook: Webhook = typed(&srv.get(&format!("/api/v1/webhooks/{id}"), &srv.admin).await.1);
    assert_eq!(hook.backlog, 0);

    // The log keeps finished deliveries for 30 days (their payloads name tickets).
    srv.clock.set(srv.app.now() + chrono::TimeDelta::days(31));
    let report = srv.app.jobs().run_once().await.expect("a job round");
    assert_eq!(report.webhook_deliveries_purged, 4);
});

// R-INT-2: a receiver that never answers is retried with backoff for about a day; then
// the delivery fails, the subscription is paused, the admins are told by mail, nothing
// more is queued for it, and resuming it sends again.
both_backends!(r_int_2_a_failing_subscription_is_paused_after_a_day, |srv| {
    // A port nobody listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://127.0.0.1:{}/gone", closed.local_addr().expect("addr").port());
    drop(closed);
    let (status, hook) = srv
        .post(
            "/api/v1/webhooks",
            &srv.admin,
            json!({"url": url, "events": ["ticket.created"]}),
        )
        .await;
    assert_eq!(status, 201, "{hook}");
    let id = hook["id"].as_str().expect("id").to_owned();
    let customer = srv.customer("Недоступный", "basic").await;
    let (_, client) = srv.client(&customer, "down@client.test", json!({})).await;
    srv.consultation(&client, "никто не слушает").await;

    let started = srv.app.now();
    let mut attempts = 0;
    loop {
        assert_eq!(round(srv).await, 0);
        attempts += 1;
        let admin = srv.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        let log = deliveries(srv, &admin, &id).await;
        assert_eq!(log[0].attempts, attempts);
        match log[0].next_attempt_at {
            Some(next) if log[0].status == DeliveryStatus::Pending => {
                assert!(next > srv.app.now());
                srv.clock.set(next);
            }
            _ => {
                assert_eq!(log[0].status, DeliveryStatus::Failed, "{log:?}");
                break;
            }
        }
        assert!(attempts < 20, "retries never end");
    }
    assert_eq!(attempts, 11);
    let took = srv.app.now() - started;
    assert!(
        took > chrono::TimeDelta::hours(20) && took < chrono::TimeDelta::hours(26),
        "{took}"
    );

    let admin = srv.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let hook: Webhook = typed(&srv.get(&format!("/api/v1/webhooks/{id}"), &admin).await.1);
    assert!(hook.paused_at.is_some(), "{hook:?}");
    assert!(
        hook.pause_reason.as_deref().unwrap_or_default().contains("11 attempts"),
        "{hook:?}"
    );
    let mut tx = srv.app.store.begin().await.expect("tx");
    let mail = reglament_store::mail::list_for(&mut tx, ADMIN_EMAIL)
        .await
        .expect("mail");
    tx.commit().await.expect("commit");
    assert!(
        mail.iter()
            .any(|m| m.subject.contains("Вебхук приостановлен") && m.body.contains(&url)),
        "{mail:?}"
    );

    // Paused: nothing is queued, the test event is refused.
    let client = srv.login("down@client.test", common::CLIENT_PASSWORD).await;
    srv.consultation(&client, "пока подписка на паузе").await;
    assert_eq!(deliveries(srv, &admin, &id).await.len(), 1);
    assert_problem(
        &srv.post(&format!("/api/v1/webhooks/{id}/test"), &admin, json!({}))
            .await,
        409,
        "webhook_paused",
    );
    let failed = deliveries(srv, &admin, &id).await[0].id.to_string();
    let retry = format!("/api/v1/webhooks/{id}/deliveries/{failed}/retry");
    assert_problem(&srv.post(&retry, &admin, json!({})).await, 409, "webhook_paused");

    // The receiver is fixed and the subscription resumed: the failed event is sent again
    // by hand, with its own webhook-id.
    let (rx, fixed) = receiver();
    rx.up.store(true, Ordering::SeqCst);
    *rx.secret.lock().expect("lock") = hook.secret.clone();
    let (status, resumed) = srv
        .patch(
            &format!("/api/v1/webhooks/{id}"),
            &admin,
            json!({"paused": false, "url": fixed}),
        )
        .await;
    assert_eq!(status, 200, "{resumed}");
    assert_eq!(resumed["paused_at"], Value::Null);
    let (status, again) = srv.post(&retry, &admin, json!({})).await;
    assert_eq!(status, 202, "{again}");
    let again: WebhookDelivery = typed(&again);
    assert_eq!(
        (again.status, again.attempts, again.id.to_string()),
        (DeliveryStatus::Pending, 0, failed.clone())
    );
    assert_problem(&srv.post(&retry, &admin, json!({})).await, 409, "delivery_not_failed");
    assert_eq!(round(srv).await, 1);
    let got = rx.got.lock().expect("lock").clone();
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!((got[0].0.as_str(), got[0].2), (failed.as_str(), true));
    assert_eq!(got[0].3["type"], "ticket.created");
    assert_eq!(got[0].3["data"]["ticket"]["subject"], "никто не слушает");
    let log = deliveries(srv, &admin, &id).await;
    assert_eq!((log[0].status, log[0].attempts), (DeliveryStatus::Delivered, 1));
    assert_problem(&srv.post(&retry, &admin, json!({})).await, 409, "delivery_not_failed");
    // Another subscription's path does not reach it; nor does an unknown delivery.
    let (_, other) = srv
        .post(
            "/api/v1/webhooks",
            &admin,
            json!({"url": fixed, "events": ["ticket.created"]}),
        )
        .await;
    let other = other["id"].as_str().expect("id");
    assert_problem(
        &srv.post(
            &format!("/api/v1/webhooks/{other}/deliveries/{failed}/retry"),
            &admin,
            json!({}),
        )
        .await,
        404,
        "not_found",
    );
    assert_problem(
        &srv.post(
            &format!("/api/v1/webhooks/{id}/deliveries/{}/retry", uuid::Uuid::now_v7()),
            &admin,
            json!({}),
        )
        .await,
        404,
        "not_found",
    );
    // Clients never reach it.
    assert_problem(&srv.post(&retry, &client, json!({})).await, 403, "forbidden");
    let (status, _) = srv
        .post(&format!("/api/v1/webhooks/{id}/test"), &admin, json!({}))
        .await;
    assert_eq!(status, 202);
    let (status, _) = srv
        .call("DELETE", &format!("/api/v1/webhooks/{id}"), Some(&admin), None)
        .await;
    assert_eq!(status, 204);
    assert_problem(
        &srv.get(&format!("/api/v1/webhooks/{id}"), &admin).await,
        404,
        "not_found",
    );
});
