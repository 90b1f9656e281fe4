-- Attachments, stored on disk under the data dir; confidential ones are purged after 30 days (R-CONF-1).
CREATE TABLE attachments (
    id           BLOB PRIMARY KEY,
    ticket_id    BLOB NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    uploaded_by  BLOB NOT NULL REFERENCES users (id),
    file_name    TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    sha256       TEXT NOT NULL,
    confidential BOOLEAN NOT NULL,
    created_at   TEXT NOT NULL,
    purged_at    TEXT
);
CREATE INDEX attachments_ticket ON attachments (ticket_id, created_at);
CREATE INDEX attachments_to_purge ON attachments (created_at) WHERE confidential AND purged_at IS NULL;
