//! Access after a contract ends (R-ACL-5) and the community portal for customers without
//! an active contract (R-ACL-6), through the HTTP API on the test clock.

mod common;

use common::{CLIENT_PASSWORD, assert_problem, typed};
use reglament_api::{ContractState, PortalAccess, PortalSettings};
use serde_json::{Value, json};

fn at(text: &str) -> chrono::DateTime<chrono::Utc> {
    text.parse().expect("test fixture")
}

async fn login_pair(srv: &common::TestServer, email: &str) -> (u16, Value) {
    srv.call(
        "POST",
        "/api/v1/auth/login",
        None,
        Some(json!({"email": email, "password": CLIENT_PASSWORD})),
    )
    .await
}

async fn refresh(srv: &common::TestServer, token: &str) -> (u16, Value) {
    srv.call(
        "POST",
        "/api/v1/auth/refresh",
        None,
        Some(json!({"refresh_token": token})),
    )
    .await
}

// R-ACL-5: the contract ends on 31 December 2026; the New Year holidays do not count, so
// access lasts until the end of the tenth working day of 2027 (22 January, 18:00 Moscow).
// Then sign-in, refresh, access and API tokens are refused with `access_expired`, open
// tickets stay as they are, staff are not touched, and a renewal restores access at once.
both_backends!(r_acl_5_access_ends_ten_working_days_after_the_contract, |srv| {
    let customer = srv.customer("Истекающий", "basic").await;
    let (_, client) = srv.client(&customer, "leaving@client.test", json!({})).await;
    let ticket = srv.consultation(&client, "открыто до конца договора").await;
    let (status, api_token) = srv
        .post(
            "/api/v1/api-tokens",
            &client,
            json!({"name": "ci", "scopes": ["tickets:read"]}),
        )
        .await;
    assert_eq!(status, 201, "{api_token}");
    let api_token = api_token["token"].as_str().expect("token").to_owned();

    // The last minute of the grace: everything still works, but no new tickets (R-ACL-6).
    srv.clock.set(at("2027-01-22T14:59:00Z"));
    let (status, pair) = login_pair(srv, "leaving@client.test").await;
    assert_eq!(status, 200, "{pair}");
    let access_token = pair["access_token"].as_str().expect("access").to_owned();
    let refresh_token = pair["refresh_token"].as_str().expect("refresh").to_owned();
    let (status, access) = srv.get("/api/v1/me/access", &access_token).await;
    assert_eq!(status, 200, "{access}");
    let access: PortalAccess = typed(&access);
    assert_eq!(access.contract_state, Some(ContractState::Ended));
    assert!(!access.can_open_tickets);
    assert_eq!(access.access_ends_at, Some(at("2027-01-22T15:00:00Z")));
    let refused = srv
        .post(
            "/api/v1/tickets",
            &access_token,
            json!({"category": "consultation", "subject": "после договора", "body": "?"}),
        )
        .await;
    assert_problem(&refused, 422, "no_active_contract");
    assert!(
        refused.1["detail"]
            .as_str()
            .unwrap_or_default()
            .contains(&access.community_url),
        "{}",
        refused.1
    );
    assert_eq!(srv.get("/api/v1/tickets", &api_token).await.0, 200);

    // 18:00 Moscow on the tenth working day: access is closed.
    srv.clock.set(at("2027-01-22T15:00:00Z"));
    assert_problem(&login_pair(srv, "leaving@client.test").await, 403, "access_expired");
    assert_problem(&srv.get("/api/v1/me", &access_token).await, 403, "access_expired");
    assert_problem(&srv.get("/api/v1/tickets", &api_token).await, 403, "access_expired");
    assert_problem(&refresh(srv, &refresh_token).await, 403, "access_expired");
    // Staff keep working; the open ticket is as it was.
    let admin = srv.login(common::ADMIN_EMAIL, common::ADMIN_PASSWORD).await;
    let (status, kept) = srv.get(&format!("/api/v1/tickets/{ticket}"), &admin).await;
    assert_eq!(status, 200, "{kept}");
    assert_eq!(kept["status"], "open", "{kept}");

    // A renewal (the contract extended) restores access at once, the old session included.
    let (status, contracts) = srv
        .get(&format!("/api/v1/customers/{customer}/contracts"), &admin)
        .await;
    assert_eq!(status, 200, "{contracts}");
    let contract = contracts["items"][0]["id"].as_str().expect("contract").to_owned();
    let (status, renewed) = srv
        .patch(
            &format!("/api/v1/contracts/{contract}"),
            &admin,
            json!({"ends_on": "2027-12-31"}),
        )
        .await;
    assert_eq!(status, 200, "{renewed}");
    assert_eq!(srv.get("/api/v1/me", &access_token).await.0, 200);
    assert_eq!(srv.get("/api/v1/tickets", &api_token).await.0, 200);
    let (status, pair) = refresh(srv, &refresh_token).await;
    assert_eq!(status, 200, "{pair}");
    let (status, access) = srv.get("/api/v1/me/access", &access_token).await;
    assert_eq!(status, 200, "{access}");
    let access: PortalAccess = typed(&access);
    assert!(access.can_open_tickets);
    assert_eq!(access.contract_state, Some(ContractState::Active));
    // 2028 has no production calendar yet, so its weekdays count.
    assert_eq!(access.access_ends_at, Some(at("2028-01-14T15:00:00Z")));
});

