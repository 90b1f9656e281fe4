//! `GET /metrics` (R-INT-3) through the real server. The recorder is one per process, so
//! the two backends run one after the other in a single test.

mod common;

use common::TestServer;
use reglament_store::Backend;
use serde_json::json;

async fn scrape(srv: &TestServer, token: Option<&str>) -> (u16, String) {
    let mut req = srv.http.get(srv.url("/metrics"));
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    let res = req.send().await.expect("request sent");
    let status = res.status().as_u16();
    (status, res.text().await.expect("text"))
}

/// The value of the series whose line starts with `series` (name and labels as printed).
fn value(text: &str, name: &str, labels: &[&str]) -> Option<f64> {
    text.lines()
        .filter(|l| l.starts_with(&format!("{name}{{")) || l.starts_with(&format!("{name} ")))
        .find(|l| labels.iter().all(|label| l.contains(label)))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

async fn r_int_3_metrics(backend: Backend) {
    let Some(srv) = TestServer::spawn(backend).await else {
        return;
    };
    srv.run(|srv| async move {
        assert_eq!(scrape(srv, None).await.0, 401, "the token is required");
        assert_eq!(scrape(srv, Some("wrong")).await.0, 401);
        let customer = srv.customer("Метрики", "basic").await;
        let (_, client) = srv.client(&customer, "m@metrics.test", json!({})).await;
        for i in 0..7 {
            let (status, body) = srv
                .post(
                    "/api/v1/tickets",
                    &client,
                    json!({"category": "consultation", "subject": format!("Вопрос {i}"), "body": "…"}),
                )
                .await;
            assert_eq!(status, 201, "{body}");
        }
        let (status, text) = scrape(srv, Some("metrics-token")).await;
        assert_eq!(status, 200, "{text}");
        // Five in work and two queued on the Basic tier (R-LIM-1), none overdue yet.
        let tickets = |text: &str, status: &str| {
            value(
                text,
                "reglament_tickets",
                &["tier=\"basic\"", &format!("status=\"{status}\"")],
            )
        };
        assert_eq!(tickets(&text, "open"), Some(5.0), "{text}");
        assert_eq!(tickets(&text, "queued"), Some(2.0), "{text}");
        assert_eq!(tickets(&text, "waiting_for_customer"), Some(0.0), "{text}");
        assert_eq!(
            value(&text, "reglament_tickets_overdue", &["tier=\"basic\""]),
            Some(0.0)
        );
        // Requests by route template and status, with a latency histogram.
        let created = value(
            &text,
            "http_requests_total",
            &["route=\"/api/v1/tickets\"", "method=\"POST\"", "status=\"201\""],
        );
        assert!(created.is_some_and(|n| n >= 7.0), "{text}");
        assert!(text.contains("http_request_duration_seconds_bucket{"), "{text}");
        assert!(text.contains("reglament_intake_batch_size_bucket{"), "{text}");
        assert!(value(&text, "reglament_outbox_mail_backlog", &[]).is_some(), "{text}");
        assert!(value(&text, "reglament_webhook_backlog", &[]).is_some(), "{text}");
        assert!(
            value(&text, "reglament_db_pool_connections", &["state=\"open\""]).is_some(),
            "{text}"
        );
        // Two business days later the five open tickets are overdue (R-SLA-1).
        srv.clock.set(srv.app.now() + chrono::TimeDelta::days(2));
        let (_, text) = scrape(srv, Some("metrics-token")).await;
        assert_eq!(
            value(&text, "reglament_tickets_overdue", &["tier=\"basic\""]),
            Some(5.0),
            "{text}"
        );
    })
    .await;
}

/// R-INT-3, the other protection: `REGLAMENT_METRICS_LISTEN` serves `/metrics` alone on
/// its own address without a token; the main address keeps answering 404 without one.
async fn r_int_3_metrics_on_a_separate_address(backend: Backend) {
    let Some(srv) = TestServer::spawn_with(backend, |c| {
        c.metrics_token = None;
        c.metrics_listen = Some("127.0.0.1:0".to_owned());
    })
    .await
    else {
        return;
    };
    srv.run(|srv| async move {
        assert_eq!(scrape(srv, None).await.0, 404, "no token: not on the main address");
        let port = srv.metrics_port.expect("the metrics address is bound");
        let res = srv
            .http
            .get(format!("http://127.0.0.1:{port}/metrics"))
            .send()
            .await
            .expect("request sent");
        assert_eq!(res.status(), 200);
        let text = res.text().await.expect("text");
        assert!(value(&text, "reglament_webhook_backlog", &[]).is_some(), "{text}");
        let other = srv
            .http
            .get(format!("http://127.0.0.1:{port}/api/v1/health"))
            .send()
            .await
            .expect("request sent");
        assert_eq!(other.status(), 404, "only /metrics is served there");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_int_3_metrics_on_both_backends() {
    r_int_3_metrics(Backend::Sqlite).await;
    r_int_3_metrics(Backend::Postgres).await;
    r_int_3_metrics_on_a_separate_address(Backend::Sqlite).await;
    r_int_3_metrics_on_a_separate_address(Backend::Postgres).await;
}
