-- Rows that are written once and changed once soon after, by a column no
-- index holds, are given room in their page for the change, so that
-- PostgreSQL writes the new version beside the old one and touches no
-- index (a heap-only update). With full pages every such change wrote a
-- new entry into every index of the table: four for a voucher redeemed in
-- part, one for a kept answer. (A voucher redeemed in full changes its
-- status, which an index named until migration 1007.) Pages written from
-- now on keep a quarter free; pages written before keep what they have.
ALTER TABLE vouchers SET (fillfactor = 75);
ALTER TABLE request_answers SET (fillfactor = 75);
ALTER TABLE idempotency_keys SET (fillfactor = 75);
