-- Professional services and bookings (SPEC section 10): certificates and their ledger,
-- estimates and work logs of orders, specialists' weekly hours, monthly bookings.
CREATE TABLE certificates (
    id          UUID PRIMARY KEY,
    customer_id UUID NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    number      TEXT NOT NULL UNIQUE,
    hours       BIGINT NOT NULL CHECK (hours > 0),
    valid_from  DATE NOT NULL,
    valid_until DATE NOT NULL,
    created_by  UUID NOT NULL REFERENCES users (id),
    created_at  TIMESTAMPTZ NOT NULL,
    CHECK (valid_until >= valid_from)
);
CREATE INDEX certificates_customer ON certificates (customer_id, valid_until);

-- Append-only: rows are never updated; a correction is a new row.
CREATE TABLE ledger_entries (
    id             UUID PRIMARY KEY,
    certificate_id UUID NOT NULL REFERENCES certificates (id) ON DELETE CASCADE,
    customer_id    UUID NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    kind           TEXT NOT NULL CHECK (kind IN ('work', 'unused_booking', 'correction')),
    minutes        BIGINT NOT NULL,
    ticket_id      UUID REFERENCES tickets (id) ON DELETE SET NULL,
    work_log_id    UUID,
    month          TEXT,
    note           TEXT NOT NULL,
    created_by     UUID REFERENCES users (id),
    overridden     BOOLEAN NOT NULL DEFAULT FALSE,
    created_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX ledger_certificate ON ledger_entries (certificate_id, created_at, id);

CREATE TABLE estimates (
    id         UUID PRIMARY KEY,
    ticket_id  UUID NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    hours      BIGINT NOT NULL CHECK (hours > 0),
    starts_on  DATE NOT NULL,
    conditions TEXT NOT NULL,
    state      TEXT NOT NULL CHECK (state IN ('proposed', 'approved', 'declined', 'superseded')),
    author_id  UUID NOT NULL REFERENCES users (id),
    created_at TIMESTAMPTZ NOT NULL,
    decided_by UUID REFERENCES users (id),
    decided_at TIMESTAMPTZ
);
CREATE INDEX estimates_ticket ON estimates (ticket_id, created_at);

CREATE TABLE work_logs (
    id               UUID PRIMARY KEY,
    ticket_id        UUID NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    customer_id      UUID NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    specialist_id    UUID NOT NULL REFERENCES users (id),
    started_at       TIMESTAMPTZ NOT NULL,
    ended_at         TIMESTAMPTZ NOT NULL,
    month            TEXT NOT NULL,
    business_minutes BIGINT NOT NULL,
    overtime_minutes BIGINT NOT NULL,
    counted_minutes  BIGINT NOT NULL,
    charged_minutes  BIGINT NOT NULL,
    description      TEXT NOT NULL,
    overridden       BOOLEAN NOT NULL DEFAULT FALSE,
    created_at       TIMESTAMPTZ NOT NULL,
    CHECK (ended_at > started_at)
);
CREATE INDEX work_logs_ticket ON work_logs (ticket_id, started_at);
CREATE INDEX work_logs_specialist ON work_logs (specialist_id, started_at);
CREATE INDEX work_logs_customer_month ON work_logs (customer_id, month);

CREATE TABLE specialist_hours (
    user_id      UUID PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    weekly_hours BIGINT NOT NULL CHECK (weekly_hours BETWEEN 1 AND 60)
);

CREATE TABLE bookings (
    id          UUID PRIMARY KEY,
    customer_id UUID NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    month       TEXT NOT NULL,
    hours       BIGINT NOT NULL CHECK (hours > 0),
    created_by  UUID NOT NULL REFERENCES users (id),
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX bookings_month ON bookings (month, customer_id, hours);
CREATE INDEX bookings_customer ON bookings (customer_id, month);

-- One row per month that has been booked: bookings of a month lock it (R-BK-5).
CREATE TABLE booking_months (
    month TEXT PRIMARY KEY
);

-- The month-end charge of unused booked hours (R-BK-4), once per customer and month.
CREATE TABLE booking_charges (
    customer_id    UUID NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    month          TEXT NOT NULL,
    booked_minutes BIGINT NOT NULL,
    logged_minutes BIGINT NOT NULL,
    charged_minutes BIGINT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (customer_id, month)
);
