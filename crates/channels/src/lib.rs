//! Reglament's adapters to the outside world. Outgoing mail is delivered from the
//! database outbox, by SMTP when configured, else into a folder as `.eml` files
//! (so that a fresh machine with no mail server loses nothing and shows everything).
//! Incoming mail is read from an IMAP mailbox, and the Telegram bot polls the Bot API;
//! both hand what they receive to the service's intake.

pub mod imap;
pub mod mail;
pub mod telegram;
pub mod webhooks;
