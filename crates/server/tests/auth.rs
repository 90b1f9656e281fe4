//! Sign-in, refresh rotation, throttling and API tokens through the HTTP API.

mod common;

use common::{ADMIN_EMAIL, ADMIN_PASSWORD, assert_problem};
use serde_json::json;

fn login_body(password: &str) -> serde_json::Value {
    json!({"email": ADMIN_EMAIL, "password": password})
}

both_backends!(login_refresh_rotation_and_logout, |srv| {
    let (status, pair) = srv
        .call("POST", "/api/v1/auth/login", None, Some(login_body(ADMIN_PASSWORD)))
        .await;
    assert_eq!(status, 200, "{pair}");
    assert_eq!(pair["token_type"], "Bearer");
    assert_eq!(pair["expires_in"], 900);
    assert_eq!(pair["user"]["role"], "admin");
    let access = pair["access_token"].as_str().expect("test fixture");
    let (status, me) = srv.get("/api/v1/me", access).await;
    assert_eq!((status, me["email"].clone()), (200, json!(ADMIN_EMAIL)));

    // Each refresh token is good once; the new pair works.
    let first = pair["refresh_token"].as_str().expect("test fixture");
    let (status, second) = srv
        .call(
            "POST",
            "/api/v1/auth/refresh",
            None,
            Some(json!({"refresh_token": first})),
        )
        .await;
    assert_eq!(status, 200, "{second}");
    let second_refresh = second["refresh_token"].as_str().expect("test fixture");
    assert_ne!(first, second_refresh);
    // Presenting the used one again revokes its whole family, the new one included.
    assert_problem(
        &srv.call(
            "POST",
            "/api/v1/auth/refresh",
            None,
            Some(json!({"refresh_token": first})),
        )
        .await,
        401,
        "invalid_refresh_token",
    );
    assert_problem(
        &srv.call(
            "POST",
            "/api/v1/auth/refresh",
            None,
            Some(json!({"refresh_token": second_refresh})),
        )
        .await,
        401,
        "invalid_refresh_token",
    );
    // Logout revokes.
    let (_, pair) = srv
        .call("POST", "/api/v1/auth/login", None, Some(login_body(ADMIN_PASSWORD)))
        .await;
    let refresh = pair["refresh_token"].as_str().expect("test fixture");
    let (status, _) = srv
        .call(
            "POST",
            "/api/v1/auth/logout",
            None,
            Some(json!({"refresh_token": refresh})),
        )
        .await;
    assert_eq!(status, 204);
    assert_problem(
        &srv.call(
            "POST",
            "/api/v1/auth/refresh",
            None,
            Some(json!({"refresh_token": refresh})),
        )
        .await,
        401,
        "invalid_refresh_token",
    );
});

both_backends!(expired_and_forged_tokens_are_401, |srv| {
    let token = srv.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_problem(&srv.get("/api/v1/me", "not-a-jwt").await, 401, "invalid_token");
    let mut forged = token.clone();
    forged.pop();
    forged.push(if token.ends_with('A') { 'B' } else { 'A' });
    assert_problem(&srv.get("/api/v1/me", &forged).await, 401, "invalid_token");
    assert_problem(&srv.call("GET", "/api/v1/me", None, None).await, 401, "unauthorized");
    // The access token lives 15 minutes on the application's clock.
    srv.clock.set(common::test_now() + chrono::TimeDelta::minutes(16));
    assert_problem(&srv.get("/api/v1/me", &token).await, 401, "token_expired");
});

both_backends!(repeated_failed_logins_are_slowed_down, |srv| {
    for _ in 0..5 {
        assert_problem(
            &srv.call("POST", "/api/v1/auth/login", None, Some(login_body("wrong-password")))
                .await,
            401,
            "invalid_credentials",
        );
    }
    // Blocked now, even with the right password.
    let res = srv
        .http
        .post(srv.url("/api/v1/auth/login"))
        .json(&login_body(ADMIN_PASSWORD))
        .send()
        .await
        .expect("test fixture");
    assert_eq!(res.status().as_u16(), 429);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    assert!(
        res.headers()["retry-after"]
            .to_str()
            .expect("test fixture")
            .parse::<i64>()
            .expect("test fixture")
            >= 1
    );
    // Once the block is over, the right password works and clears the count.
    srv.clock.set(common::test_now() + chrono::TimeDelta::minutes(20));
    srv.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_problem(
        &srv.call("POST", "/api/v1/auth/login", None, Some(login_body("wrong-again")))
            .await,
        401,
        "invalid_credentials",
    );
    // Unknown addresses answer exactly like wrong passwords.
    assert_problem(
        &srv.call(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(json!({"email": "nobody@x.test", "password": "whatever"})),
        )
        .await,
        401,
        "invalid_credentials",
    );
});

both_backends!(disabled_users_are_refused, |srv| {
    let customer = srv.customer("Отключаемая", "basic").await;
    let (id, token) = srv.client(&customer, "leaving@x.test", json!({})).await;
    let (status, _) = srv
        .patch(&format!("/api/v1/users/{id}"), &srv.admin, json!({"active": false}))
        .await;
    assert_eq!(status, 200);
    assert_problem(&srv.get("/api/v1/me", &token).await, 401, "invalid_token");
    assert_problem(
        &srv.call(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(json!({"email": "leaving@x.test", "password": common::CLIENT_PASSWORD})),
        )
        .await,
        401,
        "account_disabled",
    );
});

