//! Product versions (R-TKT-4), closing reasons (R-TKT-8), bug resolutions (R-TKT-9,
//! R-SLA-5) and assignment, through the HTTP API on both backends.

mod common;

use common::{assert_problem, typed};
use reglament_api::{BugResolution, Message, MessageKind, Page, Status, TicketView};
use serde_json::{Value, json};

async fn bug(srv: &common::TestServer, token: &str, version: &str, extra: Value) -> (u16, Value) {
    let mut body =
        json!({"category": "bug", "subject": format!("Ошибка в {version}"), "body": "…", "product_version": version});
    body.as_object_mut()
        .expect("test fixture")
        .extend(extra.as_object().expect("test fixture").clone());
    srv.post("/api/v1/tickets", token, body).await
}

both_backends!(r_tkt_4_versions_and_r_tkt_8_closing_reasons, |srv| {
    let customer = srv.customer("Версии", "premium").await;
    let (_, client) = srv.client(&customer, "ver@x.test", json!({})).await;
    // With an empty registry any version is accepted.
    assert_eq!(bug(srv, &client, "0.9", json!({})).await.0, 201);
    for (version, body) in [
        ("5.1", json!({"supported": true, "released_on": "2025-06-01"})),
        (
            "5.2",
            json!({"supported": true, "latest": true, "released_on": "2026-02-01"}),
        ),
    ] {
        let (status, v) = srv
            .call(
                "PUT",
                &format!("/api/v1/product-versions/{version}"),
                Some(&srv.admin),
                Some(body),
            )
            .await;
        assert_eq!(status, 200, "{v}");
    }
    assert_problem(
        &srv.call(
            "PUT",
            "/api/v1/product-versions/6.0",
            Some(&client),
            Some(json!({"supported": true})),
        )
        .await,
        403,
        "forbidden",
    );
    let (_, list) = srv.get("/api/v1/product-versions", &client).await;
    assert_eq!(
        list.as_array()
            .expect("test fixture")
            .iter()
            .map(|v| v["version"].clone())
            .collect::<Vec<_>>(),
        vec![json!("5.2"), json!("5.1")]
    );
    let unknown = bug(srv, &client, "4.0", json!({})).await;
    assert_problem(&unknown, 400, "validation_failed");
    assert!(unknown.1["detail"].as_str().expect("test fixture").contains("5.2"));
    let (_, old) = bug(srv, &client, "5.1", json!({})).await;
    let (_, current) = bug(srv, &client, "5.2", json!({})).await;
    let close = |id: &Value| format!("/api/v1/tickets/{}/close", id.as_str().expect("test fixture"));
    assert_problem(
        &srv.post(
            &close(&current["id"]),
            &srv.admin,
            json!({"reason": "unsupported_version"}),
        )
        .await,
        422,
        "version_is_latest",
    );
    let (status, closed) = srv
        .post(
            &close(&old["id"]),
            &srv.admin,
            json!({"reason": "unsupported_version", "comment": "Обновитесь до 5.2"}),
        )
        .await;
    assert_eq!(
        (status, closed["close_reason"].clone()),
        (200, json!("unsupported_version")),
        "{closed}"
    );
    // R-TKT-8: a third-party cause names whom to contact, and the client reads it.
    assert_problem(
        &srv.post(&close(&current["id"]), &srv.admin, json!({"reason": "third_party"}))
            .await,
        400,
        "validation_failed",
    );
    let (status, _) = srv
        .post(
            &close(&current["id"]),
            &srv.admin,
            json!({"reason": "third_party", "comment": "Обратитесь к поставщику СУБД"}),
        )
        .await;
    assert_eq!(status, 200);
    let (_, messages) = srv
        .get(
            &format!(
                "/api/v1/tickets/{}/messages",
                current["id"].as_str().expect("test fixture")
            ),
            &client,
        )
        .await;
    assert_eq!(messages["items"][0]["body"], "Обратитесь к поставщику СУБД");
});

