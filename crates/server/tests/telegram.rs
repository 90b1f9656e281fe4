//! The Telegram channel against a local fake of the Bot API (an HTTP server in the test
//! speaking the real `getUpdates`/`sendMessage` JSON), on both backends (R-CH-3).

mod common;

use std::time::Duration;

use common::fake_telegram::{CHAT, Fake, TOKEN, fake_bot_api};
use common::{TestServer, assert_problem, typed};
use reglament_api::{Channel, Status, TelegramChat, TelegramLinkCode, TelegramStatus};
use reglament_channels::telegram::{Bot, TelegramSettings};
use serde_json::json;

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

/// A JPEG's first and last bytes: enough for the attachment's type check.
const JPEG: &[u8] = &[
    0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00,
    0x00, 0xFF, 0xD9,
];

async fn ticket_messages(srv: &TestServer, id: &str) -> Vec<serde_json::Value> {
    let (status, body) = srv.get(&format!("/api/v1/tickets/{id}/messages"), &srv.admin).await;
    assert_eq!(status, 200, "{body}");
    body["items"].as_array().cloned().unwrap_or_default()
}

async fn telegram_outbox(srv: &TestServer) -> Vec<reglament_store::telegram::OutgoingMessage> {
    let mut tx = srv.app.store.read().await.expect("tx");
    let queued = reglament_store::telegram::to_chat(&mut tx, CHAT).await.expect("outbox");
    tx.commit().await.expect("commit");
    queued
}

