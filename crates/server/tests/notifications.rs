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

fn kinds(list: &NotificationList) -> Vec<(String, String)> {
    let mut k: Vec<(String, String)> = list
        .items
        .iter()
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
    assert!(inbox(srv, "agent@ntf.test").await.items.is_empty());
    assert!(inbox(srv, "lead@ntf.test").await.items.is_empty());

    // At 15:15 Moscow time: the assignee for theirs, the support lead for the unassigned
    // one; nobody for the answered one. A second round (or a restart) repeats nothing.
    srv.clock.set(at("2026-03-16T12:15:30Z"));
    let report = srv.app.jobs().run_once().await.expect("jobs");
    assert_eq!(report.sla_warnings, 2);
    let report = srv.app.jobs().run_once().await.expect("jobs");
    assert_eq!(report.sla_warnings, 0);
    let mine = inbox(srv, "agent@ntf.test").await;
    assert_eq!(kinds(&mine), [("sla_warning".to_owned(), assigned.clone())]);
    assert_eq!(mine.unread, 1);
    assert!(
        mine.items[0].body.contains("16.03.2026 17:30"),
        "{}",
        mine.items[0].body
    );
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
    let first = mine.items[0].id;
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
    assert_eq!((unread.unread, unread.total, unread.items.len()), (1, 1, 1));
    let (status, _) = srv
        .call("POST", "/api/v1/notifications/read-all", Some(&agent_token), None)
        .await;
    assert_eq!(status, 204);
    assert_eq!(inbox(srv, "agent@ntf.test").await.unread, 0);
    // The lead's are untouched.
    assert_eq!(inbox(srv, "lead@ntf.test").await.unread, 3);
});