// R-CH-4: a script's token is checked on every call (revocation, owner disabled) but its
// use is written at most once a minute, so that calls do not queue behind the writer.
both_backends!(r_ch_4_api_token_use_is_recorded_once_a_minute, |srv| {
    let customer = srv.customer("Скрипты", "basic").await;
    let (owner_id, owner) = srv.client(&customer, "script-owner@x.test", json!({})).await;
    let (status, created) = srv
        .post(
            "/api/v1/api-tokens",
            &owner,
            json!({"name": "overdue check", "scopes": ["sla:read"]}),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let token = created["token"].as_str().expect("test fixture").to_owned();
    let last_used = async || {
        let (status, list) = srv.get("/api/v1/api-tokens", &owner).await;
        assert_eq!(status, 200, "{list}");
        list["items"][0]["last_used_at"].as_str().map(str::to_owned)
    };
    assert_eq!(last_used().await, None, "not used yet");
    assert_eq!(srv.get("/api/v1/sla/overdue", &token).await.0, 200);
    let first = last_used().await.expect("the first use is recorded");
    for _ in 0..3 {
        assert_eq!(srv.get("/api/v1/sla/overdue", &token).await.0, 200);
    }
    assert_eq!(last_used().await.as_deref(), Some(first.as_str()), "within the minute");
    srv.clock.set(common::test_now() + chrono::TimeDelta::minutes(2));
    assert_eq!(srv.get("/api/v1/sla/overdue", &token).await.0, 200);
    let later = last_used().await.expect("still recorded");
    assert!(later > first, "{later} after {first}");
    // The account behind the token is cached like a session's, and dropped on a change.
    let (status, _) = srv
        .patch(
            &format!("/api/v1/users/{owner_id}"),
            &srv.admin,
            json!({"active": false}),
        )
        .await;
    assert_eq!(status, 200);
    assert_problem(&srv.get("/api/v1/sla/overdue", &token).await, 401, "invalid_token");
    let (status, _) = srv
        .patch(
            &format!("/api/v1/users/{owner_id}"),
            &srv.admin,
            json!({"active": true}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(srv.get("/api/v1/sla/overdue", &token).await.0, 200);
});

// R-CH-4: scoped API tokens for integrations and scripts.
both_backends!(r_ch_4_scoped_api_tokens, |srv| {
    let (status, created) = srv
        .post(
            "/api/v1/api-tokens",
            &srv.admin,
            json!({"name": "CI overdue check", "scopes": ["sla:read", "sla:read"]}),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let token = created["token"].as_str().expect("test fixture").to_owned();
    assert!(token.starts_with("rgl_"));
    assert_eq!(created["scopes"], json!(["sla:read"]));
    assert_eq!(created["token_prefix"], &token[..10]);
    // Authenticates, but only within its scopes.
    let (status, me) = srv.get("/api/v1/me", &token).await;
    assert_eq!((status, me["email"].clone()), (200, json!(ADMIN_EMAIL)));
    assert_problem(&srv.get("/api/v1/tiers", &token).await, 403, "insufficient_scope");
    // A token cannot mint tokens.
    assert_problem(
        &srv.post(
            "/api/v1/api-tokens",
            &token,
            json!({"name": "x", "scopes": ["directory:read"]}),
        )
        .await,
        403,
        "session_required",
    );

    let (_, reader) = srv
        .post(
            "/api/v1/api-tokens",
            &srv.admin,
            json!({"name": "directory reader", "scopes": ["directory:read"]}),
        )
        .await;
    let reader_token = reader["token"].as_str().expect("test fixture");
    let (status, _) = srv.get("/api/v1/tiers", reader_token).await;
    assert_eq!(status, 200);
    assert_problem(
        &srv.post("/api/v1/customers", reader_token, json!({"name": "Z"})).await,
        403,
        "insufficient_scope",
    );

    let (_, list) = srv.get("/api/v1/api-tokens", &srv.admin).await;
    assert_eq!(list["total"], 2);
    assert!(
        list["items"][0].get("token").is_none(),
        "the secret is never listed again"
    );
    assert!(list["items"][0]["last_used_at"].is_string() || list["items"][1]["last_used_at"].is_string());

    let (status, _) = srv
        .call(
            "DELETE",
            &format!("/api/v1/api-tokens/{}", created["id"].as_str().expect("test fixture")),
            Some(&srv.admin),
            None,
        )
        .await;
    assert_eq!(status, 204);
    assert_problem(&srv.get("/api/v1/me", &token).await, 401, "invalid_token");
    assert_problem(
        &srv.post(
            "/api/v1/api-tokens",
            &srv.admin,
            json!({"name": "x", "scopes": ["everything"]}),
        )
        .await,
        400,
        "invalid_json",
    );
    assert_problem(
        &srv.post("/api/v1/api-tokens", &srv.admin, json!({"name": "x", "scopes": []}))
            .await,
        400,
        "validation_failed",
    );
    assert_problem(
        &srv.post(
            "/api/v1/api-tokens",
            &srv.admin,
            json!({"name": "x", "scopes": ["sla:read"], "expires_at": "2020-01-01T00:00:00Z"}),
        )
        .await,
        400,
        "validation_failed",
    );
    // Expiry follows the application's clock.
    let (_, short) = srv
        .post(
            "/api/v1/api-tokens",
            &srv.admin,
            json!({"name": "short", "scopes": ["directory:read"], "expires_at": "2026-03-12T00:00:00Z"}),
        )
        .await;
    let short = short["token"].as_str().expect("test fixture");
    assert_eq!(srv.get("/api/v1/tiers", short).await.0, 200);
    srv.clock.set("2026-03-12T00:00:01Z".parse().expect("test fixture"));
    assert_problem(&srv.get("/api/v1/tiers", short).await, 401, "invalid_token");
});
