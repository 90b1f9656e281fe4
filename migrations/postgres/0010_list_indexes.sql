-- Lists at real size (issue 11): every list order and visibility shape follows an index,
-- so a page costs the same for a customer with 200 tickets and one with 20,000.
--
-- The order "by response due, tickets without a due time last, then by number" as a stored
-- key: an index on it serves ORDER BY due_order, number on both backends (SQLite cannot
-- index NULLS LAST). Same sentinel on both backends; it is never shown.
ALTER TABLE tickets ADD COLUMN due_order TIMESTAMPTZ
    GENERATED ALWAYS AS (COALESCE(response_due_at, TIMESTAMPTZ '9999-12-31 23:59:59+00')) STORED;

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
