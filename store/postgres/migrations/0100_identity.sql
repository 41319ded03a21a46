-- Identity: accounts, their grants, refresh tokens, page sessions, failed
-- logins, and the hub's generated signing keys.

CREATE TABLE accounts (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL,
    -- email_norm is the lower-cased email; unique, so two accounts never
    -- share an address however it is capitalised.
    email_norm    TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    locale        TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    TIMESTAMPTZ NOT NULL,
    deleted_at    TIMESTAMPTZ
);

CREATE TABLE account_grants (
    account_id TEXT NOT NULL REFERENCES accounts (id),
    role       TEXT NOT NULL,
    scope      TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (account_id, role, scope)
);

-- Refresh tokens are kept only as SHA-256 hashes. Each use rotates the token
-- within its family; using a rotated token again revokes the family.
CREATE TABLE refresh_tokens (
    id          TEXT PRIMARY KEY,
    family_id   TEXT NOT NULL,
    account_id  TEXT NOT NULL REFERENCES accounts (id),
    token_hash  TEXT NOT NULL UNIQUE,
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    rotated_at  TIMESTAMPTZ,
    revoked_at  TIMESTAMPTZ
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_account ON refresh_tokens (account_id);

-- Page sessions, also kept only as hashes.
CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    account_id   TEXT NOT NULL REFERENCES accounts (id),
    created_at   TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_account ON sessions (account_id);

-- Failed logins, by subject: "email:<sha256 of the address>" or "ip:<addr>".
-- In the database, not in memory, so the limit holds across hub replicas.
CREATE TABLE login_failures (
    id      BIGSERIAL PRIMARY KEY,
    subject TEXT NOT NULL,
    at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX login_failures_subject ON login_failures (subject, at);

-- Generated signing keys (keys given in CITYHUB_SIGNING_KEYS are never
-- stored). At most one current key per purpose: hubs starting together each
-- try to insert one and all read back the winner.
CREATE TABLE signing_keys (
    id          TEXT PRIMARY KEY,
    purpose     TEXT NOT NULL,
    private_key BYTEA NOT NULL,
    current     BOOLEAN NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX signing_keys_current ON signing_keys (purpose) WHERE current;
