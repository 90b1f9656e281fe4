//! R-NTF-4, R-NTF-5 (clients), R-NTF-6: clients hear every change to a ticket they can see
//! that they did not make themselves, once each, in the app and by mail, in their
//! language with times in their time zone; the auto-close reminder a working day before.

mod common;

use chrono::{DateTime, Utc};
use common::{TestServer, typed};
use reglament_api::NotificationList;
use serde_json::{Value, json};

fn at(s: &str) -> DateTime<Utc> {
    s.parse().expect("test fixture")
}

async fn mails_to(srv: &TestServer, email: &str) -> Vec<reglament_store::mail::OutgoingMail> {
    let mut tx = srv.app.store.read().await.expect("tx");
    let list = reglament_store::mail::list_for(&mut tx, email).await.expect("outbox");
    tx.commit().await.expect("commit");
    list
}

async fn inbox(srv: &TestServer, token: &str) -> NotificationList {
    let (status, body) = srv.get("/api/v1/notifications?limit=200", token).await;
    assert_eq!(status, 200, "{body}");
    typed(&body)
}

async fn ok(srv: &TestServer, path: &str, token: &str, body: Value) -> Value {
    let (status, answer) = srv.post(path, token, body).await;
    assert!((200..300).contains(&status), "{path}: {status} {answer}");
    answer
}

