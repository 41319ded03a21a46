-- (see the PostgreSQL migration of the same number; timestamps: Unix microseconds)
-- What Stripe reports after a payment. card_payments holds every
-- PaymentIntent the hub itself created (a wallet top-up or a ticket order):
-- an event about any other payment is recorded for an operator and never
-- credited. stripe_events makes every event count once, whatever the number
-- of deliveries; card_disputes follows each dispute from hold to close.
CREATE TABLE card_payments (
    id             TEXT PRIMARY KEY,
    purpose        TEXT NOT NULL CHECK (purpose IN ('wallet_topup', 'ticket_order')),
    account_id     TEXT NOT NULL,
    order_id       TEXT NOT NULL DEFAULT '',
    amount_cents   INTEGER NOT NULL CHECK (amount_cents > 0),
    -- credited_cents: what a top-up put on the citizen's credit (0 until paid).
    credited_cents INTEGER NOT NULL DEFAULT 0,
    -- refunded_cents: refunds made at Stripe, outside the hub, as accounted.
    refunded_cents INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);
CREATE INDEX card_payments_account ON card_payments (account_id);

CREATE TABLE card_disputes (
    id                TEXT PRIMARY KEY,
    payment_id        TEXT NOT NULL REFERENCES card_payments (id),
    amount_cents      INTEGER NOT NULL CHECK (amount_cents > 0),
    status            TEXT NOT NULL CHECK (status IN ('open', 'won', 'lost')),
    reason            TEXT NOT NULL DEFAULT '',
    -- Where the held money came from: the citizen's credit, the city (the
    -- part beyond the disputed_topup bound), or theatre revenue.
    from_credit_cents INTEGER NOT NULL DEFAULT 0,
    from_city_cents   INTEGER NOT NULL DEFAULT 0,
    from_sale_cents   INTEGER NOT NULL DEFAULT 0,
    created_at        INTEGER NOT NULL,
    closed_at         INTEGER
);
CREATE INDEX card_disputes_payment ON card_disputes (payment_id);

CREATE TABLE stripe_events (
    id                TEXT PRIMARY KEY,
    type              TEXT NOT NULL,
    payment_intent_id TEXT NOT NULL DEFAULT '',
    object_id         TEXT NOT NULL DEFAULT '',
    amount_cents      INTEGER NOT NULL DEFAULT 0,
    currency          TEXT NOT NULL DEFAULT '',
    livemode          INTEGER NOT NULL DEFAULT 0,
    -- outcome: applied, no_effect or attention (a person must look).
    outcome           TEXT NOT NULL DEFAULT '',
    attention         TEXT NOT NULL DEFAULT '',
    note              TEXT NOT NULL DEFAULT '',
    transaction_id    TEXT NOT NULL DEFAULT '',
    received_at       INTEGER NOT NULL
);
CREATE INDEX stripe_events_attention ON stripe_events (received_at DESC) WHERE attention <> '';

-- Ticket orders find their payment, and carry what Stripe reported after it.
CREATE INDEX ticket_orders_payment_intent ON ticket_orders (payment_intent_id) WHERE payment_intent_id <> '';
ALTER TABLE ticket_orders ADD COLUMN dispute TEXT NOT NULL DEFAULT '';
ALTER TABLE ticket_orders ADD COLUMN card_refunded_cents INTEGER NOT NULL DEFAULT 0;

-- Card top-ups credited before this table existed were the hub's own.
INSERT INTO card_payments (id, purpose, account_id, amount_cents, credited_cents, created_at, updated_at)
SELECT t.ref_id, 'wallet_topup', substr(e.account_id, 9), e.amount, e.amount, t.created_at, t.created_at
FROM ledger_transactions t JOIN ledger_entries e ON e.transaction_id = t.id AND e.account_id LIKE 'citizen:%'
WHERE t.kind = 'topup.card' AND t.ref_type = 'payment_intent' AND e.amount > 0
ON CONFLICT (id) DO NOTHING;
