//! R-OPS-1..3 end to end, as an operator runs it: three processes of the built server on one
//! PostgreSQL database behind HAProxy (Debian's package), the mailbox (dovecot) and the
//! Telegram bot (a local fake of the Bot API) configured on all three. Sixteen clients drive
//! mixed traffic through HAProxy while the instance that leads the single-reader loops is
//! killed with SIGKILL and started again, and another is stopped with SIGTERM. Then every
//! acknowledged ticket, message and file must be there through every instance, no instance
//! may have answered 500, the loops must have moved (and never had two readers), mail and
//! webhooks must have gone once, and a session ended on one instance must be refused by the
//! others within a second.
//!
//! Run by `cargo xtask cluster` (part of `cargo xtask test`), which installs HAProxy:
//! `cargo test -p reglament-server --test cluster -- --ignored --nocapture`.
//! `REGLAMENT_CLUSTER_SECS` sets the traffic's length (default 60).

mod common;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{App as Web, HttpRequest, HttpResponse, HttpServer, web};
use common::fake_telegram::{TOKEN, fake_bot_api};
use reglament_api::Health;
use reglament_store::testing::{TempDir, TestDb};
use serde_json::{Value, json};

const ADMIN: &str = "admin@cluster.test";
const PASSWORD: &str = "cluster-password-123";
const CLIENTS: usize = 16;
const LEASE_TTL_SECS: u64 = 4;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// One server process: its port, its own data directory, its log.
struct Instance {
    name: String,
    port: u16,
    dir: PathBuf,
    env: Vec<(String, String)>,
    child: Option<Child>,
}

