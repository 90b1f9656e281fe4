//! Several instances on one database behave as one (R-OPS-1..3): each test starts a second
//! real server (its own data directory, the same database and secret) beside the first.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::fake_telegram::{TOKEN, fake_bot_api};
use common::{TestServer, typed};
use reglament_api::{AttachmentId, Health, Readiness};
use serde_json::{Value, json};

async fn upload(srv: &TestServer, base: &str, token: &str, ticket: &str, name: &str, body: Vec<u8>) -> Value {
    let res = srv
        .http
        .post(format!("{base}/api/v1/tickets/{ticket}/attachments?name={name}"))
        .bearer_auth(token)
        .header("content-type", "application/octet-stream")
        .body(body)
        .send()
        .await
        .expect("upload");
    assert_eq!(res.status().as_u16(), 201);
    res.json().await.expect("json")
}

async fn download(srv: &TestServer, base: &str, token: &str, id: &str) -> (u16, Vec<u8>) {
    let res = srv
        .http
        .get(format!("{base}/api/v1/attachments/{id}"))
        .bearer_auth(token)
        .send()
        .await
        .expect("download");
    let status = res.status().as_u16();
    (status, res.bytes().await.expect("bytes").to_vec())
}

/// A PDF of `size` bytes that no two chunks repeat.
fn pdf(size: usize) -> Vec<u8> {
    let mut bytes = b"%PDF-1.7\n".to_vec();
    let mut x: u32 = 2_463_534_242;
    while bytes.len() < size {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        bytes.push(u8::try_from(x % 251).expect("byte"));
    }
    bytes
}

// R-OPS-1: a file uploaded through one instance downloads through another, byte for byte
// (700 KiB: three chunks); files an older build wrote to an instance's disk move into the
// database when that instance starts, and then every instance serves them.
both_backends!(r_ops_1_every_instance_serves_every_file, |srv| {
    let other = srv.beside(|_| {}).await;
    let customer = srv.customer("Два сервера", "premium").await;
    let (_, client) = srv.client(&customer, "files@ops.test", json!({})).await;
    let ticket = srv.consultation(&client, "Журналы").await;
    let big = pdf(700 * 1024);
    let sent = upload(srv, &srv.base, &client, &ticket, "report.pdf", big.clone()).await;
    let id = sent["id"].as_str().expect("id");
    let (status, got) = download(srv, &other.base, &client, id).await;
    assert_eq!(status, 200);
    assert!(got == big, "the same bytes through the other instance");

    // An instance that kept files on its disk (the old storage).
    let old = srv.beside(|c| c.files_on_disk = true).await;
    let small = pdf(5_000);
    let kept = upload(srv, &old.base, &client, &ticket, "old.pdf", small.clone()).await;
    let kept_id = kept["id"].as_str().expect("id").to_owned();
    let on_disk = old.config.data_dir.join("attachments").join(&kept_id);
    assert!(on_disk.exists(), "the old storage writes to the instance's disk");
    // That instance restarted with the database storage: its files move in.
    let mut config = reglament_service::ServiceConfig::new(b"restart-secret".to_vec(), "http://portal.test".into());
    config.attachments_dir = old.config.data_dir.join("attachments");
    let restarted = reglament_service::App::new(srv.app.store.clone(), srv.clock.clone(), config);
    assert_eq!(restarted.tickets().move_files_to_database().await.expect("move"), 1);
    assert_eq!(
        restarted.tickets().move_files_to_database().await.expect("move"),
        0,
        "once"
    );
    assert!(!on_disk.exists(), "the disk copy is gone");
    for base in [&srv.base, &other.base] {
        let (status, got) = download(srv, base, &client, &kept_id).await;
        assert_eq!(status, 200);
        assert!(got == small);
    }
    let mut tx = srv.app.store.read().await.expect("tx");
    let kept_id = AttachmentId(kept_id.parse().expect("uuid"));
    let bytes = reglament_store::attachments::stored_bytes(&mut tx, kept_id)
        .await
        .expect("bytes");
    tx.commit().await.expect("commit");
    assert_eq!(bytes, 5_000);
});

