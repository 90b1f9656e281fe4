-- Attachments, stored on disk under the data dir; confidential ones are purged after 30 days (R-CONF-1).
CREATE TABLE attachments (
    id           UUID PRIMARY KEY,
    ticket_id    UUID NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    uploaded_by  UUID NOT NULL REFERENCES users (id),
    file_name    TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    sha256       TEXT NOT NULL,
    confidential BOOLEAN NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    purged_at    TIMESTAMPTZ
);
CREATE INDEX attachments_ticket ON attachments (ticket_id, created_at);
CREATE INDEX attachments_to_purge ON attachments (created_at) WHERE confidential AND purged_at IS NULL;
