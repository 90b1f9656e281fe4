-- Tickets (R-TKT), their history (R-TKT-10), and counters for human numbers.
CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
INSERT INTO counters (name, value) VALUES ('ticket_number', 0);

CREATE TABLE tickets (
    id                     BLOB PRIMARY KEY,
    number                 INTEGER NOT NULL UNIQUE,
    customer_id            BLOB NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    author_id              BLOB NOT NULL REFERENCES users (id),
    assignee_id            BLOB REFERENCES users (id),
    category               TEXT NOT NULL,
    subject                TEXT NOT NULL,
    -- Case-folded in the application: SQLite's LOWER() folds only ASCII.
    subject_key            TEXT NOT NULL,
    body                   TEXT NOT NULL,
    product_version        TEXT,
    channel                TEXT NOT NULL,
    status                 TEXT NOT NULL,
    close_reason           TEXT,
    is_critical            BOOLEAN NOT NULL DEFAULT 0,
    critical_justification TEXT,
    bug_confirmed          BOOLEAN NOT NULL DEFAULT 0,
    -- In work and of a counted category (R-LIM-1, R-LIM-2): kept by the service from the domain's rule.
    takes_slot             BOOLEAN NOT NULL,
    response_started_at    TEXT,
    response_due_at        TEXT,
    response_tier          TEXT,
    response_schedule      TEXT,
    awaiting_response      BOOLEAN NOT NULL DEFAULT 0,
    response_breached      BOOLEAN NOT NULL DEFAULT 0,
    closed_at              TEXT,
    created_at             TEXT NOT NULL,
    updated_at             TEXT NOT NULL
);
CREATE INDEX tickets_customer_slots ON tickets (customer_id) WHERE takes_slot;
CREATE INDEX tickets_customer_queue ON tickets (customer_id, number) WHERE status = 'queued';
CREATE INDEX tickets_customer_status_due ON tickets (customer_id, status, response_due_at);
CREATE INDEX tickets_author ON tickets (author_id);
CREATE INDEX tickets_status_due ON tickets (status, response_due_at);

CREATE TABLE ticket_events (
    id         BLOB PRIMARY KEY,
    ticket_id  BLOB NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    actor_id   BLOB REFERENCES users (id),
    kind       TEXT NOT NULL,
    data       TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX ticket_events_ticket ON ticket_events (ticket_id, created_at);

-- Case-folded names for search (SQLite's LOWER() folds only ASCII).
ALTER TABLE users ADD COLUMN name_key TEXT NOT NULL DEFAULT '';
UPDATE users SET name_key = LOWER(full_name);
