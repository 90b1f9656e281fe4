-- Foundation: tiers, customers, contracts, teams, users, sign-in state, mail outbox.
CREATE TABLE tiers (
    code                    TEXT PRIMARY KEY,
    name_ru                 TEXT NOT NULL,
    name_en                 TEXT NOT NULL,
    schedule                TEXT NOT NULL CHECK (schedule IN ('8x5', '24x7')),
    response_target_minutes BIGINT NOT NULL CHECK (response_target_minutes > 0),
    max_open_tickets        BIGINT CHECK (max_open_tickets IS NULL OR max_open_tickets > 0),
    several_teams           BOOLEAN NOT NULL,
    max_contacts            BIGINT NOT NULL CHECK (max_contacts > 0),
    telegram                BOOLEAN NOT NULL,
    dedicated_manager       BOOLEAN NOT NULL,
    monthly_video_meeting   BOOLEAN NOT NULL,
    position                BIGINT NOT NULL,
    updated_at              TIMESTAMPTZ NOT NULL
);

CREATE TABLE customers (
    id                 UUID PRIMARY KEY,
    name               TEXT NOT NULL,
    name_key           TEXT NOT NULL UNIQUE,
    account_manager_id UUID,
    created_at         TIMESTAMPTZ NOT NULL,
    updated_at         TIMESTAMPTZ NOT NULL
);

CREATE TABLE contracts (
    id          UUID PRIMARY KEY,
    customer_id UUID NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    tier_code   TEXT NOT NULL REFERENCES tiers (code),
    number      TEXT NOT NULL,
    starts_on   DATE NOT NULL,
    ends_on     DATE NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    CHECK (ends_on >= starts_on)
);
CREATE INDEX contracts_customer ON contracts (customer_id, starts_on);

CREATE TABLE teams (
    id          UUID PRIMARY KEY,
    customer_id UUID NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    UNIQUE (customer_id, name_key)
);

CREATE TABLE users (
    id                UUID PRIMARY KEY,
    kind              TEXT NOT NULL CHECK (kind IN ('staff', 'client')),
    email             TEXT NOT NULL UNIQUE,
    full_name         TEXT NOT NULL,
    password_hash     TEXT,
    role              TEXT,
    customer_id       UUID REFERENCES customers (id) ON DELETE CASCADE,
    team_id           UUID REFERENCES teams (id) ON DELETE SET NULL,
    is_key_contact    BOOLEAN NOT NULL DEFAULT FALSE,
    telegram_username TEXT,
    active            BOOLEAN NOT NULL DEFAULT TRUE,
    locale            TEXT NOT NULL DEFAULT 'ru',
    time_zone         TEXT NOT NULL DEFAULT 'Europe/Moscow',
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL,
    CHECK ((kind = 'staff' AND role IS NOT NULL AND customer_id IS NULL)
        OR (kind = 'client' AND role IS NULL AND customer_id IS NOT NULL))
);
CREATE INDEX users_customer ON users (customer_id, active);
CREATE INDEX users_team ON users (team_id);

CREATE TABLE refresh_tokens (
    id         UUID PRIMARY KEY,
    user_id    UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    family_id  UUID NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    expires_at TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);

CREATE TABLE api_tokens (
    id           UUID PRIMARY KEY,
    user_id      UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    token_prefix TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    scopes       TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ,
    last_used_at TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ
);
CREATE INDEX api_tokens_user ON api_tokens (user_id, created_at);

CREATE TABLE login_failures (
    email         TEXT PRIMARY KEY,
    failures      BIGINT NOT NULL,
    last_failure  TIMESTAMPTZ NOT NULL,
    blocked_until TIMESTAMPTZ
);

CREATE TABLE invitations (
    id         UUID PRIMARY KEY,
    user_id    UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE outbox_mail (
    id              UUID PRIMARY KEY,
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    last_error      TEXT,
    sent_at         TIMESTAMPTZ
);
CREATE INDEX outbox_mail_due ON outbox_mail (next_attempt_at) WHERE sent_at IS NULL;
