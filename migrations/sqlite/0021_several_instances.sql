-- R-OPS-1: attachments live in the database, in chunks, so that every instance serves
-- every file; `storage` says where an attachment's bytes are ('disk' for files written
-- before, until the start-up move brings them in; 'database' since).
ALTER TABLE attachments ADD COLUMN storage TEXT NOT NULL DEFAULT 'disk';
CREATE TABLE attachment_chunks (
    attachment_id BLOB NOT NULL REFERENCES attachments (id) ON DELETE CASCADE,
    seq           INTEGER NOT NULL,
    data          BLOB NOT NULL,
    PRIMARY KEY (attachment_id, seq)
);

-- R-OPS-2: the loops that must have one reader (IMAP, the Telegram poller) run under a
-- lease: one row per loop, held by one instance until it expires unrenewed.
CREATE TABLE leases (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    acquired_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
