//! Attachments through the HTTP API on both backends: limits, type checks, who may
//! download, and the purge of confidential files after 30 days (R-CONF-1).

mod common;

use common::{ADMIN_EMAIL, ADMIN_PASSWORD, CLIENT_PASSWORD, assert_problem};
use serde_json::{Value, json};

async fn upload(
    srv: &common::TestServer,
    token: &str,
    ticket: &str,
    query: &str,
    content_type: &str,
    body: Vec<u8>,
) -> (u16, Value) {
    let res = srv
        .http
        .post(srv.url(&format!("/api/v1/tickets/{ticket}/attachments?{query}")))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("test fixture");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

both_backends!(attachments_are_checked_and_private, |srv| {
    let customer = srv.customer("Вложения", "premium").await;
    let (_, team) = srv
        .post(
            &format!("/api/v1/customers/{customer}/teams"),
            &srv.admin,
            json!({"name": "ИТ"}),
        )
        .await;
    let (_, author) = srv
        .client(&customer, "files@x.test", json!({"team_id": team["id"]}))
        .await;
    let (_, mate) = srv
        .client(&customer, "mate@x.test", json!({"team_id": team["id"]}))
        .await;
    let other = srv.customer("Посторонние", "premium").await;
    let (_, stranger) = srv.client(&other, "str@x.test", json!({})).await;
    let (_, t) = srv
        .post(
            "/api/v1/tickets",
            &author,
            json!({"category": "consultation", "subject": "Лог", "body": "см. вложение"}),
        )
        .await;
    let ticket = t["id"].as_str().expect("test fixture").to_owned();

    let log = "2026-03-11 ERROR connection refused\n".repeat(100).into_bytes();
    let (status, a) = upload(
        srv,
        &author,
        &ticket,
        "name=../server.log",
        "text/plain; charset=utf-8",
        log.clone(),
    )
    .await;
    assert_eq!(status, 201, "{a}");
    assert_eq!(
        (a["file_name"].clone(), a["size"].clone(), a["content_type"].clone()),
        (json!("server.log"), json!(log.len()), json!("text/plain"))
    );
    let url = srv.url(&format!(
        "/api/v1/attachments/{}",
        a["id"].as_str().expect("test fixture")
    ));
    let res = srv
        .http
        .get(&url)
        .bearer_auth(&mate)
        .send()
        .await
        .expect("test fixture");
    assert_eq!(res.status().as_u16(), 200);
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .expect("test fixture")
            .contains("server.log")
    );
    assert_eq!(res.bytes().await.expect("test fixture").to_vec(), log);
    let res = srv
        .http
        .get(&url)
        .bearer_auth(&stranger)
        .send()
        .await
        .expect("test fixture");
    assert_eq!(
        res.status().as_u16(),
        404,
        "another customer's file does not exist for a client"
    );
    assert_problem(
        &upload(srv, &stranger, &ticket, "name=x.txt", "text/plain", b"x".to_vec()).await,
        404,
        "not_found",
    );

    // Limits and types.
    assert_problem(
        &upload(
            srv,
            &author,
            &ticket,
            "name=big.log",
            "text/plain",
            vec![b'a'; 1024 * 1024 + 1],
        )
        .await,
        413,
        "attachment_too_large",
    );
    assert_problem(
        &upload(
            srv,
            &author,
            &ticket,
            "name=page.html",
            "text/html",
            b"<script>alert(1)</script>".to_vec(),
        )
        .await,
        415,
        "unsupported_media_type",
    );
    assert_problem(
        &upload(
            srv,
            &author,
            &ticket,
            "name=fake.png",
            "image/png",
            b"MZ\x90\x00 not a png".to_vec(),
        )
        .await,
        415,
        "content_type_mismatch",
    );
    assert_problem(
        &upload(srv, &author, &ticket, "name=empty.txt", "text/plain", Vec::new()).await,
        400,
        "empty_file",
    );
    // A file sent as application/octet-stream (what generated clients send) takes the
    // type its name gives, and is still checked against it.
    let sent = upload(
        srv,
        &author,
        &ticket,
        "name=report.pdf",
        "application/octet-stream",
        b"%PDF-1.7\n".to_vec(),
    )
    .await;
    assert_eq!(sent.0, 201, "{}", sent.1);
    assert_eq!(sent.1["content_type"], "application/pdf");
    assert_problem(
        &upload(
            srv,
            &author,
            &ticket,
            "name=fake.pdf",
            "application/octet-stream",
            b"MZ\x90".to_vec(),
        )
        .await,
        415,
        "content_type_mismatch",
    );
    assert_problem(
        &upload(
            srv,
            &author,
            &ticket,
            "name=tool.exe",
            "application/octet-stream",
            b"MZ\x90".to_vec(),
        )
        .await,
        415,
        "unsupported_media_type",
    );
    let png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR".to_vec();
    assert_eq!(
        upload(srv, &author, &ticket, "name=screen.png", "image/png", png)
            .await
            .0,
        201
    );
    let (_, list) = srv.get(&format!("/api/v1/tickets/{ticket}/attachments"), &mate).await;
    assert_eq!(list.as_array().expect("test fixture").len(), 3);
});