// R-NTF-8: Telegram both ways. A client's reply to the bot's registration answer joins the
// ticket as a client message with its photo (an open, unanswered ticket's clock does not
// move); a staff answer in the portal is posted to the chat as a reply to the registration
// answer, with the number; the client's reply to that, under a changed username, is matched
// by the numeric id and starts a new cycle; someone who took the old username is nobody; a
// staff reply in the chat answers the cycle and is not echoed back; a restart between
// handling and the offset, or an edit, adds nothing twice.
both_backends!(r_ntf_8_telegram_both_ways, |srv| {
    let (fake, url) = fake_bot_api();
    let bot = bot(&url);
    let (customer, client) = premium_setup(srv).await;
    link(srv, &fake, &bot, &customer).await;
    let original = fake.say(CHAT, "ivan_tg", "Не строится отчет", None);
    fake.say(CHAT, "lead_tg", "/ticket bug 5.2", Some(original));
    bot.poll_once(&srv.app).await.expect("poll");
    let ticket = srv.tickets(&client).await.remove(0).ticket;
    let id = ticket.id.to_string();
    let registration = fake.sent_messages(CHAT).pop().expect("the registration answer");
    assert!(
        registration["text"]
            .as_str()
            .is_some_and(|t| t.contains(&format!("№{}", ticket.number))),
        "{registration}"
    );

    // The client's reply with a photo joins the ticket; the running cycle is unchanged.
    fake.put_file("photo-1", JPEG);
    let before_reply = status(srv).await.update_offset;
    let photo = fake.post(
        "message",
        json!({"date": 1_773_000_100,
            "from": {"id": Fake::user_id("ivan_tg"), "is_bot": false, "first_name": "Иван", "username": "ivan_tg"},
            "chat": {"id": CHAT, "type": "supergroup", "title": "Поддержка «Премиум»"},
            "caption": "Вот снимок экрана",
            "photo": [{"file_id": "photo-small", "width": 90, "height": 60},
                      {"file_id": "photo-1", "width": 1280, "height": 800}],
            "reply_to_message": registration.clone()}),
    );
    bot.poll_once(&srv.app).await.expect("poll");
    let messages = ticket_messages(srv, &id).await;
    let joined = messages.last().expect("a message");
    assert_eq!(joined["body"], "Вот снимок экрана", "{messages:?}");
    assert_eq!(
        joined["author_id"],
        serde_json::Value::String(srv.tickets(&client).await[0].ticket.author_id.to_string())
    );
    let (_, files) = srv.get(&format!("/api/v1/tickets/{id}/attachments"), &srv.admin).await;
    let files = files.as_array().cloned().unwrap_or_default();
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(files[0]["content_type"], "image/jpeg");
    let now = srv.tickets(&client).await.remove(0).ticket;
    assert_eq!(
        now.response_due_at, ticket.response_due_at,
        "an unanswered cycle runs on"
    );

    // A restart after handling and before the offset moved, and an edit: nothing twice.
    let mut tx = srv.app.store.begin().await.expect("tx");
    reglament_store::channels::advance_telegram(&mut tx, before_reply, Default::default())
        .await
        .expect("offset");
    tx.commit().await.expect("commit");
    let mut edited = photo.clone();
    edited["caption"] = json!("Вот снимок экрана (исправлено)");
    fake.post("edited_message", edited);
    bot.poll_once(&srv.app).await.expect("poll");
    assert_eq!(ticket_messages(srv, &id).await.len(), messages.len(), "nothing twice");

    // A staff answer in the portal goes to the chat as a reply to the registration answer.
    let (code, body) = srv
        .post(
            &format!("/api/v1/tickets/{id}/messages"),
            &srv.admin,
            json!({"kind": "message", "body": "Исправлено в 5.2.1, обновитесь"}),
        )
        .await;
    assert_eq!(code, 201, "{body}");
    assert_eq!(srv.app.channels().deliver_telegram_once(&bot).await.expect("outbox"), 1);
    let sent = fake.sent.lock().expect("lock").last().cloned().expect("sent");
    assert_eq!(sent["chat_id"], CHAT);
    assert_eq!(sent["reply_parameters"]["message_id"], registration["message_id"]);
    let text = sent["text"].as_str().unwrap_or_default();
    assert!(
        text.contains(&format!("№{}", ticket.number)) && text.contains("Исправлено в 5.2.1"),
        "{text}"
    );
    let answered = srv.tickets(&client).await.remove(0).ticket;
    assert!(!answered.awaiting_response);

    // The client, now @ivan_new, replies to that answer: matched by id, a new cycle runs.
    let answer = fake.sent_messages(CHAT).pop().expect("the posted answer");
    fake.say_as(
        CHAT,
        Some(Fake::user_id("ivan_tg")),
        "ivan_new",
        "Обновился, теперь другая ошибка",
        Some(answer.clone()),
    );
    // Someone else who took the old username is nobody.
    fake.say_as(CHAT, Some(99_999), "ivan_tg", "Я тоже Иван", Some(answer.clone()));
    let unknown_before = status(srv).await.ignored_unknown_user;
    bot.poll_once(&srv.app).await.expect("poll");
    let messages = ticket_messages(srv, &id).await;
    let bodies: Vec<&str> = messages.iter().filter_map(|m| m["body"].as_str()).collect();
    assert!(bodies.contains(&"Обновился, теперь другая ошибка"), "{bodies:?}");
    assert!(!bodies.contains(&"Я тоже Иван"), "{bodies:?}");
    assert_eq!(status(srv).await.ignored_unknown_user, unknown_before + 1);
    let reopened = srv.tickets(&client).await.remove(0).ticket;
    assert!(reopened.awaiting_response, "the client's reply starts a new cycle");

    // A staff reply in the chat answers the cycle, and is not posted back.
    let queued = telegram_outbox(srv).await.len();
    fake.say(CHAT, "lead_tg", "Смотрим, ответим сегодня", Some(answer));
    bot.poll_once(&srv.app).await.expect("poll");
    let last = ticket_messages(srv, &id).await.pop().expect("a message");
    assert_eq!(last["body"], "Смотрим, ответим сегодня");
    assert!(!srv.tickets(&client).await.remove(0).ticket.awaiting_response);
    assert_eq!(telegram_outbox(srv).await.len(), queued, "not echoed to the chat");
    let s = status(srv).await;
    assert_eq!((s.outbox_waiting, s.outbox_failing, s.outbox_abandoned), (0, 0, 0));
});

