//! The email channel against a real IMAP server (Debian's dovecot, started by
//! `cargo xtask test` or here), on both backends (R-CH-2, R-CONF-1, R-CON-6; the last also across a real
//! SIGKILL of the server process). Every test has
//! its own mailbox; messages are put in with IMAP APPEND and read by the intake.

mod common;
#[path = "../../../xtask/src/dovecot.rs"]
mod dovecot;

use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use common::{TestServer, assert_problem, typed};
use futures_util::TryStreamExt as _;
use reglament_api::{Channel, MailOutcome, MailProcessed, Page, RejectReason, RejectedMail, Status, TicketView};
use reglament_channels::imap::{self, ImapSession, ImapSettings};
use reglament_store::Backend;
use reglament_store::testing::{TempDir, TestDb};
use serde_json::{Value, json};

fn settings(user: &str) -> ImapSettings {
    ImapSettings {
        url: format!("imap://127.0.0.1:{}", dovecot::PORT),
        user: user.to_owned(),
        password: dovecot::PASSWORD.to_owned(),
        folder: "INBOX".to_owned(),
        poll: Duration::from_secs(1),
    }
}

/// A fresh mailbox of its own.
fn mailbox() -> String {
    static STARTED: std::sync::Mutex<bool> = std::sync::Mutex::new(false);
    {
        let mut started = STARTED.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if !*started {
            dovecot::ensure_running().expect("the local dovecot runs (cargo xtask dovecot)");
            *started = true;
        }
    }
    format!("box-{}", uuid::Uuid::now_v7().simple())
}

async fn session(user: &str) -> ImapSession {
    imap::connect(&settings(user)).await.expect("IMAP sign-in")
}

/// Puts a message into the mailbox with IMAP APPEND.
async fn deliver(user: &str, raw: &str) {
    let mut s = session(user).await;
    s.append("INBOX", None, None, raw.replace('\n', "\r\n").as_bytes())
        .await
        .expect("APPEND");
    s.logout().await.expect("logout");
}

/// One intake round over the mailbox; answers how many messages it took.
async fn intake(srv: &TestServer, user: &str) -> usize {
    let mut s = session(user).await;
    let n = imap::process_unseen(&srv.app, &mut s).await.expect("intake round");
    s.logout().await.expect("logout");
    n
}

async fn unseen(user: &str) -> usize {
    let mut s = session(user).await;
    let n = imap::fetch_unseen(&mut s).await.expect("fetch").len();
    s.logout().await.expect("logout");
    n
}

fn mail(from: &str, subject: &str, id: &str, extra_headers: &str, body: &str) -> String {
    format!(
        "From: Client <{from}>\nTo: support@vendor.test\nSubject: {subject}\nMessage-ID: <{id}>\n\
         Date: Wed, 11 Mar 2026 12:00:00 +0300\nMIME-Version: 1.0\n{extra_headers}\
         Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n{body}\n"
    )
}

async fn messages(srv: &TestServer, ticket: &TicketView, token: &str) -> Vec<Value> {
    let (status, body) = srv
        .get(&format!("/api/v1/tickets/{}/messages", ticket.ticket.id), token)
        .await;
    assert_eq!(status, 200, "{body}");
    body["items"].as_array().cloned().unwrap_or_default()
}

async fn outbox(srv: &TestServer, email: &str) -> Vec<reglament_store::mail::OutgoingMail> {
    let mut tx = srv.app.store.read().await.expect("tx");
    let mails = reglament_store::mail::list_for(&mut tx, email).await.expect("outbox");
    tx.commit().await.expect("commit");
    mails
}

async fn rejected(srv: &TestServer) -> Vec<RejectedMail> {
    let (status, body) = srv.get("/api/v1/mail/rejected", &srv.admin).await;
    assert_eq!(status, 200, "{body}");
    typed::<Page<RejectedMail>>(&body).items
}

