-- Notifications (R-NTF): what a person is told, written in the same transaction as the
-- change that causes it. `dedup_key` makes a notification that must come once per
-- occasion (an SLA warning per response cycle) come once, whatever restarts or instances.

CREATE TABLE notifications (
    id           BLOB PRIMARY KEY,
    recipient_id BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind         TEXT NOT NULL,
    ticket_id    BLOB REFERENCES tickets (id) ON DELETE CASCADE,
    title        TEXT NOT NULL,
    body         TEXT NOT NULL,
    dedup_key    TEXT,
    created_at   TEXT NOT NULL,
    read_at      TEXT
);

CREATE UNIQUE INDEX notifications_once ON notifications (recipient_id, dedup_key);
CREATE INDEX notifications_of_recipient ON notifications (recipient_id, created_at DESC);

-- R-NTF-2: the stages of a response cycle already told (`warning`, `breach`), one row
-- per cycle and stage, so that each is told once.
CREATE TABLE sla_alerts (
    ticket_id        BLOB NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    cycle_started_at TEXT NOT NULL,
    stage            TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    PRIMARY KEY (ticket_id, cycle_started_at, stage)
);