// R-NTF-8: a message the bot cannot deliver to a chat is tried again, and staff see it
// failing, then abandoned when Telegram refuses it for good, on the channels page's status.
both_backends!(r_ntf_8_undelivered_chat_answers_are_visible_to_staff, |srv| {
    let (fake, url) = fake_bot_api();
    let bot = bot(&url);
    let (customer, client) = premium_setup(srv).await;
    link(srv, &fake, &bot, &customer).await;
    let original = fake.say(CHAT, "ivan_tg", "Вопрос по лицензии", None);
    fake.say(CHAT, "lead_tg", "/ticket licensing_billing", Some(original));
    bot.poll_once(&srv.app).await.expect("poll");
    let id = srv.tickets(&client).await.remove(0).ticket.id;
    fake.fail(CHAT, 502, "Bad Gateway", 1);
    let (code, body) = srv
        .post(
            &format!("/api/v1/tickets/{id}/messages"),
            &srv.admin,
            json!({"kind": "message", "body": "Ответ"}),
        )
        .await;
    assert_eq!(code, 201, "{body}");
    assert_eq!(srv.app.channels().deliver_telegram_once(&bot).await.expect("outbox"), 0);
    let s = status(srv).await;
    assert_eq!((s.outbox_waiting, s.outbox_failing), (1, 1));
    srv.clock.set(srv.app.now() + chrono::TimeDelta::seconds(30));
    assert_eq!(srv.app.channels().deliver_telegram_once(&bot).await.expect("outbox"), 1);
    assert_eq!(status(srv).await.outbox_waiting, 0);
    // The bot was removed from the chat: refused for good.
    fake.fail(
        CHAT,
        403,
        "Forbidden: bot was kicked from the supergroup chat",
        u32::MAX,
    );
    let (code, body) = srv
        .post(
            &format!("/api/v1/tickets/{id}/messages"),
            &srv.admin,
            json!({"kind": "message", "body": "Еще ответ"}),
        )
        .await;
    assert_eq!(code, 201, "{body}");
    srv.app.channels().deliver_telegram_once(&bot).await.expect("outbox");
    let s = status(srv).await;
    assert_eq!((s.outbox_waiting, s.outbox_abandoned), (0, 1));
});

/// The agent's Telegram user and private chat in the fake.
const AGENT_TG: i64 = 424_242;

