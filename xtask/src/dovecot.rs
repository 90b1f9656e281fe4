//! A local IMAP server for the mail intake (R-CH-2): Debian's dovecot with its own
//! configuration under the system's temp dir, on 127.0.0.1:10143, plain-text login, any
//! user name with the one password, each user its own Maildir (so every test has its own
//! mailbox). Used by `cargo xtask test`, `cargo xtask dovecot` and, through `#[path]`,
//! by the mail tests and the mail benchmark. Standard library only.

use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

/// The port the local dovecot listens on.
pub const PORT: u16 = 10143;
/// Every user's password.
pub const PASSWORD: &str = "reglament-mail";

/// Where its configuration, state and mail live.
pub fn dir() -> PathBuf {
    std::env::temp_dir().join("reglament-dovecot")
}

/// Whether something answers on the port.
pub fn listening() -> bool {
    let addr = SocketAddr::from(([127, 0, 0, 1], PORT));
    TcpStream::connect_timeout(&addr, Duration::from_millis(300)).is_ok()
}

/// Whether the dovecot binary is installed.
pub fn installed() -> bool {
    Command::new("dovecot")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn config(dir: &std::path::Path) -> String {
    let d = dir.display();
    format!(
        "# Written by reglament's xtask: a local IMAP server for the mail intake's tests.\n\
         protocols = imap\n\
         listen = 127.0.0.1\n\
         base_dir = {d}/run\n\
         state_dir = {d}/state\n\
         log_path = {d}/dovecot.log\n\
         ssl = no\n\
         disable_plaintext_auth = no\n\
         auth_mechanisms = plain login\n\
         mail_location = maildir:{d}/mail/%u\n\
         mail_uid = dovecot\n\
         mail_gid = dovecot\n\
         first_valid_uid = 1\n\
         default_login_user = dovenull\n\
         default_internal_user = dovecot\n\
         passdb {{\n  driver = static\n  args = password={PASSWORD}\n}}\n\
         userdb {{\n  driver = static\n  args = uid=dovecot gid=dovecot home={d}/mail/%u\n}}\n\
         service imap-login {{\n  chroot =\n  inet_listener imap {{\n    port = {PORT}\n  }}\n  inet_listener imaps {{\n    port = 0\n  }}\n}}\n\
         service anvil {{\n  chroot =\n}}\n\
         service stats {{\n  chroot =\n}}\n"
    )
}

/// Starts the local dovecot unless it already listens.
///
/// # Errors
/// When dovecot is not installed or does not come up.
pub fn ensure_running() -> Result<(), String> {
    if listening() {
        return Ok(());
    }
    if !installed() {
        return Err(
            "dovecot is not installed: `cargo xtask dovecot` installs it (apt-get install dovecot-imapd)".into(),
        );
    }
    let dir = dir();
    for sub in ["run", "state", "mail"] {
        std::fs::create_dir_all(dir.join(sub)).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    }
    let conf = dir.join("dovecot.conf");
    std::fs::write(&conf, config(&dir)).map_err(|e| format!("writing {}: {e}", conf.display()))?;
    // The mail processes run as the dovecot user, which must own the mail.
    let _ = Command::new("chown")
        .args(["-R", "dovecot:dovecot"])
        .arg(dir.join("mail"))
        .status();
    let _ = std::fs::remove_file(dir.join("run/master.pid"));
    // dovecot forks into the background; its output would keep a caller's pipe open.
    let status = Command::new("dovecot")
        .arg("-c")
        .arg(&conf)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map_err(|e| format!("starting dovecot: {e}"))?;
    if !status.success() {
        return Err(format!(
            "dovecot did not start ({status}); see {}",
            dir.join("dovecot.log").display()
        ));
    }
    for _ in 0..50 {
        if listening() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(format!(
        "dovecot started but does not listen on 127.0.0.1:{PORT}; see {}",
        dir.join("dovecot.log").display()
    ))
}
