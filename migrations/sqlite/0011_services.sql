-- Professional services and bookings (SPEC section 10): certificates and their ledger,
-- estimates and work logs of orders, specialists' weekly hours, monthly bookings.
CREATE TABLE certificates (
    id          BLOB PRIMARY KEY,
    customer_id BLOB NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    number      TEXT NOT NULL UNIQUE,
    hours       INTEGER NOT NULL CHECK (hours > 0),
    valid_from  TEXT NOT NULL,
    valid_until TEXT NOT NULL,
    created_by  BLOB NOT NULL REFERENCES users (id),
    created_at  TEXT NOT NULL,
    CHECK (valid_until >= valid_from)
);
CREATE INDEX certificates_customer ON certificates (customer_id, valid_until);

-- Append-only: rows are never updated; a correction is a new row.
CREATE TABLE ledger_entries (
    id             BLOB PRIMARY KEY,
    certificate_id BLOB NOT NULL REFERENCES certificates (id) ON DELETE CASCADE,
    customer_id    BLOB NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    kind           TEXT NOT NULL CHECK (kind IN ('work', 'unused_booking', 'correction')),
    minutes        INTEGER NOT NULL,
    ticket_id      BLOB REFERENCES tickets (id) ON DELETE SET NULL,
    work_log_id    BLOB,
    month          TEXT,
    note           TEXT NOT NULL,
    created_by     BLOB REFERENCES users (id),
    overridden     BOOLEAN NOT NULL DEFAULT 0,
    created_at     TEXT NOT NULL
);
CREATE INDEX ledger_certificate ON ledger_entries (certificate_id, created_at, id);

CREATE TABLE estimates (
    id         BLOB PRIMARY KEY,
    ticket_id  BLOB NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    hours      INTEGER NOT NULL CHECK (hours > 0),
    starts_on  TEXT NOT NULL,
    conditions TEXT NOT NULL,
    state      TEXT NOT NULL CHECK (state IN ('proposed', 'approved', 'declined', 'superseded')),
    author_id  BLOB NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    decided_by BLOB REFERENCES users (id),
    decided_at TEXT
);
CREATE INDEX estimates_ticket ON estimates (ticket_id, created_at);

CREATE TABLE work_logs (
    id               BLOB PRIMARY KEY,
    ticket_id        BLOB NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    customer_id      BLOB NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    specialist_id    BLOB NOT NULL REFERENCES users (id),
    started_at       TEXT NOT NULL,
    ended_at         TEXT NOT NULL,
    month            TEXT NOT NULL,
    business_minutes INTEGER NOT NULL,
    overtime_minutes INTEGER NOT NULL,
    counted_minutes  INTEGER NOT NULL,
    charged_minutes  INTEGER NOT NULL,
    description      TEXT NOT NULL,
    overridden       BOOLEAN NOT NULL DEFAULT 0,
    created_at       TEXT NOT NULL,
    CHECK (ended_at > started_at)
);
CREATE INDEX work_logs_ticket ON work_logs (ticket_id, started_at);
CREATE INDEX work_logs_specialist ON work_logs (specialist_id, started_at);
CREATE INDEX work_logs_customer_month ON work_logs (customer_id, month);

CREATE TABLE specialist_hours (
    user_id      BLOB PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    weekly_hours INTEGER NOT NULL CHECK (weekly_hours BETWEEN 1 AND 60)
);

CREATE TABLE bookings (
    id          BLOB PRIMARY KEY,
    customer_id BLOB NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    month       TEXT NOT NULL,
    hours       INTEGER NOT NULL CHECK (hours > 0),
    created_by  BLOB NOT NULL REFERENCES users (id),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX bookings_month ON bookings (month, customer_id, hours);
CREATE INDEX bookings_customer ON bookings (customer_id, month);

-- One row per month that has been booked: bookings of a month lock it (R-BK-5).
CREATE TABLE booking_months (
    month TEXT PRIMARY KEY
);

-- The month-end charge of unused booked hours (R-BK-4), once per customer and month.
CREATE TABLE booking_charges (
    customer_id    BLOB NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    month          TEXT NOT NULL,
    booked_minutes INTEGER NOT NULL,
    logged_minutes INTEGER NOT NULL,
    charged_minutes INTEGER NOT NULL,
    created_at     TEXT NOT NULL,
    PRIMARY KEY (customer_id, month)
);
