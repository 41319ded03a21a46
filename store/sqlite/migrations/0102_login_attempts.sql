-- Login attempts are reserved before the password is checked (see
-- identity/limits.go): a row of login_failures is now written first, under
-- the attempt's id in every bucket it counts in, and deleted again if the
-- login succeeds. What stays are failures, and attempts still in flight.
-- Rows written before this migration are failures with no attempt id.
ALTER TABLE login_failures ADD COLUMN attempt TEXT NOT NULL DEFAULT '';
CREATE INDEX login_failures_attempt ON login_failures (attempt) WHERE attempt <> '';

-- The networks (an IPv4 address or an IPv6 /64) each account logged in from
-- successfully: attempts from a known network are not slowed down by the
-- failures others make on the account or from the network. Personal data:
-- erased with the account. last_login_at is Unix microseconds.
CREATE TABLE login_addresses (
    account_id    TEXT NOT NULL REFERENCES accounts (id),
    network       TEXT NOT NULL,
    last_login_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, network)
);
