//! Bad input of every kind answers problem+json with a stable code, and the server keeps serving.

mod common;

use common::assert_problem;
use serde_json::json;

both_backends!(bad_input_gets_problem_json, |srv| {
    let admin = &srv.admin;
    // Malformed JSON, wrong types, unknown fields.
    let res = srv
        .http
        .post(srv.url("/api/v1/customers"))
        .bearer_auth(admin)
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .expect("test fixture");
    assert_eq!(res.status().as_u16(), 400);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let body: serde_json::Value = res.json().await.expect("test fixture");
    assert_eq!(body["code"], "invalid_json");
    assert_problem(
        &srv.post("/api/v1/customers", admin, json!({"name": 5})).await,
        400,
        "invalid_json",
    );
    assert_problem(
        &srv.post("/api/v1/customers", admin, json!({"name": "A", "color": "red"}))
            .await,
        400,
        "invalid_json",
    );
    // Validation lists the fields.
    let empty = srv.post("/api/v1/customers", admin, json!({"name": ""})).await;
    assert_problem(&empty, 400, "validation_failed");
    assert_eq!(empty.1["errors"][0]["field"], "name");
    // Wrong content type.
    let res = srv
        .http
        .post(srv.url("/api/v1/customers"))
        .bearer_auth(admin)
        .body("name=A")
        .send()
        .await
        .expect("test fixture");
    assert_eq!(res.status().as_u16(), 415);
    // Body too large.
    let huge = "x".repeat(300 * 1024);
    let res = srv
        .http
        .post(srv.url("/api/v1/customers"))
        .bearer_auth(admin)
        .json(&json!({"name": huge}))
        .send()
        .await
        .expect("test fixture");
    assert_eq!(res.status().as_u16(), 413);
    // Paths, queries and pages.
    assert_problem(
        &srv.get("/api/v1/customers/not-a-uuid", admin).await,
        400,
        "invalid_path",
    );
    assert_problem(
        &srv.get("/api/v1/customers?limit=0", admin).await,
        400,
        "validation_failed",
    );
    assert_problem(
        &srv.get("/api/v1/customers?limit=201", admin).await,
        400,
        "validation_failed",
    );
    assert_problem(
        &srv.get("/api/v1/customers?offset=-1", admin).await,
        400,
        "validation_failed",
    );
    assert_problem(
        &srv.get("/api/v1/customers?limit=ten", admin).await,
        400,
        "invalid_query",
    );
    assert_problem(&srv.get("/api/v1/users?kind=robot", admin).await, 400, "invalid_query");
    assert_problem(
        &srv.get(&format!("/api/v1/customers/{}", uuid::Uuid::nil()), admin)
            .await,
        404,
        "not_found",
    );
    assert_problem(&srv.get("/api/v1/no-such-thing", admin).await, 404, "no_such_endpoint");
    // A path the API has, with a method it does not take: 405 and the methods it takes.
    let res = srv
        .http
        .delete(srv.url("/api/v1/tiers"))
        .bearer_auth(admin)
        .send()
        .await
        .expect("test fixture");
    assert_eq!(res.status().as_u16(), 405);
    assert_eq!(res.headers()["allow"], "GET");
    let problem: serde_json::Value = res.json().await.expect("test fixture");
    assert_eq!(problem["code"], "method_not_allowed");
    assert_problem(
        &srv.call(
            "PUT",
            &format!("/api/v1/tickets/{}", uuid::Uuid::nil()),
            Some(admin),
            None,
        )
        .await,
        405,
        "method_not_allowed",
    );
    assert_problem(
        &srv.call("PATCH", "/api/v1/tickets/a/b/c", Some(admin), None).await,
        404,
        "no_such_endpoint",
    );
    // `/calendar/import` is not a year: another method there is 405, a word as a year is no endpoint.
    assert_problem(
        &srv.call("PUT", "/api/v1/calendar/import", Some(admin), None).await,
        405,
        "method_not_allowed",
    );
    assert_problem(&srv.get("/api/v1/calendar/abc", admin).await, 404, "no_such_endpoint");
    assert_problem(&srv.get("/api/v1/calendar/-5", admin).await, 400, "year_out_of_range");
    // Still serving.
    let (status, health) = srv.call("GET", "/api/v1/health", None, None).await;
    assert_eq!((status, health["status"].clone()), (200, json!("ok")));
});

both_backends!(lists_are_paginated_with_a_total, |srv| {
    for i in 0..7 {
        srv.post(
            "/api/v1/customers",
            &srv.admin,
            json!({"name": format!("Компания {i:02}")}),
        )
        .await;
    }
    let (_, page1) = srv.get("/api/v1/customers?limit=3", &srv.admin).await;
    let (_, page3) = srv.get("/api/v1/customers?limit=3&offset=6", &srv.admin).await;
    assert_eq!(page1["total"], 7);
    assert_eq!(page1["items"].as_array().expect("test fixture").len(), 3);
    assert_eq!(page1["items"][0]["name"], "Компания 00");
    assert_eq!(page3["items"].as_array().expect("test fixture").len(), 1);
    assert_eq!(page3["items"][0]["name"], "Компания 06");
    let (_, found) = srv
        .get(
            "/api/v1/customers?q=%D0%BA%D0%BE%D0%BC%D0%BF%D0%B0%D0%BD%D0%B8%D1%8F%2005",
            &srv.admin,
        )
        .await;
    assert_eq!(found["total"], 1, "{found}");
});

// R-INT-4: the served document, the docs page, and the committed contract.
both_backends!(r_int_4_openapi_is_served_and_matches_the_committed_file, |srv| {
    let served = srv
        .http
        .get(srv.url("/api/openapi.json"))
        .send()
        .await
        .expect("test fixture")
        .text()
        .await
        .expect("test fixture");
    let served: serde_json::Value = serde_json::from_str(&served).expect("test fixture");
    assert_eq!(served["openapi"], "3.1.0");
    let committed: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../openapi/openapi.json"))
            .expect("test fixture"),
    )
    .expect("test fixture");
    assert_eq!(
        served, committed,
        "openapi/openapi.json is stale: run `cargo xtask openapi`"
    );
    // Callable as written: every path, under the server URL, reaches the API, not the web app.
    let base = served["servers"][0]["url"].as_str().expect("test fixture");
    assert_eq!(base, "/api/v1");
    let (status, health) = srv.call("GET", &format!("{base}/health"), None, None).await;
    assert_eq!((status, health["status"].clone()), (200, serde_json::json!("ok")));
    // No reference to a schema the document does not define.
    let text = served.to_string();
    for reference in text.split("\"#/components/schemas/").skip(1) {
        let name = reference.split('"').next().expect("test fixture");
        assert!(
            served["components"]["schemas"].get(name).is_some(),
            "dangling reference to {name}"
        );
    }
    let docs = srv.http.get(srv.url("/api/docs/")).send().await.expect("test fixture");
    assert_eq!(docs.status().as_u16(), 200);
    assert!(docs.text().await.expect("test fixture").contains("swagger"));
    let no_follow = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("test fixture");
    let redirect = no_follow.get(srv.url("/api/docs")).send().await.expect("test fixture");
    assert_eq!(redirect.status().as_u16(), 308);
});
