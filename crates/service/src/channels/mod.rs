//! Email and Telegram: intake, the rejected-mail list, the outgoing mail outbox, the bot.

pub mod mail;
pub mod mail_in;
pub mod outbox;
pub mod staff_mail;
pub mod telegram;
pub mod telegram_chats;
pub mod telegram_out;
pub mod telegram_private;
pub mod telegram_replies;
pub mod telegram_wire;

crate::capability!(
    /// Email and Telegram: intake, the rejected-mail list, the outgoing mail outbox, the bot: `app.channels()`.
    Channels,
    channels
);
