-- One shop per name and address, letter case and runs of spaces aside. The
-- vouchers domain refuses a second registration (refuseDuplicateShop), but
-- two registrations racing each other both pass that check; this index
-- refuses the second one. name_key is vouchers.ShopKey(name, address), which
-- the store writes with every insert and update; existing rows get the
-- closest SQL for it (lower case, spaces trimmed and collapsed), equal to
-- the Go key for the names people type.
--
-- Duplicates registered before the check existed are kept, not deleted or
-- merged: each has its own ledger accounts, redemptions and statements, so
-- neither is safe in a migration. The oldest of each group keeps the plain
-- key; every later one gets its id appended (after a newline, which no Go
-- key contains), so the index holds and nothing is lost. Such a shop keeps
-- working; an edit of it that keeps the name and address is refused as a
-- duplicate, as the domain's check already refused it, until an
-- administrator renames it.
ALTER TABLE voucher_shops ADD COLUMN name_key TEXT NOT NULL DEFAULT '';
UPDATE voucher_shops SET name_key =
    lower(regexp_replace(btrim(name), '\s+', ' ', 'g')) || E'\n' || lower(regexp_replace(btrim(address), '\s+', ' ', 'g'));
UPDATE voucher_shops AS s SET name_key = s.name_key || E'\n' || s.id
 WHERE EXISTS (SELECT 1 FROM voucher_shops AS o
                WHERE o.name_key = s.name_key
                  AND (o.created_at < s.created_at OR (o.created_at = s.created_at AND o.id < s.id)));
ALTER TABLE voucher_shops ALTER COLUMN name_key DROP DEFAULT;
CREATE UNIQUE INDEX voucher_shops_name_key ON voucher_shops (name_key);
