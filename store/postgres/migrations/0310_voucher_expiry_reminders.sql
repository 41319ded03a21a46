-- When the "about to expire" e-mail of a voucher was enqueued: each voucher
-- is reminded at most once, whichever replica gets there first.
ALTER TABLE vouchers ADD COLUMN expiry_reminded_at TIMESTAMPTZ;
CREATE INDEX vouchers_expiry_reminder ON vouchers (expires_at) WHERE status = 'active' AND expiry_reminded_at IS NULL;
