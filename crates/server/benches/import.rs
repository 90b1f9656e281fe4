//! How long the registration import (R-ACC-1) takes for 10,000 rows, dry run and real
//! run, through `POST /api/v1/customers/{id}/clients/import` on SQLite and PostgreSQL.
//!
//! The tier's contact count is raised to 100,000 first (Appendix 1 allows 30 at most; an
//! admin may edit the tiers), so that every row is new: the real run writes 10,000
//! clients, 10,000 invitations and 10,000 queued mails in one transaction.
//!
//! `cargo bench -p reglament-server --bench import`

mod common;

use std::time::Instant;

use common::{BenchServer, login, op};
use reglament_api::paths;
use reglament_store::Backend;
use reglament_store::testing::postgres_available;
use serde_json::{Value, json};

const ROWS: usize = 10_000;

async fn run(backend: Backend, name: &str) {
    let server = BenchServer::start(backend).await;
    let base = server.base.clone();
    let http = reqwest::Client::new();
    let admin = login(&http, &base, "admin@bench.test").await;
    let mut tier = op(&http, &base, paths::get_tier("premium_plus"), &admin, Value::Null).await;
    if let Some(t) = tier.as_object_mut() {
        t.remove("code");
        t.insert("max_contacts".to_owned(), json!(100_000));
    }
    op(&http, &base, paths::put_tier("premium_plus"), &admin, tier).await;
    let customer = op(
        &http,
        &base,
        paths::create_customer(),
        &admin,
        json!({"name": "Большой заказчик"}),
    )
    .await;
    let id = customer["id"].as_str().expect("the bench input is valid").to_owned();
    let year = chrono::Utc::now().format("%Y").to_string();
    op(
        &http,
        &base,
        paths::create_contract(common::id(&id)),
        &admin,
        json!({"tier_code": "premium_plus", "number": "Б-1", "starts_on": format!("{year}-01-01"), "ends_on": format!("{year}-12-31")}),
    )
    .await;
    op(
        &http,
        &base,
        paths::create_team(common::id(&id)),
        &admin,
        json!({"name": "Эксплуатация"}),
    )
    .await;
    let mut csv = String::from("key_contact;full_name;email;telegram;team\n");
    for i in 0..ROWS {
        csv.push_str(&format!(
            "{};Сотрудник Номер {i};user-{i}@big.test;user_{i};Эксплуатация\n",
            if i % 100 == 0 { "да" } else { "нет" }
        ));
    }
    let mut timings = Vec::new();
    for dry_run in [true, false] {
        let started = Instant::now();
        let res = http
            .post(format!(
                "{base}{}",
                paths::import_clients(common::id(&id)).query("dry_run", dry_run).url()
            ))
            .bearer_auth(&admin)
            .header("content-type", "text/csv")
            .body(csv.clone())
            .send()
            .await
            .expect("the bench input is valid");
        let status = res.status();
        let report: Value = res.json().await.expect("the bench input is valid");
        let secs = started.elapsed().as_secs_f64();
        assert!(status.is_success(), "{status}: {report}");
        assert_eq!(report["new"], json!(ROWS), "{}", report["errors"]);
        timings.push(secs);
    }
    println!(
        "\n== registration import on {name} ({ROWS} rows, CSV, {} KiB)",
        csv.len() / 1024
    );
    println!(
        "  dry run (parse, check every row)                 {:>6.2} s",
        timings[0]
    );
    println!(
        "  real run (all rows, invitations, mail queued)    {:>6.2} s   ({:.0} rows/s)",
        timings[1],
        ROWS as f64 / timings[1]
    );
    server.stop().await;
}

#[tokio::main]
async fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    run(Backend::Sqlite, "SQLite").await;
    if postgres_available().await {
        run(Backend::Postgres, "PostgreSQL").await;
    }
}
