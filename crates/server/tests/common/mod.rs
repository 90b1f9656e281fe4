//! The real server on a random port against a fresh database, for black-box tests.
#![allow(dead_code)]

pub mod fake_telegram;

use std::sync::Arc;

use reglament_api::paths::{self, Op};
use reglament_server::{Config, start_with};
use reglament_service::{App, ManualClock};
use reglament_store::Backend;
use reglament_store::testing::{TempDir, TestDb, postgres_available};
use serde_json::{Value, json};

pub const ADMIN_EMAIL: &str = "admin@vendor.test";
pub const ADMIN_PASSWORD: &str = "admin-password-123";
pub const CLIENT_PASSWORD: &str = "client-password-123";

pub struct TestServer {
    pub base: String,
    /// The separate metrics address's port, when the test configured one.
    pub metrics_port: Option<u16>,
    pub http: reqwest::Client,
    pub app: App,
    pub clock: Arc<ManualClock>,
    pub admin: String,
    db: tokio::sync::Mutex<Option<TestDb>>,
    db_url: String,
    config: Config,
    _data: TempDir,
}

/// Another instance of the server on the same database, with its own data directory and
/// the same secret (R-OPS-1): what an operator runs behind a load balancer.
pub struct Sibling {
    pub base: String,
    pub app: App,
    pub config: Config,
    _data: TempDir,
}

impl Sibling {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

/// Runs a test body once per backend: `<name>_sqlite` and `<name>_postgres`.
#[macro_export]
macro_rules! both_backends {
    ($name:ident, |$srv:ident| $body:block) => {
        mod $name {
            use super::*;
            async fn body($srv: &common::TestServer) $body
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                if let Some(srv) = common::TestServer::spawn(reglament_store::Backend::Sqlite).await {
                    srv.run(body).await;
                }
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(srv) = common::TestServer::spawn(reglament_store::Backend::Postgres).await {
                    srv.run(body).await;
                }
            }
        }
    };
}

/// A weekday in the middle of a contract year, so that tests do not depend on today.
pub fn test_now() -> chrono::DateTime<chrono::Utc> {
    "2026-03-11T09:30:00Z".parse().expect("test fixture")
}

impl TestServer {
    /// `None` when the backend is PostgreSQL and no server is reachable outside CI.
    pub async fn spawn(backend: Backend) -> Option<Self> {
        Self::spawn_with(backend, |_| {}).await
    }

    /// [`Self::spawn`] with the configuration changed first (a channel switched on…).
    pub async fn spawn_with(backend: Backend, configure: impl FnOnce(&mut Config)) -> Option<Self> {
        if backend == Backend::Postgres && !postgres_available().await {
            return None;
        }
        let clock = Arc::new(ManualClock::starting_at(test_now()));
        let db = TestDb::new(backend, test_now()).await;
        let data = TempDir::new();
        let config = Config {
            listen: "127.0.0.1:0".to_owned(),
            database_url: db.url.clone(),
            data_dir: data.path().to_owned(),
            jwt_secret: Some("a-test-secret-that-is-long-enough-0123456789".to_owned()),
            admin_email: ADMIN_EMAIL.to_owned(),
            admin_password: Some(ADMIN_PASSWORD.to_owned()),
            web_root: data.path().join("no-web-app"),
            public_url: "http://portal.test".to_owned(),
            smtp_url: None,
            mail_from: "support@vendor.test".to_owned(),
            log_json: false,
            db_max_connections: 16,
            workers: 2,
            job_interval_secs: 3600,
            webhook_interval_secs: 3600,
            max_attachment_mb: 1,
            files_on_disk: false,
            lease_ttl: std::time::Duration::from_secs(20),
            intake_workers: 4,
            imap: None,
            private_address: Some("private@vendor.test".to_owned()),
            telegram: None,
            metrics_token: Some("metrics-token".to_owned()),
            metrics_listen: None,
        };
        let mut config = config;
        configure(&mut config);
        let kept = config.clone();
        let running = start_with(&config, clock.clone(), Some(clock.clone()))
            .await
            .expect("server starts");
        let base = format!("http://127.0.0.1:{}", running.port);
        let metrics_port = running.metrics_port;
        tokio::spawn(running.server);
        let mut srv = Self {
            base,
            metrics_port,
            http: reqwest::Client::new(),
            app: running.app,
            clock,
            admin: String::new(),
            db_url: db.url.clone(),
            db: tokio::sync::Mutex::new(Some(db)),
            config: kept,
            _data: data,
        };
        srv.admin = srv.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        Some(srv)
    }

