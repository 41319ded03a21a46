-- The first answer to each API request made with an Idempotency-Key, by
-- caller and route (scope) and key, so that a retry gets it again. A row
-- with done = false is claimed by a request still running (or by one that
-- died: it is taken over once claimed_at is older than the lease, unless
-- committed says that a database transaction of its request committed: then
-- its operation happened and only its answer was lost).
CREATE TABLE request_answers (
    scope         TEXT NOT NULL,
    key           TEXT NOT NULL,
    request_hash  TEXT NOT NULL,
    committed     BOOLEAN NOT NULL DEFAULT false,
    done          BOOLEAN NOT NULL DEFAULT false,
    status        INTEGER NOT NULL DEFAULT 0,
    header        TEXT NOT NULL DEFAULT '{}',
    body          BYTEA NOT NULL DEFAULT '',
    claimed_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (scope, key)
);
