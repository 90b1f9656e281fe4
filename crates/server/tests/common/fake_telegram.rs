//! A local fake of the Telegram Bot API: an HTTP server in the test speaking the real
//! `getUpdates`/`sendMessage` JSON. Telegram itself cannot run here.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App as Web, HttpResponse, HttpServer, web};
use serde_json::{Value, json};

pub const TOKEN: &str = "123456:TEST";
pub const CHAT: i64 = -100_777;

/// The fake Bot API: updates to hand out, and what the bot sent.
#[derive(Default)]
pub struct Fake {
    pub updates: Mutex<Vec<Value>>,
    pub sent: Mutex<Vec<Value>>,
    next_update: Mutex<i64>,
    next_message: Mutex<i64>,
    /// Chats whose `sendMessage` fails, with the error (status, description) and how many
    /// times more (`u32::MAX`: always).
    failing: Mutex<HashMap<i64, (u16, String, u32)>>,
}

impl Fake {
    /// A chat message; answers its message id.
    pub fn say(&self, chat: i64, username: &str, text: &str, reply_to: Option<Value>) -> Value {
        let message_id = {
            let mut n = self.next_message.lock().expect("lock");
            *n += 1;
            *n
        };
        let mut message = json!({"message_id": message_id, "date": 1_773_000_000,
            "from": {"id": 1000 + message_id, "is_bot": false, "first_name": username, "username": username},
            "chat": {"id": chat, "type": "supergroup", "title": "Поддержка «Премиум»"},
            "text": text});
        if let Some(original) = reply_to {
            message["reply_to_message"] = original;
        }
        let update_id = {
            let mut n = self.next_update.lock().expect("lock");
            *n += 1;
            *n
        };
        self.updates
            .lock()
            .expect("lock")
            .push(json!({"update_id": update_id, "message": message}));
        message
    }

    /// A message from a person to the bot in their private chat (chat id = user id).
    pub fn say_private(&self, user_id: i64, username: &str, text: &str) {
        let message_id = {
            let mut n = self.next_message.lock().expect("lock");
            *n += 1;
            *n
        };
        let update_id = {
            let mut n = self.next_update.lock().expect("lock");
            *n += 1;
            *n
        };
        let message = json!({"message_id": message_id, "date": 1_773_000_000,
            "from": {"id": user_id, "is_bot": false, "first_name": username, "username": username},
            "chat": {"id": user_id, "type": "private", "first_name": username},
            "text": text});
        self.updates
            .lock()
            .expect("lock")
            .push(json!({"update_id": update_id, "message": message}));
    }

    /// `sendMessage` to the chat fails `times` times with the Bot API's error.
    pub fn fail(&self, chat: i64, status: u16, description: &str, times: u32) {
        self.failing
            .lock()
            .expect("lock")
            .insert(chat, (status, description.to_owned(), times));
    }

    /// The texts sent to one chat, in order.
    pub fn sent_to(&self, chat: i64) -> Vec<String> {
        self.sent
            .lock()
            .expect("lock")
            .iter()
            .filter(|m| m["chat_id"].as_i64() == Some(chat))
            .filter_map(|m| m["text"].as_str().map(ToOwned::to_owned))
            .collect()
    }

    pub fn sent_texts(&self) -> Vec<String> {
        self.sent
            .lock()
            .expect("lock")
            .iter()
            .filter_map(|m| m["text"].as_str().map(ToOwned::to_owned))
            .collect()
    }
}

async fn get_updates(fake: web::Data<Arc<Fake>>, body: web::Json<Value>) -> HttpResponse {
    let offset = body["offset"].as_i64().unwrap_or(0);
    let pending: Vec<Value> = fake
        .updates
        .lock()
        .expect("lock")
        .iter()
        .filter(|u| u["update_id"].as_i64().unwrap_or(0) >= offset)
        .cloned()
        .collect();
    if pending.is_empty() {
        // A long poll that times out quickly.
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    HttpResponse::Ok().json(json!({"ok": true, "result": pending}))
}

async fn send_message(fake: web::Data<Arc<Fake>>, body: web::Json<Value>) -> HttpResponse {
    let chat = body["chat_id"].as_i64().unwrap_or_default();
    if let Some((status, description, times)) = fake.failing.lock().expect("lock").get_mut(&chat)
        && *times > 0
    {
        *times = times.saturating_sub(u32::from(*times != u32::MAX));
        let code = actix_web::http::StatusCode::from_u16(*status).expect("status");
        return HttpResponse::build(code)
            .json(json!({"ok": false, "error_code": *status, "description": description.clone()}));
    }
    let message_id = {
        let mut n = fake.next_message.lock().expect("lock");
        *n += 1;
        *n
    };
    fake.sent.lock().expect("lock").push(body.into_inner());
    HttpResponse::Ok().json(json!({"ok": true, "result": {"message_id": message_id, "chat": {"id": chat}}}))
}

/// Starts the fake on a free port; answers it and its base URL.
pub fn fake_bot_api() -> (Arc<Fake>, String) {
    let fake = Arc::new(Fake::default());
    let data = web::Data::new(Arc::clone(&fake));
    let server = HttpServer::new(move || {
        Web::new()
            .app_data(data.clone())
            .route(&format!("/bot{TOKEN}/getUpdates"), web::post().to(get_updates))
            .route(&format!("/bot{TOKEN}/sendMessage"), web::post().to(send_message))
    })
    .workers(1)
    .bind("127.0.0.1:0")
    .expect("bind");
    let port = server.addrs()[0].port();
    tokio::spawn(server.run());
    (fake, format!("http://127.0.0.1:{port}"))
}
