-- (see the PostgreSQL migration of the same number; timestamps: Unix microseconds)
-- The transactional outbox: e-mails written in the same transaction as the
-- event that causes them, rendered, and sent by whichever sender claims
-- them. next_attempt_at is when a pending message is due, and, while a
-- message is sending, when its sender's lease runs out.
CREATE TABLE mail_outbox (
    id              TEXT PRIMARY KEY,
    kind            TEXT NOT NULL,
    account_id      TEXT NOT NULL DEFAULT '',
    locale          TEXT NOT NULL,
    to_address      TEXT NOT NULL,
    to_name         TEXT NOT NULL DEFAULT '',
    subject         TEXT NOT NULL,
    body_text       TEXT NOT NULL,
    body_html       TEXT NOT NULL,
    message_id      TEXT NOT NULL UNIQUE,
    state           TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at INTEGER NOT NULL,
    claim           TEXT NOT NULL DEFAULT '',
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    sent_at         INTEGER
);
CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at) WHERE state IN ('pending', 'sending');
CREATE INDEX mail_outbox_list ON mail_outbox (state, created_at DESC, id DESC);
CREATE INDEX mail_outbox_newest ON mail_outbox (created_at DESC, id DESC);
CREATE INDEX mail_outbox_account ON mail_outbox (account_id) WHERE account_id <> '';

CREATE TABLE mail_attachments (
    mail_id      TEXT NOT NULL REFERENCES mail_outbox (id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    content      BLOB NOT NULL,
    PRIMARY KEY (mail_id, position)
);
