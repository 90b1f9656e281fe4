//! Booking throughput and the capacity query on PostgreSQL (issue 9), next to pgbench on
//! the same server in the same run. `cargo bench -p reglament-server --bench bookings`
//! (PostgreSQL at 127.0.0.1:5432, `pgbench` on the PATH; without PostgreSQL it says so and
//! stops). `REGLAMENT_BENCH_KEEP` keeps the database `reglament_bench_bookings`.
//!
//! The data: 1,000 customers, each with a certificate and a key contact, and 50
//! specialists. Then:
//! 1. throughput: 32 key contacts at once book 1–3 hours in one of the next open months,
//!    4,000 bookings in all; each booking locks its month (R-BK-5);
//! 2. the last free hours: a month filled to 100 hours below its capacity takes 400
//!    bookings of 1 hour at once; exactly 100 must succeed;
//! 3. the capacity query (`GET /bookings/capacity?months=12`) by staff (hours by customer
//!    for 1,000 customers) and by a client, 8 at once, p50 and p99;
//! 4. pgbench: the built-in TPC-B-like and select-only runs, 8 clients, 10 s each.
#![allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_wrap,
    clippy::cast_possible_truncation,
    clippy::too_many_lines
)]

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use common::{PASSWORD, login, percentile};
use reglament_api::MonthCapacity;
use reglament_api::paths;
use reglament_server::start;
use reglament_service::SystemClock;
use reglament_store::testing::{TempDir, pg_admin_url};
use serde_json::json;
use uuid::Uuid;

const DB: &str = "reglament_bench_bookings";
const CUSTOMERS: usize = 1_000;
const SPECIALISTS: usize = 50;
const BOOKERS: usize = 32;
const BOOKINGS: usize = 4_000;
const LAST_HOURS: i64 = 100;
const LAST_REQUESTS: usize = 400;

fn report(name: &str, mut samples: Vec<Duration>, extra: &str) {
    samples.sort();
    println!(
        "  {name:<46} p50 {:>7.2} ms   p99 {:>7.2} ms   {extra}",
        percentile(&samples, 0.5),
        percentile(&samples, 0.99)
    );
}

/// Sends `requests` bookings from `tokens.len()` clients at once; `pick(i)` says who books
/// which month and how many hours. Answers the latencies and how many were booked.
async fn book_all(
    http: &reqwest::Client,
    base: &str,
    tokens: Arc<Vec<String>>,
    clients: usize,
    requests: usize,
    pick: Arc<dyn Fn(usize) -> (usize, String, i64) + Send + Sync>,
) -> (Vec<Duration>, usize, usize) {
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let workers: Vec<_> = (0..clients)
        .map(|_| {
            let (http, base, tokens, pick, next) = (
                http.clone(),
                base.to_owned(),
                Arc::clone(&tokens),
                Arc::clone(&pick),
                Arc::clone(&next),
            );
            tokio::spawn(async move {
                let (mut samples, mut booked, mut refused) = (Vec::new(), 0, 0);
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if i >= requests {
                        break;
                    }
                    let (who, month, hours) = pick(i);
                    let t = Instant::now();
                    let res = http
                        .post(format!("{base}{}", paths::create_booking().url()))
                        .bearer_auth(&tokens[who])
                        .json(&json!({"month": month, "hours": hours}))
                        .send()
                        .await
                        .expect("the bench input is valid");
                    let status = res.status().as_u16();
                    let body = res.text().await.expect("the bench input is valid");
                    samples.push(t.elapsed());
                    match status {
                        201 => booked += 1,
                        422 if body.contains("capacity_exceeded") => refused += 1,
                        _ => panic!("booking answered {status}: {body}"),
                    }
                }
                (samples, booked, refused)
            })
        })
        .collect();
    let (mut all, mut booked, mut refused) = (Vec::new(), 0, 0);
    for w in workers {
        let (s, b, r) = w.await.expect("the bench input is valid");
        all.extend(s);
        booked += b;
        refused += r;
    }
    (all, booked, refused)
}

async fn capacity(http: &reqwest::Client, base: &str, token: &str, query: &str) -> Vec<MonthCapacity> {
    http.get(format!("{base}{}", paths::booking_capacity().raw_query(query).url()))
        .bearer_auth(token)
        .send()
        .await
        .expect("the bench input is valid")
        .json()
        .await
        .expect("the bench input is valid")
}

