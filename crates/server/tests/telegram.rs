//! The Telegram channel against a local fake of the Bot API (an HTTP server in the test
//! speaking the real `getUpdates`/`sendMessage` JSON), on both backends (R-CH-3).

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App as Web, HttpResponse, HttpServer, web};
use common::{TestServer, assert_problem, typed};
use reglament_api::{Channel, Status, TelegramChat, TelegramLinkCode, TelegramStatus};
use reglament_channels::telegram::{Bot, TelegramSettings};
use serde_json::{Value, json};

const TOKEN: &str = "123456:TEST";
const CHAT: i64 = -100_777;

/// The fake Bot API: updates to hand out, and what the bot sent.
#[derive(Default)]
struct Fake {
    updates: Mutex<Vec<Value>>,
    sent: Mutex<Vec<Value>>,
    next_update: Mutex<i64>,
    next_message: Mutex<i64>,
}

impl Fake {
    /// A chat message; answers its message id.
    fn say(&self, chat: i64, username: &str, text: &str, reply_to: Option<Value>) -> Value {
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

    fn sent_texts(&self) -> Vec<String> {
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
    fake.sent.lock().expect("lock").push(body.into_inner());
    HttpResponse::Ok().json(json!({"ok": true, "result": {"message_id": 1}}))
}

/// Starts the fake on a free port; answers it and its base URL.
fn fake_bot_api() -> (Arc<Fake>, String) {
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

fn bot(url: &str) -> Bot {
    Bot::new(TelegramSettings {
        token: TOKEN.to_owned(),
        api_url: url.to_owned(),
        poll_timeout_secs: 0,
    })
    .expect("bot")
}

/// A premium customer with a client `ivan_tg` and a support lead `lead_tg`; answers the customer.
async fn premium_setup(srv: &TestServer) -> (String, String) {
    let customer = srv.customer("Премиум", "premium").await;
    let (_, client) = srv
        .client(&customer, "ivan@tg.test", json!({"telegram_username": "ivan_tg"}))
        .await;
    let (status, body) = srv
        .post(
            "/api/v1/staff",
            &srv.admin,
            json!({"email": "lead@vendor.test", "full_name": "Руководитель", "role": "support_lead",
                   "telegram_username": "@Lead_TG", "password": "lead-password-123"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    (customer, client)
}

async fn link(srv: &TestServer, fake: &Fake, bot: &Bot, customer: &str) {
    let (status, body) = srv
        .post(
            &format!("/api/v1/customers/{customer}/telegram/link-code"),
            &srv.admin,
            json!({}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let code: TelegramLinkCode = typed(&body);
    fake.say(CHAT, "lead_tg", &code.command, None);
    bot.poll_once(&srv.app).await.expect("poll");
    assert!(
        fake.sent_texts().last().is_some_and(|t| t.contains("Чат привязан")),
        "{:?}",
        fake.sent_texts()
    );
}

async fn status(srv: &TestServer) -> TelegramStatus {
    let (code, body) = srv.get("/api/v1/telegram/status", &srv.admin).await;
    assert_eq!(code, 200, "{body}");
    typed(&body)
}

// R-CH-3: staff link the chat with a one-time code; on `/ticket bug 5.2` in reply to a
// client's message the bot registers the ticket on behalf of its author (channel
// telegram, the SLA clock running) and answers with the number and the promised time.
// Ordinary chat, unknown users and unlinked chats are ignored and counted; a client
// cannot register by command; a link code works once.
both_backends!(r_ch_3_staff_register_a_ticket_from_a_clients_chat_message, |srv| {
    let (fake, url) = fake_bot_api();
    let bot = bot(&url);
    let (customer, client) = premium_setup(srv).await;
    link(srv, &fake, &bot, &customer).await;
    let (_, chats) = srv
        .get(&format!("/api/v1/telegram/chats?customer_id={customer}"), &srv.admin)
        .await;
    let chats: Vec<TelegramChat> = typed(&chats);
    assert_eq!(chats.len(), 1);
    assert_eq!(
        (chats[0].chat_id, chats[0].title.as_str()),
        (CHAT, "Поддержка «Премиум»")
    );

    let original = fake.say(CHAT, "ivan_tg", "Отчет по SLA падает с ошибкой 500\nс утра", None);
    fake.say(CHAT, "stranger", "Всем привет", None);
    fake.say(-1, "ivan_tg", "Из чужого чата", None);
    fake.say(CHAT, "ivan_tg", "/ticket bug 5.2", None);
    fake.say(CHAT, "lead_tg", "/ticket bug 5.2", Some(original.clone()));
    bot.poll_once(&srv.app).await.expect("poll");
    let list = srv.tickets(&client).await;
    assert_eq!(list.len(), 1);
    let t = &list[0];
    assert_eq!(t.ticket.channel, Channel::Telegram);
    assert_eq!(t.ticket.category, reglament_api::Category::Bug);
    assert_eq!(t.ticket.product_version.as_deref(), Some("5.2"));
    assert_eq!(t.ticket.subject, "Отчет по SLA падает с ошибкой 500");
    assert_eq!(t.ticket.status, Status::Open);
    let texts = fake.sent_texts();
    let answer = texts.last().expect("an answer");
    assert!(answer.contains(&format!("№{}", t.ticket.number)), "{answer}");
    assert!(answer.contains("Срок первого ответа"), "{answer}");
    assert!(
        texts.iter().any(|s| s.contains("регистрирует поддержка")),
        "a client's command is refused: {texts:?}"
    );
    let s = status(srv).await;
    assert_eq!(
        (s.ignored_unknown_user, s.ignored_unlinked_chat, s.linked_chats),
        (1, 1, 1)
    );

    // Only the regulation's categories; an unknown author is named.
    fake.say(CHAT, "lead_tg", "/ticket consultation", Some(original.clone()));
    let stranger = fake.say(CHAT, "stranger", "Помогите", None);
    fake.say(CHAT, "lead_tg", "/ticket improvement", Some(stranger));
    bot.poll_once(&srv.app).await.expect("poll");
    let texts = fake.sent_texts();
    assert!(texts[texts.len() - 2].starts_with("Формат"), "{texts:?}");
    assert!(texts[texts.len() - 1].contains("@stranger"), "{texts:?}");
    assert_eq!(srv.tickets(&client).await.len(), 1);

    // The text form names the author.
    fake.say(
        CHAT,
        "lead_tg",
        "/ticket improvement @ivan_tg Нужна выгрузка в Excel",
        None,
    );
    bot.poll_once(&srv.app).await.expect("poll");
    assert_eq!(srv.tickets(&client).await.len(), 2);
});

// R-CH-3: a restart never registers the same message twice: the bot dies after the
// ticket is written and before its offset moves; the restarted bot gets the update again
// and answers with the ticket it already has.
both_backends!(r_ch_3_a_restart_does_not_register_a_message_twice, |srv| {
    let (fake, url) = fake_bot_api();
    let first = bot(&url);
    let (customer, client) = premium_setup(srv).await;
    link(srv, &fake, &first, &customer).await;
    let before = status(srv).await.update_offset;
    let original = fake.say(CHAT, "ivan_tg", "Не приходят уведомления", None);
    fake.say(CHAT, "lead_tg", "/ticket service_request", Some(original));
    first.poll_once(&srv.app).await.expect("poll");
    assert_eq!(srv.tickets(&client).await.len(), 1);
    // The offset as it was before the crash.
    let mut tx = srv.app.store.begin().await.expect("tx");
    reglament_store::channels::advance_telegram(&mut tx, before, Default::default())
        .await
        .expect("offset");
    tx.commit().await.expect("commit");
    let restarted = bot(&url);
    assert!(
        restarted.poll_once(&srv.app).await.expect("poll") >= 2,
        "the updates come again"
    );
    assert_eq!(srv.tickets(&client).await.len(), 1, "registered once");
    assert!(
        fake.sent_texts()
            .last()
            .is_some_and(|t| t.contains("уже зарегистрировано")),
        "{:?}",
        fake.sent_texts()
    );
    // With the offset kept, a restart gets nothing again.
    let sent = fake.sent_texts().len();
    assert_eq!(bot(&url).poll_once(&srv.app).await.expect("poll"), 0);
    assert_eq!(fake.sent_texts().len(), sent);
});

// R-CH-3: only premium and premium_plus customers are linked; when the tier drops the
// chat stops working, support leads are told by mail, and its messages are ignored.
both_backends!(
    r_ch_3_chats_only_for_premium_tiers_and_stop_when_the_tier_drops,
    |srv| {
        let (fake, url) = fake_bot_api();
        let bot = bot(&url);
        let basic = srv.customer("Базовый", "basic").await;
        assert_problem(
            &srv.post(
                &format!("/api/v1/customers/{basic}/telegram/link-code"),
                &srv.admin,
                json!({}),
            )
            .await,
            422,
            "telegram_not_in_tier",
        );
        let (customer, client) = premium_setup(srv).await;
        link(srv, &fake, &bot, &customer).await;
        let (_, view) = srv.get(&format!("/api/v1/customers/{customer}"), &srv.admin).await;
        let contract = view["contract"]["id"].as_str().expect("contract").to_owned();
        let (code, body) = srv
            .patch(
                &format!("/api/v1/contracts/{contract}"),
                &srv.admin,
                json!({"tier_code": "basic_plus"}),
            )
            .await;
        assert_eq!(code, 200, "{body}");
        let report = srv.app.jobs().run_once().await.expect("jobs");
        assert_eq!(report.telegram_chats_suspended, 1);
        let mut tx = srv.app.store.read().await.expect("tx");
        let mails = reglament_store::mail::list_for(&mut tx, "lead@vendor.test")
            .await
            .expect("outbox");
        tx.commit().await.expect("commit");
        assert!(
            mails.iter().any(|m| m.subject.contains("отключен")),
            "support leads are told"
        );
        let original = fake.say(CHAT, "ivan_tg", "Вопрос", None);
        fake.say(CHAT, "lead_tg", "/ticket bug 5.2", Some(original));
        bot.poll_once(&srv.app).await.expect("poll");
        assert!(srv.tickets(&client).await.is_empty());
        assert_eq!(status(srv).await.ignored_tier, 2);
        let (_, chats) = srv.get("/api/v1/telegram/chats", &srv.admin).await;
        assert!(typed::<Vec<TelegramChat>>(&chats)[0].suspended_at.is_some());
        // Unlinking removes it.
        let (code, _) = srv
            .call(
                "DELETE",
                &format!("/api/v1/telegram/chats/{CHAT}"),
                Some(&srv.admin),
                None,
            )
            .await;
        assert_eq!(code, 204);
        assert_eq!(status(srv).await.linked_chats, 0);
    }
);

// R-CH-3 end to end: the server started with REGLAMENT_TELEGRAM_TOKEN and
// REGLAMENT_TELEGRAM_API_URL polls the Bot API by itself.
async fn the_configured_server_runs_the_bot(backend: reglament_store::Backend) {
    let (fake, url) = fake_bot_api();
    let settings = TelegramSettings {
        token: TOKEN.to_owned(),
        api_url: url,
        poll_timeout_secs: 0,
    };
    let Some(srv) = TestServer::spawn_with(backend, |c| c.telegram = Some(settings)).await else {
        return;
    };
    srv.run(|srv| async move {
        assert!(status(srv).await.enabled);
        fake.say(CHAT, "someone", "/link NOSUCHCODE", None);
        for _ in 0..100 {
            if fake.sent_texts().iter().any(|t| t.contains("Код привязки неизвестен")) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the bot did not answer within 10 s: {:?}", fake.sent_texts());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_ch_3_the_configured_server_runs_the_bot_sqlite() {
    the_configured_server_runs_the_bot(reglament_store::Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_ch_3_the_configured_server_runs_the_bot_postgres() {
    the_configured_server_runs_the_bot(reglament_store::Backend::Postgres).await;
}
