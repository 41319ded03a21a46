-- A buyer who starts paying a held order by card may change their mind and
-- pay with credit or let the seats go: the card payment is then canceled
-- at Stripe and detached from the order. card_attempt counts those
-- cancels; a later card payment of the order is started under an
-- idempotency key that includes it, because the key of the canceled
-- attempt would answer the canceled PaymentIntent, which can never be
-- paid. Orders before this migration are in attempt 0, whose key is the
-- one they were started under.
ALTER TABLE ticket_orders ADD COLUMN card_attempt INTEGER NOT NULL DEFAULT 0 CHECK (card_attempt >= 0);