// R-CH-2: a registered client's mail opens a ticket through the same intake as the portal
// (channel email, the SLA clock running, the client told the number and the promised
// time in the mail's thread); a reply by `[#number]` in the subject and a reply by
// References land on that ticket without the quoted history or the signature.
both_backends!(r_ch_2_mail_opens_a_ticket_and_replies_thread_into_it, |srv| {
    let user = mailbox();
    let customer = srv.customer("Почтовый", "basic").await;
    let (_, token) = srv.client(&customer, "ivan@client.test", json!({})).await;
    deliver(
        &user,
        &mail(
            "Ivan@Client.test",
            "Не строится отчет",
            "first@client.test",
            "",
            "Отчет за март пустой.",
        ),
    )
    .await;
    assert_eq!(intake(srv, &user).await, 1);
    assert_eq!(unseen(&user).await, 0, "processed mail is marked seen");
    let list = srv.tickets(&token).await;
    assert_eq!(list.len(), 1);
    let ticket = list[0].clone();
    assert_eq!(ticket.ticket.channel, Channel::Email);
    assert_eq!(ticket.ticket.subject, "Не строится отчет");
    assert_eq!(ticket.ticket.status, Status::Open);
    assert!(
        ticket.ticket.response_due_at.is_some(),
        "the response clock runs (R-SLA-1)"
    );
    let confirmation = outbox(srv, "ivan@client.test").await;
    let number = ticket.ticket.number;
    assert_eq!(confirmation.len(), 1);
    assert!(
        confirmation[0].subject.starts_with(&format!("[#{number}]")),
        "{}",
        confirmation[0].subject
    );
    assert!(
        confirmation[0].body.contains("Срок первого ответа"),
        "{}",
        confirmation[0].body
    );
    assert_eq!(confirmation[0].in_reply_to.as_deref(), Some("<first@client.test>"));
    assert_eq!(confirmation[0].ticket_id, Some(ticket.ticket.id.0));

    // A reply naming the number in the subject; its quote and signature are cut.
    deliver(
        &user,
        &mail(
            "ivan@client.test",
            &format!("Re: [#{number}] Не строится отчет"),
            "second@client.test",
            "",
            "Версия 5.2, браузер Chrome.\n\n-- \nИван\n",
        ),
    )
    .await;
    // A reply that only references the portal's confirmation (a client that drops the subject).
    let references = format!("In-Reply-To: <{}@reglament>\n", confirmation[0].id);
    deliver(
        &user,
        &mail(
            "ivan@client.test",
            "Еще",
            "third@client.test",
            &references,
            "Лог приложил.\n\n> цитата\n> письма",
        ),
    )
    .await;
    assert_eq!(intake(srv, &user).await, 2);
    assert_eq!(srv.tickets(&token).await.len(), 1, "replies open no ticket");
    let conversation = messages(srv, &ticket, &token).await;
    let bodies: Vec<&str> = conversation.iter().filter_map(|m| m["body"].as_str()).collect();
    assert!(bodies.contains(&"Версия 5.2, браузер Chrome."), "{bodies:?}");
    assert!(bodies.contains(&"Лог приложил."), "{bodies:?}");

    // Staff answer in the portal: the mail threads (subject number, In-Reply-To, References).
    let (status, body) = srv
        .post(
            &format!("/api/v1/tickets/{}/messages", ticket.ticket.id),
            &srv.admin,
            json!({"kind": "message", "body": "Исправлено в 5.2.1"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let answer = &outbox(srv, "ivan@client.test").await[0];
    assert!(
        answer.subject.starts_with(&format!("[#{number}]")),
        "{}",
        answer.subject
    );
    assert_eq!(answer.in_reply_to.as_deref(), Some("<first@client.test>"));
    let refs = answer.thread_references.as_deref().unwrap_or_default();
    assert!(
        refs.contains(&format!("<ticket-{}@reglament>", ticket.ticket.id)),
        "{refs}"
    );
    let rfc = reglament_channels::mail::build_message("support@vendor.test", answer, srv.app.now()).expect("builds");
    let text = String::from_utf8_lossy(&rfc.formatted()).into_owned();
    assert!(text.contains("In-Reply-To: <first@client.test>"), "{text}");
    assert!(text.contains("References: "), "{text}");
});

// R-CH-2: mail from an address nobody has is not processed and nobody is answered; it is
// kept for admins, and once the sender is registered it can be processed into a ticket.
// A disabled client is rejected the same way.
both_backends!(
    r_ch_2_unknown_senders_are_rejected_unanswered_and_processed_later,
    |srv| {
        let user = mailbox();
        let customer = srv.customer("Отказы", "basic").await;
        deliver(
            &user,
            &mail("stranger@else.test", "Помогите", "u1@else.test", "", "Кто-нибудь?"),
        )
        .await;
        assert_eq!(intake(srv, &user).await, 1);
        assert!(outbox(srv, "stranger@else.test").await.is_empty(), "nobody is answered");
        let list = rejected(srv).await;
        assert_eq!(list.len(), 1);
        assert_eq!(
            (list[0].sender.as_str(), list[0].subject.as_str(), list[0].reason),
            ("stranger@else.test", "Помогите", RejectReason::UnknownSender)
        );
        assert!(list[0].processable && !list[0].confidential);
        // A re-fetch of the same message does nothing again.
        deliver(
            &user,
            &mail("stranger@else.test", "Помогите", "u1@else.test", "", "Кто-нибудь?"),
        )
        .await;
        assert_eq!(intake(srv, &user).await, 1);
        assert_eq!(rejected(srv).await.len(), 1);
        // Clients do not see the list.
        let (_, client) = srv.client(&customer, "plain@otkaz.test", json!({})).await;
        assert_problem(&srv.get("/api/v1/mail/rejected", &client).await, 403, "forbidden");

        // The sender is registered; the admin processes the mail.
        let (_, stranger) = srv.client(&customer, "stranger@else.test", json!({})).await;
        let (status, body) = srv
            .post(
                &format!("/api/v1/mail/rejected/{}/process", list[0].id),
                &srv.admin,
                json!({}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let done: MailProcessed = typed(&body);
        assert_eq!(done.outcome, MailOutcome::TicketCreated);
        assert!(rejected(srv).await.is_empty(), "a processed mail leaves the list");
        assert_eq!(srv.tickets(&stranger).await.len(), 1);

        // A disabled client's mail is rejected too; deleting it removes it for good.
        let (gone_id, _) = srv.client(&customer, "gone@otkaz.test", json!({})).await;
        let (status, body) = srv
            .patch(
                &format!("/api/v1/users/{gone_id}"),
                &srv.admin,
                json!({"active": false}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        deliver(&user, &mail("gone@otkaz.test", "Я ушел", "gone1@otkaz.test", "", "…")).await;
        assert_eq!(intake(srv, &user).await, 1);
        let list = rejected(srv).await;
        assert_eq!(list[0].reason, RejectReason::InactiveSender);
        let (status, _) = srv
            .call(
                "DELETE",
                &format!("/api/v1/mail/rejected/{}", list[0].id),
                Some(&srv.admin),
                None,
            )
            .await;
        assert_eq!(status, 204);
        deliver(&user, &mail("gone@otkaz.test", "Я ушел", "gone1@otkaz.test", "", "…")).await;
        assert_eq!(intake(srv, &user).await, 1);
        assert!(rejected(srv).await.is_empty(), "a deleted mail does not come back");
    }
);

// R-CH-2: a windows-1251 message with an RFC 2047 subject decodes; a `[bug]` tag with a
// version line opens a bug; an attachment goes through the uploads' allow-list (an
// executable is refused and named in the ticket).
both_backends!(r_ch_2_russian_encodings_tags_and_attachments, |srv| {
    let user = mailbox();
    let customer = srv.customer("Кодировки", "basic").await;
    let (_, token) = srv.client(&customer, "olga@client.test", json!({})).await;
    // "Отчет падает" and the body in windows-1251, quoted-printable.
    let raw = "From: olga@client.test\nTo: support@vendor.test\nSubject: =?windows-1251?Q?=CE=F2=F7=E5=F2_=EF=E0=E4=E0=E5=F2?= [bug]\n\
Message-ID: <cp1251@client.test>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b\"\n\n\
--b\nContent-Type: text/plain; charset=windows-1251\nContent-Transfer-Encoding: quoted-printable\n\n\
=CE=F8=E8=E1=EA=E0 =E2 =EE=F2=F7=E5=F2=E5\nVersion: 5.2\n\
--b\nContent-Type: text/plain; name=\"log.txt\"\nContent-Disposition: attachment; filename=\"log.txt\"\n\nERROR at line 1\n\
--b\nContent-Type: application/x-msdownload; name=\"run.exe\"\nContent-Disposition: attachment; filename=\"run.exe\"\nContent-Transfer-Encoding: base64\n\nTVqQAAMAAAAEAAAA\n\
--b--\n";
    deliver(&user, raw).await;
    assert_eq!(intake(srv, &user).await, 1);
    let list = srv.tickets(&token).await;
    assert_eq!(list.len(), 1, "{:?}", rejected(srv).await);
    let t = &list[0];
    assert_eq!(t.ticket.subject, "Отчет падает");
    assert_eq!(t.ticket.category, reglament_api::Category::Bug);
    assert_eq!(t.ticket.product_version.as_deref(), Some("5.2"));
    assert!(t.ticket.body.contains("Ошибка в отчете"), "{}", t.ticket.body);
    assert!(
        t.ticket.body.contains("run.exe"),
        "the refused attachment is named: {}",
        t.ticket.body
    );
    let (status, files) = srv
        .get(&format!("/api/v1/tickets/{}/attachments", t.ticket.id), &token)
        .await;
    assert_eq!(status, 200, "{files}");
    let names: Vec<&str> = files
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|f| f["file_name"].as_str())
        .collect();
    assert_eq!(names, ["log.txt"]);

    // A bug without a version is refused: the registered client is told why, and it is kept.
    deliver(
        &user,
        &mail(
            "olga@client.test",
            "[bug] Без версии",
            "nover@client.test",
            "",
            "Падает",
        ),
    )
    .await;
    assert_eq!(intake(srv, &user).await, 1);
    let list = rejected(srv).await;
    assert_eq!(list[0].reason, RejectReason::Refused);
    assert!(list[0].detail.contains("product_version"), "{}", list[0].detail);
    assert!(
        outbox(srv, "olga@client.test").await[0]
            .subject
            .starts_with("Письмо не зарегистрировано")
    );
});

// R-CH-2: auto-replies and bounces never open tickets, so two robots cannot loop.
both_backends!(r_ch_2_auto_replies_and_bounces_are_ignored, |srv| {
    let user = mailbox();
    let customer = srv.customer("Роботы", "basic").await;
    let (_, token) = srv.client(&customer, "robot@client.test", json!({})).await;
    deliver(
        &user,
        &mail(
            "robot@client.test",
            "Я в отпуске",
            "ooo@client.test",
            "Auto-Submitted: auto-replied\n",
            "До понедельника",
        ),
    )
    .await;
    deliver(
        &user,
        &mail(
            "MAILER-DAEMON@client.test",
            "Undelivered Mail",
            "bounce@client.test",
            "",
            "No such user",
        ),
    )
    .await;
    assert_eq!(intake(srv, &user).await, 2);
    assert!(srv.tickets(&token).await.is_empty());
    assert!(rejected(srv).await.is_empty(), "robots are not even listed");
    assert!(outbox(srv, "robot@client.test").await.is_empty(), "and never answered");
});

// R-CH-2: nothing is lost and nothing is doubled. The intake dies after fetching a message
// and before committing it: the message is still unseen and the next round processes it.
// The intake dies after committing and before marking it seen: the next round finds its
// receipt and creates nothing twice.
both_backends!(r_ch_2_a_crash_between_fetch_and_commit_processes_once, |srv| {
    let user = mailbox();
    let customer = srv.customer("Сбой", "basic").await;
    let (_, token) = srv.client(&customer, "crash@client.test", json!({})).await;
    deliver(
        &user,
        &mail("crash@client.test", "Один раз", "once@client.test", "", "Текст"),
    )
    .await;
    // Fetched, then the process is gone before anything was written.
    {
        let mut s = session(&user).await;
        assert_eq!(imap::fetch_unseen(&mut s).await.expect("fetch").len(), 1);
        drop(s);
    }
    assert_eq!(unseen(&user).await, 1, "not marked: it comes again");
    // Committed, then the process is gone before the message was marked seen.
    {
        let mut s = session(&user).await;
        let (_, raw) = imap::fetch_unseen(&mut s).await.expect("fetch").remove(0);
        let parsed = reglament_service::channels::mail_in::parse(&raw).expect("parses");
        let done = srv.app.channels().receive_mail(parsed).await.expect("processed");
        assert_eq!(done.outcome, MailOutcome::TicketCreated);
        drop(s);
    }
    assert_eq!(unseen(&user).await, 1);
    // The restarted intake: the message is processed once in all.
    assert_eq!(intake(srv, &user).await, 1);
    assert_eq!(unseen(&user).await, 0);
    assert_eq!(srv.tickets(&token).await.len(), 1);
});

// R-CONF-1: mail to the private address is confidential: its text is kept as a
// confidential attachment, which is purged 30 days after receipt; the ticket remains.
both_backends!(r_conf_1_mail_to_the_private_address_is_purged_after_30_days, |srv| {
    let user = mailbox();
    let customer = srv.customer("Секреты", "basic").await;
    let (_, token) = srv.client(&customer, "secret@client.test", json!({})).await;
    let raw = mail(
        "secret@client.test",
        "Пароль от стенда",
        "secret1@client.test",
        "Cc: Private <PRIVATE@vendor.test>\n",
        "Пароль: hunter2",
    );
    deliver(&user, &raw).await;
    assert_eq!(intake(srv, &user).await, 1);
    let t = srv.tickets(&token).await.remove(0);
    assert!(!t.ticket.body.contains("hunter2"), "{}", t.ticket.body);
    let (_, files) = srv
        .get(&format!("/api/v1/tickets/{}/attachments", t.ticket.id), &token)
        .await;
    let file = &files.as_array().expect("list")[0];
    assert_eq!(file["confidential"], json!(true), "{files}");
    let (status, text) = srv
        .call(
            "GET",
            &format!("/api/v1/attachments/{}", file["id"].as_str().expect("id")),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert!(text.as_str().is_some_and(|t| t.contains("hunter2")), "{text}");
    srv.clock.set(srv.app.now() + chrono::TimeDelta::days(31));
    srv.app.jobs().run_once().await.expect("jobs");
    let token = srv.login("secret@client.test", common::CLIENT_PASSWORD).await;
    let (status, _) = srv
        .call(
            "GET",
            &format!("/api/v1/attachments/{}", file["id"].as_str().expect("id")),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, 410, "purged");
});

/// Every message in the mailbox, seen or not, with whether it is flagged `\Deleted`.
async fn in_mailbox(user: &str) -> Vec<(u32, bool)> {
    let mut s = session(user).await;
    let all: std::collections::HashSet<u32> = s.uid_search("ALL").await.expect("search");
    let deleted: std::collections::HashSet<u32> = s.uid_search("DELETED").await.expect("search");
    s.logout().await.expect("logout");
    let mut out: Vec<(u32, bool)> = all.into_iter().map(|u| (u, deleted.contains(&u))).collect();
    out.sort_unstable();
    out
}

// R-CON-6: confidential mail is removed from the support mailbox once processed, and
// never before the portal's copy is committed. The intake dies after fetching and before
// committing: the message is still there. It dies after committing and before removing:
// still there, and the next round (its receipt found) removes it. An ordinary message is
// only marked seen. Without UIDPLUS only that message is expunged: another client's
// `\Deleted` message stays as it was.
both_backends!(r_con_6_confidential_mail_leaves_the_mailbox_after_the_commit, |srv| {
    let user = mailbox();
    let customer = srv.customer("Тайна", "basic").await;
    let (_, token) = srv.client(&customer, "secret@tight.test", json!({})).await;
    let confidential = mail(
        "secret@tight.test",
        "Доступ к стенду",
        "tight1@client.test",
        "Cc: Private <PRIVATE@vendor.test>\n",
        "Пароль: hunter2",
    );
    deliver(&user, &confidential).await;
    deliver(
        &user,
        &mail("secret@tight.test", "Обычный вопрос", "plain1@client.test", "", "Текст"),
    )
    .await;
    // Fetched, then gone before anything was committed: both are still in the mailbox.
    {
        let mut s = session(&user).await;
        assert_eq!(imap::fetch_unseen(&mut s).await.expect("fetch").len(), 2);
        drop(s);
    }
    assert_eq!(in_mailbox(&user).await.len(), 2);
    // The confidential one committed, then gone before it was removed: still there.
    {
        let mut s = session(&user).await;
        let (_, raw) = imap::fetch_unseen(&mut s).await.expect("fetch").remove(0);
        let parsed = reglament_service::channels::mail_in::parse(&raw).expect("parses");
        assert!(srv.app.channels().is_to_private_address(&parsed));
        let done = srv.app.channels().receive_mail(parsed).await.expect("processed");
        assert_eq!(done.outcome, MailOutcome::TicketCreated);
        drop(s);
    }
    let before = in_mailbox(&user).await;
    assert_eq!(before.len(), 2, "never removed before a round that committed it");
    // The restarted intake: the confidential message goes, the ordinary one is seen.
    assert_eq!(intake(srv, &user).await, 2);
    let after = in_mailbox(&user).await;
    assert_eq!(after, vec![(before[1].0, false)], "only the ordinary message is left");
    assert_eq!(unseen(&user).await, 0);
    let tickets = srv.tickets(&token).await;
    assert_eq!(tickets.len(), 2, "each processed once");
    // Without UIDPLUS: another client's \Deleted message is not expunged with ours.
    deliver(&user, &mail("secret@tight.test", "Чужой", "other@client.test", "", "x")).await;
    deliver(&user, &mail("secret@tight.test", "Наш", "ours@client.test", "", "y")).await;
    let uids: Vec<u32> = in_mailbox(&user).await.into_iter().map(|(u, _)| u).collect();
    let (theirs, ours) = (uids[1], uids[2]);
    let mut s = session(&user).await;
    let _: Vec<_> = s
        .uid_store(theirs.to_string(), "+FLAGS (\\Deleted)")
        .await
        .expect("store")
        .try_collect()
        .await
        .expect("stored");
    imap::remove_with(&mut s, ours, false).await.expect("removed");
    s.logout().await.expect("logout");
    assert_eq!(
        in_mailbox(&user).await,
        vec![(uids[0], false), (theirs, true)],
        "ours expunged, theirs still flagged and present"
    );
});

// R-CH-2 end to end: the server started with REGLAMENT_IMAP_* reads the mailbox by itself
// (IDLE on dovecot) and the ticket appears.
both_backends!(r_ch_2_the_configured_server_reads_its_mailbox, |srv| {
    let user = mailbox();
    let customer = srv.customer("Сам", "basic").await;
    let (_, token) = srv.client(&customer, "self@client.test", json!({})).await;
    tokio::spawn(imap::run_intake_loop(srv.app.clone(), settings(&user)));
    deliver(
        &user,
        &mail("self@client.test", "Сам прочитал", "self1@client.test", "", "Текст"),
    )
    .await;
    for _ in 0..100 {
        if !srv.tickets(&token).await.is_empty() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the intake loop did not open the ticket within 10 s");
});

// R-CH-2: mail about a ticket goes to its participants: the author and the author's team
// when the author has one; when the author is gone, the customer's key contacts. A
// confidential rejected mail loses its content 30 days after receipt (R-CONF-1).
both_backends!(r_ch_2_mail_goes_to_the_participants, |srv| {
    let customer = srv.customer("Участники", "premium").await;
    let team = srv.team(&customer, "Команда").await;
    let (author_id, author) = srv
        .client(&customer, "author@part.test", json!({"team_id": team["id"]}))
        .await;
    srv.client(&customer, "mate@part.test", json!({"team_id": team["id"]}))
        .await;
    srv.client(&customer, "outsider@part.test", json!({})).await;
    srv.client(&customer, "key@part.test", json!({"is_key_contact": true}))
        .await;
    let (status, body) = srv
        .post(
            "/api/v1/tickets",
            &author,
            json!({"category": "consultation", "subject": "Командный", "body": "Вопрос"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let ticket = body["id"].as_str().expect("id").to_owned();
    let answer = |text: &'static str| {
        let ticket = ticket.clone();
        async move {
            let (status, body) = srv
                .post(
                    &format!("/api/v1/tickets/{ticket}/messages"),
                    &srv.admin,
                    json!({"kind": "message", "body": text}),
                )
                .await;
            assert_eq!(status, 201, "{body}");
        }
    };
    answer("Первый ответ").await;
    let told = |email: &'static str| async move {
        outbox(srv, email)
            .await
            .iter()
            .filter(|m| m.subject.contains("Командный") || m.body.contains("Командный"))
            .count()
    };
    assert_eq!((told("author@part.test").await, told("mate@part.test").await), (1, 1));
    assert_eq!((told("outsider@part.test").await, told("key@part.test").await), (0, 0));
    // The author leaves: the key contact is told, the team still is.
    let (status, body) = srv
        .patch(
            &format!("/api/v1/users/{author_id}"),
            &srv.admin,
            json!({"active": false}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    answer("Второй ответ").await;
    assert_eq!(
        (
            told("author@part.test").await,
            told("mate@part.test").await,
            told("key@part.test").await
        ),
        (1, 2, 1)
    );

    // A confidential mail from an unknown sender: listed, then its content purged.
    let user = mailbox();
    deliver(
        &user,
        &mail(
            "nobody@else.test",
            "Секрет",
            "conf1@else.test",
            "To: private@vendor.test\n",
            "Пароль",
        ),
    )
    .await;
    assert_eq!(intake(srv, &user).await, 1);
    let list = rejected(srv).await;
    assert!(list[0].confidential && list[0].processable);
    srv.clock.set(srv.app.now() + chrono::TimeDelta::days(31));
    assert_eq!(srv.app.jobs().run_once().await.expect("jobs").rejected_mail_purged, 1);
    let admin = srv.login(common::ADMIN_EMAIL, common::ADMIN_PASSWORD).await;
    let (status, body) = srv.get("/api/v1/mail/rejected", &admin).await;
    assert_eq!(status, 200, "{body}");
    let list: Page<RejectedMail> = typed(&body);
    assert!(!list.items[0].processable, "its content is gone, its entry stays");
    assert_problem(
        &srv.post(
            &format!("/api/v1/mail/rejected/{}/process", list.items[0].id),
            &admin,
            json!({}),
        )
        .await,
        422,
        "mail_not_processable",
    );
});

// R-NTF-7: staff answer by mail. An active staff address writing to the support mailbox
// with `[#N]` in the subject, or in reply to a ticket's mail, posts a public staff message
// that answers the running cycle and is mailed to the client; staff mail naming no ticket
// that exists goes to the rejected list as `unknown_ticket` with the reason.
both_backends!(r_ntf_7_a_staff_reply_by_mail_answers_the_cycle, |srv| {
    let user = mailbox();
    let customer = srv.customer("Ответ почтой", "basic").await;
    let (_, client) = srv.client(&customer, "asker@client.test", json!({})).await;
    let (status, agent) = srv
        .post(
            "/api/v1/staff",
            &srv.admin,
            json!({"email": "agent@vendor.test", "full_name": "Агент Почтовый", "role": "agent", "password": "staff-password-123"}),
        )
        .await;
    assert_eq!(status, 201, "{agent}");
    let id = srv.consultation(&client, "Как настроить отчет").await;
    let (_, view) = srv.get(&format!("/api/v1/tickets/{id}"), &client).await;
    let view: TicketView = typed(&view);
    assert!(view.ticket.awaiting_response);
    let number = view.ticket.number;

    // By the subject's [#N], with the quoted notification cut off.
    deliver(
        &user,
        &mail(
            "Agent@Vendor.test",
            &format!("Re: [#{number}] Новое обращение"),
            "staff-1@vendor.test",
            "",
            "Откройте Настройки > Отчеты.\n\n> Обращение №1 «Как настроить отчет».",
        ),
    )
    .await;
    assert_eq!(intake(srv, &user).await, 1);
    let staff_token = srv.login("agent@vendor.test", "staff-password-123").await;
    let (_, now) = srv.get(&format!("/api/v1/tickets/{id}"), &client).await;
    let now: TicketView = typed(&now);
    assert!(!now.ticket.awaiting_response, "the staff mail answered the cycle");
    let conversation = messages(srv, &view, &staff_token).await;
    let answer = conversation.last().expect("the answer");
    assert_eq!(answer["body"], json!("Откройте Настройки > Отчеты."));
    assert_eq!(answer["author_id"], agent["id"]);
    assert_eq!(answer["internal"], json!(false));
    // The client sees it and is mailed it, as if written in the portal.
    assert_eq!(messages(srv, &view, &client).await.len(), conversation.len());
    assert!(
        outbox(srv, "asker@client.test")
            .await
            .iter()
            .any(|m| m.body.contains("Откройте Настройки")),
        "the client is mailed the answer"
    );

    // By In-Reply-To of the notification mailed to the agent about the client's next message.
    let (status, body) = srv
        .post(
            &format!("/api/v1/tickets/{id}/messages"),
            &client,
            json!({"body": "Не нашел"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    srv.app.notifications().deliver_once().await.expect("notification mail");
    srv.clock.set(srv.app.now() + chrono::TimeDelta::minutes(2));
    srv.app.notifications().deliver_once().await.expect("notification mail");
    let told = outbox(srv, "agent@vendor.test").await;
    let about = told
        .iter()
        .find(|m| m.subject.contains("Клиент написал"))
        .expect("the agent is mailed the client's message");
    assert!(about.subject.contains(&format!("[#{number}]")), "{}", about.subject);
    deliver(
        &user,
        &mail(
            "agent@vendor.test",
            "Re: ответ",
            "staff-2@vendor.test",
            &format!("In-Reply-To: <{}@reglament>\n", about.id),
            "Меню слева, второй пункт.",
        ),
    )
    .await;
    assert_eq!(intake(srv, &user).await, 1);
    let staff_token = srv.login("agent@vendor.test", "staff-password-123").await;
    let conversation = messages(srv, &view, &staff_token).await;
    assert_eq!(
        conversation.last().expect("answer")["body"],
        json!("Меню слева, второй пункт.")
    );

    // A ticket that does not exist, and no ticket at all: rejected with the reason.
    deliver(
        &user,
        &mail(
            "agent@vendor.test",
            "Re: [#999999] ?",
            "staff-3@vendor.test",
            "",
            "Ответ",
        ),
    )
    .await;
    deliver(
        &user,
        &mail(
            "agent@vendor.test",
            "Просто письмо",
            "staff-4@vendor.test",
            "",
            "Привет",
        ),
    )
    .await;
    assert_eq!(intake(srv, &user).await, 2);
    let list = rejected(srv).await;
    let unknown: Vec<&RejectedMail> = list
        .iter()
        .filter(|r| r.reason == RejectReason::UnknownTicket)
        .collect();
    assert_eq!(unknown.len(), 2, "{list:?}");
    assert!(unknown.iter().any(|r| r.detail.contains("№999999")), "{unknown:?}");
});

// Issue 22, R-CH-2: a mailbox that answers every mail without saying it is automatic
// cannot make a loop: after 20 mails to a sender within an hour, their next mails still
// become tickets but get no automatic registration answer.
both_backends!(a_sender_mailed_too_often_gets_no_automatic_answer, |srv| {
    let customer = srv.customer("Автоответчик", "premium").await;
    let (_, token) = srv.client(&customer, "robot@loop.test", json!({})).await;
    let before = outbox(srv, "robot@loop.test").await.len();
    for i in 0..25 {
        let raw = mail(
            "robot@loop.test",
            &format!("Я в отпуске {i}"),
            &format!("loop-{i}@robot.test"),
            "",
            "Вернусь в понедельник",
        );
        let parsed = reglament_service::channels::mail_in::parse(raw.as_bytes()).expect("parses");
        let done = srv.app.channels().receive_mail(parsed).await.expect("processed");
        assert_eq!(done.outcome, MailOutcome::TicketCreated, "mail {i}");
    }
    assert_eq!(srv.tickets(&token).await.len(), 25, "every mail is a ticket");
    let answers = outbox(srv, "robot@loop.test").await.len() - before;
    assert_eq!(
        i64::try_from(answers + before).expect("count"),
        reglament_service::channels::outbox::REPLIES_PER_HOUR,
        "answers stop at the hourly limit"
    );
});

// ---------------------------------------------------------------- a real crash (R-CON-6)
// The server process reads a dovecot mailbox; it is killed with SIGKILL after it committed
// a confidential mail and before it removed the mail from the mailbox (held there by fault
// injection). The mail is still in the mailbox; the server started again removes it, and
// the ticket exists once. On both backends.

const CRASH_ADMIN: &str = "admin@crash.test";
const CRASH_PASSWORD: &str = "crash-admin-password-1";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// The server process, killed with SIGKILL when dropped.
struct Server(Child);

impl Server {
    fn start(dir: &Path, port: u16, env: &[(&str, String)]) -> Self {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("server.log"))
            .expect("log");
        let child = Command::new(env!("CARGO_BIN_EXE_reglament"))
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .env("REGLAMENT_LISTEN", format!("127.0.0.1:{port}"))
            .env("REGLAMENT_DATA_DIR", dir)
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("the server starts");
        Self(child)
    }

    fn kill9(mut self) {
        self.0.kill().expect("SIGKILL");
        let _ = self.0.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn call(http: &reqwest::Client, base: &str, method: &str, path: &str, token: Option<&str>, body: Value) -> Value {
    let mut req = http.request(method.parse().expect("method"), format!("{base}/api/v1{path}"));
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    if method != "GET" {
        req = req.json(&body);
    }
    let res = req.send().await.expect("sent");
    assert!(res.status().is_success(), "{method} {path}: {}", res.status());
    res.json().await.unwrap_or(Value::Null)
}

async fn sign_in(http: &reqwest::Client, base: &str) -> String {
    let login = call(
        http,
        base,
        "POST",
        "/auth/login",
        None,
        json!({"email": CRASH_ADMIN, "password": CRASH_PASSWORD}),
    )
    .await;
    login["access_token"].as_str().expect("token").to_owned()
}

async fn until<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    while !check().await {
        assert!(started.elapsed() < Duration::from_secs(60), "never: {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn crash_between_commit_and_removal(backend: Backend) {
    let db = TestDb::new(backend, chrono::Utc::now()).await;
    let dir = TempDir::new();
    let user = mailbox();
    let env: Vec<(&str, String)> = vec![
        ("REGLAMENT_DATABASE_URL", db.url.clone()),
        ("REGLAMENT_ADMIN_EMAIL", CRASH_ADMIN.to_owned()),
        ("REGLAMENT_ADMIN_PASSWORD", CRASH_PASSWORD.to_owned()),
        ("REGLAMENT_WEB_ROOT", "/nonexistent".to_owned()),
        ("REGLAMENT_IMAP_URL", format!("imap://127.0.0.1:{}", dovecot::PORT)),
        ("REGLAMENT_IMAP_USER", user.clone()),
        ("REGLAMENT_IMAP_PASSWORD", dovecot::PASSWORD.to_owned()),
        ("REGLAMENT_IMAP_POLL_SECS", "1".to_owned()),
        ("REGLAMENT_PRIVATE_ADDRESS", "private@vendor.test".to_owned()),
    ];
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let mut held = env.clone();
    held.push(("REGLAMENT_FAULT_HOLD_BEFORE_REMOVAL_MS", "600000".to_owned()));
    let server = Server::start(dir.path(), port, &held);
    until("the server is ready", || async {
        http.get(format!("{base}/api/v1/health/ready"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
    })
    .await;
    let admin = sign_in(&http, &base).await;
    let customer = call(
        &http,
        &base,
        "POST",
        "/customers",
        Some(&admin),
        json!({"name": "Сбой"}),
    )
    .await;
    let customer = customer["id"].as_str().expect("id").to_owned();
    let year = chrono::Utc::now().format("%Y").to_string();
    call(
        &http,
        &base,
        "POST",
        &format!("/customers/{customer}/contracts"),
        Some(&admin),
        json!({"tier_code": "basic", "number": "Д-С", "starts_on": format!("{year}-01-01"), "ends_on": format!("{year}-12-31")}),
    )
    .await;
    call(
        &http,
        &base,
        "POST",
        &format!("/customers/{customer}/clients"),
        Some(&admin),
        json!({"email": "sender@crash.test", "full_name": "Отправитель", "password": "client-password-1"}),
    )
    .await;
    let raw = "From: sender@crash.test\r\nTo: support@vendor.test\r\nCc: private@vendor.test\r\n\
               Subject: Пароль от стенда\r\nMessage-ID: <crash1@crash.test>\r\n\
               Content-Type: text/plain; charset=utf-8\r\n\r\nПароль: hunter2\r\n";
    deliver(&user, &raw.replace("\r\n", "\n")).await;
    let tickets = |token: String| {
        let (http, base, customer) = (http.clone(), base.clone(), customer.clone());
        async move {
            call(
                &http,
                &base,
                "GET",
                &format!("/tickets?customer_id={customer}"),
                Some(&token),
                json!({}),
            )
            .await["total"]
                .as_i64()
                .unwrap_or_default()
        }
    };
    // Committed: the ticket is there, the intake holds before the removal.
    until("the portal's copy is committed", || async {
        tickets(admin.clone()).await == 1
    })
    .await;
    let log = dir.path().join("server.log");
    until("the intake holds before the removal", || async {
        std::fs::read_to_string(&log).is_ok_and(|l| l.contains("fault injection: holding"))
    })
    .await;
    server.kill9();
    assert_eq!(
        in_mailbox(&user).await.len(),
        1,
        "{backend:?}: never removed before a finished round"
    );
    // Started again without the hold: the next round finds the receipt and removes it.
    let server = Server::start(dir.path(), port, &env);
    until("the mail leaves the mailbox", || async {
        in_mailbox(&user).await.is_empty()
    })
    .await;
    let admin = sign_in(&http, &base).await;
    assert_eq!(tickets(admin).await, 1, "{backend:?}: processed once");
    drop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_con_6_a_kill_between_commit_and_removal_leaves_the_mail_then_removes_it_sqlite() {
    crash_between_commit_and_removal(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_con_6_a_kill_between_commit_and_removal_leaves_the_mail_then_removes_it_postgres() {
    if reglament_store::testing::postgres_available().await {
        crash_between_commit_and_removal(Backend::Postgres).await;
    }
}
