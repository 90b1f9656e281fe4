//! One typed configuration, from `REGLAMENT_*` environment variables over an
//! optional TOML file (`REGLAMENT_CONFIG`), with defaults that work on a fresh machine.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use serde::Deserialize;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<String>,
    database_url: Option<String>,
    data_dir: Option<PathBuf>,
    jwt_secret: Option<String>,
    admin_email: Option<String>,
    admin_password: Option<String>,
    web_root: Option<PathBuf>,
    public_url: Option<String>,
    smtp_url: Option<String>,
    mail_from: Option<String>,
    log_format: Option<String>,
    db_max_connections: Option<u32>,
    workers: Option<usize>,
    job_interval_secs: Option<u64>,
    webhook_interval_secs: Option<u64>,
    max_attachment_mb: Option<u64>,
    files: Option<String>,
    lease_ttl_secs: Option<u64>,
    intake_workers: Option<usize>,
    imap_url: Option<String>,
    imap_user: Option<String>,
    imap_password: Option<String>,
    imap_folder: Option<String>,
    imap_poll_secs: Option<u64>,
    private_address: Option<String>,
    telegram_token: Option<String>,
    telegram_api_url: Option<String>,
    metrics_token: Option<String>,
    metrics_listen: Option<String>,
}

#[derive(Clone)]
pub struct Config {
    pub listen: String,
    pub database_url: String,
    pub data_dir: PathBuf,
    /// `None`: generated and kept in `data_dir/jwt-secret`.
    pub jwt_secret: Option<String>,
    pub admin_email: String,
    /// `None`: a random password is generated and printed once.
    pub admin_password: Option<String>,
    pub web_root: PathBuf,
    pub public_url: String,
    /// `None`: mail is written as files into `data_dir/mail`.
    pub smtp_url: Option<String>,
    pub mail_from: String,
    pub log_json: bool,
    pub db_max_connections: u32,
    /// 0: one worker per core.
    pub workers: usize,
    /// Seconds between rounds of the background jobs (auto-close, breaches, queues, mail).
    pub job_interval_secs: u64,
    /// Seconds between rounds of webhook delivery (R-INT-2).
    pub webhook_interval_secs: u64,
    /// The largest attachment, in MiB.
    pub max_attachment_mb: u64,
    /// `REGLAMENT_FILES=disk`: attachments on this instance's disk (one instance only);
    /// the default, `database`, serves every file from every instance (R-OPS-1).
    pub files_on_disk: bool,
    /// How long a single-reader loop's lease (IMAP, Telegram) lasts unrenewed: another
    /// instance takes the loop over within it after the holder dies (R-OPS-2). Renewed
    /// every quarter of it.
    pub lease_ttl: std::time::Duration,
    /// Ticket-creation batches written at once on PostgreSQL (each holds a connection
    /// while it writes); SQLite always has one.
    pub intake_workers: usize,
    /// The support mailbox read by the mail intake (R-CH-2); `None`: off.
    pub imap: Option<reglament_channels::imap::ImapSettings>,
    /// The private address (R-CONF-1): mail sent to it is confidential.
    pub private_address: Option<String>,
    /// The Telegram bot (R-CH-3); `None`: off.
    pub telegram: Option<reglament_channels::telegram::TelegramSettings>,
    /// The bearer token of `GET /metrics` (R-INT-3); `None`: metrics are off.
    pub metrics_token: Option<String>,
    /// A separate address that serves `GET /metrics` without a token (R-INT-3).
    pub metrics_listen: Option<String>,
}

fn env(name: &str) -> Option<String> {
    std::env::var(format!("REGLAMENT_{name}"))
        .ok()
        .filter(|v| !v.is_empty())
}

