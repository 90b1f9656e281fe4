//! Customers, contracts, teams and users through the HTTP API on both backends.

mod common;

use common::assert_problem;
use serde_json::{Value, json};

// SPEC section 3: GET /api/v1/tiers shows Appendix 1 exactly.
both_backends!(tiers_show_appendix_1_exactly, |srv| {
    let (status, tiers) = srv.get("/api/v1/tiers", &srv.admin).await;
    assert_eq!(status, 200);
    assert_eq!(
        tiers,
        json!([
            {"code": "basic", "name_ru": "Базовая", "name_en": "Basic", "schedule": "8x5", "response_target_minutes": 540,
             "max_open_tickets": 5, "several_teams": false, "max_contacts": 3, "telegram": false,
             "dedicated_manager": false, "monthly_video_meeting": false, "warn_percent": 75},
            {"code": "basic_plus", "name_ru": "Базовая +", "name_en": "Basic+", "schedule": "8x5", "response_target_minutes": 240,
             "max_open_tickets": 10, "several_teams": false, "max_contacts": 5, "telegram": false,
             "dedicated_manager": false, "monthly_video_meeting": false, "warn_percent": 75},
            {"code": "premium", "name_ru": "Премиальная", "name_en": "Premium", "schedule": "24x7", "response_target_minutes": 120,
             "max_open_tickets": null, "several_teams": true, "max_contacts": 10, "telegram": true,
             "dedicated_manager": true, "monthly_video_meeting": false, "warn_percent": 75},
            {"code": "premium_plus", "name_ru": "Премиальная+", "name_en": "Premium+", "schedule": "24x7", "response_target_minutes": 60,
             "max_open_tickets": null, "several_teams": true, "max_contacts": 30, "telegram": true,
             "dedicated_manager": true, "monthly_video_meeting": true, "warn_percent": 75},
        ])
    );
});

// Admins edit tiers; nobody else does.
both_backends!(only_admins_edit_tiers, |srv| {
    let customer = srv.customer("ООО Ромашка", "basic").await;
    let (_, client) = srv
        .client(&customer, "kk@romashka.test", json!({"is_key_contact": true}))
        .await;
    let edit = json!({"name_ru": "Базовая", "name_en": "Basic", "schedule": "8x5", "response_target_minutes": 540,
        "max_open_tickets": 6, "several_teams": false, "max_contacts": 4, "telegram": false,
        "dedicated_manager": false, "monthly_video_meeting": false});
    assert_problem(
        &srv.call("PUT", "/api/v1/tiers/basic", Some(&client), Some(edit.clone()))
            .await,
        403,
        "forbidden",
    );
    let (status, tier) = srv
        .call("PUT", "/api/v1/tiers/basic", Some(&srv.admin), Some(edit))
        .await;
    assert_eq!(status, 200, "{tier}");
    let (_, tier) = srv.get("/api/v1/tiers/basic", &client).await;
    assert_eq!(tier["max_open_tickets"], 6);
    assert_eq!(tier["max_contacts"], 4);
    let bad = json!({"name_ru": "", "name_en": "x", "schedule": "9x5", "response_target_minutes": 0,
        "max_open_tickets": null, "several_teams": false, "max_contacts": 1, "telegram": false,
        "dedicated_manager": false, "monthly_video_meeting": false});
    assert_problem(
        &srv.call("PUT", "/api/v1/tiers/basic", Some(&srv.admin), Some(bad))
            .await,
        400,
        "invalid_json",
    );
    assert_problem(&srv.get("/api/v1/tiers/gold", &srv.admin).await, 404, "not_found");
});

// R-ACL-3: one team on basic tiers, several on premium ones; two requests at once
// for the only team slot make exactly one team.
both_backends!(r_acl_3_several_teams_only_where_the_tier_allows, |srv| {
    let basic = srv.customer("Базовый клиент", "basic").await;
    let premium = srv.customer("Премиальный клиент", "premium").await;
    let path = |c: &str| format!("/api/v1/customers/{c}/teams");
    let (status, _) = srv
        .post(&path(&basic), &srv.admin, json!({"name": "Бухгалтерия"}))
        .await;
    assert_eq!(status, 201);
    assert_problem(
        &srv.post(&path(&basic), &srv.admin, json!({"name": "ИТ"})).await,
        422,
        "several_teams_not_allowed",
    );
    for name in ["Бухгалтерия", "ИТ", "Склад"] {
        let (status, body) = srv.post(&path(&premium), &srv.admin, json!({"name": name})).await;
        assert_eq!(status, 201, "{body}");
    }
    let duplicate = srv.post(&path(&premium), &srv.admin, json!({"name": "склад"})).await;
    assert_problem(&duplicate, 409, "already_exists");
    // The conflict names the field, not the database's constraint.
    let detail = duplicate.1["detail"].as_str().expect("test fixture");
    assert!(
        detail.contains("name") && !detail.contains("_key") && !detail.contains("constraint"),
        "{detail}"
    );
    let (_, list) = srv.get(&path(&premium), &srv.admin).await;
    assert_eq!(list["total"], 3);

    let racing = srv.customer("Гонка команд", "basic_plus").await;
    let attempts = (0..8).map(|i| {
        let p = path(&racing);
        async move {
            srv.post(&p, &srv.admin, json!({"name": format!("Команда {i}")}))
                .await
                .0
        }
    });
    let statuses = futures_util::future::join_all(attempts).await;
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 1, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == 201 || *s == 422), "{statuses:?}");
    let (_, list) = srv.get(&path(&racing), &srv.admin).await;
    assert_eq!(list["total"], 1);
});

