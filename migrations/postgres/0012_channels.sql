-- Email and Telegram intake (R-CH-2, R-CH-3).

-- Every message a channel has acted on, by its channel key (`mail:<Message-ID>`,
-- `telegram:<chat>:<message>`), written in the same transaction as its effect, so that
-- a re-fetch after a crash does nothing twice.
CREATE TABLE channel_receipts (
    key         TEXT PRIMARY KEY,
    outcome     TEXT NOT NULL,
    ticket_id   UUID REFERENCES tickets (id) ON DELETE SET NULL,
    received_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX channel_receipts_ticket ON channel_receipts (ticket_id) WHERE ticket_id IS NOT NULL;

-- Mail that was not processed: unknown or disabled senders, refused content (R-CH-2).
-- The raw message is kept so that it can be processed after the sender is registered;
-- a confidential one is purged after 30 days (R-CONF-1).
CREATE TABLE rejected_mail (
    id           UUID PRIMARY KEY,
    receipt_key  TEXT NOT NULL UNIQUE,
    sender       TEXT NOT NULL,
    subject      TEXT NOT NULL,
    received_at  TIMESTAMPTZ NOT NULL,
    reason       TEXT NOT NULL,
    detail       TEXT NOT NULL,
    confidential BOOLEAN NOT NULL,
    raw          BYTEA,
    purged_at    TIMESTAMPTZ
);
CREATE INDEX rejected_mail_received ON rejected_mail (received_at DESC, id DESC);

-- Outgoing mail knows its ticket and its thread headers, so that a client's reply
-- finds the ticket by In-Reply-To/References.
ALTER TABLE outbox_mail ADD COLUMN ticket_id UUID REFERENCES tickets (id) ON DELETE SET NULL;
ALTER TABLE outbox_mail ADD COLUMN in_reply_to TEXT;
ALTER TABLE outbox_mail ADD COLUMN thread_references TEXT;
CREATE INDEX outbox_mail_ticket ON outbox_mail (ticket_id) WHERE ticket_id IS NOT NULL;

-- Telegram group chats linked to a customer by staff.
CREATE TABLE telegram_chats (
    chat_id     BIGINT PRIMARY KEY,
    customer_id UUID NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    title       TEXT NOT NULL,
    linked_by   UUID REFERENCES users (id) ON DELETE SET NULL,
    linked_at   TIMESTAMPTZ NOT NULL,
    -- Set when the customer's tier stopped allowing Telegram and staff were told.
    suspended_at TIMESTAMPTZ
);
CREATE INDEX telegram_chats_customer ON telegram_chats (customer_id);

CREATE TABLE telegram_link_codes (
    code        TEXT PRIMARY KEY,
    customer_id UUID NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    created_by  UUID REFERENCES users (id) ON DELETE SET NULL,
    expires_at  TIMESTAMPTZ NOT NULL
);

-- The bot's getUpdates offset and what it ignored, one row.
CREATE TABLE telegram_state (
    id                    BIGINT PRIMARY KEY CHECK (id = 1),
    update_offset         BIGINT NOT NULL,
    ignored_unlinked_chat BIGINT NOT NULL,
    ignored_unknown_user  BIGINT NOT NULL,
    ignored_tier          BIGINT NOT NULL
);
INSERT INTO telegram_state VALUES (1, 0, 0, 0, 0);