    /// Runs a test body, then drops the database even when the body panicked.
    pub async fn run<'a, F, Fut>(&'a self, body: F)
    where
        F: FnOnce(&'a Self) -> Fut,
        Fut: std::future::Future<Output = ()> + 'a,
    {
        let outcome = futures_util::FutureExt::catch_unwind(std::panic::AssertUnwindSafe(body(self))).await;
        if let Some(db) = self.db.lock().await.take() {
            db.drop_now().await;
        }
        if let Err(panic) = outcome {
            std::panic::resume_unwind(panic);
        }
    }

    pub async fn stop(self) {
        if let Some(db) = self.db.lock().await.take() {
            db.drop_now().await;
        }
    }

    /// Starts another instance on this one's database (its own data directory, the same
    /// secret and clock), configured further by `configure`.
    pub async fn beside(&self, configure: impl FnOnce(&mut Config)) -> Sibling {
        let data = TempDir::new();
        let mut config = self.config.clone();
        config.data_dir = data.path().to_owned();
        config.web_root = data.path().join("no-web-app");
        configure(&mut config);
        let running = start_with(&config, self.clock.clone(), Some(self.clock.clone()))
            .await
            .expect("the second instance starts");
        let base = format!("http://127.0.0.1:{}", running.port);
        tokio::spawn(running.server);
        Sibling {
            base,
            app: running.app,
            config,
            _data: data,
        }
    }

    /// The server's data directory (attachments, and the mail folder when no SMTP relay is set).
    pub fn data_dir(&self) -> &std::path::Path {
        self._data.path()
    }

    /// The database the server runs on, for a command started beside it.
    pub fn db_url(&self) -> String {
        self.db_url.clone()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Signs in and answers the access token.
    pub async fn login(&self, email: &str, password: &str) -> String {
        let (status, body) = self
            .op(
                paths::login(),
                None,
                Some(json!({"email": email, "password": password})),
            )
            .await;
        assert_eq!(status, 200, "login of {email}: {body}");
        body["access_token"].as_str().expect("test fixture").to_owned()
    }

    /// One request; answers the status and the JSON body (`Null` when empty).
    pub async fn call(&self, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> (u16, Value) {
        let mut req = self.http.request(method.parse().expect("test fixture"), self.url(path));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        let res = req.send().await.expect("request sent");
        let status = res.status().as_u16();
        let text = res.text().await.expect("test fixture");
        let value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        (status, value)
    }

    /// One operation of `reglament_api::paths` (its method and path, the same the web app
    /// and the benches call); answers the status and the JSON body.
    pub async fn op<B, T>(&self, op: Op<B, T>, token: Option<&str>, body: Option<Value>) -> (u16, Value) {
        self.call(op.method.as_str(), &op.url(), token, body).await
    }

    pub async fn get(&self, path: &str, token: &str) -> (u16, Value) {
        self.call("GET", path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> (u16, Value) {
        self.call("POST", path, Some(token), Some(body)).await
    }

    pub async fn patch(&self, path: &str, token: &str, body: Value) -> (u16, Value) {
        self.call("PATCH", path, Some(token), Some(body)).await
    }

    /// A customer with a contract of `tier` for the whole of 2026; answers its id.
    pub async fn customer(&self, name: &str, tier: &str) -> String {
        let (status, body) = self
            .op(paths::create_customer(), Some(&self.admin), Some(json!({"name": name})))
            .await;
        assert_eq!(status, 201, "{body}");
        let id = body["id"].as_str().expect("test fixture").to_owned();
        let contract = json!({"tier_code": tier, "number": format!("Д-{name}"), "starts_on": "2026-01-01", "ends_on": "2026-12-31"});
        let (status, body) = self
            .op(paths::create_contract(id_of(&id)), Some(&self.admin), Some(contract))
            .await;
        assert_eq!(status, 201, "{body}");
        id
    }

    /// A client with a password; answers (id, access token).
    pub async fn client(&self, customer: &str, email: &str, extra: Value) -> (String, String) {
        let mut body = json!({"email": email, "full_name": format!("Клиент {email}"), "password": CLIENT_PASSWORD});
        if let (Some(obj), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
            obj.extend(extra.clone());
        }
        let (status, created) = self
            .op(paths::create_client(id_of(customer)), Some(&self.admin), Some(body))
            .await;
        assert_eq!(status, 201, "{created}");
        let token = self.login(email, CLIENT_PASSWORD).await;
        (created["id"].as_str().expect("test fixture").to_owned(), token)
    }
}

impl TestServer {
    /// The first page of the tickets the caller sees.
    pub async fn tickets(&self, token: &str) -> Vec<reglament_api::TicketView> {
        let (status, body) = self.op(paths::list_tickets(), Some(token), None).await;
        assert_eq!(status, 200, "{body}");
        body["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(typed::<reglament_api::TicketView>)
            .collect()
    }

    /// A team of `customer`; answers it as created.
    pub async fn team(&self, customer: &str, name: &str) -> Value {
        let (status, team) = self
            .op(
                paths::create_team(id_of(customer)),
                Some(&self.admin),
                Some(json!({"name": name})),
            )
            .await;
        assert_eq!(status, 201, "{team}");
        team
    }

    /// A consultation opened by the client behind `token`; answers its id.
    pub async fn consultation(&self, token: &str, subject: &str) -> String {
        let (status, t) = self
            .op(
                paths::create_ticket(),
                Some(token),
                Some(json!({"category": "consultation", "subject": subject, "body": "?"})),
            )
            .await;
        assert_eq!(status, 201, "{t}");
        t["id"].as_str().expect("test fixture").to_owned()
    }
}

/// A typed id from its text (as the tests keep them).
pub fn id_of<T: std::str::FromStr>(text: &str) -> T {
    text.parse().unwrap_or_else(|_| panic!("not an id: {text}"))
}

/// Asserts a problem+json answer with this status and code.
#[track_caller]
/// An answer as one of the contract's types (`reglament_api`): a field the server renamed
/// or an enum value it does not know fails here, not in a string comparison.
pub fn typed<T: serde::de::DeserializeOwned>(body: &Value) -> T {
    serde_json::from_value(body.clone()).unwrap_or_else(|e| panic!("not the contract's type: {e}: {body}"))
}

/// A problem+json answer with `status` and `code`, read as the contract's `Problem`: the
/// code is one of `ErrorCode` and the status is the one its table gives.
pub fn assert_problem(got: &(u16, Value), status: u16, code: &str) {
    assert_eq!(got.0, status, "expected {status} {code}, got {}", got.1);
    let problem: reglament_api::Problem = typed(&got.1);
    assert_eq!(problem.code.as_str(), code, "{}", got.1);
    assert_eq!(
        problem.code.status(),
        status,
        "the ErrorCode table gives {code} another status"
    );
    assert_eq!(problem.status, status, "{}", got.1);
    assert!(problem.kind.ends_with(code), "{}", got.1);
    assert!(!problem.detail.is_empty(), "{}", got.1);
}
