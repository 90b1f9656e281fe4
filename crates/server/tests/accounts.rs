//! Account management requests (R-ACC-2, R-ACC-3): a key contact chooses the change in
//! the ticket's form; staff carry it out in one action, under the same rules as any other
//! change, and the ticket closes `resolved`; anyone else's request changes nothing.

mod common;

use common::{assert_problem, typed};
use reglament_api::{AccountRequestView, CloseReason, Status, TicketView, User};
use serde_json::{Value, json};

async fn request(srv: &common::TestServer, token: &str, request: Value) -> (u16, Value) {
    srv.post(
        "/api/v1/tickets",
        token,
        json!({"category": "account_management", "subject": "Учетные записи", "body": "См. запрос", "account_request": request}),
    )
    .await
}

async fn opened(srv: &common::TestServer, token: &str, body: Value) -> TicketView {
    let (status, t) = request(srv, token, body).await;
    assert_eq!(status, 201, "{t}");
    typed(&t)
}

async fn apply(srv: &common::TestServer, token: &str, ticket: &TicketView) -> (u16, Value) {
    srv.post(
        &format!("/api/v1/tickets/{}/account-request/apply", ticket.ticket.id),
        token,
        json!({}),
    )
    .await
}

async fn user(srv: &common::TestServer, id: &str) -> User {
    typed(&srv.get(&format!("/api/v1/users/{id}"), &srv.admin).await.1)
}

// R-ACC-2, R-ACC-3: add a user, change one, remove one; each applied by staff in one
// action that records it and closes the ticket resolved; the contact count holds and a
// refused change leaves everything as it was.
both_backends!(r_acc_3_staff_carry_out_a_key_contacts_request_in_one_action, |srv| {
    let customer = srv.customer("Учетки", "basic").await;
    let (_, key) = srv
        .client(&customer, "key@acc.test", json!({"is_key_contact": true}))
        .await;
    let (plain_id, plain) = srv.client(&customer, "plain@acc.test", json!({})).await;

    // The form's rules.
    assert_problem(
        &srv.post(
            "/api/v1/tickets",
            &key,
            json!({"category": "consultation", "subject": "x", "body": "y",
                "account_request": {"action": "remove_user", "user_id": plain_id}}),
        )
        .await,
        400,
        "validation_failed",
    );
    let other = srv.customer("Чужие", "basic").await;
    let (stranger, _) = srv.client(&other, "stranger@acc.test", json!({})).await;
    assert_problem(
        &request(srv, &key, json!({"action": "remove_user", "user_id": stranger})).await,
        400,
        "validation_failed",
    );
    assert_problem(
        &request(
            srv,
            &key,
            json!({"action": "add_user", "full_name": "Без почты", "email": "нет"}),
        )
        .await,
        400,
        "validation_failed",
    );

    // Add a user.
    let t = opened(
        srv,
        &key,
        json!({"action": "add_user", "full_name": "Новая Коллега", "email": "New@Acc.test", "telegram_username": "newbie"}),
    )
    .await;
    assert_ne!(t.ticket.status, Status::Closed);
    let (status, seen) = srv
        .get(&format!("/api/v1/tickets/{}/account-request", t.ticket.id), &key)
        .await;
    assert_eq!(status, 200, "{seen}");
    let seen: AccountRequestView = typed(&seen);
    assert!(seen.applied_at.is_none());
    assert_problem(&apply(srv, &key, &t).await, 403, "forbidden");
    let (status, done) = apply(srv, &srv.admin, &t).await;
    assert_eq!(status, 200, "{done}");
    let done: TicketView = typed(&done);
    assert_eq!(
        (done.ticket.status, done.ticket.close_reason),
        (Status::Closed, Some(CloseReason::Resolved))
    );
    let seen: AccountRequestView = typed(
        &srv.get(&format!("/api/v1/tickets/{}/account-request", t.ticket.id), &key)
            .await
            .1,
    );
    let new_id = seen.user_id.expect("the new user").to_string();
    let added = user(srv, &new_id).await;
    assert_eq!((added.email.as_str(), added.active), ("new@acc.test", true));
    assert_eq!(added.telegram_username.as_deref(), Some("newbie"));
    let (_, events) = srv
        .get(&format!("/api/v1/tickets/{}/events", t.ticket.id), &srv.admin)
        .await;
    assert!(
        events["items"]
            .as_array()
            .expect("events")
            .iter()
            .any(|e| e["kind"] == "account_request_applied"),
        "{events}"
    );
    let mut tx = srv.app.store.begin().await.expect("tx");
    let mail = reglament_store::mail::list_for(&mut tx, "new@acc.test")
        .await
        .expect("mail");
    tx.commit().await.expect("commit");
    assert_eq!(mail.len(), 1, "an invitation to set a password");
    assert_problem(&apply(srv, &srv.admin, &t).await, 409, "already_applied");

    // basic allows 3 contacts: key, plain and the new one. A fourth is refused as a whole.
    let t = opened(
        srv,
        &key,
        json!({"action": "add_user", "full_name": "Лишний", "email": "extra@acc.test"}),
    )
    .await;
    assert_problem(&apply(srv, &srv.admin, &t).await, 422, "contact_limit_reached");
    let (_, again) = srv.get(&format!("/api/v1/tickets/{}", t.ticket.id), &srv.admin).await;
    assert_ne!(again["status"], "closed", "{again}");
    let (_, users) = srv
        .get(&format!("/api/v1/users?customer_id={customer}&kind=client"), &srv.admin)
        .await;
    assert_eq!(users["total"], 3, "{users}");

    // Change a user's email, then remove the plain client: its sign-in stops.
    let t = opened(
        srv,
        &key,
        json!({"action": "change_user", "user_id": new_id, "email": "renamed@acc.test"}),
    )
    .await;
    assert_eq!(apply(srv, &srv.admin, &t).await.0, 200);
    assert_eq!(user(srv, &new_id).await.email, "renamed@acc.test");
    let t = opened(srv, &key, json!({"action": "remove_user", "user_id": plain_id})).await;
    assert_eq!(apply(srv, &srv.admin, &t).await.0, 200);
    assert!(!user(srv, &plain_id).await.active);
    assert_eq!(srv.get("/api/v1/me", &plain).await.0, 401);

    // Asked to add again, the removed client's account comes back (same account, old
    // password), within the contact count.
    let t = opened(
        srv,
        &key,
        json!({"action": "add_user", "full_name": "Вернувшийся", "email": "PLAIN@acc.test"}),
    )
    .await;
    let (status, done) = apply(srv, &srv.admin, &t).await;
    assert_eq!(status, 200, "{done}");
    let back = user(srv, &plain_id).await;
    assert_eq!((back.active, back.full_name.as_str()), (true, "Вернувшийся"));
    let seen: AccountRequestView = typed(
        &srv.get(&format!("/api/v1/tickets/{}/account-request", t.ticket.id), &key)
            .await
            .1,
    );
    assert_eq!(seen.user_id.map(|u| u.to_string()), Some(plain_id.clone()));
    srv.login("plain@acc.test", common::CLIENT_PASSWORD).await;

    // Telegram is not in the basic tier (R-CH-3).
    let t = opened(
        srv,
        &key,
        json!({"action": "add_to_telegram", "user_id": new_id, "telegram_username": "@x"}),
    )
    .await;
    assert_problem(&apply(srv, &srv.admin, &t).await, 422, "telegram_not_in_tier");
});

