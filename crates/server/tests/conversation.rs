//! The conversation and its clock, and staff actions, through the HTTP API on both
//! backends (R-SLA-1, R-SLA-4, R-SLA-5, R-TKT-1, R-TKT-3, R-TKT-5, R-TKT-6, R-TKT-7, R-LIM-3).

mod common;

use chrono::{DateTime, Utc};
use common::{ADMIN_EMAIL, ADMIN_PASSWORD, CLIENT_PASSWORD, assert_problem, typed};
use reglament_api::{MessageOutcome, Status, TicketView};
use serde_json::{Value, json};

async fn ticket(srv: &common::TestServer, token: &str, body: Value) -> String {
    let (status, t) = srv.post("/api/v1/tickets", token, body).await;
    assert_eq!(status, 201, "{t}");
    t["id"].as_str().expect("test fixture").to_owned()
}

/// Writes to a ticket and answers the ticket the message landed on, as the contract's type.
async fn say(srv: &common::TestServer, token: &str, id: &str, kind: &str, text: &str) -> TicketView {
    let (status, out) = srv
        .post(
            &format!("/api/v1/tickets/{id}/messages"),
            token,
            json!({"kind": kind, "body": text}),
        )
        .await;
    assert_eq!(status, 201, "{out}");
    typed::<MessageOutcome>(&out).ticket
}

/// Moves the test clock and signs in again (access tokens live 15 minutes).
async fn at(srv: &common::TestServer, when: &str, email: &str) -> (String, String) {
    srv.clock.set(when.parse().expect("test fixture"));
    (
        srv.login(email, CLIENT_PASSWORD).await,
        srv.login(ADMIN_EMAIL, ADMIN_PASSWORD).await,
    )
}

fn minute(v: &Value) -> String {
    v.as_str().map(|s| s[..16].to_owned()).unwrap_or_default()
}

/// An instant to the minute, as `2026-03-11T13:30` (UTC).
fn minute_of(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| t.format("%Y-%m-%dT%H:%M").to_string()).unwrap_or_default()
}

// R-SLA-1, R-TKT-5, R-SLA-4: the response cycle through a conversation.
both_backends!(r_sla_1_the_response_cycle_follows_the_conversation, |srv| {
    let customer = srv.customer("Цикл", "basic_plus").await;
    let (_, client) = srv.client(&customer, "cycle@x.test", json!({})).await;
    let id = ticket(
        srv,
        &client,
        json!({"category": "consultation", "subject": "Вопрос", "body": "?"}),
    )
    .await;
    // Created Wednesday 12:30 MSK with 4 business hours: due 16:30 MSK.
    let t = say(srv, &client, &id, "message", "Уточняю вопрос").await;
    assert_eq!(
        minute_of(t.ticket.response_due_at),
        "2026-03-11T13:30",
        "a client message does not restart the cycle"
    );
    let note = say(srv, &srv.admin, &id, "note", "Похоже на известную проблему").await;
    assert!(note.ticket.awaiting_response, "an internal note is no answer");
    let (_, seen) = srv.get(&format!("/api/v1/tickets/{id}/messages"), &client).await;
    assert_eq!(seen["total"], 1, "clients never see internal notes (R-TKT-5)");
    let (_, all) = srv.get(&format!("/api/v1/tickets/{id}/messages"), &srv.admin).await;
    assert_eq!(all["total"], 2);
    let answered = say(srv, &srv.admin, &id, "message", "Ответ").await;
    assert_eq!(
        (answered.ticket.awaiting_response, answered.ticket.response_breached),
        (false, false)
    );
    assert!(
        answered.ticket.assignee_id.is_some(),
        "the first staff answer takes the ticket"
    );
    // The client writes again after the answer: a new cycle from now.
    let (client, admin) = at(srv, "2026-03-11T14:00:00Z", "cycle@x.test").await;
    let again = say(srv, &client, &id, "message", "Не помогло").await;
    assert!(again.ticket.awaiting_response);
    assert_eq!(
        minute_of(again.ticket.response_due_at),
        "2026-03-12T09:00",
        "17:00 MSK + 4 h = Thursday 12:00 MSK"
    );
    // Answered late: breached, kept for compliance reports (R-SLA-4).
    let (_, admin2) = at(srv, "2026-03-12T09:30:00Z", "cycle@x.test").await;
    let (_, overdue) = srv.get(&format!("/api/v1/tickets/{id}"), &admin2).await;
    assert_eq!(overdue["overdue"], true);
    let late = say(srv, &admin2, &id, "message", "Поздний ответ").await;
    assert_eq!((late.ticket.response_breached, late.overdue), (true, false));
    let _ = admin;
    let (_, history) = srv.get(&format!("/api/v1/tickets/{id}/events"), &admin2).await;
    let answers: Vec<&Value> = history["items"]
        .as_array()
        .expect("test fixture")
        .iter()
        .filter(|e| e["kind"] == "answered")
        .collect();
    assert_eq!(
        answers.iter().map(|e| e["data"]["on_time"].clone()).collect::<Vec<_>>(),
        vec![json!(true), json!(false)]
    );
    // The author is told of each public answer by mail, never of the internal note.
    let mut tx = srv.app.store.read().await.expect("test fixture");
    let mails = reglament_store::mail::list_for(&mut tx, "cycle@x.test")
        .await
        .expect("test fixture");
    tx.commit().await.expect("test fixture");
    let bodies: Vec<&str> = mails
        .iter()
        .filter(|m| m.subject.contains("Обращение №"))
        .map(|m| m.body.as_str())
        .collect();
    assert_eq!(bodies.len(), 2, "{bodies:?}");
    assert!(bodies.iter().all(|b| !b.contains("известную проблему")), "{bodies:?}");
    assert!(bodies.iter().any(|b| b.contains("Поздний ответ")), "{bodies:?}");
});