impl Instance {
    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn start(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("server.log"))
            .expect("log");
        let child = Command::new(env!("CARGO_BIN_EXE_reglament"))
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env("REGLAMENT_LISTEN", format!("127.0.0.1:{}", self.port))
            .env("REGLAMENT_DATA_DIR", &self.dir)
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("the server starts");
        self.child = Some(child);
    }

    fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().expect("SIGKILL");
            let _ = child.wait();
        }
    }

    /// SIGTERM; answers the exit code and how long the stop took.
    fn terminate(&mut self) -> (Option<i32>, Duration) {
        let mut child = self.child.take().expect("running");
        let started = Instant::now();
        let pid = child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status().expect("kill");
        assert!(sent.success());
        loop {
            if let Some(status) = child.try_wait().expect("wait") {
                return (status.code(), started.elapsed());
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "{} did not stop",
                self.name
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.kill9();
    }
}

async fn wait_ready(http: &reqwest::Client, base: &str, what: &str) {
    let started = Instant::now();
    loop {
        if let Ok(res) = http.get(format!("{base}/api/v1/health/ready")).send().await
            && res.status().is_success()
        {
            return;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "{what} never became ready");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn health(http: &reqwest::Client, base: &str) -> Option<Health> {
    http.get(format!("{base}/api/v1/health"))
        .send()
        .await
        .ok()?
        .json()
        .await
        .ok()
}

/// The instance (by index) holding `lease`, as the running instances say.
async fn leader(http: &reqwest::Client, instances: &[Instance], lease: &str) -> Option<usize> {
    for (i, instance) in instances.iter().enumerate() {
        if instance.child.is_none() {
            continue;
        }
        if let Some(h) = health(http, &instance.base()).await
            && h.leaders.iter().any(|l| l.name == lease && l.here)
        {
            return Some(i);
        }
    }
    None
}

/// Waits until a running instance other than `not` leads `lease`; answers it and the wait.
async fn new_leader(http: &reqwest::Client, instances: &[Instance], lease: &str, not: usize) -> (usize, Duration) {
    let started = Instant::now();
    loop {
        if let Some(i) = leader(http, instances, lease).await
            && i != not
        {
            return (i, started.elapsed());
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{lease}: no instance took over within 30 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn haproxy_config(port: u16, servers: &[u16]) -> String {
    let mut cfg = format!(
        "global\n    maxconn 512\n\ndefaults\n    mode http\n    timeout connect 2s\n    timeout client 30s\n    \
         timeout server 30s\n    retries 2\n    option redispatch\n\nfrontend web\n    bind 127.0.0.1:{port}\n    \
         default_backend reglament\n\nbackend reglament\n    balance roundrobin\n    \
         option httpchk GET /api/v1/health/ready\n    http-check expect status 200\n    \
         default-server check inter 500ms fall 1 rise 2\n"
    );
    for (i, server) in servers.iter().enumerate() {
        cfg.push_str(&format!("    server app{i} 127.0.0.1:{server}\n"));
    }
    cfg
}

/// What the clients were told was done, to find afterwards.
#[derive(Default)]
struct Acked {
    /// ticket → its owner's index.
    tickets: HashMap<String, usize>,
    /// (ticket, message).
    messages: Vec<(String, String)>,
    /// (ticket, attachment, bytes).
    files: Vec<(String, String, Vec<u8>)>,
}

#[derive(Default)]
struct Tally {
    served: usize,
    errors: BTreeMap<String, usize>,
    /// When each 5xx was answered (0: the connection failed).
    server_errors: Vec<(Instant, u16)>,
}

/// One client's traffic until `until`.
async fn drive(
    base: String,
    token: String,
    who: usize,
    until: Instant,
    acked: Arc<Mutex<Acked>>,
    tally: Arc<Mutex<Tally>>,
) {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .expect("client");
    let mut mine: Vec<String> = Vec::new();
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let mut round = 0_usize;
    while Instant::now() < until {
        round += 1;
        let op = if mine.is_empty() { 0 } else { round % 5 };
        let ticket = mine.get(round % mine.len().max(1)).cloned().unwrap_or_default();
        let body = format!("client {who}, round {round}").into_bytes();
        let request = match op {
            0 => http.post(format!("{base}/api/v1/tickets")).json(
                &json!({"category": "consultation", "subject": format!("Вопрос {who}-{round}"),
                    "body": "Как настроить отчет?"}),
            ),
            1 => http
                .post(format!("{base}/api/v1/tickets/{ticket}/messages"))
                .json(&json!({"kind": "message", "body": format!("Дополнение {round}")})),
            2 => http
                .post(format!(
                    "{base}/api/v1/tickets/{ticket}/attachments?name=log-{round}.txt"
                ))
                .header("content-type", "text/plain")
                .body(body.clone()),
            3 if !files.is_empty() => {
                let id = &files[round % files.len()].0;
                http.get(format!("{base}/api/v1/attachments/{id}"))
            }
            _ => http.get(format!("{base}/api/v1/tickets?limit=20")),
        };
        let sent = request.bearer_auth(&token).send().await;
        let res = match sent {
            Ok(res) => res,
            Err(err) => {
                let kind = if err.is_timeout() { "timeout" } else { "connection" };
                let mut t = tally.lock().expect("lock");
                *t.errors.entry(kind.to_owned()).or_default() += 1;
                t.server_errors.push((Instant::now(), 0));
                continue;
            }
        };
        let status = res.status().as_u16();
        if status >= 400 {
            let mut t = tally.lock().expect("lock");
            *t.errors.entry(format!("http {status}")).or_default() += 1;
            if status >= 500 {
                t.server_errors.push((Instant::now(), status));
            }
            continue;
        }
        let downloaded = op == 3 && !files.is_empty();
        let bytes = res.bytes().await.unwrap_or_default();
        let answer: Value = if downloaded {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or(Value::Null)
        };
        tally.lock().expect("lock").served += 1;
        let mut a = acked.lock().expect("lock");
        match op {
            0 => {
                let id = answer["ticket"]["id"]
                    .as_str()
                    .or(answer["id"].as_str())
                    .expect("ticket id")
                    .to_owned();
                a.tickets.insert(id.clone(), who);
                mine.push(id);
            }
            1 => a.messages.push((
                ticket.clone(),
                answer["message"]["id"].as_str().expect("message id").to_owned(),
            )),
            2 => {
                let id = answer["id"].as_str().expect("attachment id").to_owned();
                files.push((id.clone(), body.clone()));
                a.files.push((ticket.clone(), id, body));
            }
            3 if downloaded => {
                let expected = &files[round % files.len()].1;
                assert!(
                    bytes.as_ref() == expected.as_slice(),
                    "a download differs from its upload"
                );
            }
            _ => {}
        }
    }
}

/// Webhook deliveries received: (`webhook-id`, the ticket named, when).
type Deliveries = Arc<Mutex<Vec<(String, String, Instant)>>>;

/// The webhook receiver: every delivery's `webhook-id`, the ticket it names and when it came.
async fn receiver() -> (Deliveries, String) {
    let got: Deliveries = Arc::default();
    let data = web::Data::new(got.clone());
    let server = HttpServer::new(move || {
        Web::new().app_data(data.clone()).route(
            "/hook",
            web::post().to(
                |got: web::Data<Deliveries>, req: HttpRequest, body: web::Json<Value>| async move {
                    let id = req
                        .headers()
                        .get("webhook-id")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_owned();
                    let ticket = body["data"]["ticket_id"]
                        .as_str()
                        .or(body["data"]["ticket"]["id"].as_str())
                        .unwrap_or_default()
                        .to_owned();
                    got.lock().expect("lock").push((id, ticket, Instant::now()));
                    HttpResponse::Ok().finish()
                },
            ),
        )
    })
    .workers(1)
    .bind("127.0.0.1:0")
    .expect("bind");
    let port = server.addrs()[0].port();
    tokio::spawn(server.run());
    (got, format!("http://127.0.0.1:{port}/hook"))
}

fn mail_files(dirs: &[&Path]) -> Vec<String> {
    let mut names = Vec::new();
    for dir in dirs {
        if let Ok(entries) = std::fs::read_dir(dir.join("mail")) {
            names.extend(
                entries
                    .filter_map(Result::ok)
                    .map(|e| e.file_name().to_string_lossy().into_owned()),
            );
        }
    }
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "starts three servers and HAProxy: run by `cargo xtask cluster`"]
async fn r_ops_three_instances_behind_haproxy_behave_as_one() {
    let seconds: u64 = std::env::var("REGLAMENT_CLUSTER_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    assert!(
        reglament_store::testing::postgres_available().await,
        "the cluster test needs PostgreSQL at 127.0.0.1:5432"
    );
    let haproxy = which("haproxy").expect("HAProxy is not installed: `cargo xtask cluster` installs Debian's package");
    let db = TestDb::new(reglament_store::Backend::Postgres, chrono::Utc::now()).await;
    let (fake, bot_url) = fake_bot_api();
    let (hooks, hook_url) = receiver().await;
    let root = TempDir::new();
    let mailbox = format!("cluster{}", std::process::id());
    let env: Vec<(String, String)> = [
        ("REGLAMENT_DATABASE_URL", db.url.as_str()),
        ("REGLAMENT_JWT_SECRET", "one-secret-for-every-instance-0123456789"),
        ("REGLAMENT_PUBLIC_URL", "http://portal.cluster.test"),
        ("REGLAMENT_ADMIN_EMAIL", ADMIN),
        ("REGLAMENT_ADMIN_PASSWORD", PASSWORD),
        ("REGLAMENT_WEB_ROOT", "/nonexistent"),
        ("REGLAMENT_DB_MAX_CONNECTIONS", "10"),
        ("REGLAMENT_WORKERS", "2"),
        ("REGLAMENT_JOB_INTERVAL_SECS", "2"),
        ("REGLAMENT_WEBHOOK_INTERVAL_SECS", "1"),
        ("REGLAMENT_LEASE_TTL_SECS", &LEASE_TTL_SECS.to_string()),
        ("REGLAMENT_TELEGRAM_TOKEN", TOKEN),
        ("REGLAMENT_TELEGRAM_API_URL", &bot_url),
        ("REGLAMENT_IMAP_URL", "imap://127.0.0.1:10143"),
        ("REGLAMENT_IMAP_USER", &mailbox),
        ("REGLAMENT_IMAP_PASSWORD", "reglament-mail"),
        ("REGLAMENT_IMAP_POLL_SECS", "1"),
        ("REGLAMENT_LOG", "info,sqlx=warn,actix_server=warn"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    let mut instances: Vec<Instance> = (0..3)
        .map(|i| {
            let dir = root.path().join(format!("instance-{i}"));
            std::fs::create_dir_all(&dir).expect("dir");
            Instance {
                name: format!("instance {i}"),
                port: free_port(),
                dir,
                env: env.clone(),
                child: None,
            }
        })
        .collect();
    let http = reqwest::Client::new();
    // The first creates the admin; then the others.
    instances[0].start();
    wait_ready(&http, &instances[0].base(), "instance 0").await;
    for instance in &mut instances[1..] {
        instance.start();
    }
    for instance in &instances {
        wait_ready(&http, &instance.base(), &instance.name).await;
    }
    let lb_port = free_port();
    let cfg = root.path().join("haproxy.cfg");
    let ports: Vec<u16> = instances.iter().map(|i| i.port).collect();
    std::fs::write(&cfg, haproxy_config(lb_port, &ports)).expect("haproxy.cfg");
    let mut lb = Command::new(&haproxy)
        .args(["-db", "-f"])
        .arg(&cfg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("HAProxy starts");
    let base = format!("http://127.0.0.1:{lb_port}");
    wait_ready(&http, &base, "HAProxy").await;

    // The customer, its 16 clients, a webhook for every new ticket.
    let admin = login(&http, &base, ADMIN, PASSWORD).await;
    let customer = ok(&http, &base, &admin, "/api/v1/customers", json!({"name": "Кластер"})).await;
    let customer = customer["id"].as_str().expect("customer").to_owned();
    ok(
        &http,
        &base,
        &admin,
        &format!("/api/v1/customers/{customer}/contracts"),
        json!({"tier_code": "premium_plus", "number": "Д-кластер", "starts_on": "2026-01-01", "ends_on": "2027-12-31"}),
    )
    .await;
    ok(
        &http,
        &base,
        &admin,
        "/api/v1/webhooks",
        json!({"url": hook_url, "events": ["ticket.created"]}),
    )
    .await;
    let mut tokens = Vec::new();
    for i in 0..CLIENTS {
        let email = format!("c{i}@cluster.test");
        ok(
            &http,
            &base,
            &admin,
            &format!("/api/v1/customers/{customer}/clients"),
            json!({"email": email, "full_name": format!("Клиент {i}"), "password": PASSWORD, "is_key_contact": i == 0}),
        )
        .await;
        tokens.push(login(&http, &base, &email, PASSWORD).await);
    }

    // Traffic; the leader of the loops is killed a third of the way in and restarted at
    // two thirds.
    let telegram_leader = leader(&http, &instances, "telegram").await.expect("a bot leader");
    let imap_leader = leader(&http, &instances, "imap").await.expect("a mailbox leader");
    let started = Instant::now();
    let until = started + Duration::from_secs(seconds);
    let acked: Arc<Mutex<Acked>> = Arc::default();
    let tally: Arc<Mutex<Tally>> = Arc::default();
    let workers: Vec<_> = tokens
        .iter()
        .enumerate()
        .map(|(who, token)| {
            tokio::spawn(drive(
                base.clone(),
                token.clone(),
                who,
                until,
                acked.clone(),
                tally.clone(),
            ))
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(seconds / 3)).await;
    let killed_at = Instant::now();
    instances[telegram_leader].kill9();
    let (bot_after_kill, bot_took) = new_leader(&http, &instances, "telegram", telegram_leader).await;
    let imap_took = if imap_leader == telegram_leader {
        Some(new_leader(&http, &instances, "imap", imap_leader).await.1)
    } else {
        None
    };
    tokio::time::sleep((started + Duration::from_secs(seconds * 2 / 3)).saturating_duration_since(Instant::now()))
        .await;
    instances[telegram_leader].start();
    wait_ready(&http, &instances[telegram_leader].base(), "the restarted instance").await;
    // Meanwhile support answers a ticket every 200 ms: each answer is mailed to its author.
    let mut answered = 0;
    while Instant::now() < until {
        let ticket = acked.lock().expect("lock").tickets.keys().nth(answered).cloned();
        if let Some(ticket) = ticket {
            let res = http
                .post(format!("{base}/api/v1/tickets/{ticket}/messages"))
                .bearer_auth(&admin)
                .json(&json!({"kind": "message", "body": "Ответ поддержки"}))
                .send()
                .await;
            if res.is_ok_and(|r| r.status().as_u16() == 201) {
                answered += 1;
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    for worker in workers {
        worker.await.expect("a client's traffic");
    }

    // The leader now stops with SIGTERM: it finishes, hands over and exits 0.
    let stopping = bot_after_kill;
    let (code, stop_took) = instances[stopping].terminate();
    assert_eq!(code, Some(0), "SIGTERM: exit 0\n{}", instances[stopping].log_tail());
    let (_, handover_took) = new_leader(&http, &instances, "telegram", stopping).await;
    instances[stopping].start();
    for instance in &instances {
        wait_ready(&http, &instance.base(), &instance.name).await;
    }

    // Everything acknowledged is there, through every instance.
    let acked = std::mem::take(&mut *acked.lock().expect("lock"));
    let mut checked = 0;
    for instance in &instances {
        let b = instance.base();
        for (ticket, who) in &acked.tickets {
            let (status, _) = get(&http, &b, &tokens[*who], &format!("/api/v1/tickets/{ticket}")).await;
            assert_eq!(status, 200, "ticket {ticket} through {}", instance.name);
            checked += 1;
        }
        let mut by_ticket: HashMap<&str, Vec<&str>> = HashMap::new();
        for (ticket, message) in &acked.messages {
            by_ticket.entry(ticket).or_default().push(message);
        }
        for (ticket, messages) in by_ticket {
            let who = acked.tickets[ticket];
            let mut have: HashSet<String> = HashSet::new();
            for offset in (0..).step_by(200) {
                let path = format!("/api/v1/tickets/{ticket}/messages?limit=200&offset={offset}");
                let (status, page) = get(&http, &b, &tokens[who], &path).await;
                assert_eq!(status, 200, "{page}");
                let items = page["items"].as_array().cloned().unwrap_or_default();
                have.extend(items.iter().filter_map(|m| m["id"].as_str().map(str::to_owned)));
                if items.len() < 200 {
                    break;
                }
            }
            for message in messages {
                assert!(
                    have.contains(message),
                    "message {message} missing through {}",
                    instance.name
                );
                checked += 1;
            }
        }
        for (ticket, file, bytes) in &acked.files {
            let who = acked.tickets[ticket];
            let res = http
                .get(format!("{b}/api/v1/attachments/{file}"))
                .bearer_auth(&tokens[who])
                .send()
                .await
                .expect("download");
            assert_eq!(res.status().as_u16(), 200, "file {file} through {}", instance.name);
            assert!(res.bytes().await.expect("bytes").as_ref() == bytes.as_slice());
            checked += 1;
        }
    }

    // No instance answered 500; HAProxy's 502/503/504 only around the kill.
    let tally = std::mem::take(&mut *tally.lock().expect("lock"));
    for (at, status) in &tally.server_errors {
        assert_ne!(*status, 500, "an instance failed a request: {:?}", tally.errors);
        let since_kill = at.saturating_duration_since(killed_at);
        assert!(
            *at >= killed_at && since_kill < Duration::from_secs(5),
            "{} {since_kill:?} after the kill",
            if *status == 0 {
                "a failed connection".to_owned()
            } else {
                format!("HTTP {status}")
            }
        );
    }
    assert!(tally.served > 100, "the traffic did not run: {:?}", tally.errors);
    // The bot never had two readers.
    assert_eq!(
        fake.conflicts.load(Ordering::SeqCst),
        0,
        "two instances polled the bot at once"
    );
    assert!(fake.polls.load(Ordering::SeqCst) > 0, "nobody polled the bot");

    // Webhooks: every ticket created once. A delivery is recorded as soon as its answer
    // comes, so the kill repeats only those answered in the instant before it and not yet
    // recorded (at least once, with the same webhook-id, as Standard Webhooks say); the
    // graceful stop repeats none. What the killed instance had claimed goes out again when
    // its 60 s claim expires: wait past that, so that any repeat is seen.
    let hooks = loop {
        let got = hooks.lock().expect("lock").clone();
        let hooked: HashSet<&str> = got.iter().map(|(_, t, _)| t.as_str()).collect();
        let all = acked.tickets.keys().all(|t| hooked.contains(t.as_str()));
        let since_kill = killed_at.elapsed();
        if (all && since_kill > Duration::from_secs(64)) || since_kill > Duration::from_secs(90) {
            break got;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    let hooked: HashSet<&str> = hooks.iter().map(|(_, t, _)| t.as_str()).collect();
    for ticket in acked.tickets.keys() {
        assert!(hooked.contains(ticket.as_str()), "no ticket.created for {ticket}");
    }
    let mut first_seen: HashMap<&str, Instant> = HashMap::new();
    let mut repeated: Vec<(&str, Instant)> = Vec::new();
    for (id, _, at) in &hooks {
        match first_seen.get(id.as_str()) {
            Some(first) => repeated.push((id.as_str(), *first)),
            None => {
                first_seen.insert(id.as_str(), *at);
            }
        }
    }
    let hook_repeats = repeated.len();
    let mut repeat_window = Duration::ZERO;
    for (id, first) in &repeated {
        let before_kill = killed_at.checked_duration_since(*first);
        assert!(
            before_kill.is_some_and(|d| d < Duration::from_millis(500)),
            "webhook {id} repeated although its first delivery came {:?} from the kill",
            first
                .saturating_duration_since(killed_at)
                .max(before_kill.unwrap_or_default())
        );
        repeat_window = repeat_window.max(before_kill.unwrap_or_default());
    }
    // Mail: each answer mailed to its author once, by whichever instance claimed it.
    let dirs: Vec<&Path> = instances.iter().map(|i| i.dir.as_path()).collect();
    let waited = Instant::now();
    let mails = loop {
        let mails = mail_files(&dirs);
        if mails.iter().collect::<HashSet<_>>().len() >= answered || waited.elapsed() > Duration::from_secs(20) {
            break mails;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let unique: HashSet<&String> = mails.iter().collect();
    let mail_repeats = mails.len() - unique.len();
    assert!(answered > 0, "support answered nothing");
    // Every answer mailed (status notices, such as a ticket taken from the queue, add theirs).
    assert!(unique.len() >= answered, "{answered} answers, {} mails", unique.len());
    assert!(mail_repeats <= 1, "{mail_repeats} mails sent twice");

    // A session ended through one instance is refused by the others within a second.
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let leaving = login(&http, &instances[0].base(), "c1@cluster.test", PASSWORD).await;
    for instance in &instances {
        assert_eq!(get(&http, &instance.base(), &leaving, "/api/v1/me").await.0, 200);
    }
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let res = http
        .post(format!("{}/api/v1/auth/sign-out-everywhere", instances[0].base()))
        .bearer_auth(&leaving)
        .send()
        .await
        .expect("sign out");
    assert!(res.status().is_success());
    let ended = Instant::now();
    let mut refused_after = Vec::new();
    for instance in &instances[1..] {
        loop {
            if get(&http, &instance.base(), &leaving, "/api/v1/me").await.0 == 401 {
                refused_after.push(ended.elapsed());
                break;
            }
            assert!(
                ended.elapsed() < Duration::from_secs(1),
                "{} still accepts the session",
                instance.name
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    println!(
        "cluster: {seconds} s of {CLIENTS} clients through HAProxy over 3 instances: {} requests served, errors {:?}; \
         {} tickets, {} messages, {} files acknowledged, {checked} reads through every instance all found",
        tally.served,
        tally.errors,
        acked.tickets.len(),
        acked.messages.len(),
        acked.files.len(),
    );
    println!(
        "cluster: leader killed (SIGKILL): the bot moved in {bot_took:.1?}{}; SIGTERM stopped the next leader in \
         {stop_took:.1?} (exit 0) and the bot moved in {handover_took:.1?}; getUpdates {} times, 0 conflicts",
        imap_took.map_or_else(String::new, |t| format!(", the mailbox in {t:.1?}")),
        fake.polls.load(Ordering::SeqCst),
    );
    println!(
        "cluster: {} webhook deliveries for {} tickets ({hook_repeats} repeated, answered ≤ {repeat_window:.0?} before the kill); {} mails for {answered} answers ({mail_repeats} repeated); \
         sign-out refused elsewhere after {refused_after:?}",
        hooks.len(),
        acked.tickets.len(),
        mails.len(),
    );
    let _ = lb.kill();
    let _ = lb.wait();
    drop(instances);
    db.drop_now().await;
}

fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_string_lossy()
        .split(':')
        .chain(["/usr/sbin", "/sbin"])
        .map(|dir| Path::new(dir).join(program))
        .find(|p| p.is_file())
}

async fn login(http: &reqwest::Client, base: &str, email: &str, password: &str) -> String {
    let res = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .expect("login");
    assert!(res.status().is_success(), "login {email}: {}", res.status());
    let body: Value = res.json().await.expect("json");
    body["access_token"].as_str().expect("token").to_owned()
}

async fn ok(http: &reqwest::Client, base: &str, token: &str, path: &str, body: Value) -> Value {
    let res = http
        .post(format!("{base}{path}"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("request");
    let status = res.status().as_u16();
    let answer: Value = res.json().await.unwrap_or(Value::Null);
    assert!((200..300).contains(&status), "{path}: {status} {answer}");
    answer
}

async fn get(http: &reqwest::Client, base: &str, token: &str, path: &str) -> (u16, Value) {
    let res = http
        .get(format!("{base}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .expect("request");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}
