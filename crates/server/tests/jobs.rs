//! Background jobs on both backends: auto-close (R-TKT-6), breach marking (R-SLA-4),
//! queue promotion after a tier upgrade (R-LIM-3), the test clock, and two rounds at once.

mod common;

use common::{ADMIN_EMAIL, ADMIN_PASSWORD, CLIENT_PASSWORD, assert_problem, typed};
use reglament_api::{CloseReason, Status, TicketView};
use serde_json::{Value, json};

async fn admin_at(srv: &common::TestServer, when: &str) -> String {
    srv.clock.set(when.parse().expect("test fixture"));
    srv.login(ADMIN_EMAIL, ADMIN_PASSWORD).await
}

async fn events(srv: &common::TestServer, token: &str, id: &str, kind: &str) -> Vec<Value> {
    let (_, history) = srv.get(&format!("/api/v1/tickets/{id}/events"), token).await;
    history["items"]
        .as_array()
        .expect("test fixture")
        .iter()
        .filter(|e| e["kind"] == kind)
        .cloned()
        .collect()
}

// R-TKT-6: 3 working days without a client reply close the ticket with `no_customer_response`,
// once, even when two rounds run at once; the freed slot lets the queue in.
both_backends!(r_tkt_6_auto_close_after_three_working_days, |srv| {
    let customer = srv.customer("Молчун", "basic").await;
    let (_, client) = srv.client(&customer, "silent@x.test", json!({})).await;
    let waiting = srv.consultation(&client, "Ждем ответа").await;
    for i in 0..4 {
        srv.consultation(&client, &format!("Занято {i}")).await;
    }
    let queued = srv.consultation(&client, "В очереди").await;
    // A solution on Wednesday 12:30 MSK: 27 business hours later is Monday 16 March 12:30 MSK.
    let (status, _) = srv
        .post(
            &format!("/api/v1/tickets/{waiting}/messages"),
            &srv.admin,
            json!({"kind": "solution", "body": "Попробуйте так"}),
        )
        .await;
    assert_eq!(status, 201);
    srv.clock.set("2026-03-16T09:29:00Z".parse().expect("test fixture"));
    assert_eq!(
        srv.app.jobs().run_once().await.expect("test fixture").auto_closed,
        0,
        "one minute early"
    );
    srv.clock.set("2026-03-16T09:31:00Z".parse().expect("test fixture"));
    let (a, b) = {
        let jobs = srv.app.jobs();
        tokio::join!(jobs.run_once(), jobs.run_once())
    };
    assert_eq!(
        a.expect("test fixture").auto_closed + b.expect("test fixture").auto_closed,
        1,
        "two rounds at once close it once"
    );
    let admin = srv.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let (_, closed) = srv.get(&format!("/api/v1/tickets/{waiting}"), &admin).await;
    let closed: TicketView = typed(&closed);
    assert_eq!(
        (closed.ticket.status, closed.ticket.close_reason),
        (Status::Closed, Some(CloseReason::NoCustomerResponse))
    );
    // The auto-close is the same close as a person's (R-TKT-2): nothing waits or runs after it.
    assert_eq!(
        (
            closed.ticket.waiting_since,
            closed.ticket.response_due_at,
            closed.ticket.takes_slot
        ),
        (None, None, false)
    );
    assert_eq!(events(srv, &admin, &waiting, "auto_closed").await.len(), 1);
    let (_, q) = srv.get(&format!("/api/v1/tickets/{queued}"), &admin).await;
    assert_eq!(q["status"], "open");
});

// R-TKT-6: a client reply stops the countdown.
both_backends!(r_tkt_6_a_client_reply_stops_the_countdown, |srv| {
    let customer = srv.customer("Отвечает", "premium").await;
    let (_, client) = srv.client(&customer, "talks@x.test", json!({})).await;
    let id = srv.consultation(&client, "Вопрос").await;
    srv.post(
        &format!("/api/v1/tickets/{id}/messages"),
        &srv.admin,
        json!({"kind": "info_request", "body": "Пришлите лог"}),
    )
    .await;
    srv.clock.set("2026-03-13T09:00:00Z".parse().expect("test fixture"));
    let client = srv.login("talks@x.test", CLIENT_PASSWORD).await;
    srv.post(
        &format!("/api/v1/tickets/{id}/messages"),
        &client,
        json!({"body": "Вот лог"}),
    )
    .await;
    srv.clock.set("2026-03-20T09:00:00Z".parse().expect("test fixture"));
    assert_eq!(srv.app.jobs().run_once().await.expect("test fixture").auto_closed, 0);
    let admin = srv.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(
        srv.get(&format!("/api/v1/tickets/{id}"), &admin).await.1["status"],
        "open"
    );
});

