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
    /// Files by `file_id`.
    files: Mutex<HashMap<String, Vec<u8>>>,
    /// `getUpdates` calls in flight, and the ones refused because another was (Telegram
    /// answers a second consumer of a bot 409 Conflict).
    polling: std::sync::atomic::AtomicUsize,
    pub conflicts: std::sync::atomic::AtomicUsize,
    /// `getUpdates` calls answered.
    pub polls: std::sync::atomic::AtomicUsize,
}

impl Fake {
    fn next(counter: &Mutex<i64>) -> i64 {
        let mut n = counter.lock().expect("lock");
        *n += 1;
        *n
    }

    /// A Telegram user's numeric id, the same for a username every time.
    pub fn user_id(username: &str) -> i64 {
        1_000 + username.bytes().fold(0_i64, |h, b| (h * 31 + i64::from(b)) % 1_000_000)
    }

    /// Hands `message` (its `message_id` filled in) out as the next update of `kind`
    /// (`message`, `edited_message`); answers the message.
    pub fn post(&self, kind: &str, mut message: Value) -> Value {
        if message.get("message_id").is_none() {
            message["message_id"] = json!(Self::next(&self.next_message));
        }
        let update_id = Self::next(&self.next_update);
        self.updates
            .lock()
            .expect("lock")
            .push(json!({"update_id": update_id, kind: message.clone()}));
        message
    }

    /// A group-chat message of `username` (its Telegram id is `user_id` when given, else
    /// the username's own); answers it.
    pub fn say_as(
        &self,
        chat: i64,
        user_id: Option<i64>,
        username: &str,
        text: &str,
        reply_to: Option<Value>,
    ) -> Value {
        let mut message = json!({"date": 1_773_000_000,
            "from": {"id": user_id.unwrap_or_else(|| Self::user_id(username)), "is_bot": false,
                     "first_name": username, "username": username},
            "chat": {"id": chat, "type": "supergroup", "title": "Поддержка «Премиум»"},
            "text": text});
        if let Some(original) = reply_to {
            message["reply_to_message"] = original;
        }
        self.post("message", message)
    }

    /// A chat message; answers it.
    pub fn say(&self, chat: i64, username: &str, text: &str, reply_to: Option<Value>) -> Value {
        self.say_as(chat, None, username, text, reply_to)
    }

    /// A message from a person to the bot in their private chat (chat id = user id).
    pub fn say_private(&self, user_id: i64, username: &str, text: &str) {
        self.post(
            "message",
            json!({"date": 1_773_000_000,
                "from": {"id": user_id, "is_bot": false, "first_name": username, "username": username},
                "chat": {"id": user_id, "type": "private", "first_name": username},
                "text": text}),
        );
    }

    /// A file `getFile` hands out.
    pub fn put_file(&self, file_id: &str, bytes: &[u8]) {
        self.files
            .lock()
            .expect("lock")
            .insert(file_id.to_owned(), bytes.to_vec());
    }

    /// The bot's sent messages to `chat` as Telegram has them (with `message_id` and `from`),
    /// for a test to reply to.
    pub fn sent_messages(&self, chat: i64) -> Vec<Value> {
        self.sent
            .lock()
            .expect("lock")
            .iter()
            .filter(|m| m["chat_id"].as_i64() == Some(chat))
            .map(|m| {
                json!({"message_id": m["message_id"], "date": 1_773_000_000,
                    "from": {"id": 1, "is_bot": true, "first_name": "Reglament", "username": "reglament_bot"},
                    "chat": {"id": chat, "type": "supergroup"}, "text": m["text"]})
            })
            .collect()
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
    use std::sync::atomic::Ordering;
    if fake.polling.fetch_add(1, Ordering::SeqCst) > 0 {
        fake.polling.fetch_sub(1, Ordering::SeqCst);
        fake.conflicts.fetch_add(1, Ordering::SeqCst);
        return HttpResponse::Conflict().json(json!({"ok": false, "error_code": 409,
            "description": "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"}));
    }
    let answer = updates_after(&fake, body["offset"].as_i64().unwrap_or(0)).await;
    fake.polling.fetch_sub(1, Ordering::SeqCst);
    fake.polls.fetch_add(1, Ordering::SeqCst);
    answer
}

async fn updates_after(fake: &Fake, offset: i64) -> HttpResponse {
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
    let message_id = Fake::next(&fake.next_message);
    let mut sent = body.into_inner();
    sent["message_id"] = json!(message_id);
    fake.sent.lock().expect("lock").push(sent);
    HttpResponse::Ok().json(json!({"ok": true, "result": {"message_id": message_id, "chat": {"id": chat}}}))
}

async fn get_file(fake: web::Data<Arc<Fake>>, body: web::Json<Value>) -> HttpResponse {
    let id = body["file_id"].as_str().unwrap_or_default().to_owned();
    if fake.files.lock().expect("lock").contains_key(&id) {
        HttpResponse::Ok().json(json!({"ok": true, "result": {"file_id": id, "file_path": format!("files/{id}")}}))
    } else {
        HttpResponse::BadRequest()
            .json(json!({"ok": false, "error_code": 400, "description": "Bad Request: invalid file_id"}))
    }
}

async fn file(fake: web::Data<Arc<Fake>>, id: web::Path<String>) -> HttpResponse {
    match fake.files.lock().expect("lock").get(id.as_str()) {
        Some(bytes) => HttpResponse::Ok().body(bytes.clone()),
        None => HttpResponse::NotFound().finish(),
    }
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
            .route(&format!("/bot{TOKEN}/getFile"), web::post().to(get_file))
            .route(&format!("/file/bot{TOKEN}/files/{{id}}"), web::get().to(file))
    })
    .workers(1)
    .bind("127.0.0.1:0")
    .expect("bind");
    let port = server.addrs()[0].port();
    tokio::spawn(server.run());
    (fake, format!("http://127.0.0.1:{port}"))
}