// R-ACC-2: a request from anyone but a key contact is closed `not_key_contact` at once and
// cannot be carried out; on a premium tier a key contact's Telegram requests are.
both_backends!(r_acc_2_only_key_contacts_requests_are_carried_out, |srv| {
    let customer = srv.customer("Телеграм", "premium").await;
    let (_, key) = srv
        .client(&customer, "key@tg.test", json!({"is_key_contact": true}))
        .await;
    let (plain_id, plain) = srv.client(&customer, "plain@tg.test", json!({})).await;
    let t = opened(srv, &plain, json!({"action": "remove_user", "user_id": plain_id})).await;
    assert_eq!(
        (t.ticket.status, t.ticket.close_reason),
        (Status::Closed, Some(CloseReason::NotKeyContact))
    );
    assert_problem(&apply(srv, &srv.admin, &t).await, 409, "ticket_closed");
    assert!(user(srv, &plain_id).await.active);

    let t = opened(
        srv,
        &key,
        json!({"action": "add_to_telegram", "user_id": plain_id, "telegram_username": "@plain_tg"}),
    )
    .await;
    assert_eq!(apply(srv, &srv.admin, &t).await.0, 200);
    assert_eq!(
        user(srv, &plain_id).await.telegram_username.as_deref(),
        Some("plain_tg")
    );
    let t = opened(
        srv,
        &key,
        json!({"action": "remove_from_telegram", "user_id": plain_id}),
    )
    .await;
    assert_eq!(apply(srv, &srv.admin, &t).await.0, 200);
    assert_eq!(user(srv, &plain_id).await.telegram_username, None);
});

