-- R-NTF-8: the bot's messages about a ticket in a customer's chat (its registration answer,
-- staff answers posted there), by their Telegram ids: a reply to one joins the ticket.
CREATE TABLE telegram_ticket_messages (
    chat_id    INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    ticket_id  BLOB NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    PRIMARY KEY (chat_id, message_id)
);
CREATE INDEX telegram_ticket_messages_ticket ON telegram_ticket_messages (ticket_id, created_at);

-- R-NTF-8: Telegram users by their numeric id once seen, so that a changed username keeps
-- working; the username serves only the first match.
CREATE TABLE telegram_identities (
    telegram_user_id INTEGER PRIMARY KEY,
    user_id          BLOB NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
    seen_at          TEXT NOT NULL
);
