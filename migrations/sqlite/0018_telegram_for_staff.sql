-- R-NTF-5: staff link their account to the bot with a one-time code from their profile
-- (`/start CODE` in a private chat with the bot); notifications they route to Telegram go
-- to that chat. Telegram users are known by their numeric id (R-NTF-8).
CREATE TABLE telegram_accounts (
    user_id          BLOB PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    telegram_user_id INTEGER NOT NULL UNIQUE,
    chat_id          INTEGER NOT NULL,
    username         TEXT,
    linked_at        TEXT NOT NULL
);

-- The codes, by their SHA-256: a code read from the database links nothing.
CREATE TABLE telegram_account_codes (
    code_hash  TEXT PRIMARY KEY,
    user_id    BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at TEXT NOT NULL
);
CREATE INDEX telegram_account_codes_user ON telegram_account_codes (user_id);

-- Messages the bot sends, queued in the same transaction as their cause and sent by a
-- background round with a lease (like outbox_mail), so that several instances and a
-- kill -9 neither lose nor double one. `abandoned_at`: Telegram refused it for good
-- (the person blocked the bot, the chat is gone).
CREATE TABLE outbox_telegram (
    id                  BLOB PRIMARY KEY,
    chat_id             INTEGER NOT NULL,
    text                TEXT NOT NULL,
    reply_to_message_id INTEGER,
    user_id             BLOB REFERENCES users (id) ON DELETE SET NULL,
    ticket_id           BLOB REFERENCES tickets (id) ON DELETE SET NULL,
    created_at          TEXT NOT NULL,
    next_attempt_at     TEXT NOT NULL,
    attempts            INTEGER NOT NULL DEFAULT 0,
    last_error          TEXT,
    sent_at             TEXT,
    sent_message_id     INTEGER,
    abandoned_at        TEXT
);
CREATE INDEX outbox_telegram_due ON outbox_telegram (next_attempt_at) WHERE sent_at IS NULL AND abandoned_at IS NULL;

-- `telegram` joins the channels a person may choose.
CREATE TABLE notification_preferences_new (
    user_id BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind    TEXT NOT NULL,
    channel TEXT NOT NULL CHECK (channel IN ('in_app', 'mail', 'telegram', 'digest_hourly', 'digest_daily')),
    PRIMARY KEY (user_id, kind)
);
INSERT INTO notification_preferences_new (user_id, kind, channel)
    SELECT user_id, kind, channel FROM notification_preferences;
DROP TABLE notification_preferences;
ALTER TABLE notification_preferences_new RENAME TO notification_preferences;
