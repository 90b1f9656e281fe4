//! The live stream (Server-Sent Events) through the real server on both backends: opened
//! with a stream ticket or a bearer token, a client's stream carries their own customer's
//! ticket events and never another's nor an internal note's, staff streams carry the
//! notifications of their bell, and a stream resumes after `Last-Event-ID` (R-NTF, R-ACL).

mod common;

use std::time::Duration;

use common::{TestServer, assert_problem};
use serde_json::{Value, json};

/// One parsed event.
#[derive(Debug, Clone)]
struct Event {
    id: i64,
    name: String,
    data: Value,
}

/// An open stream, read frame by frame.
struct Sse {
    response: reqwest::Response,
    buffer: String,
}

impl Sse {
    async fn open(srv: &TestServer, query: &str, headers: &[(&str, String)]) -> Self {
        let mut request = srv.http.get(srv.url(&format!("/api/v1/stream{query}")));
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        let response = request.send().await.expect("stream");
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.headers()["content-type"].to_str().expect("type"),
            "text/event-stream"
        );
        Self {
            response,
            buffer: String::new(),
        }
    }

    /// The next event (comments skipped), within five seconds.
    async fn next(&mut self) -> Event {
        loop {
            while let Some(end) = self.buffer.find("\n\n") {
                let frame: String = self.buffer.drain(..end + 2).collect();
                let mut event = Event {
                    id: 0,
                    name: String::new(),
                    data: Value::Null,
                };
                for line in frame.lines() {
                    if let Some(v) = line.strip_prefix("id: ") {
                        event.id = v.parse().expect("id");
                    } else if let Some(v) = line.strip_prefix("event: ") {
                        event.name = v.to_owned();
                    } else if let Some(v) = line.strip_prefix("data: ") {
                        event.data = serde_json::from_str(v).expect("data is JSON");
                    }
                }
                if !event.name.is_empty() {
                    return event;
                }
            }
            let chunk = tokio::time::timeout(Duration::from_secs(5), self.response.chunk())
                .await
                .expect("an event within 5 s")
                .expect("read")
                .expect("the stream stays open");
            self.buffer.push_str(std::str::from_utf8(&chunk).expect("UTF-8"));
        }
    }

    /// The next ticket event.
    async fn next_ticket(&mut self) -> Event {
        loop {
            let e = self.next().await;
            if e.name == "ticket" {
                return e;
            }
        }
    }
}

async fn ticket_for(srv: &TestServer, token: &str) -> String {
    let (status, body) = srv.post("/api/v1/stream/tickets", token, json!({})).await;
    assert_eq!(status, 201, "{body}");
    body["ticket"].as_str().expect("ticket").to_owned()
}