// R-ACL-4: active clients ≤ the tier's contact count, to the last free slot,
// also when the registrations race; a deactivated client frees a slot.
both_backends!(r_acl_4_contact_limit, |srv| {
    let customer = srv.customer("Три контакта", "basic").await;
    let clients = format!("/api/v1/customers/{customer}/clients");
    let new = |i: usize| json!({"email": format!("c{i}@three.test"), "full_name": format!("Контакт {i}")});
    let attempts = (0..10).map(|i| {
        let clients = clients.clone();
        async move { srv.post(&clients, &srv.admin, new(i)).await }
    });
    let results = futures_util::future::join_all(attempts).await;
    let created: Vec<&Value> = results.iter().filter(|r| r.0 == 201).map(|r| &r.1).collect();
    let statuses: Vec<u16> = results.iter().map(|r| r.0).collect();
    assert_eq!(created.len(), 3, "the last free slot is taken once: {statuses:?}");
    for refused in results.iter().filter(|r| r.0 != 201) {
        assert_problem(refused, 422, "contact_limit_reached");
    }
    let (_, customer_view) = srv.get(&format!("/api/v1/customers/{customer}"), &srv.admin).await;
    assert_eq!(customer_view["active_clients"], 3);

    // Deactivating one frees its slot; reactivating it then is refused.
    let first = created[0]["id"].as_str().expect("test fixture");
    let (status, user) = srv
        .patch(&format!("/api/v1/users/{first}"), &srv.admin, json!({"active": false}))
        .await;
    assert_eq!((status, user["active"].clone()), (200, json!(false)));
    let (status, _) = srv.post(&clients, &srv.admin, new(100)).await;
    assert_eq!(status, 201);
    assert_problem(
        &srv.patch(&format!("/api/v1/users/{first}"), &srv.admin, json!({"active": true}))
            .await,
        422,
        "contact_limit_reached",
    );
    // premium_plus allows 30.
    let big = srv.customer("Тридцать контактов", "premium_plus").await;
    for i in 0..30 {
        let (status, body) = srv
            .post(
                &format!("/api/v1/customers/{big}/clients"),
                &srv.admin,
                json!({"email": format!("p{i}@big.test"), "full_name": "К"}),
            )
            .await;
        assert_eq!(status, 201, "{i}: {body}");
    }
    assert_problem(
        &srv.post(
            &format!("/api/v1/customers/{big}/clients"),
            &srv.admin,
            json!({"email": "p30@big.test", "full_name": "К"}),
        )
        .await,
        422,
        "contact_limit_reached",
    );
});

// R-ACL-2: another customer's objects do not exist for a client (404, never 403).
both_backends!(r_acl_2_other_customers_objects_are_404_for_a_client, |srv| {
    let mine = srv.customer("Моя компания", "premium").await;
    let other = srv.customer("Чужая компания", "premium").await;
    let (_, other_team) = srv
        .post(
            &format!("/api/v1/customers/{other}/teams"),
            &srv.admin,
            json!({"name": "Чужие"}),
        )
        .await;
    let other_team = other_team["id"].as_str().expect("test fixture").to_owned();
    let (other_client, _) = srv.client(&other, "them@other.test", json!({})).await;
    let (_, contracts) = srv
        .get(&format!("/api/v1/customers/{other}/contracts"), &srv.admin)
        .await;
    let other_contract = contracts["items"][0]["id"].as_str().expect("test fixture").to_owned();
    let (me, token) = srv.client(&mine, "me@mine.test", json!({"is_key_contact": true})).await;

    for path in [
        format!("/api/v1/customers/{other}"),
        format!("/api/v1/customers/{other}/teams"),
        format!("/api/v1/customers/{other}/contracts"),
        format!("/api/v1/teams/{other_team}"),
        format!("/api/v1/users/{other_client}"),
        format!("/api/v1/contracts/{other_contract}"),
    ] {
        assert_problem(&srv.get(&path, &token).await, 404, "not_found");
    }
    let (status, list) = srv.get("/api/v1/customers", &token).await;
    assert_eq!(status, 200);
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["id"], mine.as_str());
    let (_, users) = srv.get(&format!("/api/v1/users?customer_id={other}"), &token).await;
    assert_eq!(users["total"], 0);
    let (_, users) = srv.get("/api/v1/users", &token).await;
    assert_eq!(users["total"], 1);
    assert_eq!(users["items"][0]["id"], me.as_str());
    let (status, own) = srv.get(&format!("/api/v1/customers/{mine}"), &token).await;
    assert_eq!(status, 200);
    assert_eq!(own["contract"]["tier_code"], "premium");
    assert_eq!(own["contract_state"], "active");
    // A client changes nothing in the directory.
    assert_problem(
        &srv.post("/api/v1/customers", &token, json!({"name": "Новая"})).await,
        403,
        "forbidden",
    );
});

