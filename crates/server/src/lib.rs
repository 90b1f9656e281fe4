//! Wiring: configuration → store → application → HTTP server and background jobs.

pub mod config;

use reglament_domain::YearRules as _;
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use reglament_channels::mail::Delivery;
use reglament_http::HttpConfig;
use reglament_service::{App, Clock, ServiceConfig, Store, SystemClock};

pub use config::Config;

/// A server that is listening and migrated, with its background jobs started.
pub struct Running {
    pub port: u16,
    /// The port of the separate metrics address, when one is configured.
    pub metrics_port: Option<u16>,
    pub app: App,
    pub server: actix_web::dev::Server,
    /// Set when the first admin was created with a generated password.
    pub generated_admin_password: Option<String>,
}

/// Opens and migrates the database.
///
/// # Errors
/// When the database cannot be reached or migrated.
pub async fn open_store(config: &Config, clock: &dyn Clock) -> anyhow::Result<Store> {
    if config.database_url.starts_with("sqlite:") {
        std::fs::create_dir_all(&config.data_dir)
            .with_context(|| format!("creating the data dir {}", config.data_dir.display()))?;
    }
    let store = Store::connect(&config.database_url, config.db_max_connections)
        .await
        .with_context(|| format!("connecting to {}", config::mask_url(&config.database_url)))?;
    store.migrate(clock.now()).await.context("migrating the database")?;
    Ok(store)
}

/// Builds everything and binds the listener; awaiting `server` serves.
///
/// # Errors
/// When the database, the secret, or the listener fail.
pub async fn start(config: &Config, clock: Arc<dyn Clock>) -> anyhow::Result<Running> {
    start_with(config, clock, None).await
}

/// [`start`] with the settable clock of the `test-clock` feature exposed over HTTP.
///
/// # Errors
/// As [`start`].
pub async fn start_with(
    config: &Config,
    clock: Arc<dyn Clock>,
    test_clock: Option<Arc<reglament_service::ManualClock>>,
) -> anyhow::Result<Running> {
    let store = open_store(config, clock.as_ref()).await?;
    let mut service_config = ServiceConfig::new(config.jwt_secret_bytes()?, config.public_url.clone());
    service_config.attachments_dir = config.data_dir.join("attachments");
    service_config.max_attachment_bytes = config.max_attachment_mb * 1024 * 1024;
    service_config.files_on_disk = config.files_on_disk;
    service_config.lease_ttl = config.lease_ttl;
    service_config.lease_renew = config.lease_ttl / 4;
    service_config.intake_workers = config.intake_workers;
    service_config.private_address.clone_from(&config.private_address);
    service_config.telegram_enabled = config.telegram.is_some();
    std::fs::create_dir_all(&service_config.attachments_dir)
        .with_context(|| format!("creating {}", service_config.attachments_dir.display()))?;
    let app = App::new(store.clone(), clock, service_config);
    app.calendar()
        .load_calendar()
        .await
        .context("loading the production calendar")?;
    for warning in app.calendar().calendar_warnings() {
        tracing::warn!("{warning}");
    }
    // Files this instance wrote to its disk before they lived in the database (R-OPS-1).
    let mover = app.clone();
    tokio::spawn(async move {
        if let Err(err) = mover.tickets().move_files_to_database().await {
            tracing::error!(error = %err, "moving attachments into the database failed; the next start tries again");
        }
    });
    let generated_admin_password = app
        .accounts()
        .ensure_first_admin(&config.admin_email, config.admin_password.as_deref())
        .await?;

    let delivery = match &config.smtp_url {
        Some(url) => Delivery::smtp(url).context("REGLAMENT_SMTP_URL")?,
        None => Delivery::Folder(config.data_dir.join("mail")),
    };
    tracing::info!(delivery = %delivery.describe(), "outgoing mail");
    let mailer = reglament_channels::mail::Mailer {
        delivery,
        from: config.mail_from.clone(),
    };
    tokio::spawn(reglament_service::channels::outbox::run_mail_forever(
        app.clone(),
        mailer,
        Duration::from_secs(5),
    ));

    // The mailbox and the bot have one reader across instances (R-OPS-2): the holder of
    // the lease runs the loop; another takes it over when the holder stops renewing.
    if let Some(imap) = &config.imap {
        let (looped, imap) = (app.clone(), imap.clone());
        tokio::spawn(reglament_service::instances::run_as_leader(
            app.clone(),
            "imap",
            move || reglament_channels::imap::run_intake_loop(looped.clone(), imap.clone()),
        ));
    }
    if let Some(telegram) = &config.telegram {
        let bot = reglament_channels::telegram::Bot::new(telegram.clone()).context("the Telegram bot")?;
        tokio::spawn(reglament_service::channels::telegram_out::run_telegram_forever(
            app.clone(),
            bot.clone(),
            Duration::from_secs(1),
        ));
        let looped = app.clone();
        tokio::spawn(reglament_service::instances::run_as_leader(
            app.clone(),
            "telegram",
            move || reglament_channels::telegram::run_bot(looped.clone(), bot.clone()),
        ));
    }

    let listener = TcpListener::bind(&config.listen).with_context(|| format!("binding {}", config.listen))?;
    let port = listener.local_addr()?.port();
    tokio::spawn(reglament_service::jobs::run_forever(
        app.clone(),
        Duration::from_secs(config.job_interval_secs),
    ));
    // The live stream: every instance reads the events of all, ten times a second.
    tokio::spawn(reglament_service::notifications::live::run_live_forever(
        app.clone(),
        Duration::from_millis(100),
    ));
    tokio::spawn(reglament_service::integrations::delivery::run_webhooks_forever(
        app.clone(),
        reglament_channels::webhooks::HttpSender::new(),
        Duration::from_secs(config.webhook_interval_secs),
    ));
    let http = HttpConfig {
        web_root: Some(config.web_root.clone()),
        workers: config.workers,
        test_clock,
        metrics_token: config.metrics_token.clone(),
    };
    let server = reglament_http::serve(app.clone(), http, listener)?;
    let metrics_port = match &config.metrics_listen {
        Some(address) => {
            let listener =
                TcpListener::bind(address).with_context(|| format!("binding the metrics address {address}"))?;
            let port = listener.local_addr()?.port();
            tokio::spawn(reglament_http::metrics::serve_separately(app.clone(), listener)?);
            tracing::info!(address, "metrics served on their own address");
            Some(port)
        }
        None => None,
    };
    Ok(Running {
        port,
        metrics_port,
        app,
        server,
        generated_admin_password,
    })
}

