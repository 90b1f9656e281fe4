//! Overdue counts (R-INT-1, R-ESC-1) and escalations (R-ESC-2) through the HTTP API on both backends.

mod common;

use common::{ADMIN_EMAIL, ADMIN_PASSWORD, CLIENT_PASSWORD, assert_problem};
use serde_json::{Value, json};

/// Runs the README's CI one-liner against the test server; answers its exit code.
fn readme_ci_check(srv: &common::TestServer, token: &str) -> Option<i32> {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).expect("test fixture");
    let line = readme
        .lines()
        .find(|l| l.contains("/api/v1/sla/overdue") && l.contains("jq -e"))
        .expect("the README has the CI line");
    let have = |tool: &str| std::process::Command::new(tool).arg("--version").output().is_ok();
    if !have("curl") || !have("jq") {
        eprintln!("NOTICE: curl or jq missing: the README's CI line is not run");
        return None;
    }
    let status = std::process::Command::new("sh")
        .args(["-c", line])
        .env("REGLAMENT_URL", &srv.base)
        .env("REGLAMENT_TOKEN", token)
        .status()
        .expect("test fixture");
    status.code()
}

both_backends!(r_int_1_overdue_counts_and_r_esc_2_escalation, |srv| {
    let premium = srv.customer("Премиум", "premium").await;
    let (_, team) = srv
        .post(
            &format!("/api/v1/customers/{premium}/teams"),
            &srv.admin,
            json!({"name": "Склад"}),
        )
        .await;
    srv.client(&premium, "key@p.test", json!({"is_key_contact": true}))
        .await;
    srv.client(&premium, "member@p.test", json!({"team_id": team["id"]}))
        .await;
    let basic = srv.customer("Базовый", "basic").await;
    srv.client(&basic, "b@b.test", json!({"is_key_contact": true})).await;
    let (status, lead) = srv
        .post("/api/v1/staff", &srv.admin, json!({"email": "lead@vendor.test", "full_name": "Руководитель", "role": "support_lead", "password": "lead-password-1"}))
        .await;
    assert_eq!(status, 201, "{lead}");
    let (_, token) = srv
        .post(
            "/api/v1/api-tokens",
            &srv.admin,
            json!({"name": "CI", "scopes": ["sla:read"]}),
        )
        .await;
    let ci = token["token"].as_str().expect("test fixture").to_owned();
    let (_, token) = srv
        .post(
            "/api/v1/api-tokens",
            &srv.admin,
            json!({"name": "dir", "scopes": ["directory:read"]}),
        )
        .await;
    let wrong_scope = token["token"].as_str().expect("test fixture").to_owned();

    // Created Wednesday 12:30 MSK: premium is due in 2 hours, basic the next day.
    let key = srv.login("key@p.test", CLIENT_PASSWORD).await;
    let member = srv.login("member@p.test", CLIENT_PASSWORD).await;
    let b = srv.login("b@b.test", CLIENT_PASSWORD).await;
    let by_key = srv.consultation(&key, "От ККЛ").await;
    let by_member = srv.consultation(&member, "От сотрудника склада").await;
    srv.consultation(&b, "Базовый вопрос").await;
    let (_, none) = srv.get("/api/v1/sla/overdue", &ci).await;
    assert_eq!(none["total"], 0);
    let ci_for_shell = ci.clone();
    let succeeds = tokio::task::block_in_place(|| readme_ci_check(srv, &ci_for_shell));
    assert!(
        succeeds.is_none_or(|code| code == 0),
        "the README's CI line passes with nothing overdue: {succeeds:?}"
    );
    let early = srv
        .post(
            &format!("/api/v1/tickets/{by_key}/escalate"),
            &key,
            json!({"comment": "Срочно"}),
        )
        .await;
    assert_problem(&early, 422, "not_overdue");

    // Three hours later the premium tickets are overdue.
    srv.clock.set("2026-03-11T12:31:00Z".parse().expect("test fixture"));
    let login = |email: &'static str, password: &'static str| async move { srv.login(email, password).await };
    let (admin, key, member, b) = (
        login(ADMIN_EMAIL, ADMIN_PASSWORD).await,
        login("key@p.test", CLIENT_PASSWORD).await,
        login("member@p.test", CLIENT_PASSWORD).await,
        login("b@b.test", CLIENT_PASSWORD).await,
    );
    let (status, counts) = srv.get("/api/v1/sla/overdue", &ci).await;
    assert_eq!(status, 200, "{counts}");
    assert_eq!(counts["total"], 2);
    assert_eq!(
        counts["by_customer"],
        json!([{"customer_id": premium, "name": "Премиум", "count": 2}])
    );
    assert_eq!(counts["by_tier"], json!([{"tier": "premium", "count": 2}]));
    let teams: Vec<(Value, i64)> = counts["by_team"]
        .as_array()
        .expect("test fixture")
        .iter()
        .map(|t| (t["name"].clone(), t["count"].as_i64().expect("test fixture")))
        .collect();
    assert_eq!(teams, vec![(Value::Null, 1), (json!("Склад"), 1)]);
    assert_eq!(srv.get("/api/v1/sla/overdue", &admin).await.1["total"], 2);
    let fails = tokio::task::block_in_place(|| readme_ci_check(srv, &ci));
    assert!(
        fails.is_none_or(|code| code != 0),
        "the README's CI line fails the build while tickets are overdue"
    );
    assert_problem(
        &srv.get("/api/v1/sla/overdue", &wrong_scope).await,
        403,
        "insufficient_scope",
    );
    // R-ESC-1: clients see their own.
    assert_eq!(srv.get("/api/v1/sla/overdue", &key).await.1["total"], 2);
    assert_eq!(srv.get("/api/v1/sla/overdue", &member).await.1["total"], 1);
    assert_eq!(srv.get("/api/v1/sla/overdue", &b).await.1["total"], 0);
    let (_, listed) = srv.get("/api/v1/tickets?overdue=true&sort=due", &admin).await;
    assert_eq!(listed["total"], 2);

    // R-ESC-2: the key contact escalates; the support leads are told and see it.
    // `key_contact_only` is a deprecated alias of `not_key_contact`: answered for one more
    // release, with the code it stands for beside it.
    let refused = srv
        .post(
            &format!("/api/v1/tickets/{by_member}/escalate"),
            &member,
            json!({"comment": "!"}),
        )
        .await;
    assert_problem(&refused, 403, "key_contact_only");
    assert_eq!(refused.1["canonical_code"], "not_key_contact", "{}", refused.1);
    let (status, escalation) = srv
        .post(
            &format!("/api/v1/tickets/{by_member}/escalate"),
            &key,
            json!({"comment": "Склад стоит"}),
        )
        .await;
    assert_eq!(status, 201, "{escalation}");
    assert_problem(
        &srv.post(
            &format!("/api/v1/tickets/{by_member}/escalate"),
            &key,
            json!({"comment": "!!"}),
        )
        .await,
        409,
        "already_escalated",
    );
    let mut tx = srv.app.store.read().await.expect("test fixture");
    let mails = reglament_store::mail::list_for(&mut tx, "lead@vendor.test")
        .await
        .expect("test fixture");
    tx.commit().await.expect("test fixture");
    assert_eq!(mails.len(), 1);
    assert!(mails[0].subject.contains("просрочено"), "{}", mails[0].subject);
    let lead_token = srv.login("lead@vendor.test", "lead-password-1").await;
    let (_, open) = srv.get("/api/v1/escalations?open=true", &lead_token).await;
    assert_eq!(open["total"], 1);
    assert_eq!(open["items"][0]["comment"], "Склад стоит");
    assert_eq!(
        srv.get("/api/v1/escalations", &b).await.1["total"],
        0,
        "another customer's escalations are not shown"
    );
    assert_problem(
        &srv.post(
            &format!(
                "/api/v1/escalations/{}/acknowledge",
                escalation["id"].as_str().expect("test fixture")
            ),
            &member,
            json!({}),
        )
        .await,
        403,
        "forbidden",
    );
    let (status, acked) = srv
        .post(
            &format!(
                "/api/v1/escalations/{}/acknowledge",
                escalation["id"].as_str().expect("test fixture")
            ),
            &lead_token,
            json!({}),
        )
        .await;
    assert_eq!((status, acked["acknowledged_by"].clone()), (200, lead["id"].clone()));
    assert_eq!(
        srv.get("/api/v1/escalations?open=true", &lead_token).await.1["total"],
        0
    );

    // Answering ends the overdue cycle.
    srv.post(
        &format!("/api/v1/tickets/{by_key}/messages"),
        &admin,
        json!({"body": "Ответ"}),
    )
    .await;
    assert_eq!(srv.get("/api/v1/sla/overdue", &ci).await.1["total"], 1);
});
