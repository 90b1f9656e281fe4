-- Foundation: tiers, customers, contracts, teams, users, sign-in state, mail outbox.
CREATE TABLE tiers (
    code                    TEXT PRIMARY KEY,
    name_ru                 TEXT NOT NULL,
    name_en                 TEXT NOT NULL,
    schedule                TEXT NOT NULL CHECK (schedule IN ('8x5', '24x7')),
    response_target_minutes INTEGER NOT NULL CHECK (response_target_minutes > 0),
    max_open_tickets        INTEGER CHECK (max_open_tickets IS NULL OR max_open_tickets > 0),
    several_teams           BOOLEAN NOT NULL,
    max_contacts            INTEGER NOT NULL CHECK (max_contacts > 0),
    telegram                BOOLEAN NOT NULL,
    dedicated_manager       BOOLEAN NOT NULL,
    monthly_video_meeting   BOOLEAN NOT NULL,
    position                INTEGER NOT NULL,
    updated_at              TEXT NOT NULL
);

CREATE TABLE customers (
    id                 BLOB PRIMARY KEY,
    name               TEXT NOT NULL,
    name_key           TEXT NOT NULL UNIQUE,
    account_manager_id BLOB,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
);

CREATE TABLE contracts (
    id          BLOB PRIMARY KEY,
    customer_id BLOB NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    tier_code   TEXT NOT NULL REFERENCES tiers (code),
    number      TEXT NOT NULL,
    starts_on   TEXT NOT NULL,
    ends_on     TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    CHECK (ends_on >= starts_on)
);
CREATE INDEX contracts_customer ON contracts (customer_id, starts_on);

CREATE TABLE teams (
    id          BLOB PRIMARY KEY,
    customer_id BLOB NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    UNIQUE (customer_id, name_key)
);

CREATE TABLE users (
    id                BLOB PRIMARY KEY,
    kind              TEXT NOT NULL CHECK (kind IN ('staff', 'client')),
    email             TEXT NOT NULL UNIQUE,
    full_name         TEXT NOT NULL,
    password_hash     TEXT,
    role              TEXT,
    customer_id       BLOB REFERENCES customers (id) ON DELETE CASCADE,
    team_id           BLOB REFERENCES teams (id) ON DELETE SET NULL,
    is_key_contact    BOOLEAN NOT NULL DEFAULT 0,
    telegram_username TEXT,
    active            BOOLEAN NOT NULL DEFAULT 1,
    locale            TEXT NOT NULL DEFAULT 'ru',
    time_zone         TEXT NOT NULL DEFAULT 'Europe/Moscow',
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    CHECK ((kind = 'staff' AND role IS NOT NULL AND customer_id IS NULL)
        OR (kind = 'client' AND role IS NULL AND customer_id IS NOT NULL))
);
CREATE INDEX users_customer ON users (customer_id, active);
CREATE INDEX users_team ON users (team_id);

CREATE TABLE refresh_tokens (
    id         BLOB PRIMARY KEY,
    user_id    BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    family_id  BLOB NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    expires_at TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);

CREATE TABLE api_tokens (
    id           BLOB PRIMARY KEY,
    user_id      BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    token_prefix TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    scopes       TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    expires_at   TEXT,
    last_used_at TEXT,
    revoked_at   TEXT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id, created_at);

CREATE TABLE login_failures (
    email         TEXT PRIMARY KEY,
    failures      INTEGER NOT NULL,
    last_failure  TEXT NOT NULL,
    blocked_until TEXT
);

CREATE TABLE invitations (
    id         BLOB PRIMARY KEY,
    user_id    BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    expires_at TEXT NOT NULL,
    used_at    TEXT,
    created_at TEXT NOT NULL
);

CREATE TABLE outbox_mail (
    id              BLOB PRIMARY KEY,
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    next_attempt_at TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    sent_at         TEXT
);
CREATE INDEX outbox_mail_due ON outbox_mail (next_attempt_at) WHERE sent_at IS NULL;
