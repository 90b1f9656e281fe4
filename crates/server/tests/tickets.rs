//! Tickets through the HTTP API on both backends: the open-ticket limit and its
//! queue (R-LIM), visibility (R-ACL-1/2/6), account requests (R-ACC-2), SLA fields.

mod common;

use chrono::{DateTime, Utc};
use common::{assert_problem, typed};
use futures_util::StreamExt as _;
use reglament_api::{Category, CloseReason, Page, Schedule, Status, TicketEvent, TicketId, TicketList, TicketView};
use serde_json::{Value, json};

fn consultation(subject: &str) -> Value {
    json!({"category": "consultation", "subject": subject, "body": "Вопрос по настройке."})
}

/// A ticket created through the API, read as the contract's `TicketView`.
async fn create(srv: &common::TestServer, token: &str, body: Value) -> TicketView {
    let (status, ticket) = srv.post("/api/v1/tickets", token, body).await;
    assert_eq!(status, 201, "{ticket}");
    typed(&ticket)
}

/// A ticket as the caller sees it now.
async fn ticket(srv: &common::TestServer, id: TicketId, token: &str) -> TicketView {
    let (status, body) = srv.get(&format!("/api/v1/tickets/{id}"), token).await;
    assert_eq!(status, 200, "{body}");
    typed(&body)
}

fn at(text: &str) -> DateTime<Utc> {
    text.parse().expect("an RFC 3339 instant")
}

/// Equal to the minute: the test clock runs on from where it was set.
fn same_minute(t: Option<DateTime<Utc>>, expected: &str) -> bool {
    t.is_some_and(|t| (t - at(expected)).num_seconds().abs() < 60)
}

