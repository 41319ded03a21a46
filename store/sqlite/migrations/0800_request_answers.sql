-- The first answer to each API request made with an Idempotency-Key, by
-- caller and route (scope) and key, so that a retry gets it again. A row
-- with done = 0 is claimed by a request still running (or by one that
-- died: it is taken over once claimed_at is older than the lease, unless
-- committed says that a database transaction of its request committed: then
-- its operation happened and only its answer was lost).
-- claimed_at is Unix microseconds (UTC).
CREATE TABLE request_answers (
    scope         TEXT NOT NULL,
    key           TEXT NOT NULL,
    request_hash  TEXT NOT NULL,
    committed     INTEGER NOT NULL DEFAULT 0,
    done          INTEGER NOT NULL DEFAULT 0,
    status        INTEGER NOT NULL DEFAULT 0,
    header        TEXT NOT NULL DEFAULT '{}',
    body          BLOB NOT NULL DEFAULT x'',
    claimed_at    INTEGER NOT NULL,
    PRIMARY KEY (scope, key)
);
