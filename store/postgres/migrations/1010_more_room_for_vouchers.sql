-- A quarter of a page (migration 1006) is room for about eight new
-- versions of a voucher beside the 24 that fill the rest, and every voucher
-- changes at least once soon after it is claimed (its redemption), before
-- the old versions can be pruned: the log of a run of redemptions showed
-- 41 % of the vouchers' updates writing a new version on another page, and
-- so an entry in each of the table's five indexes. Pages written from now
-- on keep half free: every voucher of a page has room for its change.
-- The table takes half as much space again; a city's vouchers are a few
-- hundred thousand rows at most.
ALTER TABLE vouchers SET (fillfactor = 50);
