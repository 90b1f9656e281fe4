//! R-NTF-2: warnings before a response deadline, in business time on the tier's schedule,
//! once per cycle, and the breach told to the assignee and the support leads; the inbox
//! (R-NTF) lists them with the unread count and marks them read.

mod common;

use common::{ADMIN_EMAIL, ADMIN_PASSWORD, assert_problem, typed};
use reglament_api::NotificationList;
use serde_json::json;

fn at(s: &str) -> chrono::DateTime<chrono::Utc> {
    s.parse().expect("test fixture")
}

async fn staff(srv: &common::TestServer, admin: &str, email: &str, role: &str) -> String {
    let (status, user) = srv
        .post(
            "/api/v1/staff",
            admin,
            json!({"email": email, "full_name": format!("Сотрудник {role}"), "role": role, "password": "staff-password-123"}),
        )
        .await;
    assert_eq!(status, 201, "{user}");
    user["id"].as_str().expect("id").to_owned()
}

async fn inbox(srv: &common::TestServer, email: &str) -> NotificationList {
    let token = srv.login(email, "staff-password-123").await;
    let (status, body) = srv.get("/api/v1/notifications", &token).await;
    assert_eq!(status, 200, "{body}");
    typed(&body)
}

/// The SLA notifications (R-NTF-2) of a list, as (kind, ticket), sorted.
fn kinds(list: &NotificationList) -> Vec<(String, String)> {
    let mut k: Vec<(String, String)> = list
        .items
        .iter()
        .filter(|n| n.kind.starts_with("sla_"))
        .map(|n| (n.kind.clone(), n.ticket_id.map(|t| t.to_string()).unwrap_or_default()))
        .collect();
    k.sort();
    k
}