// R-TKT-6 and R-SLA-1: a solution makes the ticket wait; the client's reply starts a new cycle.
both_backends!(r_tkt_6_waiting_for_the_customer, |srv| {
    let customer = srv.customer("Ожидание", "premium").await;
    let (_, client) = srv.client(&customer, "wait@x.test", json!({})).await;
    let id = ticket(
        srv,
        &client,
        json!({"category": "consultation", "subject": "Как?", "body": "?"}),
    )
    .await;
    let waiting = say(srv, &srv.admin, &id, "solution", "Сделайте так").await;
    assert_eq!(
        (waiting.ticket.status, waiting.ticket.awaiting_response),
        (Status::WaitingForCustomer, false)
    );
    assert!(waiting.ticket.waiting_since.is_some());
    assert!(waiting.ticket.takes_slot, "a waiting ticket keeps its slot (R-LIM-1)");
    assert_problem(
        &srv.post(
            &format!("/api/v1/tickets/{id}/messages"),
            &client,
            json!({"kind": "note", "body": "x"}),
        )
        .await,
        400,
        "validation_failed",
    );
    let (client, _) = at(srv, "2026-03-14T20:00:00Z", "wait@x.test").await;
    let back = say(srv, &client, &id, "message", "Не получилось").await;
    assert_eq!(
        (back.ticket.status, back.ticket.awaiting_response),
        (Status::Open, true)
    );
    assert_eq!(
        minute_of(back.ticket.response_due_at),
        "2026-03-14T22:00",
        "premium: 2 hours around the clock, on Saturday"
    );
    assert_eq!(back.ticket.waiting_since, None);
});

// R-TKT-7: a message reopens a ticket closed at most 30 days ago, else opens a new linked one.
both_backends!(r_tkt_7_reopen_or_continue, |srv| {
    let customer = srv.customer("Повтор", "premium").await;
    let (_, client) = srv.client(&customer, "again@x.test", json!({})).await;
    let id = ticket(
        srv,
        &client,
        json!({"category": "consultation", "subject": "Старый вопрос", "body": "?"}),
    )
    .await;
    srv.post(&format!("/api/v1/tickets/{id}/close"), &client, json!({}))
        .await;
    let (client, _) = at(srv, "2026-04-10T09:00:00Z", "again@x.test").await;
    let reopened = say(srv, &client, &id, "message", "Проблема вернулась").await;
    assert_eq!(
        (reopened.ticket.id.to_string(), reopened.ticket.status),
        (id.clone(), Status::Open)
    );
    assert_eq!((reopened.ticket.close_reason, reopened.ticket.closed_at), (None, None));
    assert_eq!(minute_of(reopened.ticket.response_due_at), "2026-04-10T11:00");
    let (_, history) = srv.get(&format!("/api/v1/tickets/{id}/events"), &client).await;
    assert!(
        history["items"]
            .as_array()
            .expect("test fixture")
            .iter()
            .any(|e| e["kind"] == "reopened")
    );
    srv.post(&format!("/api/v1/tickets/{id}/close"), &client, json!({}))
        .await;
    let (client, _) = at(srv, "2026-05-11T09:00:01Z", "again@x.test").await;
    let (status, out) = srv
        .post(
            &format!("/api/v1/tickets/{id}/messages"),
            &client,
            json!({"body": "Снова"}),
        )
        .await;
    assert_eq!(status, 201, "{out}");
    assert_ne!(out["ticket"]["id"], json!(id), "a new ticket");
    assert_eq!(out["ticket"]["parent_ticket_id"], json!(id));
    assert!(
        out["ticket"]["subject"]
            .as_str()
            .expect("test fixture")
            .contains("Старый вопрос")
    );
    assert_eq!(out["message"]["ticket_id"], out["ticket"]["id"]);
    let (_, old) = srv.get(&format!("/api/v1/tickets/{id}"), &client).await;
    assert_eq!(old["status"], "closed");
});