/// Polls `path` on `base` with `token` until it answers `status`; answers how long it took.
async fn until_status(srv: &TestServer, base: &str, token: &str, path: &str, status: u16) -> Duration {
    let started = Instant::now();
    loop {
        let got = srv
            .http
            .get(format!("{base}{path}"))
            .bearer_auth(token)
            .send()
            .await
            .expect("request")
            .status()
            .as_u16();
        if got == status {
            return started.elapsed();
        }
        assert!(started.elapsed() < Duration::from_secs(10), "{path} still {got}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

// R-OPS-1: a session ended and an account disabled on one instance are refused by another
// within a second (each instance caches accounts for 5 s; the change tells them all).
both_backends!(
    r_ops_1_sign_out_and_disable_reach_every_instance_within_a_second,
    |srv| {
        let other = srv.beside(|_| {}).await;
        let customer = srv.customer("Сессии", "premium").await;
        let (_, leaving) = srv.client(&customer, "leaving@ops.test", json!({})).await;
        let (disabled_id, disabled) = srv.client(&customer, "disabled@ops.test", json!({})).await;
        // Both instances know them (and cache them).
        for token in [&leaving, &disabled] {
            until_status(srv, &other.base, token, "/api/v1/tickets", 200).await;
            until_status(srv, &srv.base, token, "/api/v1/tickets", 200).await;
        }
        // Tokens carry whole seconds: one issued in the second of the sign-out survives it.
        srv.clock.set(srv.app.now() + chrono::TimeDelta::seconds(2));
        let (status, body) = srv.post("/api/v1/auth/sign-out-everywhere", &leaving, json!({})).await;
        assert!((200..300).contains(&status), "{status} {body}");
        let took = until_status(srv, &other.base, &leaving, "/api/v1/tickets", 401).await;
        assert!(took < Duration::from_secs(1), "signed out elsewhere after {took:?}");

        let (status, body) = srv
            .patch(
                &format!("/api/v1/users/{disabled_id}"),
                &srv.admin,
                json!({"active": false}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let took = until_status(srv, &other.base, &disabled, "/api/v1/tickets", 401).await;
        assert!(took < Duration::from_secs(1), "disabled elsewhere after {took:?}");
    }
);

fn instance(srv: &TestServer, ttl_ms: u64) -> reglament_service::App {
    let mut config = reglament_service::ServiceConfig::new(b"lease-secret".to_vec(), "http://portal.test".into());
    config.lease_ttl = Duration::from_millis(ttl_ms);
    config.lease_renew = Duration::from_millis(ttl_ms / 4);
    reglament_service::App::new(srv.app.store.clone(), srv.clock.clone(), config)
}

/// A loop that counts its rounds while it runs.
fn counting(rounds: Arc<AtomicUsize>) -> impl Fn() -> std::pin::Pin<Box<dyn Future<Output = ()> + Send>> {
    move || {
        let rounds = rounds.clone();
        Box::pin(async move {
            loop {
                rounds.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    }
}

// R-OPS-2, R-OPS-3: a single-reader loop runs on exactly one instance; a stopped instance
// hands it over at once, and a dead one (no release) within its lease.
both_backends!(r_ops_2_one_reader_and_the_hand_over, |srv| {
    let (a, b) = (instance(srv, 1_000), instance(srv, 1_000));
    let (ra, rb) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let task_a = tokio::spawn(reglament_service::instances::run_as_leader(
        a.clone(),
        "probe",
        counting(ra.clone()),
    ));
    tokio::time::sleep(Duration::from_millis(100)).await;
    let task_b = tokio::spawn(reglament_service::instances::run_as_leader(
        b.clone(),
        "probe",
        counting(rb.clone()),
    ));
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(ra.load(Ordering::SeqCst) > 0);
    assert_eq!(rb.load(Ordering::SeqCst), 0, "one reader");
    let leaders = a.instances().leaders().await.expect("leaders");
    assert_eq!(leaders.len(), 1);
    assert_eq!(leaders[0].holder, a.instances().id());

    // A dies without releasing (kill -9): b takes over once the lease runs out.
    task_a.abort();
    let died = Instant::now();
    while rb.load(Ordering::SeqCst) == 0 {
        assert!(died.elapsed() < Duration::from_secs(5), "no take-over");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let took = died.elapsed();
    assert!(took <= Duration::from_millis(1_600), "taken over after {took:?}");
    // A dead instance's loop no longer runs (the task held it).
    let before = ra.load(Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(ra.load(Ordering::SeqCst) <= before + 1);

    // A third instance waits; b stops (SIGTERM): it releases, c takes it within a renewal.
    let c = instance(srv, 1_000);
    let rc = Arc::new(AtomicUsize::new(0));
    let _task_c = tokio::spawn(reglament_service::instances::run_as_leader(
        c.clone(),
        "probe",
        counting(rc.clone()),
    ));
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(rc.load(Ordering::SeqCst), 0);
    let stopped = Instant::now();
    b.instances().stop().await;
    while rc.load(Ordering::SeqCst) == 0 {
        assert!(stopped.elapsed() < Duration::from_secs(5), "no hand-over");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(
        stopped.elapsed() < Duration::from_millis(600),
        "handed over after {:?}",
        stopped.elapsed()
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(task_b.is_finished(), "a stopped instance leaves its loop");
    let rb_now = rb.load(Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(rb.load(Ordering::SeqCst), rb_now, "and runs it no more");
});

// R-OPS-2 through the real servers (PostgreSQL, the production setting): with the bot
// configured on two instances, one polls Telegram, and `/api/v1/health` on both names it;
// readiness is separate from liveness.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_ops_2_the_bot_runs_on_one_instance_and_health_says_which() {
    let (fake, url) = fake_bot_api();
    let telegram = reglament_channels::telegram::TelegramSettings {
        token: TOKEN.to_owned(),
        api_url: url,
        poll_timeout_secs: 0,
    };
    let configure = |c: &mut reglament_server::Config| {
        c.telegram = Some(telegram.clone());
        c.lease_ttl = Duration::from_secs(2);
    };
    let Some(srv) = TestServer::spawn_with(reglament_store::Backend::Postgres, configure).await else {
        return;
    };
    srv.run(|srv| async move {
        let other = srv.beside(configure).await;
        tokio::time::sleep(Duration::from_millis(800)).await;
        let health = |base: String| async move {
            let body: Value = reqwest::get(format!("{base}/api/v1/health"))
                .await
                .expect("health")
                .json()
                .await
                .expect("json");
            typed::<Health>(&body)
        };
        let (here, there) = (health(srv.base.clone()).await, health(other.base.clone()).await);
        assert_ne!(here.instance, there.instance);
        let leader = |h: &Health| {
            h.leaders
                .iter()
                .find(|l| l.name == "telegram")
                .cloned()
                .expect("a bot leader")
        };
        assert_eq!(leader(&here).holder, leader(&there).holder, "one reader");
        assert!(leader(&here).here != leader(&there).here);
        assert_eq!(leader(&here).holder, here.instance, "the first instance took it");
        assert!(fake.polls.load(Ordering::SeqCst) > 0, "the leader polls");
        assert_eq!(fake.conflicts.load(Ordering::SeqCst), 0, "never two readers at once");

        let res = reqwest::get(format!("{}/api/v1/health/ready", other.base))
            .await
            .expect("ready");
        assert_eq!(res.status().as_u16(), 200);
        let ready: Readiness = res.json().await.expect("json");
        assert_eq!((ready.status.as_str(), ready.migrations_pending), ("ready", 0));

        // The leader stops: the other instance's health names itself within a renewal.
        srv.app.instances().stop().await;
        let stopped = Instant::now();
        loop {
            let there = health(other.base.clone()).await;
            if there.leaders.iter().any(|l| l.name == "telegram" && l.here) {
                break;
            }
            assert!(stopped.elapsed() < Duration::from_secs(3), "{there:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let res = reqwest::get(format!("{}/api/v1/health/ready", srv.base))
            .await
            .expect("ready");
        assert_eq!(res.status().as_u16(), 503, "a stopping instance is not ready");
    })
    .await;
}

/// A receiver that takes its time: it counts the requests and answers 204 after `delay`.
#[derive(Clone)]
struct SlowReceiver {
    got: Arc<AtomicUsize>,
    delay: Duration,
}

impl reglament_service::integrations::delivery::WebhookSender for SlowReceiver {
    async fn send(&self, _: reglament_service::integrations::delivery::SignedRequest) -> Result<u16, String> {
        self.got.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(self.delay).await;
        Ok(204)
    }
}

// R-OPS-3: a stop (SIGTERM) waits for the background round in flight: a webhook the
// receiver is answering when the stop comes is recorded as delivered before the stop
// returns (so the process exits without leaving it to be sent again), and no round
// starts after it.
both_backends!(
    r_ops_3_a_stop_lets_the_webhook_in_flight_be_recorded_and_starts_no_round,
    |srv| {
        let (status, hook) = srv
            .post(
                "/api/v1/webhooks",
                &srv.admin,
                json!({"url": "http://receiver.test/hook", "events": ["ticket.created"]}),
            )
            .await;
        assert_eq!(status, 201, "{hook}");
        let hook = hook["id"].as_str().expect("id").to_owned();
        let customer = srv.customer("Остановка", "basic").await;
        let (_, client) = srv.client(&customer, "stop@client.test", json!({})).await;
        srv.consultation(&client, "Первое").await;

        let app = instance(srv, 20_000);
        let got = Arc::new(AtomicUsize::new(0));
        let receiver = SlowReceiver {
            got: got.clone(),
            delay: Duration::from_millis(800),
        };
        let looping = tokio::spawn(reglament_service::integrations::delivery::run_webhooks_forever(
            app.clone(),
            receiver,
            Duration::from_millis(50),
        ));
        let waited = Instant::now();
        while got.load(Ordering::SeqCst) == 0 {
            assert!(waited.elapsed() < Duration::from_secs(5), "the round never sent");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        // The receiver has the request and has not answered: the stop comes now.
        let stopping = Instant::now();
        app.instances().stop().await;
        let took = stopping.elapsed();
        assert!(
            took >= Duration::from_millis(500),
            "the stop did not wait for the round ({took:?})"
        );
        let (status, log) = srv
            .get(&format!("/api/v1/webhooks/{hook}/deliveries"), &srv.admin)
            .await;
        assert_eq!(status, 200, "{log}");
        let log = typed::<reglament_api::Page<reglament_api::WebhookDelivery>>(&log).items;
        assert_eq!(log.len(), 1);
        assert_eq!(log[0].status, reglament_api::DeliveryStatus::Delivered, "{log:?}");
        assert_eq!(log[0].attempts, 1);

        // The loop has ended; a new event is not sent by the stopped instance.
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(looping.is_finished(), "the stopped instance's loop still runs");
        srv.consultation(&client, "Второе").await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(got.load(Ordering::SeqCst), 1, "a round ran after the stop");
    }
);
