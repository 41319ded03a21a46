-- The administrators' lists of campaigns, shops and statements are read a
-- page at a time, each in its order with the id last to break ties
-- (campaigns newest first, shops by district and name, statements newest
-- first, all of them or one shop's), from the row a page's cursor names:
-- an index in each order finds a page's first row and reads the page from
-- there, where a list read whole sorted every row of the table. An index
-- read backwards serves the order run down and the page before a cursor.
-- The shops' and a shop's statements' indexes take the id as their last
-- key in place of the ones without it.
CREATE INDEX voucher_campaigns_listed ON voucher_campaigns (created_at, id);
DROP INDEX voucher_shops_district;
CREATE INDEX voucher_shops_listed ON voucher_shops (district, name, id);
DROP INDEX voucher_settlements_shop;
CREATE INDEX voucher_settlements_shop ON voucher_settlements (shop_id, closed_at, id);
CREATE INDEX voucher_settlements_listed ON voucher_settlements (closed_at, id);
