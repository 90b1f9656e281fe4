//! Load benchmark at real size, on SQLite and on PostgreSQL (issues 4 and 11). Run with
//! `cargo bench -p reglament-server --bench load` (PostgreSQL at 127.0.0.1:5432; without it
//! only SQLite runs). `REGLAMENT_BENCH_TICKETS` (default 100,000) changes the size,
//! `REGLAMENT_BENCH_BACKENDS` (`sqlite,postgres`) the backends; with `REGLAMENT_BENCH_KEEP`
//! set the PostgreSQL database `reglament_bench` is kept for `EXPLAIN ANALYZE`.
//!
//! The data: 100 customers; one of them, on `premium_plus`, has 20 % of all tickets
//! (20,000 of 100,000), the others share the rest. Each customer has a key contact and two
//! clients in a team. Most tickets are closed, a quarter of the big customer's are open,
//! some are waiting, queued or overdue. Then 8 clients at once run each scenario and the
//! bench prints p50/p99 per scenario and backend, and the creation rate.
#![allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_wrap,
    clippy::cast_possible_truncation,
    clippy::too_many_lines
)]

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};
use common::{PASSWORD, login, percentile};
use reglament_api::paths;
use reglament_server::start;
use reglament_service::SystemClock;
use reglament_store::testing::{TempDir, pg_admin_url};
use serde_json::{Value, json};
use uuid::Uuid;

const DB: &str = "reglament_bench";
const CUSTOMERS: usize = 100;
const CLIENTS: usize = 8;
const REQUESTS_PER_CLIENT: usize = 250;

/// One row of the final table.
struct Row {
    backend: &'static str,
    scenario: String,
    p50: f64,
    p99: f64,
    extra: String,
}

fn row(backend: &'static str, scenario: &str, mut samples: Vec<Duration>, extra: String) -> Row {
    samples.sort();
    let r = Row {
        backend,
        scenario: scenario.to_owned(),
        p50: percentile(&samples, 0.5),
        p99: percentile(&samples, 0.99),
        extra,
    };
    println!(
        "  {:<52} p50 {:>7.2} ms   p99 {:>7.2} ms   {}",
        r.scenario, r.p50, r.p99, r.extra
    );
    r
}

/// The seeded people of one customer.
#[derive(Clone)]
struct Customer {
    id: Uuid,
    key_contact: String,
    team_member: String,
}

/// Rows to insert, the same on both backends.
struct Seed {
    customers: Vec<Customer>,
    now: DateTime<Utc>,
    tickets: usize,
}

