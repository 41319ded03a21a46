-- Card money owed back to a card, one row per ticket order, written with the
-- decision to refund; the id is the idempotency key sent to Stripe.
CREATE TABLE ticket_card_refunds (
    id                TEXT PRIMARY KEY,
    order_id          TEXT NOT NULL UNIQUE REFERENCES ticket_orders (id),
    payment_intent_id TEXT NOT NULL,
    amount_cents      BIGINT NOT NULL CHECK (amount_cents > 0),
    state             TEXT NOT NULL CHECK (state IN ('owed', 'sent', 'done', 'failed')),
    stripe_refund_id  TEXT NOT NULL DEFAULT '',
    attempts          INTEGER NOT NULL DEFAULT 0,
    last_error        TEXT NOT NULL DEFAULT '',
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX ticket_card_refunds_due ON ticket_card_refunds (state, updated_at);
