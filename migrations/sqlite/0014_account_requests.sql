-- The structured request of an account_management ticket (R-ACC-2) and its application
-- by staff (R-ACC-3).
CREATE TABLE account_requests (
    ticket_id  BLOB PRIMARY KEY REFERENCES tickets (id) ON DELETE CASCADE,
    request    TEXT NOT NULL,
    applied_at TEXT,
    applied_by BLOB REFERENCES users (id) ON DELETE SET NULL,
    user_id    BLOB REFERENCES users (id) ON DELETE SET NULL
);