// R-LIM-2, R-LIM-3, R-SLA-5: a confirmed bug frees its slot; a critical one gets a fix clock.
both_backends!(r_sla_5_confirmed_bugs_free_a_slot_and_start_the_fix_clock, |srv| {
    let customer = srv.customer("Баги", "basic").await;
    let (_, client) = srv.client(&customer, "bugs@x.test", json!({})).await;
    let critical = ticket(
        srv,
        &client,
        json!({"category": "bug", "subject": "Всё упало", "body": "…", "product_version": "5.2",
        "is_critical": true, "critical_justification": "Основной процесс не работает"}),
    )
    .await;
    for i in 0..4 {
        ticket(
            srv,
            &client,
            json!({"category": "consultation", "subject": format!("В{i}"), "body": "?"}),
        )
        .await;
    }
    let queued = ticket(
        srv,
        &client,
        json!({"category": "consultation", "subject": "В очереди", "body": "?"}),
    )
    .await;
    let (_, q) = srv.get(&format!("/api/v1/tickets/{queued}"), &client).await;
    assert_eq!(q["status"], "queued");
    assert_problem(
        &srv.post(&format!("/api/v1/tickets/{critical}/confirm-bug"), &client, json!({}))
            .await,
        403,
        "forbidden",
    );
    let (status, confirmed) = srv
        .post(
            &format!("/api/v1/tickets/{critical}/confirm-bug"),
            &srv.admin,
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{confirmed}");
    assert_eq!(
        (confirmed["bug_confirmed"].clone(), confirmed["takes_slot"].clone()),
        (json!(true), json!(false))
    );
    // Confirmed Wednesday 12:30 MSK: ten working days later is Wednesday 25 March 12:30 MSK.
    assert_eq!(minute(&confirmed["fix_due_at"]), "2026-03-25T09:30");
    let (_, q) = srv.get(&format!("/api/v1/tickets/{queued}"), &client).await;
    assert_eq!(q["status"], "open", "the freed slot let the queued ticket in");
    assert_problem(
        &srv.post(
            &format!("/api/v1/tickets/{critical}/confirm-bug"),
            &srv.admin,
            json!({}),
        )
        .await,
        409,
        "already_confirmed",
    );
    assert_problem(
        &srv.post(&format!("/api/v1/tickets/{queued}/confirm-bug"), &srv.admin, json!({}))
            .await,
        422,
        "not_a_bug",
    );
    // R-TKT-3: staff revoke criticality with a reason; the fix clock stops.
    assert_problem(
        &srv.post(
            &format!("/api/v1/tickets/{critical}/revoke-criticality"),
            &srv.admin,
            json!({"reason": ""}),
        )
        .await,
        400,
        "validation_failed",
    );
    let (_, revoked) = srv
        .post(
            &format!("/api/v1/tickets/{critical}/revoke-criticality"),
            &srv.admin,
            json!({"reason": "Есть обходной путь"}),
        )
        .await;
    assert_eq!(
        (revoked["is_critical"].clone(), revoked["fix_due_at"].clone()),
        (json!(false), Value::Null)
    );
});

// R-TKT-1: staff reclassify; the limit and SLA are re-evaluated and the change recorded.
both_backends!(r_tkt_1_reclassification_reevaluates_limit_and_sla, |srv| {
    let customer = srv.customer("Категории", "basic").await;
    let (_, client) = srv.client(&customer, "cat@x.test", json!({})).await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(
            ticket(
                srv,
                &client,
                json!({"category": "consultation", "subject": format!("К{i}"), "body": "?"}),
            )
            .await,
        );
    }
    let queued = ticket(
        srv,
        &client,
        json!({"category": "consultation", "subject": "Ждет", "body": "?"}),
    )
    .await;
    assert_problem(
        &srv.post(
            &format!("/api/v1/tickets/{}/reclassify", ids[0]),
            &client,
            json!({"category": "improvement"}),
        )
        .await,
        403,
        "forbidden",
    );
    let (status, moved) = srv
        .post(
            &format!("/api/v1/tickets/{}/reclassify", ids[0]),
            &srv.admin,
            json!({"category": "licensing_billing"}),
        )
        .await;
    assert_eq!(status, 200, "{moved}");
    assert_eq!(
        (moved["takes_slot"].clone(), moved["response_due_at"].clone()),
        (json!(false), Value::Null),
        "no SLA for licensing"
    );
    let (_, q) = srv.get(&format!("/api/v1/tickets/{queued}"), &client).await;
    assert_eq!(q["status"], "open");
    let (_, back) = srv
        .post(
            &format!("/api/v1/tickets/{}/reclassify", ids[0]),
            &srv.admin,
            json!({"category": "consultation"}),
        )
        .await;
    assert_eq!(
        minute(&back["response_due_at"]),
        "2026-03-12T09:30",
        "the running cycle keeps its start and tier"
    );
    let (_, history) = srv.get(&format!("/api/v1/tickets/{}/events", ids[0]), &client).await;
    let changes: Vec<Value> = history["items"]
        .as_array()
        .expect("test fixture")
        .iter()
        .filter(|e| e["kind"] == "reclassified")
        .map(|e| e["data"]["category"].clone())
        .collect();
    assert_eq!(
        changes,
        vec![
            json!({"before": "consultation", "after": "licensing_billing"}),
            json!({"before": "licensing_billing", "after": "consultation"})
        ]
    );
    // R-TKT-1: the change is notified: the author has a mail for each reclassification.
    let mut tx = srv.app.store.read().await.expect("test fixture");
    let mails = reglament_store::mail::list_for(&mut tx, "cat@x.test")
        .await
        .expect("test fixture");
    tx.commit().await.expect("test fixture");
    let about: Vec<&str> = mails
        .iter()
        .filter(|m| m.subject.contains("категория изменена"))
        .map(|m| m.body.as_str())
        .collect();
    assert_eq!(about.len(), 2, "{mails:?}");
    assert!(
        about
            .iter()
            .any(|b| b.contains("«Консультация» → «Лицензирование и выставление счетов»")),
        "{about:?}"
    );
    assert!(
        about[0].contains("/tickets/"),
        "the mail links the ticket: {}",
        about[0]
    );
});

