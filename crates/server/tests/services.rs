//! Professional services and bookings through the real server, on both backends
//! (SPEC section 10: R-PS-1…4, R-BK-1…5).

mod common;

use common::{ADMIN_EMAIL, ADMIN_PASSWORD, CLIENT_PASSWORD, assert_problem, typed};
use reglament_api::{
    Booking, Certificate, EstimateState, LedgerEntry, LedgerKind, MonthCapacity, Order, Page, TicketView,
};
use serde_json::{Value, json};

const SPECIALIST_PASSWORD: &str = "specialist-password-1";

/// A customer with a certificate, its key contact, an ordinary client and a specialist.
struct Setup {
    customer: String,
    certificate: String,
    key: String,
    key_email: String,
    plain: String,
    specialist: String,
    specialist_email: String,
}

async fn certificate(srv: &common::TestServer, customer: &str, number: &str, hours: i64, until: &str) -> Certificate {
    let (status, body) = srv
        .post(
            "/api/v1/certificates",
            &srv.admin,
            json!({"customer_id": customer, "number": number, "hours": hours,
                   "valid_from": "2026-01-01", "valid_until": until}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    typed(&body)
}

async fn specialist(srv: &common::TestServer, email: &str, weekly_hours: Option<i64>) -> String {
    let (status, body) = srv
        .post(
            "/api/v1/staff",
            &srv.admin,
            json!({"email": email, "full_name": format!("Специалист {email}"), "role": "specialist",
                   "password": SPECIALIST_PASSWORD}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    if let Some(hours) = weekly_hours {
        let id = body["id"].as_str().expect("test fixture");
        let (status, body) = srv
            .call(
                "PUT",
                &format!("/api/v1/specialists/{id}"),
                Some(&srv.admin),
                Some(json!({"weekly_hours": hours})),
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }
    srv.login(email, SPECIALIST_PASSWORD).await
}

async fn setup(srv: &common::TestServer, name: &str, hours: i64) -> Setup {
    let customer = srv.customer(name, "premium").await;
    let cert = certificate(srv, &customer, &format!("ПС-{name}"), hours, "2027-12-31").await;
    let key_email = format!("key@{name}.test");
    let (_, key) = srv.client(&customer, &key_email, json!({"is_key_contact": true})).await;
    let (_, plain) = srv.client(&customer, &format!("plain@{name}.test"), json!({})).await;
    let specialist_email = format!("spec@{name}.test");
    let specialist = specialist(srv, &specialist_email, None).await;
    Setup {
        customer,
        certificate: cert.id.to_string(),
        key,
        key_email,
        plain,
        specialist,
        specialist_email,
    }
}

/// Every token again after the clock moved (access tokens live 15 minutes).
async fn relogin(srv: &common::TestServer, s: &mut Setup, name: &str) -> String {
    s.key = srv.login(&s.key_email, CLIENT_PASSWORD).await;
    s.plain = srv.login(&format!("plain@{name}.test"), CLIENT_PASSWORD).await;
    s.specialist = srv.login(&s.specialist_email, SPECIALIST_PASSWORD).await;
    srv.login(ADMIN_EMAIL, ADMIN_PASSWORD).await
}

async fn order(srv: &common::TestServer, token: &str, subject: &str) -> String {
    let (status, t) = srv
        .post(
            "/api/v1/tickets",
            token,
            json!({"category": "service_request", "subject": subject, "body": "Нужна настройка"}),
        )
        .await;
    assert_eq!(status, 201, "{t}");
    t["id"].as_str().expect("test fixture").to_owned()
}

/// An order with an estimate the key contact approved.
async fn approved_order(srv: &common::TestServer, s: &Setup, admin: &str, subject: &str) -> String {
    let id = order(srv, &s.key, subject).await;
    let (status, o) = srv
        .post(
            &format!("/api/v1/tickets/{id}/estimates"),
            admin,
            json!({"hours": 4, "starts_on": srv.app.today()}),
        )
        .await;
    assert_eq!(status, 201, "{o}");
    let o: Order = typed(&o);
    let (status, o) = srv
        .post(
            &format!("/api/v1/tickets/{id}/estimates/{}/approve", o.estimates[0].id),
            &s.key,
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{o}");
    id
}

async fn log(srv: &common::TestServer, token: &str, ticket: &str, from: &str, to: &str) -> (u16, Value) {
    srv.post(
        &format!("/api/v1/tickets/{ticket}/work-logs"),
        token,
        json!({"started_at": from, "ended_at": to, "description": "Настроено резервное копирование"}),
    )
    .await
}

async fn ledger(srv: &common::TestServer, token: &str, certificate: &str) -> Vec<LedgerEntry> {
    let (status, body) = srv
        .get(&format!("/api/v1/certificates/{certificate}/ledger"), token)
        .await;
    assert_eq!(status, 200, "{body}");
    typed::<Page<LedgerEntry>>(&body).items
}

async fn balance(srv: &common::TestServer, token: &str, certificate: &str) -> i64 {
    let (status, body) = srv.get(&format!("/api/v1/certificates/{certificate}"), token).await;
    assert_eq!(status, 200, "{body}");
    typed::<Certificate>(&body).balance_minutes
}

// R-PS-1, R-PS-2: an order is a service request answered (within the tier's response SLA)
// by an estimate; only the key contact approves; a revision replaces the estimate in force,
// which stays in the history, and must be approved again.
both_backends!(r_ps_2_estimates_and_approval, |srv| {
    let s = setup(srv, "Оценка", 100).await;
    let id = order(srv, &s.plain, "Внедрение").await;
    let (_, t) = srv.get(&format!("/api/v1/tickets/{id}"), &srv.admin).await;
    let t: TicketView = typed(&t);
    assert!(
        t.ticket.awaiting_response,
        "R-PS-1: the order runs the tier's response clock"
    );
    let (status, o) = srv
        .post(
            &format!("/api/v1/tickets/{id}/estimates"),
            &srv.admin,
            json!({"hours": 6, "starts_on": "2026-03-16", "conditions": "Доступ по VPN"}),
        )
        .await;
    assert_eq!(status, 201, "{o}");
    let o: Order = typed(&o);
    assert_eq!(o.estimates.len(), 1);
    assert_eq!(o.estimates[0].state, EstimateState::Proposed);
    assert!(!o.approved);
    let first = o.estimates[0].id;
    let (_, t) = srv.get(&format!("/api/v1/tickets/{id}"), &srv.admin).await;
    assert!(
        !typed::<TicketView>(&t).ticket.awaiting_response,
        "the estimate is the answer"
    );
    // The author sees it in the conversation and got it by mail.
    let (_, msgs) = srv.get(&format!("/api/v1/tickets/{id}/messages"), &s.plain).await;
    assert!(msgs.to_string().contains("Оценка: 6 ч"), "{msgs}");
    // Work before approval is refused.
    assert_problem(
        &log(srv, &s.specialist, &id, "2026-03-11T07:00:00Z", "2026-03-11T08:00:00Z").await,
        422,
        "estimate_not_approved",
    );
    // Only a key contact decides: not the author, not staff.
    let approve = format!("/api/v1/tickets/{id}/estimates/{first}/approve");
    assert_problem(&srv.post(&approve, &s.plain, json!({})).await, 403, "not_key_contact");
    assert_problem(&srv.post(&approve, &srv.admin, json!({})).await, 403, "not_key_contact");
    let (status, o) = srv.post(&approve, &s.key, json!({})).await;
    assert_eq!(status, 200, "{o}");
    assert!(typed::<Order>(&o).approved);
    assert_problem(
        &srv.post(&approve, &s.key, json!({})).await,
        409,
        "estimate_not_pending",
    );
    // The requirement changed: a revised estimate; the approved one is superseded.
    let (status, o) = srv
        .post(
            &format!("/api/v1/tickets/{id}/estimates"),
            &srv.admin,
            json!({"hours": 10, "starts_on": "2026-03-23"}),
        )
        .await;
    assert_eq!(status, 201, "{o}");
    let o: Order = typed(&o);
    assert_eq!(
        o.estimates.iter().map(|e| (e.hours, e.state)).collect::<Vec<_>>(),
        vec![(10, EstimateState::Proposed), (6, EstimateState::Superseded)]
    );
    assert!(!o.approved);
    let (status, o) = srv
        .post(
            &format!("/api/v1/tickets/{id}/estimates/{}/decline", o.estimates[0].id),
            &s.key,
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{o}");
    assert_eq!(typed::<Order>(&o).estimates[0].state, EstimateState::Declined);
    // A refusal closes the order as `declined`.
    let (status, t) = srv
        .post(
            &format!("/api/v1/tickets/{id}/close"),
            &srv.admin,
            json!({"reason": "declined", "comment": "Отказ в исполнении"}),
        )
        .await;
    assert_eq!(status, 200, "{t}");
    // Other categories have no estimates.
    let other = srv.consultation(&s.plain, "Вопрос").await;
    assert_problem(
        &srv.post(
            &format!("/api/v1/tickets/{other}/estimates"),
            &srv.admin,
            json!({"hours": 1, "starts_on": "2026-03-16"}),
        )
        .await,
        422,
        "not_a_service_request",
    );
    assert_problem(
        &srv.post(
            &format!("/api/v1/tickets/{id}/estimates"),
            &s.specialist,
            json!({"hours": 0, "starts_on": "2026-03-16"}),
        )
        .await,
        400,
        "validation_failed",
    );
    let fresh = order(srv, &s.key, "Еще заказ").await;
    assert_problem(
        &srv.post(
            &format!("/api/v1/tickets/{fresh}/estimates"),
            &srv.admin,
            json!({"hours": 2, "starts_on": "2026-03-10"}),
        )
        .await,
        400,
        "validation_failed",
    );
});

// R-PS-3, R-PS-4: evening work counts twice, a day off counts twice, the charge is
// deducted at once, posted in the ticket and mailed to the author.
both_backends!(r_ps_3_overtime_is_deducted_doubled, |srv| {
    let mut s = setup(srv, "Сверхурочно", 100).await;
    let id = approved_order(srv, &s, &srv.admin, "Обновление").await;
    // Tuesday 10 March 2026, 17:00–20:00 Moscow: 1 h in business hours, 2 h after.
    let (status, o) = log(srv, &s.specialist, &id, "2026-03-10T14:00:00Z", "2026-03-10T17:00:00Z").await;
    assert_eq!(status, 201, "{o}");
    let o: Order = typed(&o);
    let w = &o.work_logs[0];
    assert_eq!(
        (
            w.business_minutes,
            w.overtime_minutes,
            w.counted_minutes,
            w.charged_minutes
        ),
        (60, 120, 300, 300)
    );
    // Monday 9 March 2026 is the day off for 8 March: all of it counts twice.
    let (status, o) = log(srv, &s.specialist, &id, "2026-03-09T07:00:00Z", "2026-03-09T08:30:00Z").await;
    assert_eq!(status, 201, "{o}");
    let o: Order = typed(&o);
    assert_eq!(o.work_logs[0].counted_minutes, 180, "oldest first: the 9 March log");
    assert_eq!((o.counted_minutes, o.charged_minutes), (480, 480));
    let rows = ledger(srv, &s.key, &s.certificate).await;
    assert_eq!(
        rows.iter()
            .map(|e| (e.kind, e.minutes, e.balance_after_minutes))
            .collect::<Vec<_>>(),
        vec![(LedgerKind::Work, 300, 5700), (LedgerKind::Work, 180, 5520)]
    );
    assert!(
        rows.iter()
            .all(|e| e.ticket_id.map(|t| t.to_string()) == Some(id.clone()))
    );
    assert_eq!(balance(srv, &s.plain, &s.certificate).await, 100 * 60 - 480);
    let (_, msgs) = srv.get(&format!("/api/v1/tickets/{id}/messages"), &s.key).await;
    assert!(msgs.to_string().contains("списано с сертификата 5 ч"), "{msgs}");
    let mut tx = srv.app.store.read().await.expect("test fixture");
    let mail = reglament_store::mail::list_for(&mut tx, &s.key_email.to_lowercase())
        .await
        .expect("test fixture");
    assert!(
        mail.iter().any(|m| m.subject.contains("выполнены работы")),
        "mailed to the author"
    );
    drop(tx);
    // The same specialist cannot be in two places at once.
    assert_problem(
        &log(srv, &s.specialist, &id, "2026-03-10T16:00:00Z", "2026-03-10T18:00:00Z").await,
        409,
        "work_log_overlap",
    );
    // Work is logged once done, not ahead; clients and agents do not log work.
    assert_problem(
        &log(srv, &s.specialist, &id, "2026-03-11T10:00:00Z", "2026-03-11T11:00:00Z").await,
        400,
        "validation_failed",
    );
    assert_problem(
        &log(srv, &s.key, &id, "2026-03-05T10:00:00Z", "2026-03-05T11:00:00Z").await,
        403,
        "forbidden",
    );
    // Across New Year: 31 December 2026 is a day off, so the whole interval is overtime.
    let (status, c) = srv
        .post(
            &format!("/api/v1/customers/{}/contracts", s.customer),
            &srv.admin,
            json!({"tier_code": "premium", "number": "Д-2027", "starts_on": "2027-01-01", "ends_on": "2027-12-31"}),
        )
        .await;
    assert_eq!(status, 201, "{c}");
    srv.clock.set("2027-01-11T09:00:00Z".parse().expect("test fixture"));
    let admin = relogin(srv, &mut s, "Сверхурочно").await;
    let id2 = approved_order(srv, &s, &admin, "Новогодние работы").await;
    let (status, o) = log(srv, &s.specialist, &id2, "2026-12-31T07:00:00Z", "2026-12-31T09:00:00Z").await;
    assert_eq!(status, 201, "{o}");
    assert_eq!(typed::<Order>(&o).work_logs[0].counted_minutes, 240);
});

// R-PS-3: an order is charged at least 1 hour in total, however its work is logged.
both_backends!(r_ps_3_one_hour_minimum_per_order, |srv| {
    let s = setup(srv, "Минимум", 100).await;
    let id = approved_order(srv, &s, &srv.admin, "Маленькая задача").await;
    let (status, o) = log(srv, &s.specialist, &id, "2026-03-10T07:00:00Z", "2026-03-10T07:20:00Z").await;
    assert_eq!(status, 201, "{o}");
    assert_eq!(
        typed::<Order>(&o).work_logs[0].charged_minutes,
        60,
        "20 minutes are charged as an hour"
    );
    let (_, o) = log(srv, &s.specialist, &id, "2026-03-10T08:00:00Z", "2026-03-10T08:30:00Z").await;
    let o: Order = typed(&o);
    assert_eq!(o.work_logs[1].charged_minutes, 0, "50 minutes in all: still the hour");
    let (_, o) = log(srv, &s.specialist, &id, "2026-03-10T09:00:00Z", "2026-03-10T09:30:00Z").await;
    let o: Order = typed(&o);
    assert_eq!(o.work_logs[2].charged_minutes, 20, "80 minutes in all");
    assert_eq!((o.counted_minutes, o.charged_minutes), (80, 80));
    assert_eq!(balance(srv, &s.key, &s.certificate).await, 6000 - 80);
});

// R-PS-4: a log the balance does not cover is refused, unless an admin overrides it
// (recorded); the ledger is corrected by new rows only, and exported as CSV.
both_backends!(r_ps_4_balance_override_correction_and_csv, |srv| {
    let s = setup(srv, "Баланс", 2).await;
    let id = approved_order(srv, &s, &srv.admin, "Большая задача").await;
    let (status, o) = log(srv, &s.specialist, &id, "2026-03-10T06:00:00Z", "2026-03-10T08:00:00Z").await;
    assert_eq!(status, 201, "{o}");
    let refused = log(srv, &s.specialist, &id, "2026-03-10T09:00:00Z", "2026-03-10T09:01:00Z").await;
    assert_problem(&refused, 422, "insufficient_balance");
    assert_eq!(balance(srv, &s.key, &s.certificate).await, 0, "nothing half-written");
    let body = json!({"started_at": "2026-03-10T09:00:00Z", "ended_at": "2026-03-10T10:00:00Z",
                      "description": "Срочно", "override_balance": true});
    assert_problem(
        &srv.post(&format!("/api/v1/tickets/{id}/work-logs"), &s.specialist, body.clone())
            .await,
        403,
        "forbidden",
    );
    let (status, o) = srv
        .post(&format!("/api/v1/tickets/{id}/work-logs"), &srv.admin, body)
        .await;
    assert_eq!(status, 201, "{o}");
    assert!(typed::<Order>(&o).work_logs[1].overridden);
    assert_eq!(balance(srv, &s.key, &s.certificate).await, -60);
    // A correction gives the hour back: a new row, the earlier ones unchanged.
    let (status, e) = srv
        .post(
            &format!("/api/v1/certificates/{}/corrections", s.certificate),
            &srv.admin,
            json!({"minutes": -60, "note": "Ошибочное списание"}),
        )
        .await;
    assert_eq!(status, 201, "{e}");
    let e: LedgerEntry = typed(&e);
    assert_eq!(
        (e.kind, e.minutes, e.balance_after_minutes),
        (LedgerKind::Correction, -60, 0)
    );
    let rows = ledger(srv, &s.key, &s.certificate).await;
    assert_eq!(
        rows.iter()
            .map(|e| (e.minutes, e.overridden, e.balance_after_minutes))
            .collect::<Vec<_>>(),
        vec![(120, false, 0), (60, true, -60), (-60, false, 0)]
    );
    assert_problem(
        &srv.post(
            &format!("/api/v1/certificates/{}/corrections", s.certificate),
            &s.key,
            json!({"minutes": 5, "note": "x"}),
        )
        .await,
        403,
        "forbidden",
    );
    assert_problem(
        &srv.post(
            &format!("/api/v1/certificates/{}/corrections", s.certificate),
            &srv.admin,
            json!({"minutes": 0, "note": "x"}),
        )
        .await,
        400,
        "validation_failed",
    );
    // CSV export of the ledger, for the client too.
    let res = srv
        .http
        .get(srv.url(&format!("/api/v1/certificates/{}/ledger.csv", s.certificate)))
        .bearer_auth(&s.key)
        .send()
        .await
        .expect("test fixture");
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .expect("test fixture")
            .starts_with("text/csv")
    );
    let csv = res.text().await.expect("test fixture");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 4, "{csv}");
    assert!(lines[0].starts_with("created_at_msk,kind,minutes"));
    assert!(lines[2].contains(",work,60,1.00,-60,"), "{csv}");
    assert!(lines[3].contains("correction,-60"), "{csv}");
    // Another customer's certificate does not exist for a client (R-ACL-2).
    let other = srv.customer("Чужой", "basic").await;
    let (_, stranger) = srv
        .client(&other, "stranger@x.test", json!({"is_key_contact": true}))
        .await;
    assert_problem(
        &srv.get(&format!("/api/v1/certificates/{}", s.certificate), &stranger)
            .await,
        404,
        "not_found",
    );
    let (_, list) = srv.get("/api/v1/certificates", &stranger).await;
    assert_eq!(list["total"], 0);
    assert_problem(
        &srv.post(
            "/api/v1/certificates",
            &srv.admin,
            json!({"customer_id": other, "number": "ПС-Баланс", "hours": 1,
                   "valid_from": "2026-01-01", "valid_until": "2026-12-31"}),
        )
        .await,
        409,
        "already_exists",
    );
    // Work on a day no certificate covers is refused.
    srv.clock.set("2028-01-10T12:00:00Z".parse().expect("test fixture"));
    let admin = srv.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_problem(
        &srv.post(
            &format!("/api/v1/tickets/{id}/work-logs"),
            &admin,
            json!({"started_at": "2028-01-10T07:00:00Z", "ended_at": "2028-01-10T08:00:00Z",
                   "description": "Поздно", "override_balance": true}),
        )
        .await,
        422,
        "no_active_certificate",
    );
});

async fn book(srv: &common::TestServer, token: &str, month: &str, hours: i64) -> (u16, Value) {
    srv.post("/api/v1/bookings", token, json!({"month": month, "hours": hours}))
        .await
}

async fn capacity(srv: &common::TestServer, token: &str, month: &str) -> MonthCapacity {
    let (status, body) = srv
        .get(&format!("/api/v1/bookings/capacity?from={month}&months=1"), token)
        .await;
    assert_eq!(status, 200, "{body}");
    let mut months: Vec<MonthCapacity> = typed(&body);
    months.remove(0)
}

// R-BK-2: capacity of May 2026 with its holidays: 18 working days and the shortened 8 May,
// 151 norm hours a full-time specialist; one at 20 hours a week adds half of it.
both_backends!(r_bk_2_capacity_in_the_may_holidays, |srv| {
    let s = setup(srv, "Май", 1000).await;
    specialist(srv, "half@vendor.test", Some(20)).await;
    let may = capacity(srv, &srv.admin, "2026-05").await;
    assert_eq!(
        (
            may.working_days,
            may.shortened_days,
            may.specialists,
            may.capacity_hours
        ),
        (18, 1, 2, 226)
    );
    assert_eq!(
        may.deadline,
        "2026-04-25T21:00:00Z"
            .parse::<chrono::DateTime<chrono::Utc>>()
            .expect("test fixture")
    );
    let (status, b) = book(srv, &s.key, "2026-05", 200).await;
    assert_eq!(status, 201, "{b}");
    let refused = book(srv, &s.key, "2026-05", 27).await;
    assert_problem(&refused, 422, "capacity_exceeded");
    assert!(
        refused.1["detail"]
            .as_str()
            .expect("test fixture")
            .contains("26 h free")
    );
    let (status, _) = book(srv, &s.key, "2026-05", 26).await;
    assert_eq!(status, 201);
    let may = capacity(srv, &s.key, "2026-05").await;
    assert_eq!(
        (may.booked_hours, may.free_hours, may.open, may.own_hours),
        (226, 0, false, 226)
    );
    assert!(may.by_customer.is_empty(), "a client sees their own hours only");
    let staff_view = capacity(srv, &srv.admin, "2026-05").await;
    assert_eq!(staff_view.by_customer.len(), 1);
    assert_eq!(staff_view.by_customer[0].hours, 226);
    assert_problem(&book(srv, &s.key, "2026-05", 1).await, 422, "capacity_exceeded");
    // The planner lists months from the next one by default.
    let (_, months) = srv.get("/api/v1/bookings/capacity", &s.key).await;
    let months: Vec<MonthCapacity> = typed(&months);
    assert_eq!(months.len(), 6);
    assert_eq!(months[0].month.to_string(), "2026-04");
    assert_problem(
        &srv.get("/api/v1/bookings/capacity?months=25", &s.key).await,
        400,
        "validation_failed",
    );
});

// R-BK-2, R-BK-3: booking for May 2026 closes at 00:00 Moscow time on 26 April; a minute
// before it books, changes and cancels; at the deadline all three are refused.
both_backends!(r_bk_2_deadline_at_the_minute, |srv| {
    let mut s = setup(srv, "Срок", 1000).await;
    srv.clock.set("2026-04-25T20:59:00Z".parse().expect("test fixture"));
    relogin(srv, &mut s, "Срок").await;
    let (status, b) = book(srv, &s.key, "2026-05", 10).await;
    assert_eq!(status, 201, "{b}");
    let b: Booking = typed(&b);
    assert!(b.changeable);
    let (status, keep) = book(srv, &s.key, "2026-05", 5).await;
    assert_eq!(status, 201, "{keep}");
    let keep: Booking = typed(&keep);
    let (status, changed) = srv
        .patch(&format!("/api/v1/bookings/{}", b.id), &s.key, json!({"hours": 12}))
        .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(typed::<Booking>(&changed).hours, 12);
    let (status, _) = srv
        .call("DELETE", &format!("/api/v1/bookings/{}", b.id), Some(&s.key), None)
        .await;
    assert_eq!(status, 204);
    srv.clock.set("2026-04-25T21:00:00Z".parse().expect("test fixture"));
    let closed = book(srv, &s.key, "2026-05", 1).await;
    assert_problem(&closed, 422, "booking_closed");
    assert!(
        closed.1["detail"]
            .as_str()
            .expect("test fixture")
            .contains("26.04.2026 00:00")
    );
    assert_problem(
        &srv.patch(&format!("/api/v1/bookings/{}", keep.id), &s.key, json!({"hours": 1}))
            .await,
        422,
        "booking_closed",
    );
    assert_problem(
        &srv.call("DELETE", &format!("/api/v1/bookings/{}", keep.id), Some(&s.key), None)
            .await,
        422,
        "booking_closed",
    );
    let (_, list) = srv.get("/api/v1/bookings?month=2026-05", &s.key).await;
    let list: Page<Booking> = typed(&list);
    assert_eq!(list.total, 1);
    assert!(!list.items[0].changeable);
    // June is still open.
    let (status, _) = book(srv, &s.key, "2026-06", 1).await;
    assert_eq!(status, 201);
});

// R-BK-1: a key contact of a customer with an active certificate books a later month, not
// past the certificate's expiry; others are refused with a clear code.
both_backends!(r_bk_1_who_books_what, |srv| {
    let s = setup(srv, "Кто", 100).await;
    assert_problem(&book(srv, &s.key, "2026-03", 1).await, 422, "booking_closed");
    assert_problem(&book(srv, &s.key, "2026-02", 1).await, 422, "booking_closed");
    assert_problem(&book(srv, &s.key, "2028-01", 1).await, 422, "certificate_expired");
    // R-CON-3: the contract ends with 2026; a renewal for 2027 opens its months.
    assert_problem(&book(srv, &s.key, "2027-12", 1).await, 422, "after_contract_end");
    let (status, body) = srv
        .post(
            &format!("/api/v1/customers/{}/contracts", s.customer),
            &srv.admin,
            json!({"tier_code": "premium", "number": "Д-Кто-2027", "starts_on": "2027-01-01", "ends_on": "2027-12-31"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let (status, _) = book(srv, &s.key, "2027-12", 1).await;
    assert_eq!(status, 201, "the certificate's last month");
    assert_problem(&book(srv, &s.plain, "2026-06", 1).await, 403, "not_key_contact");
    assert_problem(
        &srv.post("/api/v1/bookings", &s.key, json!({"month": "2026-13", "hours": 1}))
            .await,
        400,
        "invalid_json",
    );
    assert_problem(&book(srv, &s.key, "2026-06", 0).await, 400, "validation_failed");
    // Without a certificate there is nothing to book against.
    let bare = srv.customer("Без сертификата", "premium").await;
    let (_, bare_key) = srv.client(&bare, "bare@x.test", json!({"is_key_contact": true})).await;
    assert_problem(&book(srv, &bare_key, "2026-06", 1).await, 422, "no_active_certificate");
    // Staff book for a customer they name; a client cannot see another's booking.
    let (status, b) = srv
        .post(
            "/api/v1/bookings",
            &srv.admin,
            json!({"month": "2026-06", "hours": 3, "customer_id": s.customer}),
        )
        .await;
    assert_eq!(status, 201, "{b}");
    let b: Booking = typed(&b);
    assert_problem(
        &srv.get(&format!("/api/v1/bookings/{}", b.id), &bare_key).await,
        404,
        "not_found",
    );
    assert_problem(
        &srv.patch(&format!("/api/v1/bookings/{}", b.id), &bare_key, json!({"hours": 1}))
            .await,
        404,
        "not_found",
    );
    assert_problem(
        &srv.post(
            "/api/v1/bookings",
            &s.specialist,
            json!({"month": "2026-06", "hours": 1, "customer_id": s.customer}),
        )
        .await,
        403,
        "forbidden",
    );
    // Tokens: `services:read` reads, `services:write` is needed to book.
    let (status, token) = srv
        .post(
            "/api/v1/api-tokens",
            &s.key,
            json!({"name": "planner", "scopes": ["services:read"]}),
        )
        .await;
    assert_eq!(status, 201, "{token}");
    let token = token["token"].as_str().expect("test fixture");
    let (status, list) = srv.get("/api/v1/bookings", token).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["total"], 2);
    assert_problem(&book(srv, token, "2026-06", 1).await, 403, "insufficient_scope");
});

// R-BK-5: at least 100 bookings at once for the last free hours never exceed the capacity.
both_backends!(r_bk_5_concurrent_bookings_never_exceed_capacity, |srv| {
    let s = setup(srv, "Гонка", 10_000).await;
    let second = srv.customer("Гонка-2", "premium").await;
    certificate(srv, &second, "ПС-Гонка-2", 10_000, "2027-12-31").await;
    let (_, key2) = srv
        .client(&second, "key@race2.test", json!({"is_key_contact": true}))
        .await;
    // One full-time specialist: 151 h in May 2026. 141 are booked; 10 remain.
    let (status, _) = book(srv, &s.key, "2026-05", 141).await;
    assert_eq!(status, 201);
    let requests = (0..120).map(|i| {
        let token = if i % 2 == 0 { s.key.clone() } else { key2.clone() };
        async move { book(srv, &token, "2026-05", 1).await }
    });
    let answers = futures_util::future::join_all(requests).await;
    let won = answers.iter().filter(|(status, _)| *status == 201).count();
    for answer in answers.iter().filter(|(status, _)| *status != 201) {
        assert_problem(answer, 422, "capacity_exceeded");
    }
    assert_eq!(won, 10, "exactly the free hours were booked");
    let may = capacity(srv, &srv.admin, "2026-05").await;
    assert_eq!((may.capacity_hours, may.booked_hours, may.free_hours), (151, 151, 0));
});

// R-BK-4: at the end of the month the booked hours that work did not use are deducted in
// full, once, however many rounds run (two at once, and again later).
both_backends!(r_bk_4_month_end_charge_runs_once, |srv| {
    let mut s = setup(srv, "Итог", 100).await;
    // A webhook subscriber (R-INT-2) hears of the charge too; nobody listens at the URL,
    // the delivery log shows what was queued.
    let (status, hook) = srv
        .post(
            "/api/v1/webhooks",
            &srv.admin,
            json!({"url": "http://127.0.0.1:9/bookings", "events": ["booking.changed"]}),
        )
        .await;
    assert_eq!(status, 201, "{hook}");
    let hook = hook["id"].as_str().expect("test fixture").to_owned();
    let (status, b) = book(srv, &s.key, "2026-04", 10).await;
    assert_eq!(status, 201, "{b}");
    let booking = b["id"].clone();
    // Work in April: 3 business hours against the customer's order.
    srv.clock.set("2026-04-15T12:00:00Z".parse().expect("test fixture"));
    let admin = relogin(srv, &mut s, "Итог").await;
    let id = approved_order(srv, &s, &admin, "Апрельские работы").await;
    let (status, o) = log(srv, &s.specialist, &id, "2026-04-14T07:00:00Z", "2026-04-14T10:00:00Z").await;
    assert_eq!(status, 201, "{o}");
    // A minute before the month ends in Moscow nothing is charged.
    srv.clock.set("2026-04-30T20:59:00Z".parse().expect("test fixture"));
    assert_eq!(
        srv.app.jobs().run_once().await.expect("test fixture").bookings_charged,
        0
    );
    srv.clock.set("2026-04-30T21:00:00Z".parse().expect("test fixture"));
    let jobs = srv.app.jobs();
    let (a, b) = tokio::join!(jobs.run_once(), jobs.run_once());
    assert_eq!(
        a.expect("test fixture").bookings_charged + b.expect("test fixture").bookings_charged,
        1,
        "two rounds at once charge once"
    );
    assert_eq!(
        srv.app.jobs().run_once().await.expect("test fixture").bookings_charged,
        0
    );
    let key = srv.login(&s.key_email, CLIENT_PASSWORD).await;
    let rows = ledger(srv, &key, &s.certificate).await;
    let unused: Vec<&LedgerEntry> = rows.iter().filter(|e| e.kind == LedgerKind::UnusedBooking).collect();
    assert_eq!(unused.len(), 1, "{rows:?}");
    assert_eq!(unused[0].minutes, 600 - 180);
    assert_eq!(unused[0].month.map(|m| m.to_string()).as_deref(), Some("2026-04"));
    assert_eq!(unused[0].created_by, None);
    assert_eq!(balance(srv, &key, &s.certificate).await, 6000 - 180 - 420);
    let mut tx = srv.app.store.read().await.expect("test fixture");
    let mail = reglament_store::mail::list_for(&mut tx, &s.key_email.to_lowercase())
        .await
        .expect("test fixture");
    drop(tx);
    let told: Vec<_> = mail
        .iter()
        .filter(|m| m.subject.contains("неиспользованного бронирования"))
        .collect();
    assert_eq!(told.len(), 1, "the key contact is told once");
    assert!(told[0].body.contains("7 ч"), "{}", told[0].body);
    let admin = srv.login(common::ADMIN_EMAIL, common::ADMIN_PASSWORD).await;
    let (status, log) = srv
        .get(&format!("/api/v1/webhooks/{hook}/deliveries?limit=100"), &admin)
        .await;
    assert_eq!(status, 200, "{log}");
    let charged: Vec<&serde_json::Value> = log["items"]
        .as_array()
        .expect("test fixture")
        .iter()
        .map(|d| &d["payload"]["data"])
        .filter(|d| d["change"] == "charged")
        .collect();
    assert_eq!(charged.len(), 1, "one event for the month's one booking: {log}");
    assert_eq!(charged[0]["booking"]["id"], booking);
    assert_eq!(
        charged[0]["charge"],
        json!({"month": "2026-04", "booked_minutes": 600, "logged_minutes": 180, "unused_minutes": 420})
    );
    // A month fully used by work charges nothing more.
    srv.clock.set("2026-05-31T21:00:00Z".parse().expect("test fixture"));
    assert_eq!(
        srv.app.jobs().run_once().await.expect("test fixture").bookings_charged,
        0
    );
});

// R-NTF-4: a booking staff make, change or cancel is told to the customer's key contacts,
// in the app and by mail, and not to its other clients; a key contact's own booking is not
// told back.
both_backends!(r_ntf_4_bookings_changed_by_staff_are_told_to_key_contacts, |srv| {
    let s = setup(srv, "Брони", 100).await;
    let (status, own) = book(srv, &s.key, "2026-06", 2).await;
    assert_eq!(status, 201, "{own}");
    let (status, b) = srv
        .post(
            "/api/v1/bookings",
            &srv.admin,
            json!({"month": "2026-07", "hours": 3, "customer_id": s.customer}),
        )
        .await;
    assert_eq!(status, 201, "{b}");
    let b: Booking = typed(&b);
    let (status, body) = srv
        .patch(&format!("/api/v1/bookings/{}", b.id), &srv.admin, json!({"hours": 5}))
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = srv
        .call("DELETE", &format!("/api/v1/bookings/{}", b.id), Some(&srv.admin), None)
        .await;
    assert_eq!(status, 204);
    let titles = |v: &Value| -> Vec<String> {
        v["items"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .filter_map(|n| n["title"].as_str().map(ToOwned::to_owned))
            .collect()
    };
    let (_, bell) = srv.get("/api/v1/notifications", &s.key).await;
    let told = titles(&bell);
    assert_eq!(told.iter().filter(|t| t.contains("07.2026")).count(), 3, "{told:?}");
    assert!(told.iter().any(|t| t.contains("бронь изменена")), "{told:?}");
    assert!(
        !told.iter().any(|t| t.contains("06.2026")),
        "their own booking is not told back: {told:?}"
    );
    let (_, plain) = srv.get("/api/v1/notifications", &s.plain).await;
    assert!(titles(&plain).is_empty(), "only key contacts");
    let mut tx = srv.app.store.read().await.expect("tx");
    let mails = reglament_store::mail::list_for(&mut tx, &s.key_email.to_lowercase())
        .await
        .expect("outbox");
    tx.commit().await.expect("commit");
    assert_eq!(mails.iter().filter(|m| m.subject.contains("07.2026")).count(), 3);
});

async fn bookable(srv: &common::TestServer, token: &str, month: &str) -> Option<i64> {
    capacity(srv, token, month).await.bookable_hours
}

// R-CON-5: a booking cannot commit more hours than the certificate's balance minus the
// hours already booked and not yet charged. With two open bookings a third over what is
// left is refused, the last hour is not; a change that raises a booking counts only its
// increase; staff booking for the customer meet the same limit; two bookings at once for
// the last hours: one wins; a month charged counts once (in the ledger), not twice.
both_backends!(r_con_5_bookings_within_the_balance, |srv| {
    let mut s = setup(srv, "Остаток", 20).await;
    // A second specialist, so that the capacity is never what refuses.
    specialist(srv, "second@balance.test", Some(40)).await;
    let (status, june) = book(srv, &s.key, "2026-06", 8).await;
    assert_eq!(status, 201, "{june}");
    let (status, _) = book(srv, &s.key, "2026-07", 7).await;
    assert_eq!(status, 201);
    assert_eq!(bookable(srv, &s.key, "2026-08").await, Some(5), "20 h less 8 h and 7 h");
    assert_eq!(
        capacity(srv, &srv.admin, "2026-08").await.bookable_hours,
        None,
        "staff see no one's"
    );
    assert_problem(&book(srv, &s.key, "2026-08", 6).await, 422, "insufficient_balance");
    assert_problem(
        &srv.post(
            "/api/v1/bookings",
            &srv.admin,
            json!({"month": "2026-08", "hours": 6, "customer_id": s.customer}),
        )
        .await,
        422,
        "insufficient_balance",
    );
    // Raising June from 8 h to 13 h takes the last 5 h; to 14 h it is refused.
    let june = june["id"].as_str().expect("test fixture").to_owned();
    let raise = |hours: i64| {
        let (june, key) = (june.clone(), s.key.clone());
        async move {
            srv.patch(&format!("/api/v1/bookings/{june}"), &key, json!({"hours": hours}))
                .await
        }
    };
    assert_problem(&raise(14).await, 422, "insufficient_balance");
    let (status, body) = raise(13).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(bookable(srv, &s.key, "2026-08").await, Some(0));
    assert_problem(&book(srv, &s.key, "2026-08", 1).await, 422, "insufficient_balance");
    // Lowering it frees hours; two bookings at once for the 3 h freed: one wins.
    let (status, _) = raise(10).await;
    assert_eq!(status, 200);
    let (a, b) = tokio::join!(book(srv, &s.key, "2026-09", 3), book(srv, &s.key, "2026-10", 3));
    let mut statuses = [a.0, b.0];
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 422], "{a:?} {b:?}");
    let refused = if a.0 == 422 { a } else { b };
    assert_problem(&refused, 422, "insufficient_balance");
    // April: booked 1 h more after lowering July, then the month ends unused. Its hour is
    // charged to the certificate once and stops counting as booked: still 0 h left.
    let (status, july) = srv.get("/api/v1/bookings?month=2026-07", &s.key).await;
    assert_eq!(status, 200, "{july}");
    let july = july["items"][0]["id"].as_str().expect("test fixture").to_owned();
    let (status, _) = srv
        .patch(&format!("/api/v1/bookings/{july}"), &s.key, json!({"hours": 6}))
        .await;
    assert_eq!(status, 200);
    let (status, _) = book(srv, &s.key, "2026-04", 1).await;
    assert_eq!(status, 201);
    assert_eq!(bookable(srv, &s.key, "2026-08").await, Some(0));
    srv.clock.set("2026-04-30T21:00:00Z".parse().expect("test fixture"));
    assert_eq!(
        srv.app.jobs().run_once().await.expect("test fixture").bookings_charged,
        1
    );
    relogin(srv, &mut s, "Остаток").await;
    assert_eq!(balance(srv, &s.key, &s.certificate).await, 19 * 60);
    assert_eq!(
        bookable(srv, &s.key, "2026-08").await,
        Some(0),
        "19 h less 10, 6 and 3 h"
    );
    let (status, _) = srv
        .patch(&format!("/api/v1/bookings/{july}"), &s.key, json!({"hours": 5}))
        .await;
    assert_eq!(status, 200);
    assert_eq!(bookable(srv, &s.key, "2026-08").await, Some(1));
});

// R-CON-3 with R-BK-4: a month-end charge that runs after the clients' access has ended
// (the server was down through the grace) still tells the key contacts, without sending
// them to a portal they can no longer sign in to; one that runs in the grace links it.
both_backends!(
    r_con_3_a_charge_after_the_access_ended_does_not_link_the_portal,
    |srv| {
        let s = setup(srv, "Поздно", 100).await;
        specialist(srv, "late@balance.test", Some(40)).await;
        let (status, _) = book(srv, &s.key, "2026-11", 2).await;
        assert_eq!(status, 201);
        let (status, _) = book(srv, &s.key, "2026-12", 3).await;
        assert_eq!(status, 201);
        let charge_mail = |month: &'static str| {
            let email = s.key_email.to_lowercase();
            async move {
                let mut tx = srv.app.store.read().await.expect("test fixture");
                let mail = reglament_store::mail::list_for(&mut tx, &email)
                    .await
                    .expect("test fixture");
                drop(tx);
                mail.into_iter()
                    .filter(|m| m.subject.contains(month))
                    .map(|m| m.body)
                    .collect::<Vec<_>>()
            }
        };
        // November is charged in December, under the contract: the mail links the portal.
        srv.clock.set("2026-11-30T21:00:00Z".parse().expect("test fixture"));
        assert_eq!(srv.app.jobs().run_once().await.expect("round").bookings_charged, 1);
        let november = charge_mail("2026-11").await;
        assert_eq!(november.len(), 1);
        assert!(november[0].contains("/services"), "{}", november[0]);
        // December's charge runs only in February, after the access ended on 22 January.
        srv.clock.set("2027-02-01T09:00:00Z".parse().expect("test fixture"));
        assert_eq!(srv.app.jobs().run_once().await.expect("round").bookings_charged, 1);
        let december = charge_mail("2026-12").await;
        assert_eq!(december.len(), 1, "the key contact is still told");
        assert!(!december[0].contains("/services"), "{}", december[0]);
        assert!(december[0].contains("Доступ к порталу закрыт"), "{}", december[0]);
    }
);