/// Waits up to 10 s for the fake to have sent a text to `chat` that contains `needle`.
async fn sent_to_within(fake: &Fake, chat: i64, needle: &str) -> String {
    for _ in 0..100 {
        if let Some(text) = fake.sent_to(chat).into_iter().find(|t| t.contains(needle)) {
            return text;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "nothing with {needle:?} sent to {chat} within 10 s: {:?}",
        fake.sent_to(chat)
    );
}

/// One round of notification delivery and one of the Telegram outbox, by hand (the
/// server's own rounds run too: the claims keep it to one message each).
async fn deliver(srv: &TestServer, bot: &Bot) {
    srv.app.notifications().deliver_once().await.expect("notifications");
    srv.app
        .channels()
        .deliver_telegram_once(bot)
        .await
        .expect("telegram outbox");
}

async fn telegram_account(srv: &TestServer, token: &str) -> reglament_api::TelegramAccountStatus {
    let (status, body) = srv.get("/api/v1/notifications/telegram", token).await;
    assert_eq!(status, 200, "{body}");
    typed(&body)
}

async fn new_code(srv: &TestServer, token: &str) -> reglament_api::TelegramAccountCode {
    let (status, body) = srv.post("/api/v1/notifications/telegram/code", token, json!({})).await;
    assert_eq!(status, 201, "{body}");
    typed(&body)
}

async fn agent_mails(srv: &TestServer) -> Vec<String> {
    let mut tx = srv.app.store.read().await.expect("tx");
    let mails = reglament_store::mail::list_for(&mut tx, "agent@tg.test")
        .await
        .expect("outbox");
    tx.commit().await.expect("commit");
    mails.into_iter().map(|m| m.subject).collect()
}

// R-NTF-5, issue 21: a staff member links Telegram with a one-time code from the profile
// (`/start CODE` in a private chat with the bot), chooses Telegram for new tickets and gets
// each as a message from the bot instead of a mail — once, also when Telegram failed the
// first try. `/stop` unlinks and mail takes over; a person who blocked the bot is unlinked
// the first time Telegram refuses, and mail takes over again. The server runs the bot.
async fn staff_get_notifications_in_telegram(backend: reglament_store::Backend) {
    let (fake, url) = fake_bot_api();
    let settings = TelegramSettings {
        token: TOKEN.to_owned(),
        api_url: url.clone(),
        poll_timeout_secs: 0,
    };
    let Some(srv) = TestServer::spawn_with(backend, |c| c.telegram = Some(settings)).await else {
        return;
    };
    srv.run(|srv| async move {
        let by_hand = bot(&url);
        let admin = srv.login(common::ADMIN_EMAIL, common::ADMIN_PASSWORD).await;
        let (status, body) = srv
            .post(
                "/api/v1/staff",
                &admin,
                json!({"email": "agent@tg.test", "full_name": "Агент Телеграмов", "role": "agent",
                       "password": "agent-password-123"}),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        let agent = srv.login("agent@tg.test", "agent-password-123").await;
        let customer = srv.customer("Клиент Телеграма", "basic").await;
        srv.client(&customer, "c@tg.test", json!({})).await;
        let client = srv.login("c@tg.test", common::CLIENT_PASSWORD).await;
        assert_problem(
            &srv.post("/api/v1/notifications/telegram/code", &client, json!({}))
                .await,
            403,
            "forbidden",
        );

        let account = telegram_account(srv, &agent).await;
        assert!(account.enabled && !account.linked, "{account:?}");
        let choose = json!([{"kind": "ticket_created", "channel": "telegram"}]);
        assert_problem(
            &srv.call(
                "PUT",
                "/api/v1/notifications/preferences",
                Some(&agent),
                Some(choose.clone()),
            )
            .await,
            422,
            "telegram_not_linked",
        );

        // A wrong code is refused; the right one links, once.
        fake.say_private(AGENT_TG, "agent_tg", "/start WRONGCODE");
        sent_to_within(&fake, AGENT_TG, "Код неизвестен").await;
        let code = new_code(srv, &agent).await;
        assert_eq!(code.command, format!("/start {}", code.code));
        fake.say_private(AGENT_TG, "agent_tg", &code.command.to_lowercase());
        sent_to_within(&fake, AGENT_TG, "Готово, Агент Телеграмов").await;
        fake.say_private(777, "someone_else", &code.command);
        sent_to_within(&fake, 777, "Код неизвестен").await;
        let account = telegram_account(srv, &agent).await;
        assert!(account.linked, "{account:?}");
        assert_eq!(account.username.as_deref(), Some("agent_tg"));
        let (status, prefs) = srv
            .call("PUT", "/api/v1/notifications/preferences", Some(&agent), Some(choose))
            .await;
        assert_eq!(status, 200, "{prefs}");

        // A new ticket: a message from the bot naming it, and no mail.
        let mails_before = agent_mails(srv).await.len();
        srv.consultation(&client, "Первое по Telegram").await;
        deliver(srv, &by_hand).await;
        let text = sent_to_within(&fake, AGENT_TG, "Первое по Telegram").await;
        assert!(text.starts_with("[#"), "{text}");
        assert!(text.contains("/tickets/"), "a link to the ticket: {text}");

        // Telegram fails the first try (its rate limit): sent on the next round, once.
        fake.fail(AGENT_TG, 429, "Too Many Requests: retry after 1", 1);
        srv.clock.set(srv.app.now() + chrono::TimeDelta::seconds(61));
        let client = srv.login("c@tg.test", common::CLIENT_PASSWORD).await;
        srv.consultation(&client, "Второе по Telegram").await;
        deliver(srv, &by_hand).await;
        srv.clock.set(srv.app.now() + chrono::TimeDelta::seconds(30));
        deliver(srv, &by_hand).await;
        sent_to_within(&fake, AGENT_TG, "Второе по Telegram").await;
        // The server's rounds had their chance to double it.
        tokio::time::sleep(Duration::from_millis(1_500)).await;
        for subject in ["Первое по Telegram", "Второе по Telegram"] {
            let n = fake.sent_to(AGENT_TG).iter().filter(|t| t.contains(subject)).count();
            assert_eq!(n, 1, "{subject} sent once: {:?}", fake.sent_to(AGENT_TG));
        }
        assert_eq!(agent_mails(srv).await.len(), mails_before, "nothing mailed meanwhile");

        // `/stop` unlinks: the next new ticket is mailed.
        fake.say_private(AGENT_TG, "agent_tg", "/stop");
        sent_to_within(&fake, AGENT_TG, "Telegram отвязан").await;
        assert!(!telegram_account(srv, &agent).await.linked);
        srv.clock.set(srv.app.now() + chrono::TimeDelta::seconds(61));
        let client = srv.login("c@tg.test", common::CLIENT_PASSWORD).await;
        srv.consultation(&client, "Третье, уже почтой").await;
        deliver(srv, &by_hand).await;
        assert!(
            agent_mails(srv).await.iter().any(|s| s.contains("Новое обращение")),
            "mail takes over"
        );
        assert!(!fake.sent_to(AGENT_TG).iter().any(|t| t.contains("Третье")));

        // Linked again, then the person blocks the bot: Telegram refuses for good, the
        // message is abandoned, the account unlinked, and the next one is mailed.
        let agent = srv.login("agent@tg.test", "agent-password-123").await;
        let code = new_code(srv, &agent).await;
        fake.say_private(AGENT_TG, "agent_tg", &code.command);
        let linked_twice = || {
            fake.sent_to(AGENT_TG)
                .iter()
                .filter(|t| t.starts_with("Готово"))
                .count()
        };
        for _ in 0..100 {
            if linked_twice() == 2 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(linked_twice(), 2, "{:?}", fake.sent_to(AGENT_TG));
        fake.fail(AGENT_TG, 403, "Forbidden: bot was blocked by the user", u32::MAX);
        srv.clock.set(srv.app.now() + chrono::TimeDelta::seconds(61));
        let client = srv.login("c@tg.test", common::CLIENT_PASSWORD).await;
        srv.consultation(&client, "Четвертое, бот заблокирован").await;
        deliver(srv, &by_hand).await;
        let mut tx = srv.app.store.read().await.expect("tx");
        let queued = reglament_store::telegram::to_chat(&mut tx, AGENT_TG)
            .await
            .expect("outbox");
        tx.commit().await.expect("commit");
        let blocked = queued
            .iter()
            .find(|m| m.text.contains("Четвертое"))
            .expect("queued for Telegram");
        assert!(
            blocked.abandoned_at.is_some() && blocked.sent_at.is_none(),
            "{blocked:?}"
        );
        assert!(!telegram_account(srv, &agent).await.linked, "unlinked");
        srv.clock.set(srv.app.now() + chrono::TimeDelta::seconds(61));
        let client = srv.login("c@tg.test", common::CLIENT_PASSWORD).await;
        let before = agent_mails(srv).await.len();
        srv.consultation(&client, "Пятое, снова почтой").await;
        deliver(srv, &by_hand).await;
        assert_eq!(agent_mails(srv).await.len(), before + 1);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_ntf_5_staff_get_notifications_in_telegram_sqlite() {
    staff_get_notifications_in_telegram(reglament_store::Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_ntf_5_staff_get_notifications_in_telegram_postgres() {
    staff_get_notifications_in_telegram(reglament_store::Backend::Postgres).await;
}

// R-NTF-6 in a chat: what the bot tells the client about their ticket (its registration,
// staff answers posted there) is in the author's language, the promised time in their zone
// with Moscow time in brackets.
both_backends!(r_ntf_6_the_chat_is_told_in_the_authors_language_and_zone, |srv| {
    let (fake, url) = fake_bot_api();
    let bot = bot(&url);
    let (customer, client) = premium_setup(srv).await;
    let (code, me) = srv
        .call(
            "PATCH",
            "/api/v1/me",
            Some(&client),
            Some(json!({"locale": "en", "time_zone": "Asia/Vladivostok"})),
        )
        .await;
    assert_eq!(code, 200, "{me}");
    link(srv, &fake, &bot, &customer).await;
    let original = fake.say(CHAT, "ivan_tg", "The report does not build", None);
    fake.say(CHAT, "lead_tg", "/ticket bug 5.2", Some(original));
    bot.poll_once(&srv.app).await.expect("poll");
    let ticket = srv.tickets(&client).await.remove(0).ticket;
    let registration = fake.sent_messages(CHAT).pop().expect("the registration answer");
    let text = registration["text"].as_str().unwrap_or_default();
    assert!(text.contains(&format!("Ticket #{}", ticket.number)), "{text}");
    let due = ticket.response_due_at.expect("a promise");
    let shown = reglament_domain::moscow::format_for(due, "Asia/Vladivostok", "en");
    assert!(shown.ends_with(" Moscow)") && !shown.starts_with(&reglament_domain::moscow::format(due)));
    assert!(text.contains(&format!("First response due by {shown}.")), "{text}");

    let (code, body) = srv
        .post(
            &format!("/api/v1/tickets/{}/messages", ticket.id),
            &srv.admin,
            json!({"kind": "message", "body": "Fixed in 5.2.1"}),
        )
        .await;
    assert_eq!(code, 201, "{body}");
    assert_eq!(srv.app.channels().deliver_telegram_once(&bot).await.expect("outbox"), 1);
    let sent = fake.sent_messages(CHAT).pop().expect("the posted answer");
    let text = sent["text"].as_str().unwrap_or_default();
    assert!(
        text.starts_with(&format!("Ticket #{}", ticket.number)) && text.contains("an answer from support"),
        "{text}"
    );
});