// R-LIM-1, R-LIM-2, R-LIM-3, R-SLA-2, R-SLA-3: the limit, exempt categories, the
// queue with positions and no due time, and first-in first-out promotion.
both_backends!(r_lim_queue_and_fifo_promotion, |srv| {
    let customer = srv.customer("Лимит", "basic").await;
    let (_, key) = srv
        .client(&customer, "key@limit.test", json!({"is_key_contact": true}))
        .await;
    let mut open = Vec::new();
    for i in 0..5 {
        let t = create(srv, &key, consultation(&format!("Вопрос {i}"))).await;
        assert_eq!((t.ticket.status, t.ticket.takes_slot), (Status::Open, true));
        // Wednesday 11 March 2026 12:30 MSK + 1 business day = Thursday 12:30 MSK.
        assert!(same_minute(t.ticket.response_due_at, "2026-03-12T09:30:00Z"), "{t:?}");
        assert_eq!(t.ticket.response_tier.as_deref(), Some("basic"));
        assert_eq!(t.ticket.response_schedule, Some(Schedule::EightByFive));
        open.push(t);
    }
    let sixth = create(srv, &key, consultation("Шестой")).await;
    let seventh = create(
        srv,
        &key,
        json!({"category": "bug", "subject": "Ошибка", "body": "Падает", "product_version": "5.2"}),
    )
    .await;
    for (t, position) in [(&sixth, 1), (&seventh, 2)] {
        assert_eq!(t.ticket.status, Status::Queued);
        assert_eq!(t.queue_position, Some(position));
        assert_eq!(
            t.ticket.response_due_at, None,
            "a queued ticket has no due time (R-SLA-3)"
        );
        assert!(!t.ticket.takes_slot);
    }
    // Exempt categories go to work at once and take no slot (R-LIM-2); licensing has no SLA (R-SLA-2).
    for category in [
        Category::LicensingBilling,
        Category::Improvement,
        Category::AccountManagement,
    ] {
        let t = create(
            srv,
            &key,
            json!({"category": category, "subject": category.as_str(), "body": "…"}),
        )
        .await;
        assert_eq!(
            (t.ticket.status, t.ticket.takes_slot),
            (Status::Open, false),
            "{category}"
        );
        if category == Category::LicensingBilling {
            assert_eq!(t.ticket.response_due_at, None);
        }
    }
    // A slot frees an hour later: the oldest queued ticket enters work and its clock starts then.
    srv.clock.set(at("2026-03-11T10:30:00Z"));
    // Access tokens live 15 minutes: sign in again after the jump.
    let key = srv.login("key@limit.test", common::CLIENT_PASSWORD).await;
    let admin = srv.login(common::ADMIN_EMAIL, common::ADMIN_PASSWORD).await;
    let first = open[0].ticket.id;
    let (status, closed) = srv
        .post(&format!("/api/v1/tickets/{first}/close"), &key, json!({}))
        .await;
    assert_eq!(status, 200, "{closed}");
    let closed: TicketView = typed(&closed);
    assert_eq!(closed.ticket.close_reason, Some(CloseReason::ClosedByCustomer));
    assert_eq!(
        (closed.ticket.waiting_since, closed.ticket.response_due_at),
        (None, None)
    );
    let promoted = ticket(srv, sixth.ticket.id, &key).await;
    assert_eq!(promoted.ticket.status, Status::Open);
    assert!(
        same_minute(promoted.ticket.response_started_at, "2026-03-11T10:30:00Z"),
        "{promoted:?}"
    );
    assert!(
        same_minute(promoted.ticket.response_due_at, "2026-03-12T10:30:00Z"),
        "{promoted:?}"
    );
    // The author learns that it entered work and the promised time (R-CH-2), in its thread.
    let mut tx = srv.app.store.read().await.expect("test fixture");
    let mails = reglament_store::mail::list_for(&mut tx, "key@limit.test")
        .await
        .expect("test fixture");
    tx.commit().await.expect("test fixture");
    let entered = mails
        .iter()
        .find(|m| m.subject.contains("взято в работу"))
        .expect("the promotion is mailed");
    assert!(
        entered.subject.starts_with(&format!("[#{}]", sixth.ticket.number)),
        "{}",
        entered.subject
    );
    assert!(
        entered.body.contains("Срок первого ответа: 12.03.2026 13:30 (МСК)"),
        "{}",
        entered.body
    );
    let still = ticket(srv, seventh.ticket.id, &key).await;
    assert_eq!((still.ticket.status, still.queue_position), (Status::Queued, Some(1)));
    let (_, history) = srv
        .get(&format!("/api/v1/tickets/{}/events", sixth.ticket.id), &key)
        .await;
    let history: Page<TicketEvent> = typed(&history);
    let kinds: Vec<&str> = history.items.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["created", "promoted"]);
    assert_eq!(
        history.items[1].data["status"],
        json!({"before": "queued", "after": "open"})
    );
    assert_problem(
        &srv.post(&format!("/api/v1/tickets/{first}/close"), &key, json!({}))
            .await,
        409,
        "already_closed",
    );
    // Staff close with a reason, and that frees the next slot too.
    let second = open[1].ticket.id;
    assert_problem(
        &srv.post(&format!("/api/v1/tickets/{second}/close"), &admin, json!({}))
            .await,
        400,
        "validation_failed",
    );
    let (status, _) = srv
        .post(
            &format!("/api/v1/tickets/{second}/close"),
            &admin,
            json!({"reason": CloseReason::Resolved}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(ticket(srv, seventh.ticket.id, &key).await.ticket.status, Status::Open);
    let (_, queued) = srv
        .get(&format!("/api/v1/tickets?status=queued&customer_id={customer}"), &admin)
        .await;
    let queued: TicketList = typed(&queued);
    assert_eq!((queued.total, queued.items.len()), (0, 0));
});

// R-LIM-4: 100 concurrent creations for one customer never pass the limit; none is lost.
both_backends!(r_lim_4_concurrent_creations_never_pass_the_limit, |srv| {
    let customer = srv.customer("Гонка", "basic_plus").await;
    let (_, token) = srv
        .client(&customer, "race@limit.test", json!({"is_key_contact": true}))
        .await;
    let attempts = (0..100).map(|i| {
        let token = token.clone();
        async move {
            srv.post("/api/v1/tickets", &token, consultation(&format!("Параллельно {i}")))
                .await
        }
    });
    let results = futures_util::future::join_all(attempts).await;
    let statuses: Vec<u16> = results.iter().map(|r| r.0).collect();
    assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
    let open = results.iter().filter(|r| r.1["status"] == "open").count();
    let mut positions: Vec<i64> = results
        .iter()
        .filter(|r| r.1["status"] == "queued")
        .map(|r| r.1["queue_position"].as_i64().expect("test fixture"))
        .collect();
    positions.sort_unstable();
    assert_eq!(open, 10, "basic_plus allows 10 in work");
    assert_eq!(
        positions,
        (1..=90).collect::<Vec<_>>(),
        "every other ticket is queued, each at its own place"
    );
    // First come, first served: numbers follow arrival, the ten in work came first and
    // the queue's order is the order of the numbers (R-LIM-3, R-TKT-10).
    let number = |r: &(u16, Value)| r.1["number"].as_i64().expect("test fixture");
    let last_in_work = results
        .iter()
        .filter(|r| r.1["status"] == "open")
        .map(number)
        .max()
        .expect("test fixture");
    let mut queue: Vec<(i64, i64)> = results
        .iter()
        .filter(|r| r.1["status"] == "queued")
        .map(|r| (number(r), r.1["queue_position"].as_i64().expect("test fixture")))
        .collect();
    queue.sort_unstable();
    assert!(queue[0].0 > last_in_work, "{queue:?} after {last_in_work}");
    assert!(queue.windows(2).all(|w| w[0].1 < w[1].1), "{queue:?}");
    let (_, all) = srv
        .get(&format!("/api/v1/tickets?customer_id={customer}&limit=1"), &srv.admin)
        .await;
    assert_eq!(all["total"], 100);
    let (_, in_work) = srv
        .get(
            &format!("/api/v1/tickets?customer_id={customer}&status=open&limit=1"),
            &srv.admin,
        )
        .await;
    assert_eq!(in_work["total"], 10);
});

// R-ACL-1, R-ACL-2: own and team tickets; all of the customer's for a key contact; others are 404.
both_backends!(r_acl_1_ticket_visibility, |srv| {
    let customer = srv.customer("Видимость", "premium").await;
    let team = srv.team(&customer, "Отдел").await;
    let (author_id, author) = srv
        .client(&customer, "author@vis.test", json!({"team_id": team["id"]}))
        .await;
    let (_, mate) = srv
        .client(&customer, "mate@vis.test", json!({"team_id": team["id"]}))
        .await;
    let (loner_id, loner) = srv.client(&customer, "loner@vis.test", json!({})).await;
    let (_, key) = srv
        .client(&customer, "key@vis.test", json!({"is_key_contact": true}))
        .await;
    let other = srv.customer("Чужие", "premium").await;
    let (_, stranger) = srv
        .client(&other, "stranger@other.test", json!({"is_key_contact": true}))
        .await;

    let ticket = create(srv, &author, consultation("Командный вопрос")).await;
    let loner_ticket = create(srv, &loner, consultation("Личный вопрос")).await;
    let path = format!("/api/v1/tickets/{}", ticket.ticket.id);
    for (token, visible) in [
        (&author, true),
        (&mate, true),
        (&key, true),
        (&srv.admin, true),
        (&loner, false),
        (&stranger, false),
    ] {
        let got = srv.get(&path, token).await;
        if visible {
            assert_eq!(got.0, 200, "{}", got.1);
        } else {
            assert_problem(&got, 404, "not_found");
            assert_problem(&srv.get(&format!("{path}/events"), token).await, 404, "not_found");
            assert_problem(
                &srv.post(&format!("{path}/close"), token, json!({})).await,
                404,
                "not_found",
            );
        }
    }
    let count = |token: String| async move { srv.get("/api/v1/tickets", &token).await.1["total"].clone() };
    assert_eq!(count(mate.clone()).await, 1);
    assert_eq!(count(loner.clone()).await, 1);
    assert_eq!(count(key.clone()).await, 2);
    assert_eq!(count(stranger.clone()).await, 0);
    // A client's filter on another customer finds nothing.
    let (_, theirs) = srv
        .get(&format!("/api/v1/tickets?customer_id={customer}"), &stranger)
        .await;
    assert_eq!(theirs["total"], 0);
    let (_, found) = srv
        .get("/api/v1/tickets?q=%D0%BB%D0%B8%D1%87%D0%BD%D1%8B%D0%B9", &key)
        .await;
    assert_eq!(typed::<TicketList>(&found).items[0].ticket.id, loner_ticket.ticket.id);

    // A team is who is in it now: the author leaves and the loner joins; their tickets follow.
    let team_path = format!("/api/v1/teams/{}", team["id"].as_str().expect("test fixture"));
    let (status, _) = srv
        .patch(
            &format!("/api/v1/users/{author_id}"),
            &srv.admin,
            json!({"team_id": null}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(count(mate.clone()).await, 0);
    assert_eq!(srv.get(&path, &mate).await.0, 404);
    assert_eq!(count(author.clone()).await, 1, "the author still sees their own");
    srv.patch(
        &format!("/api/v1/users/{loner_id}"),
        &srv.admin,
        json!({"team_id": team["id"]}),
    )
    .await;
    let (_, theirs) = srv.get("/api/v1/tickets?sort=due", &mate).await;
    let theirs: TicketList = typed(&theirs);
    assert_eq!((theirs.total, theirs.items[0].ticket.id), (1, loner_ticket.ticket.id));
    let (_, by_team) = srv
        .get(
            &format!("/api/v1/tickets?team_id={}", team["id"].as_str().expect("test fixture")),
            &srv.admin,
        )
        .await;
    assert_eq!(by_team["total"], 1);
    // A deleted team shows nobody anybody else's tickets.
    let (status, _) = srv.call("DELETE", &team_path, Some(&srv.admin), None).await;
    assert_eq!(status, 204);
    assert_eq!(count(mate.clone()).await, 0);
    assert_eq!(count(loner.clone()).await, 1);
    assert_eq!(count(key.clone()).await, 2);
});

// R-ACL-6: only customers with an active contract open tickets; R-ACC-2: account
// requests from anyone but a key contact are closed at once.
both_backends!(r_acl_6_and_r_acc_2_who_may_open_what, |srv| {
    let (_, lapsed) = srv
        .post("/api/v1/customers", &srv.admin, json!({"name": "Бывший клиент"}))
        .await;
    let lapsed = lapsed["id"].as_str().expect("test fixture").to_owned();
    // Ended five days ago: its clients still sign in for 10 working days (R-ACL-5), but
    // open no tickets (R-ACL-6).
    let contract = json!({"tier_code": "basic", "number": "old", "starts_on": "2025-03-07", "ends_on": "2026-03-06"});
    srv.post(&format!("/api/v1/customers/{lapsed}/contracts"), &srv.admin, contract)
        .await;
    let (_, former) = srv.client(&lapsed, "former@lapsed.test", json!({})).await;
    assert_problem(
        &srv.post("/api/v1/tickets", &former, consultation("Помогите")).await,
        422,
        "no_active_contract",
    );

    let customer = srv.customer("Учетки", "basic").await;
    let (_, plain) = srv.client(&customer, "plain@acc.test", json!({})).await;
    let t = create(
        srv,
        &plain,
        json!({"category": "account_management", "subject": "Добавьте коллегу", "body": "…"}),
    )
    .await;
    assert_eq!(
        (t.ticket.status, t.ticket.close_reason),
        (Status::Closed, Some(CloseReason::NotKeyContact))
    );
    assert!(!t.ticket.takes_slot && !t.ticket.awaiting_response && t.ticket.closed_at.is_some());

    // Input rules: bugs name a version (R-TKT-4), critical needs a justification (R-TKT-3), staff do not open tickets here.
    assert_problem(
        &srv.post(
            "/api/v1/tickets",
            &plain,
            json!({"category": "bug", "subject": "x", "body": "y"}),
        )
        .await,
        400,
        "validation_failed",
    );
    assert_problem(
        &srv.post(
            "/api/v1/tickets",
            &plain,
            json!({"category": "bug", "subject": "x", "body": "y", "product_version": "5", "is_critical": true}),
        )
        .await,
        400,
        "validation_failed",
    );
    assert_problem(
        &srv.post("/api/v1/tickets", &plain, json!({"category": "consultation", "subject": "x", "body": "y", "is_critical": true, "critical_justification": "всё упало"})).await,
        400,
        "validation_failed",
    );
    let critical = create(
        srv,
        &plain,
        json!({"category": "bug", "subject": "Не запускается", "body": "…", "product_version": "5.2",
        "is_critical": true, "critical_justification": "Продукт не работает совсем"}),
    )
    .await;
    assert!(critical.ticket.is_critical);
    // Staff open a ticket only on a client's behalf (R-CH-2, R-CH-3: a call, a letter, a chat).
    assert_problem(
        &srv.post("/api/v1/tickets", &srv.admin, consultation("От сотрудника"))
            .await,
        400,
        "validation_failed",
    );
    assert_problem(
        &srv.post(
            "/api/v1/tickets",
            &plain,
            json!({"category": "consultation", "subject": "x", "body": "y", "channel": "email"}),
        )
        .await,
        400,
        "validation_failed",
    );
    assert_problem(
        &srv.post(
            "/api/v1/tickets",
            &plain,
            json!({"category": "gossip", "subject": "x", "body": "y"}),
        )
        .await,
        400,
        "invalid_json",
    );
});

// R-SLA-6: the work queue filters by the tier a ticket is served under.
both_backends!(ticket_list_filters_by_tier, |srv| {
    let basic = srv.customer("Пакет Базовый", "basic").await;
    let premium = srv.customer("Пакет Премиальный", "premium").await;
    let (_, a) = srv.client(&basic, "tier-a@x.test", json!({})).await;
    let (_, b) = srv.client(&premium, "tier-b@x.test", json!({})).await;
    srv.consultation(&a, "Базовый вопрос").await;
    srv.consultation(&b, "Премиальный вопрос").await;
    let (status, list) = srv.get("/api/v1/tickets?tier=premium", &srv.admin).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["subject"], "Премиальный вопрос");
    assert_eq!(srv.get("/api/v1/tickets?tier=basic", &srv.admin).await.1["total"], 1);
    assert_eq!(
        srv.get("/api/v1/tickets?tier=premium", &a).await.1["total"],
        0,
        "a client sees only their own"
    );
});

// R-LIM-1, R-TKT-10: unlimited tiers take every ticket into work, also when creations
// for them and for a limited customer arrive at once; every number is given once.
both_backends!(r_lim_1_concurrent_creations_on_unlimited_and_limited_tiers, |srv| {
    let premium = srv.customer("Без лимита", "premium_plus").await;
    let basic = srv.customer("С лимитом", "basic").await;
    let (_, p) = srv.client(&premium, "unlimited@x.test", json!({})).await;
    let (_, b) = srv.client(&basic, "limited@x.test", json!({})).await;
    let attempts = (0..60).map(|i| {
        let token = if i % 3 == 0 { b.clone() } else { p.clone() };
        async move {
            srv.post("/api/v1/tickets", &token, consultation(&format!("Сразу {i}")))
                .await
        }
    });
    let results = futures_util::future::join_all(attempts).await;
    assert!(
        results.iter().all(|r| r.0 == 201),
        "{:?}",
        results.iter().map(|r| r.0).collect::<Vec<_>>()
    );
    let mut numbers: Vec<i64> = results
        .iter()
        .map(|r| r.1["number"].as_i64().expect("test fixture"))
        .collect();
    numbers.sort_unstable();
    numbers.dedup();
    assert_eq!(numbers.len(), 60, "every number once");
    let of = |token: &String, status: &str| {
        results
            .iter()
            .enumerate()
            .filter(|(i, r)| (if i % 3 == 0 { &b } else { &p }) == token && r.1["status"] == status)
            .count()
    };
    assert_eq!(of(&p, "open"), 40, "premium_plus has no limit");
    assert_eq!(
        (of(&b, "open"), of(&b, "queued")),
        (5, 15),
        "basic takes five into work"
    );
});

/// Every page of `path` (which has `limit`) followed by `next_cursor`; answers the rows in order.
async fn walk(srv: &common::TestServer, path: &str, token: &str) -> Vec<Value> {
    let mut rows = Vec::new();
    let mut next: Option<String> = None;
    for _ in 0..100 {
        let url = match &next {
            None => path.to_owned(),
            // An offset beside a cursor is ignored: the cursor says where the page starts.
            Some(c) => format!("{path}&cursor={c}&offset=999"),
        };
        let (status, page) = srv.get(&url, token).await;
        assert_eq!(status, 200, "{page}");
        assert_eq!(page["total_exact"], true, "{page}");
        rows.extend(page["items"].as_array().expect("test fixture").iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => next = Some(c.to_owned()),
            None => return rows,
        }
    }
    panic!("{path}: the cursor never ended");
}

// R-ACL-1 and issue 11: keyset pages walk every visible ticket once, in the list's order,
// for a key contact and for a team member; the rows say whose ticket it is and who has it.
both_backends!(ticket_list_pages_by_cursor_and_names_whose_ticket, |srv| {
    let customer = srv.customer("ООО Курсор", "premium_plus").await;
    let team = srv.team(&customer, "Отдел").await;
    let (_, key) = srv
        .client(&customer, "key@cursor.test", json!({"is_key_contact": true}))
        .await;
    let (_, member) = srv
        .client(&customer, "member@cursor.test", json!({"team_id": team["id"]}))
        .await;
    let (_, mate) = srv
        .client(&customer, "mate@cursor.test", json!({"team_id": team["id"]}))
        .await;
    let (_, solo) = srv.client(&customer, "solo@cursor.test", json!({})).await;
    for (token, n) in [(&key, 4), (&member, 3), (&mate, 2), (&solo, 2)] {
        for i in 0..n {
            create(srv, token, consultation(&format!("Вопрос {i}"))).await;
        }
    }
    // Staff answer one ticket and so take it.
    let (_, first) = srv.get("/api/v1/tickets?limit=1&sort=due", &key).await;
    let answered = first["items"][0]["id"].as_str().expect("test fixture").to_owned();
    let (status, _) = srv
        .post(
            &format!("/api/v1/tickets/{answered}/messages"),
            &srv.admin,
            json!({"body": "Ответ", "kind": "message"}),
        )
        .await;
    assert_eq!(status, 201);

    // Newest first: every number once, descending, over pages of 3.
    let rows = walk(srv, "/api/v1/tickets?limit=3", &key).await;
    let numbers: Vec<i64> = rows
        .iter()
        .map(|t| t["number"].as_i64().expect("test fixture"))
        .collect();
    assert_eq!(numbers.len(), 11);
    assert!(numbers.windows(2).all(|w| w[0] > w[1]), "{numbers:?}");
    assert!(rows.iter().all(|t| t["customer_name"] == "ООО Курсор"));
    let taken = rows
        .iter()
        .find(|t| t["id"] == answered.as_str())
        .expect("test fixture");
    assert!(
        taken["assignee_name"].as_str().is_some_and(|n| !n.is_empty()),
        "{taken}"
    );
    assert!(
        rows.iter()
            .filter(|t| t["id"] != answered.as_str())
            .all(|t| t["assignee_name"].is_null())
    );

    // By response due: every ticket once, due times ascending, tickets without one last.
    let rows = walk(srv, "/api/v1/tickets?limit=4&sort=due", &key).await;
    assert_eq!(rows.len(), 11);
    let keys: Vec<(String, i64)> = rows
        .iter()
        .map(|t| {
            let due = t["response_due_at"].as_str().map_or("~".to_owned(), str::to_owned);
            (due, t["number"].as_i64().expect("test fixture"))
        })
        .collect();
    assert!(keys.windows(2).all(|w| w[0] < w[1]), "{keys:?}");

    // A team member sees their own and the team's tickets, not the key contact's nor the solo client's.
    let rows = walk(srv, "/api/v1/tickets?limit=2", &member).await;
    assert_eq!(rows.len(), 5, "{rows:?}");
    let rows = walk(srv, "/api/v1/tickets?limit=2&status=open&sort=due", &solo).await;
    assert_eq!(rows.len(), 2);

    // A cursor that is not one, or one of the other order, is refused.
    for bad in ["garbage", "d123", "n12x"] {
        assert_problem(
            &srv.get(&format!("/api/v1/tickets?cursor={bad}"), &key).await,
            400,
            "validation_failed",
        );
    }
    let (_, page) = srv.get("/api/v1/tickets?limit=2&sort=due", &key).await;
    let due_cursor = page["next_cursor"].as_str().expect("test fixture").to_owned();
    assert_problem(
        &srv.get(&format!("/api/v1/tickets?cursor={due_cursor}"), &key).await,
        400,
        "validation_failed",
    );
    // The last page has no next cursor.
    let (_, last) = srv.get("/api/v1/tickets?limit=50", &key).await;
    assert_eq!(
        (last["total"].clone(), last["next_cursor"].clone()),
        (json!(11), Value::Null)
    );
});

// R-CH-2, R-CH-3: staff open a ticket on behalf of a client; the client is its author, the
// channel it came by is recorded, the limit and the queue apply as for the client's own,
// and the history says who opened it.
both_backends!(staff_open_a_ticket_on_behalf_of_a_client, |srv| {
    let customer = srv.customer("От имени", "basic").await;
    let (client_id, client) = srv.client(&customer, "author@behalf.test", json!({})).await;
    let mut body = consultation("Звонок клиента");
    body["author_id"] = json!(client_id);
    body["channel"] = json!("email");
    let view = create(srv, &srv.admin, body.clone()).await;
    assert_eq!(view.ticket.author_id.to_string(), client_id);
    assert_eq!(view.ticket.channel, reglament_api::Channel::Email);
    assert_eq!(view.ticket.status, Status::Open);
    // The client sees it as their own.
    assert_eq!(ticket(srv, view.ticket.id, &client).await.ticket.id, view.ticket.id);
    let (status, history) = srv
        .get(&format!("/api/v1/tickets/{}/events", view.ticket.id), &client)
        .await;
    assert_eq!(status, 200, "{history}");
    let opened = history["items"]
        .as_array()
        .and_then(|items| items.iter().find(|e| e["kind"] == "created"))
        .expect("the history has the creation");
    assert_eq!(opened["data"]["on_behalf_of"], json!(client_id), "{history}");
    // The author must be an active client.
    let mut staff_author = consultation("Сотрудник");
    staff_author["author_id"] = json!(srv.get("/api/v1/me", &srv.admin).await.1["id"]);
    assert_problem(
        &srv.post("/api/v1/tickets", &srv.admin, staff_author).await,
        400,
        "validation_failed",
    );
    let mut unknown = consultation("Никто");
    unknown["author_id"] = json!(uuid::Uuid::now_v7());
    assert_problem(
        &srv.post("/api/v1/tickets", &srv.admin, unknown).await,
        404,
        "not_found",
    );
    // A client cannot open one for a colleague.
    let (colleague, _) = srv.client(&customer, "colleague@behalf.test", json!({})).await;
    let mut for_colleague = consultation("За коллегу");
    for_colleague["author_id"] = json!(colleague);
    assert_problem(
        &srv.post("/api/v1/tickets", &client, for_colleague).await,
        400,
        "validation_failed",
    );
});

// Issue 23: the list counts its matches up to 1,000 (a count that walks no further on every
// page); past it `total` is 1,000 and `total_exact` false, and the cursor still walks them all.
both_backends!(ticket_list_counts_up_to_a_thousand, |srv| {
    let customer = srv.customer("ООО Тысяча", "premium_plus").await;
    let (_, client) = srv.client(&customer, "many@cap.test", json!({})).await;
    let opened = futures_util::stream::iter(0..1_001)
        .map(|i| {
            let client = client.clone();
            async move {
                let (status, body) = srv
                    .post(
                        "/api/v1/tickets",
                        &client,
                        json!({"category": "consultation", "subject": format!("Вопрос {i}"), "body": "…"}),
                    )
                    .await;
                assert_eq!(status, 201, "{body}");
            }
        })
        .buffer_unordered(16)
        .count()
        .await;
    assert_eq!(opened, 1_001);
    let (_, page) = srv.get("/api/v1/tickets?limit=50", &client).await;
    assert_eq!(
        (page["total"].as_i64(), page["total_exact"].as_bool()),
        (Some(1_000), Some(false))
    );
    let (_, exact) = srv.get("/api/v1/tickets?limit=1&offset=0&status=queued", &client).await;
    assert_eq!(
        (exact["total"].as_i64(), exact["total_exact"].as_bool()),
        (Some(0), Some(true))
    );
    let mut seen = 0;
    let mut url = "/api/v1/tickets?limit=200".to_owned();
    loop {
        let (status, page) = srv.get(&url, &client).await;
        assert_eq!(status, 200, "{page}");
        seen += page["items"].as_array().map_or(0, Vec::len);
        match page["next_cursor"].as_str() {
            Some(c) => url = format!("/api/v1/tickets?limit=200&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen, 1_001, "the cursor walks past the count");
});
