-- Every answered response cycle (R-SLA-1, R-SLA-4), for the SLA dashboards:
-- compliance per tier and customer by month, and the response-time distribution.
CREATE TABLE response_cycles (
    id               UUID PRIMARY KEY,
    ticket_id        UUID NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    customer_id      UUID NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    tier_code        TEXT NOT NULL,
    started_at       TIMESTAMPTZ NOT NULL,
    due_at           TIMESTAMPTZ,
    answered_at      TIMESTAMPTZ NOT NULL,
    -- The Moscow calendar month of the answer, 'YYYY-MM'.
    month            TEXT NOT NULL,
    on_time          BOOLEAN NOT NULL,
    -- Business minutes from start to answer on the cycle's schedule.
    business_minutes BIGINT NOT NULL
);
CREATE INDEX response_cycles_month ON response_cycles (month, tier_code);
CREATE INDEX response_cycles_customer_month ON response_cycles (customer_id, month);