/// Inserts the seed with the same SQL on either pool (`$n` placeholders, bound values).
macro_rules! seed_into {
    ($pool:expr, $seed:expr, $hash:expr) => {{
        let pool = $pool;
        let seed: &Seed = $seed;
        let now = seed.now;
        let mut authors: Vec<[Uuid; 3]> = Vec::new();
        for (i, c) in seed.customers.iter().enumerate() {
            let tier = if i == 0 { "premium_plus" } else { ["basic", "basic_plus", "premium", "premium_plus"][i % 4] };
            sqlx::query("INSERT INTO customers (id, name, name_key, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)")
                .bind(c.id).bind(format!("Заказчик {i:03}")).bind(format!("заказчик {i:03}")).bind(now)
                .execute(pool).await.expect("the bench input is valid");
            sqlx::query("INSERT INTO contracts (id, customer_id, tier_code, number, starts_on, ends_on, created_at, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $7)")
                .bind(Uuid::now_v7()).bind(c.id).bind(tier).bind(format!("Д-{i}"))
                .bind(chrono::NaiveDate::from_ymd_opt(2020, 1, 1).expect("the bench input is valid"))
                .bind(chrono::NaiveDate::from_ymd_opt(2099, 12, 31).expect("the bench input is valid")).bind(now)
                .execute(pool).await.expect("the bench input is valid");
            let team = Uuid::now_v7();
            sqlx::query("INSERT INTO teams (id, customer_id, name, name_key, created_at) VALUES ($1, $2, 'Команда', 'команда', $3)")
                .bind(team).bind(c.id).bind(now).execute(pool).await.expect("the bench input is valid");
            let ids = [Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7()];
            for (k, (id, email)) in ids.iter().zip([c.key_contact.clone(), c.team_member.clone(), format!("t2-{i}@bench.test")]).enumerate() {
                sqlx::query("INSERT INTO users (id, kind, email, full_name, password_hash, customer_id, team_id, is_key_contact, \
                             created_at, updated_at, name_key) VALUES ($1, 'client', $2, 'Клиент', $3, $4, $5, $6, $7, $7, 'клиент')")
                    .bind(*id).bind(email).bind($hash).bind(c.id).bind((k > 0).then_some(team)).bind(k == 0).bind(now)
                    .execute(pool).await.expect("the bench input is valid");
            }
            authors.push(ids);
        }
        const BATCH: usize = 500;
        let columns = "id, number, customer_id, author_id, category, subject, subject_key, body, channel, status, close_reason, \
            takes_slot, response_started_at, response_due_at, response_tier, response_schedule, awaiting_response, closed_at, \
            created_at, updated_at";
        let mut g = 0;
        while g < seed.tickets {
            let end = (g + BATCH).min(seed.tickets);
            let values: Vec<String> = (0..end - g)
                .map(|r| format!("({})", (1..=20).map(|k| format!("${}", r * 20 + k)).collect::<Vec<_>>().join(", ")))
                .collect();
            let sql = format!("INSERT INTO tickets ({columns}) VALUES {}", values.join(", "));
            let mut q = sqlx::query(&sql);
            for n in g..end {
                let t = ticket(seed, n);
                let author = authors[t.customer][t.author];
                q = q.bind(Uuid::now_v7()).bind(n as i64 + 1).bind(seed.customers[t.customer].id).bind(author)
                    .bind(t.category).bind(format!("Обращение {n}")).bind(format!("обращение {n}")).bind("Текст обращения")
                    .bind("portal").bind(t.status).bind(t.close_reason).bind(t.takes_slot)
                    .bind(t.started).bind(t.due).bind(t.started.map(|_| "premium_plus")).bind(t.started.map(|_| "24x7"))
                    .bind(t.awaiting).bind(t.closed_at).bind(t.created).bind(t.created);
            }
            q.execute(pool).await.expect("the bench input is valid");
            g = end;
        }
    }};
}

/// What ticket `n` of the seed is.
struct SeedTicket {
    customer: usize,
    author: usize,
    category: &'static str,
    status: &'static str,
    close_reason: Option<&'static str>,
    takes_slot: bool,
    awaiting: bool,
    started: Option<DateTime<Utc>>,
    due: Option<DateTime<Utc>>,
    closed_at: Option<DateTime<Utc>>,
    created: DateTime<Utc>,
}

fn ticket(seed: &Seed, n: usize) -> SeedTicket {
    let big = seed.tickets / 5;
    let customer = if n < big { 0 } else { 1 + (n - big) % (CUSTOMERS - 1) };
    let author = [0, 0, 1, 2][n % 4];
    let roll = n % 100;
    // The big customer has a backlog: a quarter open; the others about 3 %.
    let (status, awaiting) = match (customer == 0, roll) {
        (true, 0..25) | (false, 0..3) => ("open", true),
        (_, 25..28) => ("waiting_for_customer", false),
        (false, 28) => ("queued", false),
        _ => ("closed", false),
    };
    let created = seed.now - TimeDelta::hours((n % 5000) as i64);
    // Running cycles are due around now (about one in ten is overdue); answered and closed
    // tickets keep the due time of their last cycle, in the past, as the service leaves it.
    let due = if awaiting {
        Some(seed.now + TimeDelta::minutes((n % 997) as i64 - 100))
    } else {
        Some(created + TimeDelta::hours(1))
    };
    SeedTicket {
        customer,
        author,
        category: [
            "consultation",
            "bug",
            "improvement",
            "service_request",
            "licensing_billing",
        ][n % 5],
        status,
        close_reason: (status == "closed").then_some("resolved"),
        takes_slot: awaiting,
        awaiting,
        started: Some(created),
        due,
        closed_at: (status == "closed").then_some(created + TimeDelta::hours(5)),
        created,
    }
}

