-- R-NTF-5: an optional mail carries its one-click unsubscribe link (RFC 8058), sent as
-- List-Unsubscribe with List-Unsubscribe-Post.
ALTER TABLE outbox_mail ADD COLUMN unsubscribe_url TEXT;
