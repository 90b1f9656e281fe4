//! Mail intake over IMAP (R-CH-2): reads the support mailbox, hands every unseen
//! message to the service, and marks it `\Seen` on the server only after the service has
//! committed what it did. A crash in between leaves the message unseen; the next round
//! hands it over again and the service's receipt (by Message-ID) makes that a no-op.
//! Waits with IDLE where the server offers it, else polls.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_imap::Session;
use futures_util::TryStreamExt as _;
use reglament_service::App;
use reglament_service::channels::mail_in;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

/// Where the mailbox is.
#[derive(Clone)]
pub struct ImapSettings {
    /// `imap://host:143` (plain, for a local server) or `imaps://host:993` (TLS).
    pub url: String,
    pub user: String,
    pub password: String,
    pub folder: String,
    /// Between rounds when the server has no IDLE, and the longest IDLE wait.
    pub poll: Duration,
}

impl fmt::Debug for ImapSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImapSettings")
            .field("url", &self.url)
            .field("user", &self.user)
            .field("folder", &self.folder)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImapError {
    #[error("bad IMAP URL {0:?}: use imap://host:port or imaps://host:port")]
    Url(String),
    #[error("connecting: {0}")]
    Io(#[from] std::io::Error),
    #[error("IMAP: {0}")]
    Imap(#[from] async_imap::error::Error),
    #[error("TLS: {0}")]
    Tls(String),
    #[error("processing: {0}")]
    Service(#[from] reglament_service::ServiceError),
}

/// The stream every session runs over: plain TCP or TLS.
pub trait Stream: AsyncRead + AsyncWrite + Unpin + fmt::Debug + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + fmt::Debug + Send> Stream for T {}

/// A signed-in session with the folder selected.
pub type ImapSession = Session<Box<dyn Stream>>;

fn host_port(url: &str) -> Result<(bool, String, u16), ImapError> {
    let bad = || ImapError::Url(url.to_owned());
    let (tls, rest) = if let Some(rest) = url.strip_prefix("imaps://") {
        (true, rest)
    } else if let Some(rest) = url.strip_prefix("imap://") {
        (false, rest)
    } else {
        return Err(bad());
    };
    let rest = rest.trim_end_matches('/');
    let (host, port) = match rest.rsplit_once(':') {
        Some((host, port)) => (host, port.parse().map_err(|_| bad())?),
        None => (rest, if tls { 993 } else { 143 }),
    };
    if host.is_empty() {
        return Err(bad());
    }
    Ok((tls, host.to_owned(), port))
}

/// Connects, signs in and selects the folder.
///
/// # Errors
/// When the server cannot be reached or refuses the sign-in.
pub async fn connect(settings: &ImapSettings) -> Result<ImapSession, ImapError> {
    let (tls, host, port) = host_port(&settings.url)?;
    let tcp = TcpStream::connect((host.as_str(), port)).await?;
    let stream: Box<dyn Stream> = if tls {
        let mut roots = tokio_rustls::rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        let config = tokio_rustls::rustls::ClientConfig::builder()
            .with_root_certificates(roots)
            .with_no_client_auth();
        let name = tokio_rustls::rustls::pki_types::ServerName::try_from(host.clone())
            .map_err(|e| ImapError::Tls(e.to_string()))?;
        let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
        Box::new(connector.connect(name, tcp).await?)
    } else {
        Box::new(tcp)
    };
    let mut client = async_imap::Client::new(stream);
    // The server's greeting comes before any command.
    client.read_response().await?;
    let mut session = client
        .login(&settings.user, &settings.password)
        .await
        .map_err(|(e, _)| e)?;
    session.select(&settings.folder).await?;
    Ok(session)
}

/// The unseen messages: UID and raw bytes, oldest first. Nothing is marked seen.
///
/// # Errors
/// On an IMAP failure.
pub async fn fetch_unseen(session: &mut ImapSession) -> Result<Vec<(u32, Vec<u8>)>, ImapError> {
    let mut uids: Vec<u32> = session.uid_search("UNSEEN").await?.into_iter().collect();
    uids.sort_unstable();
    let mut messages = Vec::with_capacity(uids.len());
    for chunk in uids.chunks(100) {
        let set = chunk.iter().map(u32::to_string).collect::<Vec<_>>().join(",");
        let fetched: Vec<_> = session
            .uid_fetch(&set, "(UID BODY.PEEK[])")
            .await?
            .try_collect()
            .await?;
        for f in &fetched {
            if let (Some(uid), Some(body)) = (f.uid, f.body()) {
                messages.push((uid, body.to_vec()));
            }
        }
    }
    messages.sort_unstable_by_key(|(uid, _)| *uid);
    Ok(messages)
}

/// Marks a message processed on the server.
///
/// # Errors
/// On an IMAP failure.
pub async fn mark_seen(session: &mut ImapSession, uid: u32) -> Result<(), ImapError> {
    let _: Vec<_> = session
        .uid_store(uid.to_string(), "+FLAGS (\\Seen)")
        .await?
        .try_collect()
        .await?;
    Ok(())
}

/// Removes a processed message from the mailbox (R-CON-6): flagged `\Deleted`, then
/// `UID EXPUNGE` of that UID where the server has UIDPLUS; else `EXPUNGE` with the
/// `\Deleted` flag of every other message lifted for the moment and put back after, so
/// that only this message goes.
///
/// # Errors
/// On an IMAP failure.
pub async fn remove(session: &mut ImapSession, uid: u32) -> Result<(), ImapError> {
    let uidplus = session.capabilities().await?.has_str("UIDPLUS");
    remove_with(session, uid, uidplus).await
}

/// [`remove`], told whether to use `UID EXPUNGE` (tests try both on one server).
///
/// # Errors
/// On an IMAP failure.
pub async fn remove_with(session: &mut ImapSession, uid: u32, uidplus: bool) -> Result<(), ImapError> {
    let _: Vec<_> = session
        .uid_store(uid.to_string(), "+FLAGS (\\Seen \\Deleted)")
        .await?
        .try_collect()
        .await?;
    if uidplus {
        let _: Vec<_> = session.uid_expunge(uid.to_string()).await?.try_collect().await?;
        return Ok(());
    }
    let others: Vec<String> = session
        .uid_search("DELETED")
        .await?
        .into_iter()
        .filter(|u| *u != uid)
        .map(|u| u.to_string())
        .collect();
    let others = others.join(",");
    if !others.is_empty() {
        let _: Vec<_> = session
            .uid_store(&others, "-FLAGS (\\Deleted)")
            .await?
            .try_collect()
            .await?;
    }
    let _: Vec<_> = session.expunge().await?.try_collect().await?;
    if !others.is_empty() {
        let _: Vec<_> = session
            .uid_store(&others, "+FLAGS (\\Deleted)")
            .await?
            .try_collect()
            .await?;
    }
    Ok(())
}

/// One round: every unseen message is processed, then marked seen. Answers how many.
/// Confidential mail (to the private address, R-CONF-1) is removed from the mailbox
/// instead, once the portal's copy is committed (R-CON-6); a crash in between leaves it
/// unseen, and the next round finds its receipt and removes it then.
///
/// # Errors
/// On an IMAP or database failure; the messages not yet marked come again next round.
pub async fn process_unseen(app: &App, session: &mut ImapSession) -> Result<usize, ImapError> {
    let messages = fetch_unseen(session).await?;
    let count = messages.len();
    for (uid, raw) in messages {
        match mail_in::parse(&raw) {
            Some(mail) => {
                let confidential = app.channels().is_to_private_address(&mail);
                let done = app.channels().receive_mail(mail).await?;
                tracing::debug!(uid, outcome = done.outcome.as_str(), confidential, "mail handled");
                if confidential {
                    hold_for_a_crash_test().await;
                    remove(session, uid).await?;
                    tracing::info!(uid, "confidential mail removed from the mailbox (R-CON-6)");
                    continue;
                }
            }
            None => tracing::warn!(uid, bytes = raw.len(), "not a mail message; marked seen and skipped"),
        }
        mark_seen(session, uid).await?;
    }
    if count > 0 {
        tracing::info!(count, "mail intake round");
    }
    Ok(count)
}

/// Fault injection for the crash test of R-CON-6 (`tests/mail.rs`): with
/// `REGLAMENT_FAULT_HOLD_BEFORE_REMOVAL_MS` set, the intake waits that long between
/// committing a confidential mail and removing it from the mailbox, so that the test can
/// kill the process there. Unset in any real deployment: no wait.
async fn hold_for_a_crash_test() {
    let Some(ms) = std::env::var("REGLAMENT_FAULT_HOLD_BEFORE_REMOVAL_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    else {
        return;
    };
    tracing::warn!(
        ms,
        "fault injection: holding a committed confidential mail before its removal"
    );
    tokio::time::sleep(Duration::from_millis(ms)).await;
}

/// Reads the mailbox until the process ends, reconnecting after failures.
pub async fn run_intake_loop(app: App, settings: ImapSettings) {
    tracing::info!(?settings, "mail intake started");
    let mut backoff = Duration::from_secs(5);
    loop {
        match session_loop(&app, &settings).await {
            Ok(()) => backoff = Duration::from_secs(5),
            Err(err) => {
                tracing::warn!(error = %err, retry_in = ?backoff, "mail intake failed; reconnecting");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(300));
            }
        }
    }
}

async fn session_loop(app: &App, settings: &ImapSettings) -> Result<(), ImapError> {
    let mut session = connect(settings).await?;
    let idle = session.capabilities().await?.has_str("IDLE");
    tracing::info!(idle, folder = %settings.folder, "signed in to the mailbox");
    loop {
        process_unseen(app, &mut session).await?;
        if idle {
            let mut handle = session.idle();
            handle.init().await?;
            let (wait, _stop) = handle.wait_with_timeout(settings.poll.max(Duration::from_secs(1)));
            wait.await?;
            session = handle.done().await?;
        } else {
            tokio::time::sleep(settings.poll).await;
            session.noop().await?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imap_urls_name_host_port_and_tls() {
        assert_eq!(
            host_port("imap://127.0.0.1:10143").ok(),
            Some((false, "127.0.0.1".to_owned(), 10143))
        );
        assert_eq!(
            host_port("imaps://mail.example").ok(),
            Some((true, "mail.example".to_owned(), 993))
        );
        assert!(host_port("http://x").is_err());
        assert!(host_port("imap://:1").is_err());
    }
}