impl Config {
    /// Reads the configuration.
    ///
    /// # Errors
    /// When the TOML file named by `REGLAMENT_CONFIG` cannot be read or a number is malformed.
    pub fn load() -> anyhow::Result<Self> {
        let file: FileConfig = match env("CONFIG") {
            Some(path) => {
                let text = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
                toml::from_str(&text).with_context(|| format!("parsing {path}"))?
            }
            None => FileConfig::default(),
        };
        let listen = env("LISTEN")
            .or(file.listen)
            .unwrap_or_else(|| "127.0.0.1:8080".to_owned());
        let data_dir = env("DATA_DIR")
            .map(PathBuf::from)
            .or(file.data_dir)
            .unwrap_or_else(|| PathBuf::from("./data"));
        let database_url = env("DATABASE_URL")
            .or(file.database_url)
            .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("reglament.db").display()));
        let public_url = env("PUBLIC_URL")
            .or(file.public_url)
            .unwrap_or_else(|| format!("http://{listen}"));
        let number = |name: &str| -> anyhow::Result<Option<u64>> {
            env(name)
                .map(|v| {
                    v.parse::<u64>()
                        .with_context(|| format!("REGLAMENT_{name} must be a number"))
                })
                .transpose()
        };
        Ok(Self {
            database_url,
            jwt_secret: env("JWT_SECRET").or(file.jwt_secret),
            admin_email: env("ADMIN_EMAIL")
                .or(file.admin_email)
                .unwrap_or_else(|| "admin@reglament.local".to_owned()),
            admin_password: env("ADMIN_PASSWORD").or(file.admin_password),
            web_root: env("WEB_ROOT")
                .map(PathBuf::from)
                .or(file.web_root)
                .unwrap_or_else(|| PathBuf::from("frontend/dist")),
            public_url,
            smtp_url: env("SMTP_URL").or(file.smtp_url),
            mail_from: env("MAIL_FROM")
                .or(file.mail_from)
                .unwrap_or_else(|| "Reglament <support@reglament.local>".to_owned()),
            log_json: env("LOG_FORMAT").or(file.log_format).is_some_and(|f| f == "json"),
            db_max_connections: number("DB_MAX_CONNECTIONS")?
                .map(u32::try_from)
                .transpose()?
                .or(file.db_max_connections)
                .unwrap_or(16),
            workers: number("WORKERS")?
                .map(usize::try_from)
                .transpose()?
                .or(file.workers)
                .unwrap_or(0),
            job_interval_secs: number("JOB_INTERVAL_SECS")?
                .or(file.job_interval_secs)
                .unwrap_or(30)
                .max(1),
            webhook_interval_secs: number("WEBHOOK_INTERVAL_SECS")?
                .or(file.webhook_interval_secs)
                .unwrap_or(2)
                .max(1),
            max_attachment_mb: number("MAX_ATTACHMENT_MB")?
                .or(file.max_attachment_mb)
                .unwrap_or(20)
                .max(1),
            files_on_disk: match env("FILES").or(file.files).as_deref() {
                None | Some("database") => false,
                Some("disk") => true,
                Some(other) => anyhow::bail!("REGLAMENT_FILES must be database or disk, not {other:?}"),
            },
            lease_ttl: std::time::Duration::from_secs(
                number("LEASE_TTL_SECS")?.or(file.lease_ttl_secs).unwrap_or(20).max(2),
            ),
            intake_workers: number("INTAKE_WORKERS")?
                .map(usize::try_from)
                .transpose()?
                .or(file.intake_workers)
                // One per core: measured best on 2 cores (fewer, larger batches cost
                // PostgreSQL less CPU per ticket than many small ones).
                .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, std::num::NonZero::get))
                .max(1),
            imap: match env("IMAP_URL").or(file.imap_url) {
                None => None,
                Some(url) => Some(reglament_channels::imap::ImapSettings {
                    url,
                    user: env("IMAP_USER")
                        .or(file.imap_user)
                        .context("REGLAMENT_IMAP_USER is required with REGLAMENT_IMAP_URL")?,
                    password: env("IMAP_PASSWORD")
                        .or(file.imap_password)
                        .context("REGLAMENT_IMAP_PASSWORD is required with REGLAMENT_IMAP_URL")?,
                    folder: env("IMAP_FOLDER")
                        .or(file.imap_folder)
                        .unwrap_or_else(|| "INBOX".to_owned()),
                    poll: std::time::Duration::from_secs(
                        number("IMAP_POLL_SECS")?.or(file.imap_poll_secs).unwrap_or(60).max(1),
                    ),
                }),
            },
            private_address: env("PRIVATE_ADDRESS")
                .or(file.private_address)
                .map(|a| a.trim().to_lowercase()),
            telegram: env("TELEGRAM_TOKEN").or(file.telegram_token).map(|token| {
                reglament_channels::telegram::TelegramSettings {
                    token,
                    api_url: env("TELEGRAM_API_URL")
                        .or(file.telegram_api_url.clone())
                        .unwrap_or_else(|| "https://api.telegram.org".to_owned()),
                    poll_timeout_secs: 25,
                }
            }),
            metrics_token: env("METRICS_TOKEN").or(file.metrics_token),
            metrics_listen: env("METRICS_LISTEN").or(file.metrics_listen),
            listen,
            data_dir,
        })
    }

    /// The configuration as it is logged at start: secrets masked.
    #[must_use]
    pub fn describe(&self) -> String {
        let mask = |s: &Option<String>| if s.is_some() { "set (hidden)" } else { "not set" };
        format!(
            "listen={} database={} data_dir={} web_root={} public_url={} jwt_secret={} admin_email={} admin_password={} smtp={} mail_from={} log={} db_max_connections={} workers={} job_interval={}s max_attachment={}MiB files={} intake_workers={} imap={} private_address={} telegram={} metrics={}",
            self.listen,
            mask_url(&self.database_url),
            self.data_dir.display(),
            self.web_root.display(),
            self.public_url,
            if self.jwt_secret.is_some() {
                "set (hidden)"
            } else {
                "kept in the data dir"
            },
            self.admin_email,
            mask(&self.admin_password),
            self.smtp_url
                .as_deref()
                .map_or_else(|| "off (mail goes to data_dir/mail)".to_owned(), mask_url),
            self.mail_from,
            if self.log_json { "json" } else { "text" },
            self.db_max_connections,
            if self.workers == 0 {
                "per core".to_owned()
            } else {
                self.workers.to_string()
            },
            self.job_interval_secs,
            self.max_attachment_mb,
            if self.files_on_disk { "disk" } else { "database" },
            self.intake_workers,
            self.imap.as_ref().map_or_else(
                || "off".to_owned(),
                |i| format!("{} as {} folder {}", i.url, i.user, i.folder)
            ),
            self.private_address.as_deref().unwrap_or("not set"),
            self.telegram
                .as_ref()
                .map_or_else(|| "off".to_owned(), |t| format!("on via {}", t.api_url)),
            match (&self.metrics_token, &self.metrics_listen) {
                (Some(_), Some(address)) => format!("on (token hidden) and on {address}"),
                (Some(_), None) => "on (token hidden)".to_owned(),
                (None, Some(address)) => format!("on {address} only"),
                (None, None) => "off".to_owned(),
            },
        )
    }

    /// The JWT secret: configured, or read from (or made in) `data_dir/jwt-secret`.
    ///
    /// # Errors
    /// When the file cannot be read or written.
    pub fn jwt_secret_bytes(&self) -> anyhow::Result<Vec<u8>> {
        if let Some(secret) = &self.jwt_secret {
            anyhow::ensure!(
                secret.len() >= 32,
                "REGLAMENT_JWT_SECRET must be at least 32 characters"
            );
            return Ok(secret.as_bytes().to_vec());
        }
        let path = self.data_dir.join("jwt-secret");
        if let Ok(existing) = std::fs::read_to_string(&path) {
            let existing = existing.trim();
            if existing.len() >= 32 {
                return Ok(existing.as_bytes().to_vec());
            }
        }
        let mut bytes = [0_u8; 48];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
        let secret = hex::encode(bytes);
        write_private(&path, &secret).with_context(|| format!("writing {}", path.display()))?;
        tracing::info!(path = %path.display(), "generated a JWT secret");
        Ok(secret.into_bytes())
    }
}

fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, contents)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}

/// Hides the password of a URL.
#[must_use]
pub fn mask_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}{user}:***{}", &url[..scheme + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::mask_url;

    #[test]
    fn passwords_in_urls_are_masked() {
        assert_eq!(mask_url("postgres://u:secret@h:5432/db"), "postgres://u:***@h:5432/db");
        assert_eq!(mask_url("sqlite://./data/reglament.db"), "sqlite://./data/reglament.db");
    }
}
