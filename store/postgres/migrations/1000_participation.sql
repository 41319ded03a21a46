-- Citizens' reports (segnalazioni) and proposals. Categories, offices and
-- contrade are configuration (participation.Catalogue), so rows carry their
-- codes as text; a report keeps the office its category had when it came
-- in, so a later change of the catalogue does not move open work between
-- queues.
CREATE TABLE participation_reports (
    id                 TEXT PRIMARY KEY,
    token              TEXT NOT NULL UNIQUE,
    category           TEXT NOT NULL,
    office_id          TEXT NOT NULL,
    lat                DOUBLE PRECISION,
    lon                DOUBLE PRECISION,
    address            TEXT NOT NULL DEFAULT '',
    contrada           TEXT NOT NULL DEFAULT '',
    description        TEXT NOT NULL,
    reporter_id        TEXT NOT NULL DEFAULT '',
    reporter_name      TEXT NOT NULL DEFAULT '',
    reporter_email     TEXT NOT NULL DEFAULT '',
    public_name        BOOLEAN NOT NULL DEFAULT FALSE,
    redacted           BOOLEAN NOT NULL DEFAULT FALSE,
    status             TEXT NOT NULL CHECK (status IN ('open', 'acknowledged', 'in_progress', 'fixed', 'rejected', 'duplicate')),
    status_note        TEXT NOT NULL DEFAULT '',
    merged_into        TEXT NOT NULL DEFAULT '',
    source             TEXT NOT NULL DEFAULT '',
    locale             TEXT NOT NULL DEFAULT 'it',
    created_at         TIMESTAMPTZ NOT NULL,
    updated_at         TIMESTAMPTZ NOT NULL,
    CHECK ((lat IS NULL) = (lon IS NULL)),
    CHECK (lat IS NOT NULL OR address <> '')
);
CREATE INDEX participation_reports_queue ON participation_reports (office_id, created_at, id)
    WHERE status IN ('open', 'acknowledged', 'in_progress');
CREATE INDEX participation_reports_reporter ON participation_reports (reporter_id, created_at DESC) WHERE reporter_id <> '';
CREATE INDEX participation_reports_newest ON participation_reports (created_at DESC, id DESC);
CREATE INDEX participation_reports_nearby ON participation_reports (category, lat, lon)
    WHERE status IN ('open', 'acknowledged', 'in_progress') AND lat IS NOT NULL;

-- Every change of a report, in order: status changes with the public note,
-- reopenings, merges, moderation. The timings (to acknowledge, to fix) are
-- computed from these rows.
CREATE TABLE participation_report_changes (
    id          BIGSERIAL PRIMARY KEY,
    report_id   TEXT NOT NULL REFERENCES participation_reports (id) ON DELETE CASCADE,
    at          TIMESTAMPTZ NOT NULL,
    actor_id    TEXT NOT NULL DEFAULT '',
    kind        TEXT NOT NULL,
    from_status TEXT NOT NULL DEFAULT '',
    to_status   TEXT NOT NULL DEFAULT '',
    note        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX participation_report_changes_report ON participation_report_changes (report_id, id);

-- Photos, re-encoded (no EXIF) and kept here so every replica serves them.
CREATE TABLE participation_photos (
    id          TEXT PRIMARY KEY,
    report_id   TEXT NOT NULL REFERENCES participation_reports (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL CHECK (position BETWEEN 0 AND 2),
    state       TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'hidden')),
    width       INTEGER NOT NULL,
    height      INTEGER NOT NULL,
    image       BYTEA NOT NULL,
    thumbnail   BYTEA NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    moderated_by TEXT NOT NULL DEFAULT '',
    UNIQUE (report_id, position)
);
CREATE INDEX participation_photos_pending ON participation_photos (created_at) WHERE state = 'pending';

CREATE TABLE participation_proposals (
    id            TEXT PRIMARY KEY,
    author_id     TEXT NOT NULL,
    author_name   TEXT NOT NULL DEFAULT '',
    public_name   BOOLEAN NOT NULL DEFAULT FALSE,
    title         TEXT NOT NULL,
    body          TEXT NOT NULL,
    threshold     INTEGER NOT NULL CHECK (threshold > 0),
    support_count INTEGER NOT NULL DEFAULT 0 CHECK (support_count >= 0),
    answer        TEXT NOT NULL DEFAULT '',
    answered_at   TIMESTAMPTZ,
    answered_by   TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX participation_proposals_newest ON participation_proposals (created_at DESC, id DESC);

-- One support per citizen: the primary key decides, not an earlier read.
CREATE TABLE participation_supports (
    proposal_id TEXT NOT NULL REFERENCES participation_proposals (id) ON DELETE CASCADE,
    account_id  TEXT NOT NULL,
    at          TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (proposal_id, account_id)
);

CREATE TABLE participation_followers (
    proposal_id TEXT NOT NULL REFERENCES participation_proposals (id) ON DELETE CASCADE,
    account_id  TEXT NOT NULL,
    at          TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (proposal_id, account_id)
);

CREATE TABLE participation_comments (
    id          TEXT PRIMARY KEY,
    proposal_id TEXT NOT NULL REFERENCES participation_proposals (id) ON DELETE CASCADE,
    author_id   TEXT NOT NULL,
    author_name TEXT NOT NULL DEFAULT '',
    body        TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('visible', 'flagged', 'hidden')),
    flag_count  INTEGER NOT NULL DEFAULT 0,
    moderated_by TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX participation_comments_proposal ON participation_comments (proposal_id, created_at, id);
CREATE INDEX participation_comments_flagged ON participation_comments (created_at) WHERE state = 'flagged';

CREATE TABLE participation_comment_flags (
    comment_id TEXT NOT NULL REFERENCES participation_comments (id) ON DELETE CASCADE,
    account_id TEXT NOT NULL,
    reason     TEXT NOT NULL DEFAULT '',
    at         TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (comment_id, account_id)
);

-- API keys of third-party report apps (Open311): the secret is kept as an
-- argon2id hash, like the stations' broker credentials.
CREATE TABLE participation_api_keys (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    issued_at   TIMESTAMPTZ NOT NULL,
    issued_by   TEXT NOT NULL,
    revoked_at  TIMESTAMPTZ
);