async fn demote(srv: &common::TestServer, id: &str, body: Value) -> (u16, Value) {
    srv.patch(&format!("/api/v1/users/{id}"), &srv.admin, body).await
}

// R-CON-4: while the contract is in force, the customer's last key contact cannot be
// demoted or disabled, through the API or an account request, unless the same request
// names the new one; with another key contact, or after the contract ended, they can;
// two demotions at once of the only two key contacts: one wins; an import never demotes.
both_backends!(r_con_4_the_last_key_contact_stays_unless_a_new_one_is_named, |srv| {
    let customer = srv.customer("Последний", "premium").await;
    let (key_id, key) = srv
        .client(&customer, "key@last.test", json!({"is_key_contact": true}))
        .await;
    let (plain_id, _) = srv.client(&customer, "plain@last.test", json!({})).await;
    let other = srv.customer("Другой", "premium").await;
    let (stranger, _) = srv.client(&other, "stranger@last.test", json!({})).await;
    for body in [json!({"is_key_contact": false}), json!({"active": false})] {
        assert_problem(&demote(srv, &key_id, body).await, 409, "last_key_contact");
    }
    assert!(
        user(srv, &key_id).await.is_key_contact,
        "a refused change changes nothing"
    );
    // The new one must be another active client of the same customer.
    for named in [&stranger, &key_id] {
        assert_problem(
            &demote(srv, &key_id, json!({"active": false, "new_key_contact_id": named})).await,
            400,
            "validation_failed",
        );
    }
    // An account request: refused when filed, accepted when it names the new one.
    assert_problem(
        &request(srv, &key, json!({"action": "remove_user", "user_id": key_id})).await,
        409,
        "last_key_contact",
    );
    let t = opened(
        srv,
        &key,
        json!({"action": "remove_user", "user_id": key_id, "new_key_contact_id": plain_id}),
    )
    .await;
    let (status, done) = apply(srv, &srv.admin, &t).await;
    assert_eq!(status, 200, "{done}");
    assert!(!user(srv, &key_id).await.active);
    assert!(
        user(srv, &plain_id).await.is_key_contact,
        "the named client is the key contact now"
    );
    // A request filed while another key contact existed is refused when carried out if it
    // would now take the last one.
    let (second_id, _) = srv
        .client(&customer, "second@last.test", json!({"is_key_contact": true}))
        .await;
    let plain = srv.login("plain@last.test", common::CLIENT_PASSWORD).await;
    let t = opened(srv, &plain, json!({"action": "remove_user", "user_id": plain_id})).await;
    let (status, _) = demote(srv, &second_id, json!({"is_key_contact": false})).await;
    assert_eq!(status, 200, "plain is still a key contact");
    assert_problem(&apply(srv, &srv.admin, &t).await, 409, "last_key_contact");
    assert!(user(srv, &plain_id).await.active);
    // The API names the new one in the same change.
    let (status, body) = demote(
        srv,
        &plain_id,
        json!({"is_key_contact": false, "new_key_contact_id": second_id}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(user(srv, &second_id).await.is_key_contact);
    // Two key contacts demoted at once: one wins, the other is the last.
    let (status, _) = demote(srv, &plain_id, json!({"is_key_contact": true})).await;
    assert_eq!(status, 200);
    let (a, b) = tokio::join!(
        demote(srv, &plain_id, json!({"is_key_contact": false})),
        demote(srv, &second_id, json!({"is_key_contact": false}))
    );
    let mut statuses = [a.0, b.0];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409], "{a:?} {b:?}");
    // An import lists the key contact as not one: the existing account is left as it is.
    let remaining = if a.0 == 200 { &second_id } else { &plain_id };
    let email = user(srv, remaining).await.email;
    let csv = format!("email,full_name,key_contact\n{email},Кто-то,no\n");
    let res = srv
        .http
        .post(srv.url(&format!("/api/v1/customers/{customer}/clients/import?dry_run=false")))
        .bearer_auth(&srv.admin)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .expect("request sent");
    let status = res.status().as_u16();
    let report: Value = res.json().await.expect("json");
    assert_eq!(status, 200, "{report}");
    assert!(user(srv, remaining).await.is_key_contact);
    // After the contract ends nothing holds the last key contact in place.
    srv.clock.set("2027-01-01T09:00:00Z".parse().expect("test fixture"));
    let admin = srv.login(common::ADMIN_EMAIL, common::ADMIN_PASSWORD).await;
    let (status, body) = srv
        .patch(
            &format!("/api/v1/users/{remaining}"),
            &admin,
            json!({"is_key_contact": false}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
});