both_backends!(
    r_ntf_a_client_streams_their_own_customers_events_and_never_anothers,
    |srv| {
        let (status, agent) = srv
        .post(
            "/api/v1/staff",
            &srv.admin,
            json!({"email": "live@agent.test", "full_name": "Живой агент", "role": "agent", "password": "staff-password-123"}),
        )
        .await;
        assert_eq!(status, 201, "{agent}");
        let a = srv.customer("Живой А", "premium").await;
        let b = srv.customer("Живой Б", "premium").await;
        let (_, alice) = srv.client(&a, "alice@a.test", json!({})).await;
        let (_, bob) = srv.client(&b, "bob@b.test", json!({})).await;
        let staff = srv.login("live@agent.test", "staff-password-123").await;

        let mut staff_stream = Sse::open(srv, &format!("?ticket={}", ticket_for(srv, &staff).await), &[]).await;
        let mut alice_stream = Sse::open(srv, &format!("?ticket={}", ticket_for(srv, &alice).await), &[]).await;
        let mut bob_stream = Sse::open(srv, &format!("?ticket={}", ticket_for(srv, &bob).await), &[]).await;

        // Alice's new ticket: her stream and the staff's; the staff's bell rings too.
        let mine = srv.consultation(&alice, "Живое обращение").await;
        let e = alice_stream.next_ticket().await;
        assert_eq!(e.data["ticket_id"], json!(mine));
        assert_eq!(e.data["change"], json!("created"));
        let mut saw_ticket = false;
        let mut saw_bell = false;
        while !(saw_ticket && saw_bell) {
            let e = staff_stream.next().await;
            match e.name.as_str() {
                "ticket" => saw_ticket |= e.data["ticket_id"] == json!(mine),
                "notification" => {
                    saw_bell |= e.data["notification"]["kind"] == json!("ticket_created")
                        && e.data["notification"]["ticket_id"] == json!(mine);
                }
                other => panic!("unexpected event {other}"),
            }
        }
        let first_id = e.id;

        // An internal note on it reaches the staff, never the client; a public answer reaches both.
        let (status, body) = srv
            .post(
                &format!("/api/v1/tickets/{mine}/messages"),
                &staff,
                json!({"body": "Внутренняя заметка", "kind": "note"}),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        let (status, body) = srv
            .post(
                &format!("/api/v1/tickets/{mine}/messages"),
                &staff,
                json!({"body": "Ответ клиенту", "kind": "message"}),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        let mut client_changes = Vec::new();
        while !client_changes.contains(&"message".to_owned()) {
            let e = alice_stream.next_ticket().await;
            assert_eq!(e.data["ticket_id"], json!(mine));
            client_changes.push(e.data["change"].as_str().expect("change").to_owned());
        }
        assert!(!client_changes.contains(&"note".to_owned()), "{client_changes:?}");
        let mut staff_changes = Vec::new();
        while !staff_changes.contains(&"message".to_owned()) {
            let e = staff_stream.next_ticket().await;
            staff_changes.push(e.data["change"].as_str().expect("change").to_owned());
        }
        assert!(staff_changes.contains(&"note".to_owned()), "{staff_changes:?}");

        // Bob's first event is his own ticket: nothing of Alice's came before it.
        let his = srv.consultation(&bob, "Чужое обращение").await;
        let e = bob_stream.next().await;
        assert_eq!(e.name, "ticket");
        assert_eq!(e.data["ticket_id"], json!(his));
        // And Alice's next is not Bob's: another change of her own comes first.
        let (status, body) = srv
            .post(
                &format!("/api/v1/tickets/{mine}/messages"),
                &alice,
                json!({"body": "Спасибо"}),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        let e = alice_stream.next_ticket().await;
        assert_eq!(e.data["ticket_id"], json!(mine));

        // Resuming after the first event replays what followed it, the answer among them.
        let mut resumed = Sse::open(
            srv,
            &format!("?ticket={}", ticket_for(srv, &alice).await),
            &[("Last-Event-ID", first_id.to_string())],
        )
        .await;
        let mut replayed = Vec::new();
        while !replayed.contains(&"message".to_owned()) {
            let e = resumed.next_ticket().await;
            assert!(e.id > first_id);
            assert_eq!(e.data["ticket_id"], json!(mine));
            replayed.push(e.data["change"].as_str().expect("change").to_owned());
        }
        assert!(!replayed.contains(&"note".to_owned()));

        // An API token reads the stream with its bearer header.
        let (status, token) = srv
            .post(
                "/api/v1/api-tokens",
                &srv.admin,
                json!({"name": "Живой поток", "scopes": ["tickets:read"]}),
            )
            .await;
        assert_eq!(status, 201, "{token}");
        let bearer = format!("Bearer {}", token["token"].as_str().expect("token"));
        let mut integration = Sse::open(srv, "", &[("Authorization", bearer.clone())]).await;
        let another = srv.consultation(&bob, "Для интеграции").await;
        assert_eq!(integration.next_ticket().await.data["ticket_id"], json!(another));
        // It needs no stream ticket and gets none.
        let (status, body) = srv
            .call(
                "POST",
                "/api/v1/stream/tickets",
                Some(token["token"].as_str().expect("token")),
                Some(json!({})),
            )
            .await;
        assert_eq!(status, 403, "{body}");
    }
);

both_backends!(r_ntf_a_stream_needs_a_valid_ticket, |srv| {
    let get = |query: &'static str| async move {
        let response = srv
            .http
            .get(srv.url(&format!("/api/v1/stream{query}")))
            .send()
            .await
            .expect("answer");
        let status = response.status().as_u16();
        let body: Value = response.json().await.expect("problem+json");
        (status, body)
    };
    assert_problem(&get("").await, 401, "unauthorized");
    assert_problem(&get("?ticket=not-a-ticket").await, 401, "invalid_token");
    // An access token is not a stream ticket.
    let (status, body) = srv
        .http
        .get(srv.url(&format!("/api/v1/stream?ticket={}", srv.admin)))
        .send()
        .await
        .map(|r| (r.status().as_u16(), r))
        .expect("answer");
    assert_eq!(status, 401, "{:?}", body.text().await);
    // A ticket lasts a minute.
    let ticket = ticket_for(srv, &srv.admin).await;
    srv.clock.set(srv.app.now() + chrono::TimeDelta::seconds(61));
    let response = srv
        .http
        .get(srv.url(&format!("/api/v1/stream?ticket={ticket}")))
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status().as_u16(), 401);
    let body: Value = response.json().await.expect("problem+json");
    assert!(body["detail"].as_str().expect("detail").contains("expired"), "{body}");
});
