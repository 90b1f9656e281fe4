//! Reglament's adapters to the outside world. Outgoing mail is delivered from the
//! database outbox, by SMTP when configured, else into a folder as `.eml` files
//! (so that a fresh machine with no mail server loses nothing and shows everything).

pub mod mail;
