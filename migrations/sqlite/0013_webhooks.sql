-- Outgoing webhooks (R-INT-2): subscriptions and the durable delivery outbox. A delivery
-- row is written in the same transaction as the change it tells about.

CREATE TABLE webhooks (
    id           BLOB PRIMARY KEY,
    url          TEXT NOT NULL,
    description  TEXT NOT NULL,
    -- Comma-separated event types (`ticket.created,message.posted`).
    events       TEXT NOT NULL,
    secret       TEXT NOT NULL,
    paused_at    TEXT,
    pause_reason TEXT,
    created_by   BLOB REFERENCES users (id) ON DELETE SET NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);

CREATE TABLE webhook_deliveries (
    id               BLOB PRIMARY KEY,
    webhook_id       BLOB NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event            TEXT NOT NULL,
    payload          TEXT NOT NULL,
    status           TEXT NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT,
    last_error       TEXT,
    last_status      INTEGER,
    last_response_ms INTEGER,
    created_at       TEXT NOT NULL,
    delivered_at     TEXT
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_log ON webhook_deliveries (webhook_id, created_at DESC, id DESC);
