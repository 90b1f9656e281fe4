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
-- A client's own and their team's tickets: one author at a time (the customer in the key
-- so that counting a team's tickets reads the index alone).
CREATE INDEX tickets_author_number ON tickets (author_id, customer_id, number);
-- The staff's work queue over every customer.
CREATE INDEX tickets_status_number ON tickets (status, number);
CREATE INDEX tickets_due ON tickets (due_order, number);
CREATE INDEX tickets_status_due ON tickets (status, due_order, number);
-- Running cycles only (answered tickets keep their last due time): the overdue list and
-- counts (R-SLA-4, R-INT-1, R-ESC-1), for everyone and for one customer, in list order.
CREATE INDEX tickets_running_order ON tickets (due_order, number) WHERE awaiting_response;
CREATE INDEX tickets_customer_running_order ON tickets (customer_id, due_order, number) WHERE awaiting_response;

-- A team member sees the tickets of the team's members now (R-ACL-1). The author's team is
-- kept on the ticket by triggers, whoever writes the rows, so that a team's list is one
-- index range in list order instead of a lookup per member and a sort.
ALTER TABLE tickets ADD COLUMN author_team_id BLOB REFERENCES teams (id) ON DELETE SET NULL;
UPDATE tickets SET author_team_id = (SELECT team_id FROM users WHERE users.id = tickets.author_id);

CREATE TRIGGER tickets_author_team AFTER INSERT ON tickets FOR EACH ROW
BEGIN
    UPDATE tickets SET author_team_id = (SELECT team_id FROM users WHERE id = NEW.author_id) WHERE rowid = NEW.rowid;
END;

CREATE TRIGGER users_team_to_tickets AFTER UPDATE OF team_id ON users FOR EACH ROW
    WHEN OLD.team_id IS NOT NEW.team_id
BEGIN
    UPDATE tickets SET author_team_id = NEW.team_id WHERE author_id = NEW.id;
END;

CREATE INDEX tickets_team_number ON tickets (author_team_id, customer_id, number);
CREATE INDEX tickets_team_due ON tickets (author_team_id, customer_id, due_order, number);
