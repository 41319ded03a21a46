-- Signing keys may be encrypted at rest with the operator's key-encryption
-- key (CITYHUB_KEY_ENCRYPTION_KEY, see keyring/seal.go). sealed_by names
-- that key by its fingerprint; empty means private_key is PKCS #8 in clear.
ALTER TABLE signing_keys ADD COLUMN sealed_by TEXT NOT NULL DEFAULT '';
