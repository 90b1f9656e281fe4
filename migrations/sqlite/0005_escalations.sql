-- Overdue lookups (R-INT-1) and escalations of overdue tickets (R-ESC-2).
CREATE INDEX tickets_running_due ON tickets (response_due_at) WHERE awaiting_response;

CREATE TABLE escalations (
    id              BLOB PRIMARY KEY,
    ticket_id       BLOB NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    customer_id     BLOB NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    raised_by       BLOB NOT NULL REFERENCES users (id),
    comment         TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    acknowledged_by BLOB REFERENCES users (id),
    acknowledged_at TEXT
);
CREATE INDEX escalations_open ON escalations (created_at) WHERE acknowledged_at IS NULL;
CREATE INDEX escalations_customer ON escalations (customer_id, created_at);
