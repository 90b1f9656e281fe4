//! Issue 21's figures, on SQLite and PostgreSQL, through the real server:
//!
//! 1. Latency of the live stream: 100 staff streams (`GET /api/v1/stream`) are open while
//!    8 clients write messages on their tickets (`POST /tickets/{id}/messages`, 50 each);
//!    for every message and every stream, the time from sending the POST (so the commit
//!    and the answer are inside) to the arrival of its `ticket` event. p50/p99/max.
//! 2. A burst of 2,000 tickets from 20 clients at once, with 10 agents and 2 support leads
//!    on the default channel (a mail each): how long the burst took with its in-app
//!    notifications written in the same transactions (24,000 rows), and after the burst
//!    plus the fold window, how many notification mails each member of staff got (aim ≤ 2).
//! 3. Memory: the process's RSS with 500 open streams (the server and the 500 client
//!    connections share this process, so the server's own share is below the figure).
//!
//! `cargo bench -p reglament-server --bench live`

mod common;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{BenchServer, PASSWORD, login, percentile};
use reglament_api::UserId;
use reglament_api::paths;
use reglament_service::accounts::principal::Principal;
use reglament_store::Backend;
use reglament_store::testing::postgres_available;
use serde_json::{Value, json};
use tokio::sync::Mutex;

const STREAMS: usize = 100;
const WRITERS: usize = 8;
const MESSAGES: usize = 50;
const BURST: usize = 2_000;
const BURST_CLIENTS: usize = 20;
const AGENTS: usize = 10;
const LEADS: usize = 2;
const IDLE_STREAMS: usize = 500;

/// A customer of `tier` with `clients` clients; answers their tokens.
async fn customer(
    http: &reqwest::Client,
    base: &str,
    admin: &str,
    name: &str,
    tier: &str,
    clients: usize,
) -> Vec<String> {
    let c = common::op(http, base, paths::create_customer(), admin, json!({"name": name})).await;
    let id = c["id"].as_str().expect("the bench input is valid").to_owned();
    common::op(
        http,
        base,
        paths::create_contract(common::id(&id)),
        admin,
        json!({"tier_code": tier, "number": format!("Д-{name}"), "starts_on": "2020-01-01", "ends_on": "2099-12-31"}),
    )
    .await;
    let mut tokens = Vec::new();
    for i in 0..clients {
        let email = format!("{name}-{i}@bench.test");
        common::op(
            http,
            base,
            paths::create_client(common::id(&id)),
            admin,
            json!({"email": email, "full_name": format!("Клиент {i}"), "password": PASSWORD}),
        )
        .await;
        tokens.push(login(http, base, &email).await);
    }
    tokens
}