// R-SLA-1, R-SLA-4: the dashboards' compliance (answers on time / all) per tier and
// customer by Moscow month, and the response-time distribution in business minutes.
both_backends!(r_sla_4_compliance_report_by_tier_customer_and_month, |srv| {
    let customer = srv.customer("Отчет", "basic_plus").await;
    let other = srv.customer("Чужой", "premium").await;
    let (_, client) = srv.client(&customer, "report@x.test", json!({})).await;
    srv.client(&other, "stranger@x.test", json!({})).await;
    let quick = srv.consultation(&client, "Быстрый ответ").await;
    let slow = srv.consultation(&client, "Поздний ответ").await;
    // Wednesday 12:30 MSK: answered at once, on time, within 15 business minutes.
    say(srv, &srv.admin, &quick, "message", "Сразу").await;
    // Thursday 12:30 MSK: past the 4 business hours, late.
    let (client, admin) = at(srv, "2026-03-12T09:30:00Z", "report@x.test").await;
    say(srv, &admin, &slow, "message", "Поздно").await;

    let (status, report) = srv.get("/api/v1/sla/report?from=2026-01&to=2026-03", &admin).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["months"], json!(["2026-01", "2026-02", "2026-03"]));
    assert_eq!(
        report["by_tier"],
        json!([{"tier": "basic_plus", "month": "2026-03", "on_time": 1, "total": 2}])
    );
    assert_eq!(report["by_customer"][0]["name"], "Отчет");
    assert_eq!(report["by_customer"][0]["total"], 2);
    let counts: Vec<i64> = report["distribution"]
        .as_array()
        .expect("test fixture")
        .iter()
        .map(|b| b["count"].as_i64().expect("test fixture"))
        .collect();
    assert_eq!(counts.iter().sum::<i64>(), 2);
    assert_eq!(counts[0], 1, "the quick answer is in the first bucket (≤ 15 min)");
    assert_eq!(report["distribution"][0]["up_to_minutes"], 15);
    assert_eq!(
        report["distribution"]
            .as_array()
            .expect("test fixture")
            .last()
            .expect("test fixture")["up_to_minutes"],
        Value::Null
    );

    // A client sees their company's figures; another customer's client sees none of them.
    let (_, own) = srv.get("/api/v1/sla/report?from=2026-03&to=2026-03", &client).await;
    assert_eq!(own["by_customer"].as_array().expect("test fixture").len(), 1);
    let stranger = srv.login("stranger@x.test", CLIENT_PASSWORD).await;
    let (_, none) = srv.get("/api/v1/sla/report", &stranger).await;
    assert_eq!(
        (none["by_tier"].clone(), none["by_customer"].clone()),
        (json!([]), json!([]))
    );
    assert_eq!(
        none["months"].as_array().expect("test fixture").len(),
        6,
        "the last six months by default"
    );
    assert_eq!(none["to"], "2026-03");
    assert_problem(
        &srv.get("/api/v1/sla/report?from=2026-13", &admin).await,
        400,
        "validation_failed",
    );
    assert_problem(
        &srv.get("/api/v1/sla/report?from=2026-04&to=2026-03", &admin).await,
        400,
        "validation_failed",
    );
});

