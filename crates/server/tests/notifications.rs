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

/// Sets a tier's warning share (R-NTF-2), keeping the rest of Appendix 1.
async fn warn_at(srv: &common::TestServer, tier: &str, percent: i32) {
    let (status, t) = srv.get(&format!("/api/v1/tiers/{tier}"), &srv.admin).await;
    assert_eq!(status, 200, "{t}");
    let mut input = t.clone();
    let object = input.as_object_mut().expect("tier");
    object.remove("code");
    object.insert("warn_percent".to_owned(), json!(percent));
    let (status, body) = srv
        .call("PUT", &format!("/api/v1/tiers/{tier}"), Some(&srv.admin), Some(input))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["warn_percent"], json!(percent));
}

both_backends!(
    r_ntf_2_the_warning_skips_a_holiday_weekend_follows_the_tier_share_and_runs_through_a_24x7_night,
    |srv| {
        staff(srv, &srv.admin, "lead@instant.test", "support_lead").await;
        // Basic at 50% (4 h 30 min of 9 h), Basic+ at the default 75% (3 of 4 hours).
        warn_at(srv, "basic", 50).await;
        let basic = srv.customer("Мгновение Базовая", "basic").await;
        let plus = srv.customer("Мгновение Базовая+", "basic_plus").await;
        let night = srv.customer("Мгновение Премиум+", "premium_plus").await;
        srv.client(&basic, "b@instant.test", json!({})).await;
        srv.client(&plus, "p@instant.test", json!({})).await;
        srv.client(&night, "n@instant.test", json!({})).await;

        // Friday 6 March 2026, 16:00 Moscow time; Saturday, Sunday and Monday 9 March (the
        // holiday of 8 March, a Sunday, moved) are not working days.
        srv.clock.set(at("2026-03-06T13:00:00Z"));
        let b = srv
            .consultation(&srv.login("b@instant.test", common::CLIENT_PASSWORD).await, "Базовая")
            .await;
        let p = srv
            .consultation(&srv.login("p@instant.test", common::CLIENT_PASSWORD).await, "Плюс")
            .await;
        // Nothing over the weekend and the holiday.
        srv.clock.set(at("2026-03-09T20:00:00Z"));
        assert_eq!(srv.app.jobs().run_once().await.expect("jobs").sla_warnings, 0);
        // Basic+: 2 hours on Friday, 1 on Tuesday: 10:00.
        srv.clock.set(at("2026-03-10T06:59:00Z"));
        assert_eq!(srv.app.jobs().run_once().await.expect("jobs").sla_warnings, 0);
        srv.clock.set(at("2026-03-10T07:00:30Z"));
        assert_eq!(srv.app.jobs().run_once().await.expect("jobs").sla_warnings, 1);
        assert_eq!(count(srv, "lead@instant.test", "sla_warning", &p).await, 1);
        // Basic at 50%: 2 hours on Friday, 2 h 30 min on Tuesday: 11:30.
        srv.clock.set(at("2026-03-10T08:29:00Z"));
        assert_eq!(srv.app.jobs().run_once().await.expect("jobs").sla_warnings, 0);
        srv.clock.set(at("2026-03-10T08:30:30Z"));
        assert_eq!(srv.app.jobs().run_once().await.expect("jobs").sla_warnings, 1);
        let lead = inbox(srv, "lead@instant.test").await;
        let warning = lead
            .items
            .iter()
            .find(|n| n.kind == "sla_warning" && n.ticket_id.is_some_and(|t| t.to_string() == b))
            .expect("the basic ticket's warning");
        assert!(warning.body.contains("50%"), "{}", warning.body);

        // Premium+ (24x7, one hour) at 03:00 on Sunday 15 March: warned at 03:45, at night.
        srv.clock.set(at("2026-03-15T00:00:00Z"));
        let n = srv
            .consultation(&srv.login("n@instant.test", common::CLIENT_PASSWORD).await, "Ночь")
            .await;
        srv.clock.set(at("2026-03-15T00:44:00Z"));
        assert_eq!(srv.app.jobs().run_once().await.expect("jobs").sla_warnings, 0);
        srv.clock.set(at("2026-03-15T00:45:30Z"));
        assert_eq!(srv.app.jobs().run_once().await.expect("jobs").sla_warnings, 1);
        assert_eq!(count(srv, "lead@instant.test", "sla_warning", &n).await, 1);
    }
);

