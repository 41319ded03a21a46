-- The city's rule for buyers cancelling their own paid orders: until this
-- many hours before the start; NULL: only an administrator refunds.
ALTER TABLE ticket_performances ADD COLUMN self_cancel_hours INTEGER CHECK (self_cancel_hours BETWEEN 0 AND 720);