// R-CON-6 with R-CONF-1: staff mark a message (not only a file) confidential; clients
// cannot; its text is purged 30 days after it was received, once, and the message and the
// events of both remain in the history.
both_backends!(r_con_6_a_message_marked_confidential_is_purged_after_30_days, |srv| {
    let customer = srv.customer("Тайное слово", "basic").await;
    let (_, client) = srv.client(&customer, "word@secret.test", json!({})).await;
    let ticket = srv.consultation(&client, "Доступы").await;
    let other = srv.consultation(&client, "Другое").await;
    let (status, posted) = srv
        .post(
            &format!("/api/v1/tickets/{ticket}/messages"),
            &client,
            json!({"body": "Пароль: hunter2"}),
        )
        .await;
    assert_eq!(status, 201, "{posted}");
    let message = posted["message"]["id"].as_str().expect("id").to_owned();
    assert_eq!(posted["message"]["confidential"], json!(false));
    let mark = |token: String, on: String| {
        let message = message.clone();
        async move {
            srv.post(
                &format!("/api/v1/tickets/{on}/messages/{message}/confidential"),
                &token,
                json!({}),
            )
            .await
        }
    };
    assert_problem(&mark(client.clone(), ticket.clone()).await, 403, "forbidden");
    assert_problem(&mark(srv.admin.clone(), other.clone()).await, 404, "not_found");
    for _ in 0..2 {
        let (status, marked) = mark(srv.admin.clone(), ticket.clone()).await;
        assert_eq!(status, 200, "{marked}");
        assert_eq!(marked["confidential"], json!(true));
    }
    let texts = |token: String| {
        let ticket = ticket.clone();
        async move {
            let (status, list) = srv.get(&format!("/api/v1/tickets/{ticket}/messages"), &token).await;
            assert_eq!(status, 200, "{list}");
            list["items"].as_array().expect("items").clone()
        }
    };
    let seen = texts(client.clone()).await;
    assert_eq!(seen[0]["body"], "Пароль: hunter2");
    assert_eq!(seen[0]["confidential"], json!(true));
    // Day 29: kept. Day 31: purged, once.
    let start = srv.app.now();
    srv.clock.set(start + chrono::TimeDelta::days(29));
    assert_eq!(srv.app.jobs().run_once().await.expect("round").messages_purged, 0);
    srv.clock.set(start + chrono::TimeDelta::days(31));
    assert_eq!(srv.app.jobs().run_once().await.expect("round").messages_purged, 1);
    assert_eq!(srv.app.jobs().run_once().await.expect("round").messages_purged, 0);
    let client = srv.login("word@secret.test", common::CLIENT_PASSWORD).await;
    let seen = texts(client).await;
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0]["body"], "");
    assert!(seen[0]["purged_at"].is_string(), "{}", seen[0]);
    let admin = srv.login(common::ADMIN_EMAIL, common::ADMIN_PASSWORD).await;
    let (_, events) = srv.get(&format!("/api/v1/tickets/{ticket}/events"), &admin).await;
    let kinds: Vec<&str> = events["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert!(
        kinds.contains(&"message_confidential") && kinds.contains(&"message_purged"),
        "{kinds:?}"
    );
});