// Contracts: dates, tiers and overlaps are checked; the governing contract is shown.
both_backends!(contracts_are_checked, |srv| {
    let (_, customer) = srv
        .post("/api/v1/customers", &srv.admin, json!({"name": "Договорная"}))
        .await;
    let id = customer["id"].as_str().expect("test fixture").to_owned();
    assert!(customer["contract"].is_null());
    let path = format!("/api/v1/customers/{id}/contracts");
    // No contract, no teams and no clients.
    assert_problem(
        &srv.post(
            &format!("/api/v1/customers/{id}/teams"),
            &srv.admin,
            json!({"name": "А"}),
        )
        .await,
        422,
        "no_contract",
    );
    let contract =
        |tier: &str, from: &str, to: &str| json!({"tier_code": tier, "number": "1", "starts_on": from, "ends_on": to});
    assert_problem(
        &srv.post(&path, &srv.admin, contract("gold", "2026-01-01", "2026-12-31"))
            .await,
        // One status per code (the `ErrorCode` table): a tier that does not exist is a bad request.
        400,
        "unknown_tier",
    );
    assert_problem(
        &srv.post(&path, &srv.admin, contract("basic", "2026-12-31", "2026-01-01"))
            .await,
        400,
        "validation_failed",
    );
    let (status, first) = srv
        .post(&path, &srv.admin, contract("basic", "2025-01-01", "2025-12-31"))
        .await;
    assert_eq!(status, 201, "{first}");
    let (_, view) = srv.get(&format!("/api/v1/customers/{id}"), &srv.admin).await;
    assert_eq!(view["contract_state"], "ended");
    assert_problem(
        &srv.post(&path, &srv.admin, contract("premium", "2025-12-31", "2026-06-30"))
            .await,
        409,
        "contract_overlap",
    );
    let (status, second) = srv
        .post(&path, &srv.admin, contract("premium", "2026-01-01", "2026-12-31"))
        .await;
    assert_eq!(status, 201, "{second}");
    let (_, view) = srv.get(&format!("/api/v1/customers/{id}"), &srv.admin).await;
    assert_eq!(view["contract_state"], "active");
    assert_eq!(view["contract"]["tier_code"], "premium");
    let second_id = second["id"].as_str().expect("test fixture");
    let (status, renewed) = srv
        .patch(
            &format!("/api/v1/contracts/{second_id}"),
            &srv.admin,
            json!({"ends_on": "2027-12-31"}),
        )
        .await;
    assert_eq!((status, renewed["ends_on"].clone()), (200, json!("2027-12-31")));
    let (_, list) = srv.get(&format!("{path}?limit=1"), &srv.admin).await;
    assert_eq!(
        (
            list["total"].clone(),
            list["items"].as_array().expect("test fixture").len()
        ),
        (json!(2), 1)
    );
    assert_eq!(list["items"][0]["id"], second_id);
});

