-- R-NTF-5: staff link their account to the bot with a one-time code from their profile
-- (`/start CODE` in a private chat with the bot); notifications they route to Telegram go
-- to that chat. Telegram users are known by their numeric id (R-NTF-8).
CREATE TABLE telegram_accounts (
    user_id          UUID PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    telegram_user_id BIGINT NOT NULL UNIQUE,
    chat_id          BIGINT NOT NULL,
    username         TEXT,
    linked_at        TIMESTAMPTZ NOT NULL
);

-- The codes, by their SHA-256: a code read from the database links nothing.
CREATE TABLE telegram_account_codes (
    code_hash  TEXT PRIMARY KEY,
    user_id    UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX telegram_account_codes_user ON telegram_account_codes (user_id);

-- Messages the bot sends, queued in the same transaction as their cause and sent by a
-- background round with a lease (like outbox_mail), so that several instances and a
-- kill -9 neither lose nor double one. `abandoned_at`: Telegram refused it for good
-- (the person blocked the bot, the chat is gone).
CREATE TABLE outbox_telegram (
    id                  UUID PRIMARY KEY,
    chat_id             BIGINT NOT NULL,
    text                TEXT NOT NULL,
    reply_to_message_id BIGINT,
    user_id             UUID REFERENCES users (id) ON DELETE SET NULL,
    ticket_id           UUID REFERENCES tickets (id) ON DELETE SET NULL,
    created_at          TIMESTAMPTZ NOT NULL,
    next_attempt_at     TIMESTAMPTZ NOT NULL,
    attempts            BIGINT NOT NULL DEFAULT 0,
    last_error          TEXT,
    sent_at             TIMESTAMPTZ,
    sent_message_id     BIGINT,
    abandoned_at        TIMESTAMPTZ
);
CREATE INDEX outbox_telegram_due ON outbox_telegram (next_attempt_at) WHERE sent_at IS NULL AND abandoned_at IS NULL;

-- `telegram` joins the channels a person may choose.
ALTER TABLE notification_preferences DROP CONSTRAINT notification_preferences_channel_check;
ALTER TABLE notification_preferences ADD CONSTRAINT notification_preferences_channel_check
    CHECK (channel IN ('in_app', 'mail', 'telegram', 'digest_hourly', 'digest_daily'));