/// A member of staff without a password (no hashing); answers the id.
async fn staff(http: &reqwest::Client, base: &str, admin: &str, email: &str, role: &str) -> UserId {
    let u = common::op(
        http,
        base,
        paths::create_staff(),
        admin,
        json!({"email": email, "full_name": format!("Сотрудник {email}"), "role": role}),
    )
    .await;
    u["id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("the bench input is valid")
}

/// A stream ticket for a user, minted in the process (no password round trip).
async fn stream_ticket(server: &BenchServer, user: UserId) -> String {
    let mut tx = server.app.store.read().await.expect("the bench input is valid");
    let account = reglament_store::users::get(&mut tx, user)
        .await
        .expect("the bench input is valid");
    tx.commit().await.expect("the bench input is valid");
    let p = Principal::from_user(account, None).expect("staff");
    server
        .app
        .accounts()
        .stream_ticket(&p)
        .expect("the bench input is valid")
        .ticket
}

async fn open(http: &reqwest::Client, base: &str, ticket: &str) -> reqwest::Response {
    let res = http
        .get(format!("{base}{}", paths::open_stream().query("ticket", ticket).url()))
        .send()
        .await
        .expect("the bench input is valid");
    assert_eq!(res.status(), 200);
    res
}

fn rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// The send instants of each ticket's messages, in order.
type Sent = Arc<Mutex<HashMap<String, Vec<Instant>>>>;

async fn latency(server: &BenchServer, http: &reqwest::Client, admin: &str) {
    let base = server.base.clone();
    let writers = customer(http, &base, admin, "live", "premium_plus", WRITERS).await;
    let mut agents = Vec::new();
    for i in 0..STREAMS {
        agents.push(staff(http, &base, admin, &format!("agent-{i}@live.bench"), "agent").await);
    }
    // Each writer's ticket, assigned to one agent (its messages tell only them).
    let mut tickets = Vec::new();
    for (i, token) in writers.iter().enumerate() {
        let t = common::op(
            http,
            &base,
            paths::create_ticket(),
            token,
            json!({"category": "consultation", "subject": format!("Поток {i}"), "body": "?"}),
        )
        .await;
        let id = t["id"].as_str().expect("the bench input is valid").to_owned();
        common::op(
            http,
            &base,
            paths::assign(common::id(&id)),
            admin,
            json!({"assignee_id": agents[i]}),
        )
        .await;
        tickets.push(id);
    }
    let sent: Sent = Arc::new(Mutex::new(HashMap::new()));
    let samples = Arc::new(Mutex::new(Vec::new()));
    let mut readers = Vec::new();
    for agent in &agents {
        let mut res = open(http, &base, &stream_ticket(server, *agent).await).await;
        let (sent, samples) = (sent.clone(), samples.clone());
        readers.push(tokio::spawn(async move {
            let mut seen: HashMap<String, usize> = HashMap::new();
            let mut buffer = String::new();
            let mut got = 0;
            while got < WRITERS * MESSAGES {
                let Ok(Ok(Some(chunk))) = tokio::time::timeout(Duration::from_secs(30), res.chunk()).await else {
                    break;
                };
                let arrived = Instant::now();
                buffer.push_str(&String::from_utf8_lossy(&chunk));
                while let Some(end) = buffer.find("\n\n") {
                    let frame: String = buffer.drain(..end + 2).collect();
                    let Some(data) = frame.lines().find_map(|l| l.strip_prefix("data: ")) else {
                        continue;
                    };
                    if !frame.contains("event: ticket") {
                        continue;
                    }
                    let v: Value = serde_json::from_str(data).unwrap_or_default();
                    if v["change"] != "message" {
                        continue;
                    }
                    let ticket = v["ticket_id"].as_str().unwrap_or_default().to_owned();
                    let n = seen.entry(ticket.clone()).or_default();
                    let Some(at) = sent.lock().await.get(&ticket).and_then(|v| v.get(*n)).copied() else {
                        panic!("an event for a message that was not sent: {frame}");
                    };
                    *n += 1;
                    got += 1;
                    samples.lock().await.push(arrived.saturating_duration_since(at));
                }
            }
            got
        }));
    }
    // Let every stream subscribe before the first message.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let started = Instant::now();
    let mut jobs = Vec::new();
    for (token, ticket) in writers.into_iter().zip(tickets) {
        let (http, base, sent) = (http.clone(), base.clone(), sent.clone());
        jobs.push(tokio::spawn(async move {
            for m in 0..MESSAGES {
                sent.lock()
                    .await
                    .entry(ticket.clone())
                    .or_default()
                    .push(Instant::now());
                common::op(
                    &http,
                    &base,
                    paths::post_message(common::id(&ticket)),
                    &token,
                    json!({"body": format!("Сообщение {m}")}),
                )
                .await;
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }));
    }
    for j in jobs {
        j.await.expect("writer");
    }
    let wrote = started.elapsed();
    let mut complete = 0;
    for r in readers {
        if r.await.expect("reader") == WRITERS * MESSAGES {
            complete += 1;
        }
    }
    let mut samples = Arc::try_unwrap(samples).expect("readers are done").into_inner();
    samples.sort();
    println!(
        "  latency, POST sent → event at each of {STREAMS} staff streams ({} messages from {WRITERS} writers in {:.1} s, {} samples, {complete}/{STREAMS} streams got every event): p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        WRITERS * MESSAGES,
        wrote.as_secs_f64(),
        samples.len(),
        percentile(&samples, 0.50),
        percentile(&samples, 0.99),
        percentile(&samples, 1.0),
    );
}

async fn burst(server: &BenchServer, http: &reqwest::Client, admin: &str) {
    let base = server.base.clone();
    // premium_plus: 30 contacts, no open-ticket limit.
    let clients = customer(http, &base, admin, "burst", "premium_plus", BURST_CLIENTS).await;
    let mut people = Vec::new();
    for i in 0..AGENTS {
        people.push(format!("agent-{i}@burst.bench"));
        staff(http, &base, admin, &people[i], "agent").await;
    }
    for i in 0..LEADS {
        let email = format!("lead-{i}@burst.bench");
        staff(http, &base, admin, &email, "support_lead").await;
        people.push(email);
    }
    let started = Instant::now();
    // Mails queued before (the staff accounts' invitations) are not the burst's.
    let burst_began = chrono::Utc::now();
    let mut jobs = Vec::new();
    for token in clients {
        let (http, base) = (http.clone(), base.clone());
        jobs.push(tokio::spawn(async move {
            for n in 0..BURST / BURST_CLIENTS {
                common::op(
                    &http,
                    &base,
                    paths::create_ticket(),
                    &token,
                    json!({"category": "consultation", "subject": format!("Лавина {n}"), "body": "?"}),
                )
                .await;
            }
        }));
    }
    for j in jobs {
        j.await.expect("client");
    }
    let took = started.elapsed();
    let mut tx = server.app.store.read().await.expect("the bench input is valid");
    let mut written = 0;
    for email in &people {
        let mut mine = 0;
        if let Some(id) = reglament_store::channels::user_by_email(&mut tx, email)
            .await
            .expect("the bench input is valid")
        {
            let p = reglament_store::PageRequest { limit: 1, offset: 0 };
            mine = reglament_store::notifications::list(&mut tx, UserId(id), false, p)
                .await
                .expect("the bench input is valid")
                .0
                .total;
        }
        written += mine;
    }
    tx.commit().await.expect("the bench input is valid");
    println!(
        "  burst: {BURST} tickets from {BURST_CLIENTS} clients in {:.1} s ({:.0}/s), each with its in-app notifications to {} staff in the same transaction: {written} written",
        took.as_secs_f64(),
        BURST as f64 / took.as_secs_f64(),
        AGENTS + LEADS,
    );
    // The server's mail loop runs every 5 s; wait out the fold window and one more round.
    tokio::time::sleep(Duration::from_secs(70)).await;
    server
        .app
        .notifications()
        .deliver_once()
        .await
        .expect("the bench input is valid");
    let mut tx = server.app.store.read().await.expect("the bench input is valid");
    let mut most = 0;
    let mut counts = Vec::new();
    for email in &people {
        let n = reglament_store::mail::list_for(&mut tx, email)
            .await
            .expect("the bench input is valid")
            .iter()
            .filter(|m| m.created_at >= burst_began)
            .count();
        most = most.max(n);
        counts.push(n);
    }
    tx.commit().await.expect("the bench input is valid");
    println!("  burst: notification mails per member of staff: {counts:?} (most {most}; aim ≤ 2)");
}

async fn memory(server: &BenchServer, http: &reqwest::Client, admin: &str) {
    let base = server.base.clone();
    let person = staff(http, &base, admin, "idle@memory.bench", "agent").await;
    let before = rss_mb();
    let mut open_streams = Vec::new();
    for _ in 0..IDLE_STREAMS {
        open_streams.push(open(http, &base, &stream_ticket(server, person).await).await);
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let connected = server.app.notifications().streams_connected();
    println!(
        "  memory: RSS {:.0} MB with {} open streams, {:.0} MB before opening them (+{:.1} MB; the server and the clients share this process), {} streams on the server",
        rss_mb(),
        open_streams.len(),
        before,
        rss_mb() - before,
        connected,
    );
    drop(open_streams);
}

async fn run(backend: Backend, name: &str) {
    println!("\n== live stream and notifications on {name}");
    let server = BenchServer::start(backend).await;
    // Many streams and writers at once: a pool with room for them.
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(1_000)
        .build()
        .expect("the bench input is valid");
    let admin = login(&http, &server.base, "admin@bench.test").await;
    // Memory first, on a fresh process's server.
    memory(&server, &http, &admin).await;
    latency(&server, &http, &admin).await;
    burst(&server, &http, &admin).await;
    server.stop().await;
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    run(Backend::Sqlite, "SQLite").await;
    if postgres_available().await {
        run(Backend::Postgres, "PostgreSQL").await;
    } else {
        println!("\nPostgreSQL is not reachable: measured on SQLite only");
    }
}
