-- Verified e-mail addresses, the single-use tokens e-mailed to prove one
-- (sign-up, password reset, change of address), and the fiscal code that
-- ties an account to a SPID/CIE identity.
--
-- Accounts that existed before addresses were verified were made by an
-- administrator, by the hub itself or by a sign-up the hub trusted then;
-- they stay able to log in.
ALTER TABLE accounts ADD COLUMN email_verified_at TIMESTAMPTZ;
UPDATE accounts SET email_verified_at = created_at;
-- The fiscal code (codice fiscale), normalised; NULL for accounts never
-- linked to SPID/CIE. One account per person.
ALTER TABLE accounts ADD COLUMN fiscal_code TEXT;
CREATE UNIQUE INDEX accounts_fiscal_code ON accounts (fiscal_code) WHERE fiscal_code IS NOT NULL;

-- A token is stored only as the SHA-256 of its secret; used_at makes it
-- single-use (set once, by the first use that finds it NULL).
CREATE TABLE email_tokens (
    token_hash TEXT PRIMARY KEY,
    purpose    TEXT NOT NULL CHECK (purpose IN ('verify', 'reset', 'change_email')),
    account_id TEXT NOT NULL REFERENCES accounts (id),
    -- The address the token was sent to: the one to verify or change to.
    email      TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ
);
CREATE INDEX email_tokens_account ON email_tokens (account_id, purpose);
CREATE INDEX email_tokens_expires ON email_tokens (expires_at);
