-- The conversation of a ticket (public messages and internal notes, R-TKT-5),
-- the critical-fix clock (R-SLA-5), waiting for the customer (R-TKT-6), and links (R-TKT-7).
CREATE TABLE ticket_messages (
    id         UUID PRIMARY KEY,
    ticket_id  UUID NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    author_id  UUID NOT NULL REFERENCES users (id),
    internal   BOOLEAN NOT NULL,
    kind       TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX ticket_messages_ticket ON ticket_messages (ticket_id, created_at);

ALTER TABLE tickets ADD COLUMN fix_due_at TIMESTAMPTZ;
ALTER TABLE tickets ADD COLUMN waiting_since TIMESTAMPTZ;
ALTER TABLE tickets ADD COLUMN parent_ticket_id UUID REFERENCES tickets (id);
