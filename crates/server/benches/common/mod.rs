//! What the benchmarks share: the server's configuration for a run, sign-in, percentiles.
#![allow(dead_code)]

use reglament_api::paths::Op;
use std::path::Path;
use std::time::Duration;

use reglament_server::Config;
use serde_json::{Value, json};

/// Every seeded account's password.
pub const PASSWORD: &str = "bench-password-1";

/// The p-th percentile of sorted samples, in milliseconds.
pub fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

/// A server on `database_url` with its files in `data_dir`, channels off.
pub fn config(database_url: &str, data_dir: &Path) -> Config {
    Config {
        listen: "127.0.0.1:0".to_owned(),
        database_url: database_url.to_owned(),
        data_dir: data_dir.to_owned(),
        jwt_secret: Some("a-bench-secret-that-is-long-enough-0123456789".to_owned()),
        admin_email: "admin@bench.test".to_owned(),
        admin_password: Some(PASSWORD.to_owned()),
        web_root: data_dir.join("none"),
        public_url: "http://bench".to_owned(),
        smtp_url: None,
        mail_from: "bench@bench.test".to_owned(),
        log_json: false,
        db_max_connections: 16,
        workers: 2,
        job_interval_secs: 3600,
        webhook_interval_secs: 3600,
        max_attachment_mb: 20,
        files_on_disk: false,
        lease_ttl: std::time::Duration::from_secs(20),
        intake_workers: 2,
        imap: None,
        private_address: None,
        telegram: None,
        metrics_token: None,
        metrics_listen: None,
    }
}

/// Signs in with the bench password; answers the access token.
pub async fn login(http: &reqwest::Client, base: &str, email: &str) -> String {
    let res: Value = http
        .post(format!("{base}{}", reglament_api::paths::login().url()))
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .expect("the bench input is valid")
        .json()
        .await
        .expect("the bench input is valid");
    res["access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("login {email}: {res}"))
        .to_owned()
}

/// One call with a JSON body; the bench input is valid, so anything but 2xx stops it.
/// Answers the JSON body.
pub async fn call(http: &reqwest::Client, method: reqwest::Method, url: String, token: &str, body: Value) -> Value {
    let res = http
        .request(method, url)
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("the bench input is valid");
    assert!(res.status().is_success(), "{}", res.status());
    res.json::<Value>().await.expect("the bench input is valid")
}

/// One operation of `reglament_api::paths` (its method and path) with a JSON body
/// (`Value::Null` for none); anything but 2xx stops the bench. Answers the JSON body.
pub async fn op<B, T>(http: &reqwest::Client, base: &str, op: Op<B, T>, token: &str, body: Value) -> Value {
    let method = reqwest::Method::from_bytes(op.method.as_str().as_bytes()).expect("an HTTP method");
    call(http, method, format!("{base}{}", op.url()), token, body).await
}

/// A typed id from the text of an answer's `id`.
pub fn id<T: std::str::FromStr>(text: &str) -> T {
    text.parse().unwrap_or_else(|_| panic!("not an id: {text}"))
}

/// A server on a fresh database of `backend`, serving on a free port, for one bench run.
pub struct BenchServer {
    pub base: String,
    pub app: reglament_service::App,
    handle: actix_web::dev::ServerHandle,
    db: reglament_store::testing::TestDb,
    _data: reglament_store::testing::TempDir,
}

impl BenchServer {
    pub async fn start(backend: reglament_store::Backend) -> Self {
        Self::start_with(backend, |_| {}).await
    }

    /// [`Self::start`] with the configuration changed first.
    pub async fn start_with(backend: reglament_store::Backend, configure: impl FnOnce(&mut Config)) -> Self {
        let db = reglament_store::testing::TestDb::new(backend, chrono::Utc::now()).await;
        let data = reglament_store::testing::TempDir::new();
        let mut config = config(&db.url, data.path());
        configure(&mut config);
        let running = reglament_server::start(&config, std::sync::Arc::new(reglament_service::SystemClock))
            .await
            .expect("the bench input is valid");
        let handle = running.server.handle();
        tokio::spawn(running.server);
        Self {
            base: format!("http://127.0.0.1:{}", running.port),
            app: running.app,
            handle,
            db,
            _data: data,
        }
    }

    /// Stops the server and drops its database.
    pub async fn stop(self) {
        self.handle.stop(true).await;
        self.db.drop_now().await;
    }
}
