//! How many mails a second the intake turns into tickets (R-CH-2), next to the portal's
//! creation rate in the same run, on SQLite and PostgreSQL.
//!
//! 1,000 messages from 25 registered clients (the premium_plus tier, no open-ticket limit) are put into a real IMAP mailbox (the local
//! dovecot, started as `cargo xtask dovecot` does) and read by the intake exactly as the
//! server's loop reads them: fetch, parse, open the ticket through the intake, queue the
//! confirmation mail, mark the message seen, one message after another. Then 1,000
//! tickets go through `POST /api/v1/tickets`, one at a time and 16 at once.
//!
//! `cargo bench -p reglament-server --bench mail_intake`

mod common;
#[path = "../../../xtask/src/dovecot.rs"]
mod dovecot;

use std::time::{Duration, Instant};

use common::{BenchServer, PASSWORD, login};
use reglament_api::paths;
use reglament_channels::imap::{self, ImapSettings};
use reglament_store::Backend;
use reglament_store::testing::postgres_available;
use serde_json::json;

const MAILS: usize = 1_000;
/// The contacts premium_plus allows are 30.
const CLIENTS: usize = 25;
const PORTAL_TICKETS: usize = 1_000;
const AT_ONCE: usize = 16;

fn raw_mail(client: usize, n: usize) -> String {
    format!(
        "From: Client {client} <client-{client}@bench.test>\r\nTo: support@vendor.test\r\n\
         Subject: =?utf-8?B?0JLQvtC/0YDQvtGB?= {n}\r\nMessage-ID: <bench-{n}@bench.test>\r\n\
         MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n\
         Добрый день! Вопрос номер {n} по настройке агента.\r\n\r\n-- \r\nКлиент {client}\r\n"
    )
}

async fn run(backend: Backend, name: &str) {
    let server = BenchServer::start(backend).await;
    let base = server.base.clone();
    let app = server.app.clone();
    let http = reqwest::Client::new();
    let admin = login(&http, &base, "admin@bench.test").await;
    let customer = common::op(
        &http,
        &base,
        paths::create_customer(),
        &admin,
        json!({"name": "Почтовый заказчик"}),
    )
    .await;
    let id = customer["id"].as_str().expect("the bench input is valid").to_owned();
    let year = chrono::Utc::now().format("%Y").to_string();
    common::op(
        &http,
        &base,
        paths::create_contract(common::id(&id)),
        &admin,
        json!({"tier_code": "premium_plus", "number": "Д-1", "starts_on": format!("{year}-01-01"), "ends_on": format!("{year}-12-31")}),
    )
    .await;
    for c in 0..CLIENTS {
        common::op(
            &http,
            &base,
            paths::create_client(common::id(&id)),
            &admin,
            json!({"email": format!("client-{c}@bench.test"), "full_name": format!("Клиент {c}"), "password": PASSWORD}),
        )
        .await;
    }

    let settings = ImapSettings {
        url: format!("imap://127.0.0.1:{}", dovecot::PORT),
        user: format!("bench-{}", uuid::Uuid::now_v7().simple()),
        password: dovecot::PASSWORD.to_owned(),
        folder: "INBOX".to_owned(),
        poll: Duration::from_secs(1),
    };
    let started = Instant::now();
    let mut session = imap::connect(&settings).await.expect("the local dovecot runs");
    for n in 0..MAILS {
        session
            .append("INBOX", None, None, raw_mail(n % CLIENTS, n).as_bytes())
            .await
            .expect("APPEND");
    }
    println!(
        "  {MAILS} messages put into the mailbox in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    let taken = imap::process_unseen(&app, &mut session)
        .await
        .expect("the intake round");
    let mail_secs = started.elapsed().as_secs_f64();
    assert_eq!(taken, MAILS);
    session.logout().await.expect("logout");

    let tokens: Vec<String> = {
        let mut t = Vec::new();
        for c in 0..AT_ONCE {
            t.push(login(&http, &base, &format!("client-{c}@bench.test")).await);
        }
        t
    };
    let ticket = |n: usize| json!({"category": "consultation", "subject": format!("Портал {n}"), "body": "Вопрос по настройке агента."});
    let started = Instant::now();
    for n in 0..PORTAL_TICKETS {
        common::op(&http, &base, paths::create_ticket(), &tokens[n % AT_ONCE], ticket(n)).await;
    }
    let one_secs = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (w, token) in tokens.iter().enumerate() {
        let (http, base, token) = (http.clone(), base.clone(), token.clone());
        tasks.push(tokio::spawn(async move {
            for n in (w..PORTAL_TICKETS).step_by(AT_ONCE) {
                common::op(&http, &base, paths::create_ticket(), &token, ticket(n)).await;
            }
        }));
    }
    for t in tasks {
        t.await.expect("the bench input is valid");
    }
    let many_secs = started.elapsed().as_secs_f64();

    println!("\n== mail intake vs portal on {name} ({MAILS} mails, {PORTAL_TICKETS} portal tickets each way)");
    println!(
        "  mail intake: IMAP fetch, parse, ticket, confirmation mail, \\Seen   {:>7.0} mails/s    ({mail_secs:.1} s)",
        MAILS as f64 / mail_secs
    );
    println!(
        "  portal POST /tickets, one at a time                               {:>7.0} tickets/s  ({one_secs:.1} s)",
        PORTAL_TICKETS as f64 / one_secs
    );
    println!(
        "  portal POST /tickets, {AT_ONCE} at once                                 {:>7.0} tickets/s  ({many_secs:.1} s)",
        PORTAL_TICKETS as f64 / many_secs
    );
    server.stop().await;
}

#[tokio::main]
async fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    dovecot::ensure_running().expect("the local dovecot runs: `cargo xtask dovecot` installs and starts it");
    run(Backend::Sqlite, "SQLite").await;
    if postgres_available().await {
        run(Backend::Postgres, "PostgreSQL").await;
    }
}
