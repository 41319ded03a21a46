-- A column that an index names, in its key or in its predicate, cannot
-- change in place: PostgreSQL then writes a new version of the row and a
-- new entry into every index of the table. The index of the vouchers to
-- remind named the status in its predicate, so every voucher redeemed in
-- full (active → used) wrote five index entries, whatever room its page
-- had. The index now holds every voucher not yet reminded, by its expiry;
-- the reminder's query still keeps the active ones with money left, among
-- the few that expire in its window.
DROP INDEX vouchers_expiry_reminder;
CREATE INDEX vouchers_expiry_reminder ON vouchers (expires_at) WHERE expiry_reminded_at IS NULL;