// Roles: agents read the directory but do not change it; staff accounts are the admin's.
both_backends!(staff_roles_are_enforced, |srv| {
    let (status, agent) = srv
        .post("/api/v1/staff", &srv.admin, json!({"email": "agent@vendor.test", "full_name": "Агент", "role": "agent", "password": "agent-password-1"}))
        .await;
    assert_eq!(status, 201, "{agent}");
    let agent_token = srv.login("agent@vendor.test", "agent-password-1").await;
    assert_problem(
        &srv.post("/api/v1/customers", &agent_token, json!({"name": "X"})).await,
        403,
        "forbidden",
    );
    let (status, _) = srv.get("/api/v1/customers", &agent_token).await;
    assert_eq!(status, 200);
    let (status, manager) = srv
        .post("/api/v1/staff", &srv.admin, json!({"email": "am@vendor.test", "full_name": "Менеджер", "role": "account_manager", "password": "manager-password-1"}))
        .await;
    assert_eq!(status, 201);
    let manager_token = srv.login("am@vendor.test", "manager-password-1").await;
    assert_problem(
        &srv.post(
            "/api/v1/staff",
            &manager_token,
            json!({"email": "x@vendor.test", "full_name": "X", "role": "admin"}),
        )
        .await,
        403,
        "forbidden",
    );
    let (status, customer) = srv
        .post(
            "/api/v1/customers",
            &manager_token,
            json!({"name": "Клиент менеджера", "account_manager_id": manager["id"]}),
        )
        .await;
    assert_eq!(status, 201, "{customer}");
    assert_eq!(customer["account_manager_id"], manager["id"]);
    assert_problem(
        &srv.post(
            "/api/v1/customers",
            &srv.admin,
            json!({"name": "Y", "account_manager_id": agent["id"]}),
        )
        .await,
        400,
        "validation_failed",
    );
    assert_problem(
        &srv.post(
            "/api/v1/staff",
            &srv.admin,
            json!({"email": "AGENT@vendor.test", "full_name": "Дубль", "role": "agent"}),
        )
        .await,
        409,
        "email_taken",
    );
    let (_, staff) = srv.get("/api/v1/users?kind=staff", &srv.admin).await;
    assert_eq!(staff["total"], 3);
});

// R-ACC-1: a client registered without a password gets a one-time link by mail.
both_backends!(r_acc_1_invitation_sets_the_password_once, |srv| {
    let customer = srv.customer("Приглашения", "basic").await;
    let (status, created) = srv
        .post(&format!("/api/v1/customers/{customer}/clients"), &srv.admin, json!({"email": "New.User@Invite.test", "full_name": "Новый Пользователь", "is_key_contact": true, "telegram_username": "@newuser"}))
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["email"], "new.user@invite.test");
    assert_eq!(created["telegram_username"], "newuser");
    assert_eq!(created["has_password"], false);
    let link = created["invitation_url"].as_str().expect("test fixture");
    let token = link.strip_prefix("http://portal.test/invite/").expect("test fixture");
    let mut tx = srv.app.store.read().await.expect("test fixture");
    let mails = reglament_store::mail::list_for(&mut tx, "new.user@invite.test")
        .await
        .expect("test fixture");
    tx.commit().await.expect("test fixture");
    assert_eq!(mails.len(), 1);
    assert!(mails[0].body.contains(link), "{}", mails[0].body);
    assert_problem(
        &srv.call(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(json!({"email": "new.user@invite.test", "password": "anything-at-all"})),
        )
        .await,
        401,
        "invalid_credentials",
    );
    assert_problem(
        &srv.call(
            "POST",
            "/api/v1/auth/accept-invitation",
            None,
            Some(json!({"token": token, "password": "short"})),
        )
        .await,
        400,
        "validation_failed",
    );
    let (status, user) = srv
        .call(
            "POST",
            "/api/v1/auth/accept-invitation",
            None,
            Some(json!({"token": token, "password": "a-good-password-1"})),
        )
        .await;
    assert_eq!((status, user["has_password"].clone()), (200, json!(true)));
    srv.login("NEW.USER@invite.test", "a-good-password-1").await;
    assert_problem(
        &srv.call(
            "POST",
            "/api/v1/auth/accept-invitation",
            None,
            Some(json!({"token": token, "password": "another-password-2"})),
        )
        .await,
        400,
        "invalid_invitation",
    );
});

// Teams: members move between teams of their own customer only.
both_backends!(team_membership_stays_within_the_customer, |srv| {
    let a = srv.customer("Команды А", "premium").await;
    let b = srv.customer("Команды Б", "premium").await;
    let (_, team_a) = srv
        .post(
            &format!("/api/v1/customers/{a}/teams"),
            &srv.admin,
            json!({"name": "Альфа"}),
        )
        .await;
    let (_, team_b) = srv
        .post(
            &format!("/api/v1/customers/{b}/teams"),
            &srv.admin,
            json!({"name": "Бета"}),
        )
        .await;
    let (user, _) = srv.client(&a, "member@a.test", json!({"team_id": team_a["id"]})).await;
    assert_problem(
        &srv.patch(
            &format!("/api/v1/users/{user}"),
            &srv.admin,
            json!({"team_id": team_b["id"]}),
        )
        .await,
        400,
        "validation_failed",
    );
    let (_, members) = srv
        .get(
            &format!("/api/v1/users?team_id={}", team_a["id"].as_str().expect("test fixture")),
            &srv.admin,
        )
        .await;
    assert_eq!(members["total"], 1);
    let (status, _) = srv
        .call(
            "DELETE",
            &format!("/api/v1/teams/{}", team_a["id"].as_str().expect("test fixture")),
            Some(&srv.admin),
            None,
        )
        .await;
    assert_eq!(status, 204);
    let (_, moved) = srv.get(&format!("/api/v1/users/{user}"), &srv.admin).await;
    assert!(moved["team_id"].is_null());
});
