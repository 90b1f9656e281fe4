-- R-NTF-2: the share of a response budget after which the responsible person is warned,
-- per tier (admins edit it with the tiers).
ALTER TABLE tiers ADD COLUMN warn_percent INTEGER NOT NULL DEFAULT 75 CHECK (warn_percent BETWEEN 1 AND 99);

-- R-NTF-3: the duty roster for the 24x7 tiers. A weekly rotation: the member at
-- `position` (week k since `starts_on` takes member k mod n), handed over each Monday at
-- `handover_time` Moscow time; dated overrides put someone else on duty for a while.
CREATE TABLE duty_rotation (
    position INTEGER PRIMARY KEY CHECK (position >= 0),
    user_id  BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE
);

CREATE TABLE duty_settings (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    starts_on     TEXT NOT NULL,
    handover_time TEXT NOT NULL,
    updated_by    BLOB REFERENCES users (id) ON DELETE SET NULL,
    updated_at    TEXT NOT NULL
);

CREATE TABLE duty_overrides (
    id         BLOB PRIMARY KEY,
    user_id    BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    starts_at  TEXT NOT NULL,
    ends_at    TEXT NOT NULL CHECK (ends_at > starts_at),
    note       TEXT NOT NULL DEFAULT '',
    created_by BLOB REFERENCES users (id) ON DELETE SET NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX duty_overrides_ends ON duty_overrides (ends_at);

-- R-NTF-5: where a person wants each kind of notification besides the app: `in_app`
-- (nothing more), `mail`, `digest_hourly`, `digest_daily`. No row: the default.
CREATE TABLE notification_preferences (
    user_id BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind    TEXT NOT NULL,
    channel TEXT NOT NULL CHECK (channel IN ('in_app', 'mail', 'digest_hourly', 'digest_daily')),
    PRIMARY KEY (user_id, kind)
);

-- Where a notification goes besides the app, decided when it is written, and when that
-- was done (mailed alone, folded into a burst mail, or sent in a digest).
ALTER TABLE notifications ADD COLUMN channel TEXT NOT NULL DEFAULT 'in_app';
ALTER TABLE notifications ADD COLUMN delivered_at TEXT;
CREATE INDEX notifications_to_deliver ON notifications (recipient_id, created_at) WHERE delivered_at IS NULL AND channel <> 'in_app';

-- The live stream (Server-Sent Events): what happened, in commit order, for every
-- instance to push to its connected browsers. `seq` is the event id a browser resumes from.
CREATE TABLE live_events (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind         TEXT NOT NULL,
    ticket_id    BLOB,
    customer_id  BLOB,
    recipient_id BLOB,
    staff_only   BOOLEAN NOT NULL DEFAULT 0,
    payload      TEXT NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX live_events_created ON live_events (created_at);
