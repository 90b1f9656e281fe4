//! Issue 23's file figures: attachments in the database (every instance serves them,
//! R-OPS-1) against files on the instance's disk (the old storage, `REGLAMENT_FILES=disk`),
//! on SQLite and PostgreSQL, through the real server. 4 clients at once upload 3 files of
//! 20 MiB each (240 MiB), then download each twice (480 MiB); throughput in MiB/s, and the
//! process's peak RSS above its level before the run (the server and the clients share
//! this process; the clients stream the bodies, so the growth is the server's buffers).
//!
//! `cargo bench -p reglament-server --bench files`

mod common;

use std::time::Instant;

use common::{BenchServer, login};
use reglament_api::paths;
use reglament_store::Backend;
use reglament_store::testing::postgres_available;
use serde_json::{Value, json};

const CLIENTS: usize = 4;
const FILES: usize = 3;
const SIZE: usize = 20 * 1024 * 1024;

/// The process's resident set now and at its peak since the last reset, in MiB.
fn rss() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .unwrap_or(0.0)
            / 1024.0
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Resets the peak (Linux: `5` to `clear_refs`).
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

async fn run(backend: Backend, on_disk: bool) {
    let srv = BenchServer::start_with(backend, |c| c.files_on_disk = on_disk).await;
    let http = reqwest::Client::new();
    let base = srv.base.clone();
    let admin = login(&http, &base, "admin@bench.test").await;
    let c = common::op(&http, &base, paths::create_customer(), &admin, json!({"name": "Файлы"})).await;
    let customer = c["id"].as_str().expect("id").to_owned();
    common::op(
        &http,
        &base,
        paths::create_contract(common::id(&customer)),
        &admin,
        json!({"tier_code": "premium_plus", "number": "Д-файлы", "starts_on": "2020-01-01", "ends_on": "2099-12-31"}),
    )
    .await;
    let mut clients = Vec::new();
    for i in 0..CLIENTS {
        let email = format!("f{i}@bench.test");
        common::op(
            &http,
            &base,
            paths::create_client(common::id(&customer)),
            &admin,
            json!({"email": email, "full_name": "Клиент", "password": common::PASSWORD}),
        )
        .await;
        let token = login(&http, &base, &email).await;
        let ticket = common::op(
            &http,
            &base,
            paths::create_ticket(),
            &token,
            json!({"category": "consultation", "subject": "Журналы", "body": "…"}),
        )
        .await;
        let ticket = ticket["ticket"]["id"]
            .as_str()
            .or(ticket["id"].as_str())
            .unwrap_or_else(|| panic!("a ticket: {ticket}"))
            .to_owned();
        clients.push((token, ticket));
    }
    let body: actix_web::web::Bytes = {
        let mut b = b"%PDF-1.7\n".to_vec();
        b.resize(SIZE, b'x');
        b.into()
    };
    let (before, _) = rss();
    reset_peak();
    let started = Instant::now();
    let uploads = clients.iter().map(|(token, ticket)| {
        let (http, base, body) = (http.clone(), base.clone(), body.clone());
        let (token, ticket) = (token.clone(), ticket.clone());
        tokio::spawn(async move {
            let mut ids = Vec::new();
            for n in 0..FILES {
                let res = http
                    .post(format!(
                        "{base}{}",
                        paths::upload_attachment(common::id(&ticket))
                            .query("name", format!("dump-{n}.pdf"))
                            .url()
                    ))
                    .bearer_auth(&token)
                    .header("content-type", "application/pdf")
                    .body(body.clone())
                    .send()
                    .await
                    .expect("upload");
                assert_eq!(res.status().as_u16(), 201);
                let v: Value = res.json().await.expect("json");
                ids.push(v["id"].as_str().expect("id").to_owned());
            }
            (token, ids)
        })
    });
    let mut uploaded = Vec::new();
    for task in uploads.collect::<Vec<_>>() {
        uploaded.push(task.await.expect("uploads"));
    }
    let up = started.elapsed();
    let (_, up_peak) = rss();
    reset_peak();
    let started = Instant::now();
    let downloads = uploaded.into_iter().map(|(token, ids)| {
        let (http, base) = (http.clone(), base.clone());
        tokio::spawn(async move {
            let mut total = 0_usize;
            for _ in 0..2 {
                for id in &ids {
                    let mut res = http
                        .get(format!("{base}{}", paths::download_attachment(common::id(id)).url()))
                        .bearer_auth(&token)
                        .send()
                        .await
                        .expect("download");
                    assert_eq!(res.status().as_u16(), 200);
                    while let Some(chunk) = res.chunk().await.expect("body") {
                        total += chunk.len();
                    }
                }
            }
            total
        })
    });
    let mut bytes = 0;
    for task in downloads.collect::<Vec<_>>() {
        bytes += task.await.expect("downloads");
    }
    let down = started.elapsed();
    let (_, down_peak) = rss();
    assert_eq!(bytes, CLIENTS * FILES * SIZE * 2);
    let mib = |n: usize| n as f64 / (1024.0 * 1024.0);
    println!(
        "files {:<8} {:<8}: upload {:>6.0} MiB/s ({:.0} MiB in {:.1} s), download {:>6.0} MiB/s ({:.0} MiB in {:.1} s); \
         peak RSS above {:.0} MiB: +{:.0} MiB uploading, +{:.0} MiB downloading",
        backend.as_str(),
        if on_disk { "disk" } else { "database" },
        mib(CLIENTS * FILES * SIZE) / up.as_secs_f64(),
        mib(CLIENTS * FILES * SIZE),
        up.as_secs_f64(),
        mib(bytes) / down.as_secs_f64(),
        mib(bytes),
        down.as_secs_f64(),
        before,
        (up_peak - before).max(0.0),
        (down_peak - before).max(0.0),
    );
    srv.stop().await;
}

#[tokio::main]
async fn main() {
    let pg = postgres_available().await;
    for backend in [Backend::Sqlite, Backend::Postgres] {
        if backend == Backend::Postgres && !pg {
            println!("PostgreSQL is not reachable: its figures are skipped");
            continue;
        }
        for on_disk in [true, false] {
            run(backend, on_disk).await;
        }
    }
}
