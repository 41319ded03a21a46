-- The token generation a password change ended last (-1: none): the
-- access tokens of that generation, and of no other, may still have the
-- change's own retry answered with its first answer, while the account's
-- generation is the one right after it (nothing else ended its tokens
-- since). A reset, a disable and an erasure do not set it.
ALTER TABLE accounts ADD COLUMN password_change_generation BIGINT NOT NULL DEFAULT -1;
