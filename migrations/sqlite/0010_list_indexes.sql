-- Lists at real size (issue 11): every list order and visibility shape follows an index,
-- so a page costs the same for a customer with 200 tickets and one with 20,000.
--
-- The order "by response due, tickets without a due time last, then by number" as a
-- generated key: an index on it serves ORDER BY due_order, number on both backends (SQLite
-- cannot index NULLS LAST). The sentinel is what sqlx writes for 9999-12-31T23:59:59Z; it
-- is never shown.
ALTER TABLE tickets ADD COLUMN due_order TEXT
    GENERATED ALWAYS AS (COALESCE(response_due_at, '9999-12-31T23:59:59+00:00')) VIRTUAL;

DROP INDEX tickets_customer_status_due;
DROP INDEX tickets_status_due;
DROP INDEX tickets_author;

-- A customer's tickets (key contacts, staff filtering by customer), newest first or by due.
CREATE INDEX tickets_customer_number ON tickets (customer_id, number);
CREATE INDEX tickets_customer_status_number ON tickets (customer_id, status, number);
CREATE INDEX tickets_customer_due ON tickets (customer_id, due_order, number);
CREATE INDEX tickets_customer_status_due ON tickets (customer_id, status, due_order, number);
-- A client's own and their team's tickets: one author at a time.
CREATE INDEX tickets_author_number ON tickets (author_id, number);
-- The staff's work queue over every customer.
CREATE INDEX tickets_status_number ON tickets (status, number);
CREATE INDEX tickets_due ON tickets (due_order, number);
CREATE INDEX tickets_status_due ON tickets (status, due_order, number);
-- Overdue counts of one customer (R-ESC-1) without reading other customers' running cycles.
CREATE INDEX tickets_customer_running_due ON tickets (customer_id, response_due_at) WHERE awaiting_response;