// R-SLA-4: a running cycle past due is recorded as breached, once.
both_backends!(r_sla_4_breaches_are_marked, |srv| {
    let customer = srv.customer("Просрочка", "premium_plus").await;
    let (_, client) = srv.client(&customer, "late@x.test", json!({})).await;
    let id = srv.consultation(&client, "Срочно").await;
    assert_eq!(
        srv.app.jobs().run_once().await.expect("test fixture").breaches_marked,
        0
    );
    let admin = admin_at(srv, "2026-03-11T11:00:00Z").await;
    assert_eq!(
        srv.app.jobs().run_once().await.expect("test fixture").breaches_marked,
        1
    );
    assert_eq!(
        srv.app.jobs().run_once().await.expect("test fixture").breaches_marked,
        0
    );
    let (_, t) = srv.get(&format!("/api/v1/tickets/{id}"), &admin).await;
    assert_eq!(
        (t["response_breached"].clone(), t["overdue"].clone()),
        (json!(true), json!(true))
    );
    assert_eq!(events(srv, &admin, &id, "breached").await.len(), 1);
});

// R-LIM-3: a tier upgrade lets the queue in at once.
both_backends!(r_lim_3_a_tier_upgrade_promotes_the_queue, |srv| {
    let customer = srv.customer("Апгрейд", "basic").await;
    let (_, client) = srv.client(&customer, "grow@x.test", json!({})).await;
    for i in 0..7 {
        srv.consultation(&client, &format!("№{i}")).await;
    }
    let (_, queued) = srv
        .get(
            &format!("/api/v1/tickets?customer_id={customer}&status=queued"),
            &srv.admin,
        )
        .await;
    assert_eq!(queued["total"], 2);
    let (_, contracts) = srv
        .get(&format!("/api/v1/customers/{customer}/contracts"), &srv.admin)
        .await;
    let contract = contracts["items"][0]["id"].as_str().expect("test fixture");
    let (status, _) = srv
        .patch(
            &format!("/api/v1/contracts/{contract}"),
            &srv.admin,
            json!({"tier_code": "premium"}),
        )
        .await;
    assert_eq!(status, 200);
    let (_, queued) = srv
        .get(
            &format!("/api/v1/tickets?customer_id={customer}&status=queued"),
            &srv.admin,
        )
        .await;
    assert_eq!(queued["total"], 0);
    let (_, open) = srv
        .get(
            &format!("/api/v1/tickets?customer_id={customer}&status=open&sort=due"),
            &srv.admin,
        )
        .await;
    assert_eq!(open["total"], 7);
    // The promoted ones run on the premium clock: 2 hours around the clock (R-SLA-6 for the others).
    let tiers: Vec<&str> = open["items"]
        .as_array()
        .expect("test fixture")
        .iter()
        .map(|t| t["response_tier"].as_str().expect("test fixture"))
        .collect();
    assert_eq!(tiers.iter().filter(|t| **t == "premium").count(), 2, "{tiers:?}");
});

// The test clock and job endpoints (feature `test-clock`), for black-box tests.
both_backends!(test_clock_endpoints, |srv| {
    let customer = srv.customer("Часы", "premium").await;
    let (_, client) = srv.client(&customer, "clock@x.test", json!({})).await;
    let id = srv.consultation(&client, "Проверка часов").await;
    assert_problem(
        &srv.call(
            "PUT",
            "/api/v1/test/clock",
            Some(&client),
            Some(json!({"now": "2026-03-12T00:00:00Z"})),
        )
        .await,
        403,
        "forbidden",
    );
    let (status, now) = srv
        .call(
            "PUT",
            "/api/v1/test/clock",
            Some(&srv.admin),
            Some(json!({"now": "2026-03-11T12:00:00Z"})),
        )
        .await;
    assert_eq!(status, 200, "{now}");
    assert!(
        now["now"]
            .as_str()
            .expect("test fixture")
            .starts_with("2026-03-11T12:00")
    );
    let admin = srv.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let (status, report) = srv.post("/api/v1/test/jobs", &admin, json!({})).await;
    assert_eq!((status, report["breaches_marked"].clone()), (200, json!(1)), "{report}");
    let (_, health) = srv.call("GET", "/api/v1/health", None, None).await;
    assert!(
        health["now"]
            .as_str()
            .expect("test fixture")
            .starts_with("2026-03-11T12:00")
    );
    let _ = id;
});