// R-ACL-5: a customer between contracts is governed by the last one that ended; a new
// contract signed for later restores sign-in at once, though tickets wait for its start.
both_backends!(r_acl_5_a_contract_signed_for_later_restores_sign_in, |srv| {
    let customer = srv.customer("Перерыв", "basic").await;
    let (_, _client) = srv.client(&customer, "gap@client.test", json!({})).await;
    srv.clock.set(at("2027-03-01T09:00:00Z"));
    assert_problem(&login_pair(srv, "gap@client.test").await, 403, "access_expired");
    let admin = srv.login(common::ADMIN_EMAIL, common::ADMIN_PASSWORD).await;
    let (status, body) = srv
        .post(
            &format!("/api/v1/customers/{customer}/contracts"),
            &admin,
            json!({"tier_code": "basic", "number": "Д-2", "starts_on": "2027-04-01", "ends_on": "2028-03-31"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let (status, pair) = login_pair(srv, "gap@client.test").await;
    assert_eq!(status, 200, "{pair}");
    let token = pair["access_token"].as_str().expect("access").to_owned();
    let access: PortalAccess = typed(&srv.get("/api/v1/me/access", &token).await.1);
    assert_eq!(access.contract_state, Some(ContractState::Future));
    assert!(!access.can_open_tickets);
    // Deleting that contract closes access again.
    let contract = body["id"].as_str().expect("contract");
    assert_eq!(
        srv.call("DELETE", &format!("/api/v1/contracts/{contract}"), Some(&admin), None)
            .await
            .0,
        204
    );
    assert_problem(&srv.get("/api/v1/me", &token).await, 403, "access_expired");
});

// R-ACL-6: the community portal address is a setting admins change; clients without an
// active contract are shown it; staff may always open tickets (on a client's behalf).
both_backends!(r_acl_6_community_portal_setting, |srv| {
    let (status, settings) = srv.get("/api/v1/settings/portal", &srv.admin).await;
    assert_eq!(status, 200, "{settings}");
    let settings: PortalSettings = typed(&settings);
    assert!(settings.community_url.starts_with("https://"), "{settings:?}");
    assert_problem(
        &srv.call(
            "PUT",
            "/api/v1/settings/portal",
            Some(&srv.admin),
            Some(json!({"community_url": "javascript:alert(1)"})),
        )
        .await,
        400,
        "validation_failed",
    );
    let (status, saved) = srv
        .call(
            "PUT",
            "/api/v1/settings/portal",
            Some(&srv.admin),
            Some(json!({"community_url": "https://community.vendor.test/forum"})),
        )
        .await;
    assert_eq!(status, 200, "{saved}");

    let customer = srv.customer("Без договора", "basic").await;
    let (_, client) = srv.client(&customer, "nocontract@client.test", json!({})).await;
    assert_problem(
        &srv.call(
            "PUT",
            "/api/v1/settings/portal",
            Some(&client),
            Some(json!({"community_url": "https://evil.test"})),
        )
        .await,
        403,
        "forbidden",
    );
    let access: PortalAccess = typed(&srv.get("/api/v1/me/access", &client).await.1);
    assert!(access.can_open_tickets);
    assert_eq!(access.community_url, "https://community.vendor.test/forum");
    // After the contract ends (and within the grace) the client is shown the address.
    srv.clock.set(at("2027-01-11T09:00:00Z"));
    let client = srv.login("nocontract@client.test", CLIENT_PASSWORD).await;
    let access: PortalAccess = typed(&srv.get("/api/v1/me/access", &client).await.1);
    assert!(!access.can_open_tickets);
    assert_eq!(access.community_url, "https://community.vendor.test/forum");
    let admin = srv.login(common::ADMIN_EMAIL, common::ADMIN_PASSWORD).await;
    let staff: PortalAccess = typed(&srv.get("/api/v1/me/access", &admin).await.1);
    assert!(staff.can_open_tickets);
    assert_eq!(staff.access_ends_at, None);
});

// R-CON-3: during the 10 working days after the contract's end clients read and answer
// their open tickets, but a closed ticket is not reopened, a freed slot does not promote
// the queue, and no month after the end is booked; at the last minute of the grace the
// queue waits, a minute later the job closes it with `contract_ended`.
both_backends!(r_con_3_the_grace_period_answers_but_does_not_reopen_or_promote, |srv| {
    let customer = srv.customer("Льготный", "basic").await;
    let (_, key) = srv
        .client(&customer, "key@grace.test", json!({"is_key_contact": true}))
        .await;
    let (status, _) = srv
        .post(
            "/api/v1/certificates",
            &srv.admin,
            json!({"customer_id": customer, "number": "ПС-Льгота", "hours": 100,
                   "valid_from": "2026-01-01", "valid_until": "2027-12-31"}),
        )
        .await;
    assert_eq!(status, 201);
    // A specialist, so that the months have hours to book.
    let (status, body) = srv
        .post(
            "/api/v1/staff",
            &srv.admin,
            json!({"email": "spec@grace.test", "full_name": "Специалист", "role": "specialist",
                   "password": "specialist-password-1"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let book = |token: String, month: &'static str| async move {
        srv.post("/api/v1/bookings", &token, json!({"month": month, "hours": 1}))
            .await
    };
    // The certificate runs through 2027; the contract ends with 2026.
    assert_problem(&book(key.clone(), "2027-01").await, 422, "after_contract_end");
    assert_eq!(book(key.clone(), "2026-12").await.0, 201, "the contract's last month");
    // Basic allows 5 open tickets: the sixth waits in the queue.
    let mut open = Vec::new();
    for i in 0..5 {
        open.push(srv.consultation(&key, &format!("Вопрос {i}")).await);
    }
    let queued = srv.consultation(&key, "В очереди").await;
    let status_of = |id: String| async move {
        let admin = srv.login(common::ADMIN_EMAIL, common::ADMIN_PASSWORD).await;
        let (status, t) = srv.get(&format!("/api/v1/tickets/{id}"), &admin).await;
        assert_eq!(status, 200, "{t}");
        assert!(t["status"].is_string(), "{t}");
        (
            t["status"].as_str().unwrap_or_default().to_owned(),
            t["close_reason"].as_str().unwrap_or_default().to_owned(),
        )
    };
    assert_eq!(status_of(queued.clone()).await.0, "queued");

    // In the grace (12 January 2027) the client closes one: the slot frees, the queue waits.
    srv.clock.set(at("2027-01-12T09:00:00Z"));
    let key = srv.login("key@grace.test", CLIENT_PASSWORD).await;
    let (status, body) = srv
        .post(&format!("/api/v1/tickets/{}/close", open[0]), &key, json!({}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(srv.app.jobs().run_once().await.expect("round").promoted, 0);
    assert_eq!(status_of(queued.clone()).await.0, "queued");

    // The last minute of the grace: an open ticket is read and answered; the closed one
    // is not reopened; the queue still waits.
    srv.clock.set(at("2027-01-22T14:59:00Z"));
    let key = srv.login("key@grace.test", CLIENT_PASSWORD).await;
    assert_eq!(srv.get(&format!("/api/v1/tickets/{}", open[1]), &key).await.0, 200);
    let (status, body) = srv
        .post(
            &format!("/api/v1/tickets/{}/messages", open[1]),
            &key,
            json!({"body": "Ещё вопрос по открытому"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_problem(
        &srv.post(
            &format!("/api/v1/tickets/{}/messages", open[0]),
            &key,
            json!({"body": "Откройте снова"}),
        )
        .await,
        422,
        "no_active_contract",
    );
    assert_eq!(status_of(open[0].clone()).await.0, "closed");
    let round = srv.app.jobs().run_once().await.expect("round");
    assert_eq!((round.promoted, round.queued_closed), (0, 0));
    assert_eq!(status_of(queued.clone()).await.0, "queued");

    // A minute later the access has ended: the queued ticket closes with its reason, once.
    srv.clock.set(at("2027-01-22T15:00:00Z"));
    assert_eq!(srv.app.jobs().run_once().await.expect("round").queued_closed, 1);
    assert_eq!(srv.app.jobs().run_once().await.expect("round").queued_closed, 0);
    assert_eq!(
        status_of(queued.clone()).await,
        ("closed".to_owned(), "contract_ended".to_owned())
    );
    assert_eq!(
        status_of(open[1].clone()).await.0,
        "open",
        "open tickets stay as they are"
    );
});
