//! Load benchmark on PostgreSQL with 1,000,000 tickets (issue 4). Run with
//! `cargo bench -p reglament-server --bench load` (PostgreSQL at 127.0.0.1:5432;
//! `REGLAMENT_BENCH_TICKETS` changes the size). It prints: tickets created per second
//! beside pgbench's raw insert rate on the same machine, and p50/p99 of the ticket
//! list (50 rows, filtered by customer and status, sorted by due time) and of
//! `/api/v1/sla/overdue`.
#![allow(clippy::unwrap_used, clippy::cast_precision_loss)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use reglament_server::{Config, start};
use reglament_service::SystemClock;
use reglament_store::testing::pg_admin_url;
use serde_json::{Value, json};

const DB: &str = "reglament_bench";
const CUSTOMERS: i64 = 1000;
const PASSWORD: &str = "bench-password-1";

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn report(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    println!(
        "{name:<34} p50 {:>7.2} ms   p99 {:>7.2} ms   ({} requests)",
        percentile(&samples, 0.5),
        percentile(&samples, 0.99),
        samples.len()
    );
}

async fn sql(pool: &sqlx::PgPool, text: &str) {
    sqlx::raw_sql(text)
        .execute(pool)
        .await
        .unwrap_or_else(|e| panic!("{e}: {text}"));
}

/// Requests per second that `tokens.len()` clients complete in 10 s, each sending
/// `request` with its own token as fast as answers come.
async fn rate(
    http: &reqwest::Client,
    base: &str,
    tokens: &[String],
    request: fn(&reqwest::Client, &str) -> reqwest::RequestBuilder,
) -> f64 {
    let deadline = Instant::now() + Duration::from_secs(10);
    let started = Instant::now();
    let workers: Vec<_> = tokens
        .iter()
        .map(|token| {
            let (http, base, token) = (http.clone(), base.to_owned(), token.clone());
            tokio::spawn(async move {
                let mut n = 0_u64;
                while Instant::now() < deadline {
                    let res = request(&http, &base).bearer_auth(&token).send().await.unwrap();
                    assert!(res.status().is_success(), "{}", res.status());
                    res.bytes().await.unwrap();
                    n += 1;
                }
                n
            })
        })
        .collect();
    let mut done = 0;
    for w in workers {
        done += w.await.unwrap();
    }
    done as f64 / started.elapsed().as_secs_f64()
}