both_backends!(r_tkt_9_bug_resolution_stops_the_fix_clock, |srv| {
    let customer = srv.customer("Решения", "premium").await;
    let (_, client) = srv.client(&customer, "fix@x.test", json!({})).await;
    let (_, critical) = bug(
        srv,
        &client,
        "5.2",
        json!({"is_critical": true, "critical_justification": "Данные портятся"}),
    )
    .await;
    let id = critical["id"].as_str().expect("test fixture");
    let (_, confirmed) = srv
        .post(&format!("/api/v1/tickets/{id}/confirm-bug"), &srv.admin, json!({}))
        .await;
    assert!(confirmed["fix_due_at"].is_string());
    let (_, consultation) = srv
        .post(
            "/api/v1/tickets",
            &client,
            json!({"category": "consultation", "subject": "?", "body": "?"}),
        )
        .await;
    assert_problem(
        &srv.post(
            &format!(
                "/api/v1/tickets/{}/resolve-bug",
                consultation["id"].as_str().expect("test fixture")
            ),
            &srv.admin,
            json!({"resolution": "workaround", "details": "x"}),
        )
        .await,
        422,
        "not_a_bug",
    );
    assert_problem(
        &srv.post(
            &format!("/api/v1/tickets/{id}/resolve-bug"),
            &client,
            json!({"resolution": "workaround", "details": "x"}),
        )
        .await,
        403,
        "forbidden",
    );
    let (status, resolved) = srv
        .post(
            &format!("/api/v1/tickets/{id}/resolve-bug"),
            &srv.admin,
            json!({"resolution": "workaround", "details": "Отключите кэш до выхода 5.3"}),
        )
        .await;
    assert_eq!(status, 200, "{resolved}");
    let resolved: TicketView = typed(&resolved);
    assert_eq!(resolved.ticket.bug_resolution, Some(BugResolution::Workaround));
    assert_eq!(resolved.ticket.fix_due_at, None, "the fix clock stops (R-SLA-5)");
    assert_eq!(
        (resolved.ticket.status, resolved.ticket.awaiting_response),
        (Status::WaitingForCustomer, false)
    );
    assert!(
        resolved.ticket.waiting_since.is_some(),
        "it waits for the client (R-TKT-6)"
    );
    let (_, history) = srv.get(&format!("/api/v1/tickets/{id}/events"), &client).await;
    let event = history["items"]
        .as_array()
        .expect("test fixture")
        .iter()
        .find(|e| e["kind"] == "bug_resolved")
        .expect("test fixture")
        .clone();
    assert_eq!(
        (
            event["data"]["resolution"].clone(),
            event["data"]["fix_on_time"].clone()
        ),
        (json!("workaround"), json!(true))
    );
    let (_, messages) = srv.get(&format!("/api/v1/tickets/{id}/messages"), &client).await;
    let messages: Page<Message> = typed(&messages);
    assert_eq!(messages.items[0].kind, MessageKind::Solution);
});

both_backends!(staff_assign_tickets, |srv| {
    let customer = srv.customer("Назначения", "premium").await;
    let (client_id, client) = srv.client(&customer, "assign@x.test", json!({})).await;
    let (_, agent) = srv.post("/api/v1/staff", &srv.admin, json!({"email": "agent2@vendor.test", "full_name": "Агент", "role": "agent", "password": "agent-password-2"})).await;
    let (_, t) = srv
        .post(
            "/api/v1/tickets",
            &client,
            json!({"category": "consultation", "subject": "Кому?", "body": "?"}),
        )
        .await;
    let path = format!("/api/v1/tickets/{}/assign", t["id"].as_str().expect("test fixture"));
    let (status, assigned) = srv.post(&path, &srv.admin, json!({"assignee_id": agent["id"]})).await;
    assert_eq!((status, assigned["assignee_id"].clone()), (200, agent["id"].clone()));
    let (_, mine) = srv
        .get(
            &format!(
                "/api/v1/tickets?assignee_id={}",
                agent["id"].as_str().expect("test fixture")
            ),
            &srv.admin,
        )
        .await;
    assert_eq!(mine["total"], 1);
    assert_problem(
        &srv.post(&path, &srv.admin, json!({"assignee_id": client_id})).await,
        400,
        "validation_failed",
    );
    assert_problem(
        &srv.post(&path, &client, json!({"assignee_id": null})).await,
        403,
        "forbidden",
    );
    let (_, unassigned) = srv.post(&path, &srv.admin, json!({"assignee_id": null})).await;
    assert!(unassigned["assignee_id"].is_null());
});
