-- R-CON-6: staff mark a message confidential; its text is purged 30 days after receipt
-- (R-CONF-1), the message itself and the purge event remain.
ALTER TABLE ticket_messages ADD COLUMN confidential BOOLEAN NOT NULL DEFAULT 0;
ALTER TABLE ticket_messages ADD COLUMN purged_at TEXT;
CREATE INDEX ticket_messages_to_purge ON ticket_messages (created_at) WHERE confidential AND purged_at IS NULL;