/// `CLIENTS` clients at once, each sending `REQUESTS_PER_CLIENT` requests made by `path(client, i)`.
async fn concurrent(
    http: &reqwest::Client,
    base: &str,
    tokens: &[String],
    path: impl Fn(usize, usize) -> String + Send + Sync + 'static,
) -> Vec<Duration> {
    let path = Arc::new(path);
    let workers: Vec<_> = tokens
        .iter()
        .enumerate()
        .map(|(k, token)| {
            let (http, base, token, path) = (http.clone(), base.to_owned(), token.clone(), Arc::clone(&path));
            tokio::spawn(async move {
                let mut samples = Vec::with_capacity(REQUESTS_PER_CLIENT);
                for i in 0..REQUESTS_PER_CLIENT {
                    let url = format!("{base}{}", path(k, i));
                    let t = Instant::now();
                    let res = http
                        .get(&url)
                        .bearer_auth(&token)
                        .send()
                        .await
                        .expect("the bench input is valid");
                    assert!(res.status().is_success(), "{url}: {}", res.status());
                    res.bytes().await.expect("the bench input is valid");
                    samples.push(t.elapsed());
                }
                samples
            })
        })
        .collect();
    let mut all = Vec::new();
    for w in workers {
        all.extend(w.await.expect("the bench input is valid"));
    }
    all
}

/// A page of 50 open tickets by due time from `offset`.
fn open_by_due(offset: usize) -> String {
    paths::list_tickets()
        .query("status", "open")
        .query("sort", "due")
        .query("limit", 50)
        .query("offset", offset)
        .url()
}

async fn get_json(http: &reqwest::Client, url: String, token: &str) -> Value {
    http.get(url)
        .bearer_auth(token)
        .send()
        .await
        .expect("the bench input is valid")
        .json()
        .await
        .expect("the bench input is valid")
}