/// `reglament calendar import FILE`: reads one year or an array of years (the format of
/// `GET /api/v1/calendar/{year}`; `working_days`, `fallback` and `warning` are ignored) and
/// saves them with the same all-or-nothing validation as the admins' import. Answers a
/// line per year saved.
///
/// # Errors
/// An unreadable file, JSON that is not a calendar, or an incoherent year (nothing is written).
pub async fn import_calendar_file(store: &Store, path: &std::path::Path) -> anyhow::Result<Vec<String>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let years =
        parse_calendar_years(&text).with_context(|| format!("{} is not a production calendar", path.display()))?;
    let now = chrono::Utc::now();
    reglament_service::calendar::production::save_years(store, &years, now)
        .await
        .map_err(|e| anyhow::anyhow!("nothing was imported ({}): {e}", e.code()))?;
    Ok(years
        .iter()
        .map(|y| {
            let shortened = y.shortened.len();
            format!(
                "{}: saved — {} working days, {shortened} shortened, {} hours at 40 h a week; source: {}",
                y.year,
                y.working_days(),
                y.working_days() * 8 - shortened,
                if y.source.is_empty() { "not given" } else { &y.source }
            )
        })
        .collect())
}

/// One year or an array of years; the fields the API adds to a year are dropped.
fn parse_calendar_years(text: &str) -> anyhow::Result<Vec<reglament_domain::CalendarYear>> {
    let value: serde_json::Value = serde_json::from_str(text)?;
    let items = match value {
        serde_json::Value::Array(items) => items,
        one => vec![one],
    };
    items
        .into_iter()
        .map(|mut item| {
            if let Some(obj) = item.as_object_mut() {
                for extra in ["working_days", "fallback", "warning"] {
                    obj.remove(extra);
                }
            }
            Ok(serde_json::from_value(item)?)
        })
        .collect()
}

/// The production clock.
#[must_use]
pub fn system_clock() -> Arc<dyn Clock> {
    Arc::new(SystemClock)
}
