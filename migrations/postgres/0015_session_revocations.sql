-- "Sign out everywhere": access tokens a user was issued before this instant are refused,
-- not only the refresh tokens (which are revoked at the same time).
CREATE TABLE session_revocations (
    user_id    UUID PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    revoked_at TIMESTAMPTZ NOT NULL
);