/// Seeds `backend`, starts the server on it and runs every scenario.
async fn run_backend(backend: &'static str, tickets: usize, hash: &str) -> Vec<Row> {
    println!(
        "\n== {backend}: {tickets} tickets, {CUSTOMERS} customers, the largest with {}",
        tickets / 5
    );
    let data = TempDir::new();
    let url = if backend == "postgres" {
        let admin_url = pg_admin_url();
        let admin = sqlx::PgPool::connect(&admin_url)
            .await
            .expect("the bench input is valid");
        // Two statements: DROP DATABASE refuses to run inside the implicit transaction of a batch.
        for statement in [
            format!("DROP DATABASE IF EXISTS {DB} WITH (FORCE)"),
            format!("CREATE DATABASE {DB}"),
        ] {
            sqlx::raw_sql(&statement)
                .execute(&admin)
                .await
                .expect("the bench input is valid");
        }
        format!(
            "{}/{DB}",
            admin_url.rsplit_once('/').expect("the bench input is valid").0
        )
    } else {
        format!("sqlite://{}/bench.db", data.path().display())
    };
    let store = reglament_store::Store::connect(&url, 4)
        .await
        .expect("the bench input is valid");
    store.migrate(Utc::now()).await.expect("the bench input is valid");
    store.close().await;
    let seed = Seed {
        customers: (0..CUSTOMERS)
            .map(|i| Customer {
                id: Uuid::now_v7(),
                key_contact: format!("kc-{i}@bench.test"),
                team_member: format!("t1-{i}@bench.test"),
            })
            .collect(),
        now: reglament_store::micros(Utc::now()),
        tickets,
    };
    let started = Instant::now();
    if backend == "postgres" {
        let pool = sqlx::PgPool::connect(&url).await.expect("the bench input is valid");
        seed_into!(&pool, &seed, hash);
        sqlx::raw_sql(&format!("SELECT setval('ticket_number_seq', {tickets})"))
            .execute(&pool)
            .await
            .expect("the bench input is valid");
        // What autovacuum does to a table after inserts: statistics and the visibility map
        // (index-only scans need it).
        sqlx::raw_sql("VACUUM (ANALYZE) tickets, users, customers, teams, contracts")
            .execute(&pool)
            .await
            .expect("the bench input is valid");
        pool.close().await;
    } else {
        let pool = sqlx::SqlitePool::connect(&url).await.expect("the bench input is valid");
        seed_into!(&pool, &seed, hash);
        sqlx::raw_sql(&format!(
            "UPDATE counters SET value = {tickets} WHERE name = 'ticket_number'; ANALYZE;"
        ))
        .execute(&pool)
        .await
        .expect("the bench input is valid");
        pool.close().await;
    }
    println!("  seeded in {:.1} s", started.elapsed().as_secs_f64());

    let config = common::config(&url, data.path());
    let running = start(&config, Arc::new(SystemClock))
        .await
        .expect("the bench input is valid");
    let base = format!("http://127.0.0.1:{}", running.port);
    let server = running.server.handle();
    tokio::spawn(running.server);
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()
        .expect("the bench input is valid");
    let big = seed.customers[0].clone();
    let admin = login(&http, &base, "admin@bench.test").await;
    let key_contact = login(&http, &base, &big.key_contact).await;
    let team_member = login(&http, &base, &big.team_member).await;
    let same = |token: &str| vec![token.to_owned(); CLIENTS];
    let mut rows = Vec::new();

    // How many of the big customer's tickets are open, to spread offsets over all pages:
    // counted by walking the cursor (the list's `total` stops counting at 1,000).
    let mut open = 0_i64;
    let mut url = format!(
        "{base}{}",
        paths::list_tickets().query("status", "open").query("limit", 200).url()
    );
    loop {
        let page = get_json(&http, url.clone(), &key_contact).await;
        open += page["items"].as_array().map_or(0, Vec::len) as i64;
        match page["next_cursor"].as_str() {
            Some(cursor) => {
                url = format!(
                    "{base}{}",
                    paths::list_tickets()
                        .query("status", "open")
                        .query("limit", 200)
                        .query("cursor", cursor)
                        .url()
                );
            }
            None => break,
        }
    }
    let open_pages = (open / 50).max(1) as usize;
    concurrent(&http, &base, &same(&key_contact), |_, i| {
        paths::list_tickets().query("limit", 50).query("offset", i * 50).url()
    })
    .await;

    let samples = concurrent(&http, &base, &same(&key_contact), move |k, i| {
        let offset = ((k * 31 + i * 7) % open_pages) * 50;
        paths::list_tickets()
            .query("status", "open")
            .query("limit", 50)
            .query("offset", offset)
            .url()
    })
    .await;
    rows.push(row(
        backend,
        "key contact: open, newest first, any offset",
        samples,
        format!("{open} open, {open_pages} pages"),
    ));
    let samples = concurrent(&http, &base, &same(&key_contact), move |k, i| {
        let offset = ((k * 31 + i * 7) % open_pages) * 50;
        open_by_due(offset)
    })
    .await;
    rows.push(row(
        backend,
        "key contact: open, by due, any offset",
        samples,
        String::new(),
    ));
    let samples = concurrent(&http, &base, &same(&key_contact), |k, i| {
        paths::list_tickets()
            .query("limit", 50)
            .query("offset", ((k * 13 + i) % 40) * 50)
            .url()
    })
    .await;
    rows.push(row(
        backend,
        "key contact: all tickets, first 40 pages",
        samples,
        format!("{} tickets", tickets / 5),
    ));
    // Keyset: walk every page of all the customer's tickets by due time.
    let mut walk = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let op = paths::list_tickets()
            .query("sort", "due")
            .query("limit", 50)
            .query_opt("cursor", cursor.as_ref());
        let url = format!("{base}{}", op.url());
        let t = Instant::now();
        let page = get_json(&http, url, &key_contact).await;
        walk.push(t.elapsed());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    let pages = walk.len();
    rows.push(row(
        backend,
        "key contact: every page by cursor (1 client)",
        walk,
        format!("{pages} pages"),
    ));
    let samples = concurrent(&http, &base, &same(&team_member), |k, i| {
        paths::list_tickets()
            .query("limit", 50)
            .query("offset", ((k * 13 + i) % 20) * 50)
            .url()
    })
    .await;
    rows.push(row(
        backend,
        "team member: own and team's, first 20 pages",
        samples,
        String::new(),
    ));
    let samples = concurrent(&http, &base, &same(&key_contact), |_, _| paths::overdue().url()).await;
    rows.push(row(backend, "key contact: GET /sla/overdue", samples, String::new()));
    let samples = concurrent(&http, &base, &same(&admin), |k, i| {
        let offset = ((k + i) % 10) * 50;
        open_by_due(offset)
    })
    .await;
    rows.push(row(
        backend,
        "staff: work queue (open, by due), first 10 pages",
        samples,
        String::new(),
    ));
    let ids: Vec<Uuid> = seed.customers.iter().map(|c| c.id).collect();
    let samples = concurrent(&http, &base, &same(&admin), move |k, i| {
        let customer = ids[(k * 17 + i) % ids.len()];
        paths::list_tickets()
            .query("customer_id", customer)
            .query("sort", "due")
            .query("limit", 50)
            .url()
    })
    .await;
    rows.push(row(backend, "staff: one customer by due", samples, String::new()));
    let samples = concurrent(&http, &base, &same(&admin), |_, _| {
        paths::list_tickets()
            .query("overdue", true)
            .query("sort", "due")
            .query("limit", 50)
            .url()
    })
    .await;
    rows.push(row(backend, "staff: overdue list", samples, String::new()));
    let samples = concurrent(&http, &base, &same(&admin), |_, _| paths::overdue().url()).await;
    rows.push(row(backend, "staff: GET /sla/overdue", samples, String::new()));
    // A CI script with an API token asks the same (8 copies at once).
    let created = http
        .post(format!("{base}{}", paths::create_api_token().url()))
        .bearer_auth(&admin)
        .json(&json!({"name": "bench overdue check", "scopes": ["sla:read"]}))
        .send()
        .await
        .expect("the bench input is valid")
        .json::<Value>()
        .await
        .expect("the bench input is valid");
    let script = created["token"].as_str().expect("the bench input is valid").to_owned();
    let samples = concurrent(&http, &base, &same(&script), |_, _| paths::overdue().url()).await;
    rows.push(row(backend, "API token: GET /sla/overdue", samples, String::new()));

    // Creation: the key contacts of 8 customers on unlimited tiers, at once.
    let mut creators = Vec::new();
    for c in seed
        .customers
        .iter()
        .enumerate()
        .filter(|(i, _)| *i == 0 || i % 4 >= 2)
        .take(CLIENTS)
    {
        creators.push(login(&http, &base, &c.1.key_contact).await);
    }
    let started = Instant::now();
    let workers: Vec<_> = creators
        .iter()
        .map(|token| {
            let (http, base, token) = (http.clone(), base.clone(), token.clone());
            tokio::spawn(async move {
                let mut samples = Vec::new();
                for _ in 0..REQUESTS_PER_CLIENT {
                    let t = Instant::now();
                    let res = http
                        .post(format!("{base}{}", paths::create_ticket().url()))
                        .bearer_auth(&token)
                        .json(&json!({"category": "consultation", "subject": "Нагрузка", "body": "Текст"}))
                        .send()
                        .await
                        .expect("the bench input is valid");
                    assert_eq!(res.status().as_u16(), 201);
                    res.bytes().await.expect("the bench input is valid");
                    samples.push(t.elapsed());
                }
                samples
            })
        })
        .collect();
    let mut samples = Vec::new();
    for w in workers {
        samples.extend(w.await.expect("the bench input is valid"));
    }
    let rate = samples.len() as f64 / started.elapsed().as_secs_f64();
    rows.push(row(
        backend,
        "clients: create a ticket",
        samples,
        format!("{rate:.0} tickets/s"),
    ));
    server.stop(true).await;
    if backend == "postgres" && std::env::var("REGLAMENT_BENCH_KEEP").is_err() {
        let admin = sqlx::PgPool::connect(&pg_admin_url())
            .await
            .expect("the bench input is valid");
        let _ = sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS {DB} WITH (FORCE)"))
            .execute(&admin)
            .await;
    }
    rows
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let tickets: usize = std::env::var("REGLAMENT_BENCH_TICKETS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let backends = std::env::var("REGLAMENT_BENCH_BACKENDS").unwrap_or_else(|_| "sqlite,postgres".to_owned());
    let hash = reglament_service::accounts::passwords::hash_password(PASSWORD.to_owned())
        .await
        .expect("the bench input is valid");
    let mut rows = Vec::new();
    for backend in backends.split(',').map(str::trim) {
        match backend {
            "sqlite" => rows.extend(run_backend("sqlite", tickets, &hash).await),
            "postgres" if reglament_store::testing::postgres_available().await => {
                rows.extend(run_backend("postgres", tickets, &hash).await);
            }
            "postgres" => println!("\nPostgreSQL is not reachable at 127.0.0.1:5432: skipped"),
            other => println!("\nunknown backend {other:?}: skipped"),
        }
    }
    println!("\n{CLIENTS} clients at once, {tickets} tickets; p50 / p99 in ms");
    println!("| scenario | SQLite | PostgreSQL |\n|---|---|---|");
    let scenarios: Vec<String> = rows.iter().map(|r| r.scenario.clone()).fold(Vec::new(), |mut acc, s| {
        if !acc.contains(&s) {
            acc.push(s);
        }
        acc
    });
    for s in scenarios {
        let cell = |b: &str| {
            rows.iter().find(|r| r.backend == b && r.scenario == s).map_or_else(
                || "—".to_owned(),
                |r| format!("{:.1} / {:.1} {}", r.p50, r.p99, r.extra).trim().to_owned(),
            )
        };
        println!("| {s} | {} | {} |", cell("sqlite"), cell("postgres"));
    }
}
