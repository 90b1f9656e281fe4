-- Overdue lookups (R-INT-1) and escalations of overdue tickets (R-ESC-2).
CREATE INDEX tickets_running_due ON tickets (response_due_at) WHERE awaiting_response;

CREATE TABLE escalations (
    id              UUID PRIMARY KEY,
    ticket_id       UUID NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    customer_id     UUID NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    raised_by       UUID NOT NULL REFERENCES users (id),
    comment         TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    acknowledged_by UUID REFERENCES users (id),
    acknowledged_at TIMESTAMPTZ
);
CREATE INDEX escalations_open ON escalations (created_at) WHERE acknowledged_at IS NULL;
CREATE INDEX escalations_customer ON escalations (customer_id, created_at);
