//! Reglament's use cases. The only way state changes: authorize the actor, open a
//! transaction, ask the domain for the decision, write it and queue what must be
//! sent, all in one transaction. HTTP, email, Telegram and jobs all come through here.

/// A capability's handle: a view of the application through which its use cases are
/// entered (`app.tickets().create_ticket(..)`). It reaches the shared state (store, clock,
/// settings) of the [`App`] it borrows; its methods are the capability's alone.
#[macro_export]
#[doc(hidden)]
macro_rules! capability {
    ($(#[$doc:meta])* $name:ident, $accessor:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy)]
        pub struct $name<'a> {
            app: &'a $crate::App,
        }

        impl $crate::App {
            $(#[$doc])*
            #[must_use]
            pub fn $accessor(&self) -> $name<'_> {
                $name { app: self }
            }
        }

        impl std::ops::Deref for $name<'_> {
            type Target = $crate::App;

            fn deref(&self) -> &$crate::App {
                self.app
            }
        }
    };
}

pub mod accounts;
pub mod bookings;
pub mod calendar;
pub mod channels;
pub mod clock;
pub mod directory;
pub mod error;
pub mod input;
pub mod instances;
pub mod integrations;
pub mod jobs;
pub mod notifications;
pub mod pro_services;
pub mod tickets;

use std::sync::Arc;

pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{FieldError, ServiceError};
pub use reglament_store::{Page, PageRequest, Store};

/// Settings the use cases need.
#[derive(Clone, Debug)]
pub struct ServiceConfig {
    pub jwt_secret: Vec<u8>,
    pub access_token_ttl: chrono::TimeDelta,
    pub refresh_token_ttl: chrono::TimeDelta,
    pub invitation_ttl: chrono::TimeDelta,
    /// Where the web app is reached from outside, for links in mail.
    pub public_url: String,
    /// Where uploads wait while they arrive, and where attachments are kept when
    /// `files_on_disk` (`<data dir>/attachments`).
    pub attachments_dir: std::path::PathBuf,
    /// Attachments kept on this instance's disk instead of in the database (one instance
    /// only; the default is the database, which every instance serves, R-OPS-1).
    pub files_on_disk: bool,
    /// The largest attachment accepted.
    pub max_attachment_bytes: u64,
    /// Ticket-creation batches written at once on PostgreSQL.
    pub intake_workers: usize,
    /// The private address (R-CONF-1): mail sent to it is confidential.
    pub private_address: Option<String>,
    /// Whether this server runs the Telegram bot.
    pub telegram_enabled: bool,
    /// A single-reader loop's lease lasts this long unrenewed (R-OPS-2): another instance
    /// takes over within it (plus one renewal period) after the holder dies.
    pub lease_ttl: std::time::Duration,
    /// How often the holder renews, and the others try.
    pub lease_renew: std::time::Duration,
}

impl ServiceConfig {
    #[must_use]
    pub fn new(jwt_secret: Vec<u8>, public_url: String) -> Self {
        Self {
            jwt_secret,
            access_token_ttl: chrono::TimeDelta::minutes(15),
            refresh_token_ttl: chrono::TimeDelta::days(30),
            invitation_ttl: chrono::TimeDelta::days(7),
            public_url,
            attachments_dir: std::path::PathBuf::from("data/attachments"),
            files_on_disk: false,
            max_attachment_bytes: 20 * 1024 * 1024,
            intake_workers: 2,
            private_address: None,
            telegram_enabled: false,
            lease_ttl: std::time::Duration::from_secs(20),
            lease_renew: std::time::Duration::from_secs(5),
        }
    }
}

/// The application: the store, the clock and the settings, shared by every request.
#[derive(Clone)]
pub struct App {
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    pub config: Arc<ServiceConfig>,
    keys: Arc<accounts::cache::JwtKeys>,
    calendar: Arc<std::sync::RwLock<Arc<reglament_domain::BusinessCalendar>>>,
    calendar_load: Arc<tokio::sync::Mutex<()>>,
    users: Arc<accounts::cache::UserCache>,
    intake: Arc<tickets::intake_queue::Intake>,
    webhooks: Arc<integrations::subscribers::Subscribers>,
    live: Arc<notifications::live_hub::LiveHub>,
    instance: Arc<instances::state::Instance>,
}

impl App {
    #[must_use]
    pub fn new(store: Store, clock: Arc<dyn Clock>, config: ServiceConfig) -> Self {
        let keys = Arc::new(accounts::cache::JwtKeys::new(&config.jwt_secret));
        // The shipped calendar until `load_calendar` reads the admins' version from the database.
        let calendar = reglament_domain::BusinessCalendar::russian().expect("the shipped calendar is valid");
        Self {
            store,
            clock,
            config: Arc::new(config),
            keys,
            calendar: Arc::new(std::sync::RwLock::new(Arc::new(calendar))),
            calendar_load: Arc::new(tokio::sync::Mutex::new(())),
            users: Arc::new(accounts::cache::UserCache::default()),
            intake: Arc::new(tickets::intake_queue::Intake::default()),
            webhooks: Arc::new(integrations::subscribers::Subscribers::default()),
            live: Arc::new(notifications::live_hub::LiveHub::default()),
            instance: Arc::new(instances::state::Instance::default()),
        }
    }

    #[must_use]
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        reglament_store::micros(self.clock.now())
    }

    /// Today's date in Moscow, the calendar contracts are written in.
    #[must_use]
    pub fn today(&self) -> chrono::NaiveDate {
        reglament_domain::moscow::date(self.now())
    }
}

/// What every instance keeps in memory and must forget when another changes it (R-OPS-1):
/// told through the live events, which every instance reads ten times a second.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cached {
    /// Accounts, when a customer's access ends, sign-out-everywhere.
    Users,
    /// Who receives which webhook events.
    Webhooks,
    /// The production calendar and its settings.
    Calendar,
}

impl Cached {
    pub(crate) const fn as_str(self) -> &'static str {
        match self {
            Self::Users => "users",
            Self::Webhooks => "webhooks",
            Self::Calendar => "calendar",
        }
    }
}

impl App {
    /// Tells every instance, in the transaction of the change, to forget what it cached.
    pub(crate) async fn changed_everywhere(&self, tx: &mut reglament_store::Tx, what: Cached) -> Result<()> {
        reglament_store::live::cache_changed(tx, what.as_str(), self.now()).await?;
        Ok(())
    }

    /// Forgets what another instance (or this one) said changed.
    pub(crate) async fn forget_cached(&self, what: &str) {
        match what {
            "users" => self.users.clear(),
            "webhooks" => self.webhooks.forget(),
            "calendar" => {
                if let Err(err) = self.calendar().load_calendar().await {
                    tracing::warn!(error = %err, "reloading the calendar another instance changed failed");
                }
            }
            other => tracing::debug!(what = other, "an unknown cache change; ignored"),
        }
    }
}

pub type Result<T, E = ServiceError> = std::result::Result<T, E>;