fn pgbench(url: &str, args: &[&str]) -> String {
    let out = std::process::Command::new("pgbench")
        .args(args)
        .arg(url)
        .output()
        .expect("pgbench runs");
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "pgbench {args:?}: {text}");
    text.lines()
        .find(|l| l.starts_with("tps = "))
        .map_or_else(|| text.clone(), |l| l.trim().to_owned())
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let admin_url = pg_admin_url();
    let Ok(admin) = sqlx::PgPool::connect(&admin_url).await else {
        println!("bookings bench: PostgreSQL is not reachable at {admin_url}; nothing measured");
        return;
    };
    for statement in [
        format!("DROP DATABASE IF EXISTS {DB} WITH (FORCE)"),
        format!("CREATE DATABASE {DB}"),
        "DROP DATABASE IF EXISTS reglament_pgbench WITH (FORCE)".to_owned(),
        "CREATE DATABASE reglament_pgbench".to_owned(),
    ] {
        sqlx::raw_sql(&statement)
            .execute(&admin)
            .await
            .expect("the bench input is valid");
    }
    let server_url = admin_url
        .rsplit_once('/')
        .expect("the bench input is valid")
        .0
        .to_owned();
    let url = format!("{server_url}/{DB}");
    println!("\n== bookings on PostgreSQL: {CUSTOMERS} customers with certificates, {SPECIALISTS} specialists");

    let store = reglament_store::Store::connect(&url, 4)
        .await
        .expect("the bench input is valid");
    store.migrate(Utc::now()).await.expect("the bench input is valid");
    store.close().await;
    let started = Instant::now();
    let pool = sqlx::PgPool::connect(&url).await.expect("the bench input is valid");
    let hash = reglament_service::accounts::passwords::hash_password(PASSWORD.to_owned())
        .await
        .expect("the bench input is valid");
    let now = reglament_store::micros(Utc::now());
    let from = chrono::NaiveDate::from_ymd_opt(2020, 1, 1).expect("the bench input is valid");
    let until = chrono::NaiveDate::from_ymd_opt(2099, 12, 31).expect("the bench input is valid");
    let admin_id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO users (id, kind, email, full_name, password_hash, role, created_at, updated_at, name_key) \
         VALUES ($1, 'staff', 'planner@bench.test', 'Планировщик', $2, 'account_manager', $3, $3, 'планировщик')",
    )
    .bind(admin_id)
    .bind(&hash)
    .bind(now)
    .execute(&pool)
    .await
    .expect("the bench input is valid");
    for s in 0..SPECIALISTS {
        sqlx::query(
            "INSERT INTO users (id, kind, email, full_name, password_hash, role, created_at, updated_at, name_key) \
             VALUES ($1, 'staff', $2, 'Специалист', $3, 'specialist', $4, $4, 'специалист')",
        )
        .bind(Uuid::now_v7())
        .bind(format!("spec-{s}@bench.test"))
        .bind(&hash)
        .bind(now)
        .execute(&pool)
        .await
        .expect("the bench input is valid");
    }
    for i in 0..CUSTOMERS {
        let customer = Uuid::now_v7();
        sqlx::query("INSERT INTO customers (id, name, name_key, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)")
            .bind(customer)
            .bind(format!("Заказчик {i:04}"))
            .bind(format!("заказчик {i:04}"))
            .bind(now)
            .execute(&pool)
            .await
            .expect("the bench input is valid");
        sqlx::query(
            "INSERT INTO certificates (id, customer_id, number, hours, valid_from, valid_until, created_by, created_at) \
             VALUES ($1, $2, $3, 100000, $4, $5, $6, $7)",
        )
        .bind(Uuid::now_v7())
        .bind(customer)
        .bind(format!("ПС-{i}"))
        .bind(from)
        .bind(until)
        .bind(admin_id)
        .bind(now)
        .execute(&pool)
        .await
        .expect("the bench input is valid");
        sqlx::query(
            "INSERT INTO users (id, kind, email, full_name, password_hash, customer_id, is_key_contact, created_at, \
             updated_at, name_key) VALUES ($1, 'client', $2, 'Клиент', $3, $4, TRUE, $5, $5, 'клиент')",
        )
        .bind(Uuid::now_v7())
        .bind(format!("kc-{i}@bench.test"))
        .bind(&hash)
        .bind(customer)
        .bind(now)
        .execute(&pool)
        .await
        .expect("the bench input is valid");
    }
    sqlx::raw_sql("VACUUM (ANALYZE)")
        .execute(&pool)
        .await
        .expect("the bench input is valid");
    println!("  seeded in {:.1} s", started.elapsed().as_secs_f64());

    let data = TempDir::new();
    let config = common::config(&url, data.path());
    let running = start(&config, Arc::new(SystemClock))
        .await
        .expect("the bench input is valid");
    let base = format!("http://127.0.0.1:{}", running.port);
    let handle = running.server.handle();
    tokio::spawn(running.server);
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()
        .expect("the bench input is valid");

    // Every key contact signs in (argon2 per sign-in: 16 at once).
    let started = Instant::now();
    let mut tokens = vec![String::new(); CUSTOMERS];
    for chunk in (0..CUSTOMERS).collect::<Vec<_>>().chunks(16) {
        let emails: Vec<String> = chunk.iter().map(|i| format!("kc-{i}@bench.test")).collect();
        let logins = emails.iter().map(|e| login(&http, &base, e));
        for (i, token) in chunk.iter().zip(futures_util::future::join_all(logins).await) {
            tokens[*i] = token;
        }
    }
    println!(
        "  {CUSTOMERS} key contacts signed in in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let tokens = Arc::new(tokens);
    let planner = login(&http, &base, "planner@bench.test").await;
    let months: Vec<MonthCapacity> = capacity(&http, &base, &planner, "months=12")
        .await
        .into_iter()
        .filter(|m| m.open)
        .collect();
    assert!(months.len() >= 6, "six months open for booking");
    println!(
        "  capacity: {} h in {} ({} working days, {} shortened), {SPECIALISTS} specialists",
        months[0].capacity_hours, months[0].month, months[0].working_days, months[0].shortened_days
    );

    // 1. Throughput: spread over the first five open months.
    let spread: Vec<String> = months.iter().take(5).map(|m| m.month.to_string()).collect();
    let pick = Arc::new(move |i: usize| (i * 7 % CUSTOMERS, spread[i % spread.len()].clone(), (i % 3 + 1) as i64));
    let started = Instant::now();
    let (samples, booked, refused) = book_all(&http, &base, Arc::clone(&tokens), BOOKERS, BOOKINGS, pick).await;
    let secs = started.elapsed().as_secs_f64();
    report(
        &format!("book: {BOOKERS} at once, 5 months"),
        samples,
        &format!(
            "{booked} booked, {refused} refused, {:.0} bookings/s",
            booked as f64 / secs
        ),
    );

    // 2. The last free hours of one month, 400 requests at once.
    let last = months[5].clone();
    let fill = last.capacity_hours - LAST_HOURS;
    let res = http
        .post(format!("{base}{}", paths::create_booking().url()))
        .bearer_auth(&tokens[0])
        .json(&json!({"month": last.month, "hours": fill}))
        .send()
        .await
        .expect("the bench input is valid");
    assert_eq!(res.status().as_u16(), 201, "{}", res.text().await.unwrap_or_default());
    let month = last.month.to_string();
    let pick = Arc::new(move |i: usize| (i % CUSTOMERS, month.clone(), 1));
    let started = Instant::now();
    let (samples, booked, refused) =
        book_all(&http, &base, Arc::clone(&tokens), LAST_REQUESTS, LAST_REQUESTS, pick).await;
    let secs = started.elapsed().as_secs_f64();
    report(
        &format!("book the last {LAST_HOURS} h: {LAST_REQUESTS} at once"),
        samples,
        &format!(
            "{booked} booked, {refused} refused, {:.0} answers/s",
            LAST_REQUESTS as f64 / secs
        ),
    );
    assert_eq!(booked, LAST_HOURS as usize, "R-BK-5: exactly the free hours");
    let after = capacity(&http, &base, &planner, &format!("from={}&months=1", last.month)).await;
    assert_eq!(
        after[0].booked_hours, after[0].capacity_hours,
        "R-BK-5: never above the capacity"
    );

    // 3. The capacity query.
    for (who, token, query) in [
        ("staff", planner.clone(), "months=12"),
        ("client", tokens[1].clone(), "months=6"),
    ] {
        let mut samples = Vec::new();
        let runs = (0..8).map(|_| {
            let (http, base, token) = (http.clone(), base.clone(), token.clone());
            async move {
                let mut s = Vec::new();
                for _ in 0..250 {
                    let t = Instant::now();
                    let months = capacity(&http, &base, &token, query).await;
                    s.push(t.elapsed());
                    assert!(!months.is_empty());
                }
                s
            }
        });
        for s in futures_util::future::join_all(runs).await {
            samples.extend(s);
        }
        report(
            &format!("capacity query ({who}, {query}), 8 at once"),
            samples,
            &format!("{CUSTOMERS} customers booked"),
        );
    }
    handle.stop(true).await;

    // 4. pgbench on the same server, same run.
    let pg = format!("{server_url}/reglament_pgbench");
    pgbench(&pg, &["-i", "-q", "-s", "10"]);
    println!(
        "  pgbench TPC-B-like, 8 clients, 10 s:           {}",
        pgbench(&pg, &["-c", "8", "-j", "2", "-T", "10"])
    );
    println!(
        "  pgbench select-only, 8 clients, 10 s:          {}",
        pgbench(&pg, &["-S", "-c", "8", "-j", "2", "-T", "10"])
    );
    pool.close().await;
    if std::env::var_os("REGLAMENT_BENCH_KEEP").is_none() {
        for statement in [
            format!("DROP DATABASE IF EXISTS {DB} WITH (FORCE)"),
            "DROP DATABASE IF EXISTS reglament_pgbench WITH (FORCE)".to_owned(),
        ] {
            let _ = sqlx::raw_sql(&statement).execute(&admin).await;
        }
    }
}