both_backends!(
    r_ntf_2_a_restarted_or_second_instance_neither_loses_nor_repeats_a_warning,
    |srv| {
        staff(srv, &srv.admin, "lead@restart.test", "support_lead").await;
        let customer = srv.customer("Перезапуск", "premium_plus").await;
        srv.client(&customer, "c@restart.test", json!({})).await;
        // A subscriber of `sla.warning` (R-INT-2) gets the warning as a webhook event too.
        let (status, hook) = srv
            .post(
                "/api/v1/webhooks",
                &srv.admin,
                json!({"url": "https://receiver.test/hook", "events": ["sla.warning"]}),
            )
            .await;
        assert_eq!(status, 201, "{hook}");
        let client = srv.login("c@restart.test", common::CLIENT_PASSWORD).await;
        let first = srv.consultation(&client, "Первое").await;
        let second = srv.consultation(&client, "Второе").await;
        // Another instance on the same database, and an instance started after this one: both
        // read what was told from the database, not from memory.
        let config = reglament_service::ServiceConfig::new(
            b"another-instance-secret-0123456789".to_vec(),
            "http://portal.test".into(),
        );
        let other = reglament_service::App::new(srv.app.store.clone(), srv.clock.clone(), config.clone());
        srv.clock.set(srv.app.now() + chrono::TimeDelta::minutes(46));
        let (here, there) = (srv.app.jobs(), other.jobs());
        let (a, b) = tokio::join!(here.run_once(), there.run_once());
        assert_eq!(a.expect("jobs").sla_warnings + b.expect("jobs").sla_warnings, 2);
        let restarted = reglament_service::App::new(srv.app.store.clone(), srv.clock.clone(), config);
        assert_eq!(restarted.jobs().run_once().await.expect("jobs").sla_warnings, 0);
        assert_eq!(count(srv, "lead@restart.test", "sla_warning", &first).await, 1);
        assert_eq!(count(srv, "lead@restart.test", "sla_warning", &second).await, 1);
        let (status, log) = srv
            .get(
                &format!("/api/v1/webhooks/{}/deliveries", hook["id"].as_str().expect("id")),
                &srv.login(common::ADMIN_EMAIL, common::ADMIN_PASSWORD).await,
            )
            .await;
        assert_eq!(status, 200, "{log}");
        let events: Vec<&str> = log["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter_map(|d| d["event"].as_str())
            .collect();
        assert_eq!(events, ["sla.warning", "sla.warning"], "{log}");
    }
);

/// The notification mails queued for `email`.
async fn mails(srv: &common::TestServer, email: &str) -> Vec<reglament_store::mail::OutgoingMail> {
    let mut tx = srv.app.store.read().await.expect("tx");
    let list = reglament_store::mail::list_for(&mut tx, email).await.expect("outbox");
    tx.commit().await.expect("commit");
    list
}

both_backends!(
    r_ntf_5_a_burst_folds_into_one_mail_and_each_person_chooses_the_channel,
    |srv| {
        staff(srv, &srv.admin, "burst@ntf5.test", "agent").await;
        staff(srv, &srv.admin, "quiet@ntf5.test", "agent").await;
        staff(srv, &srv.admin, "digest@ntf5.test", "support_lead").await;
        let customer = srv.customer("Лавина", "premium").await;
        srv.client(&customer, "c@ntf5.test", json!({})).await;
        // In the app only; new tickets in an hourly digest.
        let quiet = srv.login("quiet@ntf5.test", "staff-password-123").await;
        let (status, prefs) = srv
            .call(
                "PUT",
                "/api/v1/notifications/preferences",
                Some(&quiet),
                Some(json!([{"kind": "ticket_created", "channel": "in_app"}])),
            )
            .await;
        assert_eq!(status, 200, "{prefs}");
        let digest = srv.login("digest@ntf5.test", "staff-password-123").await;
        let (status, prefs) = srv
            .call(
                "PUT",
                "/api/v1/notifications/preferences",
                Some(&digest),
                Some(json!([{"kind": "ticket_created", "channel": "digest_hourly"}])),
            )
            .await;
        assert_eq!(status, 200, "{prefs}");
        let prefs: Vec<reglament_api::NotificationPreference> = typed(&prefs);
        let created = prefs.iter().find(|p| p.kind == "ticket_created").expect("kind");
        assert_eq!(created.channel, reglament_api::NotificationChannel::DigestHourly);
        assert!(!created.default);
        assert!(prefs.iter().filter(|p| p.kind != "ticket_created").all(|p| p.default));
        assert_problem(
            &srv.call(
                "PUT",
                "/api/v1/notifications/preferences",
                Some(&digest),
                Some(json!([{"kind": "no_such_kind", "channel": "mail"}])),
            )
            .await,
            400,
            "validation_failed",
        );
        // Clients route their optional notices (R-NTF-4), not staff's alerts.
        let client = srv.login("c@ntf5.test", common::CLIENT_PASSWORD).await;
        let (status, prefs) = srv.get("/api/v1/notifications/preferences", &client).await;
        assert_eq!(status, 200, "{prefs}");
        let kinds: Vec<reglament_api::NotificationPreference> = typed(&prefs);
        let kinds: Vec<&str> = kinds.iter().map(|p| p.kind.as_str()).collect();
        assert_eq!(kinds, ["ticket_status", "auto_close_reminder"]);
        assert_problem(
            &srv.call(
                "PUT",
                "/api/v1/notifications/preferences",
                Some(&client),
                Some(json!([{"kind": "ticket_created", "channel": "in_app"}])),
            )
            .await,
            400,
            "validation_failed",
        );

        // Wednesday 12:30: the first new ticket is mailed at once.
        srv.consultation(&client, "Первое").await;
        srv.app.notifications().deliver_once().await.expect("delivery");
        let first = mails(srv, "burst@ntf5.test").await;
        assert_eq!(first.len(), 1);
        assert!(first[0].subject.starts_with("[#"), "{}", first[0].subject);
        // Seven more within the minute wait for its end, then go as one mail listing them.
        for i in 0..7 {
            srv.consultation(&client, &format!("Лавина {i}")).await;
        }
        srv.app.notifications().deliver_once().await.expect("delivery");
        assert_eq!(mails(srv, "burst@ntf5.test").await.len(), 1);
        srv.clock.set(srv.app.now() + chrono::TimeDelta::seconds(61));
        srv.app.notifications().deliver_once().await.expect("delivery");
        let burst = mails(srv, "burst@ntf5.test").await;
        assert_eq!(
            burst.len(),
            2,
            "{:?}",
            burst.iter().map(|m| &m.subject).collect::<Vec<_>>()
        );
        let folded = burst
            .iter()
            .find(|m| m.subject.contains("7 уведомлений"))
            .expect("the folded mail");
        assert_eq!(folded.body.matches("Новое обращение").count(), 7, "{}", folded.body);
        // Two in a quiet minute later are mailed each.
        srv.clock.set(srv.app.now() + chrono::TimeDelta::minutes(3));
        let client = srv.login("c@ntf5.test", common::CLIENT_PASSWORD).await;
        srv.consultation(&client, "Спокойно 1").await;
        srv.consultation(&client, "Спокойно 2").await;
        srv.app.notifications().deliver_once().await.expect("delivery");
        assert_eq!(mails(srv, "burst@ntf5.test").await.len(), 4);
        // In the app only: no mail, but the bell has them all.
        assert!(mails(srv, "quiet@ntf5.test").await.is_empty());
        assert_eq!(inbox(srv, "quiet@ntf5.test").await.unread, 10);
        // The hourly digest: nothing before the hour is over, then one mail with all ten.
        assert!(mails(srv, "digest@ntf5.test").await.is_empty());
        srv.clock.set(at("2026-03-11T10:00:05Z"));
        srv.app.notifications().deliver_once().await.expect("delivery");
        let digests = mails(srv, "digest@ntf5.test").await;
        assert_eq!(digests.len(), 1);
        assert_eq!(
            digests[0].body.matches("Новое обращение").count(),
            10,
            "{}",
            digests[0].body
        );
        srv.app.notifications().deliver_once().await.expect("delivery");
        assert_eq!(mails(srv, "digest@ntf5.test").await.len(), 1, "sent once");
    }
);

// R-NTF-6 for staff: each alert is written in its reader's language with times in their
// time zone, Moscow time in brackets when it differs; the folded mail of a burst too.
both_backends!(r_ntf_6_staff_alerts_in_each_readers_language_and_time_zone, |srv| {
    for (email, zone, locale) in [
        ("vl@ntf6.test", "Asia/Vladivostok", "en"),
        ("kg@ntf6.test", "Europe/Kaliningrad", "ru"),
        ("msk@ntf6.test", "Europe/Moscow", "ru"),
    ] {
        staff(srv, &srv.admin, email, "support_lead").await;
        let token = srv.login(email, "staff-password-123").await;
        let (status, me) = srv
            .call(
                "PATCH",
                "/api/v1/me",
                Some(&token),
                Some(json!({"time_zone": zone, "locale": locale})),
            )
            .await;
        assert_eq!(status, 200, "{me}");
    }
    let customer = srv.customer("Часовые пояса", "basic").await;
    srv.client(&customer, "client@ntf6.test", json!({})).await;
    // Friday 13 March 2026, 17:30 Moscow time: due Monday 17:30 Moscow, warned at 15:15.
    srv.clock.set(at("2026-03-13T14:30:00Z"));
    let client = srv.login("client@ntf6.test", common::CLIENT_PASSWORD).await;
    let ticket = srv.consultation(&client, "Без исполнителя").await;
    let created = |list: &NotificationList| {
        list.items
            .iter()
            .find(|n| n.kind == "ticket_created")
            .map(|n| n.title.clone())
            .expect("the new ticket's alert")
    };
    assert!(
        created(&inbox(srv, "vl@ntf6.test").await).starts_with("New ticket #"),
        "English for the English reader"
    );
    assert!(created(&inbox(srv, "kg@ntf6.test").await).starts_with("Новое обращение №"));

    srv.clock.set(at("2026-03-16T12:15:30Z"));
    assert_eq!(srv.app.jobs().run_once().await.expect("jobs").sla_warnings, 1);
    let warning = |list: NotificationList| {
        list.items
            .into_iter()
            .find(|n| n.kind == "sla_warning" && n.ticket_id.map(|t| t.to_string()) == Some(ticket.clone()))
            .expect("the warning")
    };
    // Vladivostok (UTC+10): Tuesday 00:30 there, Monday 17:30 in Moscow.
    let vl = warning(inbox(srv, "vl@ntf6.test").await);
    assert!(vl.title.contains("deadline is near"), "{}", vl.title);
    assert!(
        vl.body.contains("due by 17.03.2026 00:30 (16.03.2026 17:30 Moscow)"),
        "{}",
        vl.body
    );
    // Kaliningrad (UTC+2): an hour behind Moscow, the same day.
    let kg = warning(inbox(srv, "kg@ntf6.test").await);
    assert!(kg.body.contains("до 16.03.2026 16:30 (17:30 МСК)"), "{}", kg.body);
    let msk = warning(inbox(srv, "msk@ntf6.test").await);
    assert!(msk.body.contains("до 16.03.2026 17:30 (МСК)"), "{}", msk.body);

    // The breach, and the mails as delivered: subject and body in the reader's language.
    srv.clock.set(at("2026-03-16T14:31:00Z"));
    srv.app.jobs().run_once().await.expect("jobs");
    let vl = inbox(srv, "vl@ntf6.test").await;
    let breach = vl.items.iter().find(|n| n.kind == "sla_breach").expect("the breach");
    assert!(
        breach
            .body
            .contains("was due 17.03.2026 00:30 (16.03.2026 17:30 Moscow)"),
        "{}",
        breach.body
    );
    srv.app.notifications().deliver_once().await.expect("delivery");
    let english = mails(srv, "vl@ntf6.test").await;
    assert!(!english.is_empty());
    assert!(
        english
            .iter()
            .all(|m| !m.subject.contains("Обращение") && !m.body.contains("МСК")),
        "{:?}",
        english.iter().map(|m| &m.subject).collect::<Vec<_>>()
    );
    assert!(
        mails(srv, "kg@ntf6.test")
            .await
            .iter()
            .any(|m| m.body.contains("16.03.2026 16:30 (17:30 МСК)"))
    );
});
