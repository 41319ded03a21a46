-- Disabling an account must end every credential issued to it for good:
-- re-enabling it must not bring back an access token (which the hub does
-- not store) nor a refresh token or page session made by a login that
-- raced the disable. The account counts its revocations; each credential
-- records the count it was issued at, and one issued before the latest
-- revocation is refused. Existing rows are all of generation 0.
ALTER TABLE accounts ADD COLUMN token_generation INTEGER NOT NULL DEFAULT 0;
ALTER TABLE refresh_tokens ADD COLUMN token_generation INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN token_generation INTEGER NOT NULL DEFAULT 0;