// R-NTF-4 and R-NTF-6: a ticket waiting since Tuesday 3 November 2026 12:00 Moscow time
// closes after 3 working days — Wednesday the 4th is a holiday, so on Monday the 9th — and
// its client is reminded on Friday the 6th, one working day before, once. A client in
// Vladivostok (UTC+10) reads the closing time in theirs with Moscow time in brackets; one
// in Kaliningrad (UTC+2) who reads English reads it in English; a client who answered
// meanwhile is not reminded. Then the auto-close itself is told.
both_backends!(
    r_ntf_4_the_auto_close_reminder_a_working_day_before_across_a_holiday,
    |srv| {
        let customer = srv.customer("Напоминания", "basic").await;
        for (email, zone, locale) in [
            ("vl@remind.test", "Asia/Vladivostok", "ru"),
            ("kg@remind.test", "Europe/Kaliningrad", "en"),
            ("msk@remind.test", "Europe/Moscow", "ru"),
        ] {
            let (_, token) = srv.client(&customer, email, json!({})).await;
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
        srv.clock.set(at("2026-11-03T09:00:00Z"));
        let admin = srv.login(common::ADMIN_EMAIL, common::ADMIN_PASSWORD).await;
        let mut tickets = Vec::new();
        for email in ["vl@remind.test", "kg@remind.test", "msk@remind.test"] {
            let token = srv.login(email, common::CLIENT_PASSWORD).await;
            let id = srv.consultation(&token, &format!("Вопрос {email}")).await;
            ok(
                srv,
                &format!("/api/v1/tickets/{id}/messages"),
                &admin,
                json!({"kind": "info_request", "body": "Пришлите журнал"}),
            )
            .await;
            tickets.push((email, id, token));
        }
        let closes = srv
            .app
            .calendar()
            .business_calendar()
            .add_working_days(at("2026-11-03T09:00:00Z"), 3)
            .expect("calendar");
        assert_eq!(
            reglament_domain::moscow::date(closes).to_string(),
            "2026-11-09",
            "the holiday moves the close to Monday"
        );

        // Thursday afternoon: too early. The Moscow client answers.
        srv.clock.set(at("2026-11-05T12:00:00Z"));
        assert_eq!(srv.app.jobs().run_once().await.expect("jobs").auto_close_reminders, 0);
        let msk = srv.login("msk@remind.test", common::CLIENT_PASSWORD).await;
        ok(
            srv,
            &format!("/api/v1/tickets/{}/messages", tickets[2].1),
            &msk,
            json!({"kind": "message", "body": "Журнал во вложении"}),
        )
        .await;

        // Friday 14:00 Moscow time: the two who did not answer are reminded, once.
        srv.clock.set(at("2026-11-06T11:00:00Z"));
        assert_eq!(srv.app.jobs().run_once().await.expect("jobs").auto_close_reminders, 2);
        assert_eq!(srv.app.jobs().run_once().await.expect("jobs").auto_close_reminders, 0);
        let vl = mails_to(srv, "vl@remind.test").await;
        let reminder = vl
            .iter()
            .find(|m| m.subject.contains("ждем вашего ответа"))
            .expect("the reminder");
        let in_vladivostok = reglament_domain::moscow::format_for(closes, "Asia/Vladivostok", "ru");
        assert!(in_vladivostok.starts_with("09.11.2026") && in_vladivostok.ends_with(" МСК)"));
        assert!(
            reminder
                .body
                .contains(&format!("Закрытие без ответа: {in_vladivostok}")),
            "{}",
            reminder.body
        );
        assert_eq!(
            vl.iter().filter(|m| m.subject.contains("ждем вашего ответа")).count(),
            1
        );
        let kg = mails_to(srv, "kg@remind.test").await;
        let reminder = kg
            .iter()
            .find(|m| m.subject.contains("we are waiting for your answer"))
            .expect("the reminder in English");
        let in_kaliningrad = reglament_domain::moscow::format_for(closes, "Europe/Kaliningrad", "en");
        assert!(in_kaliningrad.ends_with(" Moscow)"), "{in_kaliningrad}");
        assert!(reminder.body.contains(&in_kaliningrad), "{}", reminder.body);
        assert!(reminder.body.starts_with("Hello,"), "{}", reminder.body);
        assert!(
            !mails_to(srv, "msk@remind.test")
                .await
                .iter()
                .any(|m| m.subject.contains("ждем вашего ответа")),
            "an answered ticket is not reminded"
        );
        let vl_token = srv.login("vl@remind.test", common::CLIENT_PASSWORD).await;
        let bell = inbox(srv, &vl_token).await;
        assert_eq!(
            bell.items.iter().filter(|n| n.kind == "auto_close_reminder").count(),
            1,
            "in the app too"
        );

        // Monday after the close: the two are closed and told; the answered one stays open.
        srv.clock.set(closes + chrono::TimeDelta::minutes(1));
        assert_eq!(srv.app.jobs().run_once().await.expect("jobs").auto_closed, 2);
        let closed = mails_to(srv, "vl@remind.test").await;
        assert_eq!(
            closed
                .iter()
                .filter(|m| m.subject.contains("нет ответа от вас"))
                .count(),
            1,
            "{:?}",
            closed.iter().map(|m| &m.subject).collect::<Vec<_>>()
        );
    }
);

// R-NTF-4: each status change staff make reaches each client who sees the ticket — its
// author and the author's team — exactly once, in the app and by mail; the change a client
// makes is not told back to them. R-NTF-5: a client who routes status changes to the app
// only gets no mail for them, but still gets staff answers by mail (not optional).
both_backends!(r_ntf_4_each_status_change_once_per_client, |srv| {
    let customer = srv.customer("Статусы", "premium").await;
    let team = ok(
        srv,
        &format!("/api/v1/customers/{customer}/teams"),
        &srv.admin,
        json!({"name": "Отдел"}),
    )
    .await;
    let team_id = team["id"].as_str().expect("team").to_owned();
    let (_, author) = srv
        .client(&customer, "author@status.test", json!({"team_id": team_id}))
        .await;
    let (_, mate) = srv
        .client(&customer, "mate@status.test", json!({"team_id": team_id}))
        .await;
    let (status, prefs) = srv
        .call(
            "PUT",
            "/api/v1/notifications/preferences",
            Some(&mate),
            Some(json!([{"kind": "ticket_status", "channel": "in_app"}])),
        )
        .await;
    assert_eq!(status, 200, "{prefs}");
    let ticket = ok(
        srv,
        "/api/v1/tickets",
        &author,
        json!({"category": "bug", "subject": "Падает экспорт", "body": "…", "product_version": "5.2",
               "is_critical": true, "critical_justification": "Стоит отгрузка"}),
    )
    .await;
    let id = ticket["id"].as_str().expect("id").to_owned();
    let admin = srv.admin.clone();
    ok(srv, &format!("/api/v1/tickets/{id}/confirm-bug"), &admin, json!({})).await;
    ok(
        srv,
        &format!("/api/v1/tickets/{id}/revoke-criticality"),
        &admin,
        json!({"reason": "Есть обходной путь"}),
    )
    .await;
    ok(
        srv,
        &format!("/api/v1/tickets/{id}/messages"),
        &admin,
        json!({"kind": "message", "body": "Смотрим"}),
    )
    .await;
    ok(
        srv,
        &format!("/api/v1/tickets/{id}/reclassify"),
        &admin,
        json!({"category": "consultation"}),
    )
    .await;
    ok(
        srv,
        &format!("/api/v1/tickets/{id}/close"),
        &admin,
        json!({"reason": "resolved", "comment": "Готово"}),
    )
    .await;
    // The client's own change is not told to them.
    ok(
        srv,
        &format!("/api/v1/tickets/{id}/messages"),
        &author,
        json!({"kind": "message", "body": "Спасибо"}),
    )
    .await;

    let expected = [
        "ошибка подтверждена",
        "признак критичности снят",
        "ответ поддержки",
        "категория изменена",
        "обращение закрыто",
    ];
    for token in [&author, &mate] {
        let bell = inbox(srv, token).await;
        for what in expected {
            let n = bell.items.iter().filter(|n| n.title.contains(what)).count();
            assert_eq!(
                n,
                1,
                "{what}: {:?}",
                bell.items.iter().map(|n| &n.title).collect::<Vec<_>>()
            );
        }
        // The bell shows the short form: no thread tag, no greeting, no links.
        for n in &bell.items {
            assert!(n.title.starts_with("Обращение №"), "{}", n.title);
            assert!(n.body.starts_with("По обращению №"), "{}", n.body);
            assert!(
                !n.body.contains("Здравствуйте") && !n.body.contains("http"),
                "{}",
                n.body
            );
            assert!(n.body.chars().count() <= 300, "{}", n.body);
        }
    }
    let author_mail = mails_to(srv, "author@status.test").await;
    for what in expected {
        assert_eq!(
            author_mail.iter().filter(|m| m.subject.contains(what)).count(),
            1,
            "{what}"
        );
    }
    let mate_mail = mails_to(srv, "mate@status.test").await;
    let subjects: Vec<&str> = mate_mail.iter().map(|m| m.subject.as_str()).collect();
    assert!(
        subjects.iter().any(|s| s.contains("ответ поддержки")),
        "answers are always mailed: {subjects:?}"
    );
    assert!(
        !subjects
            .iter()
            .any(|s| s.contains("категория изменена") || s.contains("ошибка подтверждена")),
        "status changes stay in the app: {subjects:?}"
    );
});

// R-NTF-5 (RFC 8058): an optional mail carries List-Unsubscribe with
// List-Unsubscribe-Post; the one-click POST, without signing in, stops that kind only for
// that person (in the app it stays); answers keep coming; a forged link changes nothing;
// the page a browser opens only asks.
both_backends!(r_ntf_5_one_click_unsubscribe_stops_that_kind_only, |srv| {
    let customer = srv.customer("Отписка", "basic").await;
    let (_, client) = srv.client(&customer, "unsub@x.test", json!({})).await;
    let id = srv.consultation(&client, "Отписка").await;
    let admin = srv.admin.clone();
    ok(
        srv,
        &format!("/api/v1/tickets/{id}/reclassify"),
        &admin,
        json!({"category": "improvement"}),
    )
    .await;
    let mails = mails_to(srv, "unsub@x.test").await;
    let status_mail = mails
        .iter()
        .find(|m| m.subject.contains("категория изменена"))
        .expect("mailed");
    let url = status_mail
        .unsubscribe_url
        .clone()
        .expect("an optional mail has the link");
    assert!(status_mail.body.contains(&url), "the body names it too");
    let message =
        reglament_channels::mail::build_message("Reglament <support@vendor.test>", status_mail, srv.app.now())
            .expect("message");
    let raw = String::from_utf8(message.formatted()).expect("utf-8");
    assert!(raw.contains(&format!("List-Unsubscribe: <{url}>")), "{raw}");
    assert!(
        raw.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"),
        "{raw}"
    );
    assert!(raw.contains("Auto-Submitted: auto-generated"), "{raw}");

    let path = url
        .split_once("/api/v1")
        .map(|(_, p)| format!("/api/v1{p}"))
        .expect("path");
    // A forged token (its signature changed) changes nothing.
    let forged = format!(
        "{}{}",
        &path[..path.len() - 2],
        if path.ends_with("AA") { "BB" } else { "AA" }
    );
    let response = srv
        .http
        .post(format!("{}{forged}", srv.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .expect("post");
    assert_eq!(response.status().as_u16(), 401);
    let page = srv.http.get(format!("{}{path}", srv.base)).send().await.expect("get");
    assert_eq!(page.status().as_u16(), 200);
    assert!(page.text().await.expect("page").contains("<form method=\"post\""));
    let (_, prefs) = srv.get("/api/v1/notifications/preferences", &client).await;
    assert_eq!(prefs[0]["channel"], "mail", "opening the page changes nothing: {prefs}");

    // The one click, as a mail program sends it.
    let response = srv
        .http
        .post(format!("{}{path}", srv.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .expect("post");
    assert_eq!(response.status().as_u16(), 200);
    let (_, prefs) = srv.get("/api/v1/notifications/preferences", &client).await;
    let prefs: Vec<reglament_api::NotificationPreference> = typed(&prefs);
    let status_pref = prefs.iter().find(|p| p.kind == "ticket_status").expect("kind");
    assert_eq!(status_pref.channel, reglament_api::NotificationChannel::InApp);
    let other = prefs.iter().find(|p| p.kind == "auto_close_reminder").expect("kind");
    assert!(other.default, "the other kind is untouched");

    // The next status change stays in the app; an answer is still mailed.
    ok(
        srv,
        &format!("/api/v1/tickets/{id}/reclassify"),
        &admin,
        json!({"category": "consultation"}),
    )
    .await;
    ok(
        srv,
        &format!("/api/v1/tickets/{id}/messages"),
        &admin,
        json!({"kind": "message", "body": "Ответ"}),
    )
    .await;
    let mails = mails_to(srv, "unsub@x.test").await;
    assert_eq!(
        mails
            .iter()
            .filter(|m| m.subject.contains("категория изменена"))
            .count(),
        1
    );
    let answer = mails
        .iter()
        .find(|m| m.subject.contains("ответ поддержки"))
        .expect("answers are mailed");
    assert!(answer.unsubscribe_url.is_none(), "answers are not optional");
    let bell = inbox(srv, &client).await;
    assert_eq!(
        bell.items
            .iter()
            .filter(|n| n.title.contains("категория изменена"))
            .count(),
        2
    );
});

// R-NTF-4 with R-ACL-5: a contract ending Tuesday 31 March 2026 leaves its clients access
// until the end of the tenth working day after it (14 April). The key contacts — not the
// other clients — are told 30 days before (from 15 March) and again 5 working days before
// (from 7 April), once each; a renewed customer's key contact is told nothing.
both_backends!(r_ntf_4_key_contacts_told_before_access_ends, |srv| {
    srv.clock.set(at("2026-03-10T09:00:00Z"));
    let admin = srv.login(common::ADMIN_EMAIL, common::ADMIN_PASSWORD).await;
    let mut customers = Vec::new();
    for (name, ends) in [("Уходящий", "2026-03-31"), ("Продливший", "2027-03-31")] {
        let customer = ok(srv, "/api/v1/customers", &admin, json!({"name": name})).await;
        let id = customer["id"].as_str().expect("id").to_owned();
        ok(
            srv,
            &format!("/api/v1/customers/{id}/contracts"),
            &admin,
            json!({"tier_code": "basic", "number": format!("Д-{name}"), "starts_on": "2025-04-01", "ends_on": ends}),
        )
        .await;
        customers.push(id);
    }
    for (customer, email, key) in [
        (&customers[0], "key@leaving.test", true),
        (&customers[0], "plain@leaving.test", false),
        (&customers[1], "key@renewed.test", true),
    ] {
        ok(
            srv,
            &format!("/api/v1/customers/{customer}/clients"),
            &admin,
            json!({"email": email, "full_name": "Контакт", "password": common::CLIENT_PASSWORD, "is_key_contact": key}),
        )
        .await;
    }
    let told = |email: &'static str| async move {
        mails_to(srv, email)
            .await
            .into_iter()
            .filter(|m| m.subject.contains("Доступ к порталу"))
            .map(|m| m.body)
            .collect::<Vec<_>>()
    };
    assert_eq!(srv.app.jobs().run_once().await.expect("jobs").access_end_notices, 0);
    srv.clock.set(at("2026-03-16T07:00:00Z"));
    assert_eq!(srv.app.jobs().run_once().await.expect("jobs").access_end_notices, 1);
    assert_eq!(srv.app.jobs().run_once().await.expect("jobs").access_end_notices, 0);
    let first = told("key@leaving.test").await;
    assert_eq!(first.len(), 1);
    assert!(first[0].contains("до 14.04.2026 18:00 (МСК)"), "{}", first[0]);
    // The bell has the news without the greeting.
    let bell = inbox(srv, &srv.login("key@leaving.test", common::CLIENT_PASSWORD).await).await;
    let notice = bell
        .items
        .iter()
        .find(|n| n.kind == "access_ending")
        .expect("in the app");
    assert!(notice.body.starts_with("Договор поддержки"), "{}", notice.body);
    // 6 April: 6 working days before; 7 April: the fifth.
    srv.clock.set(at("2026-04-06T12:00:00Z"));
    assert_eq!(srv.app.jobs().run_once().await.expect("jobs").access_end_notices, 0);
    srv.clock.set(at("2026-04-07T16:00:00Z"));
    assert_eq!(srv.app.jobs().run_once().await.expect("jobs").access_end_notices, 1);
    assert_eq!(told("key@leaving.test").await.len(), 2);
    assert!(told("plain@leaving.test").await.is_empty(), "only key contacts");
    assert!(
        told("key@renewed.test").await.is_empty(),
        "a renewed customer is not told"
    );
});