// R-CONF-1: confidential files are purged 30 days after receipt; metadata and the purge event stay.
both_backends!(r_conf_1_confidential_files_are_purged_after_30_days, |srv| {
    let customer = srv.customer("Тайны", "premium").await;
    let (_, client) = srv.client(&customer, "secret@x.test", json!({})).await;
    let (_, t) = srv
        .post(
            "/api/v1/tickets",
            &client,
            json!({"category": "consultation", "subject": "Пароли", "body": "…"}),
        )
        .await;
    let ticket = t["id"].as_str().expect("test fixture").to_owned();
    let (_, secret) = upload(
        srv,
        &client,
        &ticket,
        "name=keys.txt&confidential=true",
        "text/plain",
        b"secret".to_vec(),
    )
    .await;
    let (_, plain) = upload(srv, &client, &ticket, "name=plain.txt", "text/plain", b"plain".to_vec()).await;
    assert_eq!(secret["confidential"], true);
    // R-OPS-1: the bytes are in the database, not on this instance's disk.
    let secret_id = reglament_api::AttachmentId(secret["id"].as_str().expect("id").parse().expect("uuid"));
    let stored = || async {
        let mut tx = srv.app.store.read().await.expect("tx");
        let bytes = reglament_store::attachments::stored_bytes(&mut tx, secret_id)
            .await
            .expect("bytes");
        tx.commit().await.expect("commit");
        bytes
    };
    assert_eq!(stored().await, 6);
    assert!(!srv.app.tickets().attachments_dir().join(secret_id.to_string()).exists());
    srv.clock.set("2026-04-10T09:29:00Z".parse().expect("test fixture"));
    assert_eq!(
        srv.app
            .jobs()
            .run_once()
            .await
            .expect("test fixture")
            .attachments_purged,
        0,
        "30 days are not over yet"
    );
    srv.clock.set("2026-04-10T09:31:00Z".parse().expect("test fixture"));
    assert_eq!(
        srv.app
            .jobs()
            .run_once()
            .await
            .expect("test fixture")
            .attachments_purged,
        1
    );
    assert_eq!(
        srv.app
            .jobs()
            .run_once()
            .await
            .expect("test fixture")
            .attachments_purged,
        0
    );
    assert_eq!(stored().await, 0, "the bytes are gone from the database");
    let client = srv.login("secret@x.test", CLIENT_PASSWORD).await;
    let admin = srv.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let got = srv
        .get(
            &format!("/api/v1/attachments/{}", secret["id"].as_str().expect("test fixture")),
            &client,
        )
        .await;
    assert_problem(&got, 410, "attachment_purged");
    assert_eq!(
        srv.http
            .get(srv.url(&format!(
                "/api/v1/attachments/{}",
                plain["id"].as_str().expect("test fixture")
            )))
            .bearer_auth(&client)
            .send()
            .await
            .expect("test fixture")
            .status()
            .as_u16(),
        200
    );
    let (_, list) = srv.get(&format!("/api/v1/tickets/{ticket}/attachments"), &client).await;
    let purged = list
        .as_array()
        .expect("test fixture")
        .iter()
        .find(|a| a["id"] == secret["id"])
        .expect("test fixture");
    assert!(purged["purged_at"].is_string(), "the metadata stays");
    let (_, history) = srv.get(&format!("/api/v1/tickets/{ticket}/events"), &admin).await;
    assert_eq!(
        history["items"]
            .as_array()
            .expect("test fixture")
            .iter()
            .filter(|e| e["kind"] == "attachment_purged")
            .count(),
        1
    );
});
