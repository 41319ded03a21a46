-- A buyer's orders are read a page at a time, newest first, with the id
-- last to break ties, from the order a page's cursor names (and the newest
-- ten thousand at once for the buyer's data download). The index on
-- (account_id, created_at DESC) left ties of time to a sort and could not
-- start a page at its cursor; this one, read backwards, serves the order
-- and the cursor both. It keeps the name: the count of a buyer's held
-- seats reads it by account too.
DROP INDEX ticket_orders_account;
CREATE INDEX ticket_orders_account ON ticket_orders (account_id, created_at, id);
