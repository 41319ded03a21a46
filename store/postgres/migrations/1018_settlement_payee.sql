-- A statement names the payee as it stood when the statement was closed:
-- the city pays the IBAN on the statement, and a shop's IBAN changed
-- afterwards (PUT /admin/shops/{id}) must not rewrite a statement closed
-- or paid before. Statements closed before this migration take the shop's
-- name and IBAN as they are now, the best that is known of them.
ALTER TABLE voucher_settlements ADD COLUMN shop_name TEXT NOT NULL DEFAULT '';
ALTER TABLE voucher_settlements ADD COLUMN iban TEXT NOT NULL DEFAULT '';
UPDATE voucher_settlements st SET shop_name = s.name, iban = s.iban FROM voucher_shops s WHERE s.id = st.shop_id;