/// pgbench's `tps = …` line for `script`: 32 clients, 2 threads, 10 s.
fn pgbench(script: &std::path::Path) -> Result<String, std::io::Error> {
    let out = std::process::Command::new("pgbench")
        .args([
            "-n",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-c",
            "32",
            "-j",
            "2",
            "-T",
            "10",
            "-f",
        ])
        .arg(script)
        .arg(DB)
        .output()?;
    let text = String::from_utf8_lossy(&out.stdout);
    Ok(text.lines().find(|l| l.starts_with("tps")).map_or_else(
        || format!("tps = ? ({})", String::from_utf8_lossy(&out.stderr).trim()),
        str::to_owned,
    ))
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let tickets: i64 = std::env::var("REGLAMENT_BENCH_TICKETS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let admin_url = pg_admin_url();
    let admin = sqlx::PgPool::connect(&admin_url)
        .await
        .expect("PostgreSQL at 127.0.0.1:5432");
    sql(&admin, &format!("DROP DATABASE IF EXISTS {DB} WITH (FORCE)")).await;
    sql(&admin, &format!("CREATE DATABASE {DB}")).await;
    let url = format!("{}/{DB}", admin_url.rsplit_once('/').unwrap().0);
    let store = reglament_store::Store::connect(&url, 4).await.unwrap();
    store.migrate(chrono::Utc::now()).await.unwrap();
    store.close().await;

    // Seed: 1000 customers (tiers in turn) with one key contact each; tickets mostly
    // closed, about 2 % in work with due times around now (a few overdue), as in a live portal.
    let started = Instant::now();
    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    let hash = reglament_service::auth::hash_password(PASSWORD.to_owned())
        .await
        .unwrap();
    sql(&pool, &format!(
        "INSERT INTO customers (id, name, name_key, created_at, updated_at)
           SELECT gen_random_uuid(), 'Заказчик ' || g, 'заказчик ' || g, now(), now() FROM generate_series(1, {CUSTOMERS}) g;
         INSERT INTO contracts (id, customer_id, tier_code, number, starts_on, ends_on, created_at, updated_at)
           SELECT gen_random_uuid(), id, (ARRAY['basic','basic_plus','premium','premium_plus'])[1 + (row_number() OVER (ORDER BY id)) % 4],
                  'B-1', date '2020-01-01', date '2099-12-31', now(), now() FROM customers;
         INSERT INTO users (id, kind, email, full_name, password_hash, customer_id, is_key_contact, created_at, updated_at, name_key)
           SELECT gen_random_uuid(), 'client', 'client' || row_number() OVER (ORDER BY id) || '@bench.test', 'Клиент', '{hash}', id, TRUE, now(), now(), 'клиент'
           FROM customers;"
    )).await;
    sql(&pool, &format!(
        "CREATE TEMP TABLE cu AS SELECT c.id AS customer_id, u.id AS user_id, row_number() OVER (ORDER BY c.id) - 1 AS rn
           FROM customers c JOIN users u ON u.customer_id = c.id;
         INSERT INTO tickets (id, number, customer_id, author_id, category, subject, subject_key, body, channel, status, close_reason,
                              takes_slot, response_started_at, response_due_at, response_tier, response_schedule, awaiting_response,
                              closed_at, created_at, updated_at)
         SELECT gen_random_uuid(), g, cu.customer_id, cu.user_id,
                (ARRAY['consultation','bug','improvement','service_request','licensing_billing'])[1 + g % 5],
                'Обращение ' || g, 'обращение ' || g, 'Текст обращения', 'portal',
                CASE WHEN g % 100 < 97 THEN 'closed' WHEN g % 100 < 99 THEN 'open' WHEN g % 200 = 199 THEN 'queued' ELSE 'waiting_for_customer' END,
                CASE WHEN g % 100 < 97 THEN 'resolved' END,
                g % 100 IN (97, 98),
                now() - interval '1 hour', now() + ((g % 997) - 20) * interval '1 minute', 'premium', '24x7',
                g % 100 IN (97, 98),
                CASE WHEN g % 100 < 97 THEN now() - interval '1 day' END,
                now() - (g % 400) * interval '1 day', now()
         FROM generate_series(1, {tickets}) g JOIN cu ON cu.rn = g % {CUSTOMERS};
         SELECT setval('ticket_number_seq', {tickets});
         ANALYZE;"
    )).await;
    println!(
        "seeded {tickets} tickets for {CUSTOMERS} customers in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let data = reglament_store::testing::TempDir::new();
    let config = Config {
        listen: "127.0.0.1:0".to_owned(),
        database_url: url.clone(),
        data_dir: data.path().to_owned(),
        jwt_secret: Some("a-bench-secret-that-is-long-enough-0123456789".to_owned()),
        admin_email: "admin@bench.test".to_owned(),
        admin_password: Some(PASSWORD.to_owned()),
        web_root: data.path().join("none"),
        public_url: "http://bench".to_owned(),
        smtp_url: None,
        mail_from: "bench@bench.test".to_owned(),
        log_json: false,
        db_max_connections: 32,
        workers: 2,
        job_interval_secs: 3600,
        max_attachment_mb: 20,
        intake_workers: std::env::var("REGLAMENT_INTAKE_WORKERS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, std::num::NonZero::get)),
    };
    let running = start(&config, Arc::new(SystemClock)).await.unwrap();
    let base = format!("http://127.0.0.1:{}", running.port);
    tokio::spawn(running.server);
    let http = reqwest::Client::builder().pool_max_idle_per_host(64).build().unwrap();
    let login = |email: String| {
        let (http, base) = (http.clone(), base.clone());
        async move {
            let res: Value = http
                .post(format!("{base}/api/v1/auth/login"))
                .json(&json!({"email": email, "password": PASSWORD}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            res["access_token"].as_str().unwrap().to_owned()
        }
    };
    let admin_token = login("admin@bench.test".to_owned()).await;
    let token: Value = http
        .post(format!("{base}/api/v1/api-tokens"))
        .bearer_auth(&admin_token)
        .json(&json!({"name": "bench", "scopes": ["sla:read", "tickets:read"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let api_token = token["token"].as_str().unwrap().to_owned();
    let customers: Vec<String> = sqlx::query_scalar("SELECT id::text FROM customers ORDER BY id")
        .fetch_all(&pool)
        .await
        .unwrap();

    // Warm-up, then the list: 50 rows of one customer's open tickets by due time.
    let get = |path: String, token: String| {
        let (http, base) = (http.clone(), base.clone());
        async move {
            let t = Instant::now();
            let res = http
                .get(format!("{base}{path}"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            assert!(res.status().is_success(), "{path}: {}", res.status());
            res.bytes().await.unwrap();
            t.elapsed()
        }
    };
    for c in customers.iter().take(50) {
        get(
            format!("/api/v1/tickets?customer_id={c}&status=open&sort=due&limit=50"),
            api_token.clone(),
        )
        .await;
    }
    let mut samples = Vec::new();
    for i in 0..2000 {
        let c = &customers[(i * 7919) % customers.len()];
        samples.push(
            get(
                format!("/api/v1/tickets?customer_id={c}&status=open&sort=due&limit=50"),
                api_token.clone(),
            )
            .await,
        );
    }
    report("ticket list (customer+status, due)", samples);
    let mut samples = Vec::new();
    for _ in 0..2000 {
        samples.push(get("/api/v1/sla/overdue".to_owned(), api_token.clone()).await);
    }
    let (_, overdue) = (
        0,
        http.get(format!("{base}/api/v1/sla/overdue"))
            .bearer_auth(&api_token)
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap(),
    );
    report("GET /api/v1/sla/overdue", samples);
    println!(
        "  (overdue total {} over {} customers)",
        overdue["total"],
        overdue["by_customer"].as_array().map_or(0, Vec::len)
    );

    // Creation: 32 clients of premium customers (no queue) create tickets at once for 10 s.
    let premium: Vec<String> = sqlx::query_scalar(
        "SELECT u.email FROM users u JOIN contracts k ON k.customer_id = u.customer_id WHERE k.tier_code = 'premium_plus' ORDER BY u.email LIMIT 32",
    ).fetch_all(&pool).await.unwrap();
    let mut tokens = Vec::new();
    for email in premium {
        tokens.push(login(email).await);
    }
    // The HTTP floor first: the same clients on a signed-in read that needs no database.
    let me = rate(&http, &base, &tokens, |http, base| {
        http.get(format!("{base}/api/v1/me"))
    })
    .await;
    println!(
        "{:<34} {me:>9.0} requests/s (GET /api/v1/me, 32 clients: HTTP and auth, no database)",
        "HTTP floor"
    );
    let created = rate(&http, &base, &tokens, |http, base| {
        http.post(format!("{base}/api/v1/tickets"))
            .json(&json!({"category": "consultation", "subject": "Нагрузка", "body": "Текст"}))
    })
    .await;
    println!(
        "{:<34} {created:>9.0} tickets/s (10 s, 32 clients)",
        "ticket creation over HTTP"
    );

    // pgbench's raw insert rate of a ticket-sized row on the same machine.
    sql(
        &pool,
        "CREATE TABLE bench_raw (id uuid, customer_id uuid, subject text, body text, created_at timestamptz)",
    )
    .await;
    let script = data.path().join("insert.sql");
    std::fs::write(
        &script,
        "INSERT INTO bench_raw VALUES (gen_random_uuid(), gen_random_uuid(), 'Нагрузка', 'Текст', now());\n",
    )
    .unwrap();
    println!(
        "{:<34} {} (raw INSERT, 32 clients)",
        "pgbench",
        pgbench(&script).unwrap_or_else(|e| format!("not available: {e}"))
    );
    // For scale: the database alone writing one ticket as the server does (the row with
    // its indexes and its `created` event, one transaction each), with no HTTP and no rules.
    let (customer, author): (String, String) = sqlx::query_as(
        "SELECT u.customer_id::text, u.id::text FROM users u JOIN contracts k ON k.customer_id = u.customer_id \
         WHERE k.tier_code = 'premium_plus' ORDER BY u.email LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let script = data.path().join("ticket.sql");
    std::fs::write(
        &script,
        format!(
            "WITH t AS (INSERT INTO tickets (id, number, customer_id, author_id, category, subject, subject_key, body, \
             channel, status, takes_slot, response_started_at, response_due_at, response_tier, response_schedule, \
             awaiting_response, created_at, updated_at) VALUES (gen_random_uuid(), nextval('ticket_number_seq'), \
             '{customer}', '{author}', 'consultation', 'Нагрузка', 'нагрузка', 'Текст', 'portal', 'open', TRUE, now(), \
             now() + interval '4 hours', 'premium_plus', '24x7', TRUE, now(), now()) RETURNING id, created_at) \
             INSERT INTO ticket_events (id, ticket_id, actor_id, kind, data, created_at) \
             SELECT gen_random_uuid(), id, '{author}', 'created', '{{}}', created_at FROM t;\n"
        ),
    )
    .unwrap();
    println!(
        "{:<34} {} (ticket row, indexes and event, 32 clients)",
        "pgbench, one ticket per transaction",
        pgbench(&script).unwrap_or_else(|e| format!("not available: {e}"))
    );
    pool.close().await;
    let _ = sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS {DB} WITH (FORCE)"))
        .execute(&admin)
        .await;
}