both_backends!(r_ntf_2_warned_at_75_percent_in_business_time_then_the_breach, |srv| {
    // Friday 13 March 2026, 17:30 Moscow time: a basic ticket (8x5, 9 business hours) is
    // due Monday 17:30 and warned Monday 15:15, not over the weekend.
    let customer = srv.customer("Уведомления", "basic").await;
    srv.client(&customer, "client@ntf.test", json!({})).await;
    let agent = staff(srv, &srv.admin, "agent@ntf.test", "agent").await;
    staff(srv, &srv.admin, "lead@ntf.test", "support_lead").await;
    srv.clock.set(at("2026-03-13T14:30:00Z"));
    let admin = srv.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let client = srv.login("client@ntf.test", common::CLIENT_PASSWORD).await;
    let assigned = srv.consultation(&client, "Назначенное").await;
    let (status, body) = srv
        .post(
            &format!("/api/v1/tickets/{assigned}/assign"),
            &admin,
            json!({"assignee_id": agent}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let unassigned = srv.consultation(&client, "Без исполнителя").await;
    let answered = srv.consultation(&client, "Отвеченное").await;

    // Monday 10:00: the third is answered before its threshold.
    srv.clock.set(at("2026-03-16T07:00:00Z"));
    let agent_token = srv.login("agent@ntf.test", "staff-password-123").await;
    let (status, body) = srv
        .post(
            &format!("/api/v1/tickets/{answered}/messages"),
            &agent_token,
            json!({"body": "Ответ", "kind": "message"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");

    // A minute before the warning instant: nothing.
    srv.clock.set(at("2026-03-16T12:14:00Z"));
    let report = srv.app.jobs().run_once().await.expect("jobs");
    assert_eq!(report.sla_warnings, 0);
    assert!(kinds(&inbox(srv, "agent@ntf.test").await).is_empty());
    assert!(kinds(&inbox(srv, "lead@ntf.test").await).is_empty());

    // At 15:15 Moscow time: the assignee for theirs, the support lead for the unassigned
    // one; nobody for the answered one. A second round (or a restart) repeats nothing.
    srv.clock.set(at("2026-03-16T12:15:30Z"));
    let report = srv.app.jobs().run_once().await.expect("jobs");
    assert_eq!(report.sla_warnings, 2);
    let report = srv.app.jobs().run_once().await.expect("jobs");
    assert_eq!(report.sla_warnings, 0);
    let mine = inbox(srv, "agent@ntf.test").await;
    assert_eq!(kinds(&mine), [("sla_warning".to_owned(), assigned.clone())]);
    let warning = mine
        .items
        .iter()
        .find(|n| n.kind == "sla_warning")
        .expect("the warning");
    assert!(warning.body.contains("16.03.2026 17:30"), "{}", warning.body);
    let leads = inbox(srv, "lead@ntf.test").await;
    assert_eq!(kinds(&leads), [("sla_warning".to_owned(), unassigned.clone())]);

    // The breach at 17:30: the assignee and the support leads, once.
    srv.clock.set(at("2026-03-16T14:31:00Z"));
    let report = srv.app.jobs().run_once().await.expect("jobs");
    assert_eq!(report.breaches_marked, 2);
    srv.app.jobs().run_once().await.expect("jobs");
    let mine = inbox(srv, "agent@ntf.test").await;
    assert_eq!(
        kinds(&mine),
        [
            ("sla_breach".to_owned(), assigned.clone()),
            ("sla_warning".to_owned(), assigned.clone())
        ]
    );
    let mut expected = vec![
        ("sla_breach".to_owned(), assigned.clone()),
        ("sla_breach".to_owned(), unassigned.clone()),
        ("sla_warning".to_owned(), unassigned.clone()),
    ];
    expected.sort();
    assert_eq!(kinds(&inbox(srv, "lead@ntf.test").await), expected);

    // Reading: one, then all; another's notification is not found.
    let agent_token = srv.login("agent@ntf.test", "staff-password-123").await;
    let lead_token = srv.login("lead@ntf.test", "staff-password-123").await;
    let first = mine
        .items
        .iter()
        .find(|n| n.kind == "sla_breach")
        .expect("the breach")
        .id;
    assert_problem(
        &srv.call(
            "POST",
            &format!("/api/v1/notifications/{first}/read"),
            Some(&lead_token),
            None,
        )
        .await,
        404,
        "not_found",
    );
    let (status, _) = srv
        .call(
            "POST",
            &format!("/api/v1/notifications/{first}/read"),
            Some(&agent_token),
            None,
        )
        .await;
    assert_eq!(status, 204);
    let (_, body) = srv.get("/api/v1/notifications?unread=true", &agent_token).await;
    let unread: NotificationList = typed(&body);
    assert_eq!(unread.unread, mine.unread - 1);
    assert_eq!(unread.total, unread.unread);
    assert!(unread.items.iter().all(|n| n.read_at.is_none() && n.id != first));
    let lead_unread = inbox(srv, "lead@ntf.test").await.unread;
    let (status, _) = srv
        .call("POST", "/api/v1/notifications/read-all", Some(&agent_token), None)
        .await;
    assert_eq!(status, 204);
    assert_eq!(inbox(srv, "agent@ntf.test").await.unread, 0);
    // The lead's are untouched.
    assert_eq!(inbox(srv, "lead@ntf.test").await.unread, lead_unread);
});

/// How many notifications of `kind` about `ticket` the person has.
async fn count(srv: &common::TestServer, email: &str, kind: &str, ticket: &str) -> usize {
    inbox(srv, email)
        .await
        .items
        .iter()
        .filter(|n| n.kind == kind && n.ticket_id.is_some_and(|t| t.to_string() == ticket))
        .count()
}

both_backends!(r_ntf_1_staff_are_told_of_work_that_is_theirs, |srv| {
    // Wednesday 11 March 2026, 12:30 Moscow time: premium is due in 2 hours.
    let admin = srv.admin.clone();
    let agent = staff(srv, &admin, "a@ntf1.test", "agent").await;
    staff(srv, &admin, "b@ntf1.test", "agent").await;
    staff(srv, &admin, "lead@ntf1.test", "support_lead").await;
    staff(srv, &admin, "spec@ntf1.test", "specialist").await;
    let manager = staff(srv, &admin, "am@ntf1.test", "account_manager").await;
    let customer = srv.customer("Оповещения", "premium").await;
    let (status, body) = srv
        .patch(
            &format!("/api/v1/customers/{customer}"),
            &admin,
            json!({"account_manager_id": manager}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, key) = srv
        .client(&customer, "key@ntf1.test", json!({"is_key_contact": true}))
        .await;

    // A new ticket: every agent and support lead; not the specialist.
    let ticket = srv.consultation(&key, "Новая работа").await;
    for who in ["a@ntf1.test", "b@ntf1.test", "lead@ntf1.test"] {
        assert_eq!(count(srv, who, "ticket_created", &ticket).await, 1, "{who}");
    }
    assert_eq!(count(srv, "spec@ntf1.test", "ticket_created", &ticket).await, 0);

    // Assigned by the admin: the assignee is told; a client's message then goes to them alone.
    let (status, body) = srv
        .post(
            &format!("/api/v1/tickets/{ticket}/assign"),
            &admin,
            json!({"assignee_id": agent}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(count(srv, "a@ntf1.test", "assigned", &ticket).await, 1);
    let (status, body) = srv
        .post(
            &format!("/api/v1/tickets/{ticket}/messages"),
            &key,
            json!({"body": "Уточнение"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(count(srv, "a@ntf1.test", "client_message", &ticket).await, 1);
    assert_eq!(count(srv, "b@ntf1.test", "client_message", &ticket).await, 0);

    // On an unassigned ticket a client's message is told as a new ticket.
    let lone = srv.consultation(&key, "Без исполнителя").await;
    let (status, body) = srv
        .post(
            &format!("/api/v1/tickets/{lone}/messages"),
            &key,
            json!({"body": "Ещё"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(count(srv, "b@ntf1.test", "client_message", &lone).await, 1);

    // Overdue three hours later, the key contact escalates: the leads and the assignee.
    srv.clock.set(at("2026-03-11T12:31:00Z"));
    let key = srv.login("key@ntf1.test", common::CLIENT_PASSWORD).await;
    let (status, body) = srv
        .post(
            &format!("/api/v1/tickets/{ticket}/escalate"),
            &key,
            json!({"comment": "Срочно"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(count(srv, "lead@ntf1.test", "escalation", &ticket).await, 1);
    assert_eq!(count(srv, "a@ntf1.test", "escalation", &ticket).await, 1);
    assert_eq!(count(srv, "b@ntf1.test", "escalation", &ticket).await, 0);

    // An estimate decided: its author (the specialist) and the account manager.
    let (status, order) = srv
        .post(
            "/api/v1/tickets",
            &key,
            json!({"category": "service_request", "subject": "Работы", "body": "Нужна настройка"}),
        )
        .await;
    assert_eq!(status, 201, "{order}");
    let order = order["id"].as_str().expect("id").to_owned();
    let spec = srv.login("spec@ntf1.test", "staff-password-123").await;
    let (status, o) = srv
        .post(
            &format!("/api/v1/tickets/{order}/estimates"),
            &spec,
            json!({"hours": 4, "starts_on": srv.app.today()}),
        )
        .await;
    assert_eq!(status, 201, "{o}");
    let estimate = o["estimates"][0]["id"].as_str().expect("estimate").to_owned();
    let (status, body) = srv
        .post(
            &format!("/api/v1/tickets/{order}/estimates/{estimate}/approve"),
            &key,
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(count(srv, "spec@ntf1.test", "estimate_decided", &order).await, 1);
    assert_eq!(count(srv, "am@ntf1.test", "estimate_decided", &order).await, 1);
});
