//! The mail outbox is delivered on the service's clock: a black-box test whose clock is
//! in 2027 sees mail queued then written at once, not when real time gets there (R-CH-2).

mod common;

use std::time::Duration;

use serde_json::json;

both_backends!(r_ch_2_mail_queued_on_the_test_clock_is_delivered_on_it, |srv| {
    let at = |s: &str| -> chrono::DateTime<chrono::Utc> { s.parse().expect("test fixture") };
    srv.clock.set(at("2027-02-01T07:00:00Z"));
    let admin = srv.login(common::ADMIN_EMAIL, common::ADMIN_PASSWORD).await;
    let (status, customer) = srv.post("/api/v1/customers", &admin, json!({"name": "Будущее"})).await;
    assert_eq!(status, 201, "{customer}");
    let customer = customer["id"].as_str().expect("id").to_owned();
    let (status, body) = srv
        .post(
            &format!("/api/v1/customers/{customer}/contracts"),
            &admin,
            json!({"tier_code": "basic", "number": "Д-2027", "starts_on": "2027-01-01", "ends_on": "2027-12-31"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    // A client without a password is invited by mail.
    let (status, body) = srv
        .post(
            &format!("/api/v1/customers/{customer}/clients"),
            &admin,
            json!({"email": "future@client.test", "full_name": "Клиент Будущего"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");

    // The delivery loop runs every 5 s: wait for one round or two, no longer.
    let folder = srv.data_dir().join("mail");
    let mut written = None;
    for _ in 0..150 {
        let found = std::fs::read_dir(&folder).ok().and_then(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
                .find(|text| text.contains("future@client.test"))
        });
        if found.is_some() {
            written = found;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let text = written.expect("the invitation queued in 2027 is written while the clock is in 2027");
    // Dated by the same clock.
    assert!(text.contains("Date: Mon, 01 Feb 2027"), "{text}");

    // The row is marked sent at the clock's time, not today's. The file is written before
    // the row's transaction commits: wait for the commit a moment under load.
    let mut sent_at = None;
    for _ in 0..100 {
        let mut tx = srv.app.store.read().await.expect("tx");
        let mail = reglament_store::mail::list_for(&mut tx, "future@client.test")
            .await
            .expect("mail");
        tx.commit().await.expect("commit");
        sent_at = mail[0].sent_at;
        if sent_at.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let sent_at = sent_at.expect("marked sent");
    assert!(sent_at >= at("2027-02-01T07:00:00Z"), "sent at {sent_at}");
});
